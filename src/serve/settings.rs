//! What the page (or a script) sends to `POST /api/runs`, checked with the command line's rules
//! and messages: the body becomes the [`CompareConfig`] of `initlab compare … --seeds 1` and goes
//! through the same [`prepare`], so every error is the one the command line prints, and the
//! playground adds its own caps (inits, epochs, layers, parameters) on top.

use crate::lab::data::{self, SYNTHETIC};
use crate::lab::experiments::compare::{prepare, split_label, CompareConfig, Prepared};
use crate::lab::models::ModelSpec;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most inits racing side by side in one run.
pub const MAX_INITS: usize = 4;
/// Most epochs of one run.
pub const MAX_EPOCHS: usize = 10_000;
/// Most hidden layers (or residual blocks) of a model.
pub const MAX_DEPTH: usize = 100;
/// Most parameters of one model.
pub const MAX_PARAMS: usize = 2_000_000;

/// A number as JSON gives it, or as text (so `"NaN"` and `"1e-3"` from a form field arrive as
/// typed and are refused or accepted with the command line's words).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Num {
    Num(f64),
    Text(String),
}

impl Num {
    fn float(&self, flag: &str) -> Result<f64> {
        match self {
            Num::Num(v) => Ok(*v),
            Num::Text(t) => t
                .trim()
                .parse::<f64>()
                .map_err(|_| Error::invalid(format!("--{flag} '{}'", t.trim()), "is not a number")),
        }
    }
    fn whole(&self, flag: &str) -> Result<u64> {
        let bad = |t: &str| Error::invalid(format!("--{flag} {t}"), "needs a whole number >= 0");
        match self {
            Num::Num(v) if v.fract() == 0.0 && *v >= 0.0 && *v < 1.8e19 => Ok(*v as u64),
            Num::Num(v) => Err(bad(&v.to_string())),
            Num::Text(t) => t.trim().parse::<u64>().map_err(|_| bad(&format!("'{}'", t.trim()))),
        }
    }
}

/// The model as the page's controls describe it, or a shorthand (`mlp:…`, `resmlp:…`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum ModelChoice {
    Shorthand(String),
    Controls(ModelControls),
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelControls {
    /// Hidden layers (residual: blocks).
    pub depth: Num,
    pub width: Num,
    #[serde(default = "relu")]
    pub activation: String,
    /// `none`, `bn` (BatchNorm) or `ln` (LayerNorm).
    #[serde(default = "none")]
    pub norm: String,
    #[serde(default)]
    pub residual: bool,
    #[serde(default = "yes")]
    pub bias: bool,
}

fn relu() -> String {
    "relu".into()
}
fn none() -> String {
    "none".into()
}
fn yes() -> bool {
    true
}
fn spiral() -> String {
    "spiral".into()
}
fn sgd() -> String {
    "sgd".into()
}

/// The body of `POST /api/runs`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "spiral")]
    pub data: String,
    pub model: Option<ModelChoice>,
    /// Rules text per init, `label@rules` to name one.
    pub inits: Vec<String>,
    pub seed: Option<Num>,
    pub epochs: Option<Num>,
    #[serde(default = "sgd")]
    pub optimizer: String,
    pub lr: Option<Num>,
    pub momentum: Option<Num>,
    pub weight_decay: Option<Num>,
    /// Absent or null: full batch.
    pub batch_size: Option<Num>,
    /// Instrument snapshots every this many epochs (default: about 30 per run).
    pub snapshot_every: Option<Num>,
    /// Start paused (Play or Step moves it).
    #[serde(default)]
    pub paused: bool,
}

/// A refused setting: the command line's message and the field of the body it is about.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Refusal {
    pub error: String,
    pub field: String,
    /// The init's position for an `inits` error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

/// Settings that passed every check.
pub struct Checked {
    pub config: CompareConfig,
    pub prepared: Prepared,
    pub snapshot_every: usize,
    pub paused: bool,
}

