//! Globals: values of each type, mutability checks and exported globals.

use tandem::{Engine, Global, GlobalType, Instance, Module, Mutability, Store, Val, ValType};

#[test]
fn set_on_immutable_global_is_an_error() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let global = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(3),
    )
    .unwrap();
    assert!(global.set(&mut store, Val::I32(4)).is_err());
    assert_eq!(global.get(&mut store).i32(), Some(3));

    // The same for a constant global exported by wasm.
    let module = Module::new(
        &engine,
        r#"(module (global (export "c") i64 (i64.const 7)))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let c = instance.get_global(&mut store, "c").unwrap();
    assert_eq!(c.ty(&store).mutability(), Mutability::Const);
    assert!(c.set(&mut store, Val::I64(8)).is_err());
    assert_eq!(c.get(&mut store).i64(), Some(7));
}

#[test]
fn set_with_the_wrong_type_is_an_error() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let global = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Var),
        Val::I32(0),
    )
    .unwrap();
    assert!(global.set(&mut store, Val::I64(1)).is_err());
    assert!(global.set(&mut store, Val::from(1.0f32)).is_err());
    assert_eq!(global.get(&mut store).i32(), Some(0));
    // Creating a global whose initial value has the wrong type fails too.
    assert!(
        Global::new(
            &mut store,
            GlobalType::new(ValType::F64, Mutability::Var),
            Val::I32(0)
        )
        .is_err()
    );
}

#[test]
fn globals_of_every_number_type_round_trip() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let cases = [
        (ValType::I32, Val::I32(-1)),
        (ValType::I64, Val::I64(i64::MIN)),
        (ValType::F32, Val::from(-0.5f32)),
        (ValType::F64, Val::from(1e300f64)),
    ];
    for (ty, val) in cases {
        let global = Global::new(&mut store, GlobalType::new(ty, Mutability::Var), val).unwrap();
        assert_eq!(*global.ty(&store).content(), ty);
        assert_eq!(global.ty(&store).mutability(), Mutability::Var);
        let got = global.get(&mut store);
        match ty {
            ValType::I32 => assert_eq!(got.i32(), Some(-1)),
            ValType::I64 => assert_eq!(got.i64(), Some(i64::MIN)),
            ValType::F32 => assert_eq!(got.f32(), Some(-0.5)),
            ValType::F64 => assert_eq!(got.f64(), Some(1e300)),
            _ => unreachable!(),
        }
    }

    // NaN payloads survive: F32/F64 values are stored as raw bits.
    let bits = 0x7fc0_1234u32;
    let global = Global::new(
        &mut store,
        GlobalType::new(ValType::F32, Mutability::Var),
        Val::F32(bits),
    )
    .unwrap();
    assert!(matches!(global.get(&mut store), Val::F32(b) if b == bits));
}

#[test]
fn exported_globals_see_wasm_updates() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (global $g (export "g") (mut i64) (i64.const 1))
          (func (export "double")
            (global.set $g (i64.mul (global.get $g) (i64.const 2)))))
        "#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let g = instance.get_global(&mut store, "g").unwrap();
    let double = instance
        .get_typed_func::<(), ()>(&mut store, "double")
        .unwrap();
    double.call(&mut store, ()).unwrap();
    double.call(&mut store, ()).unwrap();
    assert_eq!(g.get(&mut store).i64(), Some(4));
    g.set(&mut store, Val::I64(21)).unwrap();
    double.call(&mut store, ()).unwrap();
    assert_eq!(g.get(&mut store).i64(), Some(42));
}
