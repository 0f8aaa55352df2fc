//! Structured control flow: `block`, `loop`, `if`/`else`, `end`, the branches and `return`
//! (`try_table`'s handlers are in [`super::exception`]).
//!
//! Each frame has a block for the code after its `end` and one variable per result; a `loop`
//! also has its header block and one variable per parameter. A branch assigns the carried
//! operands to the target's variables and jumps; the target reads them back with `use_var`,
//! which becomes a block parameter only where several definitions meet. `br_table` needs no
//! split edges this way: the variables of every target are assigned before the one jump.

use cranelift_codegen::ir::{Block, InstBuilder, JumpTableData, Type, Value};
use cranelift_frontend::Variable;
use wasmparser::{BlockType, BrTable, Catch};

use super::{FuncTranslator, Result, clif_type, clif_types};

/// What kind of construct a frame is.
pub(crate) enum FrameKind {
    /// The function body; its `end` returns.
    Function,
    /// `block`: branches go to the end.
    Block,
    /// `loop`: branches go back to the header, with the loop's parameters.
    Loop {
        header: Block,
        params: Vec<Variable>,
    },
    /// `if`: the `else` arm starts at `else_block` with the parameters the `if` received.
    If {
        else_block: Block,
        else_params: Vec<Value>,
        has_else: bool,
    },
    /// `try_table`: as `block` for branches; exceptions raised inside go to `handler`, which
    /// is created on the first and filled at the `end` with the `catches`.
    TryTable {
        catches: Vec<Catch>,
        handler: Option<Block>,
    },
}

/// An open control construct.
pub(crate) struct ControlFrame {
    pub(super) kind: FrameKind,
    /// The code after the `end`.
    next: Block,
    /// The frame's results, assigned by every path that reaches `next`.
    results: Vec<Variable>,
    /// Operand stack height below the frame's parameters.
    height: usize,
    /// Whether any path reaches `next`.
    next_reachable: bool,
}

impl ControlFrame {
    /// The frame of the function body, whose end is the `exit` block.
    pub(crate) fn function(exit: Block, results: Vec<Variable>) -> Self {
        ControlFrame {
            kind: FrameKind::Function,
            next: exit,
            results,
            height: 0,
            next_reachable: false,
        }
    }
}

impl FuncTranslator<'_, '_> {
    /// Parameter and result types of a block type.
    fn block_signature(&self, ty: BlockType) -> Result<(Vec<Type>, Vec<Type>)> {
        match ty {
            BlockType::Empty => Ok((Vec::new(), Vec::new())),
            BlockType::Type(ty) => Ok((Vec::new(), vec![clif_type(ty)?])),
            BlockType::FuncType(index) => {
                let ty = self.info.type_at(index);
                Ok((clif_types(ty.params())?, clif_types(ty.results())?))
            }
        }
    }

    fn declare_vars(&mut self, types: &[Type]) -> Vec<Variable> {
        types.iter().map(|&ty| self.b.declare_var(ty)).collect()
    }

    /// Assigns the top `vars.len()` operands to `vars`, leaving the stack as it is.
    pub(super) fn assign_from_stack(&mut self, vars: &[Variable]) {
        let values = self.peekn(vars.len()).to_vec();
        for (&var, value) in vars.iter().zip(values) {
            self.b.def_var(var, value);
        }
    }

    pub(super) fn block(&mut self, ty: BlockType) -> Result<()> {
        self.open_block(ty, FrameKind::Block)
    }

    /// Opens a frame of `kind` that branches leave by its end: a `block` or a `try_table`.
    pub(super) fn open_block(&mut self, ty: BlockType, kind: FrameKind) -> Result<()> {
        let (params, results) = self.block_signature(ty)?;
        let next = self.b.create_block();
        let results = self.declare_vars(&results);
        self.controls.push(ControlFrame {
            kind,
            next,
            results,
            height: self.stack.len() - params.len(),
            next_reachable: false,
        });
        Ok(())
    }

    pub(super) fn loop_(&mut self, ty: BlockType) -> Result<()> {
        let (params, results) = self.block_signature(ty)?;
        // The OSR target's header exists already: the entry block jumps to it.
        let header = match self.osr_header() {
            Some(header) => header,
            None => self.b.create_block(),
        };
        let next = self.b.create_block();
        let param_vars = self.declare_vars(&params);
        let results = self.declare_vars(&results);
        self.assign_from_stack(&param_vars);
        self.stack.truncate(self.stack.len() - params.len());
        self.loop_entry();
        self.b.ins().jump(header, &[]);
        // The header stays unsealed until the loop's `end`: back edges are still to come.
        self.b.switch_to_block(header);
        self.hand_over_at_loop();
        let height = self.stack.len();
        for &var in &param_vars {
            let value = self.b.use_var(var);
            self.push(value);
        }
        self.controls.push(ControlFrame {
            kind: FrameKind::Loop {
                header,
                params: param_vars,
            },
            next,
            results,
            height,
            next_reachable: false,
        });
        Ok(())
    }

