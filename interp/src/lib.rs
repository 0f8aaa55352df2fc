//! tandem-interp: the register-bytecode interpreter of tandem and the VM ABI both of its tiers
//! share.
//!
//! - [`isa`]: the bytecode, defined once by [`for_each_op!`].
//! - [`lower`]: one-pass translation of validated wasm function bodies into bytecode.
//! - [`exec`]: the executor.
//! - [`vm`]: `VmCtx`, function entries, memories, tables, globals and [`TrapCode`].
//! - [`module`]: validated module metadata and lazily translated code.

pub mod exec;
pub mod isa;
pub mod lower;
pub mod module;
pub mod vm;

pub use vm::TrapCode;
