//! Result forwarding through the accumulator, over a finished function's bytecode.
//!
//! Most instructions read a value that the instruction just before computed: a stack
//! machine evaluates each operand right before its use. Through the register file, that
//! value is stored by one handler and loaded back by the next, and the load waits for the
//! store to forward, several cycles on every link of a dependency chain. Handlers also pass
//! each other an accumulator in a machine register: every instruction with an
//! [`Op::acc_result`] leaves its result there as well as in its register, and an instruction
//! rewritten to its [`Op::reading_acc`] form takes the operand from there.
//!
//! `f64` operands come from a second, float accumulator instead, in a floating-point
//! register, so that a chain of float operations never moves its values to an integer
//! register and back. Only producers that [`Op::fills_float_acc`] forward to a consumer that
//! [`Op::reads_float_acc`]; others leave it reading the register.
//!
//! The rewrite needs no liveness: the producer still writes its register, so the value is
//! in both places. It only needs the consumer to be reached from the producer alone, so it
//! is not done where a branch, a `br_table` entry or a catch clause can also enter. Calls
//! never produce, so an instruction entered by a return is never rewritten either. Like jump
//! threading, the rewrite replaces instructions in place. The one move, with fuel metering,
//! is of a charge that trades places with the instruction before it, which no branch or
//! exception range can tell apart (see [`forward_results`]).

use crate::isa::Op;

/// Rewrites every instruction of `ops` that reads the result of the instruction before it,
/// and that only that instruction reaches, to read it from the accumulator. `entries` are
/// the further instructions execution can enter other than by falling through or branching:
/// the targets of catch clauses. `entered` is a buffer for the pass to use.
///
/// A fuel charge between an instruction and the next, which reads its result, moves above
/// the first if that only computes its result ([`Op::only_writes_result`]) and falling
/// through is the only way into the charge: the charge is then paid just before instead of
/// just after an instruction whose effect no trap can reveal, and the result passes through
/// the accumulator. `offsets` (the instructions' wasm offsets) move with them.
pub(super) fn forward_results(
    ops: &mut [Op],
    offsets: &mut [u32],
    entries: impl IntoIterator<Item = u32>,
    entered: &mut Vec<bool>,
) {
    entered.clear();
    entered.resize(ops.len(), false);
    let mut enter = |target: isize| {
        if let Some(slot) = usize::try_from(target)
            .ok()
            .and_then(|t| entered.get_mut(t))
        {
            *slot = true;
        }
    };
    for (at, op) in ops.iter().enumerate() {
        let mut op = *op;
        if let Some(offset) = op.branch_offset_mut() {
            enter(at as isize + *offset as isize);
        }
        // The table's entries are entered from the `br_table`, not from each other.
        if let Op::BrTable { len, .. } | Op::BrTableAcc { len } = op {
            for entry in 1..=len as isize + 1 {
                enter(at as isize + entry);
            }
        }
    }
    for target in entries {
        enter(target as isize);
    }
    for at in 1..ops.len().saturating_sub(1) {
        if let Op::ConsumeFuel { .. } = ops[at]
            && !entered[at]
            && !entered[at + 1]
            && ops[at - 1].only_writes_result()
            && forwarded(ops, at - 1, entered).is_none()
            && reading_result_of(&ops[at - 1], &ops[at + 1]).is_some()
        {
            // The slot the charge takes keeps its entries; the instruction's new one has none.
            ops.swap(at - 1, at);
            offsets.swap(at - 1, at);
        }
    }
    for at in 1..ops.len() {
        if let Some(op) = forwarded(ops, at, entered) {
            ops[at] = op;
        }
    }
}

/// The instruction at `at` reading the result of the one before from the accumulator, if it
/// has that form and only that instruction reaches it (`entered` as [`forward_results`]
/// found it). For a pass that rewrites an instruction after forwarding ran.
pub(super) fn forwarded(ops: &[Op], at: usize, entered: &[bool]) -> Option<Op> {
    if at == 0 || entered.get(at).copied().unwrap_or(true) {
        return None;
    }
    reading_result_of(&ops[at - 1], &ops[at])
}