    pub(super) fn if_(&mut self, ty: BlockType) -> Result<()> {
        let (params, results) = self.block_signature(ty)?;
        let cond = self.pop();
        let then_block = self.b.create_block();
        let else_block = self.b.create_block();
        let next = self.b.create_block();
        self.b.ins().brif(cond, then_block, &[], else_block, &[]);
        // Both arms are entered only from here.
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);
        self.b.switch_to_block(then_block);
        let results = self.declare_vars(&results);
        self.controls.push(ControlFrame {
            kind: FrameKind::If {
                else_block,
                else_params: self.peekn(params.len()).to_vec(),
                has_else: false,
            },
            next,
            results,
            height: self.stack.len() - params.len(),
            next_reachable: false,
        });
        Ok(())
    }

    pub(super) fn else_(&mut self) {
        let reachable = self.reachable;
        let mut frame = self.controls.pop().expect("validated control stack");
        if reachable {
            self.assign_from_stack(&frame.results);
            self.b.ins().jump(frame.next, &[]);
            frame.next_reachable = true;
        }
        self.stack.truncate(frame.height);
        let FrameKind::If {
            else_block,
            ref else_params,
            ref mut has_else,
        } = frame.kind
        else {
            unreachable!("validated `else` closes an `if`");
        };
        *has_else = true;
        self.stack.extend_from_slice(else_params);
        self.b.switch_to_block(else_block);
        // A frame exists only for an `if` whose head was reachable, so its `else` arm is too.
        self.reachable = true;
        self.controls.push(frame);
    }

    pub(super) fn end(&mut self) {
        let mut frame = self.controls.pop().expect("validated control stack");
        if self.reachable {
            self.assign_from_stack(&frame.results);
            self.b.ins().jump(frame.next, &[]);
            frame.next_reachable = true;
        }
        match frame.kind {
            FrameKind::If {
                else_block,
                ref else_params,
                has_else: false,
            } => {
                // Without `else`, the false arm passes the parameters on as the results.
                self.b.switch_to_block(else_block);
                for (&var, &value) in frame.results.iter().zip(else_params) {
                    self.b.def_var(var, value);
                }
                self.b.ins().jump(frame.next, &[]);
                frame.next_reachable = true;
            }
            FrameKind::Loop { header, .. } => self.b.seal_block(header),
            FrameKind::TryTable {
                ref catches,
                handler: Some(handler),
            } => self.fill_handler(handler, catches),
            _ => {}
        }
        self.stack.truncate(frame.height);
        self.reachable = frame.next_reachable;
        if !frame.next_reachable {
            return;
        }
        self.b.switch_to_block(frame.next);
        self.b.seal_block(frame.next);
        if let FrameKind::Function = frame.kind {
            self.emit_return(&frame.results);
            self.reachable = false;
            return;
        }
        for &var in &frame.results {
            let value = self.b.use_var(var);
            self.push(value);
        }
    }

    /// The block a branch to `depth` jumps to and the variables it assigns first; records
    /// that the target's end is reached.
    pub(super) fn branch_target(&mut self, depth: u32) -> (Block, Vec<Variable>) {
        let index = self.controls.len() - 1 - depth as usize;
        let frame = &mut self.controls[index];
        match &frame.kind {
            FrameKind::Loop { header, params } => (*header, params.clone()),
            _ => {
                frame.next_reachable = true;
                (frame.next, frame.results.clone())
            }
        }
    }

    pub(super) fn br(&mut self, depth: u32) {
        let (target, vars) = self.branch_target(depth);
        self.assign_from_stack(&vars);
        self.b.ins().jump(target, &[]);
        self.reachable = false;
    }

    pub(super) fn br_if(&mut self, depth: u32) {
        let cond = self.pop();
        self.branch_if(depth, cond);
    }

    /// `br_on_null`: branches to `depth` (without the reference) when the reference on top
    /// is null, and goes on with it otherwise.
    pub(super) fn br_on_null(&mut self, depth: u32) {
        let reference = self.pop();
        let is_null =
            self.b
                .ins()
                .icmp_imm_u(cranelift_codegen::ir::condcodes::IntCC::Equal, reference, 0);
        self.branch_if(depth, is_null);
        self.push(reference);
    }

    /// `br_on_non_null`: branches to `depth` with the reference as the label's last value
    /// when it is not null, and goes on without it otherwise.
    pub(super) fn br_on_non_null(&mut self, depth: u32) {
        let reference = self.peek();
        self.branch_if(depth, reference);
        self.pop();
    }

    /// Branches to `depth` with the label's values on top of the stack when `cond` is
    /// non-zero, and goes on in a new block otherwise.
    pub(super) fn branch_if(&mut self, depth: u32, cond: Value) {
        let (target, vars) = self.branch_target(depth);
        self.assign_from_stack(&vars);
        let next = self.b.create_block();
        self.b.ins().brif(cond, target, &[], next, &[]);
        self.b.seal_block(next);
        self.b.switch_to_block(next);
    }

    pub(super) fn br_table(&mut self, targets: &BrTable<'_>) -> Result<()> {
        let index = self.pop();
        let depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        let mut assigned: Vec<u32> = Vec::new();
        let mut blocks = Vec::with_capacity(depths.len());
        for &depth in depths.iter().chain([targets.default()].iter()) {
            let (target, vars) = self.branch_target(depth);
            if !assigned.contains(&depth) {
                self.assign_from_stack(&vars);
                assigned.push(depth);
            }
            blocks.push(target);
        }
        let default = blocks.pop().expect("the default target");
        let pool = &mut self.b.func.dfg;
        let default = pool.block_call(default, &[]);
        let table: Vec<_> = blocks
            .into_iter()
            .map(|block| pool.block_call(block, &[]))
            .collect();
        let table = self
            .b
            .create_jump_table(JumpTableData::new(default, &table));
        self.b.ins().br_table(index, table);
        self.reachable = false;
        Ok(())
    }

    pub(super) fn return_(&mut self) {
        self.br(self.controls.len() as u32 - 1);
    }
}
