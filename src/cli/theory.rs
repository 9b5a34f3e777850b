//! `initlab theory --act ACT [--act-param P] --sigma-w2 W --sigma-b2 B [--critical] [--depth L
//! --q0 Q] [--json] [--phase-diagram FILE]`: what mean-field theory predicts for a wide network
//! with weights of variance σ_w²/fan_in and biases of variance σ_b², fed inputs of mean square
//! q0: every fixed point of the length map, the one the inputs reach, and where order ends.
//! The text and the diagram are in [`super::theory_text`].

use super::theory_text::{draw_diagram, print_text, Layers};
use crate::error::{Error, Result};
use crate::theory::{grad_ratios, q_layers, Act, Analysis, Critical, Fate, Net, Phase, Quad};
use clap::Args as ClapArgs;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Activation: linear, relu, leaky_relu, tanh, sigmoid, selu, elu, gelu, gelu_tanh, silu,
    /// softplus, erf.
    #[arg(long)]
    pub act: String,
    /// leaky_relu's negative slope (default 0.01), elu's α (default 1) or softplus's β (default 1).
    #[arg(long, allow_hyphen_values = true)]
    pub act_param: Option<f64>,
    /// Weight variance times fan_in (Var(W) = σ_w²/fan_in).
    #[arg(long = "sigma-w2", allow_hyphen_values = true)]
    pub sigma_w2: Option<f64>,
    /// Bias variance.
    #[arg(long = "sigma-b2", allow_hyphen_values = true, default_value_t = 0.0)]
    pub sigma_b2: f64,
    /// Also find the critical σ_w² for this σ_b² and q0, where order ends (χ₁ = 1, q* → ∞, or
    /// the inputs leaving the ordered fixed point's basin); without --sigma-w2 the analysis is
    /// of that point.
    #[arg(long)]
    pub critical: bool,
    /// Per-layer predictions for this many layers.
    #[arg(long)]
    pub depth: Option<usize>,
    /// Mean square of the input's elements: the first layer's variance is q¹ = σ_w² q0 + σ_b²,
    /// and which fixed point the length reaches can depend on it.
    #[arg(long, allow_hyphen_values = true, default_value_t = 1.0)]
    pub q0: f64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Draw the (σ_w², σ_b²) plane for inputs of mean square q0: ξ_c as colour, the critical
    /// line, this point (FILE.png, FILE.svg, and the grid as FILE.csv).
    #[arg(long)]
    pub phase_diagram: Option<PathBuf>,
}

fn check(name: &str, v: f64, min_exclusive: bool) -> Result<()> {
    let ok = v.is_finite() && if min_exclusive { v > 0.0 } else { v >= 0.0 };
    if ok {
        Ok(())
    } else {
        let need = if min_exclusive { "a finite number > 0" } else { "a finite number ≥ 0" };
        Err(Error::invalid(name, format!("must be {need}, got {v}")))
    }
}

