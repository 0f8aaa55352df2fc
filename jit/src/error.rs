//! Why a function could not be compiled.

/// Why the Cranelift tier did not compile a function. Every variant leaves the function to the
/// interpreter; none of them means the module is invalid (it was validated before).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JitError {
    /// The body uses an operator, type or feature this tier does not compile yet (the payload
    /// names it, for example `V128Load` or `memory64`).
    #[error("not supported by the Cranelift tier: {0}")]
    Unsupported(String),
    /// [`crate::JitCompiler::compile_osr`] cannot start at the requested place: there is no
    /// `loop` at that offset of the function's body, or the loop is unreachable, has
    /// parameters or has values on the operand stack below it (the payload says which). The
    /// function may still be compilable with [`crate::JitCompiler::compile`].
    #[error("no OSR entry here: {0}")]
    OsrUnsupported(String),
    /// The module defines no function with this index.
    #[error("the module defines no function with index {0}")]
    NoSuchFunction(u32),
    /// The function body could not be read.
    #[error("malformed function body: {0}")]
    Wasm(String),
    /// Cranelift rejected or failed to compile the generated code.
    #[error("code generation failed: {0}")]
    Codegen(String),
    /// The host cannot run code Cranelift generates (unsupported architecture or features).
    #[error("the host cannot run Cranelift code: {0}")]
    Host(String),
}

impl From<wasmparser::BinaryReaderError> for JitError {
    fn from(error: wasmparser::BinaryReaderError) -> Self {
        JitError::Wasm(error.to_string())
    }
}

impl From<cranelift_module::ModuleError> for JitError {
    fn from(error: cranelift_module::ModuleError) -> Self {
        JitError::Codegen(error.to_string())
    }
}
