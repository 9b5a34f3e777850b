//! initlab: a small tensor library with reverse-mode autograd, PyTorch-exact layers and
//! `torch.nn.init`, built to show what weight initialization does to a network.

// Tests pass fresh inputs to gradcheck as `&[x.clone()]`; the slice-of-ref form reads worse there.
#![cfg_attr(test, allow(clippy::cloned_ref_to_slice_refs))]
pub mod autograd;
pub mod cli;
pub mod error;
pub mod infshape;
pub mod init;
pub mod io;
pub mod kernels;
pub mod lab;
pub mod math;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod rng;
pub mod serve;
pub mod tensor;
pub mod theory;

pub use autograd::{no_grad, with_no_grad};
pub use error::{Error, Result};
pub use rng::{manual_seed, Rng};
pub use tensor::{Parameter, Tensor};
