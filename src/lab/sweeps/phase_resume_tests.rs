use super::*;
use crate::lab::experiments::phase::dataset;
use std::sync::Mutex;

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-phase-resume-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn records_read_back_bit_for_bit_and_a_damaged_one_is_trained_again() {
    let c = PhaseConfig { sigma_w2: vec![1.0, 2.0], depths: vec![1, 2], epochs: 5, ..PhaseConfig::default() };
    let data = dataset(&c).unwrap();
    let out = tmp("records");
    let s = PhaseSweep::open(&out, &c, &data, None, false).unwrap();
    assert!(!out.exists(), "nothing is created before the first cell finishes");
    let cells: Mutex<Vec<(usize, Cell)>> = Mutex::new(Vec::new());
    run_pending_cells(&c, &data, &[0, 1, 2], 1, &AtomicBool::new(false), &|_| {}, &|r, cell| {
        s.record(r, &cell)?;
        cells.lock().unwrap().push((r, cell));
        Ok(())
    })
    .unwrap();
    let cells = cells.into_inner().unwrap();
    assert_eq!(s.records().recorded(), 3);
    // Without --resume: an error that says how to go on.
    let e = PhaseSweep::open(&out, &c, &data, None, false).err().unwrap().to_string();
    assert!(e.contains("unfinished phase grid (3 of 4 cells") && e.contains("--resume"), "{e}");
    // Another flag: the first difference is named.
    let other = PhaseConfig { sigma_b2: 0.1, ..c.clone() };
    let e = PhaseSweep::open(&out, &other, &data, None, true).err().unwrap().to_string();
    assert!(e.contains("--sigma-b2: 0.05 when the sweep started, 0.1 now"), "{e}");
    // Damage one record's number: its checksum catches it, its cell is to be trained again.
    let p1 = out.join(PHASE_DIR).join(record_name(1));
    let text = std::fs::read_to_string(&p1).unwrap();
    let bad = text.replacen("\"final_loss\":\"", "\"final_loss\":\"1", 1);
    assert_ne!(bad, text);
    std::fs::write(&p1, bad).unwrap();
    let again = PhaseSweep::open(&out, &c, &data, None, true).unwrap();
    assert_eq!(again.done.iter().copied().collect::<Vec<_>>(), vec![0, 2]);
    assert!(again.discarded[0].contains("checksum mismatch"), "{:?}", again.discarded);
    let back = again.results(&[0, 2]).unwrap();
    for ((_, want), got) in cells.iter().filter(|(r, _)| *r != 1).zip(&back) {
        assert_eq!(want.final_loss.to_bits(), got.final_loss.to_bits());
        assert_eq!(want.final_accuracy.to_bits(), got.final_accuracy.to_bits());
        assert_eq!((want.sigma_w2, want.depth, want.diverged), (got.sigma_w2, got.depth, got.diverged));
    }
    again.records().finish().unwrap();
    assert!(!out.join(PHASE_DIR).exists());
    let _ = std::fs::remove_dir_all(&out);
}
