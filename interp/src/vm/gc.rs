//! How references of the `any` and `extern` hierarchies are encoded in a [`Slot`].
//!
//! One encoding serves both hierarchies, so `any.convert_extern` and `extern.convert_any`
//! change a value's static type only, and `ref.eq` compares slots:
//!
//! | value | slot |
//! |---|---|
//! | null | `0` |
//! | `i31` *v* | `(v << 1) \| 1`: low bit set, bits 32–63 zero |
//! | host value number *i* | `(i << 2) \| 0b10` |
//! | GC object | its address: non-zero, 8-aligned |
//!
//! Function references (function entry addresses) and exception references live in
//! hierarchies of their own and never meet these.
//!
//! The GC heap ([`GcHeap`]) is a per-store, non-moving mark–sweep collector. Objects start
//! with a [`GcHeader`]; struct fields and array elements follow at offsets the type's
//! [`GcLayout`] gives. Roots are given by the embedder at each collection; the interpreter's
//! register files are scanned conservatively (every slot that holds the address of a live
//! object keeps it alive), which is sound because objects never move. So is the native
//! stack below the outermost entry into compiled code ([`GcHeap::set_native_top`]), with the
//! callee-saved registers: compiled code keeps references there and in its registers without
//! saying where. Its optimizer may also keep an address derived from a reference (a
//! field's) in place of the reference itself, so any address inside an object, or just past
//! its end, keeps the object alive.

use std::alloc::Layout;
use std::ptr::NonNull;

use super::types::{CanonComposite, CanonField, TypeInfo};
use super::{Slot, TrapCode};

/// What a reference slot of the `any` or `extern` hierarchy holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcRef {
    /// Null.
    Null,
    /// A 31-bit integer, zero-extended.
    I31(u32),
    /// The host value with this number (the store's extern-reference index).
    Host(u32),
    /// A GC object at this address.
    Object(usize),
}

impl GcRef {
    /// Decodes a slot.
    #[inline]
    pub fn from_slot(slot: Slot) -> GcRef {
        if slot == 0 {
            GcRef::Null
        } else if slot & 1 == 1 {
            GcRef::I31((slot as u32) >> 1)
        } else if slot & 0b11 == 0b10 {
            GcRef::Host((slot >> 2) as u32)
        } else {
            GcRef::Object(slot as usize)
        }
    }

    /// Encodes the reference.
    #[inline]
    pub fn to_slot(self) -> Slot {
        match self {
            GcRef::Null => 0,
            GcRef::I31(value) => i31_slot(value),
            GcRef::Host(index) => ((index as Slot) << 2) | 0b10,
            GcRef::Object(address) => address as Slot,
        }
    }
}

/// The slot of `ref.i31 value`: the low 31 bits of `value`.
#[inline]
pub fn i31_slot(value: u32) -> Slot {
    ((value << 1) | 1) as Slot
}

/// `i31.get_u` of a non-null i31 slot.
#[inline]
pub fn i31_get_u(slot: Slot) -> u32 {
    (slot as u32) >> 1
}

/// `i31.get_s` of a non-null i31 slot: bit 30 extended.
#[inline]
pub fn i31_get_s(slot: Slot) -> i32 {
    (slot as u32 as i32) >> 1
}

/// How a struct field or array element is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// Packed 8-bit integer.
    I8,
    /// Packed 16-bit integer.
    I16,
    /// `i32` or `f32` (bits).
    I32,
    /// `i64` or `f64` (bits).
    I64,
    /// `v128`.
    V128,
    /// A reference the collector traces (`any` or `extern` hierarchy).
    GcRef,
    /// A function or exception reference: not a heap object.
    OtherRef,
}

impl FieldKind {
    /// Bytes the field takes in an object.
    pub fn size(self) -> usize {
        match self {
            FieldKind::I8 => 1,
            FieldKind::I16 => 2,
            FieldKind::I32 => 4,
            FieldKind::I64 | FieldKind::GcRef | FieldKind::OtherRef => 8,
            FieldKind::V128 => 16,
        }
    }

