//! compare's config, its checks and the prepared comparison every run of the grid shares (see
//! [`super::compare`]).

use crate::init::rules::Rules;
use crate::lab::data::{self, Dataset};
use crate::lab::instruments::captures::{plane_of, Extent};
use crate::lab::instruments::curve::{line_of, Span};
use crate::lab::instruments::units::weight_layers;
use crate::lab::models::param::{self, Param};
use crate::lab::models::{build, check_fits, ModelSpec, DEFAULT_MODEL};
use crate::lab::train::TrainConfig;
use crate::{Error, Result, Rng, Tensor};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The ten classic inits of the seed documents (each a bare scheme: every Linear/Conv2d weight,
/// biases zero), as `label@rules`.
pub const CLASSIC_INITS: [&str; 10] = [
    "zeros",
    "ones",
    "uniform",
    "normal",
    "normal(std=0.01)",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform(nonlinearity=relu)",
    "kaiming_normal(nonlinearity=relu)",
    "orthogonal(gain=relu)",
];

/// Most (run, epoch) records one process keeps: every one is a row of `metrics.csv` and is held in
/// memory until the outputs are written (100 million rows is about 10 GB of CSV).
pub const MAX_EPOCH_ROWS: u64 = 100_000_000;

/// Everything that decides a comparison's results (what shards must agree on).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareConfig {
    pub model: String,
    pub data: String,
    /// `(label, rules text)` per init.
    pub inits: Vec<(String, String)>,
    pub seeds: usize,
    pub seed: u64,
    pub optimizer: String,
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    pub epochs: usize,
    pub batch_size: Option<usize>,
    /// Loss threshold for "epochs to threshold".
    pub threshold: f64,
    /// User data only: a held-out file (`--test`) or the fraction of rows to hold out
    /// (`--test-split`); synthetic sets bring their own test set.
    #[serde(default)]
    pub test: Option<String>,
    #[serde(default)]
    pub test_split: Option<f64>,
    /// Epochs at which the decision boundaries are drawn (the end is always added); empty: 0,
    /// a tenth and a third of the way.
    #[serde(default)]
    pub snapshots: Vec<usize>,
    /// `--task`: read the targets as class ids or regression values; `None`: from their values.
    #[serde(default)]
    pub task: Option<String>,
    /// `--standardize`: inputs to mean 0, std 1 per feature, fitted on the training split.
    #[serde(default)]
    pub standardize: bool,
    /// `--param mup --base-width N …` (None: torch's standard parametrization).
    #[serde(default)]
    pub param: Option<Param>,
}

impl Default for CompareConfig {
    fn default() -> Self {
        let t = TrainConfig::default();
        CompareConfig {
            model: DEFAULT_MODEL.into(),
            data: "spiral".into(),
            inits: CLASSIC_INITS.iter().map(|s| split_label(s)).collect(),
            seeds: 5,
            seed: 0,
            optimizer: t.optimizer.to_string(),
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 0.0,
            epochs: t.epochs,
            batch_size: t.batch_size,
            threshold: 0.5,
            test: None,
            test_split: None,
            snapshots: Vec::new(),
            task: None,
            standardize: false,
            param: None,
        }
    }
}

/// `label@rules` → (label, rules); without `@` (or with nothing on one side of it) the label is
/// the whole text, so an error quotes what the user wrote, `@` included.
pub fn split_label(arg: &str) -> (String, String) {
    match arg.split_once('@') {
        Some((l, r)) if !l.trim().is_empty() && !r.trim().is_empty() => (l.trim().to_string(), r.trim().to_string()),
        _ => (arg.trim().to_string(), arg.trim().to_string()),
    }
}

impl CompareConfig {
    pub fn train_config(&self) -> Result<TrainConfig> {
        Ok(TrainConfig {
            optimizer: self.optimizer.parse()?,
            lr: self.lr,
            momentum: self.momentum as f32,
            weight_decay: self.weight_decay as f32,
            epochs: self.epochs,
            batch_size: self.batch_size,
        })
    }

    /// The epochs of the decision-boundary columns, ascending, the end (`epochs`) last.
    pub fn snapshot_epochs(&self) -> Vec<usize> {
        let mut e =
            if self.snapshots.is_empty() { vec![0, self.epochs / 10, self.epochs / 3] } else { self.snapshots.clone() };
        e.push(self.epochs);
        e.sort_unstable();
        e.dedup();
        e
    }

    pub fn num_runs(&self) -> usize {
        self.inits.len() * self.seeds
    }

