//! The crate's only source of randomness: PyTorch's CPU generator, bit for bit
//! (`docs/torch_rng.md`). [`Rng::new`]`(seed)` is `torch.Generator().manual_seed(seed)`; its
//! [`Rng::uniform_`], [`Rng::normal_`] and [`Rng::randperm`] draw exactly what torch's `uniform_`,
//! `normal_` and `randperm` draw from that generator, so a program that makes the same calls in
//! the same order as a PyTorch program gets the same numbers. Nothing here depends on the thread
//! count: each generator is one sequential stream.
//!
//! - [`mt19937`]: the engine (32-bit words);
//! - [`normal16`]: torch's 16-wide Box–Muller block for float32 `normal_`, emulated lane by lane.

mod mt19937;
mod normal16;

use mt19937::Mt19937;

/// 2^-24 and 2^-53: the steps of torch's float32 and float64 uniforms.
const F32_STEP: f32 = 1.0 / (1u32 << 24) as f32;
const F64_STEP: f64 = 1.0 / (1u64 << 53) as f64;

/// A generator's state as plain data ([`Rng::state`], [`Rng::from_state`]): the MT19937 words,
/// the index of the next word, and the cached Box–Muller value as its bit pattern.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RngState {
    pub words: Vec<u32>,
    pub next: usize,
    pub normal_cache: Option<u64>,
}

/// PyTorch's CPU generator: MT19937 plus the cached second value of the double-precision
/// Box–Muller transform (`next_double_normal_sample`).
#[derive(Clone, Debug)]
pub struct Rng {
    engine: Mt19937,
    normal_cache: Option<f64>,
}

impl Rng {
    /// `torch.Generator().manual_seed(seed)` (and what `torch.manual_seed(seed)` does to the
    /// default generator): only the low 32 bits of `seed` count, as in torch.
    pub fn new(seed: u64) -> Self {
        Rng { engine: Mt19937::new(seed), normal_cache: None }
    }

    /// The generator's whole state (torch's `generator.get_state()` holds the same: the engine's
    /// words, its position and the cached normal), for snapshots of a run.
    pub fn state(&self) -> RngState {
        let (words, next) = self.engine.state();
        RngState { words: words.to_vec(), next, normal_cache: self.normal_cache.map(f64::to_bits) }
    }

    /// The generator [`Rng::state`] saved, drawing from there on exactly as the original would.
    pub fn from_state(s: &RngState) -> crate::Result<Rng> {
        let engine = Mt19937::from_state(&s.words, s.next).ok_or_else(|| {
            crate::Error::invalid(
                "generator state",
                format!("needs 624 words and a position <= 624, has {} words at {}", s.words.len(), s.next),
            )
        })?;
        Ok(Rng { engine, normal_cache: s.normal_cache.map(f64::from_bits) })
    }

    /// One 32-bit word (`generator.random()`).
    #[inline]
    pub fn random(&mut self) -> u32 {
        self.engine.next_u32()
    }

    /// One 64-bit word, first word high (`generator.random64()`).
    #[inline]
    pub fn random64(&mut self) -> u64 {
        let hi = self.random() as u64;
        let lo = self.random() as u64;
        (hi << 32) | lo
    }

    /// One float32 uniform in [0, 1): 24 random bits, exact.
    #[inline]
    fn unit_f32(&mut self) -> f32 {
        (self.random() & 0x00ff_ffff) as f32 * F32_STEP
    }

    /// One float64 uniform in [0, 1): 53 random bits, exact.
    #[inline]
    fn unit_f64(&mut self) -> f64 {
        (self.random64() & ((1u64 << 53) - 1)) as f64 * F64_STEP
    }

    /// torch's float32 `tensor.uniform_(from, to)` over `out` in memory order: one word per
    /// element, `fma(x, to_f − from_f, from_f)` in f32 with `from`/`to` rounded to f32 first.
    pub fn uniform_(&mut self, out: &mut [f32], from: f64, to: f64) {
        let (from, to) = (from as f32, to as f32);
        uniform_fill(&mut self.engine, out, to - from, from);
    }

    /// torch's float32 `tensor.normal_(mean, std)` on a contiguous tensor whose elements are
    /// `out`. Sixteen or more elements take torch's vectorized path (uniforms for all, then
    /// Box–Muller in blocks of 16, the last partial block redrawn over the last 16 slots); fewer
    /// take the scalar double-precision path with its cached second value.
    pub fn normal_(&mut self, out: &mut [f32], mean: f64, std: f64) {
        let n = out.len();
        if n < 16 {
            return self.normal_scalar_(out, mean, std);
        }
        let (mean_f, std_f) = (mean as f32, std as f32);
        for v in out.iter_mut() {
            *v = self.unit_f32();
        }
        normal16::transform_blocks(out, mean_f, std_f);
        if !n.is_multiple_of(16) {
            let tail = &mut out[n - 16..];
            for v in tail.iter_mut() {
                *v = self.unit_f32();
            }
            normal16::transform_blocks(tail, mean_f, std_f);
        }
    }

