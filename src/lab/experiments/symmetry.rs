//! `symmetry`: train one model from symmetric and nearly symmetric starts and watch, per hidden
//! layer and per epoch, how many distinct units it has and how far apart its closest two are.
//!
//! A start is an init (rules, as in `compare`) plus two optional modifiers: a perturbation
//! (`+perturb=E`: every Linear/Conv2d weight gets E·N(0, 1) added, `p.add_(E * torch.randn_like(p))`
//! in `named_parameters` order, after the rules) and Dropout (`+dropout=P`: a Dropout(P) in front of
//! every weight layer but the first). Run (start k, seed s) is the PyTorch program
//! `torch.manual_seed(seed + s)`; build; apply the rules; perturb; train (full batch by default),
//! Dropout drawing its masks from that same generator. Each run is the lab's steppable [`Run`],
//! measured as it enters every epoch and at the end.
//!
//! Why some starts never leave symmetry: when the units of a layer have equal incoming weights,
//! equal biases and equal outgoing weights, every unit computes the same value on every sample,
//! receives the same gradient, and takes the same step; full-batch gradient descent (with
//! momentum, weight decay or Adam, which act per coordinate) keeps them equal, whatever the data.
//! A start leaves that subspace when something differs per unit: biases, a dropout mask, a
//! perturbation, or a layer whose incoming or outgoing weights already differ.

use crate::init::Rules;
use crate::lab::data::{self, Dataset};
use crate::lab::instruments::units::{count_distinct, spread, unit_rows, weight_layers, UNIT_TOL};
use crate::lab::models::{build, check_fits, ModelSpec};
use crate::lab::train::{Run, Snapshot, TrainConfig};
use crate::nn::Module;
use crate::{Error, Result, Rng, Tensor};
use rayon::prelude::*;
use serde_json::{json, Value};

/// The default family, by name (see [`start_rules`]).
pub const DEFAULT_STARTS: [&str; 10] = [
    "zeros",
    "constant",
    "zero_weights_random_bias",
    "zero_last_layer",
    "constant_dropout",
    "constant_perturb_1e-6",
    "constant_perturb_1e-3",
    "zero_init",
    "kaiming",
    "random_bias_only_last",
];

/// The constant of the constant starts.
pub const CONSTANT: &str = "constant(val=0.05)";

/// One start: its label, init rules, perturbation size and dropout probability.
#[derive(Clone, Debug, PartialEq)]
pub struct Start {
    pub label: String,
    pub rules: String,
    pub perturb: Option<f64>,
    pub dropout: Option<f64>,
}

/// A named start's text (`rules[+perturb=E][+dropout=P]`); `LAST` stands for the last weight
/// layer's name. `None` for an unknown name.
pub fn start_rules(name: &str) -> Option<String> {
    let kaiming = "kaiming_normal(nonlinearity=relu)";
    Some(match name {
        "zeros" => "zeros".into(),
        "constant" => CONSTANT.into(),
        "zero_weights_random_bias" => "zeros;*.bias=uniform(a=-0.5, b=0.5)".into(),
        "zero_last_layer" => format!("{kaiming};LAST.weight=zeros"),
        "random_bias_only_last" => "zeros;LAST.bias=uniform(a=-0.5, b=0.5)".into(),
        "constant_dropout" => format!("{CONSTANT}+dropout=0.1"),
        "constant_perturb_1e-6" => format!("{CONSTANT}+perturb=1e-6"),
        "constant_perturb_1e-3" => format!("{CONSTANT}+perturb=1e-3"),
        "zero_init" => "zero_init".into(),
        "kaiming" => kaiming.into(),
        _ => return None,
    })
}

/// Parses `NAME` (one of [`DEFAULT_STARTS`]) or `label@rules[+perturb=E][+dropout=P]`.
pub fn parse_start(text: &str) -> Result<Start> {
    let text = text.trim();
    let (label, body) = match text.split_once('@') {
        Some((l, r)) if !l.trim().is_empty() => (l.trim().to_string(), r.to_string()),
        Some(_) => return Err(Error::invalid(format!("--start '{text}'"), "empty label before '@'")),
        None => {
            let body = start_rules(text).ok_or_else(|| {
                Error::invalid(
                    format!("--start '{text}'"),
                    format!(
                        "unknown start; the named ones are {}, or write label@rules[+perturb=E][+dropout=P]",
                        DEFAULT_STARTS.join(", ")
                    ),
                )
            })?;
            (text.to_string(), body)
        }
    };
    let mut start = Start { label, rules: String::new(), perturb: None, dropout: None };
    let mut rest = body.as_str();
    loop {
        let cut = [("+perturb=", true), ("+dropout=", false)]
            .iter()
            .filter_map(|&(k, is_p)| rest.rfind(k).map(|i| (i, k, is_p)))
            .max_by_key(|&(i, _, _)| i);
        let Some((i, key, is_perturb)) = cut else { break };
        let v = rest[i + key.len()..].trim();
        let num = v.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0);
        let name = &key[1..key.len() - 1];
        let Some(num) = num else {
            return Err(Error::invalid(format!("--start '{text}'"), format!("{name}={v}: needs a number >= 0")));
        };
        if is_perturb {
            start.perturb = Some(num);
        } else if num >= 1.0 {
            return Err(Error::invalid(format!("--start '{text}'"), format!("dropout={v}: needs 0 <= P < 1")));
        } else {
            start.dropout = Some(num);
        }
        rest = &rest[..i];
    }
    start.rules = rest.trim().to_string();
    if start.rules.is_empty() {
        return Err(Error::invalid(format!("--start '{text}'"), "no init rules"));
    }
    Ok(start)
}

