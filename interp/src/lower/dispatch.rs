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
//! The copies go after the function's last instruction. A copy that an unconditional `br`
//! alone enters then moves into the `br`'s place, so that the case falls into its dispatch
//! instead of jumping to it: one dispatch less per guest instruction. Moving it shifts the
//! instructions after it, so every branch offset and exception range is mapped to the new
//! layout (loop entries are found by wasm offset, which moves with each instruction). A
//! copy keeps the wasm offsets of its originals, for traps and backtraces. A head is copied
//! only if its instructions compute and fall through, nothing else: none calls, branches or
//! can throw, so running a copy is running the head.

use super::Handler;
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
    /// Each copy, in the order made: where it is, and the `br` it moves into, if any.
    copies: Vec<(Range<usize>, Option<usize>)>,
    /// The new layout: old positions in their new order.
    layout: Vec<usize>,
    /// Each old position's new one; a `br` that a copy replaced has the copy's.
    moved_to: Vec<usize>,
}

/// Gives each branch to the head of a `br_table` dispatch loop a copy of that head,
/// appended to `ops` (and its wasm offset to `offsets`), while the function grows by less
/// than its own size or [`MIN_BUDGET`]; then moves the copies of unconditional branches
/// into their place, with `handlers`' ranges and targets following the instructions.
pub(super) fn replicate_dispatch(
    ops: &mut Vec<Op>,
    offsets: &mut Vec<u32>,
    handlers: &mut [Handler],
    scratch: &mut Scratch,
) {
    debug_assert_eq!(ops.len(), offsets.len());
    let Scratch {
        tables,
        branches,
        copies,
        ..
    } = scratch;
    copies.clear();
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
        let mut made = 0;
        for &(at, target) in branches.iter() {
            if (earliest..=region_end).contains(&at) {
                continue;
            }
            let Some((join, head)) = path_to_head(ops, target, earliest..=table) else {
                continue;
            };
            let size = join.len() + region_end + 1 - head;
            if made == MAX_COPIES || ops.len() + size - original_len > budget {
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
            // A `br` that is a table's entry must stay one instruction.
            let is_entry = (tables.iter())
                .any(|&(table, len)| (table + 1..=table + 1 + len as usize).contains(&at));
            let moves_in = (matches!(ops[at], Op::Br { .. }) && !is_entry).then_some(at);
            *ops[at].branch_offset_mut().expect("a branch") = (start - at) as i32;
            copies.push((start..ops.len(), moves_in));
            made += 1;
        }
    }
    if copies.iter().any(|(_, moves_in)| moves_in.is_some()) {
        move_copies_in(ops, offsets, handlers, original_len, scratch);
    }
}

