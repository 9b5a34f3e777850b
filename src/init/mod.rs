//! `initlab::init`: a one-for-one mirror of `torch.nn.init`, plus the init-rules language and LSUV.
//!
//! Every scheme fills a tensor in place (trailing underscore, like torch). Each random scheme has
//! two forms: `kaiming_normal_(t, …)` draws from this thread's default generator (seeded by
//! [`crate::manual_seed`], torch's `generator=None`), `kaiming_normal_with(t, …, &mut rng)` from
//! an explicit one. Fans always come from the tensor's shape ([`calculate_fan_in_and_fan_out`]).
//!
//! - [`fan`]: fans, fan modes and the gain table;
//! - [`schemes`]: the fill functions (uniform, normal, trunc_normal, constant, xavier, kaiming);
//! - [`structured`]: eye, dirac, orthogonal, sparse;
//! - [`scheme`]: [`Scheme`], the parsed form of one scheme with its arguments;
//! - [`rules`]: `Linear.weight=kaiming_normal(nonlinearity=relu);*.bias=zeros` made data;
//! - [`lsuv`]: layer-sequential unit-variance init (Mishkin & Matas 2015);
//! - [`variance_scaling`]: JAX's `variance_scaling` (lecun_normal/uniform) and delta_orthogonal;
//! - [`fixup`]: the residual-network schemes fixup and zero_init_residual;
//! - [`mup_init`]: `mup.init`'s width-aware variants (`mup.kaiming_normal`, …) for `--param mup`;
//! - [`zero`]: ZerO (Zhao et al. 2022), deterministic identity/Hadamard init.

pub mod fan;
pub mod fixup;
pub mod lsuv;
pub mod mup_init;
pub mod rules;
pub mod scheme;
mod scheme_parse;
pub mod schemes;
pub mod selector;
pub mod structured;
mod trunc_normal;
pub mod variance_scaling;
pub mod zero;

pub use fan::{calculate_correct_fan, calculate_fan_in_and_fan_out, calculate_gain, FanMode, NONLINEARITIES};

pub use lsuv::{default_batch, lsuv_, LayerReport, LsuvOptions, LsuvReport};
pub use rules::{default_for, ApplyReport, ParamReport, Rule, Rules, Selector};
pub use scheme::{Scheme, SCHEME_NAMES};
pub use schemes::*;
pub use structured::*;
pub use variance_scaling::*;
pub use zero::zero_init_;

/// torch's `warnings.warn` for init functions: printed once per call to stderr.
pub(crate) fn warn(msg: &str) {
    eprintln!("warning: {msg}");
}