/// Which body field an error of [`prepare`] (or of this module) is about, from the flag or value
/// its message starts with.
fn field_of(msg: &str, config: &CompareConfig) -> (String, Option<usize>) {
    let starts = |p: &str| msg.starts_with(p);
    if starts("--init") {
        let index = config.inits.iter().position(|(l, _)| msg.starts_with(&format!("--init '{l}'")));
        return ("inits".into(), index);
    }
    let table = [
        ("--lr", "lr"),
        ("--momentum", "momentum"),
        ("--weight-decay", "weight_decay"),
        ("--batch-size", "batch_size"),
        ("--epochs", "epochs"),
        ("--seed", "seed"),
        ("--snapshot-every", "snapshot_every"),
        ("optimizer", "optimizer"),
        ("--optimizer", "optimizer"),
        ("model", "model"),
        ("--model", "model"),
        ("dataset", "data"),
        ("--data", "data"),
        ("--depth", "depth"),
        ("--width", "width"),
    ];
    for (p, f) in table {
        if starts(p) {
            return (f.into(), None);
        }
    }
    ("body".into(), None)
}

fn shell_word(a: &str) -> String {
    if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c)) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

impl Settings {
    /// The model shorthand these settings give.
    fn model_text(&self) -> Result<String> {
        let c = match &self.model {
            None => return Ok(crate::lab::models::DEFAULT_MODEL.into()),
            Some(ModelChoice::Shorthand(s)) => {
                let t = s.trim();
                if !(t.starts_with("mlp:") || t.starts_with("resmlp:")) {
                    return Err(Error::invalid(
                        format!("model '{t}'"),
                        "the playground takes an mlp:… or resmlp:… shorthand (no files), e.g. mlp:in-100-100-out:relu",
                    ));
                }
                return Ok(t.to_string());
            }
            Some(ModelChoice::Controls(c)) => c,
        };
        let depth = c.depth.whole("depth")? as usize;
        let width = c.width.whole("width")?;
        if depth > MAX_DEPTH {
            return Err(Error::invalid(
                format!("--depth {depth}"),
                format!("the playground's limit is {MAX_DEPTH} hidden layers"),
            ));
        }
        let mut opts = vec![c.activation.trim().to_string()];
        match c.norm.as_str() {
            "none" | "" => {}
            "bn" | "ln" => opts.push(c.norm.clone()),
            n => return Err(Error::invalid(format!("--norm '{n}'"), "valid: none, bn (BatchNorm), ln (LayerNorm)")),
        }
        if !c.bias {
            opts.push("nobias".into());
        }
        let sizes = if c.residual {
            let d = data::synthetic(self.data.trim(), 0).ok();
            let (i, o) = d.map_or((2, 3), |d| (d.input.len() / d.len().max(1), d.num_outputs()));
            format!("resmlp:{i}-{width}x{depth}-{o}")
        } else if depth <= 4 {
            let mut s = vec!["in".to_string()];
            s.extend((0..depth).map(|_| width.to_string()));
            s.push("out".into());
            format!("mlp:{}", s.join("-"))
        } else {
            format!("mlp:in-{width}x{depth}-out")
        };
        Ok(format!("{sizes}:{}", opts.join(":")))
    }

