//! The GC instructions' work that both tiers share: allocating and initializing structs and
//! arrays, the bulk array operations and casts. The interpreter's handlers and the Cranelift
//! tier's built-ins call these; field and element accesses are inline in each tier, the
//! interpreter's through [`object_field`] and [`array_element`].
//!
//! An allocation may collect garbage first: the caller passes a `collect` function that
//! collects with every root its tier knows of.

use std::ptr::NonNull;

use crate::exec::in_bounds;
use crate::isa::{CastHeap, CastTarget};
use crate::vm::gc::{FieldAccess, FieldKind, GcHeader, GcHeap, GcLayout, GcRef, HEADER_SIZE};
use crate::vm::{FuncEntry, Slot, TrapCode, TypeInfo, VmCtx};

/// The address of the field at byte `offset` of the struct in `obj`.
///
/// # Safety
///
/// A non-null `obj` must be a live struct with a field at `offset`.
#[inline(always)]
pub unsafe fn object_field(obj: Slot, offset: u32) -> Result<*mut u8, TrapCode> {
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
pub unsafe fn array_element(arr: Slot, index: Slot, size: usize) -> Result<*mut u8, TrapCode> {
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
pub fn array_header(arr: Slot) -> Result<*mut GcHeader, TrapCode> {
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
pub unsafe fn ref_test(slot: Slot, target: CastTarget, vmctx: *const VmCtx) -> bool {
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
pub unsafe fn array_fill(
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
pub unsafe fn array_copy(
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

/// The registered type of module type `ty` of the instance `vmctx`.
///
/// # Safety
///
/// `vmctx` must be a live instance, and `ty` one of its module's type indices.
unsafe fn type_info(vmctx: *const VmCtx, ty: u32) -> *const TypeInfo {
    // SAFETY: guaranteed by the caller.
    unsafe { (&(*vmctx).type_infos)[ty as usize] }
}

/// Allocates a zeroed object of type `info` with `len` elements in the store's heap,
/// calling `collect` first when the heap asks for a collection.
///
/// # Safety
///
/// `vmctx` must be a live instance and `info` one of its types; no object address the
/// caller holds outside the roots `collect` knows of survives the call.
pub unsafe fn alloc(
    vmctx: *const VmCtx,
    info: *const TypeInfo,
    len: u32,
    collect: &mut dyn FnMut(),
) -> Result<NonNull<GcHeader>, TrapCode> {
    // SAFETY: the caller's contract; a non-null heap is the store's, alive while its
    // instances run, and the registry owns `info`.
    unsafe {
        let heap = (*(*vmctx).limits).gc_heap;
        if heap.is_null() {
            return Err(TrapCode::AllocationTooLarge);
        }
        let info = &*info;
        let size = GcHeap::object_size(info, len).ok_or(TrapCode::AllocationTooLarge)?;
        if (*heap).wants_collection(size) {
            collect();
        }
        (*heap).alloc(info, len)
    }
}

/// `struct.new`: a struct of module type `ty` of instance `vmctx` whose fields take the
/// values in the slots at `fields`, one value after the other.
///
/// # Safety
///
/// As for [`alloc`], with `ty` a struct type and `fields` holding a value per field (not in
/// the heap: the allocation may collect).
pub unsafe fn struct_new(
    vmctx: *const VmCtx,
    ty: u32,
    fields: *const Slot,
    collect: &mut dyn FnMut(),
) -> Result<Slot, TrapCode> {
    // SAFETY: the caller's contract; the fields lie inside the new object as the layout says.
    unsafe {
        let info = type_info(vmctx, ty);
        let object = alloc(vmctx, info, 0, collect)?;
        if let GcLayout::Struct(layout) = &(*info).layout {
            let mut slot = fields;
            for &(offset, kind) in layout.fields.iter() {
                let at = object.as_ptr().cast::<u8>().add(offset as usize);
                FieldAccess::new(kind, false).write(at, slot);
                slot = slot.add(kind.slots());
            }
        }
        Ok(object.as_ptr() as Slot)
    }
}

/// `struct.new_default`.
///
/// # Safety
///
/// As for [`alloc`], with `ty` a struct type.
pub unsafe fn struct_new_default(
    vmctx: *const VmCtx,
    ty: u32,
    collect: &mut dyn FnMut(),
) -> Result<Slot, TrapCode> {
    // SAFETY: the caller's contract.
    unsafe { Ok(alloc(vmctx, type_info(vmctx, ty), 0, collect)?.as_ptr() as Slot) }
}

/// `array.new` (with `init`) and `array.new_default` (without): an array of module type
/// `ty` of `len` elements.
///
/// # Safety
///
/// As for [`alloc`], with `ty` an array type and `init`, if given, pointing to the element
/// value's slots.
pub unsafe fn array_new(
    vmctx: *const VmCtx,
    ty: u32,
    len: Slot,
    init: Option<*const Slot>,
    collect: &mut dyn FnMut(),
) -> Result<Slot, TrapCode> {
    // SAFETY: the caller's contract; the array has `len` elements of the kind's size.
    unsafe {
        let info = type_info(vmctx, ty);
        let object = alloc(vmctx, info, len as u32, collect)?;
        if let Some(init) = init {
            let access = FieldAccess::new(element_kind(&*info), false);
            let mut at = payload(object);
            for _ in 0..len as u32 {
                access.write(at, init);
                at = at.add(access.size());
            }
        }
        Ok(object.as_ptr() as Slot)
    }
}

/// `array.new_fixed`: an array of module type `ty` of the `count` values in the slots at
/// `values`.
///
/// # Safety
///
/// As for [`array_new`], with `values` holding `count` values.
pub unsafe fn array_new_fixed(
    vmctx: *const VmCtx,
    ty: u32,
    values: *const Slot,
    count: u32,
    collect: &mut dyn FnMut(),
) -> Result<Slot, TrapCode> {
    // SAFETY: as for `array_new`, with the values one after the other.
    unsafe {
        let info = type_info(vmctx, ty);
        let object = alloc(vmctx, info, count, collect)?;
        let kind = element_kind(&*info);
        let access = FieldAccess::new(kind, false);
        let (mut at, mut slot) = (payload(object), values);
        for _ in 0..count {
            access.write(at, slot);
            at = at.add(access.size());
            slot = slot.add(kind.slots());
        }
        Ok(object.as_ptr() as Slot)
    }
}

/// A data or element segment of an instance: what `array.new_data` and `array.init_data`,
/// or `array.new_elem` and `array.init_elem`, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Data segment `.0`, indexed by byte.
    Data(u32),
    /// Element segment `.0`, indexed by reference.
    Elem(u32),
}

impl Segment {
    /// The segment's contents as bytes (an element segment's references in native order);
    /// empty once dropped.
    ///
    /// # Safety
    ///
    /// `vmctx` must be a live instance with this segment, not changed while the bytes are
    /// held.
    unsafe fn bytes<'a>(self, vmctx: *const VmCtx) -> &'a [u8] {
        // SAFETY: guaranteed by the caller; slots are plain bytes.
        unsafe {
            match self {
                Segment::Data(seg) => (*vmctx).data_segment(seg),
                Segment::Elem(seg) => {
                    let items = (*vmctx).elem_segment(seg);
                    std::slice::from_raw_parts(items.as_ptr().cast(), size_of_val(items))
                }
            }
        }
    }

    /// The byte at which entry `index` of the segment starts.
    fn start(self, index: Slot) -> u64 {
        let index = index as u32 as u64;
        match self {
            Segment::Data(_) => index,
            Segment::Elem(_) => index * size_of::<Slot>() as u64,
        }
    }

    /// The trap of a read past the segment's end.
    fn out_of_bounds(self) -> TrapCode {
        match self {
            Segment::Data(_) => TrapCode::MemoryOutOfBounds,
            Segment::Elem(_) => TrapCode::TableOutOfBounds,
        }
    }
}

/// `array.new_data` and `array.new_elem`: an array of module type `ty` of `len` elements
/// read from `segment` from entry `offset`.
///
/// # Safety
///
/// As for [`alloc`], with `ty` an array type whose elements the segment holds (numbers of
/// a data segment, references of an element segment) and `segment` one of the instance's.
pub unsafe fn array_new_segment(
    vmctx: *const VmCtx,
    ty: u32,
    segment: Segment,
    offset: Slot,
    len: Slot,
    collect: &mut dyn FnMut(),
) -> Result<Slot, TrapCode> {
    // SAFETY: the caller's contract; the new array has room for exactly these bytes, stored
    // little-endian (and references natively) as the segment holds them.
    unsafe {
        let info = type_info(vmctx, ty);
        let size = element_kind(&*info).size() as u64;
        let (start, len) = (segment.start(offset), len as u32 as u64);
        if !in_bounds(start, len * size, segment.bytes(vmctx).len() as u64) {
            return Err(segment.out_of_bounds());
        }
        let object = alloc(vmctx, info, len as u32, collect)?;
        // The segment is read after the allocation (no address is held across it).
        let bytes = &segment.bytes(vmctx)[start as usize..][..(len * size) as usize];
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), payload(object), bytes.len());
        Ok(object.as_ptr() as Slot)
    }
}

/// `array.init_data` and `array.init_elem`: `n` elements of `arr` from `d` take entries of
/// `segment` from `s`, after the null check, the array bounds, then the segment bounds.
///
/// # Safety
///
/// `vmctx` must be a live instance with `segment`, and a non-null `arr` a live array whose
/// elements the segment holds.
pub unsafe fn array_init_segment(
    vmctx: *const VmCtx,
    arr: Slot,
    d: Slot,
    s: Slot,
    n: Slot,
    segment: Segment,
) -> Result<(), TrapCode> {
    // SAFETY: the caller's contract; both ranges are checked.
    unsafe {
        let (at, access) = array_range(arr, d, n)?;
        let source = segment.bytes(vmctx);
        let (start, bytes) = (segment.start(s), n as u32 as u64 * access.size() as u64);
        if !in_bounds(start, bytes, source.len() as u64) {
            return Err(segment.out_of_bounds());
        }
        std::ptr::copy_nonoverlapping(source.as_ptr().add(start as usize), at, bytes as usize);
    }
    Ok(())
}
