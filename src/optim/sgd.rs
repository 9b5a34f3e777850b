//! torch.optim.SGD.

use super::Optimizer;
use crate::tensor::Parameter;
use ndarray::{ArrayD, Zip};

#[derive(Clone, Copy, Debug)]
pub struct SgdConfig {
    pub lr: f32,
    pub momentum: f32,
    pub dampening: f32,
    pub weight_decay: f32,
    pub nesterov: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig { lr: 0.01, momentum: 0.0, dampening: 0.0, weight_decay: 0.0, nesterov: false }
    }
}

pub struct Sgd {
    params: Vec<Parameter>,
    pub config: SgdConfig,
    momentum_buffers: Vec<Option<ArrayD<f32>>>,
}

impl Sgd {
    pub fn new(params: Vec<Parameter>, config: SgdConfig) -> Sgd {
        let n = params.len();
        Sgd { params, config, momentum_buffers: vec![None; n] }
    }
}

impl Optimizer for Sgd {
    fn step(&mut self) {
        let c = self.config;
        for (p, buf) in self.params.iter().zip(self.momentum_buffers.iter_mut()) {
            p.with_grad(|g| {
                let Some(g) = g else { return };
                let mut w = p.data_mut();
                // d_p = grad + wd·p
                let mut d_p = g.clone();
                if c.weight_decay != 0.0 {
                    Zip::from(&mut d_p).and(&*w).for_each(|d, &x| *d += c.weight_decay * x);
                }
                if c.momentum != 0.0 {
                    match buf {
                        None => *buf = Some(d_p.clone()),
                        Some(b) => {
                            Zip::from(b).and(&d_p).for_each(|b, &d| *b = c.momentum * *b + (1.0 - c.dampening) * d)
                        }
                    }
                    let b = buf.as_ref().expect("set above");
                    if c.nesterov {
                        Zip::from(&mut d_p).and(b).for_each(|d, &bv| *d += c.momentum * bv);
                    } else {
                        d_p.assign(b);
                    }
                }
                Zip::from(&mut *w).and(&d_p).for_each(|x, &d| *x -= c.lr * d);
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
