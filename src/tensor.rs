//! `Tensor`: a shared handle to an f32 n-d array, with the autograd bookkeeping torch keeps beside
//! it (`requires_grad`, `.grad`, the node that produced it). Cloning a `Tensor` clones the handle,
//! not the data, so a layer's parameter and the optimizer's copy of it are the same tensor.

use crate::autograd::{self, GradFn, Node};
use crate::error::{shape_str, Error, Result};
use ndarray::{ArrayD, IxDyn};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

pub(crate) struct Inner {
    pub(crate) id: usize,
    pub(crate) data: Arc<RwLock<ArrayD<f32>>>,
    /// torch's version counter of the storage (shared with detached views): bumped by every
    /// in-place write, so backward can tell that a tensor it saved was changed since.
    pub(crate) version: Arc<AtomicU64>,
    pub(crate) grad: Mutex<Option<ArrayD<f32>>>,
    pub(crate) requires_grad: AtomicBool,
    pub(crate) node: Option<Node>,
    /// Which dimensions are width (mup's `p.infshape`), set by `nn::mup::set_base_shapes`.
    pub(crate) infshape: Mutex<Option<crate::infshape::InfShape>>,
}

impl Drop for Inner {
    /// Hands the storage (when no detached tensor shares it) and `.grad` back to the buffer pool.
    /// The graph behind the tensor is released with an explicit stack: dropping the last handle
    /// on the output of a 10,000-layer forward would otherwise recurse once per recorded op and
    /// overflow the small stacks of the sweep's worker threads.
    fn drop(&mut self) {
        if let Some(node) = self.node.take() {
            let mut stack = node.inputs;
            drop(node.grad_fn);
            while let Some(t) = stack.pop() {
                // Only the last handle unwinds its inputs here; any other owner drops them later.
                if let Ok(mut inner) = Arc::try_unwrap(t.0) {
                    if let Some(n) = inner.node.take() {
                        stack.extend(n.inputs);
                    }
                }
            }
        }
        if let Some(lock) = Arc::get_mut(&mut self.data) {
            let a = lock.get_mut().unwrap_or_else(|e| e.into_inner());
            crate::kernels::pool::recycle(std::mem::replace(a, ArrayD::zeros(IxDyn(&[0]))));
        }
        if let Some(g) = self.grad.get_mut().unwrap_or_else(|e| e.into_inner()).take() {
            crate::kernels::pool::recycle(g);
        }
    }
}

/// An f32 n-d tensor; see the module docs.
#[derive(Clone)]
pub struct Tensor(pub(crate) Arc<Inner>);

/// A trainable tensor (a leaf with `requires_grad`), as held by layers.
pub type Parameter = Tensor;

impl Tensor {
    fn build(data: Arc<RwLock<ArrayD<f32>>>, requires_grad: bool, node: Option<Node>) -> Tensor {
        Tensor::build_shared(data, Arc::new(AtomicU64::new(0)), requires_grad, node)
    }

