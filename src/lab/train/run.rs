//! One (init, seed) training run as an object: the only training loop of the lab. `compare`,
//! `phase`, the report and a live session all drive a [`Run`].
//!
//! A run owns its model, optimizer and generator, shares its data (`Arc`), and keeps the epoch it
//! is in (the shuffled order, the batches done, the running sums), so stepping batch by batch
//! gives exactly the bits of stepping epoch by epoch. What is recorded per epoch is described in
//! [`super::train_loop`]; the instruments that can read a run at any point (activation and
//! gradient histograms, distinct units, dead ReLUs, decision boundaries) are methods added in
//! [`crate::lab::instruments::readings`].

use super::train_loop::{
    evaluate, grad_norms, loss_and_correct, optimizer, EpochRecord, TrainConfig, TrainLog, REGRESSION_BLOWUP,
};
use crate::init::rules::Rules;
use crate::lab::data::{Dataset, Target};
use crate::lab::models::build;
use crate::nn::Module;
use crate::optim::Optimizer;
use crate::{Result, Rng, Tensor};
use std::sync::Arc;

/// Where a run is inside an epoch it has started and not finished.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EpochPosition {
    /// The epoch's sample order (`torch.randperm(n)`); empty for full batch.
    pub order: Vec<usize>,
    /// Batches done so far (forward passes, the last one possibly diverged).
    pub batches: usize,
    pub loss_sum: f64,
    pub correct: usize,
    /// Gradient norms of the epoch's first batch (empty until it is done).
    pub norms: Vec<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
}

/// One training run you can step.
///
/// ```no_run
/// use initlab::init::rules::Rules;
/// use initlab::lab::data::synthetic;
/// use initlab::lab::models::ModelSpec;
/// use initlab::lab::train::{Run, TrainConfig};
///
/// let data = synthetic("spiral", 0)?;
/// let spec = ModelSpec::parse("mlp:in-100-100-out:relu")?.to_json(&data)?;
/// let init = Rules::parse_nonempty("kaiming_normal(nonlinearity=relu)")?;
/// let cfg = TrainConfig { epochs: 300, batch_size: Some(64), ..TrainConfig::default() };
/// // compare's run (k, s): torch.manual_seed(seed); build; apply the init; train.
/// let mut run = Run::from_init(&spec, &init, 0, data, cfg)?;
/// run.step(10)?; // ten optimizer steps (here mid-epoch: 300 samples are 5 batches of 64)
/// run.step_epoch()?; // the rest of epoch 1; returns its record
/// let hist = run.histograms()?; // any instrument, at any point, changes nothing
/// let snap = run.snapshot(); // plain data (serde); weights, optimizer, generator, position
/// run.finish()?; // to the last epoch (or the divergence)
/// println!("{} epochs, last loss {}", run.epoch(), run.log().epochs.last().unwrap().loss);
/// // the same run from the snapshot: a model of the same spec (its weights are overwritten)
/// let model = initlab::lab::models::build(&spec, &mut initlab::Rng::new(0))?;
/// let mut again = Run::restore(model, run.data().clone(), &snap)?;
/// again.finish()?;
/// assert_eq!(again.log(), run.log());
/// # Ok::<(), initlab::Error>(())
/// ```
///
/// Stepping never reads or draws anything but the run's own generator, and readings draw
/// nothing, so a run is a pure function of (model, data, config, generator) however it is
/// driven: `step(1)` repeated, `step_epoch()` repeated and `finish()` give the same bits.
pub struct Run {
    model: Box<dyn Module>,
    opt: Box<dyn Optimizer>,
    pub(crate) rng: Rng,
    pub(crate) cfg: TrainConfig,
    data: Arc<Dataset>,
    test: Option<Arc<Dataset>>,
    /// Full batch: the same input and target every epoch, built once.
    whole: Option<(Tensor, Target)>,
    pub(crate) log: TrainLog,
    pub(crate) current: Option<EpochPosition>,
    pub(crate) steps: u64,
}

