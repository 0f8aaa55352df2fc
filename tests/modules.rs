//! Modules: compiling, validation, names, custom sections, imports and
//! exports with their types.

use tandem::{
    Config, Engine, Extern, ExternType, Instance, Module, Mutability, RefType, Store, ValType,
};

const KITCHEN_SINK: &str = r#"
(module $kitchen_sink
  (import "env" "f" (func (param i64)))
  (import "env" "g" (global (mut i32)))
  (import "env" "t" (table 1 funcref))
  (func (export "first") (param i32 f64) (result i64)
    (i64.const 0))
  (memory (export "mem") 1 3)
  (table (export "tab") 2 10 funcref)
  (global (export "var") (mut f32) (f32.const 1.5))
  (global (export "const") i64 (i64.const 7))
  (func (export "last")))
"#;

#[test]
fn exports_in_module_order_with_types() {
    let engine = Engine::default();
    let module = Module::new(&engine, KITCHEN_SINK).unwrap();
    let exports: Vec<_> = module.exports().collect();
    let names: Vec<_> = exports.iter().map(|e| e.name()).collect();
    assert_eq!(names, ["first", "mem", "tab", "var", "const", "last"]);

    match exports[0].ty() {
        ExternType::Func(f) => {
            assert_eq!(f.params().collect::<Vec<_>>(), [ValType::I32, ValType::F64]);
            assert_eq!(f.results().collect::<Vec<_>>(), [ValType::I64]);
        }
        other => panic!("expected a function, got {other:?}"),
    }
    match exports[1].ty() {
        ExternType::Memory(m) => {
            assert_eq!(m.minimum(), 1);
            assert_eq!(m.maximum(), Some(3));
            assert!(!m.is_64());
            assert!(!m.is_shared());
        }
        other => panic!("expected a memory, got {other:?}"),
    }
    match exports[2].ty() {
        ExternType::Table(t) => {
            assert_eq!(t.minimum(), 2);
            assert_eq!(t.maximum(), Some(10));
            assert_eq!(*t.element(), RefType::FUNCREF);
        }
        other => panic!("expected a table, got {other:?}"),
    }
    match exports[3].ty() {
        ExternType::Global(g) => {
            assert_eq!(*g.content(), ValType::F32);
            assert_eq!(g.mutability(), Mutability::Var);
        }
        other => panic!("expected a global, got {other:?}"),
    }
    match exports[4].ty() {
        ExternType::Global(g) => {
            assert_eq!(*g.content(), ValType::I64);
            assert_eq!(g.mutability(), Mutability::Const);
        }
        other => panic!("expected a global, got {other:?}"),
    }
    match exports[5].ty() {
        ExternType::Func(f) => {
            assert_eq!(f.params().len(), 0);
            assert_eq!(f.results().len(), 0);
        }
        other => panic!("expected a function, got {other:?}"),
    }
}

#[test]
fn imports_in_module_order_with_types() {
    let engine = Engine::default();
    let module = Module::new(&engine, KITCHEN_SINK).unwrap();
    let imports: Vec<_> = module.imports().collect();
    let names: Vec<_> = imports.iter().map(|i| (i.module(), i.name())).collect();
    assert_eq!(names, [("env", "f"), ("env", "g"), ("env", "t")]);
    assert!(
        matches!(imports[0].ty(), ExternType::Func(f) if f.params().collect::<Vec<_>>() == [ValType::I64])
    );
    assert!(matches!(imports[1].ty(), ExternType::Global(g) if g.mutability() == Mutability::Var));
    assert!(matches!(imports[2].ty(), ExternType::Table(t) if t.minimum() == 1));
}

#[test]
fn instance_exports_in_module_order() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (global (export "z") i32 (i32.const 1))
          (func (export "y"))
          (memory (export "x") 1)
          (table (export "w") 1 funcref))
        "#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let exports: Vec<(String, Extern)> = instance
        .exports(&mut store)
        .map(|e| (e.name().to_string(), e.into_extern()))
        .collect();
    let names: Vec<_> = exports.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["z", "y", "x", "w"]);
    assert!(matches!(exports[0].1, Extern::Global(_)));
    assert!(matches!(exports[1].1, Extern::Func(_)));
    assert!(matches!(exports[2].1, Extern::Memory(_)));
    assert!(matches!(exports[3].1, Extern::Table(_)));
    assert!(matches!(exports[2].1.ty(&store), ExternType::Memory(m) if m.minimum() == 1));

    assert!(instance.get_export(&mut store, "y").is_some());
    assert!(instance.get_export(&mut store, "nope").is_none());
    // Asking for the wrong kind gives None, not a panic.
    assert!(instance.get_memory(&mut store, "y").is_none());
    assert!(instance.get_func(&mut store, "x").is_none());
    assert!(instance.get_global(&mut store, "w").is_none());
    assert!(instance.get_table(&mut store, "z").is_none());
}

#[test]
fn custom_sections_by_name() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (@custom "hello" (before first) "world")
          (@custom "hello" (after func) "again")
          (@custom "other" "\00\01\02")
          (func))
        "#,
    )
    .unwrap();
    let hello: Vec<_> = module.custom_sections("hello").collect();
    assert_eq!(hello, [&b"world"[..], &b"again"[..]]);
    let other: Vec<_> = module.custom_sections("other").collect();
    assert_eq!(other, [&[0u8, 1, 2][..]]);
    assert_eq!(module.custom_sections("missing").count(), 0);
}

