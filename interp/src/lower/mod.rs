//! One-pass translation of a validated function body into register bytecode.
//!
//! Wasm locals are the first registers of a frame; every operand-stack position has a fixed
//! "canonical" register after them. Operands are tracked lazily: `local.get` and constants do
//! not emit anything until a consumer needs them in a register, and a `local.set` that follows
//! the instruction producing its value retargets that instruction's result. Control-flow
//! merges keep their values in the canonical registers of the block's stack positions, so
//! branches only copy when the values are not already there.
//!
//! Passes over the finished bytecode follow, in order: jump threading (`peephole`), copies
//! of `br_table` dispatch heads (`dispatch`), results passed through the accumulators
//! (`accumulator`), fused sequences (`sequences`), the placement of the constant pool,
//! where an instruction reading a constant as its right operand takes it as an immediate if
//! it has such a form (`Translator::place_consts`), and last the pairing of additions of
//! constants, which needs those immediates (`sequences::pair_constant_steps`).

mod accumulator;
mod control;
mod dispatch;
mod driver;
pub mod fuel;
pub mod gc;
mod peephole;
mod sequences;

use std::collections::HashMap;
use std::ops::Range;

use wasmparser::{
    BinaryReader, BlockType, FuncValidator, FunctionBody, MemArg, Operator, ValType,
    ValidatorResources,
};

use crate::exec::Threaded;
use crate::isa::{
    Immediate, MemAccess, MemOp, NanLanes, Op, Reg, RmwOp, V128Access, V128LoadKind, WidthAccess,
    access_end,
};
use crate::module::{CompileError, ModuleInfo, slot_count};
use control::{Control, ControlKind};

/// A fast hash for the constant pool's maps: their keys are constants chosen by the module,
/// not by an adversary the map must resist (a collision only costs a probe), and the default
/// SipHash dominated translation time.
type ConstHasher = std::hash::BuildHasherDefault<MixHasher>;

/// A multiply-xorshift hasher for integer keys.
#[derive(Default)]
struct MixHasher(u64);

impl std::hash::Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, value: u64) {
        let mixed = (self.0 ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = mixed ^ (mixed >> 29);
    }
}

/// Value types of block parameters, results and call results: rarely more than a few.
pub(super) type Types = smallvec::SmallVec<[ValType; 4]>;

/// Constants beyond this many per function are written by instructions instead.
const MAX_CONSTS: usize = 1024;

/// A translated function.
#[derive(Debug)]
pub struct CompiledFunc {
    /// The bytecode, each instruction with its handler.
    pub code: Box<[Threaded]>,
    /// The wasm byte offset of the operator each instruction came from.
    pub offsets: Box<[u32]>,
    /// Slots the frame needs: locals plus the deepest operand stack.
    pub frame_slots: u16,
    /// Slots taken by all locals (parameters first).
    pub local_slots: u16,
    /// Slots taken by the parameters.
    pub param_slots: u16,
    /// Slots taken by the results.
    pub result_slots: u16,
    /// What every new frame holds from slot `param_slots` on: the locals that are not
    /// parameters (zero), then the constants the instructions read from registers
    /// `local_slots..`, then zeros up to a multiple of four slots (the frame has room for
    /// them). One copy sets up a frame.
    pub frame_init: Box<[SlotQuad]>,
    /// Exception handlers (`try_table`s), innermost first.
    pub handlers: Box<[Handler]>,
}

/// Four slots of a frame template, aligned for 16-byte copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct SlotQuad(pub [u64; 4]);

/// The catch clauses of one `try_table`, covering instructions `start..end`.
#[derive(Debug, Clone)]
pub struct Handler {
    /// First instruction of the `try_table` body.
    pub start: u32,
    /// First instruction after it.
    pub end: u32,
    /// The clauses, in order.
    pub catches: Box<[CatchClause]>,
}

/// What a catch clause catches and what it passes to its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchKind {
    /// `catch`: exceptions of one tag; passes the payload.
    Tag,
    /// `catch_ref`: exceptions of one tag; passes the payload and the `exnref`.
    TagRef,
    /// `catch_all`: any exception; passes nothing.
    All,
    /// `catch_all_ref`: any exception; passes the `exnref`.
    AllRef,
}

/// One catch clause: where a caught exception's values go and where execution continues.
#[derive(Debug, Clone, Copy)]
pub struct CatchClause {
    /// What it catches.
    pub kind: CatchKind,
    /// The module's tag index (for `Tag` and `TagRef`).
    pub tag: u32,
    /// The first register of the label's values.
    pub dst: Reg,
    /// The instruction to continue at (a branch to the label).
    pub target: u32,
}

impl CompiledFunc {
    /// The wasm byte offset of instruction `pc`.
    pub fn wasm_offset(&self, pc: usize) -> Option<u32> {
        self.offsets.get(pc).copied()
    }
}

/// Translates defined function `defined_index` of a validated module.
pub fn translate(
    info: &ModuleInfo,
    defined_index: u32,
    options: TranslateOptions,
) -> Result<CompiledFunc, CompileError> {
    translate_body(info, defined_index, options, None)
}

/// Validates defined function `defined_index` with `validator` (its body's validator, left
/// pending by [`crate::module::parse_module_deferred`]) and translates it, in one pass over
/// its operators: each is validated before it is translated.
pub fn validate_and_translate(
    info: &ModuleInfo,
    defined_index: u32,
    options: TranslateOptions,
    validator: &mut FuncValidator<ValidatorResources>,
) -> Result<CompiledFunc, CompileError> {
    translate_body(info, defined_index, options, Some(validator))
}

/// Translates defined function `defined_index`, validating it first with `validator` if the
/// module's validation left it out.
fn translate_body(
    info: &ModuleInfo,
    defined_index: u32,
    options: TranslateOptions,
    mut validator: Option<&mut FuncValidator<ValidatorResources>>,
) -> Result<CompiledFunc, CompileError> {
    let func_index = info.imported_funcs + defined_index;
    let range = info.bodies[defined_index as usize].clone();
    let reader = BinaryReader::new_features(
        &info.bytes[range.clone()],
        range.start as u64,
        info.features,
    );
    let body = FunctionBody::new(reader);
    let ty = info.func_type(func_index);

    let mut t = Translator::new(info, range.start, options);
    for &param in ty.params() {
        t.declare_local(param)?;
    }
    let param_slots = t.local_slots;
    let mut locals = body.get_locals_reader()?;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position();
        let (count, ty) = locals.read()?;
        // The validator bounds the number of locals before any is declared.
        if let Some(validator) = validator.as_deref_mut() {
            validator.define_locals(offset, count, ty)?;
        }
        for _ in 0..count {
            t.declare_local(ty)?;
        }
    }
    t.temp_base = t.local_slots;
    let results: Types = ty.results().into();
    t.controls.push(Control::new(
        ControlKind::Func,
        0,
        t.temp_base,
        Types::new(),
        results.clone(),
    ));
    t.start_fuel_block();
    t.check_epoch();

    let mut operators = wasmparser::OperatorsReader::new_with_allocs(
        locals.get_binary_reader(),
        std::mem::take(&mut t.scratch.reader),
    );
    driver::translate_operators(&mut t, &mut operators, validator)?;
    t.scratch.reader = operators.into_allocations();
    let result_slots = results.iter().map(|&ty| slot_count(ty)).sum();
    peephole::thread_jumps(&mut t.ops);
    if t.looped_tables {
        dispatch::replicate_dispatch(
            &mut t.ops,
            &mut t.offsets,
            &mut t.handlers,
            &mut t.scratch.dispatch,
        );
    }
    accumulator::forward_results(
        &mut t.ops,
        &mut t.offsets,
        t.handlers
            .iter()
            .flat_map(|handler| handler.catches.iter().map(|clause| clause.target)),
        &mut t.scratch.entered,
    );
    let temps = t.temps();
    sequences::fuse_sequences(&mut t.ops, &mut t.offsets, &t.scratch.entered, temps);
    let (frame_slots, used_consts) = t.place_consts()?;
    sequences::pair_constant_steps(&mut t.ops);
    // Frames start as a copy of `frame_init`, padded to whole groups of four slots: zeroes
    // for the locals that are not parameters, then the constants still read from the frame.
    let init_len = ((t.local_slots - param_slots) as usize + used_consts).next_multiple_of(4);
    let frame_slots = frame_slots
        .max(result_slots as u32)
        .max(param_slots as u32 + init_len as u32);
    let frame_slots = u16::try_from(frame_slots).map_err(|_| t.too_large())?;
    let mut template = std::iter::repeat_n(0, (t.local_slots - param_slots) as usize)
        .chain(t.consts[..used_consts].iter().copied())
        .chain(std::iter::repeat(0));
    let frame_init = (0..init_len / 4)
        .map(|_| SlotQuad(std::array::from_fn(|_| template.next().unwrap_or(0))))
        .collect();
    // Copied out at their exact size: the buffers go back to the thread for the next
    // translation.
    let compiled = CompiledFunc {
        code: crate::exec::thread(&t.ops),
        offsets: t.offsets.as_slice().into(),
        frame_slots,
        local_slots: t.local_slots,
        param_slots,
        result_slots,
        frame_init,
        handlers: std::mem::take(&mut t.handlers).into_boxed_slice(),
    };
    t.recycle();
    Ok(compiled)
}

/// A translation's working buffers, kept by each thread between translations so that
/// translating function after function (eager translation of a whole module) does not
/// allocate and grow them anew every time.
#[derive(Default)]
struct Scratch {
    ops: Vec<Op>,
    offsets: Vec<u32>,
    locals: Vec<(ValType, Reg)>,
    consts: Vec<u64>,
    const_regs: HashMap<u64, Reg, ConstHasher>,
    vector_regs: HashMap<u128, Reg, ConstHasher>,
    stack: Vec<Operand>,
    controls: Vec<Control>,
    /// The buffers of the operators' reader and of the passes, which stay here during a
    /// translation.
    reader: wasmparser::OperatorsReaderAllocations,
    dispatch: dispatch::Scratch,
    entered: Vec<bool>,
}

thread_local! {
    /// This thread's buffers, while no translation on it uses them.
    static SCRATCH: std::cell::Cell<Option<Box<Scratch>>> = const { std::cell::Cell::new(None) };
}

/// Buffers above this many elements are not kept: one huge function should not pin its
/// memory for the rest of the thread's life.
const SCRATCH_KEEP: usize = 1 << 16;

/// Constant registers are numbered down from here while translating, out of the way of the
/// temporaries numbered up from the locals; [`Translator::place_consts`] moves them between
/// the two at the end.
const CONST_CEILING: u32 = 1 << 16;

/// Where an operand's value is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    /// In its canonical register.
    Temp,
    /// Still in a local's register (a `local.get` not yet copied).
    Local(Reg),
    /// A constant not yet written anywhere.
    Const(u64),
    /// A constant in a register of the constant pool (vectors), which nothing writes.
    Pooled(Reg),
}

#[derive(Debug, Clone, Copy)]
struct Operand {
    source: Source,
    ty: ValType,
    /// The canonical register of this stack position.
    slot: u16,
}

struct Translator<'a> {
    info: &'a ModuleInfo,
    ops: Vec<Op>,
    offsets: Vec<u32>,
    /// Offset of the operator being translated.
    offset: u32,
    body_start: usize,
    locals: Vec<(ValType, Reg)>,
    local_slots: u16,
    /// The constant pool and the register of each constant in it.
    consts: Vec<u64>,
    const_regs: HashMap<u64, Reg, ConstHasher>,
    vector_regs: HashMap<u128, Reg, ConstHasher>,
    /// First register of the operand stack, after the locals and the constants.
    temp_base: u16,
    stack: Vec<Operand>,
    max_slots: u32,
    controls: Vec<Control>,
    /// The last instruction, if it wrote the top operand's canonical register and no label
    /// was bound after it.
    last_result: Option<usize>,
    /// Depth of blocks opened inside unreachable code being skipped.
    skipped_depth: u32,
    /// Exception handlers of the `try_table`s ended so far.
    handlers: Vec<Handler>,
    options: TranslateOptions,
    /// The `consume_fuel` of the current straight-line block.
    fuel_op: Option<usize>,
    /// Fuel blocks started so far (a block may reuse the empty one before it's
    /// `consume_fuel`, so this is not the number of those).
    fuel_blocks: u32,
    /// Where the last label was bound: no instruction before it may be fused with one after.
    last_label: usize,
    /// Whether a `br_table` was emitted inside a loop: only then can the function have a
    /// dispatch loop for [`dispatch::replicate_dispatch`] to find, since a branch back to a
    /// table's head is a loop's.
    looped_tables: bool,
    /// The thread's scratch buffers, less those moved into the fields above while the
    /// translation runs.
    scratch: Box<Scratch>,
}

/// What the translation of a module's functions depends on besides the module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TranslateOptions {
    /// Emit fuel metering.
    pub fuel: bool,
    /// Emit epoch-deadline checks at function entries and loop headers.
    pub epoch: bool,
    /// Replace NaN results of float arithmetic with the canonical NaN (deterministic
    /// execution).
    pub canonicalize_nans: bool,
    /// Emit `osr_check` at the headers of loops where compiled code can take over a running
    /// call (those entered with an empty operand stack and no parameters).
    pub osr: bool,
}

type Result<T, E = CompileError> = std::result::Result<T, E>;

