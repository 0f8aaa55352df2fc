//! Memories, tables and globals, and `Extern`, anything an instance imports or exports.

use std::sync::Arc;

use tandem_interp::vm::{LinearMemory, TableData, VmGlobal};

use crate::error::{Error, MemoryAccessError, Result};
use crate::func::Func;
use crate::shared_memory::SharedMemory;
use crate::store::{
    AsContext, AsContextMut, GlobalEntry, MemoryEntry, StoreContext, StoreContextMut, TableEntry,
};
use crate::tag::Tag;
use crate::types::{ExternType, GlobalType, MemoryType, Mutability, TableType};
use crate::values::{Ref, Val};

/// Something an instance can import or export.
#[derive(Debug, Clone)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
    /// A memory shared between threads.
    SharedMemory(SharedMemory),
    /// An exception tag.
    Tag(Tag),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }

    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The shared memory, if this is one.
    pub fn into_shared_memory(self) -> Option<SharedMemory> {
        match self {
            Extern::SharedMemory(m) => Some(m),
            _ => None,
        }
    }

    /// Its type.
    pub fn ty(&self, store: impl AsContext) -> ExternType {
        match self {
            Extern::Func(f) => ExternType::Func(f.ty(store)),
            Extern::Global(g) => ExternType::Global(g.ty(store)),
            Extern::Table(t) => ExternType::Table(t.ty(store)),
            Extern::Memory(m) => ExternType::Memory(m.ty(store)),
            Extern::SharedMemory(m) => ExternType::Memory(m.ty()),
            Extern::Tag(t) => ExternType::Tag(t.ty(store)),
        }
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Self {
        Extern::Func(f)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Self {
        Extern::Global(g)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Self {
        Extern::Table(t)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Self {
        Extern::Memory(m)
    }
}
impl From<Tag> for Extern {
    fn from(t: Tag) -> Self {
        Extern::Tag(t)
    }
}
impl From<SharedMemory> for Extern {
    fn from(m: SharedMemory) -> Self {
        Extern::SharedMemory(m)
    }
}

/// A linear memory.
///
/// ```
/// use tandem::{Engine, Memory, MemoryType, Store};
/// let mut store = Store::new(&Engine::default(), ());
/// let memory = Memory::new(&mut store, MemoryType::new(1, Some(2)))?;
/// memory.write(&mut store, 8, b"hi")?;
/// assert_eq!(&memory.data(&store)[8..10], b"hi");
/// assert_eq!(memory.grow(&mut store, 1)?, 1);
/// assert!(memory.grow(&mut store, 1).is_err());
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Memory {
    /// A new memory owned by the store.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        let store = &mut store.as_context_mut().0.opaque;
        if ty.is_shared() {
            return Err(Error::msg(
                "shared memories belong to no store: create them with SharedMemory::new",
            ));
        }
        store.check_creation(0, 1, ty.minimum().saturating_mul(ty.page_size()), 0, 0)?;
        let memory = LinearMemory::with_reservation(
            ty.minimum(),
            ty.maximum(),
            false,
            ty.page_size(),
            store.engine.memory_reservation(),
        )
        .map_err(|e| Error::msg(e.to_string()))?;
        let index = store.memories.len() as u32;
        store.memories.push(MemoryEntry {
            memory: Arc::new(memory),
            ty,
        });
        Ok(Memory {
            store_id: store.id,
            index,
        })
    }

    fn entry<'a>(&self, store: &'a crate::store::StoreOpaque) -> &'a MemoryEntry {
        store.check_owner(self.store_id);
        &store.memories[self.index as usize]
    }

    fn entry_mut<'a>(&self, store: &'a mut crate::store::StoreOpaque) -> &'a mut MemoryEntry {
        store.check_owner(self.store_id);
        &mut store.memories[self.index as usize]
    }

    /// Its type, with the current size as the minimum.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let entry = self.entry(&store.as_context().0.opaque);
        entry.ty.with_minimum(entry.memory.pages())
    }

    /// Current size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entry(&store.as_context().0.opaque).memory.pages()
    }

    /// Current size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.entry(&store.as_context().0.opaque).memory.len()
    }

    /// Grows by `delta` pages, returning the old size; fails past the maximum.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let store = &mut store.as_context_mut().0.opaque;
        let limit = store.resource_limits.memory_size;
        let memory = &self.entry_mut(store).memory;
        let new_bytes = memory
            .pages()
            .checked_add(delta)
            .and_then(|p| p.checked_mul(memory.page_size()));
        if new_bytes.is_none_or(|bytes| bytes > limit) {
            return Err(Error::msg("failed to grow memory: resource limit exceeded"));
        }
        memory
            .grow(delta)
            .map_err(|e| Error::msg(format!("failed to grow memory: {e}")))
    }

    /// The memory's bytes.
    pub fn data<'a, T: 'a>(&self, store: impl Into<StoreContext<'a, T>>) -> &'a [u8] {
        let store: StoreContext<'a, T> = store.into();
        self.entry(&store.0.opaque).memory.data()
    }

    /// The memory's bytes, mutably.
    pub fn data_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> &'a mut [u8] {
        let store: StoreContextMut<'a, T> = store.into();
        owned_mut(&mut self.entry_mut(&mut store.0.opaque).memory).data_mut()
    }

    /// The memory's bytes and the host data, both mutably.
    pub fn data_and_store_mut<'a, T: 'a>(
        &self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> (&'a mut [u8], &'a mut T) {
        let store: StoreContextMut<'a, T> = store.into();
        let inner = store.0;
        let data = owned_mut(&mut self.entry_mut(&mut inner.opaque).memory).data_mut();
        (data, &mut inner.data)
    }

    /// Copies bytes out of the memory; fails if the range is out of bounds.
    pub fn read(
        &self,
        store: impl AsContext,
        offset: usize,
        buf: &mut [u8],
    ) -> Result<(), MemoryAccessError> {
        let data = self.entry(&store.as_context().0.opaque).memory.data();
        let src = offset
            .checked_add(buf.len())
            .and_then(|end| data.get(offset..end))
            .ok_or(MemoryAccessError { _private: () })?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copies bytes into the memory; fails if the range is out of bounds.
    pub fn write(
        &self,
        mut store: impl AsContextMut,
        offset: usize,
        buf: &[u8],
    ) -> Result<(), MemoryAccessError> {
        let data =
            owned_mut(&mut self.entry_mut(&mut store.as_context_mut().0.opaque).memory).data_mut();
        let dst = offset
            .checked_add(buf.len())
            .and_then(|end| data.get_mut(offset..end))
            .ok_or(MemoryAccessError { _private: () })?;
        dst.copy_from_slice(buf);
        Ok(())
    }
}

/// The memory behind a [`Memory`] handle, which is never a shared memory (those are
/// [`SharedMemory`] handles), so the store holds the only reference.
fn owned_mut(memory: &mut Arc<LinearMemory>) -> &mut LinearMemory {
    Arc::get_mut(memory).expect("a non-shared memory belongs to one store")
}

/// A table of references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Table {
    /// A new table with every element set to `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Ref) -> Result<Table> {
        let store = &mut store.as_context_mut().0.opaque;
        if !init.matches(ty.element(), store) {
            return Err(Error::msg(format!(
                "initial value does not match the element type {}",
                ty.element()
            )));
        }
        store.check_creation(0, 0, 0, 1, ty.minimum())?;
        let init = init.to_slot(store);
        let table = TableData::new(ty.minimum(), ty.maximum(), init)
            .map_err(|e| Error::msg(e.to_string()))?;
        let index = store.tables.len() as u32;
        store.tables.push(TableEntry {
            table: Box::new(table),
            ty,
        });
        Ok(Table {
            store_id: store.id,
            index,
        })
    }

    pub(crate) fn entry<'a>(&self, store: &'a crate::store::StoreOpaque) -> &'a TableEntry {
        store.check_owner(self.store_id);
        &store.tables[self.index as usize]
    }

    fn entry_mut<'a>(&self, store: &'a mut crate::store::StoreOpaque) -> &'a mut TableEntry {
        store.check_owner(self.store_id);
        &mut store.tables[self.index as usize]
    }

    /// Its type, with the current size as the minimum.
    pub fn ty(&self, store: impl AsContext) -> TableType {
        let entry = self.entry(&store.as_context().0.opaque);
        let ty = entry.ty;
        TableType::new(
            *ty.element(),
            entry.table.len() as u32,
            ty.maximum().map(|m| m as u32),
        )
    }

    /// Current number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entry(&store.as_context().0.opaque).table.len()
    }

    /// Element `index`, or `None` out of bounds.
    pub fn get(&self, mut store: impl AsContextMut, index: u64) -> Option<Ref> {
        let store = &store.as_context_mut().0.opaque;
        let entry = self.entry(store);
        let slot = entry.table.get(index)?;
        Some(Ref::from_slot(slot, entry.ty.element(), store))
    }

    /// Sets element `index`; fails out of bounds or on a type mismatch.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, value: Ref) -> Result<()> {
        let store = &mut store.as_context_mut().0.opaque;
        let ty = self.entry(store).ty;
        if !value.matches(ty.element(), store) {
            return Err(Error::msg(format!(
                "value does not match the element type {}",
                ty.element()
            )));
        }
        let slot = value.to_slot(store);
        if self.entry_mut(store).table.set(index, slot) {
            Ok(())
        } else {
            Err(Error::msg("table index out of bounds"))
        }
    }

    /// Grows by `delta` elements set to `init`, returning the old size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Ref) -> Result<u64> {
        let store = &mut store.as_context_mut().0.opaque;
        let ty = self.entry(store).ty;
        if !init.matches(ty.element(), store) {
            return Err(Error::msg(format!(
                "value does not match the element type {}",
                ty.element()
            )));
        }
        let slot = init.to_slot(store);
        let limit = store.resource_limits.table_elements;
        let table = &mut self.entry_mut(store).table;
        if table.len().checked_add(delta).is_none_or(|n| n > limit) {
            return Err(Error::msg("failed to grow table: resource limit exceeded"));
        }
        table
            .grow(delta, slot)
            .map_err(|e| Error::msg(format!("failed to grow table: {e}")))
    }
}

