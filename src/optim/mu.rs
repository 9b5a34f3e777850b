//! μP's learning-rate scaling (mup/optim.py, 1.0.0), read from each parameter's infshape as
//! `MuAdam` and `MuSGD` read `p.infshape`: torch's param groups become one [`LrScale`] per
//! parameter, applied to the group's lr and weight decay in f64 as mup's Python does.
//!
//! - MuAdam: a matrix-like parameter (2 width dimensions) gets lr / width_mult and
//!   weight_decay · width_mult; everything else is unchanged.
//! - MuSGD: vector-like (1 width dimension) lr · width_mult, weight_decay / width_mult;
//!   matrix-like lr / (fan-in mult / fan-out mult), weight_decay · that ratio; fixed unchanged.

use crate::tensor::Parameter;
use crate::{Error, Result};

/// A parameter's group lr = `lr · mul / div`, weight decay = `wd · div / mul` (f64).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LrScale {
    pub mul: f64,
    pub div: f64,
}

impl LrScale {
    pub const ONE: LrScale = LrScale { mul: 1.0, div: 1.0 };

    /// The group's lr, in the order mup computes it (`lr *= m` or `lr /= d`).
    pub fn lr(&self, lr: f64) -> f64 {
        lr * self.mul / self.div
    }

    pub fn weight_decay(&self, wd: f64) -> f64 {
        wd * self.div / self.mul
    }
}

fn infshapes(params: &[Parameter]) -> Result<Vec<crate::nn::InfShape>> {
    params
        .iter()
        .map(|p| {
            let s = p.infshape().ok_or_else(|| {
                Error::invalid(
                    format!("a parameter of shape {:?}", p.shape()),
                    "has no infshape: set the model's base shapes (μP) before a μP optimizer",
                )
            })?;
            if s.ninf() > 2 {
                return Err(Error::invalid(
                    format!("a parameter of shape {:?}", p.shape()),
                    "more than 2 inf dimensions",
                ));
            }
            Ok(s)
        })
        .collect()
}

/// MuAdam's per-parameter scaling.
pub fn mu_adam(params: &[Parameter]) -> Result<Vec<LrScale>> {
    Ok(infshapes(params)?
        .iter()
        .map(|s| if s.ninf() == 2 { LrScale { mul: 1.0, div: s.width_mult() } } else { LrScale::ONE })
        .collect())
}

/// MuSGD's per-parameter scaling.
pub fn mu_sgd(params: &[Parameter]) -> Result<Vec<LrScale>> {
    Ok(infshapes(params)?
        .iter()
        .map(|s| match s.ninf() {
            1 => LrScale { mul: s.width_mult(), div: 1.0 },
            2 => LrScale { mul: 1.0, div: s.fanin_fanout_mult_ratio().expect("2 inf dims: a matrix") },
            _ => LrScale::ONE,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::InfShape;
    use crate::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
    use crate::Tensor;
    use ndarray::{ArrayD, IxDyn};

    /// A parameter of `dims` whose dimensions differing from `base` are width.
    fn p(base: &[usize], delta: &[usize], dims: &[usize]) -> Parameter {
        let p = Tensor::param(ArrayD::from_elem(IxDyn(dims), 0.5));
        p.set_infshape(Some(InfShape::zip(base, delta).with_dims(dims)));
        p
    }

    #[test]
    fn groups_as_mup() {
        // base 2, delta 4, model 8 (width_mult 4): hidden weight, hidden bias, readout weight,
        // readout bias, and a non-square hidden weight [16, 8] from base [4, 2] (ratio 4/4).
        let ps = vec![
            p(&[2, 2], &[4, 4], &[8, 8]),
            p(&[2], &[4], &[8]),
            p(&[3, 2], &[3, 4], &[3, 8]),
            p(&[3], &[3], &[3]),
            p(&[4, 2], &[8, 4], &[16, 8]),
        ];
        let one = LrScale::ONE;
        let adam = mu_adam(&ps).unwrap();
        assert_eq!(adam, [LrScale { mul: 1.0, div: 4.0 }, one, one, one, LrScale { mul: 1.0, div: 4.0 }]);
        let sgd = mu_sgd(&ps).unwrap();
        let m4 = LrScale { mul: 4.0, div: 1.0 };
        assert_eq!(sgd, [LrScale { mul: 1.0, div: 1.0 }, m4, m4, one, LrScale { mul: 1.0, div: 1.0 }]);
        assert_eq!((adam[0].lr(0.1), adam[0].weight_decay(0.01)), (0.1 / 4.0, 0.01 * 4.0));
        let bare = Tensor::param(ArrayD::zeros(IxDyn(&[2])));
        assert!(mu_adam(&[bare]).unwrap_err().to_string().contains("no infshape"));
    }

    #[test]
    fn a_scaled_group_steps_as_its_own_lr() {
        let run = |scales: Option<Vec<LrScale>>, lr: f64, adam: bool| {
            let w = Tensor::param(ArrayD::from_shape_vec(IxDyn(&[2]), vec![1.0, -2.0]).unwrap());
            let params = vec![w.clone()];
            let mut opt: Box<dyn Optimizer> = if adam {
                let o = Adam::new(params, AdamConfig { lr, ..AdamConfig::default() });
                Box::new(match scales.clone() {
                    Some(s) => o.with_scales(s),
                    None => o,
                })
            } else {
                let o = Sgd::new(params, SgdConfig { lr, momentum: 0.9, ..SgdConfig::default() });
                Box::new(match scales.clone() {
                    Some(s) => o.with_scales(s),
                    None => o,
                })
            };
            for g in [[0.5f32, 0.25], [-1.0, 2.0]] {
                w.set_grad(Some(ArrayD::from_shape_vec(IxDyn(&[2]), g.to_vec()).unwrap()));
                opt.step();
            }
            w.to_vec()
        };
        for adam in [true, false] {
            let scaled = run(Some(vec![LrScale { mul: 1.0, div: 8.0 }]), 0.1, adam);
            assert_eq!(scaled, run(None, 0.0125, adam));
            assert_ne!(scaled, run(None, 0.1, adam));
        }
    }
}