impl Run {
    /// A run of `model` (already built and initialised) on `data`, drawing its minibatch orders
    /// from `rng`. Checks `cfg` first.
    pub fn new(model: Box<dyn Module>, data: impl Into<Arc<Dataset>>, cfg: TrainConfig, rng: Rng) -> Result<Run> {
        cfg.check()?;
        let data = data.into();
        let opt = optimizer(model.as_ref(), &cfg)?;
        let n = data.len();
        let whole = (batch_size(&cfg, n) >= n).then(|| (Tensor::new(data.input.clone()), data.target.clone()));
        // Grown as epochs finish: nothing up front proportional to the epoch count.
        let log = TrainLog { epochs: Vec::with_capacity(cfg.epochs.min(1024)), diverged: false };
        Ok(Run { model, opt, rng, cfg, data, test: None, whole, log, current: None, steps: 0 })
    }

    /// The PyTorch program `torch.manual_seed(seed)`; build `spec` (each layer drawing its
    /// default init); apply `init` (data-dependent rules see the whole training input); train
    /// from that same generator. What `compare` runs for (init k, seed s).
    pub fn from_init(
        spec: &serde_json::Value,
        init: &Rules,
        seed: u64,
        data: impl Into<Arc<Dataset>>,
        cfg: TrainConfig,
    ) -> Result<Run> {
        Run::from_init_param(spec, None, init, seed, data, cfg)
    }

    /// [`Run::from_init`] under a parametrization: with μP's base shapes, mup's
    /// `set_base_shapes` after the init (which rescales it), and then MuSGD / MuAdam.
    pub fn from_init_param(
        spec: &serde_json::Value,
        base: Option<&crate::nn::mup::BaseShapes>,
        init: &Rules,
        seed: u64,
        data: impl Into<Arc<Dataset>>,
        cfg: TrainConfig,
    ) -> Result<Run> {
        let data = data.into();
        let mut rng = Rng::new(seed);
        let model = build(spec, &mut rng)?;
        crate::lab::models::param::attach(model.as_ref(), base)?;
        let report = init.apply_with_batch(model.as_ref(), Some(&Tensor::new(data.input.clone())), &mut rng)?;
        crate::lab::models::param::apply_after(model.as_ref(), base, &report)?;
        Run::new(model, data, cfg, rng)
    }

    /// Evaluates on `test` at the start of every epoch from now on (draws nothing).
    pub fn with_test(mut self, test: Option<Arc<Dataset>>) -> Run {
        self.test = test;
        self
    }

    /// Epochs finished (the index of the epoch a step would be in).
    pub fn epoch(&self) -> usize {
        self.log.epochs.len()
    }

    /// Batches done in the current epoch (0 between epochs).
    pub fn batch_in_epoch(&self) -> usize {
        self.current.as_ref().map_or(0, |c| c.batches)
    }

    /// Batches per epoch (1 for full batch).
    pub fn batches_per_epoch(&self) -> usize {
        let n = self.data.len();
        n.div_ceil(batch_size(&self.cfg, n).max(1))
    }

    /// Optimizer steps taken (a batch whose loss diverged takes none).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Trained to the last epoch, or stopped by a non-finite loss.
    pub fn is_done(&self) -> bool {
        self.log.diverged || self.epoch() >= self.cfg.epochs
    }

    pub fn log(&self) -> &TrainLog {
        &self.log
    }

    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    pub fn model(&self) -> &dyn Module {
        self.model.as_ref()
    }

    /// The model, to read it (instruments that run it leave it as they found it). Changing its
    /// weights changes the run.
    pub fn model_mut(&mut self) -> &mut dyn Module {
        self.model.as_mut()
    }

    pub fn into_model(self) -> Box<dyn Module> {
        self.model
    }

    pub fn data(&self) -> &Arc<Dataset> {
        &self.data
    }

    pub fn test(&self) -> Option<&Arc<Dataset>> {
        self.test.as_ref()
    }

    /// Up to `n` batches (each one optimizer step), crossing epoch boundaries; stops early when
    /// the run is done. Returns the batches taken.
    pub fn step(&mut self, n: usize) -> Result<usize> {
        let mut taken = 0;
        while taken < n && !self.is_done() {
            self.batch()?;
            taken += 1;
        }
        Ok(taken)
    }

