//! The translator's control-flow frames.

use smallvec::SmallVec;

use super::Types;

/// What opened a control frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ControlKind {
    /// The function body.
    Func,
    /// `block`.
    Block,
    /// `loop`: branches go back to its header.
    Loop,
    /// `if` before its `else`.
    If,
    /// The `else` arm.
    Else,
}

/// One open block.
#[derive(Debug)]
pub(super) struct Control {
    pub kind: ControlKind,
    /// Operand-stack length below the block's parameters.
    pub height: usize,
    /// Canonical register of the block's first parameter/result.
    pub start_slot: u16,
    pub params: Types,
    pub results: Types,
    /// The loop header, for loops.
    pub header: Option<usize>,
    /// Forward branches to patch with the block's end.
    pub patches: SmallVec<[usize; 4]>,
    /// The `if`'s conditional branch to its `else` arm, until bound.
    pub else_branch: Option<usize>,
    /// Code from here to the block's end cannot run.
    pub unreachable: bool,
    /// For `try_table`: where its body starts and its catch clauses.
    pub catches: Option<(usize, Vec<super::CatchClause>)>,
}

impl Control {
    pub fn new(
        kind: ControlKind,
        height: usize,
        start_slot: u16,
        params: Types,
        results: Types,
    ) -> Self {
        Control {
            kind,
            height,
            start_slot,
            params,
            results,
            header: None,
            patches: SmallVec::new(),
            else_branch: None,
            unreachable: false,
            catches: None,
        }
    }

    /// The values a branch to this block carries.
    pub fn branch_types(&self) -> &[wasmparser::ValType] {
        match self.kind {
            ControlKind::Loop => &self.params,
            _ => &self.results,
        }
    }
}
