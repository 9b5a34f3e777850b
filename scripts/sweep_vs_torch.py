#!/usr/bin/env python3
"""The default sweep, run for run against PyTorch: runs scripts/compare_torch.py with
`initlab compare`'s defaults (mlp:2-100-100-3:relu on spiral, the ten classic inits, 5 seeds, 300
full-batch epochs of SGD lr 0.05 momentum 0.9) and prints, per init, the largest relative
difference of a loss at any epoch from initlab's metrics.csv, with the run and epoch where it is.

  cargo run --release -- compare --out runs/default --quiet
  python3 scripts/sweep_vs_torch.py runs/default/metrics.csv

Needs torch (about 30 s of CPU).
"""
import csv, io, os, subprocess, sys

INITS = ["zeros", "ones", "uniform", "normal", "normal(std=0.01)", "xavier_uniform", "xavier_normal",
         "kaiming_uniform(nonlinearity=relu)", "kaiming_normal(nonlinearity=relu)", "orthogonal(gain=relu)"]


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__.strip())
    here = os.path.dirname(os.path.abspath(__file__))
    args = [sys.executable, os.path.join(here, "compare_torch.py"), "--model", "mlp:2-100-100-3:relu",
            "--data", "spiral", "--seeds", "5", "--epochs", "300"]
    for i in INITS:
        args += ["--init", i]
    torch_csv = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    want = {(r["init"], r["seed"], r["epoch"]): float(r["loss"]) for r in csv.DictReader(io.StringIO(torch_csv))}
    worst = {}
    with open(sys.argv[1]) as f:
        for r in csv.DictReader(f):
            k = (r["init"], r["seed"], r["epoch"])
            if k not in want:
                continue
            d = abs(float(r["loss"]) - want[k]) / abs(want[k])
            if d >= worst.get(r["init"], (-1.0,))[0]:
                worst[r["init"]] = (d, r["seed"], r["epoch"])
    missing = [i for i in INITS if i not in worst]
    if missing:
        sys.exit(f"error: {sys.argv[1]} has no runs of {', '.join(missing)}: is it the default sweep's metrics.csv?")
    print("init                                largest relative difference  (seed, epoch)")
    for i in INITS:
        d, s, e = worst[i]
        print(f"{i:<36}{d:>11.2e}                  ({s}, {e})")


if __name__ == "__main__":
    main()
