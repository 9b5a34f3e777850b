//! Parameter-free layers: ReLU, LeakyReLU, Tanh, Sigmoid, GELU, SELU, ELU, SiLU, Softplus,
//! Identity, Flatten.

use super::display::py_float;
use super::spec::Fields;
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
simple_activation!(SELU, selu);
simple_activation!(SiLU, silu);

/// torch's `nn.Identity`: returns its input.
#[derive(Clone, Copy, Debug, Default)]
pub struct Identity;

impl Module for Identity {
    fn type_name(&self) -> &'static str {
        "Identity"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }
    fn to_spec(&self) -> serde_json::Value {
        json!({"type": "Identity"})
    }
    crate::impl_as_any!();
}

/// torch's `nn.GELU(approximate='none')`: x·Φ(x), or with `approximate='tanh'` its tanh form.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GELU {
    pub tanh_approximation: bool,
}

impl GELU {
    pub(crate) fn from_fields(f: &Fields) -> Result<GELU> {
        f.only(&["approximate"])?;
        match f.get("approximate") {
            None => Ok(GELU { tanh_approximation: false }),
            Some(v) if v == "none" => Ok(GELU { tanh_approximation: false }),
            Some(v) if v == "tanh" => Ok(GELU { tanh_approximation: true }),
            Some(v) => Err(f.err("approximate", format!("must be 'none' or 'tanh', got {v}"))),
        }
    }
    fn approximate(&self) -> &'static str {
        if self.tanh_approximation {
            "tanh"
        } else {
            "none"
        }
    }
}

impl Module for GELU {
    fn type_name(&self) -> &'static str {
        "GELU"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.gelu(self.tanh_approximation))
    }
    fn extra_repr(&self) -> String {
        format!("approximate='{}'", self.approximate())
    }
    fn to_spec(&self) -> serde_json::Value {
        json!({"type": "GELU", "approximate": self.approximate()})
    }
    crate::impl_as_any!();
}

/// torch's `nn.ELU(alpha=1.0)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ELU {
    pub alpha: f64,
}

impl Default for ELU {
    fn default() -> Self {
        ELU { alpha: 1.0 }
    }
}

impl Module for ELU {
    fn type_name(&self) -> &'static str {
        "ELU"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.elu(self.alpha as f32))
    }
    fn extra_repr(&self) -> String {
        format!("alpha={}", py_float(self.alpha))
    }
    fn to_spec(&self) -> serde_json::Value {
        json!({"type": "ELU", "alpha": self.alpha})
    }
    crate::impl_as_any!();
}

/// torch's `nn.Softplus(beta=1.0, threshold=20.0)`: log(1 + exp(beta·x))/beta, linear where
/// beta·x > threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Softplus {
    pub beta: f64,
    pub threshold: f64,
}

impl Default for Softplus {
    fn default() -> Self {
        Softplus { beta: 1.0, threshold: 20.0 }
    }
}

impl Module for Softplus {
    fn type_name(&self) -> &'static str {
        "Softplus"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.softplus(self.beta as f32, self.threshold as f32))
    }
    fn extra_repr(&self) -> String {
        format!("beta={}, threshold={}", py_float(self.beta), py_float(self.threshold))
    }
    fn to_spec(&self) -> serde_json::Value {
        json!({"type": "Softplus", "beta": self.beta, "threshold": self.threshold})
    }
    crate::impl_as_any!();
}

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
