//! Jump threading over a finished function's bytecode.
//!
//! Structured control flow leaves branches whose only job is to reach another branch or a
//! return: the `br` closing an `if` arm that jumps to the function's `return`, the `br` at
//! the bottom of a loop that jumps back to the loop's exit test. Each rewrite below replaces
//! an instruction (or, for a metered loop's back edge, two) with others that have exactly
//! the same effect when executed at the same place, so no instruction moves, offsets into the code (wasm offsets, exception ranges,
//! loop entries) stay valid, and other branches to the rewritten targets are unaffected.
//! Fuel charges stay where they were: a block that charges fuel starts with `consume_fuel`,
//! which no rewrite looks through, except that a `br` to it may charge it itself
//! (`br_fuel`) and jump past it, and that a `br` back to a loop whose header is its charge
//! and its exit test becomes that test, with the empty charge the translator left before
//! the `br` taking the header's.

use super::compare_branches;
use crate::isa::Op;

/// How many unconditional branches a chain is followed through.
const MAX_HOPS: usize = 4;

/// Applies every rewrite to `ops`.
pub(super) fn thread_jumps(ops: &mut [Op]) {
    for at in 1..ops.len() {
        // With fuel, a `br` back to a loop's header comes after an empty charge. If the header
        // is its charge and then an exit test that leaves the loop to just past the `br`, the
        // pair becomes that charge and the inverted test, as `loop_test_here` does without
        // fuel: one dispatch less on every iteration, and the test may fuse with the step
        // before it once the charge moves above the step (`accumulator`).
        // Nothing branches to the `br` itself: the translator emits the pair together, and
        // a label bound just before them is the charge's.
        if ops[at - 1] == (Op::ConsumeFuel { amount: 0 })
            && let Op::Br { offset } = ops[at]
            && offset < 0
            && let Some(header) = usize::try_from(at as isize + offset as isize).ok()
            && let Some((amount, test)) = ops.get(header..).and_then(charged_exit_test)
            && let Some(test) = loop_test_here(test, header + 1, at)
        {
            ops[at - 1] = Op::ConsumeFuel { amount };
            ops[at] = test;
        }
    }
    for at in 0..ops.len().saturating_sub(1) {
        // A block that charges no fuel (one of `end`s and `else`s only) has nothing to
        // check: fuel is never negative. Its `consume_fuel` can take the place of the
        // transfer that follows it, and branches to it pass it by (`follow_branches`).
        if ops[at] == (Op::ConsumeFuel { amount: 0 }) {
            match ops[at + 1] {
                next if is_return(&next) => ops[at] = next,
                Op::Br { offset } if offset != -1 => ops[at] = Op::Br { offset: offset + 1 },
                _ => {}
            }
        }
    }
    for at in 0..ops.len() {
        if !ops[at].has_branch_offset() {
            continue;
        }
        follow_branches(ops, at);
        if let Op::Br { offset } = ops[at] {
            let target = at as isize + offset as isize;
            if let Some(&next) = usize::try_from(target).ok().and_then(|t| ops.get(t)) {
                if is_return(&next) {
                    // Jumping to a return is returning.
                    ops[at] = next;
                } else if let Some(test) = loop_test_here(next, target as usize, at) {
                    ops[at] = test;
                } else if let Op::ConsumeFuel { amount } = next {
                    // Jumping into a fuel block: charge it here and jump past its charge,
                    // one dispatch instead of two on every back edge of a metered loop.
                    ops[at] = Op::BrFuel {
                        amount,
                        offset: offset + 1,
                    };
                    follow_branches(ops, at);
                }
            }
        }
    }
    for at in 1..ops.len() {
        // A copy into the register that the next instruction returns: return the source.
        match (ops[at - 1], ops[at]) {
            (Op::Copy { dst, src }, Op::ReturnReg { src: returned }) if dst == returned => {
                ops[at - 1] = Op::ReturnReg { src };
            }
            (
                Op::Copy2 { dst, src },
                Op::ReturnSpan {
                    src: returned,
                    len: 2,
                },
            ) if dst == returned => ops[at - 1] = Op::ReturnSpan { src, len: 2 },
            _ => {}
        }
    }
}

