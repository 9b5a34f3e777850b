//! Fans and gains, as torch's `_calculate_fan_in_and_fan_out`, `_calculate_correct_fan` and
//! `calculate_gain`. A weight is `[out, in, *kernel]`; grouped convs store `[out, in/groups, *k]`,
//! so their fan_in is (in/groups)·receptive field, exactly as torch computes it.

use crate::error::{shape_str, Error, Result};
use crate::tensor::Tensor;
use std::fmt;
use std::str::FromStr;

/// The nonlinearity names [`calculate_gain`] accepts.
pub const NONLINEARITIES: &[&str] = &[
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
];

/// torch's `calculate_gain(nonlinearity, param)`: the factor that keeps the variance of the
/// signal through `nonlinearity`. `param` is leaky_relu's negative slope (0.01 when `None`).
pub fn calculate_gain(nonlinearity: &str, param: Option<f64>) -> Result<f64> {
    match nonlinearity {
        "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d"
        | "sigmoid" => Ok(1.0),
        "tanh" => Ok(5.0 / 3.0),
        "relu" => Ok(2f64.sqrt()),
        "leaky_relu" => {
            let slope = param.unwrap_or(0.01);
            if !slope.is_finite() {
                return Err(Error::invalid(
                    "calculate_gain",
                    format!("negative_slope {slope} not a valid number (leaky_relu takes a finite slope)"),
                ));
            }
            Ok((2.0 / (1.0 + slope * slope)).sqrt())
        }
        "selu" => Ok(3.0 / 4.0),
        "gelu" | "silu" | "swish" | "elu" | "softplus" | "mish" => Err(Error::invalid(
            "calculate_gain",
            format!(
                "Unsupported nonlinearity '{nonlinearity}': torch.nn.init.calculate_gain has no gain for \
                 GELU, SiLU, ELU or Softplus; give a number (e.g. gain=1.0) or use relu's gain as an approximation; \
                 known: {}",
                NONLINEARITIES.join(", ")
            ),
        )),
        other => Err(Error::invalid(
            "calculate_gain",
            format!("Unsupported nonlinearity '{other}'; one of {}", NONLINEARITIES.join(", ")),
        )),
    }
}

/// (fan_in, fan_out) of a weight of `shape`: fan_in = size(1)·receptive field, fan_out =
/// size(0)·receptive field, where the receptive field is the product of the sizes after dim 1.
pub fn fans(shape: &[usize]) -> Result<(usize, usize)> {
    if shape.len() < 2 {
        return Err(Error::shape(
            "calculate_fan_in_and_fan_out",
            format!(
                "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions \
                 (got shape {}); fan-based schemes need a weight [out, in, *kernel]",
                shape_str(shape)
            ),
        ));
    }
    let receptive: usize = shape[2..].iter().product();
    Ok((shape[1] * receptive, shape[0] * receptive))
}

/// torch's `_calculate_fan_in_and_fan_out(tensor)`.
pub fn calculate_fan_in_and_fan_out(t: &Tensor) -> Result<(usize, usize)> {
    fans(&t.shape())
}

/// Which fan a kaiming scheme normalises by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    /// Preserves the variance of activations in the forward pass (torch's default).
    FanIn,
    /// Preserves the variance of gradients in the backward pass.
    FanOut,
}

impl FromStr for FanMode {
    type Err = Error;
    /// Case-insensitive like torch (`mode.lower()`).
    fn from_str(s: &str) -> Result<FanMode> {
        match s.to_ascii_lowercase().as_str() {
            "fan_in" => Ok(FanMode::FanIn),
            "fan_out" => Ok(FanMode::FanOut),
            _ => Err(Error::invalid("mode", format!("Mode '{s}' not supported, please use one of fan_in, fan_out"))),
        }
    }
}

impl fmt::Display for FanMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FanMode::FanIn => "fan_in",
            FanMode::FanOut => "fan_out",
        })
    }
}

