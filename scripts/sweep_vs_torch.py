#!/usr/bin/env python3
"""The default sweep, run for run against PyTorch: runs scripts/compare_torch.py with
`initlab compare`'s defaults (mlp:2-100-100-3:relu on spiral, the ten classic inits, 5 seeds, 300
full-batch epochs of SGD lr 0.05 momentum 0.9) and prints, per init, the largest relative
difference of a loss at any epoch from initlab's metrics.csv, with the run and epoch where it is,
and the largest relative difference of one run's final loss (README's torch-sweep table, at lr 0.1).

  cargo run --release -- compare --out runs/default --quiet
  python3 scripts/sweep_vs_torch.py runs/default/metrics.csv
  cargo run --release -- compare --lr 0.1 --out runs/lr01 --quiet
  python3 scripts/sweep_vs_torch.py runs/lr01/metrics.csv --lr 0.1

Needs torch (about 30 s of CPU).
"""
import csv, io, os, subprocess, sys

INITS = ["zeros", "ones", "uniform", "normal", "normal(std=0.01)", "xavier_uniform", "xavier_normal",
         "kaiming_uniform(nonlinearity=relu)", "kaiming_normal(nonlinearity=relu)", "orthogonal(gain=relu)"]


def main():
    argv = sys.argv[1:]
    lr = None
    if len(argv) == 3 and argv[1] == "--lr":
        lr, argv = argv[2], argv[:1]
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        sys.exit(__doc__.strip())
    metrics = argv[0]
    here = os.path.dirname(os.path.abspath(__file__))
    args = [sys.executable, os.path.join(here, "compare_torch.py"), "--model", "mlp:2-100-100-3:relu",
            "--data", "spiral", "--seeds", "5", "--epochs", "300"] + (["--lr", lr] if lr else [])
    for i in INITS:
        args += ["--init", i]
    torch_csv = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    want = {(r["init"], r["seed"], r["epoch"]): float(r["loss"]) for r in csv.DictReader(io.StringIO(torch_csv))}
    worst, final = {}, {}
    last = max(int(k[2]) for k in want)
    with open(metrics) as f:
        for r in csv.DictReader(f):
            k = (r["init"], r["seed"], r["epoch"])
            if k not in want:
                continue
            d = abs(float(r["loss"]) - want[k]) / abs(want[k])
            if d >= worst.get(r["init"], (-1.0,))[0]:
                worst[r["init"]] = (d, r["seed"], r["epoch"])
            if int(r["epoch"]) == last:
                final[r["init"]] = max(final.get(r["init"], 0.0), d)
    missing = [i for i in INITS if i not in worst]
    if missing:
        sys.exit(f"error: {metrics} has no runs of {', '.join(missing)}: is it the default sweep's metrics.csv?")
    print("init                                largest relative difference  (seed, epoch)  of a final loss")
    for i in INITS:
        d, s, e = worst[i]
        print(f"{i:<36}{d:>11.2e}                  ({s}, {e}){final.get(i, float('nan')):>17.1e}")


if __name__ == "__main__":
    main()
