//! `initlab compare`: train one model from several inits and seeds; write metrics, symmetry,
//! summary, plots and an HTML report (or, with `--shard K/N`, one slice of the runs for `merge`).

use crate::error::{Error, Result};
use crate::lab::experiments::compare::{
    parse_shard, prepare, shard_runs, split_label, CompareConfig, Prepared, CLASSIC_INITS,
};
use crate::lab::sweeps::output::{check_out_dir, commit_set, staging_dir, write_all, Written, OUTPUT_NAMES};
use crate::lab::sweeps::results::{METRICS, RUNS, SYMMETRY};
use crate::lab::sweeps::resume::Sweep;
use crate::lab::sweeps::shard::{write_shard, MANIFEST};
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    /// Model: mlp:SIZES[:ACT][:bn|:ln][:nobias] (`in` first and `out` last take the sizes from
    /// the data, e.g. mlp:in-100x8-out), conv:CHANNELS[:ACT][:bn][:nobias] (image data),
    /// resmlp:IN-WIDTHxBLOCKS-OUT[:ACT][:bn|:ln][:gate=V][:nobias],
    /// resnet:CxB[-CxB…][:ACT][:bn][:gate=V][:nobias], a JSON spec file (.json) or a checkpoint
    /// (.safetensors: its architecture; every run draws its own init). ACT: relu, tanh, sigmoid,
    /// leaky_relu, gelu, selu, elu, silu, linear.
    #[arg(long, default_value = crate::lab::models::DEFAULT_MODEL)]
    pub model: String,
    /// Dataset: spiral, moons, circles, xor, blobs, sine, shapes, or a .npy/.csv/.safetensors file.
    #[arg(long, default_value = "spiral")]
    pub data: String,
    /// Read the targets as class ids or as regression values (default: class ids when every target
    /// is a non-negative integer; the choice is printed).
    #[arg(long, value_parser = ["classification", "regression"])]
    pub task: Option<String>,
    /// Rescale every input feature to mean 0, std 1, fitted on the training split only (recorded
    /// in report.html's settings).
    #[arg(long)]
    pub standardize: bool,
    /// Held-out data for a user dataset (same format); synthetic sets bring their own.
    #[arg(long, value_name = "FILE")]
    pub test: Option<String>,
    /// Hold out this fraction of a user dataset's rows as the test set (e.g. 0.2).
    #[arg(long, value_name = "F")]
    pub test_split: Option<f64>,
    /// Epochs at which to draw the decision boundaries, comma-separated (the end is always
    /// drawn); default: 0, a tenth and a third of the way.
    #[arg(long, value_name = "E,E,…", value_delimiter = ',')]
    pub snapshots: Vec<usize>,
    /// Init rules to compare, repeatable; `label@rules` names it. Default: the ten classic inits
    /// (zeros, ones, uniform, normal, normal(std=0.01), xavier_uniform, xavier_normal,
    /// kaiming_uniform/normal(nonlinearity=relu), orthogonal(gain=relu)).
    #[arg(long = "init", value_name = "RULES")]
    pub inits: Vec<String>,
    /// Seeds per init: models are seeded from SEED, SEED+1, …
    #[arg(long, default_value_t = 5, allow_negative_numbers = true)]
    pub seeds: usize,
    /// Base seed: the data is drawn from it, run s of every init from SEED+s.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 300, allow_negative_numbers = true)]
    pub epochs: usize,
    /// Minibatch size (shuffled every epoch); default: full batch.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// sgd or adam. Default by task, so that none of the ten classic inits diverges on a built-in
    /// set: sgd (lr 0.05, momentum 0.9) for classification (at lr 0.1 N(0,1) weights diverge on
    /// blobs); adam (lr 1e-3) for regression, where U(0,1) and N(0,1) weights start at an MSE
    /// near 1e6 and every SGD rate that trains the other inits blows up (adam's step is bounded by
    /// lr per parameter). The choice is printed.
    #[arg(long, value_name = "sgd|adam")]
    pub optimizer: Option<String>,
    /// Learning rate (default 0.05 for sgd, torch's 1e-3 for adam).
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// SGD momentum (default 0.9 for sgd; not valid with adam).
    #[arg(long, allow_negative_numbers = true)]
    pub momentum: Option<f64>,
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub weight_decay: f64,
    /// Loss threshold for "epochs to threshold" (default 0.5 for classification, 0.05 for regression).
    #[arg(long, allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Run only slice K of N of the (init, seed) grid; combine the slices with `initlab merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Output directory.
    #[arg(long, default_value = "runs/compare")]
    pub out: PathBuf,
    /// No progress bar and no list of written files.
    #[arg(long)]
    pub quiet: bool,
    /// Finish an interrupted sweep in --out (same flags): train only the runs not yet recorded.
    /// Without an unfinished sweep there, start one.
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub param: super::param_args::ParamArgs,
}

