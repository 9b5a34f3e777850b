//! The user's own data. Conventions:
//! - `.safetensors`: tensors `input` (f32 or f64, `[N, …]`) and `target` (i64/i32/u8 → class
//!   ids, f32/f64 → regression values; a 1-D float target becomes `[N, 1]`).
//! - `.csv`: one sample per row, last column the target; a first row that is not all numbers is a
//!   header. A target column that is integer-valued in every row holds class ids, otherwise
//!   regression values.
//! - `.npy`: a 2-D f32/f64 array, last column the target (same rule as CSV); or `X.npy,y.npy`,
//!   inputs and targets in two files (an integer `y` holds class ids; a float 1-D `y` follows the
//!   CSV rule; a float 2-D `y` is regression).
//!
//! Class ids must be 0, 1, 2, …; `num_classes` is the largest plus one.
//!
//! Errors number samples from 0 (`sample 3` is `X[3]`, as in numpy and torch); a CSV error also
//! gives the file's line (from 1, the header included, as an editor shows it).

use super::{check, Dataset, Target};
use crate::{Error, Result};
use ndarray::{ArrayD, Axis, IxDyn};
use ndarray_npy::{ReadNpyError, ReadNpyExt};
use safetensors::{Dtype, SafeTensors};
use std::path::Path;

/// More classes than this are taken as a mistake (a regression column read as class ids).
pub(super) const MAX_CLASSES: usize = 100_000;

fn read(path: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
    if bytes.is_empty() {
        return Err(Error::file(path, "empty file"));
    }
    Ok(bytes)
}

/// Builds the dataset, naming `path` in any consistency error.
fn finish(path: &str, input: ArrayD<f32>, target: Target) -> Result<Dataset> {
    check(&input, &target).map_err(|msg| Error::file(path, msg))?;
    let name = Path::new(path).file_stem().map_or(path.into(), |s| s.to_string_lossy().into());
    Ok(Dataset { name, input, target })
}

/// Inputs of shape `[N]` become `[N, 1]`.
fn at_least_2d(a: ArrayD<f32>) -> ArrayD<f32> {
    if a.ndim() == 1 {
        a.insert_axis(Axis(1))
    } else {
        a
    }
}

/// Class ids from values that must be non-negative integers; `what(i)` names sample `i`.
fn class_ids(vals: &[f64], what: impl Fn(usize) -> String) -> std::result::Result<Target, String> {
    let mut labels = Vec::with_capacity(vals.len());
    for (i, &v) in vals.iter().enumerate() {
        if v < 0.0 || v.fract() != 0.0 || !v.is_finite() {
            return Err(format!("{}: class label {v} is not a non-negative integer (labels are 0, 1, 2, …)", what(i)));
        }
        if v >= MAX_CLASSES as f64 {
            return Err(format!(
                "{}: class label {v} would mean more than {MAX_CLASSES} classes; for regression \
                 store the target as floats",
                what(i)
            ));
        }
        labels.push(v as usize);
    }
    let num_classes = labels.iter().max().map_or(0, |m| m + 1);
    Ok(Target::Classes { labels, num_classes })
}

/// The CSV/npy rule: integer-valued in every row → class ids, otherwise `[N, 1]` values.
fn classes_or_values(vals: Vec<f64>, what: impl Fn(usize) -> String) -> std::result::Result<Target, String> {
    if vals.iter().all(|v| v.is_finite() && v.fract() == 0.0) {
        return class_ids(&vals, what);
    }
    let n = vals.len();
    let v = vals.into_iter().map(|v| v as f32).collect();
    Ok(Target::Values(ArrayD::from_shape_vec(IxDyn(&[n, 1]), v).expect("n values")))
}

/// Splits a 2-D `[N, cols]` table into inputs `[N, cols-1]` and the last column.
fn split_last_column(table: ArrayD<f64>) -> (ArrayD<f32>, Vec<f64>) {
    let cols = table.shape()[1];
    let input = table.slice(ndarray::s![.., ..cols - 1]).mapv(|v| v as f32).into_dyn();
    let target = table.index_axis(Axis(1), cols - 1).iter().copied().collect();
    (input, target)
}

pub(super) fn load_csv(path: &str) -> Result<Dataset> {
    csv_from_bytes(path, &read(path)?)
}

