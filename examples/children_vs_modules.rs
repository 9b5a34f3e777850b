//! `children()` gives the direct sub-modules; `modules()` walks the whole tree pre-order,
//! starting with the model itself — the difference that decides which layers an init loop sees.
//!
//! cargo run --example children_vs_modules

use initlab::nn::{Linear, Module, ReLU, Sequential};
use initlab::Rng;

fn block(i: usize, o: usize, rng: &mut Rng) -> Box<dyn Module> {
    Box::new(Sequential::new(vec![Box::new(Linear::with_rng(i, o, true, rng)), Box::new(ReLU)]))
}

fn main() {
    let mut rng = Rng::new(0);
    let net: Box<dyn Module> =
        Box::new(Sequential::new(vec![block(8, 16, &mut rng), block(16, 16, &mut rng), block(16, 4, &mut rng)]));
    println!("{net}\n");
    println!("children(): {} modules", net.children().len());
    for (name, c) in net.named_children() {
        println!("  {name}: {}", c.type_name());
    }
    println!("\nmodules(): {} modules (the net itself first, then pre-order)", net.modules().len());
    for (name, m) in net.named_modules() {
        let name = if name.is_empty() { "(root)".to_string() } else { name };
        println!("  {name:<8} {}({})", m.type_name(), m.extra_repr());
    }
    let linears = net.modules().iter().filter(|m| m.is::<Linear>()).count();
    println!("\nLinear layers reached: via children() 0, via modules() {linears}");
}
