//! Matrix products: `matmul` of two 2-D tensors, and `linear` (x·Wᵀ + b, torch's F.linear) fused
//! so a Linear layer is one node and no transposed copy of W is made.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::tensor::Tensor;
use ndarray::{ArrayD, Axis, Ix2, IxDyn};

fn as2(a: &ArrayD<f32>) -> ndarray::ArrayView2<'_, f32> {
    a.view().into_dimensionality::<Ix2>().expect("2-D")
}

struct MatmulBackward;

impl GradFn for MatmulBackward {
    fn name(&self) -> &'static str {
        "MmBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let (a, b) = (&inputs[0], &inputs[1]);
        let g2 = as2(g);
        let ga = a.requires_grad().then(|| g2.dot(&as2(&b.data()).t()).into_dyn());
        let gb = b.requires_grad().then(|| as2(&a.data()).t().dot(&g2).into_dyn());
        vec![ga, gb]
    }
}

struct LinearBackward {
    /// The input's shape (leading batch axes are flattened for the products).
    x_shape: Vec<usize>,
}

impl GradFn for LinearBackward {
    fn name(&self) -> &'static str {
        "LinearBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let (x, w) = (&inputs[0], &inputs[1]);
        let out_f = *g.shape().last().expect("at least 1-D");
        let rows = g.len() / out_f.max(1);
        let g2 = g.view().into_shape_with_order((rows, out_f)).expect("contiguous grad");
        let gx = x.requires_grad().then(|| {
            let gx = g2.dot(&as2(&w.data()));
            gx.into_shape_with_order(IxDyn(&self.x_shape)).expect("same count")
        });
        let gw = w.requires_grad().then(|| {
            let xd = x.data();
            let in_f = *self.x_shape.last().expect("at least 1-D");
            let x2 = xd.view().into_shape_with_order((rows, in_f)).expect("contiguous input");
            g2.t().dot(&x2).into_dyn()
        });
        let mut out = vec![gx, gw];
        if let Some(b) = inputs.get(2) {
            out.push(b.requires_grad().then(|| g2.sum_axis(Axis(0)).into_dyn()));
        }
        out
    }
}

impl Tensor {
    /// The matrix product of two 2-D tensors.
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        let out = {
            let (a, b) = (self.data(), other.data());
            if a.ndim() != 2 || b.ndim() != 2 || a.shape()[1] != b.shape()[0] {
                return Err(Error::shape(
                    "matmul",
                    format!("shapes {} and {} cannot be multiplied", shape_str(a.shape()), shape_str(b.shape())),
                ));
            }
            as2(&a).dot(&as2(&b)).into_dyn()
        };
        Ok(Tensor::from_op(out, &[self, other], MatmulBackward))
    }
}

/// `x · weightᵀ + bias` for x of shape [*, in], weight [out, in], bias [out] (torch's F.linear).
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let x_shape = x.shape();
    let out = {
        let (xd, wd) = (x.data(), weight.data());
        let ok = xd.ndim() >= 1 && wd.ndim() == 2 && xd.shape()[xd.ndim() - 1] == wd.shape()[1];
        if !ok {
            return Err(Error::shape(
                "linear",
                format!(
                    "input of shape {} does not fit weight of shape {} (expects [*, {}])",
                    shape_str(xd.shape()),
                    shape_str(wd.shape()),
                    wd.shape().get(1).copied().unwrap_or(0)
                ),
            ));
        }
        let in_f = wd.shape()[1];
        let out_f = wd.shape()[0];
        let rows = xd.len() / in_f.max(1);
        let xs = xd.as_standard_layout();
        let x2 = xs.view().into_shape_with_order((rows, in_f)).expect("contiguous");
        let mut y = x2.dot(&as2(&wd).t());
        if let Some(b) = bias {
            let bd = b.data();
            if bd.shape() != [out_f] {
                return Err(Error::shape(
                    "linear",
                    format!("bias of shape {} does not fit {out_f} outputs", shape_str(bd.shape())),
                ));
            }
            y += &bd.view().into_dimensionality::<ndarray::Ix1>().expect("1-D");
        }
        let mut shape = x_shape.clone();
        *shape.last_mut().expect("at least 1-D") = out_f;
        y.into_shape_with_order(IxDyn(&shape)).expect("same count")
    };
    let mut inputs = vec![x, weight];
    if let Some(b) = bias {
        inputs.push(b);
    }
    Ok(Tensor::from_op(out, &inputs, LinearBackward { x_shape }))
}

#[cfg(test)]
mod tests {
    use super::linear;
    use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
    use crate::tensor::Tensor;

    #[test]
    fn matmul_and_linear_values() {
        let a = Tensor::from_vec(&[2, 2], vec![1., 2., 3., 4.]).unwrap();
        let b = Tensor::from_vec(&[2, 1], vec![5., 6.]).unwrap();
        assert_eq!(a.matmul(&b).unwrap().to_vec(), vec![17., 39.]);
        assert_eq!(b.matmul(&a).unwrap_err().to_string(), "matmul: shapes [2, 1] and [2, 2] cannot be multiplied");
        // The seed document: W = [[0.1,0.2],[0.3,0.4]] on x = [[0.1,0.95]] gives x·Wᵀ.
        let w = Tensor::from_vec(&[2, 2], vec![0.1, 0.2, 0.3, 0.4]).unwrap();
        let x = Tensor::from_vec(&[1, 2], vec![0.1, 0.95]).unwrap();
        let y = linear(&x, &w, None).unwrap().to_vec();
        assert!((y[0] - 0.2).abs() < 1e-6 && (y[1] - 0.41).abs() < 1e-6, "{y:?}");
        let e = linear(&a, &Tensor::zeros(&[3, 5]), None).unwrap_err().to_string();
        assert_eq!(e, "linear: input of shape [2, 2] does not fit weight of shape [3, 5] (expects [*, 5])");
    }

    #[test]
    fn gradcheck_matmul_and_linear() {
        let o = GradcheckOpts::default();
        let a = test_input(&[3, 4], 1, 0.0);
        let b = test_input(&[4, 2], 2, 0.0);
        gradcheck(|t| t[0].matmul(&t[1]), &[a.clone(), b], o).unwrap();
        let w = test_input(&[5, 4], 3, 0.0);
        let bias = test_input(&[5], 4, 0.0);
        gradcheck(|t| linear(&t[0], &t[1], Some(&t[2])), &[a.clone(), w.clone(), bias], o).unwrap();
        gradcheck(|t| linear(&t[0], &t[1], None), &[test_input(&[2, 3, 4], 5, 0.0), w], o).unwrap();
    }
}
