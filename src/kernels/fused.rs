//! Fused multiply-adds where torch's CPU kernels have them. ATen computes `add(a, b, alpha)` as
//! `fmadd(b, alpha, a)`, `lerp` with a small weight as `fmadd(w, end − self, self)`, and the
//! float32 `uniform_` as `fmaf(x, range, from)`: to get torch's bits, initlab rounds once where
//! torch does. `f32::mul_add` is a correctly rounded FMA on every target, but without the CPU
//! feature it is a library call; [`fma_fn!`](crate::fma_fn) compiles a function's body twice, once
//! with FMA instructions (used when the CPU has them), so the same code is fast on x86-64 and
//! exact anywhere.

/// Defines a function whose body is compiled twice: with the `fma` target feature (called when
/// this CPU has it, so `mul_add` is one instruction) and without (a correctly rounded library
/// call). Both give the same bits. Everything the body calls should be `#[inline(always)]` or
/// plain arithmetic, so it is compiled inside the FMA context too.
#[macro_export]
macro_rules! fma_fn {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($a:ident : $t:ty),* $(,)?) $body:block) => {
        $(#[$m])* $vis fn $name($($a: $t),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn fast($($a: $t),*) $body
                if std::arch::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has FMA, checked just above.
                    return unsafe { fast($($a),*) };
                }
            }
            $body
        }
    };
}

fma_fn! {
    /// `y = fma(alpha, x, y)` elementwise: torch's `y.add_(x, alpha=alpha)`.
    pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
        for (yi, &xi) in y.iter_mut().zip(x) {
            *yi = alpha.mul_add(xi, *yi);
        }
    }
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
