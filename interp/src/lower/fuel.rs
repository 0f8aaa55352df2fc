//! The fuel rule, shared by both tiers so that a program leaves the same fuel behind (or runs
//! out of it at the same point) whichever tier runs it.
//!
//! # The rule
//!
//! A function body is cut into *fuel blocks*, straight-line runs of operators:
//!
//! - the first block starts at the function's entry;
//! - a new block starts right after every reachable operator for which
//!   [`starts_block_after`] holds: `loop` (the block is the loop header, which every back
//!   edge re-enters), `else` (the `else` arm), `end` of any frame but the function's, and
//!   `try_table` (its body).
//!
//! Each block is charged once, when execution enters it, with the summed [`cost`] of its
//! reachable operators (the operator that ends a block belongs to it), saturating at
//! `u32::MAX`. A charge of `amount` traps with "all fuel consumed" when the remaining fuel is
//! below `amount` and subtracts it otherwise; so an operator that traps, calls or branches in
//! the middle of a block has already paid for the rest of its block.
//!
//! Conditional branches (`if`, `br_if`, `br_on_null`, `br_on_non_null`, `br_on_cast`,
//! `br_on_cast_fail`) do not end a block: the path on which they do not branch (for `if`,
//! its `then` arm) is only entered from them, so it is paid for with the block they are in,
//! also when they branch. A loop that tests its exit at the top and branches back at the
//! bottom then pays once per iteration, not twice; a call whose body is an `if` pays once on
//! the `then` path.
//!
//! Operators that cannot execute are not charged: those after an unconditional transfer
//! (`br`, `br_table`, `return`, `unreachable`, `return_call*`, `throw`, `throw_ref`) up to the
//! `else` or `end` of the enclosing frame, and after an `end` that no path reaches.
//!
//! The interpreter's translator emits its `consume_fuel` instructions at these points (debug
//! builds check that it does); [`plan`] computes the charges for a tier that needs them before
//! translating the body, such as the Cranelift tier. The interpreter's later passes may move
//! a charge above an instruction that only computes a register, or copy a loop header's
//! charge to a back edge together with the header's exit test. Neither changes the fuel
//! left or the point where the program runs out of it: only the registers of the call that
//! the trap ends could tell the difference.

use wasmparser::{BinaryReaderError, FunctionBody, Operator};

/// The fuel `op` costs: structural operators are free, everything else costs one unit (as in
/// Wasmtime).
pub fn cost(op: &Operator<'_>) -> u32 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => 1,
    }
}

/// Whether a new fuel block starts right after `op`, when `op` is reachable (see the module
/// documentation). The `end` of the function body ends the function instead.
pub fn starts_block_after(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Loop { .. } | Operator::Else | Operator::End | Operator::TryTable { .. }
    )
}

/// The fuel charges of one function body under the rule of this module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FuelPlan {
    /// The charge of the block that starts at the function's entry.
    pub entry: u32,
    /// For each reachable block that starts after an operator: the operator's index in the
    /// body (counting every operator, reachable or not, from 0) and the block's charge, in
    /// increasing operator order.
    pub after: Vec<(u32, u32)>,
}

impl FuelPlan {
    /// The charge of the block that starts after operator `index`, if one does there.
    pub fn charge_after(&self, index: u32) -> Option<u32> {
        self.after
            .binary_search_by_key(&index, |&(at, _)| at)
            .ok()
            .map(|at| self.after[at].1)
    }
}

/// A frame of the walk in [`plan`].
struct Frame {
    /// `loop`: branches go back to its header, not to its end.
    is_loop: bool,
    /// An `if` whose `else` has not been seen: its false path reaches the end.
    open_if: bool,
    /// Code from here to the frame's end cannot run.
    unreachable: bool,
    /// Some branch goes to the frame's end.
    end_reached: bool,
}

impl Frame {
    fn new(is_loop: bool, open_if: bool) -> Self {
        Frame {
            is_loop,
            open_if,
            unreachable: false,
            end_reached: false,
        }
    }
}

