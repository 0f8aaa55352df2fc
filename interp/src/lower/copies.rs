//! Register shuffles over a finished function's bytecode.
//!
//! Values move between registers in runs of `copy` instructions: a loop's locals rotated at
//! its bottom (`local.set` after `local.get`), a block's results moved to their label before
//! the `br`. Each rewrite here makes the first of two instructions do the work of both,
//! then continue where the second would have: two adjacent `copy`s become `copy_pair`, a
//! `copy` and the `br` after it `copy_br`. The second instruction stays in place, so
//! branches that enter it are unaffected and nothing moves.
//!
//! This runs after accumulator forwarding: `copy_pair` leaves the accumulator as the
//! second `copy` does, for an instruction after it that was rewritten to take it.

use crate::isa::Op;

/// Applies every rewrite to `ops`.
pub(super) fn fuse_copies(ops: &mut [Op]) {
    let mut at = 0;
    while at + 1 < ops.len() {
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
        fuse_copies(&mut ops);
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
}
