//! Errors and traps.

use std::fmt;

pub use tandem_interp::TrapCode;
pub use tandem_interp::exec::FrameInfo;
pub use tandem_interp::module::CompileError;

use crate::types::ExternType;

/// `Result` with tandem's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in tandem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The module is malformed or invalid (with the byte offset).
    #[error("failed to compile module: {0}")]
    Compile(#[from] CompileError),
    /// An import could not be satisfied.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// Instantiation failed for a reason other than a trap.
    #[error("instantiation failed: {0}")]
    Instantiation(String),
    /// WebAssembly trapped, or a host function failed while called from WebAssembly.
    #[error(transparent)]
    Trap(#[from] Trap),
    /// A wasm exception that no handler caught.
    #[error("{0}")]
    Exception(Box<crate::tag::ThrownException>),
    /// The guest asked to exit the process (WASI `proc_exit`) with this code.
    #[error("exited with code {0}")]
    Exit(i32),
    /// An error returned by a host function.
    #[error(transparent)]
    Host(Box<dyn std::error::Error + Send + Sync>),
    /// Misuse of the API: wrong argument count or types, immutable global, and the like.
    #[error("{0}")]
    Msg(String),
}

impl Error {
    /// An error with a message.
    pub fn msg(message: impl Into<String>) -> Self {
        Error::Msg(message.into())
    }

    /// Wraps any error, for host functions that fail.
    pub fn host(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Host(Box::new(error))
    }

    /// The trap code, if this is a wasm trap.
    pub fn trap_code(&self) -> Option<TrapCode> {
        self.as_trap().and_then(Trap::code)
    }

    /// The trap, if this is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }

    /// The exit code, if the guest exited.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Error::Exit(code) => Some(*code),
            Error::Trap(Trap {
                reason: TrapReason::Host(inner),
                ..
            }) => inner.exit_code(),
            _ => None,
        }
    }
}

impl From<MemoryAccessError> for Error {
    fn from(e: MemoryAccessError) -> Self {
        Error::msg(e.to_string())
    }
}

/// Why an import could not be satisfied.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// Nothing was defined under the import's name.
    #[error("unknown import: `{module}::{name}` has not been defined")]
    UnknownImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// The definition has another type.
    #[error("incompatible import type for `{module}::{name}`: expected {expected}, found {found}")]
    IncompatibleImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// The type the module asks for.
        expected: Box<ExternType>,
        /// The type of what was given.
        found: Box<ExternType>,
    },
    /// The number of imports given differs from the module's.
    #[error("expected {expected} imports, found {found}")]
    ImportCount {
        /// Imports of the module.
        expected: usize,
        /// Imports given.
        found: usize,
    },
}

/// What stopped execution.
#[derive(Debug)]
pub enum TrapReason {
    /// A wasm trap.
    Code(TrapCode),
    /// A host function called from wasm failed.
    Host(Box<Error>),
}

/// A wasm trap (or host failure inside wasm), with the wasm backtrace.
#[derive(Debug)]
pub struct Trap {
    pub(crate) reason: TrapReason,
    pub(crate) backtrace: Vec<FrameInfo>,
}

impl Trap {
    /// A trap with no backtrace.
    pub fn new(code: TrapCode) -> Self {
        Trap {
            reason: TrapReason::Code(code),
            backtrace: Vec::new(),
        }
    }

    /// The trap code; `None` if a host function failed.
    pub fn code(&self) -> Option<TrapCode> {
        match self.reason {
            TrapReason::Code(code) => Some(code),
            TrapReason::Host(_) => None,
        }
    }

    /// What stopped execution.
    pub fn reason(&self) -> &TrapReason {
        &self.reason
    }

    /// The wasm frames, innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.backtrace
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message: &dyn fmt::Display = match &self.reason {
            TrapReason::Code(code) => code,
            TrapReason::Host(error) => error,
        };
        if self.backtrace.is_empty() {
            return write!(f, "{message}");
        }
        writeln!(f, "error while executing at wasm backtrace:")?;
        for (i, frame) in self.backtrace.iter().enumerate() {
            write!(f, "  {i:>3}: ")?;
            match frame.wasm_offset {
                Some(offset) => write!(f, "{offset:#6x} - ")?,
                None => f.write_str("       - ")?,
            }
            if let Some(module) = &frame.module_name {
                write!(f, "{module}!")?;
            } else {
                f.write_str("<unknown>!")?;
            }
            match &frame.func_name {
                Some(name) => writeln!(f, "{name}")?,
                None => writeln!(f, "<wasm function {}>", frame.func_index)?,
            }
        }
        write!(f, "\nCaused by:\n    {message}")
    }
}

impl std::error::Error for Trap {}

/// An out-of-bounds access to a memory from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("out of bounds memory access")]
pub struct MemoryAccessError {
    pub(crate) _private: (),
}

impl Error {
    /// The error, which stopped wasm code below `frames` (its callers' frames, innermost
    /// first), with those frames added to its backtrace: a trap keeps its reason, another
    /// failure becomes a trap whose reason it is, and an exit request passes unchanged.
    pub(crate) fn with_outer_frames(self, frames: Vec<FrameInfo>) -> Error {
        match self {
            error if frames.is_empty() => error,
            Error::Trap(mut trap) => {
                trap.backtrace.extend(frames);
                Error::Trap(trap)
            }
            error @ Error::Exit(_) => error,
            error => Error::Trap(Trap {
                reason: TrapReason::Host(Box::new(error)),
                backtrace: frames,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_stay_small() {
        // Host functions return `Result<_, Error>`; a large error makes every call slower and
        // trips clippy's `result_large_err` in embedders.
        assert!(
            size_of::<super::Error>() <= 64,
            "Error grew to {} bytes",
            size_of::<super::Error>()
        );
    }
}
