//! `initlab merge DIR… --out DIR`: combine the shards of `compare --shard K/N` into the outputs
//! of one unsharded comparison.

use crate::error::Result;
use crate::lab::shard::merge;
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
}

pub fn run(a: &Args) -> Result<()> {
    let (p, results) = merge(&a.dirs)?;
    super::compare::report(&a.out, &p, &results, a.quiet)
}
