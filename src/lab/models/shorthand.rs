//! Models for experiments: a JSON spec file (see [`crate::nn::spec`]) or a shorthand.
//!
//! - `mlp:in-100-100-out:relu` — Linear layers between the given sizes; `in` (first) and `out`
//!   (last) take the input width and the number of outputs from the data (image samples are
//!   flattened first), explicit numbers (`mlp:2-100-100-3`) are checked against it (`NxK` repeats a size:
//!   `mlp:256x101:linear:nobias` is 100 bias-free Linear(256, 256)); after each hidden Linear an
//!   activation (`relu`, `tanh`, `sigmoid`, `leaky_relu`, `linear` = none; default `relu`).
//!   Options after the sizes, in any order: the activation, `bn` (BatchNorm1d after each hidden
//!   Linear, before its activation), `nobias` (Linear layers without bias).
//! - `conv:8-16:relu` — for image data `[N, C, H, W]`: Conv2d(C, 8, 3, padding 1), act,
//!   Conv2d(8, 16, 3, stride 2, padding 1), act, …, Flatten, Linear(16·H'·W', outputs). The first
//!   conv keeps the size, every later one halves it; C, H, W and the outputs come from the data.
//!   Same options as `mlp` (`bn` adds BatchNorm2d after each conv).
//! - `resmlp:2-64x8-3:relu:bn` and `resnet:8x2-16x2:relu:bn` — residual networks; what a block
//!   contains is documented in [`crate::lab::models::residual`]. `gate=V` gives every block a learnable gate
//!   starting at V (SkipInit / ReZero: `gate=0`); `ln` puts a LayerNorm at the start of each
//!   resmlp body (and after each hidden Linear of an `mlp`).
//!
//! Activations: `relu`, `tanh`, `sigmoid`, `leaky_relu`, `gelu`, `selu`, `elu`, `silu`, `linear`.
//!
//! Everything is built through the JSON spec, so a model is a `serde_json::Value` that can be
//! built again for every run with that run's generator.

use crate::lab::data::Dataset;
use crate::lab::models::residual::{resmlp_json, resnet_json, ResOptions};
use crate::nn::spec::from_spec_with_rng;
use crate::{Error, Rng};
use serde_json::{json, Value};

/// The default model of `compare`: two hidden layers of 100 ReLUs, sized by the data.
pub const DEFAULT_MODEL: &str = "mlp:in-100-100-out:relu";

const FORMS: &str = "mlp:SIZES[:ACT][:bn|:ln][:nobias] (e.g. mlp:in-100-100-out:relu or mlp:2-100-100-3:relu), \
conv:CHANNELS[:ACT][:bn][:nobias] (e.g. conv:8-16:relu), \
resmlp:IN-WIDTHxBLOCKS-OUT[:ACT][:bn|:ln][:gate=V][:nobias] (e.g. resmlp:2-64x8-3:relu), \
resnet:CxB[-CxB…][:ACT][:bn][:gate=V][:nobias] (e.g. resnet:8x2-16x2:relu:bn) or a JSON spec file (.json)";
pub const ACTIVATIONS: &[&str] = &["relu", "tanh", "sigmoid", "leaky_relu", "gelu", "selu", "elu", "silu", "linear"];

/// A parsed `--model` value.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelSpec {
    /// A spec read from a JSON file.
    Json(Value),
    Mlp {
        /// Layer widths; a 0 first or last (written `in`, `out`) is taken from the data.
        sizes: Vec<usize>,
        opts: Options,
    },
    Conv {
        channels: Vec<usize>,
        opts: Options,
    },
    /// `resmlp:IN-WxB-OUT…`: sizes are [IN, W (B times), OUT].
    ResMlp {
        sizes: Vec<usize>,
        opts: Options,
    },
    /// `resnet:CxB…`: the width of every block.
    ResNet {
        channels: Vec<usize>,
        opts: Options,
    },
}

