//! The parts of GC that exist so far: rec-group type identity across modules, subtyping in
//! `call_indirect` and imports, `i31` references, and the `any`/`extern` conversions, seen
//! from the embedding API.

use tandem::{
    AnyRef, AsContextMut, Config, Engine, ExternRef, I31, Instance, Module, Store, Strategy,
    TrapCode, Val,
};

fn gc_engine(strategy: Strategy) -> Engine {
    let mut config = Config::new();
    config.wasm_gc(true).strategy(strategy);
    Engine::new(&config).expect("GC is implemented")
}

fn strategies() -> Vec<Strategy> {
    let mut all = vec![Strategy::Interpreter];
    if Engine::new(Config::new().strategy(Strategy::Cranelift)).is_ok() {
        all.extend([Strategy::Cranelift, Strategy::Tiered]);
    }
    all
}

fn instantiate(engine: &Engine, wat: &str) -> (Store<()>, Instance) {
    let module = Module::new(engine, wat).expect("valid module");
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    (store, instance)
}

#[test]
fn i31_references_cross_the_host_boundary() {
    for strategy in strategies() {
        let engine = gc_engine(strategy);
        let (mut store, instance) = instantiate(
            &engine,
            r#"(module
                (global $g (ref i31) (ref.i31 (i32.const -3)))
                (func (export "make") (param i32) (result anyref) (ref.i31 (local.get 0)))
                (func (export "get_s") (param i31ref) (result i32) (i31.get_s (local.get 0)))
                (func (export "get_u") (param i31ref) (result i32) (i31.get_u (local.get 0)))
                (func (export "global") (result i32) (i31.get_s (global.get $g)))
                (func (export "eq") (param eqref eqref) (result i32)
                    (ref.eq (local.get 0) (local.get 1))))"#,
        );
        let make = instance.get_func(&mut store, "make").unwrap();
        let mut out = [Val::I32(0)];
        make.call(&mut store, &[Val::I32(-5)], &mut out).unwrap();
        let Val::AnyRef(Some(r)) = out[0] else {
            panic!("expected an anyref, got {:?}", out[0]);
        };
        assert_eq!(r.as_i31(&store).unwrap(), Some(I31::wrapping_i32(-5)));

        let seven = AnyRef::from_i31(&mut store, I31::wrapping_u32(0x7fff_fff9));
        let get_s = instance.get_func(&mut store, "get_s").unwrap();
        get_s
            .call(&mut store, &[Val::AnyRef(Some(seven))], &mut out)
            .unwrap();
        assert_eq!(out[0].unwrap_i32(), -7);
        let get_u = instance.get_func(&mut store, "get_u").unwrap();
        get_u
            .call(&mut store, &[Val::AnyRef(Some(seven))], &mut out)
            .unwrap();
        assert_eq!(out[0].unwrap_i32(), 0x7fff_fff9);

        // A null i31 traps.
        let trap = get_u
            .call(&mut store, &[Val::AnyRef(None)], &mut out)
            .unwrap_err();
        assert_eq!(trap.trap_code(), Some(TrapCode::NullReference));

        let global = instance.get_func(&mut store, "global").unwrap();
        global.call(&mut store, &[], &mut out).unwrap();
        assert_eq!(out[0].unwrap_i32(), -3);

        // Equal i31s are `ref.eq`, whichever side made them.
        let eq = instance.get_func(&mut store, "eq").unwrap();
        let a = AnyRef::from_i31(&mut store, I31::wrapping_i32(-5));
        eq.call(
            &mut store,
            &[Val::AnyRef(Some(a)), Val::AnyRef(Some(r))],
            &mut out,
        )
        .unwrap();
        assert_eq!(out[0].unwrap_i32(), 1);
        eq.call(
            &mut store,
            &[Val::AnyRef(Some(a)), Val::AnyRef(Some(seven))],
            &mut out,
        )
        .unwrap();
        assert_eq!(out[0].unwrap_i32(), 0);
    }
}

#[test]
fn host_values_convert_between_hierarchies_unchanged() {
    for strategy in strategies() {
        let engine = gc_engine(strategy);
        let (mut store, instance) = instantiate(
            &engine,
            r#"(module
                (func (export "internalize") (param externref) (result anyref)
                    (any.convert_extern (local.get 0)))
                (func (export "externalize") (param anyref) (result externref)
                    (extern.convert_any (local.get 0))))"#,
        );
        let host = ExternRef::new(&mut store, "host value").unwrap();
        let internalize = instance.get_func(&mut store, "internalize").unwrap();
        let mut out = [Val::I32(0)];
        internalize
            .call(&mut store, &[Val::ExternRef(Some(host))], &mut out)
            .unwrap();
        let Val::AnyRef(Some(inside)) = out[0] else {
            panic!("expected an anyref, got {:?}", out[0]);
        };
        assert_eq!(inside, AnyRef::convert_extern(&mut store, host).unwrap());
        assert!(!inside.is_i31(&store).unwrap());

        let externalize = instance.get_func(&mut store, "externalize").unwrap();
        externalize
            .call(&mut store, &[Val::AnyRef(Some(inside))], &mut out)
            .unwrap();
        let Val::ExternRef(Some(back)) = out[0] else {
            panic!("expected an externref, got {:?}", out[0]);
        };
        assert_eq!(back, host);
        let data = back.data(&store).unwrap().expect("a host value");
        assert_eq!(data.downcast_ref::<&str>(), Some(&"host value"));

        // An i31 made external is no host value, and comes back as the same i31.
        let i31 = AnyRef::from_i31(&mut store, I31::wrapping_i32(12));
        externalize
            .call(&mut store, &[Val::AnyRef(Some(i31))], &mut out)
            .unwrap();
        let Val::ExternRef(Some(outside)) = out[0] else {
            panic!("expected an externref, got {:?}", out[0]);
        };
        assert!(outside.data(&store).unwrap().is_none());
        let inside = AnyRef::convert_extern(&mut store, outside).unwrap();
        assert_eq!(inside.as_i31(&store).unwrap(), Some(I31::wrapping_i32(12)));
    }
}

