//! The VM ABI: the `#[repr(C)]` records both tiers read and write.
//!
//! Compiled code reaches everything an instance owns through its [`VmCtx`], at the offsets
//! exported below; the interpreter goes through the same fields. Values cross tiers and the
//! host boundary as arrays of 64-bit slots (a `v128` takes two), the interpreter's register
//! layout.

use std::mem::offset_of;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use crate::exec::Threaded;
use crate::lower::CompiledFunc;
use crate::module::ModuleCode;
use crate::vm::gc::GcHeap;
use crate::vm::{Exception, LinearMemory, TableData, TypeInfo};

/// One 64-bit value slot. `i32`/`f32` live in the low half, and an `i32` is always kept
/// zero-extended (both tiers rely on it: `i64.extend_i32_u` is free and a branch may test the
/// whole slot); references are [`FuncEntry`] addresses or extern-reference handles, `0`
/// meaning null.
pub type Slot = u64;

/// An engine-wide id of a defined type (function, struct or array; see
/// [`TypeRegistry`](super::TypeRegistry)): equal ids mean equal types, which is what
/// `call_indirect` compares first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct SigId(pub u32);

/// A linear memory as compiled code sees it.
#[derive(Debug)]
#[repr(C)]
pub struct VmMemory {
    /// First byte of the memory; never moves for the memory's life.
    pub base: *mut u8,
    /// Current size in bytes; atomic because a shared memory may grow on another thread.
    pub len: AtomicUsize,
}

impl VmMemory {
    /// The current size in bytes.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether the memory is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A table as compiled code sees it: an array of reference slots.
#[derive(Debug)]
#[repr(C)]
pub struct VmTable {
    /// First element; moves when the table grows.
    pub base: *mut Slot,
    /// Current number of elements.
    pub len: usize,
}

/// A global's storage: two slots, so a `v128` fits.
#[derive(Debug, Default, Clone, Copy)]
#[repr(C, align(16))]
pub struct VmGlobal {
    /// The value, low slot first.
    pub slots: [Slot; 2],
}

/// Store-wide execution limits, shared by every instance of a store.
#[derive(Debug)]
#[repr(C)]
pub struct VmLimits {
    /// Remaining fuel; execution traps when a charge would take it below zero.
    pub fuel: i64,
    /// The epoch at which execution is interrupted.
    pub epoch_deadline: u64,
    /// The engine's current epoch.
    pub epoch: *const AtomicU64,
    /// The store's exception objects; an `exnref` slot is an index into it plus one.
    pub exceptions: *mut Vec<Exception>,
    /// The most bytes any one memory may grow to (the store's resource limit).
    pub max_memory_bytes: u64,
    /// The most elements any one table may grow to.
    pub max_table_elements: u64,
    /// The lowest native stack address compiled code may run at: compiled code compares its
    /// stack pointer with it on entry to every function and traps with
    /// [`TrapCode::StackOverflow`](crate::TrapCode::StackOverflow) below it. The embedder sets
    /// it, when entering wasm from the host, to its own stack pointer minus the native stack
    /// budget of wasm (leaving headroom below it for one frame and the runtime's helpers);
    /// `0` disables the check. The interpreter does not use it.
    pub stack_limit: usize,
    /// The store's GC heap; null when the engine has GC off (no GC object can exist then).
    pub gc_heap: *mut GcHeap,
    /// The `exnref` of the exception being thrown out of compiled code: meaningful only
    /// while compiled code, a call helper or a built-in passes up the exception status (see
    /// tandem-jit's ABI), which carries no payload of its own.
    pub thrown: Slot,
}

/// What a [`FuncEntry`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum FuncKind {
    /// A function defined in a wasm module, run by bytecode or native code.
    Wasm = 0,
    /// A host function; `index` names it in the store's host-function list.
    Host = 1,
}

