//! Stopping runaway wasm: epoch interruption, fuel and resource limits.

use tandem::{Config, Engine, Instance, Module, Store, TrapCode};

const SPIN: &str = r#"(module
  (func $spin (export "spin") (loop $l (br $l)))
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))"#;

// An epoch deadline interrupting an infinite loop from another thread is tested under every
// strategy in `strategies.rs`.

#[test]
fn without_a_deadline_epochs_do_not_interrupt() {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, SPIN).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let count = instance
        .get_typed_func::<i32, i32>(&mut store, "count")
        .unwrap();
    engine.increment_epoch();
    assert_eq!(count.call(&mut store, 1000).unwrap(), 1000);
}

#[test]
fn fuel_runs_out_and_is_accounted() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, SPIN).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let spin = instance
        .get_typed_func::<(), ()>(&mut store, "spin")
        .unwrap();
    let count = instance
        .get_typed_func::<i32, i32>(&mut store, "count")
        .unwrap();

    store.set_fuel(10_000).unwrap();
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::OutOfFuel), "{err}");

    store.set_fuel(1_000_000).unwrap();
    assert_eq!(count.call(&mut store, 100).unwrap(), 100);
    let used = 1_000_000 - store.get_fuel().unwrap();
    // Each iteration charges its eight operators (`loop` itself is free): about 800.
    assert!(
        (500..=1000).contains(&used),
        "used {used} fuel for 100 iterations"
    );
}

#[test]
fn fuel_must_be_enabled_to_be_set() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    assert!(store.set_fuel(1).is_err());
    assert!(store.get_fuel().is_err());
}

#[test]
fn resource_limits_bound_growth_and_creation() {
    use tandem::{Memory, MemoryType, StoreLimits};
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (memory (export "memory") 1) (table 1 funcref)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
            (func (export "grow_table") (param i32) (result i32)
              (table.grow (ref.null func) (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    store.limiter(
        StoreLimits::new()
            .memory_size(4 << 16)
            .table_elements(8)
            .instances(1),
    );
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let grow = instance
        .get_typed_func::<i32, i32>(&mut store, "grow")
        .unwrap();
    let grow_table = instance
        .get_typed_func::<i32, i32>(&mut store, "grow_table")
        .unwrap();
    assert_eq!(grow.call(&mut store, 3).unwrap(), 1, "up to the limit");
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1, "past the limit");
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert!(memory.grow(&mut store, 1).is_err(), "the host is bound too");
    assert_eq!(grow_table.call(&mut store, 7).unwrap(), 1);
    assert_eq!(grow_table.call(&mut store, 1).unwrap(), -1);
    let second = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert!(second.to_string().contains("resource limit"), "{second}");
    assert!(Memory::new(&mut store, MemoryType::new(5, None)).is_err());
}
