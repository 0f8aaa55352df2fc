//! The GC instructions' work that does not fit a small handler: allocating and initializing
//! structs and arrays. Field and element accesses stay in the handlers, through
//! [`object_field`] and [`array_element`].

use std::ptr::NonNull;

use super::{Cx, in_bounds};
use crate::isa::{CastHeap, CastTarget, Reg};
use crate::vm::gc::{FieldAccess, FieldKind, GcHeader, GcLayout, GcRef, HEADER_SIZE};
use crate::vm::{FuncEntry, Slot, TrapCode, TypeInfo, VmCtx};

/// The address of the field at byte `offset` of the struct in `obj`.
///
/// # Safety
///
/// A non-null `obj` must be a live struct with a field at `offset`.
#[inline(always)]
pub(super) unsafe fn object_field(obj: Slot, offset: u32) -> Result<*mut u8, TrapCode> {
    if obj == 0 {
        return Err(TrapCode::NullReference);
    }
    // SAFETY: guaranteed by the caller.
    Ok(unsafe { (obj as usize as *mut u8).add(offset as usize) })
}

/// The address of element `index` of the array in `arr`, whose elements take `size` bytes.
///
/// # Safety
///
/// A non-null `arr` must be a live array with elements of `size` bytes.
#[inline(always)]
pub(super) unsafe fn array_element(
    arr: Slot,
    index: Slot,
    size: usize,
) -> Result<*mut u8, TrapCode> {
    let header = array_header(arr)?;
    // SAFETY: guaranteed by the caller.
    unsafe {
        if index as u32 >= (*header).len {
            return Err(TrapCode::ArrayOutOfBounds);
        }
        Ok(header
            .cast::<u8>()
            .add(HEADER_SIZE + index as u32 as usize * size))
    }
}

/// The header of the array in `arr`, or a null-reference trap.
#[inline(always)]
pub(super) fn array_header(arr: Slot) -> Result<*mut GcHeader, TrapCode> {
    match arr {
        0 => Err(TrapCode::NullReference),
        _ => Ok(arr as usize as *mut GcHeader),
    }
}

/// The element kind of array type `info`.
fn element_kind(info: &TypeInfo) -> FieldKind {
    match info.layout {
        GcLayout::Array(kind) => kind,
        // Validation makes every array instruction name an array type.
        _ => FieldKind::I64,
    }
}

/// The start of `object`'s elements (or fields).
fn payload(object: NonNull<GcHeader>) -> *mut u8 {
    // SAFETY: every object has a payload right after its header (possibly empty).
    unsafe { object.as_ptr().cast::<u8>().add(HEADER_SIZE) }
}

/// Whether the reference in `slot` is of type `target` (`ref.test`, `ref.cast` and the
/// casting branches); module type indices resolve through `vmctx`.
///
/// # Safety
///
/// `vmctx` must be the running instance, and `slot` a reference of `target`'s hierarchy
/// (validation guarantees it), so that an object or function entry it points to is live.
pub(super) unsafe fn ref_test(slot: Slot, target: CastTarget, vmctx: *const VmCtx) -> bool {
    if slot == 0 {
        return target.nullable();
    }
    let object = || match GcRef::from_slot(slot) {
        // SAFETY: an object slot of a live reference points to a live object.
        GcRef::Object(address) => Some(unsafe { &*(*(address as *const GcHeader)).info }),
        _ => None,
    };
    match target.heap() {
        CastHeap::Top => true,
        CastHeap::Bottom => false,
        CastHeap::I31 => matches!(GcRef::from_slot(slot), GcRef::I31(_)),
        CastHeap::Eq => !matches!(GcRef::from_slot(slot), GcRef::Host(_)),
        CastHeap::Struct => object().is_some_and(|info| matches!(info.layout, GcLayout::Struct(_))),
        CastHeap::Array => object().is_some_and(|info| matches!(info.layout, GcLayout::Array(_))),
        CastHeap::Concrete(index) => {
            // SAFETY: the instance is live and validation bounds `index`; the registry owns
            // its types for longer than the store lives.
            let expected = unsafe { &*(&(*vmctx).type_infos)[index as usize] };
            if expected.is_func() {
                // SAFETY: a non-null reference of the func hierarchy is a live entry.
                let entry = unsafe { &*(slot as usize as *const FuncEntry) };
                entry.has_type(expected.id)
            } else {
                object().is_some_and(|info| info.is_subtype_of(expected))
            }
        }
    }
}

