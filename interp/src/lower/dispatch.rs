//! Replication of a loop's `br_table` dispatch into each branch that returns to it.
//!
//! An interpreter written in wasm runs one `br_table` at the head of its loop for every
//! instruction it interprets, and each case branches back to that head. Every guest
//! instruction then goes through the one indirect jump of tandem's `br_table` handler, and
//! the processor predicts its target from little more than the previous one: a bytecode
//! VM's time goes into mispredicted dispatches. Here each branch back to the head gets a
//! copy of the head of its own (the few instructions that compute the index, the
//! `br_table` and its entries), so each case dispatches from its own jump, predicted from
//! the case that ran: what threaded code does for an interpreter written in C. Cases often
//! branch to a block they share instead, which advances the guest's program counter, say,
//! and branches to the head: a branch to such a block gets a copy of the block and the head.
//!
//! The copies go after the function's last instruction, so no instruction moves: wasm
//! offsets, exception ranges and loop entries stay valid. A copy keeps the wasm offsets of
//! its originals, for traps and backtraces. A head is copied only if its instructions
//! compute and fall through, nothing else: none calls, branches or can throw, so running a
//! copy is running the head.

use crate::isa::Op;
use std::ops::{Range, RangeInclusive};

/// At most this many instructions before the `br_table` are copied with it.
const MAX_HEAD: usize = 8;
/// Tables with more entries than this are left alone: each copy repeats them all.
const MAX_ENTRIES: usize = 64;
/// At most this many copies of one head.
const MAX_COPIES: usize = 64;
/// The copies may add this many instructions to a function, or as many as it has if more:
/// a small interpreter loop gets a copy for every case however few its instructions.
const MIN_BUDGET: usize = 1024;

/// The buffers of [`replicate_dispatch`], kept between translations.
#[derive(Default)]
pub(super) struct Scratch {
    /// Each `br_table`'s position and length.
    tables: Vec<(usize, u32)>,
    /// Each branch's position and target.
    branches: Vec<(usize, usize)>,
}

/// Gives each branch to the head of a `br_table` dispatch loop a copy of that head,
/// appended to `ops` (and its wasm offset to `offsets`), while the function grows by less
/// than its own size or [`MIN_BUDGET`].
pub(super) fn replicate_dispatch(ops: &mut Vec<Op>, offsets: &mut Vec<u32>, scratch: &mut Scratch) {
    debug_assert_eq!(ops.len(), offsets.len());
    let Scratch { tables, branches } = scratch;
    tables.clear();
    tables.extend((ops.iter().enumerate()).filter_map(|(at, op)| match *op {
        Op::BrTable { len, .. } => Some((at, len)),
        _ => None,
    }));
    if tables.is_empty() {
        return;
    }
    // Every branch and its target, found once for all tables. A branch given a copy of one
    // head keeps its old target here, but no other table's head is that one.
    branches.clear();
    branches.extend(
        (0..ops.len())
            .filter(|&at| ops[at].has_branch_offset())
            .filter_map(|at| Some((at, branch_target_at(ops[at], at)?))),
    );
    let budget = ops.len().max(MIN_BUDGET);
    let original_len = ops.len();
    for &(table, len) in tables.iter() {
        let entries = len as usize + 1;
        if entries > MAX_ENTRIES {
            continue;
        }
        // The head can start this far back: the instructions in between only compute.
        let mut earliest = table;
        while earliest > 0 && table - earliest < MAX_HEAD && only_computes(&ops[earliest - 1]) {
            earliest -= 1;
        }
        // Every way back to the head ends in a branch to it, directly or after a shared
        // block: a table that no branch returns to heads no dispatch loop.
        if !branches
            .iter()
            .any(|&(_, target)| (earliest..=table).contains(&target))
        {
            continue;
        }
        let region_end = table + entries;
        let mut copies = 0;
        for &(at, target) in branches.iter() {
            if (earliest..=region_end).contains(&at) {
                continue;
            }
            let Some((join, head)) = path_to_head(ops, target, earliest..=table) else {
                continue;
            };
            let size = join.len() + region_end + 1 - head;
            if copies == MAX_COPIES || ops.len() + size - original_len > budget {
                break;
            }
            let start = ops.len();
            for original in join.chain(head..=region_end) {
                let mut op = ops[original];
                let here = ops.len();
                if let Some(offset) = op.branch_offset_mut() {
                    // The same target as the original's.
                    *offset = (original as i64 + *offset as i64 - here as i64) as i32;
                }
                ops.push(op);
                offsets.push(offsets[original]);
            }
            *ops[at].branch_offset_mut().expect("a branch") = (start - at) as i32;
            copies += 1;
        }
    }
}

/// How a branch to `target` reaches the head `heads` of a dispatch, if it does: the
/// instructions of a shared block it runs on the way (none if it branches to the head
/// itself), then where it enters the head.
fn path_to_head(
    ops: &[Op],
    target: usize,
    heads: RangeInclusive<usize>,
) -> Option<(Range<usize>, usize)> {
    if heads.contains(&target) {
        return Some((target..target, target));
    }
    let mut end = target;
    while end - target < MAX_HEAD && only_computes(ops.get(end)?) {
        end += 1;
    }
    match ops.get(end)? {
        Op::Br { .. } => {
            let head = branch_target_at(ops[end], end)?;
            heads.contains(&head).then_some((target..end, head))
        }
        _ => None,
    }
}

