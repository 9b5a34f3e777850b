//! The (σ_w², σ_b²) plane for one activation and one input variance q0: ξ_c at the point the
//! inputs reach on a grid, and the critical line (where order ends for those inputs), computed
//! in parallel with the coarse quadrature (1e-7 is plenty for a picture).

use super::act::Act;
use super::critical::Transition;
use super::maps::Net;
use super::quad::Quad;
use rayon::prelude::*;

/// ξ_c over a grid and the order-to-chaos line.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagram {
    /// σ_w² of the columns (cell centres).
    pub sigma_w2: Vec<f64>,
    /// σ_b² of the rows.
    pub sigma_b2: Vec<f64>,
    /// `xi_c[j][i]` at (sigma_w2[i], sigma_b2[j]); ∞ exactly at criticality, NaN where the
    /// length grows without bound from the inputs.
    pub xi_c: Vec<Vec<f64>>,
    /// (σ_b², critical σ_w², how order ends) along finely spaced σ_b², where a critical σ_w²
    /// exists.
    pub critical: Vec<(f64, f64, Transition)>,
}

/// Cell centres of `n` equal cells over (0, max].
fn centres(max: f64, n: usize) -> Vec<f64> {
    (0..n).map(|i| max * (i as f64 + 0.5) / n as f64).collect()
}

pub fn diagram(act: Act, w_max: f64, b_max: f64, nw: usize, nb: usize, q0: f64) -> Diagram {
    let quad = Quad::coarse();
    let sigma_w2 = centres(w_max, nw);
    let sigma_b2 = centres(b_max, nb);
    let cells: Vec<(usize, usize)> = (0..nb).flat_map(|j| (0..nw).map(move |i| (j, i))).collect();
    let values: Vec<f64> = cells
        .par_iter()
        .map(|&(j, i)| Net::new(act, sigma_w2[i], sigma_b2[j]).analyze_with(&quad, q0).xi_c.unwrap_or(f64::NAN))
        .collect();
    let xi_c = values.chunks(nw.max(1)).map(|r| r.to_vec()).collect();
    let line_b: Vec<f64> = (0..=60).map(|k| b_max * k as f64 / 60.0).collect();
    let critical = line_b
        .par_iter()
        .filter_map(|&b| Net::critical(act, b, q0, &quad).map(|c| (b, c.sigma_w2, c.transition)))
        .collect();
    Diagram { sigma_w2, sigma_b2, xi_c, critical }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu_diagram_is_ordered_left_of_two() {
        let d = diagram(Act::Relu, 3.0, 0.5, 6, 2, 1.0);
        assert_eq!(d.sigma_w2, vec![0.25, 0.75, 1.25, 1.75, 2.25, 2.75]);
        for row in &d.xi_c {
            for (w, xi) in d.sigma_w2.iter().zip(row) {
                if *w < 2.0 {
                    assert!((xi + 1.0 / (w / 2.0).ln()).abs() < 1e-6, "σ_w² {w}: {xi}");
                } else {
                    assert!(xi.is_nan(), "no finite q* beyond 2");
                }
            }
        }
        assert_eq!(d.critical.len(), 61);
        assert!(d.critical.iter().all(|&(_, w, _)| (w - 2.0).abs() < 1e-7));
    }

    #[test]
    fn coarse_rule_is_close_enough_for_pictures() {
        // A chaotic and an ordered tanh point (scipy: ξ_c 11.7956 and 5.94454).
        let coarse = Quad::coarse();
        let a = Net::new(Act::Tanh, 2.5, 0.05).analyze_with(&coarse, 1.0);
        assert!((a.xi_c.unwrap() - 11.795_597_515_877_635).abs() < 1e-3, "{:?}", a.xi_c);
        assert!((a.c_star.unwrap() - 0.446_804_232_344_269_36).abs() < 1e-5);
        let a = Net::new(Act::Tanh, 1.2, 0.05).analyze_with(&coarse, 1.0);
        assert!((a.xi_c.unwrap() - 5.944_535_756_013_522).abs() < 1e-4, "{:?}", a.xi_c);
        let w = Net::critical(Act::Tanh, 0.05, 1.0, &coarse).unwrap().sigma_w2;
        assert!((w - 1.760_954_639_606_739_3).abs() < 1e-5, "{w}");
    }
}
