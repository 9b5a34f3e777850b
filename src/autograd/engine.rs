//! The backward pass: topological sort, then gradients flow from the root to the leaves.

use crate::error::{shape_str, Error, Result};
use crate::kernels::pool;
use crate::tensor::Tensor;
use ndarray::{ArrayD, Axis, IxDyn};
use std::collections::{HashMap, HashSet};

/// Backpropagates from a one-element tensor (seed gradient 1).
pub fn backward(root: &Tensor) -> Result<()> {
    if root.numel() != 1 {
        return Err(Error::shape(
            "backward",
            format!(
                "grad can be implicitly created only for one-element outputs, got shape {}",
                shape_str(&root.shape())
            ),
        ));
    }
    let seed = ArrayD::from_elem(IxDyn(&root.shape()), 1.0f32);
    backward_with(root, seed)
}

/// Backpropagates `grad` (of the root's shape) from `root`.
pub fn backward_with(root: &Tensor, grad: ArrayD<f32>) -> Result<()> {
    if !root.requires_grad() {
        return Err(Error::invalid("backward", "the tensor does not require grad and has no grad_fn"));
    }
    if grad.shape() != root.shape().as_slice() {
        return Err(Error::shape(
            "backward",
            format!(
                "gradient shape {} does not match tensor shape {}",
                shape_str(grad.shape()),
                shape_str(&root.shape())
            ),
        ));
    }
    let order = topo_order(root);
    let mut grads: HashMap<usize, ArrayD<f32>> = HashMap::new();
    grads.insert(root.id(), grad);
    for t in order.iter().rev() {
        let Some(g) = grads.remove(&t.id()) else { continue };
        match t.node() {
            None => t.accumulate_grad(g),
            Some(node) => {
                check_versions(node)?;
                let input_grads = node.grad_fn.backward(&g, &node.inputs);
                pool::recycle(g);
                for (input, ig) in node.inputs.iter().zip(input_grads) {
                    let Some(ig) = ig else { continue };
                    if !input.requires_grad() {
                        continue;
                    }
                    let ig = unbroadcast(ig, &input.shape());
                    match grads.get_mut(&input.id()) {
                        Some(acc) => {
                            *acc += &ig;
                            pool::recycle(ig);
                        }
                        None => {
                            grads.insert(input.id(), ig);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// torch's check on saved tensors: an input modified in place after the op recorded it would give
/// a silently wrong gradient, so backward stops with an error naming the op and the input.
fn check_versions(node: &crate::autograd::Node) -> Result<()> {
    for (i, (t, &saved)) in node.inputs.iter().zip(&node.versions).enumerate() {
        let now = t.version();
        if now != saved {
            return Err(Error::invalid(
                "backward",
                format!(
                    "one of the variables needed for gradient computation has been modified by an inplace \
                     operation: input {i} of {} (shape {}) is at version {now}; expected version {saved} instead",
                    node.grad_fn.name(),
                    shape_str(&t.shape())
                ),
            ));
        }
    }
    Ok(())
}

/// Tensors reachable from `root` through inputs that require grad, each after all its inputs.
fn topo_order(root: &Tensor) -> Vec<Tensor> {
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    // Iterative DFS: (tensor, children already pushed?)
    let mut stack = vec![(root.clone(), false)];
    while let Some((t, expanded)) = stack.pop() {
        if expanded {
            order.push(t);
            continue;
        }
        if !seen.insert(t.id()) {
            continue;
        }
        stack.push((t.clone(), true));
        if let Some(node) = t.node() {
            for i in &node.inputs {
                if i.requires_grad() && !seen.contains(&i.id()) {
                    stack.push((i.clone(), false));
                }
            }
        }
    }
    order
}

/// Sums `g` down to `shape`, undoing numpy-style broadcasting (extra leading axes, size-1 axes);
/// the sums accumulate in f64.
pub fn unbroadcast(g: ArrayD<f32>, shape: &[usize]) -> ArrayD<f32> {
    if g.shape() == shape {
        return g;
    }
    let mut g = g;
    while g.ndim() > shape.len() {
        g = crate::kernels::sum::sum_axis(&g, Axis(0));
    }
    for (ax, &n) in shape.iter().enumerate() {
        if n == 1 && g.shape()[ax] != 1 {
            g = crate::kernels::sum::sum_axis(&g, Axis(ax)).insert_axis(Axis(ax));
        }
    }
    g.into_shape_with_order(IxDyn(shape)).expect("unbroadcast to a broadcast-compatible shape")
}

#[cfg(test)]
mod tests {
    use crate::tensor::Tensor;
    use ndarray::arr1;

    fn param(v: &[f32]) -> Tensor {
        Tensor::param(arr1(v).into_dyn())
    }

    #[test]
    fn a_saved_input_modified_in_place_before_backward_is_an_error_naming_the_op() {
        let (w, x) = (param(&[1.0, 2.0]), param(&[3.0, 4.0]));
        let loss = w.mul(&x).unwrap().sum_all();
        // As `with torch.no_grad(): w.mul_(2)`: MulBackward saved w and would use its new values.
        w.data_mut().mapv_inplace(|v| v * 2.0);
        let e = loss.backward().unwrap_err().to_string();
        assert!(e.contains("modified by an inplace operation") && e.contains("MulBackward"), "{e}");
        assert!(e.contains("input 0") && e.contains("version 1; expected version 0"), "{e}");
        // A detached view shares the storage and so the counter.
        let (a, b) = (param(&[1.0]), param(&[2.0]));
        let loss = a.mul(&b).unwrap().sum_all();
        b.detach().data_mut()[0] = 5.0;
        assert!(loss.backward().unwrap_err().to_string().contains("input 1 of MulBackward"));
    }

    #[test]
    fn untouched_inputs_and_writes_after_backward_are_fine() {
        let (w, x) = (param(&[1.0, 2.0]), param(&[3.0, 4.0]));
        let loss = w.mul(&x).unwrap().sum_all();
        loss.backward().unwrap();
        assert_eq!(w.grad().unwrap(), arr1(&[3.0f32, 4.0]).into_dyn());
        assert_eq!(x.grad().unwrap(), arr1(&[1.0f32, 2.0]).into_dyn());
        // An optimizer step after backward writes in place; the next forward records the new version.
        w.data_mut().fill(0.5);
        assert_eq!(w.version(), 1);
        w.zero_grad();
        let loss = w.mul(&x).unwrap().sum_all();
        loss.backward().unwrap();
        assert_eq!(w.grad().unwrap(), arr1(&[3.0f32, 4.0]).into_dyn());
    }
}
