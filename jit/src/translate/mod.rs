//! Translation of one validated wasm function body into Cranelift IR.
//!
//! Wasm locals become frontend [`Variable`]s and the operand stack is a stack of SSA values;
//! every control-flow label gets a block, and the values a branch carries to a label are
//! assigned to that label's variables, so the SSA builder inserts block parameters only where
//! paths really merge. Nothing here traps in hardware: each trap is an explicit branch to a
//! block that returns the trap's status.
//!
//! An OSR entry ([`EntryKind::Osr`]) is the same translation with another entry block: it
//! defines every local's variable from the value slots and jumps to the target loop's header
//! block, created in advance; the SSA builder merges those definitions with the back edges'
//! as for any other predecessor, and the body's normal start, left without predecessors, is
//! dead code Cranelift removes.
//!
//! A call's code with loop entries ([`JitOptions::loop_entries`]) holds both: its entry
//! block branches, on a request the embedder left in the context, to a dispatch block that
//! jumps to one of the landing blocks made at the function's outermost loops. A landing block
//! defines every local from the request's value slots and joins the normal path in a
//! preheader of its own before the loop's header, so values entering the loop are still
//! defined outside it and Cranelift hoists what depends only on them.
//!
//! - [`control`]: blocks, loops, `if`, branches, `return`, traps and the function exit.
//! - [`numeric`]: constants, arithmetic, comparisons and conversions.
//! - [`memory`]: globals, loads, stores and the memory operators of every memory.
//! - [`table`]: references and the table operators.
//! - [`simd`]: the `v128` operators of the SIMD and relaxed-SIMD proposals.
//! - [`call`]: `call`, `call_indirect`, `call_ref` and their tail-call forms.
//! - [`metering`]: the stack-limit check, fuel and epoch checks.
//!
//! Values cross the function's boundaries (parameters, results, OSR locals, call arguments,
//! globals) in the interpreter's slot layout: one 64-bit slot per scalar or reference, two
//! for a `v128` (low half first), so slot positions are running sums of
//! [`slot_count`]s, not value indices.

mod atomic;
mod call;
mod control;
mod exception;
mod gc;
mod memory;
mod metering;
mod numeric;
mod simd;
mod table;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::InstBuilderBase;
use cranelift_codegen::ir::{
    self, AbiParam, Block, Function, InstBuilder, MemFlagsData, SigRef, Signature, StackSlot, Type,
    Value, types,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use tandem_interp::TrapCode;
use tandem_interp::lower::fuel::{self, FuelPlan};
use tandem_interp::module::ModuleInfo;
use tandem_interp::vm::{VMCTX_OSR_LOOP, VMCTX_OSR_VALUES};
use wasmparser::{BinaryReader, FunctionBody, Operator, ValType};

use crate::abi::CallHelper;
use crate::compiler::{JitOptions, LoopExits};
use crate::error::JitError;
use control::ControlFrame;
use memory::MemoryState;

type Result<T, E = JitError> = std::result::Result<T, E>;

/// What a translation needs to know about the compiler and the target.
pub(crate) struct Env {
    /// The target's pointer type (64 bits: checked when the compiler is created).
    pub pointer_type: Type,
    /// What the frontend needs to know about the target.
    pub frontend_config: TargetFrontendConfig,
    /// The calling convention of the array-call signature, the helpers and built-ins.
    pub call_conv: CallConv,
    /// Where calls go, if anywhere.
    pub call_helper: Option<CallHelper>,
    /// What allocations call to collect garbage first, if anything.
    pub gc_helper: Option<crate::abi::GcHelper>,
    /// What to instrument.
    pub options: JitOptions,
    /// The embedder's tag of the module, which backtrace frames carry.
    pub frame_owner: usize,
}

/// Where compiled code starts executing the function, and how it takes its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A normal call with the wasm-call convention ([`wasm_call_signature`]): the parameters
    /// are the function's own after the context, the status and results are returned, and
    /// execution starts at the beginning of the body. Its array-call entry is a wrapper
    /// ([`translate_array_wrapper`]).
    Call,
    /// An on-stack-replacement entry: every local is in the value slots and execution starts
    /// at the header of the `loop` at this byte offset (see [`crate::JitCompiler::compile_osr`]).
    Osr {
        /// The offset of the `loop` operator in the module's bytes.
        loop_offset: u32,
    },
}

/// What a translation found out about the function.
pub(crate) struct Translated {
    /// Slots taken by the parameters.
    pub params: u16,
    /// Slots taken by the results.
    pub results: u16,
    /// Slots taken by all locals, parameters first.
    pub locals: u16,
    /// The offsets of the loops an OSR entry can start at, in body order.
    pub osr_loops: Vec<u32>,
    /// The offsets of the loops the code has entries at, by their position in the dispatch
    /// (see [`JitOptions::loop_entries`]).
    pub loop_entries: Vec<u32>,
}

/// The wasm-call signature of function `func_index` of `info` (see [`crate::abi`]):
/// `(vmctx, params...) -> (status, results...)` in Cranelift's `tail` convention.
pub(crate) fn wasm_call_signature(
    info: &ModuleInfo,
    func_index: u32,
    pointer: Type,
) -> Result<Signature> {
    let func_type = info.func_type(func_index);
    Ok(wasm_call_signature_of(
        &clif_types(func_type.params())?,
        &clif_types(func_type.results())?,
        pointer,
    ))
}

/// The wasm-call signature of a function with `params` and `results`.
pub(crate) fn wasm_call_signature_of(
    params: &[Type],
    results: &[Type],
    pointer: Type,
) -> Signature {
    let mut signature = Signature::new(CallConv::Tail);
    signature.params.push(AbiParam::new(pointer));
    signature
        .params
        .extend(params.iter().map(|&ty| AbiParam::new(ty)));
    signature.returns.push(AbiParam::new(types::I32));
    if results_in_registers(results) {
        signature
            .returns
            .extend(results.iter().map(|&ty| AbiParam::new(ty)));
    } else {
        signature.params.push(AbiParam::new(pointer));
    }
    signature
}

/// Whether a wasm-call function returns `results` in registers, after the status; if not, it
/// takes the address of value slots for them as its last parameter (registers run out after
/// a few return values, and most functions have at most one).
pub(crate) fn results_in_registers(results: &[Type]) -> bool {
    results.len() <= 1
}

