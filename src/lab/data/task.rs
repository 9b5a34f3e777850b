//! What the user says about their data, so nothing is guessed silently: `--task` reads the
//! targets as class ids or as regression values whatever they look like, and `--standardize`
//! rescales every input feature to mean 0, std 1 with statistics fitted on the training split
//! only (the test split gets the same affine map).

use super::{load_with_test, Dataset, Target, SYNTHETIC};
use crate::{Error, Result};
use ndarray::{ArrayD, Axis, IxDyn};

/// The two tasks `--task` names.
pub const TASKS: &[&str] = &["classification", "regression"];

/// Per-feature mean and std of the training inputs (what `--standardize` applied).
#[derive(Clone, Debug, PartialEq)]
pub struct Standardization {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

/// The task a dataset is (`classification` or `regression`) and, for the automatic choice, why.
pub fn describe(d: &Dataset) -> String {
    match &d.target {
        Target::Classes { num_classes, .. } => {
            format!("classification ({num_classes} classes: every target is a non-negative integer)")
        }
        Target::Values(v) => format!("regression ({} output(s): the targets are not all integers)", v.shape()[1]),
    }
}

/// `d` read as `task`: class ids become values `[N, 1]`; values `[N, 1]` become class ids, each
/// a non-negative integer (an error names the first sample that is not).
pub fn as_task(d: Dataset, task: &str, what: &str) -> Result<Dataset> {
    let target = match (task, d.target) {
        ("classification", Target::Values(v)) => {
            if v.shape()[1] != 1 {
                return Err(Error::invalid(
                    format!("--task classification with {what}"),
                    format!("the targets have {} columns; class ids are one column", v.shape()[1]),
                ));
            }
            let mut labels = Vec::with_capacity(v.shape()[0]);
            for (i, &x) in v.iter().enumerate() {
                if !(x >= 0.0 && x.fract() == 0.0 && x < super::files::MAX_CLASSES as f32) {
                    return Err(Error::invalid(
                        format!("--task classification with {what}"),
                        format!("row {i} (counting samples from 0): target {x} is not a class id (0, 1, 2, …)"),
                    ));
                }
                labels.push(x as usize);
            }
            let num_classes = labels.iter().max().map_or(0, |m| m + 1);
            Target::Classes { labels, num_classes }
        }
        ("regression", Target::Classes { labels, .. }) => {
            let n = labels.len();
            let v = labels.into_iter().map(|l| l as f32).collect();
            Target::Values(ArrayD::from_shape_vec(IxDyn(&[n, 1]), v).expect("n values"))
        }
        ("classification" | "regression", t) => t,
        (other, _) => {
            return Err(Error::invalid(format!("--task {other}"), format!("one of {}", TASKS.join(", "))));
        }
    };
    Dataset::new(d.name, d.input, target)
}

/// The per-feature statistics of `train`'s inputs (a feature of std 0 keeps std 1: it is only
/// centred).
pub fn fit_standardization(train: &Dataset) -> Standardization {
    let n = train.input.shape()[0];
    let flat = train.input.to_shape((n, train.input.len() / n.max(1))).expect("contiguous rows").to_owned();
    let x = flat.mapv(f64::from);
    let mean = x.mean_axis(Axis(0)).expect("at least one sample");
    let std: Vec<f64> = x
        .axis_iter(Axis(1))
        .zip(mean.iter())
        .map(|(c, m)| {
            let s = (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64).sqrt();
            if s > 0.0 {
                s
            } else {
                1.0
            }
        })
        .collect();
    Standardization { mean: mean.to_vec(), std }
}

/// `d` with `s` applied to every input feature.
pub fn apply_standardization(mut d: Dataset, s: &Standardization) -> Dataset {
    let per = s.mean.len();
    for (k, v) in d.input.iter_mut().enumerate() {
        let j = k % per;
        *v = ((f64::from(*v) - s.mean[j]) / s.std[j]) as f32;
    }
    d
}

/// The training set of a command without a test split (phase, symmetry): [`load_for`] without a
/// test set, so `--task` and `--standardize` follow compare's rules and messages.
pub fn load_train(
    spec: &str,
    seed: u64,
    task: Option<&str>,
    standardize: bool,
) -> Result<(Dataset, Option<Standardization>)> {
    let (train, _, stats) = load_for(spec, seed, None, None, task, standardize)?;
    Ok((train, stats))
}

/// The line a command prints when it chose the task of a user's file itself (nothing for a
/// built-in set or when `--task` was given).
pub fn choice_line(spec: &str, task: Option<&str>, d: &Dataset) -> Option<String> {
    if task.is_some() || SYNTHETIC.contains(&spec.trim()) {
        return None;
    }
    let other = if d.is_classification() { "regression" } else { "classification" };
    let mut line = format!("task: {} — --task {other} reads them otherwise", describe(d));
    // Integers that take almost as many values as there are samples look like measurements, not
    // classes (y = 2x for x = 1…40 is 81 "classes", 40 of them with one sample each): say so.
    if let Target::Classes { labels, num_classes } = &d.target {
        let mut seen = vec![0usize; *num_classes];
        labels.iter().for_each(|&l| seen[l] += 1);
        let used = seen.iter().filter(|&&c| c > 0).count();
        let single = seen.iter().filter(|&&c| c == 1).count();
        if used > 2 && 2 * single > used {
            line += &format!(
                " (warning: {single} of the {used} classes present have one sample each: if the targets are values, not class ids, give --task regression)"
            );
        }
    }
    Some(line)
}

/// [`load_with_test`], then `task` (user files only: a built-in set has its own) and
/// `--standardize` (fitted on the training split, applied to both).
pub fn load_for(
    spec: &str,
    seed: u64,
    test_file: Option<&str>,
    split: Option<f64>,
    task: Option<&str>,
    standardize: bool,
) -> Result<(Dataset, Option<Dataset>, Option<Standardization>)> {
    let (train, test) = load_with_test(spec, seed, test_file, split)?;
    read_as(spec, train, test, task, standardize)
}

/// [`load_for`] of data already in memory (an upload named `name`): `--test-split`, `--task` and
/// `--standardize` with the same rules and messages.
pub fn given_for(
    name: &str,
    data: Dataset,
    seed: u64,
    split: Option<f64>,
    task: Option<&str>,
    standardize: bool,
) -> Result<(Dataset, Option<Dataset>, Option<Standardization>)> {
    let (train, test) = super::hold_out(data, seed, split)?;
    read_as(name, train, test, task, standardize)
}

fn read_as(
    spec: &str,
    mut train: Dataset,
    mut test: Option<Dataset>,
    task: Option<&str>,
    standardize: bool,
) -> Result<(Dataset, Option<Dataset>, Option<Standardization>)> {
    if let Some(t) = task {
        if SYNTHETIC.contains(&spec.trim()) {
            let own = if train.is_classification() { "classification" } else { "regression" };
            if t != own {
                return Err(Error::invalid(
                    format!("--task {t} with --data {}", spec.trim()),
                    format!("the built-in set is a {own} set; leave --task out"),
                ));
            }
        }
        train = as_task(train, t, &format!("--data '{}'", spec.trim()))?;
        test = test.map(|d| as_task(d, t, &format!("the test set of '{}'", spec.trim()))).transpose()?;
    }
    let stats = standardize.then(|| fit_standardization(&train));
    if let Some(s) = &stats {
        train = apply_standardization(train, s);
        test = test.map(|d| apply_standardization(d, s));
    }
    Ok((train, test, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(name: &str, text: &str) -> String {
        let p = std::env::temp_dir().join(format!("initlab-task-{}-{name}.csv", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }

    #[test]
    fn the_task_flag_overrides_what_the_targets_look_like() {
        // y = 2x, written as integers: read as 41 classes unless told.
        let f = csv("line", &(1..=20).map(|x| format!("{x},{}\n", 2 * x)).collect::<String>());
        let (auto, _, _) = load_for(&f, 0, None, None, None, false).unwrap();
        assert!(auto.is_classification() && describe(&auto).starts_with("classification (41 classes"));
        let line = choice_line(&f, None, &auto).unwrap();
        assert!(
            line.contains("20 of the 20 classes present have one sample each") && line.contains("--task regression"),
            "{line}"
        );
        // Real class ids (each used more than once) get no warning.
        let ids = csv("ids", &(0..30).map(|i| format!("{i},{}\n", i % 3)).collect::<String>());
        let (classes, _, _) = load_for(&ids, 0, None, None, None, false).unwrap();
        assert!(!choice_line(&ids, None, &classes).unwrap().contains("warning"));
        let (reg, _, _) = load_for(&f, 0, None, None, Some("regression"), false).unwrap();
        assert_eq!(
            reg.target,
            Target::Values(
                ArrayD::from_shape_vec(IxDyn(&[20, 1]), (1..=20).map(|x| 2.0 * x as f32).collect()).unwrap()
            )
        );
        // One 1.5 under classification: an error naming the row.
        let g = csv("half", "0,0\n1,1\n2,1.5\n3,0\n");
        let e = load_for(&g, 0, None, None, Some("classification"), false).unwrap_err().to_string();
        assert!(e.contains("row 2") && e.contains("1.5") && e.contains("--task classification"), "{e}");
        let e = load_for("spiral", 0, None, None, Some("regression"), false).unwrap_err().to_string();
        assert!(e.contains("classification set"), "{e}");
        let e = load_for(&f, 0, None, None, Some("clustering"), false).unwrap_err().to_string();
        assert!(e.contains("classification, regression"), "{e}");
    }

    #[test]
    fn standardize_fits_on_the_training_split_only() {
        let f = csv("std", "1,10,0\n3,10,1\n5,10,0\n7,10,1\n100,10,0\n");
        // --test-split 0.2 holds out one row (the 100 for seed 0 or another); the stats come from the rest.
        let (train, test, s) = load_for(&f, 0, None, Some(0.2), None, true).unwrap();
        let s = s.unwrap();
        let (test, train) = (test.unwrap(), train);
        assert_eq!(train.len(), 4);
        let col0: Vec<f32> = train.input.index_axis(Axis(1), 0).iter().copied().collect();
        let m: f64 = col0.iter().map(|&v| v as f64).sum::<f64>() / 4.0;
        let sd = (col0.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / 4.0).sqrt();
        assert!(m.abs() < 1e-6 && (sd - 1.0).abs() < 1e-6, "{m} {sd}");
        assert_eq!(s.std[1], 1.0, "a constant feature is only centred");
        assert!(train.input.index_axis(Axis(1), 1).iter().all(|&v| v == 0.0));
        // The held-out row went through the training split's map, not its own.
        let raw = test.input[[0, 0]] as f64 * s.std[0] + s.mean[0];
        assert!([1.0, 3.0, 5.0, 7.0, 100.0].iter().any(|&v| (v - raw).abs() < 1e-3), "{raw}");
        assert!((s.mean[0] - (116.0 - raw) / 4.0).abs() < 1e-4, "fitted on the 4 training rows only: {s:?}");
    }
}