/// Moves each copy that a `br` enters into the place of the `br`, which only jumped to it.
fn move_copies_in(
    ops: &mut Vec<Op>,
    offsets: &mut Vec<u32>,
    handlers: &mut [Handler],
    original_len: usize,
    scratch: &mut Scratch,
) {
    let Scratch {
        copies,
        layout,
        moved_to,
        ..
    } = scratch;
    // Copies go in at their branches, in order; the others stay at the end.
    let mut moving: Vec<(usize, Range<usize>)> = (copies.iter())
        .filter_map(|(copy, moves_in)| Some(((*moves_in)?, copy.clone())))
        .collect();
    moving.sort_unstable_by_key(|&(at, _)| at);
    // One copy per branch: each table's head and entries lie apart from every other's, so
    // no branch is counted twice. The walk below would lose a second copy at the same place.
    debug_assert!(moving.windows(2).all(|pair| pair[0].0 < pair[1].0));
    layout.clear();
    let mut next = moving.iter().peekable();
    for old in 0..original_len {
        match next.next_if(|(at, _)| *at == old) {
            Some((_, copy)) => layout.extend(copy.clone()),
            None => layout.push(old),
        }
    }
    for (copy, moves_in) in copies.iter() {
        if moves_in.is_none() {
            layout.extend(copy.clone());
        }
    }
    moved_to.clear();
    moved_to.resize(ops.len(), 0);
    for (new, &old) in layout.iter().enumerate() {
        moved_to[old] = new;
    }
    // A branch to a `br` that a copy replaced goes to the copy, where the `br` went.
    for (at, copy) in &moving {
        moved_to[*at] = moved_to[copy.start];
    }
    let old_ops = std::mem::replace(ops, Vec::with_capacity(layout.len()));
    let old_offsets = std::mem::replace(offsets, Vec::with_capacity(layout.len()));
    for (new, &old) in layout.iter().enumerate() {
        let mut op = old_ops[old];
        if let Some(offset) = op.branch_offset_mut() {
            let target = (old as i64 + *offset as i64) as usize;
            *offset = (moved_to[target] as i64 - new as i64) as i32;
        }
        ops.push(op);
        offsets.push(old_offsets[old]);
    }
    // Where the instructions up to old position `end` (exclusive) end now: a range that
    // holds a `br` holds the copy that replaced it.
    let end_of = |end: u32| match end.checked_sub(1) {
        None => 0,
        Some(last) => {
            let last = last as usize;
            match moving.binary_search_by_key(&last, |&(at, _)| at) {
                Ok(index) => moved_to[last] + moving[index].1.len(),
                Err(_) => moved_to[last] + 1,
            }
        }
    };
    for handler in handlers.iter_mut() {
        let start = handler.start;
        handler.start = if start < handler.end {
            moved_to[start as usize] as u32
        } else {
            end_of(start) as u32
        };
        handler.end = end_of(handler.end) as u32;
        for clause in handler.catches.iter_mut() {
            clause.target = moved_to[clause.target as usize] as u32;
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
    use crate::lower::{CatchClause, CatchKind};

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

    /// A loop that dispatches at 1, whose case at 5 goes back to the head twice: by a
    /// conditional branch and by a `br`.
    fn loop_with_two_ways_back(head: [Op; 4]) -> Vec<Op> {
        let mut ops = vec![Op::Const32 {
            dst: Reg(1),
            value: 0,
        }];
        ops.extend(head);
        ops.extend([
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
        ops
    }

    #[test]
    fn each_branch_back_to_the_head_gets_a_copy_of_its_own() {
        let head = head(2, 4);
        let mut ops = loop_with_two_ways_back(head);
        let mut offsets: Vec<u32> = (0..ops.len() as u32).map(|pc| 100 + pc).collect();
        replicate_dispatch(&mut ops, &mut offsets, &mut [], &mut Scratch::default());

        // The `br` at 7 is replaced by its copy, which the case falls into; the conditional
        // branch's copy goes after the return, now at 11.
        assert_eq!(ops.len(), 9 - 1 + 2 * head.len());
        assert_eq!(ops[11], Op::Return {});
        assert_eq!(offsets[11], 108);
        assert_eq!(
            ops[5],
            Op::BrIfNez {
                cond: Reg(1),
                offset: 7
            }
        );
        for copy in [7, 12] {
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
                    offset: 11 - (copy as i32 + 3)
                }
            );
            assert_eq!(offsets[copy..copy + 4], [101, 102, 103, 104]);
        }
        // So do the original's.
        assert_eq!(ops[3], Op::Br { offset: 2 });
        assert_eq!(ops[4], Op::Br { offset: 7 });
    }

    #[test]
    fn exception_ranges_and_catch_targets_follow_the_moved_instructions() {
        let mut ops = loop_with_two_ways_back(head(2, 4));
        let mut offsets = vec![0; ops.len()];
        // A `try_table` around the case's instructions, 5 to 7, caught at the return.
        let clause = CatchClause {
            kind: CatchKind::All,
            tag: 0,
            dst: Reg(0),
            target: 8,
        };
        // Another around the `br` alone, caught at the `br` (a landing pad's branch back).
        let back = CatchClause {
            target: 7,
            ..clause
        };
        let mut handlers = [
            Handler {
                start: 5,
                end: 8,
                catches: Box::new([clause]),
            },
            Handler {
                start: 7,
                end: 8,
                catches: Box::new([back]),
            },
        ];
        replicate_dispatch(
            &mut ops,
            &mut offsets,
            &mut handlers,
            &mut Scratch::default(),
        );
        // The ranges now hold the copy that replaced the `br`, at 7 to 10, and the catches go
        // to it; the return moved to 11.
        assert_eq!((handlers[0].start, handlers[0].end), (5, 11));
        assert_eq!(handlers[0].catches[0].target, 11);
        assert_eq!((handlers[1].start, handlers[1].end), (7, 11));
        assert_eq!(handlers[1].catches[0].target, 7);
        assert_eq!(ops[7..9], head(2, 4)[..2]);
        assert_eq!(ops[11], Op::Return {});
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
        replicate_dispatch(&mut ops, &mut offsets, &mut [], &mut Scratch::default());

        // The case's `br` is replaced by a copy of the shared block and the head (5 to 9),
        // the block's `br` by a copy of the head (12 to 15); the return moves to 10 and the
        // block to 11.
        assert_eq!(ops.len(), 9 - 2 + 5 + 4);
        assert_eq!(ops[5], add(0, 0));
        assert_eq!(ops[6..8], ops[0..2]);
        assert_eq!(offsets[5..10], [7, 0, 1, 2, 3]);
        assert_eq!(ops[10], Op::Return {});
        assert_eq!(ops[11], add(0, 0));
        assert_eq!(ops[12..14], ops[0..2]);
        assert_eq!(offsets[12..16], [0, 1, 2, 3]);
        // Every table's entries jump where the original's do: the case and the return.
        for entries in [2, 8, 14] {
            assert_eq!(
                ops[entries],
                Op::Br {
                    offset: 4 - entries as i32
                }
            );
            assert_eq!(
                ops[entries + 1],
                Op::Br {
                    offset: 10 - (entries as i32 + 1)
                }
            );
        }
    }

    #[test]
    fn table_entries_that_go_back_to_the_head_stay_one_instruction() {
        // The case at 4 is a table of its own, whose only entry, at 5, goes back to the head.
        let mut ops = head(2, 4).to_vec();
        ops.extend([
            Op::BrTable {
                index: Reg(1),
                len: 0,
            },
            Op::Br { offset: -5 },
            Op::Unreachable {},
            Op::Return {},
        ]);
        let original_len = ops.len();
        let mut offsets = vec![0; ops.len()];
        replicate_dispatch(&mut ops, &mut offsets, &mut [], &mut Scratch::default());
        // Nothing moved: the entries' copies are at the end, and each entry jumps to one.
        assert_eq!(
            ops[4],
            Op::BrTable {
                index: Reg(1),
                len: 0
            }
        );
        assert_eq!(ops[7], Op::Return {});
        for entry in [2, 5] {
            let target = branch_target_at(ops[entry], entry).expect("a branch");
            assert!(target >= original_len, "entry {entry} jumps to {target}");
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
        replicate_dispatch(&mut ops, &mut offsets, &mut [], &mut Scratch::default());
        assert_eq!(ops, before);
    }
}
