//! Synthetic datasets, each small enough to train in seconds and shaped so that a bad
//! initialization shows: the CS231n spiral, sklearn-style moons and circles, XOR blobs, Gaussian
//! blobs, a noisy sine for regression, and tiny 12×12 images of shapes for convolutions.
//! Samples come in class blocks (all of class 0, then class 1, …); the training loop shuffles.
//! Each set has a held-out twin of the same size: the test set, drawn from the same generator
//! right after the training set (so the training set is the same with or without it).
//!
//! Each dataset is defined as a PyTorch program drawing from `torch.Generator().manual_seed(seed)`
//! (`scripts/initlab_datasets.py`, the twin of this file), and this file draws the same numbers in
//! the same order with the crate's generator, which is torch's: `spiral` is
//! `scripts/torch_bench.py`'s `spiral(seed)`. Deterministic geometry is computed in f64
//! and rounded once (torch: float64 tensors, then `.float()`); noise is added in f32 as torch's
//! float32 `x + s * torch.randn(…)` does.

use super::{Dataset, Target};
use crate::{Error, Result, Rng};
use ndarray::{ArrayD, IxDyn};
use std::f64::consts::PI;

/// Names accepted by [`synthetic`].
pub const SYNTHETIC: &[&str] = &["spiral", "moons", "circles", "xor", "blobs", "sine", "shapes"];

/// The synthetic training set `name`, drawn from `torch.Generator().manual_seed(seed)`.
pub fn synthetic(name: &str, seed: u64) -> Result<Dataset> {
    draw(name, &mut Rng::new(seed))
}

/// The training set `name` and its held-out test set of the same size: two draws of the same
/// definition from one `torch.Generator().manual_seed(seed)`, the test set second.
pub fn synthetic_split(name: &str, seed: u64) -> Result<(Dataset, Dataset)> {
    let mut rng = Rng::new(seed);
    let train = draw(name, &mut rng)?;
    let test = draw(name, &mut rng)?;
    Ok((train, test))
}

/// One draw of dataset `name` from `rng`.
fn draw(name: &str, rng: &mut Rng) -> Result<Dataset> {
    let (points, labels, num_classes) = match name {
        "spiral" => spiral(rng),
        "moons" => moons(rng),
        "circles" => circles(rng),
        "xor" => xor(rng),
        "blobs" => blobs(rng),
        "sine" => return sine(rng),
        "shapes" => return shapes(rng),
        _ => {
            return Err(Error::invalid(
                format!("synthetic dataset '{name}'"),
                format!("unknown name; valid: {}", SYNTHETIC.join(", ")),
            ))
        }
    };
    let input = ArrayD::from_shape_vec(IxDyn(&[labels.len(), 2]), points).expect("two coordinates per label");
    Dataset::new(name, input, Target::Classes { labels, num_classes })
}

/// Points `[x0, y0, x1, y1, …]`, one label per point, number of classes.
type Points = (Vec<f32>, Vec<usize>, usize);

/// `torch.linspace(a, b, n)` in float32, as torch's CPU kernel computes it (a fused
/// `start + step·i` below the halfway index, `end − step·(n − 1 − i)` from there).
fn linspace_f32(a: f32, b: f32, n: usize) -> Vec<f32> {
    let step = if n > 1 { (b - a) / (n - 1) as f32 } else { 0.0 };
    (0..n).map(|i| if i < n / 2 { step.mul_add(i as f32, a) } else { (-step).mul_add((n - 1 - i) as f32, b) }).collect()
}

/// `torch.linspace(a, b, n, dtype=torch.float64)`.
fn linspace_f64(a: f64, b: f64, n: usize) -> Vec<f64> {
    let step = if n > 1 { (b - a) / (n - 1) as f64 } else { 0.0 };
    (0..n).map(|i| if i < n / 2 { step.mul_add(i as f64, a) } else { (-step).mul_add((n - 1 - i) as f64, b) }).collect()
}

/// CS231n, as `torch_bench.py`: for class j, r = linspace(0, 1, 100),
/// t = linspace(4j, 4(j+1), 100) + 0.2·randn(100), x = (r sin t, r cos t), all in float32.
fn spiral(rng: &mut Rng) -> Points {
    let (per, classes) = (100, 3);
    let mut pts = Vec::with_capacity(2 * per * classes);
    let mut labels = Vec::with_capacity(per * classes);
    let r = linspace_f32(0.0, 1.0, per);
    for j in 0..classes {
        let ts = linspace_f32(4.0 * j as f32, 4.0 * (j + 1) as f32, per);
        let z = rng.randn(&[per]);
        for ((&r, &t), &z) in r.iter().zip(&ts).zip(&z) {
            let t = (t + 0.2 * z) as f64;
            pts.extend([r * t.sin() as f32, r * t.cos() as f32]);
            labels.push(j);
        }
    }
    (pts, labels, classes)
}

