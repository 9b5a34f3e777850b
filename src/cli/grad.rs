//! `initlab grad MODEL BATCH --out OUT`: one forward and backward of a checkpoint on a batch;
//! writes output, loss, every parameter's gradient and every buffer after the forward, and
//! prints per-parameter gradient norms.

use crate::error::{shape_str, Error, Result};
use crate::io::{load_checkpoint, read_safetensors, write_safetensors, Stored};
use crate::nn::Module;
use crate::ops::{cross_entropy, mse_loss};
use crate::tensor::Tensor;
use clap::{Args as ClapArgs, ValueEnum};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Loss {
    Mse,
    #[value(name = "cross_entropy", alias = "cross-entropy")]
    CrossEntropy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    Train,
    Eval,
}

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Checkpoint (safetensors with the architecture in metadata key `model`).
    pub model: PathBuf,
    /// Batch (safetensors with `input` and `target`; metadata `loss` and `mode`).
    pub batch: PathBuf,
    /// Where to write output, loss, grad.<param> and buffer.<name> (safetensors).
    #[arg(long)]
    pub out: PathBuf,
    /// Override the batch's `loss` metadata.
    #[arg(long, value_enum)]
    pub loss: Option<Loss>,
    /// Override the batch's `mode` metadata.
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
}

/// What one forward/backward produced.
pub struct GradResult {
    pub output: Tensor,
    pub loss: f32,
    /// (parameter name, gradient) in `named_parameters` order; zeros where no gradient reached.
    pub grads: Vec<(String, ndarray::ArrayD<f32>)>,
    pub buffers: Vec<(String, ndarray::ArrayD<f32>)>,
}

fn parse_meta<T: ValueEnum>(meta: &HashMap<String, String>, key: &str, path: &std::path::Path) -> Result<Option<T>> {
    match meta.get(key) {
        None => Ok(None),
        Some(v) => T::from_str(v, true).map(Some).map_err(|_| {
            let valid: Vec<String> = T::value_variants()
                .iter()
                .filter_map(|x| x.to_possible_value())
                .map(|p| p.get_name().to_string())
                .collect();
            Error::file(path, format!("metadata '{key}' is '{v}'; expected one of {}", valid.join(", ")))
        }),
    }
}

/// The command-line spelling of a value (`cross_entropy`, `train`).
fn value_name<T: ValueEnum>(v: &T) -> String {
    v.to_possible_value().map(|p| p.get_name().to_string()).unwrap_or_default()
}

/// Runs one forward and backward of `model` on `input` against `target`.
pub fn forward_backward(
    model: &mut dyn Module,
    input: Tensor,
    target: &Stored,
    loss: Loss,
    mode: Mode,
) -> Result<GradResult> {
    match mode {
        Mode::Train => model.train(),
        Mode::Eval => model.eval(),
    }
    model.zero_grad();
    let output = model.forward(&input)?;
    let l = match loss {
        Loss::Mse => mse_loss(&output, &Tensor::new(target.to_f32()))?,
        Loss::CrossEntropy => {
            let Stored::I64(ids) = target else {
                return Err(Error::invalid("cross_entropy", "target must hold integer class ids (i64), got floats"));
            };
            if ids.ndim() != 1 {
                return Err(Error::shape(
                    "cross_entropy",
                    format!("target must be 1-D class ids, got shape {}", shape_str(ids.shape())),
                ));
            }
            let mut classes = Vec::with_capacity(ids.len());
            for (i, &c) in ids.iter().enumerate() {
                if c < 0 {
                    return Err(Error::invalid("cross_entropy", format!("target {c} at row {i} is negative")));
                }
                classes.push(c as usize);
            }
            cross_entropy(&output, &classes)?
        }
    };
    let loss_value = l.item()?;
    if l.requires_grad() {
        l.backward()?;
    }
    let grads = model
        .named_parameters()
        .into_iter()
        .map(|(n, p)| {
            let g = p.grad().unwrap_or_else(|| ndarray::ArrayD::zeros(p.shape()));
            (n, g)
        })
        .collect();
    let buffers = model.named_buffers().into_iter().map(|(n, b)| (n, b.to_array())).collect();
    Ok(GradResult { output, loss: loss_value, grads, buffers })
}

pub fn run(args: &Args) -> Result<()> {
    super::check_out_path(&args.out)?;
    let mut ck = load_checkpoint(&args.model)?;
    let batch = read_safetensors(&args.batch)?;
    let input = batch.get("input").ok_or_else(|| Error::file(&args.batch, "no tensor 'input'"))?;
    let target = batch.get("target").ok_or_else(|| Error::file(&args.batch, "no tensor 'target'"))?;
    let loss = match args.loss {
        Some(l) => l,
        None => parse_meta::<Loss>(&batch.metadata, "loss", &args.batch)?
            .ok_or_else(|| Error::file(&args.batch, "no 'loss' metadata; pass --loss mse|cross_entropy"))?,
    };
    let mode = match args.mode {
        Some(m) => m,
        None => parse_meta::<Mode>(&batch.metadata, "mode", &args.batch)?.unwrap_or(Mode::Train),
    };
    let r = forward_backward(ck.model.as_mut(), Tensor::new(input.to_f32()), target, loss, mode)?;

    let mut out: Vec<(String, Stored)> = vec![
        ("output".into(), Stored::F32(r.output.to_array())),
        ("loss".into(), Stored::F32(ndarray::arr0(r.loss).into_dyn())),
    ];
    for (n, g) in &r.grads {
        out.push((format!("grad.{n}"), Stored::F32(g.clone())));
    }
    for (n, b) in &r.buffers {
        let s =
            if n.ends_with("num_batches_tracked") { Stored::I64(b.mapv(|v| v as i64)) } else { Stored::F32(b.clone()) };
        out.push((format!("buffer.{n}"), s));
    }
    write_safetensors(&args.out, &out, &HashMap::new())?;

    println!("loss = {:.6}  ({}, {} mode)", r.loss, value_name(&loss), value_name(&mode));
    let header: Vec<String> = ["parameter", "shape", "grad norm", "grad max|.|"].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = r
        .grads
        .iter()
        .map(|(n, g)| {
            let mx = g.iter().fold(0f32, |a, v| a.max(v.abs()));
            vec![n.clone(), shape_str(g.shape()), format!("{:.6e}", crate::kernels::sum::l2(g)), format!("{mx:.6e}")]
        })
        .collect();
    print!("{}", crate::lab::views::report::text_table(&header, &rows));
    println!("wrote {}", args.out.display());
    Ok(())
}
