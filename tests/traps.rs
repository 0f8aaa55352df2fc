//! Traps: codes, messages, backtraces, host errors, stack exhaustion and fuel.

use tandem::{Config, Engine, Func, Instance, Linker, Module, Result, Store, TrapCode};

fn instantiate(wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

/// Asserts that `names` occur in `text` in this order.
fn assert_in_order(text: &str, names: &[&str]) {
    let mut from = 0;
    for name in names {
        match text[from..].find(name) {
            Some(at) => from += at + name.len(),
            None => panic!("expected {names:?} in this order in:\n{text}"),
        }
    }
}

#[test]
fn trap_code_display_matches_the_spec_text() {
    let cases = [
        (TrapCode::Unreachable, "unreachable"),
        (TrapCode::IntegerOverflow, "integer overflow"),
        (TrapCode::IntegerDivisionByZero, "integer divide by zero"),
        (
            TrapCode::BadConversionToInteger,
            "invalid conversion to integer",
        ),
        (TrapCode::MemoryOutOfBounds, "out of bounds memory access"),
        (TrapCode::TableOutOfBounds, "out of bounds table access"),
        (TrapCode::IndirectCallToNull, "uninitialized element"),
        (TrapCode::UndefinedElement, "undefined element"),
        (TrapCode::BadSignature, "indirect call type mismatch"),
        (TrapCode::StackOverflow, "call stack exhausted"),
        (TrapCode::OutOfFuel, "all fuel consumed by WebAssembly"),
    ];
    for (code, text) in cases {
        assert_eq!(code.to_string(), text);
    }
}

#[test]
fn unreachable_traps_with_a_named_backtrace() {
    let (mut store, instance) = instantiate(
        r#"
        (module $traps
          (func $outer (export "outer") call $middle)
          (func $middle call $innermost)
          (func $innermost unreachable))
        "#,
    );
    let outer = instance
        .get_typed_func::<(), ()>(&mut store, "outer")
        .unwrap();
    let err = outer.call(&mut store, ()).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::Unreachable));

    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.code(), Some(TrapCode::Unreachable));
    assert!(trap.backtrace().len() >= 3, "{:?}", trap.backtrace());

    let text = err.to_string();
    assert!(text.contains("unreachable"), "{text}");
    assert!(text.contains("wasm backtrace"), "{text}");
    // Innermost frame first, as in Wasmtime.
    assert_in_order(&text, &["wasm backtrace", "innermost", "middle", "outer"]);

    // The store stays usable after a trap.
    assert!(outer.call(&mut store, ()).is_err());
}

#[test]
fn arithmetic_traps_have_their_codes() {
    let (mut store, instance) = instantiate(
        r#"
        (module
          (func (export "div") (param i32 i32) (result i32)
            (i32.div_s (local.get 0) (local.get 1)))
          (func (export "rem") (param i64 i64) (result i64)
            (i64.rem_u (local.get 0) (local.get 1)))
          (func (export "trunc") (param f64) (result i32)
            (i32.trunc_f64_s (local.get 0))))
        "#,
    );
    let div = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "div")
        .unwrap();
    let rem = instance
        .get_typed_func::<(i64, i64), i64>(&mut store, "rem")
        .unwrap();
    let trunc = instance
        .get_typed_func::<f64, i32>(&mut store, "trunc")
        .unwrap();

    assert_eq!(div.call(&mut store, (7, -2)).unwrap(), -3);
    let err = div.call(&mut store, (1, 0)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::IntegerDivisionByZero));
    assert!(err.to_string().contains("integer divide by zero"), "{err}");
    let err = div.call(&mut store, (i32::MIN, -1)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::IntegerOverflow));
    let err = rem.call(&mut store, (1, 0)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::IntegerDivisionByZero));
    assert_eq!(trunc.call(&mut store, -1.9).unwrap(), -1);
    let err = trunc.call(&mut store, f64::NAN).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::BadConversionToInteger));
    let err = trunc.call(&mut store, 3e9).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::IntegerOverflow));
}

