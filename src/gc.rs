//! The store's side of garbage collection: its heap, the roots only the store knows of, and
//! the table of objects the host holds handles to.
//!
//! The interpreter publishes its register files to the heap itself (see
//! `tandem_interp::vm::gc`); the store adds globals, tables of the `any` and `extern`
//! hierarchies, element segments, exception payloads and the host's handles. Compiled code
//! never holds GC references: the Cranelift tier leaves modules that could to the
//! interpreter.
//!
//! Host handles ([`AnyRef`](crate::AnyRef) and [`ExternRef`](crate::ExternRef) to objects)
//! are entries of a root table. Those made while a host function runs are released when it
//! returns (wasm gets the values it returned, and keeps them alive itself); the others live
//! as long as the store. A handle checks that its entry still holds it, so a handle used after
//! its release is an error, never a dangling object.

use std::sync::Mutex;

use tandem_interp::vm::gc::{FieldAccess, GcHeader, GcHeap, Init, object_len, object_member};
use tandem_interp::vm::types::CanonField;
use tandem_interp::vm::{Slot, TypeInfo};

use crate::error::{Error, Result};
use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut, StoreOpaque};
use crate::types::HeapType;

/// Objects the host holds handles to.
#[derive(Debug, Default)]
pub(crate) struct HostRoots {
    /// Each entry's object, and the id the handles to it carry.
    entries: Vec<(Slot, u32)>,
    /// The id of the next entry (wrapping; an entry is only ever compared with its own).
    next_id: u32,
}

/// A handle's entry in the root table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Rooted {
    index: u32,
    id: u32,
}

/// The root table, shared with handles created through `&StoreOpaque`.
pub(crate) type RootTable = Mutex<HostRoots>;

impl StoreOpaque {
    fn roots(&self) -> std::sync::MutexGuard<'_, HostRoots> {
        // Every update is a push or a truncation: the table stays consistent after a panic.
        self.gc_roots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Roots the object in `slot` for a host handle.
    pub(crate) fn root(&self, slot: Slot) -> Rooted {
        let mut roots = self.roots();
        let id = roots.next_id;
        roots.next_id = roots.next_id.wrapping_add(1);
        let index = roots.entries.len() as u32;
        roots.entries.push((slot, id));
        Rooted { index, id }
    }

    /// The object a handle roots, or `None` once its entry was released.
    pub(crate) fn rooted(&self, handle: Rooted) -> Option<Slot> {
        match self.roots().entries.get(handle.index as usize) {
            Some(&(slot, id)) if id == handle.id => Some(slot),
            _ => None,
        }
    }

    /// The current extent of the root table, for [`StoreOpaque::release_roots`].
    pub(crate) fn root_mark(&self) -> usize {
        self.roots().entries.len()
    }

    /// Releases the handles made since `mark`.
    pub(crate) fn release_roots(&self, mark: usize) {
        self.roots().entries.truncate(mark);
    }

    /// As [`StoreOpaque::root_mark`], without locking the table: exclusive access needs no
    /// lock, and a host call takes a mark before and releases after each call.
    pub(crate) fn root_mark_mut(&mut self) -> usize {
        self.roots_mut().entries.len()
    }

    /// As [`StoreOpaque::release_roots`], without locking the table.
    pub(crate) fn release_roots_mut(&mut self, mark: usize) {
        self.roots_mut().entries.truncate(mark);
    }

    fn roots_mut(&mut self) -> &mut HostRoots {
        self.gc_roots.get_mut().unwrap_or_else(|e| e.into_inner())
    }

    /// The type of the object a handle roots.
    pub(crate) fn object_type(&self, handle: Rooted) -> Option<&TypeInfo> {
        let slot = self.rooted(handle)?;
        // SAFETY: a rooted slot holds a live object (only objects are rooted, and roots keep
        // them alive); its type info is owned by the engine's registry, which the store keeps
        // alive through its engine.
        Some(unsafe { &*(*(slot as usize as *const GcHeader)).info })
    }

    /// How many members (struct fields, array elements) the object `handle` roots has, or
    /// `None` if the handle was released.
    pub(crate) fn object_len(&self, handle: Rooted) -> Option<u64> {
        let slot = self.rooted(handle)?;
        // SAFETY: a rooted slot holds a live object.
        Some(unsafe { object_len(slot) })
    }

    /// Reads member `index` of the object `handle` roots: its slots (packed fields
    /// zero-extended) and its type. `Err(None)` if the handle was released, `Err(Some(len))`
    /// if the object has only `len` members.
    pub(crate) fn read_member(
        &self,
        handle: Rooted,
        index: u64,
    ) -> Result<([Slot; 2], CanonField), Option<u64>> {
        let slot = self.rooted(handle).ok_or(None)?;
        // SAFETY: a rooted slot holds a live object; the member is read before anything
        // could collect it.
        unsafe {
            let (at, kind, field) =
                object_member(slot, index).ok_or_else(|| Some(object_len(slot)))?;
            let mut value = [0; 2];
            FieldAccess::new(kind, false).read(at, value.as_mut_ptr());
            Ok((value, field))
        }
    }

