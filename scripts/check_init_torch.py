#!/usr/bin/env python3
"""Cross-check `initlab init` against torch.nn.init's formulas, in PyTorch.

For each rule set, runs `initlab init SPEC --init RULES --out F`, loads F into the torch model
built from the checkpoint's own spec (load_state_dict, strict), and compares every weight's
sample std / bounds with what torch's formula gives for that shape. Needs torch + safetensors.
Usage: scripts/check_init_torch.py [path/to/initlab]
"""
import json, math, subprocess, sys, tempfile, os
import torch
from safetensors import safe_open
from safetensors.torch import load_file

exe = sys.argv[1] if len(sys.argv) > 1 else "target/release/initlab"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_spec as mc  # noqa: E402  (the PyTorch twin of the JSON spec)

SPEC = {"type": "Sequential", "layers": {
    "features": {"type": "Sequential", "layers": [
        {"type": "Conv2d", "in_channels": 8, "out_channels": 32, "kernel_size": [3, 5], "groups": 4, "padding": 1},
        {"type": "BatchNorm2d", "num_features": 32}, {"type": "ReLU"}]},
    "flat": {"type": "Flatten"},
    "fc1": {"type": "Linear", "in_features": 640, "out_features": 300},
    "act": {"type": "Tanh"},
    "fc2": {"type": "Linear", "in_features": 300, "out_features": 200}}}

def fans(w):
    rf = 1
    for d in w.shape[2:]:
        rf *= d
    return w.shape[1] * rf, w.shape[0] * rf

GAIN = {"relu": math.sqrt(2), "tanh": 5 / 3}

# (rules, {param suffix: expected std (None = skip), kind}) — std from torch's formulas.
def expect(rule, w):
    fi, fo = fans(w)
    if rule == "xavier_uniform(gain=tanh)":
        return GAIN["tanh"] * math.sqrt(2 / (fi + fo)), "uniform"
    if rule == "xavier_normal":
        return math.sqrt(2 / (fi + fo)), "normal"
    if rule == "kaiming_normal(nonlinearity=relu,mode=fan_out)":
        return GAIN["relu"] / math.sqrt(fo), "normal"
    if rule == "kaiming_uniform(a=0.2,nonlinearity=leaky_relu)":
        return math.sqrt(2 / (1 + 0.04)) / math.sqrt(fi), "uniform"
    if rule == "kaiming_uniform":  # a=0: calculate_gain('leaky_relu', 0) = sqrt(2)
        return math.sqrt(2) / math.sqrt(fi), "uniform"
    if rule == "orthogonal(gain=2)":
        return 2 / math.sqrt(max(w.shape[0], w[0].numel())), "ortho"
    if rule == "trunc_normal(std=0.02)":
        return 0.02, "normal"
    if rule == "default":
        return 1 / math.sqrt(fi) / math.sqrt(3), "uniform"
    raise KeyError(rule)

RULES = ["xavier_uniform(gain=tanh)", "xavier_normal", "kaiming_normal(nonlinearity=relu,mode=fan_out)",
         "kaiming_uniform(a=0.2,nonlinearity=leaky_relu)", "kaiming_uniform", "orthogonal(gain=2)",
         "trunc_normal(std=0.02)", "default"]

bad = 0
with tempfile.TemporaryDirectory() as d:
    sp = os.path.join(d, "spec.json")
    json.dump(SPEC, open(sp, "w"))
    for k, rule in enumerate(RULES):
        out = os.path.join(d, f"{k}.safetensors")
        subprocess.run([exe, "init", sp, "--init", rule, "--seed", str(k), "--out", out], check=True, capture_output=True)
        with safe_open(out, "pt") as f:
            meta = f.metadata()
        model = mc.build(json.loads(meta["model"]))
        model.load_state_dict(load_file(out), strict=True)
        for name, p in model.named_parameters():
            p = p.detach().double()
            if name.endswith("bias"):
                ok = bool((p == 0).all()) if rule != "default" else True
                if not ok:
                    print(f"FAIL {rule} {name}: bias not zero"); bad += 1
                continue
            if p.dim() < 2:
                continue
            std_want, kind = expect(rule, p)
            n = p.numel()
            got = p.std(unbiased=False).item()
            tol = 5 * std_want / math.sqrt(2 * n) + (0.02 * std_want if kind == "ortho" else 0)
            ok = abs(got - std_want) <= tol
            if kind == "uniform":
                bound = std_want * math.sqrt(3)
                ok &= p.abs().max().item() <= bound * (1 + 1e-6)
            if kind == "ortho":
                m = p.reshape(p.shape[0], -1)
                g = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
                ok &= torch.allclose(g, 4 * torch.eye(g.shape[0], dtype=g.dtype), atol=1e-4)
            print(f"{'ok  ' if ok else 'FAIL'} {rule:48s} {name:20s} {tuple(p.shape)} std {got:.5f} want {std_want:.5f} ± {tol:.5f}")
            bad += not ok
print(f"{len(RULES)} rule sets, {bad} failed")
sys.exit(1 if bad else 0)