#[test]
fn host_error_propagates_with_a_backtrace() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module $host_errors
          (import "host" "fail" (func $fail (param i32)))
          (func $calls_host (param i32) (call $fail (local.get 0)))
          (func $entry_point (export "run") (param i32) (call $calls_host (local.get 0))))
        "#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let fail = Func::wrap(&mut store, |code: i32| -> Result<()> {
        if code == 0 {
            Ok(())
        } else {
            Err(tandem::Error::msg(format!("host said no to {code}")))
        }
    });
    let instance = Instance::new(&mut store, &module, &[fail.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, ()>(&mut store, "run")
        .unwrap();

    run.call(&mut store, 0).unwrap();
    let err = run.call(&mut store, 42).unwrap_err();
    // A host error is the host's error, not a wasm trap.
    assert_eq!(err.trap_code(), None);
    let text = err.to_string();
    assert!(text.contains("host said no to 42"), "{text}");
    assert!(text.contains("wasm backtrace"), "{text}");
    assert_in_order(&text, &["wasm backtrace", "calls_host", "entry_point"]);

    // The instance still works after the failed call.
    run.call(&mut store, 0).unwrap();
}

#[test]
fn host_error_through_linker_keeps_its_source() {
    #[derive(Debug)]
    struct Refused;
    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("refused by policy")
        }
    }
    impl std::error::Error for Refused {}

    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (import "host" "check" (func $check))
          (func (export "run") (call $check)))
        "#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "check", || -> Result<()> {
            Err(tandem::Error::Host(Box::new(Refused)))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    assert!(err.to_string().contains("refused by policy"), "{err}");
    assert_eq!(err.trap_code(), None);
}

const RECURSE: &str = r#"
(module
  (func $recurse (export "recurse") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else
        (i32.add
          (i32.const 1)
          (call $recurse (i32.sub (local.get 0) (i32.const 1)))))))
  (func $forever (export "forever")
    call $forever))
"#;

#[test]
fn deep_recursion_exhausts_the_stack_and_the_process_survives() {
    let (mut store, instance) = instantiate(RECURSE);
    let recurse = instance
        .get_typed_func::<i32, i32>(&mut store, "recurse")
        .unwrap();

    // Shallow recursion works.
    assert_eq!(recurse.call(&mut store, 1000).unwrap(), 1000);

    let err = recurse.call(&mut store, 1_000_000).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
    assert!(err.to_string().contains("call stack exhausted"));

    // Nothing leaked from the exhausted calls: the store keeps working.
    assert_eq!(recurse.call(&mut store, 1000).unwrap(), 1000);
}

#[test]
fn infinite_recursion_without_locals_exhausts_the_stack() {
    // A function with no parameters, locals or results needs no value
    // slots, so only the depth of its frames can stop it.
    let (mut store, instance) = instantiate(RECURSE);
    let forever = instance
        .get_typed_func::<(), ()>(&mut store, "forever")
        .unwrap();
    let err = forever.call(&mut store, ()).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
    let recurse = instance
        .get_typed_func::<i32, i32>(&mut store, "recurse")
        .unwrap();
    assert_eq!(recurse.call(&mut store, 1000).unwrap(), 1000);
}

#[test]
fn fuel_runs_out_in_an_infinite_loop() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(
        &engine,
        r#"(module (func (export "spin") (loop $l (br $l))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(10_000).unwrap();
    assert_eq!(store.get_fuel().unwrap(), 10_000);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let spin = instance
        .get_typed_func::<(), ()>(&mut store, "spin")
        .unwrap();
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::OutOfFuel), "{err}");
    assert_eq!(store.get_fuel().unwrap(), 0);

    // Refuelling lets it run (and run out) again.
    store.set_fuel(100).unwrap();
    assert!(spin.call(&mut store, ()).is_err());
}

#[test]
fn fuel_is_an_error_when_not_enabled() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    assert!(store.set_fuel(10).is_err());
    assert!(store.get_fuel().is_err());
}

#[test]
fn unbounded_host_wasm_recursion_traps_instead_of_overflowing_the_native_stack() {
    use tandem::{Caller, Extern};
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "again" (func $again (param i32) (result i32)))
            (func (export "down") (param i32) (result i32)
              (call $again (i32.add (local.get 0) (i32.const 1)))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "again",
            |mut caller: Caller<'_, ()>, depth: i32| -> tandem::Result<i32> {
                let Some(Extern::Func(down)) = caller.get_export("down") else {
                    return Err(tandem::Error::msg("no export"));
                };
                down.typed::<i32, i32>(&caller)?.call(&mut caller, depth)
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let down = instance
        .get_typed_func::<i32, i32>(&mut store, "down")
        .unwrap();
    let err = down.call(&mut store, 0).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
}