/// Shorthand options.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub activation: String,
    pub batch_norm: bool,
    /// `ln`: LayerNorm (mlp: after each hidden Linear; resmlp: at the start of each body).
    pub layer_norm: bool,
    /// `gate=V` (residual forms only): each block's learnable gate starts at V.
    pub gate: Option<f64>,
    pub bias: bool,
}

impl Options {
    fn res(&self) -> ResOptions {
        ResOptions {
            activation: self.activation.clone(),
            batch_norm: self.batch_norm,
            layer_norm: self.layer_norm,
            gate: self.gate,
            bias: self.bias,
        }
    }
}

fn bad(text: &str, msg: impl std::fmt::Display) -> Error {
    Error::invalid(format!("model '{text}'"), format!("{msg}; valid forms: {FORMS}"))
}

impl ModelSpec {
    /// Parses a shorthand, or reads a JSON spec when `text` names a `.json` or existing file.
    pub fn parse(text: &str) -> crate::Result<ModelSpec> {
        let t = text.trim();
        if let Some((kind, rest)) = t.split_once(':') {
            if ["mlp", "conv", "resmlp", "resnet"].contains(&kind) {
                return parse_shorthand(t, kind, rest);
            }
        }
        let path = std::path::Path::new(t);
        if t.ends_with(".safetensors") {
            // A checkpoint: its architecture (metadata `model`); each run initialises its own weights.
            let f = crate::io::read_safetensors(path)?;
            let s = f.metadata.get("model").ok_or_else(|| {
                Error::file(
                    path,
                    "no 'model' key in the metadata: not an initlab checkpoint (the architecture is unknown)",
                )
            })?;
            let v: Value =
                serde_json::from_str(s).map_err(|e| Error::file(path, format!("invalid 'model' metadata: {e}")))?;
            from_spec_with_rng(&v, &mut Rng::new(0)).map_err(|e| Error::file(path, e))?;
            return Ok(ModelSpec::Json(v));
        }
        if t.ends_with(".json") || path.is_file() {
            let bytes = std::fs::read(path).map_err(|e| Error::file(path, format!("cannot read model: {e}")))?;
            let s = String::from_utf8(bytes).map_err(|_| {
                Error::file(path, "not a JSON model spec (not text); a checkpoint's name must end in .safetensors")
            })?;
            let v: Value =
                serde_json::from_str(&s).map_err(|e| Error::file(path, format!("invalid JSON model spec: {e}")))?;
            // Build once with a throwaway generator so spec errors surface now, with the file name.
            from_spec_with_rng(&v, &mut Rng::new(0)).map_err(|e| Error::file(path, e))?;
            return Ok(ModelSpec::Json(v));
        }
        Err(bad(t, "unknown model"))
    }

    /// The JSON spec for `data` (conv nets take channels, size and classes from it).
    pub fn to_json(&self, data: &Dataset) -> crate::Result<Value> {
        match self {
            ModelSpec::Json(v) => Ok(v.clone()),
            ModelSpec::Mlp { sizes, opts } => {
                let mut sizes = sizes.clone();
                let flatten = sizes[0] == 0 && data.input_shape().len() > 1;
                if sizes[0] == 0 {
                    sizes[0] = data.input_shape().iter().product();
                }
                let last = sizes.len() - 1;
                if sizes[last] == 0 {
                    sizes[last] = data.num_outputs();
                }
                let mut j = mlp_json(&sizes, opts);
                if flatten {
                    j["layers"].as_array_mut().expect("layers").insert(0, json!({"type": "Flatten"}));
                }
                Ok(j)
            }
            ModelSpec::Conv { channels, opts } => conv_json(channels, opts, data),
            ModelSpec::ResMlp { sizes, opts } => Ok(resmlp_json(sizes, &opts.res(), activation_json(&opts.activation))),
            ModelSpec::ResNet { channels, opts } => {
                let (c, _, _) = image_shape("resnet", data)?;
                Ok(resnet_json(channels, &opts.res(), activation_json(&opts.activation), c, data.num_outputs()))
            }
        }
    }