/// The elements `[offset, offset + len)` of the array in `arr`: their address and the
/// element access, after the null and bounds checks.
///
/// # Safety
///
/// A non-null `arr` must be a live array.
unsafe fn array_range(
    arr: Slot,
    offset: Slot,
    len: Slot,
) -> Result<(*mut u8, FieldAccess), TrapCode> {
    let header = array_header(arr)?;
    // SAFETY: guaranteed by the caller; the type info outlives the store.
    unsafe {
        let access = FieldAccess::new(element_kind(&*(*header).info), false);
        let (offset, len) = (offset as u32 as u64, len as u32 as u64);
        if !in_bounds(offset, len, (*header).len as u64) {
            return Err(TrapCode::ArrayOutOfBounds);
        }
        let at = header
            .cast::<u8>()
            .add(HEADER_SIZE + offset as usize * access.size());
        Ok((at, access))
    }
}

/// `array.fill`.
///
/// # Safety
///
/// A non-null `arr` must be a live array, and `value` point to a value of its elements.
pub(super) unsafe fn array_fill(
    arr: Slot,
    offset: Slot,
    value: *const Slot,
    len: Slot,
) -> Result<(), TrapCode> {
    // SAFETY: guaranteed by the caller; the range was checked.
    unsafe {
        let (mut at, access) = array_range(arr, offset, len)?;
        for _ in 0..len as u32 {
            access.write(at, value);
            at = at.add(access.size());
        }
    }
    Ok(())
}

/// `array.copy`: null checks (destination first), then bounds, then a copy that allows
/// overlap.
///
/// # Safety
///
/// Non-null `dst` and `src` must be live arrays with elements of one size (validation).
pub(super) unsafe fn array_copy(
    dst: Slot,
    dst_off: Slot,
    src: Slot,
    src_off: Slot,
    len: Slot,
) -> Result<(), TrapCode> {
    array_header(dst)?;
    array_header(src)?;
    // SAFETY: guaranteed by the caller; both ranges were checked.
    unsafe {
        let (to, access) = array_range(dst, dst_off, len)?;
        let (from, _) = array_range(src, src_off, len)?;
        std::ptr::copy(from, to, len as u32 as usize * access.size());
    }
    Ok(())
}

