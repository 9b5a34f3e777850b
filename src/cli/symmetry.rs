//! `initlab symmetry`: train one model from symmetric and nearly symmetric starts; per hidden
//! layer and epoch, the distinct units and their spread; which starts train.

use super::compare::{on_ctrl_c, STOP};
use crate::error::Result;
use crate::lab::experiments::compare::parse_shard;
use crate::lab::experiments::symmetry::{prepare, Prepared, SymRun, SymmetryConfig, CONSTANT, DEFAULT_STARTS};
use crate::lab::experiments::symmetry_out::{check_out, summary, write_all};
use crate::lab::sweeps::output::{check_out_dir, commit_set, staging_dir};
use crate::lab::sweeps::symmetry_records::{runs_of, write_shard, SymSweep, SHARD_FILE};
use crate::lab::train::TrainConfig;
use crate::lab::views::report::text_table;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// A model shorthand (mlp:in-100-100-out:relu, conv:8-16) or a JSON spec; it needs a hidden layer.
    #[arg(long, default_value = "mlp:in-100-100-out:relu")]
    pub model: String,
    /// A built-in dataset (spiral, moons, …) or a file, as in compare.
    #[arg(long, default_value = "spiral")]
    pub data: String,
    /// Read a file's targets as class ids or as regression values (default: class ids when
    /// every target is a non-negative integer; the choice is printed).
    #[arg(long, value_parser = ["classification", "regression"])]
    pub task: Option<String>,
    /// Rescale every input feature to mean 0, std 1 (statistics of the training data).
    #[arg(long)]
    pub standardize: bool,
    /// Starts, repeatable: a name (zeros, constant, zero_weights_random_bias, zero_last_layer,
    /// random_bias_only_last, constant_dropout, constant_perturb_1e-6, constant_perturb_1e-3,
    /// zero_init, kaiming) or label@rules[+perturb=E][+dropout=P]; LAST. in rules names the last
    /// weight layer. Default: all the named ones.
    #[arg(long = "start")]
    pub starts: Vec<String>,
    #[arg(long, default_value_t = 2)]
    pub seeds: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 300)]
    pub epochs: usize,
    /// sgd or adam.
    #[arg(long, default_value = "sgd")]
    pub optimizer: String,
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub lr: f64,
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    pub momentum: f64,
    /// Minibatch size (default: full batch, where the symmetric subspace is exactly invariant).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// A start "trains" when its mean final loss is below this.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub threshold: f64,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[arg(long, default_value = "runs/symmetry")]
    pub out: PathBuf,
    /// No table and no list of written files.
    #[arg(long)]
    pub quiet: bool,
    /// Run only every N-th run of the study (run r in shard r mod N + 1) and write
    /// symmetry-shard.json; `initlab merge` combines the shards into the study's outputs.
    #[arg(long)]
    pub shard: Option<String>,
    /// Continue an interrupted study in --out (same flags): only the runs not yet recorded are
    /// trained, the ones in flight from their saved snapshots.
    #[arg(long)]
    pub resume: bool,
}

pub fn run(a: &Args) -> Result<()> {
    let optimizer = a.optimizer.parse()?;
    let c = SymmetryConfig {
        model: a.model.clone(),
        data: a.data.clone(),
        task: a.task.clone(),
        standardize: a.standardize,
        starts: if a.starts.is_empty() {
            DEFAULT_STARTS.iter().map(|s| s.to_string()).collect()
        } else {
            a.starts.clone()
        },
        seeds: a.seeds,
        seed: a.seed,
        train: TrainConfig {
            optimizer,
            lr: a.lr,
            momentum: a.momentum as f32,
            epochs: a.epochs,
            batch_size: a.batch_size,
            ..TrainConfig::default()
        },
        threshold: a.threshold,
    };
    if !c.threshold.is_finite() {
        return Err(crate::Error::invalid(format!("--threshold {}", c.threshold), "needs a finite loss threshold"));
    }
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    let p = prepare(&c)?;
    if let Some(l) = crate::lab::data::task::choice_line(&c.data, c.task.as_deref(), &p.data) {
        eprintln!("{l}");
    }
    match shard {
        Some(_) => check_out_dir(&a.out, &[SHARD_FILE])?,
        None => check_out(&a.out)?,
    }
    let runs = runs_of(&p, shard);
    let sweep = SymSweep::open(&a.out, &p, shard, a.resume)?;
    for d in sweep.discarded() {
        eprintln!("warning: {}", super::one_line(d));
    }
    let todo: Vec<usize> = runs.iter().copied().filter(|r| !sweep.done().contains(r)).collect();
    if a.resume && !a.quiet && todo.len() < runs.len() {
        eprintln!(
            "resuming: {} of {} runs already recorded, {} to train",
            runs.len() - todo.len(),
            runs.len(),
            todo.len()
        );
    }
    on_ctrl_c();
    let warn = |w: String| eprintln!("warning: {}", super::one_line(&w));
    let trained = sweep.train(&p, &todo, a.threads, &STOP, &warn);
    super::kept::check_trained(sweep.records(), runs.len(), trained)?;
    let results = sweep.results(&p, &runs)?;
    if let Some((k, n)) = shard {
        let staged = staging_dir(&a.out)?;
        if let Err(e) = write_shard(&staged, &p, (k, n), &runs, &results) {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
        commit_set(&staged, &a.out)?;
        sweep.records().finish()?;
        if !a.quiet {
            eprintln!(
                "shard {k}/{n}: {} of {} runs written to {}",
                runs.len(),
                p.starts.len() * c.seeds,
                a.out.display()
            );
        }
        return Ok(());
    }
    let files = write_all(&a.out, &p, &results)?;
    sweep.records().finish()?;
    print_outputs(&p, &results, &files, a.quiet);
    Ok(())
}

/// The table, the note on the constant and the tolerance, and the files written.
pub(crate) fn print_outputs(p: &Prepared, runs: &[SymRun], files: &[PathBuf], quiet: bool) {
    if !quiet {
        let (h, rows) = summary(p, runs);
        print!("{}", text_table(&h, &rows));
        println!(
            "(the constant starts use {CONSTANT}; units within {} relative distance count as one)",
            crate::lab::instruments::units::UNIT_TOL
        );
        for f in files {
            println!("wrote {}", f.display());
        }
    }
}