/// A global variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

impl Global {
    /// A new global holding `value`.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, value: Val) -> Result<Global> {
        let store = &mut store.as_context_mut().0.opaque;
        if !value.matches(ty.content(), store) {
            return Err(Error::msg(format!(
                "value of type {} does not match the global's type {}",
                value.ty(),
                ty.content()
            )));
        }
        let mut cell = VmGlobal::default();
        value.write_slots(store, &mut cell.slots);
        Ok(store.push_global(GlobalEntry {
            cell: Box::new(cell),
            ty,
        }))
    }

    pub(crate) fn entry<'a>(&self, store: &'a crate::store::StoreOpaque) -> &'a GlobalEntry {
        store.check_owner(self.store_id);
        &store.globals[self.index as usize]
    }

    /// Its type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        self.entry(&store.as_context().0.opaque).ty
    }

    /// Its value.
    pub fn get(&self, mut store: impl AsContextMut) -> Val {
        let store = &store.as_context_mut().0.opaque;
        let entry = self.entry(store);
        Val::read_slots(entry.ty.content(), store, &entry.cell.slots)
    }

    /// Sets its value; fails if the global is immutable or the value has another type.
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<()> {
        let store = &mut store.as_context_mut().0.opaque;
        let ty = self.entry(store).ty;
        if ty.mutability() != Mutability::Var {
            return Err(Error::msg("cannot set an immutable global"));
        }
        if !value.matches(ty.content(), store) {
            return Err(Error::msg(format!(
                "value of type {} does not match the global's type {}",
                value.ty(),
                ty.content()
            )));
        }
        let mut slots = [0; 2];
        value.write_slots(store, &mut slots);
        store.check_owner(self.store_id);
        store.globals[self.index as usize].cell.slots = slots;
        Ok(())
    }
}
