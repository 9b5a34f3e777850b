//! `print(model)` as torch prints it.

use super::Module;

/// torch's `Module.__repr__`: `Type(extra)` for a leaf, otherwise the children indented by two.
/// Written line by line from an explicit stack, so a net of any depth prints.
pub fn repr(m: &dyn Module) -> String {
    enum Step<'a> {
        Open(String, &'a dyn Module, usize),
        Close(usize),
    }
    let mut out = String::new();
    let line = |out: &mut String, indent: usize, text: &str| {
        for (i, l) in text.split('\n').enumerate() {
            if !out.is_empty() || i > 0 {
                out.push('\n');
            }
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(l);
        }
    };
    let mut stack = vec![Step::Open(String::new(), m, 0)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Close(indent) => line(&mut out, indent, ")"),
            Step::Open(head, m, indent) => {
                let kids = m.named_children();
                let extra = m.extra_repr();
                if kids.is_empty() {
                    line(&mut out, indent, &format!("{head}{}({extra})", m.type_name()));
                    continue;
                }
                line(&mut out, indent, &format!("{head}{}(", m.type_name()));
                if !extra.is_empty() {
                    line(&mut out, indent + 2, &extra);
                }
                stack.push(Step::Close(indent));
                for (name, c) in kids.into_iter().rev() {
                    stack.push(Step::Open(format!("({name}): "), c, indent + 2));
                }
            }
        }
    }
    out
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