impl<'a> Translator<'a> {
    fn new(info: &'a ModuleInfo, body_start: usize, options: TranslateOptions) -> Self {
        use std::mem::take;
        let mut scratch = SCRATCH.take().unwrap_or_default();
        Translator {
            info,
            ops: take(&mut scratch.ops),
            offsets: take(&mut scratch.offsets),
            offset: 0,
            body_start,
            locals: take(&mut scratch.locals),
            local_slots: 0,
            consts: take(&mut scratch.consts),
            const_regs: take(&mut scratch.const_regs),
            vector_regs: take(&mut scratch.vector_regs),
            temp_base: 0,
            stack: take(&mut scratch.stack),
            max_slots: 0,
            controls: take(&mut scratch.controls),
            scratch,
            last_result: None,
            skipped_depth: 0,
            handlers: Vec::new(),
            options,
            fuel_op: None,
            fuel_blocks: 0,
            last_label: 0,
            looped_tables: false,
        }
    }

    /// Gives the working buffers back to the thread, emptied, for its next translation.
    fn recycle(self) {
        let keep = |len: usize| len <= SCRATCH_KEEP;
        if !(keep(self.ops.capacity()) && keep(self.const_regs.capacity())) {
            return;
        }
        let mut scratch = self.scratch;
        scratch.ops = self.ops;
        scratch.offsets = self.offsets;
        scratch.locals = self.locals;
        scratch.consts = self.consts;
        scratch.const_regs = self.const_regs;
        scratch.vector_regs = self.vector_regs;
        scratch.stack = self.stack;
        scratch.controls = self.controls;
        scratch.ops.clear();
        scratch.offsets.clear();
        scratch.locals.clear();
        scratch.consts.clear();
        scratch.const_regs.clear();
        scratch.vector_regs.clear();
        scratch.stack.clear();
        scratch.controls.clear();
        SCRATCH.set(Some(scratch));
    }

    fn too_many_memories(&self) -> CompileError {
        CompileError::at(
            "loads and stores of memories past the 256th are not supported",
            self.offset as usize,
        )
    }

    fn too_large(&self) -> CompileError {
        CompileError::at("function needs more than 65535 registers", self.body_start)
    }

    /// The register of the constant `bits`, giving it one if the pool has room.
    ///
    /// Constants have registers of their own, filled when the frame is entered, so
    /// instructions read them like any other operand. They must lie below the temporaries
    /// (a callee's frame starts among the caller's temporaries and would overwrite anything
    /// above), but their number is known only at the end: until then they count down from
    /// [`CONST_CEILING`], and [`Translator::place_consts`] renumbers them.
    fn const_reg(&mut self, bits: u64) -> Option<Reg> {
        if let Some(&reg) = self.const_regs.get(&bits) {
            return Some(reg);
        }
        if self.consts.len() >= MAX_CONSTS {
            return None;
        }
        self.consts.push(bits);
        let reg = Reg((CONST_CEILING - self.consts.len() as u32) as u16);
        self.const_regs.insert(bits, reg);
        Some(reg)
    }

    /// The two registers of vector constant `value` (every vector constant is pooled).
    fn vector_reg(&mut self, value: u128) -> Reg {
        if let Some(&reg) = self.vector_regs.get(&value) {
            return reg;
        }
        // Pushed high half first: `place_consts` reverses the pool.
        self.consts.extend([(value >> 64) as u64, value as u64]);
        let reg = Reg((CONST_CEILING - self.consts.len() as u32) as u16);
        self.vector_regs.insert(value, reg);
        reg
    }

    /// Puts the constant pool right after the locals and the temporaries after it,
    /// renumbering every register operand, and gives each instruction that has a form with
    /// an immediate right operand and reads a constant there that form (see
    /// [`Op::with_immediate`]).
    ///
    /// Returns the frame's slot count, and how many of the pool's first slots instructions
    /// still read: a constant every reader of which took it as an immediate need not be in
    /// the frame template when no later one is read either.
    ///
    /// Immediates come last, after the fusing passes, because those fuse register operands:
    /// an address sum into a load, an addition into a loop step's `add.br_if`.
    fn place_consts(&mut self) -> Result<(u32, usize)> {
        let count = self.consts.len() as u32;
        let temps_end = self.max_slots.max(self.local_slots as u32);
        // The temporaries must not have reached the constants' provisional numbers.
        if temps_end > CONST_CEILING - count || temps_end + count > u16::MAX as u32 {
            return Err(self.too_large());
        }
        let frame_slots = temps_end + count;
        if count == 0 {
            return Ok((frame_slots, 0));
        }
        self.consts.reverse();
        let locals = self.local_slots;
        let pool = (CONST_CEILING - count) as u16;
        let consts = &self.consts;
        let constant = |reg: Reg| {
            let index = reg.0.checked_sub(pool)?;
            consts.get(index as usize).copied()
        };
        // A register of the pool may be a vector's first slot: its second counts as read.
        let mut used = 0;
        let mut renumber = |reg: &mut Reg| {
            if reg.0 >= pool {
                let index = reg.0 - pool;
                used = used.max((index as usize + 2).min(count as usize));
                reg.0 = locals + index;
            } else if reg.0 >= locals {
                reg.0 += count as u16;
            }
        };
        for op in &mut self.ops {
            if let Some(with_immediate) = op.with_immediate(constant) {
                *op = with_immediate;
            }
            op.for_each_reg_mut(&mut renumber);
        }
        for handler in &mut self.handlers {
            for clause in handler.catches.iter_mut() {
                renumber(&mut clause.dst);
            }
        }
        Ok((frame_slots, used))
    }

    fn declare_local(&mut self, ty: ValType) -> Result<()> {
        let reg = Reg(self.local_slots);
        self.local_slots = self
            .local_slots
            .checked_add(slot_count(ty))
            .ok_or_else(|| self.too_large())?;
        self.max_slots = self.max_slots.max(self.local_slots as u32);
        self.locals.push((ty, reg));
        Ok(())
    }

    // ---- emitting ----

    fn emit(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.offsets.push(self.offset);
        self.last_result = None;
        self.ops.len() - 1
    }

    /// Emits an instruction whose result is the operand just pushed.
    fn emit_result(&mut self, op: Op) {
        let pc = self.emit(op);
        self.last_result = Some(pc);
    }

    fn pc(&self) -> usize {
        self.ops.len()
    }

    /// Binds a label at the current position: instructions before it may be jumped over, so
    /// none of them may be retargeted from here on.
    fn bind_label(&mut self) -> usize {
        let here = self.bind_label_in_block();
        self.start_fuel_block();
        // With fuel, the label is at the block's `consume_fuel`, which may be that of an
        // empty block just before.
        self.fuel_op.filter(|_| self.options.fuel).unwrap_or(here)
    }

    /// Binds a label that only a branch of the current fuel block reaches, so that no new
    /// fuel block starts there.
    fn bind_label_in_block(&mut self) -> usize {
        self.last_result = None;
        let here = self.pc();
        self.last_label = here;
        here
    }

    /// With fuel metering, starts a straight-line block whose `consume_fuel` is charged with
    /// the cost of every operator translated until the next block starts.
    fn start_fuel_block(&mut self) {
        if self.options.fuel {
            self.fuel_blocks += 1;
            // A block that has charged nothing and emitted nothing yet (one that a label ends
            // right after it started) lends its `consume_fuel` to the new one: falling into
            // it or branching to it then charges the same as the new block's own would, and
            // there is one dispatch fewer.
            if let Some(at) = self.fuel_op
                && at + 1 == self.ops.len()
                && self.ops[at] == (Op::ConsumeFuel { amount: 0 })
            {
                return;
            }
            self.fuel_op = Some(self.emit(Op::ConsumeFuel { amount: 0 }));
        }
    }

    /// With NaN canonicalization, makes the NaNs the instruction `mnemonic` just wrote to
    /// the top operand canonical, if it is float arithmetic (whose NaN payloads the spec
    /// leaves open; bitwise float operators such as `neg` keep theirs).
    #[inline(always)]
    fn canonicalize_nan(&mut self, mnemonic: &str) {
        // Every numeric operator comes here: off, it costs one test.
        if self.options.canonicalize_nans {
            self.emit_canonicalize_nan(mnemonic);
        }
    }

    #[inline(never)]
    fn emit_canonicalize_nan(&mut self, mnemonic: &str) {
        let Some((shape, op)) = mnemonic.split_once('.') else {
            return;
        };
        let arithmetic = matches!(
            op,
            "add"
                | "sub"
                | "mul"
                | "div"
                | "sqrt"
                | "min"
                | "max"
                | "pmin"
                | "pmax"
                | "ceil"
                | "floor"
                | "trunc"
                | "nearest"
                | "relaxed_madd"
                | "relaxed_nmadd"
                | "relaxed_min"
                | "relaxed_max"
        ) || op.starts_with("demote")
            || op.starts_with("promote");
        let lanes = match shape {
            "f32" => NanLanes::F32,
            "f64" => NanLanes::F64,
            "f32x4" => NanLanes::F32x4,
            "f64x2" => NanLanes::F64x2,
            _ => return,
        };
        if arithmetic {
            let reg = Reg(self.stack.last().expect("just pushed").slot);
            self.emit(Op::CanonicalizeNan { reg, lanes });
        }
    }

    /// With epoch interruption, checks the deadline here: at function entries and loop
    /// headers, so that every unbounded execution path passes a check.
    fn check_epoch(&mut self) {
        if self.options.epoch {
            self.emit(Op::CheckEpoch {});
        }
    }

    fn charge_fuel(&mut self, op: &Operator<'_>) {
        if let Some(Op::ConsumeFuel { amount }) = self.fuel_op.map(|at| &mut self.ops[at]) {
            // The cost rule both tiers share.
            *amount = amount.saturating_add(fuel::cost(op));
        }
    }

    /// With fuel metering, whether the shared rule starts a fuel block after `op` (which is
    /// about to be translated, and reachable), and the block current before it.
    #[cfg(debug_assertions)]
    fn fuel_rule_before(&self, op: &Operator<'_>) -> Option<(bool, u32)> {
        let translated = !self.is_unreachable()
            || (matches!(op, Operator::Else | Operator::End) && self.skipped_depth == 0);
        (self.options.fuel && translated).then(|| (fuel::starts_block_after(op), self.fuel_blocks))
    }

    /// Checks that the operator just translated started a fuel block exactly where the shared
    /// rule of [`fuel`] says, so the Cranelift tier's charges stay the same as these.
    #[cfg(debug_assertions)]
    fn check_fuel_rule(&self, before: Option<(bool, u32)>) {
        if let Some((starts, block)) = before
            && !self.controls.is_empty()
        {
            debug_assert_eq!(
                starts,
                self.fuel_blocks != block,
                "fuel block placement departs from lower::fuel at offset {}",
                self.offset
            );
        }
    }

    fn patch_branch(&mut self, at: usize, target: usize) {
        let offset = target as i32 - at as i32;
        match self.ops[at].branch_offset_mut() {
            Some(o) => *o = offset,
            None => unreachable!("patching a non-branch {:?}", self.ops[at]),
        }
    }

    /// A conditional branch to the label `depth` levels out, taken when `cond` is non-zero
    /// (`jump_if`) or zero; the label's values are the top of the stack.
    fn branch_if(&mut self, depth: u32, cond: Operand, jump_if: bool) {
        let count = self.label_arity(depth);
        self.materialize_top(count);
        // The fall-through stays in the current fuel block (see `fuel`).
        if self.branch_needs_copy(depth) {
            let skip = self.emit_cond_branch(cond, !jump_if);
            self.copy_to_label(depth);
            self.emit_branch_to(depth);
            let here = self.bind_label_in_block();
            self.patch_branch(skip, here);
        } else {
            let index = self.controls.len() - 1 - depth as usize;
            let at = self.emit_cond_branch(cond, jump_if);
            match self.controls[index].header {
                Some(header) => self.patch_branch(at, header),
                None => self.controls[index].patches.push(at),
            }
        }
    }

    /// Emits a branch taken when `cond` is non-zero (`jump_if`) or zero (`!jump_if`). When
    /// the condition was computed by the instruction just emitted, and that is a comparison
    /// or `eqz`, the two fuse into one instruction; so do an `eqz` and the comparison just
    /// before it that it tests, into the comparison's negated branch.
    fn emit_cond_branch(&mut self, cond: Operand, jump_if: bool) -> usize {
        if let (Source::Temp, Some(pc)) = (cond.source, self.last_result)
            && pc + 1 == self.ops.len()
            && let Some(fused) = fuse_compare(&self.ops[pc], Reg(cond.slot), jump_if)
        {
            self.last_result = None;
            if let Op::I32Eqz { src, .. } = self.ops[pc]
                && let Some(compare) = self.only_way_into(pc)
                && self.is_temp(src)
                && let Some(negated) = fuse_compare(&self.ops[compare], src, !jump_if)
            {
                // A float comparison has no negated form of its own (`!(a < b)` holds for
                // NaN), so `eqz` of one stays until it meets its branch.
                self.discard_from(pc);
                self.ops[compare] = negated;
                return compare;
            }
            self.ops[pc] = fused;
            return pc;
        }
        let cond = self.reg_of(cond);
        if jump_if {
            self.emit(Op::BrIfNez { cond, offset: 0 })
        } else {
            self.emit(Op::BrIfEqz { cond, offset: 0 })
        }
    }

    // ---- the operand stack ----

    fn next_slot(&self) -> u16 {
        match self.stack.last() {
            Some(top) => top.slot + slot_count(top.ty),
            None => self.temp_base,
        }
    }

