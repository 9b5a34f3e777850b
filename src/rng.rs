//! The crate's only source of randomness: a seedable ChaCha8 stream. `Rng::new(seed)` gives the
//! same bits on every machine and thread count; `Rng::derive(seed, stream)` gives independent,
//! reproducible streams for parallel runs (run k of a sweep never depends on scheduling).

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

#[derive(Clone, Debug)]
pub struct Rng {
    inner: ChaCha8Rng,
}

impl Rng {
    /// A generator seeded with `seed` (like `torch.Generator().manual_seed(seed)`, though the
    /// bits differ from torch's Mersenne Twister).
    pub fn new(seed: u64) -> Self {
        Rng { inner: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// An independent stream `stream` of seed `seed`: the same (seed, stream) always gives the
    /// same bits, and different streams do not overlap.
    pub fn derive(seed: u64, stream: u64) -> Self {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream);
        Rng { inner }
    }

    /// A child generator split off this one (advances this one by one draw).
    pub fn split(&mut self) -> Rng {
        let s = self.inner.next_u64();
        Rng::new(s)
    }

    /// A uniform sample in [a, b).
    pub fn uniform(&mut self, a: f32, b: f32) -> f32 {
        // 24 random bits give every representable step of [0, 1) in f32 exactly.
        let u = (self.inner.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
        let v = a + (b - a) * u;
        // Rounding of a + (b-a)*u can reach b when b-a is large relative to a; keep [a, b).
        if v >= b && b > a {
            a.max(f32_prev(b))
        } else {
            v
        }
    }

    /// A standard-normal sample (f64 for accuracy, rounded once).
    pub fn normal(&mut self, mean: f32, std: f32) -> f32 {
        let z: f64 = StandardNormal.sample(&mut self.inner);
        (mean as f64 + std as f64 * z) as f32
    }

    /// A standard-normal sample in f64.
    pub fn normal_f64(&mut self) -> f64 {
        StandardNormal.sample(&mut self.inner)
    }

    /// A uniform integer in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below(0)");
        ((self.inner.next_u64() as u128 * n as u128) >> 64) as usize
    }

    pub fn fill_uniform(&mut self, out: &mut [f32], a: f32, b: f32) {
        for v in out {
            *v = self.uniform(a, b);
        }
    }

    pub fn fill_normal(&mut self, out: &mut [f32], mean: f32, std: f32) {
        for v in out {
            *v = self.normal(mean, std);
        }
    }

    /// Fisher–Yates shuffle of `0..n`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i + 1);
            p.swap(i, j);
        }
        p
    }
}

fn f32_prev(x: f32) -> f32 {
    if x > 0.0 {
        f32::from_bits(x.to_bits() - 1)
    } else if x < 0.0 {
        f32::from_bits(x.to_bits() + 1)
    } else {
        -f32::from_bits(1)
    }
}

/// So `Rng` can drive `rand` / `ndarray-rand` distributions directly.
impl RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.inner.fill_bytes(dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bits_and_streams_differ() {
        let a: Vec<f32> = (0..100)
            .map({
                let mut r = Rng::new(7);
                move |_| r.normal(0.0, 1.0)
            })
            .collect();
        let mut r = Rng::new(7);
        let b: Vec<f32> = (0..100).map(|_| r.normal(0.0, 1.0)).collect();
        assert_eq!(a, b);
        let mut s0 = Rng::derive(7, 0);
        let mut s1 = Rng::derive(7, 1);
        assert_ne!(s0.next_u64(), s1.next_u64());
    }

    #[test]
    fn uniform_stays_in_half_open_range() {
        let mut r = Rng::new(1);
        for _ in 0..100_000 {
            let v = r.uniform(-0.5, 0.25);
            assert!((-0.5..0.25).contains(&v), "{v}");
        }
        let mut r = Rng::new(2);
        let n = 200_000;
        let mean: f64 = (0..n).map(|_| r.uniform(3.0, 5.0) as f64).sum::<f64>() / n as f64;
        // std of U(3,5) is 2/sqrt(12) = 0.577; 5 sigma of the mean over n samples is 0.0065.
        assert!((mean - 4.0).abs() < 0.0065, "{mean}");
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut r = Rng::new(3);
        let mut p = r.permutation(50);
        p.sort();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
    }
}

thread_local! {
    static DEFAULT: std::cell::RefCell<Rng> = std::cell::RefCell::new(Rng::new(0));
}

/// Seeds this thread's default generator (torch's `torch.manual_seed`). Layers built without an
/// explicit generator, and init functions called without one, draw from it.
pub fn manual_seed(seed: u64) {
    DEFAULT.with(|d| *d.borrow_mut() = Rng::new(seed));
}

/// Runs `f` with this thread's default generator.
pub fn with_default_rng<R>(f: impl FnOnce(&mut Rng) -> R) -> R {
    DEFAULT.with(|d| f(&mut d.borrow_mut()))
}
