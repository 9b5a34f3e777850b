#!/usr/bin/env python3
"""Fixtures for initlab's PyTorch-exact generator (tests/torch_rng.rs, tests/torch_run_for_run.rs).

Needs `pip install torch safetensors`; the tests that read the fixtures do not. Writes JSON into
tests/fixtures/torch_rng/ (values as float32 bit patterns, so comparisons are bit for bit):

  sampling.json  rand/randn/uniform_/normal_/randperm: several seeds, every size class (n < 16,
                 n % 16 == 0, n % 16 != 0, non-contiguous), means/stds/ranges not powers of two,
                 and call sequences that exercise the scalar path's cached value
  layers.json    the default init of nn.Linear and nn.Conv2d (groups, non-square kernels)
  schemes.json   every torch.nn.init scheme on 2-D and conv shapes, as initlab scheme text
  init_cli.json  `initlab init SPEC --seed S --init RULES` against torch.manual_seed(S);
                 build(spec); rules applied in named_parameters() order
  datasets.json  every synthetic dataset (scripts/torch_equiv.py) and its test set, for two seeds

Usage: python3 scripts/make_torch_rng_fixtures.py [OUT_DIR]
"""
import json, math, os, sys
import torch, torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_equiv as te  # noqa: E402

from torch_spec import build  # noqa: E402


def bits(t):
    return t.detach().contiguous().view(torch.int32).flatten().tolist()


def u32(t):
    return [b & 0xFFFFFFFF for b in bits(t)]


def sampling():
    cases = []
    sizes = [1, 3, 7, 15, 16, 17, 31, 32, 33, 100, 256, 1000]
    for seed in [0, 1, 42, 123456789, 2**32 + 7]:
        for n in sizes + ([4099] if seed == 0 else []):
            for op, args in [("rand", []), ("randn", []), ("uniform_", [-0.3, 0.7]), ("uniform_", [-1.7, 2.9]),
                             ("normal_", [0.5, 0.3]), ("normal_", [-1.2, 2.7]), ("randperm", [])]:
                torch.manual_seed(seed)
                if op == "rand":
                    out = torch.rand(n)
                elif op == "randn":
                    out = torch.randn(n)
                elif op == "uniform_":
                    out = torch.empty(n).uniform_(*args)
                elif op == "normal_":
                    out = torch.empty(n).normal_(*args)
                else:
                    cases.append({"seed": seed, "calls": [{"op": op, "n": n}], "perm": [torch.randperm(n).tolist()]})
                    continue
                cases.append({"seed": seed, "calls": [{"op": op, "n": n, "args": args}], "out": [u32(out)]})
    # non-contiguous tensors (a transposed view: memory order differs from logical order)
    for seed in [0, 5]:
        for rows, cols in [(4, 3), (8, 9), (16, 16)]:
            for op, args in [("normal_", [0.0, 1.0]), ("normal_", [0.25, 1.5]), ("uniform_", [-2.5, 1.25])]:
                torch.manual_seed(seed)
                base = torch.zeros(cols, rows)
                view = base.t()
                getattr(view, op)(*args)
                cases.append({"seed": seed, "calls": [{"op": op, "n": rows * cols, "args": args, "noncontiguous": True}],
                              "out": [u32(base)]})  # memory order
    # sequences on one generator: the cached Box-Muller value crosses calls; large calls do not touch it
    for seed in [0, 9]:
        torch.manual_seed(seed)
        seq = [("randn", 3), ("randn", 5), ("randn", 20), ("randn", 1), ("rand", 2), ("randn", 2), ("randperm", 7),
               ("randn", 33)]
        calls, outs = [], []
        for op, n in seq:
            if op == "randperm":
                outs.append(torch.randperm(n).tolist())
            else:
                outs.append(u32(getattr(torch, op)(n)))
            calls.append({"op": op, "n": n})
        cases.append({"seed": seed, "calls": calls, "seq": outs})
    return cases


def layers():
    out = []
    specs = [("Linear", dict(i=2, o=1, bias=True)), ("Linear", dict(i=100, o=3, bias=True)),
             ("Linear", dict(i=7, o=5, bias=False)), ("Linear", dict(i=50, o=40, bias=True)),
             ("Linear", dict(i=3, o=300, bias=True)),
             ("Conv2d", dict(i=3, o=8, k=(3, 3), groups=1, bias=True)),
             ("Conv2d", dict(i=4, o=6, k=(3, 5), groups=2, bias=True)),
             ("Conv2d", dict(i=6, o=6, k=(1, 2), groups=6, bias=False)),
             ("Conv2d", dict(i=1, o=16, k=(5, 5), groups=1, bias=True))]
    for seed in [0, 3]:
        for kind, a in specs:
            torch.manual_seed(seed)
            if kind == "Linear":
                m = nn.Linear(a["i"], a["o"], bias=a["bias"])
            else:
                m = nn.Conv2d(a["i"], a["o"], a["k"], groups=a["groups"], bias=a["bias"])
            out.append({"seed": seed, "kind": kind, "args": {k: list(v) if isinstance(v, tuple) else v for k, v in a.items()},
                        "weight": u32(m.weight), "bias": u32(m.bias) if m.bias is not None else None})
    return out


