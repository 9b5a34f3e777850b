#!/usr/bin/env python3
"""PyTorch (CPU) side of initlab's benchmark workloads. Prints one line per run:
   torch <workload> threads=<n> us_per_step=<median> steps_per_s=<..> [extra]
The other side: examples/train_bench.rs; scripts/bench_vs_torch.sh runs both.
Usage: python3 scripts/torch_bench.py WORKLOAD [THREADS]   (WORKLOAD: w1 w2 w3 w4 w5; THREADS default 1)

w1 toy MLP     2-100-100-3 ReLU, batch 300, cross-entropy, SGD step        (per-op overhead bound)
w2 wide MLP    784-512-512-10 ReLU, batch 128, cross-entropy, SGD step     (GEMM bound)
w3 conv net    Conv(1,16,3,p1)-BN2d-ReLU-Conv(16,32,3,s2,p1)-BN2d-ReLU-Flatten-Linear(6272,10),
               batch 32 x 1x28x28, cross-entropy, SGD step
w4 deep signal 100 x Linear(256,256,bias=False), N(0,1/256) init, forward only, batch 16
w5 init sweep  spiral (3 classes x 100 points), MLP 2-100-100-3 ReLU, 10 inits x 5 seeds x 300
               full-batch epochs, SGD lr 0.1 momentum 0.9; the whole sweep is one 'step'
"""
import math, statistics, sys, time
import torch, torch.nn as nn


def mlp(inp, hid, out, depth):
    layers, d = [], inp
    for _ in range(depth):
        layers += [nn.Linear(d, hid), nn.ReLU()]
        d = hid
    layers.append(nn.Linear(d, out))
    return nn.Sequential(*layers)


def train_steps(model, x, y, steps):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    lossf = nn.CrossEntropyLoss()
    times = []
    for i in range(steps + 5):
        t = time.perf_counter()
        opt.zero_grad()
        l = lossf(model(x), y)
        l.backward()
        opt.step()
        l.item()
        if i >= 5:
            times.append(time.perf_counter() - t)
    return times


def spiral(seed, n=100, k=3):
    g = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    for j in range(k):
        r = torch.linspace(0.0, 1.0, n)
        t = torch.linspace(j * 4.0, (j + 1) * 4.0, n) + 0.2 * torch.randn(n, generator=g)
        xs.append(torch.stack([r * torch.sin(t), r * torch.cos(t)], 1))
        ys.append(torch.full((n,), j, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


INITS = {
    "zeros": lambda w: nn.init.zeros_(w),
    "ones": lambda w: nn.init.ones_(w),
    "uniform": lambda w: nn.init.uniform_(w),
    "normal": lambda w: nn.init.normal_(w),
    "normal_0.01": lambda w: nn.init.normal_(w, std=0.01),
    "xavier_uniform": lambda w: nn.init.xavier_uniform_(w),
    "xavier_normal": lambda w: nn.init.xavier_normal_(w),
    "kaiming_uniform": lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "kaiming_normal": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "orthogonal": lambda w: nn.init.orthogonal_(w, gain=nn.init.calculate_gain("relu")),
}


def sweep():
    x, y = spiral(0)
    finals = {}
    for name, f in INITS.items():
        for seed in range(5):
            torch.manual_seed(seed)
            m = mlp(2, 100, 3, 2)
            for mod in m.modules():
                if isinstance(mod, nn.Linear):
                    f(mod.weight)
                    nn.init.zeros_(mod.bias)
            opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
            lossf = nn.CrossEntropyLoss()
            for _ in range(300):
                opt.zero_grad()
                l = lossf(m(x), y)
                l.backward()
                opt.step()
            finals.setdefault(name, []).append(l.item())
    return finals


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help") or len(args) > 2:
        print(__doc__.strip())
        sys.exit(0 if args and args[0] in ("-h", "--help") else 1)
    w = args[0]
    if w not in ("w1", "w2", "w3", "w4", "w5"):
        sys.exit(f"error: unknown workload '{w}': one of w1 w2 w3 w4 w5 (--help says what each is)")
    if len(args) > 1 and not (args[1].isdigit() and int(args[1]) > 0):
        sys.exit(f"error: THREADS '{args[1]}': needs a whole number >= 1")
    threads = int(args[1]) if len(args) > 1 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    extra = ""
    if w == "w1":
        times = train_steps(mlp(2, 100, 3, 2), torch.randn(300, 2), torch.arange(300) % 3, 1000)
    elif w == "w2":
        times = train_steps(mlp(784, 512, 10, 2), torch.randn(128, 784), torch.arange(128) % 10, 200)
    elif w == "w3":
        m = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                          nn.Flatten(), nn.Linear(32 * 14 * 14, 10))
        times = train_steps(m, torch.randn(32, 1, 28, 28), torch.arange(32) % 10, 60)
    elif w == "w4":
        layers = [nn.Linear(256, 256, bias=False) for _ in range(100)]
        for l in layers:
            nn.init.normal_(l.weight, std=math.sqrt(1 / 256))
        x = torch.randn(16, 256)
        times = []
        with torch.no_grad():
            for i in range(205):
                t = time.perf_counter()
                h = x
                for l in layers:
                    h = l(h)
                float(h.std())
                if i >= 5:
                    times.append(time.perf_counter() - t)
        extra = f"final_std={float(h.std()):.3f}"
    elif w == "w5":
        t = time.perf_counter()
        finals = sweep()
        times = [time.perf_counter() - t]
        extra = " ".join(f"{k}={statistics.mean(v):.3f}" for k, v in finals.items())
    else:
        sys.exit(f"unknown workload {w}")
    med = statistics.median(times)
    print(f"torch {w} threads={threads} us_per_step={med * 1e6:.1f} steps_per_s={1 / med:.2f} {extra}".rstrip())


if __name__ == "__main__":
    main()
