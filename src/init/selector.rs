//! Which parameters an init rule selects ([`super::rules`]' `SELECTOR`): a layer type and a glob
//! on the local parameter name, a glob on the dotted name, or nothing (a bare scheme).

use super::scheme::Scheme;

/// The layer types a bare scheme (no selector) applies to.
pub const BARE_TYPES: &[&str] = &["Linear", "MuReadout", "Conv2d"];

/// Which parameters a rule selects.
#[derive(Clone, Debug, PartialEq)]
pub enum Selector {
    /// Owner's `type_name()` and a glob on the local parameter name (`Linear.weight`, `Conv2d.*`).
    Type { type_name: String, param: String },
    /// A glob on the dotted parameter name (`*.bias`, `features.*.weight`).
    Glob(String),
    /// No selector: weights of Linear/Conv2d get the scheme, their biases zero; a bare `default`
    /// is every parameter's torch default.
    Bare,
}

impl Selector {
    pub fn parse(text: &str) -> Selector {
        let text = text.trim();
        if let Some((ty, param)) = text.split_once('.') {
            if ty.starts_with(|c: char| c.is_ascii_uppercase()) && !ty.contains(['*', '?']) {
                return Selector::Type { type_name: ty.to_string(), param: param.to_string() };
            }
        }
        Selector::Glob(text.to_string())
    }

    /// The scheme this selector gives a parameter (`name`, owned by a `owner_type`, locally
    /// `local`), if it matches.
    pub(super) fn select(&self, scheme: &Scheme, name: &str, owner_type: &str, local: &str) -> Option<Scheme> {
        match self {
            Selector::Type { type_name, param } => {
                (type_name == owner_type && glob(param, local)).then(|| scheme.clone())
            }
            Selector::Glob(g) => glob(g, name).then(|| scheme.clone()),
            Selector::Bare if *scheme == Scheme::Default || scheme.is_model_level() => Some(scheme.clone()),
            Selector::Bare if BARE_TYPES.contains(&owner_type) => match local {
                "weight" => Some(scheme.clone()),
                "bias" => Some(Scheme::Zeros),
                _ => None,
            },
            Selector::Bare => None,
        }
    }
}

/// `*` matches any run of characters (dots included), `?` exactly one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}
