//! Tests of scheme parsing, shape checks and theoretical stds.
use super::*;

#[test]
fn parse_keyword_positional_and_defaults() {
    assert_eq!(
        Scheme::parse("kaiming_normal(nonlinearity=relu)").unwrap(),
        Scheme::KaimingNormal { a: 0.0, mode: FanMode::FanIn, nonlinearity: "relu".into() }
    );
    assert_eq!(
        Scheme::parse("kaiming_uniform(0.2, fan_out, leaky_relu)").unwrap(),
        Scheme::KaimingUniform { a: 0.2, mode: FanMode::FanOut, nonlinearity: "leaky_relu".into() }
    );
    assert_eq!(
        Scheme::parse("trunc_normal(0, std=0.02)").unwrap(),
        Scheme::TruncNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 }
    );
    assert_eq!(Scheme::parse(" zeros ").unwrap(), Scheme::Zeros);
    assert_eq!(Scheme::parse("constant(0.3)").unwrap(), Scheme::Constant { val: 0.3 });
    assert_eq!(Scheme::parse("xavier_uniform(gain=tanh)").unwrap(), Scheme::XavierUniform { gain: 5.0 / 3.0 });
    let Scheme::Orthogonal { gain } = Scheme::parse("orthogonal(gain=leaky_relu:0.2)").unwrap() else { panic!() };
    assert!((gain - (2.0f64 / 1.04).sqrt()).abs() < 1e-15);
    assert_eq!(Scheme::parse("sparse(0.1)").unwrap(), Scheme::Sparse { sparsity: 0.1, std: 0.01 });
    assert_eq!(Scheme::parse("lsuv").unwrap(), Scheme::Lsuv { tol: 0.1, max_iters: 10 });
    // Display round-trips
    for s in ["kaiming_normal(a=0.1, mode=fan_out, nonlinearity=relu)", "uniform(a=-1, b=2)", "dirac(groups=2)"] {
        assert_eq!(Scheme::parse(s).unwrap().to_string(), s);
    }
}

#[test]
fn parse_errors_say_what_is_valid() {
    let e = Scheme::parse("he_normal").unwrap_err().to_string();
    assert!(e.contains("unknown scheme 'he_normal'") && e.contains("kaiming_normal") && e.contains("lsuv"), "{e}");
    let e = Scheme::parse("kaiming_normal_").unwrap_err().to_string();
    assert!(e.contains("without the trailing underscore"), "{e}");
    let e = Scheme::parse("kaiming_normal(slope=0.1)").unwrap_err().to_string();
    assert!(e.contains("unknown argument 'slope'") && e.contains("a, mode, nonlinearity"), "{e}");
    let e = Scheme::parse("kaiming_normal(mode=fan_middle)").unwrap_err().to_string();
    assert!(e.contains("'fan_middle'") && e.contains("fan_in, fan_out"), "{e}");
    let e = Scheme::parse("kaiming_normal(nonlinearity=swish)").unwrap_err().to_string();
    assert!(e.contains("'swish'") && e.contains("relu"), "{e}");
    let e = Scheme::parse("xavier_normal(gain=leaky_relu:x)").unwrap_err().to_string();
    assert!(e.contains("'x'") && e.contains("leaky_relu:0.2"), "{e}");
    let e = Scheme::parse("xavier_normal(gain=big)").unwrap_err().to_string();
    assert!(e.contains("'big'") && e.contains("Unsupported nonlinearity"), "{e}");
    let e = Scheme::parse("constant").unwrap_err().to_string();
    assert!(e.contains("missing required argument 'val'"), "{e}");
    let e = Scheme::parse("normal(std=abc)").unwrap_err().to_string();
    assert!(e.contains("'std' must be a finite number, got 'abc'"), "{e}");
    let e = Scheme::parse("normal(0, 1, 2)").unwrap_err().to_string();
    assert!(e.contains("too many arguments") && e.contains("mean, std"), "{e}");
    let e = Scheme::parse("normal(std=1, 0)").unwrap_err().to_string();
    assert!(e.contains("positional argument '0' after a keyword"), "{e}");
    let e = Scheme::parse("zeros(1)").unwrap_err().to_string();
    assert!(e.contains("zeros takes no arguments"), "{e}");
    let e = Scheme::parse("uniform(1, 0)").unwrap_err().to_string();
    assert!(e.contains("a <= b"), "{e}");
    let e = Scheme::parse("normal(0, 1").unwrap_err().to_string();
    assert!(e.contains("missing ')'"), "{e}");
}

#[test]
fn check_rejects_shapes_without_touching() {
    assert!(Scheme::Eye.check(&[16, 3, 3, 3]).unwrap_err().to_string().contains("[16, 3, 3, 3]"));
    let k = Scheme::parse("kaiming_normal").unwrap();
    let e = k.check(&[16]).unwrap_err().to_string();
    assert!(e.contains("fewer than 2 dimensions") && e.contains("[16]"), "{e}");
    assert!(Scheme::Dirac { groups: 1 }.check(&[4, 4]).is_err());
    assert!(Scheme::Orthogonal { gain: 1.0 }.check(&[4]).is_err());
    assert!(Scheme::Sparse { sparsity: 0.1, std: 0.01 }.check(&[4, 4, 1]).is_err());
    assert!(Scheme::Zeros.check(&[4]).is_ok() && k.check(&[4, 4, 3, 3]).is_ok());
}

#[test]
fn theoretical_std_values() {
    let s = |t: &str, shape: &[usize]| Scheme::parse(t).unwrap().theoretical_std(shape).unwrap();
    assert!((s("uniform(-1, 1)", &[2, 2]) - 1.0 / 3f64.sqrt()).abs() < 1e-15);
    assert!((s("kaiming_normal(nonlinearity=relu)", &[10, 8, 3, 3]) - (2.0f64 / 72.0).sqrt()).abs() < 1e-15);
    assert!((s("xavier_uniform", &[4, 6]) - 0.2f64.sqrt()).abs() < 1e-15);
    assert!((s("trunc_normal", &[3]) - 0.879_626_3).abs() < 1e-6);
    assert!((s("orthogonal", &[4, 16]) - 0.25).abs() < 1e-15);
    assert!((s("sparse(0.5, 1)", &[4, 4]) - 0.5f64.sqrt()).abs() < 1e-15);
    assert_eq!(Scheme::Eye.theoretical_std(&[3, 3]), None);
}
