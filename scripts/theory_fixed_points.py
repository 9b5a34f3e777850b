"""Independent numbers for the length map's fixed points, basins and critical lines of gelu,
silu, softplus and elu, for initlab's theory tests (tests/fixtures/theory_fixed_points.json).

Nothing here is initlab's method: expectations are adaptive QUADPACK integrals over the
pre-activation x ~ N(0, q) itself (scipy.integrate.quad, split at 0 and at |x| = 3, 10, 40 where
inside 12 standard deviations), the map's q/2 part taken out in closed form so that large q does
not cancel; fixed points are the sign changes of map(q) - q on a dense log grid (30 per decade,
1e-8 to 1e12) refined by Brent's method; the fate of an input is found by *iterating* the map
from q1 = sigma_w2*q0 + sigma_b2 until it settles or passes 1e12; critical sigma_w2 by bisection
on "the first root of map(q) - q met walking from q1 in its sign's direction has chi1 < 1".

Run: python3 scripts/theory_fixed_points.py > tests/fixtures/theory_fixed_points.json
(several minutes: QUADPACK in pure-Python callbacks).
"""
import json
import math
import sys

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import expit, ndtr

INV_SQ2PI = 1 / math.sqrt(2 * math.pi)


def gelu(x):
    return x * ndtr(x)


def dgelu(x):
    return ndtr(x) + x * math.exp(-0.5 * x * x) * INV_SQ2PI


def silu(x):
    return x * expit(x)


def dsilu(x):
    s = expit(x)
    return s * (1 + x * (1 - s))


def softplus(x):
    # torch's Softplus(beta=1, threshold=20): x itself above the threshold.
    return x if x > 20 else max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def dsoftplus(x):
    return 1.0 if x > 20 else expit(x)


def elu(x):
    return x if x > 0 else math.expm1(x)


def delu(x):
    return 1.0 if x > 0 else math.exp(x)


ACTS = {"gelu": (gelu, dgelu), "silu": (silu, dsilu), "softplus": (softplus, dsoftplus), "elu": (elu, delu)}


def expect(g, q):
    """E[g(x)], x ~ N(0, q), adaptive quadrature in x split where g bends."""
    s = math.sqrt(q)
    dens = lambda x: g(x) * math.exp(-x * x / (2 * q)) * INV_SQ2PI / s
    cuts = [-12 * s] + [p for p in (-40.0, -10.0, -3.0, 0.0, 3.0, 10.0, 40.0) if abs(p) < 12 * s] + [12 * s]
    return sum(quad(dens, a, b, epsabs=1e-15, epsrel=1e-13, limit=400)[0] for a, b in zip(cuts[:-1], cuts[1:]))


def excess(act, w, b, q):
    """map(q) - q = (w/2 - 1) q + b + w E[phi(x)^2 - relu(x)^2] (all four grow like relu)."""
    phi = ACTS[act][0]
    if q == 0:
        return b + w * phi(0.0) ** 2
    rem = expect(lambda x: (phi(x) - max(x, 0.0)) * (phi(x) + max(x, 0.0)), q)
    return (w / 2 - 1) * q + b + w * rem


def length_map(act, w, b, q):
    return q + excess(act, w, b, q)


def chi(act, w, q):
    dphi = ACTS[act][1]
    return w * expect(lambda x: dphi(x) ** 2, q)


def slope(act, w, b, q, h=1e-6):
    """d map/dq by a central difference (a different route from initlab's Stein form)."""
    return 1 + (excess(act, w, b, q * (1 + h)) - excess(act, w, b, q * (1 - h))) / (2 * h * q)


