//! Base shapes, as the `mup` package (1.0.0, mup/shape.py) sets them: which dimensions of each
//! parameter scale with width, found by comparing a *base* model with a *delta* model (the same
//! architecture at another width), then attached to each parameter of the target model
//! ([`Parameter::infshape`](crate::Tensor::infshape)), and the rescaling `set_base_shapes`
//! applies to a freshly built model (its default init turned into μP's).
//!
//! The parametrization is data on the parameters: `MuReadout` reads its width multiplier from its
//! weight's shape, and the μP optimizers (`optim::mu_lr_scales`) read every parameter's.

use super::{Conv2d, InfShape, Linear, Module, MuReadout};
use crate::error::{Error, Result};

/// `{name: shape}` of every parameter, in `named_parameters` order (mup's `get_shapes`).
pub fn get_shapes(model: &dyn Module) -> Vec<(String, Vec<usize>)> {
    model.named_parameters().into_iter().map(|(n, p)| (n, p.shape())).collect()
}

/// Base shapes: per parameter, which dimensions are width and their base sizes (the sizes of
/// the infshapes are those of the base model).
#[derive(Clone, Debug, PartialEq)]
pub struct BaseShapes(pub Vec<(String, InfShape)>);

impl BaseShapes {
    /// The base shapes a model carries (every parameter's infshape), `None` for an SP model.
    pub fn of(model: &dyn Module) -> Option<BaseShapes> {
        let v: Option<Vec<(String, InfShape)>> =
            model.named_parameters().into_iter().map(|(n, p)| p.infshape().map(|s| (n, s))).collect();
        v.filter(|v| !v.is_empty()).map(BaseShapes)
    }

    /// `{"name": [base or null, …], …}` in parameter order: what mup's `.bsh` file keeps (a
    /// checkpoint's `base_shapes` metadata).
    pub fn to_json(&self) -> String {
        let m: serde_json::Map<String, serde_json::Value> =
            self.0.iter().map(|(n, s)| (n.clone(), serde_json::json!(s.base_shape()))).collect();
        serde_json::Value::Object(m).to_string()
    }

    /// Reads [`BaseShapes::to_json`]'s text.
    pub fn from_json(text: &str) -> Result<BaseShapes> {
        let bad = |m: String| Error::invalid("base_shapes", m);
        let v: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| bad(format!("not a JSON object of base shapes: {e}")))?;
        let mut out = Vec::new();
        for (name, dims) in v {
            let dims: Vec<Option<usize>> = serde_json::from_value(dims)
                .map_err(|_| bad(format!("parameter '{name}': not a list of sizes or nulls")))?;
            let s = InfShape(dims.iter().map(|&b| super::InfDim { base: b, dim: b.unwrap_or(0) }).collect());
            out.push((name, s));
        }
        Ok(BaseShapes(out))
    }
}

fn check_names(what: &str, a: &[(String, Vec<usize>)], b: &[String]) -> Result<()> {
    let an: Vec<&String> = a.iter().map(|(n, _)| n).collect();
    let extra_a: Vec<&str> = an.iter().filter(|n| !b.contains(n)).map(|n| n.as_str()).collect();
    let extra_b: Vec<&str> = b.iter().filter(|n| !an.contains(n)).map(|n| n.as_str()).collect();
    if extra_a.is_empty() && extra_b.is_empty() {
        return Ok(());
    }
    Err(Error::invalid(
        what,
        format!("the parameter names differ: base has extra {extra_a:?}, the model has extra {extra_b:?}"),
    ))
}

/// mup's `make_base_shapes(base, delta)`: a dimension is width where base and delta differ.
pub fn make_base_shapes(base: &[(String, Vec<usize>)], delta: &[(String, Vec<usize>)]) -> Result<BaseShapes> {
    let names: Vec<String> = delta.iter().map(|(n, _)| n.clone()).collect();
    check_names("base shapes", base, &names)?;
    let mut out = Vec::new();
    for (name, bsh) in base {
        let dsh = &delta.iter().find(|(n, _)| n == name).expect("names checked").1;
        if bsh.len() != dsh.len() {
            return Err(Error::invalid(
                "base shapes",
                format!(
                    "parameter '{name}' has {} dimensions in the base model, {} in the delta",
                    bsh.len(),
                    dsh.len()
                ),
            ));
        }
        out.push((name.clone(), InfShape::zip(bsh, dsh).with_dims(bsh)));
    }
    Ok(BaseShapes(out))
}

/// mup's `set_base_shapes(model, base, rescale_params=rescale)`: attaches each parameter's
/// infshape (the base's width dimensions with the model's sizes), checks that no plain Linear
/// maps a width to a fixed size (that must be a `MuReadout`), and with `rescale` multiplies
/// - a `MuReadout`'s weight and bias by √width_mult,
/// - every other Linear's and Conv2d's bias by √(fan-in width_mult),
///
/// each factor computed in f64 (`x ** 0.5`) and applied as torch's `tensor *= float` (one f32
/// multiply). Draws nothing.
pub fn set_base_shapes(model: &dyn Module, base: &BaseShapes, rescale: bool) -> Result<()> {
    set_base_shapes_keeping(model, base, rescale, &[])
}