    /// torch's float32 `normal_` on a non-contiguous tensor, `out` holding its elements in
    /// memory order: always the scalar double-precision path.
    pub fn normal_noncontiguous_(&mut self, out: &mut [f32], mean: f64, std: f64) {
        self.normal_scalar_(out, mean, std)
    }

    fn normal_scalar_(&mut self, out: &mut [f32], mean: f64, std: f64) {
        for v in out {
            *v = (self.standard_normal_f64() * std + mean) as f32;
        }
    }

    /// One N(0, 1) double as torch's `normal_distribution<double>` draws it: the cached value of
    /// the last pair if there is one, else a new Box–Muller pair (its sine half cached).
    pub fn standard_normal_f64(&mut self) -> f64 {
        if let Some(c) = self.normal_cache.take() {
            return c;
        }
        let u1 = self.unit_f64();
        let u2 = self.unit_f64();
        let r = (-2.0 * (-u2).ln_1p()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u1;
        self.normal_cache = Some(r * theta.sin());
        r * theta.cos()
    }

    /// `torch.randperm(n)`: n − 1 words, swap r[i] with r[i + word % (n − i)].
    pub fn randperm(&mut self, n: usize) -> Vec<usize> {
        let mut r: Vec<usize> = (0..n).collect();
        let small = (n as u64) < u64::from(u32::MAX) / 20;
        for i in 0..n.saturating_sub(1) {
            let m = (n - i) as u64;
            let z = if small { u64::from(self.random()) % m } else { self.random64() % m };
            r.swap(i, i + z as usize);
        }
        r
    }

    /// torch's float32 `tensor.bernoulli_(p)` on CPU without MKL's stream (the path torch takes on
    /// non-Intel CPUs and in builds without MKL, `bernoulli_scalar_kernel_default`): serially, in
    /// memory order, one double uniform (53 bits of `random64()`) per element, 1.0 where u < p.
    /// On an Intel CPU a torch built with MKL instead seeds MKL's MCG31m1 stream with one word
    /// and draws `viRngBernoulli` (see the README's dropout section): those masks differ.
    pub fn bernoulli_(&mut self, out: &mut [f32], p: f64) {
        for v in out {
            *v = if self.unit_f64() < p { 1.0 } else { 0.0 };
        }
    }

    /// `torch.randn(*shape, generator=g)`: a fresh contiguous tensor's `normal_(0, 1)`.
    pub fn randn(&mut self, shape: &[usize]) -> ndarray::ArrayD<f32> {
        let mut a = ndarray::ArrayD::zeros(ndarray::IxDyn(shape));
        self.normal_(a.as_slice_mut().expect("fresh array is contiguous"), 0.0, 1.0);
        a
    }

    /// `torch.rand(*shape, generator=g)`: a fresh contiguous tensor's `uniform_(0, 1)`.
    pub fn rand(&mut self, shape: &[usize]) -> ndarray::ArrayD<f32> {
        let mut a = ndarray::ArrayD::zeros(ndarray::IxDyn(shape));
        self.uniform_(a.as_slice_mut().expect("fresh array is contiguous"), 0.0, 1.0);
        a
    }
}

crate::simd_fn! {
    /// `fma(x, range, from)` for one 24-bit uniform x per element.
    fn uniform_fill(engine: &mut Mt19937, out: &mut [f32], range: f32, from: f32) {
        for v in out {
            let x = (engine.next_u32() & 0x00ff_ffff) as f32 * F32_STEP;
            *v = x.mul_add(range, from);
        }
    }
}

/// So `Rng` can drive `rand` / `ndarray-rand` distributions: their words are torch's MT19937
/// words (`next_u64` is torch's `random64()`), though the distributions' transforms are rand's.
impl rand::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        self.random()
    }
    fn next_u64(&mut self) -> u64 {
        self.random64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(4) {
            let w = self.random().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
    }
}

thread_local! {
    static DEFAULT: std::cell::RefCell<Rng> = std::cell::RefCell::new(Rng::new(DEFAULT_SEED));
}

/// torch's default generator starts from 67280421310721 when nobody seeds it.
const DEFAULT_SEED: u64 = 67_280_421_310_721;

/// Seeds this thread's default generator (torch's `torch.manual_seed`). Layers built without an
/// explicit generator, and init functions called without one, draw from it.
pub fn manual_seed(seed: u64) {
    DEFAULT.with(|d| *d.borrow_mut() = Rng::new(seed));
}