/// Everything that decides a study's results.
#[derive(Clone, Debug, PartialEq)]
pub struct SymmetryConfig {
    pub model: String,
    pub data: String,
    /// `--task` / `--standardize`, as in compare.
    pub task: Option<String>,
    pub standardize: bool,
    pub starts: Vec<String>,
    pub seeds: usize,
    pub seed: u64,
    pub train: TrainConfig,
    /// A start "trains" when its mean final loss is below this.
    pub threshold: f64,
}

impl Default for SymmetryConfig {
    fn default() -> Self {
        SymmetryConfig {
            model: "mlp:in-100-100-out:relu".into(),
            data: "spiral".into(),
            task: None,
            standardize: false,
            starts: DEFAULT_STARTS.iter().map(|s| s.to_string()).collect(),
            seeds: 2,
            seed: 0,
            train: TrainConfig { epochs: 300, ..TrainConfig::default() },
            threshold: 0.5,
        }
    }
}

/// A validated study.
pub struct Prepared {
    pub config: SymmetryConfig,
    pub data: Dataset,
    pub starts: Vec<Start>,
    /// Per start: the model spec (with its Dropout layers) and the parsed rules.
    pub specs: Vec<Value>,
    pub rules: Vec<Rules>,
    /// Names of the hidden weight layers (every weight layer but the last).
    pub layers: Vec<String>,
}

/// Inserts Dropout(p) in front of every weight layer but the first of a top-level Sequential.
fn with_dropout(spec: &Value, p: f64, model: &str) -> Result<Value> {
    let mut s = spec.clone();
    let layers = s.get_mut("layers").and_then(Value::as_array_mut).filter(|_| spec["type"] == "Sequential");
    let Some(layers) = layers else {
        return Err(Error::invalid(
            format!("model '{model}'"),
            "dropout starts need a Sequential model (mlp: or conv:)",
        ));
    };
    let mut out = Vec::new();
    let mut seen = false;
    for l in layers.drain(..) {
        let weight = matches!(l["type"].as_str(), Some("Linear" | "Conv2d"));
        if weight && seen {
            out.push(json!({"type": "Dropout", "p": p}));
        }
        seen |= weight;
        out.push(l);
    }
    *layers = out;
    Ok(s)
}

/// Checks everything before any run: data, model (it needs a hidden layer), every start.
pub fn prepare(config: &SymmetryConfig) -> Result<Prepared> {
    if config.starts.is_empty() {
        return Err(Error::invalid("--start", "no starts; give at least one"));
    }
    if config.seeds == 0 {
        return Err(Error::invalid("--seeds 0", "needs at least one seed"));
    }
    if config.train.epochs == 0 {
        return Err(Error::invalid("--epochs 0", "needs at least one epoch"));
    }
    config.train.check()?;
    let starts: Vec<Start> = config.starts.iter().map(|s| parse_start(s)).collect::<Result<_>>()?;
    let mut labels: Vec<&str> = starts.iter().map(|s| s.label.as_str()).collect();
    labels.sort_unstable();
    if let Some(w) = labels.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::invalid(format!("--start '{}'", w[0]), "given twice; labels must differ (use label@rules)"));
    }
    let (data, _) = data::task::load_train(&config.data, config.seed, config.task.as_deref(), config.standardize)?;
    let spec = ModelSpec::parse(&config.model)?.to_json(&data)?;
    let model = build(&spec, &mut Rng::new(0))?;
    check_fits(model.as_ref(), &config.model, &data)?;
    let all = weight_layers(model.as_ref());
    if all.len() < 2 {
        return Err(Error::invalid(
            format!("model '{}'", config.model),
            "has no hidden layer (one weight layer); symmetry is about the units of hidden layers, e.g. mlp:in-100-100-out",
        ));
    }
    let layers: Vec<String> = all[..all.len() - 1].iter().map(|(n, _)| n.clone()).collect();
    let last = all.last().map(|(n, _)| n.clone()).unwrap_or_default();
    let batch = Tensor::new(data.input.clone());
    let (mut specs, mut rules) = (Vec::new(), Vec::new());
    for s in &starts {
        let sp = match s.dropout {
            Some(p) if p > 0.0 => with_dropout(&spec, p, &config.model)?,
            _ => spec.clone(),
        };
        let m = build(&sp, &mut Rng::new(0))?;
        let names = weight_layers(m.as_ref());
        let last_here = names.last().map_or(last.clone(), |(n, _)| n.clone());
        let text = s.rules.replace("LAST.", &format!("{last_here}."));
        let r = Rules::parse_nonempty(&text).map_err(|e| Error::invalid(format!("--start '{}'", s.label), e))?;
        r.apply_with_batch(m.as_ref(), Some(&batch), &mut Rng::new(0))
            .map_err(|e| Error::invalid(format!("--start '{}'", s.label), e))?;
        specs.push(sp);
        rules.push(r);
    }
    Ok(Prepared { config: config.clone(), data, starts, specs, rules, layers })
}

