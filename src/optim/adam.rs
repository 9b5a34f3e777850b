//! torch.optim.Adam (L2 weight decay added to the gradient, as torch's Adam, not AdamW).

use super::{LrScale, Optimizer};
use crate::tensor::Parameter;
use ndarray::ArrayD;

#[derive(Clone, Copy, Debug)]
pub struct AdamConfig {
    /// lr and betas in f64, as torch's Python floats: its step size and bias corrections are
    /// computed in double and rounded to f32 only where an op takes them.
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f32,
    pub weight_decay: f32,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0 }
    }
}

/// The f32 scalars of one Adam step, each rounded from torch's f64 Python value.
#[derive(Clone, Copy)]
struct AdamScalars {
    wd: f32,
    w1: f32,
    w2: f32,
    b2: f32,
    bc2_sqrt: f32,
    eps: f32,
    neg_step: f32,
}

crate::simd_fn! {
    fn adam_update(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: AdamScalars) {
        for (((x, &gv), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            let gv = if k.wd != 0.0 { k.wd.mul_add(*x, gv) } else { gv };
            // m.lerp_(grad, 1 − β1): fmadd(w, grad − m, m) for a weight below 0.5
            *m = if k.w1 < 0.5 { k.w1.mul_add(gv - *m, *m) } else { (gv - *m).mul_add(-(1.0 - k.w1), gv) };
            // v.mul_(β2).addcmul_(grad, grad, value=1 − β2)
            *v = *v * k.b2 + k.w2 * gv * gv;
            // denom = (v.sqrt() / √bc2).add_(eps); p.addcdiv_(m, denom, value=−step)
            let denom = v.sqrt() / k.bc2_sqrt + k.eps;
            *x += k.neg_step * *m / denom;
        }
    }
}

struct State {
    step: i32,
    m: ArrayD<f32>,
    v: ArrayD<f32>,
}

pub struct Adam {
    params: Vec<Parameter>,
    pub config: AdamConfig,
    state: Vec<Option<State>>,
    scales: Vec<LrScale>,
}

impl Adam {
    pub fn new(params: Vec<Parameter>, config: AdamConfig) -> Adam {
        let n = params.len();
        Adam { params, config, state: (0..n).map(|_| None).collect(), scales: vec![LrScale::ONE; n] }
    }

    /// Per-parameter lr and weight-decay scaling (one per parameter, as torch's param groups;
    /// see [`super::mu_adam`]).
    pub fn with_scales(mut self, scales: Vec<LrScale>) -> Adam {
        assert_eq!(scales.len(), self.params.len(), "one scale per parameter");
        self.scales = scales;
        self
    }
}

impl Optimizer for Adam {
    fn step(&mut self) {
        let c = self.config;
        for ((p, st), sc) in self.params.iter().zip(self.state.iter_mut()).zip(&self.scales) {
            let (lr, wd) = (sc.lr(c.lr), sc.weight_decay(c.weight_decay as f64) as f32);
            p.with_grad(|g| {
                let Some(g) = g else { return };
                let mut w = p.data_mut();
                let s = st.get_or_insert_with(|| State {
                    step: 0,
                    m: ArrayD::zeros(g.raw_dim()),
                    v: ArrayD::zeros(g.raw_dim()),
                });
                s.step += 1;
                // torch computes these Python scalars in f64 and rounds each to f32 where an op
                // takes it: bias corrections 1 − β^t, step size lr/bc1, √bc2.
                let (b1, b2) = (c.beta1, c.beta2);
                let bc1 = 1.0 - b1.powi(s.step);
                let bc2 = 1.0 - b2.powi(s.step);
                let neg_step = (-lr / bc1) as f32;
                let bc2_sqrt = bc2.sqrt() as f32;
                let (w1, w2) = ((1.0 - b1) as f32, (1.0 - b2) as f32);
                if !w.is_standard_layout() {
                    *w = w.as_standard_layout().into_owned();
                }
                let gs = g.as_standard_layout();
                let k = AdamScalars { wd, w1, w2, b2: b2 as f32, bc2_sqrt, eps: c.eps, neg_step };
                adam_update(
                    w.as_slice_mut().expect("parameters are contiguous"),
                    gs.as_slice().expect("standard layout"),
                    s.m.as_slice_mut().expect("fresh state"),
                    s.v.as_slice_mut().expect("fresh state"),
                    k,
                );
            });
        }
    }
    fn params(&self) -> &[Parameter] {
        &self.params
    }
    fn lr(&self) -> f32 {
        self.config.lr as f32
    }
    fn set_lr(&mut self, lr: f32) {
        self.config.lr = lr as f64;
    }
    fn state(&self) -> super::OptimState {
        let slot = |st: &Option<State>| {
            st.as_ref()
                .map(|s| super::Slot { step: s.step as i64, buffers: vec![super::bits_of(&s.m), super::bits_of(&s.v)] })
        };
        super::OptimState { kind: "adam".into(), slots: self.state.iter().map(slot).collect() }
    }
    fn load_state(&mut self, s: &super::OptimState) -> crate::Result<()> {
        super::check_state(s, "adam", self.params.len())?;
        let mut states = Vec::with_capacity(s.slots.len());
        for (i, (p, slot)) in self.params.iter().zip(&s.slots).enumerate() {
            states.push(match slot {
                Some(super::Slot { step, buffers }) if buffers.len() == 2 && i32::try_from(*step).is_ok() => {
                    Some(State {
                        step: *step as i32,
                        m: super::buffer_of(p, &buffers[0], i)?,
                        v: super::buffer_of(p, &buffers[1], i)?,
                    })
                }
                Some(_) => {
                    return Err(crate::Error::invalid(
                        format!("optimizer state of parameter {i}"),
                        "adam keeps a step count and two buffers (m, v)",
                    ))
                }
                None => None,
            });
        }
        self.state = states;
        Ok(())
    }
}
