//! Which dimensions of a parameter are "width": the `mup` package's (1.0.0) `InfDim` and
//! `InfShape` (mup/infshape.py), attached to a parameter as mup attaches `p.infshape`.
//!
//! An [`InfDim`] is a dimension with a base dimension: `base: None` is a finite (non-width)
//! dimension, `Some(b)` an "infinite" one whose width multiplier is `dim / b`. An [`InfShape`]
//! is one per tensor dimension; its *main* dimension is the last infinite one (for a weight
//! `[out, in]` with both infinite: the fan-in).

/// One dimension: its size and, when it is a width dimension, its base size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InfDim {
    pub base: Option<usize>,
    pub dim: usize,
}

impl InfDim {
    pub fn is_inf(&self) -> bool {
        self.base.is_some()
    }

    /// `dim / base` (f64, as Python's `/`) for a width dimension, 1 otherwise.
    pub fn width_mult(&self) -> f64 {
        match self.base {
            Some(b) => self.dim as f64 / b as f64,
            None => 1.0,
        }
    }
}

/// A tensor's dimensions as [`InfDim`]s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InfShape(pub Vec<InfDim>);

impl InfShape {
    /// mup's `zip_infshape(base_dims, dims)` for plain base sizes: a dimension is infinite
    /// where the base size differs from the size (`fin_if_same`).
    pub fn zip(base: &[usize], dims: &[usize]) -> InfShape {
        InfShape(base.iter().zip(dims).map(|(&b, &d)| InfDim { base: (b != d).then_some(b), dim: d }).collect())
    }

    /// These base dimensions with new sizes `dims` (mup's `zip_infshape` when the base is
    /// already an `InfShape`: it keeps each base dimension and overwrites the size).
    pub fn with_dims(&self, dims: &[usize]) -> InfShape {
        InfShape(self.0.iter().zip(dims).map(|(d, &n)| InfDim { base: d.base, dim: n }).collect())
    }

    /// The base shape, `None` for finite dimensions (what mup saves in a `.bsh` file).
    pub fn base_shape(&self) -> Vec<Option<usize>> {
        self.0.iter().map(|d| d.base).collect()
    }

    pub fn shape(&self) -> Vec<usize> {
        self.0.iter().map(|d| d.dim).collect()
    }

    /// Number of infinite dimensions.
    pub fn ninf(&self) -> usize {
        self.0.iter().filter(|d| d.is_inf()).count()
    }

    /// The last infinite dimension (mup's `main`).
    pub fn main(&self) -> Option<&InfDim> {
        self.0.iter().rev().find(|d| d.is_inf())
    }

    /// The main dimension's width multiplier, 1 when every dimension is finite.
    pub fn width_mult(&self) -> f64 {
        self.main().map_or(1.0, InfDim::width_mult)
    }

    /// `(fan_in, fan_out)` = dimensions 1 and 0; `None` for a tensor of fewer than 2 dimensions.
    pub fn fanin_fanout(&self) -> Option<(InfDim, InfDim)> {
        (self.0.len() >= 2).then(|| (self.0[1], self.0[0]))
    }

    /// fan-in's width multiplier over fan-out's (MuSGD's key for matrix-like parameters).
    pub fn fanin_fanout_mult_ratio(&self) -> Option<f64> {
        self.fanin_fanout().map(|(i, o)| i.width_mult() / o.width_mult())
    }
}

impl std::fmt::Display for InfShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let dims: Vec<String> = self
            .0
            .iter()
            .map(|d| match d.base {
                Some(b) => format!("InfDim({b}, {})", d.dim),
                None => format!("FinDim({})", d.dim),
            })
            .collect();
        write!(f, "[{}]", dims.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mup/infshape.py's own example: `InfShape([InfDim(None, 100), InfDim(128, 1024),
    /// InfDim(128, 128)])` has 2 infinite dims and width_mult 1 (its main is the last);
    /// `zip_infshape([64, 128, 1024], [32, 128, 2048])` is `[InfDim(64, 32), FinDim(128),
    /// InfDim(1024, 2048)]`.
    #[test]
    fn mups_examples() {
        let s = InfShape(vec![
            InfDim { base: None, dim: 100 },
            InfDim { base: Some(128), dim: 1024 },
            InfDim { base: Some(128), dim: 128 },
        ]);
        assert_eq!((s.ninf(), s.width_mult()), (2, 1.0));
        let z = InfShape::zip(&[64, 128, 1024], &[32, 128, 2048]);
        assert_eq!(z.to_string(), "[InfDim(64, 32), FinDim(128), InfDim(1024, 2048)]");
        assert_eq!((z.ninf(), z.width_mult(), z.fanin_fanout_mult_ratio()), (2, 2.0, Some(1.0 / 0.5)));
    }

    #[test]
    fn readout_and_hidden_weights() {
        // base 64, delta 128, model 256: a hidden weight is inf x inf, a readout fin x inf.
        let hidden = InfShape::zip(&[64, 64], &[128, 128]).with_dims(&[256, 256]);
        assert_eq!((hidden.ninf(), hidden.width_mult(), hidden.fanin_fanout_mult_ratio()), (2, 4.0, Some(1.0)));
        let readout = InfShape::zip(&[3, 64], &[3, 128]).with_dims(&[3, 256]);
        assert_eq!((readout.ninf(), readout.width_mult(), readout.base_shape()), (1, 4.0, vec![None, Some(64)]));
        let bias = InfShape::zip(&[3], &[3]).with_dims(&[3]);
        assert_eq!((bias.ninf(), bias.width_mult(), bias.fanin_fanout()), (0, 1.0, None));
    }
}
