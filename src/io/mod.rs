//! Files: safetensors read/write (atomic: a temp file renamed into place, so no half-written
//! output is ever left) and checkpoints with torch `state_dict` names.

mod checkpoint;
pub mod numbers;
mod safetensors_file;

pub use checkpoint::{load_checkpoint, load_state_dict, save_checkpoint, Checkpoint, BASE_SHAPES};
pub use safetensors_file::{read_safetensors, write_atomic, write_safetensors, Stored, TensorFile};
