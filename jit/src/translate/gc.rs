//! The GC proposal's operators: structs, arrays, `i31` references and casts.
//!
//! References are slots (see [`tandem_interp::vm::gc`]). `i31` references, `ref.eq` and the
//! conversions between the `any` and `extern` hierarchies are a few instructions on the slot.
//! Field and element accesses are inline: a null check (and for arrays a bounds check
//! against the length in the object's header), then a load or store at the offset the
//! interpreter's lowering computes for the same type. Allocations, the bulk array operators
//! and casts call built-ins that run the interpreter's code (`tandem_interp::vm::objects`);
//! an allocation may collect garbage first through the embedder's [`crate::GcHelper`].

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value, types};
use tandem_interp::TrapCode;
use tandem_interp::lower::gc::{
    array_element, cast_target, field_kind, struct_field, struct_fields,
};
use tandem_interp::vm::gc::{FieldKind, GcHeader, HEADER_SIZE};
use wasmparser::{HeapType, Operator, StorageType};

use super::{FuncTranslator, Result, clif_type, slot_offset, slots_of};
use crate::builtins;
use crate::error::JitError;

/// Memory flags of field and element accesses: inside a live object, checked first.
fn object_flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

impl FuncTranslator<'_, '_> {
    /// Translates `op` if it is a GC operator; `false` if it is not one.
    pub(super) fn gc_op(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator::*;
        match *op {
            RefI31 => {
                let value = self.pop();
                let shifted = self.b.ins().ishl_imm_u(value, 1);
                let tagged = self.b.ins().bor_imm_u(shifted, 1);
                let slot = self.b.ins().uextend(types::I64, tagged);
                self.push(slot);
            }
            I31GetS | I31GetU => {
                let slot = self.pop();
                self.trap_if_zero(slot, TrapCode::NullReference);
                let tagged = self.b.ins().ireduce(types::I32, slot);
                let value = if matches!(op, I31GetS) {
                    self.b.ins().sshr_imm_u(tagged, 1)
                } else {
                    self.b.ins().ushr_imm_u(tagged, 1)
                };
                self.push(value);
            }
            RefEq => {
                let (a, b) = self.pop2();
                let equal = self.b.ins().icmp(IntCC::Equal, a, b);
                let equal = self.b.ins().uextend(types::I32, equal);
                self.push(equal);
            }
            // Both hierarchies encode references alike.
            AnyConvertExtern | ExternConvertAny => {}
            StructNew {
                struct_type_index: ty,
            } => {
                let types = struct_fields(&self.info.types, ty)
                    .iter()
                    .map(|field| storage_type(field.element_type))
                    .collect::<Result<Vec<_>>>()?;
                let fields = self.stack.split_off(self.stack.len() - types.len());
                let slots = self.call_slots(slots_of(&types));
                self.store_args(&fields, slots);
                let ty = self.b.ins().iconst(types::I32, i64::from(ty));
                self.allocate(builtins::struct_new as *const () as usize, &[ty], slots)?;
            }
            StructNewDefault {
                struct_type_index: ty,
            } => {
                let slots = self.call_slots(1);
                let ty = self.b.ins().iconst(types::I32, i64::from(ty));
                self.allocate(
                    builtins::struct_new_default as *const () as usize,
                    &[ty],
                    slots,
                )?;
            }
            StructGet {
                struct_type_index: ty,
                field_index,
            }
            | StructGetS {
                struct_type_index: ty,
                field_index,
            }
            | StructGetU {
                struct_type_index: ty,
                field_index,
            } => {
                let (offset, kind, storage) = struct_field(&self.info.types, ty, field_index);
                let object = self.pop();
                self.trap_if_zero(object, TrapCode::NullReference);
                let signed = matches!(op, StructGetS { .. });
                let value = self.load_member(kind, storage, signed, object, offset as i32)?;
                self.push(value);
            }
            StructSet {
                struct_type_index: ty,
                field_index,
            } => {
                let (offset, kind, _) = struct_field(&self.info.types, ty, field_index);
                let value = self.pop();
                let object = self.pop();
                self.trap_if_zero(object, TrapCode::NullReference);
                self.store_member(kind, value, object, offset as i32);
            }
            ArrayNew {
                array_type_index: ty,
            }
            | ArrayNewDefault {
                array_type_index: ty,
            } => {
                let len = self.pop();
                let init = matches!(op, ArrayNew { .. }).then(|| self.pop());
                let slots = match init {
                    Some(init) => {
                        let slots = self.call_slots(slots_of(&[self.value_type(init)]));
                        self.store_args(&[init], slots);
                        slots
                    }
                    None => self.call_slots(1),
                };
                let ty = self.b.ins().iconst(types::I32, i64::from(ty));
                let len = self.extend_u64(len);
                let has_init = self.b.ins().iconst(types::I32, i64::from(init.is_some()));
                let address = builtins::array_new as *const () as usize;
                self.allocate(address, &[ty, len, has_init], slots)?;
            }
            ArrayNewFixed {
                array_type_index: ty,
                array_size: count,
            } => {
                let element = storage_type(array_element(&self.info.types, ty))?;
                let values = self.stack.split_off(self.stack.len() - count as usize);
                let slots = self.call_slots(count as usize * slots_of(&[element]));
                self.store_args(&values, slots);
                let ty = self.b.ins().iconst(types::I32, i64::from(ty));
                let count = self.b.ins().iconst(types::I32, i64::from(count));
                let address = builtins::array_new_fixed as *const () as usize;
                self.allocate(address, &[ty, count], slots)?;
            }
            ArrayNewData {
                array_type_index: ty,
                array_data_index: seg,
            }
            | ArrayNewElem {
                array_type_index: ty,
                array_elem_index: seg,
            } => {
                let (offset, len) = self.pop2();
                let (offset, len) = (self.extend_u64(offset), self.extend_u64(len));
                let slots = self.call_slots(1);
                let ty = self.b.ins().iconst(types::I32, i64::from(ty));
                let seg = self.b.ins().iconst(types::I32, i64::from(seg));
                let from_data = i64::from(matches!(op, ArrayNewData { .. }));
                let from_data = self.b.ins().iconst(types::I32, from_data);
                let address = builtins::array_new_segment as *const () as usize;
                self.allocate(address, &[ty, seg, offset, len, from_data], slots)?;
            }
            ArrayGet {
                array_type_index: ty,
            }
            | ArrayGetS {
                array_type_index: ty,
            }
            | ArrayGetU {
                array_type_index: ty,
            } => {
                let storage = array_element(&self.info.types, ty);
                let index = self.pop();
                let array = self.pop();
                let element = self.array_element_address(array, index, field_kind(&storage));
                let signed = matches!(op, ArrayGetS { .. });
                let value = self.load_member(field_kind(&storage), storage, signed, element, 0)?;
                self.push(value);
            }
            ArraySet {
                array_type_index: ty,
            } => {
                let kind = field_kind(&array_element(&self.info.types, ty));
                let value = self.pop();
                let index = self.pop();
                let array = self.pop();
                let element = self.array_element_address(array, index, kind);
                self.store_member(kind, value, element, 0);
            }
            ArrayLen => {
                let array = self.pop();
                let len = self.array_len(array);
                self.push(len);
            }
            ArrayFill { .. } => {
                let len = self.pop();
                let value = self.pop();
                let offset = self.pop();
                let array = self.pop();
                let slots = self.call_slots(slots_of(&[self.value_type(value)]));
                self.store_args(&[value], slots);
                let (offset, len) = (self.extend_u64(offset), self.extend_u64(len));
                let address = builtins::array_fill as *const () as usize;
                let status = self.call_native(address, &[array, offset, slots, len], &[types::I32]);
                self.propagate_status(status[0]);
            }
            ArrayCopy { .. } => {
                let (src_off, len) = self.pop2();
                let src = self.pop();
                let (dst, dst_off) = self.pop2();
                let args = [
                    dst,
                    self.extend_u64(dst_off),
                    src,
                    self.extend_u64(src_off),
                    self.extend_u64(len),
                ];
                let address = builtins::array_copy as *const () as usize;
                let status = self.call_native(address, &args, &[types::I32]);
                self.propagate_status(status[0]);
            }
            ArrayInitData {
                array_data_index: seg,
                ..
            }
            | ArrayInitElem {
                array_elem_index: seg,
                ..
            } => {
                let (s, n) = self.pop2();
                let (array, d) = self.pop2();
                let (d, s, n) = (self.extend_u64(d), self.extend_u64(s), self.extend_u64(n));
                let seg = self.b.ins().iconst(types::I32, i64::from(seg));
                let from_data = i64::from(matches!(op, ArrayInitData { .. }));
                let from_data = self.b.ins().iconst(types::I32, from_data);
                let address = builtins::array_init_segment as *const () as usize;
                let args = [self.vmctx, array, d, s, n, seg, from_data];
                let status = self.call_native(address, &args, &[types::I32]);
                self.propagate_status(status[0]);
            }
            RefTestNonNull { hty } | RefTestNullable { hty } => {
                let reference = self.pop();
                let nullable = matches!(op, RefTestNullable { .. });
                let passes = self.ref_test(reference, nullable, hty)?;
                self.push(passes);
            }
            RefCastNonNull { hty } | RefCastNullable { hty } => {
                let reference = self.peek();
                let nullable = matches!(op, RefCastNullable { .. });
                let passes = self.ref_test(reference, nullable, hty)?;
                self.trap_if_zero(passes, TrapCode::CastFailure);
            }
            BrOnCast {
                relative_depth,
                to_ref_type,
                ..
            }
            | BrOnCastFail {
                relative_depth,
                to_ref_type,
                ..
            } => {
                // The reference stays on top, as the label's last value either way.
                let reference = self.peek();
                let passes = self.ref_test(
                    reference,
                    to_ref_type.is_nullable(),
                    to_ref_type.heap_type(),
                )?;
                let take = if matches!(op, BrOnCast { .. }) {
                    passes
                } else {
                    self.b.ins().icmp_imm_u(IntCC::Equal, passes, 0)
                };
                self.branch_if(relative_depth, take);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The embedder's collection helper, as a value; allocations need one.
    fn gc_helper(&mut self) -> Result<Value> {
        let helper = self.env.gc_helper.ok_or_else(|| {
            JitError::Unsupported("GC allocation (no collection helper is set)".into())
        })?;
        let pointer = self.pointer();
        Ok(self.b.ins().iconst(pointer, helper as usize as i64))
    }

    /// Calls allocation built-in `address` with the context, `args`, the call slots `slots`
    /// (which receive the new object) and the collection helper, and pushes the object.
    fn allocate(&mut self, address: usize, args: &[Value], slots: Value) -> Result<()> {
        let helper = self.gc_helper()?;
        let mut all = vec![self.vmctx];
        all.extend_from_slice(args);
        all.extend([slots, helper]);
        let status = self.call_native(address, &all, &[types::I32])[0];
        // A trap (the heap is full), or the object in the first slot.
        self.propagate_status(status);
        let object = self
            .b
            .ins()
            .load(types::I64, super::vm_flags(), slots, slot_offset(0));
        self.push(object);
        Ok(())
    }

    /// The length of the array `array`, after its null check.
    fn array_len(&mut self, array: Value) -> Value {
        self.trap_if_zero(array, TrapCode::NullReference);
        self.b.ins().load(
            types::I32,
            object_flags(),
            array,
            offset_of!(GcHeader, len) as i32,
        )
    }

    /// The address of element `index` of `array`, whose elements are of `kind`, after the
    /// null and bounds checks.
    fn array_element_address(&mut self, array: Value, index: Value, kind: FieldKind) -> Value {
        let len = self.array_len(array);
        let outside = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trap_if(outside, TrapCode::ArrayOutOfBounds);
        let index = self.b.ins().uextend(types::I64, index);
        let scaled = self.b.ins().imul_imm_u(index, kind.size() as i64);
        let element = self.b.ins().iadd(array, scaled);
        self.b.ins().iadd_imm_u(element, HEADER_SIZE as i64)
    }

    /// Reads a member of `kind` and storage type `storage` at `base + offset`, sign-extending
    /// packed integers if `signed`.
    fn load_member(
        &mut self,
        kind: FieldKind,
        storage: StorageType,
        signed: bool,
        base: Value,
        offset: i32,
    ) -> Result<Value> {
        let flags = object_flags();
        let ins = self.b.ins();
        Ok(match (kind, signed) {
            (FieldKind::I8, true) => ins.sload8(types::I32, flags, base, offset),
            (FieldKind::I8, false) => ins.uload8(types::I32, flags, base, offset),
            (FieldKind::I16, true) => ins.sload16(types::I32, flags, base, offset),
            (FieldKind::I16, false) => ins.uload16(types::I32, flags, base, offset),
            _ => {
                let ty = storage_type(storage)?;
                self.b.ins().load(ty, flags, base, offset)
            }
        })
    }

    /// Writes `value` to a member of `kind` at `base + offset` (the low bits, for packed
    /// integers).
    fn store_member(&mut self, kind: FieldKind, value: Value, base: Value, offset: i32) {
        let flags = object_flags();
        match kind {
            FieldKind::I8 => self.b.ins().istore8(flags, value, base, offset),
            FieldKind::I16 => self.b.ins().istore16(flags, value, base, offset),
            _ => self.b.ins().store(flags, value, base, offset),
        };
    }

    /// `1` if `reference` passes the cast to `(ref null? hty)`, `0` if not.
    fn ref_test(&mut self, reference: Value, nullable: bool, hty: HeapType) -> Result<Value> {
        let target = cast_target(nullable, hty)
            .ok_or_else(|| JitError::Unsupported("a cast to a type index this large".into()))?;
        let target = self.b.ins().iconst(types::I32, i64::from(target.bits()));
        let address = builtins::ref_test as *const () as usize;
        Ok(self.call_native(address, &[self.vmctx, reference, target], &[types::I32])[0])
    }
}

/// The Cranelift type a member of storage type `storage` reads and writes as.
fn storage_type(storage: StorageType) -> Result<Type> {
    clif_type(storage.unpack())
}
