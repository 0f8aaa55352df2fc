//! The VM ABI both tiers share: instance context, function entries, memories, tables, traps.

pub mod ctx;
pub mod exception;
pub mod gc;
pub mod memory;
pub mod objects;
pub mod parking;
pub mod table;
pub mod trap;
pub mod types;

pub use ctx::*;
pub use exception::Exception;
pub use memory::{GUARD_SIZE, LinearMemory, MemoryError, Reservation, WASM_PAGE_SIZE};
pub use table::{TableData, TableError};
pub use trap::TrapCode;
pub use types::{TypeInfo, TypeRegistry};
