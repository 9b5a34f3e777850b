//! `initlab merge DIR… --out DIR`: combine the shards of `compare --shard K/N` (or of `phase
//! --shard K/N`, or of `symmetry --shard K/N`) into the outputs of one unsharded run.

use crate::error::Result;
use crate::lab::sweeps::shard::merge;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Shard directories written by `compare --shard K/N`.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output directory for the merged comparison.
    #[arg(long)]
    pub out: PathBuf,
    /// No list of written files.
    #[arg(long)]
    pub quiet: bool,
    /// For shards of `phase`: the k of the k·ξ_c curve.
    #[arg(long, default_value_t = 6.0)]
    pub k: f64,
}

pub fn run(a: &Args) -> Result<()> {
    if a.dirs.iter().any(|d| crate::lab::sweeps::symmetry_records::is_symmetry_shard(d)) {
        let (p, runs) = crate::lab::sweeps::symmetry_records::merge(&a.dirs)?;
        let files = crate::lab::experiments::symmetry_out::write_all(&a.out, &p, &runs)?;
        super::symmetry::print_outputs(&p, &runs, &files, a.quiet);
        return Ok(());
    }
    let phase: Vec<bool> = a.dirs.iter().map(|d| crate::lab::sweeps::phase_shard::is_phase_shard(d)).collect();
    if let Some(i) = phase.iter().position(|&p| p != phase[0]) {
        let kind = |p: bool| if p { "a phase shard" } else { "not a phase shard (compare --shard)" };
        return Err(crate::Error::invalid(
            "merge",
            format!(
                "{} is {} but {} is {}: merge combines the shards of one sweep",
                a.dirs[i].display(),
                kind(phase[i]),
                a.dirs[0].display(),
                kind(phase[0])
            ),
        ));
    }
    if phase[0] {
        let (c, rows) = crate::lab::sweeps::phase_shard::merge(&a.dirs)?;
        crate::lab::sweeps::output::ensure_dir(&a.out)?;
        return super::phase::report(&a.out, &c, &rows, a.k, a.quiet);
    }
    let (p, results) = merge(&a.dirs)?;
    super::compare::report(&a.out, &p, &results, a.quiet)
}