/// torch's `_calculate_correct_fan(tensor, mode)` on a shape.
pub fn correct_fan(shape: &[usize], mode: FanMode) -> Result<usize> {
    let (fan_in, fan_out) = fans(shape)?;
    Ok(match mode {
        FanMode::FanIn => fan_in,
        FanMode::FanOut => fan_out,
    })
}

/// torch's `_calculate_correct_fan(tensor, mode)`; `mode` is `"fan_in"` or `"fan_out"`.
pub fn calculate_correct_fan(t: &Tensor, mode: &str) -> Result<usize> {
    correct_fan(&t.shape(), mode.parse()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gain_table_matches_torch() {
        for n in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "sigmoid"] {
            assert_eq!(calculate_gain(n, None).unwrap(), 1.0, "{n}");
        }
        assert_eq!(calculate_gain("tanh", None).unwrap(), 5.0 / 3.0);
        assert_eq!(calculate_gain("relu", None).unwrap(), 2f64.sqrt());
        assert_eq!(calculate_gain("selu", None).unwrap(), 0.75);
        // leaky_relu: sqrt(2 / (1 + 0.01^2)) = 1.4141428569978354 (torch prints the same)
        assert!((calculate_gain("leaky_relu", None).unwrap() - 1.4141428569978354).abs() < 1e-15);
        assert!((calculate_gain("leaky_relu", Some(0.2)).unwrap() - (2.0f64 / 1.04).sqrt()).abs() < 1e-15);
        assert_eq!(calculate_gain("leaky_relu", Some(0.0)).unwrap(), 2f64.sqrt());
    }

    #[test]
    fn gain_errors_name_the_input_and_list_valid_names() {
        let e = calculate_gain("swish", None).unwrap_err().to_string();
        assert!(
            e.contains("Unsupported nonlinearity 'swish'") && e.contains("leaky_relu") && e.contains("selu"),
            "{e}"
        );
        for n in ["gelu", "silu", "elu"] {
            let e = calculate_gain(n, None).unwrap_err().to_string();
            assert!(e.contains(&format!("'{n}'")) && e.contains("has no gain for GELU, SiLU, ELU"), "{e}");
        }
        let e = calculate_gain("leaky_relu", Some(f64::NAN)).unwrap_err().to_string();
        assert!(e.contains("negative_slope NaN not a valid number"), "{e}");
    }

    #[test]
    fn fans_of_linear_and_conv_weights() {
        assert_eq!(fans(&[4, 6]).unwrap(), (6, 4));
        // Conv2d(3, 16, 5): weight [16, 3, 5, 5], receptive field 25.
        assert_eq!(fans(&[16, 3, 5, 5]).unwrap(), (75, 400));
        // Conv1d and Conv3d
        assert_eq!(fans(&[8, 2, 3]).unwrap(), (6, 24));
        assert_eq!(fans(&[8, 2, 3, 3, 3]).unwrap(), (54, 216));
        // Grouped Conv2d(8, 16, 3, groups=4): weight [16, 8/4, 3, 3]; torch's fans follow the
        // stored shape, so fan_in = 2*9 = 18 and fan_out = 16*9 = 144.
        assert_eq!(fans(&[16, 2, 3, 3]).unwrap(), (18, 144));
        // Depthwise Conv2d(8, 8, 3, groups=8): weight [8, 1, 3, 3].
        assert_eq!(fans(&[8, 1, 3, 3]).unwrap(), (9, 72));
        let t = Tensor::zeros(&[16, 3, 5, 5]);
        assert_eq!(calculate_fan_in_and_fan_out(&t).unwrap(), (75, 400));
        assert_eq!(calculate_correct_fan(&t, "fan_out").unwrap(), 400);
        assert_eq!(calculate_correct_fan(&t, "FAN_IN").unwrap(), 75);
    }

    #[test]
    fn fan_errors() {
        let e = fans(&[5]).unwrap_err().to_string();
        assert!(e.contains("fewer than 2 dimensions") && e.contains("[5]"), "{e}");
        let e = calculate_correct_fan(&Tensor::zeros(&[2, 2]), "fan_middle").unwrap_err().to_string();
        assert!(e.contains("'fan_middle'") && e.contains("fan_in, fan_out"), "{e}");
    }
}
