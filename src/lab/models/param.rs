//! Parametrizations where models are built: standard (torch's default, `--param sp`) or μP as
//! the `mup` package defines it for MLPs (`--param mup --base-width N [--output-mult M]
//! [--readout-zero-init]`).
//!
//! μP is data on the model: the spec's last Linear becomes a `MuReadout`, every hidden size is a
//! width dimension whose base is N, and after each build [`Param::apply`] attaches each
//! parameter's infshape and rescales the fresh parameters (mup's `set_base_shapes`). The base and
//! delta shapes come from the spec with every hidden size set to N and 2N, built on a throwaway
//! generator, so a run's weights are exactly what its own generator draws. The training loop then
//! picks MuSGD / MuAdam from the infshapes. μP is defined here for MLPs of Linear layers,
//! activations and dropout; a conv or residual model is an error, not a guess.

use crate::nn::mup::{get_shapes, make_base_shapes, set_base_shapes, set_base_shapes_keeping, BaseShapes};
use crate::nn::spec::from_spec_with_rng;
use crate::nn::Module;
use crate::{Error, Result, Rng};
use serde_json::{json, Value};

/// `--param`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Param {
    Sp,
    Mup { base_width: usize, output_mult: f64, readout_zero_init: bool },
}

impl Param {
    /// From the flags; the μP-only flags are an error with `sp`.
    pub fn from_flags(
        name: &str,
        base_width: Option<usize>,
        output_mult: Option<f64>,
        readout_zero_init: bool,
    ) -> Result<Param> {
        match name {
            "sp" => {
                if base_width.is_some() || output_mult.is_some() || readout_zero_init {
                    return Err(Error::invalid(
                        "--param sp",
                        "--base-width, --output-mult and --readout-zero-init are for --param mup",
                    ));
                }
                Ok(Param::Sp)
            }
            "mup" => {
                let base_width = base_width.ok_or_else(|| {
                    Error::invalid("--param mup", "needs --base-width N (the width whose μP model is the SP one)")
                })?;
                if base_width == 0 {
                    return Err(Error::invalid("--base-width 0", "needs a base width >= 1"));
                }
                let output_mult = output_mult.unwrap_or(1.0);
                if !(output_mult.is_finite() && output_mult > 0.0) {
                    return Err(Error::invalid(format!("--output-mult {output_mult}"), "needs a finite number > 0"));
                }
                Ok(Param::Mup { base_width, output_mult, readout_zero_init })
            }
            _ => Err(Error::invalid(format!("--param {name}"), "valid: sp, mup")),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Param::Sp => "sp",
            Param::Mup { .. } => "mup",
        }
    }

    /// The spec to build for this parametrization (μP: the last Linear as a MuReadout), with
    /// its base shapes; errors for models μP is not defined for here.
    pub fn prepare(&self, spec: &Value, model_text: &str) -> Result<(Value, Option<BaseShapes>)> {
        let Param::Mup { base_width, output_mult, readout_zero_init } = *self else {
            return Ok((spec.clone(), None));
        };
        let layers = mlp_layers(spec, model_text)?;
        let linears: Vec<usize> = (0..layers.len()).filter(|&i| layers[i]["type"] == "Linear").collect();
        if linears.len() < 2 {
            return Err(Error::invalid(
                format!("model '{model_text}'"),
                "μP needs a hidden layer: at least two Linear layers (input → width → output)",
            ));
        }
        let mut out = layers.clone();
        let last = *linears.last().expect("two linears");
        let l = &layers[last];
        out[last] = json!({"type": "MuReadout", "in_features": l["in_features"], "out_features": l["out_features"],
            "bias": l.get("bias").cloned().unwrap_or(Value::Bool(true)), "output_mult": output_mult,
            "readout_zero_init": readout_zero_init});
        for &i in &linears[..linears.len() - 1] {
            let w = out[i]["out_features"].as_u64().unwrap_or(0) as usize;
            if w < base_width {
                return Err(Error::invalid(
                    format!("--base-width {base_width}"),
                    format!("is above the width {w} of layer {i} of model '{model_text}'"),
                ));
            }
        }
        let spec = json!({"type": "Sequential", "layers": out});
        let at = |width: usize| -> Result<Vec<(String, Vec<usize>)>> {
            let mut v = out.clone();
            for (k, &i) in linears.iter().enumerate() {
                if k + 1 < linears.len() {
                    v[i]["out_features"] = json!(width);
                }
                if k > 0 {
                    v[i]["in_features"] = json!(width);
                }
            }
            let m = from_spec_with_rng(&json!({"type": "Sequential", "layers": v}), &mut Rng::new(0))?;
            Ok(get_shapes(&*m))
        };
        let base = make_base_shapes(&at(base_width)?, &at(2 * base_width)?)?;
        Ok((spec, Some(base)))
    }
}