    /// (init index, seed index) of run `r`.
    pub fn run_at(&self, r: usize) -> (usize, usize) {
        (r / self.seeds, r % self.seeds)
    }
}

/// A validated comparison: data loaded, model spec resolved, every init rule parsed and tried.
pub struct Prepared {
    pub config: CompareConfig,
    pub train: TrainConfig,
    /// Shared by every run of the grid.
    pub data: Arc<Dataset>,
    /// The held-out set (synthetic data always; user data with `--test`/`--test-split`).
    pub test: Option<Arc<Dataset>>,
    /// The plane of the decision boundaries (2-D classification data only).
    pub plane: Option<Extent>,
    /// The x span of the fitted curves (1-D regression data with one target only).
    pub line: Option<Span>,
    pub spec: serde_json::Value,
    /// μP's base shapes (`--param mup`), set on every model after its init.
    pub base: Option<crate::nn::mup::BaseShapes>,
    pub rules: Vec<Rules>,
    /// `named_parameters` names, the columns of the gradient norms.
    pub param_names: Vec<String>,
    /// Index into `param_names` of each weight layer's weight, in layer order.
    pub weight_params: Vec<usize>,
    /// Warnings from trying the rules (a rule that matches no parameter, …).
    pub warnings: Vec<String>,
    /// What `--standardize` fitted on the training split (recorded in the report's settings).
    pub standardization: Option<data::task::Standardization>,
}

/// Checks everything before any run: data, model (with a dry forward), every init rule (applied
/// to a throwaway model), the training config. Errors name the value and what would be valid.
pub fn prepare(config: &CompareConfig) -> Result<Prepared> {
    prepare_with(config, None)
}

/// [`prepare`] with the dataset already in memory when `given` (the playground's upload, whose
/// file name is `config.data`): the same checks, `--test-split`, `--task` and `--standardize`.
pub fn prepare_with(config: &CompareConfig, given: Option<&Dataset>) -> Result<Prepared> {
    if config.inits.is_empty() {
        return Err(Error::invalid("--init", "no inits to compare; give at least one"));
    }
    if config.seeds == 0 {
        return Err(Error::invalid("--seeds 0", "needs at least one seed"));
    }
    if config.epochs == 0 {
        return Err(Error::invalid("--epochs 0", "needs at least one epoch"));
    }
    if config.seed.checked_add(config.seeds as u64 - 1).is_none() {
        return Err(Error::invalid(
            format!("--seed {} --seeds {}", config.seed, config.seeds),
            format!("the last seed would pass {}; use a smaller --seed", u64::MAX),
        ));
    }
    let rows = (config.epochs as u128) * (config.num_runs() as u128);
    if rows > MAX_EPOCH_ROWS as u128 {
        return Err(Error::invalid(
            format!("--epochs {}", config.epochs),
            format!(
                "{} inits × {} seeds × {} epochs is {rows} rows of metrics.csv; the limit is {MAX_EPOCH_ROWS}; \
                 use fewer epochs, seeds or inits",
                config.inits.len(),
                config.seeds,
                config.epochs
            ),
        ));
    }
    if !config.threshold.is_finite() {
        return Err(Error::invalid(format!("--threshold {}", config.threshold), "needs a finite loss threshold"));
    }
    let mut labels: Vec<&str> = config.inits.iter().map(|(l, _)| l.as_str()).collect();
    labels.sort_unstable();
    if let Some(w) = labels.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::invalid(format!("--init '{}'", w[0]), "given twice; labels must differ (use label@rules)"));
    }
    let train = config.train_config()?;
    train.check()?;
    if train.optimizer != crate::lab::train::OptimizerKind::Sgd && train.momentum != 0.0 {
        return Err(Error::invalid(
            format!("--momentum {} with --optimizer adam", train.momentum),
            "momentum applies to sgd only (adam uses betas 0.9, 0.999); leave --momentum out",
        ));
    }
    if let Some(&e) = config.snapshots.iter().find(|&&e| e > config.epochs) {
        return Err(Error::invalid(
            format!("--snapshots {e}"),
            format!("is past the last epoch ({}); give epochs from 0 to {}", config.epochs, config.epochs),
        ));
    }
    let (data, test, standardization) = match given {
        Some(d) => data::task::given_for(
            &config.data,
            d.clone(),
            config.seed,
            config.test_split,
            config.task.as_deref(),
            config.standardize,
        )?,
        None => data::task::load_for(
            &config.data,
            config.seed,
            config.test.as_deref(),
            config.test_split,
            config.task.as_deref(),
            config.standardize,
        )?,
    };
    let plane = plane_of(&data);
    let line = line_of(&data);
    let spec = ModelSpec::parse(&config.model)?.to_json(&data)?;
    let (spec, base) = config.param.clone().unwrap_or(Param::Sp).prepare(&spec, &config.model)?;
    let model = build(&spec, &mut Rng::new(0))?;
    param::apply(model.as_ref(), base.as_ref())?;
    check_fits(model.as_ref(), &config.model, &data)?;
    check_last_batch(model.as_ref(), &data, &train)?;
    let mut rules = Vec::new();
    let mut warnings = Vec::new();
    let batch = Tensor::new(data.input.clone());
    for (label, text) in &config.inits {
        let r = Rules::parse_nonempty(text).map_err(|e| Error::invalid(format!("--init '{label}'"), e))?;
        let trial = build(&spec, &mut Rng::new(0))?;
        let report = param::attach(trial.as_ref(), base.as_ref())
            .and_then(|_| r.apply_with_batch(trial.as_ref(), Some(&batch), &mut Rng::new(0)))
            .and_then(|rep| param::apply_after(trial.as_ref(), base.as_ref(), &rep).map(|_| rep))
            .map_err(|e| Error::invalid(format!("--init '{label}'"), e))?;
        warnings.extend(report.warnings.into_iter().map(|w| format!("--init '{label}': {w}")));
        rules.push(r);
    }
    let param_names: Vec<String> = model.named_parameters().into_iter().map(|(n, _)| n).collect();
    let weight_params = weight_layers(model.as_ref())
        .into_iter()
        .filter_map(|(l, _)| {
            let w = if l.is_empty() { "weight".to_string() } else { format!("{l}.weight") };
            param_names.iter().position(|n| *n == w)
        })
        .collect();
    let (data, test) = (Arc::new(data), test.map(Arc::new));
    Ok(Prepared {
        config: config.clone(),
        train,
        data,
        test,
        plane,
        line,
        spec,
        base,
        rules,
        param_names,
        weight_params,
        warnings,
        standardization,
    })
}

