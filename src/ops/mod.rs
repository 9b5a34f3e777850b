//! Differentiable ops, one file per family. Each file holds the forward (as `Tensor` methods or
//! functions), its `GradFn` right beside it, and its gradcheck tests.

pub mod binary;
pub mod conv;
pub mod layer_norm;
pub mod loss;
pub mod matmul;
pub mod norm;
pub mod pool2d;
pub mod reduce;
pub mod shape;
pub mod unary;

pub use conv::{conv2d, Conv2dArgs};
pub use layer_norm::layer_norm;
pub use loss::{cross_entropy, mse_loss};
pub use norm::batch_norm;
pub use pool2d::{adaptive_avg_pool2d, avg_pool2d, max_pool2d, Pool2dArgs};
