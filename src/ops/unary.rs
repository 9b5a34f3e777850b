//! Elementwise unary ops: neg, exp, log, sqrt, pow, scalar add/mul, and the activations relu,
//! leaky_relu, tanh, sigmoid, gelu (exact and tanh), selu, elu, silu, softplus. Each derivative is
//! written in terms of the input x and output y. The smooth activations added for residual nets
//! evaluate in f64 and round once, as torch's float kernels do up to an ulp.

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
    Gelu,
    GeluTanh,
    Selu,
    Elu(f32),
    Silu,
    /// (beta, threshold)
    Softplus(f32, f32),
}

/// SELU's constants (Klambauer et al. 2017), as torch's `selu`.
pub const SELU_ALPHA: f64 = 1.6732632423543772848170429916717;
pub const SELU_SCALE: f64 = 1.0507009873554804934193349852946;
const SQRT_2_OVER_PI: f64 = 0.7978845608028654;
const GELU_TANH_C: f64 = 0.044715;

fn sigmoid64(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
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
            // In f64 and rounded once (f32 tanhf is off by up to 1.5 ulp; torch's is within one).
            Kind::Tanh => (x as f64).tanh() as f32,
            Kind::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            _ => self.f64(x as f64) as f32,
        }
    }

    /// The smooth activations, in f64.
    fn f64(self, x: f64) -> f64 {
        match self {
            Kind::Gelu => 0.5 * x * (1.0 + crate::math::special::erf(x * std::f64::consts::FRAC_1_SQRT_2)),
            Kind::GeluTanh => 0.5 * x * (1.0 + (SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x)).tanh()),
            Kind::Selu => SELU_SCALE * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() },
            Kind::Elu(a) => {
                if x > 0.0 {
                    x
                } else {
                    a as f64 * x.exp_m1()
                }
            }
            Kind::Silu => x * sigmoid64(x),
            // torch: x where beta·x > threshold (linear regime), else log1p(exp(beta·x))/beta.
            Kind::Softplus(b, t) => {
                let bx = b as f64 * x;
                if bx > t as f64 {
                    x
                } else {
                    bx.exp().ln_1p() / b as f64
                }
            }
            _ => unreachable!("only the smooth activations evaluate in f64"),
        }
    }

    /// d/dx of the smooth activations, in f64.
    fn df64(self, x: f64) -> f64 {
        match self {
            Kind::Gelu => {
                let cdf = 0.5 * (1.0 + crate::math::special::erf(x * std::f64::consts::FRAC_1_SQRT_2));
                let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
                cdf + x * pdf
            }
            Kind::GeluTanh => {
                let t = (SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x)).tanh();
                0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_C * x * x)
            }
            Kind::Selu => SELU_SCALE * if x > 0.0 { 1.0 } else { SELU_ALPHA * x.exp() },
            Kind::Elu(a) => {
                if x > 0.0 {
                    1.0
                } else {
                    a as f64 * x.exp()
                }
            }
            Kind::Silu => {
                let s = sigmoid64(x);
                s * (1.0 + x * (1.0 - s))
            }
            Kind::Softplus(b, t) => {
                let bx = b as f64 * x;
                if bx > t as f64 {
                    1.0
                } else {
                    sigmoid64(bx)
                }
            }
            _ => unreachable!("only the smooth activations differentiate in f64"),
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
            // 1 − y², rounded once (y² is exact in f64): near |y| = 1 a rounded y·y would
            // cancel most of the difference's bits (torch's vectorized code fuses it).
            Kind::Tanh => (1.0 - (y as f64) * (y as f64)) as f32,
            Kind::Sigmoid => y * (1.0 - y),
            _ => self.df64(x as f64) as f32,
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
            Kind::Gelu | Kind::GeluTanh => "GeluBackward",
            Kind::Selu | Kind::Elu(_) => "EluBackward",
            Kind::Silu => "SiluBackward",
            Kind::Softplus(..) => "SoftplusBackward",
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
                backward_fill(self.kind, gv, xv, ys.as_slice().expect("standard layout"), &mut gx);
            }
            None => backward_fill(self.kind, gv, xv, &[], &mut gx),
        }
        vec![Some(ArrayD::from_shape_vec(g.raw_dim(), gx).expect("same count"))]
    }
}

crate::simd_fn! {
    /// `out = f(x)` elementwise.
    fn forward_fill(kind: Kind, xv: &[f32], out: &mut [f32]) {
        specialize!(kind, k => out.iter_mut().zip(xv).for_each(|(o, &a)| *o = k.f(a)));
    }
}

crate::simd_fn! {
    /// `gx = g · f′(x, y)` elementwise; `yv` is empty when the derivative needs only x.
    fn backward_fill(kind: Kind, gv: &[f32], xv: &[f32], yv: &[f32], gx: &mut [f32]) {
        if !yv.is_empty() {
            specialize!(kind, k => {
                for (((o, &gi), &xi), &yi) in gx.iter_mut().zip(gv).zip(xv).zip(yv) {
                    *o = gi * k.df(xi, yi);
                }
            })
        } else if matches!(kind, Kind::Relu) {
            // torch's threshold_backward selects the gradient where x > 0 and 0 elsewhere: an
            // infinite gradient at a dead unit gives 0, not inf · 0 = NaN.
            for ((o, &gi), &xi) in gx.iter_mut().zip(gv).zip(xv) {
                *o = if xi > 0.0 { gi } else { 0.0 };
            }
        } else {
            specialize!(kind, k => {
                for ((o, &gi), &xi) in gx.iter_mut().zip(gv).zip(xv) {
                    *o = gi * k.df(xi, 0.0);
                }
            })
        }
    }
}

fn unary(x: &Tensor, kind: Kind) -> Tensor {
    let out = {
        let xd = x.data();
        let xs = xd.as_standard_layout();
        let xv = xs.as_slice().expect("standard layout");
        let mut v = crate::kernels::pool::take(xv.len());
        forward_fill(kind, xv, &mut v);
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
    /// x·Φ(x) (`approximate='none'`), or its tanh approximation
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (`approximate='tanh'`).
    pub fn gelu(&self, tanh_approximation: bool) -> Tensor {
        unary(self, if tanh_approximation { Kind::GeluTanh } else { Kind::Gelu })
    }
    /// scale·(x for x > 0, alpha·(eˣ − 1) otherwise) with SELU's fixed alpha and scale.
    pub fn selu(&self) -> Tensor {
        unary(self, Kind::Selu)
    }
    /// x for x > 0, alpha·(eˣ − 1) otherwise.
    pub fn elu(&self, alpha: f32) -> Tensor {
        unary(self, Kind::Elu(alpha))
    }
    /// x·sigmoid(x) (swish).
    pub fn silu(&self) -> Tensor {
        unary(self, Kind::Silu)
    }
    /// log(1 + exp(beta·x))/beta, and x itself where beta·x > threshold.
    pub fn softplus(&self, beta: f32, threshold: f32) -> Tensor {
        unary(self, Kind::Softplus(beta, threshold))
    }
}

#[cfg(test)]
#[path = "unary_tests.rs"]
mod tests;
