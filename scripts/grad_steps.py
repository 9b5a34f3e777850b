#!/usr/bin/env python3
"""Step by step: how accurate initlab's float32 gradients are next to PyTorch's.

Trains a net with PyTorch in float32 exactly as `initlab compare` does (scripts/torch_equiv.py's
data and rules), and at the chosen steps saves that step's weights and batch. On each saved step it
computes the gradient three ways: PyTorch float32, PyTorch float64 (the weights and batch converted
exactly), and `initlab grad` (float32). Per parameter it prints max |g − g64| for initlab and for
PyTorch float32 and their ratio: the lab's target is a ratio of at most 2.

  python3 scripts/grad_steps.py --initlab target/release/initlab \
      --model mlp:2-100-100-3:relu --data spiral --init 'kaiming_normal(nonlinearity=relu)' \
      --steps 0,32,200 [--batch-size 50] [--lr 0.1] [--momentum 0.9] [--save DIR] [--json OUT]

--steps counts optimizer steps (a full batch takes one per epoch); each is the start of a window
of --window steps, and per parameter the table gives each side's largest error over the window
(one step's ratio is noise where a gradient is a cancelling sum of rounding errors; --verbose
prints every step). --save DIR keeps step j of the window at state k as
DIR/<name>-step<k>/<j>/{model,batch,expected}.safetensors, expected holding grad64.<param>
(float64) and torch_err.<param> (PyTorch float32's max |error|, float64): what
tests/grad_accuracy.rs reads.
`--fixtures` writes the set committed in tests/fixtures/grad_steps. Needs torch and safetensors;
the tests do not.
"""
import argparse, json, os, subprocess, sys, tempfile
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import save_file, load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_equiv as te  # noqa: E402

ACT = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "gelu": "GELU", "silu": "SiLU", "elu": "ELU"}


def spec_of(model):
    """initlab's mlp: shorthand (src/lab/model.rs) as a JSON spec: mlp:2-100-100-3[:act][:nobias]."""
    kind, rest = model.split(":", 1)
    if kind != "mlp":
        raise SystemExit(f"grad_steps.py knows mlp: shorthands only, got {model}")
    parts = rest.split(":")
    act, bias = "relu", True
    for p in parts[1:]:
        if p == "nobias":
            bias = False
        else:
            act = p
    s = []
    for tok in parts[0].split("-"):
        n, _, k = tok.partition("x")
        s += [int(n)] * (int(k) if k else 1)
    layers = []
    for i in range(len(s) - 1):
        layers.append({"type": "Linear", "in_features": s[i], "out_features": s[i + 1], "bias": bias})
        if i + 2 < len(s) and act in ACT:
            layers.append({"type": ACT[act]})
    return {"type": "Sequential", "layers": layers}


def build(spec):
    """nn.Sequential of the spec's layers, constructed in order (each Linear draws its default)."""
    out = []
    for l in spec["layers"]:
        if l["type"] == "Linear":
            out.append(nn.Linear(l["in_features"], l["out_features"], bias=l["bias"]))
        else:
            out.append(getattr(nn, l["type"])())
    return nn.Sequential(*out)


def loss_fn(out, y):
    return F.cross_entropy(out, y) if y.dtype == torch.long else F.mse_loss(out, y)


def grads(model, x, y):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return {n: p.grad.detach().clone() for n, p in model.named_parameters()}


def snapshots(spec, rules, x, y, seed, a, steps):
    """PyTorch float32 training (compare_torch.py's loop); yields (step, state_dict, xb, yb) before
    each chosen step's update."""
    torch.manual_seed(seed)
    model = build(spec)
    if rules:
        te.apply_rules(model, rules)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)
    n = len(x)
    bs = min(a.batch_size or n, n)
    step, last = 0, max(steps)
    while step <= last:
        order = torch.randperm(n) if bs < n else torch.arange(n)
        for i in range(0, n, bs):
            idx = order[i:i + bs]
            xb, yb = x[idx], y[idx]
            if step in steps:
                yield step, {k: v.detach().clone() for k, v in model.state_dict().items()}, xb, yb
            if step == last:
                return
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1


