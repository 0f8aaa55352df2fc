//! Out-of-bounds accesses of compiled code that relies on guard pages
//! (`Config::signals_based_traps`): each traps as the interpreter does, the store stays
//! usable, and accesses inside the memory, including pages added by `memory.grow`, work.
//! Each test runs with the handler (on hosts that have it) and with explicit checks.

use std::sync::Arc;

use tandem::{
    Caller, Config, Engine, Func, Instance, Linker, Memory, MemoryType, Module, SharedMemory,
    Store, Strategy, TrapCode, Val,
};

const ACCESSES: &str = r#"
(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (func $load (export "load") (param $addr i32) (result i64)
    (i64.load (local.get $addr)))
  (func (export "load_offset") (param $addr i32) (result i32)
    (i32.load offset=0x7fff0000 (local.get $addr)))
  (func (export "load8") (param $addr i32) (result i32)
    (i32.load8_u (local.get $addr)))
  (func (export "store") (param $addr i32) (param $value i64)
    (i64.store (local.get $addr) (local.get $value)))
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages)))
  ;; A trap three compiled frames deep.
  (func $deep (param $addr i32) (param $depth i32) (result i64)
    (if (result i64) (local.get $depth)
      (then (call $deep (local.get $addr) (i32.sub (local.get $depth) (i32.const 1))))
      (else (call $load (local.get $addr)))))
  (func (export "deep") (param $addr i32) (result i64)
    (call $deep (local.get $addr) (i32.const 3)))
  ;; Wasm calls the host, which calls `load` again; its trap ends the inner call only.
  (func (export "through_host") (param $addr i32) (result i32)
    (call $reenter (local.get $addr)))
)
"#;

/// Engines of the compiling strategies, with and without signals-based traps.
fn engines() -> Vec<(String, Engine)> {
    let mut engines = Vec::new();
    if !cfg!(all(
        feature = "jit",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) {
        return engines;
    }
    for strategy in [Strategy::Cranelift, Strategy::Tiered] {
        for signals in [true, false] {
            let mut config = Config::new();
            config
                .strategy(strategy)
                .tier_up_thresholds(1, 1)
                .background_compilation(false)
                .signals_based_traps(signals);
            let engine = Engine::new(&config).expect("strategy available");
            engines.push((format!("{strategy:?}, signals {signals}"), engine));
        }
    }
    engines
}

fn instantiate(engine: &Engine) -> (Store<()>, Instance) {
    let module = Module::new(engine, ACCESSES).expect("valid module");
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker
        .func_wrap(
            "host",
            "reenter",
            |mut caller: Caller<'_, ()>, addr: i32| -> i32 {
                let load = caller
                    .get_export("load")
                    .and_then(|e| e.into_func())
                    .expect("load export");
                let mut out = [Val::I64(0)];
                match load.call(&mut caller, &[Val::I32(addr)], &mut out) {
                    Ok(()) => 1,
                    Err(error) if error.trap_code() == Some(TrapCode::MemoryOutOfBounds) => -1,
                    Err(_) => -2,
                }
            },
        )
        .unwrap();
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");
    (store, instance)
}

fn call(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    args: &[Val],
) -> Result<Val, Option<TrapCode>> {
    let func = instance.get_func(&mut *store, name).expect("export");
    let mut out = vec![Val::I32(0); func.ty(&*store).results().len()];
    func.call(&mut *store, args, &mut out)
        .map_err(|e| e.trap_code())?;
    Ok(out.first().cloned().unwrap_or(Val::I32(0)))
}

fn oob<T: std::fmt::Debug>(result: Result<T, Option<TrapCode>>, what: &str) {
    match result {
        Err(Some(TrapCode::MemoryOutOfBounds)) => {}
        other => panic!("{what}: expected an out-of-bounds trap, got {other:?}"),
    }
}