/// A last minibatch of one sample cannot train a BatchNorm layer (torch: "Expected more than 1
/// value per channel when training"): say so before any run, naming sizes that would work,
/// rather than fail mid-sweep.
fn check_last_batch(model: &dyn crate::nn::Module, data: &Dataset, train: &TrainConfig) -> Result<()> {
    let n = data.len();
    let Some(bs) = train.batch_size.filter(|&b| b < n && n % b == 1) else { return Ok(()) };
    let (x, _) = data.batch(&[0]);
    let one = crate::autograd::with_no_grad(|| model.forward(&Tensor::new(x)));
    match one {
        Ok(_) => Ok(()),
        Err(e) => {
            let fits = |b: &usize| *b >= 2 && n % b != 1;
            let below = (2..bs).rev().find(fits).map_or(String::new(), |b| format!("{b} or "));
            let above = (bs + 1..=n).find(fits).unwrap_or(n);
            Err(Error::invalid(
                format!("--batch-size {bs}"),
                format!(
                    "{n} samples in batches of {bs} leave a last batch of one sample, which the model cannot \
                 train on ({e}); use a batch size that does not leave one, e.g. {below}{above}"
                ),
            ))
        }
    }
}

/// Which runs shard `k` of `n` (1-based) holds: round-robin, run r goes to shard r mod n + 1.
pub fn shard_runs(total: usize, k: usize, n: usize) -> Vec<usize> {
    (0..total).filter(|r| r % n == k - 1).collect()
}

/// Parses `K/N` with 1 ≤ K ≤ N.
pub fn parse_shard(text: &str) -> Result<(usize, usize)> {
    let bad =
        |why: &str| Error::invalid(format!("--shard '{text}'"), format!("{why}; write K/N with 1 <= K <= N, e.g. 2/4"));
    let (k, n) = text.split_once('/').ok_or_else(|| bad("no '/'"))?;
    let (k, n) = match (k.trim().parse::<usize>(), n.trim().parse::<usize>()) {
        (Ok(k), Ok(n)) => (k, n),
        _ => return Err(bad("K and N must be whole numbers")),
    };
    if n == 0 || k == 0 || k > n {
        return Err(bad(&format!("K = {k} is not in 1..={n}")));
    }
    Ok((k, n))
}
