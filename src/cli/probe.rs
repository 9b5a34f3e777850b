//! `initlab probe MODEL --init RULES [--init …] --batch B --seed S --csv FILE [--plot FILE]`:
//! the deep-network experiment. For each init, forward a N(0,1) batch, backward a unit-normal
//! gradient from the output, and report every leaf module's activation mean/std and gradient std
//! in forward order, the first layer whose output is not finite, and std against depth.

use super::probe_theory as theory;
use crate::error::{Error, Result};
use crate::init::rules::Rules;
use crate::io::{load_checkpoint, read_safetensors, write_atomic, TensorFile};
use crate::lab::experiments::compare::split_label;
use crate::lab::experiments::probe::probe_run;
use crate::lab::instruments::taps::{first_non_finite, LayerStat};
use crate::lab::models::{build, check_layers, first_linear_width, ModelSpec};
use crate::lab::views::plot;
use crate::lab::views::probe_figure::{probe_figure, ProbeRun};
use crate::lab::views::report::text_table;
use crate::nn::mup::BaseShapes;
use crate::rng::Rng;
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// A shorthand (e.g. mlp:256x101:linear:nobias = 100 bias-free Linear(256,256), or
    /// resmlp:64-64x50-64; conv:…/resnet:… take 1×12×12 inputs), a JSON spec file, or a
    /// checkpoint (.safetensors).
    pub model: String,
    /// Init rules, repeatable (`label@rules` names one). Default: torch's default init.
    #[arg(long = "init")]
    pub inits: Vec<String>,
    /// Rows of the N(0,1) input batch.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Seed of the model, the init, the input and the upstream gradient.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Per-sample input shape for models that do not start with a Linear, e.g. 1,28,28.
    #[arg(long, value_delimiter = ',')]
    pub input_shape: Option<Vec<usize>>,
    /// Also write the per-layer statistics as CSV (the table is always printed).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Also draw activation and gradient std against depth (FILE.png and FILE.svg).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Keep only modules of these types (comma-separated, e.g. Residual: one row per block),
    /// numbered 1, 2, … in forward order.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Write the singular values of the first sample's input–output Jacobian (CSV).
    #[arg(long)]
    pub jacobian: Option<PathBuf>,
    #[command(flatten)]
    pub param: super::param_args::ParamArgs,
}

/// The model's spec, sample shape, stored tensors and μP base shapes: `--param mup`'s for a
/// spec, a μP checkpoint's own (then `--param` is an error: the checkpoint already has one).
type Resolved = (serde_json::Value, Vec<usize>, Option<TensorFile>, Option<BaseShapes>);

fn resolve_param(args: &Args) -> Result<Resolved> {
    let (spec, shape, stored) = resolve_model(&args.model, args.input_shape.as_deref())?;
    let param = args.param.param()?;
    if stored.is_some() {
        if param.is_some() {
            return Err(Error::invalid(
                "--param mup",
                format!("{} is a checkpoint: it keeps the parametrization it was saved with", args.model),
            ));
        }
        let base = stored
            .as_ref()
            .and_then(|f| f.metadata.get(crate::io::BASE_SHAPES))
            .map(|t| BaseShapes::from_json(t).map_err(|e| Error::file(&args.model, e)))
            .transpose()?;
        return Ok((spec, shape, stored, base));
    }
    match param {
        Some(p) => {
            let (spec, base) = p.prepare(&spec, &args.model)?;
            Ok((spec, shape, stored, base))
        }
        None => Ok((spec, shape, stored, None)),
    }
}

