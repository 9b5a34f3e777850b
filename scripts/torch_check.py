#!/usr/bin/env python3
"""Compare what `initlab grad` wrote against a reference case (one written by scripts/torch_spec.py).

Usage: python3 scripts/torch_check.py CASE_DIR PRODUCED.safetensors
  e.g. initlab grad tests/fixtures/torch/mlp_relu_ce/model.safetensors \
         tests/fixtures/torch/mlp_relu_ce/batch.safetensors --out /tmp/o.safetensors
       python3 scripts/torch_check.py tests/fixtures/torch/mlp_relu_ce /tmp/o.safetensors
Every tensor in CASE_DIR/expected.safetensors must be in PRODUCED with the same shape and
|got - want| <= atol + rtol * |want| elementwise (atol 1e-4, rtol 1e-3). Prints one line per
tensor and a last line 'N passed, N failed'; exits 1 on any failure.
"""
import sys
import torch
from safetensors.torch import load_file

ATOL, RTOL = 1e-4, 1e-3


def main():
    case, produced = sys.argv[1], sys.argv[2]
    want = load_file(f"{case}/expected.safetensors")
    got = load_file(produced)
    ok = bad = 0
    for k in sorted(want):
        w = want[k]
        if k not in got:
            print(f"FAIL {k}: missing")
            bad += 1
            continue
        g = got[k]
        if tuple(g.shape) != tuple(w.shape):
            print(f"FAIL {k}: shape {tuple(g.shape)} != {tuple(w.shape)}")
            bad += 1
            continue
        g64, w64 = g.double(), w.double()
        err = (g64 - w64).abs()
        lim = ATOL + RTOL * w64.abs()
        if bool((err <= lim).all()):
            ok += 1
            print(f"ok   {k}: max abs err {float(err.max()) if err.numel() else 0.0:.2e}")
        else:
            bad += 1
            print(f"FAIL {k}: max abs err {float(err.max()):.2e} (worst allowed {float(lim[err > lim].min()):.2e})")
    print(f"{ok} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
