//! # tandem
//!
//! An embeddable, interpreter-first WebAssembly runtime. Modules are validated, lowered to a
//! compact register bytecode and run by tandem's interpreter, which never maps executable
//! memory. The embedding API follows Wasmtime's: [`Engine`], [`Store`], [`Module`],
//! [`Linker`], [`Instance`], [`Func`] and friends.
//!
//! ```
//! use tandem::{Caller, Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module
//!     (import "host" "double" (func $double (param i32) (result i32)))
//!     (func (export "run") (param i32) (result i32)
//!         local.get 0
//!         call $double
//!         i32.const 1
//!         i32.add))"#)?;
//!
//! let mut linker = Linker::new(&engine);
//! linker.func_wrap("host", "double", |mut caller: Caller<'_, u32>, x: i32| {
//!     *caller.data_mut() += 1; // count calls in the store's data
//!     x * 2
//! })?;
//!
//! let mut store = Store::new(&engine, 0u32);
//! let instance = linker.instantiate(&mut store, &module)?;
//! let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
//! assert_eq!(run.call(&mut store, 20)?, 41);
//! assert_eq!(*store.data(), 1);
//! # Ok::<(), tandem::Error>(())
//! ```

mod config;
mod engine;
mod error;
mod externals;
mod func;
mod gc;
mod instance;
#[cfg(tandem_jit)]
mod jit;
mod linker;
mod module;
mod objects;
mod shared_memory;
mod store;
mod tag;
mod types;
mod values;
mod wat;

pub use config::{Config, OptLevel, Strategy};
pub use engine::{Engine, NativeStats};
pub use error::{
    CompileError, Error, FrameInfo, LinkError, MemoryAccessError, Result, Trap, TrapCode,
    TrapReason,
};
pub use externals::{Extern, Global, Memory, Table};
pub use func::{Caller, Func, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};
pub use gc::RootScope;
pub use instance::{Export, Instance};
pub use linker::Linker;
pub use module::{Module, ModuleSizes};
pub use objects::{ArrayRef, StructRef};
pub use shared_memory::SharedMemory;
pub use store::{
    AsContext, AsContextMut, GcHeapStats, Store, StoreContext, StoreContextMut, StoreLimits,
};
pub use tag::{Tag, TagType, ThrownException};
pub use types::{
    ArrayType, ExportType, ExternType, FieldType, Finality, FuncType, GlobalType, HeapType,
    ImportType, MemoryType, Mutability, RefType, StorageType, StructType, TableType, ValType,
};
pub use values::{AnyRef, ExnRef, ExternRef, I31, Ref, V128, Val};
#[cfg(feature = "wat")]
pub use wat::{wasm2wat, wat2wasm};