    /// Value slots the field's value takes in registers.
    pub fn slots(self) -> usize {
        if self == FieldKind::V128 { 2 } else { 1 }
    }
}

/// Where the fields of a struct type live in its objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructLayout {
    /// Payload bytes (after the header), a multiple of 8.
    pub size: u32,
    /// Each field's offset from the object's start (header included) and kind.
    pub fields: Box<[(u32, FieldKind)]>,
    /// Offsets of the fields the collector traces.
    pub gc_refs: Box<[u32]>,
}

impl StructLayout {
    /// Lays out fields of `kinds` in order, each aligned to its size.
    pub fn new(kinds: impl IntoIterator<Item = FieldKind>) -> Self {
        let mut offset = HEADER_SIZE;
        let mut fields = Vec::new();
        for kind in kinds {
            offset = offset.next_multiple_of(kind.size());
            fields.push((offset as u32, kind));
            offset += kind.size();
        }
        let size = (offset - HEADER_SIZE).next_multiple_of(8) as u32;
        let gc_refs = fields
            .iter()
            .filter(|(_, kind)| *kind == FieldKind::GcRef)
            .map(|&(offset, _)| offset)
            .collect();
        StructLayout {
            size,
            fields: fields.into(),
            gc_refs,
        }
    }
}

/// How a GC type's objects are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GcLayout {
    /// Function types have no objects.
    None,
    /// A struct type.
    Struct(StructLayout),
    /// An array type: its element's kind (elements follow the header, packed).
    Array(FieldKind),
}

/// What a new object holds, for [`GcHeap::alloc_init`].
#[derive(Debug, Clone, Copy)]
pub enum Init<'a> {
    /// Every field or element at its default.
    Default,
    /// The struct's fields, or the array's elements, in order.
    Values(&'a [[Slot; 2]]),
    /// The same value in every element of an array.
    Repeat([Slot; 2]),
}

/// The header every GC object starts with.
#[derive(Debug)]
#[repr(C)]
pub struct GcHeader {
    /// The object's type, owned by the engine's registry (which outlives every store).
    pub info: *const TypeInfo,
    /// Set while a collection has found the object reachable.
    pub marked: u32,
    /// Arrays: the number of elements; structs: 0.
    pub len: u32,
}

/// Bytes before an object's first field.
pub const HEADER_SIZE: usize = size_of::<GcHeader>();

/// Object alignment (so that `v128` fields can be aligned).
const OBJECT_ALIGN: usize = 16;

/// The largest object the heap allocates.
pub const MAX_OBJECT_BYTES: usize = 1 << 30;

/// Bytes allocated before the first collection, and the least between two.
const MIN_THRESHOLD: usize = 1 << 20;

/// A store's GC objects.
#[derive(Debug)]
pub struct GcHeap {
    /// Every live object.
    objects: Vec<NonNull<GcHeader>>,
    /// Bytes taken by `objects`.
    bytes: usize,
    /// Allocation past this many bytes asks for a collection.
    threshold: usize,
    /// The value slots of interpreter activations suspended in a call to the host or to
    /// compiled code, or collecting: scanned conservatively.
    windows: Vec<(*const Slot, usize)>,
    /// The most bytes live objects may take; an allocation beyond it, after a collection,
    /// traps.
    max_bytes: usize,
    /// Collect before every allocation (to find missing roots in tests).
    stress: bool,
    /// Objects freed by collections so far.
    freed: u64,
    /// The highest native stack address of compiled frames running on the store's thread
    /// (see [`GcHeap::set_native_top`]); `0` when none run.
    native_top: usize,
}

// SAFETY: the heap owns its objects; the raw pointers in `windows` are only read during a
// collection, on the thread that runs the store.
unsafe impl Send for GcHeap {}
// SAFETY: as above; nothing is mutated through `&GcHeap`.
unsafe impl Sync for GcHeap {}

