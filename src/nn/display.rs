//! `print(model)` as torch prints it.

use super::Module;

/// torch's `Module.__repr__`: `Type(extra)` for a leaf, otherwise the children indented by two.
pub fn repr(m: &dyn Module) -> String {
    let kids = m.named_children();
    let extra = m.extra_repr();
    if kids.is_empty() {
        return format!("{}({})", m.type_name(), extra);
    }
    let mut lines: Vec<String> = Vec::new();
    if !extra.is_empty() {
        lines.extend(extra.lines().map(str::to_string));
    }
    for (name, c) in kids {
        let child = repr(c).replace('\n', "\n  ");
        lines.push(format!("({name}): {child}"));
    }
    let mut s = format!("{}(", m.type_name());
    for l in lines {
        s.push_str("\n  ");
        s.push_str(&l);
    }
    s.push_str("\n)");
    s
}

/// A float the way Python's `repr(float)` writes it: `0.1`, `1e-05`, `1.0`, `0.2`.
pub fn py_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let e = format!("{v:e}"); // shortest round-trip digits, e.g. "1e-5", "1.5e2"
    let (mant, exp) = e.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("integer exponent");
    if (-4..16).contains(&exp) {
        let s = format!("{v}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    }
}

/// A single value, or a pair printed as a Python tuple: `(3, 3)`.
pub fn pair(p: (usize, usize)) -> String {
    format!("({}, {})", p.0, p.1)
}

/// Python's `True` / `False`.
pub fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

#[cfg(test)]
mod tests {
    use super::py_float;

    #[test]
    fn python_float_repr() {
        assert_eq!(py_float(1e-5), "1e-05");
        assert_eq!(py_float(0.1), "0.1");
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.0001), "0.0001");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(2.5e-7), "2.5e-07");
    }
}
