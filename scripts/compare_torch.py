#!/usr/bin/env python3
"""The PyTorch program that `initlab compare` runs, run for run: same seeds, same weights bit for
bit, same batches, same per-epoch losses to float rounding. Prints `init,seed,epoch,loss` CSV
(the columns of initlab's metrics.csv) for every run.

  python3 scripts/compare_torch.py --model mlp:2-100-100-3:relu --data spiral \
      --init kaiming_normal(nonlinearity=relu) --seeds 2 --epochs 300 [--batch-size 64] \
      [--optimizer sgd|adam] [--lr 0.05] [--momentum 0.9] [--weight-decay 0]

Defaults by task, as initlab compare's: sgd (lr 0.05, momentum 0.9) for classification, adam
(lr 1e-3) for regression (sine).

For each init k and seed index s, exactly what initlab does:

    x, y = dataset(data, seed)                  # torch.Generator().manual_seed(seed), see torch_equiv.py
    torch.manual_seed(seed + s)
    model = build(spec)                         # each layer draws its default init
    apply_rules(model, rules)                   # named_parameters() order, last matching rule wins
    opt = torch.optim.SGD(model.parameters(), lr, momentum=momentum, weight_decay=wd)  # or Adam(lr, wd)
    for epoch in range(epochs):
        order = torch.randperm(n) if batch_size < n else torch.arange(n)
        losses = []
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            loss = loss_fn(model(x[idx]), y[idx])   # cross_entropy, or mse_loss for regression
            opt.zero_grad(); loss.backward(); opt.step()
            losses.append(loss.item())
        epoch_loss = mean(losses)

Needs torch (pip install torch); model shorthand as initlab's (mlp:…, conv:…) or a JSON spec file.
"""
import argparse, json, math, os, sys
import torch, torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_equiv as te  # noqa: E402

from torch_spec import build  # noqa: E402  (the PyTorch twin of the JSON spec)

ACT = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU"}


def sizes(text):
    out = []
    for tok in text.split("-"):
        n, _, k = tok.partition("x")
        out += [int(n)] * (int(k) if k else 1)
    return out


def spec_of(model, x):
    """initlab's --model shorthand as a JSON spec (src/lab/model.rs)."""
    if not (model.startswith("mlp:") or model.startswith("conv:")):
        return json.load(open(model))
    kind, rest = model.split(":", 1)
    parts = rest.split(":")
    act, bn, bias = "relu", False, True
    for p in parts[1:]:
        if p == "bn":
            bn = True
        elif p == "nobias":
            bias = False
        else:
            act = p
    layers = []
    if kind == "mlp":
        s = sizes(parts[0])
        for i in range(len(s) - 1):
            layers.append({"type": "Linear", "in_features": s[i], "out_features": s[i + 1], "bias": bias})
            if i + 2 < len(s):
                if bn:
                    layers.append({"type": "BatchNorm1d", "num_features": s[i + 1]})
                if act in ACT:
                    layers.append({"type": ACT[act]})
        return {"type": "Sequential", "layers": layers}
    _, c, h, w = x.shape
    for i, cout in enumerate(sizes(parts[0])):
        stride = 1 if i == 0 else 2
        layers.append({"type": "Conv2d", "in_channels": c, "out_channels": cout, "kernel_size": 3, "stride": stride,
                       "padding": 1, "bias": bias})
        if bn:
            layers.append({"type": "BatchNorm2d", "num_features": cout})
        if act in ACT:
            layers.append({"type": ACT[act]})
        c, h, w = cout, (h - 1) // stride + 1, (w - 1) // stride + 1
    layers += [{"type": "Flatten"}, {"type": "Linear", "in_features": c * h * w, "out_features": 4, "bias": bias}]
    return {"type": "Sequential", "layers": layers}


def run(spec, rules, x, y, seed, a):
    torch.manual_seed(seed)
    model = build(spec)
    if rules:
        te.apply_rules(model, rules)
    model.train()
    if a.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    classify = y.dtype == torch.long
    n = len(x)
    bs = min(a.batch_size or n, n)
    losses = []
    for _ in range(a.epochs):
        order = torch.randperm(n) if bs < n else torch.arange(n)
        batch_losses = []
        for i in range(0, n, bs):
            idx = order[i:i + bs]
            out = model(x[idx])
            loss = F.cross_entropy(out, y[idx]) if classify else F.mse_loss(out, y[idx])
            batch_losses.append(loss.item())
            if not math.isfinite(batch_losses[-1]):
                break
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(sum(batch_losses) / len(batch_losses))
        # initlab's divergence rule: a non-finite loss, or a regression loss past 1e6 times the
        # first epoch's (REGRESSION_BLOWUP in src/lab/train/train_loop.rs); the run stops there.
        if not math.isfinite(batch_losses[-1]) or (not classify and losses[-1] > 1e6 * max(losses[0], 2.2250738585072014e-308)):
            break
    return losses


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="mlp:2-100-100-3:relu")
    p.add_argument("--data", default="spiral")
    p.add_argument("--init", action="append", default=[])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--optimizer", choices=["sgd", "adam"])
    p.add_argument("--lr", type=float)
    p.add_argument("--momentum", type=float)
    p.add_argument("--weight-decay", type=float, default=0.0)
    a = p.parse_args()
    torch.set_num_threads(1)
    x, y = te.dataset(a.data, a.seed)
    regression = y.dtype.is_floating_point
    if a.optimizer is None:
        a.optimizer = "adam" if regression else "sgd"
    if a.lr is None:
        a.lr = 1e-3 if a.optimizer == "adam" else 0.05
    if a.momentum is None:
        a.momentum = 0.9 if a.optimizer == "sgd" else 0.0
    print(f"# {a.optimizer}, lr {a.lr}, momentum {a.momentum}", file=sys.stderr)
    spec = spec_of(a.model, x)
    print("init,seed,epoch,loss")
    for text in a.init:
        label, _, rules = text.rpartition("@")
        label = label or rules
        for s in range(a.seeds):
            for e, l in enumerate(run(spec, rules, x, y, a.seed + s, a)):
                print(f"{label},{s},{e},{l!r}")


if __name__ == "__main__":
    main()