/// One record per function of a store. Every call, from either tier or from the host, goes
/// through it; tier-up is a single atomic store of `native`.
#[derive(Debug)]
#[repr(C)]
pub struct FuncEntry {
    /// Native code compiled for this function, null until the Cranelift tier provides it,
    /// with the array-call convention (values in slots; what the interpreter and the host
    /// call).
    pub native: AtomicPtr<u8>,
    /// The same function's native code with the wasm-call convention (values in registers;
    /// what compiled code calls), null while there is none. Set before `native`.
    pub native_wasm_call: AtomicPtr<u8>,
    /// The function's bytecode, null until it is first translated (wasm functions only).
    /// Set through [`FuncEntry::set_code`].
    pub code: AtomicPtr<CompiledFunc>,
    /// The bytecode's first instruction while the call instructions may enter it on their
    /// own: translated, with a frame of at most [`SHORT_FRAME_SLOTS`] and a template short
    /// enough for them to copy, and no native code installed. Null otherwise, which sends
    /// calls down the general path. Derived from the fields above by
    /// [`FuncEntry::set_code`] and [`FuncEntry::set_native`]: one load and test stand for
    /// those checks on every call, and the load gives the jump's target, so that a call's
    /// next instruction waits on one load after the entry's.
    ///
    /// [`SHORT_FRAME_SLOTS`]: crate::exec::SHORT_FRAME_SLOTS
    pub short_call: AtomicPtr<Threaded>,
    /// The instance that owns a wasm function; null for host functions.
    pub vmctx: *mut VmCtx,
    /// The function's signature.
    pub sig: SigId,
    /// Wasm or host.
    pub kind: FuncKind,
    /// Defined-function index within the module (wasm) or the host-function index (host).
    pub index: u32,
    /// Position of this entry in the store's function list (for `Func` handles).
    pub store_index: u32,
    /// Slots taken by the parameters.
    pub param_slots: u16,
    /// Slots taken by the results.
    pub result_slots: u16,
    /// The registered type behind `sig`, whose supertype chain answers subtype checks
    /// (`call_indirect` to a supertype); owned by the engine's registry, which outlives
    /// every store and so every entry. Null when there is no registry (an interpreter
    /// embedded without one): the type then has no supertypes. Whoever builds an entry
    /// guarantees that a non-null `ty` outlives it.
    pub ty: *const TypeInfo,
    /// The function's tier-up countdowns among its instance's
    /// [`VmCtx::tier_counters`], null when the instance does not tier up: one load on every
    /// call instead of a lookup through the instance. Whoever builds an entry guarantees that
    /// a non-null pointer outlives it.
    pub tier_counters: *const TierCounters,
}

// SAFETY: the entry's pointers refer to store-owned data that outlives it; the store is only
// ever used by one thread at a time.
unsafe impl Send for FuncEntry {}
// SAFETY: as for `Send`; the fields mutated through `&self` are atomics.
unsafe impl Sync for FuncEntry {}

impl FuncEntry {
    /// The registered type behind [`FuncEntry::sig`], if the entry has one.
    pub fn type_info(&self) -> Option<&TypeInfo> {
        // SAFETY: a non-null `ty` outlives the entry (the field's contract).
        unsafe { self.ty.as_ref() }
    }

    /// Whether the function's type is the type with id `expected` or declares it as a
    /// supertype: what `call_indirect` and import matching accept.
    #[inline]
    pub fn has_type(&self, expected: SigId) -> bool {
        self.sig == expected
            || self
                .type_info()
                .is_some_and(|ty| ty.has_supertype(expected))
    }

    /// Whether the Cranelift tier has installed native code for this function: calls then
    /// run it instead of the bytecode.
    #[inline(always)]
    pub fn has_native_code(&self) -> bool {
        !self
            .native
            .load(std::sync::atomic::Ordering::Acquire)
            .is_null()
    }

    /// The counters that [`FuncEntry::tier_counters`] of defined function `index` points
    /// at: null unless the instance tiers up.
    pub fn tier_counters_of(vmctx: &VmCtx, index: u32) -> *const TierCounters {
        vmctx
            .tier_counters
            .get(index as usize)
            .map_or(std::ptr::null(), |counters| counters as *const TierCounters)
    }

    /// The function's tier-up countdowns, if its instance tiers up.
    #[inline(always)]
    pub fn tier_counters(&self) -> Option<&TierCounters> {
        // SAFETY: a non-null pointer outlives the entry (the field's contract).
        unsafe { self.tier_counters.as_ref() }
    }

