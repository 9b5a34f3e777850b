//! `initlab init SPEC --init RULES --seed N --out FILE`: builds a model, applies init rules,
//! writes a checkpoint PyTorch can `load_state_dict`, and prints per parameter its fans, the
//! scheme, the scheme's theoretical std and the measured statistics.

use crate::error::{shape_str, Error, Result};
use crate::init::{default_for, fan::fans, Rules, Scheme};
use crate::io::{read_safetensors, save_checkpoint};
use crate::nn::spec::from_spec_with_rng;
use crate::rng::Rng;
use crate::tensor::Tensor;
use clap::Args as ClapArgs;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Model: a JSON spec file, a checkpoint (.safetensors with `model` metadata) whose
    /// architecture is rebuilt, or a shorthand (mlp:…, resmlp:…; conv:… and resnet:… are sized
    /// for the `shapes` data).
    pub spec: PathBuf,
    /// Init rules, e.g. 'Linear.weight=kaiming_normal(nonlinearity=relu);*.bias=zeros'. May be
    /// given several times (joined with ';'). None: torch's default init.
    #[arg(long = "init")]
    pub init: Vec<String>,
    /// Seed of the generator that builds and initialises the model.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub param: super::param_args::ParamArgs,
    /// Where to write the checkpoint (safetensors).
    #[arg(long)]
    pub out: PathBuf,
    /// Per-sample input shape (e.g. 3,32,32): the spec's layers are checked against it, and an
    /// `lsuv` rule draws its N(0,1) batch of 256 samples in it. Default: taken from a first Linear.
    #[arg(long, value_delimiter = ',')]
    pub input_shape: Option<Vec<usize>>,
    /// A data batch for `lsuv` (and the shape check): a .safetensors file with an `input` tensor,
    /// or a data file `compare --data` takes (.csv, .npy); its inputs are used.
    #[arg(long)]
    pub batch: Option<PathBuf>,
}

/// The inputs of a batch file: `input` of a safetensors file, or a dataset's inputs.
fn read_batch(path: &Path) -> Result<ndarray::ArrayD<f32>> {
    if path.extension().is_some_and(|e| e == "safetensors") {
        let f = read_safetensors(path)?;
        let input = f.get("input").ok_or_else(|| {
            let names: Vec<&str> = f.tensors.iter().map(|(n, _)| n.as_str()).collect();
            Error::file(path, format!("no tensor 'input' in the batch (it holds: {})", names.join(", ")))
        })?;
        let a = input.to_f32();
        if a.ndim() < 2 || a.shape()[0] == 0 {
            return Err(Error::file(path, format!("'input' has shape {:?}; expected [N, …] with N >= 1", a.shape())));
        }
        return Ok(a);
    }
    Ok(crate::lab::data::load(&path.to_string_lossy(), 0)?.input)
}

/// The rules of the `--init` values (each must hold at least one rule); none: no rules.
pub fn parse_inits(values: &[String]) -> Result<Rules> {
    let mut all = Rules::new();
    for v in values {
        all.rules.extend(Rules::parse_nonempty(v)?.rules);
    }
    Ok(all)
}

