//! Init rules: the `initialize_weights()` people write by hand, made data.
//!
//! ```text
//! RULES    := RULE (';' RULE)*
//! RULE     := SELECTOR '=' SCHEME | SCHEME          (a bare SCHEME: every Linear/Conv2d weight,
//!                                                   their biases zero; bare `default`: all)
//! SELECTOR := Type '.' param-glob                   (Linear.weight, Conv2d.bias, BatchNorm2d.*)
//!           | name-glob                             (*.bias, features.*.weight, 3.weight)
//! SCHEME   := name [ '(' ARG (',' ARG)* ')' ]       (see [`Scheme::parse`])
//! ```
//!
//! A selector whose first segment starts with an upper-case letter names a layer type (matched
//! on the owner's `type_name()`); any other is a glob (`*`, `?`) on the dotted parameter name.
//! For each parameter the last matching rule decides. Everything is checked before any tensor is
//! touched; parameters are then filled in `named_parameters` order from the given generator.
//! `default` draws nothing: a parameter it decides keeps the values its layer's constructor drew,
//! as a parameter no rule touches does.

use super::fan::fans;
use super::lsuv::{default_batch, forward_order, rescale, LsuvOptions, LsuvReport, LSUV_LAYERS};
use super::scheme::Scheme;
use crate::autograd::with_no_grad;
use crate::error::{shape_str, Error, Result};
use crate::nn::Module;
use crate::rng::Rng;
use crate::tensor::Tensor;
use std::fmt;

pub use super::selector::{glob, Selector, BARE_TYPES};

/// One rule: its text (for messages), selector and scheme.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub text: String,
    pub selector: Selector,
    pub scheme: Scheme,
}

/// An ordered list of rules; later rules win.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rules {
    pub rules: Vec<Rule>,
}

/// What happened to one parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamReport {
    pub name: String,
    pub shape: Vec<usize>,
    /// The owning layer's type name.
    pub owner: String,
    /// The scheme applied (`default` resolved to the concrete distribution); `None`: untouched.
    pub scheme: Option<Scheme>,
    /// The text of the rule that decided.
    pub rule: Option<String>,
    /// Whether the decision was `default`: the constructor's values kept, nothing drawn.
    pub kept: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApplyReport {
    /// Every parameter, in `named_parameters` order.
    pub params: Vec<ParamReport>,
    pub warnings: Vec<String>,
    /// Per-layer LSUV results when an `lsuv` rule was used.
    pub lsuv: Option<LsuvReport>,
}

impl Rules {
    pub fn new() -> Rules {
        Rules::default()
    }

    /// Adds `selector=scheme` (builder form of one rule).
    pub fn rule(mut self, selector: &str, scheme: Scheme) -> Rules {
        let text = format!("{}={scheme}", selector.trim());
        self.rules.push(Rule { text, selector: Selector::parse(selector), scheme });
        self
    }

    /// Adds a bare scheme: every Linear/Conv2d weight, their biases zero.
    pub fn all(mut self, scheme: Scheme) -> Rules {
        self.rules.push(Rule { text: scheme.to_string(), selector: Selector::Bare, scheme });
        self
    }

