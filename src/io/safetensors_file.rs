//! Named tensors in a safetensors file: f32 values (f64/f16 are read and rounded) and integer
//! values (class ids, `num_batches_tracked`) kept as i64.

use crate::error::{shape_str, Error, Result};
use ndarray::{ArrayD, IxDyn};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

/// One stored tensor.
#[derive(Clone, Debug, PartialEq)]
pub enum Stored {
    F32(ArrayD<f32>),
    I64(ArrayD<i64>),
}

impl Stored {
    pub fn shape(&self) -> &[usize] {
        match self {
            Stored::F32(a) => a.shape(),
            Stored::I64(a) => a.shape(),
        }
    }

    /// The values as f32 (integers converted).
    pub fn to_f32(&self) -> ArrayD<f32> {
        match self {
            Stored::F32(a) => a.clone(),
            Stored::I64(a) => a.mapv(|v| v as f32),
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, Stored::I64(_))
    }
}

/// The tensors of a file (in file order) and its metadata.
#[derive(Clone, Debug, Default)]
pub struct TensorFile {
    pub tensors: Vec<(String, Stored)>,
    pub metadata: HashMap<String, String>,
}

impl TensorFile {
    pub fn get(&self, name: &str) -> Option<&Stored> {
        self.tensors.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }
}

fn decode(name: &str, view: &TensorView<'_>, path: &Path) -> Result<Stored> {
    let shape = IxDyn(view.shape());
    let b = view.data();
    let arr = |v: Vec<f32>| {
        ArrayD::from_shape_vec(shape.clone(), v).map_err(|e| Error::file(path, format!("tensor '{name}': {e}")))
    };
    let arr_i = |v: Vec<i64>| {
        ArrayD::from_shape_vec(shape.clone(), v).map_err(|e| Error::file(path, format!("tensor '{name}': {e}")))
    };
    Ok(match view.dtype() {
        Dtype::F32 => {
            Stored::F32(arr(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())?)
        }
        Dtype::F64 => Stored::F32(arr(b
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
            .collect())?),
        Dtype::F16 => {
            Stored::F32(arr(b.chunks_exact(2).map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect())?)
        }
        Dtype::BF16 => Stored::F32(arr(b
            .chunks_exact(2)
            .map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16))
            .collect())?),
        Dtype::I64 => {
            Stored::I64(arr_i(b.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())?)
        }
        Dtype::I32 => Stored::I64(arr_i(
            b.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")) as i64).collect(),
        )?),
        Dtype::U8 => Stored::I64(arr_i(b.iter().map(|&c| c as i64).collect())?),
        Dtype::BOOL => Stored::I64(arr_i(b.iter().map(|&c| (c != 0) as i64).collect())?),
        other => {
            return Err(Error::file(
                path,
                format!("tensor '{name}' has dtype {other:?}; supported: F32, F64, F16, BF16, I64, I32, U8, BOOL"),
            ))
        }
    })
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as u32;
    let bits = match exp {
        0 if frac == 0 => sign,
        0 => {
            // subnormal: frac · 2^-24
            let v = frac as f32 * (1.0 / (1u32 << 24) as f32);
            return if sign != 0 { -v } else { v };
        }
        0x1f => sign | 0x7f80_0000 | (frac << 13),
        _ => sign | (((exp - 15 + 127) as u32) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

/// Reads every tensor and the metadata of a safetensors file; errors name the file.
pub fn read_safetensors(path: impl AsRef<Path>) -> Result<TensorFile> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
    let st = SafeTensors::deserialize(&bytes)
        .map_err(|e| Error::file(path, format!("not a valid safetensors file: {e}")))?;
    let (_, meta) = SafeTensors::read_metadata(&bytes)
        .map_err(|e| Error::file(path, format!("not a valid safetensors file: {e}")))?;
    let metadata = meta.metadata().clone().unwrap_or_default();
    // Keep the file's data order (the header's JSON map is unordered).
    let mut named: Vec<(String, TensorView<'_>)> = st.tensors();
    named.sort_by_key(|(n, _)| meta.info(n).map(|i| i.data_offsets.0).unwrap_or(0));
    let mut tensors = Vec::with_capacity(named.len());
    for (name, view) in named {
        let t = decode(&name, &view, path)?;
        tensors.push((name, t));
    }
    Ok(TensorFile { tensors, metadata })
}

/// `bytes` to `path` through a temporary sibling file and a rename; the temporary file is removed
/// if anything fails.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let path = path.as_ref();
    let name = path.file_name().ok_or_else(|| Error::file(path, "not a file path (no file name)"))?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, format!("cannot create directory: {e}")))?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::file(path, format!("cannot write: {e}"))
    })
}

/// Writes named tensors (names must be unique) and metadata as one safetensors file, atomically.
pub fn write_safetensors(
    path: impl AsRef<Path>,
    tensors: &[(String, Stored)],
    metadata: &HashMap<String, String>,
) -> Result<()> {
    let path = path.as_ref();
    let mut buffers: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::with_capacity(tensors.len());
    for (name, t) in tensors {
        if buffers.iter().any(|(n, ..)| n == name) {
            return Err(Error::file(path, format!("tensor '{name}' appears twice")));
        }
        let (dtype, bytes) = match t {
            Stored::F32(a) => (Dtype::F32, a.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()),
            Stored::I64(a) => (Dtype::I64, a.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()),
        };
        buffers.push((name.clone(), dtype, t.shape().to_vec(), bytes));
    }
    let mut views = Vec::with_capacity(buffers.len());
    for (name, dtype, shape, bytes) in &buffers {
        let v = TensorView::new(*dtype, shape.clone(), bytes)
            .map_err(|e| Error::file(path, format!("tensor '{name}' of shape {}: {e}", shape_str(shape))))?;
        views.push((name.clone(), v));
    }
    let meta = if metadata.is_empty() { None } else { Some(metadata.clone()) };
    let bytes =
        safetensors::tensor::serialize(views, meta).map_err(|e| Error::file(path, format!("cannot encode: {e}")))?;
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let dir = std::env::temp_dir().join(format!("initlab-st-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.safetensors");
        let a = Stored::F32(ndarray::arr2(&[[1.0f32, 2.0], [3.0, 4.5]]).into_dyn());
        let b = Stored::I64(ndarray::arr1(&[3i64]).into_dyn());
        let meta = HashMap::from([("k".to_string(), "v".to_string())]);
        write_safetensors(&p, &[("w".into(), a.clone()), ("n".into(), b.clone())], &meta).unwrap();
        let f = read_safetensors(&p).unwrap();
        assert_eq!(f.get("w"), Some(&a));
        assert_eq!(f.get("n"), Some(&b));
        assert_eq!(f.metadata["k"], "v");
        let missing = dir.join("nope.safetensors");
        assert!(read_safetensors(&missing).unwrap_err().to_string().starts_with(&missing.display().to_string()));
        std::fs::write(dir.join("bad.safetensors"), b"garbage").unwrap();
        let e = read_safetensors(dir.join("bad.safetensors")).unwrap_err().to_string();
        assert!(e.contains("not a valid safetensors file"), "{e}");
        assert!((f16_to_f32(0x3c00) - 1.0).abs() < 1e-7 && (f16_to_f32(0xc000) + 2.0).abs() < 1e-7);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