/// Translates into `func`, whose signature is the array-call one, the array-call entry of
/// defined function `defined_index` of `info`: it reads the parameters from the value
/// slots, calls `body` (the function's wasm-call code) and writes its results back.
pub(crate) fn translate_array_wrapper(
    func: &mut Function,
    builder_ctx: &mut FunctionBuilderContext,
    env: &Env,
    info: &ModuleInfo,
    defined_index: u32,
    body: ir::FuncRef,
) -> Result<()> {
    let func_index = info.imported_funcs + defined_index;
    let func_type = info.func_type(func_index);
    let params = clif_types(func_type.params())?;
    let builder = FunctionBuilder::new(func, builder_ctx);
    let mut t = FuncTranslator::new(builder, env, info, func_index, None, ValuesIn::Slots);
    let values = t.values.expect("an array-call function");
    let mut args = vec![t.vmctx];
    let mut slot = 0;
    for &ty in &params {
        args.push(t.load_slots(ty, values, slot_offset(slot)));
        slot += slot_count(ty);
    }
    let results = clif_types(func_type.results())?;
    if !results_in_registers(&results) {
        // The parameters are read already: the body writes its results over them.
        args.push(values);
    }
    let call = t.b.ins().call(body, &args);
    let returned = t.b.inst_results(call).to_vec();
    let (status, results) = (returned[0], &returned[1..]);
    let stopped = t.branch_out_of_line(status, false);
    let returned_ok = t.b.current_block().expect("continuing after the branch");
    t.b.switch_to_block(stopped);
    t.b.ins().return_(&[status]);
    t.b.switch_to_block(returned_ok);
    let mut slot = 0;
    for &value in results {
        slot += t.store_value_at(value, values, slot);
    }
    t.b.ins().return_(&[status]);
    t.finish();
    Ok(())
}

/// Where a translated function takes its parameters and leaves its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValuesIn {
    /// The array-call convention: value slots.
    Slots,
    /// The wasm-call convention: Cranelift parameters and return values.
    Registers,
}

/// Translates defined function `defined_index` of `info` into `func`, whose signature is
/// already the one of `entry`: the wasm-call signature for [`EntryKind::Call`] (then
/// `self_ref`, if given, refers to `func` itself, for direct recursive calls), the array-call
/// one for [`EntryKind::Osr`], which hands the call over to the function's own code at the
/// loops of `exits`, if given (see [`crate::JitCompiler::compile_osr_with_exits`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn translate_function(
    func: &mut Function,
    builder_ctx: &mut FunctionBuilderContext,
    env: &Env,
    info: &ModuleInfo,
    defined_index: u32,
    entry: EntryKind,
    self_ref: Option<ir::FuncRef>,
    exits: Option<LoopExits<'_>>,
) -> Result<Translated> {
    let range = info.bodies[defined_index as usize].clone();
    let reader = BinaryReader::new_features(
        &info.bytes[range.clone()],
        range.start as u64,
        info.features,
    );
    let body = FunctionBody::new(reader);
    let func_index = info.imported_funcs + defined_index;
    let func_type = info.func_type(func_index);
    let params = clif_types(func_type.params())?;
    let results = clif_types(func_type.results())?;
    let mut local_types = params.clone();
    for local in body.get_locals_reader()? {
        let (count, ty) = local?;
        let ty = clif_type(ty)?;
        local_types.extend(std::iter::repeat_n(ty, count as usize));
    }
    let mut uses = scan_uses(&body, info, func_index, local_types.len())?;
    let fuel_plan = if env.options.fuel {
        Some(fuel::plan(&body)?)
    } else {
        None
    };

    let builder = FunctionBuilder::new(func, builder_ctx);
    let values_in = match entry {
        EntryKind::Call => ValuesIn::Registers,
        EntryKind::Osr { .. } => ValuesIn::Slots,
    };
    let mut t = FuncTranslator::new(builder, env, info, func_index, fuel_plan, values_in);
    t.self_ref = self_ref;
    if matches!(entry, EntryKind::Osr { .. }) {
        t.osr_exits = exits.map(|exits| (exits.code as usize, exits.loop_entries.to_vec()));
    }
    // Checks made on entry (stack limit, fuel, epoch) report the body's first operator.
    let body_start = body.get_operators_reader()?.original_position() as u32;
    t.offset = body_start;
    t.result_types = results.clone();
    if values_in == ValuesIn::Registers && !results_in_registers(&results) {
        t.results_out = t.entry_params.pop();
    }
    t.enter(&params, &local_types, &results, &mut uses, entry)?;
    let mut operators = body.get_operators_reader()?;
    let mut index = 0u32;
    while !operators.eof() {
        let (op, offset) = operators.read_with_offset()?;
        t.b.set_srcloc(ir::SourceLoc::new(offset as u32));
        t.operator(op, index, offset as u32)?;
        index += 1;
    }
    operators.finish()?;
    if let Some(osr) = &t.osr
        && !osr.bound
    {
        return Err(JitError::OsrUnsupported(format!(
            "no operator of function {func_index} starts at offset {}",
            osr.loop_offset
        )));
    }
    let osr_loops = std::mem::take(&mut t.osr_loops);
    let loop_entries = t.finish_loop_entries(body_start);
    t.finish();
    // The interpreter lowers the same body with 16-bit register numbers, so the slot counts
    // of a function it accepts fit `u16`; this tier refuses anything larger rather than wrap.
    let count = |tys: &[Type]| {
        u16::try_from(slots_of(tys))
            .map_err(|_| JitError::Unsupported("more than 65535 value slots".into()))
    };
    Ok(Translated {
        params: count(&params)?,
        results: count(&results)?,
        locals: count(&local_types)?,
        osr_loops,
        loop_entries,
    })
}

/// The loop an OSR entry jumps to.
pub(crate) struct OsrTarget {
    /// The offset of its `loop` operator.
    loop_offset: u32,
    /// Its header block, created at entry and bound when the `loop` is translated.
    header: Block,
    /// Whether the `loop` was translated.
    bound: bool,
}

/// The loop entries of a call's code (see [`JitOptions::loop_entries`]).
struct LoopEntries {
    /// The function's entry block, which dominates every path.
    entry: Block,
    /// The request's value slots, null without a request (loaded in the entry block).
    values: Value,
    /// The outermost loops of the body, with the locals each assigns (see [`Uses`]).
    outermost_loops: Vec<(u32, Vec<bool>)>,
    /// The block taking a request, filled once every loop is known.
    dispatch: Block,
    /// The offset of each entry's loop and its landing block, in dispatch order.
    landings: Vec<(u32, Block)>,
}

/// Most locals a function that calls nothing may have and still skip the stack-limit check
/// (see [`FuncTranslator::enter`]): with a short body, its frame stays within a few tens of
/// KiB even if every value is spilled.
const LEAF_MAX_LOCALS: usize = 1024;

/// Longest body, in bytes, of a function that skips the stack-limit check.
const LEAF_MAX_BODY_BYTES: usize = 4096;

