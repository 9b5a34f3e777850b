#!/usr/bin/env python3
"""The PyTorch programs that initlab's examples replay, printing the same lines, so the two can
be put side by side:

  diff <(cargo run -q --release --example quickstart | head -5) <(python3 scripts/examples_torch.py quickstart)
  diff <(cargo run -q --release --example init_gallery | grep -v '^==') \
       <(python3 scripts/examples_torch.py init_gallery | grep -v '^==')
  python3 scripts/examples_torch.py gain
  python3 scripts/examples_torch.py fixtures   # writes tests/fixtures/examples/NAME.txt for all three

(tests/examples_twins.rs checks the examples against those fixtures.) Needs torch. Same seed, same draws: the weights are identical bit for bit, so the printed numbers
agree (orthogonal's LAPACK QR to ~1e-7, far below the printed digits).
"""
import contextlib, io, math, os, sys
import torch, torch.nn as nn, torch.nn.functional as F
import torch.nn.init as I


def quickstart():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 3))
    for m in model.modules():
        if isinstance(m, nn.Linear):
            I.kaiming_normal_(m.weight, nonlinearity="relu")
            I.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]])
    for step in range(5):
        loss = F.cross_entropy(model(x), torch.tensor([0, 1, 2, 1]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"step {step}: loss {loss.item():.4f}")


def init_gallery():
    torch.manual_seed(0)
    layer = nn.Linear(6, 4)
    w = layer.weight
    tanh = I.calculate_gain("tanh")
    for text, f in [
        ("uniform(-1, 1)", lambda: I.uniform_(w, -1, 1)),
        ("normal(0, 0.1)", lambda: I.normal_(w, 0, 0.1)),
        ("trunc_normal(std=0.5, a=-0.5, b=0.5)", lambda: I.trunc_normal_(w, std=0.5, a=-0.5, b=0.5)),
        ("constant(0.3)", lambda: I.constant_(w, 0.3)),
        ("ones", lambda: I.ones_(w)),
        ("zeros", lambda: I.zeros_(w)),
        ("eye", lambda: I.eye_(w)),
        ("dirac", None),
        ("xavier_uniform", lambda: I.xavier_uniform_(w)),
        ("xavier_normal(gain=tanh)", lambda: I.xavier_normal_(w, gain=tanh)),
        ("kaiming_uniform(nonlinearity=relu)", lambda: I.kaiming_uniform_(w, nonlinearity="relu")),
        ("kaiming_normal(mode=fan_out, nonlinearity=relu)",
         lambda: I.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")),
        ("orthogonal", lambda: I.orthogonal_(w)),
        ("sparse(0.5)", lambda: I.sparse_(w, 0.5)),
    ]:
        print(f"== {text}")
        if f is None:
            print("   error: dirac_ needs a 3-, 4- or 5-D tensor")
            continue
        with torch.no_grad():
            f()
        for row in w.tolist():
            print("   " + " ".join(f"{v:8.4f}" for v in row))


def gain():
    torch.manual_seed(0)
    x = torch.randn(1_000_000).double()
    for name, f in [("tanh", torch.tanh), ("relu", torch.relu), ("sigmoid", torch.sigmoid)]:
        y = f(x)
        ratio = x.std(unbiased=False) / y.std(unbiased=False)
        rms = 1 / y.pow(2).mean().sqrt()
        print(f"{name:<8} std(x)/std(f(x)) = {ratio:.4f}   1/rms(f(x)) = {rms:.4f}   "
              f"calculate_gain = {I.calculate_gain(name):.4f}")


PROGRAMS = {"quickstart": quickstart, "init_gallery": init_gallery, "gain": gain}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in [*PROGRAMS, "fixtures"]:
        sys.exit(f"usage: python3 scripts/examples_torch.py {'|'.join(PROGRAMS)}|fixtures")
    if sys.argv[1] == "fixtures":
        out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "examples")
        os.makedirs(out, exist_ok=True)
        for name, program in PROGRAMS.items():
            text = io.StringIO()
            with contextlib.redirect_stdout(text):
                program()
            with open(os.path.join(out, name + ".txt"), "w") as f:
                f.write(f"# python3 scripts/examples_torch.py {name} (torch {torch.__version__})\n" + text.getvalue())
            print(f"wrote tests/fixtures/examples/{name}.txt")
    else:
        PROGRAMS[sys.argv[1]]()
