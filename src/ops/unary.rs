//! Elementwise unary ops: neg, exp, log, sqrt, pow, scalar add/mul, and the activations relu,
//! leaky_relu, tanh, sigmoid. Each derivative is written in terms of the input x and output y.

use crate::autograd::GradFn;
use crate::tensor::Tensor;
use ndarray::ArrayD;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Neg,
    Exp,
    Log,
    Sqrt,
    Pow(f32),
    AddScalar(f32),
    MulScalar(f32),
    Relu,
    LeakyRelu(f32),
    Tanh,
    Sigmoid,
}

impl Kind {
    #[inline(always)]
    fn f(self, x: f32) -> f32 {
        match self {
            Kind::Neg => -x,
            Kind::Exp => x.exp(),
            Kind::Log => x.ln(),
            Kind::Sqrt => x.sqrt(),
            Kind::Pow(p) => x.powf(p),
            Kind::AddScalar(c) => x + c,
            Kind::MulScalar(c) => x * c,
            Kind::Relu => {
                if x > 0.0 {
                    x
                } else {
                    0.0
                }
            }
            Kind::LeakyRelu(s) => {
                if x > 0.0 {
                    x
                } else {
                    x * s
                }
            }
            Kind::Tanh => x.tanh(),
            Kind::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        }
    }

    /// dy/dx from the input x and output y.
    #[inline(always)]
    fn df(self, x: f32, y: f32) -> f32 {
        match self {
            Kind::Neg => -1.0,
            Kind::Exp => y,
            Kind::Log => 1.0 / x,
            Kind::Sqrt => 0.5 / y,
            Kind::Pow(p) => p * x.powf(p - 1.0),
            Kind::AddScalar(_) => 1.0,
            Kind::MulScalar(c) => c,
            // torch: threshold_backward passes the gradient only where x > 0 (0 at x = 0).
            Kind::Relu => (x > 0.0) as u8 as f32,
            Kind::LeakyRelu(s) => {
                if x > 0.0 {
                    1.0
                } else {
                    s
                }
            }
            Kind::Tanh => 1.0 - y * y,
            Kind::Sigmoid => y * (1.0 - y),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Neg => "NegBackward",
            Kind::Exp => "ExpBackward",
            Kind::Log => "LogBackward",
            Kind::Sqrt => "SqrtBackward",
            Kind::Pow(_) => "PowBackward",
            Kind::AddScalar(_) => "AddBackward",
            Kind::MulScalar(_) => "MulBackward",
            Kind::Relu => "ReluBackward",
            Kind::LeakyRelu(_) => "LeakyReluBackward",
            Kind::Tanh => "TanhBackward",
            Kind::Sigmoid => "SigmoidBackward",
        }
    }
}

struct UnaryBackward {
    kind: Kind,
    /// The forward output, kept only for derivatives written in terms of y (exp, sqrt, tanh,
    /// sigmoid); empty otherwise, so relu does not keep a second copy of its activations.
    out: Option<ArrayD<f32>>,
}

impl Kind {
    fn needs_output(self) -> bool {
        matches!(self, Kind::Exp | Kind::Sqrt | Kind::Tanh | Kind::Sigmoid)
    }
}

/// Runs `body!(k)` with `k` a compile-time constant for the hot kinds, so each loop is compiled
/// (and vectorized) for one function instead of matching on the kind per element.
macro_rules! specialize {
    ($kind:expr, $k:ident => $body:expr) => {
        match $kind {
            Kind::Relu => {
                let $k = Kind::Relu;
                $body
            }
            Kind::LeakyRelu(s) => {
                let $k = Kind::LeakyRelu(s);
                $body
            }
            Kind::Tanh => {
                let $k = Kind::Tanh;
                $body
            }
            Kind::Sigmoid => {
                let $k = Kind::Sigmoid;
                $body
            }
            other => {
                let $k = other;
                $body
            }
        }
    };
}

