//! `Sequential`: children run in order; indexed ("0", "1", …) or named.

use super::Module;
use crate::error::Result;
use crate::tensor::Tensor;
use serde_json::{json, Map, Value};

#[derive(Default)]
pub struct Sequential {
    /// (name, layer) in order.
    pub layers: Vec<(String, Box<dyn Module>)>,
    /// Children were given names (an OrderedDict in torch) rather than indices.
    pub named: bool,
}

impl Sequential {
    /// Indexed children "0", "1", … (torch's `nn.Sequential(a, b, c)`).
    pub fn new(layers: Vec<Box<dyn Module>>) -> Sequential {
        let layers = layers.into_iter().enumerate().map(|(i, m)| (i.to_string(), m)).collect();
        Sequential { layers, named: false }
    }

    /// Named children (torch's `nn.Sequential(OrderedDict(...))`).
    pub fn named(layers: Vec<(&str, Box<dyn Module>)>) -> Sequential {
        Sequential { layers: layers.into_iter().map(|(n, m)| (n.to_string(), m)).collect(), named: true }
    }

    /// Appends a layer under the next index (or `name` for a named Sequential).
    pub fn push(&mut self, layer: Box<dyn Module>) {
        let name = self.layers.len().to_string();
        self.layers.push((name, layer));
    }

    pub fn len(&self) -> usize {
        self.layers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&dyn Module> {
        self.layers.get(i).map(|(_, m)| m.as_ref())
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut (dyn Module + 'static)> {
        self.layers.get_mut(i).map(|(_, m)| m.as_mut())
    }

    /// Runs the layers in order, calling `observe(index, name, layer, output)` after each.
    pub fn forward_observed(
        &self,
        x: &Tensor,
        observe: &mut dyn FnMut(usize, &str, &dyn Module, &Tensor),
    ) -> Result<Tensor> {
        let mut h = x.clone();
        for (i, (name, m)) in self.layers.iter().enumerate() {
            h = m.forward(&h)?;
            observe(i, name, m.as_ref(), &h);
        }
        Ok(h)
    }
}

impl Drop for Sequential {
    fn drop(&mut self) {
        super::drop_tree(self.take_children());
    }
}

impl Module for Sequential {
    fn type_name(&self) -> &'static str {
        "Sequential"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for (_, m) in &self.layers {
            h = m.forward(&h)?;
        }
        Ok(h)
    }
    fn named_children(&self) -> Vec<(String, &dyn Module)> {
        self.layers.iter().map(|(n, m)| (n.clone(), m.as_ref())).collect()
    }
    fn named_children_mut(&mut self) -> Vec<(String, &mut dyn Module)> {
        self.layers.iter_mut().map(|(n, m)| (n.clone(), m.as_mut() as &mut dyn Module)).collect()
    }
    fn take_children(&mut self) -> Vec<Box<dyn Module>> {
        self.layers.drain(..).map(|(_, m)| m).collect()
    }
    fn to_spec(&self) -> Value {
        if self.named {
            let mut m = Map::new();
            for (n, l) in &self.layers {
                m.insert(n.clone(), l.to_spec());
            }
            json!({"type": "Sequential", "layers": Value::Object(m)})
        } else {
            json!({"type": "Sequential", "layers": self.layers.iter().map(|(_, l)| l.to_spec()).collect::<Vec<_>>()})
        }
    }
    crate::impl_as_any!();
}