    /// Publishes the function's translation.
    pub fn set_code(&self, code: *const CompiledFunc) {
        self.code.store(code.cast_mut(), Ordering::Release);
        self.update_short_call();
    }

    /// Installs native code, `array_call` with the array-call convention and `wasm_call`
    /// with the wasm-call one (the latter first, so that code finding the former set finds
    /// both); nulls set the function's native code aside, and calls run its bytecode.
    pub fn set_native(&self, array_call: *mut u8, wasm_call: *mut u8) {
        self.native_wasm_call.store(wasm_call, Ordering::Release);
        self.native.store(array_call, Ordering::Release);
        self.update_short_call();
    }

    fn update_short_call(&self) {
        let code = self.code.load(Ordering::Acquire);
        // SAFETY: a non-null `code` is the entry's translation, owned by its module.
        let short_call = match unsafe { code.as_ref() } {
            Some(code)
                if code.frame_init.len() <= crate::exec::INLINE_TEMPLATE_QUADS
                    && code.frame_slots as usize <= crate::exec::SHORT_FRAME_SLOTS
                    && !self.has_native_code() =>
            {
                code.code.as_ptr().cast_mut()
            }
            _ => std::ptr::null_mut(),
        };
        self.short_call.store(short_call, Ordering::Release);
    }

    /// The entry's address as a funcref slot value.
    pub fn as_ref_slot(&self) -> Slot {
        self as *const FuncEntry as usize as Slot
    }
}

/// Per-instance context. The `#[repr(C)]` head is what compiled code reads at the `VMCTX_*`
/// offsets; the rest owns the arrays the head points into.
#[derive(Debug)]
#[repr(C)]
pub struct VmCtx {
    /// Memory definitions, imported ones first.
    pub memories: *const *mut VmMemory,
    /// Memory 0's definition, null without memories: the memory most code accesses, one
    /// load away.
    pub memory0: *mut VmMemory,
    /// Memory 0's base address (which never moves), dangling without memories.
    pub memory0_base: *mut u8,
    /// Global cells, imported ones first.
    pub globals: *const *mut VmGlobal,
    /// Table definitions, imported ones first.
    pub tables: *const *mut VmTable,
    /// Function entries in module index order, imported ones first.
    pub funcs: *const *const FuncEntry,
    /// Engine-wide signature id of each module type index.
    pub sig_ids: *const SigId,
    /// The store's limits (fuel, epoch).
    pub limits: *mut VmLimits,
    /// A pending entry into compiled code at a loop header: the value slots holding the
    /// running call's locals, or null. The embedder sets it, with [`VmCtx::osr_loop`], right
    /// before it calls, through its array-call entry, a function of this instance whose code
    /// has loop entries; that code takes it and clears it before anything else (see
    /// tandem-jit's ABI, "Loop entries").
    pub osr_values: AtomicPtr<Slot>,
    /// The loop entry the pending request is for, by its position in the code's list.
    pub osr_loop: AtomicU32,

    /// The module this instance runs.
    pub module: Arc<ModuleCode>,
    memory_owners: Box<[*const LinearMemory]>,
    table_owners: Box<[*mut TableData]>,
    memory_ptrs: VmArray<*mut VmMemory>,
    global_ptrs: VmArray<*mut VmGlobal>,
    table_ptrs: VmArray<*mut VmTable>,
    func_ptrs: VmArray<*const FuncEntry>,
    sig_id_list: VmArray<SigId>,
    /// Store-wide identity of each tag, imported ones first.
    pub tag_ids: Box<[u32]>,
    /// The engine's registered type behind each module type index (what allocations and
    /// casts name), owned by the engine's registry.
    pub type_infos: Box<[*const TypeInfo]>,
    /// Element segments as resolved references; a dropped segment is empty.
    pub elems: Vec<Box<[Slot]>>,
    /// Data segments; `true` once dropped.
    pub data_dropped: Vec<bool>,
    /// A value the embedder associates with the instance (tandem stores its instance index).
    pub embedder_data: usize,
    /// Tier-up counters of the defined functions, empty unless the embedder tiers up (see
    /// [`VmCtx::enable_tier_up`]). Function entries point into it.
    pub tier_counters: Box<[TierCounters]>,
}

