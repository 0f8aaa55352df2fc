//! Calling exported functions: dynamic `Func::call`, typed calls, argument
//! checking, host/wasm re-entrancy and start functions.

use tandem::{Caller, Engine, Func, Instance, Linker, Module, Result, Store, TrapCode, Val};

const ADD: &str = r#"
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "swap") (param i32 i64) (result i64 i32)
    local.get 1
    local.get 0)
  (func (export "mul") (param f64 f32) (result f64)
    local.get 0
    local.get 1
    f64.promote_f32
    f64.mul)
  (func (export "nothing")))
"#;

fn instantiate(wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("module instantiates");
    (store, instance)
}

#[test]
fn add_with_dynamic_call() {
    let (mut store, instance) = instantiate(ADD);
    let add = instance
        .get_func(&mut store, "add")
        .expect("`add` is exported");

    let mut results = [Val::I32(0)];
    add.call(&mut store, &[Val::I32(2), Val::I32(3)], &mut results)
        .unwrap();
    assert_eq!(results[0].i32(), Some(5));

    // Wasm integer arithmetic wraps instead of overflowing.
    add.call(&mut store, &[Val::I32(i32::MAX), Val::I32(1)], &mut results)
        .unwrap();
    assert_eq!(results[0].i32(), Some(i32::MIN));
}

#[test]
fn add_with_typed_func() {
    let (mut store, instance) = instantiate(ADD);
    let add = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    assert_eq!(add.call(&mut store, (2, 3)).unwrap(), 5);
    assert_eq!(add.call(&mut store, (-7, 3)).unwrap(), -4);

    // Unsigned Rust types map onto the same wasm i32.
    let add_u = instance
        .get_typed_func::<(u32, u32), u32>(&mut store, "add")
        .unwrap();
    assert_eq!(add_u.call(&mut store, (u32::MAX, 2)).unwrap(), 1);

    // The same function reached through `Func::typed`.
    let func = instance.get_func(&mut store, "add").unwrap();
    let typed = func.typed::<(i32, i32), i32>(&store).unwrap();
    assert_eq!(typed.call(&mut store, (40, 2)).unwrap(), 42);
}

#[test]
fn multi_value_and_float_calls() {
    let (mut store, instance) = instantiate(ADD);
    let swap = instance
        .get_typed_func::<(i32, i64), (i64, i32)>(&mut store, "swap")
        .unwrap();
    assert_eq!(swap.call(&mut store, (1, -2)).unwrap(), (-2, 1));

    let mul = instance
        .get_typed_func::<(f64, f32), f64>(&mut store, "mul")
        .unwrap();
    assert_eq!(mul.call(&mut store, (1.5, 4.0)).unwrap(), 6.0);

    let nothing = instance
        .get_typed_func::<(), ()>(&mut store, "nothing")
        .unwrap();
    nothing.call(&mut store, ()).unwrap();

    // Dynamic call with two results.
    let swap = instance.get_func(&mut store, "swap").unwrap();
    let mut results = [Val::I32(0), Val::I32(0)];
    swap.call(&mut store, &[Val::I32(7), Val::I64(9)], &mut results)
        .unwrap();
    assert_eq!(results[0].i64(), Some(9));
    assert_eq!(results[1].i32(), Some(7));
}

#[test]
fn func_type_is_reported() {
    let (mut store, instance) = instantiate(ADD);
    let swap = instance.get_func(&mut store, "swap").unwrap();
    let ty = swap.ty(&store);
    let params: Vec<_> = ty.params().collect();
    let results: Vec<_> = ty.results().collect();
    assert_eq!(params, [tandem::ValType::I32, tandem::ValType::I64]);
    assert_eq!(results, [tandem::ValType::I64, tandem::ValType::I32]);
}

