//! `initlab theory --act ACT [--act-param P] --sigma-w2 W --sigma-b2 B [--critical] [--depth L
//! --q0 Q] [--json] [--phase-diagram FILE]`: what mean-field theory predicts for a wide network
//! with weights of variance σ_w²/fan_in and biases of variance σ_b².

use crate::error::{Error, Result};
use crate::lab::views::plot::{save_heatmap, Heatmap, Series};
use crate::lab::views::report::text_table;
use crate::theory::diagram::diagram;
use crate::theory::{grad_ratios, q_layers, Act, Analysis, Net, Quad};
use clap::Args as ClapArgs;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Activation: linear, relu, leaky_relu, tanh, sigmoid, selu, elu, gelu, silu, softplus, erf.
    #[arg(long)]
    pub act: String,
    /// leaky_relu's negative slope (default 0.01) or elu's α (default 1).
    #[arg(long, allow_hyphen_values = true)]
    pub act_param: Option<f64>,
    /// Weight variance times fan_in (Var(W) = σ_w²/fan_in).
    #[arg(long = "sigma-w2", allow_hyphen_values = true)]
    pub sigma_w2: Option<f64>,
    /// Bias variance.
    #[arg(long = "sigma-b2", allow_hyphen_values = true, default_value_t = 0.0)]
    pub sigma_b2: f64,
    /// Also find the critical σ_w² (χ₁ = 1) for this σ_b²; without --sigma-w2 the analysis is
    /// of the critical point.
    #[arg(long)]
    pub critical: bool,
    /// Per-layer predictions for this many layers.
    #[arg(long)]
    pub depth: Option<usize>,
    /// Mean square of the input's elements (q¹ = σ_w² q0 + σ_b²).
    #[arg(long, allow_hyphen_values = true, default_value_t = 1.0)]
    pub q0: f64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Draw the (σ_w², σ_b²) plane: ξ_c as colour, the critical line, this point (FILE.png,
    /// FILE.svg, and the grid as FILE.csv).
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
fn num(v: Option<f64>) -> Value {
    match v {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

fn fmt(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_infinite() => "∞".into(),
        Some(x) => format!("{x:.6}"),
        None => "none".into(),
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
        let c = Net::critical_sigma_w2(act, args.sigma_b2, &quad);
        if c.is_none() && args.sigma_w2.is_none() {
            return Err(Error::invalid(
                "--critical",
                format!("{} has no critical σ_w² ≤ 1e6 at σ_b² = {}: χ₁ stays below 1", act.label(), args.sigma_b2),
            ));
        }
        Some(c)
    } else {
        None
    };
    let w = args.sigma_w2.or(critical.flatten()).expect("checked above");
    let net = Net::new(act, w, args.sigma_b2);
    let a = net.analyze();
    let layers = args.depth.map(|d| {
        let q = q_layers(&net, d, args.q0, &quad);
        let r = grad_ratios(&net, &q, &quad);
        // Std of φ(hˡ) (the activation module's output), hˡ ~ N(0, qˡ).
        let phi_std = q
            .iter()
            .map(|&q| {
                let (m2, m1) = (quad.expect(|z| act.phi(q.sqrt() * z).powi(2)), quad.expect(|z| act.phi(q.sqrt() * z)));
                (m2 - m1 * m1).max(0.0).sqrt()
            })
            .collect();
        (q, r, phi_std)
    });
    if args.json {
        let mut o = Map::new();
        o.insert("q_star".into(), num(a.q_star));
        o.insert("chi1".into(), json!(a.chi1));
        o.insert("c_star".into(), num(a.c_star));
        o.insert("xi_c".into(), num(a.xi_c));
        o.insert("xi_q".into(), num(a.xi_q));
        o.insert("phase".into(), json!(a.phase.name()));
        if let Some(c) = critical {
            o.insert("sigma_w2_critical".into(), num(c));
        }
        if let Some((q, _, _)) = &layers {
            o.insert("q_layers".into(), Value::Array(q.iter().map(|&v| num(Some(v))).collect()));
        }
        println!("{}", Value::Object(o));
    } else {
        print_text(&net, &a, critical, layers.as_ref());
    }
    if let Some(p) = &args.phase_diagram {
        for f in draw_diagram(&net, p)? {
            if !args.json {
                println!("wrote {}", f.display());
            }
        }
    }
    Ok(())
}

type Layers = (Vec<f64>, Vec<f64>, Vec<f64>);

fn print_text(net: &Net, a: &Analysis, critical: Option<Option<f64>>, layers: Option<&Layers>) {
    println!("{}, σ_w² = {}, σ_b² = {}", net.act.label(), net.sigma_w2, net.sigma_b2);
    if let Some(c) = critical {
        match c {
            Some(w) => println!("critical σ_w²  {w:.6}   (χ₁ = 1 at σ_b² = {})", net.sigma_b2),
            None => println!("critical σ_w²  none: χ₁ stays below 1 up to σ_w² = 1e6"),
        }
    }
    if a.q_star.is_none() {
        println!("q*    none: no finite attracting fixed point (the length map grows without bound, or is neutral)");
    } else {
        println!("q*    {}   (fixed point of q ↦ σ_w² E[φ(√q z)²] + σ_b²)", fmt(a.q_star));
    }
    println!("χ₁    {:.6}   (σ_w² E[φ′(√q* z)²]: gradient variance ratio per layer)", a.chi1);
    println!("c*    {}", fmt(a.c_star));
    println!("ξ_c   {}   (depth scale of correlations)", fmt(a.xi_c));
    println!("ξ_q   {}   (depth scale of the length)", fmt(a.xi_q));
    println!("phase {}", a.phase.name());
    if let Some((q, r, phi_std)) = layers {
        // Gradient variance at layer l relative to the last: the product of the ratios after it.
        let mut rel = vec![1.0; q.len()];
        for l in (0..q.len().saturating_sub(1)).rev() {
            rel[l] = rel[l + 1] * r[l];
        }
        let header: Vec<String> = ["layer", "q", "std √q", "φ(h) std", "grad ratio", "grad var / last"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let keep = |l: usize| q.len() <= 30 || l < 5 || (l + 1).is_multiple_of(10) || l + 1 == q.len();
        let rows: Vec<Vec<String>> = (0..q.len())
            .filter(|&l| keep(l))
            .map(|l| {
                vec![
                    (l + 1).to_string(),
                    format!("{:.6e}", q[l]),
                    format!("{:.6e}", q[l].sqrt()),
                    format!("{:.6e}", phi_std[l]),
                    format!("{:.6}", r[l]),
                    format!("{:.6e}", rel[l]),
                ]
            })
            .collect();
        print!("{}", text_table(&header, &rows));
    }
}

/// The diagram's ranges: enough to show the critical line and the user's point.
fn draw_diagram(net: &Net, path: &std::path::Path) -> Result<Vec<PathBuf>> {
    let b_max = (1.5 * net.sigma_b2).max(0.5);
    let crit_top = Net::critical_sigma_w2(net.act, b_max, &Quad::coarse()).unwrap_or(4.0);
    let w_max = (1.3 * crit_top).max(1.3 * net.sigma_w2).clamp(3.0, 1e4);
    let d = diagram(net.act, w_max, b_max, 48, 32);
    let stem = match path.extension().and_then(|e| e.to_str()) {
        Some("png") | Some("svg") | Some("csv") => path.with_extension(""),
        _ => path.to_path_buf(),
    };
    let mut csv = String::from("sigma_w2,sigma_b2,xi_c\n");
    for (j, row) in d.xi_c.iter().enumerate() {
        for (i, v) in row.iter().enumerate() {
            let v = if v.is_nan() { String::new() } else { v.to_string() };
            csv.push_str(&format!("{},{},{}\n", d.sigma_w2[i], d.sigma_b2[j], v));
        }
    }
    let mut csv_path = stem.as_os_str().to_owned();
    csv_path.push(".csv");
    let csv_path = PathBuf::from(csv_path);
    crate::io::write_atomic(&csv_path, csv.as_bytes())?;
    let line = Series {
        label: "critical line (χ₁ = 1)".into(),
        x: d.critical.iter().map(|c| c.1).collect(),
        y: d.critical.iter().map(|c| c.0).collect(),
        ..Default::default()
    };
    let h = Heatmap {
        title: format!("{}: depth scale ξ_c over (σ_w², σ_b²)", net.act.label()),
        x_label: "σ_w²".into(),
        y_label: "σ_b²".into(),
        z_label: "ξ_c (log)".into(),
        x: d.sigma_w2,
        y: d.sigma_b2,
        // Depth scales above 1000 layers (the critical line itself) share the top colour.
        z: d.xi_c.iter().map(|r| r.iter().map(|&v| if v.is_nan() { v } else { v.min(1e3) }).collect()).collect(),
        z_range: None,
        log_z: true,
        lines: vec![line],
        points: vec![(format!("σ_w² = {}, σ_b² = {}", net.sigma_w2, net.sigma_b2), net.sigma_w2, net.sigma_b2)],
    };
    let mut out = save_heatmap(&h, &stem)?;
    out.push(csv_path);
    Ok(out)
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