/// Where the branch `op` at index `at` jumps, as an index.
fn branch_target_at(mut op: Op, at: usize) -> Option<usize> {
    let offset = *op.branch_offset_mut()?;
    usize::try_from(at as i64 + offset as i64).ok()
}

/// Whether `op` only computes a result (or checks the epoch) and falls through: it does not
/// branch, call or throw, and reads nothing after itself. A fuel charge is not copied, and
/// ends a head: a metered branch back to the loop charges the header itself (`br_fuel`)
/// and jumps to what follows the charge.
fn only_computes(op: &Op) -> bool {
    op.acc_result().is_some()
        || matches!(
            op,
            Op::Copy { .. }
                | Op::Copy2 { .. }
                | Op::Const32 { .. }
                | Op::Const64 { .. }
                | Op::CheckEpoch {}
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::Reg;

    /// A dispatch head: a load of the index, the `br_table` and its two entries, which
    /// jump by `case` and `exit`.
    fn head(case: i32, exit: i32) -> [Op; 4] {
        [
            Op::Load32 {
                dst: Reg(2),
                addr: Reg(0),
                end: 4,
            },
            Op::BrTable {
                index: Reg(2),
                len: 1,
            },
            Op::Br { offset: case },
            Op::Br { offset: exit },
        ]
    }

    #[test]
    fn each_branch_back_to_the_head_gets_a_copy_of_its_own() {
        let head = head(2, 4);
        let mut ops = vec![Op::Const32 {
            dst: Reg(1),
            value: 0,
        }];
        ops.extend(head);
        ops.extend([
            // The case at 5 goes back to the head twice.
            Op::BrIfNez {
                cond: Reg(1),
                offset: -4,
            },
            Op::I32Add {
                dst: Reg(0),
                lhs: Reg(0),
                rhs: Reg(3),
            },
            Op::Br { offset: -6 },
            Op::Return {},
        ]);
        let mut offsets: Vec<u32> = (0..ops.len() as u32).map(|pc| 100 + pc).collect();
        replicate_dispatch(&mut ops, &mut offsets, &mut Scratch::default());

        assert_eq!(ops.len(), 9 + 2 * head.len());
        assert_eq!(
            ops[5],
            Op::BrIfNez {
                cond: Reg(1),
                offset: 4
            }
        );
        assert_eq!(ops[7], Op::Br { offset: 6 });
        for copy in [9, 13] {
            assert_eq!(ops[copy..copy + 2], head[..2]);
            // The entries jump where the original's do: the case and the return.
            assert_eq!(
                ops[copy + 2],
                Op::Br {
                    offset: 5 - (copy as i32 + 2)
                }
            );
            assert_eq!(
                ops[copy + 3],
                Op::Br {
                    offset: 8 - (copy as i32 + 3)
                }
            );
            assert_eq!(offsets[copy..copy + 4], [101, 102, 103, 104]);
        }
    }

    #[test]
    fn branches_through_a_shared_block_get_a_copy_of_it_and_the_head() {
        let add = |dst: u16, lhs: u16| Op::I32Add {
            dst: Reg(dst),
            lhs: Reg(lhs),
            rhs: Reg(1),
        };
        let mut ops = head(2, 3).to_vec();
        ops.extend([
            // The case at 4 goes to the block at 7, which advances register 0 and loops.
            add(3, 3),
            Op::Br { offset: 2 },
            Op::Return {},
            add(0, 0),
            Op::Br { offset: -8 },
        ]);
        let mut offsets: Vec<u32> = (0..ops.len() as u32).collect();
        replicate_dispatch(&mut ops, &mut offsets, &mut Scratch::default());

        // The case's branch gets the shared block and the head, the block's branch the head.
        assert_eq!(ops.len(), 9 + 5 + 4);
        assert_eq!(ops[5], Op::Br { offset: 4 });
        assert_eq!(ops[9], add(0, 0));
        assert_eq!(ops[10..12], ops[0..2]);
        assert_eq!(offsets[9..14], [7, 0, 1, 2, 3]);
        assert_eq!(ops[8], Op::Br { offset: 6 });
        assert_eq!(ops[14..16], ops[0..2]);
        // Every copy's entries jump where the original's do: the case and the return.
        for entries in [12, 16] {
            assert_eq!(
                ops[entries],
                Op::Br {
                    offset: 4 - entries as i32
                }
            );
            assert_eq!(
                ops[entries + 1],
                Op::Br {
                    offset: 6 - (entries as i32 + 1)
                }
            );
        }
    }

    #[test]
    fn heads_that_do_more_than_compute_are_left_alone() {
        let mut ops = vec![
            Op::Call {
                func: 0,
                base: Reg(2),
            },
            Op::BrTable {
                index: Reg(2),
                len: 0,
            },
            Op::Br { offset: 1 },
            Op::Br { offset: -3 },
        ];
        let before = ops.clone();
        let mut offsets = vec![0; ops.len()];
        replicate_dispatch(&mut ops, &mut offsets, &mut Scratch::default());
        assert_eq!(ops, before);
    }
}
