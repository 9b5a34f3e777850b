//! The JSON layer spec (the format of `scripts/torch_spec.py`): an object with `type`
//! and torch's constructor argument names; a `Sequential` has `layers`, a list (indexed
//! children) or an object (named children, in order). Errors name the layer path and field.

use super::*;
use crate::error::{Error, Result};
use crate::rng::{with_default_rng, Rng};
use serde_json::Value;

pub(crate) use super::spec_fields::Fields;
pub use super::spec_fields::LAYER_TYPES;

/// Builds a module tree from a spec, initialised from the thread's default generator.
pub fn from_spec(spec: &Value) -> Result<Box<dyn Module>> {
    with_default_rng(|rng| build(spec, "model", rng))
}

/// Builds a module tree from a spec, initialised from `rng`.
pub fn from_spec_with_rng(spec: &Value, rng: &mut Rng) -> Result<Box<dyn Module>> {
    let n = size_bound(spec);
    if n > MAX_PARAMS as u128 {
        return Err(Error::invalid(
            "model",
            format!("about {n} parameters, more than the {MAX_PARAMS} (1 GiB of f32) a model may hold here"),
        ));
    }
    build(spec, "model", rng)
}

/// Most parameters and buffers a spec may ask for: a typo'd size (`in_features: 1000000000`) is
/// an error, not an attempt to allocate terabytes.
pub const MAX_PARAMS: u64 = 1 << 28;

/// An upper bound on the values a spec's layers allocate, read from the JSON before anything is
/// built (fields that are not numbers count 0; building reports them).
fn size_bound(v: &Value) -> u128 {
    let num = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0) as u128;
    let pair = |k: &str| match v.get(k) {
        Some(Value::Array(a)) => a.iter().map(|x| x.as_u64().unwrap_or(0) as u128).product(),
        Some(x) => (x.as_u64().unwrap_or(0) as u128).pow(2),
        None => 0,
    };
    match v.get("type").and_then(Value::as_str) {
        Some("Sequential") => match v.get("layers") {
            Some(Value::Array(a)) => a.iter().map(size_bound).fold(0, u128::saturating_add),
            Some(Value::Object(o)) => o.values().map(size_bound).fold(0, u128::saturating_add),
            _ => 0,
        },
        Some("Linear") | Some("MuReadout") => {
            num("in_features").saturating_mul(num("out_features")).saturating_add(num("out_features"))
        }
        Some("Conv2d") => num("in_channels")
            .saturating_mul(num("out_channels"))
            .saturating_mul(pair("kernel_size"))
            .saturating_add(num("out_channels")),
        Some("BatchNorm1d") | Some("BatchNorm2d") => num("num_features").saturating_mul(4),
        _ => 0,
    }
}

/// Parses spec text (JSON) and builds it.
pub fn parse_spec(text: &str, rng: &mut Rng) -> Result<Box<dyn Module>> {
    let v: Value = serde_json::from_str(text).map_err(|e| Error::spec("model", "-", format!("invalid JSON: {e}")))?;
    from_spec_with_rng(&v, rng)
}

/// The spec of a module tree (what checkpoints store under the metadata key `model`).
pub fn to_spec(m: &dyn Module) -> Value {
    m.to_spec()
}

