//! Modules: the `Module` trait, the tree walk with torch's semantics, and one file per layer.
//!
//! Layers are plain structs with public `Parameter` fields. A `&dyn Module` can be asked what it
//! is — `m.is::<Linear>()`, `m.downcast_mut::<Conv2d>()` — the Rust form of `isinstance`.

mod activation;
mod batchnorm;
mod conv;
mod display;
mod dropout;
mod layernorm;
mod linear;
pub mod mup;
mod mureadout;
mod pool;
mod residual;
mod sequential;
pub mod spec;
mod spec_fields;

pub use crate::infshape::{InfDim, InfShape};
pub use activation::{Flatten, Identity, LeakyReLU, ReLU, SiLU, Sigmoid, Softplus, Tanh, ELU, GELU, SELU};
pub use batchnorm::{BatchNorm, BatchNorm1d, BatchNorm2d, BatchNormOptions};
pub use conv::{Conv2d, Conv2dOptions};
pub use display::py_float;
pub use dropout::Dropout;
pub use layernorm::LayerNorm;
pub use linear::{default_bounds, Linear};
pub use mureadout::MuReadout;
pub use pool::{AdaptiveAvgPool2d, AvgPool2d, MaxPool2d, Size2};
pub use residual::Residual;
pub use sequential::Sequential;
pub use spec::{from_spec, parse_spec, to_spec};

use crate::error::Result;
use crate::rng::Rng;
use crate::tensor::{Parameter, Tensor};
use std::any::Any;

/// A layer or a container of layers, as torch's `nn.Module`.
pub trait Module: Any + Send + Sync {
    /// The class name torch would print (`"Linear"`, `"BatchNorm2d"`).
    fn type_name(&self) -> &'static str;

    fn forward(&self, x: &Tensor) -> Result<Tensor>;

    /// What torch's `extra_repr()` returns: the constructor arguments shown when printing.
    fn extra_repr(&self) -> String {
        String::new()
    }

    /// Direct children with their names, in registration order.
    fn named_children(&self) -> Vec<(String, &dyn Module)> {
        Vec::new()
    }

    fn named_children_mut(&mut self) -> Vec<(String, &mut dyn Module)> {
        Vec::new()
    }

    /// This module's own parameters (not its children's), in torch's registration order.
    fn own_parameters(&self) -> Vec<(&'static str, &Parameter)> {
        Vec::new()
    }

    /// This module's own buffers (running statistics), in torch's registration order.
    fn own_buffers(&self) -> Vec<(&'static str, &Tensor)> {
        Vec::new()
    }

    /// Whether the module is in training mode (only layers whose forward depends on it keep one).
    fn training(&self) -> bool {
        true
    }

    /// Sets this module's own mode; `train()`/`eval()` call it on every module of the tree.
    fn set_training(&mut self, _on: bool) {}

    /// torch's `reset_parameters()`: this module's own default initialization.
    fn reset_parameters(&mut self, _rng: &mut Rng) {}

    /// The layer as a JSON spec object (see [`spec`]).
    fn to_spec(&self) -> serde_json::Value;

    /// Moves the children out (containers only), leaving this module childless: how containers
    /// drop a tree of any depth with an explicit stack instead of one call per level.
    fn take_children(&mut self) -> Vec<Box<dyn Module>> {
        Vec::new()
    }

    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// Implements the `as_any` boilerplate of [`Module`] for a layer type.
#[macro_export]
macro_rules! impl_as_any {
    () => {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
            self
        }
    };
}

/// The named entries that are present, in order: a layer's optional weight and bias (or its
/// optional buffers) as `own_parameters`/`own_buffers` list them.
pub(crate) fn present<'a, T, const N: usize>(items: [(&'static str, Option<&'a T>); N]) -> Vec<(&'static str, &'a T)> {
    items.into_iter().filter_map(|(name, v)| v.map(|v| (name, v))).collect()
}