    /// Writes member `index` of the object `handle` roots with the slots `value` makes of
    /// its type (truncating packed fields), or returns `value`'s error; errors as
    /// [`StoreOpaque::read_member`] otherwise.
    pub(crate) fn write_member<E>(
        &self,
        handle: Rooted,
        index: u64,
        value: impl FnOnce(CanonField) -> Result<[Slot; 2], E>,
    ) -> Result<Result<(), E>, Option<u64>> {
        let slot = self.rooted(handle).ok_or(None)?;
        // SAFETY: as for `read_member`; making the slots allocates nothing.
        unsafe {
            let (at, kind, field) =
                object_member(slot, index).ok_or_else(|| Some(object_len(slot)))?;
            Ok(value(field).map(|value| FieldAccess::new(kind, false).write(at, value.as_ptr())))
        }
    }

    /// Allocates an object of type `info` with `len` elements (0 for a struct) holding
    /// `init`, collecting first if the heap asks to, as wasm allocation does; returns its
    /// slot, not yet rooted. The references in `init` must be rooted (host handles are).
    pub(crate) fn alloc_object(
        &mut self,
        info: &TypeInfo,
        len: u32,
        init: Init<'_>,
    ) -> Result<Slot> {
        let too_large = || Error::msg("the GC object does not fit the store's heap limit");
        let size = GcHeap::object_size(info, len).ok_or_else(too_large)?;
        self.ensure_gc_heap();
        if self
            .gc_heap
            .as_ref()
            .is_some_and(|heap| heap.wants_collection(size))
        {
            self.collect_garbage();
        }
        let heap = self.gc_heap.as_deref_mut().expect("made above");
        let object = heap.alloc_init(info, len, init).map_err(|_| too_large())?;
        Ok(object.as_ptr() as usize as Slot)
    }

    /// Makes the GC heap if the store has none yet.
    pub(crate) fn ensure_gc_heap(&mut self) {
        if self.gc_heap.is_none() {
            let mut heap = Box::new(GcHeap::new());
            heap.set_stress(self.gc_stress);
            heap.set_max_bytes(
                usize::try_from(self.resource_limits.gc_heap_size).unwrap_or(usize::MAX),
            );
            self.limits.gc_heap = &mut *heap;
            self.gc_heap = Some(heap);
        }
    }

    /// Collects garbage now, with every root the store knows of.
    pub(crate) fn collect_garbage(&mut self) {
        let Some(heap) = self.gc_heap.as_deref_mut() else {
            return;
        };
        let heap: *mut GcHeap = heap;
        let roots = self.roots().entries.clone();
        // SAFETY: the heap is boxed in this store; the roots below read the store's other
        // fields only.
        unsafe { &mut *heap }.collect(|marker| {
            for global in &self.globals {
                marker.slots(&global.cell.slots);
            }
            for table in &self.tables {
                let top = table.ty.element().heap_type().top();
                if top == HeapType::Any || top == HeapType::Extern {
                    marker.slots(table.table.elements());
                }
            }
            for instance in &self.instances {
                for segment in &instance.vmctx.get().elems {
                    marker.slots(segment);
                }
            }
            for exception in self.exceptions.iter() {
                marker.slots(&exception.payload);
            }
            for (slot, _) in roots {
                marker.slot(slot);
            }
        });
    }
}

/// A scope for GC handles: every [`AnyRef`](crate::AnyRef) or
/// [`ExternRef`](crate::ExternRef) to a GC object made through it is released when it
/// ends, so the objects it alone kept alive can be collected. Without one, handles made
/// outside host calls live as long as the store. Using a released handle is an error.
///
/// ```
/// use tandem::{Engine, Instance, Module, RootScope, Store, Val};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (type $pair (struct (field i32) (field i32)))
///     (func (export "make") (result anyref) (struct.new $pair (i32.const 1) (i32.const 2))))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Instance::new(&mut store, &module, &[])?;
/// let make = instance.get_func(&mut store, "make").unwrap();
/// for _ in 0..3 {
///     let mut scope = RootScope::new(&mut store);
///     let mut out = [Val::I32(0)];
///     make.call(&mut scope, &[], &mut out)?;
///     let Val::AnyRef(Some(pair)) = out[0] else { unreachable!() };
///     assert!(pair.is_struct(&scope)?);
/// }
/// store.gc();
/// assert_eq!(store.gc_heap_stats().objects, 0);
/// # Ok::<(), tandem::Error>(())
/// ```
pub struct RootScope<C: AsContextMut> {
    context: C,
    mark: usize,
}

impl<C: AsContextMut> RootScope<C> {
    /// Opens a scope over `context` (a store, a store context or a caller).
    pub fn new(mut context: C) -> Self {
        let mark = context.as_context_mut().0.opaque.root_mark();
        RootScope { context, mark }
    }
}

impl<C: AsContextMut> Drop for RootScope<C> {
    fn drop(&mut self) {
        self.context
            .as_context_mut()
            .0
            .opaque
            .release_roots(self.mark);
    }
}

impl<C: AsContextMut> AsContext for RootScope<C> {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        self.context.as_context()
    }
}

impl<C: AsContextMut> AsContextMut for RootScope<C> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        self.context.as_context_mut()
    }
}