/// [`set_base_shapes`] that leaves the parameters named in `keep` as they are (those a
/// `mup.init` scheme set: in mup they are drawn after `set_base_shapes`, so never rescaled).
pub fn set_base_shapes_keeping(model: &dyn Module, base: &BaseShapes, rescale: bool, keep: &[String]) -> Result<()> {
    let shapes = get_shapes(model);
    let names: Vec<String> = base.0.iter().map(|(n, _)| n.clone()).collect();
    check_names("base shapes", &shapes, &names)?;
    for (name, p) in model.named_parameters() {
        let b = &base.0.iter().find(|(n, _)| *n == name).expect("names checked").1;
        let shape = p.shape();
        if b.0.len() != shape.len() {
            return Err(Error::invalid(
                "base shapes",
                format!("parameter '{name}' has {} dimensions, its base shape {}", shape.len(), b.0.len()),
            ));
        }
        p.set_infshape(Some(b.with_dims(&shape)));
    }
    assert_hidden_size_inf(model)?;
    if rescale {
        for (name, m) in model.named_modules() {
            let kept = |local: &str| {
                let full = if name.is_empty() { local.to_string() } else { format!("{name}.{local}") };
                keep.contains(&full)
            };
            if let Some(r) = m.downcast_ref::<MuReadout>() {
                let f = r.width_mult()?.powf(0.5) as f32;
                if !kept("weight") {
                    scale(&r.weight, f);
                }
                if let Some(b) = r.bias.as_ref().filter(|_| !kept("bias")) {
                    scale(b, f);
                }
            } else if let Some(l) = m.downcast_ref::<Linear>() {
                rescale_bias(&l.weight, l.bias.as_ref().filter(|_| !kept("bias")));
            } else if let Some(c) = m.downcast_ref::<Conv2d>() {
                rescale_bias(&c.weight, c.bias.as_ref().filter(|_| !kept("bias")));
            }
        }
    }
    Ok(())
}

fn scale(p: &crate::Tensor, f: f32) {
    p.data_mut().mapv_inplace(|v| v * f);
}

fn rescale_bias(weight: &crate::Tensor, bias: Option<&crate::Tensor>) {
    let Some(b) = bias else { return };
    let fanin = weight.infshape().and_then(|s| s.fanin_fanout()).map_or(1.0, |(i, _)| i.width_mult());
    scale(b, fanin.powf(0.5) as f32);
}

/// mup's `assert_hidden_size_inf`: a plain Linear whose fan-in is width but fan-out is not.
fn assert_hidden_size_inf(model: &dyn Module) -> Result<()> {
    for (name, m) in model.named_modules() {
        if let Some(l) = m.downcast_ref::<Linear>() {
            if let Some((i, o)) = l.weight.infshape().and_then(|s| s.fanin_fanout()) {
                if i.is_inf() && !o.is_inf() {
                    return Err(Error::invalid(
                        format!("layer '{name}'"),
                        "has infinite fan-in and finite fan-out but is not a MuReadout (μP needs the output layer to be one)",
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::spec::from_spec_with_rng;
    use crate::Rng;
    use serde_json::json;

    fn mlp(w: usize, rng: &mut Rng) -> Box<dyn Module> {
        let spec = json!({"type": "Sequential", "layers": [
            {"type": "Linear", "in_features": 2, "out_features": w}, {"type": "ReLU"},
            {"type": "Linear", "in_features": w, "out_features": w}, {"type": "ReLU"},
            {"type": "MuReadout", "in_features": w, "out_features": 3}]});
        from_spec_with_rng(&spec, rng).unwrap()
    }

    #[test]
    fn infshapes_and_rescaling() {
        let r = &mut Rng::new(0);
        let base = make_base_shapes(&get_shapes(&*mlp(4, r)), &get_shapes(&*mlp(8, r))).unwrap();
        let m = mlp(16, &mut Rng::new(3));
        let before: Vec<Vec<f32>> = m.parameters().iter().map(|p| p.to_vec()).collect();
        set_base_shapes(&*m, &base, true).unwrap();
        let s: Vec<String> = m.parameters().iter().map(|p| p.infshape().unwrap().to_string()).collect();
        assert_eq!(
            s,
            [
                "[InfDim(4, 16), FinDim(2)]",
                "[InfDim(4, 16)]",
                "[InfDim(4, 16), InfDim(4, 16)]",
                "[InfDim(4, 16)]",
                "[FinDim(3), InfDim(4, 16)]",
                "[FinDim(3)]"
            ]
        );
        // width_mult 4: √4 = 2 on the hidden bias and the readout; the first layer's fan-in is
        // fixed (its bias keeps its values), hidden weights are not rescaled.
        let after: Vec<Vec<f32>> = m.parameters().iter().map(|p| p.to_vec()).collect();
        for (k, f) in [(0, 1.0f32), (1, 1.0), (2, 1.0), (3, 2.0), (4, 2.0), (5, 2.0)] {
            let want: Vec<f32> = before[k].iter().map(|v| v * f).collect();
            assert_eq!(after[k], want, "parameter {k}");
        }
    }

    #[test]
    fn plain_linear_readout_and_name_mismatch_are_errors() {
        let spec = |w: usize| {
            json!({"type": "Sequential", "layers": [
            {"type": "Linear", "in_features": 2, "out_features": w}, {"type": "ReLU"},
            {"type": "Linear", "in_features": w, "out_features": 3}]})
        };
        let b = |w| from_spec_with_rng(&spec(w), &mut Rng::new(0)).unwrap();
        let base = make_base_shapes(&get_shapes(&*b(4)), &get_shapes(&*b(8))).unwrap();
        let e = set_base_shapes(&*b(16), &base, true).unwrap_err().to_string();
        assert!(e.contains("layer '2'") && e.contains("MuReadout"), "{e}");
        let e = set_base_shapes(&*mlp(16, &mut Rng::new(0)), &base, true).unwrap_err().to_string();
        assert!(e.contains("parameter names differ"), "{e}");
    }
}
