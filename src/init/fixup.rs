//! Model-level schemes for residual networks, resolved into one concrete scheme per parameter
//! (what the rules then apply and report):
//!
//! - `fixup` (Zhang, Dauphin & Ma 2019). With L Residual blocks in the model: inside each
//!   Residual body with m weight layers (Linear/Conv2d, in forward order, not counting those of
//!   a Residual nested in it, which is a block of its own), all but the last get He init
//!   (kaiming_normal, fan_in, relu: N(0, 2/fan_in)) scaled by L^(−1/(2m−2)), the last gets
//!   zeros (m = 1: that one layer is zeroed); the model's final Linear outside every Residual
//!   gets zero weight and bias; every other Linear/Conv2d bias is zero; every other weight
//!   (stem, shortcuts) keeps He init. Norm layers and gates are left as they are.
//! - `zero_init_residual` (Goyal et al. 2017; torchvision's `zero_init_residual=True`): the
//!   weight of the last normalization layer (BatchNorm*/LayerNorm) of each Residual body is zero;
//!   nothing else changes.
//!
//! SkipInit / ReZero need no scheme: `Residual.gate=zeros` (a type selector) zeroes every gate.

use super::fan::fans;
use super::scheme::Scheme;
use crate::error::{Error, Result};
use crate::nn::{Conv2d, Linear, Module, Residual};
use std::collections::HashMap;

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// `name` is `prefix` or inside it.
fn under(name: &str, prefix: &str) -> bool {
    prefix.is_empty() || name == prefix || name.starts_with(&format!("{prefix}."))
}

fn is_weight_layer(m: &dyn Module) -> bool {
    m.is::<Linear>() || m.is::<Conv2d>()
}

fn is_norm(m: &dyn Module) -> bool {
    m.type_name().contains("Norm")
}

/// One Residual block: the modules of its body that belong to it (not to a nested block).
struct Block {
    /// (name, module) in forward (pre-)order.
    members: Vec<String>,
}

/// Every Residual of `model` with its own body members, and the names of all Residuals.
fn blocks(model: &dyn Module) -> (Vec<Block>, Vec<String>) {
    let all = model.named_modules();
    let residuals: Vec<String> = all.iter().filter(|(_, m)| m.is::<Residual>()).map(|(n, _)| n.clone()).collect();
    let blocks = residuals
        .iter()
        .map(|r| {
            let body = join(r, "body");
            let nested: Vec<&String> = residuals.iter().filter(|n| *n != r && under(n, &body)).collect();
            let members = all
                .iter()
                .filter(|(n, _)| under(n, &body) && !nested.iter().any(|q| under(n, q)))
                .map(|(n, _)| n.clone())
                .collect();
            Block { members }
        })
        .collect();
    (blocks, residuals)
}

fn module<'a>(model: &'a dyn Module, name: &str) -> &'a dyn Module {
    model.named_modules().into_iter().find(|(n, _)| n == name).map(|(_, m)| m).expect("a module of the model")
}

fn weight_shape(m: &dyn Module) -> Vec<usize> {
    m.own_parameters().into_iter().find(|(n, _)| *n == "weight").map(|(_, p)| p.shape()).unwrap_or_default()
}

/// He init N(0, 2/fan_in) times `scale`.
fn he(m: &dyn Module, scale: f64) -> Result<Scheme> {
    let (fan_in, _) = fans(&weight_shape(m))?;
    Ok(Scheme::Normal { mean: 0.0, std: scale * (2.0 / fan_in.max(1) as f64).sqrt() })
}

/// The `fixup` scheme of every Linear/Conv2d parameter of `model`, by dotted parameter name.
pub fn fixup_plan(model: &dyn Module) -> Result<HashMap<String, Scheme>> {
    let (blocks, residuals) = blocks(model);
    if blocks.is_empty() {
        return Err(Error::invalid(
            "fixup",
            "the model has no Residual blocks (L = 0); Fixup scales the branches of a residual network",
        ));
    }
    let l = blocks.len() as f64;
    let mut weights: HashMap<String, Scheme> = HashMap::new();
    for b in &blocks {
        let layers: Vec<&String> = b.members.iter().filter(|n| is_weight_layer(module(model, n))).collect();
        let m = layers.len();
        for (i, name) in layers.iter().enumerate() {
            let s = if i + 1 == m {
                Scheme::Zeros
            } else {
                he(module(model, name), l.powf(-1.0 / (2.0 * m as f64 - 2.0)))?
            };
            weights.insert((*name).clone(), s);
        }
    }
    let outside: Vec<(String, &dyn Module)> = model
        .named_modules()
        .into_iter()
        .filter(|(n, m)| is_weight_layer(*m) && !residuals.iter().any(|r| under(n, r)))
        .collect();
    let last_linear = outside.iter().rev().find(|(_, m)| m.is::<Linear>()).map(|(n, _)| n.clone());
    let mut plan = HashMap::new();
    for (name, m) in model.named_modules() {
        if !is_weight_layer(m) {
            continue;
        }
        let w = match weights.get(&name) {
            Some(s) => s.clone(),
            None if Some(&name) == last_linear.as_ref() => Scheme::Zeros,
            None => he(m, 1.0)?,
        };
        for (local, _) in m.own_parameters() {
            let s = if local == "weight" { w.clone() } else { Scheme::Zeros };
            plan.insert(join(&name, local), s);
        }
    }
    Ok(plan)
}