impl Default for GcHeap {
    fn default() -> Self {
        GcHeap::new()
    }
}

impl GcHeap {
    /// An empty heap.
    pub fn new() -> Self {
        GcHeap {
            objects: Vec::new(),
            bytes: 0,
            threshold: MIN_THRESHOLD,
            windows: Vec::new(),
            max_bytes: usize::MAX,
            stress: false,
            freed: 0,
            native_top: 0,
        }
    }

    /// Declares that compiled code may run, on the calling thread, in frames below native
    /// stack address `top` (the embedder's stack pointer where it enters compiled code for
    /// the first time), or with `0`, that none does any more; returns the previous value.
    /// While it is set, collections scan the native stack from their own frame up to `top`,
    /// and the callee-saved registers, for references.
    ///
    /// # Safety
    ///
    /// While set, collections must happen on the thread that set it, whose stack holds
    /// `top`, with every frame between the collection and `top` live.
    pub unsafe fn set_native_top(&mut self, top: usize) -> usize {
        std::mem::replace(&mut self.native_top, top)
    }

    /// The top [`GcHeap::set_native_top`] declared, `0` if none.
    pub fn native_top(&self) -> usize {
        self.native_top
    }

    /// Limits the bytes live objects may take (the store's resource limit).
    pub fn set_max_bytes(&mut self, max_bytes: usize) {
        self.max_bytes = max_bytes;
    }

    /// Makes every allocation the interpreter makes collect first.
    pub fn set_stress(&mut self, stress: bool) {
        self.stress = stress;
    }

    /// Live objects.
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// Bytes taken by live objects.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Objects freed by collections so far.
    pub fn freed(&self) -> u64 {
        self.freed
    }

    /// The size of an object of type `info` with `len` elements, if the heap allows it.
    pub fn object_size(info: &TypeInfo, len: u32) -> Option<usize> {
        let payload = match &info.layout {
            GcLayout::Struct(layout) => layout.size as usize,
            GcLayout::Array(kind) => (len as usize).checked_mul(kind.size())?,
            GcLayout::None => return None,
        };
        let size = HEADER_SIZE.checked_add(payload)?.next_multiple_of(8);
        (size <= MAX_OBJECT_BYTES).then_some(size)
    }

    /// Whether allocating `size` more bytes should collect first.
    pub fn wants_collection(&self, size: usize) -> bool {
        let after = self.bytes.saturating_add(size);
        self.stress || after > self.threshold || after > self.max_bytes
    }

    /// Allocates a zeroed object of type `info` with `len` elements (0 for a struct): every
    /// field starts at its default (0, +0.0 or null). Never collects.
    pub fn alloc(&mut self, info: &TypeInfo, len: u32) -> Result<NonNull<GcHeader>, TrapCode> {
        let size = GcHeap::object_size(info, len).ok_or(TrapCode::AllocationTooLarge)?;
        if self.bytes.saturating_add(size) > self.max_bytes {
            return Err(TrapCode::AllocationTooLarge);
        }
        let layout = Layout::from_size_align(size, OBJECT_ALIGN)
            .map_err(|_| TrapCode::AllocationTooLarge)?;
        self.objects
            .try_reserve(1)
            .map_err(|_| TrapCode::AllocationTooLarge)?;
        // SAFETY: the layout has a non-zero size (the header).
        let raw = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<GcHeader>();
        let object = NonNull::new(raw).ok_or(TrapCode::AllocationTooLarge)?;
        // SAFETY: the allocation is fresh, aligned and large enough for the header.
        unsafe {
            object.as_ptr().write(GcHeader {
                info,
                marked: 0,
                len,
            })
        };
        self.objects.push(object);
        self.bytes += size;
        Ok(object)
    }

