//! Depth without a stack limit: graphs and module trees far deeper than a small thread stack
//! could hold one frame per level of, walked, printed, back-propagated and dropped on such a
//! thread (the sweep's workers have small stacks too).

use super::*;
use ndarray::arr1;

/// Runs `f` on a thread with a 64 KiB stack: a walk with one frame per level overflows it long
/// before depth 2,000.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(64 << 10).spawn(f).unwrap().join().expect("no stack overflow");
}

#[test]
fn a_graph_of_200000_ops_back_propagates_and_drops_on_a_small_stack() {
    on_small_stack(|| {
        let x = Tensor::param(arr1(&[0.5f32, -2.0]).into_dyn());
        let mut h = x.clone();
        for _ in 0..200_000 {
            h = h.mul_scalar(1.0).add_scalar(0.0);
        }
        let loss = h.mul_scalar(3.0).sum_all();
        loss.backward().unwrap();
        assert_eq!(x.grad().unwrap(), arr1(&[3.0f32, 3.0]).into_dyn());
        drop(h);
        drop(loss); // the whole chain goes here
        assert_eq!(x.numel(), 2);
    });
}

/// Sequential(Sequential(… Sequential(Linear(2, 3)) …)), `depth` containers.
fn nested(depth: usize) -> Box<dyn Module> {
    let mut m: Box<dyn Module> = Box::new(Linear::new(2, 3, true));
    for i in 0..depth {
        m = if i % 2 == 0 { Box::new(Sequential::new(vec![m])) } else { Box::new(Residual::new(m, None, None)) };
    }
    m
}

#[test]
fn a_module_tree_2000_deep_is_walked_printed_reset_and_dropped_on_a_small_stack() {
    on_small_stack(|| {
        let depth = 2000;
        let mut m = nested(depth);
        let names: Vec<String> = m.named_modules().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names.len(), depth + 1);
        assert_eq!(names[0], "");
        assert_eq!(names[1], "body"); // the outermost container is a Residual (depth is even)
        let params = m.named_parameters();
        assert_eq!(params.len(), 2);
        assert!(params[0].0.ends_with(".0.weight") && params[1].0.ends_with(".0.bias"), "{}", params[0].0);
        assert_eq!(params[0].0.matches('.').count(), depth);
        // apply: children before their parent, so the leaf comes first and the root last.
        let mut order = Vec::new();
        m.apply_named(&mut |name, md| order.push((name.len(), md.type_name())));
        assert_eq!(order.len(), depth + 1);
        assert_eq!(order[0].1, "Linear");
        assert_eq!(order[depth], (0, "Residual"));
        m.eval(); // apply over the whole tree
        let before = params[0].1.data().clone();
        m.reset_all_parameters(&mut Rng::new(1));
        assert_ne!(*params[0].1.data(), before);
        let text = format!("{m}");
        assert_eq!(text.lines().count(), 2 * depth + 1);
        assert!(text.lines().nth(depth).unwrap().trim_start().starts_with("(0): Linear(in_features=2"));
        assert_eq!(text.lines().last(), Some(")"));
        drop(m);
    });
}

#[test]
fn the_iterative_print_matches_torchs_for_a_small_nested_tree() {
    let m = nested(2);
    assert_eq!(
        format!("{m}"),
        "Residual(\n  (body): Sequential(\n    (0): Linear(in_features=2, out_features=3, bias=True)\n  )\n)"
    );
}