impl GradFn for UnaryBackward {
    fn name(&self) -> &'static str {
        self.kind.name()
    }
    fn backward(&self, g: &ArrayD<f32>, inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let x = inputs[0].data();
        let xs = x.as_standard_layout();
        let gs = g.as_standard_layout();
        let (xv, gv) = (xs.as_slice().expect("standard layout"), gs.as_slice().expect("standard layout"));
        let mut gx = crate::kernels::pool::take(gv.len());
        match &self.out {
            Some(y) => {
                let ys = y.as_standard_layout();
                let yv = ys.as_slice().expect("standard layout");
                specialize!(self.kind, k => {
                    for (((o, &gi), &xi), &yi) in gx.iter_mut().zip(gv).zip(xv).zip(yv) {
                        *o = gi * k.df(xi, yi);
                    }
                })
            }
            None => specialize!(self.kind, k => {
                for ((o, &gi), &xi) in gx.iter_mut().zip(gv).zip(xv) {
                    *o = gi * k.df(xi, 0.0);
                }
            }),
        }
        vec![Some(ArrayD::from_shape_vec(g.raw_dim(), gx).expect("same count"))]
    }
}

fn unary(x: &Tensor, kind: Kind) -> Tensor {
    let out = {
        let xd = x.data();
        let xs = xd.as_standard_layout();
        let xv = xs.as_slice().expect("standard layout");
        let mut v = crate::kernels::pool::take(xv.len());
        specialize!(kind, k => v.iter_mut().zip(xv).for_each(|(o, &a)| *o = k.f(a)));
        ArrayD::from_shape_vec(xd.raw_dim(), v).expect("same count")
    };
    if Tensor::needs_graph(&[x]) {
        let saved = kind.needs_output().then(|| out.clone());
        Tensor::from_op(out, &[x], UnaryBackward { kind, out: saved })
    } else {
        Tensor::new(out)
    }
}

impl Tensor {
    pub fn neg(&self) -> Tensor {
        unary(self, Kind::Neg)
    }
    pub fn exp(&self) -> Tensor {
        unary(self, Kind::Exp)
    }
    pub fn log(&self) -> Tensor {
        unary(self, Kind::Log)
    }
    pub fn sqrt(&self) -> Tensor {
        unary(self, Kind::Sqrt)
    }
    /// `self ** p` for a scalar exponent.
    pub fn pow(&self, p: f32) -> Tensor {
        unary(self, Kind::Pow(p))
    }
    pub fn add_scalar(&self, c: f32) -> Tensor {
        unary(self, Kind::AddScalar(c))
    }
    pub fn mul_scalar(&self, c: f32) -> Tensor {
        unary(self, Kind::MulScalar(c))
    }
    /// max(x, 0); gradient 0 at x = 0, as torch.
    pub fn relu(&self) -> Tensor {
        unary(self, Kind::Relu)
    }
    /// x for x > 0, slope·x otherwise.
    pub fn leaky_relu(&self, negative_slope: f32) -> Tensor {
        unary(self, Kind::LeakyRelu(negative_slope))
    }
    pub fn tanh(&self) -> Tensor {
        unary(self, Kind::Tanh)
    }
    pub fn sigmoid(&self) -> Tensor {
        unary(self, Kind::Sigmoid)
    }
}

#[cfg(test)]
mod tests {
    use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
    use crate::tensor::Tensor;

    #[test]
    fn gradcheck_every_unary_op() {
        let x = test_input(&[3, 5], 11, 0.05);
        let pos = x.mapv(|v| v.abs() + 0.5);
        let o = GradcheckOpts::default();
        gradcheck(|t| Ok(t[0].neg()), &[x.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].exp()), &[x.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].log()), &[pos.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].sqrt()), &[pos.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].pow(3.0)), &[x.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].pow(-1.5)), &[pos], o).unwrap();
        gradcheck(|t| Ok(t[0].add_scalar(2.0).mul_scalar(-3.0)), &[x.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].relu()), &[x.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].leaky_relu(0.2)), &[x.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].tanh()), &[x.clone()], o).unwrap();
        gradcheck(|t| Ok(t[0].sigmoid()), &[x], o).unwrap();
    }

    #[test]
    fn relu_gradient_is_zero_at_zero_like_torch() {
        let x = Tensor::param(ndarray::arr1(&[-1.0f32, 0.0, 2.0]).into_dyn());
        x.relu().sum_all().backward().unwrap();
        assert_eq!(x.grad().unwrap().iter().copied().collect::<Vec<_>>(), vec![0.0, 0.0, 1.0]);
        let y = Tensor::param(ndarray::arr1(&[-1.0f32, 0.0, 2.0]).into_dyn());
        y.leaky_relu(0.1).sum_all().backward().unwrap();
        assert_eq!(y.grad().unwrap().iter().copied().collect::<Vec<_>>(), vec![0.1, 0.1, 1.0]);
    }
}
