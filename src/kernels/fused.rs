//! Fused multiply-adds where torch's CPU kernels have them. ATen computes `add(a, b, alpha)` as
//! `fmadd(b, alpha, a)`, `lerp` with a small weight as `fmadd(w, end − self, self)`, and the
//! float32 `uniform_` as `fmaf(x, range, from)`: to get torch's bits, initlab rounds once where
//! torch does. `f32::mul_add` is a correctly rounded FMA everywhere, but without the CPU feature it
//! is a library call; [`with_fma`] runs a loop in a function compiled with FMA enabled when the CPU
//! has it, so the same code is fast on x86-64 and still exact (through `fmaf`) anywhere else.

/// Runs `f` in a context compiled with the `fma` target feature when this CPU has it (the
/// closure is inlined there, so its `mul_add`s become single instructions). Same results either way.
#[inline]
pub fn with_fma<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "fma")]
        unsafe fn run<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports FMA, checked just above.
            return unsafe { run(f) };
        }
    }
    f()
}

/// `y = fma(alpha, x, y)` elementwise: torch's `y.add_(x, alpha=alpha)`.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    with_fma(|| {
        for (yi, &xi) in y.iter_mut().zip(x) {
            *yi = alpha.mul_add(xi, *yi);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axpy_rounds_once() {
        // 1 + 2^-12 squared is 1 + 2^-11 + 2^-24: the last term survives only when fused.
        let a = 1.0 + f32::EPSILON * 2048.0;
        let mut y = [-(1.0 + f32::EPSILON * 4096.0)];
        axpy(a, &[a], &mut y);
        assert_eq!(y[0], 2f32.powi(-24));
        let mut unfused = -(1.0 + f32::EPSILON * 4096.0);
        unfused += std::hint::black_box(a) * std::hint::black_box(a);
        assert_eq!(unfused, 0.0);
    }
}
