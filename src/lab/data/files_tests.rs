//! Tests of the file loaders: each format, each convention, each error, on small files written
//! to a fresh temporary directory.

use super::super::load;
use super::*;
use ndarray::{array, Array1, Array2};
use safetensors::tensor::TensorView;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh file path in the temp dir, unique per process and call.
fn tmp(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let k = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("initlab-data-{}-{k}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write(name: &str, text: &str) -> String {
    let p = tmp(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn err(spec: &str) -> String {
    load(spec, 0).unwrap_err().to_string()
}

#[test]
fn csv_with_header_and_class_labels() {
    let p = write("a.csv", "x1, x2 ,label\n0.5,1,2\n-1,2.5,0\n\n3,4,2.0\n");
    let d = load(&p, 0).unwrap();
    assert_eq!(d.name, "a");
    assert_eq!(d.input, array![[0.5f32, 1.0], [-1.0, 2.5], [3.0, 4.0]].into_dyn());
    assert_eq!(d.target, Target::Classes { labels: vec![2, 0, 2], num_classes: 3 });
}

#[test]
fn csv_without_header_and_float_target_is_regression() {
    let p = write("r.csv", "1,2,0.5\n3,4,1\n");
    let d = load(&p, 0).unwrap();
    assert_eq!(d.input.shape(), &[2, 2]);
    assert_eq!(d.target, Target::Values(array![[0.5f32], [1.0]].into_dyn()));
}

#[test]
fn csv_errors_name_the_file_row_and_problem() {
    let p = write("ragged.csv", "a,b,c,y\n1,2,3,0\n1,2,3,1\n4,5,6,0\n1,2,3,1\n1,2,3,1\n1,2,1\n");
    let e = err(&p);
    assert!(e.contains(&p) && e.contains("line 7 (sample 5): 3 columns but line 2 has 4"), "{e}");
    let e = err(&write("word.csv", "1,2\n3,oops\n"));
    assert!(e.contains("line 2 (sample 1): column 2: 'oops' is not a number"), "{e}");
    let e = err(&write("neg.csv", "1,0\n2,-1\n"));
    assert!(e.contains("line 2 (sample 1), target column") && e.contains("-1 is not a non-negative integer"), "{e}");
    let e = err(&write("huge.csv", "1,250000\n"));
    assert!(e.contains("more than 100000 classes"), "{e}");
    let e = err(&write("empty.csv", ""));
    assert!(e.contains("empty.csv: empty file"), "{e}");
    let e = err(&write("header.csv", "a,b\n"));
    assert!(e.contains("no data rows"), "{e}");
    let e = err(&write("one.csv", "1\n2\n"));
    assert!(e.contains("line 1 (sample 0): 1 column; need features then a target"), "{e}");
    let e = err(&write("nan.csv", "1,2,0\nnan,1,1\n"));
    assert!(e.contains("line 2 (sample 1): column 1: 'nan' is not a finite"), "{e}");
    // A header shifts lines, not samples; a value beyond float32 is not finite either.
    let e = err(&write("big.csv", "a,b,y\n1,2,0\n3,1e39,1\n"));
    assert!(e.contains("line 3 (sample 1): column 2: '1e39' is not a finite float32"), "{e}");
    let e = err(&write("hneg.csv", "a,y\n1,0\n2,-1\n"));
    assert!(e.contains("line 3 (sample 1), target column"), "{e}");
}

#[test]
fn npy_table_with_target_in_last_column() {
    let p = tmp("t.npy");
    ndarray_npy::write_npy(&p, &array![[1.0f64, 2.0, 1.0], [3.0, 4.0, 0.0]]).unwrap();
    let d = load(p.to_str().unwrap(), 0).unwrap();
    assert_eq!(d.input, array![[1.0f32, 2.0], [3.0, 4.0]].into_dyn());
    assert_eq!(d.target, Target::Classes { labels: vec![1, 0], num_classes: 2 });

    let p = tmp("r.npy");
    ndarray_npy::write_npy(&p, &array![[1.0f32, 0.25], [3.0, 0.5]]).unwrap();
    let d = load(p.to_str().unwrap(), 0).unwrap();
    assert_eq!(d.target, Target::Values(array![[0.25f32], [0.5]].into_dyn()));

    let p = tmp("flat.npy");
    ndarray_npy::write_npy(&p, &array![1.0f32, 2.0]).unwrap();
    let e = err(p.to_str().unwrap());
    assert!(e.contains("shape [2]") && e.contains("X.npy,y.npy"), "{e}");
    let p = tmp("ints.npy");
    ndarray_npy::write_npy(&p, &array![[1i64, 2]]).unwrap();
    let e = err(p.to_str().unwrap());
    assert!(e.contains("is not supported; expected a float32 or float64"), "{e}");
    let e = err(&write("junk.npy", "not numpy"));
    assert!(e.contains("junk.npy: not a readable .npy array"), "{e}");
}

#[test]
fn npy_pair_with_int_float_and_mismatched_targets() {
    let x = tmp("X.npy");
    ndarray_npy::write_npy(&x, &Array2::<f32>::from_elem((3, 2), 0.5)).unwrap();
    let (xs, y) = (x.to_str().unwrap(), tmp("y.npy"));
    let spec = format!("{xs}, {}", y.display());

    ndarray_npy::write_npy(&y, &array![0i64, 4, 1]).unwrap();
    let d = load(&spec, 0).unwrap();
    assert_eq!((d.num_outputs(), d.class_counts().unwrap()), (5, vec![1, 1, 0, 0, 1]));
    assert_eq!(d.name, "X,y");

    ndarray_npy::write_npy(&y, &array![[0.5f64, 1.0], [0.0, 1.0], [2.0, 1.0]]).unwrap();
    let d = load(&spec, 0).unwrap();
    assert_eq!((d.is_classification(), d.num_outputs()), (false, 2));

    ndarray_npy::write_npy(&y, &array![1u8, 1, 2]).unwrap();
    assert_eq!(load(&spec, 0).unwrap().num_outputs(), 3);

    ndarray_npy::write_npy(&y, &array![0i32, -2, 1]).unwrap();
    let e = err(&spec);
    assert!(e.contains("y.npy: sample 1 (y[1]): class label -2 is not a non-negative"), "{e}");

    ndarray_npy::write_npy(&y, &Array1::<f32>::zeros(4)).unwrap();
    let e = err(&spec);
    assert!(e.contains("N mismatch") && e.contains("[3, 2]") && e.contains("[4]"), "{e}");
}

fn safetensors_file(name: &str, tensors: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)>) -> String {
    let views: Vec<(&str, TensorView)> =
        tensors.iter().map(|(n, dt, s, b)| (*n, TensorView::new(*dt, s.clone(), b).unwrap())).collect();
    let bytes = safetensors::serialize(views, None).unwrap();
    let p = tmp(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn safetensors_classes_images_and_regression() {
    let img = f32_bytes(&(0..8).map(|v| v as f32).collect::<Vec<_>>());
    let ids: Vec<u8> = [2i64, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let p = safetensors_file(
        "img.safetensors",
        vec![("input", Dtype::F32, vec![2, 1, 2, 2], img.clone()), ("target", Dtype::I64, vec![2], ids)],
    );
    let d = load(&p, 0).unwrap();
    assert_eq!((d.input_shape(), d.num_outputs()), (&[1, 2, 2][..], 3));
    assert_eq!(d.input[[1, 0, 1, 1]], 7.0);
    assert_eq!(d.target, Target::Classes { labels: vec![2, 0], num_classes: 3 });

    let p = safetensors_file(
        "reg.safetensors",
        vec![("input", Dtype::F32, vec![2, 4], img.clone()), ("target", Dtype::F32, vec![2], f32_bytes(&[0.5, -1.5]))],
    );
    let d = load(&p, 0).unwrap();
    assert_eq!(d.target, Target::Values(array![[0.5f32], [-1.5]].into_dyn()));

    let ids32: Vec<u8> = [1i32, -1].iter().flat_map(|v| v.to_le_bytes()).collect();
    let p = safetensors_file(
        "neg.safetensors",
        vec![("input", Dtype::F32, vec![2, 4], img.clone()), ("target", Dtype::I32, vec![2], ids32)],
    );
    assert!(err(&p).contains("target[1]: class label -1"), "{}", err(&p));
}

#[test]
fn safetensors_errors_name_the_tensor_and_problem() {
    let x = f32_bytes(&[1.0, 2.0, 3.0, 4.0]);
    let p = safetensors_file("nt.safetensors", vec![("input", Dtype::F32, vec![2, 2], x.clone())]);
    let e = err(&p);
    assert!(e.contains("nt.safetensors: missing tensor 'target' (found: input)"), "{e}");
    let p = safetensors_file(
        "n.safetensors",
        vec![("input", Dtype::F32, vec![2, 2], x.clone()), ("target", Dtype::F32, vec![4], x.clone())],
    );
    assert!(err(&p).contains("N mismatch: input has 2 samples but target has 4"), "{}", err(&p));
    let p = safetensors_file(
        "dt.safetensors",
        vec![("input", Dtype::I32, vec![2, 2], x.clone()), ("target", Dtype::F32, vec![2, 2], x.clone())],
    );
    assert!(err(&p).contains("tensor 'input' has dtype I32; expected F32 or F64"), "{}", err(&p));
    let e = err(&write("bad.safetensors", "garbage!garbage!"));
    assert!(e.contains("bad.safetensors: not a readable safetensors file"), "{e}");
}

#[test]
fn an_npy_header_nested_deep_is_refused_at_once() {
    // Found by `cargo fuzz run data`: ndarray-npy's header parser ran for minutes on this file.
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz/npy_nested_header_timeout.npy");
    let t = std::time::Instant::now();
    let e = err(p);
    assert!(e.contains("nests brackets") && e.contains("plain float or integer array"), "{e}");
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    // A plain header (depth 2) still loads.
    let ok = tmp("plain.npy");
    ndarray_npy::write_npy(&ok, &array![[1.0f32, 0.0], [2.0, 1.0]]).unwrap();
    assert!(load(ok.to_str().unwrap(), 0).is_ok());
}
