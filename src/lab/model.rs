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
//!   contains is documented in [`super::model_res`]. `gate=V` gives every block a learnable gate
//!   starting at V (SkipInit / ReZero: `gate=0`); `ln` puts a LayerNorm at the start of each
//!   resmlp body (and after each hidden Linear of an `mlp`).
//!
//! Activations: `relu`, `tanh`, `sigmoid`, `leaky_relu`, `gelu`, `selu`, `elu`, `silu`, `linear`.
//!
//! Everything is built through the JSON spec, so a model is a `serde_json::Value` that can be
//! built again for every run with that run's generator.

use crate::autograd::with_no_grad;
use crate::lab::data::Dataset;
use crate::lab::model_res::{resmlp_json, resnet_json, ResOptions};
use crate::lab::probe::forward_leaves;
use crate::nn::{spec::from_spec_with_rng, Module, Sequential};
use crate::{Error, Rng, Tensor};
use serde_json::{json, Value};

/// The default model of `compare`: two hidden layers of 100 ReLUs, sized by the data.
pub const DEFAULT_MODEL: &str = "mlp:in-100-100-out:relu";

const FORMS: &str = "mlp:SIZES[:ACT][:bn|:ln][:nobias] (e.g. mlp:in-100-100-out:relu or mlp:2-100-100-3:relu), \
conv:CHANNELS[:ACT][:bn][:nobias] (e.g. conv:8-16:relu), \
resmlp:IN-WIDTHxBLOCKS-OUT[:ACT][:bn|:ln][:gate=V][:nobias] (e.g. resmlp:2-64x8-3:relu), \
resnet:CxB[-CxB…][:ACT][:bn][:gate=V][:nobias] (e.g. resnet:8x2-16x2:relu:bn) or a JSON spec file (.json)";
const ACTIVATIONS: &[&str] = &["relu", "tanh", "sigmoid", "leaky_relu", "gelu", "selu", "elu", "silu", "linear"];

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

/// Builds the model of `spec` from `rng` (torch's default init of each layer).
pub fn build(spec: &Value, rng: &mut Rng) -> crate::Result<Box<dyn Module>> {
    from_spec_with_rng(spec, rng)
}

/// `in_features` of the model's first Linear, when its first weight layer is a Linear (the input
/// width is then known); `None` when it is a Conv2d or there is none.
pub fn first_linear_width(model: &dyn Module) -> Option<usize> {
    let first = model.modules().into_iter().find(|l| l.is::<crate::nn::Linear>() || l.is::<crate::nn::Conv2d>());
    first.and_then(|l| l.downcast_ref::<crate::nn::Linear>()).map(|l| l.in_features)
}

/// Leaf modules in forward order, descending into `Sequential`s as [`forward_leaves`] does.
fn leaves<'a>(m: &'a dyn Module, prefix: &str, out: &mut Vec<(String, &'a dyn Module)>) {
    match m.downcast_ref::<Sequential>() {
        Some(seq) => {
            for (name, child) in &seq.layers {
                let full = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                leaves(child.as_ref(), &full, out);
            }
        }
        None => out.push((prefix.to_string(), m)),
    }
}

fn describe(name: &str, m: &dyn Module) -> String {
    let shown = if name.is_empty() { String::new() } else { format!("'{name}' ") };
    format!("{shown}{}({})", m.type_name(), m.extra_repr())
}

