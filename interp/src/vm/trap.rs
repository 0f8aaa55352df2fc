//! The one trap model both tiers share.

use std::fmt;

/// Why WebAssembly execution stopped abnormally.
///
/// The `Display` text of each code is the message the official spec testsuite expects, so
/// `assert_trap` checks compare the texts directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum TrapCode {
    /// An `unreachable` instruction was executed.
    Unreachable,
    /// Signed integer division or truncation overflowed.
    IntegerOverflow,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// A float-to-int conversion of NaN or of a value out of the target's range.
    BadConversionToInteger,
    /// A linear-memory access outside the memory's current size.
    MemoryOutOfBounds,
    /// A table access outside the table's current size.
    TableOutOfBounds,
    /// `call_indirect` reached a null table element.
    IndirectCallToNull,
    /// `call_indirect` indexed past the end of its table.
    UndefinedElement,
    /// `call_indirect` reached a function of another signature.
    BadSignature,
    /// A null reference was dereferenced (for example by `call_ref`).
    NullReference,
    /// The wasm call stack exceeded `Config::max_wasm_stack`.
    StackOverflow,
    /// The store ran out of fuel.
    OutOfFuel,
    /// The epoch deadline passed.
    Interrupt,
    /// A memory access that must be aligned (atomics) was not.
    UnalignedAtomic,
    /// `memory.atomic.wait` on a memory that is not shared.
    AtomicWaitNonSharedMemory,
    /// A GC array access outside the array.
    ArrayOutOfBounds,
    /// A GC allocation larger than the heap allows.
    AllocationTooLarge,
    /// `ref.cast` of a value not of the target type.
    CastFailure,
}

impl TrapCode {
    /// The spec testsuite's text for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::IntegerDivisionByZero => "integer divide by zero",
            TrapCode::BadConversionToInteger => "invalid conversion to integer",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::IndirectCallToNull => "uninitialized element",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::BadSignature => "indirect call type mismatch",
            TrapCode::NullReference => "null reference",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::OutOfFuel => "all fuel consumed by WebAssembly",
            TrapCode::Interrupt => "interrupt",
            TrapCode::UnalignedAtomic => "unaligned atomic",
            TrapCode::AtomicWaitNonSharedMemory => "expected shared memory",
            TrapCode::ArrayOutOfBounds => "out of bounds array access",
            TrapCode::AllocationTooLarge => "allocation size too large",
            TrapCode::CastFailure => "cast failure",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for TrapCode {}
