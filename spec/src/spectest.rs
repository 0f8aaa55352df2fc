//! The `spectest` host module that testsuite scripts import from.
//!
//! Its contents are fixed by the reference interpreter
//! (`interpreter/host/spectest.ml` in the spec repository); the values of the
//! globals and the limits of the table and memory are observable by the tests.

use tandem::{
    Global, GlobalType, Linker, Memory, MemoryType, Mutability, Ref, RefType, SharedMemory, Store,
    Table, TableType, Val, ValType,
};

use crate::features::Features;

/// The name scripts import the host module under.
pub const MODULE: &str = "spectest";

/// Defines the `spectest` module in `linker`, creating its globals, table and
/// memory in `store`. Fails with the runtime's error message.
///
/// The `print*` functions do nothing: their output is not part of what the
/// testsuite checks, and suites run many files in parallel.
pub fn define(
    linker: &mut Linker<()>,
    store: &mut Store<()>,
    features: &Features,
) -> Result<(), String> {
    linker.func_wrap(MODULE, "print", || {}).map_err(text)?;
    linker
        .func_wrap(MODULE, "print_i32", |_: i32| {})
        .map_err(text)?;
    linker
        .func_wrap(MODULE, "print_i64", |_: i64| {})
        .map_err(text)?;
    linker
        .func_wrap(MODULE, "print_f32", |_: f32| {})
        .map_err(text)?;
    linker
        .func_wrap(MODULE, "print_f64", |_: f64| {})
        .map_err(text)?;
    linker
        .func_wrap(MODULE, "print_i32_f32", |_: i32, _: f32| {})
        .map_err(text)?;
    linker
        .func_wrap(MODULE, "print_f64_f64", |_: f64, _: f64| {})
        .map_err(text)?;

    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, value) in globals {
        let global = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), value)
            .map_err(text)?;
        linker.define(&*store, MODULE, name, global).map_err(text)?;
    }

    let table = Table::new(
        &mut *store,
        TableType::new(RefType::FUNCREF, 10, Some(20)),
        Ref::Func(None),
    )
    .map_err(text)?;
    linker
        .define(&*store, MODULE, "table", table)
        .map_err(text)?;

    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2))).map_err(text)?;
    linker
        .define(&*store, MODULE, "memory", memory)
        .map_err(text)?;

    // Only the threads proposal's tests import a shared memory, and creating one
    // needs the proposal switched on.
    if features.threads {
        let shared = SharedMemory::new(store.engine(), MemoryType::shared(1, 1)).map_err(text)?;
        linker
            .define(&*store, MODULE, "shared_memory", shared)
            .map_err(text)?;
    }
    Ok(())
}

fn text(e: tandem::Error) -> String {
    e.to_string()
}
