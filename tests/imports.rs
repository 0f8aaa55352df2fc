//! Imports: host functions, memories, globals and tables provided by the
//! embedder, and what host functions can reach through `Caller`.

use tandem::{
    Caller, Engine, Extern, Func, Global, GlobalType, Instance, Linker, Memory, MemoryType, Module,
    Mutability, Ref, RefType, Result, Store, Table, TableType, TrapCode, Val, ValType,
};

const SUM3: &str = r#"
(module
  (import "math" "sum" (func $sum (param i32 i32) (result i32)))
  (func (export "sum3") (param i32 i32 i32) (result i32)
    (call $sum
      (call $sum (local.get 0) (local.get 1))
      (local.get 2))))
"#;

#[test]
fn host_function_through_linker_func_wrap() {
    let engine = Engine::default();
    let module = Module::new(&engine, SUM3).unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("math", "sum", |a: i32, b: i32| a.wrapping_add(b))
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let sum3 = instance
        .get_typed_func::<(i32, i32, i32), i32>(&mut store, "sum3")
        .unwrap();
    assert_eq!(sum3.call(&mut store, (1, 2, 3)).unwrap(), 6);

    // The linker hands out what it defined.
    let sum = linker.get(&mut store, "math", "sum").unwrap();
    assert!(sum.into_func().is_some());
    assert!(linker.get(&mut store, "math", "product").is_none());
}

#[test]
fn host_function_through_func_wrap_and_instance_new() {
    let engine = Engine::default();
    let module = Module::new(&engine, SUM3).unwrap();
    let mut store = Store::new(&engine, ());
    let sum = Func::wrap(&mut store, |a: i32, b: i32| a.wrapping_add(b));
    let instance = Instance::new(&mut store, &module, &[sum.into()]).unwrap();
    let sum3 = instance
        .get_typed_func::<(i32, i32, i32), i32>(&mut store, "sum3")
        .unwrap();
    assert_eq!(sum3.call(&mut store, (10, 20, 30)).unwrap(), 60);
}

#[test]
fn host_function_through_func_new() {
    let engine = Engine::default();
    let module = Module::new(&engine, SUM3).unwrap();
    let mut linker = Linker::new(&engine);
    let ty = tandem::FuncType::new([ValType::I32, ValType::I32], [ValType::I32]);
    linker
        .func_new("math", "sum", ty, |_caller, params, results| {
            let a = params[0].i32().unwrap();
            let b = params[1].i32().unwrap();
            results[0] = Val::I32(a.wrapping_add(b));
            Ok(())
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let sum3 = instance
        .get_typed_func::<(i32, i32, i32), i32>(&mut store, "sum3")
        .unwrap();
    assert_eq!(sum3.call(&mut store, (4, 5, 6)).unwrap(), 15);
}

#[test]
fn missing_or_mismatched_imports_are_errors() {
    let engine = Engine::default();
    let module = Module::new(&engine, SUM3).unwrap();
    let mut store = Store::new(&engine, ());

    // Nothing defined: the error names the import.
    let linker = Linker::new(&engine);
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("math") && msg.contains("sum"), "{msg}");

    // Wrong signature.
    let wrong = Func::wrap(&mut store, |a: i64| a);
    assert!(Instance::new(&mut store, &module, &[wrong.into()]).is_err());
    // Wrong kind.
    let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    assert!(Instance::new(&mut store, &module, &[memory.into()]).is_err());
    // Wrong count.
    assert!(Instance::new(&mut store, &module, &[]).is_err());
}

#[test]
fn imported_memory_is_shared_between_host_and_wasm() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (memory (import "env" "memory") 1 2)
          (export "mem" (memory 0))
          (func (export "load") (param i32) (result i32)
            (i32.load (local.get 0)))
          (func (export "store") (param i32 i32)
            (i32.store (local.get 0) (local.get 1))))
        "#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();

    // Host writes, wasm reads.
    memory
        .write(&mut store, 100, &0x0403_0201u32.to_le_bytes())
        .unwrap();
    let instance = Instance::new(&mut store, &module, &[memory.into()]).unwrap();
    let load = instance
        .get_typed_func::<i32, i32>(&mut store, "load")
        .unwrap();
    let store_fn = instance
        .get_typed_func::<(i32, i32), ()>(&mut store, "store")
        .unwrap();
    assert_eq!(load.call(&mut store, 100).unwrap(), 0x0403_0201);

    // Wasm writes, host reads.
    store_fn
        .call(&mut store, (200, 0xdead_beefu32 as i32))
        .unwrap();
    let mut buf = [0u8; 4];
    memory.read(&store, 200, &mut buf).unwrap();
    assert_eq!(u32::from_le_bytes(buf), 0xdead_beef);
    assert_eq!(
        &memory.data(&store)[200..204],
        &0xdead_beefu32.to_le_bytes()
    );

    // Writes through `data_mut` are seen by wasm too.
    memory.data_mut(&mut store)[300..304].copy_from_slice(&7i32.to_le_bytes());
    assert_eq!(load.call(&mut store, 300).unwrap(), 7);

    // The re-exported memory is the same memory.
    let exported = instance.get_memory(&mut store, "mem").unwrap();
    exported.write(&mut store, 400, &[9, 0, 0, 0]).unwrap();
    assert_eq!(load.call(&mut store, 400).unwrap(), 9);
    let mut byte = [0u8];
    memory.read(&store, 400, &mut byte).unwrap();
    assert_eq!(byte[0], 9);

    // Growth from either side is seen through both handles.
    assert_eq!(exported.grow(&mut store, 1).unwrap(), 1);
    assert_eq!(memory.size(&store), 2);
}

