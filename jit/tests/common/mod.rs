//! A minimal instance of a module, built directly from the VM ABI types, that can run its
//! functions on the interpreter or as Cranelift code.

#![allow(dead_code)]

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use tandem_interp::TrapCode;
use tandem_interp::exec::{self, DEFAULT_MAX_WASM_STACK, ExecError, Host, Stack};
use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::{
    DataMode, ElemMode, ExportKind, FuncType, ImportKind, ModuleCode, WasmFeatures, parse_module,
    slot_count,
};
use tandem_interp::vm::{
    Exception, FuncEntry, FuncKind, LinearMemory, SigId, Slot, TableData, VmCtx, VmCtxParts,
    VmGlobal, VmLimits,
};
use tandem_jit::{
    ArrayCallFn, CompiledCode, JitCompiler, JitError, JitOptions, STATUS_EMBEDDER_MIN, Status,
    decode_status, resolve_tail_calls, trap_status,
};

/// A host function: arguments in the slots, results written back from slot 0.
pub type HostFn = fn(&mut [Slot]) -> Result<(), u32>;

/// How deep compiled code may nest calls through [`call_helper`] before it reports a stack
/// overflow (each level uses a little native stack).
pub const MAX_NATIVE_DEPTH: u32 = 1000;

/// The status [`call_helper`] returns when a wasm callee has no native code.
pub const STATUS_NOT_COMPILED: u32 = STATUS_EMBEDDER_MIN;

/// The host functions of an instance; the context's `embedder_data` points at it.
struct HostFns(Vec<HostFn>);

/// One instance with everything its context points at. Fields drop in order: the context
/// first, then what it points into.
pub struct Instance {
    pub vmctx: Box<VmCtx>,
    pub code: Arc<ModuleCode>,
    // The context points into these vectors' buffers, which stay put once built.
    entries: Vec<FuncEntry>,
    memories: Vec<LinearMemory>,
    globals: Vec<VmGlobal>,
    tables: Vec<TableData>,
    limits: Box<VmLimits>,
    /// Boxed because the limits point at the vector itself.
    #[allow(clippy::box_collection)]
    exceptions: Box<Vec<Exception>>,
    epoch: Box<AtomicU64>,
    host: Box<HostFns>,
}

/// Parses and validates a module written in the text format.
pub fn module(wat: &str) -> Arc<ModuleCode> {
    module_with(wat, TranslateOptions::default())
}

/// Parses and validates a module written in the text format, whose bytecode the interpreter
/// translates with `options`.
pub fn module_with(wat: &str, options: TranslateOptions) -> Arc<ModuleCode> {
    module_with_features(wat, options, features())
}

/// The proposals the tests compile with: wasmparser's defaults without GC, which the
/// Cranelift tier leaves to the interpreter (with GC on, an `externref` may hold a GC
/// object, so modules that use one are refused).
pub fn features() -> WasmFeatures {
    WasmFeatures::default().difference(WasmFeatures::GC)
}

/// Parses and validates a module written in the text format with `features`, whose bytecode
/// the interpreter translates with `options`.
pub fn module_with_features(
    wat: &str,
    options: TranslateOptions,
    features: WasmFeatures,
) -> Arc<ModuleCode> {
    let bytes = wat::parse_str(wat).expect("valid WAT");
    let info = parse_module(&bytes, features).expect("valid module");
    Arc::new(ModuleCode::new(info, options))
}

/// Signature ids by structural equality of the module's function types, as an engine
/// interns them.
fn sig_ids(code: &ModuleCode) -> Vec<SigId> {
    let mut seen: Vec<&FuncType> = Vec::new();
    code.info
        .types
        .iter()
        .enumerate()
        .map(|(index, _)| match code.info.try_func_type(index as u32) {
            Some(ty) => {
                let id = seen.iter().position(|t| *t == ty).unwrap_or_else(|| {
                    seen.push(ty);
                    seen.len() - 1
                });
                SigId(id as u32)
            }
            None => SigId(u32::MAX),
        })
        .collect()
}

impl Instance {
    /// Instantiates `code`; function imports are served by `host` in import order.
    pub fn new(code: Arc<ModuleCode>, host: &[HostFn]) -> Instance {
        Instance::with_globals(code, host, &[])
    }

