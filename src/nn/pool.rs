//! Pooling layers: `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d` (no parameters). Sizes keep the
//! form they were given in (an int or a pair), so `print(model)` and the spec read as torch's.

use super::display::py_bool;
use super::spec::Fields;
use super::Module;
use crate::error::Result;
use crate::ops::{adaptive_avg_pool2d, avg_pool2d, max_pool2d, Pool2dArgs};
use crate::tensor::Tensor;
use serde_json::{json, Value};

/// A size given as one int (both axes) or as a pair, as torch's `_pair` accepts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size2 {
    Int(usize),
    Pair(usize, usize),
}

impl Size2 {
    pub fn hw(self) -> (usize, usize) {
        match self {
            Size2::Int(n) => (n, n),
            Size2::Pair(h, w) => (h, w),
        }
    }
    /// As Python prints it: `2` or `(2, 3)`.
    pub fn repr(self) -> String {
        match self {
            Size2::Int(n) => n.to_string(),
            Size2::Pair(h, w) => format!("({h}, {w})"),
        }
    }
    pub fn to_json(self) -> Value {
        match self {
            Size2::Int(n) => json!(n),
            Size2::Pair(h, w) => json!([h, w]),
        }
    }
}

/// torch's `nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)`;
/// `stride` None means the kernel size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaxPool2d {
    pub kernel_size: Size2,
    pub stride: Size2,
    pub padding: Size2,
    pub dilation: Size2,
    pub ceil_mode: bool,
}

impl MaxPool2d {
    pub(crate) fn from_fields(f: &Fields) -> Result<MaxPool2d> {
        f.only(&["kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"])?;
        if f.bool_or("return_indices", false)? {
            return Err(f.err("return_indices", "only false is supported (a layer returns one tensor)"));
        }
        let kernel_size = f.size2("kernel_size", None)?;
        Ok(MaxPool2d {
            kernel_size,
            stride: f.opt_size2("stride")?.unwrap_or(kernel_size),
            padding: f.size2("padding", Some(Size2::Int(0)))?,
            dilation: f.size2("dilation", Some(Size2::Int(1)))?,
            ceil_mode: f.bool_or("ceil_mode", false)?,
        })
    }
    fn args(&self) -> Pool2dArgs {
        Pool2dArgs {
            kernel: self.kernel_size.hw(),
            stride: self.stride.hw(),
            padding: self.padding.hw(),
            dilation: self.dilation.hw(),
            ceil_mode: self.ceil_mode,
        }
    }
}

impl Module for MaxPool2d {
    fn type_name(&self) -> &'static str {
        "MaxPool2d"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        max_pool2d(x, &self.args())
    }
    fn extra_repr(&self) -> String {
        format!(
            "kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}",
            self.kernel_size.repr(),
            self.stride.repr(),
            self.padding.repr(),
            self.dilation.repr(),
            py_bool(self.ceil_mode)
        )
    }
    fn to_spec(&self) -> Value {
        json!({"type": "MaxPool2d", "kernel_size": self.kernel_size.to_json(), "stride": self.stride.to_json(),
            "padding": self.padding.to_json(), "dilation": self.dilation.to_json(), "ceil_mode": self.ceil_mode})
    }
    crate::impl_as_any!();
}

/// torch's `nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False,
/// count_include_pad=True, divisor_override=None)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AvgPool2d {
    pub kernel_size: Size2,
    pub stride: Size2,
    pub padding: Size2,
    pub ceil_mode: bool,
    pub count_include_pad: bool,
    pub divisor_override: Option<usize>,
}

impl AvgPool2d {
    pub(crate) fn from_fields(f: &Fields) -> Result<AvgPool2d> {
        f.only(&["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"])?;
        let kernel_size = f.size2("kernel_size", None)?;
        let divisor_override = f.opt_usize("divisor_override")?;
        if divisor_override == Some(0) {
            return Err(f.err("divisor_override", "must be a positive integer or null, got 0"));
        }
        Ok(AvgPool2d {
            kernel_size,
            stride: f.opt_size2("stride")?.unwrap_or(kernel_size),
            padding: f.size2("padding", Some(Size2::Int(0)))?,
            ceil_mode: f.bool_or("ceil_mode", false)?,
            count_include_pad: f.bool_or("count_include_pad", true)?,
            divisor_override,
        })
    }
}