#[test]
fn call_indirect_accepts_declared_subtypes_only() {
    for strategy in strategies() {
        let engine = gc_engine(strategy);
        let (mut store, instance) = instantiate(
            &engine,
            r#"(module
                (type $base (sub (func (result i32))))
                (type $derived (sub $base (func (result i32))))
                ;; Structurally equal to $base but final: another type.
                (type $other (sub final (func (result i32))))
                (func $a (type $base) (i32.const 1))
                (func $b (type $derived) (i32.const 2))
                (func $c (type $other) (i32.const 3))
                (table funcref (elem $a $b $c))
                (func (export "as_base") (param i32) (result i32)
                    (call_indirect (type $base) (local.get 0)))
                (func (export "as_derived") (param i32) (result i32)
                    (call_indirect (type $derived) (local.get 0))))"#,
        );
        let as_base = instance.get_func(&mut store, "as_base").unwrap();
        let as_derived = instance.get_func(&mut store, "as_derived").unwrap();
        let mut out = [Val::I32(0)];
        for (func, index, expected) in [
            (as_base, 0, Ok(1)),
            (as_base, 1, Ok(2)),
            (as_base, 2, Err(TrapCode::BadSignature)),
            (as_derived, 0, Err(TrapCode::BadSignature)),
            (as_derived, 1, Ok(2)),
        ] {
            let result = func
                .call(&mut store, &[Val::I32(index)], &mut out)
                .map(|()| out[0].unwrap_i32())
                .map_err(|e| e.trap_code().expect("a trap"));
            assert_eq!(result, expected, "{strategy:?}, element {index}");
        }
    }
}

#[test]
fn equal_rec_groups_are_one_type_across_modules() {
    let engine = gc_engine(Strategy::Interpreter);
    let group = r#"(rec (type $f (func (param (ref null $s)) (result i32)))
                        (type $s (struct (field (ref null $f)))))"#;
    let exporter = Module::new(
        &engine,
        format!(r#"(module {group} (func (export "f") (type $f) (i32.const 9)))"#),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let exports = Instance::new(&mut store, &exporter, &[]).unwrap();
    let f = exports.get_func(&mut store, "f").unwrap();

    // The same group, written again in another module, names the same function type.
    let same = Module::new(
        &engine,
        format!(r#"(module {group} (import "m" "f" (func (type $f))))"#),
    )
    .unwrap();
    assert!(Instance::new(&mut store, &same, &[f.into()]).is_ok());

    // The same function type alone in its group is another type.
    let alone = Module::new(
        &engine,
        r#"(module
            (rec (type $s (struct (field funcref))))
            (type $f (func (param (ref null $s)) (result i32)))
            (import "m" "f" (func (type $f))))"#,
    )
    .unwrap();
    assert!(Instance::new(&mut store, &alone, &[f.into()]).is_err());
}

#[test]
fn null_references_of_every_hierarchy_read_back_as_their_own_kind() {
    let engine = gc_engine(Strategy::Interpreter);
    let (mut store, instance) = instantiate(
        &engine,
        r#"(module
            (func (export "nulls") (result anyref nullref externref exnref funcref)
                (ref.null any) (ref.null none) (ref.null extern) (ref.null exn)
                (ref.null func)))"#,
    );
    let nulls = instance.get_func(&mut store, "nulls").unwrap();
    let mut out = vec![Val::I32(0); 5];
    nulls.call(&mut store, &[], &mut out).unwrap();
    assert!(matches!(
        out[..],
        [
            Val::AnyRef(None),
            Val::AnyRef(None),
            Val::ExternRef(None),
            Val::ExnRef(None),
            Val::FuncRef(None)
        ]
    ));
    assert!(out[0].as_ref().is_some_and(|r| r.is_null()));
}

/// A module whose `churn` builds and drops `n` lists of `len` cells, and whose other exports
/// keep cells alive in a global, a table and a suspended call.
const HEAP_WAT: &str = r#"(module
    (type $cell (struct (field $value i32) (field $next (ref null $cell))))
    (import "host" "reenter" (func $reenter))
    (global $kept (mut (ref null $cell)) (ref.null $cell))
    (table $cells 4 anyref)
    (func $list (param $len i32) (result (ref null $cell))
        (local $head (ref null $cell))
        (block $done
            (loop $more
                (br_if $done (i32.eqz (local.get $len)))
                (local.set $head (struct.new $cell (local.get $len) (local.get $head)))
                (local.set $len (i32.sub (local.get $len) (i32.const 1)))
                (br $more)))
        (local.get $head))
    (func $sum (param $list (ref null $cell)) (result i32)
        (local $total i32)
        (block $done
            (loop $more
                (br_if $done (ref.is_null (local.get $list)))
                (local.set $total (i32.add (local.get $total)
                    (struct.get $cell $value (local.get $list))))
                (local.set $list (struct.get $cell $next (local.get $list)))
                (br $more)))
        (local.get $total))
    (func (export "churn") (param $n i32) (param $len i32)
        (block $done
            (loop $more
                (br_if $done (i32.eqz (local.get $n)))
                (drop (call $list (local.get $len)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $more))))
    (func (export "keep") (param $len i32)
        (global.set $kept (call $list (local.get $len)))
        (table.set $cells (i32.const 2) (call $list (local.get $len))))
    (func (export "sum_kept") (result i32)
        (i32.add (call $sum (global.get $kept))
            (call $sum (ref.cast (ref null $cell) (table.get $cells (i32.const 2))))))
    (func (export "make") (param $len i32) (result anyref) (call $list (local.get $len)))
    (func (export "sum_any") (param anyref) (result i32)
        (call $sum (ref.cast (ref null $cell) (local.get 0))))
    ;; Holds a list only in a local while the host runs wasm that allocates.
    (func (export "across_reentry") (param $len i32) (result i32)
        (local $mine (ref null $cell))
        (local.set $mine (call $list (local.get $len)))
        (call $reenter)
        (call $sum (local.get $mine))))"#;

fn heap_instance(strategy: Strategy, stress: bool) -> (Store<()>, Instance) {
    let engine = gc_engine(strategy);
    let module = Module::new(&engine, HEAP_WAT).expect("valid module");
    let mut store = Store::new(&engine, ());
    store.gc_stress(stress);
    let reenter = tandem::Func::wrap(&mut store, |mut caller: tandem::Caller<'_, ()>| {
        let churn = caller
            .get_export("churn")
            .and_then(|e| e.into_func())
            .expect("churn export");
        churn
            .call(&mut caller, &[Val::I32(20), Val::I32(50)], &mut [])
            .expect("churn runs");
        caller.gc();
    });
    let instance = Instance::new(&mut store, &module, &[reenter.into()]).expect("instantiates");
    (store, instance)
}

fn call_i32(store: &mut Store<()>, instance: &Instance, name: &str, args: &[Val]) -> i32 {
    let func = instance.get_func(&mut *store, name).unwrap();
    let mut out = [Val::I32(0)];
    func.call(&mut *store, args, &mut out).unwrap();
    out[0].unwrap_i32()
}

