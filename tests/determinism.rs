//! Deterministic execution: canonical NaNs on request.

use tandem::{Config, Engine, Instance, Module, Store};

const FLOATS: &str = r#"(module
  (func (export "add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "neg") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "sqrt64") (param f64) (result f64) (f64.sqrt (local.get 0))))"#;

fn run(canonicalize: bool) -> (u32, u32, u64) {
    let mut config = Config::new();
    config.canonicalize_nans(canonicalize);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, FLOATS).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let add = instance
        .get_typed_func::<(f32, f32), f32>(&mut store, "add")
        .unwrap();
    let neg = instance
        .get_typed_func::<f32, f32>(&mut store, "neg")
        .unwrap();
    let sqrt = instance
        .get_typed_func::<f64, f64>(&mut store, "sqrt64")
        .unwrap();
    let payload = f32::from_bits(0x7fc0_1234);
    (
        add.call(&mut store, (payload, 1.0)).unwrap().to_bits(),
        neg.call(&mut store, payload).unwrap().to_bits(),
        sqrt.call(&mut store, -1.0).unwrap().to_bits(),
    )
}

#[test]
fn arithmetic_nans_become_canonical_on_request() {
    let (add, neg, sqrt) = run(true);
    assert_eq!(add, 0x7fc0_0000);
    assert_eq!(sqrt, 0x7ff8_0000_0000_0000);
    // Bitwise operators are not arithmetic: their NaNs keep the payload.
    assert_eq!(neg, 0xffc0_1234);
}

#[test]
fn without_canonicalization_payloads_propagate() {
    let (add, _, _) = run(false);
    assert!(f32::from_bits(add).is_nan());
    assert_eq!(
        add & 0x003f_ffff,
        0x1234,
        "the input NaN's payload passes through on this host"
    );
}