/// mup's `set_base_shapes(model, base)` on a freshly built model (nothing for SP).
pub fn apply(model: &dyn Module, base: Option<&BaseShapes>) -> Result<()> {
    match base {
        Some(b) => set_base_shapes(model, b, true),
        None => Ok(()),
    }
}

/// [`apply`] after init rules: the parameters a `mup.init` scheme set are kept as drawn (in mup
/// they are drawn after `set_base_shapes`, so its rescaling never touches them).
pub fn apply_after(model: &dyn Module, base: Option<&BaseShapes>, report: &crate::init::ApplyReport) -> Result<()> {
    let Some(b) = base else { return Ok(()) };
    check_rules(base, report)?;
    let keep: Vec<String> = report
        .params
        .iter()
        .filter(|p| !p.kept && matches!(p.scheme, Some(crate::init::Scheme::Mup(_))))
        .map(|p| p.name.clone())
        .collect();
    set_base_shapes_keeping(model, b, true, &keep)
}

/// LSUV is not defined under μP: it rescales every layer from the data to unit output variance,
/// which undoes what μP fixes by width (the readout's output shrinking as 1/width_mult, hidden
/// layers' scale set by their fan-in's width multiplier), and mup has no LSUV to follow.
pub fn check_rules(base: Option<&BaseShapes>, report: &crate::init::ApplyReport) -> Result<()> {
    if base.is_some() && report.lsuv.is_some() {
        return Err(Error::invalid(
            "lsuv with --param mup",
            "LSUV rescales each layer to unit output variance from the data, undoing μP's width scaling (the \
             MuReadout's output must shrink as 1/width_mult); use a mup.* scheme (e.g. mup.kaiming_normal) or --param sp",
        ));
    }
    Ok(())
}

/// The infshapes only, without rescaling (so a model can be run through shape checks before
/// its init; [`apply`] afterwards rescales).
pub fn attach(model: &dyn Module, base: Option<&BaseShapes>) -> Result<()> {
    match base {
        Some(b) => set_base_shapes(model, b, false),
        None => Ok(()),
    }
}

/// The layers of a Sequential MLP spec: Linear layers, activations and dropout only.
fn mlp_layers<'a>(spec: &'a Value, model_text: &str) -> Result<&'a Vec<Value>> {
    const OK: &[&str] = &[
        "Linear",
        "Flatten",
        "ReLU",
        "LeakyReLU",
        "Tanh",
        "Sigmoid",
        "GELU",
        "SELU",
        "ELU",
        "SiLU",
        "Softplus",
        "Identity",
        "Dropout",
    ];
    let not = |why: String| {
        Error::invalid(
            format!("--param mup with model '{model_text}'"),
            format!("μP is defined here for MLPs (Linear layers and activations, e.g. mlp:in-256-256-out:relu); {why}"),
        )
    };
    let layers = match (spec["type"].as_str(), spec["layers"].as_array()) {
        (Some("Sequential"), Some(l)) => l,
        (t, _) => return Err(not(format!("this model is a {}", t.unwrap_or("spec without a type")))),
    };
    if let Some(l) = layers.iter().find(|l| !OK.contains(&l["type"].as_str().unwrap_or(""))) {
        let t = l["type"].as_str().unwrap_or("?");
        let why = match t {
            "Conv2d" => "not for conv nets".to_string(),
            "Residual" => "not for residual networks".to_string(),
            _ => format!("it has a {t} layer"),
        };
        return Err(not(why));
    }
    Ok(layers)
}