/// Drops `kids` and everything inside them with an explicit stack (containers' `Drop`).
pub(crate) fn drop_tree(mut stack: Vec<Box<dyn Module>>) {
    while let Some(mut m) = stack.pop() {
        stack.extend(m.take_children());
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

impl dyn Module {
    /// `isinstance(m, T)`.
    pub fn is<T: Module>(&self) -> bool {
        self.as_any().is::<T>()
    }

    pub fn downcast_ref<T: Module>(&self) -> Option<&T> {
        self.as_any().downcast_ref::<T>()
    }

    pub fn downcast_mut<T: Module>(&mut self) -> Option<&mut T> {
        self.as_any_mut().downcast_mut::<T>()
    }

    /// Direct children, in order.
    pub fn children(&self) -> Vec<&dyn Module> {
        self.named_children().into_iter().map(|(_, m)| m).collect()
    }

    /// Every module of the tree, pre-order, this one first (torch's `modules()`).
    pub fn modules(&self) -> Vec<&dyn Module> {
        self.named_modules().into_iter().map(|(_, m)| m).collect()
    }

    /// `(dotted name, module)` pre-order; this one is named `""` (torch's `named_modules()`).
    /// Walks with an explicit stack, as every tree walk here: depth costs no call stack.
    pub fn named_modules(&self) -> Vec<(String, &dyn Module)> {
        let mut out = Vec::new();
        let mut stack: Vec<(String, &dyn Module)> = vec![(String::new(), self)];
        while let Some((prefix, m)) = stack.pop() {
            for (name, c) in m.named_children().into_iter().rev() {
                stack.push((join(&prefix, &name), c));
            }
            out.push((prefix, m));
        }
        out
    }

    /// Every module with its dotted name, children before their parent (torch's `apply` order),
    /// as raw pointers: each is handed out as `&mut` once, after every module inside it, so no
    /// two live `&mut` overlap. The pointers are taken in pre-order (children pushed in order,
    /// so the last child is walked first) and reversed, which is the post-order.
    fn post_order_mut(&mut self) -> Vec<(String, *mut dyn Module)> {
        let mut pre: Vec<(String, *mut dyn Module)> = Vec::new();
        let mut stack: Vec<(String, *mut dyn Module)> = vec![(String::new(), self as *mut dyn Module)];
        while let Some((prefix, p)) = stack.pop() {
            // SAFETY: `p` points into the tree `self` borrows mutably for this whole call; each
            // module is reached once (a tree), and its children are derived from it here.
            let m = unsafe { &mut *p };
            for (name, c) in m.named_children_mut() {
                stack.push((join(&prefix, &name), c as *mut dyn Module));
            }
            pre.push((prefix, p));
        }
        pre.reverse();
        pre
    }

    /// Every parameter with its dotted name (`features.0.weight`), in torch's order.
    pub fn named_parameters(&self) -> Vec<(String, Parameter)> {
        let mut out = Vec::new();
        for (prefix, m) in self.named_modules() {
            for (name, p) in m.own_parameters() {
                out.push((join(&prefix, name), p.clone()));
            }
        }
        out
    }

    pub fn parameters(&self) -> Vec<Parameter> {
        self.named_parameters().into_iter().map(|(_, p)| p).collect()
    }

    /// Every parameter with its dotted name, the module that owns it and its name there
    /// (`("features.0.weight", conv, "weight")`): what init rules select on.
    pub fn named_parameters_with_owner(&self) -> Vec<(String, &dyn Module, &'static str, Parameter)> {
        let mut out = Vec::new();
        for (prefix, m) in self.named_modules() {
            for (name, p) in m.own_parameters() {
                out.push((join(&prefix, name), m, name, p.clone()));
            }
        }
        out
    }

    /// Every buffer with its dotted name (`1.running_mean`).
    pub fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (prefix, m) in self.named_modules() {
            for (name, b) in m.own_buffers() {
                out.push((join(&prefix, name), b.clone()));
            }
        }
        out
    }

    pub fn buffers(&self) -> Vec<Tensor> {
        self.named_buffers().into_iter().map(|(_, b)| b).collect()
    }

    /// Parameters and buffers under torch's `state_dict()` names: per module in pre-order, its
    /// parameters, then its buffers.
    pub fn state_dict(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (prefix, m) in self.named_modules() {
            for (name, p) in m.own_parameters() {
                out.push((join(&prefix, name), p.clone()));
            }
            for (name, b) in m.own_buffers() {
                out.push((join(&prefix, name), b.clone()));
            }
        }
        out
    }

    /// Calls `f` on every module, children before their parent (torch's `apply`).
    pub fn apply(&mut self, f: &mut dyn FnMut(&mut dyn Module)) {
        self.apply_named(&mut |_, m| f(m));
    }

    /// Like [`apply`](Self::apply), with each module's dotted name.
    pub fn apply_named(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        for (name, p) in self.post_order_mut() {
            // SAFETY: see `post_order_mut`; every module inside this one has had its turn.
            f(&name, unsafe { &mut *p });
        }
    }

    /// Training mode for the whole tree.
    pub fn train(&mut self) {
        self.apply(&mut |m| m.set_training(true));
    }

    /// Evaluation mode for the whole tree.
    pub fn eval(&mut self) {
        self.apply(&mut |m| m.set_training(false));
    }

    /// Clears `.grad` of every parameter.
    pub fn zero_grad(&self) {
        for p in self.parameters() {
            p.zero_grad();
        }
    }

    /// torch's default initialization of every layer, drawing from `rng` in module order.
    pub fn reset_all_parameters(&mut self, rng: &mut Rng) {
        let mut stack: Vec<&mut dyn Module> = vec![self];
        while let Some(m) = stack.pop() {
            m.reset_parameters(rng);
            let mut kids: Vec<&mut dyn Module> = m.named_children_mut().into_iter().map(|(_, c)| c).collect();
            kids.reverse();
            stack.extend(kids);
        }
    }

    /// Leaf modules (no children) with their dotted names, in forward order for sequential models.
    pub fn named_leaves(&self) -> Vec<(String, &dyn Module)> {
        self.named_modules().into_iter().filter(|(_, m)| m.named_children().is_empty()).collect()
    }

    /// Total number of parameter values.
    pub fn num_parameters(&self) -> usize {
        self.parameters().iter().map(|p| p.numel()).sum()
    }
}

impl std::fmt::Display for dyn Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&display::repr(self))
    }
}

impl std::fmt::Debug for dyn Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&display::repr(self))
    }
}

#[cfg(test)]
mod deep_tests;