    /// Instantiates `code`; function imports are served by `host` in import order, and global
    /// imports get the values of `imported_globals` in import order.
    pub fn with_globals(
        code: Arc<ModuleCode>,
        host: &[HostFn],
        imported_globals: &[Slot],
    ) -> Instance {
        let info = &code.info;
        let sig_ids = sig_ids(&code);
        let mut epoch = Box::new(AtomicU64::new(0));
        let mut exceptions = Box::new(Vec::new());
        let mut limits = Box::new(VmLimits {
            fuel: 0,
            epoch_deadline: u64::MAX,
            epoch: &mut *epoch,
            exceptions: &mut *exceptions,
            max_memory_bytes: u64::MAX,
            max_table_elements: u64::MAX,
            stack_limit: 0,
            gc_heap: std::ptr::null_mut(),
            thrown: 0,
        });
        let memories: Vec<LinearMemory> = info
            .memory_types
            .iter()
            .map(|ty| {
                let page_size = 1u64 << ty.page_size_log2.unwrap_or(16);
                LinearMemory::with_options(ty.initial, ty.maximum, ty.shared, page_size)
                    .expect("memory")
            })
            .collect();
        assert_eq!(
            info.imported_globals as usize,
            imported_globals.len(),
            "a value for every imported global"
        );
        let mut globals: Vec<VmGlobal> = imported_globals
            .iter()
            .map(|&value| VmGlobal { slots: [value, 0] })
            .collect();
        // Function references are filled in once the function entries exist.
        for def in &info.globals {
            let slots = def.init.eval(|index| globals[index as usize].slots, |_| 0);
            globals.push(VmGlobal { slots });
        }
        let mut tables: Vec<TableData> = info
            .tables
            .iter()
            .map(|def| TableData::new(def.ty.initial, def.ty.maximum, 0).expect("table"))
            .collect();

        let parts = VmCtxParts {
            memories: memories.iter().map(|m| m as *const LinearMemory).collect(),
            globals: globals.iter_mut().map(|g| g as *mut VmGlobal).collect(),
            tables: tables.iter_mut().map(|t| t as *mut TableData).collect(),
            funcs: vec![std::ptr::null(); info.funcs.len()],
            sig_ids: sig_ids.clone(),
            // Each tag is its own: no tags are imported here.
            tags: (0..info.tags.len() as u32).collect(),
            // No GC here: the tier refuses modules that could hold GC references.
            type_infos: Vec::new(),
        };
        // SAFETY: every pointer in `parts` points into a buffer or box the instance owns and
        // never reallocates, and the instance drops the context before them.
        let mut vmctx = unsafe { VmCtx::new(code.clone(), parts, &mut *limits) };
        let host = Box::new(HostFns(host.to_vec()));
        vmctx.embedder_data = &*host as *const HostFns as usize;
        let vmctx_ptr: *mut VmCtx = &mut *vmctx;

        let mut entries = Vec::new();
        for (index, &ty) in info.funcs.iter().enumerate() {
            let func_ty = info.type_at(ty);
            let imported = (index as u32) < info.imported_funcs;
            entries.push(FuncEntry {
                native: AtomicPtr::default(),
                native_wasm_call: AtomicPtr::default(),
                code: AtomicPtr::default(),
                short_call: AtomicPtr::default(),
                vmctx: if imported {
                    std::ptr::null_mut()
                } else {
                    vmctx_ptr
                },
                sig: sig_ids[ty as usize],
                kind: if imported {
                    FuncKind::Host
                } else {
                    FuncKind::Wasm
                },
                index: if imported {
                    index as u32
                } else {
                    index as u32 - info.imported_funcs
                },
                store_index: index as u32,
                param_slots: func_ty.params().iter().map(|&t| slot_count(t)).sum(),
                ty: std::ptr::null(),
                tier_counters: std::ptr::null(),
                result_slots: func_ty.results().iter().map(|&t| slot_count(t)).sum(),
            });
        }
        for (index, entry) in entries.iter().enumerate() {
            vmctx.set_func(index, entry);
        }
        assert!(
            info.imports
                .iter()
                .all(|import| matches!(import.kind, ImportKind::Func(_) | ImportKind::Global(_))),
            "the test instance imports functions and globals only"
        );

        let imported = imported_globals.len();
        for (index, def) in info.globals.iter().enumerate() {
            let slots = def.init.eval(
                |i| globals[i as usize].slots,
                |f| entries[f as usize].as_ref_slot(),
            );
            globals[imported + index].slots = slots;
        }
        // Passive segments stay available to `table.init`; the others count as dropped.
        vmctx.elems = info
            .elems
            .iter()
            .map(|segment| match segment.mode {
                ElemMode::Passive => segment
                    .items
                    .iter()
                    .map(|item| {
                        item.eval(
                            |i| globals[i as usize].slots,
                            |f| entries[f as usize].as_ref_slot(),
                        )[0]
                    })
                    .collect(),
                _ => Box::new([]) as Box<[Slot]>,
            })
            .collect();
        for segment in &info.elems {
            if let ElemMode::Active { table, offset } = &segment.mode {
                let offset = offset.eval(|i| globals[i as usize].slots, |_| 0)[0] as u32;
                for (i, item) in segment.items.iter().enumerate() {
                    let value = item.eval(
                        |i| globals[i as usize].slots,
                        |f| entries[f as usize].as_ref_slot(),
                    )[0];
                    assert!(tables[*table as usize].set(u64::from(offset) + i as u64, value));
                }
            }
        }
        for (index, segment) in info.datas.iter().enumerate() {
            if let DataMode::Active { memory, offset } = &segment.mode {
                let offset = offset.eval(|i| globals[i as usize].slots, |_| 0)[0] as u32;
                let bytes = info.data_bytes(index as u32);
                assert!(memories[*memory as usize].write_at(u64::from(offset), bytes));
                vmctx.data_dropped[index] = true;
            }
        }

        Instance {
            vmctx,
            code,
            entries,
            memories,
            globals,
            tables,
            limits,
            exceptions,
            epoch,
            host,
        }
    }

