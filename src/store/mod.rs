//! Stores: the owners of all runtime objects, and the context traits to reach them.

mod context;

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tandem_interp::exec::Stack;
use tandem_interp::vm::gc::GcHeap;
use tandem_interp::vm::{FuncEntry, LinearMemory, SigId, TableData, VmGlobal, VmLimits};

pub use context::{AsContext, AsContextMut, StoreContext, StoreContextMut};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::func::HostFunc;
use crate::instance::InstanceData;
use crate::types::{GlobalType, MemoryType, TableType};

/// How many times wasm and host may call into each other recursively before the call traps
/// with "call stack exhausted": each level takes native stack.
const MAX_NESTING: u32 = 100;

/// A collection of instances and the objects they own, plus host data `T`.
///
/// Everything created in a store lives as long as the store; handles (`Func`, `Memory`, ...)
/// are small indices that must be used with the store that made them (using one with another
/// store panics, as in Wasmtime).
///
/// ```
/// use tandem::{Engine, Store};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, 41);
/// *store.data_mut() += 1;
/// assert_eq!(*store.data(), 42);
/// ```
pub struct Store<T> {
    // Boxed so that raw pointers the VM keeps into it stay valid when the `Store` moves.
    pub(crate) inner: Box<StoreInner<T>>,
}

/// The store's contents: host data, typed host functions and the untyped objects.
pub struct StoreInner<T> {
    pub(crate) data: T,
    pub(crate) host_funcs: Vec<Arc<HostFunc<T>>>,
    pub(crate) opaque: StoreOpaque,
}

/// Everything of a store that does not depend on `T`.
pub struct StoreOpaque {
    pub(crate) id: u64,
    pub(crate) engine: Engine,
    /// Boxed: funcref slots and `VmCtx` arrays hold the entries' addresses.
    #[allow(clippy::vec_box)]
    pub(crate) funcs: Vec<Box<FuncEntry>>,
    pub(crate) memories: Vec<MemoryEntry>,
    pub(crate) tables: Vec<TableEntry>,
    pub(crate) globals: Vec<GlobalEntry>,
    pub(crate) instances: Vec<InstanceData>,
    pub(crate) externrefs: Vec<Box<dyn Any + Send + Sync>>,
    /// Limits on what wasm may allocate in this store.
    pub(crate) resource_limits: StoreLimits,
    /// Tags by store-wide identity.
    pub(crate) tags: Vec<TagEntry>,
    /// Thrown exceptions; boxed because the VM reaches the vector through `limits`.
    #[allow(clippy::box_collection)]
    pub(crate) exceptions: Box<Vec<tandem_interp::vm::Exception>>,
    pub(crate) limits: Box<VmLimits>,
    /// The GC heap, made when the first module whose types can hold GC references is
    /// instantiated (until then no object can exist, and calls need not publish their
    /// registers as roots); `limits` points at it.
    pub(crate) gc_heap: Option<Box<GcHeap>>,
    /// The objects host handles refer to.
    pub(crate) gc_roots: crate::gc::RootTable,
    /// Whether the heap collects before every allocation wasm makes (see
    /// [`Store::gc_stress`]).
    pub(crate) gc_stress: bool,
    pub(crate) stack: Option<Stack>,
    pub(crate) nesting: u32,
}

pub(crate) struct MemoryEntry {
    /// Unique to this store unless the memory is shared.
    pub memory: Arc<LinearMemory>,
    pub ty: MemoryType,
}

pub(crate) struct TableEntry {
    pub table: Box<TableData>,
    pub ty: TableType,
}

pub(crate) struct TagEntry {
    pub ty: crate::tag::TagType,
    /// The engine id of its function type: tag imports match when the ids are equal.
    pub id: SigId,
}

pub(crate) struct GlobalEntry {
    pub cell: Box<VmGlobal>,
    pub ty: GlobalType,
}

// SAFETY: the raw pointers inside the VM records point into this store's own boxes; the store
// is only used through `&mut` or by one thread at a time, like any `Send` value.
unsafe impl Send for StoreOpaque {}
// SAFETY: shared access only reads.
unsafe impl Sync for StoreOpaque {}

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// The contents of a store's GC heap (see [`Store::gc_heap_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GcHeapStats {
    /// Live objects (reachable or not yet collected).
    pub objects: usize,
    /// Bytes they take, headers included.
    pub bytes: usize,
    /// Objects freed by collections so far.
    pub freed: u64,
}

