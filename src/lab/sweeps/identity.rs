//! What identifies a grid's records: the checksum of a record, the fingerprint of what the flags
//! do not show (a model spec, a data file's bytes), and the texts that name a difference.

use serde::Serialize;

/// CRC-32 of `parts` (each followed by a NUL), in hex: a record's checksum.
pub fn checksum(parts: &[&str]) -> String {
    let mut h = crc32fast::Hasher::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    format!("{:08x}", h.finalize())
}

/// CRC-32 of `text` and the bytes of `data`, in hex.
pub fn data_fingerprint(text: &str, data: &crate::lab::data::Dataset) -> String {
    let mut h = crc32fast::Hasher::new();
    h.update(text.as_bytes());
    for v in data.input.iter() {
        h.update(&v.to_le_bytes());
    }
    match &data.target {
        crate::lab::data::Target::Classes { labels, num_classes } => {
            h.update(&(*num_classes as u64).to_le_bytes());
            labels.iter().for_each(|l| h.update(&(*l as u64).to_le_bytes()));
        }
        crate::lab::data::Target::Values(v) => v.iter().for_each(|x| h.update(&x.to_le_bytes())),
    }
    h.update(format!("{:?}", data.input.shape()).as_bytes());
    format!("{:08x}", h.finalize())
}

/// The first field in which `now` differs from `then`, as `--flag: then when the sweep started,
/// now now`.
pub fn first_difference<T: Serialize>(then: &T, now: &T) -> Option<String> {
    let (a, b) = (serde_json::to_value(then).ok()?, serde_json::to_value(now).ok()?);
    let (a, b) = (a.as_object()?, b.as_object()?);
    a.iter().find(|(k, v)| b.get(*k) != Some(v)).map(|(k, v)| {
        let flag = match k.as_str() {
            "inits" => "--init".to_string(),
            "starts" => "--start".to_string(),
            k => format!("--{}", k.replace('_', "-")),
        };
        format!("{flag}: {v} when the sweep started, {} now", b.get(k).cloned().unwrap_or_default())
    })
}

pub fn shard_text(s: Option<[usize; 2]>) -> String {
    s.map_or("no --shard".into(), |[k, n]| format!("--shard {k}/{n}"))
}
