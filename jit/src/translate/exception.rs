//! Exceptions: `try_table`, `throw` and `throw_ref`.
//!
//! An exception leaves compiled code as the exception status, its `exnref` in
//! `VmLimits::thrown` (see [`crate::abi`]). Where one can start (a `throw`, a `throw_ref`, a
//! call whose callee stopped) the function *raises* the status: it jumps to the handler block
//! of the innermost `try_table` around the operator, or, outside any, to the block that
//! returns the status. A handler passes any other status on to that block at once; for an
//! exception it tries the `try_table`'s catch clauses in order, each tag through the `catch`
//! built-in, and branches to the label of the first that matches, with the payload (and the
//! `exnref` for the `_ref` clauses) as the label's values. When none matches, it raises the
//! exception again, in the context around the `try_table`.
//!
//! A handler block is filled at its `try_table`'s `end`: every raise inside is known by then,
//! and the control stack is the one outside the `try_table`, which is what catch labels are
//! relative to.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, Block, InstBuilder, Type, Value, types};
use tandem_interp::TrapCode;
use tandem_interp::vm::VmLimits;
use wasmparser::{BlockType, Catch};

use super::control::FrameKind;
use super::{FuncTranslator, Result, clif_types, slot_count, slot_offset, slots_of, vm_flags};
use crate::abi::STATUS_EXCEPTION;
use crate::builtins;

impl FuncTranslator<'_, '_> {
    pub(super) fn try_table(&mut self, ty: BlockType, catches: &[Catch]) -> Result<()> {
        // Payload types are checked up front: a handler must be able to load them.
        for catch in catches {
            if let Catch::One { tag, .. } | Catch::OneRef { tag, .. } = *catch {
                self.payload_types(tag)?;
            }
        }
        self.open_block(
            ty,
            FrameKind::TryTable {
                catches: catches.to_vec(),
                handler: None,
            },
        )
    }

    /// `throw`: creates an exception of `tag` with the top operands as its payload and
    /// raises it.
    pub(super) fn throw(&mut self, tag: u32) -> Result<()> {
        let types = self.payload_types(tag)?;
        let payload = self.stack.split_off(self.stack.len() - types.len());
        let slots = self.call_slots(slots_of(&types));
        self.store_args(&payload, slots);
        let tag = self.b.ins().iconst(types::I32, i64::from(tag));
        let status = self.call_native(
            builtins::throw as *const () as usize,
            &[self.vmctx, tag, slots],
            &[types::I32],
        )[0];
        self.raise(status);
        Ok(())
    }

    /// `throw_ref`: raises the exception on top again; traps on null.
    pub(super) fn throw_ref(&mut self) {
        let exn = self.pop();
        self.trap_if_zero(exn, TrapCode::NullReference);
        let limits = self.limits();
        self.b
            .ins()
            .store(vm_flags(), exn, limits, offset_of!(VmLimits, thrown) as i32);
        let status = self.b.ins().iconst(types::I32, i64::from(STATUS_EXCEPTION));
        self.raise(status);
    }

    /// Jumps with `status` to where a stop at the current operator goes; what follows is
    /// unreachable.
    fn raise(&mut self, status: Value) {
        let target = self.raise_target();
        let offset = self.offset_arg();
        self.b
            .ins()
            .jump(target, &[ir::BlockArg::Value(status), offset]);
        self.reachable = false;
    }

    /// The block a non-zero status at the current operator jumps to, with the status and the
    /// operator's wasm offset: the handler of the innermost `try_table`, or the block that
    /// leaves the function.
    pub(crate) fn raise_target(&mut self) -> Block {
        let innermost = self
            .controls
            .iter()
            .rposition(|frame| matches!(frame.kind, FrameKind::TryTable { .. }));
        let Some(index) = innermost else {
            return self.status_exit();
        };
        if let FrameKind::TryTable {
            handler: Some(handler),
            ..
        } = self.controls[index].kind
        {
            return handler;
        }
        let handler = self.b.create_block();
        self.b.append_block_param(handler, types::I32);
        self.b.append_block_param(handler, types::I32);
        self.b.set_cold_block(handler);
        if let FrameKind::TryTable { handler: slot, .. } = &mut self.controls[index].kind {
            *slot = Some(handler);
        }
        handler
    }

    /// Fills `handler`, the handler block of a `try_table` with `catches` whose frame has
    /// just been closed.
    pub(super) fn fill_handler(&mut self, handler: Block, catches: &[Catch]) {
        // Every raise inside the `try_table` has been translated.
        self.b.seal_block(handler);
        self.b.switch_to_block(handler);
        let (status, offset) = (
            self.b.block_params(handler)[0],
            self.b.block_params(handler)[1],
        );
        let is_exception =
            self.b
                .ins()
                .icmp_imm_u(IntCC::Equal, status, i64::from(STATUS_EXCEPTION));
        let exit = self.status_exit();
        let catching = self.b.create_block();
        self.b.set_cold_block(catching);
        let stop = [ir::BlockArg::Value(status), ir::BlockArg::Value(offset)];
        self.b.ins().brif(is_exception, catching, &[], exit, &stop);
        self.b.seal_block(catching);
        self.b.switch_to_block(catching);
        for catch in catches {
            let (tag, label, with_ref) = match *catch {
                Catch::One { tag, label } => (Some(tag), label, false),
                Catch::OneRef { tag, label } => (Some(tag), label, true),
                Catch::All { label } => (None, label, false),
                Catch::AllRef { label } => (None, label, true),
            };
            let mut values = Vec::new();
            let exn = match tag {
                Some(tag) => {
                    let types = self
                        .payload_types(tag)
                        .expect("payload types checked at the `try_table`");
                    let slots = self.call_slots(slots_of(&types));
                    let tag = self.b.ins().iconst(types::I32, i64::from(tag));
                    let exn = self.call_native(
                        builtins::catch as *const () as usize,
                        &[self.vmctx, tag, slots],
                        &[types::I64],
                    )[0];
                    let next_clause = self.branch_out_of_line(exn, true);
                    let mut slot = 0;
                    for ty in types {
                        values.push(self.load_slots(ty, slots, slot_offset(slot)));
                        slot += slot_count(ty);
                    }
                    Some((exn, next_clause))
                }
                None => None,
            };
            if with_ref {
                let exn = match exn {
                    Some((exn, _)) => exn,
                    None => self.thrown(),
                };
                values.push(exn);
            }
            let height = self.stack.len();
            self.stack.extend(values);
            let (target, vars) = self.branch_target(label);
            self.assign_from_stack(&vars);
            self.stack.truncate(height);
            self.b.ins().jump(target, &[]);
            match exn {
                Some((_, next_clause)) => self.b.switch_to_block(next_clause),
                // A catch-all catches everything: later clauses never run.
                None => return,
            }
        }
        // No clause caught it: on to the handlers around the `try_table`.
        let outer = self.raise_target();
        self.b.ins().jump(outer, &stop);
    }

    /// The `exnref` of the exception being thrown.
    fn thrown(&mut self) -> Value {
        let limits = self.limits();
        self.b.ins().load(
            types::I64,
            vm_flags(),
            limits,
            offset_of!(VmLimits, thrown) as i32,
        )
    }

    /// The Cranelift types of tag `tag`'s payload.
    fn payload_types(&self, tag: u32) -> Result<Vec<Type>> {
        let ty = self.info.type_at(self.info.tags[tag as usize]);
        clif_types(ty.params())
    }
}
