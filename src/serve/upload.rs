//! The user's own data in the playground: `POST /api/data?name=FILE.csv` (or `.npy`) with the
//! file's bytes as the body, read with `compare --data FILE`'s rules and messages
//! ([`crate::lab::data::from_bytes`]). Uploads stay in memory (the last [`MAX_UPLOADS`], each at
//! most [`MAX_UPLOAD`] bytes), nothing is written; a run names one as `"data": "upload:u1"`, and
//! its command line names the file (`--data FILE.csv`), which `GET /api/data/{id}` hands back so
//! the user can save it beside the command.

use crate::lab::data::{self, task, Dataset};
use crate::{Error, Result};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Largest upload (bytes).
pub const MAX_UPLOAD: usize = 1 << 20;
/// Uploads kept; a new one beyond this forgets the oldest (runs keep their own copy of the data).
pub const MAX_UPLOADS: usize = 8;
/// The prefix of an upload's name in a run's `data`.
pub const PREFIX: &str = "upload:";

/// One uploaded file, parsed.
#[derive(Debug)]
pub struct Upload {
    pub id: String,
    /// The file name the command line uses (`--data NAME`).
    pub name: String,
    pub bytes: Vec<u8>,
    pub data: Dataset,
}

impl Upload {
    /// What the page shows of it: rows, features and the task its targets read as.
    pub fn summary(&self) -> serde_json::Value {
        let d = &self.data;
        serde_json::json!({
            "id": self.id,
            "data": format!("{PREFIX}{}", self.id),
            "name": self.name,
            "bytes": self.bytes.len(),
            "rows": d.len(),
            "features": d.input.len() / d.len().max(1),
            "task": if d.is_classification() { "classification" } else { "regression" },
            "describe": task::describe(d),
        })
    }
}

/// The uploads a server holds.
#[derive(Default)]
pub struct Uploads {
    list: Mutex<VecDeque<Arc<Upload>>>,
    next: AtomicU64,
}

/// A file name fit for a command line: the last path part, letters, digits, `.`, `-`, `_`
/// only, ending in `.csv` or `.npy`.
pub fn file_name(raw: &str) -> Result<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).take(80).collect();
    let clean = clean.trim_start_matches('.').to_string();
    let lower = clean.to_ascii_lowercase();
    if !(lower.ends_with(".csv") || lower.ends_with(".npy")) || clean.len() < 5 {
        let shown: String = raw.chars().take(80).collect();
        return Err(Error::invalid(
            format!("upload name '{shown}'"),
            "expected a .csv or .npy file name (?name=points.csv)",
        ));
    }
    Ok(clean)
}

impl Uploads {
    /// Reads `bytes` as the file `name` and keeps it.
    pub fn add(&self, name: &str, bytes: Vec<u8>) -> Result<Arc<Upload>> {
        let name = file_name(name)?;
        if bytes.len() > MAX_UPLOAD {
            return Err(too_big(bytes.len()));
        }
        let data = data::from_bytes(&name, &bytes)?;
        let id = format!("u{}", self.next.fetch_add(1, Ordering::SeqCst) + 1);
        let u = Arc::new(Upload { id, name, bytes, data });
        let mut l = self.list.lock().unwrap_or_else(|e| e.into_inner());
        if l.len() >= MAX_UPLOADS {
            l.pop_front();
        }
        l.push_back(u.clone());
        Ok(u)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Upload>> {
        let id = id.strip_prefix(PREFIX).unwrap_or(id);
        self.list.lock().unwrap_or_else(|e| e.into_inner()).iter().find(|u| u.id == id).cloned()
    }
}

/// The error of a body over [`MAX_UPLOAD`] (`len` bytes, or more when unknown).
pub fn too_big(len: usize) -> Error {
    Error::invalid(
        format!("upload of {len} bytes"),
        format!("the playground's limit is {MAX_UPLOAD} bytes (1 MiB) per file; use initlab compare --data FILE for larger data"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_files_read_with_compares_rules() {
        assert_eq!(file_name("../../etc/my data.csv").unwrap(), "my_data.csv");
        assert_eq!(file_name("C:\\x\\pts.NPY").unwrap(), "pts.NPY");
        assert!(file_name("passwd").unwrap_err().to_string().contains(".csv or .npy"));
        assert!(file_name(".csv").is_err());
        let u = Uploads::default();
        let a = u.add("a.csv", b"x,y\n0.5,1\n1.5,0\n".to_vec()).unwrap();
        assert_eq!((a.id.as_str(), a.data.len(), a.data.is_classification()), ("u1", 2, true));
        let e = u.add("b.csv", b"1,2\n3,x\n".to_vec()).unwrap_err().to_string();
        let dir = std::env::temp_dir().join(format!("initlab-upload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.csv");
        std::fs::write(&path, b"1,2\n3,x\n").unwrap();
        let cli = data::load(&path.to_string_lossy(), 0).unwrap_err().to_string();
        assert_eq!(e, cli.replace(&path.to_string_lossy().to_string(), "b.csv"), "the command line's message");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(e.starts_with("b.csv: line 2 (sample 1): column 2: 'x' is not a number"), "{e}");
        assert!(u.add("c.csv", vec![b'1'; MAX_UPLOAD + 1]).unwrap_err().to_string().contains("1048576 bytes"));
        for i in 0..MAX_UPLOADS {
            u.add(&format!("d{i}.csv"), b"0,1\n1,0\n".to_vec()).unwrap();
        }
        assert!(u.get("u1").is_none(), "the oldest is forgotten");
        assert_eq!(u.get("upload:u9").unwrap().name, "d7.csv");
    }
}
