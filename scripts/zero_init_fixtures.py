"""ZerO init (Zhao et al., TMLR 2022) written independently of initlab, straight from the paper:
Algorithm 1 for a [P, Q] matrix (identity, partial identity, c * I* H_m I* with m = ceil(log2 P),
c = 2^(-(m-1)/2), H_m = scipy.linalg.hadamard(2^m)) and Algorithm 2 for a conv kernel (the matrix
at the centre tap). Writes tests/fixtures/zero_init.json for src/init/zero.rs.

    python3 scripts/zero_init_fixtures.py
"""
import json
import math
import os

import numpy as np
from scipy.linalg import hadamard


def zero_matrix(p, q):
    if p <= q:
        return np.eye(p, q)
    m = math.ceil(math.log2(p))
    c = 2.0 ** (-(m - 1) / 2)
    left = np.eye(p, 2**m)  # I*: P x 2^m
    right = np.eye(2**m, q)  # I*: 2^m x Q
    return c * left @ hadamard(2**m).astype(np.float64) @ right


def zero_kernel(shape):
    if len(shape) == 2:
        return zero_matrix(*shape)
    k = np.zeros(shape)
    centre = tuple(s // 2 for s in shape[2:])
    k[(slice(None), slice(None)) + centre] = zero_matrix(shape[0], shape[1])
    return k


SHAPES = [
    [1, 1], [4, 4], [64, 64], [2, 5], [3, 100], [5, 3], [8, 2], [100, 2], [3, 2], [17, 16],
    [6, 6, 3, 3], [4, 2, 3, 3], [2, 4, 1, 1], [9, 3, 5, 5], [3, 3, 3],
]

cases = [{"shape": s, "values": [float(v) for v in zero_kernel(s).astype(np.float32).ravel()]} for s in SHAPES]
out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "zero_init.json")
with open(out, "w") as f:
    json.dump({"source": "scripts/zero_init_fixtures.py", "cases": cases}, f)
    f.write("\n")
print(f"wrote {len(cases)} cases to {out}")
