//! `initlab compare`: train one model from several inits and seeds; write metrics, symmetry,
//! summary, plots and an HTML report (or, with `--shard K/N`, one slice of the runs for `merge`).

use crate::error::Result;
use crate::lab::compare::{
    parse_shard, prepare, run_grid, shard_runs, split_label, CompareConfig, Prepared, CLASSIC_INITS,
};
use crate::lab::output::{ensure_dir, write_all};
use crate::lab::shard::write_shard;
use clap::Args as ClapArgs;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    /// Model: mlp:SIZES[:ACT][:bn][:nobias] (ACT relu|tanh|sigmoid|leaky_relu|linear),
    /// conv:CHANNELS[:ACT][:bn][:nobias] (image data), or a JSON spec file.
    #[arg(long, default_value = "mlp:2-100-100-3:relu")]
    pub model: String,
    /// Dataset: spiral, moons, circles, xor, blobs, sine, shapes, or a .npy/.csv/.safetensors file.
    #[arg(long, default_value = "spiral")]
    pub data: String,
    /// Init rules to compare, repeatable; `label@rules` names it. Default: the ten classic inits
    /// (zeros, ones, uniform, normal, normal(std=0.01), xavier_uniform, xavier_normal,
    /// kaiming_uniform/normal(nonlinearity=relu), orthogonal(gain=relu)).
    #[arg(long = "init", value_name = "RULES")]
    pub inits: Vec<String>,
    /// Seeds per init: models are seeded from SEED, SEED+1, …
    #[arg(long, default_value_t = 5)]
    pub seeds: usize,
    /// Base seed: the data is drawn from it, run s of every init from SEED+s.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 300)]
    pub epochs: usize,
    /// Minibatch size (shuffled every epoch); default: full batch.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// sgd or adam.
    #[arg(long, default_value = "sgd")]
    pub optimizer: String,
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub lr: f64,
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
}

impl Args {
    /// The comparison these flags describe.
    pub fn config(&self) -> Result<CompareConfig> {
        let inits: Vec<(String, String)> = if self.inits.is_empty() {
            CLASSIC_INITS.iter().map(|s| split_label(s)).collect()
        } else {
            self.inits.iter().map(|s| split_label(s)).collect()
        };
        let momentum = self.momentum.unwrap_or(if self.optimizer == "sgd" { 0.9 } else { 0.0 });
        let threshold = match self.threshold {
            Some(t) => t,
            None => {
                let regression = crate::lab::data::load(&self.data, self.seed).map(|d| !d.is_classification())?;
                if regression {
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
            optimizer: self.optimizer.clone(),
            lr: self.lr,
            momentum,
            weight_decay: self.weight_decay,
            epochs: self.epochs,
            batch_size: self.batch_size,
            threshold,
        })
    }
}

pub(crate) fn progress(total: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} runs, eta {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

pub fn run(a: &Args) -> Result<()> {
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    let config = a.config()?;
    let p = prepare(&config)?;
    ensure_dir(&a.out)?;
    for w in &p.warnings {
        eprintln!("warning: {}", super::one_line(w));
    }
    if a.model.trim().ends_with(".safetensors") {
        eprintln!("note: compare takes only the architecture of {}; every run initialises its own weights", a.model);
    }
    let runs: Vec<usize> = match shard {
        Some((k, n)) => shard_runs(config.num_runs(), k, n),
        None => (0..config.num_runs()).collect(),
    };
    let bar = progress(runs.len(), a.quiet);
    let results = run_grid(&p, &runs, a.threads, &|| bar.inc(1))?;
    bar.finish_and_clear();
    if let Some((k, n)) = shard {
        write_shard(&a.out, &p, (k, n), &runs, &results)?;
        if !a.quiet {
            eprintln!("shard {k}/{n}: {} of {} runs written to {}", runs.len(), config.num_runs(), a.out.display());
        }
        return Ok(());
    }
    report(&a.out, &p, &results, a.quiet)
}

/// Writes the full outputs and prints the summary table.
pub(crate) fn report(out: &Path, p: &Prepared, results: &[crate::lab::compare::RunResult], quiet: bool) -> Result<()> {
    let w = write_all(out, p, results)?;
    print!("{}", w.table);
    if !quiet {
        for f in &w.files {
            eprintln!("wrote {}", f.display());
        }
    }
    Ok(())
}
