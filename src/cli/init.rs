//! `initlab init SPEC --init RULES --seed N --out FILE`: builds a model, applies init rules,
//! writes a checkpoint PyTorch can `load_state_dict`, and prints per parameter its fans, the
//! scheme, the scheme's theoretical std and the measured statistics.

use crate::error::{shape_str, Error, Result};
use crate::init::{default_for, fan::fans, Rules, Scheme};
use crate::io::{read_safetensors, save_checkpoint};
use crate::nn::spec::from_spec_with_rng;
use crate::rng::Rng;
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
    /// Where to write the checkpoint (safetensors).
    #[arg(long)]
    pub out: PathBuf,
}

/// The architecture JSON of a spec file, a checkpoint or a model shorthand.
pub fn read_spec(path: &Path) -> Result<serde_json::Value> {
    let arg = path.to_string_lossy();
    if !path.exists() {
        if let Some((kind, _)) = arg.split_once(':') {
            if ["mlp", "conv", "resmlp", "resnet"].contains(&kind) {
                return Ok(crate::lab::model::ModelSpec::parse(&arg)?.to_json_standalone()?.0);
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
    let rules = Rules::parse(&args.init.join(";"))?;
    let mut rng = Rng::new(args.seed);
    let model = from_spec_with_rng(&spec, &mut rng)?;
    let report = rules.apply(model.as_ref(), &mut rng)?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let mut meta = HashMap::new();
    meta.insert("init".to_string(), if rules.is_empty() { "default".to_string() } else { rules.to_string() });
    meta.insert("seed".to_string(), args.seed.to_string());
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
