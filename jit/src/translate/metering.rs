//! The checks that bound execution: the native stack limit at function entry, fuel at the
//! start of every fuel block, and the epoch deadline at function entries and loop headers.
//!
//! Fuel and epoch checks sit where the shared rule of [`tandem_interp::lower::fuel`] puts the
//! interpreter's `consume_fuel` and `check_epoch` instructions, and charge the same amounts,
//! so both tiers leave the same fuel behind and stop at the same point.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};
use tandem_interp::TrapCode;
use tandem_interp::vm::{VMCTX_LIMITS, VmLimits};

use super::{FuncTranslator, vm_context_flags, vm_flags};

impl FuncTranslator<'_, '_> {
    /// The store's limits (`VmCtx::limits`, fixed for the context's life).
    pub(super) fn limits(&mut self) -> Value {
        let pointer = self.pointer();
        self.b
            .ins()
            .load(pointer, vm_context_flags(), self.vmctx, VMCTX_LIMITS as i32)
    }

    /// Traps with "call stack exhausted" when the stack pointer is below
    /// `VmLimits::stack_limit`. The check runs after the prologue, so the budget the embedder
    /// leaves below the limit must hold one frame and the helpers' frames.
    pub(super) fn check_stack_limit(&mut self) {
        let pointer = self.pointer();
        let limits = self.limits();
        let limit = self.b.ins().load(
            pointer,
            vm_flags(),
            limits,
            offset_of!(VmLimits, stack_limit) as i32,
        );
        let sp = self.b.ins().get_stack_pointer(pointer);
        let below = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        self.trap_if(below, TrapCode::StackOverflow);
    }

    /// Charges `amount` units of fuel: traps with "all fuel consumed" when less is left,
    /// subtracts it otherwise. A zero charge changes nothing (fuel is never negative), so it
    /// emits no code.
    pub(super) fn charge_fuel(&mut self, amount: u32) {
        if amount == 0 {
            return;
        }
        let limits = self.limits();
        let offset = offset_of!(VmLimits, fuel) as i32;
        let fuel = self.b.ins().load(types::I64, vm_flags(), limits, offset);
        let short = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedLessThan, fuel, i64::from(amount));
        self.trap_if(short, TrapCode::OutOfFuel);
        let rest = self.b.ins().iadd_imm_s(fuel, -i64::from(amount));
        self.b.ins().store(vm_flags(), rest, limits, offset);
    }

    /// Traps with "interrupt" once the engine's epoch has reached the store's deadline.
    pub(super) fn check_epoch(&mut self) {
        let pointer = self.pointer();
        let limits = self.limits();
        // The epoch counter is bumped by other threads: an atomic load, which Cranelift never
        // merges with an earlier one, so a loop sees every new value.
        let counter = self.b.ins().load(
            pointer,
            vm_context_flags(),
            limits,
            offset_of!(VmLimits, epoch) as i32,
        );
        let epoch = self.b.ins().atomic_load(types::I64, vm_flags(), counter);
        let deadline = self.b.ins().load(
            types::I64,
            vm_flags(),
            limits,
            offset_of!(VmLimits, epoch_deadline) as i32,
        );
        let passed = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline);
        self.trap_if(passed, TrapCode::Interrupt);
    }
}