/// The model's spec, per-sample input shape and, for a checkpoint, its stored tensors.
fn resolve_model(
    text: &str,
    input_shape: Option<&[usize]>,
) -> Result<(serde_json::Value, Vec<usize>, Option<TensorFile>)> {
    let mut stored = None;
    let spec = if text.ends_with(".safetensors") {
        let spec = load_checkpoint(text)?.model.to_spec();
        stored = Some(read_safetensors(text)?);
        spec
    } else {
        match ModelSpec::parse(text)? {
            ModelSpec::Json(v) => v,
            ModelSpec::Mlp { sizes, .. } if sizes.contains(&0) => {
                return Err(Error::invalid(
                    format!("model '{text}'"),
                    "probe has no dataset to take 'in' and 'out' from; give the sizes as numbers (mlp:256x101)",
                ))
            }
            // Image models are sized for the `shapes` data (1×12×12 images), whose sample shape
            // is the probe's input unless --input-shape says otherwise.
            m => {
                let (spec, images) = m.to_json_standalone()?;
                if let (Some(shape), None) = (images, input_shape) {
                    return Ok((spec, shape, stored));
                }
                spec
            }
        }
    };
    if let Some(s) = input_shape {
        if s.is_empty() || s.contains(&0) {
            return Err(Error::invalid(format!("--input-shape {s:?}"), "needs sizes >= 1, e.g. 1,28,28"));
        }
        return Ok((spec, s.to_vec(), stored));
    }
    let m = build(&spec, &mut Rng::new(0))?;
    match first_linear_width(m.as_ref()) {
        Some(w) => Ok((spec, vec![w], stored)),
        None => Err(Error::invalid(
            format!("model '{text}'"),
            "its first layer is not a Linear, so the input shape is unknown; pass --input-shape C,H,W",
        )),
    }
}

/// Probes one init (see [`probe_run`] for the order of the draws). With `stored` (a checkpoint's
/// tensors) the model holds those weights, and the rules apply on top of them.
pub fn probe_one(
    spec: &serde_json::Value,
    stored: Option<&TensorFile>,
    rules: &Rules,
    shape: &[usize],
    seed: u64,
) -> Result<Vec<LayerStat>> {
    Ok(probe_run(spec, stored, None, rules, shape, seed, false)?.stats)
}

fn stem(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some("png") | Some("svg") => path.with_extension(""),
        _ => path.to_path_buf(),
    }
}

