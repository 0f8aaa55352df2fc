//! Constant expressions (global initializers, segment offsets and element items).

use smallvec::{SmallVec, smallvec};
use wasmparser::{CompositeInnerType, CompositeType, Operator, SubType, ValType};

use crate::vm::TrapCode;
use crate::vm::gc::Init;

/// One operation of a constant expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstOp {
    /// Push an `i32`.
    I32(i32),
    /// Push an `i64`.
    I64(i64),
    /// Push an `f32` (bits).
    F32(u32),
    /// Push an `f64` (bits).
    F64(u64),
    /// Push a `v128`.
    V128(u128),
    /// Push a null reference.
    RefNull,
    /// Push a reference to function `index`.
    RefFunc(u32),
    /// Push global `index`'s value.
    GlobalGet(u32),
    /// `ref.i31` of the `i32` on top (GC).
    RefI31,
    /// `struct.new` of module type `.0`, which has `.1` fields (GC).
    StructNew(u32, u32),
    /// `struct.new_default` of module type `.0`.
    StructNewDefault(u32),
    /// `array.new` of module type `.0`.
    ArrayNew(u32),
    /// `array.new_default` of module type `.0`.
    ArrayNewDefault(u32),
    /// `array.new_fixed` of module type `.0` with `.1` elements.
    ArrayNewFixed(u32, u32),
    /// `i32.add` (extended-const).
    I32Add,
    /// `i32.sub`.
    I32Sub,
    /// `i32.mul`.
    I32Mul,
    /// `i64.add`.
    I64Add,
    /// `i64.sub`.
    I64Sub,
    /// `i64.mul`.
    I64Mul,
}

/// A validated constant expression.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConstExpr {
    /// Its operations in order. Most expressions are one constant or one `ref.func` (a
    /// table's elements are one per function), kept inline.
    pub ops: SmallVec<[ConstOp; 1]>,
}

impl ConstExpr {
    /// An expression that is a single reference to function `index`.
    pub fn ref_func(index: u32) -> Self {
        ConstExpr {
            ops: smallvec![ConstOp::RefFunc(index)],
        }
    }

