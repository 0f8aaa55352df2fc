//! Tables: host-side get/set/grow and bounds checks.

use tandem::{Engine, Func, Instance, Module, Ref, RefType, Store, Table, TableType, TrapCode};

#[test]
fn host_table_operations() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let table = Table::new(
        &mut store,
        TableType::new(RefType::FUNCREF, 1, Some(3)),
        Ref::Func(None),
    )
    .unwrap();
    assert_eq!(table.size(&store), 1);
    assert_eq!(table.ty(&store).minimum(), 1);
    assert_eq!(table.ty(&store).maximum(), Some(3));
    assert!(matches!(table.get(&mut store, 0), Some(Ref::Func(None))));
    assert!(table.get(&mut store, 1).is_none());

    let f = Func::wrap(&mut store, || 7i32);
    assert_eq!(table.grow(&mut store, 2, Ref::Func(Some(f))).unwrap(), 1);
    assert_eq!(table.size(&store), 3);
    assert!(matches!(table.get(&mut store, 2), Some(Ref::Func(Some(_)))));
    // Past the maximum.
    assert!(table.grow(&mut store, 1, Ref::Func(None)).is_err());
    assert_eq!(table.size(&store), 3);

    assert!(table.set(&mut store, 3, Ref::Func(None)).is_err());
    table.set(&mut store, 2, Ref::Func(None)).unwrap();
    assert!(matches!(table.get(&mut store, 2), Some(Ref::Func(None))));
    // An externref cannot go into a funcref table.
    assert!(table.set(&mut store, 0, Ref::Extern(None)).is_err());
}

#[test]
fn wasm_table_access_out_of_bounds_traps() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (table $t (export "t") 2 funcref)
          (func (export "get_null") (param i32) (result i32)
            (ref.is_null (table.get $t (local.get 0))))
          (func (export "size") (result i32) (table.size $t)))
        "#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let get_null = instance
        .get_typed_func::<i32, i32>(&mut store, "get_null")
        .unwrap();
    assert_eq!(get_null.call(&mut store, 1).unwrap(), 1);
    let err = get_null.call(&mut store, 2).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::TableOutOfBounds), "{err}");

    let table = instance.get_table(&mut store, "t").unwrap();
    table.grow(&mut store, 1, Ref::Func(None)).unwrap();
    let size = instance
        .get_typed_func::<(), i32>(&mut store, "size")
        .unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 3);
    assert_eq!(get_null.call(&mut store, 2).unwrap(), 1);
}
