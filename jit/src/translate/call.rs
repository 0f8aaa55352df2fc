//! `call` and `call_indirect`, both through the embedder's [`crate::CallHelper`].
//!
//! The arguments are written to a scratch area in the frame as value slots, the helper runs
//! the callee on them, and the results are read back from the same slots. A non-zero status
//! from the helper leaves the function at once with that status.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Type, Value, types};
use tandem_interp::TrapCode;
use tandem_interp::vm::{
    FuncEntry, SigId, Slot, VMCTX_FUNCS, VMCTX_SIG_IDS, VMCTX_TABLES, VmTable,
};

use super::{FuncTranslator, Result, clif_types, vm_flags, vm_readonly_flags};
use crate::error::JitError;

impl FuncTranslator<'_, '_> {
    /// The parameter and result types of function type `type_index`.
    fn call_signature(&self, type_index: u32) -> Result<(Vec<Type>, Vec<Type>)> {
        let ty = self.info.type_at(type_index);
        Ok((clif_types(ty.params())?, clif_types(ty.results())?))
    }

    pub(super) fn call(&mut self, function_index: u32) -> Result<()> {
        let type_index = self.info.funcs[function_index as usize];
        let (params, results) = self.call_signature(type_index)?;
        let pointer = self.pointer();
        let funcs = self
            .b
            .ins()
            .load(pointer, vm_readonly_flags(), self.vmctx, VMCTX_FUNCS as i32);
        let offset = function_index as usize * size_of::<*const FuncEntry>();
        let entry = self
            .b
            .ins()
            .load(pointer, vm_readonly_flags(), funcs, offset as i32);
        self.call_entry(entry, &params, &results)
    }

    /// `call_indirect`: the element must be in the table (else "undefined element"), not
    /// null ("uninitialized element") and of the expected signature ("indirect call type
    /// mismatch"), checked in that order as the interpreter does.
    pub(super) fn call_indirect(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        if self.info.table_types[table_index as usize].table64 {
            return Err(JitError::Unsupported("table64".into()));
        }
        let (params, results) = self.call_signature(type_index)?;
        let pointer = self.pointer();
        let index = self.pop();
        let index = self.b.ins().uextend(types::I64, index);

        let tables = self.b.ins().load(
            pointer,
            vm_readonly_flags(),
            self.vmctx,
            VMCTX_TABLES as i32,
        );
        let table = self.b.ins().load(
            pointer,
            vm_readonly_flags(),
            tables,
            (table_index as usize * size_of::<*mut VmTable>()) as i32,
        );
        // The length and the element array change when the table grows: loaded every time.
        let len = self.b.ins().load(
            types::I64,
            vm_flags(),
            table,
            offset_of!(VmTable, len) as i32,
        );
        let outside = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trap_if(outside, TrapCode::UndefinedElement);
        let elements =
            self.b
                .ins()
                .load(pointer, vm_flags(), table, offset_of!(VmTable, base) as i32);
        let offset = self.b.ins().imul_imm_u(index, size_of::<Slot>() as i64);
        let element = self.b.ins().iadd(elements, offset);
        let entry = self.b.ins().load(pointer, vm_flags(), element, 0);
        self.trap_if_zero(entry, TrapCode::IndirectCallToNull);

        let actual = self.b.ins().load(
            types::I32,
            vm_flags(),
            entry,
            offset_of!(FuncEntry, sig) as i32,
        );
        let sig_ids = self.b.ins().load(
            pointer,
            vm_readonly_flags(),
            self.vmctx,
            VMCTX_SIG_IDS as i32,
        );
        let expected = self.b.ins().load(
            types::I32,
            vm_readonly_flags(),
            sig_ids,
            (type_index as usize * size_of::<SigId>()) as i32,
        );
        let mismatch = self.b.ins().icmp(IntCC::NotEqual, actual, expected);
        self.trap_if(mismatch, TrapCode::BadSignature);
        self.call_entry(entry, &params, &results)
    }

    fn trap_if_zero(&mut self, value: Value, code: TrapCode) {
        let is_zero = self.b.ins().icmp_imm_u(IntCC::Equal, value, 0);
        self.trap_if(is_zero, code);
    }

    /// Calls function entry `entry` with the top `params.len()` operands through the call
    /// helper, and pushes its results.
    fn call_entry(&mut self, entry: Value, params: &[Type], results: &[Type]) -> Result<()> {
        let helper = self
            .env
            .call_helper
            .ok_or_else(|| JitError::Unsupported("calls (no call helper is set)".into()))?;
        let slots = self.call_slots(params.len().max(results.len()));
        let args = self.stack.split_off(self.stack.len() - params.len());
        for (index, arg) in args.into_iter().enumerate() {
            let raw = self.encode_slot(arg);
            self.b
                .ins()
                .store(vm_flags(), raw, slots, (index * size_of::<Slot>()) as i32);
        }
        let sig = self.helper_sig();
        let pointer = self.pointer();
        let callee = self
            .b
            .ins()
            .iconst(pointer, helper as *const () as usize as i64);
        let call = self
            .b
            .ins()
            .call_indirect(sig, callee, &[self.vmctx, entry, slots]);
        let status = self.b.inst_results(call)[0];
        self.propagate_status(status);
        for (index, &ty) in results.iter().enumerate() {
            let raw = self.b.ins().load(
                types::I64,
                vm_flags(),
                slots,
                (index * size_of::<Slot>()) as i32,
            );
            let value = self.decode_slot(ty, raw);
            self.push(value);
        }
        self.reload_memory_len();
        Ok(())
    }
}