def initlab_grads(exe, spec, state, xb, yb, work):
    ck, batch, out = (os.path.join(work, f) for f in ("model.safetensors", "batch.safetensors", "out.safetensors"))
    save_file({k: v.contiguous() for k, v in state.items()}, ck, metadata={"model": json.dumps(spec)})
    loss = "cross_entropy" if yb.dtype == torch.long else "mse"
    save_file({"input": xb.contiguous(), "target": yb.contiguous()}, batch, metadata={"loss": loss, "mode": "train"})
    subprocess.run([exe, "grad", ck, batch, "--out", out], check=True, stdout=subprocess.DEVNULL)
    got = load_file(out)
    return {k[len("grad."):]: v for k, v in got.items() if k.startswith("grad.")}


def compare_step(exe, spec, state, xb, yb, save=None):
    m32 = build(spec)
    m32.load_state_dict(state)
    g32 = grads(m32, xb, yb)
    m64 = build(spec).double()
    m64.load_state_dict({k: v.double() for k, v in state.items()})
    g64 = grads(m64, xb.double(), yb if yb.dtype == torch.long else yb.double())
    with tempfile.TemporaryDirectory() as work:
        glab = initlab_grads(exe, spec, state, xb, yb, work)
        if save:
            os.makedirs(save, exist_ok=True)
            for f in ("model.safetensors", "batch.safetensors"):
                os.replace(os.path.join(work, f), os.path.join(save, f))
    rows, expected = [], {}
    for name, ref in g64.items():
        e_t = (g32[name].double() - ref).abs().max().item()
        e_l = (glab[name].double() - ref).abs().max().item()
        scale = ref.abs().max().item()
        rows.append({"param": name, "max_abs_g64": scale, "torch_err": e_t, "initlab_err": e_l,
                     "ratio": e_l / e_t if e_t > 0 else (0.0 if e_l == 0 else float("inf"))})
        expected[f"grad64.{name}"] = ref.contiguous()
        expected[f"torch_err.{name}"] = torch.tensor([e_t], dtype=torch.float64)
    if save:
        save_file(expected, os.path.join(save, "expected.safetensors"))
    return rows


def run_case(exe, model, data, rules, seed, a, states, window, save_dir=None, name=None):
    """Each state s is the window of steps s, s+1, …, s+window−1."""
    torch.set_num_threads(1)
    x, y = te.dataset(data, 0)
    spec = spec_of(model)
    start = {s + j: s for s in states for j in range(window)}
    out = []
    for step, state, xb, yb in snapshots(spec, rules, x, y, seed, a, set(start)):
        s = start[step]
        save = os.path.join(save_dir, f"{name}-step{s}", str(step - s)) if save_dir else None
        for r in compare_step(exe, spec, state, xb, yb, save):
            out.append({"state": s, "step": step, **r})
    return out


def per_window(rows):
    """Per (case, state, param): the largest error over the window's steps, initlab's and
    PyTorch's, and their ratio. One step's ratio is noisy where the gradient is a cancelling
    sum (a trained net's output bias under MSE: Σ of the outputs' rounding errors), in both
    directions; the window's maximum is each side's error level."""
    agg = {}
    for r in rows:
        k = (r["case"], r["state"], r["param"])
        t, l, n = agg.get(k, (0.0, 0.0, 0))
        agg[k] = (max(t, r["torch_err"]), max(l, r["initlab_err"]), n + 1)
    return [{"case": c, "state": s, "param": p, "steps": n, "torch_err": t, "initlab_err": l,
             "ratio": l / t if t > 0 else (0.0 if l == 0 else float("inf"))} for (c, s, p), (t, l, n) in agg.items()]