    /// Allocates an object of type `info` with `len` elements (0 for a struct) and fills it
    /// from `init`. Never collects.
    pub fn alloc_init(
        &mut self,
        info: &TypeInfo,
        len: u32,
        init: Init<'_>,
    ) -> Result<NonNull<GcHeader>, TrapCode> {
        let object = self.alloc(info, len)?;
        let base = object.as_ptr().cast::<u8>();
        let (values, repeat): (&[[Slot; 2]], Option<[Slot; 2]>) = match init {
            Init::Default => return Ok(object),
            Init::Values(values) => (values, None),
            Init::Repeat(value) => (&[], Some(value)),
        };
        // SAFETY: the object was just allocated with `info`'s layout, so every field or
        // element written lies inside it; each value holds the two slots a `v128` needs.
        unsafe {
            match &info.layout {
                GcLayout::Struct(layout) => {
                    for (&(offset, kind), value) in layout.fields.iter().zip(values) {
                        FieldAccess::new(kind, false)
                            .write(base.add(offset as usize), value.as_ptr());
                    }
                }
                GcLayout::Array(kind) => {
                    let access = FieldAccess::new(*kind, false);
                    for i in 0..len as usize {
                        let value = match repeat {
                            Some(ref value) => value,
                            None => match values.get(i) {
                                Some(value) => value,
                                None => break,
                            },
                        };
                        access.write(base.add(HEADER_SIZE + i * access.size()), value.as_ptr());
                    }
                }
                GcLayout::None => {}
            }
        }
        Ok(object)
    }

    /// Publishes the value slots `[values, values + len)` of an interpreter activation as
    /// roots until the matching [`GcHeap::pop_window`]; they must stay valid until then.
    pub fn push_window(&mut self, values: *const Slot, len: usize) {
        self.windows.push((values, len));
    }

    /// Withdraws the window published last.
    pub fn pop_window(&mut self) {
        self.windows.pop();
    }

