//! Checkpoints: a model's `state_dict` under torch's names, with the architecture as JSON in the
//! metadata key `model`, so the same file loads in PyTorch with `load_state_dict`.

use super::safetensors_file::{read_safetensors, write_safetensors, Stored, TensorFile};
use crate::error::{shape_str, Error, Result};
use crate::nn::{self, Module};
use crate::rng::Rng;
use std::collections::HashMap;
use std::path::Path;

/// A model read from a checkpoint, with the file's metadata.
/// The metadata key of a μP model's base shapes ([`nn::mup::BaseShapes::to_json`]).
pub const BASE_SHAPES: &str = "base_shapes";

pub struct Checkpoint {
    pub model: Box<dyn Module>,
    pub metadata: HashMap<String, String>,
}

fn is_integer_buffer(name: &str) -> bool {
    name == "num_batches_tracked" || name.ends_with(".num_batches_tracked")
}

/// Writes `model`'s state dict and spec (plus `extra` metadata) to `path`, atomically.
pub fn save_checkpoint(path: impl AsRef<Path>, model: &dyn Module, extra: &HashMap<String, String>) -> Result<()> {
    let mut tensors = Vec::new();
    for (name, t) in model.state_dict() {
        let a = t.to_array();
        let stored = if is_integer_buffer(&name) { Stored::I64(a.mapv(|v| v as i64)) } else { Stored::F32(a) };
        tensors.push((name, stored));
    }
    let mut meta = extra.clone();
    meta.insert("model".into(), nn::to_spec(model).to_string());
    // μP: the base shapes, so a reloaded model is the same μP model (its MuReadout's multiplier
    // and the μP optimizers read them); mup saves them beside a model as a `.bsh` file.
    if let Some(b) = nn::mup::BaseShapes::of(model) {
        meta.insert(BASE_SHAPES.into(), b.to_json());
    }
    write_safetensors(path, &tensors, &meta)
}

/// Copies every tensor of `file` into `model` by state-dict name. Strict like torch: a missing
/// or unexpected tensor, or a shape that differs, is an error naming the tensor (and shapes).
pub fn load_state_dict(model: &dyn Module, file: &TensorFile) -> Result<()> {
    let state = model.state_dict();
    for (name, t) in &state {
        let Some(stored) = file.get(name) else {
            return Err(Error::checkpoint(name, "missing from the checkpoint"));
        };
        let want = t.shape();
        if stored.shape() != want.as_slice() {
            return Err(Error::checkpoint(
                name,
                format!("shape {} in the checkpoint but {} in the model", shape_str(stored.shape()), shape_str(&want)),
            ));
        }
    }
    for (name, _) in &file.tensors {
        if !state.iter().any(|(n, _)| n == name) {
            let known: Vec<&str> = state.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::checkpoint(name, format!("not in the model (the model has {})", known.join(", "))));
        }
    }
    for (name, t) in &state {
        let stored = file.get(name).expect("checked above");
        *t.data_mut() = stored.to_f32();
    }
    Ok(())
}

/// Reads a checkpoint: builds the model from the `model` metadata and loads its tensors.
pub fn load_checkpoint(path: impl AsRef<Path>) -> Result<Checkpoint> {
    let path = path.as_ref();
    if path.extension().is_some_and(|e| e == "json") {
        return Err(Error::file(
            path,
            "a JSON spec has no weights; a checkpoint is needed here (make one with `initlab init SPEC --out FILE`)",
        ));
    }
    let file = read_safetensors(path)?;
    let spec = file.metadata.get("model").ok_or_else(|| {
        Error::file(
            path,
            "no 'model' key in the metadata: not an initlab/torch_ref checkpoint (the architecture is unknown)",
        )
    })?;
    let model = nn::parse_spec(spec, &mut Rng::new(0)).map_err(|e| Error::file(path, e))?;
    load_state_dict(model.as_ref(), &file).map_err(|e| Error::file(path, e))?;
    if let Some(text) = file.metadata.get(BASE_SHAPES) {
        // mup's `set_base_shapes(model, base, rescale_params=False)`: the stored weights are μP's.
        let b = nn::mup::BaseShapes::from_json(text).map_err(|e| Error::file(path, e))?;
        nn::mup::set_base_shapes(model.as_ref(), &b, false).map_err(|e| Error::file(path, e))?;
    }
    Ok(Checkpoint { model, metadata: file.metadata })
}
