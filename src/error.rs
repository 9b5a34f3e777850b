//! One error type for the whole crate. Every message names what failed (the op, the layer and
//! field, the tensor, the file) and the offending shapes or values, so the command line can print
//! it as it is and exit non-zero.

use std::fmt;

/// Crate-wide result.
pub type Result<T> = std::result::Result<T, Error>;

/// Formats a shape the way torch prints sizes: `[2, 3, 4]`.
pub fn shape_str(shape: &[usize]) -> String {
    format!("{shape:?}")
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An op received tensors whose shapes do not fit: `op` names it, `msg` gives both shapes.
    #[error("{op}: {msg}")]
    Shape { op: String, msg: String },
    /// A bad value for an argument of an op, layer, init scheme or command.
    #[error("{context}: {msg}")]
    Invalid { context: String, msg: String },
    /// A model spec that does not describe a valid layer: names the layer path and the field.
    #[error("spec: layer '{layer}': field '{field}': {msg}")]
    Spec { layer: String, field: String, msg: String },
    /// A checkpoint or state dict that does not fit the model.
    #[error("checkpoint: tensor '{tensor}': {msg}")]
    Checkpoint { tensor: String, msg: String },
    /// A file that cannot be read, parsed or written.
    #[error("{path}: {msg}")]
    File { path: String, msg: String },
    /// An init rule that cannot be parsed or applied: names the rule text.
    #[error("init rule '{rule}': {msg}")]
    Rule { rule: String, msg: String },
    /// Stopped by the user (Ctrl-C) after keeping what finished; the message says how to go on.
    /// The command line exits 130 for it, as shells do for SIGINT.
    #[error("{0}")]
    Interrupted(String),
}

impl Error {
    pub fn shape(op: impl fmt::Display, msg: impl fmt::Display) -> Self {
        Error::Shape { op: op.to_string(), msg: msg.to_string() }
    }
    pub fn invalid(context: impl fmt::Display, msg: impl fmt::Display) -> Self {
        Error::Invalid { context: context.to_string(), msg: msg.to_string() }
    }
    pub fn spec(layer: impl fmt::Display, field: impl fmt::Display, msg: impl fmt::Display) -> Self {
        Error::Spec { layer: layer.to_string(), field: field.to_string(), msg: msg.to_string() }
    }
    pub fn checkpoint(tensor: impl fmt::Display, msg: impl fmt::Display) -> Self {
        Error::Checkpoint { tensor: tensor.to_string(), msg: msg.to_string() }
    }
    pub fn file(path: impl AsRef<std::path::Path>, msg: impl fmt::Display) -> Self {
        Error::File { path: path.as_ref().display().to_string(), msg: msg.to_string() }
    }
    pub fn rule(rule: impl fmt::Display, msg: impl fmt::Display) -> Self {
        Error::Rule { rule: rule.to_string(), msg: msg.to_string() }
    }
}