#[test]
fn garbage_is_collected_as_wasm_allocates() {
    for strategy in strategies() {
        let (mut store, instance) = heap_instance(strategy, false);
        let churn = instance.get_func(&mut store, "churn").unwrap();
        // 2,000 lists of 1,000 cells: far more than the first collection threshold.
        churn
            .call(&mut store, &[Val::I32(2_000), Val::I32(1_000)], &mut [])
            .unwrap();
        let stats = store.gc_heap_stats();
        assert!(stats.freed > 1_000_000, "{strategy:?}: {stats:?}");
        assert!(stats.bytes < 8 << 20, "the heap stays bounded: {stats:?}");
        store.gc();
        assert_eq!(store.gc_heap_stats().objects, 0, "nothing is reachable");
    }
}

#[test]
fn reachable_objects_survive_collections() {
    for (strategy, stress) in strategies()
        .into_iter()
        .flat_map(|strategy| [(strategy, false), (strategy, true)])
    {
        let (mut store, instance) = heap_instance(strategy, stress);
        let keep = instance.get_func(&mut store, "keep").unwrap();
        keep.call(&mut store, &[Val::I32(100)], &mut []).unwrap();
        let make = instance.get_func(&mut store, "make").unwrap();
        let mut out = [Val::I32(0)];
        make.call(&mut store, &[Val::I32(10)], &mut out).unwrap();
        let held = out[0];
        assert!(matches!(held, Val::AnyRef(Some(r)) if r.is_struct(&store).unwrap()));

        // Under stress every allocation collects: fewer of them.
        let (lists, cells) = if stress { (10, 100) } else { (100, 1_000) };
        let churn = instance.get_func(&mut store, "churn").unwrap();
        churn
            .call(&mut store, &[Val::I32(lists), Val::I32(cells)], &mut [])
            .unwrap();
        store.gc();
        // The global's and the table's lists, and the host's handle.
        assert_eq!(call_i32(&mut store, &instance, "sum_kept", &[]), 2 * 5050);
        assert_eq!(call_i32(&mut store, &instance, "sum_any", &[held]), 55);
        // A list held only by a suspended call while the host reenters wasm and collects.
        assert_eq!(
            call_i32(&mut store, &instance, "across_reentry", &[Val::I32(30)]),
            465
        );
        // What stays: the two kept lists and the host's handle.
        store.gc();
        assert_eq!(
            store.gc_heap_stats().objects,
            210,
            "{strategy:?}, stress: {stress}"
        );
    }
}

#[test]
fn typed_calls_take_and_return_gc_values() {
    let engine = gc_engine(Strategy::Interpreter);
    let (mut store, instance) = instantiate(
        &engine,
        r#"(module
            (func (export "double") (param (ref i31)) (result (ref i31))
                (ref.i31 (i32.mul (i31.get_s (local.get 0)) (i32.const 2))))
            (func (export "is_i31") (param anyref) (result i32)
                (ref.test (ref i31) (local.get 0))))"#,
    );
    let double = instance
        .get_typed_func::<I31, I31>(&mut store, "double")
        .unwrap();
    let doubled = double.call(&mut store, I31::wrapping_i32(-21)).unwrap();
    assert_eq!(doubled.get_i32(), -42);
    let is_i31 = instance
        .get_typed_func::<Option<AnyRef>, i32>(&mut store, "is_i31")
        .unwrap();
    let seven = AnyRef::from_i31(&mut store, I31::wrapping_u32(7));
    assert_eq!(is_i31.call(&mut store, Some(seven)).unwrap(), 1);
    assert_eq!(is_i31.call(&mut store, None).unwrap(), 0);
}

#[test]
fn oversized_allocations_trap() {
    let engine = gc_engine(Strategy::Interpreter);
    let (mut store, instance) = instantiate(
        &engine,
        r#"(module
            (type $big (array (mut i64)))
            (func (export "alloc") (param i32) (result i32)
                (array.len (array.new_default $big (local.get 0)))))"#,
    );
    assert_eq!(
        call_i32(&mut store, &instance, "alloc", &[Val::I32(1000)]),
        1000
    );
    let alloc = instance.get_func(&mut store, "alloc").unwrap();
    let mut out = [Val::I32(0)];
    let trap = alloc
        .call(&mut store, &[Val::I32(-1)], &mut out)
        .unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::AllocationTooLarge));
}

