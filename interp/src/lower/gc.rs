//! Lowering of the GC proposal's struct, array and i31 instructions.
//!
//! Field offsets come from the same [`StructLayout`] the engine's type registry gives
//! objects, computed here from the module's own type section (a layout depends only on the
//! fields' storage types), so translation needs no registry. The Cranelift tier lays out
//! its accesses with the same functions.

use wasmparser::{
    CompositeInnerType, FieldType, HeapType, Operator, PackedIndex, RefType, StorageType, SubType,
    ValType,
};

use super::{Result, Translator};
use crate::isa::{CastHeap, CastTarget, Op};
use crate::vm::gc::{FieldAccess, FieldKind, StructLayout};

/// How a field of storage type `storage` is stored (every reference takes eight bytes; the
/// translator need not tell traced ones apart).
pub fn field_kind(storage: &StorageType) -> FieldKind {
    match storage {
        StorageType::I8 => FieldKind::I8,
        StorageType::I16 => FieldKind::I16,
        StorageType::Val(ValType::I32 | ValType::F32) => FieldKind::I32,
        StorageType::Val(ValType::I64 | ValType::F64) => FieldKind::I64,
        StorageType::Val(ValType::V128) => FieldKind::V128,
        StorageType::Val(ValType::Ref(_)) => FieldKind::OtherRef,
    }
}

/// The value type a field of storage type `storage` reads as.
fn unpacked(storage: &StorageType) -> ValType {
    storage.unpack()
}

/// The fields of struct type `ty` of a module whose types are `types` (validation
/// guarantees it is one).
pub fn struct_fields(types: &[SubType], ty: u32) -> &[FieldType] {
    match &types[ty as usize].composite_type.inner {
        CompositeInnerType::Struct(s) => &s.fields,
        _ => &[],
    }
}

/// The element type of array type `ty` of a module whose types are `types` (validation
/// guarantees it is one).
pub fn array_element(types: &[SubType], ty: u32) -> StorageType {
    match &types[ty as usize].composite_type.inner {
        CompositeInnerType::Array(a) => a.0.element_type,
        _ => StorageType::I8,
    }
}

/// The byte offset from the object's start, the kind and the storage type of field `field`
/// of struct type `ty` of a module whose types are `types`.
pub fn struct_field(types: &[SubType], ty: u32, field: u32) -> (u32, FieldKind, StorageType) {
    let fields = struct_fields(types, ty);
    let layout = StructLayout::new(fields.iter().map(|f| field_kind(&f.element_type)));
    let (offset, kind) = layout.fields[field as usize];
    (offset, kind, fields[field as usize].element_type)
}

/// The cast target `(ref null? hty)`; `None` if a module type index does not fit one.
pub fn cast_target(nullable: bool, hty: HeapType) -> Option<CastTarget> {
    use wasmparser::AbstractHeapType as A;
    let heap = match hty {
        HeapType::Abstract { ty, .. } => match ty {
            A::Any | A::Func | A::Extern | A::Exn | A::Cont => CastHeap::Top,
            A::Eq => CastHeap::Eq,
            A::I31 => CastHeap::I31,
            A::Struct => CastHeap::Struct,
            A::Array => CastHeap::Array,
            A::None | A::NoFunc | A::NoExtern | A::NoExn | A::NoCont => CastHeap::Bottom,
        },
        HeapType::Concrete(index) | HeapType::Exact(index) => {
            CastHeap::Concrete(index.as_module_index().unwrap_or(u32::MAX))
        }
    };
    CastTarget::new(nullable, heap)
}