/// Resource limits of a store; see [`Store::limiter`]. Everything is unlimited by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    pub(crate) memory_size: u64,
    pub(crate) table_elements: u64,
    pub(crate) instances: usize,
    pub(crate) memories: usize,
    pub(crate) tables: usize,
    pub(crate) gc_heap_size: u64,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            memory_size: u64::MAX,
            table_elements: u64::MAX,
            instances: usize::MAX,
            memories: usize::MAX,
            tables: usize::MAX,
            gc_heap_size: u64::MAX,
        }
    }
}

impl StoreLimits {
    /// No limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most bytes any one memory may have.
    pub fn memory_size(mut self, bytes: u64) -> Self {
        self.memory_size = bytes;
        self
    }

    /// The most elements any one table may have.
    pub fn table_elements(mut self, elements: u64) -> Self {
        self.table_elements = elements;
        self
    }

    /// The most instances the store may hold.
    pub fn instances(mut self, count: usize) -> Self {
        self.instances = count;
        self
    }

    /// The most memories the store may hold.
    pub fn memories(mut self, count: usize) -> Self {
        self.memories = count;
        self
    }

    /// The most tables the store may hold.
    pub fn tables(mut self, count: usize) -> Self {
        self.tables = count;
        self
    }

    /// The most bytes the store's live GC objects may take (headers included). An
    /// allocation that would pass it, even after a collection, traps with
    /// [`TrapCode::AllocationTooLarge`](crate::TrapCode::AllocationTooLarge).
    pub fn gc_heap_size(mut self, bytes: u64) -> Self {
        self.gc_heap_size = bytes;
        self
    }
}

impl StoreOpaque {
    /// Fails if creating `memories` memories of up to `largest_bytes` and `tables` tables of
    /// up to `largest_elements`, in `instances` new instances, would pass a limit.
    pub(crate) fn check_creation(
        &self,
        instances: usize,
        memories: usize,
        largest_bytes: u64,
        tables: usize,
        largest_elements: u64,
    ) -> Result<()> {
        let limits = &self.resource_limits;
        let exceeded = |what: &str| Err(Error::msg(format!("resource limit exceeded: {what}")));
        if self.instances.len().saturating_add(instances) > limits.instances {
            return exceeded("too many instances");
        }
        if self.memories.len().saturating_add(memories) > limits.memories {
            return exceeded("too many memories");
        }
        if self.tables.len().saturating_add(tables) > limits.tables {
            return exceeded("too many tables");
        }
        if largest_bytes > limits.memory_size {
            return exceeded("memory larger than the limit");
        }
        if largest_elements > limits.table_elements {
            return exceeded("table larger than the limit");
        }
        Ok(())
    }
}

