//! `call`, `call_indirect`, `call_ref` and their tail-call forms: callees with compiled code
//! directly, everything else through the embedder's [`crate::CallHelper`].
//!
//! A callee whose entry has wasm-call code (`FuncEntry::native_wasm_call`), and the function
//! itself, are called directly with the operands as Cranelift arguments; their status and
//! results come back as return values. Any other callee goes through the helper: the operands
//! are written to a scratch area in the frame as value slots, the helper runs the callee on
//! them, and the results are read back from the same slots. A non-zero status leaves the
//! function at once with that status, after any tail calls the callee left pending have been
//! made (see [`crate::abi`]); the exception status is raised instead, for the handlers of
//! enclosing `try_table`s to catch (see [`super::exception`]).
//!
//! A tail call of the function itself assigns the parameters and jumps back to the start of
//! the body. Any other tail call records the callee and its arguments with a built-in and
//! returns [`crate::abi::STATUS_TAIL_CALL`], so the caller makes the call after this frame is
//! gone.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Type, Value, types};
use cranelift_codegen::isa::CallConv;
use tandem_interp::TrapCode;
use tandem_interp::vm::{FuncEntry, SigId, VMCTX_FUNCS, VMCTX_SIG_IDS};

use super::{
    FuncTranslator, Result, clif_types, results_in_registers, slot_count, slot_offset, slots_of,
    vm_context_flags, vm_flags, vm_readonly_flags, wasm_call_signature_of,
};
use crate::abi::{CallHelper, STATUS_TAIL_CALL};
use crate::builtins;
use crate::error::JitError;

/// How a direct call reaches its callee's wasm-call code.
#[derive(Clone, Copy)]
enum Direct {
    /// Through the code address loaded from its entry.
    Code(Value),
    /// By a call of a function of the compiled module (the function itself).
    Func(ir::FuncRef),
}

