"""Dropout masks and dropout training runs from PyTorch, for tests/torch_dropout.rs.

torch's CPU dropout (aten/src/ATen/native/Dropout.cpp, `_dropout`) is
`noise = empty_like(x).bernoulli_(1 - p); noise.div_(1 - p); x * noise`. Where bernoulli_(p)
draws depends on the CPU (aten/src/ATen/native/cpu/DistributionKernels.cpp): on an Intel CPU with
MKL it seeds MKL's MCG31m1 stream with one generator word; elsewhere (this script asserts it runs
there) it takes one double uniform (random64) per element, serially: 1 where u < p.

    python3 scripts/dropout_torch_fixtures.py   # writes tests/fixtures/torch_rng/dropout.json
"""
import json, os, sys
import torch, torch.nn as nn, torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_equiv as te  # noqa: E402


def on_intel():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("vendor_id"):
                return "GenuineIntel" in line
    except OSError:
        pass
    return False


def masks():
    out = []
    for seed, shape, p in [(0, [20], 0.5), (1, [300, 16], 0.1), (7, [3, 5, 7], 0.25), (2, [1000], 0.9), (3, [4], 0.0),
                           (4, [6], 1.0), (5, [2049], 0.3)]:
        per_threads = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            torch.manual_seed(seed)
            a = F.dropout(torch.ones(shape), p, True)
            b = F.dropout(torch.full(shape, 3.0), p, True)
            after = torch.rand(1).item()
            per_threads.append((a, b, after))
        (a, b, after), (a2, b2, after2) = per_threads
        assert torch.equal(a, a2) and torch.equal(b, b2) and after == after2, "thread count changed the mask"
        out.append({"seed": seed, "shape": shape, "p": p, "first": a.flatten().tolist(),
                    "second": b.flatten().tolist(), "rand_after": after})
    return out


def model(p):
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(p), nn.Linear(16, 16), nn.ReLU(), nn.Dropout(p),
                         nn.Linear(16, 3))


def runs():
    x, y = te.spiral(torch.Generator().manual_seed(0))
    out = []
    for seed, bs, rules in [(0, None, "constant(val=0.05)"), (1, None, "constant(val=0.05)"),
                            (2, 100, "constant(val=0.05)"), (3, 64, "kaiming_normal(nonlinearity=relu)")]:
        torch.manual_seed(seed)
        m = model(0.1)
        te.apply_rules(m, rules)
        m.train()
        opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        n = len(x)
        b = min(bs or n, n)
        losses = []
        for _ in range(40):
            order = torch.randperm(n) if b < n else torch.arange(n)
            ls = []
            for i in range(0, n, b):
                idx = order[i:i + b]
                loss = F.cross_entropy(m(x[idx]), y[idx])
                opt.zero_grad(); loss.backward(); opt.step()
                ls.append(loss.item())
            losses.append(sum(ls) / len(ls))
        out.append({"seed": seed, "batch_size": bs, "init": rules, "p": 0.1, "losses": losses})
    return out


def main():
    if on_intel():
        sys.exit("this machine is Intel: torch's bernoulli_ takes MKL's MCG31 stream here, not the path initlab "
                 "reproduces; run on a non-Intel CPU")
    path = os.path.join(HERE, "..", "tests", "fixtures", "torch_rng", "dropout.json")
    doc = {"source": "scripts/dropout_torch_fixtures.py", "torch": torch.__version__,
           "model": "Linear(2,16) ReLU Dropout(0.1) Linear(16,16) ReLU Dropout(0.1) Linear(16,3), SGD lr 0.1 "
                    "momentum 0.9, 40 epochs on spiral (seed 0)",
           "masks": masks(), "runs": runs()}
    with open(path, "w") as f:
        json.dump(doc, f)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