impl Args {
    /// The comparison these flags describe.
    pub fn config(&self) -> Result<CompareConfig> {
        let inits: Vec<(String, String)> = if self.inits.is_empty() {
            CLASSIC_INITS.iter().map(|s| split_label(s)).collect()
        } else {
            self.inits.iter().map(|s| split_label(s)).collect()
        };
        let regression = || -> Result<bool> {
            Ok(match self.task.as_deref() {
                Some(t) => t == "regression",
                None => crate::lab::data::load(&self.data, self.seed).map(|d| !d.is_classification())?,
            })
        };
        let optimizer = match &self.optimizer {
            Some(o) => o.clone(),
            None => default_optimizer(regression()?).into(),
        };
        let momentum = self.momentum.unwrap_or(if optimizer == "sgd" { 0.9 } else { 0.0 });
        let lr = self.lr.unwrap_or(if optimizer == "adam" { 1e-3 } else { 0.05 });
        let threshold = match self.threshold {
            Some(t) => t,
            None => {
                if regression()? {
                    0.05
                } else {
                    0.5
                }
            }
        };
        Ok(CompareConfig {
            model: self.model.clone(),
            data: self.data.clone(),
            inits,
            seeds: self.seeds,
            seed: self.seed,
            optimizer,
            lr,
            momentum,
            weight_decay: self.weight_decay,
            epochs: self.epochs,
            batch_size: self.batch_size,
            threshold,
            test: self.test.clone(),
            test_split: self.test_split,
            snapshots: self.snapshots.clone(),
            task: self.task.clone(),
            standardize: self.standardize,
            param: self.param.param()?,
        })
    }
}

/// The optimizer compare trains with when `--optimizer` is not given: sgd for classification,
/// adam for regression (see `--optimizer`'s help).
pub fn default_optimizer(regression: bool) -> &'static str {
    if regression {
        "adam"
    } else {
        "sgd"
    }
}

/// The training settings line compare prints, saying which were defaults and why.
fn settings_line(a: &Args, c: &CompareConfig, regression: bool) -> String {
    let mut s = format!("training: {}, lr {}", c.optimizer, c.lr);
    if c.optimizer == "sgd" {
        s.push_str(&format!(", momentum {}", c.momentum));
    }
    if a.optimizer.is_none() || a.lr.is_none() {
        let task = if regression { "regression" } else { "classification" };
        s.push_str(&format!(" (the {task} defaults; --optimizer, --lr and --momentum change them)"));
    }
    s
}

/// Set by the first Ctrl-C: no new run starts.
pub(crate) static STOP: AtomicBool = AtomicBool::new(false);

/// Ctrl-C once: stop starting runs (the running ones save their snapshots at the end of their
/// epoch and stop); twice: exit at
/// once (everything recorded so far stays). A plain handler that only touches an atomic and, the
/// second time, calls `_exit` — both async-signal-safe — in the same FFI style as main's SIGPIPE
/// reset, rather than a dependency for two lines.
#[cfg(unix)]
pub(crate) fn on_ctrl_c() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
        fn _exit(code: i32) -> !;
        fn write(fd: i32, buf: *const u8, n: usize) -> isize;
    }
    extern "C" fn handler(_: i32) {
        if STOP.swap(true, Ordering::SeqCst) {
            // SAFETY: _exit is async-signal-safe.
            unsafe { _exit(130) }
        }
        let msg =
            b"\nstopping: the runs in flight save where they are (Ctrl-C again to stop now; finished runs are kept)\n";
        // SAFETY: write(2) is async-signal-safe; msg is a static buffer.
        unsafe {
            write(2, msg.as_ptr(), msg.len());
        }
    }
    const SIGINT: i32 = 2;
    const SIGTERM: i32 = 15;
    // SAFETY: installs a handler that only uses async-signal-safe calls.
    unsafe {
        signal(SIGINT, handler as extern "C" fn(i32) as usize);
        signal(SIGTERM, handler as extern "C" fn(i32) as usize);
    }
}

#[cfg(not(unix))]
pub(crate) fn on_ctrl_c() {}

