//! torch.optim.SGD.

use super::{LrScale, Optimizer};
use crate::tensor::Parameter;
use ndarray::ArrayD;

#[derive(Clone, Copy, Debug)]
pub struct SgdConfig {
    /// f64 as torch's Python float; each update rounds its (per-parameter) lr to f32.
    pub lr: f64,
    pub momentum: f32,
    pub dampening: f32,
    pub weight_decay: f32,
    pub nesterov: bool,
}

crate::simd_fn! {
    /// One parameter's update; `buf` is its momentum buffer (None without momentum).
    fn sgd_update(ws: &mut [f32], gv: &[f32], buf: Option<&mut [f32]>, first: bool, c: SgdConfig, lr: f32, wd: f32) {
        match buf {
            None => {
                for (x, &gi) in ws.iter_mut().zip(gv) {
                    let d = if wd != 0.0 { wd.mul_add(*x, gi) } else { gi };
                    *x = (-lr).mul_add(d, *x);
                }
            }
            Some(bv) => {
                for ((x, &gi), bi) in ws.iter_mut().zip(gv).zip(bv.iter_mut()) {
                    let d = if wd != 0.0 { wd.mul_add(*x, gi) } else { gi };
                    *bi = if first { d } else { (1.0 - c.dampening).mul_add(d, c.momentum * *bi) };
                    let d = if c.nesterov { c.momentum.mul_add(*bi, d) } else { *bi };
                    *x = (-lr).mul_add(d, *x);
                }
            }
        }
    }
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
    scales: Vec<LrScale>,
}

impl Sgd {
    pub fn new(params: Vec<Parameter>, config: SgdConfig) -> Sgd {
        let n = params.len();
        Sgd { params, config, momentum_buffers: vec![None; n], scales: vec![LrScale::ONE; n] }
    }

    /// Per-parameter lr and weight-decay scaling (one per parameter, as torch's param groups;
    /// see [`super::mu_sgd`]).
    pub fn with_scales(mut self, scales: Vec<LrScale>) -> Sgd {
        assert_eq!(scales.len(), self.params.len(), "one scale per parameter");
        self.scales = scales;
        self
    }
}

impl Optimizer for Sgd {
    /// One fused pass per parameter, with torch's arithmetic in torch's order per element:
    /// d = g + wd·w; b = m·b + (1 − dampening)·d (b = d on the first step); d = d + m·b
    /// (nesterov) or b; w −= lr·d. No temporary arrays: the gradient is read in place.
    fn step(&mut self) {
        let c = self.config;
        for ((p, buf), sc) in self.params.iter().zip(self.momentum_buffers.iter_mut()).zip(&self.scales) {
            let (lr, wd) = (sc.lr(c.lr) as f32, sc.weight_decay(c.weight_decay as f64) as f32);
            p.with_grad(|g| {
                let Some(g) = g else { return };
                let mut w = p.data_mut();
                if !w.is_standard_layout() {
                    *w = w.as_standard_layout().into_owned();
                }
                let gs = g.as_standard_layout();
                let gv = gs.as_slice().expect("standard layout");
                let ws = w.as_slice_mut().expect("parameters are contiguous");
                // torch's single-tensor SGD, each `add` with alpha one fused multiply-add:
                // d = g.add(p, alpha=wd); buf = buf·m + (1 − dampening)·d (first step: d);
                // d = d.add(buf, alpha=m) (nesterov) or buf; p.add_(d, alpha=−lr).
                let first = buf.is_none();
                let b = (c.momentum != 0.0).then(|| {
                    buf.get_or_insert_with(|| ArrayD::zeros(g.raw_dim())).as_slice_mut().expect("fresh buffer")
                });
                sgd_update(ws, gv, b, first, c, lr, wd);
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
        let slot =
            |b: &Option<ArrayD<f32>>| b.as_ref().map(|b| super::Slot { step: 0, buffers: vec![super::bits_of(b)] });
        super::OptimState { kind: "sgd".into(), slots: self.momentum_buffers.iter().map(slot).collect() }
    }
    fn load_state(&mut self, s: &super::OptimState) -> crate::Result<()> {
        super::check_state(s, "sgd", self.params.len())?;
        let mut bufs = Vec::with_capacity(s.slots.len());
        for (i, (p, slot)) in self.params.iter().zip(&s.slots).enumerate() {
            bufs.push(match slot {
                Some(super::Slot { buffers, .. }) if buffers.len() == 1 => Some(super::buffer_of(p, &buffers[0], i)?),
                Some(_) => {
                    return Err(crate::Error::invalid(
                        format!("optimizer state of parameter {i}"),
                        "sgd keeps one buffer",
                    ))
                }
                None => None,
            });
        }
        self.momentum_buffers = bufs;
        Ok(())
    }
}