/// How soon a function asks its embedder to compile it: countdowns the interpreter
/// decrements, asking (`Host::tier_up`, `Host::osr`) when one reaches zero; zero means never.
#[derive(Debug, Default)]
pub struct TierCounters {
    /// Calls left before the function asks to be compiled.
    pub calls: AtomicU32,
    /// Back edges of the function's outermost loops (in any call) left before a running
    /// call asks to continue in compiled code at such a loop's header (on-stack replacement).
    pub back_edges: AtomicU32,
    /// The same for loops nested in other loops, which start from
    /// [`NESTED_BACK_EDGE_FACTOR`] times as many: entered at an inner loop, compiled code
    /// no longer has the loop nest's structure (the inner header becomes the entry of every
    /// enclosing loop), so an outermost header, usually reached soon, is preferred.
    pub nested_back_edges: AtomicU32,
}

/// How many times more back edges of nested loops than of outermost ones a call takes
/// before it moves into compiled code at a nested loop (see
/// [`TierCounters::nested_back_edges`]).
pub const NESTED_BACK_EDGE_FACTOR: u32 = 64;

/// An array that the `VmCtx` head points into. It is owned through a raw pointer, not a
/// `Box`, so moving the context never invalidates the head's pointers (a `Box` would claim
/// unique access to its contents whenever it moves).
#[derive(Debug)]
pub struct VmArray<T: Copy> {
    ptr: *mut T,
    len: usize,
}

impl<T: Copy> VmArray<T> {
    fn as_ptr(&self) -> *const T {
        self.ptr
    }

    fn get(&self, index: usize) -> T {
        assert!(
            index < self.len,
            "index {index} out of {} elements",
            self.len
        );
        // SAFETY: `ptr` owns `len` initialized elements and `index` is in bounds.
        unsafe { *self.ptr.add(index) }
    }

    fn set(&mut self, index: usize, value: T) {
        assert!(
            index < self.len,
            "index {index} out of {} elements",
            self.len
        );
        // SAFETY: as in `get`; `&mut self` excludes other writers through the array.
        unsafe { *self.ptr.add(index) = value }
    }
}

impl<T: Copy> From<Vec<T>> for VmArray<T> {
    fn from(values: Vec<T>) -> Self {
        let len = values.len();
        let ptr = Box::into_raw(values.into_boxed_slice()).cast::<T>();
        VmArray { ptr, len }
    }
}

impl<T: Copy> FromIterator<T> for VmArray<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        VmArray::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Copy> Drop for VmArray<T> {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `len` came from `Box::into_raw` of a boxed slice in `from`.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.ptr, self.len)) });
    }
}

/// An instance context owned through a raw pointer, so that the function entries' and the
/// executor's pointers to it stay valid however the owner moves.
#[derive(Debug)]
pub struct OwnedVmCtx(std::ptr::NonNull<VmCtx>);

// SAFETY: the context is only reached by the store that owns it, one thread at a time.
unsafe impl Send for OwnedVmCtx {}
// SAFETY: as for `Send`.
unsafe impl Sync for OwnedVmCtx {}

impl OwnedVmCtx {
    /// Takes ownership of a context.
    pub fn new(ctx: Box<VmCtx>) -> Self {
        OwnedVmCtx(std::ptr::NonNull::from(Box::leak(ctx)))
    }

    /// The context's address, for function entries.
    pub fn as_ptr(&self) -> *mut VmCtx {
        self.0.as_ptr()
    }

    /// The context.
    pub fn get(&self) -> &VmCtx {
        // SAFETY: the pointer came from a live `Box` and is freed only on drop.
        unsafe { self.0.as_ref() }
    }

    /// The context, mutably.
    pub fn get_mut(&mut self) -> &mut VmCtx {
        // SAFETY: as in `get`; `&mut self` makes this the only borrow made through the owner.
        unsafe { self.0.as_mut() }
    }
}

