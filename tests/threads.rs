//! Shared memories used by several OS threads at once: a wasm producer/consumer with
//! `memory.atomic.wait32`/`notify`, and growth seen by every thread.

use std::thread;

use tandem::{Config, Engine, Instance, MemoryType, Module, SharedMemory, Store, Strategy};

/// Slot 0 holds a "full" flag, slot 4 the value, slot 8 the consumer's running sum.
const PRODUCER_CONSUMER: &str = r#"(module
  (import "env" "memory" (memory 1 1 shared))
  ;; Puts `value` in the mailbox once it is empty, then wakes every waiter: producers and
  ;; the consumer park on the same address.
  (func (export "produce") (param $value i32)
    (block $done
      (loop $retry
        (br_if $done (i32.eqz (i32.atomic.rmw.cmpxchg (i32.const 0) (i32.const 0) (i32.const 2))))
        (drop (memory.atomic.wait32 (i32.const 0) (i32.const 1) (i64.const -1)))
        (br $retry)))
    (i32.atomic.store (i32.const 4) (local.get $value))
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const -1))))
  ;; Takes `count` values from the mailbox, summing them.
  (func (export "consume") (param $count i32) (result i32)
    (local $sum i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $count)))
        (block $got
          (loop $wait
            (br_if $got (i32.eq (i32.atomic.load (i32.const 0)) (i32.const 1)))
            (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
            (drop (memory.atomic.wait32 (i32.const 0) (i32.const 2) (i64.const 1000000)))
            (br $wait)))
        (local.set $sum (i32.add (local.get $sum) (i32.atomic.load (i32.const 4))))
        (i32.atomic.store (i32.const 0) (i32.const 0))
        (drop (memory.atomic.notify (i32.const 0) (i32.const -1)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next)))
    (i32.atomic.store (i32.const 8) (local.get $sum))
    (local.get $sum)))"#;

fn engine() -> Engine {
    engine_for(Strategy::Interpreter)
}

fn engine_for(strategy: Strategy) -> Engine {
    let mut config = Config::new();
    config.wasm_threads(true).strategy(strategy);
    Engine::new(&config).expect("threads are implemented")
}

/// The interpreter, and where it exists the Cranelift tier, which compiles the waits and
/// notifications too.
fn strategies() -> Vec<Strategy> {
    let mut strategies = vec![Strategy::Interpreter];
    if cfg!(all(
        feature = "jit",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) {
        strategies.push(Strategy::Cranelift);
    }
    strategies
}

#[test]
fn producer_and_consumer_on_separate_threads() {
    for strategy in strategies() {
        producer_and_consumer(strategy);
    }
}

fn producer_and_consumer(strategy: Strategy) {
    let engine = engine_for(strategy);
    let module = Module::new(&engine, PRODUCER_CONSUMER).unwrap();
    if strategy == Strategy::Cranelift {
        assert_eq!(module.native_function_count(), 2, "both functions compile");
    }
    let memory = SharedMemory::new(&engine, MemoryType::shared(1, 1)).unwrap();
    const PER_PRODUCER: i32 = 500;
    const PRODUCERS: i32 = 3;

    let consumer = {
        let (engine, module, memory) = (engine.clone(), module.clone(), memory.clone());
        thread::spawn(move || {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[memory.into()]).unwrap();
            let consume = instance
                .get_typed_func::<i32, i32>(&mut store, "consume")
                .unwrap();
            consume.call(&mut store, PER_PRODUCER * PRODUCERS).unwrap()
        })
    };
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (engine, module, memory) = (engine.clone(), module.clone(), memory.clone());
            thread::spawn(move || {
                let mut store = Store::new(&engine, ());
                let instance = Instance::new(&mut store, &module, &[memory.into()]).unwrap();
                let produce = instance
                    .get_typed_func::<i32, ()>(&mut store, "produce")
                    .unwrap();
                for i in 1..=PER_PRODUCER {
                    produce.call(&mut store, p * 1000 + i).unwrap();
                }
            })
        })
        .collect();
    for producer in producers {
        producer.join().unwrap();
    }
    let sum = consumer.join().unwrap();
    let expected: i32 = (0..PRODUCERS)
        .flat_map(|p| (1..=PER_PRODUCER).map(move |i| p * 1000 + i))
        .sum();
    assert_eq!(sum, expected);
    let mut stored = [0; 4];
    memory.read(8, &mut stored).unwrap();
    assert_eq!(i32::from_le_bytes(stored), expected);
}

#[test]
fn wait_times_out_and_reports_mismatch() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (memory (export "memory") 1 1 shared)
            (func (export "wait") (param i32 i64) (result i32)
              (memory.atomic.wait32 (i32.const 0) (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let wait = instance
        .get_typed_func::<(i32, i64), i32>(&mut store, "wait")
        .unwrap();
    assert_eq!(
        wait.call(&mut store, (1, 0)).unwrap(),
        1,
        "value differs: not-equal"
    );
    assert_eq!(
        wait.call(&mut store, (0, 1_000_000)).unwrap(),
        2,
        "nobody notifies: timed out"
    );
    assert!(instance.get_shared_memory(&mut store, "memory").is_some());
}

#[test]
fn growth_is_visible_to_every_thread() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "memory" (memory 1 4 shared))
            (func (export "size") (result i32) (memory.size))
            (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#,
    )
    .unwrap();
    let memory = SharedMemory::new(&engine, MemoryType::shared(1, 4)).unwrap();
    let grower = {
        let (engine, module, memory) = (engine.clone(), module.clone(), memory.clone());
        thread::spawn(move || {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[memory.into()]).unwrap();
            let grow = instance
                .get_typed_func::<(), i32>(&mut store, "grow")
                .unwrap();
            grow.call(&mut store, ()).unwrap()
        })
    };
    assert_eq!(grower.join().unwrap(), 1);
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[memory.clone().into()]).unwrap();
    let size = instance
        .get_typed_func::<(), i32>(&mut store, "size")
        .unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 2);
    assert_eq!(memory.size(), 2);
    assert!(memory.grow(3).is_err(), "past the maximum");
}