/// Runs a zero batch of `shape` (batch axis first) through `model` leaf by leaf, without a graph;
/// a layer that does not accept what the previous one gives is an error naming both layers and
/// the shape that arrives (or the input shape, for the first layer).
pub fn check_layers(model: &dyn Module, shape: &[usize]) -> crate::Result<()> {
    let mut order = Vec::new();
    leaves(model, "", &mut order);
    let x = Tensor::zeros(shape);
    let (mut done, mut last_shape) = (0usize, shape.to_vec());
    let r = with_no_grad(|| {
        forward_leaves(model, "", &x, &mut |_, _, out| {
            done += 1;
            last_shape = out.shape();
            Ok(out)
        })
    });
    r.map(|_| ()).map_err(|e| {
        let at = order.get(done).map_or("a layer".to_string(), |(n, m)| format!("layer {}", describe(n, *m)));
        let mut from = match done.checked_sub(1).and_then(|i| order.get(i)) {
            Some((n, m)) => format!("the output of layer {}, of shape {last_shape:?}", describe(n, *m)),
            None => format!("the input, of shape {shape:?}"),
        };
        // Name the weight layer the shape comes from when a parameter-free one sits between.
        let source = order[..done.min(order.len())].iter().rev().find(|(_, m)| !m.own_parameters().is_empty());
        if let Some((n, m)) =
            source.filter(|(n, _)| Some(n) != done.checked_sub(1).and_then(|i| order.get(i)).map(|o| &o.0))
        {
            from.push_str(&format!(" (made by layer {})", describe(n, *m)));
        }
        Error::invalid("model", format!("{at} does not fit {from}: {e}"))
    })
}