/// This command line again, with `--resume` (quoted for a POSIX shell).
pub(crate) fn resume_command() -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--resume") {
        args.push("--resume".into());
    }
    let quote = |a: &String| {
        if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c)) {
            a.clone()
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    };
    args.iter().map(quote).collect::<Vec<_>>().join(" ")
}

pub fn run(a: &Args) -> Result<()> {
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    let config = a.config()?;
    let p = prepare(&config)?;
    let names: Vec<&str> =
        if shard.is_some() { vec![METRICS, SYMMETRY, RUNS, MANIFEST] } else { OUTPUT_NAMES.to_vec() };
    check_out_dir(&a.out, &names)?;
    for w in &p.warnings {
        eprintln!("warning: {}", super::one_line(w));
    }
    if let Some(l) = crate::lab::data::task::choice_line(&a.data, a.task.as_deref(), &p.data) {
        eprintln!("{l}");
    }
    if !a.quiet {
        eprintln!("{}", settings_line(a, &config, !p.data.is_classification()));
    }
    if a.model.trim().ends_with(".safetensors") {
        eprintln!("note: compare takes only the architecture of {}; every run initialises its own weights", a.model);
    }
    let runs: Vec<usize> = match shard {
        Some((k, n)) => shard_runs(config.num_runs(), k, n),
        None => (0..config.num_runs()).collect(),
    };
    let sweep = Sweep::open(&a.out, &p, shard, a.resume)?;
    for d in &sweep.discarded {
        eprintln!("warning: {}", super::one_line(d));
    }
    let todo: Vec<usize> = runs.iter().copied().filter(|r| !sweep.done.contains_key(r)).collect();
    if a.resume && !a.quiet && todo.len() < runs.len() {
        eprintln!(
            "resuming: {} of {} runs already recorded, {} to train",
            runs.len() - todo.len(),
            runs.len(),
            todo.len()
        );
    }
    on_ctrl_c();
    let bar = super::progress::epoch_bar(runs.len(), runs.len() - todo.len(), config.epochs, a.quiet);
    let tick = |n: u64| bar.inc(n);
    let warn = |w: String| eprintln!("warning: {}", super::one_line(&w));
    let trained = sweep.train(&p, &todo, a.threads, &STOP, &tick, &warn);
    bar.finish_and_clear();
    // An error after some runs finished says where they are and how to go on from them.
    let kept = |e: Error| match sweep.records().recorded() {
        0 => e,
        n => Error::invalid(
            e,
            format!(
                "the {n} finished runs are kept in {} (resume with: {})",
                sweep.records().dir().display(),
                resume_command()
            ),
        ),
    };
    let _ = trained.map_err(kept)?;
    if STOP.load(Ordering::SeqCst) {
        let n = sweep.records().recorded();
        let saved = sweep.records().in_flight();
        return Err(Error::Interrupted(if n + saved == 0 {
            "no run had finished; nothing to resume".into()
        } else {
            format!(
                "{n} of {} runs finished and are kept in {} ({saved} in flight saved where they were); resume \
                 with: {}",
                runs.len(),
                sweep.records().dir().display(),
                resume_command()
            )
        }));
    }
    let results = sweep.results(&p, &runs)?;
    let staged = staging_dir(&a.out)?;
    let written = match shard {
        Some((k, n)) => write_shard(&staged, &p, (k, n), &runs, &results).map(|_| None),
        None => write_all(&staged, &p, &results).map(Some),
    };
    let written = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
    };
    commit_set(&staged, &a.out).map_err(kept)?;
    sweep.records().finish()?;
    match (shard, written) {
        (Some((k, n)), _) => {
            if !a.quiet {
                eprintln!("shard {k}/{n}: {} of {} runs written to {}", runs.len(), config.num_runs(), a.out.display());
            }
        }
        (None, Some(w)) => print_written(&a.out, &w, a.quiet),
        (None, None) => {}
    }
    Ok(())
}

fn print_written(out: &Path, w: &Written, quiet: bool) {
    print!("{}", w.table);
    if !quiet {
        for f in &w.files {
            eprintln!("wrote {}", out.join(f.file_name().unwrap_or_default()).display());
        }
    }
}

/// Writes the full outputs (as one set, swapped into `out`) and prints the summary table.
pub(crate) fn report(
    out: &Path,
    p: &Prepared,
    results: &[crate::lab::experiments::compare::RunResult],
    quiet: bool,
) -> Result<()> {
    check_out_dir(out, &OUTPUT_NAMES)?;
    let staged = staging_dir(out)?;
    let w = match write_all(&staged, p, results) {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
    };
    commit_set(&staged, out)?;
    print_written(out, &w, quiet);
    Ok(())
}