/// Runs `f` with this thread's default generator.
pub fn with_default_rng<R>(f: impl FnOnce(&mut Rng) -> R) -> R {
    DEFAULT.with(|d| f(&mut d.borrow_mut()))
}

/// Runs `f` with `rng` as this thread's default generator, and puts the previous default back
/// afterwards (also if `f` panics). What torch's global generator is to a program that seeded it:
/// layers that draw while running (Dropout's masks) draw from `rng`, in the order `f` runs them,
/// and nothing leaks between runs that share a thread.
pub fn with_generator<R>(rng: &mut Rng, f: impl FnOnce() -> R) -> R {
    struct Restore<'a>(&'a mut Rng);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            DEFAULT.with(|d| std::mem::swap(&mut *d.borrow_mut(), self.0));
        }
    }
    DEFAULT.with(|d| std::mem::swap(&mut *d.borrow_mut(), rng));
    let _restore = Restore(rng);
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Spot values from docs/torch_rng.md (seed 0); the full PyTorch fixtures are in
    // tests/torch_rng.rs.
    #[test]
    fn spot_values_of_torch_seed_0() {
        let mut r = Rng::new(0);
        let mut v = [0f32; 1];
        r.uniform_(&mut v, 0.0, 1.0);
        assert_eq!(v[0] as f64, 0.496_256_589_889_526_37); // torch.rand(1)
        let mut r = Rng::new(0);
        let mut v = [0f32; 4];
        r.normal_(&mut v, 0.0, 1.0);
        assert_eq!(v.map(f32::to_bits), [0x3fc53f5c, 0xbe963c50, 0xc00b7149, 0x3f1184b6]);
        let mut r = Rng::new(0);
        let mut v = [0f32; 16];
        r.normal_(&mut v, 0.0, 1.0);
        // −1.1258398, −1.1523602, −0.2505786, −0.4338788
        assert_eq!(
            v[..4].iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            [0xbf90_1b85, 0xbf93_808a, 0xbe80_4bd6, 0xbede_255d]
        );
        assert_eq!(Rng::new(0).randperm(10), [4, 1, 7, 5, 3, 9, 0, 8, 6, 2]);
    }

    #[test]
    fn the_scalar_path_caches_the_second_value_across_calls() {
        let mut a = Rng::new(5);
        let mut one = [0f32; 3];
        a.normal_(&mut one, 0.0, 1.0);
        let mut b = Rng::new(5);
        let (mut x, mut y) = ([0f32; 1], [0f32; 2]);
        b.normal_(&mut x, 0.0, 1.0);
        b.normal_(&mut y, 0.0, 1.0);
        assert_eq!(one, [x[0], y[0], y[1]]);
    }

    #[test]
    fn with_generator_lends_the_run_generator_and_restores_the_default() {
        manual_seed(9);
        let mut run = Rng::new(4);
        let mut a = [0f32; 3];
        with_generator(&mut run, || with_default_rng(|r| r.uniform_(&mut a, 0.0, 1.0)));
        let mut want = [0f32; 3];
        Rng::new(4).uniform_(&mut want, 0.0, 1.0);
        assert_eq!(a, want);
        // The run's generator moved on by three words; the default is seed 9's, untouched.
        let (mut next, mut after) = ([0f32; 1], [0f32; 4]);
        run.uniform_(&mut next, 0.0, 1.0);
        Rng::new(4).uniform_(&mut after, 0.0, 1.0);
        assert_eq!(next[0], after[3]);
        let mut d = [0f32; 1];
        with_default_rng(|r| r.uniform_(&mut d, 0.0, 1.0));
        let mut nine = [0f32; 1];
        Rng::new(9).uniform_(&mut nine, 0.0, 1.0);
        assert_eq!(d, nine);
    }

    #[test]
    fn a_saved_state_draws_on_exactly_as_the_original() {
        let mut a = Rng::new(11);
        let mut buf = [0f32; 700];
        a.normal_(&mut buf, 0.0, 1.0);
        let _ = a.standard_normal_f64(); // leaves the second Box-Muller value cached
        let mut b = Rng::from_state(&a.state()).unwrap();
        assert_eq!(a.state(), b.state());
        assert!(a.state().normal_cache.is_some());
        assert_eq!((a.standard_normal_f64(), a.randperm(40)), (b.standard_normal_f64(), b.randperm(40)));
        let bad = RngState { words: vec![0; 3], next: 0, normal_cache: None };
        assert!(Rng::from_state(&bad).unwrap_err().to_string().contains("624 words"));
    }

    #[test]
    fn randperm_is_a_permutation_and_edge_sizes_work() {
        let mut p = Rng::new(3).randperm(50);
        p.sort();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
        assert!(Rng::new(0).randperm(0).is_empty());
        assert_eq!(Rng::new(0).randperm(1), [0]);
    }
}