/// A CSV file's contents, `path` naming it in errors (an upload's file name).
pub(super) fn csv_from_bytes(path: &str, bytes: &[u8]) -> Result<Dataset> {
    if bytes.is_empty() {
        return Err(Error::file(path, "empty file"));
    }
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let (mut values, mut width, mut first_line) = (Vec::new(), 0, 0);
    // The file line of each sample.
    let mut lines: Vec<usize> = Vec::new();
    for (k, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| Error::file(path, format!("not valid CSV: {e}")))?;
        let line = rec.position().map_or(k as u64 + 1, |p| p.line()) as usize;
        let at = |m: String| Error::file(path, format!("line {line} (sample {}): {m}", lines.len()));
        let parsed: std::result::Result<Vec<f64>, _> = rec.iter().map(str::parse::<f64>).collect();
        let Ok(parsed) = parsed else {
            if k == 0 {
                continue; // a header row
            }
            let (col, field) = rec.iter().enumerate().find(|(_, f)| f.parse::<f64>().is_err()).unwrap_or((0, ""));
            return Err(at(format!("column {}: '{field}' is not a number", col + 1)));
        };
        if let Some(col) = parsed.iter().position(|v| !(*v as f32).is_finite()) {
            let field = rec.get(col).unwrap_or("");
            return Err(at(format!("column {}: '{field}' is not a finite float32 number", col + 1)));
        }
        if width == 0 {
            if parsed.len() < 2 {
                return Err(at(format!("{} column; need features then a target column", parsed.len())));
            }
            (width, first_line) = (parsed.len(), line);
        } else if parsed.len() != width {
            return Err(at(format!("{} columns but line {first_line} has {width}", parsed.len())));
        }
        lines.push(line);
        values.extend(parsed);
    }
    if width == 0 {
        return Err(Error::file(path, "no data rows (only a header?)"));
    }
    let table = ArrayD::from_shape_vec(IxDyn(&[values.len() / width, width]), values).expect("rows of equal width");
    let (input, target) = split_last_column(table);
    let target = classes_or_values(target, |i| format!("line {} (sample {i}), target column", lines[i]))
        .map_err(|m| Error::file(path, m))?;
    finish(path, input, target)
}

/// Refuses an `.npy` header nested deeper than a plain array's (`{'descr': '<f4', 'shape': (5, 3)}`
/// is depth 2): the header parser behind `ndarray-npy` takes exponential time on deeply nested
/// brackets (a 134-byte file found by `cargo fuzz` ran for minutes), and structured dtypes, the only
/// legitimate deeper headers, are not supported anyway.
fn check_npy_header(path: &str, bytes: &[u8]) -> Result<()> {
    if bytes.len() < 10 || !bytes.starts_with(b"\x93NUMPY") {
        return Ok(()); // not an npy file: ndarray-npy says so
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        _ => return Ok(()),
    };
    let header = &bytes[start..bytes.len().min(start.saturating_add(len))];
    let (mut depth, mut deepest) = (0i64, 0i64);
    for &c in header {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        deepest = deepest.max(depth);
    }
    if deepest > 3 {
        return Err(Error::file(
            path,
            format!("the .npy header nests brackets {deepest} deep; expected a plain float or integer array"),
        ));
    }
    Ok(())
}

/// Any float (f32/f64) or, if `ints`, integer array in an `.npy` file, as f64.
fn read_npy_any(path: &str, ints: bool) -> Result<(ArrayD<f64>, bool)> {
    npy_any_from_bytes(path, &read(path)?, ints)
}

fn npy_any_from_bytes(path: &str, bytes: &[u8], ints: bool) -> Result<(ArrayD<f64>, bool)> {
    check_npy_header(path, bytes)?;
    let fail = |e: ReadNpyError| Error::file(path, format!("not a readable .npy array: {e}"));
    fn wrong(r: &std::result::Result<impl Sized, ReadNpyError>) -> bool {
        matches!(r, Err(ReadNpyError::WrongDescriptor(_)))
    }
    let r = ArrayD::<f32>::read_npy(bytes);
    if !wrong(&r) {
        return Ok((r.map_err(fail)?.mapv(f64::from), false));
    }
    let r = ArrayD::<f64>::read_npy(bytes);
    if !wrong(&r) || !ints {
        return r.map(|a| (a, false)).map_err(|e| match e {
            ReadNpyError::WrongDescriptor(d) => {
                Error::file(path, format!("dtype {d} is not supported; expected a float32 or float64 array"))
            }
            e => fail(e),
        });
    }
    let r = ArrayD::<i64>::read_npy(bytes);
    if !wrong(&r) {
        return Ok((r.map_err(fail)?.mapv(|v| v as f64), true));
    }
    let r = ArrayD::<i32>::read_npy(bytes);
    if !wrong(&r) {
        return Ok((r.map_err(fail)?.mapv(f64::from), true));
    }
    match ArrayD::<u8>::read_npy(bytes) {
        Ok(a) => Ok((a.mapv(f64::from), true)),
        Err(ReadNpyError::WrongDescriptor(d)) => {
            Err(Error::file(path, format!("dtype {d} is not supported; expected float32/float64 or int64/int32/uint8")))
        }
        Err(e) => Err(fail(e)),
    }
}