/// One (epoch, layer) measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerEpoch {
    pub epoch: usize,
    pub layer: usize,
    pub distinct: usize,
    pub units: usize,
    pub spread: f64,
}

/// What one run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct SymRun {
    pub start: usize,
    pub seed: usize,
    pub losses: Vec<f64>,
    pub diverged: bool,
    /// Epochs 0..=trained, every hidden layer.
    pub measures: Vec<LayerEpoch>,
}

impl SymRun {
    /// The first epoch at which hidden layer `l` has all its units distinct.
    pub fn first_distinct(&self, l: usize) -> Option<usize> {
        self.measures.iter().find(|m| m.layer == l && m.distinct == m.units).map(|m| m.epoch)
    }
}

/// The hidden layers' unit rows of `model` (in layer order).
pub fn hidden_rows(model: &dyn Module) -> Vec<Vec<Vec<f32>>> {
    let l = weight_layers(model);
    l[..l.len().saturating_sub(1)].iter().map(|(_, m)| unit_rows(*m)).collect()
}

/// `p.add_(eps * torch.randn_like(p))` on every Linear/Conv2d weight, in `named_parameters` order.
fn perturb(model: &dyn Module, eps: f64, rng: &mut Rng) {
    let weights: Vec<String> = weight_layers(model)
        .into_iter()
        .map(|(n, _)| if n.is_empty() { "weight".into() } else { format!("{n}.weight") })
        .collect();
    for (name, p) in model.named_parameters() {
        if weights.contains(&name) {
            let mut noise = vec![0f32; p.numel()];
            rng.normal_(&mut noise, 0.0, 1.0);
            let mut d = p.data_mut();
            for (w, n) in d.iter_mut().zip(noise) {
                *w += n * eps as f32;
            }
        }
    }
}

/// Trains run (start `k`, seed index `s`) on the calling thread.
pub fn run_one(p: &Prepared, k: usize, s: usize) -> Result<SymRun> {
    Ok(run_one_from(p, k, s, None, &mut |_, _| Ok(false))?.expect("never paused"))
}

/// Run (start `k`, seed index `s`) from its start or from `from` (its run's snapshot and the
/// measurements taken so far). Between epochs `pause` is shown the run and the measurements;
/// when it returns `true` the run stops and `None` comes back.
pub fn run_one_from(
    p: &Prepared,
    k: usize,
    s: usize,
    from: Option<(Snapshot, Vec<LayerEpoch>)>,
    pause: &mut dyn FnMut(&Run, &[LayerEpoch]) -> Result<bool>,
) -> Result<Option<SymRun>> {
    let mut rng = Rng::new(p.config.seed + s as u64);
    let model = build(&p.specs[k], &mut rng)?;
    let (mut run, mut measures) = match from {
        Some((snap, measures)) => (Run::restore(model, p.data.clone(), &snap)?, measures),
        None => {
            p.rules[k].apply_with_batch(model.as_ref(), Some(&Tensor::new(p.data.input.clone())), &mut rng)?;
            if let Some(eps) = p.starts[k].perturb {
                perturb(model.as_ref(), eps, &mut rng);
            }
            (Run::new(model, p.data.clone(), p.config.train.clone(), rng)?, Vec::new())
        }
    };
    loop {
        if !run.is_done() && pause(&run, &measures)? {
            return Ok(None);
        }
        let epoch = run.epoch();
        for (layer, rows) in hidden_rows(run.model()).iter().enumerate() {
            let (distinct, units) = (count_distinct(rows, UNIT_TOL), rows.len());
            measures.push(LayerEpoch { epoch, layer, distinct, units, spread: spread(rows) });
        }
        if run.step_epoch()?.is_none() {
            break;
        }
    }
    let log = run.log();
    let losses = log.epochs.iter().map(|e| e.loss).collect();
    Ok(Some(SymRun { start: k, seed: s, losses, diverged: log.diverged, measures }))
}

/// Every run of the study on `threads` threads (0: all cores); results in grid order
/// (start-major), the same at any thread count.
pub fn run_all(p: &Prepared, threads: usize) -> Result<Vec<SymRun>> {
    let grid: Vec<(usize, usize)> =
        (0..p.starts.len()).flat_map(|k| (0..p.config.seeds).map(move |s| (k, s))).collect();
    let pool = crate::lab::run_pool(threads)?;
    pool.install(|| grid.par_iter().map(|&(k, s)| crate::kernels::serial(|| run_one(p, k, s))).collect())
}

#[cfg(test)]
#[path = "symmetry_tests.rs"]
mod tests;