/// The `zero_init_residual` scheme: zeros for the weight of the last norm layer of each body.
pub fn zero_init_residual_plan(model: &dyn Module) -> HashMap<String, Scheme> {
    let (blocks, _) = blocks(model);
    let mut plan = HashMap::new();
    for b in &blocks {
        let last = b.members.iter().rev().find(|n| is_norm(module(model, n)));
        if let Some(n) = last {
            if module(model, n).own_parameters().iter().any(|(p, _)| *p == "weight") {
                plan.insert(join(n, "weight"), Scheme::Zeros);
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::Rules;
    use crate::nn::spec::from_spec_with_rng;
    use crate::rng::Rng;
    use serde_json::json;

    fn lin(i: usize, o: usize) -> serde_json::Value {
        json!({"type": "Linear", "in_features": i, "out_features": o})
    }

    /// Stem, 3 blocks of 2 (the second with BN), a block of 3 with a nested block of 2, head.
    fn model() -> Box<dyn Module> {
        let res = |layers: Vec<serde_json::Value>| json!({"type": "Residual", "body": {"type": "Sequential", "layers": layers}});
        let bn = json!({"type": "BatchNorm1d", "num_features": 64});
        let spec = json!({"type": "Sequential", "layers": [
            lin(8, 64),
            res(vec![lin(64, 64), json!({"type": "ReLU"}), lin(64, 64)]),
            res(vec![lin(64, 64), bn.clone(), json!({"type": "ReLU"}), lin(64, 64), bn]),
            res(vec![lin(64, 64), json!({"type": "ReLU"}), lin(64, 64), res(vec![lin(64, 64), json!({"type": "ReLU"}), lin(64, 64)]), lin(64, 64)]),
            lin(64, 3)]});
        from_spec_with_rng(&spec, &mut Rng::new(0)).unwrap()
    }

    #[test]
    fn fixup_plan_layer_by_layer() {
        let m = model();
        let plan = fixup_plan(m.as_ref()).unwrap();
        let he = (2.0f64 / 64.0).sqrt();
        let normal = |std: f64| Scheme::Normal { mean: 0.0, std };
        // L = 4 blocks: m = 2 → scale 4^(−1/2); the m = 3 block → 4^(−1/4).
        assert_eq!(plan["0.weight"], normal((2.0f64 / 8.0).sqrt()));
        assert_eq!(plan["1.body.0.weight"], normal(he * 0.5));
        assert_eq!(plan["1.body.2.weight"], Scheme::Zeros);
        assert_eq!(plan["2.body.3.weight"], Scheme::Zeros);
        assert_eq!(plan["3.body.0.weight"], normal(he * 4f64.powf(-0.25)));
        assert_eq!(plan["3.body.2.weight"], normal(he * 4f64.powf(-0.25)));
        assert_eq!(plan["3.body.4.weight"], Scheme::Zeros);
        assert_eq!(plan["3.body.3.body.0.weight"], normal(he * 0.5));
        assert_eq!(plan["3.body.3.body.2.weight"], Scheme::Zeros);
        assert_eq!((&plan["4.weight"], &plan["4.bias"]), (&Scheme::Zeros, &Scheme::Zeros));
        assert!(plan.iter().filter(|(n, _)| n.ends_with("bias")).all(|(_, s)| *s == Scheme::Zeros));
        assert!(!plan.contains_key("2.body.1.weight"), "norm layers are left alone");
        let zir = zero_init_residual_plan(m.as_ref());
        assert_eq!(zir.keys().collect::<Vec<_>>(), ["2.body.4.weight"]);
        let flat = from_spec_with_rng(&json!({"type": "Sequential", "layers": [lin(2, 2)]}), &mut Rng::new(0)).unwrap();
        assert!(fixup_plan(flat.as_ref()).unwrap_err().to_string().contains("no Residual blocks"));
    }

    #[test]
    fn fixup_through_the_rules_fills_the_measured_values() {
        let m = model();
        let report = Rules::parse("fixup").unwrap().apply(m.as_ref(), &mut Rng::new(5)).unwrap();
        let p: HashMap<String, Vec<f32>> = m.named_parameters().into_iter().map(|(n, p)| (n, p.to_vec())).collect();
        let std = |v: &[f32]| (v.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        // 4096 values: the measured std is within 5% of the target.
        let want = 0.5 * (2.0f64 / 64.0).sqrt();
        assert!((std(&p["1.body.0.weight"]) / want - 1.0).abs() < 0.05, "{}", std(&p["1.body.0.weight"]));
        assert!(p["1.body.2.weight"].iter().chain(&p["4.weight"]).chain(&p["4.bias"]).all(|&x| x == 0.0));
        assert!(p["2.body.1.weight"].iter().all(|&x| x == 1.0));
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        // Later rules still win: kaiming everywhere, then the last BN weight of each body zero.
        let m = model();
        Rules::parse("kaiming_normal(nonlinearity=relu);zero_init_residual")
            .unwrap()
            .apply(m.as_ref(), &mut Rng::new(5))
            .unwrap();
        let p: HashMap<String, Vec<f32>> = m.named_parameters().into_iter().map(|(n, p)| (n, p.to_vec())).collect();
        assert!(p["2.body.4.weight"].iter().all(|&x| x == 0.0) && p["2.body.1.weight"].iter().all(|&x| x == 1.0));
        assert!((std(&p["1.body.2.weight"]) / (2.0f64 / 64.0).sqrt() - 1.0).abs() < 0.05);
    }
}
