//! mup's coord check (`mup.coord_check.get_coord_data`): for seed i, `torch.manual_seed(i)`, then
//! each width built and trained in turn for `steps` steps on one fixed batch; at every step, in
//! the forward before that step's update (step 1: before any update), each module's output
//! `l1 = mean |x|`, every module of `named_modules` in the order its forward hook fires
//! (children, then the whole model under the name "").

use super::{build_param, WidthConfig};
use crate::autograd::with_no_grad;
use crate::lab::instruments::taps::forward_leaves;
use crate::lab::models::param::Param;
use crate::lab::train::{loss_and_correct, optimizer, TrainConfig};
use crate::{Result, Rng, Tensor};

/// One l1 of one module at one step.
#[derive(Clone, Debug, PartialEq)]
pub struct CoordRecord {
    pub param: &'static str,
    pub width: usize,
    pub seed: usize,
    pub step: usize,
    pub module: String,
    pub type_name: String,
    pub l1: f64,
}

/// `torch.abs(x).mean().item()`: the mean in f64, rounded to f32 as torch's f32 result.
fn l1(x: &Tensor) -> f64 {
    let d = x.data();
    let n = d.len().max(1);
    (d.iter().map(|v| v.abs() as f64).sum::<f64>() / n as f64) as f32 as f64
}

/// The train config of the coord check's optimizer (full batch, no momentum unless given).
pub fn train_config(c: &WidthConfig, lr: f64) -> TrainConfig {
    TrainConfig {
        optimizer: c.optimizer,
        lr,
        momentum: c.momentum,
        weight_decay: 0.0,
        epochs: c.steps,
        batch_size: None,
    }
}

/// The records of one (parametrization, seed): every width in turn from one generator.
pub fn run_seed(c: &WidthConfig, param: &Param, seed: usize) -> Result<Vec<CoordRecord>> {
    let data = c.dataset()?;
    let crate::lab::data::Target::Classes { .. } = &data.target else { unreachable!("checked by dataset()") };
    let x = Tensor::new(data.input.clone());
    let tc = train_config(c, c.lr);
    let mut rng = Rng::new(seed as u64);
    let mut out = Vec::new();
    for &w in &c.widths {
        let (spec, base) = c.spec(param, w, &data)?;
        let model = build_param(&spec, base.as_ref(), &mut rng)?;
        let opt_model: &dyn crate::nn::Module = &*model;
        let mut opt = optimizer(opt_model, &tc)?;
        for step in 1..=c.steps {
            let mut rec = |module: &str, ty: &str, t: &Tensor| {
                out.push(CoordRecord {
                    param: param.name(),
                    width: w,
                    seed,
                    step,
                    module: module.to_string(),
                    type_name: ty.to_string(),
                    l1: l1(t),
                });
            };
            let y = forward_leaves(&*model, "", &x, &mut |name, m, h| {
                with_no_grad(|| rec(name, m.type_name(), &h));
                Ok(h)
            })?;
            rec("", model.type_name(), &y);
            let (loss, _) = loss_and_correct(&y, &data.target)?;
            opt.zero_grad();
            loss.backward()?;
            opt.step();
        }
    }
    Ok(out)
}

/// Every (parametrization, seed) of `c`, run `threads` wide; the records in (parametrization,
/// seed, width, step, module) order whatever the thread count.
pub fn run(c: &WidthConfig, threads: usize) -> Result<Vec<CoordRecord>> {
    c.check()?;
    c.dataset()?;
    let jobs: Vec<(usize, usize)> = (0..c.params.len()).flat_map(|p| (0..c.seeds).map(move |s| (p, s))).collect();
    let pool = crate::lab::run_pool(threads)?;
    let parts: Vec<Result<Vec<CoordRecord>>> = pool.install(|| {
        use rayon::prelude::*;
        jobs.par_iter().map(|&(p, s)| run_seed(c, &c.params[p], s)).collect()
    });
    let mut out = Vec::new();
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// `coord_check.csv`: `parametrization,width,seed,step,module,type,l1`.
pub fn csv(records: &[CoordRecord]) -> String {
    let mut s = String::from("parametrization,width,seed,step,module,type,l1\n");
    for r in records {
        s.push_str(&format!("{},{},{},{},{},{},{}\n", r.param, r.width, r.seed, r.step, r.module, r.type_name, r.l1));
    }
    s
}

/// The slopes as `coord_slopes.csv`: `parametrization, module, type, step, slope` (the fitted slope
/// of log l1 against log width, ≈ 0: width-stable).
pub fn slopes_csv(slopes: &[Slope]) -> String {
    let mut s = String::from("parametrization,module,type,step,slope\n");
    for x in slopes {
        s.push_str(&format!("{},{},{},{},{}\n", x.param, x.module, x.type_name, x.step, x.slope));
    }
    s
}

/// Per (parametrization, module, step): the seed-mean l1 at each width, in width order.
pub fn means(records: &[CoordRecord], param: &str, module: &str, step: usize, widths: &[usize]) -> Vec<f64> {
    widths
        .iter()
        .map(|&w| {
            let v: Vec<f64> = records
                .iter()
                .filter(|r| r.param == param && r.module == module && r.step == step && r.width == w)
                .map(|r| r.l1)
                .collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        })
        .collect()
}

/// The least-squares slope of ln y against ln x (NaN with fewer than two usable points).
pub fn loglog_slope(x: &[f64], y: &[f64]) -> f64 {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| **a > 0.0 && **b > 0.0 && b.is_finite())
        .map(|(a, b)| (a.ln(), b.ln()))
        .collect();
    if pts.len() < 2 {
        return f64::NAN;
    }
    let n = pts.len() as f64;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    sxy / sxx
}

/// The modules of `param`'s records (without the whole model ""), in forward order.
pub fn modules(records: &[CoordRecord], param: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in records.iter().filter(|r| r.param == param) {
        if !r.module.is_empty() && !out.iter().any(|(m, _)| *m == r.module) {
            out.push((r.module.clone(), r.type_name.clone()));
        }
    }
    out
}

/// One slope per (parametrization, module, step).
#[derive(Clone, Debug, PartialEq)]
pub struct Slope {
    pub param: &'static str,
    pub module: String,
    pub type_name: String,
    pub step: usize,
    pub slope: f64,
}

pub fn slopes(c: &WidthConfig, records: &[CoordRecord]) -> Vec<Slope> {
    let x: Vec<f64> = c.widths.iter().map(|&w| w as f64).collect();
    let mut out = Vec::new();
    for p in &c.params {
        for (m, t) in modules(records, p.name()) {
            for step in 1..=c.steps {
                let y = means(records, p.name(), &m, step, &c.widths);
                out.push(Slope {
                    param: p.name(),
                    module: m.clone(),
                    type_name: t.clone(),
                    step,
                    slope: loglog_slope(&x, &y),
                });
            }
        }
    }
    out
}
