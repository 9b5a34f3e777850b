//! A per-thread free list of large f32 buffers, so a training loop stops returning its activations
//! and gradients to malloc every step and asking for them again the next.
//!
//! Why: each step frees and reallocates the same ~10 arrays. With glibc, small long-lived
//! allocations made in between (a loop's per-epoch records) split the freed holes, the next big
//! array no longer fits and the heap grows: `initlab compare`'s 50-run default sweep peaked at
//! 330+ MB. Buffers ≥ 1 MB are mmapped and freed to the kernel instead, so every step also paid
//! their page faults. Reusing buffers fixes both. The pool is bounded, per thread (a rayon worker
//! keeps its own), and a buffer handed out may hold stale values: callers overwrite all of it
//! (or ask for [`take_zeroed`]).

use ndarray::ArrayD;
use std::cell::RefCell;

/// Buffers smaller than this many elements go straight to malloc (cheap, no fragmentation).
const MIN_LEN: usize = 1 << 12;
/// At most this many buffers and this many elements are kept per thread.
const MAX_BUFFERS: usize = 32;
const MAX_ELEMS: usize = 1 << 24;

thread_local! {
    static FREE: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// A vector of `len` elements with unspecified (finite or not) contents.
pub fn take(len: usize) -> Vec<f32> {
    if len >= MIN_LEN {
        let hit = FREE.with(|f| {
            let mut f = f.borrow_mut();
            // The smallest buffer that fits without wasting more than half of it.
            let best = (0..f.len())
                .filter(|&i| f[i].capacity() >= len && f[i].capacity() / 2 <= len)
                .min_by_key(|&i| f[i].capacity());
            best.map(|i| f.swap_remove(i))
        });
        if let Some(mut v) = hit {
            // SAFETY: capacity ≥ len (checked above), and `give` initialized every element up to
            // the capacity before storing the buffer.
            unsafe { v.set_len(len) };
            return v;
        }
    }
    vec![0.0; len]
}

/// A vector of `len` zeros.
pub fn take_zeroed(len: usize) -> Vec<f32> {
    let mut v = take(len);
    v.fill(0.0);
    v
}

/// A buffer from [`take`] that goes back to the pool when dropped: for scratch space a kernel
/// needs on every call (conv's column matrices), which from malloc would be fresh pages to fault
/// in each step. Its contents start unspecified, as with [`take`].
pub struct Pooled(pub Vec<f32>);

impl Pooled {
    pub fn new(len: usize) -> Pooled {
        Pooled(take(len))
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        give(std::mem::take(&mut self.0));
    }
}

/// A pooled copy of `a`'s values in logical (row-major) order.
pub fn copy_of(a: &ArrayD<f32>) -> Vec<f32> {
    let mut v = take(a.len());
    match a.as_slice() {
        Some(s) => v.copy_from_slice(s),
        None => v.iter_mut().zip(a.iter()).for_each(|(o, x)| *o = *x),
    }
    v
}

/// Hands a vector back for reuse (dropped when small or when the pool is full). When the pool
/// holds its most buffers, a larger one replaces the smallest: a step's many small buffers must
/// not crowd out the few large ones that cost the most to get again.
pub fn give(mut v: Vec<f32>) {
    if v.capacity() < MIN_LEN {
        return;
    }
    FREE.with(|f| {
        let mut f = f.borrow_mut();
        if f.len() >= MAX_BUFFERS {
            let smallest = (0..f.len()).min_by_key(|&i| f[i].capacity()).expect("the pool is full");
            if f[smallest].capacity() >= v.capacity() {
                return;
            }
            f.swap_remove(smallest);
        }
        let held: usize = f.iter().map(Vec::capacity).sum();
        if f.len() < MAX_BUFFERS && held + v.capacity() <= MAX_ELEMS {
            // Initialize up to capacity (no reallocation), so `take` may expose any prefix.
            v.resize(v.capacity(), 0.0);
            f.push(v);
        }
    });
}

/// Hands an array's storage back for reuse.
pub fn recycle(a: ArrayD<f32>) {
    if a.len() >= MIN_LEN {
        let (v, _) = a.into_raw_vec_and_offset();
        give(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_with_their_storage_and_zeroed_on_request() {
        let v = take(5000);
        let ptr = v.as_ptr();
        give(v);
        let w = take(4500); // fits without wasting half: the same storage
        assert_eq!((w.as_ptr(), w.len()), (ptr, 4500));
        give(w);
        assert!(take_zeroed(4800).iter().all(|&x| x == 0.0));
        assert_eq!(take(10).len(), 10); // small: plain allocation
    }

    #[test]
    fn a_full_pool_keeps_its_largest_buffers() {
        for _ in 0..MAX_BUFFERS {
            give(vec![0.0; MIN_LEN]);
        }
        let big = vec![0.0f32; 40 * MIN_LEN];
        let ptr = big.as_ptr();
        give(big); // replaces one of the small ones
        give(vec![0.0; MIN_LEN]); // no larger than the smallest held: dropped
        FREE.with(|f| {
            let f = f.borrow();
            assert_eq!(f.len(), MAX_BUFFERS);
            assert_eq!(f.iter().filter(|v| v.capacity() == 40 * MIN_LEN).count(), 1);
        });
        let again = take(30 * MIN_LEN);
        assert_eq!(again.as_ptr(), ptr);
    }
}
