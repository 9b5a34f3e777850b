//! Elementwise add, sub, mul, div with numpy/torch broadcasting.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::tensor::Tensor;
use ndarray::ArrayD;

/// The broadcast shape of `a` and `b`, or an error naming `op` and both shapes.
pub fn broadcast_shape(op: &str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(Error::shape(
                    op,
                    format!("shapes {} and {} cannot be broadcast together", shape_str(a), shape_str(b)),
                ))
            }
        };
    }
    Ok(out)
}

#[derive(Clone, Copy)]
enum Kind {
    Add,
    Sub,
    Mul,
    Div,
}

struct BinaryBackward(Kind);

impl GradFn for BinaryBackward {
    fn name(&self) -> &'static str {
        match self.0 {
            Kind::Add => "AddBackward",
            Kind::Sub => "SubBackward",
            Kind::Mul => "MulBackward",
            Kind::Div => "DivBackward",
        }
    }
    fn backward(&self, g: &ArrayD<f32>, inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let (a, b) = (&inputs[0], &inputs[1]);
        let (ra, rb) = (a.requires_grad(), b.requires_grad());
        match self.0 {
            Kind::Add => vec![ra.then(|| g.clone()), rb.then(|| g.clone())],
            Kind::Sub => vec![ra.then(|| g.clone()), rb.then(|| -g)],
            Kind::Mul => vec![ra.then(|| g * &*b.data()), rb.then(|| g * &*a.data())],
            Kind::Div => {
                let bd = b.data();
                let ga = ra.then(|| g / &*bd);
                let gb = rb.then(|| {
                    let ad = a.data();
                    -(g * &*ad) / &(&*bd * &*bd)
                });
                vec![ga, gb]
            }
        }
    }
}

fn binary(op: &str, kind: Kind, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = {
        let (ad, bd) = (a.data(), b.data());
        broadcast_shape(op, ad.shape(), bd.shape())?;
        match kind {
            Kind::Add => &*ad + &*bd,
            Kind::Sub => &*ad - &*bd,
            Kind::Mul => &*ad * &*bd,
            Kind::Div => &*ad / &*bd,
        }
    };
    Ok(Tensor::from_op(out, &[a, b], BinaryBackward(kind)))
}

impl Tensor {
    /// `self + other`, broadcasting.
    pub fn add(&self, other: &Tensor) -> Result<Tensor> {
        binary("add", Kind::Add, self, other)
    }
    /// `self - other`, broadcasting.
    pub fn sub(&self, other: &Tensor) -> Result<Tensor> {
        binary("sub", Kind::Sub, self, other)
    }
    /// `self * other` elementwise, broadcasting.
    pub fn mul(&self, other: &Tensor) -> Result<Tensor> {
        binary("mul", Kind::Mul, self, other)
    }
    /// `self / other` elementwise, broadcasting.
    pub fn div(&self, other: &Tensor) -> Result<Tensor> {
        binary("div", Kind::Div, self, other)
    }
}

#[cfg(test)]
mod tests {
    use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
    use crate::tensor::Tensor;

    #[test]
    fn broadcasting_forward_and_shape_errors() {
        let a = Tensor::from_vec(&[2, 3], vec![1., 2., 3., 4., 5., 6.]).unwrap();
        let b = Tensor::from_vec(&[3], vec![10., 20., 30.]).unwrap();
        assert_eq!(a.add(&b).unwrap().to_vec(), vec![11., 22., 33., 14., 25., 36.]);
        let c = Tensor::zeros(&[4]);
        let e = a.add(&c).unwrap_err().to_string();
        assert_eq!(e, "add: shapes [2, 3] and [4] cannot be broadcast together");
    }

    #[test]
    fn gradcheck_all_four_with_broadcasting() {
        let a = test_input(&[3, 4], 1, 0.0);
        let b = test_input(&[1, 4], 2, 0.5); // away from 0 for div
        let c = test_input(&[3, 1], 3, 0.5);
        let opts = GradcheckOpts::default();
        gradcheck(|t| t[0].add(&t[1]), &[a.clone(), b.clone()], opts).unwrap();
        gradcheck(|t| t[0].sub(&t[1]), &[a.clone(), c.clone()], opts).unwrap();
        gradcheck(|t| t[0].mul(&t[1]), &[a.clone(), b.clone()], opts).unwrap();
        gradcheck(|t| t[0].div(&t[1]), &[a.clone(), c.clone()], opts).unwrap();
        gradcheck(|t| t[1].div(&t[0]), &[b, c], opts).unwrap();
    }

    #[test]
    fn grads_accumulate_across_backward_calls_like_torch() {
        let a = Tensor::param(ndarray::arr1(&[1.0f32, 2.0]).into_dyn());
        let b = Tensor::from_vec(&[2], vec![3., 4.]).unwrap();
        a.mul(&b).unwrap().sum_all().backward().unwrap();
        a.mul(&b).unwrap().sum_all().backward().unwrap();
        assert_eq!(a.grad().unwrap().iter().copied().collect::<Vec<_>>(), vec![6., 8.]);
        a.zero_grad();
        assert!(a.grad().is_none());
    }
}
