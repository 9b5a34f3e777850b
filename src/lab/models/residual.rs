//! The residual shorthands of [`crate::lab::models`], as JSON specs.
//!
//! `resmlp:IN-WxB-OUT[:ACT][:bn|:ln][:gate=V][:nobias]` — a stem Linear(IN, W), B residual
//! blocks, a head Linear(W, OUT). Each block is `Residual(body)`, y = x + body(x) (times the gate
//! V when given), with no activation after the sum (the pre-activation ordering, so the identity
//! path runs from the stem to the head untouched). The body is
//!
//! - plain: Linear(W, W) → ACT → Linear(W, W)
//! - `bn`:  Linear(W, W) → BatchNorm1d → ACT → Linear(W, W) → BatchNorm1d (zero-init-residual
//!   zeroes that last BatchNorm's weight)
//! - `ln`:  LayerNorm(W) → Linear(W, W) → ACT → Linear(W, W) (pre-LN, as a transformer's MLP)
//!
//! A width that changes between blocks (`resmlp:2-16x2-32x2-3`) makes that block's first Linear
//! map the old width to the new one, with a bias-free Linear shortcut.
//!
//! `resnet:CxB[-C2xB2…][:ACT][:bn][:gate=V][:nobias]` — for image data: a stem Conv(in, C, 3,
//! padding 1) [→ BatchNorm2d] → ACT, then residual blocks of two 3×3 convs,
//! Conv(stride s) → [BN] → ACT → Conv → [BN], and AdaptiveAvgPool2d(1) → Flatten → Linear(C_last,
//! outputs). The first block of each later stage (where the width changes) uses stride 2 and a
//! 1×1 stride-2 conv shortcut (→ BatchNorm2d with `bn`).

use serde_json::{json, Value};

/// Options of the residual shorthands (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct ResOptions {
    pub activation: String,
    /// `bn`: BatchNorm in the bodies.
    pub batch_norm: bool,
    /// `ln`: LayerNorm at the start of each body (resmlp only).
    pub layer_norm: bool,
    /// `gate=V`: every Residual gets a learnable gate starting at V.
    pub gate: Option<f64>,
    pub bias: bool,
}

fn residual(body: Vec<Value>, shortcut: Option<Value>, gate: Option<f64>) -> Value {
    let mut r = json!({"type": "Residual", "body": {"type": "Sequential", "layers": body}});
    if let Some(s) = shortcut {
        r["shortcut"] = s;
    }
    if let Some(g) = gate {
        r["gate"] = json!(g);
    }
    r
}

fn linear(i: usize, o: usize, bias: bool) -> Value {
    json!({"type": "Linear", "in_features": i, "out_features": o, "bias": bias})
}

/// `sizes` = [IN, W1, …, WB, OUT]: one block per middle size.
pub fn resmlp_json(sizes: &[usize], o: &ResOptions, act: Option<Value>) -> Value {
    let (inp, out) = (sizes[0], sizes[sizes.len() - 1]);
    let widths = &sizes[1..sizes.len() - 1];
    let mut layers = vec![linear(inp, widths[0], o.bias)];
    let mut prev = widths[0];
    for &w in widths {
        let mut body = Vec::new();
        if o.layer_norm {
            body.push(json!({"type": "LayerNorm", "normalized_shape": prev}));
        }
        body.push(linear(prev, w, o.bias));
        if o.batch_norm {
            body.push(json!({"type": "BatchNorm1d", "num_features": w}));
        }
        body.extend(act.clone());
        body.push(linear(w, w, o.bias));
        if o.batch_norm {
            body.push(json!({"type": "BatchNorm1d", "num_features": w}));
        }
        let shortcut = (w != prev).then(|| linear(prev, w, false));
        layers.push(residual(body, shortcut, o.gate));
        prev = w;
    }
    layers.push(linear(prev, out, o.bias));
    json!({"type": "Sequential", "layers": layers})
}

fn conv(i: usize, o: usize, k: usize, stride: usize, bias: bool) -> Value {
    json!({"type": "Conv2d", "in_channels": i, "out_channels": o, "kernel_size": k, "stride": stride,
        "padding": k / 2, "bias": bias})
}

/// `channels` = the width of every block in order; `in_channels` and `outputs` from the data.
pub fn resnet_json(
    channels: &[usize],
    o: &ResOptions,
    act: Option<Value>,
    in_channels: usize,
    outputs: usize,
) -> Value {
    let bn = |c: usize| json!({"type": "BatchNorm2d", "num_features": c});
    let mut layers = vec![conv(in_channels, channels[0], 3, 1, o.bias)];
    if o.batch_norm {
        layers.push(bn(channels[0]));
    }
    layers.extend(act.clone());
    let mut prev = channels[0];
    for &c in channels {
        let stride = if c != prev { 2 } else { 1 };
        let mut body = vec![conv(prev, c, 3, stride, o.bias)];
        if o.batch_norm {
            body.push(bn(c));
        }
        body.extend(act.clone());
        body.push(conv(c, c, 3, 1, o.bias));
        if o.batch_norm {
            body.push(bn(c));
        }
        let shortcut = (c != prev).then(|| {
            let sc = conv(prev, c, 1, 2, false);
            if o.batch_norm {
                json!({"type": "Sequential", "layers": [sc, bn(c)]})
            } else {
                sc
            }
        });
        layers.push(residual(body, shortcut, o.gate));
        prev = c;
    }
    layers.push(json!({"type": "AdaptiveAvgPool2d", "output_size": 1}));
    layers.push(json!({"type": "Flatten"}));
    layers.push(linear(prev, outputs, o.bias));
    json!({"type": "Sequential", "layers": layers})
}