def fixed_points(act, w, b):
    grid = np.logspace(-8, 12, 601)
    fs = [excess(act, w, b, q) for q in grid]
    out = []
    if b == 0 and ACTS[act][0](0.0) == 0:
        out.append({"q": 0.0, "stability": "stable" if fs[0] < 0 else "unstable"})
    for (q1, f1), (q2, f2) in zip(zip(grid, fs), zip(grid[1:], fs[1:])):
        if (f1 > 0) != (f2 > 0):
            r = brentq(lambda q: excess(act, w, b, q), q1, q2, xtol=1e-15, rtol=4e-15, maxiter=200)
            out.append({"q": r, "stability": "stable" if f1 > 0 else "unstable"})
    for p in out:
        p["chi1"] = chi(act, w, p["q"]) if p["q"] > 0 else w * ACTS[act][1](0.0) ** 2
        if p["q"] > 0:
            p["slope"] = slope(act, w, b, p["q"])
    return {"points": out, "grows_above": bool(fs[-1] > 0)}


def polish(act, w, b, q):
    """The root of map(q) - q nearest q, bracketed by widening q(1 -+ d)."""
    f = lambda x: excess(act, w, b, x)
    if q < 1e-200:
        return 0.0
    d = 1e-6
    while d < 0.5:
        lo, hi = q * (1 - d), q * (1 + d)
        if (f(lo) > 0) != (f(hi) > 0):
            return brentq(f, lo, hi, xtol=1e-15, rtol=4e-15, maxiter=200)
        d *= 4
    return q


def orbit(act, w, b, q0, steps=3000):
    """Iterates the map from q1: ('fixed', q*) once its steps fall below 1e-9 of q (the limit
    then polished by Brent's method on the bracket around it), ('unbounded', None) past 1e12.
    Where the map runs nearly parallel to q (slope within ~1e-3 of 1 at the limit) the orbit
    crawls: after `steps` iterations it is finished by reach()'s walk from where it got to (the
    orbit is monotone, so it ends at the first root met in its direction)."""
    q = w * q0 + b
    for _ in range(steps):
        n = length_map(act, w, b, q)
        if n > 1e12:
            return "unbounded", None
        if abs(n - q) <= 1e-9 * max(q, 1e-300):
            return "fixed", polish(act, w, b, n)
        q = n
    print("orbit slow, walking on", act, w, b, q0, q, file=sys.stderr)
    return reach(act, w, b, (q - b) / w)


def reach(act, w, b, q0):
    """The fate by roots: from q1 toward the sign of map(q1) - q1 in steps of 2 %, to the first
    sign change (Brent) or past 1e12. Two roots closer than a step (a stable and an unstable
    point about to merge, near a fold) show no sign change: where |f| has a local minimum
    between steps, the extremum is located (scipy's bounded minimizer) and, if f crosses 0 there,
    the first root is the one between the extremum and the walk's previous point."""
    from scipy.optimize import minimize_scalar

    f = lambda x: excess(act, w, b, x)
    q = w * q0 + b
    fq = f(q)
    up = fq > 0
    prev = None
    while True:
        n = q * 1.02 if up else q / 1.02
        if n > 1e12:
            return "unbounded", None
        if n < 1e-12:
            return "fixed", 0.0
        fn = f(n)
        if (fn > 0) != (fq > 0):
            return "fixed", brentq(f, min(q, n), max(q, n), xtol=1e-15, rtol=4e-15, maxiter=200)
        if prev is not None and abs(fq) < abs(prev[1]) and abs(fq) < abs(fn):
            sign = 1.0 if fq > 0 else -1.0
            lo, hi = min(prev[0], n), max(prev[0], n)
            r = minimize_scalar(lambda x: sign * f(x), bounds=(lo, hi), method="bounded", options={"xatol": 1e-14})
            if sign * r.fun < 0:
                a, c = (prev[0], r.x) if up else (r.x, prev[0])
                return "fixed", brentq(f, min(a, c), max(a, c), xtol=1e-15, rtol=4e-15, maxiter=200)
        prev = (q, fq)
        q, fq = n, fn


def ordered(act, w, b, q0):
    fate, q = reach(act, w, b, q0)
    return fate == "fixed" and (chi(act, w, q) if q > 0 else w * ACTS[act][1](0.0) ** 2) < 1