    /// Parses `RULE(;RULE)*` (empty rules are skipped; no rules = leave the model as built).
    pub fn parse(text: &str) -> Result<Rules> {
        let mut rules = Vec::new();
        for raw in text.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            let eq = raw.find('=');
            let paren = raw.find('(');
            let (selector, scheme_text) = match eq {
                Some(e) if paren.is_none_or(|p| e < p) => {
                    let sel = raw[..e].trim();
                    if sel.is_empty() {
                        return Err(Error::rule(
                            raw,
                            "empty selector before '='; write Type.param (Linear.weight) or a name glob (*.bias)",
                        ));
                    }
                    (Selector::parse(sel), &raw[e + 1..])
                }
                _ => (Selector::Bare, raw),
            };
            let scheme = Scheme::parse(scheme_text).map_err(|e| Error::rule(raw, e))?;
            rules.push(Rule { text: raw.to_string(), selector, scheme });
        }
        Ok(Rules { rules })
    }

    /// [`Rules::parse`] for one `--init` value: text with no rule in it (`''`, `';;'`) is an error,
    /// not a silent "torch's defaults".
    pub fn parse_nonempty(text: &str) -> Result<Rules> {
        let r = Rules::parse(text)?;
        if r.is_empty() {
            return Err(Error::rule(
                text,
                "holds no rule; write e.g. 'kaiming_normal' or 'Linear.weight=zeros', or leave --init out for \
                 torch's default init",
            ));
        }
        Ok(r)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Applies the rules to `model`; an `lsuv` rule uses a generated N(0,1) batch.
    pub fn apply(&self, model: &dyn Module, rng: &mut Rng) -> Result<ApplyReport> {
        self.apply_with_batch(model, None, rng)
    }

    /// Applies the rules; `batch` is the data for `lsuv` (generated when `None`, see
    /// [`default_batch`]). Nothing is modified if any rule cannot apply.
    pub fn apply_with_batch(&self, model: &dyn Module, batch: Option<&Tensor>, rng: &mut Rng) -> Result<ApplyReport> {
        let mut report = ApplyReport::default();
        let mut used = vec![false; self.rules.len()];
        let mut plan: Vec<(Tensor, Option<Scheme>)> = Vec::new();
        let mut lsuv: Option<(LsuvOptions, Vec<String>)> = None;
        // Model-level schemes, resolved once into a scheme per parameter they set.
        let uses = |s: Scheme| self.rules.iter().any(|r| r.scheme == s);
        let fixup = if uses(Scheme::Fixup) { Some(super::fixup::fixup_plan(model)?) } else { None };
        let zir = uses(Scheme::ZeroInitResidual).then(|| super::fixup::zero_init_residual_plan(model));
        for (name, owner, local, p) in model.named_parameters_with_owner() {
            let shape = p.shape();
            let mut decided: Option<(usize, Scheme)> = None;
            for (i, r) in self.rules.iter().enumerate() {
                if let Some(s) = r.selector.select(&r.scheme, &name, owner.type_name(), local) {
                    // A model-level scheme only decides the parameters its plan sets.
                    let s = match s {
                        Scheme::Fixup => fixup.as_ref().and_then(|p| p.get(&name).cloned()),
                        Scheme::ZeroInitResidual => zir.as_ref().and_then(|p| p.get(&name).cloned()),
                        s => Some(s),
                    };
                    let Some(s) = s else { continue };
                    used[i] = true;
                    decided = Some((i, s));
                }
            }
            let mut entry = ParamReport {
                name: name.clone(),
                shape: shape.clone(),
                owner: owner.type_name().into(),
                scheme: None,
                rule: None,
                kept: false,
            };
            if let Some((i, s)) = decided {
                let rule = &self.rules[i].text;
                let at = |e: &dyn fmt::Display| {
                    Error::rule(
                        rule,
                        format!(
                            "cannot apply to parameter '{name}' ({}, shape {}): {e}",
                            owner.type_name(),
                            shape_str(&shape)
                        ),
                    )
                };
                // torch warns about an empty tensor only in kaiming_uniform_/kaiming_normal_, which a
                // Linear's or Conv's default init (its constructor) calls on its weight.
                let warns_empty = matches!(s, Scheme::KaimingUniform { .. } | Scheme::KaimingNormal { .. })
                    || (s == Scheme::Default && local == "weight" && LSUV_LAYERS.contains(&owner.type_name()));
                // `default` is the model as its constructors drew it (`torch.manual_seed(s); model =
                // <spec>`): nothing is drawn again; the report names the distribution it came from.
                let keep = s == Scheme::Default;
                let s = if keep { default_for(owner, local).map_err(|e| at(&e))? } else { s };
                if let Scheme::Lsuv { tol, max_iters } = s {
                    if owner.type_name() == "MuReadout" {
                        return Err(at(&"lsuv with --param mup: LSUV rescales each layer to unit output variance from \
                             the data, undoing μP's width scaling (the MuReadout's output must shrink as 1/width_mult); \
                             use a mup.* scheme (e.g. mup.kaiming_normal) or --param sp"));
                    }
                    if local != "weight" || !LSUV_LAYERS.contains(&owner.type_name()) {
                        return Err(at(&"lsuv rescales the weight of a Linear or Conv2d layer from its output"));
                    }
                    let module = name.strip_suffix(".weight").unwrap_or("").to_string();
                    lsuv.get_or_insert_with(|| (LsuvOptions { tol, max_iters }, Vec::new())).1.push(module);
                }
                s.check(&shape).map_err(|e| at(&e))?;
                if let Scheme::Mup(inner) = &s {
                    super::mup_init::check_tensor(inner, &p).map_err(|e| at(&e))?;
                }
                if warns_empty && shape.contains(&0) {
                    report.warnings.push(format!("{name}: Initializing zero-element tensors is a no-op"));
                }
                entry.scheme = Some(s);
                entry.rule = Some(rule.clone());
                entry.kept = keep;
            }
            plan.push((p, entry.scheme.clone().filter(|_| !entry.kept)));
            report.params.push(entry);
        }
        let lsuv_batch = match &lsuv {
            None => None,
            Some(_) => {
                forward_order(model)?;
                let b = match batch {
                    Some(b) => b.clone(),
                    None => default_batch(model, rng)?,
                };
                with_no_grad(|| model.forward(&b))
                    .map_err(|e| Error::invalid("lsuv", format!("the batch does not run through the model: {e}")))?;
                Some(b)
            }
        };
        for (i, r) in self.rules.iter().enumerate() {
            if used[i] {
                continue;
            }
            if r.selector == Selector::Bare {
                report.warnings.push(format!("init rule '{}' matches no parameter of the model", r.text));
            } else {
                return Err(unmatched(r, model));
            }
        }
        // Validated: now fill, in named_parameters order.
        for (p, s) in &plan {
            if let Some(s) = s {
                if p.numel() > 0 {
                    s.apply(p, rng)?;
                }
            }
        }
        if let (Some((opts, targets)), Some(b)) = (lsuv, lsuv_batch) {
            report.lsuv = Some(rescale(model, &b, &opts, &targets)?);
        }
        Ok(report)
    }
}