impl<T> Store<T> {
    /// A new, empty store.
    pub fn new(engine: &Engine, data: T) -> Self {
        let mut exceptions = Box::new(Vec::new());
        let limits = Box::new(VmLimits {
            fuel: 0,
            epoch_deadline: u64::MAX,
            epoch: engine.epoch_counter(),
            exceptions: &mut *exceptions,
            max_memory_bytes: u64::MAX,
            max_table_elements: u64::MAX,
            stack_limit: 0,
            gc_heap: std::ptr::null_mut(),
            thrown: 0,
        });
        Store {
            inner: Box::new(StoreInner {
                data,
                host_funcs: Vec::new(),
                opaque: StoreOpaque {
                    id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
                    engine: engine.clone(),
                    funcs: Vec::new(),
                    memories: Vec::new(),
                    tables: Vec::new(),
                    globals: Vec::new(),
                    instances: Vec::new(),
                    externrefs: Vec::new(),
                    tags: Vec::new(),
                    resource_limits: StoreLimits::default(),
                    exceptions,
                    limits,
                    gc_heap: None,
                    gc_roots: Default::default(),
                    gc_stress: false,
                    stack: None,
                    nesting: 0,
                },
            }),
        }
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Consumes the store, returning the host data.
    pub fn into_data(self) -> T {
        self.inner.data
    }

    /// Collects garbage: frees every GC object that no global, table, element segment,
    /// exception, running wasm call or host handle can reach. Wasm allocation also collects
    /// on its own as the heap grows; this does nothing when the engine has GC off.
    pub fn gc(&mut self) {
        self.inner.opaque.collect_garbage();
    }

    /// What the GC heap holds now.
    pub fn gc_heap_stats(&self) -> GcHeapStats {
        match &self.inner.opaque.gc_heap {
            Some(heap) => GcHeapStats {
                objects: heap.object_count(),
                bytes: heap.bytes(),
                freed: heap.freed(),
            },
            None => GcHeapStats::default(),
        }
    }

    /// Makes every allocation by wasm collect first, to find missing roots (for tests).
    #[doc(hidden)]
    pub fn gc_stress(&mut self, stress: bool) {
        self.inner.opaque.gc_stress = stress;
        if let Some(heap) = &mut self.inner.opaque.gc_heap {
            heap.set_stress(stress);
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.opaque.engine
    }

    /// Sets the fuel available to wasm; requires `Config::consume_fuel`.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.inner.opaque.set_fuel(fuel)
    }

    /// The fuel left; requires `Config::consume_fuel`.
    pub fn get_fuel(&self) -> Result<u64> {
        self.inner.opaque.get_fuel()
    }

    /// Bounds what the store's wasm may create and grow: memory and table sizes (checked at
    /// every creation and growth, from wasm or from the host) and the number of instances,
    /// memories and tables.
    ///
    /// ```
    /// use tandem::{Engine, Instance, Module, Store, StoreLimits};
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module (memory 1)
    ///     (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// store.limiter(StoreLimits::new().memory_size(65536));
    /// let instance = Instance::new(&mut store, &module, &[])?;
    /// let grow = instance.get_typed_func::<(), i32>(&mut store, "grow")?;
    /// assert_eq!(grow.call(&mut store, ())?, -1, "a second page would pass the limit");
    /// # Ok::<(), tandem::Error>(())
    /// ```
    pub fn limiter(&mut self, limits: StoreLimits) {
        self.inner.opaque.limits.max_memory_bytes = limits.memory_size;
        self.inner.opaque.limits.max_table_elements = limits.table_elements;
        self.inner.opaque.resource_limits = limits;
        if let Some(heap) = &mut self.inner.opaque.gc_heap {
            heap.set_max_bytes(usize::try_from(limits.gc_heap_size).unwrap_or(usize::MAX));
        }
    }

    /// Interrupts wasm (with a trap of code [`TrapCode::Interrupt`](crate::TrapCode)) once
    /// the engine's epoch reaches the current epoch plus `ticks`; requires
    /// `Config::epoch_interruption`. Until a deadline is set, wasm runs uninterrupted.
    pub fn set_epoch_deadline(&mut self, ticks: u64) {
        let now = self
            .inner
            .opaque
            .engine
            .epoch_counter()
            .load(Ordering::Relaxed);
        self.inner.opaque.limits.epoch_deadline = now.saturating_add(ticks);
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("data", &self.inner.data)
            .finish_non_exhaustive()
    }
}

impl StoreOpaque {
    pub(crate) fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.check_fuel_enabled()?;
        self.limits.fuel = fuel.min(i64::MAX as u64) as i64;
        Ok(())
    }

    pub(crate) fn get_fuel(&self) -> Result<u64> {
        self.check_fuel_enabled()?;
        Ok(self.limits.fuel.max(0) as u64)
    }

    pub(crate) fn push_func(&mut self, entry: tandem_interp::vm::FuncEntry) -> crate::func::Func {
        let index = self.funcs.len() as u32;
        self.funcs.push(Box::new(entry));
        crate::func::Func {
            store_id: self.id,
            index,
        }
    }

    /// Adds a tag whose function type has engine id `id`.
    pub(crate) fn push_tag(&mut self, ty: crate::tag::TagType, id: SigId) -> crate::tag::Tag {
        let index = self.tags.len() as u32;
        self.tags.push(TagEntry { ty, id });
        crate::tag::Tag {
            store_id: self.id,
            index,
        }
    }

    pub(crate) fn push_global(&mut self, entry: GlobalEntry) -> crate::externals::Global {
        let index = self.globals.len() as u32;
        self.globals.push(entry);
        crate::externals::Global {
            store_id: self.id,
            index,
        }
    }

    fn check_fuel_enabled(&self) -> Result<()> {
        if self.engine.config().consume_fuel {
            Ok(())
        } else {
            Err(Error::msg(
                "fuel is not enabled in this store's engine (Config::consume_fuel)",
            ))
        }
    }

    /// Panics if a handle of another store is used here.
    pub(crate) fn check_owner(&self, store_id: u64) {
        assert_eq!(self.id, store_id, "object used with the wrong store");
    }

    pub(crate) fn limits_ptr(&mut self) -> *mut VmLimits {
        &mut *self.limits
    }

    /// Takes the value stack for a call; a nested call (wasm -> host -> wasm) gets a fresh one.
    pub(crate) fn enter(&mut self) -> Result<Stack> {
        if self.nesting >= MAX_NESTING {
            return Err(Error::Trap(crate::error::Trap::new(
                crate::error::TrapCode::StackOverflow,
            )));
        }
        self.nesting += 1;
        Ok(self
            .stack
            .take()
            .unwrap_or_else(|| Stack::new(self.engine.config().max_wasm_stack)))
    }

    pub(crate) fn leave(&mut self, stack: Stack) {
        self.nesting -= 1;
        if self.stack.is_none() {
            self.stack = Some(stack);
        }
    }
}
