//! `GET /api/schema` (what can be chosen, with the command line's defaults) and `GET /api/phase`
//! (the theory's (σ_w², σ_b²) plane for an activation).

use super::settings::{MAX_DEPTH, MAX_EPOCHS, MAX_INITS, MAX_PARAMS};
use crate::init::scheme::SCHEME_NAMES;
use crate::lab::data::SYNTHETIC;
use crate::lab::models::shorthand::ACTIVATIONS;
use crate::theory::diagram::diagram;
use crate::theory::Act;
use serde_json::{json, Value};

/// The inits the page offers first (the same as `compare`'s classic ten).
pub fn schema() -> Value {
    json!({
        "datasets": SYNTHETIC,
        "activations": ACTIVATIONS,
        "norms": ["none", "bn", "ln"],
        "schemes": SCHEME_NAMES,
        "classic_inits": crate::lab::experiments::compare::CLASSIC_INITS,
        "optimizers": {
            "sgd": {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.0},
            "adam": {"lr": 0.001, "betas": [0.9, 0.999], "weight_decay": 0.0}
        },
        "defaults": {
            "data": "spiral", "depth": 2, "width": 100, "activation": "relu", "norm": "none",
            "residual": false, "bias": true, "seed": 0, "epochs": 300, "optimizer": "sgd",
            "lr": 0.05, "momentum": 0.9, "batch_size": null,
            "inits": ["zeros", "kaiming_normal(nonlinearity=relu)"],
            "by_task": {
                "classification": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9},
                "regression": {"optimizer": "adam", "lr": 0.001}
            }
        },
        "tasks": crate::lab::data::task::TASKS,
        "limits": {
            "inits": MAX_INITS, "epochs": MAX_EPOCHS, "depth": MAX_DEPTH, "parameters": MAX_PARAMS,
            "runs": super::MAX_RUNS, "upload_bytes": super::upload::MAX_UPLOAD, "streams": super::MAX_STREAMS, "body_bytes": super::MAX_BODY
        }
    })
}

/// Cells of the phase diagram (σ_w² × σ_b²).
const NW: usize = 24;
const NB: usize = 10;

/// ξ_c over σ_w² in (0, 4], σ_b² in (0, 0.5], the critical line and the jump line, for `activation`.
pub fn phase(activation: &str) -> crate::Result<Value> {
    let act = Act::parse(activation, None)?;
    static CACHE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, Value>>> =
        std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&act.label()) {
        return Ok(v.clone());
    }
    // One diagram at a time: requests for the same one wait for it and then read the cache.
    static COMPUTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = COMPUTING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&act.label()) {
        return Ok(v.clone());
    }
    // Inputs of unit mean square (q0 = 1, the theory command's default).
    let d = diagram(act, 4.0, 0.5, NW, NB, 1.0);
    // (σ_b², critical σ_w²) where order ends for unit inputs: χ₁ = 1 on the branch they reach, or
    // that fixed point running off to infinity (relu, softplus: χ₁ → 1 there too); a jump out of
    // the ordered basin (gelu, silu) is a line of its own, drawn dashed.
    let line = |jump: bool| -> Vec<(f64, f64)> {
        d.critical.iter().filter(|c| (c.2 == crate::theory::Transition::Jump) == jump).map(|c| (c.0, c.1)).collect()
    };
    let (critical, jump) = (line(false), line(true));
    let xi: Vec<Vec<Option<f64>>> =
        d.xi_c.iter().map(|r| r.iter().map(|v| v.is_finite().then_some(*v)).collect()).collect();
    let v = json!({
        "activation": act.label(),
        "sigma_w2": d.sigma_w2,
        "sigma_b2": d.sigma_b2,
        "xi_c": xi,
        "critical": critical,
        "jump": jump,
    });
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(act.label(), v.clone());
    Ok(v)
}
