//! The runtimes under comparison, behind one trait so the driver treats them alike.
//!
//! Every measurement starts from the module's bytes and an engine that already
//! exists: engine set-up is a once-per-process cost that none of the phases include.

mod tandem;
mod wasmi;
mod wasmtime;

use std::time::Duration;

pub use self::tandem::{Tandem, Variant};
pub use self::wasmi::Wasmi;
pub use self::wasmtime::Wasmtime;

/// Errors from any of the runtimes: their error types differ, but all convert into
/// this.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T, E = BoxError> = std::result::Result<T, E>;

/// One compile, instantiate and `run(n)` of a workload.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub compile: Duration,
    pub instantiate: Duration,
    pub execute: Duration,
    pub checksum: i64,
    /// What tandem's Cranelift tier compiled; `None` for the other runtimes.
    pub native: Option<Native>,
}

/// What tandem's Cranelift tier had compiled by the end of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Native {
    /// The module's functions with native code (compiled up front, or on tier-up).
    pub functions: usize,
    /// Loop headers compiled during the run so a running call could continue in native
    /// code (on-stack replacement), each for one loop.
    pub loop_entries: usize,
    /// Running calls that moved into native code at a loop header during the run, through
    /// their function's code or an entry compiled for the loop.
    pub loop_transfers: usize,
}

/// How a module is compiled, for the translation micro-benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileMode {
    /// The runtime's default: tandem and wasmi validate up front and translate each
    /// function on its first call.
    Default,
    /// Every function translated while the module is compiled.
    Eager,
}

pub trait Runtime {
    /// The name used on the command line and in reports.
    fn name(&self) -> &'static str;

    /// Compiles `wasm`, instantiates it without imports and calls `run(arg)`, timing
    /// each phase separately.
    fn run_workload(&self, wasm: &[u8], arg: i32) -> Result<Sample>;

    /// Whether the runtime runs native code (a JIT); the others are interpreters, the
    /// only runtimes in the `x/wasmi` ratios.
    fn is_native(&self) -> bool {
        false
    }

    /// Whether [`CompileMode::Eager`] differs from the default compile.
    fn has_eager_mode(&self) -> bool {
        true
    }

    /// Times only the compilation of `wasm` in `mode`.
    fn compile(&self, wasm: &[u8], mode: CompileMode) -> Result<Duration>;

    /// Instantiates the micro-benchmark module (see [`crate::workloads::MICRO_WAT`])
    /// and times `calls` typed calls of its `add(i32, i32) -> i32` from the host.
    fn host_to_wasm_calls(&self, wasm: &[u8], calls: u32) -> Result<Duration>;

    /// Instantiates the micro-benchmark module and times one call of
    /// `call_host(calls)`, a wasm loop that calls the imported host function `calls`
    /// times.
    fn wasm_to_host_calls(&self, wasm: &[u8], calls: u32) -> Result<Duration>;
}

/// Every runtime name the command line accepts, in the default order: the
/// interpreters, then the runtimes that run native code.
pub const NAMES: &[&str] = &[
    "tandem",
    "wasmi",
    "pulley",
    "tandem-fuel",
    "tandem-cranelift",
    "tandem-tiered",
    "wasmtime",
];

/// Creates the runtime called `name`.
pub fn by_name(name: &str) -> Result<Box<dyn Runtime>> {
    Ok(match name {
        "tandem" => Box::new(Tandem::new(Variant::Interpreter)?),
        "tandem-fuel" => Box::new(Tandem::new(Variant::Fuel)?),
        "tandem-cranelift" => Box::new(Tandem::new(Variant::Cranelift)?),
        "tandem-tiered" => Box::new(Tandem::new(Variant::Tiered)?),
        "wasmi" => Box::new(Wasmi::new()),
        "pulley" => Box::new(Wasmtime::pulley()?),
        "wasmtime" => Box::new(Wasmtime::native()?),
        other => {
            return Err(format!(
                "unknown runtime `{other}` (expected one of {})",
                NAMES.join(", ")
            )
            .into());
        }
    })
}

/// Checks a checksum returned by the micro-benchmark module.
fn expect(what: &str, got: i64, want: i64) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what} returned {got}, expected {want}").into())
    }
}