    // Inline: out of line, `source` travels through memory and the copy of the whole
    // operand into the stack waits for the caller's stores to it.
    #[inline(always)]
    fn push(&mut self, source: Source, ty: ValType) -> Result<Reg> {
        let slot = self.next_slot();
        let end = slot as u32 + slot_count(ty) as u32;
        if end > u16::MAX as u32 {
            return Err(self.too_large());
        }
        self.max_slots = self.max_slots.max(end);
        self.stack.push(Operand { source, ty, slot });
        Ok(Reg(slot))
    }

    fn push_temp(&mut self, ty: ValType) -> Result<Reg> {
        self.push(Source::Temp, ty)
    }

    fn pop(&mut self) -> Operand {
        self.stack.pop().expect("validated operand stack")
    }

    /// Emits the copy of a lazy operand into `dst`.
    fn write_operand(&mut self, operand: Operand, dst: Reg) {
        match operand.source {
            Source::Temp if operand.slot == dst.0 => {}
            Source::Temp => self.emit_copy(dst, Reg(operand.slot), operand.ty),
            Source::Local(src) | Source::Pooled(src) => self.emit_copy(dst, src, operand.ty),
            Source::Const(bits) => {
                if bits <= u32::MAX as u64 {
                    self.emit(Op::Const32 {
                        dst,
                        value: bits as u32,
                    });
                } else {
                    self.emit(Op::Const64 { dst, value: bits });
                }
            }
        }
    }

    fn emit_copy(&mut self, dst: Reg, src: Reg, ty: ValType) {
        if dst != src {
            if slot_count(ty) == 2 {
                self.emit(Op::Copy2 { dst, src });
            } else {
                self.emit(Op::Copy { dst, src });
            }
        }
    }

    /// The register holding a popped operand, writing constants into its canonical register.
    fn reg_of(&mut self, operand: Operand) -> Reg {
        match operand.source {
            Source::Temp => Reg(operand.slot),
            Source::Local(reg) | Source::Pooled(reg) => reg,
            Source::Const(bits) => match self.const_reg(bits) {
                Some(reg) => reg,
                None => {
                    self.write_operand(operand, Reg(operand.slot));
                    Reg(operand.slot)
                }
            },
        }
    }

    fn pop_reg(&mut self) -> Reg {
        let operand = self.pop();
        self.reg_of(operand)
    }

    /// Moves stack entry `index` into its canonical register.
    fn materialize(&mut self, index: usize) {
        let operand = self.stack[index];
        if operand.source != Source::Temp {
            self.write_operand(operand, Reg(operand.slot));
            self.stack[index].source = Source::Temp;
        }
    }

    fn materialize_top(&mut self, count: usize) {
        for index in self.stack.len() - count..self.stack.len() {
            self.materialize(index);
        }
    }

    /// Copies out every pending `local.get` of `local` before the local is overwritten.
    fn flush_local(&mut self, local: Reg) {
        for index in 0..self.stack.len() {
            if self.stack[index].source == Source::Local(local) {
                self.materialize(index);
            }
        }
    }

    // ---- control ----

    fn block_types(&self, ty: BlockType) -> (Types, Types) {
        match ty {
            BlockType::Empty => (Types::new(), Types::new()),
            BlockType::Type(ty) => (Types::new(), smallvec::smallvec![ty]),
            BlockType::FuncType(index) => {
                let ty = self.info.type_at(index);
                (ty.params().into(), ty.results().into())
            }
        }
    }

    fn push_control(&mut self, kind: ControlKind, ty: BlockType) {
        let (params, results) = self.block_types(ty);
        // A pending `local.get` below the block could be overwritten inside it, and copying it
        // out on only one path would leave the other without it: settle those first.
        // Constants below stay pending: nothing inside the block touches operands below its
        // height. The block's parameters go to their canonical registers, where branches
        // back to a loop header put them too.
        let height = self.stack.len() - params.len();
        for index in 0..self.stack.len() {
            if index >= height || matches!(self.stack[index].source, Source::Local(_)) {
                self.materialize(index);
            }
        }
        let start_slot = self
            .stack
            .get(height)
            .map(|o| o.slot)
            .unwrap_or_else(|| self.next_slot());
        let osr_entry = self.options.osr && self.stack.is_empty();
        let mut control = Control::new(kind, height, start_slot, params, results);
        if let ControlKind::Loop = kind {
            // Back edges come through the check before the header's fuel is charged: compiled
            // code entered there charges it itself.
            let header = self.pc();
            if osr_entry {
                self.emit(if self.inside_loop() {
                    Op::OsrCheckNested {}
                } else {
                    Op::OsrCheck {}
                });
            }
            let label = self.bind_label();
            // Without the check, the header is the label, which may be the `consume_fuel` of
            // an empty block just before.
            control.header = Some(if osr_entry { header } else { label });
            self.check_epoch();
        }
        self.controls.push(control);
    }

    fn is_unreachable(&self) -> bool {
        self.controls.last().is_some_and(|c| c.unreachable)
    }

    fn set_unreachable(&mut self) {
        let control = self.controls.last_mut().expect("inside a function");
        control.unreachable = true;
        let height = control.height;
        self.stack.truncate(height);
    }

    /// Copies the top `count` operands (already materialized) to the canonical registers of
    /// `target` control's values, if they are not there already.
    fn copy_to_label(&mut self, depth: u32) {
        let target = self.label(depth);
        let dst = target.start_slot;
        let types = target.branch_types().to_vec();
        let count = types.len();
        if count == 0 {
            return;
        }
        let first = self.stack[self.stack.len() - count].slot;
        let len: u16 = types.iter().map(|&t| slot_count(t)).sum();
        if first != dst {
            self.emit(Op::CopySpan {
                dst: Reg(dst),
                src: Reg(first),
                len,
            });
        }
    }

    fn branch_needs_copy(&self, depth: u32) -> bool {
        let target = self.label(depth);
        let count = target.branch_types().len();
        count != 0 && self.stack[self.stack.len() - count].slot != target.start_slot
    }

    /// Emits a jump to the label of the control `depth` levels out.
    fn emit_branch_to(&mut self, depth: u32) {
        let index = self.controls.len() - 1 - depth as usize;
        if let Some(header) = self.controls[index].header {
            let at = self.emit(Op::Br { offset: 0 });
            self.patch_branch(at, header);
        } else {
            let at = self.emit(Op::Br { offset: 0 });
            self.controls[index].patches.push(at);
        }
    }

    fn emit_return(&mut self) {
        let results = self.controls[0].results.clone();
        match results.as_slice() {
            [] => {
                self.emit(Op::Return {});
            }
            [ty] if slot_count(*ty) == 1 => {
                let src = self.pop_reg();
                self.emit(Op::ReturnReg { src });
            }
            _ => {
                self.materialize_top(results.len());
                let first = self.stack[self.stack.len() - results.len()].slot;
                let len = results.iter().map(|&t| slot_count(t)).sum();
                self.emit(Op::ReturnSpan {
                    src: Reg(first),
                    len,
                });
            }
        }
    }

    fn end_control(&mut self) -> Result<()> {
        let mut control = self.controls.pop().expect("validated control stack");
        let fallthrough = !control.unreachable;
        if let ControlKind::Func = control.kind
            && control.patches.is_empty()
        {
            // Only the fallthrough returns: the results can be read wherever they are.
            if fallthrough {
                self.controls.push(control);
                self.emit_return();
                self.controls.pop();
            }
            return Ok(());
        }
        if fallthrough {
            self.materialize_top(control.results.len());
        }
        if let ControlKind::Func = control.kind {
            if fallthrough || !control.patches.is_empty() {
                if !control.patches.is_empty() {
                    let here = self.bind_label();
                    for at in std::mem::take(&mut control.patches) {
                        self.patch_branch(at, here);
                    }
                    // After the label the results are in the canonical registers.
                    self.stack.truncate(control.height);
                    for &ty in &control.results {
                        self.push_temp(ty)?;
                    }
                }
                self.controls.push(control);
                self.emit_return();
                self.controls.pop();
            }
            return Ok(());
        }
        if let Some((start, catches)) = control.catches.take() {
            self.handlers.push(Handler {
                start: start as u32,
                end: self.pc() as u32,
                catches: catches.into(),
            });
        }
        let mut reachable = fallthrough || !control.patches.is_empty();
        if let Some(at) = control.else_branch.take() {
            // An `if` without `else`: the false path falls through with its parameters as
            // results.
            let here = self.bind_label();
            self.patch_branch(at, here);
            reachable = true;
        }
        let here = self.bind_label();
        for at in std::mem::take(&mut control.patches) {
            self.patch_branch(at, here);
        }
        self.stack.truncate(control.height);
        for &ty in &control.results {
            self.push_temp(ty)?;
        }
        if !reachable {
            self.set_unreachable();
        }
        Ok(())
    }

    // ---- operators ----

    fn unary(&mut self, result: ValType, make: impl FnOnce(Reg, Reg) -> Op) -> Result<()> {
        let src = self.pop_reg();
        let dst = self.push_temp(result)?;
        self.emit_result(make(dst, src));
        Ok(())
    }

    fn binary(&mut self, result: ValType, make: impl FnOnce(Reg, Reg, Reg) -> Op) -> Result<()> {
        let [lhs, rhs] = self.pop2();
        let dst = self.push_temp(result)?;
        self.emit_result(make(dst, lhs, rhs));
        Ok(())
    }

    /// As [`Translator::binary`] for an operator with an `Imm` form (`make`), if its right
    /// operand is a constant not yet in a register that an [`Immediate`] of type `T` stands
    /// for: then the instruction keeps the constant; otherwise `false`, having done nothing.
    fn binary_imm<T: Immediate>(
        &mut self,
        result: ValType,
        make: impl FnOnce(Reg, Reg, u32) -> Op,
    ) -> Result<bool> {
        let Some(Operand {
            source: Source::Const(bits),
            ..
        }) = self.stack.last()
        else {
            return Ok(false);
        };
        let Some(imm) = T::to_imm(*bits) else {
            return Ok(false);
        };
        self.stack.pop();
        let lhs = self.pop_reg();
        let dst = self.push_temp(result)?;
        self.emit_result(make(dst, lhs, imm));
        Ok(true)
    }

    /// Whether memory `mem` is memory 0 with 32-bit indices, whose base and length the
    /// handlers keep at hand.
    fn is_memory0_32(&self, mem: u32) -> bool {
        mem == 0 && !self.info.memory_types[0].memory64
    }

    /// The memory a load or store accesses, and whether its addresses are 64-bit.
    fn memory_of(&self, memarg: &MemArg) -> Result<(u16, bool)> {
        let wasmparser::MemArgTarget::Memory(mem) = memarg.target else {
            return Err(CompileError::at(
                "GC array accesses are not supported yet",
                self.offset as usize,
            ));
        };
        let index64 = self.info.memory_types[mem as usize].memory64;
        Ok((self.small_index(mem)?, index64))
    }

    /// Replaces instruction `pc` (the last one) with `op`, which also does the work of the
    /// operator being translated: a trap it raises is that operator's, so it takes that
    /// operator's wasm offset.
    /// The fused instruction's result, if it has one, is the operand just pushed.
    fn fuse_into(&mut self, pc: usize, mut op: Op) {
        self.last_result = op.result_mut().is_some().then_some(pc);
        self.ops[pc] = op;
        self.offsets[pc] = self.offset;
    }

    /// If the operand on top is the sum the last instruction computed (`i32.add`, or
    /// `i32.add_shl` for an index scaled by a shift), and only that operand reads it: pops it
    /// and returns the address, for an access at `base + (index << shift)` to replace the
    /// sum at the returned position.
    fn take_address_sum(&mut self) -> Option<AddressSum> {
        let pc = self.last_instruction_result()?;
        let top = *self.stack.last()?;
        let (dst, base, index, shift) = match self.ops[pc] {
            Op::I32Add { dst, lhs, rhs } => (dst, lhs, rhs, 0),
            Op::I32AddShl {
                dst,
                base,
                index,
                shift,
            } => (dst, base, index, shift),
            _ => return None,
        };
        if top.source != Source::Temp || top.slot != dst.0 {
            return None;
        }
        self.stack.pop();
        Some(AddressSum {
            base,
            index,
            shift,
            at: pc,
        })
    }

    /// After an `i32.add` just translated, fuses the parts of an address `base + (index <<
    /// shift) + imm` computed by the instructions just before it:
    /// - an addition of an index scaled by the `i32.shl` just before it (see
    ///   [`Translator::scaled_summand`]) becomes one `i32.add_shl`; a memory access that takes
    ///   the sum as its address still fuses it (`take_address_sum`);
    /// - with an `i32.add` of a constant to the base (a structure's field offset) just before
    ///   or after the shift, or to the `i32.add_shl`'s sum after it, the three become one
    ///   `i32.add_shl_imm`. A constant added to the index is not folded: it is scaled.
    ///
    /// Whatever the instructions fused, the last one becomes the fused instruction.
    fn fuse_scaled_add(&mut self) {
        let Some(pc) = self.last_instruction_result() else {
            return;
        };
        let Op::I32Add { dst, lhs, rhs } = self.ops[pc] else {
            return;
        };
        let fused = self.scaled_sum(pc, dst, lhs, rhs).or_else(|| {
            let (_, summand, imm) = self.constant_sum(self.ops[pc])?;
            self.offset_scaled_sum(pc, dst, summand, imm)
        });
        if let Some((at, op)) = fused {
            self.discard_from(at + 1);
            self.fuse_into(at, op);
        }
    }

