//! What the page (or a script) sends to `POST /api/runs`, checked with the command line's rules
//! and messages: the body becomes the [`CompareConfig`] of `initlab compare … --seeds 1` and goes
//! through the same [`prepare`], so every error is the one the command line prints, and the
//! playground adds its own caps (inits, epochs, layers, parameters) on top.

use super::upload::{Upload, Uploads, MAX_UPLOADS, PREFIX};
use crate::lab::data::{self, task, SYNTHETIC};
use crate::lab::experiments::compare::{prepare_with, split_label, CompareConfig, Prepared};
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

/// The body of `POST /api/runs`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// A built-in dataset, or `upload:ID` (see [`super::upload`]).
    #[serde(default = "spiral")]
    pub data: String,
    /// `classification` or `regression`: how an upload's targets are read (default: from them).
    pub task: Option<String>,
    /// The fraction of an upload's rows held out as its test set (compare's `--test-split`).
    pub test_split: Option<Num>,
    pub model: Option<ModelChoice>,
    /// Rules text per init, `label@rules` to name one.
    pub inits: Vec<String>,
    pub seed: Option<Num>,
    pub epochs: Option<Num>,
    /// Default by task, as compare's: sgd for classification, adam for regression.
    pub optimizer: Option<String>,
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

/// The data's sizes and task, known before anything is built.
struct Shape {
    din: usize,
    dout: usize,
    regression: bool,
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
        ("--task", "task"),
        ("--test-split", "test_split"),
        ("upload", "data"),
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

impl Settings {
    /// The model shorthand these settings give.
    fn model_text(&self, shape: &Shape) -> Result<String> {
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
            format!("resmlp:{}-{width}x{depth}-{}", shape.din, shape.dout)
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

    /// The data's sizes and task (an upload read as `task`).
    fn shape(&self, upload: Option<&Upload>) -> Result<Shape> {
        let d = match upload {
            Some(u) => match self.task.as_deref() {
                Some(t) => task::as_task(u.data.clone(), t, &format!("--data '{}'", u.name))?,
                None => u.data.clone(),
            },
            None => data::synthetic(self.data.trim(), 0)?,
        };
        Ok(Shape { din: d.input.len() / d.len().max(1), dout: d.num_outputs(), regression: !d.is_classification() })
    }

    fn config(&self, upload: Option<&Upload>) -> Result<(CompareConfig, usize, Shape)> {
        let name = self.data.trim();
        if let Some(t) = self.task.as_deref() {
            if !task::TASKS.contains(&t) {
                return Err(Error::invalid(format!("--task '{t}'"), format!("one of {}", task::TASKS.join(", "))));
            }
        }
        let name = match upload {
            Some(u) => u.name.as_str(),
            None if name.starts_with(PREFIX) => {
                return Err(Error::invalid(
                    format!("dataset '{name}'"),
                    format!(
                        "no such upload (the server keeps the last {MAX_UPLOADS} in memory until it stops); upload the file again"
                    ),
                ))
            }
            None if !SYNTHETIC.contains(&name) => {
                return Err(Error::invalid(
                    format!("dataset '{name}'"),
                    format!(
                        "the playground takes a built-in dataset ({}) or an upload (POST /api/data, then \"data\": \"upload:ID\")",
                        SYNTHETIC.join(", ")
                    ),
                ))
            }
            None => name,
        };
        let shape = self.shape(upload)?;
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
        // compare's defaults by task: sgd (lr 0.05, momentum 0.9) for classification, adam (lr
        // 1e-3) for regression.
        let optimizer = match self.optimizer.as_deref().map(str::trim) {
            Some(o) if !o.is_empty() => o.to_string(),
            _ => (if shape.regression { "adam" } else { "sgd" }).to_string(),
        };
        let lr = match &self.lr {
            Some(n) => n.float("lr")?,
            None => {
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
        let model = self.model_text(&shape)?;
        let threshold = if shape.regression { 0.05 } else { 0.5 };
        let test_split = self.test_split.as_ref().map(|n| n.float("test-split")).transpose()?;
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
                test_split,
                snapshots: Vec::new(),
                task: self.task.clone(),
                standardize: false,
                param: None,
            },
            every,
            shape,
        ))
    }

    /// Every check of `initlab compare` plus the playground's caps; the model is built only
    /// once its parameter count is known to fit.
    pub fn check(&self, uploads: &Uploads) -> std::result::Result<Checked, Refusal> {
        let upload = uploads.get(self.data.trim()).filter(|_| self.data.trim().starts_with(PREFIX));
        let file = upload.as_ref().map(|u| u.name.clone());
        let refuse = |e: Error, c: &CompareConfig| {
            let error = super::one_line(&e.to_string());
            let (field, index) = match &file {
                // The file's own errors (`points.csv: line 3 …`) are about the data.
                Some(f) if error.starts_with(&format!("{f}:")) => ("data".to_string(), None),
                _ => field_of(&error, c),
            };
            Refusal { error, field, index }
        };
        let (config, every, shape) =
            self.config(upload.as_deref()).map_err(|e| refuse(e, &CompareConfig::default()))?;
        check_size(&config, &shape).map_err(|e| refuse(e, &config))?;
        let prepared = prepare_with(&config, upload.as_ref().map(|u| &u.data)).map_err(|e| refuse(e, &config))?;
        Ok(Checked { config, prepared, snapshot_every: every, paused: self.paused })
    }
}

/// Refuses models over [`MAX_PARAMS`] (counted from the sizes, before anything is built).
fn check_size(c: &CompareConfig, shape: &Shape) -> Result<()> {
    let spec = ModelSpec::parse(&c.model)?;
    let (din, dout) = (shape.din, shape.dout);
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

pub use super::command::command_line;
