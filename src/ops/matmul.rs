//! Matrix products: `matmul` of two 2-D tensors, and `linear` (x·Wᵀ + b, torch's F.linear) fused
//! so a Linear layer is one node and no transposed copy of W is made.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::kernels::{gemm, pool, MatMut, MatRef};
use crate::tensor::Tensor;
use ndarray::{ArrayD, Ix2, IxDyn};

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
        let in_f = *self.x_shape.last().expect("at least 1-D");
        let out_f = *g.shape().last().expect("at least 1-D");
        let rows: usize = self.x_shape[..self.x_shape.len() - 1].iter().product();
        let gs = g.as_standard_layout();
        let gsl = gs.as_slice().expect("standard layout");
        // gx = g · W: [rows, out] · [out, in], both row-major, straight into the result.
        let gx = x.requires_grad().then(|| {
            let wd = w.data();
            let ws = wd.as_standard_layout();
            let mut gx = pool::take(rows * in_f);
            gemm(
                1.0,
                MatRef::row_major(gsl, rows, out_f),
                MatRef::row_major(ws.as_slice().expect("standard layout"), out_f, in_f),
                0.0,
                MatMut::row_major(&mut gx, rows, in_f),
            );
            ArrayD::from_shape_vec(IxDyn(&self.x_shape), gx).expect("same count")
        });
        // gW = gᵀ · x, a sum over the batch rows: both operands have their rows along the sum,
        // which the GEMM layer gives to its blocked row-sum kernel (about as accurate as torch's
        // BLAS on long batches; see kernels::gemm_tn), with no transposed copies.
        let gw = w.requires_grad().then(|| {
            let xd = x.data();
            let xs = xd.as_standard_layout();
            let xsl = xs.as_slice().expect("standard layout");
            let mut gw = pool::take(out_f * in_f);
            gemm(
                1.0,
                MatRef::row_major_t(gsl, out_f, rows),
                MatRef::row_major(xsl, rows, in_f),
                0.0,
                MatMut::row_major(&mut gw, out_f, in_f),
            );
            ArrayD::from_shape_vec(IxDyn(&[out_f, in_f]), gw).expect("same count")
        });
        let mut out = vec![gx, gw];
        if let Some(b) = inputs.get(2) {
            out.push(b.requires_grad().then(|| {
                // Column sums of g over the batch, in f64 (see kernels::sum::col_sums).
                let gb = crate::kernels::sum::col_sums(gsl, out_f);
                ArrayD::from_shape_vec(IxDyn(&[out_f]), gb).expect("same count")
            }));
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
        let rows: usize = xd.shape()[..xd.ndim() - 1].iter().product();
        let bd = match bias {
            Some(b) => {
                let bd = b.data();
                if bd.shape() != [out_f] {
                    return Err(Error::shape(
                        "linear",
                        format!("bias of shape {} does not fit {out_f} outputs", shape_str(bd.shape())),
                    ));
                }
                Some(bd.iter().copied().collect::<Vec<f32>>())
            }
            None => None,
        };
        let xs = xd.as_standard_layout();
        let ws = wd.as_standard_layout();
        // y = b (each row) + x · Wᵀ, with Wᵀ a strided view of W: one GEMM, no copies.
        let mut y = pool::take(rows * out_f);
        if let Some(bv) = &bd {
            for row in y.chunks_exact_mut(out_f.max(1)) {
                row.copy_from_slice(bv);
            }
        }
        gemm(
            1.0,
            MatRef::row_major(xs.as_slice().expect("standard layout"), rows, in_f),
            MatRef::row_major_t(ws.as_slice().expect("standard layout"), in_f, out_f),
            if bd.is_some() { 1.0 } else { 0.0 },
            MatMut::row_major(&mut y, rows, out_f),
        );
        let mut shape = x_shape.clone();
        *shape.last_mut().expect("at least 1-D") = out_f;
        ArrayD::from_shape_vec(IxDyn(&shape), y).expect("same count")
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
    fn empty_feature_dimensions_like_torch() {
        // Linear(0, 3): the output is the bias on every row; Linear(3, 0): an empty output.
        let x = Tensor::param(ndarray::ArrayD::zeros(vec![4, 0]));
        let w = Tensor::param(ndarray::ArrayD::zeros(vec![3, 0]));
        let b = Tensor::param(ndarray::arr1(&[1.0f32, 2.0, 3.0]).into_dyn());
        let y = linear(&x, &w, Some(&b)).unwrap();
        assert_eq!((y.shape(), y.to_vec()[..3].to_vec()), (vec![4, 3], vec![1.0, 2.0, 3.0]));
        y.sum_all().backward().unwrap();
        assert_eq!(b.grad().unwrap().iter().copied().collect::<Vec<_>>(), vec![4.0, 4.0, 4.0]);
        assert_eq!(x.grad().unwrap().shape(), &[4, 0]);
        let w0 = Tensor::param(ndarray::ArrayD::zeros(vec![0, 3]));
        let y = linear(&Tensor::ones(&[2, 3]), &w0, None).unwrap();
        assert_eq!(y.shape(), vec![2, 0]);
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