#[cfg(test)]
mod tests {
    use crate::lab::data::synthetic;
    use crate::lab::models::{build, check_fits, ModelSpec};
    use crate::nn::Residual;
    use crate::Rng;

    fn types(v: &serde_json::Value) -> Vec<&str> {
        v["layers"].as_array().unwrap().iter().map(|l| l["type"].as_str().unwrap()).collect()
    }

    #[test]
    fn resmlp_blocks_as_documented() {
        let data = synthetic("spiral", 0).unwrap();
        let j = ModelSpec::parse("resmlp:2-16x3-3").unwrap().to_json(&data).unwrap();
        assert_eq!(types(&j), ["Linear", "Residual", "Residual", "Residual", "Linear"]);
        assert_eq!(types(&j["layers"][1]["body"]), ["Linear", "ReLU", "Linear"]);
        assert!(j["layers"][1].get("gate").is_none() && j["layers"][1].get("shortcut").is_none());
        let m = build(&j, &mut Rng::new(0)).unwrap();
        check_fits(m.as_ref(), "resmlp:2-16x3-3", &data).unwrap();
        assert_eq!(m.named_parameters()[2].0, "1.body.0.weight");

        let j = ModelSpec::parse("resmlp:2-8x2-3:gelu:bn:gate=0").unwrap().to_json(&data).unwrap();
        assert_eq!(types(&j["layers"][1]["body"]), ["Linear", "BatchNorm1d", "GELU", "Linear", "BatchNorm1d"]);
        let m = build(&j, &mut Rng::new(0)).unwrap();
        let gates: Vec<f32> =
            m.named_parameters().iter().filter(|(n, _)| n.ends_with("gate")).map(|(_, p)| p.item().unwrap()).collect();
        assert_eq!(gates, [0.0, 0.0]);
        let j = ModelSpec::parse("resmlp:2-8x2-3:ln:selu:nobias").unwrap().to_json(&data).unwrap();
        assert_eq!(types(&j["layers"][2]["body"]), ["LayerNorm", "Linear", "SELU", "Linear"]);
        assert_eq!(j["layers"][2]["body"]["layers"][1]["bias"], false);
        // A width change: that block maps 8 → 16 with a Linear shortcut.
        let j = ModelSpec::parse("resmlp:2-8-16x2-3").unwrap().to_json(&data).unwrap();
        assert_eq!(j["layers"][2]["shortcut"]["in_features"], 8);
        assert_eq!(j["layers"][2]["body"]["layers"][0]["out_features"], 16);
        assert!(j["layers"][3].get("shortcut").is_none());
        check_fits(build(&j, &mut Rng::new(0)).unwrap().as_ref(), "resmlp", &data).unwrap();
    }

    #[test]
    fn resnet_stages_downsample_with_a_projection_shortcut() {
        let data = synthetic("shapes", 0).unwrap();
        let j = ModelSpec::parse("resnet:4x2-8:bn").unwrap().to_json(&data).unwrap();
        assert_eq!(
            types(&j),
            [
                "Conv2d",
                "BatchNorm2d",
                "ReLU",
                "Residual",
                "Residual",
                "Residual",
                "AdaptiveAvgPool2d",
                "Flatten",
                "Linear"
            ]
        );
        assert!(j["layers"][3].get("shortcut").is_none());
        assert_eq!(j["layers"][5]["body"]["layers"][0]["stride"], 2);
        assert_eq!(types(&j["layers"][5]["shortcut"]), ["Conv2d", "BatchNorm2d"]);
        let m = build(&j, &mut Rng::new(0)).unwrap();
        check_fits(m.as_ref(), "resnet:4x2-8:bn", &data).unwrap();
        assert_eq!(m.modules().iter().filter(|l| l.is::<Residual>()).count(), 3);
        let e = ModelSpec::parse("resnet:4").unwrap().to_json(&synthetic("spiral", 0).unwrap()).unwrap_err();
        assert!(e.to_string().contains("model 'resnet:…'") && e.to_string().contains("image data"), "{e}");
    }

    #[test]
    fn malformed_residual_shorthands_say_why() {
        for (text, part) in [
            ("resmlp:2-3", "at least three sizes"),
            ("resmlp:2-8x2-3:gate=abc", "gate's initial value must be a number"),
            ("resmlp:2-8x2-3:bn:ln", "choose one normalization"),
            ("resnet:8:ln", "option 'ln'"),
            ("mlp:2-3:gate=0", "option 'gate=0'"),
        ] {
            let e = ModelSpec::parse(text).unwrap_err().to_string();
            assert!(e.contains(&format!("model '{text}'")) && e.contains(part), "{e}");
        }
    }
}
