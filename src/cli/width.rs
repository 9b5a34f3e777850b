//! `initlab width`: SP beside μP as an MLP gets wider. `--coord-check` is mup's coord check
//! (coord_check.csv, coord_check.png/.svg, the slope of log l1 against log width per module and
//! step); `--lr-sweep LR,…` the final loss against learning rate per width (lr_transfer.csv,
//! lr_transfer.png, "wider is better"), resumable (`--resume`: the runs are recorded in
//! `--out/.initlab-lr-sweep/` as they finish, the ones in flight as snapshots) and shardable
//! (`--shard K/N` writes `lr-shard.json`; `initlab merge` combines the shards), as compare is.

use super::compare::{on_ctrl_c, STOP};
use crate::error::{Error, Result};
use crate::io::write_atomic;
use crate::lab::experiments::compare::parse_shard;
use crate::lab::experiments::width::{coord, lr, WidthConfig};
use crate::lab::models::param::Param;
use crate::lab::sweeps::lr_records::{runs_of, write_shard, LrSweep, SHARD_FILE};
use crate::lab::sweeps::output::{check_out_dir, commit_set, staging_dir};
use crate::lab::views::plot::{save, save_png};
use crate::lab::views::report::text_table;
use crate::lab::views::width::{coord_figure, lr_figure};
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// mup's coord check: each module's l1 at each of the first --steps steps, per width.
    #[arg(long = "coord-check")]
    pub coord_check: bool,
    /// Learning rates to sweep, comma-separated (e.g. 0.001,0.003,0.01).
    #[arg(long = "lr-sweep", value_delimiter = ',', allow_negative_numbers = true, value_name = "LR,LR,…")]
    pub lr_sweep: Vec<f64>,
    /// sp, mup, or both (side by side); μP's base width is the smallest width unless --base-width.
    #[arg(long, default_value = "both")]
    pub param: String,
    #[command(flatten)]
    pub mup: super::param_args::MupArgs,
    /// Increasing widths, comma-separated (default 64,…,2048 doubling; the lr sweep 64,…,512).
    #[arg(long, value_delimiter = ',')]
    pub widths: Vec<usize>,
    /// Hidden layers of width w.
    #[arg(long, default_value_t = 3)]
    pub hidden: usize,
    #[arg(long, default_value = "relu")]
    pub act: String,
    /// Seeds 0…n−1.
    #[arg(long, default_value_t = 3)]
    pub seeds: usize,
    /// Updates per run (default: 5 for the coord check, 100 for the lr sweep).
    #[arg(long)]
    pub steps: Option<usize>,
    /// sgd or adam (mup's MuSGD / MuAdam under μP).
    #[arg(long, default_value = "adam")]
    pub optimizer: String,
    /// The coord check's learning rate.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub lr: f64,
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub momentum: f32,
    /// A built-in classification dataset; the fixed batch is its whole training set.
    #[arg(long, default_value = "spiral")]
    pub data: String,
    /// Use only the first N samples as the batch.
    #[arg(long = "batch-size")]
    pub batch_size: Option<usize>,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// lr sweep: run only every N-th run (run r in shard r mod N + 1) and write lr-shard.json;
    /// `initlab merge` combines the shards into lr_transfer.csv and lr_transfer.png.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// lr sweep: continue an interrupted sweep in --out (same flags): only the runs not yet
    /// recorded are trained, the ones in flight from their saved snapshots.
    #[arg(long)]
    pub resume: bool,
    #[arg(long, default_value = "runs/width")]
    pub out: PathBuf,
    #[arg(long)]
    pub quiet: bool,
}

fn config(a: &Args, lr_sweep: bool) -> Result<WidthConfig> {
    let d = WidthConfig::default();
    let widths = if !a.widths.is_empty() {
        a.widths.clone()
    } else if lr_sweep {
        vec![64, 128, 256, 512]
    } else {
        d.widths.clone()
    };
    let mup = || a.mup.param("mup", widths.first().copied());
    let params = match a.param.as_str() {
        "both" => vec![Param::Sp, mup()?],
        "mup" => vec![mup()?],
        "sp" => vec![a.mup.param("sp", None)?],
        p => return Err(Error::invalid(format!("--param {p}"), "valid: sp, mup, both")),
    };
    let c = WidthConfig {
        data: a.data.clone(),
        batch_size: a.batch_size,
        widths,
        hidden: a.hidden,
        activation: a.act.clone(),
        seeds: a.seeds,
        steps: a.steps.unwrap_or(if lr_sweep { 100 } else { 5 }),
        optimizer: a.optimizer.parse()?,
        lr: a.lr,
        lrs: a.lr_sweep.clone(),
        params,
        momentum: a.momentum,
    };
    c.check()?;
    if !(c.momentum.is_finite() && c.momentum >= 0.0) {
        return Err(Error::invalid(format!("--momentum {}", c.momentum), "needs a finite momentum >= 0"));
    }
    c.dataset()?;
    c.spec(c.params.last().expect("a parametrization"), c.widths[0], &c.dataset()?)?;
    Ok(c)
}

pub fn run(a: &Args) -> Result<()> {
    if a.coord_check != a.lr_sweep.is_empty() {
        return Err(Error::invalid("initlab width", "give exactly one of --coord-check or --lr-sweep LR,LR,…"));
    }
    if a.coord_check && (a.shard.is_some() || a.resume) {
        return Err(Error::invalid("--coord-check", "--shard and --resume are for --lr-sweep"));
    }
    let c = config(a, !a.coord_check)?;
    if a.coord_check {
        coord_check(a, &c)
    } else {
        lr_sweep(a, &c)
    }
}

