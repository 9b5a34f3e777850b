#!/usr/bin/env python3
"""The PyTorch twin of initlab's JSON model spec (README "The JSON model spec"): `build(spec)` makes
the torch module a spec means (`Residual` is initlab's residual container, in PyTorch), and the
ten reference cases of tests/fixtures/torch are written from CASES below (the other fixture
scripts import build, L, C, ACT and RES from here).

Each case is a folder with three safetensors files:
  model.safetensors     state_dict with torch's names; metadata "model" = JSON layer spec
  batch.safetensors     "input" (f32) and "target" (f32 for mse, i64 class ids for cross_entropy);
                        metadata "loss" (mse | cross_entropy) and "mode" (train | eval)
  expected.safetensors  "output", "loss", "grad.<param name>" for every parameter, and
                        "buffer.<name>" for every buffer as it stands after the forward pass

Expected values are computed in float64 from the float32 weights and inputs, then stored as f32.
Usage: python3 scripts/torch_spec.py OUT_DIR [--seed N] [--only NAME ...]   (tests/fixtures/torch: --seed 0)
Check initlab against a case with scripts/torch_check.py.
"""
import argparse, json, os, sys
import torch, torch.nn as nn
from safetensors.torch import save_file


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else v


class Residual(nn.Module):
    """The JSON type "Residual": y = gate * body(x) + shortcut(x), where shortcut is the identity
    unless given, and gate (a learnable one-element parameter, registered as "gate") only when the
    spec has "gate": VALUE (its initial value; SkipInit / ReZero use 0)."""

    def __init__(self, body, shortcut=None, gate=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut
        self.gate = None if gate is None else nn.Parameter(torch.full((1,), float(gate)))

    def forward(self, x):
        y = self.body(x)
        if self.gate is not None:
            y = y * self.gate
        return y + (x if self.shortcut is None else self.shortcut(x))


def build(spec):
    t = spec["type"]
    if t == "Residual":
        sc = spec.get("shortcut")
        return Residual(build(spec["body"]), None if sc is None else build(sc), spec.get("gate"))
    if t == "LayerNorm":
        return nn.LayerNorm(spec["normalized_shape"], eps=spec.get("eps", 1e-5),
                            elementwise_affine=spec.get("elementwise_affine", True), bias=spec.get("bias", True))
    if t == "GELU":
        return nn.GELU(approximate=spec.get("approximate", "none"))
    if t == "ELU":
        return nn.ELU(alpha=spec.get("alpha", 1.0))
    if t == "Softplus":
        return nn.Softplus(beta=spec.get("beta", 1.0), threshold=spec.get("threshold", 20.0))
    if t in ("SELU", "SiLU", "Identity"):
        return getattr(nn, t)()
    if t == "Dropout":
        return nn.Dropout(spec.get("p", 0.5))
    if t == "AvgPool2d":
        return nn.AvgPool2d(pair(spec["kernel_size"]), stride=pair(spec.get("stride")), padding=pair(spec.get("padding", 0)),
                            ceil_mode=spec.get("ceil_mode", False), count_include_pad=spec.get("count_include_pad", True),
                            divisor_override=spec.get("divisor_override"))
    if t == "MaxPool2d":
        return nn.MaxPool2d(pair(spec["kernel_size"]), stride=pair(spec.get("stride")), padding=pair(spec.get("padding", 0)),
                            dilation=pair(spec.get("dilation", 1)), ceil_mode=spec.get("ceil_mode", False))
    if t == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(pair(spec["output_size"]))
    if t == "Sequential":
        layers = spec["layers"]
        if isinstance(layers, dict):
            from collections import OrderedDict
            return nn.Sequential(OrderedDict((k, build(v)) for k, v in layers.items()))
        return nn.Sequential(*[build(s) for s in layers])
    if t == "Linear":
        return nn.Linear(spec["in_features"], spec["out_features"], bias=spec.get("bias", True))
    if t == "Conv2d":
        return nn.Conv2d(spec["in_channels"], spec["out_channels"], pair(spec["kernel_size"]),
                         stride=pair(spec.get("stride", 1)), padding=pair(spec.get("padding", 0)),
                         dilation=pair(spec.get("dilation", 1)), groups=spec.get("groups", 1),
                         bias=spec.get("bias", True))
    if t in ("BatchNorm1d", "BatchNorm2d"):
        cls = getattr(nn, t)
        return cls(spec["num_features"], eps=spec.get("eps", 1e-5), momentum=spec.get("momentum", 0.1),
                   affine=spec.get("affine", True), track_running_stats=spec.get("track_running_stats", True))
    if t == "ReLU":
        return nn.ReLU()
    if t == "Tanh":
        return nn.Tanh()
    if t == "Sigmoid":
        return nn.Sigmoid()
    if t == "LeakyReLU":
        return nn.LeakyReLU(spec.get("negative_slope", 0.01))
    if t == "Flatten":
        return nn.Flatten(spec.get("start_dim", 1), spec.get("end_dim", -1))
    raise ValueError(f"unknown layer type {t}")


def perturb(model, g):
    """Move every parameter and BN buffer off its default so a wrong layout cannot pass."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.add_(0.1 * torch.randn(p.shape, generator=g))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.2 * torch.randn(b.shape, generator=g))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand(b.shape, generator=g))
            elif name.endswith("num_batches_tracked"):
                b.fill_(3)


def write_case(out_dir, name, spec, in_shape, loss, mode, seed, classes=None):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = build(spec)
    perturb(model, g)
    x = torch.randn(in_shape, generator=g)
    model_f64 = build(spec).double()
    model_f64.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in model.state_dict().items()})
    model_f64.train(mode == "train")
    xd = x.double()
    out = model_f64(xd)
    if loss == "mse":
        target = torch.randn(out.shape, generator=g)
        l = nn.functional.mse_loss(out, target.double())
    else:
        target = torch.randint(0, out.shape[1], (out.shape[0],), generator=g)
        l = nn.functional.cross_entropy(out, target)
    l.backward()
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(d, "model.safetensors"), metadata={"model": json.dumps(spec)})
    save_file({"input": x.contiguous(), "target": target.contiguous()}, os.path.join(d, "batch.safetensors"),
              metadata={"loss": loss, "mode": mode})
    exp = {"output": out.detach().float().contiguous(), "loss": l.detach().float().reshape(())}
    for k, p in model_f64.named_parameters():
        exp["grad." + k] = p.grad.float().contiguous()
    for k, b in model_f64.named_buffers():
        exp["buffer." + k] = (b.float() if b.is_floating_point() else b).contiguous()
    save_file(exp, os.path.join(d, "expected.safetensors"))


def L(i, o, bias=True):
    return {"type": "Linear", "in_features": i, "out_features": o, "bias": bias}


def C(i, o, k, **kw):
    return {"type": "Conv2d", "in_channels": i, "out_channels": o, "kernel_size": k, **kw}


ACT = {"relu": {"type": "ReLU"}, "tanh": {"type": "Tanh"}, "sigmoid": {"type": "Sigmoid"}}


def RES(body, **kw):
    return {"type": "Residual", "body": {"type": "Sequential", "layers": body}, **kw}

CASES = {
    "linear_mse": ({"type": "Sequential", "layers": [L(5, 3)]}, (4, 5), "mse", "train"),
    "mlp_relu_ce": ({"type": "Sequential", "layers": [L(2, 16), ACT["relu"], L(16, 16), ACT["relu"], L(16, 3)]},
                    (12, 2), "cross_entropy", "train"),
    "mlp_tanh_nobias_mse": ({"type": "Sequential", "layers": [L(6, 8, False), ACT["tanh"], L(8, 8, False), ACT["tanh"], L(8, 2, False)]},
                            (5, 6), "mse", "train"),
    "mlp_bn1d_train": ({"type": "Sequential", "layers": [L(4, 10), {"type": "BatchNorm1d", "num_features": 10}, ACT["relu"], L(10, 3)]},
                       (8, 4), "cross_entropy", "train"),
    "mlp_bn1d_eval": ({"type": "Sequential", "layers": [L(4, 10), {"type": "BatchNorm1d", "num_features": 10}, ACT["tanh"], L(10, 2)]},
                      (8, 4), "mse", "eval"),
    "conv_basic": ({"type": "Sequential", "layers": [C(1, 4, 3), ACT["relu"], {"type": "Flatten"}, L(4 * 4 * 4, 3)]},
                   (3, 1, 6, 6), "cross_entropy", "train"),
    "conv_stride_pad_bn2d": ({"type": "Sequential", "layers": [C(2, 6, 3, stride=2, padding=1), {"type": "BatchNorm2d", "num_features": 6},
                                                              ACT["relu"], {"type": "Flatten"}, L(6 * 4 * 4, 2)]},
                             (4, 2, 8, 8), "mse", "train"),
    "nested_named": ({"type": "Sequential", "layers": {
        "features": {"type": "Sequential", "layers": [C(3, 4, [3, 2], padding=[1, 0], bias=False), {"type": "BatchNorm2d", "num_features": 4}, ACT["tanh"]]},
        "flat": {"type": "Flatten"},
        "classifier": {"type": "Sequential", "layers": [L(4 * 5 * 4, 6), {"type": "LeakyReLU", "negative_slope": 0.2}, L(6, 3)]}}},
        (2, 3, 5, 5), "cross_entropy", "train"),
    # Layers for residual and normalized networks (Residual is initlab's own container, see above).
    "resmlp_layernorm_gelu": ({"type": "Sequential", "layers": [
        L(3, 8), RES([{"type": "LayerNorm", "normalized_shape": 8}, L(8, 8), {"type": "GELU"}, L(8, 8)]),
        RES([L(8, 8), {"type": "SELU"}, L(8, 8)], gate=0.5), {"type": "ELU", "alpha": 0.7}, L(8, 2)]},
        (6, 3), "mse", "train"),
    "resconv_pool": ({"type": "Sequential", "layers": [
        C(2, 4, 3, padding=1), {"type": "BatchNorm2d", "num_features": 4}, {"type": "SiLU"},
        RES([C(4, 4, 3, padding=1, bias=False), {"type": "BatchNorm2d", "num_features": 4}, ACT["relu"], C(4, 6, 1)],
            shortcut=C(4, 6, 1, bias=False)),
        {"type": "MaxPool2d", "kernel_size": 2}, {"type": "AvgPool2d", "kernel_size": 2, "stride": 1},
        {"type": "AdaptiveAvgPool2d", "output_size": [2, 1]}, {"type": "Flatten"}, {"type": "Dropout", "p": 0.3},
        {"type": "Softplus", "beta": 2.0}, L(12, 3)]},
        (3, 2, 8, 8), "cross_entropy", "eval"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    for i, (name, (spec, shape, loss, mode)) in enumerate(CASES.items()):
        if a.only and name not in a.only:
            continue
        write_case(a.out_dir, name, spec, shape, loss, mode, a.seed * 1000 + i)
        print("wrote", name)


if __name__ == "__main__":
    main()