    /// Reads a validated expression.
    pub(crate) fn parse(
        expr: &wasmparser::ConstExpr<'_>,
        types: &[SubType],
    ) -> Result<Self, super::CompileError> {
        let mut ops = SmallVec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let op = match reader.read()? {
                Operator::I32Const { value } => ConstOp::I32(value),
                Operator::I64Const { value } => ConstOp::I64(value),
                Operator::F32Const { value } => ConstOp::F32(value.bits()),
                Operator::F64Const { value } => ConstOp::F64(value.bits()),
                Operator::V128Const { value } => ConstOp::V128(value.i128() as u128),
                Operator::RefNull { .. } => ConstOp::RefNull,
                Operator::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                Operator::RefI31 => ConstOp::RefI31,
                Operator::StructNew { struct_type_index } => {
                    let fields = match types.get(struct_type_index as usize) {
                        Some(SubType {
                            composite_type:
                                CompositeType {
                                    inner: CompositeInnerType::Struct(ty),
                                    ..
                                },
                            ..
                        }) => ty.fields.len() as u32,
                        _ => 0,
                    };
                    ConstOp::StructNew(struct_type_index, fields)
                }
                Operator::StructNewDefault { struct_type_index } => {
                    ConstOp::StructNewDefault(struct_type_index)
                }
                Operator::ArrayNew { array_type_index } => ConstOp::ArrayNew(array_type_index),
                Operator::ArrayNewDefault { array_type_index } => {
                    ConstOp::ArrayNewDefault(array_type_index)
                }
                Operator::ArrayNewFixed {
                    array_type_index,
                    array_size,
                } => ConstOp::ArrayNewFixed(array_type_index, array_size),
                // One encoding serves both hierarchies (see `vm::gc`).
                Operator::AnyConvertExtern | Operator::ExternConvertAny => continue,
                Operator::I32Add => ConstOp::I32Add,
                Operator::I32Sub => ConstOp::I32Sub,
                Operator::I32Mul => ConstOp::I32Mul,
                Operator::I64Add => ConstOp::I64Add,
                Operator::I64Sub => ConstOp::I64Sub,
                Operator::I64Mul => ConstOp::I64Mul,
                Operator::End => continue,
                other => {
                    return Err(super::CompileError::at(
                        format!("constant expression operator not supported: {other:?}"),
                        reader.original_position() as usize,
                    ));
                }
            };
            ops.push(op);
        }
        Ok(ConstExpr { ops })
    }

    /// Evaluates an expression that allocates nothing (every constant expression without
    /// GC). `global` reads a global's two slots and `func_ref` turns a function index into a
    /// reference slot; an allocation would read as null.
    pub fn eval(
        &self,
        global: impl FnMut(u32) -> [u64; 2],
        func_ref: impl FnMut(u32) -> u64,
    ) -> [u64; 2] {
        self.eval_with(global, func_ref, |_, _, _| {
            Err(TrapCode::AllocationTooLarge)
        })
        .unwrap_or_default()
    }

    /// Evaluates the expression. `global` reads a global's two slots, `func_ref` turns a
    /// function index into a reference slot, and `alloc(ty, len, init)` allocates a GC
    /// object of module type `ty` (failing, for instance, when it is too large).
    pub fn eval_with(
        &self,
        mut global: impl FnMut(u32) -> [u64; 2],
        mut func_ref: impl FnMut(u32) -> u64,
        mut alloc: impl FnMut(u32, u32, Init<'_>) -> Result<u64, TrapCode>,
    ) -> Result<[u64; 2], TrapCode> {
        let mut stack: smallvec::SmallVec<[[u64; 2]; 4]> = smallvec::SmallVec::new();
        for op in &self.ops {
            let value = match *op {
                ConstOp::I32(v) => [v as u32 as u64, 0],
                ConstOp::I64(v) => [v as u64, 0],
                ConstOp::F32(v) => [v as u64, 0],
                ConstOp::F64(v) => [v, 0],
                ConstOp::V128(v) => [v as u64, (v >> 64) as u64],
                ConstOp::RefNull => [0, 0],
                ConstOp::RefFunc(index) => [func_ref(index), 0],
                ConstOp::GlobalGet(index) => global(index),
                ConstOp::RefI31 => {
                    let value = stack.pop().unwrap_or_default()[0] as u32;
                    [crate::vm::gc::i31_slot(value), 0]
                }
                ConstOp::StructNew(ty, fields) => {
                    let fields = (fields as usize).min(stack.len());
                    let values: Vec<[u64; 2]> = stack.drain(stack.len() - fields..).collect();
                    [alloc(ty, 0, Init::Values(&values))?, 0]
                }
                ConstOp::StructNewDefault(ty) => [alloc(ty, 0, Init::Default)?, 0],
                ConstOp::ArrayNew(ty) => {
                    let len = stack.pop().unwrap_or_default()[0] as u32;
                    let init = stack.pop().unwrap_or_default();
                    [alloc(ty, len, Init::Repeat(init))?, 0]
                }
                ConstOp::ArrayNewDefault(ty) => {
                    let len = stack.pop().unwrap_or_default()[0] as u32;
                    [alloc(ty, len, Init::Default)?, 0]
                }
                ConstOp::ArrayNewFixed(ty, count) => {
                    let count = (count as usize).min(stack.len());
                    let values: Vec<[u64; 2]> = stack.drain(stack.len() - count..).collect();
                    [alloc(ty, count as u32, Init::Values(&values))?, 0]
                }
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let b = stack.pop().unwrap_or_default()[0] as u32;
                    let a = stack.pop().unwrap_or_default()[0] as u32;
                    let r = match *op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    };
                    [r as u64, 0]
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    let b = stack.pop().unwrap_or_default()[0];
                    let a = stack.pop().unwrap_or_default()[0];
                    let r = match *op {
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    };
                    [r, 0]
                }
            };
            stack.push(value);
        }
        Ok(stack.pop().unwrap_or_default())
    }
}

/// Number of 64-bit slots a value of type `ty` takes.
pub fn slot_count(ty: ValType) -> u16 {
    match ty {
        ValType::V128 => 2,
        _ => 1,
    }
}