fn coord_check(a: &Args, c: &WidthConfig) -> Result<()> {
    let names = ["coord_check.csv", "coord_slopes.csv", "coord_check.png", "coord_check.svg"];
    check_out_dir(&a.out, &names)?;
    let t = std::time::Instant::now();
    let records = coord::run(c, a.threads)?;
    let secs = t.elapsed().as_secs_f64();
    let slopes = coord::slopes(c, &records);
    let staged = staging_dir(&a.out)?;
    let written = (|| -> Result<()> {
        write_atomic(staged.join(names[0]), coord::csv(&records).as_bytes())?;
        write_atomic(staged.join(names[1]), coord::slopes_csv(&slopes).as_bytes())?;
        save(&coord_figure(c, &records), &staged.join("coord_check"))?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e);
    }
    commit_set(&staged, &a.out)?;
    if a.quiet {
        return Ok(());
    }
    println!("slope of log l1 against log width (≈ 0: width-stable), per module and step:");
    let mut header = vec!["param".to_string(), "module".to_string()];
    header.extend((1..=c.steps).map(|s| format!("t={s}")));
    let mut rows = Vec::new();
    for p in &c.params {
        for (m, ty) in coord::modules(&records, p.name()) {
            let mut r = vec![p.name().to_string(), format!("{m} {ty}")];
            for s in 1..=c.steps {
                let v = slopes.iter().find(|x| x.param == p.name() && x.module == m && x.step == s);
                r.push(v.map_or("-".into(), |v| format!("{:+.3}", v.slope)));
            }
            rows.push(r);
        }
    }
    print!("{}", text_table(&header, &rows));
    println!("{} records in {secs:.1} s", records.len());
    for n in names {
        println!("wrote {}", a.out.join(n).display());
    }
    Ok(())
}

/// What the lr sweep writes into `--out` (a shard: [`SHARD_FILE`] instead).
const LR_OUTPUTS: [&str; 2] = ["lr_transfer.csv", "lr_transfer.png"];

fn lr_sweep(a: &Args, c: &WidthConfig) -> Result<()> {
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    check_out_dir(&a.out, if shard.is_some() { &[SHARD_FILE] } else { &LR_OUTPUTS })?;
    let data = c.dataset()?;
    let runs = runs_of(c, shard);
    let sweep = LrSweep::open(&a.out, c, &data, shard, a.resume)?;
    for d in &sweep.records().discarded {
        eprintln!("warning: {}", super::one_line(d));
    }
    let todo: Vec<usize> = runs.iter().copied().filter(|r| !sweep.records().done.contains(r)).collect();
    if a.resume && !a.quiet && todo.len() < runs.len() {
        let done = runs.len() - todo.len();
        eprintln!("resuming: {done} of {} runs already recorded, {} to train", runs.len(), todo.len());
    }
    on_ctrl_c();
    let warn = |w: String| eprintln!("warning: {}", super::one_line(&w));
    let rec = sweep.records();
    let t = std::time::Instant::now();
    let trained = sweep.train(c, &data, &todo, a.threads, &STOP, &warn);
    super::kept::check_trained(rec, runs.len(), trained)?;
    let secs = t.elapsed().as_secs_f64();
    let results = sweep.results(c, &runs)?;
    if let Some((k, n)) = shard {
        let staged = staging_dir(&a.out)?;
        if let Err(e) = write_shard(&staged, c, (k, n), &runs, &results) {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
        commit_set(&staged, &a.out)?;
        rec.finish()?;
        if !a.quiet {
            eprintln!(
                "shard {k}/{n}: {} of {} runs written to {} (initlab merge combines the shards)",
                runs.len(),
                lr::num_runs(c),
                a.out.join(SHARD_FILE).display()
            );
        }
        return Ok(());
    }
    write_lr_outputs(&a.out, c, &results)?;
    rec.finish()?;
    print_lr(&a.out, c, &results, a.quiet);
    if !a.quiet {
        println!("{} runs trained in {secs:.1} s", todo.len());
    }
    Ok(())
}

/// "Wider is better" and the files written (also after `merge`).
pub(crate) fn print_lr(out: &Path, c: &WidthConfig, runs: &[lr::LrRun], quiet: bool) {
    if quiet {
        return;
    }
    println!("wider is better? each width at its best learning rate (mean over {} seeds):", c.seeds);
    let header: Vec<String> = ["param", "width", "best lr", "final loss"].iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<String>> = lr::best_per_width(c, runs)
        .into_iter()
        .map(|(p, w, b)| match b {
            Some((lr, loss)) => vec![p, w.to_string(), format!("{lr}"), format!("{loss:.4}")],
            None => vec![p, w.to_string(), "-".into(), "all diverged".into()],
        })
        .collect();
    print!("{}", text_table(&header, &rows));
    for n in LR_OUTPUTS {
        println!("wrote {}", out.join(n).display());
    }
}

/// `lr_transfer.csv` and `lr_transfer.png` from every run in grid order, as one set.
pub(crate) fn write_lr_outputs(out: &Path, c: &WidthConfig, runs: &[lr::LrRun]) -> Result<()> {
    check_out_dir(out, &LR_OUTPUTS)?;
    let staged = staging_dir(out)?;
    let r = (|| -> Result<()> {
        let mut csv = format!("{}\n", lr::HEADER);
        for r in runs {
            csv.push_str(&lr::row(r));
            csv.push('\n');
        }
        write_atomic(staged.join(LR_OUTPUTS[0]), csv.as_bytes())?;
        save_png(&lr_figure(c, runs), &staged.join(LR_OUTPUTS[1]))
    })();
    if let Err(e) = r {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e);
    }
    commit_set(&staged, out)
}
