//! Parameter-free layers: ReLU, LeakyReLU, Tanh, Sigmoid, Flatten.

use super::display::py_float;
use super::Module;
use crate::error::Result;
use crate::tensor::Tensor;
use serde_json::json;

macro_rules! simple_activation {
    ($name:ident, $method:ident) => {
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl Module for $name {
            fn type_name(&self) -> &'static str {
                stringify!($name)
            }
            fn forward(&self, x: &Tensor) -> Result<Tensor> {
                Ok(x.$method())
            }
            fn to_spec(&self) -> serde_json::Value {
                json!({"type": stringify!($name)})
            }
            crate::impl_as_any!();
        }
    };
}

simple_activation!(ReLU, relu);
simple_activation!(Tanh, tanh);
simple_activation!(Sigmoid, sigmoid);

#[derive(Clone, Copy, Debug)]
pub struct LeakyReLU {
    pub negative_slope: f64,
}

impl Default for LeakyReLU {
    fn default() -> Self {
        LeakyReLU { negative_slope: 0.01 }
    }
}

impl Module for LeakyReLU {
    fn type_name(&self) -> &'static str {
        "LeakyReLU"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.leaky_relu(self.negative_slope as f32))
    }
    fn extra_repr(&self) -> String {
        format!("negative_slope={}", py_float(self.negative_slope))
    }
    fn to_spec(&self) -> serde_json::Value {
        json!({"type": "LeakyReLU", "negative_slope": self.negative_slope})
    }
    crate::impl_as_any!();
}

/// torch's `nn.Flatten(start_dim=1, end_dim=-1)`.
#[derive(Clone, Copy, Debug)]
pub struct Flatten {
    pub start_dim: isize,
    pub end_dim: isize,
}

impl Default for Flatten {
    fn default() -> Self {
        Flatten { start_dim: 1, end_dim: -1 }
    }
}

impl Module for Flatten {
    fn type_name(&self) -> &'static str {
        "Flatten"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.flatten(self.start_dim, self.end_dim)
    }
    fn extra_repr(&self) -> String {
        format!("start_dim={}, end_dim={}", self.start_dim, self.end_dim)
    }
    fn to_spec(&self) -> serde_json::Value {
        json!({"type": "Flatten", "start_dim": self.start_dim, "end_dim": self.end_dim})
    }
    crate::impl_as_any!();
}