#[test]
fn handles_made_in_a_host_call_end_with_it() {
    use std::sync::{Arc, Mutex};
    let engine = gc_engine(Strategy::Interpreter);
    let module = Module::new(
        &engine,
        r#"(module
            (type $s (struct (field i32)))
            (import "host" "see" (func $see (param anyref)))
            (func (export "run") (call $see (struct.new $s (i32.const 5)))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let seen: Arc<Mutex<Option<AnyRef>>> = Arc::default();
    let keep = seen.clone();
    let see = tandem::Func::wrap(
        &mut store,
        move |caller: tandem::Caller<'_, ()>, r: Option<AnyRef>| {
            let r = r.expect("a struct");
            assert!(r.is_struct(&caller).unwrap());
            *keep.lock().unwrap() = Some(r);
        },
    );
    let instance = Instance::new(&mut store, &module, &[see.into()]).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    run.call(&mut store, &[], &mut []).unwrap();
    store.gc();
    assert_eq!(
        store.gc_heap_stats().objects,
        0,
        "the handle did not keep it"
    );
    let stale = seen.lock().unwrap().expect("seen");
    assert!(
        stale.is_struct(&store).is_err(),
        "a released handle is an error"
    );
}

#[test]
fn handles_made_in_a_root_scope_end_with_it() {
    let (mut store, instance) = heap_instance(Strategy::Interpreter, false);
    let make = instance.get_func(&mut store, "make").unwrap();
    let mut out = [Val::I32(0)];
    make.call(&mut store, &[Val::I32(3)], &mut out).unwrap();
    let kept = out[0];
    let inner = {
        let mut scope = tandem::RootScope::new(&mut store);
        make.call(&mut scope, &[Val::I32(4)], &mut out).unwrap();
        out[0]
    };
    store.gc();
    // The list made outside the scope is still there; the one made inside is gone.
    assert_eq!(store.gc_heap_stats().objects, 3);
    assert_eq!(call_i32(&mut store, &instance, "sum_any", &[kept]), 6);
    let sum_any = instance.get_func(&mut store, "sum_any").unwrap();
    assert!(sum_any.call(&mut store, &[inner], &mut out).is_err());
}

#[test]
fn the_heap_size_limit_traps_allocations_past_it() {
    let engine = gc_engine(Strategy::Interpreter);
    let module = Module::new(
        &engine,
        r#"(module
            (type $bytes (array (mut i8)))
            (table $keep 64 anyref)
            (func (export "keep") (param $slot i32) (param $len i32)
                (table.set $keep (local.get $slot) (array.new_default $bytes (local.get $len))))
            (func (export "drop") (param $slot i32)
                (table.set $keep (local.get $slot) (ref.null none))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    store.limiter(tandem::StoreLimits::new().gc_heap_size(4 << 20));
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let keep = instance
        .get_typed_func::<(i32, i32), ()>(&mut store, "keep")
        .unwrap();
    let drop = instance
        .get_typed_func::<i32, ()>(&mut store, "drop")
        .unwrap();
    for slot in 0..3 {
        keep.call(&mut store, (slot, 1 << 20)).unwrap();
    }
    // A fourth megabyte, and its header, would pass the limit: nothing can be freed.
    let trap = keep.call(&mut store, (3, 1 << 20)).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::AllocationTooLarge));
    // Once an array is unreachable, the allocation collects it and fits.
    drop.call(&mut store, 0).unwrap();
    keep.call(&mut store, (3, 1 << 20)).unwrap();
    assert!(store.gc_heap_stats().bytes <= 4 << 20);
}

/// The host reads and writes the fields of structs and the elements of arrays it holds:
/// every storage type, references kept alive through the objects they are stored in, and
/// typed errors for immutable members, mismatched values, indices out of bounds and
/// released handles.
#[test]
fn struct_and_array_members_are_read_and_written_from_the_host() {
    let engine = gc_engine(Strategy::Interpreter);
    let (mut store, instance) = instantiate(
        &engine,
        r#"(module
            (type $leaf (struct (field i32)))
            (type $all (struct
                (field (mut i8)) (field (mut i16)) (field (mut i32)) (field (mut i64))
                (field (mut f32)) (field (mut f64)) (field (mut v128))
                (field (mut anyref)) (field (mut externref)) (field i32)))
            (type $refs (array (mut (ref null $leaf))))
            (func (export "all") (result anyref)
                (struct.new $all (i32.const -1) (i32.const -1) (i32.const -5) (i64.const -6)
                    (f32.const 1.5) (f64.const -2.5) (v128.const i64x2 7 8)
                    (ref.i31 (i32.const 9)) (ref.null extern) (i32.const 10)))
            (func (export "leaf") (param i32) (result anyref) (struct.new $leaf (local.get 0)))
            (func (export "refs") (param i32) (result anyref)
                (array.new_default $refs (local.get 0)))
            ;; What wasm sees of the fields the host wrote.
            (func (export "sum") (param anyref) (result i32)
                (local $s (ref $all))
                (local.set $s (ref.cast (ref $all) (local.get 0)))
                (i32.add (i32.add (struct.get_s $all 0 (local.get $s)) (struct.get_u $all 1 (local.get $s)))
                         (struct.get $all 2 (local.get $s))))
            (func (export "leaf_at") (param anyref i32) (result i32)
                (struct.get $leaf 0
                    (array.get $refs (ref.cast (ref $refs) (local.get 0)) (local.get 1)))))"#,
    );
    let call = |mut store: tandem::StoreContextMut<'_, ()>, name: &str, args: &[Val]| {
        let mut out = [Val::I32(0)];
        instance
            .get_func(&mut store, name)
            .unwrap()
            .call(&mut store, args, &mut out)
            .unwrap();
        out[0]
    };
    let any = |v: Val| match v {
        Val::AnyRef(Some(r)) => r,
        other => panic!("expected a reference, got {other:?}"),
    };
    let all = any(call(store.as_context_mut(), "all", &[]));
    assert!(all.as_array(&store).unwrap().is_none());
    let s = all.as_struct(&store).unwrap().unwrap();
    assert_eq!(s.fields_len(&store).unwrap(), 10);
    // Packed fields read zero-extended.
    assert_eq!(s.field(&mut store, 0).unwrap().i32(), Some(0xff));
    assert_eq!(s.field(&mut store, 1).unwrap().i32(), Some(0xffff));
    assert_eq!(s.field(&mut store, 2).unwrap().i32(), Some(-5));
    assert_eq!(s.field(&mut store, 3).unwrap().i64(), Some(-6));
    assert_eq!(s.field(&mut store, 4).unwrap().f32(), Some(1.5));
    assert_eq!(s.field(&mut store, 5).unwrap().f64(), Some(-2.5));
    assert_eq!(
        s.field(&mut store, 6).unwrap().v128().map(|v| v.as_u128()),
        Some(7 | 8 << 64)
    );
    let i31 = any(s.field(&mut store, 7).unwrap());
    assert_eq!(i31.as_i31(&store).unwrap().unwrap().get_i32(), 9);
    assert!(matches!(
        s.field(&mut store, 8).unwrap(),
        Val::ExternRef(None)
    ));

    // Writes: packed fields keep their low bits; wasm reads what the host wrote.
    s.set_field(&mut store, 0, Val::I32(0x17f)).unwrap();
    s.set_field(&mut store, 1, Val::I32(2)).unwrap();
    s.set_field(&mut store, 2, Val::I32(100)).unwrap();
    assert_eq!(s.field(&mut store, 0).unwrap().i32(), Some(0x7f));
    assert_eq!(
        call(store.as_context_mut(), "sum", &[Val::AnyRef(Some(all))]).i32(),
        Some(0x7f + 2 + 100)
    );
    let leaf = any(call(store.as_context_mut(), "leaf", &[Val::I32(42)]));
    s.set_field(&mut store, 7, Val::AnyRef(Some(leaf))).unwrap();
    let back = any(s.field(&mut store, 7).unwrap())
        .as_struct(&store)
        .unwrap()
        .unwrap();
    assert_eq!(back.field(&mut store, 0).unwrap().i32(), Some(42));

    // Typed errors, and nothing written.
    let immutable = s.set_field(&mut store, 9, Val::I32(1)).unwrap_err();
    assert!(immutable.to_string().contains("immutable"), "{immutable}");
    let mismatch = s.set_field(&mut store, 2, Val::I64(1)).unwrap_err();
    assert!(mismatch.to_string().contains("type"), "{mismatch}");
    assert!(s.set_field(&mut store, 8, Val::AnyRef(None)).is_err());
    let beyond = s.field(&mut store, 10).unwrap_err();
    assert!(beyond.to_string().contains("out of bounds"), "{beyond}");
    assert_eq!(s.field(&mut store, 2).unwrap().i32(), Some(100));

    // An array of references: elements the host stores keep their objects alive.
    let refs = any(call(store.as_context_mut(), "refs", &[Val::I32(3)]))
        .as_array(&store)
        .unwrap()
        .unwrap();
    assert_eq!(refs.len(&store).unwrap(), 3);
    assert!(matches!(
        refs.get(&mut store, 2).unwrap(),
        Val::AnyRef(None)
    ));
    {
        let mut scope = tandem::RootScope::new(&mut store);
        let leaf = any(call(scope.as_context_mut(), "leaf", &[Val::I32(7)]));
        refs.set(&mut scope, 1, Val::AnyRef(Some(leaf))).unwrap();
        // A struct of another type does not fit the element type.
        assert!(refs.set(&mut scope, 0, Val::AnyRef(Some(all))).is_err());
    }
    store.gc();
    assert_eq!(
        call(
            store.as_context_mut(),
            "leaf_at",
            &[Val::AnyRef(Some(refs.to_anyref())), Val::I32(1)]
        )
        .i32(),
        Some(7)
    );
    assert!(refs.get(&mut store, 3).is_err());

    // A view made in a scope is released with it.
    let view = {
        let mut scope = tandem::RootScope::new(&mut store);
        let leaf = any(call(scope.as_context_mut(), "leaf", &[Val::I32(1)]));
        leaf.as_struct(&scope).unwrap().unwrap()
    };
    let released = view.field(&mut store, 0).unwrap_err();
    assert!(released.to_string().contains("after"), "{released}");
}

