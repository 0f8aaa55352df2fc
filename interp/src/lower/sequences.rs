//! Short sequences of instructions fused over a finished function's bytecode.
//!
//! Each rewrite here makes the first instruction of a sequence do the work of all of them,
//! then continue where the last would have. The others stay in place, so branches that
//! enter them are unaffected and nothing moves.
//!
//! - Register shuffles. Values move between registers in runs of `copy` instructions: a
//!   loop's locals rotated at its bottom (`local.set` after `local.get`), a block's results
//!   moved to their label before the `br`. Two adjacent `copy`s become `copy_pair`, a `copy`
//!   and the `br` after it `copy_br` (`copy_br.acc` when the copy takes the accumulator).
//! - Loop steps. A counted loop ends by adding to its counter and branching on the sum: an
//!   `add` whose result the next branch reads from the accumulator (a comparison with a
//!   limit, or a test against zero) becomes one `add.br_if.*`.
//! - Pointer and counter steps. Two adjacent additions of small constants, a loop moving a
//!   pointer and a count along, become one `i32.add_imm_pair`. This one runs once the
//!   constants are immediates, after the others.
//! - Additions to memory. `x[i] += y` loads a value, adds to it and stores the sum at the
//!   same address: the three become one `*.add_to_mem`, which adds the accumulator when
//!   `y` was computed just before (a product, say) and forwarding allows it.
//! - Additions of products to memory. `x[i] += a * b` multiplies just before the addition
//!   to memory: the four become one `*.mul_add_to_mem`, if the product's register holds
//!   nothing read after (a temporary the addition consumes, or the sum's own register).
//! - Loads from scaled sums. A `load32` from the `i32.add_shl` (or `i32.add_shl_imm`) just
//!   before it becomes one `load32.add_shl`, which still writes the sum: an element read
//!   and then written back (a swap) keeps its address. Sums that take an operand from the
//!   accumulator (`i32.add_shl.acc`, `.index_acc`) stay apart, and so does a load that
//!   starts an addition to memory.
//!
//! This runs after accumulator forwarding, which is what makes each instruction read the
//! result of the one before, and every fused form leaves the accumulators as the last
//! instruction does, for an instruction after it that was rewritten to take them.

use std::ops::Range;

use crate::isa::{Op, Reg};

/// Applies every rewrite to `ops`, whose wasm offsets are `offsets`. `entered` is what
/// accumulator forwarding found enters each instruction, for a fused instruction to read the
/// accumulator in turn. `temps` are the operand stack's registers: a value in one is dead
/// once the instruction that pops it has run, so an instruction standing for that one need
/// not write it.
pub(super) fn fuse_sequences(
    ops: &mut [Op],
    offsets: &mut [u32],
    entered: &[bool],
    temps: Range<u32>,
) {
    debug_assert_eq!(ops.len(), offsets.len());
    let mut at = 0;
    while at + 1 < ops.len() {
        // Each rewrite starts with one kind of instruction: the others are passed by at once.
        // It gives the fused instruction, how many it stands for, and which of them can trap
        // (its wasm offset is the fused one's).
        let fused = match ops[at] {
            Op::I32Add { .. } | Op::I64Add { .. } => {
                super::loop_step(&ops[at], &ops[at + 1]).map(|step| (step, 2, 0))
            }
            Op::I32Mul { .. }
            | Op::I32MulAccL { .. }
            | Op::I32MulAccR { .. }
            | Op::I64Mul { .. }
            | Op::I64MulAccL { .. }
            | Op::I64MulAccR { .. }
            | Op::F32Mul { .. }
            | Op::F32MulAccL { .. }
            | Op::F32MulAccR { .. }
            | Op::F64Mul { .. }
            | Op::F64MulAccL { .. }
            | Op::F64MulAccR { .. } => ops.get(at..at + 4).and_then(|four| {
                let is_temp = |reg: Reg| temps.contains(&(reg.0 as u32));
                // The load traps, if anything does.
                mul_add_to_mem(four[0], add_to_mem(four[1], four[2], four[3])?, is_temp)
                    .map(|fused| (fused, 4, 1))
            }),
            Op::Load32 { .. } | Op::Load64 { .. } => ops
                .get(at + 2)
                .and_then(|&store| add_to_mem(ops[at], ops[at + 1], store))
                .map(|add| (add, 3, 0)),
            Op::I32AddShl { .. } | Op::I32AddShlImm { .. } => {
                // A load that a branch enters may start an addition to memory, which saves
                // more.
                let starts_addition = ops
                    .get(at + 1..at + 4)
                    .is_some_and(|three| add_to_mem(three[0], three[1], three[2]).is_some());
                if starts_addition {
                    None
                } else {
                    // The load traps, if anything does.
                    load_from_sum(ops[at], ops[at + 1]).map(|load| (load, 2, 1))
                }
            }
            Op::Copy {
                dst: dst0,
                src: src0,
            } => match ops[at + 1] {
                Op::Copy {
                    dst: dst1,
                    src: src1,
                } => Some((
                    Op::CopyPair {
                        dst0,
                        src0,
                        dst1,
                        src1,
                    },
                    2,
                    0,
                )),
                Op::Br { offset } => offset.checked_add(1).map(|offset| {
                    let copy_br = Op::CopyBr {
                        dst: dst0,
                        src: src0,
                        offset,
                    };
                    (copy_br, 2, 0)
                }),
                _ => None,
            },
            Op::CopyAcc { dst } => match ops[at + 1] {
                Op::Br { offset } => offset
                    .checked_add(1)
                    .map(|offset| (Op::CopyBrAcc { dst, offset }, 2, 0)),
                _ => None,
            },
            _ => None,
        };
        match fused {
            Some((op, len, trapping)) => {
                ops[at] = op;
                offsets[at] = offsets[at + trapping];
                // The first instruction fused may have read a register that the one before
                // computed (an addition to memory adds a product just computed, say): the
                // fused one reads that from the accumulator if it can.
                if let Some(op) = super::accumulator::forwarded(ops, at, entered) {
                    ops[at] = op;
                }
                at += len;
            }
            None => at += 1,
        }
    }
}