#[test]
fn out_of_bounds_accesses_trap_and_the_store_goes_on() {
    for (name, engine) in engines() {
        let (mut store, instance) = instantiate(&engine);
        let s = &mut store;
        let i = &instance;
        // In bounds, up to the last byte.
        call(s, i, "store", &[Val::I32(65536 - 8), Val::I64(42)]).unwrap();
        assert_eq!(
            call(s, i, "load", &[Val::I32(65536 - 8)])
                .unwrap()
                .unwrap_i64(),
            42,
            "{name}"
        );
        // One byte past the end, far past it, and at the top of the index space.
        oob(call(s, i, "load", &[Val::I32(65536 - 7)]), &name);
        oob(call(s, i, "load8", &[Val::I32(65536)]), &name);
        oob(call(s, i, "load", &[Val::I32(1 << 30)]), &name);
        oob(call(s, i, "load", &[Val::I32(-1)]), &name);
        oob(call(s, i, "load_offset", &[Val::I32(-1)]), &name);
        oob(call(s, i, "store", &[Val::I32(65536), Val::I64(7)]), &name);
        // A trap several compiled frames deep, and one under a host call.
        oob(call(s, i, "deep", &[Val::I32(65536)]), &name);
        assert_eq!(
            call(s, i, "through_host", &[Val::I32(65536)])
                .unwrap()
                .unwrap_i32(),
            -1,
            "{name}"
        );
        assert_eq!(
            call(s, i, "through_host", &[Val::I32(0)])
                .unwrap()
                .unwrap_i32(),
            1,
            "{name}"
        );
        // The failed store wrote nothing, and grown pages become accessible.
        assert_eq!(
            call(s, i, "load", &[Val::I32(65536 - 8)])
                .unwrap()
                .unwrap_i64(),
            42,
            "{name}"
        );
        assert_eq!(
            call(s, i, "grow", &[Val::I32(1)]).unwrap().unwrap_i32(),
            1,
            "{name}"
        );
        call(s, i, "store", &[Val::I32(65536), Val::I64(7)]).unwrap();
        assert_eq!(
            call(s, i, "load", &[Val::I32(65536)]).unwrap().unwrap_i64(),
            7,
            "{name}"
        );
        oob(call(s, i, "load", &[Val::I32(2 * 65536)]), &name);
        assert_eq!(
            call(s, i, "deep", &[Val::I32(65536)]).unwrap().unwrap_i64(),
            7,
            "{name}"
        );
        let memory = instance.get_memory(&mut *s, "memory").unwrap();
        assert_eq!(memory.data(&*s)[65536], 7, "{name}");
    }
}

#[test]
fn imported_memories_are_checked_too() {
    let wat = r#"(module
      (import "env" "memory" (memory 1))
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;
    for (name, engine) in engines() {
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let instance = Instance::new(&mut store, &module, &[memory.into()]).unwrap();
        let load = instance
            .get_typed_func::<i32, i32>(&mut store, "load")
            .unwrap();
        assert_eq!(load.call(&mut store, 65532).unwrap(), 0, "{name}");
        let error = load.call(&mut store, 65533).unwrap_err();
        assert_eq!(
            error.trap_code(),
            Some(TrapCode::MemoryOutOfBounds),
            "{name}"
        );
    }
}

#[test]
fn traps_on_several_threads_at_once() {
    let wat = r#"(module
      (import "env" "memory" (memory 1 1 shared))
      (func (export "sweep") (param $n i32) (result i32)
        (local $i i32)
        (loop $l
          (drop (i32.load (i32.and (i32.mul (local.get $i) (i32.const 4)) (i32.const 0xfffc))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (i32.load (i32.const 65536))))"#;
    for (name, engine) in engines() {
        let module = Module::new(&engine, wat).unwrap();
        let memory = SharedMemory::new(&engine, MemoryType::shared(1, 1)).unwrap();
        let module = Arc::new(module);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (engine, module, memory) = (engine.clone(), module.clone(), memory.clone());
                std::thread::spawn(move || {
                    let mut store = Store::new(&engine, ());
                    let instance = Instance::new(&mut store, &module, &[memory.into()]).unwrap();
                    let sweep = instance
                        .get_typed_func::<i32, i32>(&mut store, "sweep")
                        .unwrap();
                    (0..50)
                        .map(|_| sweep.call(&mut store, 1000).unwrap_err().trap_code())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for thread in threads {
            let codes = thread.join().expect("no thread crashed");
            assert!(
                codes
                    .iter()
                    .all(|&c| c == Some(TrapCode::MemoryOutOfBounds)),
                "{name}: {codes:?}"
            );
        }
    }
}

#[test]
fn host_faults_outside_compiled_code_are_not_caught() {
    // A host function reading past a memory's end through the API gets `None` or an error,
    // never a trap: the handler only turns faults at compiled trap sites into traps. This
    // checks that an engine with the handler leaves ordinary host accesses alone.
    for (name, engine) in engines() {
        let mut store = Store::new(&engine, ());
        let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let mut buf = [0u8; 8];
        assert!(memory.read(&store, 65532, &mut buf).is_err(), "{name}");
        let func = Func::wrap(&mut store, || {});
        func.call(&mut store, &[], &mut []).unwrap();
    }
}
