//! Sweeps: the machinery around an experiment's grid of runs. One record store for every
//! resumable grid ([`records`], with [`identity`] and [`inflight`]: finished items and the `Run`
//! snapshots of items in flight), and on it compare's ([`resume`]), phase's ([`phase_resume`]),
//! symmetry's ([`symmetry_records`]) and the lr sweep's ([`lr_records`]) records; the per-run
//! CSVs ([`results`]); shards of a grid and their merge ([`shard`], [`phase_shard`], and
//! [`shard_file`] for the grids whose records hold everything); and all-or-nothing output sets
//! written to a staging directory and swapped in ([`output`]).

pub mod identity;
pub mod inflight;
pub mod lr_records;
pub mod output;
pub mod phase_resume;
pub mod phase_shard;
pub mod records;
pub mod results;
pub mod resume;
pub mod shard;
pub mod shard_file;
pub mod symmetry_records;

#[cfg(test)]
mod progress_tests;