/// `sum`, an `i32.add_shl` or `i32.add_shl_imm`, and `load`, a `load32` from the sum, as
/// one `load32.add_shl`, if the constant and the load's end fit it.
fn load_from_sum(sum: Op, load: Op) -> Option<Op> {
    let (addr, base, index, shift, imm) = match sum {
        Op::I32AddShl {
            dst,
            base,
            index,
            shift,
        } => (dst, base, index, shift, 0),
        Op::I32AddShlImm {
            dst,
            base,
            index,
            shift,
            imm,
        } => (dst, base, index, shift, small(imm)?),
        _ => return None,
    };
    let (dst, end) = match load {
        // Forwarding made the load take its address from the accumulator, which only the sum
        // reaches it with.
        Op::Load32Acc { dst, end } => (dst, end),
        Op::Load32 {
            dst,
            addr: from,
            end,
        } if from == addr => (dst, end),
        _ => return None,
    };
    Some(Op::Load32AddShl {
        dst,
        addr,
        base,
        index,
        shift,
        imm,
        end: u16::try_from(end).ok()?,
    })
}

/// Fuses each two adjacent additions of small constants into one `i32.add_imm_pair`. Runs
/// after the constants are placed, which is when additions take their constants as
/// immediates.
pub(super) fn pair_constant_steps(ops: &mut [Op]) {
    let mut at = 0;
    while at + 1 < ops.len() {
        match constant_step_pair(ops[at], ops[at + 1]) {
            Some(pair) => {
                ops[at] = pair;
                at += 2;
            }
            None => at += 1,
        }
    }
}

/// `first` and `second` as one `i32.add_imm_pair`, if both add a constant that fits 16 bits
/// to a register; the second may take the first's sum from the accumulator.
fn constant_step_pair(first: Op, second: Op) -> Option<Op> {
    let Op::I32AddImm {
        dst: dst0,
        lhs: lhs0,
        imm: imm0,
    } = first
    else {
        return None;
    };
    let (dst1, lhs1, imm1) = match second {
        Op::I32AddImm { dst, lhs, imm } => (dst, lhs, imm),
        Op::I32AddAccImm { dst, imm } => (dst, dst0, imm),
        _ => return None,
    };
    Some(Op::I32AddImmPair {
        dst0,
        lhs0,
        imm0: small(imm0)?,
        dst1,
        lhs1,
        imm1: small(imm1)?,
    })
}

/// Immediate `imm` of an `i32.add` if it fits 16 bits.
fn small(imm: u32) -> Option<i16> {
    i16::try_from(imm as i32).ok()
}

