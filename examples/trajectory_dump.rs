//! Every parameter after every epoch of one `compare` run (mlp:2-100-100-3:relu on spiral, full
//! batch, SGD lr 0.1 momentum 0.9, 300 epochs, as tests/torch_run_for_run.rs's trajectories), as
//! raw little-endian f32 in torch's parameter order, one state per epoch (epoch 0 = the init).
//! `scripts/trajectory_kink.py` reads it beside PyTorch's float32 and float64 runs of the same
//! program to say where a trajectory leaves float noise and why.
//!
//!   cargo run --release --example trajectory_dump -- [INIT] [SEED] [OUT] [LR]   (default, 1, /tmp/trajectory.f32, 0.1)

use initlab::lab::experiments::compare::{prepare, CompareConfig};
use initlab::lab::train::Run;
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let init = args.next().unwrap_or_else(|| "default".into());
    let seed: u64 = args.next().map(|s| s.parse().expect("SEED: an integer")).unwrap_or(1);
    let out = args.next().unwrap_or_else(|| "/tmp/trajectory.f32".into());
    let lr: f64 = args.next().map(|s| s.parse().expect("LR: a number")).unwrap_or(0.1);
    let config = CompareConfig {
        model: "mlp:2-100-100-3:relu".into(),
        data: "spiral".into(),
        inits: vec![(init.clone(), init)],
        seeds: 1,
        optimizer: "sgd".into(),
        lr,
        momentum: 0.9,
        epochs: 300,
        batch_size: None,
        ..CompareConfig::default()
    };
    let p = prepare(&config)?;
    let mut run = Run::from_init_param(&p.spec, p.base.as_ref(), &p.rules[0], seed, p.data.clone(), p.train.clone())?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(&out)?);
    loop {
        for (_, prm) in run.model().named_parameters() {
            for v in prm.to_vec() {
                f.write_all(&v.to_le_bytes())?;
            }
        }
        if run.is_done() {
            break;
        }
        run.step_epoch()?;
    }
    f.flush()?;
    eprintln!("{} epochs written to {out}", run.epoch());
    Ok(())
}
