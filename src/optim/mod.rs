//! Optimizers with torch's update rules: SGD (momentum, dampening, weight decay, nesterov) and
//! Adam. Parameters without a gradient are skipped, as in torch.

mod adam;
mod mu;
mod sgd;

pub use adam::{Adam, AdamConfig};
pub use mu::{mu_adam, mu_sgd, LrScale};
pub use sgd::{Sgd, SgdConfig};

use crate::tensor::Parameter;

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
    fn params_without_grad_are_skipped() {
        let p = param(&[1.0]);
        let mut opt = Sgd::new(vec![p.clone()], SgdConfig { lr: 0.1, momentum: 0.9, ..SgdConfig::default() });
        opt.step();
        assert_eq!(p.to_vec(), vec![1.0]);
    }
}