impl Drop for OwnedVmCtx {
    fn drop(&mut self) {
        // SAFETY: made by `Box::leak` in `new`, freed only here.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

/// Offset of [`VmCtx::memories`].
pub const VMCTX_MEMORIES: usize = offset_of!(VmCtx, memories);
/// Offset of [`VmCtx::memory0`].
pub const VMCTX_MEMORY0: usize = offset_of!(VmCtx, memory0);
/// Offset of [`VmCtx::memory0_base`].
pub const VMCTX_MEMORY0_BASE: usize = offset_of!(VmCtx, memory0_base);
/// Offset of [`VmCtx::globals`].
pub const VMCTX_GLOBALS: usize = offset_of!(VmCtx, globals);
/// Offset of [`VmCtx::tables`].
pub const VMCTX_TABLES: usize = offset_of!(VmCtx, tables);
/// Offset of [`VmCtx::funcs`].
pub const VMCTX_FUNCS: usize = offset_of!(VmCtx, funcs);
/// Offset of [`VmCtx::sig_ids`].
pub const VMCTX_SIG_IDS: usize = offset_of!(VmCtx, sig_ids);
/// Offset of [`VmCtx::limits`].
pub const VMCTX_LIMITS: usize = offset_of!(VmCtx, limits);
/// Offset of [`VmCtx::osr_values`].
pub const VMCTX_OSR_VALUES: usize = offset_of!(VmCtx, osr_values);
/// Offset of [`VmCtx::osr_loop`].
pub const VMCTX_OSR_LOOP: usize = offset_of!(VmCtx, osr_loop);

/// The parts an instance is made of, in module index order (imports first).
#[derive(Debug, Default)]
pub struct VmCtxParts {
    /// Memories (owned by the store, or shared).
    pub memories: Vec<*const LinearMemory>,
    /// Global cells.
    pub globals: Vec<*mut VmGlobal>,
    /// Tables (owned by the store).
    pub tables: Vec<*mut TableData>,
    /// Function entries; defined functions may be filled in after the context is boxed.
    pub funcs: Vec<*const FuncEntry>,
    /// Signature ids per module type.
    pub sig_ids: Vec<SigId>,
    /// Store-wide tag identities.
    pub tags: Vec<u32>,
    /// The engine's registered type behind each module type index.
    pub type_infos: Vec<*const TypeInfo>,
}

impl VmCtx {
    /// Builds a context whose head points into the owned arrays.
    ///
    /// # Safety
    ///
    /// Every pointer in `parts` and `limits` must stay valid for the life of the context.
    pub unsafe fn new(
        module: Arc<ModuleCode>,
        parts: VmCtxParts,
        limits: *mut VmLimits,
    ) -> Box<VmCtx> {
        // SAFETY: the caller guarantees the owners are valid; their definitions are boxed
        // inside them, so the derived pointers live as long as the owners.
        let memory_ptrs: VmArray<*mut VmMemory> = parts
            .memories
            .iter()
            .map(|&m| unsafe { (*m).vm_definition() })
            .collect();
        // SAFETY: as above.
        let table_ptrs: VmArray<*mut VmTable> = parts
            .tables
            .iter()
            .map(|&t| unsafe { (*t).vm_definition() })
            .collect();
        let memory_owners = parts.memories.into_boxed_slice();
        let table_owners = parts.tables.into_boxed_slice();
        let global_ptrs = VmArray::from(parts.globals);
        let func_ptrs = VmArray::from(parts.funcs);
        let sig_id_list = VmArray::from(parts.sig_ids);
        let data_dropped = vec![false; module.info.datas.len()];
        let memory0 = if memory_ptrs.len == 0 {
            std::ptr::null_mut()
        } else {
            memory_ptrs.get(0)
        };
        let memory0_base = if memory0.is_null() {
            std::ptr::NonNull::dangling().as_ptr()
        } else {
            // SAFETY: the definition is valid while its owner is (the caller's contract).
            unsafe { (*memory0).base }
        };
        Box::new(VmCtx {
            memories: memory_ptrs.as_ptr(),
            memory0,
            memory0_base,
            globals: global_ptrs.as_ptr(),
            tables: table_ptrs.as_ptr(),
            funcs: func_ptrs.as_ptr(),
            sig_ids: sig_id_list.as_ptr(),
            limits,
            osr_values: AtomicPtr::new(std::ptr::null_mut()),
            osr_loop: AtomicU32::new(0),
            module,
            memory_owners,
            table_owners,
            memory_ptrs,
            global_ptrs,
            table_ptrs,
            func_ptrs,
            sig_id_list,
            tag_ids: parts.tags.into_boxed_slice(),
            type_infos: parts.type_infos.into_boxed_slice(),
            elems: Vec::new(),
            data_dropped,
            embedder_data: 0,
            tier_counters: Box::new([]),
        })
    }

    /// Leaves a request for the next call, through its array-call entry, of a function of
    /// this instance whose compiled code has loop entries: start at its loop entry
    /// `position`, with the running call's locals in `values` (see [`VmCtx::osr_values`]).
    pub fn request_loop_entry(&self, position: u32, values: *mut Slot) {
        self.osr_loop.store(position, Ordering::Relaxed);
        self.osr_values.store(values, Ordering::Relaxed);
    }

    /// Withdraws a request left by [`VmCtx::request_loop_entry`] that no code took.
    pub fn clear_loop_entry_request(&self) {
        self.osr_values
            .store(std::ptr::null_mut(), Ordering::Relaxed);
    }

    /// Makes the interpreter count calls and loop back edges of this instance's defined
    /// functions and ask the embedder to compile a function after `calls` calls, or to enter
    /// compiled code at a loop header after `back_edges` back edges of its outermost loops
    /// or [`NESTED_BACK_EDGE_FACTOR`] times as many of nested loops (0: never). Called
    /// before the instance's function entries are built, which point at the counters.
    pub fn enable_tier_up(&mut self, calls: u32, back_edges: u32) {
        let defined = self.module.info.bodies.len();
        self.tier_counters = (0..defined)
            .map(|_| TierCounters {
                calls: AtomicU32::new(calls),
                back_edges: AtomicU32::new(back_edges),
                nested_back_edges: AtomicU32::new(
                    back_edges.saturating_mul(NESTED_BACK_EDGE_FACTOR),
                ),
            })
            .collect();
    }

    /// The bytes of data segment `seg` (`memory.init`, `array.new_data`,
    /// `array.init_data`): empty once dropped.
    pub fn data_segment(&self, seg: u32) -> &[u8] {
        if self.data_dropped[seg as usize] {
            &[]
        } else {
            self.module.info.data_bytes(seg)
        }
    }

    /// The references of element segment `seg` (`table.init`, `array.new_elem`,
    /// `array.init_elem`): empty once dropped, and for declared and active segments.
    pub fn elem_segment(&self, seg: u32) -> &[Slot] {
        self.elems.get(seg as usize).map_or(&[], |e| &e[..])
    }

    /// Sets function `index` (used to fill defined functions once their entries exist).
    pub fn set_func(&mut self, index: usize, entry: *const FuncEntry) {
        self.func_ptrs.set(index, entry);
    }

    /// Function entry `index`.
    pub fn func(&self, index: u32) -> *const FuncEntry {
        self.func_ptrs.get(index as usize)
    }

    /// Number of memories, imported ones included.
    pub fn memory_count(&self) -> usize {
        self.memory_ptrs.len
    }

    /// Whether memory `index` has 64-bit addresses.
    pub fn memory_is_64(&self, index: u32) -> bool {
        self.module.info.memory_types[index as usize].memory64
    }

    /// Whether table `index` has 64-bit indices.
    pub fn table_is_64(&self, index: u32) -> bool {
        self.module.info.table_types[index as usize].table64
    }

    /// Memory definition `index`.
    pub fn memory(&self, index: u32) -> *mut VmMemory {
        self.memory_ptrs.get(index as usize)
    }

    /// Global cell `index`.
    pub fn global(&self, index: u32) -> *mut VmGlobal {
        self.global_ptrs.get(index as usize)
    }

    /// The memory behind definition `index` (for growth).
    pub fn memory_owner(&self, index: u32) -> *const LinearMemory {
        self.memory_owners[index as usize]
    }

    /// The table behind definition `index` (for growth and bulk operations).
    pub fn table_owner(&self, index: u32) -> *mut TableData {
        self.table_owners[index as usize]
    }

    /// Table definition `index`.
    pub fn table(&self, index: u32) -> *mut VmTable {
        self.table_ptrs.get(index as usize)
    }

    /// Signature id of module type `index`.
    pub fn sig_id(&self, index: u32) -> SigId {
        self.sig_id_list.get(index as usize)
    }
}
