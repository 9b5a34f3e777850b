#!/usr/bin/env python3
"""Where a full-batch trajectory leaves float noise, and why: initlab's states (from
examples/trajectory_dump.rs) beside PyTorch's float32 and float64 runs of the same program
(mlp:2-100-100-3:relu on spiral, SGD momentum 0.9 at lr 0.1 or --lr, 300 full-batch epochs).

Per epoch it prints each side's parameter error against float64 (‖θ − θ64‖/‖θ64‖); at the first
epoch where initlab's error jumps by JUMP (5x) it names the parameter that moved and the pre-activation
nearest a ReLU kink at that epoch, with its value in float64, initlab and PyTorch float32 (all
three evaluated in float64 from each side's weights): a sign that differs from float64's there
sends the run onto another path, whatever the gradients' accuracy.

  cargo run --release --example trajectory_dump -- default 1 /tmp/trajectory.f32 [LR]
  python3 scripts/trajectory_kink.py --init default --seed 1 [--lr LR] /tmp/trajectory.f32

Found with it (2026-12-01): `default` seed 1 keeps initlab's state closer to float64 than
PyTorch float32's (1.9e-7 vs 2.4e-7 at epoch 50, every parameter's max error no larger) until
epoch 75, where sample 48's pre-activation of unit 83 in the second hidden layer is −2.7e-8 in
float64, +2.5e-7 from initlab's weights and −7.1e-7 from PyTorch float32's: initlab's rounding
lands on the other side of the kink, and the loss curves part by up to 1.7e-4 later. (That was
with the kernels of that morning; with the GEMM layer of the same evening, initlab's state stays
closer to float64's than PyTorch float32's for all 300 epochs, 6.7e-6 against 9.6e-5 at the end;
with the one-exp cross-entropy of 2026-12-01's night, 2.6e-6 against 9.6e-5.)
Needs torch and numpy.
"""
import argparse, os, sys
import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_equiv as te  # noqa: E402
import compare_torch as ct  # noqa: E402
from torch_spec import build  # noqa: E402


def states(spec, x, y, rules, seed, dtype, epochs, lr):
    torch.manual_seed(seed)
    m = build(spec)
    if rules != "default":
        te.apply_rules(m, rules)
    m = m.to(dtype)
    xx = x.to(dtype)
    opt = torch.optim.SGD(m.parameters(), lr=lr, momentum=0.9)
    out = []
    for e in range(epochs + 1):
        out.append(torch.cat([p.detach().flatten().double() for p in m.parameters()]).numpy())
        if e == epochs:
            break
        loss = F.cross_entropy(m(xx), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return np.array(out)


# A one-epoch jump in initlab's error this large marks it leaving float noise (xavier_normal seed 4
# at lr 0.05 leaves at epoch 46 by 6.9x: 1.7e-7 to 1.2e-6).
JUMP = 5


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dump", help="examples/trajectory_dump.rs's output")
    p.add_argument("--init", default="default")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--lr", type=float, default=0.1, help="as given to trajectory_dump (default 0.1)")
    a = p.parse_args()
    torch.set_num_threads(1)
    x, y = te.dataset("spiral", 0)
    spec = ct.spec_of("mlp:2-100-100-3:relu", x)
    s32 = states(spec, x, y, a.init, a.seed, torch.float32, a.epochs, a.lr)
    s64 = states(spec, x, y, a.init, a.seed, torch.float64, a.epochs, a.lr)
    il = np.fromfile(a.dump, dtype="<f4").astype(np.float64).reshape(a.epochs + 1, -1)
    model = build(spec)
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    off = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
    err = lambda s, e: np.linalg.norm(s[e] - s64[e]) / np.linalg.norm(s64[e])
    print("epoch  initlab err  torch f32 err")
    jump = None
    for e in range(a.epochs + 1):
        ei, et = err(il, e), err(s32, e)
        if e % 25 == 0 or (jump is None and e > 1 and ei > JUMP * max(err(il, e - 1), 1e-12)):
            print(f"{e:5d}  {ei:11.3e}  {et:13.3e}")
        if jump is None and e > 1 and ei > JUMP * max(err(il, e - 1), 1e-12):
            jump = e
    if jump is None:
        print(f"initlab's error never jumps {JUMP}-fold in one epoch")
        return
    d = il[jump] - s64[jump]
    i = int(np.argmax(abs(d)))
    k = int(np.searchsorted(off, i, side="right") - 1)
    print(f"jump at epoch {jump}: largest change {names[k]}[{i - off[k]}] {d[i]:+.3e}")

    def pre(vec):
        ps = [torch.tensor(vec[off[j]:off[j + 1]]).reshape(shapes[j]) for j in range(len(shapes))]
        h, zs = x.double(), []
        for j in range(0, len(ps) - 2, 2):
            z = h @ ps[j].T + ps[j + 1]
            zs.append(z)
            h = z.clamp(min=0)
        return zs

    e = jump - 1
    for layer, (z64, zi, z32) in enumerate(zip(pre(s64[e]), pre(il[e]), pre(s32[e]))):
        n, u = np.unravel_index(int(torch.argmin(z64.abs())), z64.shape)
        print(f"epoch {e}, hidden layer {layer + 1}: nearest kink sample {n} unit {u}: "
              f"float64 {z64[n, u]:+.3e}  initlab {zi[n, u]:+.3e}  torch f32 {z32[n, u]:+.3e}")


if __name__ == "__main__":
    main()