SCHEMES = [
    ("uniform", True), ("uniform(-0.3, 0.7)", True), ("normal", True), ("normal(0.5, 0.3)", True),
    ("normal(std=0.01)", True), ("constant(0.37)", True), ("zeros", True), ("ones", True),
    ("xavier_uniform", True), ("xavier_uniform(gain=tanh)", True), ("xavier_normal", True),
    ("xavier_normal(gain=1.7)", True), ("kaiming_uniform", True), ("kaiming_uniform(nonlinearity=relu)", True),
    ("kaiming_uniform(a=0.2, mode=fan_out)", True), ("kaiming_normal", True),
    ("kaiming_normal(nonlinearity=relu)", True), ("kaiming_normal(mode=fan_out, nonlinearity=relu)", True),
    ("sparse(0.3)", True), ("sparse(0.1, std=0.05)", True), ("eye", True), ("dirac", True), ("dirac(2)", True),
    ("orthogonal", False), ("orthogonal(gain=relu)", False), ("trunc_normal", True),
    ("trunc_normal(0.1, 0.5, -0.4, 0.9)", True), ("trunc_normal(0, 1, 2, 3)", False),
]
SHAPES_2D = [[3, 5], [16, 16], [20, 7], [7, 33], [100, 2]]
SHAPES_CONV = [[8, 3, 3, 3], [6, 2, 3, 5], [4, 4, 1, 1]]


def schemes():
    out = []
    for text, exact in SCHEMES:
        name = text.split("(")[0]
        shapes = SHAPES_2D if name in ("sparse", "eye") else SHAPES_2D + SHAPES_CONV
        if name == "dirac":
            shapes = [s for s in SHAPES_CONV if s[0] % (2 if "2" in text else 1) == 0]
        for seed in [0, 11]:
            for shape in shapes:
                torch.manual_seed(seed)
                t = torch.empty(shape)
                te.scheme_fn(text)(t)
                out.append({"seed": seed, "scheme": text, "shape": shape, "exact": exact, "values": u32(t)})
    return out


NET_MLP = {"type": "Sequential", "layers": [
    {"type": "Linear", "in_features": 6, "out_features": 20}, {"type": "ReLU"},
    {"type": "Linear", "in_features": 20, "out_features": 20}, {"type": "BatchNorm1d", "num_features": 20},
    {"type": "Tanh"}, {"type": "Linear", "in_features": 20, "out_features": 3, "bias": False}]}
NET_CONV = {"type": "Sequential", "layers": [
    {"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": 1},
    {"type": "BatchNorm2d", "num_features": 8}, {"type": "ReLU"},
    {"type": "Conv2d", "in_channels": 8, "out_channels": 8, "kernel_size": [3, 5], "groups": 4},
    {"type": "ReLU"}, {"type": "Flatten"}, {"type": "Linear", "in_features": 8 * 4 * 2, "out_features": 5}]}
RULES = [
    "", "zeros", "ones", "default", "uniform", "normal", "normal(std=0.01)", "xavier_uniform", "xavier_normal",
    "kaiming_uniform(nonlinearity=relu)", "kaiming_normal(nonlinearity=relu)", "kaiming_normal(mode=fan_out)",
    "orthogonal(gain=relu)", "trunc_normal(std=0.02)",
    "Linear.weight=xavier_normal;2.weight=sparse(0.3)",
    "Linear.weight=xavier_uniform(gain=tanh);Linear.bias=normal(std=0.1);BatchNorm1d.weight=uniform",
    "Conv2d.weight=kaiming_normal(mode=fan_out, nonlinearity=relu);Conv2d.bias=constant(0.1);*.weight=normal(0.2, 0.05)",
    "kaiming_uniform;BatchNorm2d.weight=constant(0.5);6.weight=xavier_normal",
    "*.bias=uniform(-0.1, 0.1);Linear.weight=default",
    "Conv2d.weight=dirac;Linear.weight=orthogonal",
]


def every_rule_matches(model, rules):
    own = te.owners(model)
    for sel, scheme in te.parse_rules(rules):
        if not any(te.select(sel, scheme, n, *own[n]) is not None for n, _ in model.named_parameters()):
            return False
    return True


def init_cli():
    out = []
    for net_name, spec in [("mlp", NET_MLP), ("conv", NET_CONV)]:
        for rules in RULES:
            if "sparse" in rules and net_name == "conv":
                continue
            if not every_rule_matches(build(spec), rules):
                continue  # initlab refuses a selector that matches no parameter
            for seed in [0, 7]:
                torch.manual_seed(seed)
                model = build(spec)
                if rules:
                    te.apply_rules(model, rules)
                exact = "orthogonal" not in rules
                out.append({"net": net_name, "spec": spec, "seed": seed, "rules": rules, "exact": exact,
                            "params": {n: u32(p) for n, p in model.named_parameters()}})
    return out


def datasets():
    out = []
    for name in te.DATASETS:
        for seed in [0, 3]:
            (x, y), (tx, ty) = te.dataset_split(name, seed)
            enc = lambda v: u32(v) if v.dtype == torch.float32 else v.tolist()
            out.append({"name": name, "seed": seed, "shape": list(x.shape), "x": u32(x), "y": enc(y),
                        "test_x": u32(tx), "test_y": enc(ty)})
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "fixtures", "torch_rng")
    os.makedirs(out_dir, exist_ok=True)
    meta = {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability()}
    for name, f in [("sampling", sampling), ("layers", layers), ("schemes", schemes), ("init_cli", init_cli),
                    ("datasets", datasets)]:
        with open(os.path.join(out_dir, name + ".json"), "w") as fh:
            json.dump({"meta": meta, "cases": f()}, fh, separators=(",", ":"))
        print(name, os.path.getsize(os.path.join(out_dir, name + ".json")), "bytes")


if __name__ == "__main__":
    main()
