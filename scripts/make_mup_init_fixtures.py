#!/usr/bin/env python3
"""Fixtures for initlab's `mup.*` init schemes (src/init/mup_init.rs, tests/mup_init.rs): mup
1.0.0's `mup.init` functions on μP MLPs, the weights saved bit for bit. Self-contained.

Each case is the PyTorch program that `--param mup --base-width B --init RULES` stands for:
    torch.manual_seed(seed)
    model = Linear(2, w), act, (Linear(w, w), act) x (hidden - 1), MuReadout(w, 3)
    set_base_shapes(model, base_shapes)        # rescales the constructors' init; draws nothing
    for name, p in model.named_parameters():   # the rules, in named_parameters order
        <scheme of p>(p, ...)                  # mup.init.*_ (drawn after set_base_shapes, so
                                               # never rescaled), torch's zeros_ for a bare rule's
                                               # bias, or nothing (the rescaled constructor init)
Base and delta shapes come from meta-device models (no random numbers drawn), delta = 2 x base.

Usage: python3 scripts/make_mup_init_fixtures.py [OUT.json] (default tests/fixtures/mup/init.json)
"""
import json, os, sys
import torch, torch.nn as nn
import mup
import mup.init as mi
from mup import MuReadout, set_base_shapes, make_base_shapes, get_shapes

HERE = os.path.dirname(os.path.abspath(__file__))


def mlp(w, hidden, device=None):
    layers = [nn.Linear(2, w, device=device), nn.ReLU()]
    for _ in range(hidden - 1):
        layers += [nn.Linear(w, w, device=device), nn.ReLU()]
    layers.append(MuReadout(w, 3, device=device))
    return nn.Sequential(*layers)


def base_shapes(base, hidden):
    with torch.device("meta"):
        return make_base_shapes(get_shapes(mlp(base, hidden, "meta")), get_shapes(mlp(2 * base, hidden, "meta")))


# Each case: initlab's rules text and, per (owner type, local name), what the program calls.
# "-" leaves the parameter as set_base_shapes left it; "zeros" is torch's zeros_.
CASES = [
    dict(rules="mup.kaiming_normal(nonlinearity=relu)",
         calls={("Linear", "weight"): (mi.kaiming_normal_, dict(nonlinearity="relu")),
                ("MuReadout", "weight"): (mi.kaiming_normal_, dict(nonlinearity="relu")),
                ("Linear", "bias"): "zeros", ("MuReadout", "bias"): "zeros"}),
    dict(rules="Linear.weight=mup.xavier_uniform;MuReadout.weight=mup.normal(std=0.02);*.bias=mup.uniform(-0.1, 0.1)",
         calls={("Linear", "weight"): (mi.xavier_uniform_, {}),
                ("MuReadout", "weight"): (mi.normal_, dict(std=0.02)),
                ("Linear", "bias"): (mi.uniform_, dict(a=-0.1, b=0.1)),
                ("MuReadout", "bias"): (mi.uniform_, dict(a=-0.1, b=0.1))}),
    dict(rules="Linear.weight=mup.trunc_normal(std=0.05);MuReadout.weight=mup.kaiming_uniform(mode=fan_out)",
         calls={("Linear", "weight"): (mi.trunc_normal_, dict(std=0.05)),
                ("MuReadout", "weight"): (mi.kaiming_uniform_, dict(mode="fan_out")),
                ("Linear", "bias"): "-", ("MuReadout", "bias"): "-"}),
    dict(rules="Linear.weight=mup.xavier_normal(gain=2);MuReadout.weight=mup.xavier_normal;"
               "Linear.bias=mup.normal(mean=0.1, std=0.01)",
         calls={("Linear", "weight"): (mi.xavier_normal_, dict(gain=2.0)),
                ("MuReadout", "weight"): (mi.xavier_normal_, {}),
                ("Linear", "bias"): (mi.normal_, dict(mean=0.1, std=0.01)), ("MuReadout", "bias"): "-"}),
    dict(rules="Linear.weight=mup.kaiming_uniform(a=0.1, mode=fan_out, nonlinearity=leaky_relu);"
               "MuReadout.weight=mup.trunc_normal(0, 0.1, -0.2, 0.2);MuReadout.bias=zeros",
         calls={("Linear", "weight"): (mi.kaiming_uniform_, dict(a=0.1, mode="fan_out", nonlinearity="leaky_relu")),
                ("MuReadout", "weight"): (mi.trunc_normal_, dict(mean=0, std=0.1, a=-0.2, b=0.2)),
                ("Linear", "bias"): "-", ("MuReadout", "bias"): "zeros"}),
]
SHAPES = [dict(base=8, width=8, hidden=2, seed=0), dict(base=8, width=32, hidden=3, seed=1),
          dict(base=4, width=24, hidden=2, seed=5)]


def owner_of(model, name):
    mod, local = name.rsplit(".", 1)
    return type(model.get_submodule(mod)).__name__, local


def run(case, shape):
    bsh = base_shapes(shape["base"], shape["hidden"])
    torch.manual_seed(shape["seed"])
    model = set_base_shapes(mlp(shape["width"], shape["hidden"]), bsh)
    for name, p in model.named_parameters():
        call = case["calls"][owner_of(model, name)]
        if call == "zeros":
            nn.init.zeros_(p)
        elif call != "-":
            f, kw = call
            with torch.no_grad():
                f(p, **kw)
    # float32 bit patterns, so the comparison is bit for bit
    return {n: p.detach().reshape(-1).view(torch.int32).tolist() for n, p in model.named_parameters()}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "fixtures", "mup", "init.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cases = [dict(rules=c["rules"], **s, params=run(c, s)) for c in CASES for s in SHAPES]
    doc = {"torch": torch.__version__, "mup": getattr(mup, "__version__", "1.0.0"), "cases": cases}
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