/// The addition to memory standing for `load`, an addition reading the loaded value from
/// the accumulator, and `store` of the sum from the accumulator at the same address.
fn add_to_mem(load: Op, add: Op, store: Op) -> Option<Op> {
    let (wide, loaded, addr, end) = match (load, store) {
        (
            Op::Load32 { dst, addr, end },
            Op::Store32Acc {
                addr: to,
                end: to_end,
            },
        ) if (to, to_end) == (addr, end) => (false, dst, addr, end),
        (
            Op::Load64 { dst, addr, end },
            Op::Store64Acc {
                addr: to,
                end: to_end,
            },
        ) if (to, to_end) == (addr, end) => (true, dst, addr, end),
        _ => return None,
    };
    // The store must go where the load read: neither result may replace the address.
    let keeps_address = |dst: Reg| addr != loaded && addr != dst;
    macro_rules! fused {
        ($($acc_l:ident / $acc_r:ident, $wide:literal => $fused:ident;)*) => {
            match (add, wide) {
                $(
                    (Op::$acc_l { dst, rhs: src } | Op::$acc_r { dst, lhs: src }, $wide)
                        if keeps_address(dst) =>
                    {
                        Some(Op::$fused { addr, src, loaded, dst, end })
                    }
                )*
                _ => None,
            }
        };
    }
    fused! {
        I32AddAccL / I32AddAccR, false => I32AddToMem;
        F32AddAccL / F32AddAccR, false => F32AddToMem;
        I64AddAccL / I64AddAccR, true => I64AddToMem;
        F64AddAccL / F64AddAccR, true => F64AddToMem;
    }
}