/// sklearn `make_moons(200, noise=0.1, shuffle=False)`: an upper half circle (class 0) and a
/// lower one shifted to (1, 0.5) (class 1), then 0.1·randn(200, 2) added.
fn moons(rng: &mut Rng) -> Points {
    let a = linspace_f64(0.0, PI, 100);
    let mut raw: Vec<(f64, f64, usize)> = a.iter().map(|a| (a.cos(), a.sin(), 0)).collect();
    raw.extend(a.iter().map(|a| (1.0 - a.cos(), 1.0 - a.sin() - 0.5, 1)));
    with_noise(rng, raw, 0.1, 2)
}

/// sklearn `make_circles(200, factor=0.5, noise=0.05, shuffle=False)`: the unit circle (class 0)
/// around one of radius 0.5 (class 1), angles 2π·i/100, then 0.05·randn(200, 2) added.
fn circles(rng: &mut Rng) -> Points {
    let per = 100;
    let mut raw = Vec::with_capacity(2 * per);
    for (radius, class) in [(1.0, 0), (0.5, 1)] {
        for i in 0..per {
            let a = 2.0 * PI * i as f64 / per as f64;
            raw.push((radius * a.cos(), radius * a.sin(), class));
        }
    }
    with_noise(rng, raw, 0.05, 2)
}

/// Four Gaussian blobs (0.3·randn, 50 points each) at (1, 1), (−1, −1), (1, −1), (−1, 1); class 1
/// where the signs of the centre differ (x·y < 0), class 0 where they agree.
fn xor(rng: &mut Rng) -> Points {
    let mut raw = Vec::with_capacity(200);
    for (cx, cy) in [(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0)] {
        let class = usize::from(cx * cy < 0.0);
        raw.extend(std::iter::repeat_n((cx, cy, class), 50));
    }
    with_noise(rng, raw, 0.3, 2)
}

/// Three Gaussian blobs (0.6·randn, 100 points each) centred on a circle of radius 2 at 90°,
/// 210° and 330°.
fn blobs(rng: &mut Rng) -> Points {
    let mut raw = Vec::with_capacity(300);
    for class in 0..3 {
        let a = PI / 2.0 + 2.0 * PI * class as f64 / 3.0;
        raw.extend(std::iter::repeat_n((2.0 * a.cos(), 2.0 * a.sin(), class), 100));
    }
    with_noise(rng, raw, 0.6, 3)
}

/// `x.float() + std · torch.randn(n, 2)`: one draw for all points, row-major.
fn with_noise(rng: &mut Rng, raw: Vec<(f64, f64, usize)>, std: f32, classes: usize) -> Points {
    let z = rng.randn(&[raw.len(), 2]);
    let z = z.as_slice().expect("fresh array");
    let mut pts = Vec::with_capacity(2 * raw.len());
    let mut labels = Vec::with_capacity(raw.len());
    for (i, (x, y, c)) in raw.into_iter().enumerate() {
        pts.extend([x as f32 + std * z[2 * i], y as f32 + std * z[2 * i + 1]]);
        labels.push(c);
    }
    (pts, labels, classes)
}

/// Regression: x = empty(200, 1).uniform_(−π, π), y = sin(x) + 0.1·randn(200, 1).
fn sine(rng: &mut Rng) -> Result<Dataset> {
    let n = 200;
    let mut xs = vec![0f32; n];
    rng.uniform_(&mut xs, -PI, PI);
    let z = rng.randn(&[n]);
    let ys: Vec<f32> = xs.iter().zip(&z).map(|(&x, &z)| (x as f64).sin() as f32 + 0.1 * z).collect();
    let input = ArrayD::from_shape_vec(IxDyn(&[n, 1]), xs).expect("n values");
    let target = ArrayD::from_shape_vec(IxDyn(&[n, 1]), ys).expect("n values");
    Dataset::new("sine", input, Target::Values(target))
}

/// Side of the square images of [`shapes`].
const SIDE: usize = 12;
/// Class names of [`shapes`], in label order.
pub const SHAPE_CLASSES: [&str; 4] = ["square", "cross", "circle", "bar"];