/// Computes the fuel charges of a validated function body.
pub fn plan(body: &FunctionBody<'_>) -> Result<FuelPlan, BinaryReaderError> {
    let mut plan = FuelPlan::default();
    let mut frames = vec![Frame::new(false, false)];
    // Frames opened inside unreachable code.
    let mut skipped = 0u32;
    let mut reader = body.get_operators_reader()?;
    let mut index = 0u32;
    while !reader.eof() {
        let op = reader.read()?;
        let at = index;
        index += 1;
        let top = frames.last_mut().expect("validated control stack");
        if top.unreachable {
            match op {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::TryTable { .. } => {
                    skipped += 1;
                    continue;
                }
                Operator::Else | Operator::End if skipped == 0 => {}
                Operator::End => {
                    skipped -= 1;
                    continue;
                }
                _ => continue,
            }
        }
        let charge = match plan.after.last_mut() {
            Some((_, charge)) => charge,
            None => &mut plan.entry,
        };
        *charge = charge.saturating_add(cost(&op));

        let mut reachable_after = true;
        match &op {
            Operator::Block { .. } => frames.push(Frame::new(false, false)),
            Operator::Loop { .. } => frames.push(Frame::new(true, false)),
            Operator::If { .. } => frames.push(Frame::new(false, true)),
            Operator::TryTable { try_table } => {
                // Catch labels count from outside the `try_table`.
                for catch in &try_table.catches {
                    let label = match *catch {
                        wasmparser::Catch::One { label, .. }
                        | wasmparser::Catch::OneRef { label, .. }
                        | wasmparser::Catch::All { label }
                        | wasmparser::Catch::AllRef { label } => label,
                    };
                    mark_target(&mut frames, label);
                }
                frames.push(Frame::new(false, false));
            }
            Operator::Else => {
                let top = frames.last_mut().expect("validated control stack");
                if !top.unreachable {
                    top.end_reached = true;
                }
                top.unreachable = false;
                top.open_if = false;
            }
            Operator::End => {
                let frame = frames.pop().expect("validated control stack");
                let Some(outer) = frames.last_mut() else {
                    // The function's end: nothing follows.
                    break;
                };
                reachable_after = !frame.unreachable || frame.end_reached || frame.open_if;
                if !reachable_after {
                    outer.unreachable = true;
                }
            }
            Operator::Br { relative_depth } => {
                mark_target(&mut frames, *relative_depth);
                set_unreachable(&mut frames);
            }
            Operator::BrIf { relative_depth }
            | Operator::BrOnNull { relative_depth }
            | Operator::BrOnNonNull { relative_depth }
            | Operator::BrOnCast { relative_depth, .. }
            | Operator::BrOnCastFail { relative_depth, .. } => {
                mark_target(&mut frames, *relative_depth);
            }
            Operator::BrTable { targets } => {
                for depth in targets.targets() {
                    mark_target(&mut frames, depth?);
                }
                mark_target(&mut frames, targets.default());
                set_unreachable(&mut frames);
            }
            Operator::Return
            | Operator::Unreachable
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef => set_unreachable(&mut frames),
            _ => {}
        }
        if starts_block_after(&op) && reachable_after {
            plan.after.push((at, 0));
        }
    }
    Ok(plan)
}

/// Records a branch to the label `depth` frames out.
fn mark_target(frames: &mut [Frame], depth: u32) {
    let index = frames.len() - 1 - depth as usize;
    let frame = &mut frames[index];
    if !frame.is_loop {
        frame.end_reached = true;
    }
}

fn set_unreachable(frames: &mut [Frame]) {
    frames
        .last_mut()
        .expect("validated control stack")
        .unreachable = true;
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::{BinaryReader, WasmFeatures};

    /// The plan of the first function body of `wat`.
    fn plan_of(wat: &str) -> FuelPlan {
        let bytes = wat::parse_str(wat).expect("valid WAT");
        for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("valid module") {
                let range = body.range();
                let reader = BinaryReader::new_features(
                    &bytes[range.start as usize..range.end as usize],
                    range.start,
                    WasmFeatures::default(),
                );
                return plan(&FunctionBody::new(reader)).expect("readable body");
            }
        }
        panic!("no function body");
    }

    #[test]
    fn straight_line_code_is_one_block() {
        let plan = plan_of("(module (func (result i32) nop i32.const 1 i32.const 2 i32.add))");
        assert_eq!(plan.entry, 3);
        assert!(plan.after.is_empty());
    }

    #[test]
    fn blocks_start_after_control_operators_but_not_conditional_branches() {
        // 0 local.get, 1 if, 2 i32.const, 3 br_if, 4 i32.const, 5 drop, 6 else, 7 nop,
        // 8 end, 9 loop, 10 br 0, 11 i32.const and 12 drop (dead), 13 end (not reached),
        // 14 end.
        let plan = plan_of(
            "(module (func (param i32)
                local.get 0
                if i32.const 1 br_if 0 i32.const 2 drop else nop end
                loop br 0 i32.const 3 drop end))",
        );
        // The `then` arm belongs to the entry block: neither `if` nor `br_if` ends it.
        assert_eq!(plan.entry, 5);
        assert_eq!(plan.after, vec![(6, 0), (8, 0), (9, 1)]);
        assert_eq!(plan.charge_after(1), None);
        assert_eq!(plan.charge_after(3), None);
        assert_eq!(plan.charge_after(9), Some(1));
    }

    #[test]
    fn frames_inside_unreachable_code_are_skipped_whole() {
        // 0 block, 1 i32.const, 2 br 0, 3 if (dead), 4 i32.const, 5 else, 6 i32.const, 7 end,
        // 8 end (reached by the branch), 9 drop, 10 end.
        let plan = plan_of(
            "(module (func
                block (result i32)
                    i32.const 2 br 0
                    if (result i32) i32.const 0 else i32.const 1 end
                end
                drop))",
        );
        assert_eq!(plan.entry, 2);
        assert_eq!(plan.after, vec![(8, 0)]);
    }

    #[test]
    fn unreachable_ends_start_no_block() {
        // 0 block, 1 br 0, 2 end (reached by the branch), 3 block, 4 unreachable, 5 end (not
        // reached), 6 i32.const and 7 drop (dead), 8 end.
        let plan = plan_of(
            "(module (func
                block br 0 end
                block unreachable end
                i32.const 1 drop))",
        );
        assert_eq!(plan.entry, 1);
        assert_eq!(plan.after, vec![(2, 0)]);
    }
}
