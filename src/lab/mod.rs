//! The lab around the library: datasets to train on, plots of what happened, and an HTML report
//! that puts the plots and tables on one self-contained page.

pub mod data;
pub mod plot;
pub mod probe;
pub mod report;