/// Structs and arrays the host allocates are the module's own types when those are equal,
/// are collected like wasm's once unreachable, and respect the store's heap limit.
#[test]
fn the_host_allocates_structs_and_arrays_of_module_types() {
    use tandem::{
        ArrayRef, ArrayType, FieldType, Mutability, RefType, RootScope, StorageType, StructRef,
        StructType, ValType,
    };
    let engine = gc_engine(Strategy::Interpreter);
    let (mut store, instance) = instantiate(
        &engine,
        r#"(module
            (type $point (struct (field (mut i32)) (field f64)))
            (type $points (array (mut (ref null $point))))
            ;; Casts to the module's own types: host objects of equal types pass.
            (func (export "x") (param anyref) (result i32)
                (struct.get $point 0 (ref.cast (ref $point) (local.get 0))))
            (func (export "x_at") (param anyref i32) (result i32)
                (struct.get $point 0
                    (array.get $points (ref.cast (ref $points) (local.get 0)) (local.get 1)))))"#,
    );
    let point = StructType::new(
        &engine,
        [
            FieldType::new(Mutability::Var, StorageType::Val(ValType::I32)),
            FieldType::new(Mutability::Const, StorageType::Val(ValType::F64)),
        ],
    )
    .unwrap();
    let points = ArrayType::new(
        &engine,
        FieldType::new(
            Mutability::Var,
            StorageType::Val(ValType::Ref(RefType::new(true, point.heap_type()))),
        ),
    )
    .unwrap();
    let x = instance
        .get_typed_func::<Option<AnyRef>, i32>(&mut store, "x")
        .unwrap();
    let x_at = instance
        .get_typed_func::<(Option<AnyRef>, i32), i32>(&mut store, "x_at")
        .unwrap();

    let p = StructRef::new(&mut store, &point, &[Val::I32(5), Val::F64(0)]).unwrap();
    assert_eq!(x.call(&mut store, Some(p.to_anyref())).unwrap(), 5);
    let all = ArrayRef::new(&mut store, &points, &Val::AnyRef(None), 4).unwrap();
    all.set(&mut store, 2, Val::AnyRef(Some(p.into()))).unwrap();
    assert_eq!(x_at.call(&mut store, (Some(all.into()), 2)).unwrap(), 5);
    let trap = x_at.call(&mut store, (Some(all.into()), 0)).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::NullReference));
    let fixed = ArrayRef::new_fixed(&mut store, &points, &[Val::AnyRef(Some(p.into()))]).unwrap();
    assert_eq!(x_at.call(&mut store, (Some(fixed.into()), 0)).unwrap(), 5);

    // Wrong values, a struct type of no field's, another engine's type.
    assert!(StructRef::new(&mut store, &point, &[Val::I32(1)]).is_err());
    assert!(StructRef::new(&mut store, &point, &[Val::I64(1), Val::F64(0)]).is_err());
    let not_a_point = ArrayRef::new(&mut store, &points, &Val::AnyRef(Some(all.into())), 1);
    assert!(not_a_point.is_err());
    let other = StructType::new(&Engine::default(), []).unwrap();
    assert!(StructRef::new(&mut store, &other, &[]).is_err());

    // Unreachable host objects are collected.
    store.gc();
    let before = store.gc_heap_stats().objects;
    for i in 0..100 {
        let mut scope = RootScope::new(&mut store);
        StructRef::new(&mut scope, &point, &[Val::I32(i), Val::F64(0)]).unwrap();
    }
    store.gc();
    assert_eq!(store.gc_heap_stats().objects, before);

    // The heap limit applies to host allocations too.
    let bytes = ArrayType::new(&engine, FieldType::new(Mutability::Var, StorageType::I8)).unwrap();
    let mut limited = Store::new(&engine, ());
    limited.limiter(tandem::StoreLimits::new().gc_heap_size(1 << 20));
    assert!(ArrayRef::new(&mut limited, &bytes, &Val::I32(0), 1 << 19).is_ok());
    let err = ArrayRef::new(&mut limited, &bytes, &Val::I32(0), 1 << 20).unwrap_err();
    assert!(err.to_string().contains("heap limit"), "{err}");
}

