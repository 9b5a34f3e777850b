#!/usr/bin/env python3
"""Fixtures for `initlab width` (tests/cli_width.rs, src/lab/experiments/width): mup 1.0.0's own
coord check (`mup.coord_check.get_coord_data`) and lr-sweep final losses, on initlab's spiral
data, so the tests compare against PyTorch + mup without needing either. Self-contained.

The program is the one README's "Width and μP" shows beside `initlab width`:
- data: initlab's `spiral` training set for data seed 0 (300 points, 3 classes), one fixed full
  batch (`--batch-size N`: its first N points);
- model of width w: Linear(2, w), act, (Linear(w, w), act) x (hidden - 1), then the readout:
  nn.Linear(w, 3) for SP, MuReadout(w, 3, output_mult, readout_zero_init) for μP;
- μP: base and delta shapes from models built on the meta device (no random numbers drawn),
  delta width = 2 x base; `set_base_shapes(model, base_shapes)` rescales the fresh model;
- optimizer: torch's Adam/SGD for SP, mup's MuAdam/MuSGD for μP;
- coord check: for seed i, `torch.manual_seed(i)`, then each width built and trained in turn.

Usage: python3 scripts/make_mup_fixtures.py [OUT.json]   (default tests/fixtures/mup/width.json)
"""
import json, math, os, sys
import torch, torch.nn as nn, torch.nn.functional as F
import mup
from mup import MuReadout, set_base_shapes, make_base_shapes, get_shapes
from mup.coord_check import get_coord_data, _get_coord_data
from mup.optim import MuAdam, MuSGD

HERE = os.path.dirname(os.path.abspath(__file__))
ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}