impl Cx<'_> {
    /// Element segment `seg` of the running instance (empty once dropped).
    fn elem_segment(&self, seg: u32) -> &[Slot] {
        // SAFETY: the instance is valid while it runs.
        unsafe { &*self.vmctx }.elem_segment(seg)
    }

    /// The registered type of the running instance's module type `ty`.
    fn type_info(&self, ty: u32) -> *const TypeInfo {
        // SAFETY: the instance is valid while it runs, and validation bounds `ty`.
        unsafe { (&(*self.vmctx).type_infos)[ty as usize] }
    }

    /// `struct.new`: a struct of module type `ty` whose fields take the values in the
    /// registers from `base`.
    ///
    /// # Safety
    ///
    /// `regs` must be the running function's register file, holding the field values.
    pub(super) unsafe fn struct_new(
        &mut self,
        regs: *mut Slot,
        base: Reg,
        ty: u32,
    ) -> Result<Slot, TrapCode> {
        let info = self.type_info(ty);
        let object = self.gc_alloc(info, 0)?;
        // SAFETY: the type info outlives the store; the fields lie inside the new object as
        // the layout says, and the registers hold one value per field (the caller's contract).
        unsafe {
            if let GcLayout::Struct(layout) = &(*info).layout {
                let mut slot = regs.add(base.0 as usize);
                for &(offset, kind) in layout.fields.iter() {
                    let at = object.as_ptr().cast::<u8>().add(offset as usize);
                    FieldAccess::new(kind, false).write(at, slot);
                    slot = slot.add(kind.slots());
                }
            }
        }
        Ok(object.as_ptr() as Slot)
    }

    /// `struct.new_default`.
    pub(super) fn struct_new_default(&mut self, ty: u32) -> Result<Slot, TrapCode> {
        let info = self.type_info(ty);
        Ok(self.gc_alloc(info, 0)?.as_ptr() as Slot)
    }

    /// `array.new` (with `init`) and `array.new_default` (without): an array of module type
    /// `ty` of `len` elements.
    ///
    /// # Safety
    ///
    /// `init`, if given, must point to the element value's slots.
    pub(super) unsafe fn array_new(
        &mut self,
        ty: u32,
        len: Slot,
        init: Option<*const Slot>,
    ) -> Result<Slot, TrapCode> {
        let info = self.type_info(ty);
        let object = self.gc_alloc(info, len as u32)?;
        if let Some(init) = init {
            // SAFETY: the type info outlives the store; the array has `len` elements of the
            // kind's size, and `init` points to the value (the caller's contract). Zero
            // elements need no writes.
            unsafe {
                let access = FieldAccess::new(element_kind(&*info), false);
                let mut at = payload(object);
                for _ in 0..len as u32 {
                    access.write(at, init);
                    at = at.add(access.size());
                }
            }
        }
        Ok(object.as_ptr() as Slot)
    }

    /// `array.new_fixed`: an array of module type `ty` of the `count` values in the
    /// registers from `base`.
    ///
    /// # Safety
    ///
    /// `regs` must be the running function's register file, holding the values.
    pub(super) unsafe fn array_new_fixed(
        &mut self,
        regs: *mut Slot,
        base: Reg,
        ty: u32,
        count: u32,
    ) -> Result<Slot, TrapCode> {
        let info = self.type_info(ty);
        let object = self.gc_alloc(info, count)?;
        // SAFETY: as for `array_new`, with the values in consecutive registers.
        unsafe {
            let kind = element_kind(&*info);
            let access = FieldAccess::new(kind, false);
            let (mut at, mut slot) = (payload(object), regs.add(base.0 as usize));
            for _ in 0..count {
                access.write(at, slot);
                at = at.add(access.size());
                slot = slot.add(kind.slots());
            }
        }
        Ok(object.as_ptr() as Slot)
    }

    /// `array.new_data`: an array of module type `ty` of `len` elements read from data
    /// segment `seg` at byte `offset`.
    pub(super) fn array_new_data(
        &mut self,
        ty: u32,
        seg: u32,
        offset: Slot,
        len: Slot,
    ) -> Result<Slot, TrapCode> {
        let info = self.type_info(ty);
        // SAFETY: the instance is valid while it runs; validation bounds `seg`.
        let ctx = unsafe { &*self.vmctx };
        let size = element_kind(unsafe { &*info }).size() as u64;
        let data = ctx.data_segment(seg);
        let (offset, len) = (offset as u32 as u64, len as u32 as u64);
        if !in_bounds(offset, len * size, data.len() as u64) {
            return Err(TrapCode::MemoryOutOfBounds);
        }
        let object = self.gc_alloc(info, len as u32)?;
        let bytes = &data[offset as usize..][..(len * size) as usize];
        // SAFETY: the new array has room for exactly these bytes. Elements are stored
        // little-endian, as the data segment holds them.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), payload(object), bytes.len()) };
        Ok(object.as_ptr() as Slot)
    }

    /// `array.init_data`: null check, array bounds, then segment bounds.
    ///
    /// # Safety
    ///
    /// A non-null `arr` must be a live array.
    pub(super) unsafe fn array_init_data(
        &mut self,
        arr: Slot,
        d: Slot,
        s: Slot,
        n: Slot,
        seg: u32,
    ) -> Result<(), TrapCode> {
        // SAFETY: guaranteed by the caller; the instance is live and validation bounds `seg`.
        unsafe {
            let (at, access) = array_range(arr, d, n)?;
            let data = (*self.vmctx).data_segment(seg);
            let (s, bytes) = (s as u32 as u64, n as u32 as u64 * access.size() as u64);
            if !in_bounds(s, bytes, data.len() as u64) {
                return Err(TrapCode::MemoryOutOfBounds);
            }
            std::ptr::copy_nonoverlapping(data.as_ptr().add(s as usize), at, bytes as usize);
        }
        Ok(())
    }

    /// `array.init_elem`: null check, array bounds, then segment bounds.
    ///
    /// # Safety
    ///
    /// A non-null `arr` must be a live array of references.
    pub(super) unsafe fn array_init_elem(
        &mut self,
        arr: Slot,
        d: Slot,
        s: Slot,
        n: Slot,
        seg: u32,
    ) -> Result<(), TrapCode> {
        // SAFETY: as for `array_init_data`; a dropped segment is empty.
        unsafe {
            let (at, _) = array_range(arr, d, n)?;
            let items = self.elem_segment(seg);
            let (s, n) = (s as u32 as u64, n as u32 as u64);
            if !in_bounds(s, n, items.len() as u64) {
                return Err(TrapCode::TableOutOfBounds);
            }
            std::ptr::copy_nonoverlapping(
                items.as_ptr().add(s as usize),
                at.cast::<Slot>(),
                n as usize,
            );
        }
        Ok(())
    }

    /// `array.new_elem`: an array of module type `ty` of `len` references of element
    /// segment `seg` from `offset`.
    pub(super) fn array_new_elem(
        &mut self,
        ty: u32,
        seg: u32,
        offset: Slot,
        len: Slot,
    ) -> Result<Slot, TrapCode> {
        let info = self.type_info(ty);
        let (offset, len) = (offset as u32 as u64, len as u32 as u64);
        // SAFETY: the instance is valid while it runs; a dropped segment is empty.
        let segment_len = self.elem_segment(seg).len();
        if !in_bounds(offset, len, segment_len as u64) {
            return Err(TrapCode::TableOutOfBounds);
        }
        let object = self.gc_alloc(info, len as u32)?;
        // The segment is read after the allocation (no address is held across it).
        let items = &self.elem_segment(seg)[offset as usize..][..len as usize];
        // SAFETY: the new array has room for `len` references.
        unsafe {
            std::ptr::copy_nonoverlapping(
                items.as_ptr(),
                payload(object).cast::<Slot>(),
                items.len(),
            );
        }
        Ok(object.as_ptr() as Slot)
    }
}