def critical(act, b, q0, w_lo, w_hi):
    """Bisects 'ordered' between an ordered w_lo and a w_hi that is not."""
    assert ordered(act, w_lo, b, q0) and not ordered(act, w_hi, b, q0), (act, b, q0, w_lo, w_hi)
    while w_hi - w_lo > 1e-9 * w_hi:
        m = 0.5 * (w_lo + w_hi)
        if ordered(act, m, b, q0):
            w_lo = m
        else:
            w_hi = m
    below, above = reach(act, w_lo, b, q0), reach(act, w_hi, b, q0)
    print("critical", act, b, q0, w_lo, below, above, file=sys.stderr)
    return {
        "act": act,
        "sigma_b2": b,
        "q0": q0,
        "sigma_w2": 0.5 * (w_lo + w_hi),
        "below": {"fate": below[0], "q_star": below[1]},
        "above": {"fate": above[0], "q_star": above[1]},
    }


# (act, sigma_w2, sigma_b2): both sides of every bifurcation named in the fixture's notes.
POINTS = [
    ("silu", 1.5, 0.05),
    ("silu", 1.995, 0.05),
    ("silu", 2.0, 0.05),
    ("silu", 2.2, 0.05),
    ("silu", 2.5, 0.05),
    ("silu", 2.84, 0.05),
    ("silu", 2.86, 0.05),
    ("silu", 3.0, 0.0),
    ("silu", 4.5, 0.0),
    ("gelu", 1.5, 0.05),
    ("gelu", 1.99, 0.05),
    ("gelu", 1.9999, 0.05),
    ("gelu", 2.0, 0.05),
    ("gelu", 2.1, 0.05),
    ("gelu", 2.40, 0.05),
    ("gelu", 2.43, 0.05),
    ("gelu", 3.0, 0.0),
    ("softplus", 1.5, 0.05),
    ("softplus", 1.99, 0.05),
    ("softplus", 2.01, 0.05),
    ("softplus", 1.9, 0.0),
    ("elu", 0.8, 0.0),
    ("elu", 1.2, 0.0),
    ("elu", 1.5, 0.05),
    ("elu", 1.99, 0.3),
    ("elu", 2.01, 0.3),
]

if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    points = []
    for act, w, b in POINTS:
        fp = fixed_points(act, w, b)
        points.append({"act": act, "sigma_w2": w, "sigma_b2": b, **fp})
        print(act, w, b, [(round(p["q"], 6), p["stability"]) for p in fp["points"]], fp["grows_above"], file=sys.stderr)
    # Inputs on both sides of each basin boundary: q0 with q1 5 % below and above each unstable
    # fixed point, the fate found by iterating the map.
    fates = []
    for p in points:
        w, b = p["sigma_w2"], p["sigma_b2"]
        for u in [x["q"] for x in p["points"] if x["stability"] == "unstable" and x["q"] > 0]:
            for q1 in (0.95 * u, 1.05 * u):
                q0 = (q1 - b) / w
                if q0 <= 0:
                    continue
                fate, q = orbit(p["act"], w, b, q0)
                fates.append({"act": p["act"], "sigma_w2": w, "sigma_b2": b, "q0": q0, "fate": fate, "q_star": q})
    out = {
        "source": "scripts/theory_fixed_points.py (scipy.integrate.quad over x ~ N(0, q), brentq, iterated maps)",
        "points": points,
        "fates": fates,
    }
    if what == "all":
        out["critical"] = [
            critical("silu", 0.05, 1.0, 1.5, 2.5),
            critical("silu", 0.05, 0.3, 1.5, 2.8),
            critical("silu", 0.05, 0.01, 2.5, 3.0),
            critical("gelu", 0.05, 1.0, 1.5, 2.3),
            critical("gelu", 0.0, 1.0, 1.5, 2.3),
            critical("gelu", 0.05, 0.01, 2.2, 2.6),
            critical("softplus", 0.05, 1.0, 1.5, 2.1),
            critical("elu", 0.05, 1.0, 0.5, 1.9),
            critical("elu", 0.3, 0.5, 0.5, 1.9),
        ]
    print(json.dumps(out, indent=1))
