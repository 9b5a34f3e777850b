//! Fused multiply-adds where torch's CPU kernels have them, and the macro that compiles the lab's
//! plain elementwise loops for the running CPU's vectors. ATen computes `add(a, b, alpha)` as
//! `fmadd(b, alpha, a)`, `lerp` with a small weight as `fmadd(w, end − self, self)`, and the
//! float32 `uniform_` as `fmaf(x, range, from)`: to get torch's bits, initlab rounds once where
//! torch does. `f32::mul_add` is a correctly rounded FMA on every target, but without the CPU
//! feature it is a library call; and the crate is built for baseline x86-64 (SSE2), so a loop is
//! vectorized four floats wide. [`simd_fn!`](crate::simd_fn) compiles a function's body three
//! times: for AVX-512, for AVX2 with FMA (each called when this CPU has it), and for the baseline
//! (with `mul_add` a correctly rounded library call). Vectorizing reorders nothing (no fast-math),
//! so all three give the same bits.

/// Defines a function whose body is compiled for AVX-512, for AVX2 + FMA and for the baseline, and
/// run in the widest this CPU has; all give the same bits. Everything the body calls should be
/// `#[inline(always)]`, generic or plain arithmetic, so it is compiled inside the wide context too.
#[macro_export]
macro_rules! simd_fn {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($a:ident : $t:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$m])* $vis fn $name($($a: $t),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn wide($($a: $t),*) $(-> $ret)? $body
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn fast($($a: $t),*) $(-> $ret)? $body
                if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                    if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl") {
                        // SAFETY: the CPU has AVX-512F/VL, AVX2 and FMA, checked just above.
                        return unsafe { wide($($a),*) };
                    }
                    // SAFETY: the CPU has AVX2 and FMA, checked just above.
                    return unsafe { fast($($a),*) };
                }
            }
            $body
        }
    };
}

simd_fn! {
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