#[test]
fn module_name_from_the_name_section() {
    let engine = Engine::default();
    let named = Module::new(&engine, "(module $calculator (func))").unwrap();
    assert_eq!(named.name(), Some("calculator"));
    let anonymous = Module::new(&engine, "(module (func))").unwrap();
    assert_eq!(anonymous.name(), None);
}

#[test]
fn text_binary_and_validation() {
    let engine = Engine::default();
    let text = r#"(module (func (export "f") (result i32) (i32.const 1)))"#;
    let binary = tandem::wat2wasm(text).unwrap();
    assert_eq!(&binary[..4], b"\0asm");

    assert!(Module::new(&engine, text).is_ok());
    assert!(Module::new(&engine, &binary).is_ok());
    assert!(Module::from_binary(&engine, &binary).is_ok());
    assert!(Module::validate(&engine, &binary).is_ok());
    // `from_binary` does not accept text.
    assert!(Module::from_binary(&engine, text.as_bytes()).is_err());

    let printed = tandem::wasm2wat(&binary).unwrap();
    assert!(printed.contains("i32.const 1"), "{printed}");
    assert!(Module::new(&engine, printed).is_ok());

    // A type error is a validation error, reported with its offset.
    let bad = tandem::wat2wasm(r#"(module (func (result i32) (i64.const 1)))"#).unwrap();
    assert!(Module::validate(&engine, &bad).is_err());
    let err = Module::new(&engine, &bad).unwrap_err();
    assert!(matches!(err, tandem::Error::Compile(_)), "{err:?}");

    // Garbage and bad text are errors, not panics.
    assert!(Module::new(&engine, b"\0asm\x01\0\0\0\x01\xff").is_err());
    assert!(Module::new(&engine, b"\0asm").is_err());
    assert!(Module::new(&engine, b"").is_err());
    assert!(Module::new(&engine, "(module (func (i32.bogus)))").is_err());
}

/// `Module::validate` shares the engine's validators with compiling: validating many
/// modules, invalid ones among them (with bodies that fail, and sections that end early),
/// leaves the engine compiling and running correctly.
#[test]
fn validating_between_compiles_leaves_the_engine_sound() {
    let engine = Engine::default();
    let valid = |k: u32| {
        tandem::wat2wasm(&format!(
            r#"(module (type (func (param i32) (result i32)))
                 (func (export "f") (type 0) (i32.add (local.get 0) (i32.const {k}))))"#
        ))
        .unwrap()
    };
    let bad_body = tandem::wat2wasm(r#"(module (func (result i32) (i64.const 1)))"#).unwrap();
    // Cut off inside its last section, the code section.
    let whole = valid(0);
    let truncated = &whole[..whole.len() - 3];
    for k in 0..40 {
        assert!(Module::validate(&engine, &valid(k)).is_ok());
        assert!(Module::validate(&engine, &bad_body).is_err());
        assert!(Module::validate(&engine, truncated).is_err());
        if k % 8 == 0 {
            let module = Module::new(&engine, valid(k)).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let f = instance
                .get_typed_func::<i32, i32>(&mut store, "f")
                .unwrap();
            assert_eq!(f.call(&mut store, 100).unwrap(), 100 + k as i32);
        }
    }
}

#[test]
fn modules_are_shareable_across_threads_and_stores() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Module>();
    assert_send_sync::<Engine>();

    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))"#,
    )
    .unwrap();
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let engine = engine.clone();
            let module = module.clone();
            std::thread::spawn(move || {
                let mut store = Store::new(&engine, ());
                let instance = Instance::new(&mut store, &module, &[]).unwrap();
                let f = instance
                    .get_typed_func::<i32, i32>(&mut store, "f")
                    .unwrap();
                f.call(&mut store, i).unwrap()
            })
        })
        .collect();
    let results: Vec<i32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results, [0, 3]);
}

/// Function bodies are validated on the compilation threads (with eager translation, in the
/// same pass as their translation): an invalid body anywhere fails compilation, with the
/// error of the first invalid function whatever the number of threads.
#[test]
fn invalid_bodies_fail_compilation_in_every_mode() {
    // 200 functions, so that compilation uses several threads; bodies 120 and 150 are
    // invalid (an `i32.add` with one operand, an `i64` where an `i32` is returned).
    let mut wat = String::from("(module\n");
    for index in 0..200 {
        let body = match index {
            120 => "i32.const 1 i32.add",
            150 => "i64.const 1",
            _ => "local.get 0 i32.const 1 i32.add",
        };
        wat.push_str(&format!("(func (param i32) (result i32) {body})\n"));
    }
    wat.push(')');
    for lazy in [true, false] {
        for parallel in [true, false] {
            let mut config = Config::new();
            config.lazy_translation(lazy).parallel_compilation(parallel);
            let engine = Engine::new(&config).unwrap();
            let error = Module::new(&engine, &wat).expect_err("invalid bodies");
            let text = format!("{error:#}");
            // The first invalid body is reported: the `i32.add` missing an operand, not the
            // later `i64` result.
            assert!(
                text.contains("type mismatch") && !text.contains("i64"),
                "lazy {lazy}, parallel {parallel}: {text}"
            );
        }
    }
}
