//! Instances and instantiation.

use std::sync::Arc;

use tandem_interp::module::{DataMode, ElemMode, ExportKind};
use tandem_interp::vm::{
    FuncEntry, FuncKind, LinearMemory, OwnedVmCtx, Slot, TableData, TrapCode, VmCtx, VmCtxParts,
    VmGlobal,
};

use crate::error::{Error, LinkError, Result, Trap};
use crate::externals::{Extern, Global, Memory, Table};
use crate::func::{Func, TypedFunc, WasmParams, WasmResults};
use crate::module::Module;
use crate::shared_memory::SharedMemory;
use crate::store::{
    AsContextMut, GlobalEntry, MemoryEntry, StoreContextMut, StoreInner, StoreOpaque, TableEntry,
};
use crate::tag::{Tag, TagType};
use crate::types::FuncType;
use crate::types::{ExternType, GlobalType, MemoryType, TableType};

/// An instantiated module in a store.
///
/// ```
/// use tandem::{Engine, Instance, Module, Store};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (memory (export "memory") 1)
///     (global (export "answer") i32 (i32.const 42)))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Instance::new(&mut store, &module, &[])?;
/// let answer = instance.get_global(&mut store, "answer").unwrap();
/// assert_eq!(answer.get(&mut store).unwrap_i32(), 42);
/// let names: Vec<String> = instance.exports(&mut store).map(|e| e.name().to_string()).collect();
/// assert_eq!(names, ["memory", "answer"]);
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instance {
    store_id: u64,
    index: u32,
}

/// An instance as its store keeps it.
pub(crate) struct InstanceData {
    pub vmctx: OwnedVmCtx,
    pub exports: Vec<(String, Extern)>,
    /// Keeps the executable memory of the module's compiled functions alive as long as
    /// the instance's function entries point into it.
    #[cfg(tandem_jit)]
    pub _native: Option<std::sync::Arc<crate::jit::NativeCode>>,
}

impl InstanceData {
    pub(crate) fn export(&self, name: &str) -> Option<Extern> {
        self.exports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.clone())
    }
}

/// One export of an instance.
#[derive(Debug, Clone)]
pub struct Export<'a> {
    name: &'a str,
    item: Extern,
}

impl<'a> Export<'a> {
    /// The export's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The exported item.
    pub fn into_extern(self) -> Extern {
        self.item
    }

    /// The exported function, if it is one.
    pub fn into_func(self) -> Option<Func> {
        self.item.into_func()
    }

    /// The exported memory, if it is one.
    pub fn into_memory(self) -> Option<Memory> {
        self.item.into_memory()
    }
}

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import order: checks their
    /// types, creates the module's memories, tables and globals, applies its element and data
    /// segments and runs its start function.
    pub fn new(
        mut store: impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        let store = store.as_context_mut().0;
        instantiate(store, module, imports)
    }

    fn data<'a>(&self, store: &'a StoreOpaque) -> &'a InstanceData {
        store.check_owner(self.store_id);
        &store.instances[self.index as usize]
    }

    /// The export named `name`.
    pub fn get_export(&self, mut store: impl AsContextMut, name: &str) -> Option<Extern> {
        self.data(&store.as_context_mut().0.opaque).export(name)
    }

    /// The exports, in module order.
    pub fn exports<'a, T: 'a>(
        &'a self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> impl ExactSizeIterator<Item = Export<'a>> + 'a {
        let store: StoreContextMut<'a, T> = store.into();
        let store: &'a StoreInner<T> = store.0;
        self.data(&store.opaque)
            .exports
            .iter()
            .map(|(name, item)| Export {
                name,
                item: item.clone(),
            })
    }

    /// The exported function `name`.
    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function `name`, typed; fails if it is missing or has another type.
    pub fn get_typed_func<P: WasmParams, R: WasmResults>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<TypedFunc<P, R>> {
        let func = self
            .get_func(&mut store, name)
            .ok_or_else(|| Error::msg(format!("failed to find function export `{name}`")))?;
        func.typed(&store)
    }

    /// The exported memory `name`.
    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported shared memory `name`.
    pub fn get_shared_memory(&self, store: impl AsContextMut, name: &str) -> Option<SharedMemory> {
        self.get_export(store, name)?.into_shared_memory()
    }

    /// The exported table `name`.
    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// The exported global `name`.
    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }
}

fn extern_type(store: &StoreOpaque, item: &Extern) -> ExternType {
    match item {
        Extern::Func(f) => ExternType::Func(f.ty_opaque(store)),
        Extern::Global(g) => ExternType::Global(g.entry(store).ty),
        Extern::Table(t) => {
            let entry = t.entry(store);
            let ty = entry.ty;
            ExternType::Table(TableType::new(
                *ty.element(),
                entry.table.len() as u32,
                ty.maximum().map(|m| m as u32),
            ))
        }
        Extern::SharedMemory(m) => ExternType::Memory(m.ty()),
        Extern::Tag(t) => ExternType::Tag(t.entry(store).ty.clone()),
        Extern::Memory(m) => {
            store.check_owner(m.store_id);
            let entry = &store.memories[m.index as usize];
            ExternType::Memory(entry.ty.with_minimum(entry.memory.pages()))
        }
    }
}

