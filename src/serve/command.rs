//! The `initlab compare` command line of a playground run (`GET /api/runs/{id}/command`).

use crate::lab::experiments::compare::CompareConfig;

fn shell_word(a: &str) -> String {
    if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c)) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// The `initlab compare` command that trains exactly what a run with `config` shows.
pub fn command_line(c: &CompareConfig) -> String {
    let mut a: Vec<String> = vec!["initlab".into(), "compare".into()];
    let mut flag = |f: &str, v: String| {
        a.push(f.into());
        a.push(shell_word(&v));
    };
    flag("--data", c.data.clone());
    if let Some(t) = &c.task {
        flag("--task", t.clone());
    }
    if let Some(f) = c.test_split {
        flag("--test-split", f.to_string());
    }
    flag("--model", c.model.clone());
    for (label, rules) in &c.inits {
        flag("--init", if label == rules { rules.clone() } else { format!("{label}@{rules}") });
    }
    flag("--seeds", "1".into());
    flag("--seed", c.seed.to_string());
    flag("--epochs", c.epochs.to_string());
    flag("--optimizer", c.optimizer.clone());
    flag("--lr", c.lr.to_string());
    flag("--momentum", c.momentum.to_string());
    if c.weight_decay != 0.0 {
        flag("--weight-decay", c.weight_decay.to_string());
    }
    if let Some(b) = c.batch_size {
        flag("--batch-size", b.to_string());
    }
    flag("--out", "runs/playground".into());
    a.join(" ")
}
