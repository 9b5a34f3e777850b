//! Sweeps: the machinery around an experiment's grid of runs. The per-run records and their CSVs
//! ([`results`]), resumable sweeps that record each finished run and train only the missing ones
//! ([`resume`]), shards of a grid and their merge ([`shard`], [`phase_shard`]), and all-or-nothing
//! output sets written to a staging directory and swapped in ([`output`]).

pub mod output;
pub mod phase_resume;
pub mod phase_shard;
pub mod records;
pub mod results;
pub mod resume;
pub mod shard;
pub mod symmetry_records;

#[cfg(test)]
mod progress_tests;