pub fn run(args: &Args) -> Result<()> {
    if let Some(c) = &args.csv {
        super::check_out_path(c)?;
    }
    if let Some(p) = &args.plot {
        super::check_out_path(p)?;
    }
    if let Some(p) = &args.jacobian {
        super::check_out_path(p)?;
    }
    if args.batch < 1 {
        return Err(Error::invalid("--batch", "must be at least 1"));
    }
    let (spec, sample_shape, stored, base) = resolve_param(args)?;
    let mut shape = vec![args.batch];
    shape.extend(&sample_shape);
    // The model must take the input before any init is tried, so a wrong shape is not blamed on one.
    let trial = build(&spec, &mut Rng::new(0))?;
    crate::lab::models::param::attach(trial.as_ref(), base.as_ref())?;
    check_layers(trial.as_ref(), &shape).map_err(|e| {
        let how =
            if args.input_shape.is_some() { "--input-shape" } else { "the input shape taken from its first Linear" };
        Error::invalid(format!("model '{}' with {how} {sample_shape:?}", args.model), e)
    })?;
    // Parse every rule before any work. A checkpoint is probed as stored unless rules are given.
    let mut parsed = Vec::new();
    if args.inits.is_empty() {
        match stored {
            Some(_) => parsed.push(("checkpoint".to_string(), Rules::new())),
            None => parsed.push(("default".to_string(), Rules::parse("default")?)),
        }
    } else if stored.is_some() {
        eprintln!("note: the --init rules apply on top of the weights stored in {}", args.model);
    }
    for arg in &args.inits {
        let (label, text) = split_label(arg);
        let rules = Rules::parse_nonempty(&text).map_err(|e| Error::invalid(format!("--init '{label}'"), e))?;
        parsed.push((label, rules));
    }
    let several = parsed.len() > 1;
    let mut csv = String::from(if several {
        "init,name,type,act_mean,act_std,grad_std"
    } else {
        "name,type,act_mean,act_std,grad_std"
    });
    csv.push_str(theory::CSV_COLUMNS);
    csv.push('\n');
    let mut results = Vec::new();
    let mut predicted = Vec::new();
    let mut spectra = Vec::new();
    // Many inits of a big model (or with --jacobian) take a while: a bar over them on a terminal.
    let bar = super::progress::bar(parsed.len() as u64, "inits", parsed.len() < 2);
    for (label, rules) in &parsed {
        // Name the init only when the user gave one: without --init nobody wrote 'default'.
        let run = probe_run(&spec, stored.as_ref(), base.as_ref(), rules, &shape, args.seed, args.jacobian.is_some());
        bar.inc(1);
        let mut run =
            run.map_err(|e| if args.inits.is_empty() { e } else { Error::invalid(format!("--init '{label}'"), e) })?;
        if !args.only.is_empty() {
            let keep: Vec<bool> = run.stats.iter().map(|s| args.only.contains(&s.type_name)).collect();
            if !keep.contains(&true) {
                return Err(Error::invalid(
                    "--only",
                    format!("no module of type {} in model '{}'", args.only.join(", "), args.model),
                ));
            }
            let mut k = keep.iter();
            run.stats.retain(|_| *k.next().expect("one flag per row"));
            if let Some(p) = run.predicted.as_mut() {
                let mut k = keep.iter();
                p.retain(|_| *k.next().expect("one flag per row"));
            }
            run.stats.iter_mut().enumerate().for_each(|(i, s)| s.depth = i + 1);
        }
        for (i, s) in run.stats.iter().enumerate() {
            if several {
                csv.push_str(&format!("{},", theory::csv_field(label)));
            }
            let n = crate::io::numbers::shortest;
            csv.push_str(&format!("{},{},{},{},{}", s.name, s.type_name, n(s.act_mean), n(s.act_std), n(s.grad_std)));
            csv.push_str(&theory::csv_fields(run.predicted.as_deref(), i));
            csv.push('\n');
        }
        results.push((label.clone(), run.stats));
        predicted.push((label.clone(), run.predicted));
        spectra.extend(run.singular_values.map(|s| (label.clone(), s)));
    }
    bar.finish_and_clear();
    if let Some(c) = &args.csv {
        write_atomic(c, csv.as_bytes())?;
    }
    for ((label, stats), (_, p)) in results.iter().zip(&predicted) {
        print_summary(label, stats, several);
        theory::print_agreement(stats, p.as_deref());
    }
    if let Some(c) = &args.csv {
        println!("wrote {}", c.display());
    }
    if let Some(path) = &args.jacobian {
        theory::write_jacobian(path, &spectra, several)?;
    }
    if let Some(p) = &args.plot {
        let runs: Vec<ProbeRun> = results
            .iter()
            .zip(&predicted)
            .map(|((label, stats), (_, p))| ProbeRun { label, stats, predicted: p.as_deref() })
            .collect();
        let fig = probe_figure(&args.model, &runs);
        for f in plot::save(&fig, &stem(p))? {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}

/// The table for one init: every layer when there are few, otherwise the first ones, every
/// tenth, the first non-finite one and the last.
fn print_summary(label: &str, stats: &[LayerStat], several: bool) {
    if several {
        println!("== {label}");
    }
    let bad = first_non_finite(stats).map(|s| s.depth);
    let keep = |s: &LayerStat| {
        stats.len() <= 24
            || s.depth <= 4
            || s.depth.is_multiple_of(10)
            || Some(s.depth) == bad
            || s.depth == stats.len()
    };
    let header: Vec<String> =
        ["depth", "layer", "type", "act mean", "act std", "grad std"].iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<String>> = stats
        .iter()
        .filter(|s| keep(s))
        .map(|s| {
            vec![
                s.depth.to_string(),
                s.name.clone(),
                s.type_name.clone(),
                format!("{:.4e}", s.act_mean),
                format!("{:.4e}", s.act_std),
                format!("{:.4e}", s.grad_std),
            ]
        })
        .collect();
    print!("{}", text_table(&header, &rows));
    match first_non_finite(stats) {
        Some(s) => println!("first non-finite output: depth {} (module '{}', {})", s.depth, s.name, s.type_name),
        None => println!("all outputs finite"),
    }
}
