//! The interpreter's side of the GC instructions' out-of-line work (see
//! [`crate::vm::objects`]): allocations collect with this activation's registers as roots.

use crate::isa::Reg;
use crate::vm::objects::{self, Segment};
use crate::vm::{Slot, TrapCode};

use super::Cx;

impl Cx<'_> {
    /// Collects garbage for an allocation, with every root the embedder knows of and this
    /// activation's registers. Out of line, so that allocating handlers stay small.
    #[inline(never)]
    fn collect(&mut self) {
        // SAFETY: `limits` is valid for the whole call, and a non-null heap is the store's,
        // alive while its instances run; the registers stay put during the collection.
        unsafe {
            let heap = (*(*self.vmctx).limits).gc_heap;
            if heap.is_null() {
                return;
            }
            (*heap).push_window(self.stack.values.as_ptr(), self.stack.values.len());
            self.host.gc();
            (*heap).pop_window();
        }
    }

    /// `struct.new` of module type `ty`, its fields in the registers from `base`.
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
        let vmctx = self.vmctx;
        // SAFETY: the instance runs; validation makes `ty` a struct type; the registers are
        // roots of the collection.
        unsafe { objects::struct_new(vmctx, ty, regs.add(base.0 as usize), &mut || self.collect()) }
    }

    /// `struct.new_default`.
    pub(super) fn struct_new_default(&mut self, ty: u32) -> Result<Slot, TrapCode> {
        let vmctx = self.vmctx;
        // SAFETY: as for `struct_new`.
        unsafe { objects::struct_new_default(vmctx, ty, &mut || self.collect()) }
    }

    /// `array.new` (with `init`) and `array.new_default` (without).
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
        let vmctx = self.vmctx;
        // SAFETY: as for `struct_new`.
        unsafe { objects::array_new(vmctx, ty, len, init, &mut || self.collect()) }
    }

    /// `array.new_fixed` of the `count` values in the registers from `base`.
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
        let vmctx = self.vmctx;
        let values = regs.wrapping_add(base.0 as usize);
        // SAFETY: as for `struct_new`.
        unsafe { objects::array_new_fixed(vmctx, ty, values, count, &mut || self.collect()) }
    }

    /// `array.new_data` and `array.new_elem`.
    pub(super) fn array_new_segment(
        &mut self,
        ty: u32,
        segment: Segment,
        offset: Slot,
        len: Slot,
    ) -> Result<Slot, TrapCode> {
        let vmctx = self.vmctx;
        // SAFETY: as for `struct_new`; validation bounds the segment's index and matches its
        // entries with the array's elements.
        unsafe {
            objects::array_new_segment(vmctx, ty, segment, offset, len, &mut || self.collect())
        }
    }
}