/// The error for a rule whose selector matches nothing: names it and suggests the nearest
/// selector that would match (by edit distance, over `Type.param` and dotted names).
fn unmatched(rule: &Rule, model: &dyn Module) -> Error {
    let sel = rule.text.split_once('=').map_or(rule.text.as_str(), |(s, _)| s.trim());
    let mut candidates: Vec<String> = Vec::new();
    for (name, owner, local, _) in model.named_parameters_with_owner() {
        for c in [format!("{}.{local}", owner.type_name()), name] {
            if !candidates.contains(&c) {
                candidates.push(c);
            }
        }
    }
    let key = sel.to_lowercase();
    let best = candidates.iter().min_by_key(|c| edit_distance(&key, &c.to_lowercase()));
    let hint = match best {
        Some(b) => format!("; did you mean '{b}'?"),
        None => " (the model has no parameters)".to_string(),
    };
    let shown: Vec<&str> = candidates.iter().take(12).map(String::as_str).collect();
    let more = if candidates.len() > shown.len() { ", …" } else { "" };
    Error::rule(
        &rule.text,
        format!("selector '{sel}' matches no parameter of the model{hint} (valid: {}{more})", shown.join(", ")),
    )
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// torch's default init of `owner`'s parameter `local`, as a concrete scheme: Linear and Conv*
/// weight and bias U(±1/√fan_in) with fan_in from the weight; norm layers weight 1, bias 0.
pub fn default_for(owner: &dyn Module, local: &str) -> Result<Scheme> {
    let ty = owner.type_name();
    if owner.downcast_ref::<crate::nn::MuReadout>().is_some_and(|m| m.readout_zero_init) {
        return Ok(Scheme::Zeros);
    }
    if ty == "Linear" || ty == "MuReadout" || ty.starts_with("Conv") {
        let w = owner
            .own_parameters()
            .into_iter()
            .find(|(n, _)| *n == "weight")
            .map(|(_, p)| p.shape())
            .ok_or_else(|| Error::invalid("default", format!("{ty} has no weight to take fan_in from")))?;
        let (fan_in, _) = fans(&w)?;
        let (w_bound, b_bound) = crate::nn::default_bounds(fan_in);
        let b = if local == "weight" { w_bound } else { b_bound };
        return Ok(Scheme::Uniform { a: -b, b });
    }
    if ty.contains("Norm") {
        return Ok(if local == "weight" { Scheme::Ones } else { Scheme::Zeros });
    }
    if let (Some(r), "gate") = (owner.downcast_ref::<crate::nn::Residual>(), local) {
        return Ok(Scheme::Constant { val: r.gate_init.unwrap_or(1.0) });
    }
    Err(Error::invalid(
        "default",
        format!("no torch default known for {ty}.{local}; known for Linear, Conv*, BatchNorm*/LayerNorm/GroupNorm, Residual.gate"),
    ))
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let texts: Vec<&str> = self.rules.iter().map(|r| r.text.as_str()).collect();
        f.write_str(&texts.join(";"))
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