impl Module for AvgPool2d {
    fn type_name(&self) -> &'static str {
        "AvgPool2d"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let a = Pool2dArgs {
            kernel: self.kernel_size.hw(),
            stride: self.stride.hw(),
            padding: self.padding.hw(),
            dilation: (1, 1),
            ceil_mode: self.ceil_mode,
        };
        avg_pool2d(x, &a, self.count_include_pad, self.divisor_override)
    }
    fn extra_repr(&self) -> String {
        format!(
            "kernel_size={}, stride={}, padding={}",
            self.kernel_size.repr(),
            self.stride.repr(),
            self.padding.repr()
        )
    }
    fn to_spec(&self) -> Value {
        json!({"type": "AvgPool2d", "kernel_size": self.kernel_size.to_json(), "stride": self.stride.to_json(),
            "padding": self.padding.to_json(), "ceil_mode": self.ceil_mode,
            "count_include_pad": self.count_include_pad, "divisor_override": self.divisor_override})
    }
    crate::impl_as_any!();
}

/// torch's `nn.AdaptiveAvgPool2d(output_size)`: an int, or a pair whose entries may be None
/// (keep that input size).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdaptiveAvgPool2d {
    pub output_size: (Option<usize>, Option<usize>),
    /// Given as one int rather than a pair (only changes how it prints).
    pub square: bool,
}

impl AdaptiveAvgPool2d {
    pub(crate) fn from_fields(f: &Fields) -> Result<AdaptiveAvgPool2d> {
        f.only(&["output_size"])?;
        let bad = |v: &Value| {
            f.err("output_size", format!("expected an integer or a list of two integers or nulls, got {v}"))
        };
        let entry = |v: &Value| -> Result<Option<usize>> {
            match v {
                Value::Null => Ok(None),
                v => v.as_u64().filter(|&n| n > 0).map(|n| Some(n as usize)).ok_or_else(|| bad(v)),
            }
        };
        match f.get("output_size") {
            None => Err(f.err("output_size", "missing (required by AdaptiveAvgPool2d)")),
            Some(Value::Array(a)) if a.len() == 2 => {
                Ok(AdaptiveAvgPool2d { output_size: (entry(&a[0])?, entry(&a[1])?), square: false })
            }
            Some(v) if v.is_u64() => {
                let n = entry(v)?;
                Ok(AdaptiveAvgPool2d { output_size: (n, n), square: true })
            }
            Some(v) => Err(bad(v)),
        }
    }
}

impl Module for AdaptiveAvgPool2d {
    fn type_name(&self) -> &'static str {
        "AdaptiveAvgPool2d"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        adaptive_avg_pool2d(x, self.output_size)
    }
    fn extra_repr(&self) -> String {
        let one = |v: Option<usize>| v.map_or("None".to_string(), |n| n.to_string());
        if self.square {
            format!("output_size={}", one(self.output_size.0))
        } else {
            format!("output_size=({}, {})", one(self.output_size.0), one(self.output_size.1))
        }
    }
    fn to_spec(&self) -> Value {
        let v = if self.square { json!(self.output_size.0) } else { json!([self.output_size.0, self.output_size.1]) };
        json!({"type": "AdaptiveAvgPool2d", "output_size": v})
    }
    crate::impl_as_any!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::spec::from_spec_with_rng;
    use crate::rng::Rng;

    fn build(v: Value) -> Result<Box<dyn Module>> {
        from_spec_with_rng(&v, &mut Rng::new(0))
    }

    #[test]
    fn print_and_spec_as_torch() {
        let m = build(json!({"type": "MaxPool2d", "kernel_size": 2})).unwrap();
        assert_eq!(m.to_string(), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
        let m = build(json!({"type": "AvgPool2d", "kernel_size": [3, 2], "stride": 1, "padding": [1, 0]})).unwrap();
        assert_eq!(m.to_string(), "AvgPool2d(kernel_size=(3, 2), stride=1, padding=(1, 0))");
        let back = build(m.to_spec()).unwrap();
        assert_eq!(back.downcast_ref::<AvgPool2d>(), m.downcast_ref::<AvgPool2d>());
        let m = build(json!({"type": "AdaptiveAvgPool2d", "output_size": [2, null]})).unwrap();
        assert_eq!(m.to_string(), "AdaptiveAvgPool2d(output_size=(2, None))");
        assert_eq!(build(m.to_spec()).unwrap().to_string(), m.to_string());
    }

    #[test]
    fn spec_errors_name_the_field() {
        let e = build(json!({"type": "AvgPool2d", "kernel_size": 2, "divisor_override": 0})).unwrap_err().to_string();
        assert!(e.contains("divisor_override"), "{e}");
        let e = build(json!({"type": "MaxPool2d"})).unwrap_err().to_string();
        assert!(e.contains("kernel_size") && e.contains("missing"), "{e}");
        let e = build(json!({"type": "AdaptiveAvgPool2d", "output_size": "big"})).unwrap_err().to_string();
        assert!(e.contains("output_size") && e.contains("\"big\""), "{e}");
    }
}
