//! Datasets to train on: small synthetic sets whose geometry makes the effect of an
//! initialization visible (spiral, moons, …, tiny images), and the user's own data from `.npy`,
//! `.csv` or `.safetensors` files. Every set is held in memory as one `[N, …]` input array and
//! one target (class ids or regression values), checked once when it is built.

mod files;
mod synthetic;
pub mod task;

use crate::{Error, Result};
use ndarray::{ArrayD, Axis};

pub use synthetic::{synthetic, synthetic_split, SYNTHETIC};

/// What the network should predict for each sample.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// One class id per sample, each in `0..num_classes`.
    Classes { labels: Vec<usize>, num_classes: usize },
    /// Regression targets, shape `[N, out]`.
    Values(ArrayD<f32>),
}

impl Target {
    /// Number of samples the target covers.
    pub fn len(&self) -> usize {
        match self {
            Target::Classes { labels, .. } => labels.len(),
            Target::Values(v) => v.shape().first().copied().unwrap_or(0),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A whole dataset in memory: `input` is `[N, features]` or `[N, C, H, W]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub name: String,
    pub input: ArrayD<f32>,
    pub target: Target,
}

impl Dataset {
    /// A dataset after checking that it is consistent: at least one sample, the same N in input
    /// and target, every label below `num_classes`, regression targets `[N, out]`, and only
    /// finite numbers.
    pub fn new(name: impl Into<String>, input: ArrayD<f32>, target: Target) -> Result<Dataset> {
        let name = name.into();
        check(&input, &target).map_err(|msg| Error::invalid(format!("dataset '{name}'"), msg))?;
        Ok(Dataset { name, input, target })
    }

    /// Number of samples N.
    pub fn len(&self) -> usize {
        self.input.shape()[0]
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Shape of one sample: `[features]` or `[C, H, W]`.
    pub fn input_shape(&self) -> &[usize] {
        &self.input.shape()[1..]
    }

    pub fn is_classification(&self) -> bool {
        matches!(self.target, Target::Classes { .. })
    }

    /// Width of the network's output: the number of classes, or the regression target's width.
    pub fn num_outputs(&self) -> usize {
        match &self.target {
            Target::Classes { num_classes, .. } => *num_classes,
            Target::Values(v) => v.shape()[1],
        }
    }

    /// Samples per class (`None` for regression).
    pub fn class_counts(&self) -> Option<Vec<usize>> {
        match &self.target {
            Target::Classes { labels, num_classes } => {
                let mut counts = vec![0; *num_classes];
                for &l in labels {
                    counts[l] += 1;
                }
                Some(counts)
            }
            Target::Values(_) => None,
        }
    }

    /// The rows `idx` (in that order, repeats allowed) of input and target.
    ///
    /// Panics if an index is `>= self.len()`: indices come from the caller's own sampler, not
    /// from user input.
    pub fn batch(&self, idx: &[usize]) -> (ArrayD<f32>, Target) {
        let input = self.input.select(Axis(0), idx);
        let target = match &self.target {
            Target::Classes { labels, num_classes } => {
                Target::Classes { labels: idx.iter().map(|&i| labels[i]).collect(), num_classes: *num_classes }
            }
            Target::Values(v) => Target::Values(v.select(Axis(0), idx)),
        };
        (input, target)
    }
}

/// The consistency rules of [`Dataset::new`], as a message for the caller to wrap (loaders name
/// the file, `new` names the dataset).
fn check(input: &ArrayD<f32>, target: &Target) -> std::result::Result<(), String> {
    let shape = input.shape();
    if shape.len() < 2 {
        return Err(format!("input has shape {shape:?}; expected [N, features] or [N, C, H, W]"));
    }
    let n = shape[0];
    if n == 0 {
        return Err("no samples (N = 0)".into());
    }
    if shape[1..].contains(&0) {
        return Err(format!("input has shape {shape:?}: a sample has no values"));
    }
    if target.len() != n {
        return Err(format!("N mismatch: input has {n} samples but target has {}", target.len()));
    }
    if let Some((i, v)) = first_non_finite(input) {
        return Err(format!("input sample {i} holds the non-finite value {v}"));
    }
    match target {
        Target::Classes { labels, num_classes } => {
            if let Some((i, l)) = labels.iter().enumerate().find(|(_, &l)| l >= *num_classes) {
                return Err(format!("label {l} of sample {i} is not below num_classes = {num_classes}"));
            }
        }
        Target::Values(v) => {
            if v.ndim() != 2 || v.shape()[1] == 0 {
                return Err(format!("regression target has shape {:?}; expected [N, out] with out >= 1", v.shape()));
            }
            if let Some((i, x)) = first_non_finite(v) {
                return Err(format!("target of sample {i} holds the non-finite value {x}"));
            }
        }
    }
    Ok(())
}

/// The first non-finite value and the sample (row along axis 0) that holds it.
fn first_non_finite(a: &ArrayD<f32>) -> Option<(usize, f32)> {
    let per = a.len() / a.shape()[0].max(1);
    a.iter().enumerate().find(|(_, v)| !v.is_finite()).map(|(k, &v)| (k / per.max(1), v))
}

/// A dataset by name or path: one of [`SYNTHETIC`] (drawn with `seed`), a `.npy`, `.csv` or
/// `.safetensors` file, or `X.npy,y.npy` (inputs and targets in two files). `seed` only matters
/// for synthetic sets.
pub fn load(spec: &str, seed: u64) -> Result<Dataset> {
    let spec = spec.trim();
    if SYNTHETIC.contains(&spec) {
        return synthetic(spec, seed);
    }
    if let Some((x, y)) = spec.split_once(',') {
        return files::load_npy_pair(x.trim(), y.trim());
    }
    let ext = std::path::Path::new(spec).extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("npy") => files::load_npy(spec),
        Some("csv") => files::load_csv(spec),
        Some("safetensors") => files::load_safetensors(spec),
        _ => Err(Error::invalid(
            format!("dataset '{spec}'"),
            format!(
                "not a synthetic dataset ({}) nor a data file (.npy, .csv, .safetensors, \
                 or X.npy,y.npy for inputs and targets in two files)",
                SYNTHETIC.join(", ")
            ),
        )),
    }
}

/// The training set named by `spec` (see [`load`]) and its held-out test set: a synthetic set
/// brings its own (drawn after it, [`synthetic_split`]); user data takes `test_file` (same sample
/// shape, labels among the training set's classes) or holds out the fraction `split` of its rows
/// (chosen by `torch.randperm(n)` from `torch.Generator().manual_seed(seed)`, the data's own
/// generator; the rest keep their order), and has none when neither is given.
pub fn load_with_test(
    spec: &str,
    seed: u64,
    test_file: Option<&str>,
    split: Option<f64>,
) -> Result<(Dataset, Option<Dataset>)> {
    let name = spec.trim();
    if test_file.is_some() && split.is_some() {
        return Err(Error::invalid("--test with --test-split", "give one of them, not both"));
    }
    if SYNTHETIC.contains(&name) {
        if let Some(flag) = test_file.map(|_| "--test").or(split.map(|_| "--test-split")) {
            return Err(Error::invalid(
                format!("{flag} with --data {name}"),
                "a synthetic dataset brings its own test set (the same size, drawn after the training set); leave it out",
            ));
        }
        let (train, test) = synthetic_split(name, seed)?;
        return Ok((train, Some(test)));
    }
    let data = load(spec, seed)?;
    if let Some(f) = test_file {
        let test = load(f, seed)?;
        return Ok((data.clone(), Some(fit_test(&data, test, f)?)));
    }
    hold_out(data, seed, split)
}

/// A user dataset already in memory (a `.csv` or `.npy` file's bytes, named `name` in errors and
/// the dataset's name), read with [`load`]'s rules and messages for that extension.
pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Dataset> {
    let ext = std::path::Path::new(name).extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("csv") => files::csv_from_bytes(name, bytes),
        Some("npy") => files::npy_from_bytes(name, bytes),
        _ => Err(Error::file(name, "expected a .csv or .npy file (one table, the target in the last column)")),
    }
}

/// `--test-split`: the fraction `split` of `data`'s rows held out (see [`load_with_test`]), or
/// no test set without one.
pub fn hold_out(data: Dataset, seed: u64, split: Option<f64>) -> Result<(Dataset, Option<Dataset>)> {
    match split {
        None => Ok((data, None)),
        Some(frac) => {
            let n = data.len();
            let n_test = (frac * n as f64).round() as usize;
            if !(frac > 0.0 && frac < 1.0) || n_test == 0 || n_test >= n {
                return Err(Error::invalid(
                    format!("--test-split {frac}"),
                    format!("needs a fraction in (0, 1) that leaves both parts of the {n} samples non-empty"),
                ));
            }
            let perm = crate::Rng::new(seed).randperm(n);
            let mut test_idx = perm[..n_test].to_vec();
            let mut train_idx = perm[n_test..].to_vec();
            test_idx.sort_unstable();
            train_idx.sort_unstable();
            let part = |idx: &[usize]| {
                let (x, t) = data.batch(idx);
                Dataset::new(data.name.clone(), x, t)
            };
            Ok((part(&train_idx)?, Some(part(&test_idx)?)))
        }
    }
}

/// A test set read from `file`, checked against the training data: same sample shape, the same
/// kind of target, labels among the training set's classes (it then counts them all).
fn fit_test(train: &Dataset, test: Dataset, file: &str) -> Result<Dataset> {
    let bad = |msg: String| Error::invalid(format!("--test '{file}'"), msg);
    if test.input_shape() != train.input_shape() {
        return Err(bad(format!(
            "samples of shape {:?}, but the training data's are {:?}",
            test.input_shape(),
            train.input_shape()
        )));
    }
    let test_outputs = test.num_outputs();
    match (&train.target, test.target) {
        (Target::Classes { num_classes, .. }, Target::Classes { labels, .. }) => {
            if let Some(l) = labels.iter().find(|&&l| l >= *num_classes) {
                return Err(bad(format!("label {l} is not one of the training data's {num_classes} classes")));
            }
            Dataset::new(test.name, test.input, Target::Classes { labels, num_classes: *num_classes })
        }
        (Target::Values(v), Target::Values(w)) if v.shape()[1] == w.shape()[1] => {
            Dataset::new(test.name, test.input, Target::Values(w))
        }
        _ => Err(bad(format!(
            "its targets ({} outputs) do not match the training data's ({} outputs, {})",
            test_outputs,
            train.num_outputs(),
            if train.is_classification() { "class ids" } else { "regression values" }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, IxDyn};

    fn toy() -> Dataset {
        let input = ArrayD::from_shape_vec(IxDyn(&[4, 2]), (0..8).map(|v| v as f32).collect());
        let target = Target::Classes { labels: vec![0, 1, 2, 1], num_classes: 3 };
        Dataset::new("toy", input.unwrap(), target).unwrap()
    }

    #[test]
    fn accessors_and_batch_gather_rows_in_order() {
        let d = toy();
        assert_eq!((d.len(), d.input_shape(), d.num_outputs()), (4, &[2][..], 3));
        assert!(d.is_classification() && !d.is_empty());
        assert_eq!(d.class_counts(), Some(vec![1, 2, 1]));
        let (x, t) = d.batch(&[3, 0, 3]);
        assert_eq!(x, array![[6.0f32, 7.0], [0.0, 1.0], [6.0, 7.0]].into_dyn());
        assert_eq!(t, Target::Classes { labels: vec![1, 0, 1], num_classes: 3 });

        let y = array![[1.0f32, -1.0], [2.0, -2.0]].into_dyn();
        let r = Dataset::new("r", array![[0.5f32], [1.5]].into_dyn(), Target::Values(y)).unwrap();
        assert_eq!(r.num_outputs(), 2);
        let (_, t) = r.batch(&[1]);
        assert_eq!(t, Target::Values(array![[2.0f32, -2.0]].into_dyn()));
    }

    #[test]
    fn new_rejects_inconsistent_data_with_a_precise_message() {
        let x = array![[0.0f32], [1.0]].into_dyn();
        let err = |t: Target, x: &ArrayD<f32>| Dataset::new("d", x.clone(), t).unwrap_err();
        let e = err(Target::Classes { labels: vec![0], num_classes: 1 }, &x).to_string();
        assert!(e.contains("dataset 'd'") && e.contains("2 samples but target has 1"), "{e}");
        let e = err(Target::Classes { labels: vec![0, 3], num_classes: 2 }, &x).to_string();
        assert!(e.contains("label 3 of sample 1"), "{e}");
        let bad = array![[0.0f32], [f32::NAN]].into_dyn();
        let e = err(Target::Classes { labels: vec![0, 0], num_classes: 1 }, &bad).to_string();
        assert!(e.contains("input sample 1") && e.contains("NaN"), "{e}");
        let e = err(Target::Values(array![1.0f32, 2.0].into_dyn()), &x).to_string();
        assert!(e.contains("expected [N, out]"), "{e}");
        let e = err(Target::Values(array![[1.0f32], [f32::INFINITY]].into_dyn()), &x);
        assert!(e.to_string().contains("target of sample 1"), "{e}");
        let e =
            err(Target::Classes { labels: vec![], num_classes: 1 }, &x.slice_move(ndarray::s![0..0, ..]).into_dyn());
        assert!(e.to_string().contains("no samples"), "{e}");
    }

    #[test]
    fn user_data_gets_a_test_set_from_a_file_or_a_split_and_none_by_default() {
        let dir = std::env::temp_dir().join(format!("initlab-data-split-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (train, test, wide, bad) =
            (dir.join("train.csv"), dir.join("test.csv"), dir.join("w.csv"), dir.join("b.csv"));
        let rows: String = (0..10).map(|i| format!("{i},{}.5,{}\n", i * 2, i % 2)).collect();
        std::fs::write(&train, format!("a,b,y\n{rows}")).unwrap();
        std::fs::write(&test, "a,b,y\n1,1,0\n2,2,0\n").unwrap();
        std::fs::write(&wide, "a,b,c,y\n1,1,1,0\n").unwrap();
        std::fs::write(&bad, "a,b,y\n1,1,5\n").unwrap();
        let t = train.to_str().unwrap();
        assert!(load_with_test(t, 0, None, None).unwrap().1.is_none());
        let (tr, te) = load_with_test(t, 0, None, Some(0.3)).unwrap();
        let te = te.unwrap();
        assert_eq!((tr.len(), te.len()), (7, 3));
        // Every row lands in exactly one part, each part in file order; the choice is the seed's.
        let mut firsts: Vec<f32> = tr.input.rows().into_iter().chain(te.input.rows()).map(|r| r[0]).collect();
        assert!(te.input.rows().into_iter().map(|r| r[0]).collect::<Vec<_>>().windows(2).all(|w| w[0] < w[1]));
        firsts.sort_by(f32::total_cmp);
        assert_eq!(firsts, (0..10).map(|i| i as f32).collect::<Vec<_>>());
        assert_eq!(load_with_test(t, 0, None, Some(0.3)).unwrap().1.unwrap(), te);
        let (_, from_file) = load_with_test(t, 0, Some(test.to_str().unwrap()), None).unwrap();
        let from_file = from_file.unwrap();
        assert_eq!((from_file.len(), from_file.num_outputs()), (2, 2), "counts the training set's classes");
        for (file, split, want) in [
            (None, Some(1.0), "--test-split 1"),
            (None, Some(0.01), "non-empty"),
            (Some(wide.to_str().unwrap()), None, "samples of shape [3]"),
            (Some(bad.to_str().unwrap()), None, "label 5 is not one of the training data's 2 classes"),
            (Some(test.to_str().unwrap()), Some(0.5), "not both"),
        ] {
            let e = load_with_test(t, 0, file, split).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
        let e = load_with_test("moons", 0, None, Some(0.5)).unwrap_err().to_string();
        assert!(e.contains("brings its own test set"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn load_names_the_value_and_what_is_valid() {
        assert_eq!(load(" xor ", 1).unwrap().name, "xor");
        let e = load("mnist", 0).unwrap_err().to_string();
        assert!(e.contains("'mnist'") && e.contains("spiral") && e.contains(".safetensors"), "{e}");
        let e = load("/no/such/file.csv", 0).unwrap_err().to_string();
        assert!(e.contains("/no/such/file.csv") && e.contains("cannot read"), "{e}");
    }
}
