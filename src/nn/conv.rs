//! `Conv2d`: NCHW, weight [out_channels, in_channels/groups, kh, kw].

use super::display::{pair, py_bool};
use super::linear::uniform_param;
use super::Module;
use crate::error::{Error, Result};
use crate::ops::{conv2d, Conv2dArgs};
use crate::rng::{with_default_rng, Rng};
use crate::tensor::{Parameter, Tensor};
use ndarray::{ArrayD, IxDyn};
use serde_json::json;

pub struct Conv2d {
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel_size: (usize, usize),
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    pub dilation: (usize, usize),
    pub groups: usize,
    pub weight: Parameter,
    pub bias: Option<Parameter>,
}

/// Constructor arguments of [`Conv2d`] beyond the channels and kernel (torch's defaults).
#[derive(Clone, Copy, Debug)]
pub struct Conv2dOptions {
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    pub dilation: (usize, usize),
    pub groups: usize,
    pub bias: bool,
}

impl Default for Conv2dOptions {
    fn default() -> Self {
        Conv2dOptions { stride: (1, 1), padding: (0, 0), dilation: (1, 1), groups: 1, bias: true }
    }
}

impl Conv2d {
    /// torch's `nn.Conv2d(in, out, kernel_size, ...)`, initialised from the default generator.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: (usize, usize),
        opts: Conv2dOptions,
    ) -> Result<Conv2d> {
        with_default_rng(|rng| Conv2d::with_rng(in_channels, out_channels, kernel_size, opts, rng))
    }

    pub fn with_rng(
        in_channels: usize,
        out_channels: usize,
        kernel_size: (usize, usize),
        opts: Conv2dOptions,
        rng: &mut Rng,
    ) -> Result<Conv2d> {
        let g = opts.groups;
        if g == 0 {
            return Err(Error::invalid("Conv2d", "groups must be a positive integer"));
        }
        if !in_channels.is_multiple_of(g) {
            return Err(Error::invalid(
                "Conv2d",
                format!("in_channels ({in_channels}) must be divisible by groups ({g})"),
            ));
        }
        if !out_channels.is_multiple_of(g) {
            return Err(Error::invalid(
                "Conv2d",
                format!("out_channels ({out_channels}) must be divisible by groups ({g})"),
            ));
        }
        for (name, (a, b)) in [("kernel_size", kernel_size), ("stride", opts.stride), ("dilation", opts.dilation)] {
            if a == 0 || b == 0 {
                return Err(Error::invalid("Conv2d", format!("{name} must be positive, got ({a}, {b})")));
            }
        }
        let shape = [out_channels, in_channels / g, kernel_size.0, kernel_size.1];
        let mut c = Conv2d {
            in_channels,
            out_channels,
            kernel_size,
            stride: opts.stride,
            padding: opts.padding,
            dilation: opts.dilation,
            groups: g,
            weight: Tensor::param(ArrayD::zeros(IxDyn(&shape))),
            bias: opts.bias.then(|| Tensor::param(ArrayD::zeros(IxDyn(&[out_channels])))),
        };
        c.reset_parameters(rng);
        Ok(c)
    }

    pub fn args(&self) -> Conv2dArgs {
        Conv2dArgs { stride: self.stride, padding: self.padding, dilation: self.dilation, groups: self.groups }
    }

    /// fan_in = in_channels/groups · kh · kw.
    pub fn fan_in(&self) -> usize {
        self.in_channels / self.groups * self.kernel_size.0 * self.kernel_size.1
    }
}

impl Module for Conv2d {
    fn type_name(&self) -> &'static str {
        "Conv2d"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        conv2d(x, &self.weight, self.bias.as_ref(), self.args())
    }
    fn extra_repr(&self) -> String {
        let mut s = format!(
            "{}, {}, kernel_size={}, stride={}",
            self.in_channels,
            self.out_channels,
            pair(self.kernel_size),
            pair(self.stride)
        );
        if self.padding != (0, 0) {
            s += &format!(", padding={}", pair(self.padding));
        }
        if self.dilation != (1, 1) {
            s += &format!(", dilation={}", pair(self.dilation));
        }
        if self.groups != 1 {
            s += &format!(", groups={}", self.groups);
        }
        if self.bias.is_none() {
            s += &format!(", bias={}", py_bool(false));
        }
        s
    }
    fn own_parameters(&self) -> Vec<(&'static str, &Parameter)> {
        super::present([("weight", Some(&self.weight)), ("bias", self.bias.as_ref())])
    }
    /// torch: weight kaiming_uniform_(a=√5) = U(±1/√fan_in), bias U(±1/√fan_in).
    fn reset_parameters(&mut self, rng: &mut Rng) {
        let (w_bound, b_bound) = super::linear::default_bounds(self.fan_in());
        let shape = self.weight.shape();
        if shape.iter().product::<usize>() > 0 {
            *self.weight.data_mut() = uniform_param(&shape, w_bound, rng);
        } else {
            // torch's reset_parameters runs kaiming_uniform_ on the weight, which warns so.
            crate::init::warn("Initializing zero-element tensors is a no-op");
        }
        if let Some(b) = &self.bias {
            *b.data_mut() = uniform_param(&[self.out_channels], b_bound, rng);
        }
    }
    fn to_spec(&self) -> serde_json::Value {
        json!({
            "type": "Conv2d", "in_channels": self.in_channels, "out_channels": self.out_channels,
            "kernel_size": [self.kernel_size.0, self.kernel_size.1], "stride": [self.stride.0, self.stride.1],
            "padding": [self.padding.0, self.padding.1], "dilation": [self.dilation.0, self.dilation.1],
            "groups": self.groups, "bias": self.bias.is_some()
        })
    }
    crate::impl_as_any!();
}
