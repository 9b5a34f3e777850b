"""The PyTorch meaning of initlab's init rules and synthetic datasets, shared by the scripts that
make fixtures (make_torch_rng_fixtures.py) and run the equivalent of a sweep (compare_torch.py).

- parse_rules(text) / apply_rules(model, rules): `initlab init --init RULES` as torch calls: for each
  parameter in named_parameters() order, the last matching rule calls its torch.nn.init function
  (a bare scheme: every Linear/Conv2d weight, and zeros for their biases).
- scheme_fn(text): one scheme (`kaiming_normal(nonlinearity=relu)`) as a function of a tensor.
"""
import fnmatch, math, re
import torch, torch.nn as nn
import torch.nn.init as I

ARGS = {
    "uniform": ["a", "b"], "normal": ["mean", "std"], "trunc_normal": ["mean", "std", "a", "b"],
    "constant": ["val"], "dirac": ["groups"], "xavier_uniform": ["gain"], "xavier_normal": ["gain"],
    "orthogonal": ["gain"], "kaiming_uniform": ["a", "mode", "nonlinearity"],
    "kaiming_normal": ["a", "mode", "nonlinearity"], "sparse": ["sparsity", "std"],
    "zeros": [], "ones": [], "eye": [], "default": [],
}
BARE_TYPES = ("Linear", "Conv2d")


def value(v):
    try:
        return float(v)
    except ValueError:
        return v


def gain(v):
    if isinstance(v, float):
        return v
    name, _, p = v.partition(":")
    return I.calculate_gain(name, float(p) if p else None)


def parse_scheme(text):
    text = text.strip()
    m = re.fullmatch(r"(\w+)(?:\((.*)\))?", text)
    name, inner = m.group(1), m.group(2) or ""
    kw, pos = {}, 0
    for part in [p.strip() for p in inner.split(",") if p.strip()]:
        if "=" in part:
            k, v = part.split("=", 1)
            kw[k.strip()] = value(v.strip())
        else:
            kw[ARGS[name][pos]] = value(part)
            pos += 1
    return name, kw


def scheme_fn(text, owner=None, local=None):
    name, kw = parse_scheme(text)
    if "gain" in kw:
        kw["gain"] = gain(kw["gain"])
    if name == "dirac" and "groups" in kw:
        kw["groups"] = int(kw["groups"])
    if name == "default":
        # torch's default init is what the constructors drew: `default` leaves the values alone
        return lambda t: None
    fn = getattr(I, name + "_")
    return lambda t: fn(t, **kw)


def parse_rules(text):
    rules = []
    for raw in [r.strip() for r in text.split(";") if r.strip()]:
        eq, paren = raw.find("="), raw.find("(")
        if eq >= 0 and (paren < 0 or eq < paren):
            sel, scheme = raw[:eq].strip(), raw[eq + 1:]
            ty, dot, param = sel.partition(".")
            if dot and ty[:1].isupper() and not any(c in ty for c in "*?"):
                rules.append((("type", ty, param), scheme))
            else:
                rules.append((("glob", sel), scheme))
        else:
            rules.append((("bare",), raw))
    return rules


def glob(pattern, text):
    return fnmatch.fnmatchcase(text, pattern)


def select(sel, scheme, name, owner, local):
    kind = sel[0]
    if kind == "type":
        return scheme if type(owner).__name__ == sel[1] and glob(sel[2], local) else None
    if kind == "glob":
        return scheme if glob(sel[1], name) else None
    if scheme.strip() == "default":
        return scheme
    if type(owner).__name__ in BARE_TYPES:
        return {"weight": scheme, "bias": "zeros"}.get(local)
    return None


def owners(model):
    out = {}
    for mname, m in model.named_modules():
        for pname, _ in m.named_parameters(recurse=False):
            out[f"{mname}.{pname}" if mname else pname] = (m, pname)
    return out


def apply_rules(model, text):
    rules = parse_rules(text)
    own = owners(model)
    with torch.no_grad():
        for name, p in model.named_parameters():
            owner, local = own[name]
            chosen = None
            for sel, scheme in rules:
                s = select(sel, scheme, name, owner, local)
                if s is not None:
                    chosen = s
            if chosen is not None and p.numel() > 0:
                scheme_fn(chosen, owner, local)(p)


# ---- synthetic datasets: the PyTorch definition of src/lab/data/synthetic.rs ----

