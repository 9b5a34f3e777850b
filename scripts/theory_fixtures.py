"""Independent mean-field numbers for tanh, for initlab's theory tests.

Adaptive QUADPACK integration (scipy.integrate.quad, nested for the 2-D correlation map) and
Brent's method -- a different quadrature and root finder from initlab's graded Gauss-Legendre.
Run: python3 scripts/theory_fixtures.py > tests/fixtures/theory_tanh.json
"""
import json
import math

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq

SQ2PI = math.sqrt(2 * math.pi)


def gauss(f):
    """E[f(z)], z ~ N(0,1), split at 0 (tanh(sqrt(q) z) is steepest there)."""
    g = lambda z: f(z) * math.exp(-0.5 * z * z) / SQ2PI
    return quad(g, -np.inf, 0, epsabs=1e-14, epsrel=1e-13, limit=200)[0] + quad(
        g, 0, np.inf, epsabs=1e-14, epsrel=1e-13, limit=200
    )[0]


def phi(x):
    return math.tanh(x)


def dphi(x):
    return 1 - math.tanh(x) ** 2


def length_map(q, w2, b2):
    r = math.sqrt(q)
    return w2 * gauss(lambda z: phi(r * z) ** 2) + b2


def q_star(w2, b2):
    g = lambda q: length_map(q, w2, b2) - q
    hi = 1.0
    while g(hi) >= 0:
        hi *= 2
    lo = hi / 2
    while g(lo) < 0:
        lo /= 2
        if lo < 1e-200:
            return 0.0
    return brentq(g, lo, hi, xtol=1e-15, rtol=1e-14)


def chi1(w2, b2):
    q = q_star(w2, b2)
    r = math.sqrt(q)
    return w2 * gauss(lambda z: dphi(r * z) ** 2)


def pair(q, c, f):
    r = math.sqrt(q)
    s = math.sqrt(1 - c * c)

    def inner(z1):
        return gauss(lambda z2: f(r * (c * z1 + s * z2)))

    return gauss(lambda z1: f(r * z1) * inner(z1))


def c_star(q, w2, b2):
    f = lambda c: (w2 * pair(q, c, phi) + b2) / q - c
    d = 1e-2
    while f(1 - d) >= 0:
        d /= 10
    return brentq(f, -1.0, 1 - d, xtol=1e-13)


def analysis(w2, b2):
    q = q_star(w2, b2)
    r = math.sqrt(q)
    x1 = w2 * gauss(lambda z: dphi(r * z) ** 2)
    slope = w2 * gauss(lambda z: z * phi(r * z) * dphi(r * z)) / r
    if x1 <= 1:
        c, chic = 1.0, x1
    else:
        c = c_star(q, w2, b2)
        chic = w2 * pair(q, c, dphi)
    return {
        "sigma_w2": w2,
        "sigma_b2": b2,
        "q_star": q,
        "chi1": x1,
        "c_star": c,
        "xi_c": -1 / math.log(chic),
        "xi_q": -1 / math.log(slope),
    }


def critical(b2):
    return brentq(lambda w2: chi1(w2, b2) - 1, 0.5, 20.0, xtol=1e-13)


if __name__ == "__main__":
    points = [(0.5, 0.05), (1.2, 0.05), (2.5, 0.05), (1.5, 0.3), (4.0, 0.3), (3.0, 0.0), (1.0, 0.5)]
    out = {
        "source": "scripts/theory_fixtures.py (scipy.integrate.quad + brentq)",
        "points": [analysis(w2, b2) for (w2, b2) in points],
        "critical": [{"sigma_b2": b2, "sigma_w2": critical(b2)} for b2 in [0.001, 0.01, 0.05, 0.1, 0.3, 1.0]],
    }
    print(json.dumps(out, indent=1))
