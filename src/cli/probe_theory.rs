//! The theory's additions to `initlab probe`: the predicted columns of the CSV, the predicted
//! curves on the plot, and `--jacobian FILE` (singular values of the first sample's input–output
//! Jacobian with the isometry measures).

use crate::error::Result;
use crate::io::write_atomic;
use crate::lab::instruments::taps::LayerStat;
use crate::lab::views::plot::{Figure, Series};
use crate::theory::svd::isometry_stats;
use crate::theory::StepPrediction;
use std::path::Path;

/// The CSV header's extra columns.
pub const CSV_COLUMNS: &str = ",predicted_act_std,predicted_grad_std";

/// The extra CSV fields of layer `i`: empty where the theory does not apply.
pub fn csv_fields(predicted: Option<&[StepPrediction]>, i: usize) -> String {
    match predicted.and_then(|p| p.get(i)) {
        Some(p) => format!(",{},{}", p.act_std, p.grad_std),
        None => ",,".into(),
    }
}

/// One line under the probe's table: how far the measurement is from the prediction.
pub fn print_agreement(stats: &[LayerStat], predicted: Option<&[StepPrediction]>) {
    match predicted {
        None => println!("theory: not applicable (only chains of Linear layers and elementwise activations)"),
        Some(p) => {
            let worst = |f: &dyn Fn(&LayerStat, &StepPrediction) -> f64| {
                stats.iter().zip(p).map(|(s, p)| f(s, p)).filter(|r| r.is_finite()).fold(0.0f64, f64::max)
            };
            let act = worst(&|s, p| (s.act_std / p.act_std - 1.0).abs());
            let grad = worst(&|s, p| (s.grad_std / p.grad_std - 1.0).abs());
            println!(
                "theory (from realized weight/bias variances): act std within {:.1}%, grad std within {:.1}% of the prediction",
                100.0 * act,
                100.0 * grad
            );
        }
    }
}

/// Adds a dashed-by-name "(theory)" line per init with predictions to the plot's two panels.
pub fn add_predicted(fig: &mut Figure, runs: &[(String, Option<Vec<StepPrediction>>)]) {
    for (label, predicted) in runs {
        let Some(p) = predicted else { continue };
        let x: Vec<f64> = (1..=p.len()).map(|d| d as f64).collect();
        let series = |y: Vec<f64>| Series { label: format!("{label} (theory)"), x: x.clone(), y, ..Default::default() };
        if let [act, grad] = &mut fig.panels[..] {
            act.series.push(series(p.iter().map(|p| p.act_std).collect()));
            grad.series.push(series(p.iter().map(|p| p.grad_std).collect()));
        }
    }
}

/// Writes the singular values (`init,singular_value` with several inits) and prints, per init,
/// the mean of λ = s² and the variance of λ over the eigenvalues of JJᵀ.
pub fn write_jacobian(path: &Path, spectra: &[(String, Vec<f64>)], several: bool) -> Result<()> {
    let mut csv = String::from(if several { "init,singular_value\n" } else { "singular_value\n" });
    for (label, s) in spectra {
        for v in s {
            if several {
                csv.push_str(&csv_field(label));
                csv.push(',');
            }
            csv.push_str(&format!("{v}\n"));
        }
    }
    write_atomic(path, csv.as_bytes())?;
    for (label, s) in spectra {
        let (mean, var) = isometry_stats(s);
        let (max, min) = (s.first().copied().unwrap_or(f64::NAN), s.last().copied().unwrap_or(f64::NAN));
        let who = if several { format!("{label}: ") } else { String::new() };
        println!(
            "{who}Jacobian {} singular values: mean square {mean:.6}, variance of JJᵀ eigenvalues {var:.6}, max {max:.4e}, min {min:.4e}",
            s.len()
        );
    }
    println!("wrote {}", path.display());
    Ok(())
}

/// A CSV field, quoted when it holds a comma, quote or newline.
pub(super) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