#[test]
fn wrong_arity_or_types_is_an_error_not_a_panic() {
    let (mut store, instance) = instantiate(ADD);
    let add = instance.get_func(&mut store, "add").unwrap();
    let mut one = [Val::I32(0)];

    // Too few and too many arguments.
    assert!(add.call(&mut store, &[Val::I32(1)], &mut one).is_err());
    assert!(
        add.call(
            &mut store,
            &[Val::I32(1), Val::I32(2), Val::I32(3)],
            &mut one
        )
        .is_err()
    );
    // Right count, wrong types.
    assert!(
        add.call(&mut store, &[Val::I64(1), Val::I32(2)], &mut one)
            .is_err()
    );
    assert!(
        add.call(&mut store, &[Val::I32(1), Val::F32(0)], &mut one)
            .is_err()
    );
    assert!(
        add.call(&mut store, &[Val::FuncRef(None), Val::I32(2)], &mut one)
            .is_err()
    );
    // Wrong number of result slots.
    assert!(
        add.call(&mut store, &[Val::I32(1), Val::I32(2)], &mut [])
            .is_err()
    );
    let mut two = [Val::I32(0), Val::I32(0)];
    assert!(
        add.call(&mut store, &[Val::I32(1), Val::I32(2)], &mut two)
            .is_err()
    );

    // The store is still usable afterwards.
    add.call(&mut store, &[Val::I32(1), Val::I32(2)], &mut one)
        .unwrap();
    assert_eq!(one[0].i32(), Some(3));
}

#[test]
fn typed_with_wrong_signature_is_an_error() {
    let (mut store, instance) = instantiate(ADD);
    assert!(
        instance
            .get_typed_func::<(i64, i32), i32>(&mut store, "add")
            .is_err()
    );
    assert!(
        instance
            .get_typed_func::<(i32, i32), i64>(&mut store, "add")
            .is_err()
    );
    assert!(
        instance
            .get_typed_func::<(i32, i32), ()>(&mut store, "add")
            .is_err()
    );
    assert!(
        instance
            .get_typed_func::<i32, i32>(&mut store, "add")
            .is_err()
    );
    assert!(
        instance
            .get_typed_func::<(i32, i32, i32), i32>(&mut store, "add")
            .is_err()
    );
    assert!(
        instance
            .get_typed_func::<(i32, i64), (i32, i64)>(&mut store, "swap")
            .is_err()
    );
    // A missing export is an error too, not a panic.
    assert!(
        instance
            .get_typed_func::<(), ()>(&mut store, "no_such_export")
            .is_err()
    );

    let add = instance.get_func(&mut store, "add").unwrap();
    assert!(add.typed::<(f32, f32), f32>(&store).is_err());
    assert!(add.typed::<(i32, i32), i32>(&store).is_ok());
}

#[test]
fn host_wasm_host_wasm_reentrancy() {
    // `countdown(n)` calls the host, which calls `countdown(n - 1)` again, so
    // host and wasm frames interleave `n` times.
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (import "host" "ping" (func $ping (param i32) (result i32)))
          (func (export "countdown") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0))
              (then (i32.const 0))
              (else
                (i32.add
                  (i32.const 1)
                  (call $ping (i32.sub (local.get 0) (i32.const 1))))))))
        "#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "ping",
            |mut caller: Caller<'_, u32>, n: i32| -> Result<i32> {
                *caller.data_mut() += 1;
                let countdown = caller
                    .get_export("countdown")
                    .and_then(|e| e.into_func())
                    .expect("`countdown` is exported");
                let countdown = countdown.typed::<i32, i32>(&caller)?;
                countdown.call(&mut caller, n)
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let countdown = instance
        .get_typed_func::<i32, i32>(&mut store, "countdown")
        .unwrap();
    assert_eq!(countdown.call(&mut store, 50).unwrap(), 50);
    assert_eq!(*store.data(), 50);
}

#[test]
fn host_function_called_directly_from_host() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let func = Func::wrap(&mut store, |a: i64, b: i64| a.wrapping_mul(b));
    let typed = func.typed::<(i64, i64), i64>(&store).unwrap();
    assert_eq!(typed.call(&mut store, (6, 7)).unwrap(), 42);

    let mut results = [Val::I64(0)];
    func.call(&mut store, &[Val::I64(-3), Val::I64(5)], &mut results)
        .unwrap();
    assert_eq!(results[0].i64(), Some(-15));
    assert!(func.call(&mut store, &[Val::I32(1)], &mut results).is_err());
}

#[test]
fn start_function_runs_at_instantiation() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (import "host" "started" (func $started))
          (global $g (export "g") (mut i32) (i32.const 0))
          (func $init
            call $started
            (global.set $g (i32.const 42)))
          (start $init))
        "#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "started", |mut caller: Caller<'_, u32>| {
            *caller.data_mut() += 1;
        })
        .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    assert_eq!(*store.data(), 1, "start function ran exactly once");
    let g = instance.get_global(&mut store, "g").unwrap();
    assert_eq!(g.get(&mut store).i32(), Some(42));
}

#[test]
fn trapping_start_function_fails_instantiation() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (func $boom unreachable) (start $boom))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::Unreachable), "{err}");
}