/// Host struct and array types with supertypes are the module types declared the same way:
/// wasm casts host objects to them and to their supertypes, and a module's function that
/// takes the supertype accepts the subtype's objects. Supertypes must be open and match.
#[test]
fn host_types_declare_supertypes_as_modules_do() {
    use tandem::{
        ArrayRef, ArrayType, FieldType, Finality, Mutability, StorageType, StructRef, StructType,
        ValType,
    };
    let engine = gc_engine(Strategy::Interpreter);
    let (mut store, instance) = instantiate(
        &engine,
        r#"(module
            (type $shape (sub (struct (field i32))))
            (type $circle (sub final $shape (struct (field i32) (field (mut f64)))))
            (type $bytes (sub (array (mut i8))))
            (type $more_bytes (sub $bytes (array (mut i8))))
            (func (export "kind") (param anyref) (result i32)
                (if (ref.test (ref $circle) (local.get 0)) (then (return (i32.const 2))))
                (if (ref.test (ref $shape) (local.get 0)) (then (return (i32.const 1))))
                (i32.const 0))
            (func (export "tag") (param anyref) (result i32)
                (struct.get $shape 0 (ref.cast (ref $shape) (local.get 0))))
            (func (export "bytes") (param anyref) (result i32)
                (array.len (ref.cast (ref $bytes) (local.get 0)))))"#,
    );
    let tag = FieldType::new(Mutability::Const, StorageType::Val(ValType::I32));
    let radius = FieldType::new(Mutability::Var, StorageType::Val(ValType::F64));
    let shape =
        StructType::with_finality_and_supertype(&engine, Finality::NonFinal, None, [tag]).unwrap();
    let circle = StructType::with_finality_and_supertype(
        &engine,
        Finality::Final,
        Some(&shape),
        [tag, radius],
    )
    .unwrap();
    assert_eq!(
        circle.supertype().map(|s| s.finality()),
        Some(Finality::NonFinal)
    );
    assert!(circle.matches(&shape) && !shape.matches(&circle) && circle.matches(&circle));
    let byte = FieldType::new(Mutability::Var, StorageType::I8);
    let bytes =
        ArrayType::with_finality_and_supertype(&engine, Finality::NonFinal, None, byte).unwrap();
    let more_bytes =
        ArrayType::with_finality_and_supertype(&engine, Finality::NonFinal, Some(&bytes), byte)
            .unwrap();
    assert!(more_bytes.matches(&bytes));

    let kind = instance
        .get_typed_func::<Option<AnyRef>, i32>(&mut store, "kind")
        .unwrap();
    let get_tag = instance
        .get_typed_func::<Option<AnyRef>, i32>(&mut store, "tag")
        .unwrap();
    let len = instance
        .get_typed_func::<Option<AnyRef>, i32>(&mut store, "bytes")
        .unwrap();
    let s = StructRef::new(&mut store, &shape, &[Val::I32(7)]).unwrap();
    let c = StructRef::new(
        &mut store,
        &circle,
        &[Val::I32(9), Val::F64(1.5f64.to_bits())],
    )
    .unwrap();
    assert_eq!(kind.call(&mut store, Some(s.to_anyref())).unwrap(), 1);
    assert_eq!(kind.call(&mut store, Some(c.to_anyref())).unwrap(), 2);
    assert_eq!(get_tag.call(&mut store, Some(c.to_anyref())).unwrap(), 9);
    let b = ArrayRef::new(&mut store, &more_bytes, &Val::I32(0), 3).unwrap();
    assert_eq!(len.call(&mut store, Some(b.into())).unwrap(), 3);

    // A final supertype, fields that do not match, another engine's supertype.
    assert!(
        StructType::with_finality_and_supertype(
            &engine,
            Finality::Final,
            Some(&circle),
            [tag, radius]
        )
        .is_err()
    );
    let mutable_tag = FieldType::new(Mutability::Var, StorageType::Val(ValType::I32));
    assert!(
        StructType::with_finality_and_supertype(
            &engine,
            Finality::Final,
            Some(&shape),
            [mutable_tag]
        )
        .is_err()
    );
    assert!(
        StructType::with_finality_and_supertype(&engine, Finality::Final, Some(&shape), [])
            .is_err()
    );
    let wide = FieldType::new(Mutability::Var, StorageType::I16);
    assert!(
        ArrayType::with_finality_and_supertype(&engine, Finality::Final, Some(&bytes), wide)
            .is_err()
    );
    // Immutable fields may narrow their reference type; mutable ones may not.
    let field_of = |mutability, ty: &StructType, nullable| {
        let ty = ValType::Ref(tandem::RefType::new(nullable, ty.heap_type()));
        FieldType::new(mutability, StorageType::Val(ty))
    };
    for (mutability, allowed) in [(Mutability::Const, true), (Mutability::Var, false)] {
        let holder = StructType::with_finality_and_supertype(
            &engine,
            Finality::NonFinal,
            None,
            [field_of(mutability, &shape, true)],
        )
        .unwrap();
        let narrower = [field_of(mutability, &circle, false)];
        let circle_holder = StructType::with_finality_and_supertype(
            &engine,
            Finality::Final,
            Some(&holder),
            narrower,
        );
        assert_eq!(circle_holder.is_ok(), allowed, "{mutability:?}");
    }
    let elsewhere = gc_engine(Strategy::Interpreter);
    assert!(
        StructType::with_finality_and_supertype(&elsewhere, Finality::Final, Some(&shape), [tag])
            .is_err()
    );
}

/// Compiled code holds references in its registers and stack frame: a collection while it
/// runs (here forced by a host function it calls, and by allocations under stress) keeps
/// what only a compiled frame still refers to.
#[test]
fn collections_keep_what_compiled_frames_hold() {
    use tandem::{Caller, Func, GcHeapStats};
    for strategy in strategies() {
        let mut config = Config::new();
        config
            .wasm_gc(true)
            .strategy(strategy)
            .tier_up_thresholds(1, 1)
            .background_compilation(false);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(
            &engine,
            r#"(module
                (type $box (struct (field i32)))
                (import "host" "collect" (func $collect))
                (func $make (param i32) (result anyref) (struct.new $box (local.get 0)))
                (func $read (param anyref) (result i32)
                    (struct.get $box 0 (ref.cast (ref $box) (local.get 0))))
                ;; The boxes live only in its locals and operand stack.
                (func (export "keep") (param $n i32) (result i32)
                    (local $a anyref) (local $b anyref) (local $i i32) (local $sum i32)
                    (local.set $a (call $make (local.get $n)))
                    (local.set $b (call $make (i32.add (local.get $n) (i32.const 1))))
                    (call $make (i32.const 1000))
                    (call $collect)
                    (loop $garbage
                        (drop (call $make (local.get $i)))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (br_if $garbage (i32.lt_u (local.get $i) (i32.const 100))))
                    (call $collect)
                    (local.set $sum (call $read))
                    (i32.add (local.get $sum)
                        (i32.add (call $read (local.get $a)) (call $read (local.get $b))))))"#,
        )
        .unwrap();
        if strategy == Strategy::Cranelift {
            assert_eq!(module.native_function_count(), 3, "all compile");
        }
        let mut store = Store::new(&engine, ());
        let collect = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.gc());
        let instance = Instance::new(&mut store, &module, &[collect.into()]).unwrap();
        let keep = instance
            .get_typed_func::<i32, i32>(&mut store, "keep")
            .unwrap();
        assert_eq!(
            keep.call(&mut store, 20).unwrap(),
            1000 + 20 + 21,
            "{strategy:?}"
        );
        store.gc();
        let GcHeapStats { objects, .. } = store.gc_heap_stats();
        assert_eq!(
            objects, 0,
            "{strategy:?}: nothing left once the call returned"
        );
    }
}

