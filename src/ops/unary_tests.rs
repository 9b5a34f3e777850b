//! The gradchecks and value checks of the unary ops (src/ops/unary.rs).

use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
use crate::tensor::Tensor;

#[test]
fn gradcheck_every_unary_op() {
    let x = test_input(&[3, 5], 11, 0.05);
    let pos = x.mapv(|v| v.abs() + 0.5);
    let o = GradcheckOpts::default();
    gradcheck(|t| Ok(t[0].neg()), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].exp()), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].log()), &[pos.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].sqrt()), &[pos.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].pow(3.0)), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].pow(-1.5)), &[pos], o).unwrap();
    gradcheck(|t| Ok(t[0].add_scalar(2.0).mul_scalar(-3.0)), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].relu()), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].leaky_relu(0.2)), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].tanh()), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].sigmoid()), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].gelu(false)), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].gelu(true)), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].selu()), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].elu(0.7)), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].silu()), &[x.clone()], o).unwrap();
    gradcheck(|t| Ok(t[0].softplus(2.0, 20.0)), &[x.clone()], o).unwrap();
    // Both regimes of softplus: threshold 1 with beta 2 makes x > 0.5 linear.
    gradcheck(|t| Ok(t[0].softplus(2.0, 1.0)), &[x.mapv(|v| if (v - 0.5).abs() < 0.05 { v + 0.1 } else { v })], o)
        .unwrap();
}

#[test]
fn smooth_activation_values_from_their_definitions() {
    // Reference values from torch (float64): F.gelu, F.gelu(approximate='tanh'), F.selu,
    // F.elu(alpha=0.7), F.silu, F.softplus(beta=2, threshold=1) at x = -1.5, 0.3, 2.0.
    let x = Tensor::from_vec(&[3], vec![-1.5, 0.3, 2.0]).unwrap();
    let cases: [(Tensor, [f64; 3]); 6] = [
        (x.gelu(false), [-0.10021080190328704, 0.1853734266566858, 1.9544997361036416]),
        (x.gelu(true), [-0.10042842301976707, 0.18537092354275922, 1.954597694087775]),
        (x.selu(), [-1.3658143533672527, 0.31521029620664415, 2.101401974710961]),
        (x.elu(0.7), [-0.5438088878960992, 0.3, 2.0]),
        (x.silu(), [-0.2736382857095345, 0.1723327550434977, 1.7615941559557646]),
        (x.softplus(2.0, 1.0), [0.02429367578687103, 0.5187439752429428, 2.0]),
    ];
    for (i, (y, want)) in cases.iter().enumerate() {
        for (g, w) in y.to_vec().iter().zip(want) {
            assert!((*g as f64 - w).abs() < 1e-6, "case {i}: {:?} vs {want:?}", y.to_vec());
        }
    }
}

#[test]
fn relu_gradient_is_zero_at_zero_like_torch() {
    let x = Tensor::param(ndarray::arr1(&[-1.0f32, 0.0, 2.0]).into_dyn());
    x.relu().sum_all().backward().unwrap();
    assert_eq!(x.grad().unwrap().iter().copied().collect::<Vec<_>>(), vec![0.0, 0.0, 1.0]);
    let y = Tensor::param(ndarray::arr1(&[-1.0f32, 0.0, 2.0]).into_dyn());
    y.leaky_relu(0.1).sum_all().backward().unwrap();
    assert_eq!(y.grad().unwrap().iter().copied().collect::<Vec<_>>(), vec![0.1, 0.1, 1.0]);
}