    /// Compiles every defined function with `compiler` and installs the code in the function
    /// entries; returns the outcome per defined function.
    pub fn compile_all(&self, compiler: &mut JitCompiler) -> Vec<Result<CompiledCode, JitError>> {
        let info = &self.code.info;
        (0..info.bodies.len() as u32)
            .map(|defined| {
                let result = compiler.compile(info, defined);
                if let Ok(code) = &result {
                    install(
                        &self.entries[(info.imported_funcs + defined) as usize],
                        code,
                    );
                }
                result
            })
            .collect()
    }

    /// Installs code compiled for this instance's module (for another instance of it, say)
    /// in the entries of the defined functions, in order.
    pub fn install(&self, code: &[CompiledCode]) {
        let imported = self.code.info.imported_funcs as usize;
        for (index, code) in code.iter().enumerate() {
            install(&self.entries[imported + index], code);
        }
    }

    /// The entry of the function exported as `name`.
    pub fn export(&self, name: &str) -> &FuncEntry {
        let export = self
            .code
            .info
            .exports
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no export {name}"));
        let ExportKind::Func(index) = export.kind else {
            panic!("{name} is not a function");
        };
        &self.entries[index as usize]
    }

    /// The entry of function `index` (imports first).
    pub fn func(&self, index: u32) -> &FuncEntry {
        &self.entries[index as usize]
    }

    /// Calls export `name` through its native code, as an embedder would.
    pub fn call_jit(&self, name: &str, args: &[Slot]) -> Result<Vec<Slot>, Status> {
        let entry = self.export(name);
        let native = entry.native.load(Ordering::Acquire);
        assert!(!native.is_null(), "{name} was not compiled");
        let mut values = io_slots(entry, args);
        // SAFETY: `native` was produced by a compiler that outlives this call (the tests keep
        // it alive) for this instance's module, with the array-call signature; `values` holds
        // max(param_slots, result_slots) slots; the instance is used by nothing else.
        let status = unsafe {
            let function = std::mem::transmute::<*mut u8, ArrayCallFn>(native);
            let status = function(entry.vmctx, values.as_mut_ptr());
            resolve_tail_calls(status, values.as_mut_ptr(), call_helper)
        };
        match decode_status(status) {
            Status::Ok => {
                values.truncate(entry.result_slots as usize);
                Ok(values)
            }
            other => Err(other),
        }
    }

    /// Calls export `name` on the interpreter.
    ///
    /// Every function runs as bytecode, even those with native code installed: their native
    /// code is set aside for the call.
    pub fn call_interp(&self, name: &str, args: &[Slot]) -> Result<Vec<Slot>, Status> {
        let entry = self.export(name);
        let mut values = io_slots(entry, args);
        let mut stack = Stack::new(DEFAULT_MAX_WASM_STACK);
        let mut host = TestHost;
        let natives: Vec<(*mut u8, *mut u8)> = self
            .entries
            .iter()
            .map(|e| {
                let native = e.native.load(Ordering::Acquire);
                let wasm_call = e.native_wasm_call.load(Ordering::Acquire);
                e.set_native(std::ptr::null_mut(), std::ptr::null_mut());
                (native, wasm_call)
            })
            .collect();
        // SAFETY: the entry and everything its context points at belong to this instance,
        // which nothing else uses during the call; `values` is large enough.
        let result = unsafe { exec::execute(&mut stack, &mut host, entry, &mut values) };
        for (entry, (native, wasm_call)) in self.entries.iter().zip(natives) {
            entry.set_native(native, wasm_call);
        }
        match result {
            Ok(()) => {
                values.truncate(entry.result_slots as usize);
                Ok(values)
            }
            Err(ExecError::Trap { code, .. }) => Err(Status::Trap(code)),
            Err(ExecError::Host { error, .. }) => Err(Status::Embedder(error)),
            Err(ExecError::Exception { .. }) => Err(Status::Exception),
            Err(other) => panic!("interpreter stopped: {other:?}"),
        }
    }

