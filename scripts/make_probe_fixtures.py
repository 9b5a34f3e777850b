#!/usr/bin/env python3
"""Fixtures for `initlab probe` and `initlab init --init default` (tests/torch_run_for_run.rs,
tests/cli_probe_f64.rs): what the PyTorch programs give, with every statistic in float64.

The probe program, for each case:

    torch.manual_seed(seed)
    model = nn.Sequential(...)        # each Linear draws its default init in its constructor
    <init rules>                      # none: the model as constructed (initlab's `default`)
    x = torch.randn(batch, width)
    outs = every layer's output (retain_grad)
    outs[-1].backward(torch.randn_like(outs[-1]))
    act_std[i] = outs[i].double().std()   # float64 statistics of the float32 values
    grad_std[i] = outs[i].grad.double().std()

The init program: torch.manual_seed(seed); model = <spec>; its parameters' float32 bits.

Self-contained (torch only): the nets are stacks of Linear and activations.
Usage: python3 scripts/make_probe_fixtures.py [OUT_DIR]   (default tests/fixtures/torch_rng)
"""
import json, math, os, struct, sys
import torch, torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def deep(act, depth=100, width=256):
    layers = []
    for _ in range(depth):
        layers.append({"type": "Linear", "in_features": width, "out_features": width, "bias": False})
        if act:
            layers.append({"type": act})
    return {"type": "Sequential", "layers": layers}


def mlp(sizes, act="ReLU"):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append({"type": "Linear", "in_features": sizes[i], "out_features": sizes[i + 1], "bias": True})
        if i + 2 < len(sizes):
            layers.append({"type": act})
    return {"type": "Sequential", "layers": layers}


def build(spec):
    out = []
    for l in spec["layers"]:
        if l["type"] == "Linear":
            out.append(nn.Linear(l["in_features"], l["out_features"], bias=l["bias"]))
        else:
            out.append(getattr(nn, l["type"])())
    return nn.Sequential(*out)


def u32(t):
    return list(struct.unpack(f"<{t.numel()}I", t.detach().contiguous().float().numpy().tobytes()))


def finite(v):
    """A JSON number, or null where the statistic is not finite."""
    v = float(v)
    return v if math.isfinite(v) else None


BOUND = math.sqrt(6 / 512) * 5 / 3
PROBES = [
    # spec, initlab's --model, rules (initlab's text), the PyTorch init of each Linear weight, seed, batch
    (deep(None), "mlp:256x101:linear:nobias", "Linear.weight=normal(std=1)", lambda w: nn.init.normal_(w, std=1), 1,
     16),
    (deep(None), "mlp:256x101:linear:nobias", "Linear.weight=normal(std=0.0625)",
     lambda w: nn.init.normal_(w, std=1 / 16), 1, 16),
    (deep("Tanh"), None, f"Linear.weight=uniform({-BOUND!r}, {BOUND!r})",
     lambda w: nn.init.uniform_(w, -BOUND, BOUND), 1, 16),
    # torch's default init, drawn once (the constructors'): `initlab probe mlp:2-4-3` with no --init
    (mlp([2, 4, 3]), "mlp:2-4-3", "", None, 0, 16),
    (mlp([2, 4, 3]), "mlp:2-4-3", "default", None, 5, 16),
    (mlp([8, 32, 32, 4], "Tanh"), "mlp:8-32-32-4:tanh", "", None, 3, 16),
]


def probes():
    out = []
    for spec, model, rules, init, seed, batch in PROBES:
        torch.manual_seed(seed)
        net = build(spec)
        if init is not None:
            for m in net:
                if isinstance(m, nn.Linear):
                    init(m.weight)
        width = spec["layers"][0]["in_features"]
        x = torch.randn(batch, width)
        h, outs = x, []
        for m in net:
            h = m(h)
            h.retain_grad()
            outs.append(h)
        h.backward(torch.randn_like(h))
        out.append({"spec": spec, "model": model, "rules": rules, "seed": seed, "batch": batch, "width": width,
                    "act_std": [finite(o.detach().double().std()) for o in outs],
                    "grad_std": [finite(o.grad.double().std()) for o in outs],
                    "act_bits": [u32(o) for o in outs] if width < 100 else None})
    return out


def default_init():
    """`initlab init <model> --init default` (and no --init): the constructors' draws, once."""
    out = []
    for model, spec in [("mlp:2-4-3", mlp([2, 4, 3])), ("mlp:3-16-16-2:tanh", mlp([3, 16, 16, 2], "Tanh"))]:
        for seed in [0, 7]:
            torch.manual_seed(seed)
            net = build(spec)
            out.append({"model": model, "spec": spec, "seed": seed,
                        "params": {n: u32(p) for n, p in net.named_parameters()}})
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "fixtures", "torch_rng")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    meta = {"torch": torch.__version__}
    for name, f in [("probe", probes), ("default_init", default_init)]:
        path = os.path.join(out_dir, name + ".json")
        with open(path, "w") as fh:
            json.dump({"meta": meta, "cases": f()}, fh, separators=(",", ":"))
        print(name, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