/// What a call calls.
#[derive(Clone, Copy)]
enum Callee {
    /// The function entry: compiled code if it has wasm-call code, else through the helper.
    Entry(Value),
    /// The function being compiled, directly.
    Myself(ir::FuncRef),
}

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
            .load(pointer, vm_context_flags(), self.vmctx, VMCTX_FUNCS as i32);
        let offset = function_index as usize * size_of::<*const FuncEntry>();
        self.b
            .ins()
            .load(pointer, vm_context_flags(), funcs, offset as i32)
    }

    pub(super) fn call(&mut self, function_index: u32) -> Result<()> {
        let type_index = self.info.funcs[function_index as usize];
        let (params, results) = self.call_signature(type_index)?;
        self.helper()?;
        if function_index == self.func_index
            && let Some(myself) = self.self_ref
        {
            return self.call_callee(Callee::Myself(myself), &params, &results);
        }
        let entry = self.func_entry(function_index);
        self.call_entry(entry, &params, &results)
    }

    pub(super) fn call_indirect(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        let (params, results) = self.call_signature(type_index)?;
        self.helper()?;
        let entry = self.indirect_callee(type_index, table_index)?;
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
        let entry = self.indirect_callee(type_index, table_index)?;
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
    ///
    /// The type check is one comparison of ids, which settles it for a final type (no
    /// subtype can exist). For a type that is not final, a function whose type declares it
    /// as a supertype passes too: ids that differ are checked again, out of line, by a
    /// built-in that looks at the function type's supertypes.
    fn indirect_callee(&mut self, type_index: u32, table_index: u32) -> Result<Value> {
        let pointer = self.pointer();
        let index = self.pop();
        // Table32 indices are read as unsigned 32-bit numbers, table64 ones whole.
        let element = self.element_address(table_index, index, TrapCode::UndefinedElement);
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
            vm_context_flags(),
            self.vmctx,
            VMCTX_SIG_IDS as i32,
        );
        let expected = self.b.ins().load(
            types::I32,
            vm_context_flags(),
            sig_ids,
            (type_index as usize * size_of::<SigId>()) as i32,
        );
        let mismatch = self.b.ins().icmp(IntCC::NotEqual, actual, expected);
        if self.info.types[type_index as usize].is_final {
            self.trap_if(mismatch, TrapCode::BadSignature);
        } else {
            let checked = self.b.create_block();
            let subtype_check = self.branch_out_of_line(mismatch, false);
            self.b.ins().jump(checked, &[]);
            self.b.switch_to_block(subtype_check);
            let address = builtins::func_has_type as *const () as usize;
            let matches = self.call_native(address, &[entry, expected], &[types::I32])[0];
            self.trap_if_zero(matches, TrapCode::BadSignature);
            self.b.ins().jump(checked, &[]);
            self.b.seal_block(checked);
            self.b.switch_to_block(checked);
        }
        Ok(entry)
    }

    /// Writes `args` into the value slots at `slots`.
    pub(super) fn store_args(&mut self, args: &[Value], slots: Value) {
        let mut slot = 0;
        for &arg in args {
            slot += self.store_value_at(arg, slots, slot);
        }
    }

    /// Calls function entry `entry` with the top `params.len()` operands and pushes its
    /// results.
    fn call_entry(&mut self, entry: Value, params: &[Type], results: &[Type]) -> Result<()> {
        self.call_callee(Callee::Entry(entry), params, results)
    }

    /// Calls `callee` with the top `params.len()` operands and pushes its results.
    ///
    /// A callee with wasm-call code (always the function itself) is called directly with the
    /// operands in registers; any other (interpreted, host, or compiled but only with an
    /// array-call entry) goes through the helper with the operands in the call slots. A
    /// callee that stops with a pending tail call leaves it to be made here, its results
    /// landing in the call slots.
    fn call_callee(&mut self, callee: Callee, params: &[Type], results: &[Type]) -> Result<()> {
        let helper = self.helper()?;
        let args = self.stack.split_off(self.stack.len() - params.len());
        let slots = self.call_slots(slots_of(params).max(slots_of(results)));
        let pointer = self.pointer();

        let returned = self.b.create_block();
        for &ty in results {
            self.b.append_block_param(returned, ty);
        }
        let stopped = self.b.create_block();
        self.b.append_block_param(stopped, types::I32);
        self.b.set_cold_block(stopped);
        let from_slots = self.b.create_block();

        // The direct call, with the callee's context and the operands (and the call slots
        // for results that do not come back in registers).
        let in_registers = results_in_registers(results);
        let call_direct = |t: &mut Self, target: Direct, callee_vmctx: Value| {
            let mut direct_args = Vec::with_capacity(args.len() + 2);
            direct_args.push(callee_vmctx);
            direct_args.extend_from_slice(&args);
            if !in_registers {
                direct_args.push(slots);
            }
            let call = match target {
                Direct::Code(code) => {
                    let signature = wasm_call_signature_of(params, results, pointer);
                    let sig_params: Vec<Type> =
                        signature.params.iter().map(|p| p.value_type).collect();
                    let sig_returns: Vec<Type> =
                        signature.returns.iter().map(|r| r.value_type).collect();
                    let sig = t.signature_in(CallConv::Tail, &sig_params, &sig_returns);
                    t.b.ins().call_indirect(sig, code, &direct_args)
                }
                Direct::Func(func_ref) => t.b.ins().call(func_ref, &direct_args),
            };
            let returned_values = t.b.inst_results(call).to_vec();
            let status = returned_values[0];
            let results: Vec<ir::BlockArg> = returned_values[1..]
                .iter()
                .map(|&v| ir::BlockArg::Value(v))
                .collect();
            let (next, results) = if in_registers {
                (returned, results)
            } else {
                (from_slots, Vec::new())
            };
            t.b.ins().brif(
                status,
                stopped,
                &[ir::BlockArg::Value(status)],
                next,
                &results,
            );
        };

        match callee {
            Callee::Myself(func_ref) => {
                let vmctx = self.vmctx;
                call_direct(self, Direct::Func(func_ref), vmctx);
            }
            Callee::Entry(entry) => {
                let code = self.b.ins().load(
                    pointer,
                    vm_flags(),
                    entry,
                    offset_of!(FuncEntry, native_wasm_call) as i32,
                );
                // Callees without compiled code pay for the helper anyway: their path is
                // laid out of line.
                let through_helper = self.branch_out_of_line(code, true);
                let callee_vmctx = self.b.ins().load(
                    pointer,
                    vm_readonly_flags(),
                    entry,
                    offset_of!(FuncEntry, vmctx) as i32,
                );
                call_direct(self, Direct::Code(code), callee_vmctx);

                self.b.switch_to_block(through_helper);
                self.store_args(&args, slots);
                let status = self.call_native(
                    helper as *const () as usize,
                    &[self.vmctx, entry, slots],
                    &[types::I32],
                )[0];
                self.b.ins().brif(
                    status,
                    stopped,
                    &[ir::BlockArg::Value(status)],
                    from_slots,
                    &[],
                );
            }
        }

        // A callee that stopped: make its pending tail calls, or leave with its status.
        self.b.seal_block(stopped);
        self.b.switch_to_block(stopped);
        let status = self.b.block_params(stopped)[0];
        self.resolve_or_leave(status, slots, helper, from_slots);

        // Results in the slots: from the helper, or from a resolved tail call.
        self.b.seal_block(from_slots);
        self.b.switch_to_block(from_slots);
        let mut slot = 0;
        let mut values = Vec::with_capacity(results.len());
        for &ty in results {
            let value = self.load_slots(ty, slots, slot_offset(slot));
            slot += slot_count(ty);
            values.push(ir::BlockArg::Value(value));
        }
        self.b.ins().jump(returned, &values);

        self.b.seal_block(returned);
        self.b.switch_to_block(returned);
        let values = self.b.block_params(returned).to_vec();
        for value in values {
            self.push(value);
        }
        self.reload_memory_lens();
        Ok(())
    }

    /// In a block reached with the non-zero `status` of a callee: makes the tail calls it
    /// left pending (their results landing in `slots`) and goes on to `next` if they
    /// succeed, or raises any other status (which leaves the function unless it is an
    /// exception that a handler here catches).
    fn resolve_or_leave(
        &mut self,
        status: Value,
        slots: Value,
        helper: CallHelper,
        next: ir::Block,
    ) {
        let exit = self.raise_target();
        let resolve = self.b.create_block();
        self.b.set_cold_block(resolve);
        let is_tail_call =
            self.b
                .ins()
                .icmp_imm_u(IntCC::Equal, status, i64::from(STATUS_TAIL_CALL));
        let offset = self.offset_arg();
        self.b.ins().brif(
            is_tail_call,
            resolve,
            &[],
            exit,
            &[ir::BlockArg::Value(status), offset],
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
        let offset = self.offset_arg();
        self.b.ins().brif(
            status,
            exit,
            &[ir::BlockArg::Value(status), offset],
            next,
            &[],
        );
    }

    /// Leaves the function with a pending tail call of `entry` with the top `params.len()`
    /// operands, of types `params`.
    fn tail_call(&mut self, entry: Value, params: &[Type]) {
        let arg_slots = slots_of(params);
        let args = self.stack.split_off(self.stack.len() - params.len());
        let slots = self.call_slots(arg_slots);
        self.store_args(&args, slots);
        let count = self.b.ins().iconst(types::I32, arg_slots as i64);
        let status = self.call_native(
            builtins::tail_call as *const () as usize,
            &[self.vmctx, entry, slots, count],
            &[types::I32],
        )[0];
        self.return_status(status);
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
