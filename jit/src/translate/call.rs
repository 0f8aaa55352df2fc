//! `call`, `call_indirect`, `call_ref` and their tail-call forms: callees with native code
//! directly, everything else through the embedder's [`crate::CallHelper`].
//!
//! The arguments are written to a scratch area in the frame as value slots, the callee (or
//! the helper) runs on them, and the results are read back from the same slots. A non-zero status
//! from the helper leaves the function at once with that status, after any tail calls the
//! callee left pending have been made (see [`crate::abi`]).
//!
//! A tail call of the function itself assigns the parameters and jumps back to the start of
//! the body. Any other tail call records the callee and its arguments with a built-in and
//! returns [`crate::abi::STATUS_TAIL_CALL`], so the caller makes the call after this frame is
//! gone.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Type, Value, types};
use tandem_interp::TrapCode;
use tandem_interp::vm::{
    FuncEntry, SigId, Slot, VMCTX_FUNCS, VMCTX_SIG_IDS, VMCTX_TABLES, VmTable,
};

use super::{
    FuncTranslator, Result, clif_types, slot_count, slot_offset, slots_of, vm_flags,
    vm_readonly_flags,
};
use crate::abi::{CallHelper, STATUS_TAIL_CALL};
use crate::builtins;
use crate::error::JitError;

impl FuncTranslator<'_, '_> {
    /// The parameter and result types of function type `type_index`.
    fn call_signature(&self, type_index: u32) -> Result<(Vec<Type>, Vec<Type>)> {
        let ty = self.info.type_at(type_index);
        Ok((clif_types(ty.params())?, clif_types(ty.results())?))
    }

    /// The call helper, without which no call is compiled.
    fn helper(&self) -> Result<CallHelper> {
        self.env
            .call_helper
            .ok_or_else(|| JitError::Unsupported("calls (no call helper is set)".into()))
    }

    /// The entry of function `function_index`.
    fn func_entry(&mut self, function_index: u32) -> Value {
        let pointer = self.pointer();
        let funcs = self
            .b
            .ins()
            .load(pointer, vm_readonly_flags(), self.vmctx, VMCTX_FUNCS as i32);
        let offset = function_index as usize * size_of::<*const FuncEntry>();
        self.b
            .ins()
            .load(pointer, vm_readonly_flags(), funcs, offset as i32)
    }

    pub(super) fn call(&mut self, function_index: u32) -> Result<()> {
        let type_index = self.info.funcs[function_index as usize];
        let (params, results) = self.call_signature(type_index)?;
        self.helper()?;
        let entry = self.func_entry(function_index);
        self.call_entry(entry, &params, &results)
    }

    pub(super) fn call_indirect(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        let (params, results) = self.call_signature(type_index)?;
        self.helper()?;
        let entry = self.indirect_callee(type_index, table_index);
        self.call_entry(entry, &params, &results)
    }

    pub(super) fn call_ref(&mut self, type_index: u32) -> Result<()> {
        let (params, results) = self.call_signature(type_index)?;
        self.helper()?;
        let entry = self.pop();
        self.trap_if_zero(entry, TrapCode::NullReference);
        self.call_entry(entry, &params, &results)
    }

    pub(super) fn return_call(&mut self, function_index: u32) -> Result<()> {
        let type_index = self.info.funcs[function_index as usize];
        let (params, _) = self.call_signature(type_index)?;
        if function_index == self.func_index
            && let Some(start) = self.body_start
        {
            self.self_tail_call(start, params.len());
            return Ok(());
        }
        self.helper()?;
        let entry = self.func_entry(function_index);
        self.tail_call(entry, &params);
        Ok(())
    }

    pub(super) fn return_call_indirect(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        let (params, _) = self.call_signature(type_index)?;
        self.helper()?;
        let entry = self.indirect_callee(type_index, table_index);
        self.tail_call(entry, &params);
        Ok(())
    }

    pub(super) fn return_call_ref(&mut self, type_index: u32) -> Result<()> {
        let (params, _) = self.call_signature(type_index)?;
        self.helper()?;
        let entry = self.pop();
        self.trap_if_zero(entry, TrapCode::NullReference);
        self.tail_call(entry, &params);
        Ok(())
    }

    /// Pops the element index of `call_indirect` and returns the function entry it selects in
    /// table `table_index`. The element must be in the table (else "undefined element"), not
    /// null ("uninitialized element") and of type `type_index` ("indirect call type
    /// mismatch"), checked in that order as the interpreter does.
    fn indirect_callee(&mut self, type_index: u32, table_index: u32) -> Value {
        let pointer = self.pointer();
        let index = self.pop();
        // Table32 indices are read as unsigned 32-bit numbers, table64 ones whole.
        let index = self.extend_u64(index);

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
        entry
    }

    /// Writes the top `count` operands into the call slots, which must have room for
    /// `slots_needed` slots, and returns the slots' address.
    fn store_args(&mut self, count: usize, slots_needed: usize) -> Value {
        let slots = self.call_slots(slots_needed);
        let args = self.stack.split_off(self.stack.len() - count);
        let mut slot = 0;
        for arg in args {
            slot += self.store_value_at(arg, slots, slot);
        }
        slots
    }

