//! Reshape, transpose, permute, flatten: views of the same values in another shape.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::ops::reduce::norm_axes;
use crate::tensor::Tensor;
use ndarray::{ArrayD, IxDyn};

struct ReshapeBackward {
    in_shape: Vec<usize>,
}

impl GradFn for ReshapeBackward {
    fn name(&self) -> &'static str {
        "ReshapeBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, _inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let g = crate::kernels::pool::copy_of(g);
        vec![Some(ArrayD::from_shape_vec(IxDyn(&self.in_shape), g).expect("same element count"))]
    }
}

struct PermuteBackward {
    /// The inverse permutation.
    inverse: Vec<usize>,
}

impl GradFn for PermuteBackward {
    fn name(&self) -> &'static str {
        "PermuteBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, _inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        vec![Some(g.view().permuted_axes(IxDyn(&self.inverse)).as_standard_layout().into_owned())]
    }
}

impl Tensor {
    /// The same values in `shape` (row-major); one entry may be -1 and is inferred.
    pub fn reshape(&self, shape: &[isize]) -> Result<Tensor> {
        let in_shape = self.shape();
        let n: usize = in_shape.iter().product();
        let known: usize = shape.iter().filter(|&&d| d >= 0).map(|&d| d as usize).product();
        let infer = shape.iter().filter(|&&d| d == -1).count();
        let bad = || {
            Error::shape("reshape", format!("shape {shape:?} is invalid for input of shape {}", shape_str(&in_shape)))
        };
        if infer > 1 || shape.iter().any(|&d| d < -1) {
            return Err(bad());
        }
        let target: Vec<usize> = if infer == 1 {
            if known == 0 || !n.is_multiple_of(known) {
                return Err(bad());
            }
            shape.iter().map(|&d| if d == -1 { n / known } else { d as usize }).collect()
        } else {
            shape.iter().map(|&d| d as usize).collect()
        };
        if target.iter().product::<usize>() != n {
            return Err(bad());
        }
        let out =
            ArrayD::from_shape_vec(IxDyn(&target), crate::kernels::pool::copy_of(&self.data())).map_err(|_| bad())?;
        Ok(Tensor::from_op(out, &[self], ReshapeBackward { in_shape }))
    }

    /// Axes reordered: output axis i is input axis `dims[i]`.
    pub fn permute(&self, dims: &[isize]) -> Result<Tensor> {
        let shape = self.shape();
        if dims.len() != shape.len() {
            return Err(Error::shape(
                "permute",
                format!("{} dims given for a tensor of shape {}", dims.len(), shape_str(&shape)),
            ));
        }
        let mut perm = Vec::with_capacity(dims.len());
        for &d in dims {
            perm.push(norm_axes("permute", &[d], &shape)?[0]);
        }
        let mut inverse = vec![usize::MAX; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            if inverse[p] != usize::MAX {
                return Err(Error::shape("permute", format!("dims {dims:?} repeat an axis")));
            }
            inverse[p] = i;
        }
        let out = self.data().view().permuted_axes(IxDyn(&perm)).as_standard_layout().into_owned();
        Ok(Tensor::from_op(out, &[self], PermuteBackward { inverse }))
    }

    /// Swaps axes `d0` and `d1`.
    pub fn transpose(&self, d0: isize, d1: isize) -> Result<Tensor> {
        let shape = self.shape();
        let a = norm_axes("transpose", &[d0], &shape)?[0];
        let b = norm_axes("transpose", &[d1], &shape)?[0];
        let mut dims: Vec<isize> = (0..shape.len() as isize).collect();
        dims.swap(a, b);
        self.permute(&dims)
    }

    /// Merges axes `start..=end` into one (torch.flatten; negative axes count from the end).
    pub fn flatten(&self, start: isize, end: isize) -> Result<Tensor> {
        let shape = self.shape();
        if shape.is_empty() {
            return self.reshape(&[1]);
        }
        let s = norm_axes("flatten", &[start], &shape)?[0];
        let e = norm_axes("flatten", &[end], &shape)?[0];
        if s > e {
            return Err(Error::shape(
                "flatten",
                format!("start_dim {start} comes after end_dim {end} for shape {}", shape_str(&shape)),
            ));
        }
        let mut target: Vec<isize> = shape[..s].iter().map(|&d| d as isize).collect();
        target.push(shape[s..=e].iter().product::<usize>() as isize);
        target.extend(shape[e + 1..].iter().map(|&d| d as isize));
        self.reshape(&target)
    }
}

#[cfg(test)]
mod tests {
    use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
    use crate::tensor::Tensor;

    #[test]
    fn values_and_errors() {
        let x = Tensor::from_vec(&[2, 3], vec![1., 2., 3., 4., 5., 6.]).unwrap();
        assert_eq!(x.transpose(0, 1).unwrap().to_vec(), vec![1., 4., 2., 5., 3., 6.]);
        assert_eq!(x.reshape(&[3, -1]).unwrap().shape(), vec![3, 2]);
        assert_eq!(
            x.reshape(&[4, -1]).unwrap_err().to_string(),
            "reshape: shape [4, -1] is invalid for input of shape [2, 3]"
        );
        let y = Tensor::zeros(&[2, 3, 4, 5]);
        assert_eq!(y.flatten(1, -1).unwrap().shape(), vec![2, 60]);
        assert_eq!(y.flatten(1, 2).unwrap().shape(), vec![2, 12, 5]);
        assert_eq!(y.permute(&[3, 0, 2, 1]).unwrap().shape(), vec![5, 2, 4, 3]);
        assert!(y.permute(&[0, 0, 1, 2]).is_err());
    }

    #[test]
    fn gradcheck_shape_ops() {
        let x = test_input(&[2, 3, 4], 9, 0.0);
        let o = GradcheckOpts::default();
        gradcheck(|t| t[0].reshape(&[4, 6]), &[x.clone()], o).unwrap();
        gradcheck(|t| t[0].permute(&[2, 0, 1]), &[x.clone()], o).unwrap();
        gradcheck(|t| t[0].transpose(0, 2), &[x.clone()], o).unwrap();
        gradcheck(|t| t[0].flatten(1, 2), &[x], o).unwrap();
    }
}