    /// The rest of the current epoch (all of the next one between epochs); its record, or `None`
    /// when the run was already done.
    pub fn step_epoch(&mut self) -> Result<Option<&EpochRecord>> {
        if self.is_done() {
            return Ok(None);
        }
        let e = self.epoch();
        while self.epoch() == e {
            self.batch()?;
        }
        Ok(self.log.epochs.last())
    }

    /// Every remaining epoch; the whole log.
    pub fn finish(&mut self) -> Result<&TrainLog> {
        while self.step_epoch()?.is_some() {}
        Ok(&self.log)
    }

    /// Starts an epoch: the held-out numbers of the model as it enters it (eval mode, no graph),
    /// then the epoch's order (`torch.randperm(n)` for minibatches; full batch draws nothing).
    fn begin_epoch(&mut self) -> Result<EpochPosition> {
        let (test_loss, test_accuracy) = match &self.test {
            Some(t) => {
                let (l, a) = evaluate(self.model.as_mut(), t)?;
                (Some(l), a)
            }
            None => (None, None),
        };
        let order = if self.whole.is_none() { self.rng.randperm(self.data.len()) } else { Vec::new() };
        Ok(EpochPosition { order, batches: 0, loss_sum: 0.0, correct: 0, norms: Vec::new(), test_loss, test_accuracy })
    }

    /// One batch: forward, loss, and (when the loss is finite) backward and an optimizer step;
    /// closes the epoch after its last batch or a non-finite loss.
    fn batch(&mut self) -> Result<()> {
        let mut cur = match self.current.take() {
            Some(c) => c,
            None => self.begin_epoch()?,
        };
        let n = self.data.len();
        let bs = batch_size(&self.cfg, n);
        let gathered;
        let (x, t) = match &self.whole {
            Some((x, t)) => (x.clone(), t),
            None => {
                let i = cur.batches * bs;
                gathered = self.data.batch(&cur.order[i..(i + bs).min(n)]);
                (Tensor::new(gathered.0), &gathered.1)
            }
        };
        // Layers that draw while running (Dropout) draw from the run's generator, after this
        // epoch's randperm, as in the PyTorch program with its one global generator.
        let out = crate::rng::with_generator(&mut self.rng, || self.model.forward(&x))?;
        let (loss, c) = loss_and_correct(&out, t)?;
        let lv = loss.item()? as f64;
        cur.loss_sum += lv;
        cur.batches += 1;
        cur.correct += c.unwrap_or(0);
        if !lv.is_finite() {
            self.log.diverged = true;
            self.end_epoch(cur);
            return Ok(());
        }
        self.opt.zero_grad();
        loss.backward()?;
        if cur.batches == 1 {
            cur.norms = grad_norms(self.model.as_ref());
        }
        self.opt.step();
        self.steps += 1;
        if cur.batches == self.batches_per_epoch() {
            self.end_epoch(cur);
        } else {
            self.current = Some(cur);
        }
        Ok(())
    }

    fn end_epoch(&mut self, cur: EpochPosition) {
        let n = self.data.len();
        let bs = batch_size(&self.cfg, n);
        let norms = if cur.norms.is_empty() { vec![f64::NAN; self.model.parameters().len()] } else { cur.norms };
        let accuracy = self.data.is_classification().then(|| cur.correct as f64 / (cur.batches * bs).min(n) as f64);
        let loss = cur.loss_sum / cur.batches as f64;
        if !self.data.is_classification() {
            let first = self.log.epochs.first().map_or(loss, |e| e.loss);
            if loss > REGRESSION_BLOWUP * first.max(f64::MIN_POSITIVE) {
                self.log.diverged = true;
            }
        }
        self.log.epochs.push(EpochRecord {
            loss,
            accuracy,
            grad_norms: norms,
            test_loss: cur.test_loss,
            test_accuracy: cur.test_accuracy,
        });
    }

    /// The pieces a snapshot is made of (see [`super::snapshot`]).
    pub(crate) fn optimizer_ref(&self) -> &dyn Optimizer {
        self.opt.as_ref()
    }

    pub(crate) fn optimizer_mut(&mut self) -> &mut dyn Optimizer {
        self.opt.as_mut()
    }
}

/// The minibatch size of `cfg` on `n` samples (`n`: full batch).
fn batch_size(cfg: &TrainConfig, n: usize) -> usize {
    cfg.batch_size.unwrap_or(n).min(n)
}