/// Every GC operator gives the same results and traps in every strategy (the Cranelift tier
/// compiles them all): members of every storage type, packed ones read signed and unsigned,
/// arrays made every way, bulk operations, `i31`, casts and the casting branches.
#[test]
fn gc_operators_agree_across_strategies() {
    let wat = r#"(module
      (type $base (sub (struct (field i32))))
      (type $all (sub $base (struct
        (field i32) (field (mut i8)) (field (mut i16)) (field (mut i64)) (field (mut f32))
        (field (mut f64)) (field (mut v128)) (field (mut anyref)) (field (mut funcref)))))
      (type $bytes (array (mut i8)))
      (type $shorts (array (mut i16)))
      (type $longs (array (mut i64)))
      (type $floats (array (mut f64)))
      (type $refs (array (mut anyref)))
      (type $funcs (array (mut funcref)))
      (data $d "\01\02\03\04\05\06\07\08\ff\fe")
      (elem $e func $f $g)
      (func $f) (func $g)

      (func (export "members") (param $x i32) (result i64)
        (local $s (ref $all))
        (local.set $s (struct.new $all (local.get $x) (i32.const 0x1ff) (i32.const 0x18001)
          (i64.const -5) (f32.const 1.5) (f64.const -2.25) (v128.const i64x2 7 9)
          (ref.i31 (i32.const 11)) (ref.func $f)))
        (struct.set $all 4 (local.get $s) (f32.add (struct.get $all 4 (local.get $s)) (f32.const 1)))
        (i64.add
          (i64.add
            (i64.extend_i32_s (i32.add (struct.get $all 0 (local.get $s))
              (i32.add (struct.get_s $all 1 (local.get $s)) (struct.get_u $all 1 (local.get $s)))))
            (i64.extend_i32_s (i32.add (struct.get_s $all 2 (local.get $s)) (struct.get_u $all 2 (local.get $s)))))
          (i64.add
            (i64.add (struct.get $all 3 (local.get $s))
              (i64.trunc_f32_s (f32.mul (struct.get $all 4 (local.get $s)) (f32.const 10))))
            (i64.add (i64.trunc_f64_s (struct.get $all 5 (local.get $s)))
              (i64.add (i64x2.extract_lane 1 (struct.get $all 6 (local.get $s)))
                (i64.extend_i32_u (i31.get_u (ref.cast i31ref (struct.get $all 7 (local.get $s))))))))))

      (func (export "defaults") (result i32)
        (local $s (ref $all))
        (local.set $s (struct.new_default $all))
        (i32.add (struct.get $all 0 (local.get $s))
          (i32.add (ref.is_null (struct.get $all 7 (local.get $s)))
            (ref.is_null (struct.get $all 8 (local.get $s))))))

      (func (export "arrays") (param $n i32) (result i64)
        (local $b (ref $bytes)) (local $l (ref $longs)) (local $d (ref $floats)) (local $i i32)
        (local $sum i64)
        (local.set $b (array.new $bytes (i32.const 0xff) (local.get $n)))
        (local.set $l (array.new_default $longs (local.get $n)))
        (local.set $d (array.new_fixed $floats 3 (f64.const 0.5) (f64.const 1.5) (f64.const 2.5)))
        (loop $fill
          (array.set $longs (local.get $l) (local.get $i)
            (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 3)))
          (array.set $bytes (local.get $b) (local.get $i)
            (i32.add (array.get_u $bytes (local.get $b) (local.get $i)) (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $fill (i32.lt_u (local.get $i) (local.get $n))))
        (array.fill $longs (local.get $l) (i32.const 1) (i64.const 100) (i32.const 2))
        (array.copy $longs $longs (local.get $l) (i32.const 2) (local.get $l) (i32.const 0) (i32.const 3))
        (local.set $i (i32.const 0))
        (loop $sum
          (local.set $sum (i64.add (local.get $sum)
            (i64.add (array.get $longs (local.get $l) (local.get $i))
              (i64.extend_i32_s (i32.add (array.get_s $bytes (local.get $b) (local.get $i))
                (array.get_u $bytes (local.get $b) (local.get $i)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $sum (i32.lt_u (local.get $i) (local.get $n))))
        (i64.add (local.get $sum)
          (i64.add (i64.extend_i32_u (array.len (local.get $b)))
            (i64.trunc_f64_s (f64.mul (array.get $floats (local.get $d) (i32.const 2)) (f64.const 4))))))

      (func (export "segments") (result i64)
        (local $s (ref $shorts)) (local $f (ref $funcs)) (local $b (ref $bytes))
        (local.set $s (array.new_data $shorts $d (i32.const 2) (i32.const 4)))
        (local.set $b (array.new_default $bytes (i32.const 6)))
        (array.init_data $bytes $d (local.get $b) (i32.const 1) (i32.const 7) (i32.const 3))
        (local.set $f (array.new_elem $funcs $e (i32.const 0) (i32.const 2)))
        (array.init_elem $funcs $e (local.get $f) (i32.const 0) (i32.const 1) (i32.const 1))
        (i64.add
          (i64.extend_i32_u (i32.add (array.get_s $shorts (local.get $s) (i32.const 3))
            (array.get_u $shorts (local.get $s) (i32.const 0))))
          (i64.extend_i32_s (i32.add (array.get_s $bytes (local.get $b) (i32.const 2))
            (i32.add (array.get_u $bytes (local.get $b) (i32.const 3))
              (ref.eq (ref.cast eqref (ref.i31 (i32.const 1))) (ref.i31 (i32.const 1))))))))

      (func (export "i31") (param i32) (result i64)
        (i64.or (i64.shl (i64.extend_i32_u (i31.get_u (ref.i31 (local.get 0)))) (i64.const 32))
          (i64.extend_i32_u (i31.get_s (ref.i31 (local.get 0))))))

      ;; What each cast says of the value `kind` picks.
      (func $value (param $kind i32) (result anyref)
        (block $i31 (block $base (block $all (block $arr (block $ext (block $null
          (br_table $null $ext $arr $all $base $i31 (local.get $kind)))
          (return (ref.null any)))
          (return (any.convert_extern (extern.convert_any (ref.i31 (i32.const 5))))))
          (return (array.new_default $bytes (i32.const 1))))
          (return (struct.new_default $all)))
          (return (struct.new $base (i32.const 1))))
        (ref.i31 (i32.const -3)))
      (func (export "tests") (param $kind i32) (result i32)
        (local $v anyref)
        (local.set $v (call $value (local.get $kind)))
        (i32.or (i32.or (i32.or
          (ref.test (ref struct) (local.get $v))
          (i32.shl (ref.test (ref array) (local.get $v)) (i32.const 1)))
          (i32.or (i32.shl (ref.test (ref i31) (local.get $v)) (i32.const 2))
            (i32.shl (ref.test (ref eq) (local.get $v)) (i32.const 3))))
          (i32.or (i32.or (i32.shl (ref.test (ref $base) (local.get $v)) (i32.const 4))
            (i32.shl (ref.test (ref $all) (local.get $v)) (i32.const 5)))
            (i32.or (i32.shl (ref.test (ref null none) (local.get $v)) (i32.const 6))
              (i32.shl (ref.test (ref null $all) (local.get $v)) (i32.const 7))))))
      (func (export "branches") (param $kind i32) (result i32)
        (block $is_base (result (ref $base))
          (block $not_i31 (result anyref)
            (br_on_cast_fail $not_i31 anyref i31ref (call $value (local.get $kind)))
            (return (i31.get_s)))
          (br_on_cast $is_base anyref (ref $base))
          (drop)
          (return (i32.const -100)))
        (struct.get $base 0))
      (func (export "cast") (param $kind i32) (result i32)
        (drop (ref.cast (ref $all) (call $value (local.get $kind))))
        (i32.const 1))
      (func (export "null_member") (result i32)
        (struct.get $base 0 (ref.null $base)))
      (func (export "outside") (param i32) (result i32)
        (array.get_u $bytes (array.new_default $bytes (i32.const 4)) (local.get 0)))
      (func (export "too_large") (result i32)
        (array.len (array.new_default $longs (i32.const -1)))))"#;
    let run = |strategy: Strategy, name: &str, args: &[Val]| -> Result<Vec<u64>, String> {
        let engine = gc_engine(strategy);
        let (mut store, instance) = instantiate(&engine, wat);
        store.gc_stress(true);
        let func = instance.get_func(&mut store, name).unwrap();
        let mut out = vec![Val::I32(0); func.ty(&store).results().len()];
        func.call(&mut store, args, &mut out)
            .map(|()| {
                out.iter()
                    .map(|v| match *v {
                        Val::I32(x) => x as u32 as u64,
                        Val::I64(x) => x as u64,
                        ref other => panic!("{other:?}"),
                    })
                    .collect()
            })
            .map_err(|e| format!("{:?}", e.trap_code()))
    };
    let mut cases: Vec<(&str, Vec<Val>)> = vec![
        ("members", vec![Val::I32(40)]),
        ("defaults", vec![]),
        ("arrays", vec![Val::I32(5)]),
        ("arrays", vec![Val::I32(300)]),
        ("segments", vec![]),
        ("i31", vec![Val::I32(-7)]),
        ("i31", vec![Val::I32(0x4000_0001)]),
        ("null_member", vec![]),
        ("outside", vec![Val::I32(3)]),
        ("outside", vec![Val::I32(4)]),
        ("too_large", vec![]),
    ];
    for kind in 0..6 {
        for name in ["tests", "branches", "cast"] {
            cases.push((name, vec![Val::I32(kind)]));
        }
    }
    if strategies().contains(&Strategy::Cranelift) {
        let module = Module::new(&gc_engine(Strategy::Cranelift), wat).unwrap();
        assert_eq!(
            module.native_function_count(),
            14,
            "every function compiles"
        );
    }
    for (name, args) in &cases {
        let reference = run(Strategy::Interpreter, name, args);
        for strategy in strategies().into_iter().skip(1) {
            assert_eq!(
                run(strategy, name, args),
                reference,
                "{strategy:?}: {name}{args:?}"
            );
        }
    }
    // A few of the results, worked out by hand.
    let interp = |name, args: &[Val]| run(Strategy::Interpreter, name, args);
    assert_eq!(interp("defaults", &[]), Ok(vec![2]));
    assert_eq!(
        interp("i31", &[Val::I32(-7)]),
        Ok(vec![0x7fff_fff9 << 32 | 0xffff_fff9])
    );
    assert_eq!(
        interp("null_member", &[]),
        Err("Some(NullReference)".into())
    );
    assert_eq!(
        interp("outside", &[Val::I32(4)]),
        Err("Some(ArrayOutOfBounds)".into())
    );
    assert_eq!(
        interp("too_large", &[]),
        Err("Some(AllocationTooLarge)".into())
    );
    assert_eq!(
        interp("branches", &[Val::I32(5)]),
        Ok(vec![-3i32 as u32 as u64])
    );
    assert_eq!(interp("branches", &[Val::I32(4)]), Ok(vec![1]));
    assert_eq!(
        interp("branches", &[Val::I32(2)]),
        Ok(vec![-100i32 as u32 as u64])
    );
    assert_eq!(
        interp("cast", &[Val::I32(4)]),
        Err("Some(CastFailure)".into())
    );
}

/// A store's heap may be made while compiled code runs (a host function instantiates the
/// first module with GC types): compiled code entered from then on is found by collections
/// all the same.
#[test]
fn a_heap_made_while_compiled_code_runs_sees_its_frames() {
    use tandem::{Caller, Extern, Func};
    for strategy in strategies() {
        let engine = gc_engine(strategy);
        let outer = Module::new(
            &engine,
            r#"(module
                (import "host" "inner" (func $inner (result i32)))
                (func (export "run") (result i32) (call $inner)))"#,
        )
        .unwrap();
        let inner = Module::new(
            &engine,
            r#"(module
                (type $bytes (array (mut i8)))
                (import "host" "collect" (func $collect))
                (func (export "keep") (result i32) (local $b (ref null $bytes))
                    (local.set $b (array.new_default $bytes (i32.const 42)))
                    (call $collect)
                    ;; Garbage of the same size, which may take the array's place if it
                    ;; was freed; freeing alone already overwrites its header.
                    (drop (array.new $bytes (i32.const 1) (i32.const 42)))
                    (drop (array.new $bytes (i32.const 2) (i32.const 42)))
                    (array.len (local.get $b))))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        store.gc_stress(true);
        let collect = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.gc());
        let run_inner = Func::wrap(&mut store, move |mut caller: Caller<'_, ()>| -> i32 {
            let instance = Instance::new(&mut caller, &inner, &[Extern::Func(collect)]).unwrap();
            let keep = instance
                .get_typed_func::<(), i32>(&mut caller, "keep")
                .unwrap();
            keep.call(&mut caller, ()).unwrap()
        });
        let instance = Instance::new(&mut store, &outer, &[run_inner.into()]).unwrap();
        let run = instance
            .get_typed_func::<(), i32>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, ()).unwrap(), 42, "{strategy:?}");
    }
}
