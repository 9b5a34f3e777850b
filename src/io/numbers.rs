//! Numbers as text, in two voices. For files (CSV, JSON): [`shortest`], Rust's shortest form that
//! reads back to the same bits, in scientific notation when plain digits would be long (`1.6e119`,
//! not a 120-digit integer). For people (tables, titles, legends, tooltips): [`human`], at most
//! six significant digits (`1.76095`, not `1.7609546396067406`).

/// The shortest text that parses back to exactly `v`: plain digits between 1e-5 and 1e16,
/// scientific notation outside (`NaN`, `inf`, `-inf` as Rust writes them).
pub fn shortest(v: f64) -> String {
    let a = v.abs();
    if v != 0.0 && a.is_finite() && !(1e-5..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// `v` rounded to six significant digits, trailing zeros dropped: plain between 1e-4 and 1e6,
/// scientific outside (`1.6e119`, `2.5e-7`); `NaN`, `inf`, `-inf` as such.
pub fn human(v: f64) -> String {
    sig(v, 6)
}

/// `v` rounded to `digits` significant digits (1 ≤ digits ≤ 17), as [`human`] writes it.
pub fn sig(v: f64, digits: usize) -> String {
    if !v.is_finite() || v == 0.0 {
        return if v == 0.0 { "0".into() } else { format!("{v}") };
    }
    let d = digits.clamp(1, 17) - 1;
    let s = format!("{v:.d$e}");
    let (m, e) = s.split_once('e').expect("{:e} has an exponent");
    let e: i32 = e.parse().expect("{:e} exponent is an integer");
    if (-4..6).contains(&e) {
        let decimals = (d as i32 - e).max(0) as usize;
        trim(&format!("{v:.decimals$}")).to_string()
    } else {
        format!("{}e{e}", trim(m))
    }
}

/// Drops trailing zeros after a decimal point, and the point itself if nothing follows.
fn trim(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_round_trips_and_stays_short() {
        let cases = [
            (1.6e119, "1.6e119"),
            (1e300, "1e300"),
            (0.0000008501511819521691, "8.501511819521691e-7"),
            (1.0986123085021973, "1.0986123085021973"),
            (0.0, "0"),
            (3.0, "3"),
            (-2.5e-9, "-2.5e-9"),
            (123456789.0, "123456789"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        ];
        for (v, want) in cases {
            assert_eq!(shortest(v), want);
        }
        // Every value reads back to its bits, and no text is longer than 24 characters.
        let mut x = 1.234_567_890_123e-300f64;
        while x < 1e300 {
            for v in [x, -x, x * 7.77, 1.0 / x] {
                let s = shortest(v);
                assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{s}");
                assert!(s.len() <= 24, "{s}");
            }
            x *= 13.7;
        }
    }

    #[test]
    fn human_numbers_have_at_most_six_significant_digits() {
        let cases = [
            (1.7609546396067406, "1.76095"),
            (0.046827059239149094, "0.0468271"),
            (128.0, "128"),
            (127.999999, "128"),
            (9.9999996, "10"),
            (999999.7, "1e6"),
            (123456.4, "123456"),
            (0.05, "0.05"),
            (0.0001, "0.0001"),
            (0.00001234567, "1.23457e-5"),
            (1.6e119, "1.6e119"),
            (-3.25, "-3.25"),
            (0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
        ];
        for (v, want) in cases {
            assert_eq!(human(v), want, "{v}");
        }
        assert_eq!(sig(0.264_123, 3), "0.264");
        for v in [1.7609546396067406, 0.046827059239149094, 6.02214076e23, 1.0 / 3.0] {
            let h = human(v);
            let mantissa = h.split('e').next().unwrap().replace('.', "");
            assert!(mantissa.trim_start_matches('0').len() <= 6, "{h}");
            assert!((human(v).parse::<f64>().unwrap() / v - 1.0).abs() < 5e-6);
        }
    }
}