    fn config(&self) -> Result<(CompareConfig, usize)> {
        let name = self.data.trim();
        if !SYNTHETIC.contains(&name) {
            return Err(Error::invalid(
                format!("dataset '{name}'"),
                format!("the playground takes a built-in dataset: {}", SYNTHETIC.join(", ")),
            ));
        }
        if self.inits.len() > MAX_INITS {
            return Err(Error::invalid(
                format!("--init ×{}", self.inits.len()),
                format!("the playground races at most {MAX_INITS} inits side by side"),
            ));
        }
        let epochs = self.epochs.as_ref().map_or(Ok(300), |n| n.whole("epochs"))?;
        if epochs > MAX_EPOCHS as u64 {
            return Err(Error::invalid(
                format!("--epochs {epochs}"),
                format!("the playground's limit is {MAX_EPOCHS} epochs per run"),
            ));
        }
        let epochs = epochs as usize;
        let optimizer = self.optimizer.trim().to_string();
        let lr = match &self.lr {
            Some(n) => n.float("lr")?,
            None => {
                // compare's classification default (its regression default is adam at 1e-3).
                if optimizer == "adam" {
                    1e-3
                } else {
                    0.05
                }
            }
        };
        let momentum = match &self.momentum {
            Some(n) => n.float("momentum")?,
            None => {
                if optimizer == "sgd" {
                    0.9
                } else {
                    0.0
                }
            }
        };
        let weight_decay = self.weight_decay.as_ref().map_or(Ok(0.0), |n| n.float("weight-decay"))?;
        let batch_size = self.batch_size.as_ref().map(|n| n.whole("batch-size").map(|b| b as usize)).transpose()?;
        let every = match &self.snapshot_every {
            Some(n) => match n.whole("snapshot-every")? {
                0 => return Err(Error::invalid("--snapshot-every 0", "needs at least 1")),
                v => v as usize,
            },
            None => (epochs / 30).max(1),
        };
        let seed = self.seed.as_ref().map_or(Ok(0), |n| n.whole("seed"))?;
        let model = self.model_text()?;
        let threshold = if name == "sine" { 0.05 } else { 0.5 };
        Ok((
            CompareConfig {
                model,
                data: name.to_string(),
                inits: self.inits.iter().map(|s| split_label(s)).collect(),
                seeds: 1,
                seed,
                optimizer,
                lr,
                momentum,
                weight_decay,
                epochs,
                batch_size,
                threshold,
                test: None,
                test_split: None,
                snapshots: Vec::new(),
                task: None,
                standardize: false,
                param: None,
            },
            every,
        ))
    }

    /// Every check of `initlab compare` plus the playground's caps; the model is built only
    /// once its parameter count is known to fit.
    pub fn check(&self) -> std::result::Result<Checked, Refusal> {
        let refuse = |e: Error, c: &CompareConfig| {
            let error = super::one_line(&e.to_string());
            let (field, index) = field_of(&error, c);
            Refusal { error, field, index }
        };
        let (config, every) = self.config().map_err(|e| refuse(e, &CompareConfig::default()))?;
        check_size(&config).map_err(|e| refuse(e, &config))?;
        let prepared = prepare(&config).map_err(|e| refuse(e, &config))?;
        Ok(Checked { config, prepared, snapshot_every: every, paused: self.paused })
    }
}

/// Refuses models over [`MAX_PARAMS`] (counted from the sizes, before anything is built).
fn check_size(c: &CompareConfig) -> Result<()> {
    let spec = ModelSpec::parse(&c.model)?;
    let d = data::synthetic(&c.data, c.seed)?;
    let (din, dout) = (d.input.len() / d.len().max(1), d.num_outputs());
    let sizes: Vec<usize> = match &spec {
        ModelSpec::Mlp { sizes, .. } | ModelSpec::ResMlp { sizes, .. } => sizes.clone(),
        _ => return Ok(()),
    };
    let n = sizes.len();
    let fill = |i: usize, s: usize| match (i, s) {
        (0, 0) => din,
        (i, 0) if i + 1 == n => dout,
        _ => s,
    };
    let sizes: Vec<usize> = sizes.iter().enumerate().map(|(i, &s)| fill(i, s)).collect();
    if sizes.len() > MAX_DEPTH + 2 {
        return Err(Error::invalid(
            format!("model '{}'", c.model),
            format!("{} hidden layers; the playground's limit is {MAX_DEPTH}", sizes.len() - 2),
        ));
    }
    let params: u128 = sizes.windows(2).map(|w| (w[0] as u128 + 1) * w[1] as u128).sum();
    if params > MAX_PARAMS as u128 {
        return Err(Error::invalid(
            format!("model '{}'", c.model),
            format!("about {params} parameters; the playground's limit is {MAX_PARAMS} per model (fewer or narrower layers)"),
        ));
    }
    Ok(())
}

/// The `initlab compare` command that trains exactly what a run with `config` shows.
pub fn command_line(c: &CompareConfig) -> String {
    let mut a: Vec<String> = vec!["initlab".into(), "compare".into()];
    let mut flag = |f: &str, v: String| {
        a.push(f.into());
        a.push(shell_word(&v));
    };
    flag("--data", c.data.clone());
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
