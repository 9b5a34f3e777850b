//! `initlab phase`: trainability against depth over σ_w² for Gaussian-initialized MLPs, with the
//! theory's k·ξ_c over it (PNG, SVG, CSV). `--shard K/N` + `initlab merge` split the grid.

use super::compare::{on_ctrl_c, resume_command, STOP};
use crate::error::{Error, Result};
use crate::io::numbers::human;
use crate::lab::experiments::compare::{parse_shard, shard_runs};
use crate::lab::experiments::phase::{
    csv_rows, dataset, input_mean_square, rows_q0, theory_columns, Cell, PhaseConfig,
};
use crate::lab::sweeps::output::ensure_dir;
use crate::lab::sweeps::phase_resume::PhaseSweep;
use crate::lab::sweeps::phase_shard::{csv_text, write_shard};
use crate::lab::views::plot::{save_heatmap, Heatmap, Series};
use crate::lab::views::report::text_table;
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Activation of the MLPs: tanh, relu, sigmoid, leaky_relu, linear, gelu, selu, elu, silu.
    #[arg(long, default_value = "tanh")]
    pub act: String,
    /// σ_w² values, comma-separated (Var(W) = σ_w²/fan_in); default 0.25, 0.5, …, 4.
    #[arg(long = "sigma-w2", value_delimiter = ',', allow_negative_numbers = true)]
    pub sigma_w2: Vec<f64>,
    /// Bias variance.
    #[arg(long = "sigma-b2", default_value_t = 0.05, allow_negative_numbers = true)]
    pub sigma_b2: f64,
    /// Numbers of hidden layers, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "4,8,12,16,24,32,40,48")]
    pub depths: Vec<usize>,
    #[arg(long, default_value_t = 32)]
    pub width: usize,
    /// A built-in classification dataset (spiral, moons, circles, xor, blobs) or a file.
    #[arg(long, default_value = "circles")]
    pub data: String,
    /// Read a file's targets as class ids (classification) or values (regression, which phase
    /// refuses: it measures accuracy); default: class ids when every target is a non-negative
    /// integer (the choice is printed).
    #[arg(long, value_parser = ["classification", "regression"])]
    pub task: Option<String>,
    /// Rescale every input feature to mean 0, std 1 (statistics of the training data).
    #[arg(long)]
    pub standardize: bool,
    /// Full-batch SGD epochs per cell: the fixed budget.
    #[arg(long, default_value_t = 200)]
    pub epochs: usize,
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub lr: f64,
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    pub momentum: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The theory's trainable depth is k·ξ_c (Schoenholz et al.: about 6).
    #[arg(long, default_value_t = 6.0, allow_negative_numbers = true)]
    pub k: f64,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Run only slice K of N of the grid; combine the slices with `initlab merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    #[arg(long, default_value = "runs/phase")]
    pub out: PathBuf,
    /// No progress bar, no table and no list of written files.
    #[arg(long)]
    pub quiet: bool,
    /// Finish an interrupted phase in --out (same flags): train only the cells not yet recorded.
    /// Without an unfinished one there, start one.
    #[arg(long)]
    pub resume: bool,
}

pub fn run(a: &Args) -> Result<()> {
    let c = PhaseConfig {
        act: a.act.clone(),
        sigma_w2: if a.sigma_w2.is_empty() { PhaseConfig::default().sigma_w2 } else { a.sigma_w2.clone() },
        sigma_b2: a.sigma_b2,
        depths: a.depths.clone(),
        width: a.width,
        data: a.data.clone(),
        task: a.task.clone(),
        standardize: a.standardize,
        epochs: a.epochs,
        lr: a.lr,
        momentum: a.momentum,
        seed: a.seed,
    };
    c.check()?;
    if !(a.k.is_finite() && a.k > 0.0) {
        return Err(Error::invalid("--k", format!("needs a finite value > 0, got {}", a.k)));
    }
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    let data = dataset(&c)?;
    if let Some(l) = crate::lab::data::task::choice_line(&c.data, c.task.as_deref(), &data) {
        eprintln!("{l}");
    }
    ensure_dir(&a.out)?;
    let runs: Vec<usize> = match shard {
        Some((k, n)) => shard_runs(c.num_cells(), k, n),
        None => (0..c.num_cells()).collect(),
    };
    let (cells, sweep) = run_recorded(a, &c, &data, &runs, shard)?;
    let rows = csv_rows(&c, input_mean_square(&data), &cells)?;
    if let Some((k, n)) = shard {
        write_shard(&a.out, &c, (k, n), &runs, &rows)?;
        sweep.records().finish()?;
        if !a.quiet {
            eprintln!("shard {k}/{n}: {} of {} cells written to {}", runs.len(), c.num_cells(), a.out.display());
        }
        return Ok(());
    }
    report(&a.out, &c, &rows, a.k, a.quiet)?;
    sweep.records().finish()
}

/// Trains the cells of `runs` not yet recorded in `--out` (all of them unless `--resume`), each
/// recorded as it finishes, with a bar in epochs; returns every cell of `runs` from its record.
/// The records are removed by the caller's `records().finish()` once the outputs are written.
fn run_recorded(
    a: &Args,
    c: &PhaseConfig,
    data: &std::sync::Arc<crate::lab::data::Dataset>,
    runs: &[usize],
    shard: Option<(usize, usize)>,
) -> Result<(Vec<Cell>, PhaseSweep)> {
    let sweep = PhaseSweep::open(&a.out, c, data, shard, a.resume)?;
    for d in &sweep.discarded {
        eprintln!("warning: {}", super::one_line(d));
    }
    let todo: Vec<usize> = runs.iter().copied().filter(|r| !sweep.done.contains(r)).collect();
    if a.resume && !a.quiet && todo.len() < runs.len() {
        eprintln!(
            "resuming: {} of {} cells already recorded, {} to train",
            runs.len() - todo.len(),
            runs.len(),
            todo.len()
        );
    }
    on_ctrl_c();
    let bar = super::progress::epoch_bar(runs.len(), runs.len() - todo.len(), c.epochs, a.quiet);
    let tick = |n: u64| bar.inc(n);
    let warn = |w: String| eprintln!("warning: {}", super::one_line(&w));
    let trained = sweep.train(data, &todo, a.threads, &STOP, &tick, &warn);
    bar.finish_and_clear();
    let how = |n: usize| {
        format!(
            "{n} of {} cells finished and are kept in {}; resume with: {}",
            runs.len(),
            sweep.records().dir().display(),
            resume_command()
        )
    };
    if let Err(e) = trained {
        return Err(match sweep.records().recorded() {
            0 => e,
            n => Error::invalid(e, how(n)),
        });
    }
    if STOP.load(Ordering::SeqCst) {
        return Err(Error::Interrupted(match (sweep.records().recorded(), sweep.records().in_flight()) {
            (0, 0) => "no cell had finished; nothing to resume".into(),
            (n, 0) => how(n),
            (n, k) => format!("{} ({k} in flight saved where they were)", how(n)),
        }));
    }
    Ok((sweep.results(runs)?, sweep))
}

/// Writes `phase.csv` and the trainability map from the rows in grid order, and prints the table.
pub fn report(out: &Path, c: &PhaseConfig, rows: &[String], k: f64, quiet: bool) -> Result<()> {
    let csv = out.join("phase.csv");
    crate::io::write_atomic(&csv, csv_text(rows).as_bytes())?;
    // accuracy[d][w] from the rows (cell r = σ_w² index r / depths, depth index r mod depths).
    let nd = c.depths.len();
    let acc = |r: usize| rows[r].split(',').nth(7).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    let z: Vec<Vec<f64>> = (0..nd).map(|d| (0..c.sigma_w2.len()).map(|w| acc(w * nd + d)).collect()).collect();
    let (lo, hi) =
        (c.sigma_w2.iter().cloned().fold(f64::INFINITY, f64::min), c.sigma_w2.iter().cloned().fold(0.0, f64::max));
    let fine: Vec<f64> = (0..=120).map(|i| lo + (hi - lo) * i as f64 / 120.0).collect();
    let q0 = rows_q0(rows)?;
    let xi: Vec<f64> = theory_columns(c, q0, &fine)?.into_iter().map(|(_, x)| k * x).collect();
    let mut sorted_depths = c.depths.clone();
    sorted_depths.sort();
    let h = Heatmap {
        title: format!(
            "{} MLP, width {}, σ_b² = {}: training accuracy after {} epochs on {}",
            c.act,
            c.width,
            human(c.sigma_b2),
            c.epochs,
            c.data
        ),
        x_label: "σ_w²".into(),
        y_label: "depth (hidden layers)".into(),
        z_label: "accuracy".into(),
        x: c.sigma_w2.clone(),
        y: c.depths.iter().map(|&d| d as f64).collect(),
        z,
        z_range: None,
        log_z: false,
        lines: vec![Series { label: format!("{k}·ξ_c (theory)"), x: fine, y: xi, ..Default::default() }],
        points: vec![],
        label_rows: true,
    };
    let files = if is_regular(&c.sigma_w2) && c.depths == sorted_depths {
        save_heatmap(&h, &out.join("trainability"))?
    } else {
        eprintln!("note: no trainability plot: --sigma-w2 and --depths must be increasing (σ_w² evenly spaced)");
        vec![]
    };
    if !quiet {
        let mut header = vec!["depth".to_string()];
        header.extend(c.sigma_w2.iter().map(|w| format!("σ_w²={}", human(*w))));
        let table: Vec<Vec<String>> = c
            .depths
            .iter()
            .enumerate()
            .map(|(d, depth)| {
                let mut r = vec![depth.to_string()];
                r.extend((0..c.sigma_w2.len()).map(|w| format!("{:.3}", acc(w * nd + d))));
                r
            })
            .collect();
        print!("{}", text_table(&header, &table));
        let theory = theory_columns(c, q0, &c.sigma_w2)?;
        let mut line = format!("{k}·ξ_c:");
        for (w, (_, x)) in c.sigma_w2.iter().zip(theory) {
            line.push_str(&format!("  {}: {:.1}", human(*w), k * x));
        }
        println!("{line}");
        println!("wrote {}", csv.display());
        for f in files {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}

/// Increasing and evenly spaced (the heatmap draws cells of equal width around each value).
fn is_regular(v: &[f64]) -> bool {
    if v.len() < 3 {
        return v.windows(2).all(|p| p[0] < p[1]);
    }
    let step = v[1] - v[0];
    step > 0.0 && v.windows(2).all(|p| ((p[1] - p[0]) - step).abs() < 1e-9 * step.max(1.0))
}