/// 240 single-channel 12×12 images, 60 per class: a hollow square (side 5–9), a plus-shaped
/// cross (arms 2–4), a ring (radius 2.5–4.5) and a filled horizontal bar (2 rows, 5–10 wide),
/// each at a random position, ink 1 on background 0, plus 0.05·randn(12, 12) pixel noise drawn
/// after the image's shape.
fn shapes(rng: &mut Rng) -> Result<Dataset> {
    let per = 60;
    let n = per * SHAPE_CLASSES.len();
    let mut pixels = Vec::with_capacity(n * SIDE * SIDE);
    let mut labels = Vec::with_capacity(n);
    for class in 0..SHAPE_CLASSES.len() {
        for _ in 0..per {
            let mut img = [[0.0f32; SIDE]; SIDE];
            draw_shape(rng, class, &mut img);
            let z = rng.randn(&[SIDE, SIDE]);
            pixels.extend(img.iter().flatten().zip(z.iter()).map(|(&v, &z)| v + 0.05 * z));
            labels.push(class);
        }
    }
    let input = ArrayD::from_shape_vec(IxDyn(&[n, 1, SIDE, SIDE]), pixels).expect("n images");
    Dataset::new("shapes", input, Target::Classes { labels, num_classes: 4 })
}

/// `torch.randint(0, n, (1,), generator=g).item()`.
fn below(rng: &mut Rng, n: usize) -> usize {
    (rng.random() % n as u32) as usize
}

/// `torch.empty(1).uniform_(a, b, generator=g).item()`, as a double.
fn uniform1(rng: &mut Rng, a: f64, b: f64) -> f64 {
    let mut v = [0f32];
    rng.uniform_(&mut v, a, b);
    v[0] as f64
}