    /// Whether the model takes images (its sizes come from an image dataset such as `shapes`).
    pub fn needs_images(&self) -> bool {
        matches!(self, ModelSpec::Conv { .. } | ModelSpec::ResNet { .. })
    }

    /// The JSON spec without a dataset at hand: image models are sized for `shapes` (1×12×12
    /// images, 4 classes), the others need none. With the per-sample input shape.
    pub fn to_json_standalone(&self) -> crate::Result<(Value, Option<Vec<usize>>)> {
        if self.needs_images() {
            let data = crate::lab::data::synthetic("shapes", 0)?;
            Ok((self.to_json(&data)?, Some(data.input_shape().to_vec())))
        } else {
            Ok((self.to_json(&crate::lab::data::synthetic("spiral", 0)?)?, None))
        }
    }
}

fn parse_shorthand(text: &str, kind: &str, rest: &str) -> crate::Result<ModelSpec> {
    let mut parts = rest.split(':');
    let sizes_txt = parts.next().unwrap_or("");
    let sizes = parse_sizes(sizes_txt, kind == "mlp").ok_or_else(|| {
        bad(
            text,
            format!(
                "sizes '{sizes_txt}' must be positive integers (or NxK: N repeated K times) joined by '-'{}",
                if kind == "mlp" { ", with 'in' first and 'out' last to take them from the data" } else { "" }
            ),
        )
    })?;
    let (min, what) = match kind {
        "mlp" => (2, "at least two sizes (input-…-output)"),
        "resmlp" => (3, "at least three sizes (input-WIDTHxBLOCKS-output)"),
        _ => (1, "at least one channel count"),
    };
    if sizes.len() < min {
        return Err(bad(text, format!("'{sizes_txt}' gives {} size(s); {kind} needs {what}", sizes.len())));
    }
    let mut opts = Options { activation: "relu".into(), batch_norm: false, layer_norm: false, gate: None, bias: true };
    let mut act_given = false;
    let residual = kind.starts_with("res");
    for p in parts {
        match p.trim() {
            "bn" => opts.batch_norm = true,
            "ln" if kind == "mlp" || kind == "resmlp" => opts.layer_norm = true,
            "nobias" => opts.bias = false,
            a if ACTIVATIONS.contains(&a) && !act_given => {
                opts.activation = a.to_string();
                act_given = true;
            }
            g if residual && g.starts_with("gate=") => {
                let v = g["gate=".len()..].parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                    bad(text, format!("'{g}': the gate's initial value must be a number (gate=0 is SkipInit)"))
                })?;
                opts.gate = Some(v);
            }
            other => {
                let extra = match (kind, residual) {
                    ("resmlp", _) => "bn, ln, gate=V or nobias",
                    ("mlp", _) => "bn, ln or nobias",
                    (_, true) => "bn, gate=V or nobias",
                    _ => "bn or nobias",
                };
                return Err(bad(
                    text,
                    format!("option '{other}' is not one activation ({}), {extra}", ACTIVATIONS.join(", ")),
                ));
            }
        }
    }
    if opts.batch_norm && opts.layer_norm {
        return Err(bad(text, "bn and ln both given; choose one normalization"));
    }
    Ok(match kind {
        "mlp" => ModelSpec::Mlp { sizes, opts },
        "resmlp" => ModelSpec::ResMlp { sizes, opts },
        "resnet" => ModelSpec::ResNet { channels: sizes, opts },
        _ => ModelSpec::Conv { channels: sizes, opts },
    })
}

