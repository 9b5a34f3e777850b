#!/usr/bin/env python3
"""Run-for-run fixtures (tests/torch_run_for_run.rs): PyTorch's per-epoch losses of `initlab
compare` runs (through compare_torch.py's program). The probe programs' fixtures are
scripts/make_probe_fixtures.py's. Needs torch; the tests do not.

Usage: python3 scripts/make_torch_run_fixtures.py [OUT_DIR]
"""
import argparse, json, os, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_equiv as te  # noqa: E402
import compare_torch as ct  # noqa: E402
from torch_spec import build  # noqa: E402

RUNS = [
    # (model, data, inits, seeds, epochs, batch_size, optimizer, lr, momentum)
    ("mlp:2-100-100-3:relu", "spiral", ["kaiming_normal(nonlinearity=relu)", "xavier_uniform",
                                        "orthogonal(gain=relu)", "default", "normal"], 2, 300, None, "sgd", 0.1, 0.9),
    ("mlp:2-100-100-3:relu", "spiral", ["kaiming_uniform(nonlinearity=relu)", "xavier_normal"], 2, 60, 64, "sgd", 0.1,
     0.9),
    ("mlp:2-100-100-3:relu", "spiral", ["kaiming_normal(nonlinearity=relu)", "normal"], 1, 300, None, "adam", 0.01, 0.0),
    # issue 15.4's minibatch trajectory: within 1e-4 of PyTorch's for 60 epochs
    ("mlp:2-100-100-3:relu", "spiral", ["kaiming_normal(nonlinearity=relu)"], 2, 60, 50, "sgd", 0.1, 0.9),
    ("mlp:2-100-100-3:tanh", "spiral", ["xavier_normal(gain=tanh)"], 1, 300, None, "sgd", 0.1, 0.9),
    ("mlp:2-64-64-2:tanh", "moons", ["xavier_normal(gain=tanh)"], 1, 40, 50, "adam", 0.01, 0.0),
    ("conv:8:relu:bn", "shapes", ["kaiming_normal(mode=fan_out, nonlinearity=relu)"], 1, 15, 32, "sgd", 0.05, 0.9),
    ("mlp:1-32-32-1:tanh", "sine", ["xavier_uniform(gain=tanh)"], 1, 100, None, "sgd", 0.05, 0.9),
]


def trajectories():
    out = []
    for model, data, inits, seeds, epochs, bs, optim, lr, mom in RUNS:
        a = argparse.Namespace(optimizer=optim, lr=lr, momentum=mom, weight_decay=0.0, batch_size=bs, epochs=epochs)
        x, y = te.dataset(data, 0)
        spec = ct.spec_of(model, x)
        for rules in inits:
            for s in range(seeds):
                losses = ct.run(spec, rules, x, y, s, a)
                out.append({"model": model, "data": data, "init": rules, "seed": s, "epochs": epochs,
                            "batch_size": bs, "optimizer": optim, "lr": lr, "momentum": mom, "losses": losses})
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "fixtures", "torch_rng")
    torch.set_num_threads(1)
    meta = {"torch": torch.__version__}
    for name, f in [("trajectories", trajectories)]:
        path = os.path.join(out_dir, name + ".json")
        with open(path, "w") as fh:
            json.dump({"meta": meta, "cases": f()}, fh, separators=(",", ":"))
        print(name, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
