//! What the commands of the grids whose records hold everything (symmetry, the lr sweep) say
//! when training stops before the end: an error or Ctrl-C after some runs were kept names where
//! they are and the command that resumes them.

use super::compare::{resume_command, STOP};
use crate::lab::sweeps::records::Records;
use crate::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::atomic::Ordering;

/// `trained`, the outcome of training into `records` the runs of a grid of `total`, as the
/// command's result: a failure or a Ctrl-C after some runs were kept (finished, or saved in
/// flight) says where they are and how to resume.
pub fn check_trained<C: Serialize + DeserializeOwned>(
    records: &Records<C>,
    total: usize,
    trained: Result<usize>,
) -> Result<()> {
    let kept = records.recorded() + records.in_flight();
    let how = || {
        format!(
            "{} of {total} runs finished and are kept in {} ({} in flight saved where they were); resume with: {}",
            records.recorded(),
            records.dir().display(),
            records.in_flight(),
            resume_command()
        )
    };
    if let Err(e) = trained {
        return Err(if kept == 0 { e } else { Error::invalid(e, how()) });
    }
    if STOP.load(Ordering::SeqCst) {
        return Err(Error::Interrupted(if kept == 0 {
            "no run had finished; nothing to resume".into()
        } else {
            how()
        }));
    }
    Ok(())
}