#[test]
fn imported_mutable_global_changed_from_both_sides() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (import "env" "counter" (global $c (mut i32)))
          (export "counter" (global $c))
          (func (export "get") (result i32) (global.get $c))
          (func (export "inc")
            (global.set $c (i32.add (global.get $c) (i32.const 1)))))
        "#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let global = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Var),
        Val::I32(1),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "env", "counter", global).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let get = instance
        .get_typed_func::<(), i32>(&mut store, "get")
        .unwrap();
    let inc = instance
        .get_typed_func::<(), ()>(&mut store, "inc")
        .unwrap();

    assert_eq!(get.call(&mut store, ()).unwrap(), 1);
    global.set(&mut store, Val::I32(10)).unwrap();
    assert_eq!(get.call(&mut store, ()).unwrap(), 10);
    inc.call(&mut store, ()).unwrap();
    assert_eq!(global.get(&mut store).i32(), Some(11));

    // The re-export aliases the same global.
    let exported = instance.get_global(&mut store, "counter").unwrap();
    exported.set(&mut store, Val::I32(-5)).unwrap();
    assert_eq!(global.get(&mut store).i32(), Some(-5));
    assert_eq!(get.call(&mut store, ()).unwrap(), -5);

    // A mutable import cannot be satisfied by an immutable global.
    let constant = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(1),
    )
    .unwrap();
    assert!(Instance::new(&mut store, &module, &[constant.into()]).is_err());
}

#[test]
fn imported_table_with_call_indirect() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (import "env" "table" (table 4 funcref))
          (type $unary (func (param i32) (result i32)))
          (func $square (param i32) (result i32)
            (i32.mul (local.get 0) (local.get 0)))
          (elem (i32.const 1) $square)
          (func (export "apply") (param i32 i32) (result i32)
            (call_indirect (type $unary) (local.get 1) (local.get 0))))
        "#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let table = Table::new(
        &mut store,
        TableType::new(RefType::FUNCREF, 4, None),
        Ref::Func(None),
    )
    .unwrap();
    let double = Func::wrap(&mut store, |x: i32| x.wrapping_mul(2));
    let no_params = Func::wrap(&mut store, || {});
    table.set(&mut store, 0, Ref::Func(Some(double))).unwrap();
    table
        .set(&mut store, 3, Ref::Func(Some(no_params)))
        .unwrap();

    let instance = Instance::new(&mut store, &module, &[table.into()]).unwrap();
    let apply = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "apply")
        .unwrap();

    // Slot 0 holds a host function, slot 1 the wasm function from the
    // element segment.
    assert_eq!(apply.call(&mut store, (0, 7)).unwrap(), 14);
    assert_eq!(apply.call(&mut store, (1, 7)).unwrap(), 49);
    assert!(matches!(table.get(&mut store, 1), Some(Ref::Func(Some(_)))));

    // A null slot, a wrong signature and an index past the end all trap.
    let err = apply.call(&mut store, (2, 7)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::IndirectCallToNull), "{err}");
    let err = apply.call(&mut store, (3, 7)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::BadSignature), "{err}");
    let err = apply.call(&mut store, (4, 7)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::UndefinedElement), "{err}");

    // Changing the table from the host changes what wasm calls.
    let triple = Func::wrap(&mut store, |x: i32| x.wrapping_mul(3));
    table.set(&mut store, 2, Ref::Func(Some(triple))).unwrap();
    assert_eq!(apply.call(&mut store, (2, 7)).unwrap(), 21);
}

#[derive(Default)]
struct Log {
    lines: Vec<String>,
    calls: u32,
}

