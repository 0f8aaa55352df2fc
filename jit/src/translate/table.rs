//! References and tables.
//!
//! A reference is a 64-bit slot: a function entry's address for `funcref`, the embedder's
//! handle for `externref`, `0` for null. `table.get`, `table.set` and `table.size` read the
//! table's `VmTable` record inline (its element array and length are reloaded at every use,
//! since the table may grow); `table.grow`, `table.fill`, `table.copy`, `table.init` and
//! `elem.drop` run as built-ins.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};
use tandem_interp::TrapCode;
use tandem_interp::vm::{FuncEntry, Slot, VMCTX_FUNCS, VMCTX_TABLES, VmTable};
use wasmparser::Operator;

use super::{FuncTranslator, Result, vm_context_flags, vm_flags};
use crate::builtins;

impl FuncTranslator<'_, '_> {
    /// Translates `op` if it is a reference or table operator; `false` if it is not one.
    pub(super) fn table_op(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator::*;
        match *op {
            RefNull { .. } => {
                let null = self.b.ins().iconst(types::I64, 0);
                self.push(null);
            }
            RefIsNull => {
                let reference = self.pop();
                let is_null = self.b.ins().icmp_imm_u(IntCC::Equal, reference, 0);
                let is_null = self.b.ins().uextend(types::I32, is_null);
                self.push(is_null);
            }
            RefFunc { function_index } => {
                let pointer = self.pointer();
                let funcs =
                    self.b
                        .ins()
                        .load(pointer, vm_context_flags(), self.vmctx, VMCTX_FUNCS as i32);
                let offset = function_index as usize * size_of::<*const FuncEntry>();
                let entry = self
                    .b
                    .ins()
                    .load(pointer, vm_context_flags(), funcs, offset as i32);
                self.push(entry);
            }
            RefAsNonNull => {
                let reference = self.peek();
                self.trap_if_zero(reference, TrapCode::NullReference);
            }
            TableGet { table } => {
                let index = self.pop();
                let element = self.table_element(table, index);
                let value = self.b.ins().load(types::I64, vm_flags(), element, 0);
                self.push(value);
            }
            TableSet { table } => {
                let value = self.pop();
                let index = self.pop();
                let element = self.table_element(table, index);
                self.b.ins().store(vm_flags(), value, element, 0);
            }
            TableSize { table } => {
                let def = self.table_def(table);
                let len =
                    self.b
                        .ins()
                        .load(types::I64, vm_flags(), def, offset_of!(VmTable, len) as i32);
                let len = self.narrow_to_table_index(table, len);
                self.push(len);
            }
            TableGrow { table } => {
                let delta = self.pop();
                let init = self.pop();
                let delta = self.extend_u64(delta);
                let index = self.b.ins().iconst(types::I32, i64::from(table));
                let args = [self.vmctx, index, init, delta];
                let old = self.call_native(
                    builtins::table_grow as *const () as usize,
                    &args,
                    &[types::I64],
                )[0];
                // Failure (`u64::MAX`) narrows to -1 for 32-bit tables.
                let old = self.narrow_to_table_index(table, old);
                self.push(old);
            }
            TableFill { table } => {
                let (i, value, n) = self.pop3();
                let (i, n) = (self.extend_u64(i), self.extend_u64(n));
                let table = self.b.ins().iconst(types::I32, i64::from(table));
                self.builtin_status(
                    builtins::table_fill as *const () as usize,
                    &[table, i, value, n],
                );
            }
            TableCopy {
                dst_table,
                src_table,
            } => {
                let (d, s, n) = self.pop3();
                let (d, s, n) = (self.extend_u64(d), self.extend_u64(s), self.extend_u64(n));
                let dst = self.b.ins().iconst(types::I32, i64::from(dst_table));
                let src = self.b.ins().iconst(types::I32, i64::from(src_table));
                self.builtin_status(
                    builtins::table_copy as *const () as usize,
                    &[dst, src, d, s, n],
                );
            }
            TableInit { elem_index, table } => {
                let (d, s, n) = self.pop3();
                let d = self.extend_u64(d);
                let table = self.b.ins().iconst(types::I32, i64::from(table));
                let segment = self.b.ins().iconst(types::I32, i64::from(elem_index));
                self.builtin_status(
                    builtins::table_init as *const () as usize,
                    &[table, segment, d, s, n],
                );
            }
            ElemDrop { elem_index } => {
                let segment = self.b.ins().iconst(types::I32, i64::from(elem_index));
                let args = [self.vmctx, segment];
                self.call_native(builtins::elem_drop as *const () as usize, &args, &[]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The `VmTable` record of table `table`.
    fn table_def(&mut self, table: u32) -> Value {
        let pointer = self.pointer();
        let tables =
            self.b
                .ins()
                .load(pointer, vm_context_flags(), self.vmctx, VMCTX_TABLES as i32);
        self.b.ins().load(
            pointer,
            vm_context_flags(),
            tables,
            (table as usize * size_of::<*mut VmTable>()) as i32,
        )
    }

    /// The address of element `index` of table `table`, trapping with "out of bounds table
    /// access" when the table has no such element.
    fn table_element(&mut self, table: u32, index: Value) -> Value {
        self.element_address(table, index, TrapCode::TableOutOfBounds)
    }

    /// The address of element `index` (an `i32` or `i64` operand) of table `table`, trapping
    /// with `outside` when the table has no such element.
    ///
    /// A table whose type fixes its size (its maximum is its minimum, so that even an
    /// imported one has exactly that many elements) never grows: its length is a constant
    /// and its element array never moves, so Cranelift may hoist the array's address out of
    /// loops. Any other table's length and array are loaded at each access.
    pub(crate) fn element_address(&mut self, table: u32, index: Value, outside: TrapCode) -> Value {
        let pointer = self.pointer();
        let index = self.extend_u64(index);
        let def = self.table_def(table);
        let ty = self.info.table_types[table as usize];
        let fixed_len = ty.maximum.filter(|&max| max == ty.initial);
        let (len, elements_flags) = match fixed_len {
            Some(len) => (
                self.b.ins().iconst(types::I64, len as i64),
                vm_context_flags(),
            ),
            None => {
                let len =
                    self.b
                        .ins()
                        .load(types::I64, vm_flags(), def, offset_of!(VmTable, len) as i32);
                (len, vm_flags())
            }
        };
        let beyond = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trap_if(beyond, outside);
        let elements = self.b.ins().load(
            pointer,
            elements_flags,
            def,
            offset_of!(VmTable, base) as i32,
        );
        let offset = self.b.ins().imul_imm_u(index, size_of::<Slot>() as i64);
        self.b.ins().iadd(elements, offset)
    }

    /// A 64-bit size or index as table `table`'s index type.
    fn narrow_to_table_index(&mut self, table: u32, value: Value) -> Value {
        if self.info.table_types[table as usize].table64 {
            value
        } else {
            self.b.ins().ireduce(types::I32, value)
        }
    }
}
