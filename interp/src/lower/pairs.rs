//! Pairs of instructions fused over a finished function's bytecode.
//!
//! Each rewrite here makes the first of two instructions do the work of both, then continue
//! where the second would have. The second instruction stays in place, so branches that
//! enter it are unaffected and nothing moves.
//!
//! - Register shuffles. Values move between registers in runs of `copy` instructions: a
//!   loop's locals rotated at its bottom (`local.set` after `local.get`), a block's results
//!   moved to their label before the `br`. Two adjacent `copy`s become `copy_pair`, a `copy`
//!   and the `br` after it `copy_br`.
//! - Loop steps. A counted loop ends by adding to its counter and branching on the sum: an
//!   `add` whose result the next branch reads from the accumulator (a comparison with a
//!   limit, or a test against zero) becomes one `add.br_if.*`.
//!
//! This runs after accumulator forwarding, which is what makes the second instruction read
//! the first one's result, and every fused form leaves the accumulator as the second
//! instruction does, for an instruction after it that was rewritten to take it.

use crate::isa::Op;

/// Applies every rewrite to `ops`.
pub(super) fn fuse_pairs(ops: &mut [Op]) {
    let mut at = 0;
    while at + 1 < ops.len() {
        if let Some(step) = super::loop_step(&ops[at], &ops[at + 1]) {
            ops[at] = step;
            at += 2;
            continue;
        }
        match (ops[at], ops[at + 1]) {
            (
                Op::Copy {
                    dst: dst0,
                    src: src0,
                },
                Op::Copy {
                    dst: dst1,
                    src: src1,
                },
            ) => {
                ops[at] = Op::CopyPair {
                    dst0,
                    src0,
                    dst1,
                    src1,
                };
                at += 2;
            }
            (Op::Copy { dst, src }, Op::Br { offset }) => {
                if let Some(offset) = offset.checked_add(1) {
                    ops[at] = Op::CopyBr { dst, src, offset };
                }
                at += 2;
            }
            _ => at += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::Reg;

    fn copy(dst: u16, src: u16) -> Op {
        Op::Copy {
            dst: Reg(dst),
            src: Reg(src),
        }
    }

    #[test]
    fn runs_of_copies_go_in_pairs_and_a_last_one_with_its_branch() {
        // A rotation of three registers and the back edge: 0-1 pair, 2 with the branch.
        let mut ops = [
            copy(1, 2),
            copy(2, 3),
            copy(3, 1),
            Op::Br { offset: -3 },
            Op::Return {},
        ];
        fuse_pairs(&mut ops);
        assert_eq!(
            ops[0],
            Op::CopyPair {
                dst0: Reg(1),
                src0: Reg(2),
                dst1: Reg(2),
                src1: Reg(3),
            }
        );
        assert_eq!(ops[1], copy(2, 3));
        assert_eq!(
            ops[2],
            Op::CopyBr {
                dst: Reg(3),
                src: Reg(1),
                offset: -2,
            }
        );
        assert_eq!(ops[3], Op::Br { offset: -3 });
    }

    #[test]
    fn loop_steps_fuse_an_add_with_the_test_of_its_sum() {
        let add = |dst, lhs, rhs| Op::I32Add {
            dst: Reg(dst),
            lhs: Reg(lhs),
            rhs: Reg(rhs),
        };
        let mut ops = [
            add(1, 1, 2),
            Op::BrI32LtUAccL {
                rhs: Reg(3),
                offset: -1,
            },
            add(4, 4, 2),
            Op::BrIfNezAcc { offset: -3 },
            // An i64 sum is not tested by `br_if_nez`: no i64 step stands for the two.
            Op::I64Add {
                dst: Reg(5),
                lhs: Reg(5),
                rhs: Reg(6),
            },
            Op::BrIfNezAcc { offset: 2 },
            Op::I64Add {
                dst: Reg(5),
                lhs: Reg(5),
                rhs: Reg(6),
            },
            Op::BrI64NeAccL {
                rhs: Reg(7),
                offset: -7,
            },
            Op::Return {},
        ];
        let branches = [ops[1], ops[3], ops[5], ops[7]];
        fuse_pairs(&mut ops);
        assert_eq!(
            ops[0],
            Op::BrI32AddLtU {
                dst: Reg(1),
                lhs: Reg(1),
                rhs: Reg(2),
                limit: Reg(3),
                offset: 0,
            }
        );
        assert_eq!(
            ops[2],
            Op::BrI32AddNez {
                dst: Reg(4),
                lhs: Reg(4),
                rhs: Reg(2),
                offset: -2,
            }
        );
        assert!(matches!(ops[4], Op::I64Add { .. }));
        assert_eq!(
            ops[6],
            Op::BrI64AddNe {
                dst: Reg(5),
                lhs: Reg(5),
                rhs: Reg(6),
                limit: Reg(7),
                offset: -6,
            }
        );
        assert_eq!(
            ops[6].to_string(),
            "add.br_if.i64.ne r5, r5, r6, r7, offset=-6"
        );
        // The branches stay for anything that jumps to them.
        assert_eq!([ops[1], ops[3], ops[5], ops[7]], branches);
    }
}