#[test]
fn caller_reaches_exported_memory_and_store_data() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (import "env" "log" (func $log (param i32 i32)))
          (import "env" "shout" (func $shout (param i32 i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "hello from wasm")
          (func (export "run")
            (call $log (i32.const 16) (i32.const 15))
            (call $shout (i32.const 16) (i32.const 5))
            (call $log (i32.const 16) (i32.const 15))))
        "#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "env",
            "log",
            |mut caller: Caller<'_, Log>, ptr: i32, len: i32| -> Result<()> {
                let memory = match caller.get_export("memory") {
                    Some(Extern::Memory(m)) => m,
                    _ => return Err(tandem::Error::msg("no exported memory")),
                };
                assert!(caller.get_export("no_such_export").is_none());
                let mut buf = vec![0u8; len as usize];
                memory
                    .read(&mut caller, ptr as usize, &mut buf)
                    .map_err(|e| tandem::Error::msg(e.to_string()))?;
                let line = String::from_utf8(buf).unwrap();
                let data = caller.data_mut();
                data.calls += 1;
                data.lines.push(line);
                Ok(())
            },
        )
        .unwrap();
    linker
        .func_wrap(
            "env",
            "shout",
            |mut caller: Caller<'_, Log>, ptr: i32, len: i32| {
                assert_eq!(caller.data().lines.len(), 1, "log ran before shout");
                caller.data_mut().calls += 1;
                let memory = caller
                    .get_export("memory")
                    .and_then(|e| e.into_memory())
                    .unwrap();
                let range = ptr as usize..(ptr + len) as usize;
                memory.data_mut(&mut caller)[range].make_ascii_uppercase();
            },
        )
        .unwrap();

    let mut store = Store::new(&engine, Log::default());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    run.call(&mut store, ()).unwrap();

    assert_eq!(store.data().calls, 3);
    assert_eq!(
        store.data().lines,
        ["hello from wasm".to_string(), "HELLO from wasm".to_string()]
    );
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert_eq!(&memory.data(&store)[16..21], b"HELLO");
}

#[test]
fn linker_instance_links_modules_together() {
    let engine = Engine::default();
    let provider = Module::new(
        &engine,
        r#"
        (module
          (func (export "sum") (param i32 i32) (result i32)
            (i32.add (local.get 0) (local.get 1))))
        "#,
    )
    .unwrap();
    let consumer = Module::new(&engine, SUM3).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let provider = linker.instantiate(&mut store, &provider).unwrap();
    linker.instance(&mut store, "math", provider).unwrap();
    let instance = linker.instantiate(&mut store, &consumer).unwrap();
    let sum3 = instance
        .get_typed_func::<(i32, i32, i32), i32>(&mut store, "sum3")
        .unwrap();
    assert_eq!(sum3.call(&mut store, (1, 1, 1)).unwrap(), 3);
}

#[test]
fn linker_rejects_duplicate_definitions_unless_shadowing() {
    let engine = Engine::default();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("math", "sum", |a: i32, b: i32| a + b)
        .unwrap();
    assert!(
        linker
            .func_wrap("math", "sum", |a: i32, b: i32| a - b)
            .is_err()
    );
    linker.allow_shadowing(true);
    linker
        .func_wrap("math", "sum", |a: i32, b: i32| a - b)
        .unwrap();

    let module = Module::new(&engine, SUM3).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let sum3 = instance
        .get_typed_func::<(i32, i32, i32), i32>(&mut store, "sum3")
        .unwrap();
    // (10 - 3) - 2 with the shadowing definition.
    assert_eq!(sum3.call(&mut store, (10, 3, 2)).unwrap(), 5);
}

#[test]
fn linker_get_default_finds_the_default_export() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let both = Module::new(
        &engine,
        r#"
        (module
          (func (export "") (result i32) (i32.const 1))
          (func (export "_start") (result i32) (i32.const 2)))
        "#,
    )
    .unwrap();
    let start_only = Module::new(
        &engine,
        r#"(module (func (export "_start") (result i32) (i32.const 2)))"#,
    )
    .unwrap();
    let neither = Module::new(&engine, "(module (memory 1))").unwrap();
    for (name, module) in [
        ("both", both),
        ("start_only", start_only),
        ("neither", neither),
    ] {
        let instance = linker.instantiate(&mut store, &module).unwrap();
        linker.instance(&mut store, name, instance).unwrap();
    }

    // The export named "" comes first, then `_start`.
    let both = linker.get_default(&mut store, "both").unwrap();
    assert_eq!(
        both.typed::<(), i32>(&store)
            .unwrap()
            .call(&mut store, ())
            .unwrap(),
        1
    );
    let start = linker.get_default(&mut store, "start_only").unwrap();
    assert_eq!(
        start
            .typed::<(), i32>(&store)
            .unwrap()
            .call(&mut store, ())
            .unwrap(),
        2
    );
    // With neither, the default is a function that does nothing, as in
    // Wasmtime: a module without an entry point is not an error.
    let nothing = linker.get_default(&mut store, "neither").unwrap();
    nothing
        .typed::<(), ()>(&store)
        .unwrap()
        .call(&mut store, ())
        .unwrap();
}
