//! Optimizers with torch's update rules: SGD (momentum, dampening, weight decay, nesterov) and
//! Adam. Parameters without a gradient are skipped, as in torch.

mod adam;
mod sgd;

pub use adam::{Adam, AdamConfig};
pub use sgd::{Sgd, SgdConfig};

use crate::tensor::Parameter;
use serde::{Deserialize, Serialize};

/// An optimizer's state as plain data, one slot per parameter in [`Optimizer::params`] order
/// (`None`: not updated yet). A slot holds the step count (Adam's `t`; 0 for SGD) and the
/// buffers as bit patterns, each the parameter's size (SGD: the momentum buffer; Adam: m, v).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptimState {
    pub kind: String,
    pub slots: Vec<Option<Slot>>,
}

/// One parameter's optimizer state (see [`OptimState`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub step: i64,
    pub buffers: Vec<Vec<u32>>,
}

/// The buffer `bits` back as an array of `p`'s shape; errors name the parameter index.
pub(crate) fn buffer_of(p: &Parameter, bits: &[u32], i: usize) -> crate::Result<ndarray::ArrayD<f32>> {
    let shape = p.shape();
    ndarray::ArrayD::from_shape_vec(shape.clone(), bits.iter().copied().map(f32::from_bits).collect()).map_err(|_| {
        crate::Error::invalid(
            format!("optimizer state of parameter {i}"),
            format!("has {} values, the parameter {:?} has {}", bits.len(), shape, p.numel()),
        )
    })
}

pub(crate) fn bits_of(a: &ndarray::ArrayD<f32>) -> Vec<u32> {
    a.iter().map(|x| x.to_bits()).collect()
}

/// The check every `load_state` makes first: the same kind, one slot per parameter.
pub(crate) fn check_state(s: &OptimState, kind: &str, params: usize) -> crate::Result<()> {
    if s.kind != kind || s.slots.len() != params {
        return Err(crate::Error::invalid(
            "optimizer state",
            format!("is {} for {} parameters; this optimizer is {kind} with {params}", s.kind, s.slots.len()),
        ));
    }
    Ok(())
}

pub trait Optimizer: Send {
    /// One update of every parameter from its `.grad`.
    fn step(&mut self);
    /// The parameters being optimized.
    fn params(&self) -> &[Parameter];
    /// Clears `.grad` of every parameter.
    fn zero_grad(&self) {
        for p in self.params() {
            p.zero_grad();
        }
    }
    fn lr(&self) -> f32;
    fn set_lr(&mut self, lr: f32);
    /// Everything the next steps depend on besides the parameters and their gradients.
    fn state(&self) -> OptimState;
    /// Puts back a [`Optimizer::state`] (of an optimizer of the same kind over parameters of the
    /// same shapes); the steps from here on are those the saved optimizer would have taken.
    fn load_state(&mut self, s: &OptimState) -> crate::Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Tensor;
    use ndarray::arr1;

    fn param(v: &[f32]) -> Tensor {
        Tensor::param(arr1(v).into_dyn())
    }

    fn set_grad(p: &Tensor, g: &[f32]) {
        p.set_grad(Some(arr1(g).into_dyn()));
    }

    /// Values printed by torch 2.15: p = [1, -2], grads [0.5, 0.25] then [-1, 2], lr 0.1.
    #[test]
    fn sgd_momentum_nesterov_weight_decay_match_torch() {
        let p = param(&[1.0, -2.0]);
        let mut opt = Sgd::new(
            vec![p.clone()],
            SgdConfig { lr: 0.1, momentum: 0.9, weight_decay: 0.01, nesterov: true, dampening: 0.0 },
        );
        set_grad(&p, &[0.5, 0.25]);
        opt.step();
        set_grad(&p, &[-1.0, 2.0]);
        opt.step();
        // torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)
        let want = [1.0500741f32, -2.438447];
        for (g, w) in p.to_vec().iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{g} vs {w}");
        }
    }

    #[test]
    fn adam_matches_torch() {
        let p = param(&[1.0, -2.0]);
        let mut opt = Adam::new(vec![p.clone()], AdamConfig { lr: 0.1, ..AdamConfig::default() });
        set_grad(&p, &[0.5, 0.25]);
        opt.step();
        set_grad(&p, &[-1.0, 2.0]);
        opt.step();
        // torch.optim.Adam([p], lr=0.1)
        let want = [0.9366104f32, -2.1821465];
        for (g, w) in p.to_vec().iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{g} vs {w}");
        }
    }

    #[test]
    fn a_restored_state_steps_on_as_the_original() {
        let two = |mk: &dyn Fn(Vec<Tensor>) -> Box<dyn Optimizer>| {
            let (p, q) = (param(&[1.0, -2.0]), param(&[1.0, -2.0]));
            let (mut a, mut b) = (mk(vec![p.clone()]), mk(vec![q.clone()]));
            set_grad(&p, &[0.5, 0.25]);
            a.step();
            b.load_state(&a.state()).unwrap();
            *q.data_mut() = p.data().clone();
            set_grad(&p, &[-1.0, 2.0]);
            set_grad(&q, &[-1.0, 2.0]);
            a.step();
            b.step();
            assert_eq!(p.to_vec(), q.to_vec());
            assert_ne!(p.to_vec(), vec![1.0, -2.0]);
            a.state()
        };
        let s = two(&|v| Box::new(Sgd::new(v, SgdConfig { lr: 0.1, momentum: 0.9, ..SgdConfig::default() })));
        assert_eq!((s.kind.as_str(), s.slots[0].as_ref().unwrap().buffers.len()), ("sgd", 1));
        let s = two(&|v| Box::new(Adam::new(v, AdamConfig { lr: 0.1, ..AdamConfig::default() })));
        assert_eq!((s.kind.as_str(), s.slots[0].as_ref().unwrap().step), ("adam", 2));
        let mut sgd = Sgd::new(vec![param(&[1.0])], SgdConfig::default());
        assert!(sgd.load_state(&s).unwrap_err().to_string().contains("adam"));
    }

    #[test]
    fn params_without_grad_are_skipped() {
        let p = param(&[1.0]);
        let mut opt = Sgd::new(vec![p.clone()], SgdConfig { lr: 0.1, momentum: 0.9, ..SgdConfig::default() });
        opt.step();
        assert_eq!(p.to_vec(), vec![1.0]);
    }
}
