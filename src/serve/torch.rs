//! `GET /api/runs/{id}/torch`: one self-contained PyTorch program that trains what the page shows
//! and prints the same per-epoch losses: `scripts/torch_equiv.py` (initlab's datasets and init
//! rules as torch calls) embedded whole, a builder for the model's JSON spec, and the loop of
//! `scripts/compare_torch.py` with the run's settings filled in.

use crate::lab::experiments::compare::{CompareConfig, Prepared};
use crate::Result;

const TORCH_EQUIV: &str = include_str!("../../scripts/torch_equiv.py");

/// Schemes `torch_equiv.py` can express (the others have no torch.nn.init counterpart there).
const TORCH_SCHEMES: &[&str] = &[
    "uniform",
    "normal",
    "trunc_normal",
    "constant",
    "dirac",
    "xavier_uniform",
    "xavier_normal",
    "orthogonal",
    "kaiming_uniform",
    "kaiming_normal",
    "sparse",
    "zeros",
    "ones",
    "eye",
    "default",
];

const BUILD: &str = r#"
# ---- the model: initlab's JSON spec as torch modules (src/nn/spec.rs) ----
class Residual(nn.Module):
    """initlab's Residual: y = gate * body(x) + shortcut(x) (identity shortcut unless given)."""

    def __init__(self, body, shortcut=None, gate=None):
        super().__init__()
        if gate is not None:
            self.gate = nn.Parameter(torch.full((1,), float(gate)))
        else:
            self.gate = None
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        y = self.body(x)
        if self.gate is not None:
            y = y * self.gate
        return y + (self.shortcut(x) if self.shortcut is not None else x)


SIMPLE = {"ReLU": nn.ReLU, "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid, "LeakyReLU": nn.LeakyReLU,
          "GELU": nn.GELU, "SELU": nn.SELU, "SiLU": nn.SiLU, "ELU": nn.ELU, "Flatten": nn.Flatten,
          "Identity": nn.Identity, "Softplus": nn.Softplus}


def build(s):
    t = s["type"]
    if t == "Sequential":
        return nn.Sequential(*[build(l) for l in s["layers"]])
    if t == "Linear":
        return nn.Linear(s["in_features"], s["out_features"], bias=s.get("bias", True))
    if t == "BatchNorm1d":
        return nn.BatchNorm1d(s["num_features"])
    if t == "LayerNorm":
        return nn.LayerNorm(s["normalized_shape"])
    if t == "Residual":
        sc = build(s["shortcut"]) if s.get("shortcut") else None
        return Residual(build(s["body"]), sc, s.get("gate"))
    if t in SIMPLE:
        return SIMPLE[t]()
    raise SystemExit(f"layer type {t} is not in this program's builder")
"#;

const MAIN: &str = r#"
def load_file(path, seed, split, task):
    """initlab's reading of a .csv/.npy file (the last column the target: class ids when every
    target is an integer, unless TASK says otherwise) and of --test-split (torch.randperm from
    the data's own generator, both parts in file order)."""
    import csv
    import numpy as np
    if path.lower().endswith(".npy"):
        t = np.load(path).astype(np.float64)
    else:
        with open(path, newline="") as f:
            rows = [[v.strip() for v in r] for r in csv.reader(f) if r]
        try:
            [float(v) for v in rows[0]]
        except ValueError:
            rows = rows[1:]  # a header
        t = np.array([[float(v) for v in r] for r in rows])
    x = torch.tensor(t[:, :-1], dtype=torch.float32)
    y = t[:, -1]
    classify = task == "classification" or (task is None and bool(np.all(y == np.round(y))))
    y = torch.tensor(y, dtype=torch.long) if classify else torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    if split is None:
        return (x, y), (None, None)
    n = len(x)
    k = int(math.floor(split * n + 0.5))
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    test, train = perm[:k].sort().values, perm[k:].sort().values
    return (x[train], y[train]), (x[test], y[test])


