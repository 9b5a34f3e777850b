//! `initlab theory`'s text: the fixed points, where the inputs go, the critical σ_w² said in
//! words, the per-layer table; and `--phase-diagram`.

use crate::error::Result;
use crate::io::numbers::{human, shortest};
use crate::lab::views::plot::{save_heatmap, Heatmap, Series};
use crate::lab::views::report::text_table;
use crate::theory::diagram::diagram;
use crate::theory::{Analysis, Critical, Fate, JumpCause, Net, Phase, Quad, Stability, Transition};
use std::path::{Path, PathBuf};

/// qˡ, the gradient ratio per layer and the std of φ(hˡ), for l = 1…L.
pub type Layers = (Vec<f64>, Vec<f64>, Vec<f64>);

/// A number for people: 6 decimals in [10⁻³, 10⁶), else 6 significant digits in exponent form.
fn g(x: f64) -> String {
    if x.is_infinite() {
        "∞".into()
    } else if x == 0.0 || (1e-3..1e6).contains(&x.abs()) {
        format!("{x:.6}")
    } else {
        format!("{x:.5e}")
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map(g).unwrap_or_else(|| "none".into())
}

/// The input mean square q0 whose first-layer variance is `q1`, when there is one.
fn q0_of(net: &Net, q1: f64) -> Option<f64> {
    let q0 = (q1 - net.sigma_b2) / net.sigma_w2;
    (q0 >= 0.0).then_some(q0)
}

/// "from first-layer variances below 1.665 (q0 < 0.646) …": one clause per outcome, when the
/// outcome depends on the input.
fn basins(net: &Net, a: &Analysis) -> Vec<String> {
    let p = &a.fixed.points;
    let bounds: Vec<f64> = p.iter().filter(|x| x.stability == Stability::Unstable && x.q > 0.0).map(|x| x.q).collect();
    if bounds.is_empty() {
        return vec![];
    }
    let range = |lo: f64, hi: f64| {
        let q0 = |q: f64, op: &str| q0_of(net, q).map(|v| format!(" (q0 {op} {})", g(v))).unwrap_or_default();
        match (lo > 0.0, hi.is_finite()) {
            (false, true) => format!("below {}{}", g(hi), q0(hi, "<")),
            (true, false) => format!("above {}{}", g(lo), q0(lo, ">")),
            (false, false) => "of any size".into(),
            (true, true) => format!("between {} and {}", g(lo), g(hi)),
        }
    };
    let mut out = Vec::new();
    for (i, x) in p.iter().enumerate() {
        if x.stability == Stability::Stable {
            let (lo, hi) = a.fixed.basin(Fate::Fixed(i));
            out.push(format!("from first-layer variances {} the length settles at q* = {}", range(lo, hi), g(x.q)));
        }
    }
    if a.fixed.grows_above {
        let lo = p.last().map(|x| x.q).unwrap_or(0.0);
        out.push(format!("from first-layer variances {} the length grows without bound", range(lo, f64::INFINITY)));
    }
    out
}

fn side_words(a: &Analysis) -> String {
    match a.q_star {
        None => format!("the length grows without bound (χ₁ → {:.6})", a.chi1),
        Some(q) => format!("q* = {} (χ₁ {:.6}, {})", g(q), a.chi1, a.phase.name()),
    }
}

fn critical_words(net: &Net, q0: f64, c: &Critical) -> String {
    let at = format!("σ_b² = {}, inputs of mean square q0 = {}", net.sigma_b2, q0);
    match c.transition {
        Transition::Chi1 => format!(
            "critical σ_w²  {:.6}   (χ₁ = 1 at the fixed point the inputs reach, q* = {}; {at})",
            c.sigma_w2,
            fmt(c.below.q_star)
        ),
        Transition::Infinity => format!(
            "critical σ_w²  {:.6}   (below it the fixed point the inputs reach runs off to infinity as χ₁ → 1; above it the length grows without bound; {at})",
            c.sigma_w2
        ),
        Transition::Jump => {
            let how = match c.cause {
                Some(JumpCause::Fold) => format!(
                    "the ordered fixed point {} merges with the unstable one and disappears",
                    fmt(c.below.q_star)
                ),
                _ => format!(
                    "the first layer's q¹ = σ_w²·q0 + σ_b² = {} passes the unstable fixed point bounding the ordered basin",
                    g(c.below.q1)
                ),
            };
            format!(
                "critical σ_w²  {:.6}   a jump, not χ₁ = 1: there {how}; just below, the inputs reach {}; just above, {} ({at})",
                c.sigma_w2,
                side_words(&c.below),
                side_words(&c.above)
            )
        }
    }
}

pub fn print_text(net: &Net, a: &Analysis, critical: Option<&Option<Critical>>, layers: Option<&Layers>) {
    println!("{}, σ_w² = {}, σ_b² = {}", net.act.label(), human(net.sigma_w2), human(net.sigma_b2));
    println!("inputs of mean square q0 = {}: first-layer variance q¹ = σ_w²·q0 + σ_b² = {}", a.q0, g(a.q1));
    if let Some(c) = critical {
        match c {
            Some(c) => println!("{}", critical_words(net, a.q0, c)),
            None => println!("critical σ_w²  none: ordered at every σ_w² up to 1e6 for these inputs"),
        }
    }
    if a.fixed.neutral {
        println!("fixed points: every q (the length map is q ↦ q)");
    } else {
        println!("fixed points of q ↦ σ_w² E[φ(√q z)²] + σ_b²:");
        if a.fixed.points.is_empty() {
            println!("  none");
        }
        for p in &a.fixed.points {
            println!(
                "  q = {:<12}  {:<8}  slope {:.6}  χ₁ {:.6}  {}",
                g(p.q),
                p.stability.name(),
                p.slope,
                p.chi1,
                Phase::of(p.chi1).name()
            );
        }
    }
    for b in basins(net, a) {
        println!("  {b}");
    }
    match a.fate {
        Fate::Unbounded => {
            println!("q*    none: from q¹ = {} the length grows without bound", g(a.q1));
            println!("χ₁    {:.6}   (its limit σ_w²·lim E[φ′(√q z)²] as q grows)", a.chi1);
        }
        _ => {
            let how = if a.fate == Fate::Kept {
                "every q is fixed: the length stays at q¹"
            } else {
                "the fixed point q¹ reaches"
            };
            println!("q*    {}   ({how})", fmt(a.q_star));
            println!("χ₁    {:.6}   (σ_w² E[φ′(√q* z)²]: gradient variance ratio per layer)", a.chi1);
        }
    }
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
pub fn draw_diagram(net: &Net, q0: f64, path: &Path) -> Result<Vec<PathBuf>> {
    let b_max = (1.5 * net.sigma_b2).max(0.5);
    let crit_top = Net::critical(net.act, b_max, q0, &Quad::coarse()).map(|c| c.sigma_w2).unwrap_or(4.0);
    let w_max = (1.3 * crit_top).max(1.3 * net.sigma_w2).clamp(3.0, 1e4);
    let d = diagram(net.act, w_max, b_max, 48, 32, q0);
    let stem = match path.extension().and_then(|e| e.to_str()) {
        Some("png") | Some("svg") | Some("csv") => path.with_extension(""),
        _ => path.to_path_buf(),
    };
    let mut csv = String::from("sigma_w2,sigma_b2,xi_c\n");
    for (j, row) in d.xi_c.iter().enumerate() {
        for (i, v) in row.iter().enumerate() {
            let v = if v.is_nan() { String::new() } else { shortest(*v) };
            csv.push_str(&format!("{},{},{}\n", shortest(d.sigma_w2[i]), shortest(d.sigma_b2[j]), v));
        }
    }
    let mut csv_path = stem.as_os_str().to_owned();
    csv_path.push(".csv");
    let csv_path = PathBuf::from(csv_path);
    crate::io::write_atomic(&csv_path, csv.as_bytes())?;
    // One line per way order ends: χ₁ = 1 (or q* → ∞ with χ₁ → 1), and the jumps.
    let line = |label: &str, jump: bool| {
        let pts: Vec<&(f64, f64, Transition)> =
            d.critical.iter().filter(|c| (c.2 == Transition::Jump) == jump).collect();
        Series {
            label: label.into(),
            x: pts.iter().map(|c| c.1).collect(),
            y: pts.iter().map(|c| c.0).collect(),
            ..Default::default()
        }
    };
    let lines: Vec<Series> =
        [line("critical line (χ₁ = 1)", false), line("jump: the inputs leave the ordered basin", true)]
            .into_iter()
            .filter(|s| !s.x.is_empty())
            .collect();
    let h = Heatmap {
        title: format!("{}: depth scale ξ_c over (σ_w², σ_b²), inputs of mean square {q0}", net.act.label()),
        x_label: "σ_w²".into(),
        y_label: "σ_b²".into(),
        z_label: "ξ_c (log)".into(),
        x: d.sigma_w2,
        y: d.sigma_b2,
        // Depth scales above 1000 layers (the critical line itself) share the top colour.
        z: d.xi_c.iter().map(|r| r.iter().map(|&v| if v.is_nan() { v } else { v.min(1e3) }).collect()).collect(),
        z_range: None,
        log_z: true,
        lines,
        points: vec![(
            format!("σ_w² = {}, σ_b² = {}", human(net.sigma_w2), human(net.sigma_b2)),
            net.sigma_w2,
            net.sigma_b2,
        )],
        label_rows: false,
    };
    let mut out = save_heatmap(&h, &stem)?;
    out.push(csv_path);
    Ok(out)
}