/// The architecture JSON of a spec file, a checkpoint or a model shorthand.
pub fn read_spec(path: &Path) -> Result<serde_json::Value> {
    let arg = path.to_string_lossy();
    if !path.exists() {
        if let Some((kind, _)) = arg.split_once(':') {
            if ["mlp", "conv", "resmlp", "resnet"].contains(&kind) {
                return Ok(crate::lab::models::ModelSpec::parse(&arg)?.to_json_standalone()?.0);
            }
        }
    }
    let text = if path.extension().is_some_and(|e| e == "safetensors") {
        let f = read_safetensors(path)?;
        f.metadata
            .get("model")
            .cloned()
            .ok_or_else(|| Error::file(path, "no 'model' key in the metadata: the architecture is unknown"))?
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::file(path, format!("cannot read: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| Error::file(path, format!("invalid JSON spec: {e}")))
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.6}"))
}

pub fn run(args: &Args) -> Result<()> {
    super::check_out_path(&args.out)?;
    let spec = read_spec(&args.spec)?;
    let rules = parse_inits(&args.init)?;
    if args.input_shape.as_ref().is_some_and(|s| s.is_empty() || s.contains(&0)) {
        let s = args.input_shape.as_deref().unwrap_or_default();
        return Err(Error::invalid(format!("--input-shape {s:?}"), "needs sizes >= 1, e.g. 3,32,32"));
    }
    let batch = args.batch.as_deref().map(read_batch).transpose()?;
    if let (Some(b), Some(s)) = (&batch, &args.input_shape) {
        if b.shape()[1..] != s[..] {
            return Err(Error::invalid(
                format!("--input-shape {s:?}"),
                format!("the --batch samples have shape {:?}; give one of the two", &b.shape()[1..]),
            ));
        }
    }
    let (spec, base) = match args.param.param()? {
        Some(p) => p.prepare(&spec, &args.spec.to_string_lossy())?,
        None => (spec, None),
    };
    let mut rng = Rng::new(args.seed);
    let model = from_spec_with_rng(&spec, &mut rng)?;
    crate::lab::models::param::attach(model.as_ref(), base.as_ref())?;
    let sample = match (&batch, &args.input_shape) {
        (Some(b), _) => Some(b.shape()[1..].to_vec()),
        (None, Some(s)) => Some(s.clone()),
        (None, None) => crate::lab::models::first_linear_width(model.as_ref()).map(|w| vec![w]),
    };
    if let Some(s) = &sample {
        let mut shape = vec![2];
        shape.extend(s);
        crate::lab::models::check_layers(model.as_ref(), &shape).map_err(|e| Error::file(&args.spec, e))?;
    }
    let batch = match (batch, &args.input_shape) {
        (Some(b), _) => Some(Tensor::new(b)),
        (None, Some(s)) if rules.rules.iter().any(|r| matches!(r.scheme, Scheme::Lsuv { .. })) => {
            let mut shape = vec![256];
            shape.extend(s);
            let mut a = ndarray::ArrayD::zeros(ndarray::IxDyn(&shape));
            rng.normal_(a.as_slice_mut().expect("fresh array"), 0.0, 1.0);
            Some(Tensor::new(a))
        }
        _ => None,
    };
    let report = rules.apply_with_batch(model.as_ref(), batch.as_ref(), &mut rng)?;
    // μP: mup's set_base_shapes after the init (it rescales a fan-in-scaled init to μP's).
    crate::lab::models::param::apply_after(model.as_ref(), base.as_ref(), &report)?;
    for w in &report.warnings {
        eprintln!("warning: {}", super::one_line(w));
    }
    let mut meta = HashMap::new();
    meta.insert("init".to_string(), if rules.is_empty() { "default".to_string() } else { rules.to_string() });
    meta.insert("seed".to_string(), args.seed.to_string());
    meta.insert("param".to_string(), args.param.param.clone());
    save_checkpoint(&args.out, model.as_ref(), &meta)?;

    let header = ["parameter", "shape", "fan_in", "fan_out", "scheme", "std(theory)", "mean", "std", "min", "max"];
    let mut rows = Vec::new();
    for ((name, owner, local, p), r) in model.named_parameters_with_owner().into_iter().zip(&report.params) {
        let shape = p.shape();
        let (fi, fo) = fans(&shape).map_or(("-".into(), "-".into()), |(a, b)| (a.to_string(), b.to_string()));
        let (label, scheme): (String, Option<Scheme>) = match &r.scheme {
            Some(s) => (s.to_string(), Some(s.clone())),
            None => ("default".into(), default_for(owner, local).ok()),
        };
        let theory = scheme.and_then(|s| s.theoretical_std(&shape));
        let v: Vec<f64> = p.to_vec().into_iter().map(f64::from).collect();
        let n = v.len().max(1) as f64;
        let mean = v.iter().sum::<f64>() / n;
        let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        rows.push(vec![
            name,
            shape_str(&shape),
            fi,
            fo,
            label,
            fmt_opt(theory),
            format!("{mean:.6}"),
            format!("{std:.6}"),
            format!("{min:.6}"),
            format!("{max:.6}"),
        ]);
    }
    let w: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| if i < 2 || i == 4 { format!("{c:<w$}", w = w[i]) } else { format!("{c:>w$}", w = w[i]) })
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r);
    }
    if let Some(l) = &report.lsuv {
        println!("LSUV:");
        for x in &l.layers {
            println!("  {:<16} iterations {:>2}  output variance {:.4}", x.name, x.iterations, x.variance);
        }
    }
    println!("wrote {}", args.out.display());
    Ok(())
}