/// A JSON number, or null where the value is not finite (∞ depth scale, no fixed point).
pub(super) fn num(v: Option<f64>) -> Value {
    match v {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

pub fn run(args: &Args) -> Result<()> {
    let act = Act::parse(&args.act, args.act_param).map_err(|e| Error::invalid("--act", e))?;
    check("--sigma-b2", args.sigma_b2, false)?;
    check("--q0", args.q0, false)?;
    if let Some(w) = args.sigma_w2 {
        check("--sigma-w2", w, true)?;
    } else if !args.critical {
        return Err(Error::invalid("--sigma-w2", "is required (or pass --critical to analyse the critical point)"));
    }
    if let Some(d) = args.depth {
        if d == 0 || d > 1_000_000 {
            return Err(Error::invalid("--depth", format!("must be between 1 and 1000000, got {d}")));
        }
    }
    if let Some(p) = &args.phase_diagram {
        super::check_out_path(p)?;
    }
    let quad = Quad::default();
    let critical = if args.critical {
        let c = Net::critical(act, args.sigma_b2, args.q0, &quad);
        if c.is_none() && args.sigma_w2.is_none() {
            return Err(Error::invalid(
                "--critical",
                format!(
                    "{} has no critical σ_w² in [1e-9, 1e6] at σ_b² = {}, q0 = {}: it stays ordered",
                    act.label(),
                    args.sigma_b2,
                    args.q0
                ),
            ));
        }
        Some(c)
    } else {
        None
    };
    let w = match (args.sigma_w2, &critical) {
        (Some(w), _) => w,
        (None, Some(Some(c))) => c.sigma_w2,
        _ => unreachable!("checked above"),
    };
    let net = Net::new(act, w, args.sigma_b2);
    let a = net.analyze_with(&quad, args.q0);
    let layers = args.depth.map(|d| {
        let q = q_layers(&net, d, args.q0, &quad);
        let r = grad_ratios(&net, &q, &quad);
        // Std of φ(hˡ) (the activation module's output), hˡ ~ N(0, qˡ).
        let phi_std = q
            .iter()
            .map(|&q| {
                let r = q.sqrt();
                let m2 = quad.expect_scaled(r, |z| act.phi(r * z).powi(2));
                let m1 = quad.expect_scaled(r, |z| act.phi(r * z));
                (m2 - m1 * m1).max(0.0).sqrt()
            })
            .collect();
        (q, r, phi_std)
    });
    if args.json {
        println!("{}", Value::Object(json_object(&a, critical.as_ref(), layers.as_ref())));
    } else {
        print_text(&net, &a, critical.as_ref(), layers.as_ref());
    }
    if let Some(p) = &args.phase_diagram {
        for f in draw_diagram(&net, args.q0, p)? {
            if !args.json {
                println!("wrote {}", f.display());
            }
        }
    }
    Ok(())
}

fn fate_name(f: Fate) -> &'static str {
    match f {
        Fate::Fixed(_) => "fixed",
        Fate::Unbounded => "unbounded",
        Fate::Kept => "kept",
    }
}

/// The reached point's summary, for one side of a critical σ_w².
fn side(w: f64, a: &Analysis) -> Value {
    json!({"sigma_w2": w, "fate": fate_name(a.fate), "q1": a.q1, "q_star": num(a.q_star), "chi1": a.chi1,
           "phase": a.phase.name(), "basin": [a.basin.0, num(Some(a.basin.1))]})
}

fn json_object(a: &Analysis, critical: Option<&Option<Critical>>, layers: Option<&Layers>) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("q_star".into(), num(a.q_star));
    o.insert("chi1".into(), json!(a.chi1));
    o.insert("c_star".into(), num(a.c_star));
    o.insert("xi_c".into(), num(a.xi_c));
    o.insert("xi_q".into(), num(a.xi_q));
    o.insert("phase".into(), json!(a.phase.name()));
    o.insert("q0".into(), json!(a.q0));
    o.insert("q1".into(), json!(a.q1));
    o.insert("fate".into(), json!(fate_name(a.fate)));
    o.insert("basin".into(), json!([a.basin.0, num(Some(a.basin.1))]));
    let points: Vec<Value> = a
        .fixed
        .points
        .iter()
        .map(|p| {
            json!({"q": p.q, "stability": p.stability.name(), "slope": p.slope, "chi1": p.chi1,
                   "phase": Phase::of(p.chi1).name()})
        })
        .collect();
    o.insert("fixed_points".into(), Value::Array(points));
    o.insert("neutral".into(), json!(a.fixed.neutral));
    if let Some(c) = critical {
        o.insert("sigma_w2_critical".into(), num(c.as_ref().map(|c| c.sigma_w2)));
        if let Some(c) = c {
            o.insert(
                "critical".into(),
                json!({
                    "transition": c.transition.name(),
                    "cause": c.cause.map(|x| x.name()),
                    "below": side(c.bracket.0, &c.below),
                    "above": side(c.bracket.1, &c.above),
                }),
            );
        }
    }
    if let Some((q, _, _)) = layers {
        o.insert("q_layers".into(), Value::Array(q.iter().map(|&v| num(Some(v))).collect()));
    }
    o
}

#[cfg(test)]
mod tests {
    #[test]
    fn act_names_list_every_activation() {
        for name in crate::theory::act::ACT_NAMES.split(", ") {
            assert!(super::Act::parse(name, None).is_ok(), "{name}");
        }
    }
}