    /// After an `i32.xor` just translated: if one operand is a temporary that the instruction
    /// just before rotated by a constant, makes the two one `i32.xor_rotl`. The other operand
    /// is not that temporary, so it holds the same value before the rotation as after.
    fn fuse_xor_rotl(&mut self) {
        let Some(pc) = self.last_instruction_result() else {
            return;
        };
        let Op::I32Xor { dst, lhs, rhs } = self.ops[pc] else {
            return;
        };
        let Some((before, other)) = self.operand_just_computed(pc, lhs, rhs) else {
            return;
        };
        let Op::I32RotlImm { lhs: src, imm, .. } = self.ops[before] else {
            return;
        };
        self.discard_from(pc);
        let op = Op::I32XorRotl {
            dst,
            lhs: other,
            src,
            imm: (imm & 31) as u8,
        };
        self.fuse_into(before, op);
    }

    /// The addition `dst = lhs + rhs` at `pc` as a scaled sum, and the position it replaces
    /// the instructions from. Once it finds the shift (`scaled_summand`), the addition is
    /// gone from `ops` and the result is `Some`.
    fn scaled_sum(&mut self, pc: usize, dst: Reg, lhs: Reg, rhs: Reg) -> Option<(usize, Op)> {
        if let Some(sum) = self.scaled_summand(pc, lhs, rhs) {
            // `base` may be a constant's sum, computed just before the shift: unless the shift
            // read that sum as its index, which the fused instruction would read unsummed.
            if let Some(before) = self.only_way_into(sum.at)
                && let Some((offset_sum, base, imm)) = self.constant_sum(self.ops[before])
                && offset_sum == sum.base
                && offset_sum != sum.index
                && self.is_temp(offset_sum)
            {
                let op = Op::I32AddShlImm {
                    dst,
                    base,
                    index: sum.index,
                    shift: sum.shift,
                    imm,
                };
                return Some((before, op));
            }
            let op = Op::I32AddShl {
                dst,
                base: sum.base,
                index: sum.index,
                shift: sum.shift,
            };
            return Some((sum.at, op));
        }
        // The shift, then a constant's sum, then the addition of the two.
        let before = self.only_way_into(pc)?;
        let shl = self.only_way_into(before)?;
        let (shifted, index, shift) = shift_by_constant(self.ops[shl])?;
        let (offset_sum, base, imm) = self.constant_sum(self.ops[before])?;
        let summands =
            (lhs == shifted && rhs == offset_sum) || (lhs == offset_sum && rhs == shifted);
        // The fused instruction reads `base` before the shift's result exists.
        if !summands
            || shifted == offset_sum
            || base == shifted
            || !self.is_temp(shifted)
            || !self.is_temp(offset_sum)
        {
            return None;
        }
        let op = Op::I32AddShlImm {
            dst,
            base,
            index,
            shift,
            imm,
        };
        Some((shl, op))
    }

    /// If `op` is an `i32.add` of a register and a constant (pooled in a register while
    /// translating): its result, the register and the constant.
    fn constant_sum(&self, op: Op) -> Option<(Reg, Reg, u32)> {
        match op {
            Op::I32Add { dst, lhs, rhs } => match (self.constant_in(lhs), self.constant_in(rhs)) {
                (_, Some(imm)) => Some((dst, lhs, imm as u32)),
                (Some(imm), None) => Some((dst, rhs, imm as u32)),
                (None, None) => None,
            },
            Op::I32AddImm { dst, lhs, imm } => Some((dst, lhs, imm)),
            _ => None,
        }
    }

    /// The value of `reg` if it is a register of the constant pool.
    fn constant_in(&self, reg: Reg) -> Option<u64> {
        let index = (CONST_CEILING - 1).checked_sub(reg.0 as u32)?;
        self.consts.get(index as usize).copied()
    }

    /// The addition `dst = lhs + imm` at `pc` folded into the scaled sum just before it that
    /// computed `lhs`, and the position of that sum.
    fn offset_scaled_sum(&self, pc: usize, dst: Reg, lhs: Reg, imm: u32) -> Option<(usize, Op)> {
        let before = self.only_way_into(pc)?;
        if !self.is_temp(lhs) {
            return None;
        }
        let op = match self.ops[before] {
            Op::I32AddShl {
                dst: sum,
                base,
                index,
                shift,
            } if sum == lhs => Op::I32AddShlImm {
                dst,
                base,
                index,
                shift,
                imm,
            },
            Op::I32AddShlImm {
                dst: sum,
                base,
                index,
                shift,
                imm: offset,
            } if sum == lhs => Op::I32AddShlImm {
                dst,
                base,
                index,
                shift,
                imm: offset.wrapping_add(imm),
            },
            _ => return None,
        };
        Some((before, op))
    }

    /// When one summand of the addition at `pc` is a temporary that the instruction just
    /// before computed with `i32.shl` by a constant (an array index scaled to bytes), removes
    /// the addition and returns the sum with the shift's operand as its index, for an
    /// `i32.add_shl` to replace the shift. The addition consumed that temporary, so nothing
    /// else reads it, and no label lies between the two, so the shift is the only way in.
    fn scaled_summand(&mut self, pc: usize, lhs: Reg, rhs: Reg) -> Option<AddressSum> {
        let (shl, base) = self.operand_just_computed(pc, lhs, rhs)?;
        let (_, index, shift) = shift_by_constant(self.ops[shl])?;
        self.discard_from(pc);
        Some(AddressSum {
            base,
            index,
            shift,
            at: shl,
        })
    }

    /// The position of the instruction before `pc`, if no label lies between them: that
    /// instruction is then the only way into `pc`, and the two may fuse.
    fn only_way_into(&self, pc: usize) -> Option<usize> {
        pc.checked_sub(1)
            .filter(|&before| self.last_label <= before)
    }

    /// Whether a loop is open: the code emitted now may run again before the function
    /// returns.
    fn inside_loop(&self) -> bool {
        (self.controls.iter()).any(|control| matches!(control.kind, ControlKind::Loop))
    }

    /// The position of the last instruction emitted, if it has a result.
    fn last_instruction_result(&self) -> Option<usize> {
        self.last_result.filter(|&pc| pc + 1 == self.ops.len())
    }

    /// Removes the instructions from position `at` on, which an instruction fused from
    /// them replaces.
    fn discard_from(&mut self, at: usize) {
        self.ops.truncate(at);
        self.offsets.truncate(at);
    }

    /// For the instruction at `pc` reading `lhs` and `rhs`: the position of the instruction
    /// just before it, if that is the only way in and computed exactly one of the two into
    /// a temporary (which the one at `pc` consumed, so nothing reads it after), and the
    /// other operand.
    fn operand_just_computed(&self, pc: usize, lhs: Reg, rhs: Reg) -> Option<(usize, Reg)> {
        let before = self.only_way_into(pc)?;
        let mut op = self.ops[before];
        let computed = *op.result_mut()?;
        let other = match (lhs == computed, rhs == computed) {
            (true, false) => rhs,
            (false, true) => lhs,
            _ => return None,
        };
        self.is_temp(computed).then_some((before, other))
    }

    /// The position of the last instruction if it computed `cond`, a temporary just popped,
    /// and is the only way into the next: an instruction there may then compute the
    /// condition itself.
    fn condition_just_computed(&self, cond: Reg) -> Option<usize> {
        let at = self.last_instruction_result()?;
        self.only_way_into(self.ops.len())?;
        let mut op = self.ops[at];
        (op.result_mut().copied() == Some(cond) && self.is_temp(cond)).then_some(at)
    }

    /// Whether `reg` is an operand-stack temporary (not a local or a pooled constant).
    fn is_temp(&self, reg: Reg) -> bool {
        self.temps().contains(&(reg.0 as u32))
    }

    /// The operand stack's registers, between the locals and the constant pool (which
    /// [`Translator::place_consts`] moves).
    fn temps(&self) -> Range<u32> {
        self.temp_base as u32..CONST_CEILING - self.consts.len() as u32
    }

    fn load(&mut self, memarg: MemArg, ty: ValType, op: MemOp) -> Result<()> {
        let (mem, index64) = self.memory_of(&memarg)?;
        // Memory 0 with 32-bit addresses: a computed address fuses into the load.
        if let (0, false, Some(end), MemOp::Load32 | MemOp::Load64) =
            (mem, index64, compact_end(&memarg, op.size()), op)
            && let Some(sum) = self.take_address_sum()
        {
            let dst = self.push_temp(ty)?;
            self.fuse_into(sum.at, sum.load(op, dst, end));
            return Ok(());
        }
        let addr = self.pop_reg();
        let dst = self.push_temp(ty)?;
        // Memory 0 with a 32-bit index and offset has compact instructions of its own.
        let instruction = match u32::try_from(memarg.offset) {
            Ok(offset) if mem == 0 && !index64 => op.load0(dst, addr, offset),
            _ => None,
        };
        let mem = u8::try_from(mem).map_err(|_| self.too_many_memories())?;
        let instruction = instruction.unwrap_or(Op::LoadMem {
            dst,
            addr,
            mem,
            access: MemAccess::new(op, index64),
            offset: memarg.offset,
        });
        self.emit_result(instruction);
        Ok(())
    }

    fn store(&mut self, memarg: MemArg, op: MemOp) -> Result<()> {
        let (mem, index64) = self.memory_of(&memarg)?;
        // As in `load`, when the value needs no instruction of its own (it is a local or a
        // pooled constant), so the address's `i32.add` is still the last instruction.
        if let (0, false, Some(end), MemOp::Store32 | MemOp::Store64) =
            (mem, index64, compact_end(&memarg, op.size()), op)
        {
            let value = *self.stack.last().expect("validated");
            let src = match value.source {
                Source::Local(reg) | Source::Pooled(reg) => Some(reg),
                Source::Const(bits) => self.const_reg(bits),
                Source::Temp => None,
            };
            if let Some(src) = src {
                self.stack.pop();
                if let Some(sum) = self.take_address_sum() {
                    self.fuse_into(sum.at, sum.store(op, src, end));
                    return Ok(());
                }
                self.stack.push(value);
            }
        }
        let [addr, src] = self.pop2();
        let instruction = match u32::try_from(memarg.offset) {
            Ok(offset) if mem == 0 && !index64 => op.store0(addr, src, offset),
            _ => None,
        };
        let mem = u8::try_from(mem).map_err(|_| self.too_many_memories())?;
        let instruction = instruction.unwrap_or(Op::StoreMem {
            addr,
            src,
            mem,
            access: MemAccess::new(op, index64),
            offset: memarg.offset,
        });
        self.emit(instruction);
        Ok(())
    }

    fn call(&mut self, params: usize, results: Types, make: impl FnOnce(Reg) -> Op) -> Result<()> {
        self.materialize_top(params);
        let base = match params {
            0 => self.next_slot(),
            n => self.stack[self.stack.len() - n].slot,
        };
        self.stack.truncate(self.stack.len() - params);
        self.emit(make(Reg(base)));
        for ty in results {
            self.push_temp(ty)?;
        }
        Ok(())
    }