    /// Collects garbage: `roots` hands every root slot outside the heap to the marker (the
    /// published windows are added here), then every unreachable object is freed.
    pub fn collect(&mut self, roots: impl FnOnce(&mut Marker<'_>)) {
        // Sorted objects let a candidate slot be checked with a binary search.
        self.objects.sort_unstable();
        let mut marker = Marker {
            objects: &self.objects,
            stack: Vec::new(),
        };
        for &(values, len) in &self.windows {
            // SAFETY: a published window stays valid until withdrawn (push_window's contract).
            let window = unsafe { std::slice::from_raw_parts(values, len) };
            marker.slots(window);
        }
        if self.native_top != 0 {
            // SAFETY: `set_native_top`'s contract: this thread's stack holds `native_top`
            // above this frame.
            unsafe { scan_native_stack(self.native_top, &mut marker) };
        }
        roots(&mut marker);
        marker.drain();
        let mut live = 0;
        let mut freed = 0;
        self.objects.retain(|&object| {
            // SAFETY: every listed object is live until freed here.
            let header = unsafe { &mut *object.as_ptr() };
            // SAFETY: the type info is owned by the engine's registry, which outlives the heap.
            let size = GcHeap::object_size(unsafe { &*header.info }, header.len)
                .expect("allocated objects have a valid size");
            if header.marked != 0 {
                header.marked = 0;
                live += size;
                true
            } else {
                // SAFETY: the object was allocated with this layout and nothing reachable
                // refers to it.
                unsafe {
                    std::alloc::dealloc(
                        object.as_ptr().cast(),
                        Layout::from_size_align_unchecked(size, OBJECT_ALIGN),
                    )
                };
                freed += 1;
                false
            }
        });
        self.bytes = live;
        self.freed += freed;
        self.threshold = MIN_THRESHOLD.max(live.saturating_mul(2));
    }
}

impl Drop for GcHeap {
    fn drop(&mut self) {
        // Nothing can reach the objects once their store is gone.
        self.windows.clear();
        self.collect(|_| {});
    }
}

/// Marks every word of the native stack from this frame up to `top`, and of the callee-saved
/// registers, as a possible reference.
///
/// # Safety
///
/// `top` must be an address of the calling thread's stack above this frame.
#[inline(never)]
unsafe fn scan_native_stack(top: usize, marker: &mut Marker<'_>) {
    let mut registers = [0u64; CALLEE_SAVED];
    spill_callee_saved(&mut registers);
    marker.slots(&registers);
    let bottom = (registers.as_ptr() as usize).min(crate::exec::native_stack_pointer()) & !7;
    let mut at = bottom;
    while at < top {
        // SAFETY: between this frame and `top` lie the live frames of this thread (the
        // caller's contract). Words of them may never have been written: they are read as
        // bits, and only compared with object addresses.
        marker.slot(unsafe { std::ptr::read_volatile(at as *const u64) });
        at += 8;
    }
}

/// How many registers [`spill_callee_saved`] writes.
const CALLEE_SAVED: usize = 12;

/// Writes the general-purpose registers the C calling convention preserves across calls to
/// `out`: where compiled code keeps values live across a call, beside its stack frame.
#[inline(always)]
fn spill_callee_saved(out: &mut [u64; CALLEE_SAVED]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the stores write the 6 first of `out`'s 12 words and touch nothing else.
    unsafe {
        std::arch::asm!(
            "mov [{0}], rbx",
            "mov [{0} + 8], rbp",
            "mov [{0} + 16], r12",
            "mov [{0} + 24], r13",
            "mov [{0} + 32], r14",
            "mov [{0} + 40], r15",
            in(reg) out.as_mut_ptr(),
            options(nostack, preserves_flags),
        );
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: the stores write 11 of `out`'s 12 words and touch nothing else.
    unsafe {
        std::arch::asm!(
            "stp x19, x20, [{0}]",
            "stp x21, x22, [{0}, #16]",
            "stp x23, x24, [{0}, #32]",
            "stp x25, x26, [{0}, #48]",
            "stp x27, x28, [{0}, #64]",
            "str x29, [{0}, #80]",
            in(reg) out.as_mut_ptr(),
            options(nostack, preserves_flags),
        );
    }
    // Elsewhere no compiled code runs, and nothing needs spilling.
    let _ = out;
}

/// Marks the objects reachable from the roots given to it.
pub struct Marker<'a> {
    objects: &'a [NonNull<GcHeader>],
    stack: Vec<NonNull<GcHeader>>,
}

impl Marker<'_> {
    /// Marks what `slot` refers to, if it is an address inside a live object or just past
    /// its end: a reference, or an address compiled code derived from one (a field's, or
    /// the end of an empty array's payload).
    pub fn slot(&mut self, slot: Slot) {
        let address = slot as usize;
        // The last object starting at or before the address, and the one before it, whose
        // end the address may be if the two are adjacent.
        let after = self
            .objects
            .partition_point(|object| object.as_ptr() as usize <= address);
        for index in (after.saturating_sub(2)..after).rev() {
            let object = self.objects[index];
            // SAFETY: `object` is a live object of the heap, whose type the registry owns.
            let header = unsafe { &mut *object.as_ptr() };
            let size = GcHeap::object_size(unsafe { &*header.info }, header.len)
                .expect("allocated objects have a valid size");
            let start = object.as_ptr() as usize;
            if address > start + size {
                return;
            }
            if header.marked == 0 {
                header.marked = 1;
                self.stack.push(object);
            }
            if address != start {
                return;
            }
        }
    }

    /// Marks what each of `slots` refers to.
    pub fn slots(&mut self, slots: &[Slot]) {
        for &slot in slots {
            self.slot(slot);
        }
    }