/// The multiplication `mul` and the addition to memory `add` of its product just after it as
/// one `*.mul_add_to_mem`, if the product's register holds nothing read after the two: it is
/// the sum's register, or a temporary (`is_temp`) the addition consumes. The two must be of
/// one type, and the load must not replace the product or the address first.
fn mul_add_to_mem(mul: Op, add: Op, is_temp: impl Fn(Reg) -> bool) -> Option<Op> {
    // The product's register, the addition's operands, and the fused instruction; a factor
    // the multiplication takes from the accumulator, the fused one takes from it too.
    macro_rules! fused {
        ($($mul:ident $mul_l:ident $mul_r:ident + $add:ident => $fused:ident / $fused_acc:ident;)*) => {
            match (mul, add) {
                $(
                    (Op::$mul { dst: product, lhs, rhs }, Op::$add { addr, src, loaded, dst, end }) => {
                        (product, [addr, src, loaded, dst], Op::$fused { addr, lhs, rhs, loaded, dst, end })
                    }
                    (
                        Op::$mul_l { dst: product, rhs } | Op::$mul_r { dst: product, lhs: rhs },
                        Op::$add { addr, src, loaded, dst, end },
                    ) => (product, [addr, src, loaded, dst], Op::$fused_acc { addr, rhs, loaded, dst, end }),
                )*
                _ => return None,
            }
        };
    }
    let (product, [addr, src, loaded, dst], fused) = fused! {
        I32Mul I32MulAccL I32MulAccR + I32AddToMem => I32MulAddToMem / I32MulAddToMemAcc;
        I64Mul I64MulAccL I64MulAccR + I64AddToMem => I64MulAddToMem / I64MulAddToMemAcc;
        F32Mul F32MulAccL F32MulAccR + F32AddToMem => F32MulAddToMem / F32MulAddToMemAcc;
        F64Mul F64MulAccL F64MulAccR + F64AddToMem => F64MulAddToMem / F64MulAddToMemAcc;
    };
    let product_dead_after = product == dst || is_temp(product);
    (src == product && product != loaded && product != addr && product_dead_after).then_some(fused)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs [`fuse_sequences`] on `ops`, whose wasm offsets are their positions, and returns
    /// the offsets after.
    fn fuse(ops: &mut [Op], entered: &[bool], temps: Range<u32>) -> Vec<u32> {
        let mut offsets: Vec<u32> = (0..ops.len() as u32).collect();
        fuse_sequences(ops, &mut offsets, entered, temps);
        offsets
    }

    fn copy(dst: u16, src: u16) -> Op {
        Op::Copy {
            dst: Reg(dst),
            src: Reg(src),
        }
    }

    #[test]
    fn loads_from_scaled_sums_fuse_when_their_operands_fit() {
        let sum = |imm: u32| Op::I32AddShlImm {
            dst: Reg(4),
            base: Reg(1),
            index: Reg(2),
            shift: 2,
            imm,
        };
        let load = |addr: u16, end: u32| Op::Load32 {
            dst: Reg(5),
            addr: Reg(addr),
            end,
        };
        let mut ops = [sum(-8i32 as u32), load(4, 12), Op::Return {}];
        let offsets = fuse(&mut ops, &[], 0..0);
        assert_eq!(
            ops[0],
            Op::Load32AddShl {
                dst: Reg(5),
                addr: Reg(4),
                base: Reg(1),
                index: Reg(2),
                shift: 2,
                imm: -8,
                end: 12,
            }
        );
        // The load stays for branches to it, and its offset is the fused one's.
        assert_eq!(ops[1], load(4, 12));
        assert_eq!(offsets[0], 1);
        // A constant or an end too wide for the fused form, or a load from elsewhere.
        for (sum, load) in [
            (sum(0x8000), load(4, 4)),
            (sum(0), load(4, 0x1_0000)),
            (sum(0), load(3, 4)),
        ] {
            let mut ops = [sum, load, Op::Return {}];
            fuse(&mut ops, &[], 0..0);
            assert_eq!(ops[0], sum);
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
        fuse(&mut ops, &[], 0..0);
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
    fn adjacent_additions_of_small_constants_go_in_pairs() {
        let add = |dst, lhs, imm: i32| Op::I32AddImm {
            dst: Reg(dst),
            lhs: Reg(lhs),
            imm: imm as u32,
        };
        let mut ops = [
            add(1, 1, 1),
            Op::I32AddAccImm {
                dst: Reg(2),
                imm: -4i32 as u32,
            },
            // Too large for a pair: left alone, and so is the addition after it.
            add(3, 3, 1 << 15),
            add(4, 4, 8),
            Op::Return {},
        ];
        pair_constant_steps(&mut ops);
        assert_eq!(
            ops[0],
            Op::I32AddImmPair {
                dst0: Reg(1),
                lhs0: Reg(1),
                imm0: 1,
                dst1: Reg(2),
                lhs1: Reg(1),
                imm1: -4,
            }
        );
        assert_eq!(ops[2..4], [add(3, 3, 1 << 15), add(4, 4, 8)]);
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
        fuse(&mut ops, &[], 0..0);
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

    /// `x[r1] += r2` in `f64`s as forwarding leaves it: the load into r5, the addition
    /// into r6 of r2 and the loaded value from the accumulator, the store of the sum from
    /// the accumulator.
    fn f64_addition_to_memory() -> [Op; 3] {
        let load = Op::Load64 {
            dst: Reg(5),
            addr: Reg(1),
            end: 8,
        };
        let add = Op::F64AddAccR {
            dst: Reg(6),
            lhs: Reg(2),
        };
        let store = Op::Store64Acc {
            addr: Reg(1),
            end: 8,
        };
        [load, add, store]
    }

    /// A product computed into the register that the load of [`f64_addition_to_memory`]
    /// then overwrites, and the addition of the loaded value that follows.
    fn product_into_loaded() -> [Op; 2] {
        let into_loaded = Op::F64Mul {
            dst: Reg(5),
            lhs: Reg(3),
            rhs: Reg(4),
        };
        let add_loaded = Op::F64AddAccR {
            dst: Reg(6),
            lhs: Reg(5),
        };
        [into_loaded, add_loaded]
    }

    #[test]
    fn additions_to_memory_fuse_when_the_store_goes_where_the_load_read() {
        let [load, add, store] = f64_addition_to_memory();
        let mut ops = [load, add, store, Op::Return {}];
        fuse(&mut ops, &[], 0..0);
        assert_eq!(
            ops[0],
            Op::F64AddToMem {
                addr: Reg(1),
                src: Reg(2),
                loaded: Reg(5),
                dst: Reg(6),
                end: 8,
            }
        );
        assert_eq!(&ops[1..3], &[add, store]);

        // Another offset, another address register, a sum that replaces the address, or a
        // width that does not match the addition's: left alone.
        let elsewhere = Op::Store64Acc {
            addr: Reg(1),
            end: 16,
        };
        let other_addr = Op::Store64Acc {
            addr: Reg(3),
            end: 8,
        };
        let onto_addr = Op::F64AddAccR {
            dst: Reg(1),
            lhs: Reg(2),
        };
        let narrow = Op::Load32 {
            dst: Reg(5),
            addr: Reg(1),
            end: 8,
        };
        for seq in [
            [load, add, elsewhere],
            [load, add, other_addr],
            [load, onto_addr, store],
            [narrow, add, store],
        ] {
            let mut ops = seq;
            fuse(&mut ops, &[], 0..0);
            assert_eq!(ops, seq);
        }
    }

    #[test]
    fn an_addition_to_memory_of_a_value_just_computed_adds_the_accumulator() {
        let product = Op::F64Mul {
            dst: Reg(2),
            lhs: Reg(3),
            rhs: Reg(4),
        };
        let [load, add, store] = f64_addition_to_memory();
        let not_entered = [false; 5];
        let mut ops = [product, load, add, store, Op::Return {}];
        fuse(&mut ops, &not_entered, 0..0);
        assert_eq!(
            ops[1],
            Op::F64AddToMemAcc {
                addr: Reg(1),
                loaded: Reg(5),
                dst: Reg(6),
                end: 8,
            }
        );
        assert_eq!(
            ops[1].to_string(),
            "f64.add_to_mem.acc addr=Reg(1) loaded=Reg(5) dst=Reg(6) end=8"
        );

        // Not where a branch enters the load, nor where the load overwrites the addend
        // (`x[i] += x[i]` after computing into the same register).
        let entered = [false, true, false, false, false];
        let mut ops = [product, load, add, store, Op::Return {}];
        fuse(&mut ops, &entered, 0..0);
        assert!(matches!(ops[1], Op::F64AddToMem { .. }));
        let [into_loaded, add_loaded] = product_into_loaded();
        let mut ops = [into_loaded, load, add_loaded, store, Op::Return {}];
        fuse(&mut ops, &not_entered, 0..0);
        assert!(matches!(ops[1], Op::F64AddToMem { src: Reg(5), .. }));
    }

    #[test]
    fn a_product_added_to_memory_fuses_when_nothing_reads_it_after() {
        let product = Op::F64Mul {
            dst: Reg(2),
            lhs: Reg(3),
            rhs: Reg(4),
        };
        let [load, add, store] = f64_addition_to_memory();
        let not_entered = [false; 5];
        // The product's register is a temporary: one instruction does all four, with the
        // load's wasm offset, since only the load can trap.
        let mut ops = [product, load, add, store, Op::Return {}];
        let offsets = fuse(&mut ops, &not_entered, 2..3);
        assert_eq!(offsets[0], 1);
        assert_eq!(
            ops[0],
            Op::F64MulAddToMem {
                addr: Reg(1),
                lhs: Reg(3),
                rhs: Reg(4),
                loaded: Reg(5),
                dst: Reg(6),
                end: 8,
            }
        );
        // The four stay in place for branches into them: a branch to the load does not
        // keep the multiplication from fusing, since the fused instruction runs only from it.
        assert_eq!(ops[2..4], [add, store]);
        let load_entered = [false, true, false, false, false];
        let mut ops = [product, load, add, store, Op::Return {}];
        fuse(&mut ops, &load_entered, 2..3);
        assert!(matches!(ops[0], Op::F64MulAddToMem { .. }));

        // A factor just computed comes from the float accumulator.
        let product_of_acc = Op::F64MulAccL {
            dst: Reg(2),
            rhs: Reg(4),
        };
        let mut ops = [product_of_acc, load, add, store, Op::Return {}];
        fuse(&mut ops, &not_entered, 2..3);
        assert_eq!(
            ops[0],
            Op::F64MulAddToMemAcc {
                addr: Reg(1),
                rhs: Reg(4),
                loaded: Reg(5),
                dst: Reg(6),
                end: 8,
            }
        );

        // Not when the product stays in a local (read later, maybe), nor when it replaces
        // the address.
        let mut ops = [product, load, add, store, Op::Return {}];
        fuse(&mut ops, &not_entered, 0..0);
        assert!(matches!(ops[0], Op::F64Mul { .. }));
        let onto_addr = Op::F64Mul {
            dst: Reg(1),
            lhs: Reg(3),
            rhs: Reg(4),
        };
        let add_addr = Op::F64AddAccR {
            dst: Reg(6),
            lhs: Reg(1),
        };
        let mut ops = [onto_addr, load, add_addr, store, Op::Return {}];
        fuse(&mut ops, &not_entered, 0..8);
        assert_eq!(ops[0], onto_addr);
        // Nor when the load replaces the product, a temporary though it is: the addition
        // then adds the loaded value to itself.
        let [into_loaded, add_loaded] = product_into_loaded();
        let mut ops = [into_loaded, load, add_loaded, store, Op::Return {}];
        fuse(&mut ops, &not_entered, 0..8);
        assert_eq!(ops[0], into_loaded);
    }
}