/// Points the branch at `at` past the unconditional branches and empty fuel charges its
/// target starts a chain of.
fn follow_branches(ops: &mut [Op], at: usize) {
    for _ in 0..MAX_HOPS {
        let mut op = ops[at];
        let Some(offset) = op.branch_offset_mut().map(|o| *o as isize) else {
            return;
        };
        let further = match usize::try_from(at as isize + offset)
            .ok()
            .and_then(|target| ops.get(target))
        {
            Some(Op::Br { offset }) => *offset as isize,
            Some(Op::ConsumeFuel { amount: 0 }) => 1,
            _ => return,
        };
        let total = offset + further;
        // A branch to itself stays as it is (an infinite loop is the program's business).
        if total == 0 || i32::try_from(total).is_err() {
            return;
        }
        *ops[at].branch_offset_mut().expect("a branch") = total as i32;
    }
}

fn is_return(op: &Op) -> bool {
    matches!(
        op,
        Op::Return {} | Op::ReturnReg { .. } | Op::ReturnSpan { .. }
    )
}

/// The rewrite of a `br` at `at` whose target, at `target`, is the conditional branch `test`
/// taken to `at + 1`: the inverted test, taken to `target + 1` (where `test` falls through),
/// falls through to `at + 1` itself. This is how a loop whose exit test heads its body
/// saves the jump back to that test on every iteration.
fn loop_test_here(test: Op, target: usize, at: usize) -> Option<Op> {
    let mut inverted = invert(test)?;
    let mut probe = test;
    let taken = target as isize + *probe.branch_offset_mut()? as isize;
    if taken != at as isize + 1 {
        return None;
    }
    *inverted.branch_offset_mut()? = i32::try_from(target as isize + 1 - at as isize).ok()?;
    Some(inverted)
}

/// For a loop header that is a fuel charge and then a conditional branch, which jump
/// threading can invert to test the loop's exit at its bottom: the charge's amount and the
/// branch.
pub(super) fn charged_exit_test(header: &[Op]) -> Option<(u32, Op)> {
    match *header {
        [Op::ConsumeFuel { amount }, test, ..] if invert(test).is_some() => Some((amount, test)),
        _ => None,
    }
}

