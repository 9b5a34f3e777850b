//! initlab: a small tensor library with reverse-mode autograd, PyTorch-exact layers and
//! `torch.nn.init`, built to show what weight initialization does to a network.

pub mod error;
pub mod lab;
pub mod rng;

pub use error::{Error, Result};
pub use rng::Rng;
