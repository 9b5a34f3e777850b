//! f64 sums over f32 planes for batch statistics. One running f64 sum is a chain of dependent adds
//! (latency-bound, about 4 cycles per element); eight interleaved partial sums, combined in a
//! fixed tree at the end, let the adds overlap and vectorize. Element i of a plane always goes to
//! lane i mod 8 and the lanes are combined in one fixed order, so the result depends only on the
//! data and the plane sizes, never on threads.

const L: usize = 8;

/// L2 norm of a tensor's values (in logical order), accumulated in f64 in [`L`] interleaved lanes
/// combined in a fixed tree (what the training loop records per parameter gradient and `grad`
/// prints). One running sum would be a chain of dependent adds: w5 spent 3% of its time in it.
pub fn l2(values: &ndarray::ArrayD<f32>) -> f64 {
    sum_squares(values.as_standard_layout().as_slice().expect("standard layout")).sqrt()
}

crate::simd_fn! {
    /// Σ v² in f64 over [`L`] lanes: [`sum_planes`] of one plane, compiled for the CPU's vectors.
    fn sum_squares(values: &[f32]) -> f64 {
        sum_planes(std::iter::once(values), |v| v as f64 * v as f64)
    }
}

crate::simd_fn! {
    /// Column sums of a row-major `[rows, cols]` matrix, accumulated in f64 and rounded once: the
    /// bias gradient of a Linear layer (Σ over the batch of the output gradient). A float32
    /// running sum loses about one ulp per row added; torch sums pairwise (its cascade sum), which
    /// loses about log₂(rows) ulps; an f64 sum rounds once and is at least as accurate as either.
    pub fn col_sums(values: &[f32], cols: usize) -> Vec<f32> {
        // Blocks of COLS columns summed down every row in registers: a running sum in memory
        // would wait on each row's store (w5: 3% of its time). Each column still adds its rows
        // in order, so the block width changes no bit.
        const COLS: usize = 32;
        let mut out = vec![0.0f32; cols];
        if cols == 0 {
            return out;
        }
        let mut j0 = 0;
        while j0 + COLS <= cols {
            let mut acc = [0.0f64; COLS];
            for row in values.chunks_exact(cols) {
                for (a, &v) in acc.iter_mut().zip(&row[j0..j0 + COLS]) {
                    *a += v as f64;
                }
            }
            for (o, a) in out[j0..j0 + COLS].iter_mut().zip(acc) {
                *o = a as f32;
            }
            j0 += COLS;
        }
        if j0 < cols {
            let mut acc = [0.0f64; COLS];
            let w = cols - j0;
            for row in values.chunks_exact(cols) {
                for (a, &v) in acc[..w].iter_mut().zip(&row[j0..]) {
                    *a += v as f64;
                }
            }
            for (o, a) in out[j0..].iter_mut().zip(acc) {
                *o = a as f32;
            }
        }
        out
    }
}

/// `a` summed over `axis` in f64, rounded once to f32 (what `sum`, `mean` and the gradient of a
/// broadcast reduce with: as accurate as the f32 values allow, whatever the length).
pub fn sum_axis(a: &ndarray::ArrayD<f32>, axis: ndarray::Axis) -> ndarray::ArrayD<f32> {
    a.mapv(|v| v as f64).sum_axis(axis).mapv(|v| v as f32)
}

fn combine(a: [f64; L]) -> f64 {
    ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
}

/// Σ f(v) over every value of every plane.
#[inline]
pub fn sum_planes<'a>(planes: impl Iterator<Item = &'a [f32]>, f: impl Fn(f32) -> f64) -> f64 {
    let mut acc = [0.0f64; L];
    for p in planes {
        let chunks = p.chunks_exact(L);
        let rest = chunks.remainder();
        for c in chunks {
            for l in 0..L {
                acc[l] += f(c[l]);
            }
        }
        for (a, &v) in acc.iter_mut().zip(rest) {
            *a += f(v);
        }
    }
    combine(acc)
}