impl Translator<'_> {
    /// The fields of struct type `ty`.
    fn struct_fields(&self, ty: u32) -> &[FieldType] {
        struct_fields(&self.info.types, ty)
    }

    /// The byte offset, access and value type of field `field` of struct type `ty`.
    fn struct_field(&self, ty: u32, field: u32, signed: bool) -> (u32, FieldAccess, ValType) {
        let (offset, kind, storage) = struct_field(&self.info.types, ty, field);
        (offset, FieldAccess::new(kind, signed), unpacked(&storage))
    }

    /// The access and value type of the elements of array type `ty`.
    fn array_access(&self, ty: u32, signed: bool) -> (FieldAccess, ValType) {
        let storage = array_element(&self.info.types, ty);
        (
            FieldAccess::new(field_kind(&storage), signed),
            unpacked(&storage),
        )
    }

    /// A non-null reference to module type `ty`.
    fn concrete_ref(ty: u32) -> ValType {
        let index = PackedIndex::from_module_index(ty).expect("validated type index");
        ValType::Ref(RefType::concrete(false, index))
    }

    /// Pops the `count` operands on top into consecutive registers, returning the first.
    fn pop_consecutive(&mut self, count: usize) -> crate::isa::Reg {
        self.materialize_top(count);
        let base = match count {
            0 => self.next_slot(),
            n => self.stack[self.stack.len() - n].slot,
        };
        self.stack.truncate(self.stack.len() - count);
        crate::isa::Reg(base)
    }

    /// Translates the GC operators; `false` for any other.
    pub(super) fn translate_gc(&mut self, op: &Operator<'_>) -> Result<bool> {
        match *op {
            Operator::StructNew {
                struct_type_index: ty,
            } => {
                let base = self.pop_consecutive(self.struct_fields(ty).len());
                let dst = self.push_temp(Self::concrete_ref(ty))?;
                self.emit_result(Op::StructNew { dst, base, ty });
            }
            Operator::StructNewDefault {
                struct_type_index: ty,
            } => {
                let dst = self.push_temp(Self::concrete_ref(ty))?;
                self.emit_result(Op::StructNewDefault { dst, ty });
            }
            Operator::StructGet {
                struct_type_index: ty,
                field_index,
            }
            | Operator::StructGetS {
                struct_type_index: ty,
                field_index,
            }
            | Operator::StructGetU {
                struct_type_index: ty,
                field_index,
            } => {
                let signed = matches!(op, Operator::StructGetS { .. });
                let (offset, access, result) = self.struct_field(ty, field_index, signed);
                let obj = self.pop_reg();
                let dst = self.push_temp(result)?;
                self.emit_result(Op::StructGet {
                    dst,
                    obj,
                    offset,
                    access,
                });
            }
            Operator::StructSet {
                struct_type_index: ty,
                field_index,
            } => {
                let (offset, access, _) = self.struct_field(ty, field_index, false);
                let [obj, src] = self.pop2();
                self.emit(Op::StructSet {
                    obj,
                    src,
                    offset,
                    access,
                });
            }
            Operator::ArrayNew {
                array_type_index: ty,
            } => {
                let [init, len] = self.pop2();
                let dst = self.push_temp(Self::concrete_ref(ty))?;
                self.emit_result(Op::ArrayNew { dst, init, len, ty });
            }
            Operator::ArrayNewDefault {
                array_type_index: ty,
            } => {
                let len = self.pop_reg();
                let dst = self.push_temp(Self::concrete_ref(ty))?;
                self.emit_result(Op::ArrayNewDefault { dst, len, ty });
            }
            Operator::ArrayNewFixed {
                array_type_index: ty,
                array_size: count,
            } => {
                let base = self.pop_consecutive(count as usize);
                let dst = self.push_temp(Self::concrete_ref(ty))?;
                self.emit_result(Op::ArrayNewFixed {
                    dst,
                    base,
                    ty,
                    count,
                });
            }
            Operator::ArrayNewData {
                array_type_index: ty,
                array_data_index: seg,
            } => {
                let [offset, len] = self.pop2();
                let dst = self.push_temp(Self::concrete_ref(ty))?;
                self.emit_result(Op::ArrayNewData {
                    dst,
                    offset,
                    len,
                    ty,
                    seg,
                });
            }
            Operator::ArrayNewElem {
                array_type_index: ty,
                array_elem_index: seg,
            } => {
                let [offset, len] = self.pop2();
                let dst = self.push_temp(Self::concrete_ref(ty))?;
                self.emit_result(Op::ArrayNewElem {
                    dst,
                    offset,
                    len,
                    ty,
                    seg,
                });
            }
            Operator::ArrayGet {
                array_type_index: ty,
            }
            | Operator::ArrayGetS {
                array_type_index: ty,
            }
            | Operator::ArrayGetU {
                array_type_index: ty,
            } => {
                let signed = matches!(op, Operator::ArrayGetS { .. });
                let (access, result) = self.array_access(ty, signed);
                let [arr, index] = self.pop2();
                let dst = self.push_temp(result)?;
                self.emit_result(Op::ArrayGet {
                    dst,
                    arr,
                    index,
                    access,
                });
            }
            Operator::ArraySet {
                array_type_index: ty,
            } => {
                let (access, _) = self.array_access(ty, false);
                let [arr, index, src] = self.pop3();
                self.emit(Op::ArraySet {
                    arr,
                    index,
                    src,
                    access,
                });
            }
            Operator::ArrayLen => {
                let arr = self.pop_reg();
                let dst = self.push_temp(ValType::I32)?;
                self.emit_result(Op::ArrayLen { dst, arr });
            }
            Operator::ArrayFill { .. } => {
                let [val, len] = self.pop2();
                let [arr, offset] = self.pop2();
                self.emit(Op::ArrayFill {
                    arr,
                    offset,
                    val,
                    len,
                });
            }
            Operator::ArrayCopy { .. } => {
                let [src, src_off, len] = self.pop3();
                let [dst, dst_off] = self.pop2();
                self.emit(Op::ArrayCopy {
                    dst,
                    dst_off,
                    src,
                    src_off,
                    len,
                });
            }
            Operator::ArrayInitData {
                array_data_index: seg,
                ..
            } => {
                let [d, s, n] = self.pop3();
                let arr = self.pop_reg();
                self.emit(Op::ArrayInitData { arr, d, s, n, seg });
            }
            Operator::ArrayInitElem {
                array_elem_index: seg,
                ..
            } => {
                let [d, s, n] = self.pop3();
                let arr = self.pop_reg();
                self.emit(Op::ArrayInitElem { arr, d, s, n, seg });
            }
            Operator::RefTestNonNull { hty } | Operator::RefTestNullable { hty } => {
                let nullable = matches!(op, Operator::RefTestNullable { .. });
                let target = self.cast_target(nullable, hty)?;
                let src = self.pop_reg();
                let dst = self.push_temp(ValType::I32)?;
                self.emit_result(Op::RefTest { dst, src, target });
            }
            Operator::RefCastNonNull { hty } | Operator::RefCastNullable { hty } => {
                let nullable = matches!(op, Operator::RefCastNullable { .. });
                let target = self.cast_target(nullable, hty)?;
                let src = self.pop_reg();
                let ty = RefType::new(nullable, hty).expect("validated heap type");
                let dst = self.push_temp(ValType::Ref(ty))?;
                self.emit_result(Op::RefCast { dst, src, target });
            }
            Operator::BrOnCast {
                relative_depth,
                from_ref_type,
                to_ref_type,
            }
            | Operator::BrOnCastFail {
                relative_depth,
                from_ref_type,
                to_ref_type,
            } => {
                // The test goes to a temporary above the reference, which stays on top as
                // the label's last value; the branch is taken when it passes (`br_on_cast`)
                // or fails (`br_on_cast_fail`).
                let on_success = matches!(op, Operator::BrOnCast { .. });
                let target =
                    self.cast_target(to_ref_type.is_nullable(), to_ref_type.heap_type())?;
                let count = self.label_arity(relative_depth);
                self.materialize_top(count);
                let src = super::Reg(self.stack.last().expect("validated").slot);
                let dst = self.push_temp(ValType::I32)?;
                self.emit(Op::RefTest { dst, src, target });
                let test = self.pop();
                self.branch_if(relative_depth, test, on_success);
                // What falls through is known to fail or pass the cast.
                self.retype(ValType::Ref(if on_success {
                    from_ref_type
                } else {
                    to_ref_type
                }));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The cast target `(ref null? hty)`.
    fn cast_target(&self, nullable: bool, hty: HeapType) -> Result<CastTarget> {
        cast_target(nullable, hty).ok_or_else(|| self.too_large())
    }
}