def spiral(g, per=100, k=3):
    xs, ys = [], []
    for j in range(k):
        r = torch.linspace(0.0, 1.0, per)
        t = torch.linspace(j * 4.0, (j + 1) * 4.0, per) + 0.2 * torch.randn(per, generator=g)
        xs.append(torch.stack([r * torch.sin(t), r * torch.cos(t)], 1))
        ys.append(torch.full((per,), j, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


def _noisy(g, pts, labels, std):
    x = torch.tensor(pts, dtype=torch.float64).float()
    return x + std * torch.randn(len(pts), 2, generator=g), torch.tensor(labels)


def moons(g):
    a = torch.linspace(0, math.pi, 100, dtype=torch.float64)
    outer = torch.stack([torch.cos(a), torch.sin(a)], 1)
    inner = torch.stack([1 - torch.cos(a), 1 - torch.sin(a) - 0.5], 1)
    x = torch.cat([outer, inner]).float()
    return x + 0.1 * torch.randn(200, 2, generator=g), torch.tensor([0] * 100 + [1] * 100)


def circles(g):
    pts, labels = [], []
    for radius, c in [(1.0, 0), (0.5, 1)]:
        for i in range(100):
            a = 2 * math.pi * i / 100
            pts.append((radius * math.cos(a), radius * math.sin(a)))
            labels.append(c)
    return _noisy(g, pts, labels, 0.05)


def xor(g):
    pts, labels = [], []
    for cx, cy in [(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0)]:
        pts += [(cx, cy)] * 50
        labels += [int(cx * cy < 0)] * 50
    return _noisy(g, pts, labels, 0.3)


def blobs(g):
    pts, labels = [], []
    for c in range(3):
        a = math.pi / 2 + 2 * math.pi * c / 3
        pts += [(2 * math.cos(a), 2 * math.sin(a))] * 100
        labels += [c] * 100
    return _noisy(g, pts, labels, 0.6)


def sine(g):
    x = torch.empty(200, 1).uniform_(-math.pi, math.pi, generator=g)
    return x, torch.sin(x) + 0.1 * torch.randn(200, 1, generator=g)


def _below(g, n):
    return int(torch.randint(0, n, (1,), generator=g))


def _unif(g, a, b):
    return float(torch.empty(1).uniform_(a, b, generator=g))


def _shape(g, c):
    img = torch.zeros(12, 12)
    if c == 0:
        s = 5 + _below(g, 5)
        top, left = _below(g, 12 - s + 1), _below(g, 12 - s + 1)
        for k in range(s):
            img[top, left + k] = img[top + s - 1, left + k] = img[top + k, left] = img[top + k, left + s - 1] = 1
    elif c == 1:
        arm = 2 + _below(g, 3)
        cy = arm + _below(g, 12 - 2 * arm)
        cx = arm + _below(g, 12 - 2 * arm)
        for k in range(2 * arm + 1):
            img[cy, cx + k - arm] = img[cy + k - arm, cx] = 1
    elif c == 2:
        radius = _unif(g, 2.5, 4.5)
        lo, hi = radius + 0.5, 12 - 1.0 - radius - 0.5
        cy, cx = _unif(g, lo, max(hi, lo)), _unif(g, lo, max(hi, lo))
        for y in range(12):
            for x in range(12):
                if abs(math.sqrt((y - cy) ** 2 + (x - cx) ** 2) - radius) < 0.5:
                    img[y, x] = 1
    else:
        w = 5 + _below(g, 6)
        top, left = _below(g, 11), _below(g, 12 - w + 1)
        img[top:top + 2, left:left + w] = 1
    return img


def shapes(g):
    imgs, labels = [], []
    for c in range(4):
        for _ in range(60):
            img = _shape(g, c)
            imgs.append(img + 0.05 * torch.randn(12, 12, generator=g))
            labels.append(c)
    return torch.stack(imgs).unsqueeze(1), torch.tensor(labels)


DATASETS = {"spiral": spiral, "moons": moons, "circles": circles, "xor": xor, "blobs": blobs,
            "sine": sine, "shapes": shapes}


def dataset(name, seed):
    """initlab's synthetic training set `name` for `--seed seed`."""
    return DATASETS[name](torch.Generator().manual_seed(seed))


def dataset_split(name, seed):
    """initlab's training set `name` and its held-out test set: the same definition drawn twice
    from one generator, the test set right after the training set (so the training set is what
    dataset() gives)."""
    g = torch.Generator().manual_seed(seed)
    train = DATASETS[name](g)
    return train, DATASETS[name](g)
