//! The σ_w² at which, for inputs of mean square q0 and a given σ_b², a network stops being
//! ordered: χ₁ reaches 1 at the fixed point the inputs settle at, or that fixed point runs off to
//! infinity (σ_w² = 1/growth, χ₁ → 1: relu, softplus), or — a jump — the inputs leave the
//! ordered fixed point's basin, because the first layer's q¹ passes the unstable fixed point or
//! the ordered point merges with it (gelu, silu).
//!
//! Found by stepping σ_w² up by 2^{1/8} from an ordered value to the first that is not, then
//! bisecting on "ordered" to the quadrature's tolerance, and telling the kind from both sides.

use super::act::Act;
use super::analysis::Analysis;
use super::fixed::Fate;
use super::maps::Net;
use super::quad::Quad;

/// How the order ends at the critical σ_w².
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// χ₁ rises through 1 at the fixed point the inputs reach.
    Chi1,
    /// The fixed point the inputs reach runs off to infinity as σ_w² → 1/growth, with χ₁ → 1.
    Infinity,
    /// The length jumps: the inputs no longer reach the ordered fixed point.
    Jump,
}

impl Transition {
    pub fn name(&self) -> &'static str {
        match self {
            Transition::Chi1 => "chi1",
            Transition::Infinity => "infinity",
            Transition::Jump => "jump",
        }
    }
}

/// Why a jump happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JumpCause {
    /// The first layer's q¹ = σ_w²·q0 + σ_b² passes the unstable fixed point bounding the basin.
    Basin,
    /// The ordered fixed point merges with the unstable one and disappears.
    Fold,
}

impl JumpCause {
    pub fn name(&self) -> &'static str {
        match self {
            JumpCause::Basin => "basin",
            JumpCause::Fold => "fold",
        }
    }
}

/// The critical σ_w² and the analyses just below it (ordered) and just above it (without
/// depth scales: see [`Net::analyze_length`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Critical {
    pub sigma_w2: f64,
    pub transition: Transition,
    /// For a jump: its cause.
    pub cause: Option<JumpCause>,
    /// The σ_w² of `below` and `above`, within the tolerance of each other.
    pub bracket: (f64, f64),
    pub below: Analysis,
    pub above: Analysis,
}

/// Steps of the upward scan: 2^{1/8}.
const STEP: f64 = 1.090_507_732_665_257_7;

impl Net {
    /// The critical σ_w² for this σ_b² and input mean square q0, or `None` when the network is
    /// ordered at every σ_w² up to 1e6 (or at none down to 1e-9).
    pub fn critical(act: Act, sigma_b2: f64, q0: f64, quad: &Quad) -> Option<Critical> {
        let at = |w: f64| Net::new(act, w, sigma_b2).analyze_length(quad, q0);
        let mut w = 0.0625;
        let mut a = at(w);
        while !a.ordered() {
            w /= 4.0;
            if w < 1e-9 {
                return None;
            }
            a = at(w);
        }
        let (mut lo, mut below) = (w, a);
        let (mut hi, mut above) = loop {
            let w = lo * STEP;
            if w > 1e6 {
                return None;
            }
            let a = at(w);
            if !a.ordered() {
                break (w, a);
            }
            (lo, below) = (w, a);
        };
        let tol = if quad.tol > 1e-12 { quad.tol } else { 1e-13 };
        while hi - lo > tol * hi {
            let mid = 0.5 * (lo + hi);
            let a = at(mid);
            if a.ordered() {
                (lo, below) = (mid, a);
            } else {
                (hi, above) = (mid, a);
            }
        }
        let growth = act.growth();
        // The inputs reached the largest fixed point, far above them.
        let reached_last = matches!(below.fate, Fate::Fixed(i) if i + 1 == below.fixed.points.len())
            && below.q_star.is_some_and(|q| q > 1e3 * below.q1.max(1.0));
        let (sigma_w2, transition) = if above.unbounded() && reached_last && (hi * growth - 1.0).abs() < 1e-6 {
            // A fixed point can leave for infinity only where σ_w²·growth = 1: that value exactly.
            (1.0 / growth, Transition::Infinity)
        } else if (below.chi1 - 1.0).abs() < 1e-4 && (above.chi1 - 1.0).abs() < 1e-4 {
            (0.5 * (lo + hi), Transition::Chi1)
        } else {
            (0.5 * (lo + hi), Transition::Jump)
        };
        let cause = (transition == Transition::Jump).then(|| {
            // Which end of the basin met what: q¹ the boundary, or q* the boundary.
            let (q1, u) = (below.q1, below.basin.1);
            let q = below.q_star.unwrap_or(f64::NAN);
            if (q1 - u).abs() <= (q - u).abs() {
                JumpCause::Basin
            } else {
                JumpCause::Fold
            }
        });
        Some(Critical { sigma_w2, transition, cause, bracket: (lo, hi), below, above })
    }
}