    /// Memory 0's bytes.
    pub fn memory(&self) -> &[u8] {
        self.memories[0].data()
    }

    /// Memory `index`'s bytes.
    pub fn memory_at(&self, index: usize) -> &[u8] {
        self.memories[index].data()
    }

    /// Table `index`'s elements.
    pub fn table(&self, index: usize) -> &[Slot] {
        self.tables[index].elements()
    }

    /// `slot` with this instance's function entries replaced by `FUNC_TAG | index`, so
    /// references compare equal across instances.
    pub fn normalize(&self, slot: Slot) -> Slot {
        let base = self.entries.as_ptr() as usize as Slot;
        let size = size_of::<FuncEntry>() as Slot;
        let end = base + size * self.entries.len() as Slot;
        if (base..end).contains(&slot) && (slot - base).is_multiple_of(size) {
            FUNC_TAG | ((slot - base) / size)
        } else {
            slot
        }
    }

    /// Everything the instance's code can change: memories, tables and globals (references
    /// normalized).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            memories: self.memories.iter().map(|m| m.data().to_vec()).collect(),
            tables: self
                .tables
                .iter()
                .map(|t| t.elements().iter().map(|&e| self.normalize(e)).collect())
                .collect(),
            globals: self
                .globals
                .iter()
                .map(|g| [self.normalize(g.slots[0]), g.slots[1]])
                .collect(),
            data_dropped: self.vmctx.data_dropped.clone(),
            elems: self
                .vmctx
                .elems
                .iter()
                .map(|e| e.iter().map(|&r| self.normalize(r)).collect())
                .collect(),
            exceptions: self
                .exceptions
                .iter()
                .map(|e| (e.tag, e.payload.to_vec()))
                .collect(),
        }
    }

    /// The fuel left.
    pub fn fuel(&self) -> i64 {
        self.limits.fuel
    }

    /// Sets the fuel left.
    pub fn set_fuel(&mut self, fuel: i64) {
        self.limits.fuel = fuel;
    }

    /// Sets the epoch at which execution is interrupted.
    pub fn set_epoch_deadline(&mut self, deadline: u64) {
        self.limits.epoch_deadline = deadline;
    }

    /// The engine's epoch counter, which another thread may bump.
    pub fn epoch(&self) -> &AtomicU64 {
        &self.epoch
    }

    /// Sets the lowest stack address compiled code may run at.
    pub fn set_stack_limit(&mut self, limit: usize) {
        self.limits.stack_limit = limit;
    }

    /// Global `index`'s low slot.
    pub fn global(&self, index: usize) -> Slot {
        self.globals[index].slots[0]
    }
}

/// The tag of a normalized function reference (see [`Instance::normalize`]).
pub const FUNC_TAG: Slot = 0xf000_0000_0000_0000;

/// The state of an instance, for comparing two of them.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub memories: Vec<Vec<u8>>,
    pub tables: Vec<Vec<Slot>>,
    pub globals: Vec<[Slot; 2]>,
    pub data_dropped: Vec<bool>,
    pub elems: Vec<Vec<Slot>>,
    /// Every exception thrown so far: its tag's identity and its payload.
    pub exceptions: Vec<(u32, Vec<Slot>)>,
}

fn io_slots(entry: &FuncEntry, args: &[Slot]) -> Vec<Slot> {
    assert_eq!(args.len(), entry.param_slots as usize, "argument count");
    let mut values = args.to_vec();
    values.resize(entry.param_slots.max(entry.result_slots) as usize, 0);
    values
}

/// Runs a host function of the instance whose context is `vmctx`.
///
/// # Safety
///
/// `vmctx` must be a live context of an [`Instance`] and `values` must hold the callee's
/// slots.
unsafe fn call_host(vmctx: *mut VmCtx, callee: &FuncEntry, values: *mut Slot) -> u32 {
    // SAFETY: the instance stores its host functions in `embedder_data` and outlives calls.
    let host = unsafe { &*((*vmctx).embedder_data as *const HostFns) };
    let len = callee.param_slots.max(callee.result_slots) as usize;
    // SAFETY: compiled code and `TestHost` pass `len` valid slots.
    let slots = unsafe { std::slice::from_raw_parts_mut(values, len) };
    match host.0[callee.index as usize](slots) {
        Ok(()) => 0,
        Err(status) => status,
    }
}