def spiral(seed=0, per=100, k=3):
    """initlab's `spiral` (cs231n's layout): radius linspace(0, 1), angle 4j..4(j+1) + 0.2·randn."""
    g = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    for j in range(k):
        r = torch.linspace(0.0, 1.0, per)
        t = torch.linspace(j * 4.0, (j + 1) * 4.0, per) + 0.2 * torch.randn(per, generator=g)
        xs.append(torch.stack([r * torch.sin(t), r * torch.cos(t)], 1))
        ys.append(torch.full((per,), j, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


def mlp(w, c, device=None):
    layers = [nn.Linear(2, w, device=device), ACTS[c["act"]]()]
    for _ in range(c["hidden"] - 1):
        layers += [nn.Linear(w, w, device=device), ACTS[c["act"]]()]
    if c["param"] == "mup":
        layers.append(MuReadout(w, 3, output_mult=c["output_mult"], readout_zero_init=c["readout_zero_init"],
                                device=device))
    else:
        layers.append(nn.Linear(w, 3, device=device))
    return nn.Sequential(*layers)


def base_shapes(c):
    state = torch.get_rng_state()
    with torch.device("meta"):
        b = make_base_shapes(get_shapes(mlp(c["base_width"], c, "meta")), get_shapes(mlp(2 * c["base_width"], c, "meta")))
    assert torch.equal(state, torch.get_rng_state()), "base shapes must not draw"
    return b


def lazy(w, c, bsh):
    if c["param"] == "mup":
        return lambda: set_base_shapes(mlp(w, c), bsh)
    return lambda: mlp(w, c)


def batch(c):
    x, y = spiral(0)
    n = c.get("batch_size") or len(x)
    return x[:n], y[:n]


def coord_case(c):
    bsh = base_shapes(c) if c["param"] == "mup" else None
    models = {w: lazy(w, c, bsh) for w in c["widths"]}
    if c.get("momentum"):
        # get_coord_data has no momentum: its inner _get_coord_data with the optimizer it would build.
        cls = (MuSGD if c["param"] == "mup" else torch.optim.SGD)
        optcls = lambda model: cls(model.parameters(), lr=c["lr"], momentum=c["momentum"])
        df = _get_coord_data(models, [batch(c)], optcls, nsteps=c["steps"], nseeds=c["seeds"], cuda=False,
                             show_progress=False, lossfn="xent")
    else:
        df = get_coord_data(models, [batch(c)], optimizer=c["optimizer"], lr=c["lr"], mup=c["param"] == "mup",
                            nsteps=c["steps"], nseeds=c["seeds"], cuda=False, show_progress=False, lossfn="xent")
    # get_coord_data appends in order (seed, width, step, module); keep that order and the seed.
    per = len(c["widths"]) * c["steps"]
    recs = df.to_dict("records")
    n_mod = len(recs) // (c["seeds"] * per)
    out = []
    for k, r in enumerate(recs):
        seed = k // (per * n_mod)
        out.append([int(r["width"]), seed, int(r["t"]), r["module"], float(r["l1"])])
    return dict(c, records=out)


def sweep_case(c):
    """Each run: torch.manual_seed(seed), build, `steps` full-batch updates; the final loss is the
    full-batch loss after the last update."""
    x, y = batch(c)
    bsh = base_shapes(c) if c["param"] == "mup" else None
    rows = []
    for w in c["widths"]:
        for lr in c["lrs"]:
            for seed in range(c["seeds"]):
                torch.manual_seed(seed)
                m = lazy(w, c, bsh)()
                kw = {"momentum": c["momentum"]} if c.get("momentum") else {}
                if c["param"] == "mup":
                    opt = (MuAdam if c["optimizer"] == "adam" else MuSGD)(m.parameters(), lr=lr, **kw)
                else:
                    opt = (torch.optim.Adam if c["optimizer"] == "adam" else torch.optim.SGD)(m.parameters(), lr=lr, **kw)
                for _ in range(c["steps"]):
                    opt.zero_grad()
                    F.cross_entropy(m(x), y).backward()
                    opt.step()
                with torch.no_grad():
                    loss = float(F.cross_entropy(m(x), y))
                rows.append([w, lr, seed, loss if math.isfinite(loss) else None])
    return dict(c, runs=rows)


BASE = dict(act="relu", hidden=3, base_width=32, output_mult=1.0, readout_zero_init=False, batch_size=None)
COORD = [
    dict(BASE, param="mup", optimizer="adam", lr=0.01, widths=[32, 64, 128, 256], seeds=2, steps=4),
    dict(BASE, param="sp", optimizer="adam", lr=0.01, widths=[32, 64, 128, 256], seeds=2, steps=4),
    dict(BASE, param="mup", optimizer="sgd", lr=0.1, widths=[16, 48, 96], seeds=2, steps=3, base_width=16,
         act="tanh", hidden=2, output_mult=2.0, readout_zero_init=True, batch_size=100),
    dict(BASE, param="sp", optimizer="sgd", lr=0.1, widths=[16, 48, 96], seeds=1, steps=3, act="tanh", hidden=2),
    # Beyond the first four: other depths, GELU, output_mult below 1, momentum, a base below the
    # smallest width, SP at depth 4.
    dict(BASE, param="mup", optimizer="adam", lr=0.02, widths=[16, 32, 64], seeds=2, steps=3, base_width=8,
         act="gelu", hidden=1, output_mult=0.5),
    dict(BASE, param="mup", optimizer="sgd", lr=0.05, momentum=0.9, widths=[32, 64, 128], seeds=1, steps=4,
         hidden=4, readout_zero_init=True),
    dict(BASE, param="sp", optimizer="adam", lr=0.005, widths=[32, 64, 128], seeds=2, steps=3, act="gelu", hidden=4),
    dict(BASE, param="mup", optimizer="adam", lr=0.01, widths=[48, 96], seeds=3, steps=2, base_width=16,
         output_mult=4.0, readout_zero_init=True, batch_size=64),
]
SWEEP = [
    dict(BASE, param="mup", optimizer="adam", widths=[32, 128], lrs=[0.003, 0.03], seeds=2, steps=20),
    dict(BASE, param="sp", optimizer="adam", widths=[32, 128], lrs=[0.003, 0.03], seeds=1, steps=20),
    dict(BASE, param="mup", optimizer="sgd", widths=[32, 96], lrs=[0.1, 1.0], seeds=1, steps=20, hidden=2),
    dict(BASE, param="mup", optimizer="adam", widths=[16, 64], lrs=[0.01, 0.1], seeds=1, steps=15, base_width=16,
         hidden=1, output_mult=2.0, act="tanh"),
    dict(BASE, param="sp", optimizer="sgd", widths=[32, 96], lrs=[0.05, 0.5], seeds=1, steps=15, hidden=2,
         momentum=0.9),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "fixtures", "mup", "width.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    doc = {"torch": torch.__version__, "mup": getattr(mup, "__version__", "1.0.0"),
           "coord_check": [coord_case(c) for c in COORD], "lr_sweep": [sweep_case(c) for c in SWEEP]}
    with open(out, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