/// `op` reading the result of `before` from the accumulator instead, if it reads that result
/// and has such a form.
fn reading_result_of(before: &Op, op: &Op) -> Option<Op> {
    let op = op.reading_acc(before.acc_result()?)?;
    (!op.reads_float_acc() || before.fills_float_acc()).then_some(op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::Reg;

    #[test]
    fn a_chain_passes_its_values_through_the_accumulator() {
        let mut ops = [
            Op::I32Shl {
                dst: Reg(5),
                lhs: Reg(0),
                rhs: Reg(1),
            },
            Op::I32Xor {
                dst: Reg(0),
                lhs: Reg(0),
                rhs: Reg(5),
            },
            Op::BrIfNez {
                cond: Reg(0),
                offset: -2,
            },
        ];
        forward_results(&mut ops, &mut [0; 3], [], &mut Vec::new());
        // The branch enters the `i32.shl`, which reads no result anyway.
        assert_eq!(
            ops[1],
            Op::I32XorAccR {
                dst: Reg(0),
                lhs: Reg(0)
            }
        );
        assert_eq!(ops[2], Op::BrIfNezAcc { offset: -2 });
    }

    #[test]
    fn a_square_of_the_result_reads_the_accumulator_twice() {
        let mut ops = [
            Op::F64Add {
                dst: Reg(2),
                lhs: Reg(0),
                rhs: Reg(1),
            },
            Op::F64Mul {
                dst: Reg(3),
                lhs: Reg(2),
                rhs: Reg(2),
            },
            Op::F64Add {
                dst: Reg(4),
                lhs: Reg(3),
                rhs: Reg(3),
            },
        ];
        forward_results(&mut ops, &mut [0; 3], [], &mut Vec::new());
        assert_eq!(ops[1], Op::F64MulAccAcc { dst: Reg(3) });
        assert_eq!(ops[2], Op::F64AddAccAcc { dst: Reg(4) });
    }

    #[test]
    fn a_fuel_charge_moves_above_a_result_that_the_next_instruction_reads() {
        let step = Op::I32Add {
            dst: Reg(2),
            lhs: Reg(2),
            rhs: Reg(1),
        };
        let test = Op::BrIfNez {
            cond: Reg(2),
            offset: -3,
        };
        let charge = Op::ConsumeFuel { amount: 4 };
        let mut ops = [
            Op::Const32 {
                dst: Reg(3),
                value: 1,
            },
            step,
            charge,
            test,
        ];
        let mut offsets = [10, 11, 12, 13];
        forward_results(&mut ops, &mut offsets, [], &mut Vec::new());
        assert_eq!(ops[1], charge);
        assert_eq!(ops[2], step);
        assert_eq!(ops[3], Op::BrIfNezAcc { offset: -3 });
        assert_eq!(offsets, [10, 12, 11, 13]);

        // Not above a load, which may trap; not when a branch enters the charge.
        let load = Op::Load32 {
            dst: Reg(2),
            addr: Reg(1),
            end: 4,
        };
        let mut ops = [load, charge, test];
        forward_results(&mut ops, &mut [0; 3], [], &mut Vec::new());
        assert_eq!(ops, [load, charge, test]);
        let mut ops = [step, charge, test];
        forward_results(&mut ops, &mut [0; 3], [1], &mut Vec::new());
        assert_eq!(ops, [step, charge, test]);
    }

    #[test]
    fn instructions_entered_from_elsewhere_read_registers() {
        let mut ops = [
            Op::BrIfEqz {
                cond: Reg(0),
                offset: 2,
            },
            Op::Const32 {
                dst: Reg(1),
                value: 7,
            },
            Op::I32Add {
                dst: Reg(2),
                lhs: Reg(1),
                rhs: Reg(1),
            },
            Op::I32Sub {
                dst: Reg(3),
                lhs: Reg(0),
                rhs: Reg(2),
            },
            Op::Load32 {
                dst: Reg(4),
                addr: Reg(3),
                end: 0,
            },
        ];
        let before = ops;
        // The branch enters the `i32.add`; a catch clause enters the load.
        forward_results(&mut ops, &mut [0; 5], [4], &mut Vec::new());
        assert_eq!(ops[2], before[2]);
        assert_eq!(
            ops[3],
            Op::I32SubAccR {
                dst: Reg(3),
                lhs: Reg(0)
            }
        );
        assert_eq!(ops[4], before[4]);
    }
}