/// What a body touches, found before translating it so the entry block loads only that.
#[derive(Debug, Default)]
struct Uses {
    /// Memories whose bytes or size the body reads or changes inline, by index.
    memories: Vec<bool>,
    /// Memories whose length the body compares with even where guard pages cover its
    /// accesses, by index (see [`memory::reads_len`]).
    reads_len: Vec<bool>,
    /// The body tail-calls its own function.
    self_tail_call: bool,
    /// The body has a `loop`.
    loops: bool,
    /// The body calls a function (in any form, tail calls of itself, which jump, excepted).
    calls: bool,
    /// The size of the body's operators in bytes.
    body_len: usize,
    /// The offset of each loop not nested in another, with whether its body assigns each
    /// local.
    outermost_loops: Vec<(u32, Vec<bool>)>,
}

fn scan_uses(
    body: &FunctionBody<'_>,
    info: &ModuleInfo,
    func_index: u32,
    local_count: usize,
) -> Result<Uses> {
    let mut uses = Uses {
        memories: vec![false; info.memory_types.len()],
        reads_len: vec![false; info.memory_types.len()],
        self_tail_call: false,
        loops: false,
        calls: false,
        body_len: body.as_bytes().len(),
        outermost_loops: Vec::new(),
    };
    // Whether each open frame is a loop, and how many are.
    let mut frames: Vec<bool> = Vec::new();
    let mut open_loops = 0usize;
    let mut operators = body.get_operators_reader()?;
    while !operators.eof() {
        let (op, offset) = operators.read_with_offset()?;
        if let Some(mem) = memory::inline_memory(&op)
            && let Some(used) = uses.memories.get_mut(mem as usize)
        {
            *used = true;
        }
        memory::reads_len(&op, |mem| {
            if let Some(reads) = uses.reads_len.get_mut(mem as usize) {
                *reads = true;
            }
        });
        match op {
            Operator::ReturnCall { function_index } if function_index == func_index => {
                uses.self_tail_call = true;
            }
            Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::CallRef { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. } => uses.calls = true,
            Operator::Loop { .. } => {
                uses.loops = true;
                if open_loops == 0 {
                    uses.outermost_loops
                        .push((offset as u32, vec![false; local_count]));
                }
                open_loops += 1;
                frames.push(true);
            }
            Operator::Block { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => frames.push(false),
            Operator::End | Operator::Delegate { .. } => {
                let closes_loop = frames.pop() == Some(true);
                open_loops -= usize::from(closes_loop);
            }
            Operator::LocalSet { local_index } | Operator::LocalTee { local_index } => {
                if open_loops > 0
                    && let Some((_, assigned)) = uses.outermost_loops.last_mut()
                    && let Some(assigned) = assigned.get_mut(local_index as usize)
                {
                    *assigned = true;
                }
            }
            _ => {}
        }
    }
    Ok(uses)
}

/// The Cranelift type of a wasm value type this tier supports. References of every kind are
/// 64-bit slots (a function entry's address, an extern-reference handle...; `0` is null). A
/// `v128` is an `i8x16` wherever it is stored (locals, block parameters and results, the
/// operand stack); each SIMD operator bitcasts it to the lane shape it works on (see
/// [`simd`]).
pub(crate) fn clif_type(ty: ValType) -> Result<Type> {
    match ty {
        ValType::I32 => Ok(types::I32),
        ValType::I64 => Ok(types::I64),
        ValType::F32 => Ok(types::F32),
        ValType::F64 => Ok(types::F64),
        ValType::Ref(_) => Ok(types::I64),
        ValType::V128 => Ok(simd::V128),
    }
}

/// Value slots a value of Cranelift type `ty` takes: two for a `v128` (the only vector type
/// values are kept in), one for everything else, as in the interpreter's register file.
pub(crate) fn slot_count(ty: Type) -> usize {
    if ty.is_vector() { 2 } else { 1 }
}

/// Value slots values of types `tys` take, one after the other.
pub(crate) fn slots_of(tys: &[Type]) -> usize {
    tys.iter().map(|&ty| slot_count(ty)).sum()
}

fn clif_types(tys: &[ValType]) -> Result<Vec<Type>> {
    tys.iter().map(|&ty| clif_type(ty)).collect()
}

/// The name of an operator, for [`JitError::Unsupported`].
pub(crate) fn unsupported(op: &Operator<'_>) -> JitError {
    let text = format!("{op:?}");
    let name = text.split([' ', '{', '(']).next().unwrap_or(text.as_str());
    JitError::Unsupported(name.to_string())
}

/// The byte offset of slot index `slot` in an array of value slots.
pub(crate) fn slot_offset(slot: usize) -> i32 {
    // Slot counts fit `u16` (see `translate_function`), so offsets fit `i32`.
    (slot * size_of::<u64>()) as i32
}

/// Flags for loads and stores of the VM's own records, which are always valid and aligned.
pub(crate) fn vm_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Flags for loads of VM fields that no code changes while the instance runs (array pointers
/// of the context, the address of a memory's first byte).
pub(crate) fn vm_readonly_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly()
}

/// Flags of loads of fixed fields of the context itself and of the arrays and records it
/// points at (the memories, tables, globals, function entries and signature ids of the
/// instance, the store's limits): as [`vm_readonly_flags`], and they may also move, since
/// those addresses are valid wherever the code runs; Cranelift may then merge such loads,
/// hoist them out of loops and drop unused ones. Not for loads through a pointer that code
/// checks first (a table element, a function reference).
pub(crate) fn vm_context_flags() -> MemFlagsData {
    vm_readonly_flags().with_can_move()
}

/// The state of one function's translation.
pub(crate) struct FuncTranslator<'a, 'f> {
    pub(crate) b: FunctionBuilder<'f>,
    pub(crate) env: &'a Env,
    pub(crate) info: &'a ModuleInfo,
    /// The function's index in the module (imports first).
    pub(crate) func_index: u32,
    /// The instance context (first parameter).
    pub(crate) vmctx: Value,
    /// The array of parameter and result slots (second parameter) of an array-call function.
    values: Option<Value>,
    /// The parameters of a wasm-call function, after the context.
    entry_params: Vec<Value>,
    /// Where a wasm-call function that does not return its results in registers writes them.
    results_out: Option<Value>,
    /// The result types, for the returns of a wasm-call function.
    result_types: Vec<Type>,
    /// The function itself, for direct recursive calls.
    pub(crate) self_ref: Option<ir::FuncRef>,
    /// One variable per wasm local, parameters first.
    pub(crate) locals: Vec<Variable>,
    /// The type of each local.
    pub(crate) local_types: Vec<Type>,
    /// How many of the locals are parameters.
    pub(crate) param_count: usize,
    /// Where the body starts after the entry block, for self tail calls (which jump there).
    pub(crate) body_start: Option<Block>,
    /// The wasm operand stack.
    pub(crate) stack: Vec<Value>,
    /// Open control frames, the function's own at the bottom.
    pub(crate) controls: Vec<ControlFrame>,
    /// Whether the current position can execute; code after `br`, `return`, `unreachable`...
    /// is skipped until the end of its frame.
    pub(crate) reachable: bool,
    /// Frames opened inside unreachable code, which get no blocks.
    pub(crate) unreachable_depth: u32,
    /// Blocks returning a trap status, created on first use and filled at the end; their
    /// parameter is the wasm offset of the trapping operator.
    trap_blocks: Vec<(TrapCode, Block)>,
    /// A block returning its first parameter as the status, for callees that stopped; the
    /// second is the wasm offset of the operator they stopped.
    status_block: Option<Block>,
    /// The memories the body uses inline, by index.
    pub(crate) memories: Vec<Option<MemoryState>>,
    /// Scratch slots for call arguments and results, sized for the largest call.
    call_slots: Option<StackSlot>,
    call_slots_size: u32,
    /// Imported signatures of the call helper, the built-ins and wasm-call callees, by
    /// calling convention, parameter and result types.
    signatures: Vec<(CallConv, Vec<Type>, Vec<Type>, SigRef)>,
    /// The fuel charges of the body, when metering fuel.
    fuel_plan: Option<FuelPlan>,
    /// The byte offset of the operator being translated, in the module's bytes.
    pub(crate) offset: u32,
    /// The loop an OSR entry starts at, for an OSR translation.
    osr: Option<OsrTarget>,
    /// The offsets of the loops found so far where an OSR entry could start.
    osr_loops: Vec<u32>,
    /// The loop entries of a call's code that has them.
    loop_entries: Option<LoopEntries>,
    /// For an OSR entry that hands over to the function's own code: that code's array-call
    /// entry and the offsets of its loop entries.
    osr_exits: Option<(usize, Vec<u32>)>,
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    /// Starts the function in its entry block, whose parameters are the function's: the
    /// context, then the value slots or the wasm parameters.
    fn new(
        mut b: FunctionBuilder<'f>,
        env: &'a Env,
        info: &'a ModuleInfo,
        func_index: u32,
        fuel_plan: Option<FuelPlan>,
        values_in: ValuesIn,
    ) -> Self {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params = b.block_params(entry);
        let vmctx = params[0];
        let (values, entry_params) = match values_in {
            ValuesIn::Slots => (Some(params[1]), Vec::new()),
            ValuesIn::Registers => (None, params[1..].to_vec()),
        };
        FuncTranslator {
            b,
            env,
            info,
            func_index,
            vmctx,
            values,
            entry_params,
            results_out: None,
            result_types: Vec::new(),
            self_ref: None,
            locals: Vec::new(),
            local_types: Vec::new(),
            param_count: 0,
            body_start: None,
            stack: Vec::new(),
            controls: Vec::new(),
            reachable: true,
            unreachable_depth: 0,
            trap_blocks: Vec::new(),
            status_block: None,
            memories: Vec::new(),
            call_slots: None,
            call_slots_size: 0,
            signatures: Vec::new(),
            fuel_plan,
            offset: 0,
            osr: None,
            osr_loops: Vec::new(),
            loop_entries: None,
            osr_exits: None,
        }
    }

    /// Fills the entry block: loads what the body uses of its memories, reads the parameters
    /// from the value slots, zeroes the other locals, checks the stack limit, charges the
    /// entry's fuel, checks the epoch and opens the function's frame.
    ///
    /// A call's code with loop entries first branches away on a pending request, after the
    /// memories (which both paths share).
    ///
    /// An OSR entry instead reads every local from the value slots and, after the stack-limit
    /// check and the memories, jumps to the header of its loop, whose block is created here
    /// and bound when the `loop` is translated; the body's normal start (and whatever only it
    /// reaches) then has no predecessor, and Cranelift drops it as dead code, unless self tail
    /// calls jump there.
    fn enter(
        &mut self,
        params: &[Type],
        locals: &[Type],
        results: &[Type],
        uses: &mut Uses,
        entry: EntryKind,
    ) -> Result<()> {
        self.param_count = params.len();
        self.local_types = locals.to_vec();
        self.memories = (0..self.info.memory_types.len()).map(|_| None).collect();
        for (index, &used) in uses.memories.iter().enumerate() {
            if used {
                let reads_len = uses.reads_len[index];
                self.memories[index] = Some(MemoryState::load(self, index as u32, reads_len)?);
            }
        }
        if entry == EntryKind::Call && self.env.options.loop_entries && uses.loops {
            self.start_loop_entries(std::mem::take(&mut uses.outermost_loops));
        }
        let loaded = match entry {
            EntryKind::Call => params.len(),
            EntryKind::Osr { .. } => locals.len(),
        };
        let mut slot = 0;
        for (index, &ty) in locals.iter().enumerate() {
            let var = self.b.declare_var(ty);
            let value = if index < loaded {
                match self.values {
                    Some(values) => self.load_slots(ty, values, slot_offset(slot)),
                    None => self.entry_params[index],
                }
            } else {
                self.zero(ty)
            };
            slot += slot_count(ty);
            self.b.def_var(var, value);
            self.locals.push(var);
        }

        // A call of a function that calls nothing cannot lead to another: its caller's check
        // leaves room below the limit for such a frame, provided it is small (few locals, a
        // short body). Entries at loop headers always check.
        let small_leaf =
            !uses.calls && locals.len() <= LEAF_MAX_LOCALS && uses.body_len <= LEAF_MAX_BODY_BYTES;
        if self.env.options.stack_check && !(small_leaf && entry == EntryKind::Call) {
            self.check_stack_limit();
        }
        if let EntryKind::Osr { loop_offset } = entry {
            // The header's own fuel charge and epoch check run there, as on a back edge.
            let header = self.b.create_block();
            self.b.ins().jump(header, &[]);
            self.osr = Some(OsrTarget {
                loop_offset,
                header,
                bound: false,
            });
            // The body's normal start: reached by self tail calls only, if at all.
            let start = self.b.create_block();
            self.b.switch_to_block(start);
            if uses.self_tail_call {
                self.body_start = Some(start);
            } else {
                self.b.seal_block(start);
            }
        } else if uses.self_tail_call {
            // Self tail calls jump back here with new locals: the entry's fuel and epoch
            // checks run again, as on a new call.
            let start = self.b.create_block();
            self.b.ins().jump(start, &[]);
            self.b.switch_to_block(start);
            self.body_start = Some(start);
        }
        if let Some(plan) = &self.fuel_plan {
            let amount = plan.entry;
            self.charge_fuel(amount);
        }
        if self.env.options.epoch {
            self.check_epoch();
        }

        let exit = self.b.create_block();
        let result_vars = results.iter().map(|&ty| self.b.declare_var(ty)).collect();
        self.controls
            .push(ControlFrame::function(exit, result_vars));
        Ok(())
    }

    /// Translates operator `index` of the body, found at byte `offset` of the module, then
    /// meters the fuel block that starts after it, if one does.
    fn operator(&mut self, op: Operator<'_>, index: u32, offset: u32) -> Result<()> {
        self.offset = offset;
        if let Operator::Loop { blockty } = op {
            self.note_loop(blockty)?;
        } else if self
            .osr
            .as_ref()
            .is_some_and(|osr| osr.loop_offset == offset)
        {
            return Err(JitError::OsrUnsupported(format!(
                "the operator at offset {offset} is not a `loop`"
            )));
        }
        if self.reachable {
            self.reachable_operator(&op)?;
        } else {
            self.unreachable_operator(&op)?;
        }
        if self.reachable && fuel::starts_block_after(&op) {
            if self.fuel_plan.is_some() {
                let plan = self.fuel_plan.as_ref().expect("checked");
                let amount = plan.charge_after(index);
                debug_assert!(
                    amount.is_some(),
                    "the fuel plan has no block after operator {index} ({op:?})"
                );
                self.charge_fuel(amount.unwrap_or(0));
            }
            if self.env.options.epoch && matches!(op, Operator::Loop { .. }) {
                self.check_epoch();
            }
        }
        Ok(())
    }

    /// Records whether an OSR entry can start at the `loop` at the current offset, and fails
    /// if this loop is the OSR target but no entry can start there.
    ///
    /// An entry can start at a reachable loop without parameters where the operand stack is
    /// empty: the locals are then the whole state of the frame.
    fn note_loop(&mut self, blockty: wasmparser::BlockType) -> Result<()> {
        let params = match blockty {
            wasmparser::BlockType::FuncType(index) => self.info.type_at(index).params().len(),
            _ => 0,
        };
        let why_not = if !self.reachable {
            Some("the loop is unreachable".to_string())
        } else if params != 0 {
            Some(format!("the loop has {params} parameter(s)"))
        } else if !self.stack.is_empty() {
            Some(format!(
                "{} value(s) are on the operand stack at the loop",
                self.stack.len()
            ))
        } else {
            None
        };
        if why_not.is_none() {
            self.osr_loops.push(self.offset);
        }
        match (&self.osr, why_not) {
            (Some(osr), Some(why_not)) if osr.loop_offset == self.offset => Err(
                JitError::OsrUnsupported(format!("loop at offset {}: {why_not}", self.offset)),
            ),
            _ => Ok(()),
        }
    }

    /// The header block of the loop at the current offset if it is the OSR target (created
    /// at entry), recording that it is bound.
    pub(crate) fn osr_header(&mut self) -> Option<Block> {
        let offset = self.offset;
        let osr = self.osr.as_mut().filter(|osr| osr.loop_offset == offset)?;
        osr.bound = true;
        Some(osr.header)
    }

    /// Starts the loop entries of a call's code: takes the context's pending request, if any,
    /// to the dispatch block, which [`FuncTranslator::finish_loop_entries`] fills.
    fn start_loop_entries(&mut self, outermost_loops: Vec<(u32, Vec<bool>)>) {
        let entry = self.b.current_block().expect("in the entry block");
        let pointer = self.pointer();
        let values = self
            .b
            .ins()
            .load(pointer, vm_flags(), self.vmctx, VMCTX_OSR_VALUES as i32);
        let dispatch = self.branch_out_of_line(values, false);
        self.loop_entries = Some(LoopEntries {
            entry,
            values,
            outermost_loops,
            dispatch,
            landings: Vec::new(),
        });
    }

    /// At the `loop` at the current offset, before the jump to its header: if the code has
    /// loop entries and this is an outermost loop an entry can start at, continues in a new
    /// preheader, which the loop's landing block (defining every local from the request's
    /// slots) jumps to as well.
    ///
    /// A local the loop never assigns has, at every back edge, the value it has here; where
    /// that is a constant, both paths take one copy of it made in the entry block, so the
    /// loop still sees a constant (which Cranelift folds into instructions) rather than a
    /// value merged from two paths (which takes a register, or a spill slot).
    pub(crate) fn loop_entry(&mut self) {
        let offset = self.offset;
        // An outermost loop (the scan listed it) where an entry can start (the last loop
        // `note_loop` accepted).
        let Some(entries) = &mut self.loop_entries else {
            return;
        };
        let Some((_, assigned)) = entries
            .outermost_loops
            .iter_mut()
            .find(|(loop_offset, _)| *loop_offset == offset)
        else {
            return;
        };
        if self.osr_loops.last() != Some(&offset) {
            return;
        }
        // Each loop is translated once: its list is not needed after this.
        let assigned = std::mem::take(assigned);
        let (values, entry_block) = (entries.values, entries.entry);
        let mut constants: Vec<Option<Value>> = vec![None; self.locals.len()];
        for (index, constant) in constants.iter_mut().enumerate() {
            if assigned[index] {
                continue;
            }
            let value = self.b.use_var(self.locals[index]);
            *constant = self.copy_constant_to(entry_block, value);
            if let Some(copy) = *constant {
                self.b.def_var(self.locals[index], copy);
            }
        }
        let preheader = self.b.create_block();
        self.b.ins().jump(preheader, &[]);
        let landing = self.b.create_block();
        self.b.set_cold_block(landing);
        self.b.switch_to_block(landing);
        let mut slot = 0;
        for (index, constant) in constants.into_iter().enumerate() {
            let ty = self.local_types[index];
            let value = match constant {
                Some(constant) => constant,
                None => self.load_slots(ty, values, slot_offset(slot)),
            };
            slot += slot_count(ty);
            self.b.def_var(self.locals[index], value);
        }
        self.b.ins().jump(preheader, &[]);
        self.b.seal_block(preheader);
        self.b.switch_to_block(preheader);
        if let Some(entries) = &mut self.loop_entries {
            entries.landings.push((offset, landing));
        }
    }

    /// A copy, at the top of `block`, of `value` if a constant instruction defines it.
    fn copy_constant_to(&mut self, block: Block, value: Value) -> Option<Value> {
        let func = &mut *self.b.func;
        let ir::ValueDef::Result(inst, 0) = func.dfg.value_def(value) else {
            return None;
        };
        let data = func.dfg.insts[inst];
        if !matches!(
            data.opcode(),
            ir::Opcode::Iconst | ir::Opcode::F32const | ir::Opcode::F64const | ir::Opcode::Vconst
        ) {
            return None;
        }
        let ty = func.dfg.value_type(value);
        let mut cursor = FuncCursor::new(func).at_first_insertion_point(block);
        let (copy, dfg) = cursor.ins().build(data, ty);
        Some(dfg.first_result(copy))
    }

    /// At the header of the `loop` at the current offset, in an OSR entry that hands over to
    /// the function's own code: if that code has an entry at this loop, fills the header
    /// with the handing over (the locals to the value slots, the request in the context, a
    /// call of the code's array-call entry, whose status and results the OSR entry returns)
    /// and continues in a new block, which only the loop's body reaches, if anything.
    ///
    /// The code's entry charges the header's fuel and checks the epoch itself, as a back
    /// edge would have here.
    pub(crate) fn hand_over_at_loop(&mut self) {
        let Some((code, entries)) = &self.osr_exits else {
            return;
        };
        let Some(position) = entries.iter().position(|&offset| offset == self.offset) else {
            return;
        };
        let code = *code;
        let values = self.values.expect("an OSR entry takes value slots");
        let mut slot = 0;
        for index in 0..self.locals.len() {
            let value = self.b.use_var(self.locals[index]);
            slot += self.store_value_at(value, values, slot);
        }
        let position = self.b.ins().iconst(types::I32, position as i64);
        self.b
            .ins()
            .store(vm_flags(), position, self.vmctx, VMCTX_OSR_LOOP as i32);
        self.b
            .ins()
            .store(vm_flags(), values, self.vmctx, VMCTX_OSR_VALUES as i32);
        let vmctx = self.vmctx;
        let status = self.call_native(code, &[vmctx, values], &[types::I32])[0];
        self.b.ins().return_(&[status]);
        let rest = self.b.create_block();
        self.b.switch_to_block(rest);
        self.b.seal_block(rest);
    }

    /// Fills the dispatch block of a call's code with loop entries: it clears the request,
    /// checks the stack limit (as a call does; the request's loop charges its header's fuel
    /// and checks the epoch, the function entry's are not repeated) and jumps to the landing
    /// block of the requested entry. Returns the offsets of the entries' loops, in dispatch
    /// order. `body_start` is the offset the entry's checks report.
    fn finish_loop_entries(&mut self, body_start: u32) -> Vec<u32> {
        let Some(entries) = self.loop_entries.take() else {
            return Vec::new();
        };
        self.offset = body_start;
        self.b.switch_to_block(entries.dispatch);
        self.b.set_srcloc(ir::SourceLoc::new(body_start));
        let pointer = self.pointer();
        let null = self.b.ins().iconst(pointer, 0);
        self.b
            .ins()
            .store(vm_flags(), null, self.vmctx, VMCTX_OSR_VALUES as i32);
        if self.env.options.stack_check {
            self.check_stack_limit();
        }
        let index = self
            .b
            .ins()
            .load(types::I32, vm_flags(), self.vmctx, VMCTX_OSR_LOOP as i32);
        // The embedder only requests entries the code has; anything else is a bug it reports.
        let unknown = self.b.create_block();
        let pool = &mut self.b.func.dfg.value_lists;
        let targets: Vec<ir::BlockCall> = entries
            .landings
            .iter()
            .map(|&(_, landing)| ir::BlockCall::new(landing, [], pool))
            .collect();
        let default = ir::BlockCall::new(unknown, [], pool);
        let table = self
            .b
            .create_jump_table(ir::JumpTableData::new(default, &targets));
        self.b.ins().br_table(index, table);
        self.b.seal_block(unknown);
        self.b.switch_to_block(unknown);
        let trap = self.trap_block(TrapCode::Unreachable);
        let offset = self.offset_arg();
        self.b.ins().jump(trap, &[offset]);
        for &(_, landing) in &entries.landings {
            self.b.seal_block(landing);
        }
        entries.landings.iter().map(|&(offset, _)| offset).collect()
    }

    /// Translates one reachable operator.
    fn reachable_operator(&mut self, op: &Operator<'_>) -> Result<()> {
        use Operator::*;
        match *op {
            Nop => {}
            Unreachable => self.trap(TrapCode::Unreachable),
            Block { blockty } => self.block(blockty)?,
            TryTable { ref try_table } => self.try_table(try_table.ty, &try_table.catches)?,
            Throw { tag_index } => self.throw(tag_index)?,
            ThrowRef => self.throw_ref(),
            Loop { blockty } => self.loop_(blockty)?,
            If { blockty } => self.if_(blockty)?,
            Else => self.else_(),
            End => self.end(),
            Br { relative_depth } => self.br(relative_depth),
            BrIf { relative_depth } => self.br_if(relative_depth),
            BrTable { ref targets } => self.br_table(targets)?,
            BrOnNull { relative_depth } => self.br_on_null(relative_depth),
            BrOnNonNull { relative_depth } => self.br_on_non_null(relative_depth),
            Return => self.return_(),
            Call { function_index } => self.call(function_index)?,
            CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index)?,
            CallRef { type_index } => self.call_ref(type_index)?,
            ReturnCall { function_index } => self.return_call(function_index)?,
            ReturnCallIndirect {
                type_index,
                table_index,
            } => self.return_call_indirect(type_index, table_index)?,
            ReturnCallRef { type_index } => self.return_call_ref(type_index)?,
            Drop => {
                self.pop();
            }
            Select => self.select(),
            TypedSelect { ty } => {
                clif_type(ty)?;
                self.select();
            }
            TypedSelectMulti { ref tys } => {
                if tys.len() != 1 {
                    return Err(unsupported(op));
                }
                clif_type(tys[0])?;
                self.select();
            }
            LocalGet { local_index } => {
                let value = self.b.use_var(self.locals[local_index as usize]);
                self.push(value);
            }
            LocalSet { local_index } => {
                let value = self.pop();
                self.b.def_var(self.locals[local_index as usize], value);
            }
            LocalTee { local_index } => {
                let value = self.peek();
                self.b.def_var(self.locals[local_index as usize], value);
            }
            GlobalGet { global_index } => self.global_get(global_index)?,
            GlobalSet { global_index } => self.global_set(global_index)?,
            ref other => {
                if !(self.numeric(other)?
                    || self.gc_op(other)?
                    || self.memory_op(other)?
                    || self.atomic_op(other)?
                    || self.simd_op(other)?
                    || self.table_op(other)?)
                {
                    return Err(unsupported(other));
                }
            }
        }
        Ok(())
    }

    /// Follows the nesting of skipped code so that the `else` or `end` that makes code
    /// reachable again is found.
    fn unreachable_operator(&mut self, op: &Operator<'_>) -> Result<()> {
        use Operator::*;
        match op {
            Block { .. } | Loop { .. } | If { .. } | TryTable { .. } => self.unreachable_depth += 1,
            // Legacy `try` frames may close with `delegate` instead of `end`: not followed.
            Try { .. } | Delegate { .. } => return Err(unsupported(op)),
            Else if self.unreachable_depth == 0 => self.else_(),
            End if self.unreachable_depth == 0 => self.end(),
            End => self.unreachable_depth -= 1,
            _ => {}
        }
        Ok(())
    }

    /// Fills the blocks that were only promised during translation and hands the function to
    /// Cranelift.
    fn finish(mut self) {
        for (code, block) in std::mem::take(&mut self.trap_blocks) {
            self.b.switch_to_block(block);
            let offset = self.b.block_params(block)[0];
            self.record_frame(offset);
            let status = self
                .b
                .ins()
                .iconst(types::I32, i64::from(crate::abi::trap_status(code)));
            self.return_status(status);
        }
        if let Some(block) = self.status_block {
            self.b.switch_to_block(block);
            let (status, offset) = (self.b.block_params(block)[0], self.b.block_params(block)[1]);
            // An exception is not an error yet: a handler further out may catch it, so its
            // way out leaves no frames behind.
            let is_exception = self.b.ins().icmp_imm_u(
                ir::condcodes::IntCC::Equal,
                status,
                i64::from(crate::abi::STATUS_EXCEPTION),
            );
            let record = self.branch_out_of_line(is_exception, true);
            self.return_status(status);
            self.b.switch_to_block(record);
            self.record_frame(offset);
            self.return_status(status);
        }
        if let Some(slots) = self.call_slots {
            self.b.func.sized_stack_slots[slots].size = self.call_slots_size;
        }
        self.b.seal_all_blocks();
        self.b.finalize(self.env.frontend_config);
    }

    // ---- the operand stack ----

    pub(crate) fn push(&mut self, value: Value) {
        self.stack.push(value);
    }

    pub(crate) fn pop(&mut self) -> Value {
        self.stack.pop().expect("validated operand stack")
    }

    /// Pops two operands, the deeper one first.
    pub(crate) fn pop2(&mut self) -> (Value, Value) {
        let rhs = self.pop();
        let lhs = self.pop();
        (lhs, rhs)
    }

    /// Pops three operands, the deepest one first.
    pub(crate) fn pop3(&mut self) -> (Value, Value, Value) {
        let third = self.pop();
        let (first, second) = self.pop2();
        (first, second, third)
    }

    pub(crate) fn peek(&self) -> Value {
        *self.stack.last().expect("validated operand stack")
    }

    /// The top `n` operands, deepest first.
    pub(crate) fn peekn(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    fn select(&mut self) {
        let cond = self.pop();
        let (if_true, if_false) = self.pop2();
        let value = self.b.ins().select(cond, if_true, if_false);
        self.push(value);
    }

    // ---- small helpers ----

    pub(crate) fn pointer(&self) -> Type {
        self.env.pointer_type
    }

    pub(crate) fn value_type(&self, value: Value) -> Type {
        self.b.func.dfg.value_type(value)
    }

    /// The zero of a supported value type.
    pub(crate) fn zero(&mut self, ty: Type) -> Value {
        match ty {
            types::F32 => self.b.ins().f32const(0.0),
            types::F64 => self.b.ins().f64const(0.0),
            ty if ty.is_vector() => self.v128_const(0),
            _ => self.b.ins().iconst(ty, 0),
        }
    }

    /// An `i32` or `i64` operand as a 64-bit integer: zero-extended if it is an `i32` (the
    /// interpreter reads 32-bit addresses, table indices and lengths that way).
    pub(crate) fn extend_u64(&mut self, value: Value) -> Value {
        if self.value_type(value) == types::I64 {
            value
        } else {
            self.b.ins().uextend(types::I64, value)
        }
    }

    /// The 64-bit slot image of a value: integers zero-extended, floats as their bits.
    pub(crate) fn encode_slot(&mut self, value: Value) -> Value {
        match self.value_type(value) {
            types::I32 => self.b.ins().uextend(types::I64, value),
            types::F32 => {
                let bits = self.b.ins().bitcast(types::I32, MemFlagsData::new(), value);
                self.b.ins().uextend(types::I64, bits)
            }
            types::F64 => self.b.ins().bitcast(types::I64, MemFlagsData::new(), value),
            _ => value,
        }
    }

    /// The value of type `ty` held in 64-bit slot image `raw`.
    pub(crate) fn decode_slot(&mut self, ty: Type, raw: Value) -> Value {
        match ty {
            types::I32 => self.b.ins().ireduce(types::I32, raw),
            types::F32 => {
                let bits = self.b.ins().ireduce(types::I32, raw);
                self.b.ins().bitcast(types::F32, MemFlagsData::new(), bits)
            }
            types::F64 => self.b.ins().bitcast(types::F64, MemFlagsData::new(), raw),
            _ => raw,
        }
    }

    /// Reads a value of type `ty` from the value slots at `base + offset`: a scalar or
    /// reference from one slot, a `v128` from two (low half first, which is the little-endian
    /// order of its bytes).
    pub(crate) fn load_slots(&mut self, ty: Type, base: Value, offset: i32) -> Value {
        if ty.is_vector() {
            self.b.ins().load(ty, simd::slot_flags(), base, offset)
        } else {
            let raw = self.b.ins().load(types::I64, vm_flags(), base, offset);
            self.decode_slot(ty, raw)
        }
    }

    /// Writes `value` to the value slots at `base + offset`, in the layout
    /// [`FuncTranslator::load_slots`] reads.
    pub(crate) fn store_slots(&mut self, value: Value, base: Value, offset: i32) {
        if self.value_type(value).is_vector() {
            self.b.ins().store(simd::slot_flags(), value, base, offset);
        } else {
            let raw = self.encode_slot(value);
            self.b.ins().store(vm_flags(), raw, base, offset);
        }
    }

    /// Stores `value` at slot index `slot` of the slots at `base` and returns how many slots
    /// it took.
    pub(crate) fn store_value_at(&mut self, value: Value, base: Value, slot: usize) -> usize {
        self.store_slots(value, base, slot_offset(slot));
        slot_count(self.value_type(value))
    }

    /// Records this frame for the backtrace (see [`crate::backtrace`]): it leaves with a
    /// non-zero status at the operator at wasm offset `offset`.
    fn record_frame(&mut self, offset: Value) {
        let pointer = self.pointer();
        let owner = self.b.ins().iconst(pointer, self.env.frame_owner as i64);
        let func_index = self.b.ins().iconst(types::I32, i64::from(self.func_index));
        self.call_native(
            crate::backtrace::record_frame as *const () as usize,
            &[owner, func_index, offset],
            &[],
        );
    }

    /// The wasm offset of the operator being translated, as a block argument.
    pub(crate) fn offset_arg(&mut self) -> ir::BlockArg {
        let offset = self.b.ins().iconst(types::I32, i64::from(self.offset));
        ir::BlockArg::Value(offset)
    }

    /// Continues in a new block if `cond` is zero, else leaves with trap `code`.
    pub(crate) fn trap_if(&mut self, cond: Value, code: TrapCode) {
        let trap = self.trap_block(code);
        self.leave_if(cond, trap, None);
    }

    /// Continues in a new block if `cond` is zero, else jumps to the exit block `exit` with
    /// `status` (if given) and the wasm offset of the operator being translated. The jump
    /// goes through a cold block of its own, so the offset is only materialized off the hot
    /// path.
    fn leave_if(&mut self, cond: Value, exit: Block, status: Option<Value>) {
        let site = self.branch_out_of_line(cond, false);
        let next = self.b.current_block().expect("continuing after the branch");
        self.b.switch_to_block(site);
        let mut args: Vec<ir::BlockArg> = status.map(ir::BlockArg::Value).into_iter().collect();
        args.push(self.offset_arg());
        self.b.ins().jump(exit, &args);
        self.b.switch_to_block(next);
    }

    /// Branches on `cond` to a new block laid out of line when it is non-zero (with
    /// `when_zero`, when it is zero) and continues in another new block; returns the
    /// out-of-line block, empty, for the caller to fill. This branch is the only predecessor
    /// of both, which are sealed.
    pub(crate) fn branch_out_of_line(&mut self, cond: Value, when_zero: bool) -> Block {
        let cold = self.b.create_block();
        self.b.set_cold_block(cold);
        let next = self.b.create_block();
        if when_zero {
            self.b.ins().brif(cond, next, &[], cold, &[]);
        } else {
            self.b.ins().brif(cond, cold, &[], next, &[]);
        }
        self.b.seal_block(cold);
        self.b.seal_block(next);
        self.b.switch_to_block(next);
        cold
    }

    /// Continues in a new block if `value` is not zero, else leaves with trap `code`.
    pub(crate) fn trap_if_zero(&mut self, value: Value, code: TrapCode) {
        let is_zero = self
            .b
            .ins()
            .icmp_imm_u(ir::condcodes::IntCC::Equal, value, 0);
        self.trap_if(is_zero, code);
    }

    /// Leaves with trap `code`; what follows is unreachable.
    pub(crate) fn trap(&mut self, code: TrapCode) {
        let trap = self.trap_block(code);
        let offset = self.offset_arg();
        self.b.ins().jump(trap, &[offset]);
        self.reachable = false;
    }

    fn trap_block(&mut self, code: TrapCode) -> Block {
        if let Some(&(_, block)) = self.trap_blocks.iter().find(|(c, _)| *c == code) {
            return block;
        }
        let block = self.b.create_block();
        self.b.append_block_param(block, types::I32);
        self.b.set_cold_block(block);
        self.trap_blocks.push((code, block));
        block
    }

    /// The block that returns its parameter as the function's status.
    pub(crate) fn status_exit(&mut self) -> Block {
        match self.status_block {
            Some(block) => block,
            None => {
                let block = self.b.create_block();
                self.b.append_block_param(block, types::I32);
                self.b.append_block_param(block, types::I32);
                self.b.set_cold_block(block);
                self.status_block = Some(block);
                block
            }
        }
    }

    /// Returns `status` from the function at once unless it is zero.
    pub(crate) fn propagate_status(&mut self, status: Value) {
        let exit = self.status_exit();
        self.leave_if(status, exit, Some(status));
    }

    /// The address of a scratch area of at least `slots` value slots in the frame.
    pub(crate) fn call_slots(&mut self, slots: usize) -> Value {
        let size = (slots.max(1) * size_of::<u64>()) as u32;
        self.call_slots_size = self.call_slots_size.max(size);
        let slot = *self.call_slots.get_or_insert_with(|| {
            self.b.create_sized_stack_slot(ir::StackSlotData::new(
                ir::StackSlotKind::ExplicitSlot,
                size,
                3,
            ))
        });
        self.b.ins().stack_addr(self.env.pointer_type, slot, 0)
    }

    /// A signature in the helpers' calling convention, imported once per shape.
    pub(crate) fn signature(&mut self, params: &[Type], returns: &[Type]) -> SigRef {
        self.signature_in(self.env.call_conv, params, returns)
    }

    /// A signature in `call_conv`, imported once per shape.
    pub(crate) fn signature_in(
        &mut self,
        call_conv: CallConv,
        params: &[Type],
        returns: &[Type],
    ) -> SigRef {
        if let Some(&(_, _, _, sig)) = self
            .signatures
            .iter()
            .find(|(c, p, r, _)| *c == call_conv && p == params && r == returns)
        {
            return sig;
        }
        let mut signature = Signature::new(call_conv);
        signature
            .params
            .extend(params.iter().map(|&ty| AbiParam::new(ty)));
        signature
            .returns
            .extend(returns.iter().map(|&ty| AbiParam::new(ty)));
        let sig = self.b.import_signature(signature);
        self.signatures
            .push((call_conv, params.to_vec(), returns.to_vec(), sig));
        sig
    }

    /// Calls the native function at `address` (the call helper or a built-in) in the host's C
    /// calling convention, with arguments of the types of `args` and results of `returns`.
    pub(crate) fn call_native(
        &mut self,
        address: usize,
        args: &[Value],
        returns: &[Type],
    ) -> Vec<Value> {
        let params: Vec<Type> = args.iter().map(|&arg| self.value_type(arg)).collect();
        let sig = self.signature(&params, returns);
        let pointer = self.pointer();
        let callee = self.b.ins().iconst(pointer, address as i64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call).to_vec()
    }

    /// Returns success and the function's results: in the value slots, or as return values.
    pub(crate) fn emit_return(&mut self, results: &[Variable]) {
        let ok = self
            .b
            .ins()
            .iconst(types::I32, i64::from(crate::abi::STATUS_OK));
        match self.values.or(self.results_out) {
            Some(values) => {
                let mut slot = 0;
                for &var in results {
                    let value = self.b.use_var(var);
                    slot += self.store_value_at(value, values, slot);
                }
                self.b.ins().return_(&[ok]);
            }
            None => {
                let mut returns = vec![ok];
                returns.extend(results.iter().map(|&var| self.b.use_var(var)));
                self.b.ins().return_(&returns);
            }
        }
    }

    /// Returns the non-zero `status`; the results of a wasm-call function are then zeros,
    /// which nobody reads.
    pub(crate) fn return_status(&mut self, status: Value) {
        if self.values.is_some() || self.results_out.is_some() {
            self.b.ins().return_(&[status]);
            return;
        }
        let mut returns = vec![status];
        for ty in self.result_types.clone() {
            returns.push(self.zero(ty));
        }
        self.b.ins().return_(&returns);
    }
}
