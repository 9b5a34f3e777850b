//! Sum and mean over axes (or all elements). The backward broadcasts the gradient back.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::tensor::Tensor;
use ndarray::{ArrayD, Axis, IxDyn};

struct ReduceBackward {
    name: &'static str,
    in_shape: Vec<usize>,
    /// Sorted reduced axes (of the input).
    axes: Vec<usize>,
    keepdim: bool,
    scale: f32,
}

impl GradFn for ReduceBackward {
    fn name(&self) -> &'static str {
        self.name
    }
    fn backward(&self, g: &ArrayD<f32>, _inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let mut g = g.clone();
        if !self.keepdim {
            for &ax in &self.axes {
                g = g.insert_axis(Axis(ax));
            }
        }
        let mut out = g.broadcast(IxDyn(&self.in_shape)).expect("reduced shape broadcasts back").to_owned();
        if self.scale != 1.0 {
            out.mapv_inplace(|v| v * self.scale);
        }
        vec![Some(out)]
    }
}

/// Normalises possibly negative axes against `ndim`; errors name the op and the shape.
pub fn norm_axes(op: &str, axes: &[isize], shape: &[usize]) -> Result<Vec<usize>> {
    let nd = shape.len() as isize;
    let mut out = Vec::with_capacity(axes.len());
    for &a in axes {
        let ax = if a < 0 { a + nd } else { a };
        if ax < 0 || ax >= nd {
            return Err(Error::shape(op, format!("dimension {a} out of range for shape {}", shape_str(shape))));
        }
        if out.contains(&(ax as usize)) {
            return Err(Error::shape(op, format!("dimension {a} appears twice")));
        }
        out.push(ax as usize);
    }
    out.sort_unstable();
    Ok(out)
}

fn reduce(x: &Tensor, axes: &[isize], keepdim: bool, mean: bool) -> Result<Tensor> {
    let name = if mean { "mean" } else { "sum" };
    let shape = x.shape();
    let axes = norm_axes(name, axes, &shape)?;
    let count: usize = axes.iter().map(|&a| shape[a]).product();
    // Accumulated in f64 over every reduced axis and rounded once (the mean divided before the
    // rounding): as accurate as the values allow, where a float32 running sum loses an ulp per
    // element added.
    let mut acc = x.data().mapv(|v| v as f64);
    for &ax in axes.iter().rev() {
        acc = acc.sum_axis(Axis(ax));
        if keepdim {
            acc = acc.insert_axis(Axis(ax));
        }
    }
    let n = count.max(1) as f64;
    let out = acc.mapv(|v| if mean { (v / n) as f32 } else { v as f32 });
    let scale = if mean { 1.0 / count.max(1) as f32 } else { 1.0 };
    let bw = ReduceBackward {
        name: if mean { "MeanBackward" } else { "SumBackward" },
        in_shape: shape,
        axes,
        keepdim,
        scale,
    };
    Ok(Tensor::from_op(out, &[x], bw))
}

impl Tensor {
    /// Sum over `axes` (negative counts from the end).
    pub fn sum(&self, axes: &[isize], keepdim: bool) -> Result<Tensor> {
        reduce(self, axes, keepdim, false)
    }
    /// Mean over `axes` (negative counts from the end).
    pub fn mean(&self, axes: &[isize], keepdim: bool) -> Result<Tensor> {
        reduce(self, axes, keepdim, true)
    }
    /// Sum of all elements, a 0-d tensor.
    pub fn sum_all(&self) -> Tensor {
        let axes: Vec<isize> = (0..self.ndim() as isize).collect();
        reduce(self, &axes, false, false).expect("all axes are valid")
    }
    /// Mean of all elements, a 0-d tensor.
    pub fn mean_all(&self) -> Tensor {
        let axes: Vec<isize> = (0..self.ndim() as isize).collect();
        reduce(self, &axes, false, true).expect("all axes are valid")
    }
}

#[cfg(test)]
mod tests {
    use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
    use crate::tensor::Tensor;

    #[test]
    fn values_and_errors() {
        let x = Tensor::from_vec(&[2, 3], vec![1., 2., 3., 4., 5., 6.]).unwrap();
        assert_eq!(x.sum(&[0], false).unwrap().to_vec(), vec![5., 7., 9.]);
        assert_eq!(x.mean(&[-1], true).unwrap().shape(), vec![2, 1]);
        assert_eq!(x.mean(&[-1], true).unwrap().to_vec(), vec![2., 5.]);
        assert_eq!(x.sum_all().item().unwrap(), 21.0);
        assert_eq!(x.sum(&[2], false).unwrap_err().to_string(), "sum: dimension 2 out of range for shape [2, 3]");
    }

    #[test]
    fn gradcheck_sum_mean() {
        let x = test_input(&[2, 3, 4], 5, 0.0);
        let o = GradcheckOpts::default();
        gradcheck(|t| t[0].sum(&[1], false), &[x.clone()], o).unwrap();
        gradcheck(|t| t[0].sum(&[0, 2], true), &[x.clone()], o).unwrap();
        gradcheck(|t| t[0].mean(&[-1, 0], false), &[x.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].mean_all()), &[x.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].sum_all()), &[x], o).unwrap();
    }
}