/// Errors, naming the model and the data, unless a forward of the first samples (two, so batch
/// norm has a batch) gives outputs of shape `[n, data.num_outputs()]`.
pub fn check_fits(model: &dyn Module, model_text: &str, data: &Dataset) -> crate::Result<()> {
    let n = data.len().min(2);
    let idx: Vec<usize> = (0..n).collect();
    let (x, _) = data.batch(&idx);
    let ctx = || {
        format!(
            "model '{model_text}' on dataset '{}' (samples of shape {:?}, {} outputs)",
            data.name,
            data.input_shape(),
            data.num_outputs()
        )
    };
    let out = with_no_grad(|| model.forward(&Tensor::new(x))).map_err(|e| Error::invalid(ctx(), e))?;
    let want = [n, data.num_outputs()];
    if out.shape() != want {
        return Err(Error::invalid(
            ctx(),
            format!("the model's output has shape {:?}, expected {want:?}", out.shape()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::data::synthetic;

    #[test]
    fn mlp_shorthand_builds_torch_layers() {
        let s = ModelSpec::parse("mlp:2-100-100-3:relu").unwrap();
        let data = synthetic("spiral", 0).unwrap();
        let m = build(&s.to_json(&data).unwrap(), &mut Rng::new(0)).unwrap();
        let names: Vec<String> = m.named_parameters().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]);
        let types: Vec<&str> = m.children().iter().map(|c| c.type_name()).collect();
        assert_eq!(types, ["Linear", "ReLU", "Linear", "ReLU", "Linear"]);
        check_fits(m.as_ref(), "mlp:2-100-100-3:relu", &data).unwrap();

        let s = ModelSpec::parse("mlp:2-5-3:nobias:tanh:bn").unwrap();
        let want = Options { activation: "tanh".into(), batch_norm: true, layer_norm: false, gate: None, bias: false };
        assert_eq!(s, ModelSpec::Mlp { sizes: vec![2, 5, 3], opts: want });
        let j = s.to_json(&data).unwrap();
        let types: Vec<&str> = j["layers"].as_array().unwrap().iter().map(|l| l["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["Linear", "BatchNorm1d", "Tanh", "Linear"]);
        assert_eq!(j["layers"][0]["bias"], false);
        let j = ModelSpec::parse("mlp:2-4-3:linear").unwrap().to_json(&data).unwrap();
        assert_eq!(j["layers"].as_array().unwrap().len(), 2);
        // NxK repeats a size: 256x101 is 100 Linear(256, 256).
        let s = ModelSpec::parse("mlp:256x101:linear:nobias").unwrap();
        let ModelSpec::Mlp { sizes, .. } = &s else { panic!() };
        assert_eq!((sizes.len(), sizes.iter().all(|&n| n == 256)), (101, true));
        let s = ModelSpec::parse("mlp:2-8x3-3").unwrap();
        assert!(matches!(s, ModelSpec::Mlp { ref sizes, .. } if sizes == &[2, 8, 8, 8, 3]));
    }

    #[test]
    fn in_and_out_take_the_sizes_from_the_data() {
        let layers = |text: &str, data: &Dataset| -> Vec<(String, u64, u64)> {
            let j = ModelSpec::parse(text).unwrap().to_json(data).unwrap();
            let l = j["layers"].as_array().unwrap().clone();
            l.iter()
                .map(|l| {
                    let t = l["type"].as_str().unwrap().to_string();
                    (t, l["in_features"].as_u64().unwrap_or(0), l["out_features"].as_u64().unwrap_or(0))
                })
                .collect()
        };
        let moons = synthetic("moons", 0).unwrap();
        let l = layers(DEFAULT_MODEL, &moons);
        assert_eq!((l[0].1, l[4].2, l.len()), (2, 2, 5), "{l:?}");
        let shapes = synthetic("shapes", 0).unwrap();
        let l = layers("mlp:in-32-out:tanh", &shapes);
        assert_eq!(l[0].0, "Flatten");
        assert_eq!((l[1].1, l[1].2, l[3].2), (144, 32, 4), "{l:?}");
        let sine = synthetic("sine", 0).unwrap();
        let l = layers("mlp:in-8-out", &sine);
        assert_eq!((l[0].1, l[2].2), (1, 1));
        // Only at the ends, and only for mlp.
        for text in ["mlp:out-8-3", "mlp:2-in-3", "mlp:in", "conv:in-8"] {
            let e = ModelSpec::parse(text).unwrap_err().to_string();
            assert!(e.contains(&format!("model '{text}'")), "{e}");
        }
    }

    #[test]
    fn conv_shorthand_takes_sizes_from_data() {
        let data = synthetic("shapes", 0).unwrap();
        let [c, _, _] = data.input_shape() else { panic!() };
        let j = ModelSpec::parse("conv:8-16:relu").unwrap().to_json(&data).unwrap();
        let l = j["layers"].as_array().unwrap();
        assert_eq!(l[0]["in_channels"], *c);
        assert_eq!((l[2]["out_channels"].as_u64(), l[2]["stride"].as_u64()), (Some(16), Some(2)));
        assert_eq!(l[5]["in_features"], 16 * 6 * 6);
        assert_eq!(l[5]["out_features"], data.num_outputs());
        let e = ModelSpec::parse("conv:8").unwrap().to_json(&synthetic("spiral", 0).unwrap()).unwrap_err();
        assert!(e.to_string().contains("dataset 'spiral' has samples of shape [2]"), "{e}");
    }

    #[test]
    fn malformed_shorthand_names_the_value_and_the_valid_forms() {
        for (text, part) in [
            ("mlp:2-x-3", "sizes '2-x-3'"),
            ("mlp:2", "needs at least two sizes"),
            ("mlp:2-0-3", "positive integers"),
            ("mlp:2-8x0-3", "NxK"),
            ("mlp:2-8xa-3", "NxK"),
            ("mlp:2-3:swish", "option 'swish'"),
            ("mlp:2-3:relu:tanh", "option 'tanh'"),
            ("resnet50", "unknown model"),
        ] {
            let e = ModelSpec::parse(text).unwrap_err().to_string();
            assert!(e.contains(&format!("model '{text}'")) && e.contains(part) && e.contains("mlp:2-100-100-3"), "{e}");
        }
        let e = ModelSpec::parse("/no/such/model.json").unwrap_err().to_string();
        assert!(e.contains("/no/such/model.json") && e.contains("cannot read"), "{e}");
    }

    #[test]
    fn a_model_that_does_not_fit_the_data_is_an_error_naming_both() {
        let data = synthetic("spiral", 0).unwrap();
        for text in ["mlp:3-10-3", "mlp:2-10-4"] {
            let m = build(&ModelSpec::parse(text).unwrap().to_json(&data).unwrap(), &mut Rng::new(0)).unwrap();
            let e = check_fits(m.as_ref(), text, &data).unwrap_err().to_string();
            assert!(e.contains(text) && e.contains("dataset 'spiral'") && e.contains("[2]"), "{e}");
        }
    }
}