    /// Calls function entry `entry` with the top `params.len()` operands through the call
    /// helper, and pushes its results.
    fn call_entry(&mut self, entry: Value, params: &[Type], results: &[Type]) -> Result<()> {
        let helper = self.helper()?;
        let slots = self.store_args(params.len(), slots_of(params).max(slots_of(results)));
        // A callee with native code is called directly, with the array-call convention the
        // helper would use for it; anything else (interpreted or host) goes through the
        // helper.
        let pointer = self.pointer();
        let native = self.b.ins().load(
            pointer,
            vm_flags(),
            entry,
            offset_of!(FuncEntry, native) as i32,
        );
        let direct = self.b.create_block();
        let through_helper = self.b.create_block();
        let called = self.b.create_block();
        self.b.append_block_param(called, types::I32);
        self.b.ins().brif(native, direct, &[], through_helper, &[]);
        self.b.seal_block(direct);
        self.b.seal_block(through_helper);

        self.b.switch_to_block(direct);
        let callee_vmctx = self.b.ins().load(
            pointer,
            vm_readonly_flags(),
            entry,
            offset_of!(FuncEntry, vmctx) as i32,
        );
        let sig = self.signature(&[pointer, pointer], &[types::I32]);
        let call = self
            .b
            .ins()
            .call_indirect(sig, native, &[callee_vmctx, slots]);
        let status = self.b.inst_results(call)[0];
        self.b.ins().jump(called, &[ir::BlockArg::Value(status)]);

        self.b.switch_to_block(through_helper);
        let status = self.call_native(
            helper as *const () as usize,
            &[self.vmctx, entry, slots],
            &[types::I32],
        )[0];
        self.b.ins().jump(called, &[ir::BlockArg::Value(status)]);

        self.b.seal_block(called);
        self.b.switch_to_block(called);
        let status = self.b.block_params(called)[0];
        self.check_call_status(status, slots, helper);
        let mut slot = 0;
        for &ty in results {
            let value = self.load_slots(ty, slots, slot_offset(slot));
            slot += slot_count(ty);
            self.push(value);
        }
        self.reload_memory_lens();
        Ok(())
    }

    /// Goes on in a new block when the callee's `status` is zero. Otherwise makes the tail
    /// calls the callee left pending (whose results land in `slots`) and goes on if they
    /// succeed, and leaves the function with any other status.
    fn check_call_status(&mut self, status: Value, slots: Value, helper: CallHelper) {
        let next = self.b.create_block();
        let stopped = self.b.create_block();
        self.b.set_cold_block(stopped);
        self.b.ins().brif(status, stopped, &[], next, &[]);
        self.b.seal_block(stopped);
        self.b.switch_to_block(stopped);
        let exit = self.status_exit();
        let resolve = self.b.create_block();
        self.b.set_cold_block(resolve);
        let is_tail_call =
            self.b
                .ins()
                .icmp_imm_u(IntCC::Equal, status, i64::from(STATUS_TAIL_CALL));
        self.b.ins().brif(
            is_tail_call,
            resolve,
            &[],
            exit,
            &[ir::BlockArg::Value(status)],
        );
        self.b.seal_block(resolve);
        self.b.switch_to_block(resolve);
        let pointer = self.pointer();
        let helper = self.b.ins().iconst(pointer, helper as usize as i64);
        let status = self.call_native(
            builtins::resolve_tail_calls as *const () as usize,
            &[status, slots, helper],
            &[types::I32],
        )[0];
        self.b
            .ins()
            .brif(status, exit, &[ir::BlockArg::Value(status)], next, &[]);
        self.b.seal_block(next);
        self.b.switch_to_block(next);
    }

    /// Leaves the function with a pending tail call of `entry` with the top `params.len()`
    /// operands, of types `params`.
    fn tail_call(&mut self, entry: Value, params: &[Type]) {
        let arg_slots = slots_of(params);
        let slots = self.store_args(params.len(), arg_slots);
        let count = self.b.ins().iconst(types::I32, arg_slots as i64);
        let status = self.call_native(
            builtins::tail_call as *const () as usize,
            &[self.vmctx, entry, slots, count],
            &[types::I32],
        )[0];
        self.b.ins().return_(&[status]);
        self.reachable = false;
    }

    /// A tail call of the function itself: the top `params` operands become the parameters,
    /// the other locals start from zero again, and execution goes back to the start of the
    /// body (whose fuel and epoch checks run again, as on entry).
    fn self_tail_call(&mut self, start: ir::Block, params: usize) {
        let args = self.stack.split_off(self.stack.len() - params);
        for (index, arg) in args.into_iter().enumerate() {
            self.b.def_var(self.locals[index], arg);
        }
        for index in self.param_count..self.locals.len() {
            let zero = self.zero(self.local_types[index]);
            self.b.def_var(self.locals[index], zero);
        }
        self.b.ins().jump(start, &[]);
        self.reachable = false;
    }
}