/// Draws shape `class` (see [`SHAPE_CLASSES`]) with random size and position, always fully
/// inside the image.
fn draw_shape(rng: &mut Rng, class: usize, img: &mut [[f32; SIDE]; SIDE]) {
    match class {
        0 => {
            let s = 5 + below(rng, 5);
            let (top, left) = (below(rng, SIDE - s + 1), below(rng, SIDE - s + 1));
            for k in 0..s {
                img[top][left + k] = 1.0;
                img[top + s - 1][left + k] = 1.0;
                img[top + k][left] = 1.0;
                img[top + k][left + s - 1] = 1.0;
            }
        }
        1 => {
            let arm = 2 + below(rng, 3);
            let cy = arm + below(rng, SIDE - 2 * arm);
            let cx = arm + below(rng, SIDE - 2 * arm);
            for k in 0..=2 * arm {
                img[cy][cx + k - arm] = 1.0;
                img[cy + k - arm][cx] = 1.0;
            }
        }
        2 => {
            let radius = uniform1(rng, 2.5, 4.5);
            let lo = radius + 0.5;
            let hi = SIDE as f64 - 1.0 - radius - 0.5;
            let cy = uniform1(rng, lo, hi.max(lo));
            let cx = uniform1(rng, lo, hi.max(lo));
            for (y, row) in img.iter_mut().enumerate() {
                for (x, v) in row.iter_mut().enumerate() {
                    let d = ((y as f64 - cy).powi(2) + (x as f64 - cx).powi(2)).sqrt();
                    if (d - radius).abs() < 0.5 {
                        *v = 1.0;
                    }
                }
            }
        }
        _ => {
            let w = 5 + below(rng, 6);
            let (top, left) = (below(rng, SIDE - 1), below(rng, SIDE - w + 1));
            for row in &mut img[top..top + 2] {
                row[left..left + w].fill(1.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Axis;

    #[test]
    fn every_name_builds_and_is_deterministic_per_seed() {
        for &name in SYNTHETIC {
            let a = synthetic(name, 5).unwrap();
            assert_eq!(a, synthetic(name, 5).unwrap(), "{name}");
            let b = synthetic(name, 6).unwrap();
            assert_ne!(a.input, b.input, "{name}: seeds 5 and 6 gave the same input");
            assert_eq!(a.name, name);
        }
        let e = synthetic("swirl", 0).unwrap_err().to_string();
        assert!(e.contains("'swirl'") && e.contains("spiral, moons, circles"), "{e}");
    }

    #[test]
    fn the_test_set_is_a_second_draw_after_the_unchanged_training_set() {
        for &name in SYNTHETIC {
            let (train, test) = synthetic_split(name, 2).unwrap();
            assert_eq!(train, synthetic(name, 2).unwrap(), "{name}: the training set must not change");
            assert_eq!((test.input.shape(), test.class_counts()), (train.input.shape(), train.class_counts()));
            assert_ne!(test.input, train.input, "{name}: the test set is new data");
        }
    }

    fn counts(name: &str) -> (Dataset, Vec<usize>) {
        let d = synthetic(name, 0).unwrap();
        let c = d.class_counts().unwrap();
        (d, c)
    }

    #[test]
    fn spiral_matches_cs231n_layout() {
        let (d, c) = counts("spiral");
        assert_eq!((d.input.shape(), c), (&[300, 2][..], vec![100, 100, 100]));
        for (i, p) in d.input.axis_iter(Axis(0)).enumerate() {
            // The noise only moves the angle: the radius is exactly linspace(0, 1, 100).
            let r = (p[0] as f64).hypot(p[1] as f64);
            assert!((r - (i % 100) as f64 / 99.0).abs() < 1e-6, "point {i}: r = {r}");
        }
        // Labels come in blocks of 100; point 0 of every class sits at the origin.
        let Target::Classes { labels, .. } = &d.target else { panic!() };
        assert_eq!((labels[99], labels[100], labels[299]), (0, 1, 2));
        // Without noise, the last point of class 0 would be at angle 4: (sin 4, cos 4).
        let last = d.input.index_axis(Axis(0), 99);
        let angle = (last[0] as f64).atan2(last[1] as f64);
        let diff = (angle - 4.0).rem_euclid(2.0 * PI);
        assert!(diff.min(2.0 * PI - diff) < 1.0, "angle {angle}"); // 5 sigma of 0.2
    }

    #[test]
    fn two_d_sets_have_the_promised_classes_and_geometry() {
        let (d, c) = counts("moons");
        assert_eq!((d.len(), c), (200, vec![100, 100]));
        let mean_y = |d: &Dataset, class: usize| {
            let (x, _) = d.batch(&(100 * class..100 * (class + 1)).collect::<Vec<_>>());
            x.index_axis(Axis(1), 1).mean().unwrap()
        };
        // Upper moon: mean sin over [0, π] = 2/π = 0.64; lower moon: 0.5 - 0.64 = -0.14.
        assert!((mean_y(&d, 0) - 0.637).abs() < 0.05 && (mean_y(&d, 1) + 0.137).abs() < 0.05);

        let (d, c) = counts("circles");
        assert_eq!((d.len(), c), (200, vec![100, 100]));
        for (i, p) in d.input.axis_iter(Axis(0)).enumerate() {
            let want = if i < 100 { 1.0 } else { 0.5 };
            let r = p[0].hypot(p[1]);
            assert!((r - want).abs() < 0.3, "circle point {i}: r = {r}"); // 4 sigma of 0.05·√2
        }

        let (d, c) = counts("xor");
        assert_eq!((d.len(), c), (200, vec![100, 100]));
        let Target::Classes { labels, .. } = &d.target else { panic!() };
        let agree = d.input.axis_iter(Axis(0)).zip(labels).filter(|(p, &l)| usize::from(p[0] * p[1] < 0.0) == l);
        assert!(agree.count() >= 190, "xor: most points lie in their quadrant");

        let (d, c) = counts("blobs");
        assert_eq!((d.len(), c), (300, vec![100, 100, 100]));
        let m = d.input.slice(ndarray::s![0..100, ..]).mean_axis(Axis(0)).unwrap();
        assert!(m[0].abs() < 0.2 && (m[1] - 2.0).abs() < 0.2, "blob 0 centre {m}");
    }

    #[test]
    fn sine_is_a_noisy_sine_on_minus_pi_to_pi() {
        let d = synthetic("sine", 3).unwrap();
        assert!(!d.is_classification());
        assert_eq!((d.input.shape(), d.num_outputs()), (&[200, 1][..], 1));
        let Target::Values(y) = &d.target else { panic!() };
        let mut sq = 0.0;
        for (x, y) in d.input.iter().zip(y.iter()) {
            assert!((-PI as f32..=PI as f32).contains(x));
            sq += ((y - x.sin()) as f64).powi(2);
        }
        let std = (sq / 200.0).sqrt();
        assert!((0.08..0.12).contains(&std), "residual std {std}");
    }

    #[test]
    fn shapes_are_balanced_images_with_ink_per_class() {
        let (d, c) = counts("shapes");
        assert_eq!((d.input.shape(), c), (&[240, 1, 12, 12][..], vec![60; 4]));
        assert_eq!(d.input_shape(), &[1, 12, 12]);
        for (i, img) in d.input.axis_iter(Axis(0)).enumerate() {
            let ink = img.iter().filter(|&&v| v > 0.5).count();
            // square 16..=32, cross 9..=17, ring ≥ 12, bar 10..=20 pixels
            let ok = match i / 60 {
                0 => (16..=32).contains(&ink),
                1 => (9..=17).contains(&ink),
                2 => (12..=40).contains(&ink),
                _ => (10..=20).contains(&ink),
            };
            assert!(ok, "image {i} ({}) has {ink} ink pixels", SHAPE_CLASSES[i / 60]);
            let bg = img.iter().filter(|&&v| v.abs() < 0.25).count();
            assert_eq!(bg + ink, 144, "image {i}: noise stays small");
        }
    }
}