/// `2-100-100-3`; a size `NxK` stands for K copies of N (`256x101` = 101 widths of 256, i.e. 100
/// Linear(256, 256) layers). With `ends`, `in` as the first size and `out` as the last stand for
/// the data's (written as 0).
fn parse_sizes(text: &str, ends: bool) -> Option<Vec<usize>> {
    let mut sizes = Vec::new();
    let toks: Vec<&str> = text.split('-').collect();
    for (i, tok) in toks.iter().enumerate() {
        let tok = tok.trim();
        if ends && ((i == 0 && tok == "in") || (i + 1 == toks.len() && i > 0 && tok == "out")) {
            sizes.push(0);
            continue;
        }
        let (n, k) = match tok.split_once('x') {
            Some((n, k)) => (n.parse::<usize>().ok()?, k.parse::<usize>().ok()?),
            None => (tok.parse::<usize>().ok()?, 1),
        };
        if n == 0 || k == 0 || k > 100_000 {
            return None;
        }
        sizes.extend(std::iter::repeat_n(n, k));
    }
    Some(sizes)
}

fn activation_json(name: &str) -> Option<Value> {
    match name {
        "relu" => Some(json!({"type": "ReLU"})),
        "tanh" => Some(json!({"type": "Tanh"})),
        "sigmoid" => Some(json!({"type": "Sigmoid"})),
        "leaky_relu" => Some(json!({"type": "LeakyReLU"})),
        "gelu" => Some(json!({"type": "GELU"})),
        "selu" => Some(json!({"type": "SELU"})),
        "elu" => Some(json!({"type": "ELU"})),
        "silu" => Some(json!({"type": "SiLU"})),
        _ => None,
    }
}

fn mlp_json(sizes: &[usize], o: &Options) -> Value {
    let mut layers = Vec::new();
    for (i, w) in sizes.windows(2).enumerate() {
        layers.push(json!({"type": "Linear", "in_features": w[0], "out_features": w[1], "bias": o.bias}));
        if i + 2 < sizes.len() {
            if o.batch_norm {
                layers.push(json!({"type": "BatchNorm1d", "num_features": w[1]}));
            }
            if o.layer_norm {
                layers.push(json!({"type": "LayerNorm", "normalized_shape": w[1]}));
            }
            layers.extend(activation_json(&o.activation));
        }
    }
    json!({"type": "Sequential", "layers": layers})
}

/// (C, H, W) of an image dataset, or an error naming the model kind and the data.
fn image_shape(kind: &str, data: &Dataset) -> crate::Result<(usize, usize, usize)> {
    match *data.input_shape() {
        [c, h, w] => Ok((c, h, w)),
        _ => Err(Error::invalid(
            format!("model '{kind}:…'"),
            format!(
                "needs image data [N, C, H, W] but dataset '{}' has samples of shape {:?} (try --data shapes)",
                data.name,
                data.input_shape()
            ),
        )),
    }
}

fn conv_json(channels: &[usize], o: &Options, data: &Dataset) -> crate::Result<Value> {
    let (c, h, w) = image_shape("conv", data)?;
    let (mut cin, mut h, mut w) = (c, h, w);
    let mut layers = Vec::new();
    for (i, &cout) in channels.iter().enumerate() {
        let stride = if i == 0 { 1 } else { 2 };
        layers.push(json!({"type": "Conv2d", "in_channels": cin, "out_channels": cout, "kernel_size": 3,
            "stride": stride, "padding": 1, "bias": o.bias}));
        if o.batch_norm {
            layers.push(json!({"type": "BatchNorm2d", "num_features": cout}));
        }
        layers.extend(activation_json(&o.activation));
        (cin, h, w) = (cout, (h + 2 - 3) / stride + 1, (w + 2 - 3) / stride + 1);
    }
    layers.push(json!({"type": "Flatten"}));
    layers.push(
        json!({"type": "Linear", "in_features": cin * h * w, "out_features": data.num_outputs(), "bias": o.bias}),
    );
    Ok(json!({"type": "Sequential", "layers": layers}))
}

pub use crate::lab::models::check::{build, check_fits, check_layers, first_linear_width};

#[cfg(test)]
#[path = "shorthand_tests.rs"]
mod tests;