thread_local! {
    static NATIVE_DEPTH: Cell<u32> = const { Cell::new(0) };
    static NATIVE_DEPTH_LIMIT: Cell<u32> = const { Cell::new(MAX_NATIVE_DEPTH) };
}

/// Sets how deep [`call_helper`] lets compiled code nest on this thread (leaving the rest to
/// the stack-limit check of compiled code).
pub fn set_native_depth_limit(limit: u32) {
    NATIVE_DEPTH_LIMIT.set(limit);
}

/// The call helper of the tests: wasm callees run their native code (with a bound on the
/// nesting), host callees run the instance's host functions.
///
/// # Safety
///
/// The [`tandem_jit::CallHelper`] contract.
pub unsafe extern "C" fn call_helper(
    caller: *mut VmCtx,
    callee: *const FuncEntry,
    values: *mut Slot,
) -> u32 {
    // SAFETY: compiled code passes a valid entry of a live instance.
    let entry = unsafe { &*callee };
    match entry.kind {
        // SAFETY: host callees are served on behalf of the calling instance.
        FuncKind::Host => unsafe { call_host(caller, entry, values) },
        FuncKind::Wasm => {
            let native = entry.native.load(Ordering::Acquire);
            if native.is_null() {
                return STATUS_NOT_COMPILED;
            }
            let depth = NATIVE_DEPTH.get();
            if depth >= NATIVE_DEPTH_LIMIT.get() {
                return trap_status(TrapCode::StackOverflow);
            }
            NATIVE_DEPTH.set(depth + 1);
            // SAFETY: `native` is array-call code for the callee's module, called with the
            // callee's own context and the slots compiled code provided.
            let status = unsafe {
                let function = std::mem::transmute::<*mut u8, ArrayCallFn>(native);
                function(entry.vmctx, values)
            };
            NATIVE_DEPTH.set(depth);
            status
        }
    }
}

/// A compiler whose code calls through [`call_helper`].
pub fn compiler() -> JitCompiler {
    compiler_with(JitOptions::default())
}

/// A compiler with `options` whose code calls through [`call_helper`].
pub fn compiler_with(options: JitOptions) -> JitCompiler {
    let mut compiler = JitCompiler::with_options(options).expect("host supported");
    compiler.set_call_helper(Some(call_helper));
    compiler
}

/// The interpreter's host: the instance's host functions, with their status as the error.
struct TestHost;

impl Host for TestHost {
    type Error = u32;

    fn call_host(
        &mut self,
        entry: &FuncEntry,
        caller: *mut VmCtx,
        io: &mut [Slot],
    ) -> Result<(), u32> {
        // SAFETY: the interpreter passes the live calling context and the callee's slots.
        match unsafe { call_host(caller, entry, io.as_mut_ptr()) } {
            0 => Ok(()),
            status => Err(status),
        }
    }
}

/// Compiles every defined function of `code`, which must all be supported.
pub fn compile_module(compiler: &mut JitCompiler, code: &ModuleCode) -> Vec<CompiledCode> {
    (0..code.info.bodies.len() as u32)
        .map(|index| {
            compiler
                .compile(&code.info, index)
                .unwrap_or_else(|e| panic!("function {index} did not compile: {e}"))
        })
        .collect()
}

/// Compiles `wat`, instantiates it and compiles every function, which must all be supported.
pub fn jit_instance(compiler: &mut JitCompiler, wat: &str) -> Instance {
    let instance = Instance::new(module(wat), &[]);
    for (index, result) in instance.compile_all(compiler).into_iter().enumerate() {
        if let Err(error) = result {
            panic!("function {index} did not compile: {error}");
        }
    }
    instance
}

/// The slot of an `i32`.
pub fn i32(value: i32) -> Slot {
    value as u32 as Slot
}

/// The slot of an `i64`.
pub fn i64(value: i64) -> Slot {
    value as Slot
}

/// The slot of an `f32`.
pub fn f32(value: f32) -> Slot {
    Slot::from(value.to_bits())
}

/// The slot of an `f64`.
pub fn f64(value: f64) -> Slot {
    value.to_bits()
}

/// Installs `code` in `entry`, both entry points, as the embedder does.
fn install(entry: &FuncEntry, code: &CompiledCode) {
    entry.set_native(code.as_ptr(), code.wasm_call);
}