fn instantiate<T>(
    store: &mut StoreInner<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance> {
    let opaque = &mut store.opaque;
    if !opaque.engine.same(&module.inner.engine) {
        return Err(Error::msg(
            "the module was compiled for another engine than the store's",
        ));
    }
    let code = module.inner.code.clone();
    let info = &code.info;
    if imports.len() != info.imports.len() {
        return Err(LinkError::ImportCount {
            expected: info.imports.len(),
            found: imports.len(),
        }
        .into());
    }

    let mut funcs: Vec<Func> = Vec::new();
    let mut memories: Vec<Memory> = Vec::new();
    let mut tables: Vec<Table> = Vec::new();
    let mut globals: Vec<Global> = Vec::new();
    let mut tags: Vec<Tag> = Vec::new();
    for ((import, expected), item) in info
        .imports
        .iter()
        .zip(&module.inner.import_types)
        .zip(imports)
    {
        let found = extern_type(opaque, item);
        let ok = match (expected, &found, item) {
            (ExternType::Func(_), ExternType::Func(_), Extern::Func(f)) => {
                let tandem_interp::module::ImportKind::Func(ty) = import.kind else {
                    unreachable!()
                };
                // A function of a subtype may be given where its supertype is expected.
                f.entry(opaque)
                    .has_type(module.inner.type_infos[ty as usize].id)
            }
            (ExternType::Global(e), ExternType::Global(f), _) => {
                let engine = &opaque.engine;
                f.matches(e, &|sub, sup| engine.is_subtype(sub, sup))
            }
            (ExternType::Table(e), ExternType::Table(f), _) => f.matches(e),
            (ExternType::Memory(e), ExternType::Memory(f), _) => f.matches(e),
            // Tags match when their types are the same defined type.
            (ExternType::Tag(_), ExternType::Tag(_), Extern::Tag(t)) => {
                let tandem_interp::module::ImportKind::Tag(ty) = import.kind else {
                    unreachable!()
                };
                t.entry(opaque).id == module.inner.type_infos[ty as usize].id
            }
            _ => false,
        };
        if !ok {
            return Err(LinkError::IncompatibleImport {
                module: import.module.clone(),
                name: import.name.clone(),
                expected: Box::new(expected.clone()),
                found: Box::new(found),
            }
            .into());
        }
        match item.clone() {
            Extern::Tag(t) => tags.push(t),
            Extern::Func(f) => funcs.push(f),
            Extern::Memory(m) => memories.push(m),
            Extern::SharedMemory(shared) => {
                opaque
                    .engine
                    .check_memory_guard(&shared.memory, shared.ty.is_64())?;
                // The store records the shared memory like its own, sharing the storage.
                let index = opaque.memories.len() as u32;
                opaque.memories.push(MemoryEntry {
                    memory: shared.memory.clone(),
                    ty: shared.ty,
                });
                memories.push(Memory {
                    store_id: opaque.id,
                    index,
                });
            }
            Extern::Table(t) => tables.push(t),
            Extern::Global(g) => globals.push(g),
        }
    }

    if info.uses_gc_refs && info.features.contains(wasmparser::WasmFeatures::GC) {
        opaque.ensure_gc_heap();
    }

    // Resource limits, before anything is created.
    let defined_memories = &info.memory_types[info.imported_memories as usize..];
    let largest_memory = defined_memories
        .iter()
        .map(|ty| {
            ty.initial
                .saturating_mul(1u64 << ty.page_size_log2.unwrap_or(16))
        })
        .max()
        .unwrap_or(0);
    let largest_table = info.tables.iter().map(|t| t.ty.initial).max().unwrap_or(0);
    opaque.check_creation(
        1,
        defined_memories.len(),
        largest_memory,
        info.tables.len(),
        largest_table,
    )?;

    // The module's own memories, tables and globals (initialized below).
    for ty in &info.memory_types[info.imported_memories as usize..] {
        let page_size = 1u64 << ty.page_size_log2.unwrap_or(16);
        let memory = LinearMemory::with_reservation(
            ty.initial,
            ty.maximum,
            ty.shared,
            page_size,
            opaque.engine.memory_reservation(),
        );
        let memory = memory.map_err(|e| Error::Instantiation(e.to_string()))?;
        let index = opaque.memories.len() as u32;
        opaque.memories.push(MemoryEntry {
            memory: Arc::new(memory),
            ty: MemoryType::from_wasmparser(ty),
        });
        memories.push(Memory {
            store_id: opaque.id,
            index,
        });
    }
    for def in &info.tables {
        let table = TableData::new(def.ty.initial, def.ty.maximum, 0)
            .map_err(|e| Error::Instantiation(e.to_string()))?;
        let index = opaque.tables.len() as u32;
        opaque.tables.push(TableEntry {
            table: Box::new(table),
            ty: TableType::from_wasmparser(&def.ty, &module.inner.type_infos),
        });
        tables.push(Table {
            store_id: opaque.id,
            index,
        });
    }
    for def in &info.globals {
        let ty = GlobalType::from_wasmparser(&def.ty, &module.inner.type_infos);
        globals.push(opaque.push_global(GlobalEntry {
            cell: Box::new(VmGlobal::default()),
            ty,
        }));
    }

    for &ty in &info.tags[info.imported_tags as usize..] {
        let tag_type = TagType::new(FuncType::from_wasmparser(
            info.type_at(ty),
            &module.inner.type_infos,
        ));
        tags.push(opaque.push_tag(tag_type, module.inner.type_infos[ty as usize].id));
    }

    let mut parts = VmCtxParts {
        memories: memories
            .iter()
            .map(|m| Arc::as_ptr(&opaque.memories[m.index as usize].memory))
            .collect(),
        globals: globals
            .iter()
            .map(|g| &mut *opaque.globals[g.index as usize].cell as *mut VmGlobal)
            .collect(),
        tables: tables
            .iter()
            .map(|t| &mut *opaque.tables[t.index as usize].table as *mut TableData)
            .collect(),
        funcs: funcs
            .iter()
            .map(|f| &*opaque.funcs[f.index as usize] as *const FuncEntry)
            .collect(),
        sig_ids: module.inner.type_infos.iter().map(|info| info.id).collect(),
        type_infos: module.inner.type_infos.iter().map(Arc::as_ptr).collect(),
        tags: tags.iter().map(|t| t.index).collect(),
    };
    parts.funcs.resize(info.funcs.len(), std::ptr::null());
    let limits = opaque.limits_ptr();
    // SAFETY: every pointer in `parts` points into a box owned by this store, and `limits` is
    // the store's boxed limits; the store outlives the context it owns.
    let mut vmctx = OwnedVmCtx::new(unsafe { VmCtx::new(code.clone(), parts, limits) });
    let instance_index = opaque.instances.len();
    vmctx.get_mut().embedder_data = instance_index;
    #[cfg(tandem_jit)]
    {
        let config = module.inner.engine.config();
        if config.strategy == crate::Strategy::Tiered {
            vmctx
                .get_mut()
                .enable_tier_up(config.tier_up_calls, config.tier_up_back_edges);
        }
    }
    let vmctx_ptr: *mut VmCtx = vmctx.as_ptr();

    for (defined, &ty) in info.funcs[info.imported_funcs as usize..]
        .iter()
        .enumerate()
    {
        let func_ty = info.type_at(ty);
        let entry = FuncEntry {
            native: Default::default(),
            native_wasm_call: Default::default(),
            code: Default::default(),
            short_call: Default::default(),
            vmctx: vmctx_ptr,
            sig: module.inner.type_infos[ty as usize].id,
            ty: Arc::as_ptr(&module.inner.type_infos[ty as usize]),
            tier_counters: FuncEntry::tier_counters_of(vmctx.get_mut(), defined as u32),
            kind: FuncKind::Wasm,
            index: defined as u32,
            store_index: opaque.funcs.len() as u32,
            param_slots: func_ty
                .params()
                .iter()
                .map(|&t| tandem_interp::module::slot_count(t))
                .sum(),
            result_slots: func_ty
                .results()
                .iter()
                .map(|&t| tandem_interp::module::slot_count(t))
                .sum(),
        };
        #[cfg(tandem_jit)]
        if let Some(native) = &module.inner.native {
            native.install(&entry);
        }
        let func = opaque.push_func(entry);
        vmctx.get_mut().set_func(
            info.imported_funcs as usize + defined,
            &*opaque.funcs[func.index as usize],
        );
        funcs.push(func);
    }

    // Exports are known now; register the instance so that a failing initializer or start
    // function still leaves its effects (on imported tables and memories) as the spec says.
    let exports = info
        .exports
        .iter()
        .map(|e| {
            let item = match e.kind {
                ExportKind::Func(i) => Extern::Func(funcs[i as usize]),
                ExportKind::Table(i) => Extern::Table(tables[i as usize]),
                ExportKind::Memory(i) => {
                    let memory = memories[i as usize];
                    let entry = &opaque.memories[memory.index as usize];
                    if entry.ty.is_shared() {
                        Extern::SharedMemory(SharedMemory::from_parts(
                            entry.memory.clone(),
                            entry.ty,
                            opaque.engine.clone(),
                        ))
                    } else {
                        Extern::Memory(memory)
                    }
                }
                ExportKind::Global(i) => Extern::Global(globals[i as usize]),
                ExportKind::Tag(i) => Extern::Tag(tags[i as usize]),
            };
            (e.name.clone(), item)
        })
        .collect();
    opaque.instances.push(InstanceData {
        vmctx,
        exports,
        #[cfg(tandem_jit)]
        _native: module.inner.native.clone(),
    });

    let func_slot = |opaque: &StoreOpaque, index: u32| {
        opaque.funcs[funcs[index as usize].index as usize].as_ref_slot()
    };
    let global_slots = |opaque: &StoreOpaque, index: u32| {
        opaque.globals[globals[index as usize].index as usize]
            .cell
            .slots
    };
    // Constant expressions may allocate GC objects. Nothing collects before instantiation
    // is over (no wasm runs until the start function), and by then every object is held by
    // a global, a table or an element segment.
    let type_infos = &module.inner.type_infos;
    let trap = |code: TrapCode| Error::Trap(Trap::new(code));
    let eval = |opaque: &mut StoreOpaque, expr: &tandem_interp::module::ConstExpr| {
        let mut heap = opaque.gc_heap.take();
        let value = expr.eval_with(
            |i| global_slots(opaque, i),
            |f| func_slot(opaque, f),
            |ty, len, init| {
                let heap = heap.as_deref_mut().ok_or(TrapCode::AllocationTooLarge)?;
                let object = heap.alloc_init(&type_infos[ty as usize], len, init)?;
                Ok(object.as_ptr() as Slot)
            },
        );
        opaque.gc_heap = heap;
        value.map_err(trap)
    };

    for (def, global) in info
        .globals
        .iter()
        .zip(&globals[info.imported_globals as usize..])
    {
        let value = eval(opaque, &def.init)?;
        opaque.globals[global.index as usize].cell.slots = value;
    }
    for (def, table) in info
        .tables
        .iter()
        .zip(&tables[info.imported_tables as usize..])
    {
        if let Some(init) = &def.init {
            let value = eval(opaque, init)?[0];
            opaque.tables[table.index as usize]
                .table
                .elements_mut()
                .fill(value);
        }
    }

    // Every segment's items are evaluated once; the instance keeps the passive ones for
    // `table.init` (before any active one can trap, since its functions may already sit in
    // an imported table), and the active ones are then copied in order.
    let mut elems: Vec<Box<[Slot]>> = info
        .elems
        .iter()
        .map(|segment| {
            segment
                .items
                .iter()
                .map(|item| eval(opaque, item).map(|value| value[0]))
                .collect()
        })
        .collect::<Result<_>>()?;
    let mut kept: Vec<Box<[Slot]>> = Vec::with_capacity(elems.len());
    for (segment, items) in info.elems.iter().zip(&mut elems) {
        kept.push(match segment.mode {
            ElemMode::Passive => std::mem::take(items),
            ElemMode::Declared | ElemMode::Active { .. } => Box::new([]),
        });
    }
    opaque.instances[instance_index].vmctx.get_mut().elems = kept;
    for (segment, items) in info.elems.iter().zip(&elems) {
        if let ElemMode::Active { table, offset } = &segment.mode {
            let offset = eval(opaque, offset)?[0];
            let table64 = info.table_types[*table as usize].table64;
            let table = &mut opaque.tables[tables[*table as usize].index as usize].table;
            let offset = if table64 {
                offset
            } else {
                offset as u32 as u64
            };
            let end = offset
                .checked_add(items.len() as u64)
                .filter(|&end| end <= table.len());
            let Some(end) = end else {
                return Err(trap(TrapCode::TableOutOfBounds));
            };
            table.elements_mut()[offset as usize..end as usize].copy_from_slice(items);
        }
    }
    for (index, segment) in info.datas.iter().enumerate() {
        if let DataMode::Active { memory, offset } = &segment.mode {
            let offset = eval(opaque, offset)?[0];
            let memory_ty = &info.memory_types[*memory as usize];
            let offset = if memory_ty.memory64 {
                offset
            } else {
                offset as u32 as u64
            };
            let bytes = info.data_bytes(index as u32);
            let memory = &opaque.memories[memories[*memory as usize].index as usize].memory;
            if !memory.write_at(offset, bytes) {
                return Err(trap(TrapCode::MemoryOutOfBounds));
            }
            opaque.instances[instance_index]
                .vmctx
                .get_mut()
                .data_dropped[index] = true;
        }
    }

    let instance = Instance {
        store_id: opaque.id,
        index: instance_index as u32,
    };
    if let Some(start) = info.start {
        let func = funcs[start as usize];
        func.call(crate::store::StoreContextMut(store), &[], &mut [])?;
    }
    Ok(instance)
}