fn build(v: &Value, path: &str, rng: &mut Rng) -> Result<Box<dyn Module>> {
    let f = Fields::new(v, path)?;
    let m: Box<dyn Module> = match f.ty.as_str() {
        "Sequential" => {
            f.only(&["layers"])?;
            match f.get("layers") {
                Some(Value::Array(items)) => {
                    let mut layers = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        layers.push(build(item, &format!("{path}.{i}"), rng)?);
                    }
                    Box::new(Sequential::new(layers))
                }
                Some(Value::Object(items)) => {
                    let mut s = Sequential { layers: Vec::new(), named: true };
                    for (name, item) in items {
                        if name.is_empty() || name.contains('.') {
                            return Err(Error::spec(
                                path,
                                "layers",
                                format!("child name '{name}' must be non-empty and have no '.'"),
                            ));
                        }
                        s.layers.push((name.clone(), build(item, &format!("{path}.{name}"), rng)?));
                    }
                    Box::new(s)
                }
                Some(other) => {
                    return Err(f.err("layers", format!("expected a list or an object of layers, got {other}")))
                }
                None => return Err(f.err("layers", "missing (required by Sequential)")),
            }
        }
        "Linear" => {
            f.only(&["in_features", "out_features", "bias"])?;
            Box::new(Linear::with_rng(
                f.usize_req("in_features")?,
                f.usize_req("out_features")?,
                f.bool_or("bias", true)?,
                rng,
            ))
        }
        "MuReadout" => {
            f.only(&["in_features", "out_features", "bias", "output_mult", "readout_zero_init"])?;
            Box::new(MuReadout::with_rng(
                f.usize_req("in_features")?,
                f.usize_req("out_features")?,
                f.bool_or("bias", true)?,
                f.f64_or("output_mult", 1.0)?,
                f.bool_or("readout_zero_init", false)?,
                rng,
            ))
        }
        "Conv2d" => {
            f.only(&[
                "in_channels",
                "out_channels",
                "kernel_size",
                "stride",
                "padding",
                "dilation",
                "groups",
                "bias",
                "padding_mode",
            ])?;
            if let Some(m) = f.get("padding_mode") {
                if m != "zeros" {
                    return Err(f.err("padding_mode", format!("only 'zeros' is supported, got {m}")));
                }
            }
            let opts = Conv2dOptions {
                stride: f.pair_or("stride", Some((1, 1)))?,
                padding: f.pair_or("padding", Some((0, 0)))?,
                dilation: f.pair_or("dilation", Some((1, 1)))?,
                groups: f.usize_or("groups", 1)?,
                bias: f.bool_or("bias", true)?,
            };
            let c = Conv2d::with_rng(
                f.usize_req("in_channels")?,
                f.usize_req("out_channels")?,
                f.pair_or("kernel_size", None)?,
                opts,
                rng,
            )
            .map_err(|e| Error::spec(path, "-", e))?;
            Box::new(c)
        }
        "BatchNorm1d" | "BatchNorm2d" => {
            f.only(&["num_features", "eps", "momentum", "affine", "track_running_stats"])?;
            let opts = BatchNormOptions {
                eps: f.f64_or("eps", 1e-5)?,
                momentum: f.opt_f64_or("momentum", Some(0.1))?,
                affine: f.bool_or("affine", true)?,
                track_running_stats: f.bool_or("track_running_stats", true)?,
            };
            if opts.eps <= 0.0 {
                return Err(f.err("eps", format!("must be positive, got {}", opts.eps)));
            }
            let n = f.usize_req("num_features")?;
            if f.ty == "BatchNorm1d" {
                Box::new(BatchNorm1d::new(n, opts))
            } else {
                Box::new(BatchNorm2d::new(n, opts))
            }
        }
        "ReLU" => {
            f.only(&["inplace"])?;
            Box::new(ReLU)
        }
        "Tanh" => {
            f.only(&[])?;
            Box::new(Tanh)
        }
        "Sigmoid" => {
            f.only(&[])?;
            Box::new(Sigmoid)
        }
        "LeakyReLU" => {
            f.only(&["negative_slope", "inplace"])?;
            Box::new(LeakyReLU { negative_slope: f.f64_or("negative_slope", 0.01)? })
        }
        "Flatten" => {
            f.only(&["start_dim", "end_dim"])?;
            Box::new(Flatten { start_dim: f.isize_or("start_dim", 1)?, end_dim: f.isize_or("end_dim", -1)? })
        }
        "Residual" => {
            f.only(&["body", "shortcut", "gate"])?;
            let body = match f.get("body") {
                Some(b) => build(b, &format!("{path}.body"), rng)?,
                None => return Err(f.err("body", "missing (required by Residual)")),
            };
            let shortcut = match f.get("shortcut") {
                None | Some(Value::Null) => None,
                Some(s) => Some(build(s, &format!("{path}.shortcut"), rng)?),
            };
            Box::new(Residual::new(body, shortcut, Residual::gate_from(&f)?))
        }
        "LayerNorm" => Box::new(LayerNorm::from_fields(&f)?),
        "GELU" => Box::new(GELU::from_fields(&f)?),
        "SELU" | "SiLU" => {
            f.only(&["inplace"])?;
            if f.ty == "SELU" {
                Box::new(SELU)
            } else {
                Box::new(SiLU)
            }
        }
        "ELU" => {
            f.only(&["alpha", "inplace"])?;
            Box::new(ELU { alpha: f.f64_or("alpha", 1.0)? })
        }
        "Softplus" => {
            f.only(&["beta", "threshold"])?;
            Box::new(Softplus { beta: f.f64_or("beta", 1.0)?, threshold: f.f64_or("threshold", 20.0)? })
        }
        "Identity" => {
            f.only(&[])?;
            Box::new(Identity)
        }
        "Dropout" => Box::new(Dropout::from_fields(&f)?),
        "AvgPool2d" => Box::new(AvgPool2d::from_fields(&f)?),
        "MaxPool2d" => Box::new(MaxPool2d::from_fields(&f)?),
        "AdaptiveAvgPool2d" => Box::new(AdaptiveAvgPool2d::from_fields(&f)?),
        other => {
            return Err(Error::spec(
                path,
                "type",
                format!("unknown layer type '{other}'; one of {}", LAYER_TYPES.join(", ")),
            ))
        }
    };
    Ok(m)
}