pub(super) fn load_npy(path: &str) -> Result<Dataset> {
    npy_from_bytes(path, &read(path)?)
}

/// An `.npy` file's contents, `path` naming it in errors (an upload's file name).
pub(super) fn npy_from_bytes(path: &str, bytes: &[u8]) -> Result<Dataset> {
    if bytes.is_empty() {
        return Err(Error::file(path, "empty file"));
    }
    let (table, _) = npy_any_from_bytes(path, bytes, false)?;
    if table.ndim() != 2 || table.shape()[1] < 2 {
        return Err(Error::file(
            path,
            format!(
                "array has shape {:?}; expected [N, features + 1] with the target in the last \
                 column, or pass X.npy,y.npy",
                table.shape()
            ),
        ));
    }
    let (input, target) = split_last_column(table);
    let target = classes_or_values(target, |i| format!("sample {i}, last column")).map_err(|m| Error::file(path, m))?;
    finish(path, input, target)
}

pub(super) fn load_npy_pair(x_path: &str, y_path: &str) -> Result<Dataset> {
    let (x, _) = read_npy_any(x_path, false)?;
    let (y, is_int) = read_npy_any(y_path, true)?;
    let n = y.shape().first().copied().unwrap_or(0);
    if x.shape().first() != Some(&n) {
        return Err(Error::file(
            y_path,
            format!("N mismatch: {x_path} has shape {:?} but {y_path} has shape {:?}", x.shape(), y.shape()),
        ));
    }
    let what = |i: usize| format!("sample {i} (y[{i}])");
    let target = match (y.ndim(), is_int) {
        (1, true) => class_ids(&y.iter().copied().collect::<Vec<_>>(), what),
        (1, false) => classes_or_values(y.iter().copied().collect(), what),
        (2, false) => Ok(Target::Values(y.mapv(|v| v as f32))),
        _ => {
            Err(format!("target has shape {:?}; expected [N] class ids or values, or [N, out] float values", y.shape()))
        }
    }
    .map_err(|m| Error::file(y_path, m))?;
    let mut d = finish(x_path, at_least_2d(x.mapv(|v| v as f32)), target)?;
    d.name = format!("{},{}", d.name, Path::new(y_path).file_stem().unwrap_or_default().to_string_lossy());
    Ok(d)
}

pub(super) fn load_safetensors(path: &str) -> Result<Dataset> {
    let bytes = read(path)?;
    let st = SafeTensors::deserialize(&bytes)
        .map_err(|e| Error::file(path, format!("not a readable safetensors file: {e}")))?;
    let get = |name: &str| {
        st.tensor(name).map_err(|_| {
            let mut names = st.names();
            names.sort();
            Error::file(
                path,
                format!("missing tensor '{name}' (found: {}); need 'input' and 'target'", names.join(", ")),
            )
        })
    };
    let (x, y) = (get("input")?, get("target")?);
    let as_f64 = |v: &safetensors::tensor::TensorView, name: &str| -> Result<Vec<f64>> {
        let d = v.data();
        Ok(match v.dtype() {
            Dtype::F32 => d.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
            Dtype::F64 => d.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect(),
            Dtype::I64 => d.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
            Dtype::I32 => d.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
            Dtype::U8 => d.iter().map(|&b| b as f64).collect(),
            other => {
                return Err(Error::file(
                    path,
                    format!("tensor '{name}' has dtype {other:?}; expected F32/F64 (or I64/I32/U8 for class ids)"),
                ))
            }
        })
    };
    if !matches!(x.dtype(), Dtype::F32 | Dtype::F64) {
        return Err(Error::file(path, format!("tensor 'input' has dtype {:?}; expected F32 or F64", x.dtype())));
    }
    let xs = as_f64(&x, "input")?.into_iter().map(|v| v as f32).collect();
    let input = at_least_2d(ArrayD::from_shape_vec(IxDyn(x.shape()), xs).expect("safetensors checked sizes"));
    let ys = as_f64(&y, "target")?;
    let is_float = matches!(y.dtype(), Dtype::F32 | Dtype::F64);
    let target = match (y.shape().len(), is_float) {
        (1, false) => class_ids(&ys, |i| format!("target[{i}]")),
        (1 | 2, true) => {
            let ys = ys.into_iter().map(|v| v as f32).collect();
            let shape = [y.shape()[0], y.shape().get(1).copied().unwrap_or(1)];
            Ok(Target::Values(ArrayD::from_shape_vec(IxDyn(&shape), ys).expect("same size")))
        }
        _ => Err(format!(
            "tensor 'target' has shape {:?} and dtype {:?}; expected [N] integer class ids or \
             [N] / [N, out] float values",
            y.shape(),
            y.dtype()
        )),
    }
    .map_err(|m| Error::file(path, m))?;
    finish(path, input, target)
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