    fn build_shared(
        data: Arc<RwLock<ArrayD<f32>>>,
        version: Arc<AtomicU64>,
        requires_grad: bool,
        node: Option<Node>,
    ) -> Tensor {
        Tensor(Arc::new(Inner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            data,
            version,
            grad: Mutex::new(None),
            requires_grad: AtomicBool::new(requires_grad),
            node,
            infshape: Mutex::new(None),
        }))
    }

    /// mup's `p.infshape`: which dimensions scale with width (`None` until base shapes are set).
    pub fn infshape(&self) -> Option<crate::infshape::InfShape> {
        self.0.infshape.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_infshape(&self, s: Option<crate::infshape::InfShape>) {
        *self.0.infshape.lock().unwrap_or_else(|e| e.into_inner()) = s;
    }

    /// A leaf tensor that does not require grad.
    pub fn new(data: ArrayD<f32>) -> Tensor {
        Tensor::build(Arc::new(RwLock::new(data)), false, None)
    }

    /// A leaf tensor that requires grad (a parameter).
    pub fn param(data: ArrayD<f32>) -> Tensor {
        Tensor::build(Arc::new(RwLock::new(data)), true, None)
    }

    /// A tensor of `shape` from row-major values; errors when the count does not match.
    pub fn from_vec(shape: &[usize], values: Vec<f32>) -> Result<Tensor> {
        let n = values.len();
        ArrayD::from_shape_vec(IxDyn(shape), values)
            .map(Tensor::new)
            .map_err(|_| Error::shape("from_vec", format!("{n} values do not fill shape {}", shape_str(shape))))
    }

    pub fn zeros(shape: &[usize]) -> Tensor {
        Tensor::new(ArrayD::zeros(IxDyn(shape)))
    }

    pub fn ones(shape: &[usize]) -> Tensor {
        Tensor::new(ArrayD::ones(IxDyn(shape)))
    }

    /// A 0-d tensor.
    pub fn scalar(v: f32) -> Tensor {
        Tensor::new(ArrayD::from_elem(IxDyn(&[]), v))
    }

    /// The result of an op: records `grad_fn` with its inputs when grad mode is on and any input
    /// requires grad; otherwise a plain tensor.
    pub fn from_op(data: ArrayD<f32>, inputs: &[&Tensor], grad_fn: impl GradFn + 'static) -> Tensor {
        if autograd::is_grad_enabled() && inputs.iter().any(|t| t.requires_grad()) {
            let node = Node {
                grad_fn: Box::new(grad_fn),
                inputs: inputs.iter().map(|t| (*t).clone()).collect(),
                versions: inputs.iter().map(|t| t.version()).collect(),
            };
            Tensor::build(Arc::new(RwLock::new(data)), true, Some(node))
        } else {
            Tensor::new(data)
        }
    }

    /// Whether an op on this tensor would be recorded (so its forward should keep what its
    /// backward needs).
    pub fn needs_graph(inputs: &[&Tensor]) -> bool {
        autograd::is_grad_enabled() && inputs.iter().any(|t| t.requires_grad())
    }

    pub fn id(&self) -> usize {
        self.0.id
    }

    pub fn shape(&self) -> Vec<usize> {
        self.data().shape().to_vec()
    }

    pub fn ndim(&self) -> usize {
        self.data().ndim()
    }

    pub fn numel(&self) -> usize {
        self.data().len()
    }

    /// Read access to the values.
    pub fn data(&self) -> RwLockReadGuard<'_, ArrayD<f32>> {
        self.0.data.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write access to the values, in place (what `torch.no_grad(): w.copy_(...)` does). Bumps the
    /// version counter: a recorded op that saved this tensor refuses to backpropagate afterwards.
    pub fn data_mut(&self) -> RwLockWriteGuard<'_, ArrayD<f32>> {
        let guard = self.0.data.write().unwrap_or_else(|e| e.into_inner());
        self.0.version.fetch_add(1, Ordering::Relaxed);
        guard
    }

    /// torch's `_version`: how many in-place writes the storage has seen.
    pub fn version(&self) -> u64 {
        self.0.version.load(Ordering::Relaxed)
    }

    /// Replaces the values with `values` of the same shape.
    pub fn set_data(&self, values: ArrayD<f32>) -> Result<()> {
        let mut d = self.data_mut();
        if d.shape() != values.shape() {
            return Err(Error::shape(
                "set_data",
                format!(
                    "tensor has shape {} but the new values have shape {}",
                    shape_str(d.shape()),
                    shape_str(values.shape())
                ),
            ));
        }
        *d = values;
        Ok(())
    }

    /// A copy of the values.
    pub fn to_array(&self) -> ArrayD<f32> {
        self.data().clone()
    }

    /// The values in row-major order.
    pub fn to_vec(&self) -> Vec<f32> {
        self.data().iter().copied().collect()
    }

    /// The value of a one-element tensor.
    pub fn item(&self) -> Result<f32> {
        let d = self.data();
        if d.len() != 1 {
            return Err(Error::shape(
                "item",
                format!("needs a one-element tensor, got shape {}", shape_str(d.shape())),
            ));
        }
        Ok(*d.iter().next().expect("one element"))
    }

    pub fn requires_grad(&self) -> bool {
        self.0.requires_grad.load(Ordering::Relaxed)
    }

    /// Sets `requires_grad` on a leaf; errors on a non-leaf (as torch does).
    pub fn requires_grad_(&self, on: bool) -> Result<&Tensor> {
        if !self.is_leaf() {
            return Err(Error::invalid("requires_grad_", "can only change requires_grad of leaf tensors"));
        }
        self.0.requires_grad.store(on, Ordering::Relaxed);
        Ok(self)
    }

    /// A leaf: not produced by a recorded op.
    pub fn is_leaf(&self) -> bool {
        self.0.node.is_none()
    }

    /// The name of the op that produced this tensor, if recorded.
    pub fn grad_fn_name(&self) -> Option<&'static str> {
        self.0.node.as_ref().map(|n| n.grad_fn.name())
    }

    pub(crate) fn node(&self) -> Option<&Node> {
        self.0.node.as_ref()
    }

    fn grad_slot(&self) -> MutexGuard<'_, Option<ArrayD<f32>>> {
        self.0.grad.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of `.grad` (None until a backward reached this leaf).
    pub fn grad(&self) -> Option<ArrayD<f32>> {
        self.grad_slot().clone()
    }

    /// Runs `f` on `.grad` without copying it.
    pub fn with_grad<R>(&self, f: impl FnOnce(Option<&ArrayD<f32>>) -> R) -> R {
        f(self.grad_slot().as_ref())
    }

    /// Runs `f` on `.grad` mutably (optimizers add weight decay here).
    pub fn with_grad_mut<R>(&self, f: impl FnOnce(&mut Option<ArrayD<f32>>) -> R) -> R {
        f(&mut self.grad_slot())
    }

    pub fn set_grad(&self, g: Option<ArrayD<f32>>) {
        *self.grad_slot() = g;
    }

    /// Adds `g` into `.grad` (torch accumulates across backward calls).
    pub(crate) fn accumulate_grad(&self, g: ArrayD<f32>) {
        let mut slot = self.grad_slot();
        match slot.as_mut() {
            Some(acc) => {
                *acc += &g;
                crate::kernels::pool::recycle(g);
            }
            None => *slot = Some(g),
        }
    }

    /// Clears `.grad` (torch's `set_to_none=True`).
    pub fn zero_grad(&self) {
        if let Some(g) = self.grad_slot().take() {
            crate::kernels::pool::recycle(g);
        }
    }

    /// A new leaf sharing this tensor's storage, cut from the graph.
    pub fn detach(&self) -> Tensor {
        Tensor::build_shared(self.0.data.clone(), self.0.version.clone(), false, None)
    }

    /// Backpropagates from this one-element tensor, filling `.grad` of the leaves it depends on.
    pub fn backward(&self) -> Result<()> {
        autograd::backward(self)
    }

    /// Backpropagates `grad` (of this tensor's shape) from this tensor.
    pub fn backward_with(&self, grad: ArrayD<f32>) -> Result<()> {
        autograd::backward_with(self, grad)
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tensor({}", self.data())?;
        if let Some(n) = self.grad_fn_name() {
            write!(f, ", grad_fn=<{n}>")?;
        } else if self.requires_grad() {
            write!(f, ", requires_grad=True")?;
        }
        write!(f, ")")
    }
}