/// The conditional branch taken exactly when `op` is not (offset left as in `op`).
fn invert(op: Op) -> Option<Op> {
    macro_rules! invert {
        ($($cmp:ident => $holds:ident / $fails:ident,)*) => {
            // Each pair appears once per direction; the repeats never match.
            #[allow(unreachable_patterns)]
            match op {
                Op::BrIfEqz { cond, offset } => Some(Op::BrIfNez { cond, offset }),
                Op::BrIfNez { cond, offset } => Some(Op::BrIfEqz { cond, offset }),
                $(
                    Op::$holds { lhs, rhs, offset } => Some(Op::$fails { lhs, rhs, offset }),
                    Op::$fails { lhs, rhs, offset } => Some(Op::$holds { lhs, rhs, offset }),
                )*
                _ => None,
            }
        };
    }
    compare_branches!(invert)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::Reg;

    #[test]
    fn a_branch_to_a_return_returns_and_copies_fold_into_it() {
        let mut ops = [
            Op::Copy {
                dst: Reg(3),
                src: Reg(0),
            },
            Op::Br { offset: 2 },
            Op::Unreachable {},
            Op::ReturnReg { src: Reg(3) },
        ];
        thread_jumps(&mut ops);
        assert_eq!(ops[0], Op::ReturnReg { src: Reg(0) });
        assert_eq!(ops[1], Op::ReturnReg { src: Reg(3) });
        assert_eq!(ops[3], Op::ReturnReg { src: Reg(3) });
    }

    #[test]
    fn a_loop_tests_its_exit_at_the_bottom() {
        // 0: exit test (taken to 4), 1-2: body, 3: back to the test.
        let mut ops = [
            Op::BrIfEqz {
                cond: Reg(1),
                offset: 4,
            },
            Op::Copy {
                dst: Reg(2),
                src: Reg(1),
            },
            Op::Copy {
                dst: Reg(1),
                src: Reg(0),
            },
            Op::Br { offset: -3 },
            Op::Return {},
        ];
        thread_jumps(&mut ops);
        assert_eq!(
            ops[3],
            Op::BrIfNez {
                cond: Reg(1),
                offset: -2
            }
        );
        assert_eq!(
            ops[0],
            Op::BrIfEqz {
                cond: Reg(1),
                offset: 4
            }
        );
    }

    #[test]
    fn a_branch_into_a_fuel_block_charges_it_and_jumps_past_it() {
        // 0: the loop header's charge, 1: exit test (taken to 4), 2: body, 3: back edge.
        let mut ops = [
            Op::ConsumeFuel { amount: 3 },
            Op::BrIfEqz {
                cond: Reg(1),
                offset: 3,
            },
            Op::Copy {
                dst: Reg(1),
                src: Reg(0),
            },
            Op::Br { offset: -3 },
            Op::Return {},
        ];
        thread_jumps(&mut ops);
        assert_eq!(
            ops[3],
            Op::BrFuel {
                amount: 3,
                offset: -2
            }
        );
        // A loop of one block that only branches back charges itself on every turn.
        let mut ops = [Op::ConsumeFuel { amount: 1 }, Op::Br { offset: -1 }];
        thread_jumps(&mut ops);
        assert_eq!(
            ops[1],
            Op::BrFuel {
                amount: 1,
                offset: 0
            }
        );
    }

    #[test]
    fn a_metered_loop_charges_its_header_and_tests_its_exit_at_the_bottom() {
        // 0: the loop header's charge, 1: exit test (taken to 5), 2: body, 3: the empty
        // charge before the back edge, 4: back edge.
        let mut ops = [
            Op::ConsumeFuel { amount: 3 },
            Op::BrIfEqz {
                cond: Reg(1),
                offset: 4,
            },
            Op::Copy {
                dst: Reg(1),
                src: Reg(0),
            },
            Op::ConsumeFuel { amount: 0 },
            Op::Br { offset: -4 },
            Op::Return {},
        ];
        thread_jumps(&mut ops);
        assert_eq!(ops[3], Op::ConsumeFuel { amount: 3 });
        assert_eq!(
            ops[4],
            Op::BrIfNez {
                cond: Reg(1),
                offset: -2
            }
        );
        // A header that does not start with an exit test: the empty charge takes the place
        // of the branch after it, charging the header and jumping past its charge, and that
        // branch is never reached.
        let mut ops = [
            Op::ConsumeFuel { amount: 2 },
            Op::Copy {
                dst: Reg(1),
                src: Reg(0),
            },
            Op::ConsumeFuel { amount: 0 },
            Op::Br { offset: -3 },
        ];
        thread_jumps(&mut ops);
        assert_eq!(
            ops[2],
            Op::BrFuel {
                amount: 2,
                offset: -1
            }
        );
    }

    #[test]
    fn empty_fuel_charges_are_passed_by() {
        // 0: a branch over the `else` arm to the `if`'s end, 2: the end's empty charge.
        let mut ops = [
            Op::Br { offset: 2 },
            Op::Unreachable {},
            Op::ConsumeFuel { amount: 0 },
            Op::ReturnReg { src: Reg(1) },
        ];
        thread_jumps(&mut ops);
        assert_eq!(ops[0], Op::ReturnReg { src: Reg(1) });
        assert_eq!(ops[2], Op::ReturnReg { src: Reg(1) });
        let mut ops = [
            Op::BrIfNez {
                cond: Reg(0),
                offset: 2,
            },
            Op::Unreachable {},
            Op::ConsumeFuel { amount: 0 },
            Op::Copy {
                dst: Reg(1),
                src: Reg(0),
            },
            Op::Return {},
        ];
        thread_jumps(&mut ops);
        assert_eq!(
            ops[0],
            Op::BrIfNez {
                cond: Reg(0),
                offset: 3
            }
        );
        assert_eq!(ops[2], Op::ConsumeFuel { amount: 0 });
    }

    #[test]
    fn chains_of_branches_are_followed_but_self_loops_kept() {
        let mut ops = [
            Op::BrIfNez {
                cond: Reg(0),
                offset: 2,
            },
            Op::Br { offset: 0 },
            Op::Br { offset: 2 },
            Op::Unreachable {},
            Op::Unreachable {},
        ];
        thread_jumps(&mut ops);
        assert_eq!(
            ops[0],
            Op::BrIfNez {
                cond: Reg(0),
                offset: 4
            }
        );
        assert_eq!(ops[1], Op::Br { offset: 0 });
    }
}
