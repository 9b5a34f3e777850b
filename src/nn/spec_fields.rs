//! Reading one layer object of a JSON spec ([`super::spec`]): its fields by torch's constructor
//! argument names, each checked (type, range) with an error naming the layer path and field, and
//! no field the layer does not take.

use super::*;
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// The layer types a spec may name.
pub const LAYER_TYPES: &[&str] = &[
    "Sequential",
    "Linear",
    "MuReadout",
    "Conv2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "ReLU",
    "LeakyReLU",
    "Tanh",
    "Sigmoid",
    "Flatten",
    "Residual",
    "LayerNorm",
    "GELU",
    "SELU",
    "ELU",
    "SiLU",
    "Softplus",
    "Identity",
    "Dropout",
    "AvgPool2d",
    "MaxPool2d",
    "AdaptiveAvgPool2d",
];

/// Reads one layer object, checking that every field it has is one the layer takes.
pub(crate) struct Fields<'a> {
    pub path: String,
    pub ty: String,
    obj: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub(super) fn new(v: &'a Value, path: &str) -> Result<Fields<'a>> {
        let obj = v.as_object().ok_or_else(|| Error::spec(path, "-", format!("expected a JSON object, got {v}")))?;
        let ty = match obj.get("type") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(Error::spec(path, "type", format!("expected a string, got {other}"))),
            None => return Err(Error::spec(path, "type", format!("missing; one of {}", LAYER_TYPES.join(", ")))),
        };
        Ok(Fields { path: path.to_string(), ty, obj })
    }

    /// Errors on any field other than `type` and `allowed`.
    pub fn only(&self, allowed: &[&str]) -> Result<()> {
        for k in self.obj.keys() {
            if k != "type" && !allowed.contains(&k.as_str()) {
                let valid = if allowed.is_empty() {
                    "it takes no arguments".to_string()
                } else {
                    format!("{} takes {}", self.ty, allowed.join(", "))
                };
                return Err(Error::spec(&self.path, k, format!("unknown field for {}; {valid}", self.ty)));
            }
        }
        Ok(())
    }

    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.obj.get(k)
    }

    pub fn err(&self, k: &str, msg: impl std::fmt::Display) -> Error {
        Error::spec(&self.path, k, msg)
    }

    pub fn usize_req(&self, k: &str) -> Result<usize> {
        match self.get(k) {
            None => Err(self.err(k, format!("missing (required by {})", self.ty))),
            Some(v) => self.as_usize(k, v),
        }
    }

    fn as_usize(&self, k: &str, v: &Value) -> Result<usize> {
        v.as_u64().map(|u| u as usize).ok_or_else(|| self.err(k, format!("expected a non-negative integer, got {v}")))
    }

    pub fn usize_or(&self, k: &str, default: usize) -> Result<usize> {
        self.get(k).map_or(Ok(default), |v| self.as_usize(k, v))
    }

    pub fn isize_or(&self, k: &str, default: isize) -> Result<isize> {
        match self.get(k) {
            None => Ok(default),
            Some(v) => {
                v.as_i64().map(|i| i as isize).ok_or_else(|| self.err(k, format!("expected an integer, got {v}")))
            }
        }
    }

    pub fn bool_or(&self, k: &str, default: bool) -> Result<bool> {
        match self.get(k) {
            None => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| self.err(k, format!("expected true or false, got {v}"))),
        }
    }

    pub fn f64_or(&self, k: &str, default: f64) -> Result<f64> {
        match self.get(k) {
            None => Ok(default),
            Some(v) => v.as_f64().ok_or_else(|| self.err(k, format!("expected a number, got {v}"))),
        }
    }

    /// A number, or `null` (torch's `None`).
    pub fn opt_f64_or(&self, k: &str, default: Option<f64>) -> Result<Option<f64>> {
        match self.get(k) {
            None => Ok(default),
            Some(Value::Null) => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| self.err(k, format!("expected a number or null, got {v}"))),
        }
    }

    /// An int or a two-element list, as torch's `_pair`.
    pub fn pair_or(&self, k: &str, default: Option<(usize, usize)>) -> Result<(usize, usize)> {
        match self.get(k) {
            None => default.ok_or_else(|| self.err(k, format!("missing (required by {})", self.ty))),
            Some(Value::Array(a)) if a.len() == 2 => Ok((self.as_usize(k, &a[0])?, self.as_usize(k, &a[1])?)),
            Some(v) if v.is_u64() => {
                let n = self.as_usize(k, v)?;
                Ok((n, n))
            }
            Some(v) => Err(self.err(k, format!("expected an integer or a list of two integers, got {v}"))),
        }
    }
}

impl Fields<'_> {
    /// An int or a two-element list, keeping the form (torch prints `2` and `(2, 2)` apart).
    pub fn size2(&self, k: &str, default: Option<Size2>) -> Result<Size2> {
        match self.get(k) {
            None => default.ok_or_else(|| self.err(k, format!("missing (required by {})", self.ty))),
            Some(Value::Array(a)) if a.len() == 2 => {
                Ok(Size2::Pair(self.as_usize(k, &a[0])?, self.as_usize(k, &a[1])?))
            }
            Some(v) if v.is_u64() => Ok(Size2::Int(self.as_usize(k, v)?)),
            Some(v) => Err(self.err(k, format!("expected an integer or a list of two integers, got {v}"))),
        }
    }

    /// As [`size2`](Self::size2), with absence or `null` as `None` (torch's `stride=None`).
    pub fn opt_size2(&self, k: &str) -> Result<Option<Size2>> {
        match self.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.size2(k, None).map(Some),
        }
    }

    /// A non-negative integer, or absence / `null` as `None`.
    pub fn opt_usize(&self, k: &str) -> Result<Option<usize>> {
        match self.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => self.as_usize(k, v).map(Some),
        }
    }
}
