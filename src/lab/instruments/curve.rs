//! The fitted curve of a 1-D regression: the model's output at evenly spaced x over the data, the
//! regression counterpart of the decision boundaries ([`super::captures::boundary`]).

use crate::autograd::with_no_grad;
use crate::lab::data::{Dataset, Target};
use crate::nn::Module;
use crate::{Result, Tensor};
use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};

/// Points along the x axis of a fitted curve.
pub const CURVE_POINTS: usize = 200;

/// The x range a curve covers: the training inputs' span padded by 5% each side.
pub type Span = (f64, f64);

/// The span of 1-D regression data with one target (`None` for anything else).
pub fn line_of(data: &Dataset) -> Option<Span> {
    if data.input_shape() != [1] || data.is_classification() || data.num_outputs() != 1 {
        return None;
    }
    let (mut x0, mut x1) = (f64::MAX, f64::MIN);
    for &x in data.input.iter() {
        (x0, x1) = (x0.min(x as f64), x1.max(x as f64));
    }
    let pad = 0.05 * (x1 - x0).max(1e-6);
    Some((x0 - pad, x1 + pad))
}

/// The x of point `i` of a curve over `span`, `CURVE_POINTS` of them from one end to the other.
pub fn curve_x(span: Span, i: usize) -> f64 {
    span.0 + (span.1 - span.0) * i as f64 / (CURVE_POINTS - 1) as f64
}

/// The model's output at the `CURVE_POINTS` x of [`curve_x`] after `epoch` epochs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    pub epoch: usize,
    /// Stored as bit patterns in a sweep's run records, so a diverged run's NaN survives.
    #[serde(with = "f32_bits")]
    pub y: Vec<f32>,
}

/// `Vec<f32>` as its bit patterns (JSON has no NaN).
mod f32_bits {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.to_bits()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        Ok(Vec::<u32>::deserialize(d)?.into_iter().map(f32::from_bits).collect())
    }
}

/// The model's outputs along `span`, in eval mode without a graph (as [`super::captures::boundary`]).
pub fn curve(model: &mut dyn Module, span: Span, epoch: usize) -> Result<Curve> {
    let xs: Vec<f32> = (0..CURVE_POINTS).map(|i| curve_x(span, i) as f32).collect();
    let x = Tensor::new(ArrayD::from_shape_vec(IxDyn(&[CURVE_POINTS, 1]), xs).expect("one per point"));
    model.eval();
    let out = with_no_grad(|| model.forward(&x));
    model.train();
    Ok(Curve { epoch, y: out?.to_array().iter().copied().collect() })
}

/// The `(x, y)` pairs of 1-D regression data (for drawing it under the curves).
pub fn points_of(data: &Dataset) -> Vec<(f64, f64)> {
    let Target::Values(v) = &data.target else { return Vec::new() };
    data.input.iter().zip(v.iter()).map(|(&x, &y)| (x as f64, y as f64)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::data::synthetic;
    use crate::lab::models::{build, ModelSpec};
    use crate::Rng;

    /// Each curve value is the model's own output at that x (checked one point at a time), and
    /// only 1-D regression data has a line.
    #[test]
    fn a_curve_is_the_model_output_at_its_x() {
        let data = synthetic("sine", 0).unwrap();
        let span = line_of(&data).unwrap();
        let lo = data.input.iter().fold(f32::MAX, |a, &b| a.min(b)) as f64;
        assert!(span.0 < lo && curve_x(span, 0) == span.0 && (curve_x(span, CURVE_POINTS - 1) - span.1).abs() < 1e-12);
        assert!(line_of(&synthetic("spiral", 0).unwrap()).is_none());
        let spec = ModelSpec::parse("mlp:in-16-out:tanh").unwrap().to_json(&data).unwrap();
        let mut m = build(&spec, &mut Rng::new(3)).unwrap();
        let c = curve(m.as_mut(), span, 7).unwrap();
        assert_eq!((c.epoch, c.y.len()), (7, CURVE_POINTS));
        for i in [0, 57, CURVE_POINTS - 1] {
            let x = Tensor::new(ArrayD::from_shape_vec(IxDyn(&[1, 1]), vec![curve_x(span, i) as f32]).unwrap());
            let y = with_no_grad(|| m.forward(&x)).unwrap().to_array();
            assert_eq!(c.y[i], y[[0, 0]], "point {i}");
        }
        assert!(c.y.iter().any(|&v| v != c.y[0]), "not a constant");
        // Stored as bits: a NaN comes back.
        let nan = Curve { epoch: 1, y: vec![f32::NAN, 1.5] };
        let back: Curve = serde_json::from_str(&serde_json::to_string(&nan).unwrap()).unwrap();
        assert!(back.y[0].is_nan() && back.y[1] == 1.5);
    }
}