    /// Marks everything reachable from the objects marked so far, with an explicit stack so
    /// that long chains cannot exhaust the native one.
    fn drain(&mut self) {
        while let Some(object) = self.stack.pop() {
            let base = object.as_ptr().cast::<u8>();
            // SAFETY: `object` is live; its type info outlives the heap, and the fields read
            // lie inside the object as its layout says.
            unsafe {
                let header = &*object.as_ptr();
                match &(*header.info).layout {
                    GcLayout::Struct(layout) => {
                        for &offset in layout.gc_refs.iter() {
                            self.slot(base.add(offset as usize).cast::<Slot>().read());
                        }
                    }
                    GcLayout::Array(FieldKind::GcRef) => {
                        let elements = base.add(HEADER_SIZE).cast::<Slot>();
                        for i in 0..header.len as usize {
                            self.slot(elements.add(i).read());
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Where member `index` of `object` is, a field of a struct or an element of an array, and
/// its type: `None` if the object has no such member. For the embedder's typed access to
/// objects it holds handles to.
///
/// # Safety
///
/// `object` must point to a live GC object.
pub unsafe fn object_member(object: Slot, index: u64) -> Option<(*mut u8, FieldKind, CanonField)> {
    let header = object as usize as *mut GcHeader;
    // SAFETY: guaranteed by the caller; type infos outlive the objects of their type.
    let info = unsafe { &*(*header).info };
    let (offset, kind, field) = match (&info.layout, &info.ty.composite) {
        (GcLayout::Struct(layout), CanonComposite::Struct(fields)) => {
            let index = usize::try_from(index).ok()?;
            let &(offset, kind) = layout.fields.get(index)?;
            (offset as usize, kind, fields[index])
        }
        (GcLayout::Array(kind), CanonComposite::Array(field)) => {
            // SAFETY: as above.
            if index >= u64::from(unsafe { (*header).len }) {
                return None;
            }
            (HEADER_SIZE + index as usize * kind.size(), *kind, *field)
        }
        _ => return None,
    };
    // SAFETY: the member lies inside the object (its layout says so, or the bounds check).
    Some((unsafe { header.cast::<u8>().add(offset) }, kind, field))
}

/// How many members `object` has: a struct's fields, an array's elements.
///
/// # Safety
///
/// As for [`object_member`].
pub unsafe fn object_len(object: Slot) -> u64 {
    let header = object as usize as *const GcHeader;
    // SAFETY: guaranteed by the caller.
    unsafe {
        match &(*(*header).info).layout {
            GcLayout::Struct(layout) => layout.fields.len() as u64,
            GcLayout::Array(_) => u64::from((*header).len),
            GcLayout::None => 0,
        }
    }
}

/// How a field access reads or writes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FieldAccess {
    /// 8 bits, sign-extended on read.
    I8S,
    /// 8 bits, zero-extended on read.
    I8U,
    /// 16 bits, sign-extended on read.
    I16S,
    /// 16 bits, zero-extended on read.
    I16U,
    /// 32 bits (`i32`, `f32`).
    I32,
    /// 64 bits (`i64`, `f64`, references).
    I64,
    /// 128 bits: two slots.
    V128,
}

impl FieldAccess {
    /// The access for a field of `kind`; `signed` chooses the extension of packed reads.
    pub fn new(kind: FieldKind, signed: bool) -> Self {
        match (kind, signed) {
            (FieldKind::I8, true) => FieldAccess::I8S,
            (FieldKind::I8, false) => FieldAccess::I8U,
            (FieldKind::I16, true) => FieldAccess::I16S,
            (FieldKind::I16, false) => FieldAccess::I16U,
            (FieldKind::I32, _) => FieldAccess::I32,
            (FieldKind::V128, _) => FieldAccess::V128,
            (FieldKind::I64 | FieldKind::GcRef | FieldKind::OtherRef, _) => FieldAccess::I64,
        }
    }

    /// Bytes accessed.
    pub fn size(self) -> usize {
        match self {
            FieldAccess::I8S | FieldAccess::I8U => 1,
            FieldAccess::I16S | FieldAccess::I16U => 2,
            FieldAccess::I32 => 4,
            FieldAccess::I64 => 8,
            FieldAccess::V128 => 16,
        }
    }

    /// Reads the value at `at` into `out` (two slots for `v128`), zero-extending `i32`s as
    /// the register file requires.
    ///
    /// # Safety
    ///
    /// `at` must point to `self.size()` readable bytes, and `out` to as many slots as the
    /// value takes.
    #[inline]
    pub unsafe fn read(self, at: *const u8, out: *mut Slot) {
        // SAFETY: guaranteed by the caller.
        unsafe {
            let value = match self {
                FieldAccess::I8S => at.cast::<i8>().read() as i32 as u32 as Slot,
                FieldAccess::I8U => at.read() as Slot,
                FieldAccess::I16S => at.cast::<i16>().read_unaligned() as i32 as u32 as Slot,
                FieldAccess::I16U => at.cast::<u16>().read_unaligned() as Slot,
                FieldAccess::I32 => at.cast::<u32>().read_unaligned() as Slot,
                FieldAccess::I64 => at.cast::<u64>().read_unaligned(),
                FieldAccess::V128 => {
                    out.add(1).write(at.add(8).cast::<u64>().read_unaligned());
                    at.cast::<u64>().read_unaligned()
                }
            };
            out.write(value);
        }
    }

    /// Writes the value in `value` (two slots for `v128`) to `at`, truncating packed fields.
    ///
    /// # Safety
    ///
    /// `at` must point to `self.size()` writable bytes, and `value` to as many slots as the
    /// value takes.
    #[inline]
    pub unsafe fn write(self, at: *mut u8, value: *const Slot) {
        // SAFETY: guaranteed by the caller.
        unsafe {
            let low = value.read();
            match self {
                FieldAccess::I8S | FieldAccess::I8U => at.write(low as u8),
                FieldAccess::I16S | FieldAccess::I16U => {
                    at.cast::<u16>().write_unaligned(low as u16)
                }
                FieldAccess::I32 => at.cast::<u32>().write_unaligned(low as u32),
                FieldAccess::I64 => at.cast::<u64>().write_unaligned(low),
                FieldAccess::V128 => {
                    at.cast::<u64>().write_unaligned(low);
                    at.add(8).cast::<u64>().write_unaligned(value.add(1).read());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip_and_stay_apart() {
        for r in [
            GcRef::Null,
            GcRef::I31(0),
            GcRef::I31(0x7fff_ffff),
            GcRef::Host(0),
            GcRef::Host(u32::MAX),
            GcRef::Object(0x1000),
        ] {
            assert_eq!(GcRef::from_slot(r.to_slot()), r);
        }
        assert_ne!(GcRef::I31(0).to_slot(), 0);
        assert_eq!(i31_get_s(i31_slot(-1i32 as u32)), -1);
        assert_eq!(i31_get_u(i31_slot(-1i32 as u32)), 0x7fff_ffff);
        assert_eq!(i31_get_s(i31_slot(0x4000_0000)), -0x4000_0000);
        assert_eq!(i31_slot(u32::MAX) >> 32, 0);
    }

    /// An address anywhere inside an object, or just past its end, keeps it alive: what
    /// compiled code may hold in place of the reference.
    #[test]
    fn addresses_inside_or_just_past_an_object_keep_it() {
        use super::super::types::{CanonComposite, CanonStorage, CanonSubType, CanonVal};
        let registry = super::super::TypeRegistry::new();
        let field = CanonField {
            storage: CanonStorage::Val(CanonVal::I64),
            mutable: true,
        };
        let info = registry.register(CanonSubType {
            is_final: true,
            supertype: None,
            composite: CanonComposite::Struct(Box::new([field, field])),
        });
        let mut heap = GcHeap::new();
        let objects: Vec<usize> = (0..4)
            .map(|_| heap.alloc(&info, 0).unwrap().as_ptr() as usize)
            .collect();
        let size = GcHeap::object_size(&info, 0).unwrap();
        heap.collect(|marker| {
            marker.slot(objects[0] as Slot + 8);
            marker.slot((objects[1] + size) as Slot);
            marker.slot(objects[2] as Slot);
        });
        assert_eq!(heap.object_count(), 3, "the fourth, unreferenced, is freed");
        heap.collect(|marker| marker.slot((objects[3] + size + 64) as Slot));
        assert!(heap.object_count() < 3);
    }
}
