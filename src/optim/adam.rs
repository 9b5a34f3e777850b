//! torch.optim.Adam (L2 weight decay added to the gradient, as torch's Adam, not AdamW).

use super::Optimizer;
use crate::tensor::Parameter;
use ndarray::{ArrayD, Zip};

#[derive(Clone, Copy, Debug)]
pub struct AdamConfig {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0 }
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
}

impl Adam {
    pub fn new(params: Vec<Parameter>, config: AdamConfig) -> Adam {
        let n = params.len();
        Adam { params, config, state: (0..n).map(|_| None).collect() }
    }
}

impl Optimizer for Adam {
    fn step(&mut self) {
        let c = self.config;
        for (p, st) in self.params.iter().zip(self.state.iter_mut()) {
            p.with_grad(|g| {
                let Some(g) = g else { return };
                let mut w = p.data_mut();
                let s = st.get_or_insert_with(|| State {
                    step: 0,
                    m: ArrayD::zeros(g.raw_dim()),
                    v: ArrayD::zeros(g.raw_dim()),
                });
                s.step += 1;
                let bc1 = 1.0 - c.beta1.powi(s.step);
                let bc2 = 1.0 - c.beta2.powi(s.step);
                let step_size = c.lr / bc1;
                let bc2_sqrt = bc2.sqrt();
                Zip::from(&mut *w).and(g).and(&mut s.m).and(&mut s.v).for_each(|x, &gv, m, v| {
                    let gv = if c.weight_decay != 0.0 { gv + c.weight_decay * *x } else { gv };
                    // torch: m.lerp_(grad, 1 - beta1); v.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
                    *m += (gv - *m) * (1.0 - c.beta1);
                    *v = *v * c.beta2 + (1.0 - c.beta2) * gv * gv;
                    let denom = v.sqrt() / bc2_sqrt + c.eps;
                    *x -= step_size * *m / denom;
                });
            });
        }
    }
    fn params(&self) -> &[Parameter] {
        &self.params
    }
    fn lr(&self) -> f32 {
        self.config.lr
    }
    fn set_lr(&mut self, lr: f32) {
        self.config.lr = lr;
    }
}