    fn local_set(&mut self, index: u32, keep: bool) -> Result<()> {
        let (ty, local) = self.locals[index as usize];
        let value = self.pop();
        let referenced = self.stack.iter().any(|o| o.source == Source::Local(local));
        let retarget = match (value.source, self.last_result) {
            (Source::Temp, Some(pc)) if !referenced => {
                let result = self.ops[pc].result_mut();
                match result {
                    Some(reg) if reg.0 == value.slot => {
                        *reg = local;
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !retarget {
            self.flush_local(local);
            self.write_operand(value, local);
        }
        self.last_result = None;
        if keep {
            self.push(Source::Local(local), ty)?;
        }
        Ok(())
    }

    /// Translates `op`. Each of the driver's visits inlines this dispatch with its operator's
    /// variant known, where it folds away: the numeric operators of the ISA table and the
    /// most frequent others reach their translation without a second match on the operator
    /// (a mispredicted jump, most of the time), the rest after one, in `translate_other`.
    #[inline(always)]
    fn translate(&mut self, op: &Operator<'_>) -> Result<()> {
        if self.is_unreachable() && !self.translates_unreachable(op) {
            return Ok(());
        }
        self.charge_fuel(op);
        match *op {
            Operator::LocalGet { local_index } => {
                let (ty, reg) = self.locals[local_index as usize];
                self.push(Source::Local(reg), ty).map(drop)
            }
            Operator::LocalSet { local_index } => self.local_set(local_index, false),
            Operator::LocalTee { local_index } => self.local_set(local_index, true),
            Operator::I32Const { value } => self
                .push(Source::Const(value as u32 as u64), ValType::I32)
                .map(drop),
            Operator::I64Const { value } => self
                .push(Source::Const(value as u64), ValType::I64)
                .map(drop),
            Operator::Block { blockty } => {
                self.push_control(ControlKind::Block, blockty);
                Ok(())
            }
            Operator::Loop { blockty } => {
                self.push_control(ControlKind::Loop, blockty);
                Ok(())
            }
            Operator::End => self.end_control(),
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                self.branch_if(relative_depth, cond, true);
                Ok(())
            }
            _ if is_numeric(op) => self.translate_operator(op),
            _ => self.translate_other(op),
        }
    }

    /// In unreachable code, which is not translated: whether `op` is translated all the same
    /// (the `else` or `end` of the frame that became unreachable), after keeping count of
    /// the frames that open and close within the unreachable code.
    fn translates_unreachable(&mut self, op: &Operator<'_>) -> bool {
        match *op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                self.skipped_depth += 1;
                false
            }
            Operator::End if self.skipped_depth > 0 => {
                self.skipped_depth -= 1;
                false
            }
            Operator::Else | Operator::End => self.skipped_depth == 0,
            _ => false,
        }
    }

    /// Translates the operators that [`Translator::translate`] does not reach directly.
    fn translate_other(&mut self, op: &Operator<'_>) -> Result<()> {
        match *op {
            Operator::Nop => {}
            Operator::Unreachable => {
                self.emit(Op::Unreachable {});
                self.set_unreachable();
            }
            Operator::If { blockty } => {
                let cond = self.pop();
                self.push_control(ControlKind::If, blockty);
                let at = self.emit_cond_branch(cond, false);
                // The `then` arm stays in the current fuel block (see `fuel`).
                self.controls.last_mut().expect("just pushed").else_branch = Some(at);
            }
            Operator::Else => {
                let control = self.controls.last_mut().expect("validated");
                let was_reachable = !control.unreachable;
                let else_branch = control.else_branch.take();
                control.kind = ControlKind::Else;
                if was_reachable {
                    let count = self.controls.last().expect("validated").results.len();
                    self.materialize_top(count);
                    let at = self.emit(Op::Br { offset: 0 });
                    self.controls
                        .last_mut()
                        .expect("validated")
                        .patches
                        .push(at);
                }
                let here = self.bind_label();
                if let Some(at) = else_branch {
                    self.patch_branch(at, here);
                }
                let control = self.controls.last_mut().expect("validated");
                control.unreachable = false;
                let height = control.height;
                let params = control.params.clone();
                self.stack.truncate(height);
                for ty in params {
                    self.push_temp(ty)?;
                }
            }
            Operator::Br { relative_depth } => {
                let count = self.label_arity(relative_depth);
                self.materialize_top(count);
                self.copy_to_label(relative_depth);
                if self.options.fuel
                    && let Some(header) = self.label(relative_depth).header
                    && peephole::charged_exit_test(&self.ops[header..]).is_some()
                {
                    // A jump back to a loop whose header is its charge and then a test comes
                    // after an empty charge: the slot where jump threading puts the header's
                    // charge if it moves the test to the bottom (see `peephole`).
                    self.emit(Op::ConsumeFuel { amount: 0 });
                }
                self.emit_branch_to(relative_depth);
                self.set_unreachable();
            }
            Operator::BrOnNull { relative_depth } => {
                // Branches (without the reference) when it is null; goes on with it otherwise.
                let reference = self.pop();
                self.branch_if(relative_depth, reference, false);
                self.stack.push(reference);
            }
            Operator::BrOnNonNull { relative_depth } => {
                // Branches with the reference as the label's last value when it is not null;
                // goes on without it otherwise.
                let count = self.label_arity(relative_depth);
                self.materialize_top(count);
                let reference = *self.stack.last().expect("validated");
                self.branch_if(relative_depth, reference, true);
                self.pop();
            }
            Operator::TryTable { ref try_table } => {
                // Landing pads first, jumped over: each is a branch to its clause's label,
                // where the unwinder has put the caught values.
                let skip = self.emit(Op::Br { offset: 0 });
                let mut catches = Vec::with_capacity(try_table.catches.len());
                for catch in &try_table.catches {
                    let (kind, tag, label) = match *catch {
                        wasmparser::Catch::One { tag, label } => (CatchKind::Tag, tag, label),
                        wasmparser::Catch::OneRef { tag, label } => (CatchKind::TagRef, tag, label),
                        wasmparser::Catch::All { label } => (CatchKind::All, 0, label),
                        wasmparser::Catch::AllRef { label } => (CatchKind::AllRef, 0, label),
                    };
                    let target = self.pc() as u32;
                    let dst = Reg(self.label(label).start_slot);
                    self.emit_branch_to(label);
                    catches.push(CatchClause {
                        kind,
                        tag,
                        dst,
                        target,
                    });
                }
                let here = self.bind_label();
                self.patch_branch(skip, here);
                self.push_control(ControlKind::Block, try_table.ty);
                let start = self.pc();
                self.controls.last_mut().expect("just pushed").catches = Some((start, catches));
            }
            Operator::Throw { tag_index } => {
                let ty = self.info.tags[tag_index as usize];
                let params = self.info.type_at(ty).params().len();
                self.materialize_top(params);
                let base = match params {
                    0 => self.next_slot(),
                    n => self.stack[self.stack.len() - n].slot,
                };
                self.emit(Op::Throw {
                    tag: tag_index,
                    base: Reg(base),
                });
                self.set_unreachable();
            }
            Operator::ThrowRef => {
                let exn = self.pop_reg();
                self.emit(Op::ThrowRef { exn });
                self.set_unreachable();
            }
            Operator::CallRef { type_index } => {
                let ty = self.info.type_at(type_index);
                let (params, results) = (ty.params().len(), ty.results().into());
                let func = self.pop_reg();
                self.call(params, results, |base| Op::CallRef { func, base })?;
            }
            Operator::ReturnCallRef { type_index } => {
                let params = self.info.type_at(type_index).params().len();
                let func = self.pop_reg();
                self.tail_call(params, |base| Op::ReturnCallRef { func, base });
            }
            Operator::RefAsNonNull => {
                let reference = self.pop();
                let src = self.reg_of(reference);
                self.emit(Op::TrapIfNull { src });
                self.stack.push(reference);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop_reg();
                let mut depths = targets
                    .targets()
                    .collect::<Result<smallvec::SmallVec<[u32; 16]>, _>>()?;
                depths.push(targets.default());
                let count = self.label_arity(targets.default());
                self.materialize_top(count);
                self.looped_tables |= self.inside_loop();
                self.emit(Op::BrTable {
                    index,
                    len: targets.len(),
                });
                let mut stubs = Vec::new();
                for &depth in &depths {
                    if self.branch_needs_copy(depth) {
                        let at = self.emit(Op::Br { offset: 0 });
                        stubs.push((at, depth));
                    } else {
                        self.emit_branch_to(depth);
                    }
                }
                for (at, depth) in stubs {
                    let here = self.pc();
                    self.patch_branch(at, here);
                    self.copy_to_label(depth);
                    self.emit_branch_to(depth);
                }
                self.set_unreachable();
            }
            Operator::Return => {
                self.emit_return();
                self.set_unreachable();
            }
            Operator::Call { function_index } => {
                let ty = self.info.func_type(function_index);
                let (params, results) = (ty.params().len(), ty.results().into());
                self.call(params, results, |base| Op::Call {
                    func: function_index,
                    base,
                })?;
            }
            Operator::CallIndirect {
                type_index,
                table_index,
            } => {
                let ty = self.info.type_at(type_index);
                let (params, results) = (ty.params().len(), ty.results().into());
                let index = self.pop_reg();
                self.call(params, results, |base| Op::CallIndirect {
                    ty: type_index,
                    table: table_index,
                    index,
                    base,
                })?;
            }
            Operator::ReturnCall { function_index } => {
                let params = self.info.func_type(function_index).params().len();
                self.tail_call(params, |base| Op::ReturnCall {
                    func: function_index,
                    base,
                });
            }
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                let params = self.info.type_at(type_index).params().len();
                let index = self.pop_reg();
                self.tail_call(params, |base| Op::ReturnCallIndirect {
                    ty: type_index,
                    table: table_index,
                    index,
                    base,
                });
            }
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } | Operator::TypedSelectMulti { .. } => {
                let cond = self.pop_reg();
                let b = self.pop();
                let a = self.pop();
                let ty = a.ty;
                let a = self.reg_of(a);
                let b = self.reg_of(b);
                let dst = self.push_temp(ty)?;
                if slot_count(ty) == 2 {
                    self.emit_result(Op::Select2 { dst, cond, a, b });
                } else if let Some(at) = self.condition_just_computed(cond)
                    && let Some(select) = select_on(self.ops[at], dst, a, b)
                {
                    self.discard_from(at);
                    self.emit_result(select);
                } else {
                    self.emit_result(Op::Select { dst, cond, a, b });
                }
            }
            Operator::GlobalGet { global_index } => {
                let ty = self.info.global_types[global_index as usize].content_type;
                let dst = self.push_temp(ty)?;
                if slot_count(ty) == 2 {
                    self.emit_result(Op::GlobalGet2 {
                        dst,
                        index: global_index,
                    });
                } else {
                    self.emit_result(Op::GlobalGet {
                        dst,
                        index: global_index,
                    });
                }
            }
            Operator::GlobalSet { global_index } => {
                let operand = self.pop();
                let src = self.reg_of(operand);
                if slot_count(operand.ty) == 2 {
                    self.emit(Op::GlobalSet2 {
                        src,
                        index: global_index,
                    });
                } else {
                    self.emit(Op::GlobalSet {
                        src,
                        index: global_index,
                    });
                }
            }
            Operator::I32Load { memarg } => self.load(memarg, ValType::I32, MemOp::Load32)?,
            Operator::F32Load { memarg } => self.load(memarg, ValType::F32, MemOp::Load32)?,
            Operator::I64Load32U { memarg } => self.load(memarg, ValType::I64, MemOp::Load32)?,
            Operator::I64Load { memarg } => self.load(memarg, ValType::I64, MemOp::Load64)?,
            Operator::F64Load { memarg } => self.load(memarg, ValType::F64, MemOp::Load64)?,
            Operator::I32Load8S { memarg } => self.load(memarg, ValType::I32, MemOp::I32Load8S)?,
            Operator::I32Load8U { memarg } => self.load(memarg, ValType::I32, MemOp::Load8U)?,
            Operator::I64Load8U { memarg } => self.load(memarg, ValType::I64, MemOp::Load8U)?,
            Operator::I32Load16S { memarg } => {
                self.load(memarg, ValType::I32, MemOp::I32Load16S)?
            }
            Operator::I32Load16U { memarg } => self.load(memarg, ValType::I32, MemOp::Load16U)?,
            Operator::I64Load16U { memarg } => self.load(memarg, ValType::I64, MemOp::Load16U)?,
            Operator::I64Load8S { memarg } => self.load(memarg, ValType::I64, MemOp::I64Load8S)?,
            Operator::I64Load16S { memarg } => {
                self.load(memarg, ValType::I64, MemOp::I64Load16S)?
            }
            Operator::I64Load32S { memarg } => {
                self.load(memarg, ValType::I64, MemOp::I64Load32S)?
            }
            Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => {
                self.store(memarg, MemOp::Store8)?
            }
            Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => {
                self.store(memarg, MemOp::Store16)?
            }
            Operator::I32Store { memarg }
            | Operator::F32Store { memarg }
            | Operator::I64Store32 { memarg } => self.store(memarg, MemOp::Store32)?,
            Operator::I64Store { memarg } | Operator::F64Store { memarg } => {
                self.store(memarg, MemOp::Store64)?
            }
            Operator::MemorySize { mem } => {
                let dst = self.push_temp(self.memory_index_type(mem))?;
                self.emit_result(Op::MemorySize { dst, mem });
            }
            Operator::MemoryGrow { mem } => {
                let delta = self.pop_reg();
                let dst = self.push_temp(self.memory_index_type(mem))?;
                self.emit_result(Op::MemoryGrow { dst, delta, mem });
            }
            Operator::MemoryFill { mem } => {
                let [d, val, n] = self.pop3();
                if self.is_memory0_32(mem) {
                    self.emit(Op::MemoryFill0 { d, val, n });
                } else {
                    self.emit(Op::MemoryFill { mem, d, val, n });
                }
            }
            Operator::MemoryCopy { dst_mem, src_mem } => {
                let [d, s, n] = self.pop3();
                if self.is_memory0_32(dst_mem) && self.is_memory0_32(src_mem) {
                    self.emit(Op::MemoryCopy0 { d, s, n });
                } else {
                    let (dst_mem, src_mem) =
                        (self.small_index(dst_mem)?, self.small_index(src_mem)?);
                    self.emit(Op::MemoryCopy {
                        dst_mem,
                        src_mem,
                        d,
                        s,
                        n,
                    });
                }
            }
            Operator::MemoryInit { data_index, mem } => {
                let [d, s, n] = self.pop3();
                let mem = self.small_index(mem)?;
                self.emit(Op::MemoryInit {
                    mem,
                    seg: data_index,
                    d,
                    s,
                    n,
                });
            }
            Operator::DataDrop { data_index } => {
                self.emit(Op::DataDrop { seg: data_index });
            }
            Operator::TableGet { table } => {
                let index = self.pop_reg();
                let ty = ValType::Ref(self.info.table_types[table as usize].element_type);
                let dst = self.push_temp(ty)?;
                self.emit_result(Op::TableGet { dst, table, index });
            }
            Operator::TableSet { table } => {
                let [index, val] = self.pop2();
                self.emit(Op::TableSet { table, index, val });
            }
            Operator::TableSize { table } => {
                let dst = self.push_temp(self.table_index_type(table))?;
                self.emit_result(Op::TableSize { dst, table });
            }
            Operator::TableGrow { table } => {
                let [init, delta] = self.pop2();
                let dst = self.push_temp(self.table_index_type(table))?;
                self.emit_result(Op::TableGrow {
                    dst,
                    table,
                    init,
                    delta,
                });
            }
            Operator::TableFill { table } => {
                let [i, val, n] = self.pop3();
                self.emit(Op::TableFill { table, i, val, n });
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let [d, s, n] = self.pop3();
                let (dst_table, src_table) =
                    (self.small_index(dst_table)?, self.small_index(src_table)?);
                self.emit(Op::TableCopy {
                    dst_table,
                    src_table,
                    d,
                    s,
                    n,
                });
            }
            Operator::TableInit { elem_index, table } => {
                let [d, s, n] = self.pop3();
                let table = self.small_index(table)?;
                self.emit(Op::TableInit {
                    table,
                    seg: elem_index,
                    d,
                    s,
                    n,
                });
            }
            Operator::ElemDrop { elem_index } => {
                self.emit(Op::ElemDrop { seg: elem_index });
            }
            Operator::RefNull { hty } => {
                let ty =
                    ValType::Ref(wasmparser::RefType::new(true, hty).expect("validated heap type"));
                self.push(Source::Const(0), ty)?;
            }
            Operator::RefI31 => {
                let ty = ValType::Ref(wasmparser::RefType::new(false, I31_HEAP).expect("i31ref"));
                self.unary(ty, |dst, src| Op::RefI31 { dst, src })?;
            }
            // i31s and objects are equal exactly when their slots are (see `vm::gc`).
            Operator::RefEq => {
                self.binary(ValType::I32, |dst, lhs, rhs| Op::I64Eq { dst, lhs, rhs })?
            }
            // Both hierarchies share one encoding: the conversions change the type only.
            Operator::AnyConvertExtern => self.convert_hierarchy(wasmparser::AbstractHeapType::Any),
            Operator::ExternConvertAny => {
                self.convert_hierarchy(wasmparser::AbstractHeapType::Extern)
            }
            Operator::RefIsNull => {
                // Non-null references are non-zero slots.
                self.unary(ValType::I32, |dst, src| Op::I64Eqz { dst, src })?;
            }
            Operator::RefFunc { function_index } => {
                let dst = self.push_temp(ValType::FUNCREF)?;
                self.emit_result(Op::RefFunc {
                    dst,
                    func: function_index,
                });
            }
            Operator::F32Const { value } => {
                self.push(Source::Const(value.bits() as u64), ValType::F32)?;
            }
            Operator::F64Const { value } => {
                self.push(Source::Const(value.bits()), ValType::F64)?;
            }
            // Reinterpretations change the type only: the slot's bits stay as they are.
            Operator::I32ReinterpretF32 => self.retype(ValType::I32),
            Operator::F32ReinterpretI32 => self.retype(ValType::F32),
            Operator::I64ReinterpretF64 => self.retype(ValType::I64),
            Operator::F64ReinterpretI64 => self.retype(ValType::F64),
            _ => self.translate_operator(op)?,
        }
        Ok(())
    }

    /// Translates a numeric operator of the ISA table, or one of the rarer families.
    fn translate_operator(&mut self, op: &Operator<'_>) -> Result<()> {
        if let Operator::I64ExtendI32U = op {
            // i32 values are kept zero-extended in their slots, so the unsigned extension
            // is already done: only the operand's type changes.
            self.retype(ValType::I64);
            return Ok(());
        }
        // Subtracting a constant adds its negation, so that loop steps counting down fuse
        // with their branch like those counting up (see `sequences`).
        let mut op = op;
        if let Operator::I32Sub | Operator::I64Sub = op
            && let Some(Operand {
                source: Source::Const(bits),
                ..
            }) = self.stack.last_mut()
        {
            (*bits, op) = match op {
                Operator::I32Sub => ((*bits as u32).wrapping_neg() as u64, &Operator::I32Add),
                _ => (bits.wrapping_neg(), &Operator::I64Add),
            };
        }
        if self.fuse_mul_add(op)? || self.translate_numeric(op)? {
            match op {
                Operator::I32Add => self.fuse_scaled_add(),
                Operator::I32Xor => self.fuse_xor_rotl(),
                _ => {}
            }
            return Ok(());
        }
        // The rarer families last.
        if !self.translate_atomic(op)? && !self.translate_simd(op)? && !self.translate_gc(op)? {
            return Err(CompileError::at(
                format!("operator not supported yet: {op:?}"),
                self.offset as usize,
            ));
        }
        Ok(())
    }

    /// Translates an addition of the product just computed (`a * b + c` or `c + a * b`) as
    /// one fused instruction that replaces the multiplication; `false` if `op` is no such
    /// addition. The product is a temporary that only this addition reads, so dropping it
    /// changes nothing else.
    fn fuse_mul_add(&mut self, op: &Operator<'_>) -> Result<bool> {
        type Fused = fn(Reg, Reg, Reg, Reg) -> Op;
        let (ty, fused): (ValType, Fused) = match op {
            Operator::I32Add => (ValType::I32, |dst, a, b, c| Op::I32MulAdd { dst, a, b, c }),
            Operator::I64Add => (ValType::I64, |dst, a, b, c| Op::I64MulAdd { dst, a, b, c }),
            Operator::F32Add => (ValType::F32, |dst, a, b, c| Op::F32MulAdd { dst, a, b, c }),
            Operator::F64Add => (ValType::F64, |dst, a, b, c| Op::F64MulAdd { dst, a, b, c }),
            Operator::F32x4Add => (ValType::V128, |dst, a, b, c| Op::F32x4MulAdd {
                dst,
                a,
                b,
                c,
            }),
            Operator::F64x2Add => (ValType::V128, |dst, a, b, c| Op::F64x2MulAdd {
                dst,
                a,
                b,
                c,
            }),
            _ => return Ok(false),
        };
        let Some(pc) = self.last_instruction_result() else {
            return Ok(false);
        };
        let (product, a, b) = match (self.ops[pc], op) {
            (Op::I32Mul { dst, lhs, rhs }, Operator::I32Add)
            | (Op::I64Mul { dst, lhs, rhs }, Operator::I64Add)
            | (Op::F32Mul { dst, lhs, rhs }, Operator::F32Add)
            | (Op::F64Mul { dst, lhs, rhs }, Operator::F64Add)
            | (Op::F32x4Mul { dst, lhs, rhs }, Operator::F32x4Add)
            | (Op::F64x2Mul { dst, lhs, rhs }, Operator::F64x2Add) => (dst, lhs, rhs),
            _ => return Ok(false),
        };
        let n = self.stack.len();
        let is_product = |o: &Operand| o.source == Source::Temp && o.slot == product.0;
        let other = match (self.stack[n - 2], self.stack[n - 1]) {
            (x, y) if is_product(&y) => x,
            (x, y) if is_product(&x) => y,
            _ => return Ok(false),
        };
        // The addend must already be in a register: nothing may be emitted after the
        // multiplication, which the fused instruction replaces in place.
        let c = match other.source {
            Source::Temp => Reg(other.slot),
            Source::Local(reg) | Source::Pooled(reg) => reg,
            // Vector constants are pooled; a scalar constant takes one pooled slot.
            Source::Const(bits) if ty != ValType::V128 => match self.const_reg(bits) {
                Some(reg) => reg,
                None => return Ok(false),
            },
            Source::Const(_) => return Ok(false),
        };
        self.stack.truncate(n - 2);
        let dst = self.push_temp(ty)?;
        match self.vector_operand_load(pc, b) {
            Some((load, base, index, end)) => {
                // The loaded vector goes straight into the product: its temporary, which
                // only the multiplication read, is not written.
                self.discard_from(pc);
                let fused = match op {
                    Operator::F32x4Add => Op::F32x4MulAddLoad {
                        dst,
                        a,
                        c,
                        base,
                        index,
                        end,
                    },
                    _ => Op::F64x2MulAddLoad {
                        dst,
                        a,
                        c,
                        base,
                        index,
                        end,
                    },
                };
                self.fuse_into(load, fused);
            }
            None => self.fuse_into(pc, fused(dst, a, b, c)),
        }
        Ok(true)
    }

    /// If the vector multiplication at `pc` takes its operand `b` from the `v128.load0_add`
    /// just before it, into a temporary that nothing else reads and with no label between
    /// them: the load's position, base, index and end.
    fn vector_operand_load(&self, pc: usize, b: Reg) -> Option<(usize, Reg, Reg, u32)> {
        if !matches!(self.ops[pc], Op::F32x4Mul { .. } | Op::F64x2Mul { .. }) {
            return None;
        }
        let load = self.only_way_into(pc)?;
        match self.ops[load] {
            Op::V128Load0Add {
                dst,
                base,
                index,
                end,
            } if dst == b && self.is_temp(b) => Some((load, base, index, end)),
            _ => None,
        }
    }

    fn retype(&mut self, ty: ValType) {
        self.stack.last_mut().expect("validated").ty = ty;
    }

    /// Retypes the reference on top as one of hierarchy `top`, keeping its nullability.
    fn convert_hierarchy(&mut self, top: wasmparser::AbstractHeapType) {
        let nullable = match self.stack.last().expect("validated").ty {
            ValType::Ref(r) => r.is_nullable(),
            _ => true,
        };
        let heap = wasmparser::HeapType::Abstract {
            shared: false,
            ty: top,
        };
        self.retype(ValType::Ref(
            wasmparser::RefType::new(nullable, heap).expect("abstract heap type"),
        ));
    }

    fn label_arity(&self, depth: u32) -> usize {
        self.label(depth).branch_types().len()
    }

    /// The frame that label `depth` (counted from the innermost frame out) belongs to.
    fn label(&self, depth: u32) -> &Control {
        &self.controls[self.controls.len() - 1 - depth as usize]
    }

    /// A call that replaces the current frame: the callee's frame starts where this one does,
    /// so tail recursion runs in constant stack.
    fn tail_call(&mut self, params: usize, make: impl FnOnce(Reg) -> Op) {
        self.materialize_top(params);
        let base = match params {
            0 => self.next_slot(),
            n => self.stack[self.stack.len() - n].slot,
        };
        self.emit(make(Reg(base)));
        self.set_unreachable();
    }

    /// Memory, access width and 32-bit offset of an atomic or vector-lane access.
    fn sized_access(&self, memarg: &MemArg, width: u8) -> Result<(u16, WidthAccess, u32)> {
        let (mem, index64) = self.memory_of(memarg)?;
        let offset = u32::try_from(memarg.offset).map_err(|_| {
            CompileError::at(
                "atomic and vector accesses with offsets above 4 GiB are not supported",
                self.offset as usize,
            )
        })?;
        Ok((mem, WidthAccess::new(width, index64), offset))
    }

    fn atomic_load(&mut self, memarg: MemArg, ty: ValType, width: u8) -> Result<()> {
        let (mem, access, offset) = self.sized_access(&memarg, width)?;
        let addr = self.pop_reg();
        let dst = self.push_temp(ty)?;
        self.emit_result(Op::AtomicLoad {
            dst,
            addr,
            mem,
            access,
            offset,
        });
        Ok(())
    }

    fn atomic_store(&mut self, memarg: MemArg, width: u8) -> Result<()> {
        let (mem, access, offset) = self.sized_access(&memarg, width)?;
        let [addr, src] = self.pop2();
        self.emit(Op::AtomicStore {
            addr,
            src,
            mem,
            access,
            offset,
        });
        Ok(())
    }

    fn atomic_rmw(&mut self, memarg: MemArg, ty: ValType, width: u8, op: RmwOp) -> Result<()> {
        let (mem, access, offset) = self.sized_access(&memarg, width)?;
        let [addr, val] = self.pop2();
        let dst = self.push_temp(ty)?;
        self.emit_result(Op::AtomicRmw {
            dst,
            addr,
            val,
            mem,
            access,
            op,
            offset,
        });
        Ok(())
    }

    /// Pops an address and two scalar operands, the operands settled in consecutive
    /// registers (their canonical ones) so one register names both.
    fn pop_addr_and_pair(&mut self) -> Result<(Reg, Reg)> {
        self.materialize_top(2);
        let second = self.pop();
        let first = self.pop();
        debug_assert_eq!(first.slot + 1, second.slot);
        let addr = self.pop_reg();
        Ok((addr, Reg(first.slot)))
    }

    fn atomic_cmpxchg(&mut self, memarg: MemArg, ty: ValType, width: u8) -> Result<()> {
        let (mem, access, offset) = self.sized_access(&memarg, width)?;
        let (addr, operands) = self.pop_addr_and_pair()?;
        let dst = self.push_temp(ty)?;
        self.emit_result(Op::AtomicCmpxchg {
            dst,
            addr,
            operands,
            mem,
            access,
            offset,
        });
        Ok(())
    }

    fn translate_atomic(&mut self, op: &Operator<'_>) -> Result<bool> {
        use {
            RmwOp::*,
            ValType::{I32, I64},
        };
        match *op {
            Operator::MemoryAtomicNotify { memarg } => {
                let (mem, access, offset) = self.sized_access(&memarg, 4)?;
                let [addr, count] = self.pop2();
                let dst = self.push_temp(I32)?;
                self.emit_result(Op::AtomicNotify {
                    dst,
                    addr,
                    count,
                    mem,
                    access,
                    offset,
                });
            }
            Operator::MemoryAtomicWait32 { memarg } | Operator::MemoryAtomicWait64 { memarg } => {
                let width = if matches!(op, Operator::MemoryAtomicWait32 { .. }) {
                    4
                } else {
                    8
                };
                let (mem, access, offset) = self.sized_access(&memarg, width)?;
                let (addr, operands) = self.pop_addr_and_pair()?;
                let dst = self.push_temp(I32)?;
                self.emit_result(Op::AtomicWait {
                    dst,
                    addr,
                    operands,
                    mem,
                    access,
                    offset,
                });
            }
            Operator::AtomicFence { .. } => {
                self.emit(Op::AtomicFence {});
            }
            Operator::I32AtomicLoad { memarg } => self.atomic_load(memarg, I32, 4)?,
            Operator::I64AtomicLoad { memarg } => self.atomic_load(memarg, I64, 8)?,
            Operator::I32AtomicLoad8U { memarg } => self.atomic_load(memarg, I32, 1)?,
            Operator::I32AtomicLoad16U { memarg } => self.atomic_load(memarg, I32, 2)?,
            Operator::I64AtomicLoad8U { memarg } => self.atomic_load(memarg, I64, 1)?,
            Operator::I64AtomicLoad16U { memarg } => self.atomic_load(memarg, I64, 2)?,
            Operator::I64AtomicLoad32U { memarg } => self.atomic_load(memarg, I64, 4)?,
            Operator::I32AtomicStore { memarg } => self.atomic_store(memarg, 4)?,
            Operator::I64AtomicStore { memarg } => self.atomic_store(memarg, 8)?,
            Operator::I32AtomicStore8 { memarg } | Operator::I64AtomicStore8 { memarg } => {
                self.atomic_store(memarg, 1)?
            }
            Operator::I32AtomicStore16 { memarg } | Operator::I64AtomicStore16 { memarg } => {
                self.atomic_store(memarg, 2)?
            }
            Operator::I64AtomicStore32 { memarg } => self.atomic_store(memarg, 4)?,
            Operator::I32AtomicRmwAdd { memarg } => self.atomic_rmw(memarg, I32, 4, Add)?,
            Operator::I64AtomicRmwAdd { memarg } => self.atomic_rmw(memarg, I64, 8, Add)?,
            Operator::I32AtomicRmw8AddU { memarg } => self.atomic_rmw(memarg, I32, 1, Add)?,
            Operator::I32AtomicRmw16AddU { memarg } => self.atomic_rmw(memarg, I32, 2, Add)?,
            Operator::I64AtomicRmw8AddU { memarg } => self.atomic_rmw(memarg, I64, 1, Add)?,
            Operator::I64AtomicRmw16AddU { memarg } => self.atomic_rmw(memarg, I64, 2, Add)?,
            Operator::I64AtomicRmw32AddU { memarg } => self.atomic_rmw(memarg, I64, 4, Add)?,
            Operator::I32AtomicRmwSub { memarg } => self.atomic_rmw(memarg, I32, 4, Sub)?,
            Operator::I64AtomicRmwSub { memarg } => self.atomic_rmw(memarg, I64, 8, Sub)?,
            Operator::I32AtomicRmw8SubU { memarg } => self.atomic_rmw(memarg, I32, 1, Sub)?,
            Operator::I32AtomicRmw16SubU { memarg } => self.atomic_rmw(memarg, I32, 2, Sub)?,
            Operator::I64AtomicRmw8SubU { memarg } => self.atomic_rmw(memarg, I64, 1, Sub)?,
            Operator::I64AtomicRmw16SubU { memarg } => self.atomic_rmw(memarg, I64, 2, Sub)?,
            Operator::I64AtomicRmw32SubU { memarg } => self.atomic_rmw(memarg, I64, 4, Sub)?,
            Operator::I32AtomicRmwAnd { memarg } => self.atomic_rmw(memarg, I32, 4, And)?,
            Operator::I64AtomicRmwAnd { memarg } => self.atomic_rmw(memarg, I64, 8, And)?,
            Operator::I32AtomicRmw8AndU { memarg } => self.atomic_rmw(memarg, I32, 1, And)?,
            Operator::I32AtomicRmw16AndU { memarg } => self.atomic_rmw(memarg, I32, 2, And)?,
            Operator::I64AtomicRmw8AndU { memarg } => self.atomic_rmw(memarg, I64, 1, And)?,
            Operator::I64AtomicRmw16AndU { memarg } => self.atomic_rmw(memarg, I64, 2, And)?,
            Operator::I64AtomicRmw32AndU { memarg } => self.atomic_rmw(memarg, I64, 4, And)?,
            Operator::I32AtomicRmwOr { memarg } => self.atomic_rmw(memarg, I32, 4, Or)?,
            Operator::I64AtomicRmwOr { memarg } => self.atomic_rmw(memarg, I64, 8, Or)?,
            Operator::I32AtomicRmw8OrU { memarg } => self.atomic_rmw(memarg, I32, 1, Or)?,
            Operator::I32AtomicRmw16OrU { memarg } => self.atomic_rmw(memarg, I32, 2, Or)?,
            Operator::I64AtomicRmw8OrU { memarg } => self.atomic_rmw(memarg, I64, 1, Or)?,
            Operator::I64AtomicRmw16OrU { memarg } => self.atomic_rmw(memarg, I64, 2, Or)?,
            Operator::I64AtomicRmw32OrU { memarg } => self.atomic_rmw(memarg, I64, 4, Or)?,
            Operator::I32AtomicRmwXor { memarg } => self.atomic_rmw(memarg, I32, 4, Xor)?,
            Operator::I64AtomicRmwXor { memarg } => self.atomic_rmw(memarg, I64, 8, Xor)?,
            Operator::I32AtomicRmw8XorU { memarg } => self.atomic_rmw(memarg, I32, 1, Xor)?,
            Operator::I32AtomicRmw16XorU { memarg } => self.atomic_rmw(memarg, I32, 2, Xor)?,
            Operator::I64AtomicRmw8XorU { memarg } => self.atomic_rmw(memarg, I64, 1, Xor)?,
            Operator::I64AtomicRmw16XorU { memarg } => self.atomic_rmw(memarg, I64, 2, Xor)?,
            Operator::I64AtomicRmw32XorU { memarg } => self.atomic_rmw(memarg, I64, 4, Xor)?,
            Operator::I32AtomicRmwXchg { memarg } => self.atomic_rmw(memarg, I32, 4, Xchg)?,
            Operator::I64AtomicRmwXchg { memarg } => self.atomic_rmw(memarg, I64, 8, Xchg)?,
            Operator::I32AtomicRmw8XchgU { memarg } => self.atomic_rmw(memarg, I32, 1, Xchg)?,
            Operator::I32AtomicRmw16XchgU { memarg } => self.atomic_rmw(memarg, I32, 2, Xchg)?,
            Operator::I64AtomicRmw8XchgU { memarg } => self.atomic_rmw(memarg, I64, 1, Xchg)?,
            Operator::I64AtomicRmw16XchgU { memarg } => self.atomic_rmw(memarg, I64, 2, Xchg)?,
            Operator::I64AtomicRmw32XchgU { memarg } => self.atomic_rmw(memarg, I64, 4, Xchg)?,
            Operator::I32AtomicRmwCmpxchg { memarg } => self.atomic_cmpxchg(memarg, I32, 4)?,
            Operator::I64AtomicRmwCmpxchg { memarg } => self.atomic_cmpxchg(memarg, I64, 8)?,
            Operator::I32AtomicRmw8CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I32, 1)?,
            Operator::I32AtomicRmw16CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I32, 2)?,
            Operator::I64AtomicRmw8CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I64, 1)?,
            Operator::I64AtomicRmw16CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I64, 2)?,
            Operator::I64AtomicRmw32CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I64, 4)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn v128_load(&mut self, memarg: MemArg, kind: V128LoadKind) -> Result<()> {
        let (mem, access, offset) = self.sized_access(&memarg, 16)?;
        if let (0, false, V128LoadKind::Load, Some(end)) =
            (mem, access.index64(), kind, access_end(offset, 16))
        {
            if let Some(sum) = self.take_address_sum() {
                let dst = self.push_temp(ValType::V128)?;
                self.fuse_into(sum.at, sum.v128_load(dst, end));
                return Ok(());
            }
            let addr = self.pop_reg();
            let dst = self.push_temp(ValType::V128)?;
            self.emit_result(Op::V128Load0 { dst, addr, end });
            return Ok(());
        }
        let addr = self.pop_reg();
        let dst = self.push_temp(ValType::V128)?;
        let access = V128Access::new(kind, access.index64());
        self.emit_result(Op::V128Load {
            dst,
            addr,
            mem,
            access,
            offset,
        });
        Ok(())
    }

    fn v128_lane(&mut self, memarg: MemArg, lane: u8, width: u8, load: bool) -> Result<()> {
        let (mem, access, offset) = self.sized_access(&memarg, width)?;
        let [addr, src] = self.pop2();
        if load {
            let dst = self.push_temp(ValType::V128)?;
            self.emit_result(Op::V128LoadLane {
                dst,
                addr,
                src,
                mem,
                access,
                lane,
                offset,
            });
        } else {
            self.emit(Op::V128StoreLane {
                addr,
                src,
                mem,
                access,
                lane,
                offset,
            });
        }
        Ok(())
    }

    fn translate_simd(&mut self, op: &Operator<'_>) -> Result<bool> {
        use V128LoadKind::*;
        match *op {
            Operator::I64Add128 | Operator::I64Sub128 => {
                let rhs_hi = self.pop();
                let [lhs_lo, lhs_hi, rhs_lo] = self.pop3();
                let rhs_hi = self.reg_of(rhs_hi);
                let dst = self.push_temp(ValType::I64)?;
                self.push_temp(ValType::I64)?;
                self.emit(if matches!(op, Operator::I64Add128) {
                    Op::I64Add128 {
                        dst,
                        lhs_lo,
                        lhs_hi,
                        rhs_lo,
                        rhs_hi,
                    }
                } else {
                    Op::I64Sub128 {
                        dst,
                        lhs_lo,
                        lhs_hi,
                        rhs_lo,
                        rhs_hi,
                    }
                });
            }
            Operator::I64MulWideS | Operator::I64MulWideU => {
                let rhs = self.pop();
                let lhs = self.pop();
                let (lhs, rhs) = (self.reg_of(lhs), self.reg_of(rhs));
                let dst = self.push_temp(ValType::I64)?;
                self.push_temp(ValType::I64)?;
                self.emit(if matches!(op, Operator::I64MulWideS) {
                    Op::I64MulWideS { dst, lhs, rhs }
                } else {
                    Op::I64MulWideU { dst, lhs, rhs }
                });
            }
            Operator::V128Const { value } => {
                let reg = self.vector_reg(value.i128() as u128);
                self.push(Source::Pooled(reg), ValType::V128)?;
            }
            Operator::I8x16Shuffle { lanes } => {
                let lanes = self.vector_reg(u128::from_le_bytes(lanes));
                let [a, b] = self.pop2();
                let dst = self.push_temp(ValType::V128)?;
                self.emit_result(Op::I8x16Shuffle { dst, a, b, lanes });
            }
            Operator::V128Load { memarg } => self.v128_load(memarg, Load)?,
            Operator::V128Load8x8S { memarg } => self.v128_load(memarg, Load8x8S)?,
            Operator::V128Load8x8U { memarg } => self.v128_load(memarg, Load8x8U)?,
            Operator::V128Load16x4S { memarg } => self.v128_load(memarg, Load16x4S)?,
            Operator::V128Load16x4U { memarg } => self.v128_load(memarg, Load16x4U)?,
            Operator::V128Load32x2S { memarg } => self.v128_load(memarg, Load32x2S)?,
            Operator::V128Load32x2U { memarg } => self.v128_load(memarg, Load32x2U)?,
            Operator::V128Load8Splat { memarg } => self.v128_load(memarg, Load8Splat)?,
            Operator::V128Load16Splat { memarg } => self.v128_load(memarg, Load16Splat)?,
            Operator::V128Load32Splat { memarg } => self.v128_load(memarg, Load32Splat)?,
            Operator::V128Load64Splat { memarg } => self.v128_load(memarg, Load64Splat)?,
            Operator::V128Load32Zero { memarg } => self.v128_load(memarg, Load32Zero)?,
            Operator::V128Load64Zero { memarg } => self.v128_load(memarg, Load64Zero)?,
            Operator::V128Store { memarg } => {
                let (mem, access, offset) = self.sized_access(&memarg, 16)?;
                let [addr, src] = self.pop2();
                let access = V128Access::new(Load, access.index64());
                self.emit(Op::V128Store {
                    addr,
                    src,
                    mem,
                    access,
                    offset,
                });
            }
            Operator::V128Load8Lane { memarg, lane } => self.v128_lane(memarg, lane, 1, true)?,
            Operator::V128Load16Lane { memarg, lane } => self.v128_lane(memarg, lane, 2, true)?,
            Operator::V128Load32Lane { memarg, lane } => self.v128_lane(memarg, lane, 4, true)?,
            Operator::V128Load64Lane { memarg, lane } => self.v128_lane(memarg, lane, 8, true)?,
            Operator::V128Store8Lane { memarg, lane } => self.v128_lane(memarg, lane, 1, false)?,
            Operator::V128Store16Lane { memarg, lane } => self.v128_lane(memarg, lane, 2, false)?,
            Operator::V128Store32Lane { memarg, lane } => self.v128_lane(memarg, lane, 4, false)?,
            Operator::V128Store64Lane { memarg, lane } => self.v128_lane(memarg, lane, 8, false)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn memory_index_type(&self, mem: u32) -> ValType {
        if self.info.memory_types[mem as usize].memory64 {
            ValType::I64
        } else {
            ValType::I32
        }
    }

    fn table_index_type(&self, table: u32) -> ValType {
        if self.info.table_types[table as usize].table64 {
            ValType::I64
        } else {
            ValType::I32
        }
    }

    /// Pops two operands, the top one last, into registers.
    fn pop2(&mut self) -> [Reg; 2] {
        let b = self.pop();
        let a = self.pop();
        [self.reg_of(a), self.reg_of(b)]
    }

    fn pop3(&mut self) -> [Reg; 3] {
        let c = self.pop();
        let b = self.pop();
        let a = self.pop();
        [self.reg_of(a), self.reg_of(b), self.reg_of(c)]
    }

    fn small_index(&self, index: u32) -> Result<u16> {
        u16::try_from(index)
            .map_err(|_| CompileError::at("index above 65535", self.offset as usize))
    }
}

/// Every comparison that fuses with a following branch, with the fused branches taken when
/// it holds and when it fails: `$m! { Cmp => Holds / Fails, ... }`.
macro_rules! compare_branches {
    ($m:ident) => {
        $m! {
            I32Eq => BrI32Eq / BrI32Ne,
            I32Ne => BrI32Ne / BrI32Eq,
            I32LtS => BrI32LtS / BrI32GeS,
            I32LtU => BrI32LtU / BrI32GeU,
            I32GtS => BrI32GtS / BrI32LeS,
            I32GtU => BrI32GtU / BrI32LeU,
            I32LeS => BrI32LeS / BrI32GtS,
            I32LeU => BrI32LeU / BrI32GtU,
            I32GeS => BrI32GeS / BrI32LtS,
            I32GeU => BrI32GeU / BrI32LtU,
            I64Eq => BrI64Eq / BrI64Ne,
            I64Ne => BrI64Ne / BrI64Eq,
            I64LtS => BrI64LtS / BrI64GeS,
            I64LtU => BrI64LtU / BrI64GeU,
            I64GtS => BrI64GtS / BrI64LeS,
            I64GtU => BrI64GtU / BrI64LeU,
            I64LeS => BrI64LeS / BrI64GtS,
            I64LeU => BrI64LeU / BrI64GtU,
            I64GeS => BrI64GeS / BrI64LtS,
            I64GeU => BrI64GeU / BrI64LtU,
            F32Eq => BrF32Eq / BrF32Ne,
            F32Ne => BrF32Ne / BrF32Eq,
            F32Lt => BrF32Lt / BrF32NotLt,
            F32Gt => BrF32Gt / BrF32NotGt,
            F32Le => BrF32Le / BrF32NotLe,
            F32Ge => BrF32Ge / BrF32NotGe,
            F64Eq => BrF64Eq / BrF64Ne,
            F64Ne => BrF64Ne / BrF64Eq,
            F64Lt => BrF64Lt / BrF64NotLt,
            F64Gt => BrF64Gt / BrF64NotGt,
            F64Le => BrF64Le / BrF64NotLe,
            F64Ge => BrF64Ge / BrF64NotGe,
        }
    };
}
pub(crate) use compare_branches;

/// If `op` shifts left by a constant: its result, the value it shifts and by how much (the
/// count taken modulo 32). A shift by a constant is always the `Imm` form at this point:
/// `binary_imm` takes every i32 constant.
fn shift_by_constant(op: Op) -> Option<(Reg, Reg, u8)> {
    match op {
        Op::I32ShlImm { dst, lhs, imm } => Some((dst, lhs, (imm & 31) as u8)),
        _ => None,
    }
}

/// The `select` into `dst` of `a` or `b` on the condition `compare` computes, as one
/// instruction, if there is one: for an i32 comparison, or a test of bits with `i32.and`. It
/// reads the comparison's operands when it runs, so it must take the comparison's place.
fn select_on(compare: Op, dst: Reg, a: Reg, b: Reg) -> Option<Op> {
    macro_rules! on_compares {
        ($($compare:ident => $select:ident,)*) => {
            match compare {
                $( Op::$compare { lhs, rhs, .. } => Op::$select { dst, lhs, rhs, a, b }, )*
                Op::I32AndImm { lhs, imm, .. } => Op::SelectAndImm { dst, lhs, imm, a, b },
                _ => return None,
            }
        };
    }
    Some(on_compares! {
        I32Eq => SelectI32Eq,
        I32Ne => SelectI32Ne,
        I32LtS => SelectI32LtS,
        I32LtU => SelectI32LtU,
        I32GtS => SelectI32GtS,
        I32GtU => SelectI32GtU,
        I32LeS => SelectI32LeS,
        I32LeU => SelectI32LeU,
        I32GeS => SelectI32GeS,
        I32GeU => SelectI32GeU,
    })
}

/// An address a memory access computes itself: `base + (index << shift)`, wrapping at 32 bits,
/// for an access that replaces the instructions from position `at` on.
#[derive(Clone, Copy)]
struct AddressSum {
    base: Reg,
    index: Reg,
    shift: u8,
    at: usize,
}

impl AddressSum {
    /// The `load32` (or `load64`, by `op`) of memory 0 at this address, into `dst`.
    fn load(&self, op: MemOp, dst: Reg, end: u32) -> Op {
        let AddressSum {
            base, index, shift, ..
        } = *self;
        match (op, shift) {
            (MemOp::Load32, 0) => Op::Load32Add {
                dst,
                base,
                index,
                end,
            },
            (MemOp::Load32, _) => Op::Load32Scaled {
                dst,
                base,
                index,
                shift,
                end,
            },
            (_, 0) => Op::Load64Add {
                dst,
                base,
                index,
                end,
            },
            _ => Op::Load64Scaled {
                dst,
                base,
                index,
                shift,
                end,
            },
        }
    }

    /// The `store32` (or `store64`, by `op`) of register `src` to memory 0 at this address.
    fn store(&self, op: MemOp, src: Reg, end: u32) -> Op {
        let AddressSum {
            base, index, shift, ..
        } = *self;
        match (op, shift) {
            (MemOp::Store32, 0) => Op::Store32Add {
                base,
                index,
                src,
                end,
            },
            (MemOp::Store32, _) => Op::Store32Scaled {
                base,
                index,
                src,
                shift,
                end,
            },
            (_, 0) => Op::Store64Add {
                base,
                index,
                src,
                end,
            },
            _ => Op::Store64Scaled {
                base,
                index,
                src,
                shift,
                end,
            },
        }
    }

    /// The `v128.load0` of memory 0 at this address, into `dst`.
    fn v128_load(&self, dst: Reg, end: u32) -> Op {
        let AddressSum {
            base, index, shift, ..
        } = *self;
        match shift {
            0 => Op::V128Load0Add {
                dst,
                base,
                index,
                end,
            },
            _ => Op::V128Load0Scaled {
                dst,
                base,
                index,
                shift,
                end,
            },
        }
    }
}

/// The end of a `size`-byte access with `memarg`'s offset, if the compact accesses of memory 0
/// can hold it.
fn compact_end(memarg: &MemArg, size: usize) -> Option<u32> {
    u32::try_from(memarg.offset)
        .ok()
        .and_then(|offset| access_end(offset, size))
}

/// The fused form of comparison `op` (whose result is `cond`) followed by a branch taken when
/// the comparison is true (`jump_if`) or false.
fn fuse_compare(op: &Op, cond: Reg, jump_if: bool) -> Option<Op> {
    macro_rules! fuse {
        ($($cmp:ident => $holds:ident / $fails:ident,)*) => {
            match *op {
                $(
                    Op::$cmp { dst, lhs, rhs } if dst == cond => Some(if jump_if {
                        Op::$holds { lhs, rhs, offset: 0 }
                    } else {
                        Op::$fails { lhs, rhs, offset: 0 }
                    }),
                )*
                // Branches test the whole slot, and i32 values are kept zero-extended, so
                // both widths of `eqz` fuse the same way.
                Op::I32Eqz { dst, src } | Op::I64Eqz { dst, src } if dst == cond => Some(if jump_if {
                    Op::BrIfEqz { cond: src, offset: 0 }
                } else {
                    Op::BrIfNez { cond: src, offset: 0 }
                }),
                _ => None,
            }
        };
    }
    compare_branches!(fuse)
}

/// The heap type of `ref.i31` results.
const I31_HEAP: wasmparser::HeapType = wasmparser::HeapType::Abstract {
    shared: false,
    ty: wasmparser::AbstractHeapType::I31,
};

/// Maps a Rust value type of the ISA table to a wasm value type.
macro_rules! val_type {
    (v128) => {
        ValType::V128
    };
    (i32) => {
        ValType::I32
    };
    (i64) => {
        ValType::I64
    };
    (f32) => {
        ValType::F32
    };
    (f64) => {
        ValType::F64
    };
}

macro_rules! lower_numeric {
    (
        ops { $( $(#[doc = $doc:literal])* $name:ident { $($field:ident : $fty:ty),* } $(-> $dst:ident)? = $mnemonic:literal; )* }
        unary { $( $uname:ident $(/ $uacc:ident)? = $umn:literal : ($uin:ident) -> $uout:ident => $ukind:ident $ufn:ident; )* }
        binary { $( $bname:ident $(/ $bacl:ident $bacr:ident)? $(# $bimm:ident $baimm:ident)? = $bmn:literal : ($bl:ident, $br:ident) -> $bout:ident => $bkind:ident $bfn:ident; )* }
        branch_compare { $( $cname:ident $(/ $cacl:ident $cacr:ident $(/ $cstep:ident)?)? $(# $cimm:ident $caimm:ident)? = $cmn:literal : ($cty:ident) => $cfn:ident; )* }
        ternary { $( $tname:ident = $tmn:literal : ($ta:ident, $tb:ident, $tc:ident) -> $tout:ident => $tfn:ident; )* }
        extract_lane { $( $xname:ident = $xmn:literal : ($xin:ident) -> $xout:ident => $xfn:ident; )* }
        replace_lane { $( $rname:ident = $rmn:literal : ($rin:ident, $rx:ident) -> $rout:ident => $rfn:ident; )* }
    ) => {
        /// Whether `op` is one of the numeric operators of the ISA table.
        #[inline(always)]
        fn is_numeric(op: &Operator<'_>) -> bool {
            match op {
                $( Operator::$uname => true, )*
                $( Operator::$bname => true, )*
                $( Operator::$tname => true, )*
                $( Operator::$xname { .. } => true, )*
                $( Operator::$rname { .. } => true, )*
                _ => false,
            }
        }

        impl Translator<'_> {
            /// Translates the numeric operators of the ISA table; `false` for any other.
            fn translate_numeric(&mut self, op: &Operator<'_>) -> Result<bool> {
                match op {
                    $( Operator::$uname => {
                        self.unary(val_type!($uout), |dst, src| Op::$uname { dst, src })?;
                        self.canonicalize_nan($umn);
                    } )*
                    $( Operator::$bname => {
                        $(
                            // Additions keep a constant in a register until the end (see
                            // `place_consts`): address sums and loop steps fuse them.
                            let imm = |dst, lhs, imm| Op::$bimm { dst, lhs, imm };
                            if !matches!(op, Operator::I32Add | Operator::I64Add)
                                && self.binary_imm::<$br>(val_type!($bout), imm)?
                            {
                                return Ok(true);
                            }
                        )?
                        self.binary(val_type!($bout), |dst, lhs, rhs| Op::$bname { dst, lhs, rhs })?;
                        self.canonicalize_nan($bmn);
                    } )*
                    $( Operator::$tname => {
                        let [a, b, c] = self.pop3();
                        let dst = self.push_temp(val_type!($tout))?;
                        self.emit_result(Op::$tname { dst, a, b, c });
                        self.canonicalize_nan($tmn);
                    } )*
                    $( Operator::$xname { lane } => {
                        let lane = *lane;
                        self.unary(val_type!($xout), |dst, src| Op::$xname { dst, src, lane })?;
                    } )*
                    $( Operator::$rname { lane } => {
                        let lane = *lane;
                        self.binary(val_type!($rout), |dst, src, x| Op::$rname { dst, src, x, lane })?;
                    } )*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
    };
}

crate::for_each_op!(lower_numeric);

/// The loop step standing for `add` followed by `branch`, a test of the sum that `branch`
/// reads from the accumulator (see `sequences`).
fn loop_step(add: &Op, branch: &Op) -> Option<Op> {
    let (dst, lhs, rhs, ty) = match *add {
        Op::I32Add { dst, lhs, rhs } => (dst, lhs, rhs, ValType::I32),
        Op::I64Add { dst, lhs, rhs } => (dst, lhs, rhs, ValType::I64),
        _ => return None,
    };
    macro_rules! step {
        (
            ops { $($ops:tt)* }
            unary { $($unary:tt)* }
            binary { $($binary:tt)* }
            branch_compare {
                $( $cname:ident $(/ $cacl:ident $cacr:ident $(/ $cstep:ident)?)? $(# $cimm:ident $caimm:ident)? = $cmn:literal : ($cty:ident) => $cfn:ident; )*
            }
            $($rest:tt)*
        ) => {
            match *branch {
                Op::BrIfNezAcc { offset } if ty == ValType::I32 => {
                    Some(Op::BrI32AddNez { dst, lhs, rhs, offset: offset.checked_add(1)? })
                }
                Op::BrIfEqzAcc { offset } if ty == ValType::I32 => {
                    Some(Op::BrI32AddEqz { dst, lhs, rhs, offset: offset.checked_add(1)? })
                }
                $($($(
                    Op::$cacl { rhs: limit, offset } if ty == val_type!($cty) => {
                        Some(Op::$cstep { dst, lhs, rhs, limit, offset: offset.checked_add(1)? })
                    }
                )?)?)*
                _ => None,
            }
        };
    }
    crate::for_each_op!(step)
}