/// (Σ f(a), Σ g(a, b)) over matching planes of `a` and `b`.
pub fn sum_planes2<'a>(
    planes: impl Iterator<Item = (&'a [f32], &'a [f32])>,
    f: impl Fn(f32) -> f64,
    g: impl Fn(f32, f32) -> f64,
) -> (f64, f64) {
    let (mut s1, mut s2) = ([0.0f64; L], [0.0f64; L]);
    for (pa, pb) in planes {
        let (ca, cb) = (pa.chunks_exact(L), pb.chunks_exact(L));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (a, b) in ca.zip(cb) {
            for l in 0..L {
                s1[l] += f(a[l]);
                s2[l] += g(a[l], b[l]);
            }
        }
        for (l, (&a, &b)) in ra.iter().zip(rb).enumerate() {
            s1[l] += f(a);
            s2[l] += g(a, b);
        }
    }
    (combine(s1), combine(s2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_sums_match_a_plain_sum_closely() {
        let a: Vec<f32> = (0..1003).map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.013).collect();
        let b: Vec<f32> = (0..1003).map(|i| ((i * 11 % 29) as f32 - 14.0) * 0.07).collect();
        let planes = || a.chunks(59);
        let plain: f64 = a.iter().map(|&v| v as f64 * v as f64).sum();
        assert!((sum_planes(planes(), |v| v as f64 * v as f64) - plain).abs() < 1e-9 * plain.abs().max(1.0));
        let (s1, s2) = sum_planes2(planes().zip(b.chunks(59)), |v| v as f64, |x, y| x as f64 * y as f64);
        let p1: f64 = a.iter().map(|&v| v as f64).sum();
        let p2: f64 = a.iter().zip(&b).map(|(&x, &y)| x as f64 * y as f64).sum();
        assert!((s1 - p1).abs() < 1e-9 && (s2 - p2).abs() < 1e-9, "{s1} {p1} {s2} {p2}");
    }

    #[test]
    fn column_and_axis_sums_round_once() {
        // 1 + 2^-24 added 2^20 times: a float32 running sum never moves from 1 (each addend is
        // half an ulp of 1, and rounds away); the f64 sum keeps every one.
        let rows = 1 << 20;
        let mut v = vec![2f32.powi(-24); 2 * rows];
        v[0] = 1.0;
        let s = col_sums(&v, 2);
        let want0 = (1.0 + (rows - 1) as f64 * 2f64.powi(-24)) as f32;
        assert_eq!(s, [want0, 2f32.powi(-4)]);
        assert!(want0 > 1.06);
        let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[rows, 2]), v).unwrap();
        assert_eq!(sum_axis(&a, ndarray::Axis(0)).into_raw_vec_and_offset().0, s);
        assert!(col_sums(&[], 0).is_empty() && col_sums(&[], 3) == [0.0; 3]);
        // Full blocks of columns and a ragged last one, each column its rows in order in f64.
        let (rows, cols) = (37, 70);
        let v: Vec<f32> = (0..rows * cols).map(|i| ((i * 7919 % 1013) as f32 - 500.0) * 1e-3).collect();
        let want: Vec<f32> =
            (0..cols).map(|j| (0..rows).fold(0f64, |s, i| s + v[i * cols + j] as f64) as f32).collect();
        assert_eq!(col_sums(&v, cols), want);
    }

    #[test]
    fn l2_is_the_euclidean_norm_without_f32_overflow() {
        let t = |v: Vec<f32>| ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[v.len()]), v).unwrap();
        assert_eq!(l2(&t(vec![3.0, 4.0])), 5.0);
        assert_eq!(l2(&t(vec![])), 0.0);
        // 3e30² overflows f32 but not the f64 accumulator.
        assert!((l2(&t(vec![3e30, 4e30])) / 5e30 - 1.0).abs() < 1e-6);
        // Every lane and the tail: 1² + 2² + … + 19² = 2470; and a transposed view in logical order.
        assert_eq!(l2(&t((1..20).map(|v| v as f32).collect())), 2470f64.sqrt());
        let m = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[3, 7]), (0..21).map(|v| v as f32 * 0.1).collect())
            .unwrap();
        let plain = m.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt();
        assert!((l2(&m.t().to_owned()) - plain).abs() < 1e-12 && (l2(&m) - plain).abs() < 1e-12);
    }
}
