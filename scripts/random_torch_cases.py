#!/usr/bin/env python3
"""Random PyTorch reference cases in the format of scripts/torch_spec.py: MLPs (some with
BatchNorm1d variants, some as named nested Sequentials) and conv nets with random kernel sizes,
strides, padding, dilation, groups and BatchNorm2d variants, random activations, both losses and
both modes. A fixed seed gives the same cases. Needs torch + safetensors.

Usage: python3 scripts/random_torch_cases.py OUT_DIR SEED COUNT
Check them with:
  for d in OUT_DIR/*; do initlab grad $d/model.safetensors $d/batch.safetensors --out o.safetensors \
      && python3 scripts/torch_check.py $d o.safetensors; done
"""
import os, random, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_spec as mc  # noqa: E402  (the PyTorch twin of the JSON spec)
out_dir, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
acts = [{"type": "ReLU"}, {"type": "Tanh"}, {"type": "Sigmoid"}, {"type": "LeakyReLU", "negative_slope": 0.3}, {"type": "LeakyReLU"}]
def bn(kind, c):
    d = {"type": kind, "num_features": c}
    if rng.random() < 0.3: d["momentum"] = rng.choice([None, 0.5, 0.01])
    if rng.random() < 0.2: d["affine"] = False
    if rng.random() < 0.2: d["track_running_stats"] = False
    if rng.random() < 0.2: d["eps"] = 1e-3
    return d
def conv_net():
    c, h, w = rng.choice([1, 2, 3, 4]), rng.randint(5, 9), rng.randint(5, 9)
    n = rng.randint(2, 4); layers = []; cin = c; shape = (n, c, h, w)
    for _ in range(rng.randint(1, 3)):
        g = rng.choice([g for g in [1, 2, 3, 4] if cin % g == 0])
        cout = g * rng.randint(1, 3)
        kh, kw = rng.randint(1, 3), rng.randint(1, 3)
        sh, sw, ph, pw, dh, dw = [rng.randint(a, b) for a, b in [(1, 2), (1, 2), (0, 1), (0, 1), (1, 2), (1, 2)]]
        oh = (h + 2*ph - dh*(kh-1) - 1)//sh + 1; ow = (w + 2*pw - dw*(kw-1) - 1)//sw + 1
        if oh < 1 or ow < 1: break
        layers.append({"type": "Conv2d", "in_channels": cin, "out_channels": cout, "kernel_size": [kh, kw],
             "stride": [sh, sw], "padding": [ph, pw], "dilation": [dh, dw], "groups": g, "bias": rng.random() < 0.7})
        if rng.random() < 0.5: layers.append(bn("BatchNorm2d", cout))
        layers.append(rng.choice(acts)); cin, h, w = cout, oh, ow
    layers.append({"type": "Flatten"})
    layers.append(mc.L(cin*h*w, rng.randint(2, 4), rng.random() < 0.8))
    return {"type": "Sequential", "layers": layers}, shape
def mlp():
    dims = [rng.randint(1, 8) for _ in range(rng.randint(2, 6))]
    layers = []
    for i in range(len(dims)-1):
        layers.append(mc.L(dims[i], dims[i+1], rng.random() < 0.7))
        if i < len(dims)-2:
            if rng.random() < 0.4: layers.append(bn("BatchNorm1d", dims[i+1]))
            layers.append(rng.choice(acts))
    s = {"type": "Sequential", "layers": layers}
    if rng.random() < 0.3:
        s = {"type": "Sequential", "layers": {f"b{k}": {"type": "Sequential", "layers": [l]} for k, l in enumerate(layers)}}
    return s, (rng.randint(2, 6), dims[0])
for i in range(count):
    s, shape = conv_net() if rng.random() < 0.5 else mlp()
    loss = rng.choice(["mse", "cross_entropy"]); mode = rng.choice(["train", "train", "eval"])
    try:
        mc.write_case(out_dir, f"r{seed}_{i}", s, shape, loss, mode, seed * 1000 + i)
    except Exception as e:
        print("skip", i, e)