# The committed set (tests/fixtures/grad_steps): full batch and minibatch, cross-entropy and MSE,
# relu and tanh, untrained (state 0) and trained states, each a window of FIXTURE_WINDOW steps.
# Narrower than the lab's default net to keep the float64 gradients small on disk; the command
# line runs any mlp (README: the 100-wide spiral net).
FIXTURE_WINDOW = 4
FIXTURES = [
    # name, model, data, init, batch_size, lr, momentum, states
    ("spiral-relu-full", "mlp:2-32-32-3:relu", "spiral", "kaiming_normal(nonlinearity=relu)", None, 0.1, 0.9,
     [0, 300]),
    ("spiral-relu-mb50", "mlp:2-32-32-3:relu", "spiral", "kaiming_normal(nonlinearity=relu)", 50, 0.1, 0.9,
     [0, 360]),
    ("moons-tanh-mb50", "mlp:2-32-32-2:tanh", "moons", "xavier_normal(gain=tanh)", 50, 0.1, 0.9, [0, 400]),
    ("sine-tanh-full", "mlp:1-32-32-1:tanh", "sine", "xavier_uniform(gain=tanh)", None, 0.05, 0.9, [0, 100]),
    ("sine-relu-mb32", "mlp:1-32-32-1:relu", "sine", "kaiming_uniform(nonlinearity=relu)", 32, 0.01, 0.9, [0, 300]),
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--initlab", default=os.path.join(HERE, "..", "target", "release", "initlab"))
    p.add_argument("--model", default="mlp:2-100-100-3:relu")
    p.add_argument("--data", default="spiral")
    p.add_argument("--init", default="kaiming_normal(nonlinearity=relu)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", default="0,32")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--window", type=int, default=1, help="steps per state (the error is their max)")
    p.add_argument("--verbose", action="store_true", help="also print every step")
    p.add_argument("--save")
    p.add_argument("--json")
    p.add_argument("--fixtures", action="store_true", help="write tests/fixtures/grad_steps")
    a = p.parse_args()
    results = []
    if a.fixtures:
        root = os.path.join(HERE, "..", "tests", "fixtures", "grad_steps")
        for name, model, data, rules, bs, lr, mom, steps in FIXTURES:
            ca = argparse.Namespace(batch_size=bs, lr=lr, momentum=mom)
            for r in run_case(a.initlab, model, data, rules, 0, ca, steps, FIXTURE_WINDOW, root, name):
                results.append({"case": name, **r})
    else:
        steps = [int(s) for s in a.steps.split(",")]
        for r in run_case(a.initlab, a.model, a.data, a.init, a.seed, a, steps, a.window, a.save, "run"):
            results.append({"case": "run", **r})
    if a.verbose:
        print(f"{'case':<18} {'step':>5} {'param':<10} {'max|g64|':>10} {'torch f32 err':>14} {'initlab err':>12} "
              f"{'ratio':>6}")
        for r in results:
            print(f"{r['case']:<18} {r['step']:>5} {r['param']:<10} {r['max_abs_g64']:>10.3e} {r['torch_err']:>14.3e} "
                  f"{r['initlab_err']:>12.3e} {r['ratio']:>6.2f}")
        print(f"worst single-step ratio {max(r['ratio'] for r in results):.2f}")
    windows = per_window(results)
    print(f"{'case':<18} {'state':>5} {'param':<10} {'steps':>5} {'torch f32 err':>14} {'initlab err':>12} {'ratio':>6}")
    for w in windows:
        print(f"{w['case']:<18} {w['state']:>5} {w['param']:<10} {w['steps']:>5} {w['torch_err']:>14.3e} "
              f"{w['initlab_err']:>12.3e} {w['ratio']:>6.2f}")
    print(f"worst ratio over windows {max(w['ratio'] for w in windows):.2f}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"steps": results, "windows": windows}, fh, indent=1)


if __name__ == "__main__":
    main()