def run(label, rules):
    if DATA_FILE:
        (x, y), (tx, ty) = load_file(DATA_FILE, SEED, TEST_SPLIT, TASK)
    else:
        (x, y), (tx, ty) = dataset_split(DATA, SEED)
    torch.manual_seed(SEED)
    model = build(SPEC)
    if rules:
        apply_rules(model, rules)
    model.train()
    with torch.no_grad():
        model(x)  # compare's per-layer std at init: a training-mode pass (moves BatchNorm running stats)
    if OPTIMIZER == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    classify = y.dtype == torch.long
    loss_fn = F.cross_entropy if classify else F.mse_loss
    n = len(x)
    bs = min(BATCH_SIZE or n, n)
    for epoch in range(EPOCHS):
        test_loss = test_acc = None
        if tx is not None:
            model.eval()
            with torch.no_grad():
                out = model(tx)
                test_loss = loss_fn(out, ty).item()
                test_acc = (out.argmax(1) == ty).float().mean().item() if classify else None
            model.train()
        order = torch.randperm(n) if bs < n else torch.arange(n)
        losses, correct = [], 0
        for i in range(0, n, bs):
            idx = order[i:i + bs]
            out = model(x[idx])
            loss = loss_fn(out, y[idx])
            losses.append(loss.item())
            if classify:
                correct += (out.argmax(1) == y[idx]).sum().item()
            if not math.isfinite(losses[-1]):
                break
            opt.zero_grad()
            loss.backward()
            opt.step()
        acc = correct / min(len(losses) * bs, n) if classify else None
        print(f"{label},{SEED},{epoch},{sum(losses) / len(losses)!r},{acc!r},{test_loss!r},{test_acc!r}")
        if not math.isfinite(losses[-1]):
            break


if __name__ == "__main__":
    torch.set_num_threads(1)
    print("init,seed,epoch,loss,accuracy,test_loss,test_accuracy")
    for label, rules in INITS:
        run(label, rules)
"#;

fn py_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "''".into())
}

fn py_float(v: f64) -> String {
    if v.is_finite() {
        format!("{v:?}")
    } else {
        format!("float('{v}')")
    }
}

/// The PyTorch program for `config` (already checked into `p`).
pub fn program(config: &CompareConfig, p: &Prepared) -> Result<String> {
    let unsupported: Vec<String> = config
        .inits
        .iter()
        .flat_map(|(_, r)| {
            r.split(';').map(|rule| rule.rsplit('=').next().unwrap_or("").to_string()).collect::<Vec<_>>()
        })
        .filter_map(|scheme| {
            let name: String = scheme.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            (!name.is_empty() && !TORCH_SCHEMES.contains(&name.as_str())).then_some(name)
        })
        .collect();
    let mut out = String::new();
    out.push_str("#!/usr/bin/env python3\n");
    out.push_str("# The PyTorch program of an initlab playground run: same data, seed, weights and batches as\n");
    out.push_str(&format!("#   {}\n", super::settings::command_line(config)));
    out.push_str("# Prints init,seed,epoch,loss,accuracy,test_loss,test_accuracy per epoch (metrics.csv's\n");
    out.push_str("# columns; equal to float rounding). Needs torch: pip install torch.\n");
    for u in &unsupported {
        out.push_str(&format!(
            "# note: '{u}' has no torch.nn.init counterpart in this program; it will refuse that init.\n"
        ));
    }
    out.push('\n');
    out.push_str(TORCH_EQUIV);
    out.push_str("\n\nimport math\nimport torch.nn.functional as F\n");
    out.push_str(BUILD);
    let spec = serde_json::to_string(&p.spec).map_err(|e| crate::Error::invalid("model spec", e))?;
    out.push_str("\n# ---- this run's settings ----\nimport json\n");
    out.push_str(&format!("SPEC = json.loads({})\n", py_str(&spec)));
    out.push_str(&format!("DATA = {}\n", py_str(&config.data)));
    let file = !crate::lab::data::SYNTHETIC.contains(&config.data.as_str());
    if file {
        out.push_str("# The uploaded file: save it (the page's 'save the data' link) beside this program.\n");
    }
    out.push_str(&format!("DATA_FILE = {}\n", if file { py_str(&config.data) } else { "None".into() }));
    out.push_str(&format!("TEST_SPLIT = {}\n", config.test_split.map_or("None".into(), py_float)));
    out.push_str(&format!("TASK = {}\n", config.task.as_deref().map_or("None".into(), py_str)));
    out.push_str(&format!("SEED = {}\n", config.seed));
    out.push_str(&format!("EPOCHS = {}\n", config.epochs));
    out.push_str(&format!("OPTIMIZER = {}\n", py_str(&config.optimizer)));
    out.push_str(&format!("LR = {}\n", py_float(config.lr)));
    out.push_str(&format!("MOMENTUM = {}\n", py_float(config.momentum)));
    out.push_str(&format!("WEIGHT_DECAY = {}\n", py_float(config.weight_decay)));
    out.push_str(&format!("BATCH_SIZE = {}\n", config.batch_size.map_or("None".into(), |b| b.to_string())));
    let inits: Vec<String> = config.inits.iter().map(|(l, r)| format!("({}, {})", py_str(l), py_str(r))).collect();
    out.push_str(&format!("INITS = [{}]\n", inits.join(", ")));
    out.push_str(MAIN);
    Ok(out)
}
