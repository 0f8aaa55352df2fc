//! Engine configuration.

use std::sync::Arc;

use wasmparser::WasmFeatures;

use crate::error::{Error, Result};

/// How functions are executed.
///
/// The default is [`Strategy::Tiered`] when tandem is built with its `jit` feature (the
/// default) for x86_64 or aarch64 and the host lets it map executable memory, and
/// [`Strategy::Interpreter`] otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// The register-bytecode interpreter only; no executable memory is ever mapped.
    Interpreter,
    /// Compile every function with Cranelift when the module is compiled (those that
    /// [`Config::cranelift_filter`] rejects run on the interpreter).
    Cranelift,
    /// Interpret first, compile hot functions with Cranelift (see
    /// [`Config::tier_up_thresholds`]); a hot loop in a running call continues in compiled
    /// code (on-stack replacement). Where the host does not allow executable memory, the
    /// interpreter runs everything.
    Tiered,
}

/// How hard the Cranelift tier optimizes the code it generates (see
/// [`Config::cranelift_opt_level`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OptLevel {
    /// No optimizations: the fastest compilation, the slowest code.
    None,
    /// Optimize for speed (the default).
    #[default]
    Speed,
    /// Optimize for speed and code size.
    SpeedAndSize,
}

impl Default for Strategy {
    fn default() -> Self {
        if cfg!(tandem_jit) {
            Strategy::Tiered
        } else {
            Strategy::Interpreter
        }
    }
}

/// Settings for an [`Engine`](crate::Engine).
///
/// Every proposal tandem implements is on by default: WebAssembly 3.0 (SIMD, relaxed SIMD,
/// tail calls, multi-memory, memory64, typed function references, GC, exception handling,
/// extended constants), threads, wide arithmetic and custom page sizes. Switching on a
/// proposal that is not implemented (stack switching, for one) makes
/// [`Engine::new`](crate::Engine::new) fail instead of accepting modules it cannot run.
///
/// ```
/// let mut config = tandem::Config::new();
/// config.wasm_bulk_memory(true).max_wasm_stack(1 << 20);
/// let engine = tandem::Engine::new(&config)?;
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) features: WasmFeatures,
    pub(crate) strategy: Strategy,
    pub(crate) consume_fuel: bool,
    pub(crate) epoch_interruption: bool,
    pub(crate) max_wasm_stack: usize,
    pub(crate) lazy_translation: bool,
    pub(crate) parallel_compilation: bool,
    pub(crate) tier_up_calls: u32,
    pub(crate) tier_up_back_edges: u32,
    pub(crate) background_compilation: bool,
    pub(crate) signals_based_traps: bool,
    pub(crate) cranelift_opt_level: OptLevel,
    pub(crate) canonicalize_nans: bool,
    pub(crate) relaxed_simd_deterministic: bool,
    pub(crate) cranelift_filter: Option<CraneliftFilter>,
}

/// A function's index and name: whether the Cranelift tier may compile it.
type FunctionPredicate = dyn Fn(u32, Option<&str>) -> bool + Send + Sync;

/// The choice of [`Config::cranelift_filter`].
#[derive(Clone)]
pub(crate) struct CraneliftFilter(Arc<FunctionPredicate>);

impl CraneliftFilter {
    /// Whether the tier may compile function `index` (imports first), named `name`.
    pub(crate) fn allows(&self, index: u32, name: Option<&str>) -> bool {
        (self.0)(index, name)
    }
}

impl std::fmt::Debug for CraneliftFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CraneliftFilter")
    }
}

/// The proposals tandem runs today.
const IMPLEMENTED: WasmFeatures = WasmFeatures::MUTABLE_GLOBAL
    .union(WasmFeatures::SATURATING_FLOAT_TO_INT)
    .union(WasmFeatures::SIGN_EXTENSION)
    .union(WasmFeatures::REFERENCE_TYPES)
    .union(WasmFeatures::MULTI_VALUE)
    .union(WasmFeatures::BULK_MEMORY)
    .union(WasmFeatures::EXTENDED_CONST)
    .union(WasmFeatures::TAIL_CALL)
    .union(WasmFeatures::MULTI_MEMORY)
    .union(WasmFeatures::MEMORY64)
    .union(WasmFeatures::THREADS)
    .union(WasmFeatures::SIMD)
    .union(WasmFeatures::RELAXED_SIMD)
    .union(WasmFeatures::WIDE_ARITHMETIC)
    .union(WasmFeatures::CUSTOM_PAGE_SIZES)
    .union(WasmFeatures::FUNCTION_REFERENCES)
    .union(WasmFeatures::EXCEPTIONS)
    .union(WasmFeatures::FLOATS)
    .union(WasmFeatures::GC_TYPES)
    .union(WasmFeatures::GC);

impl Default for Config {
    fn default() -> Self {
        Config {
            features: IMPLEMENTED,
            strategy: Strategy::default(),
            consume_fuel: false,
            epoch_interruption: false,
            max_wasm_stack: tandem_interp::exec::DEFAULT_MAX_WASM_STACK,
            lazy_translation: true,
            parallel_compilation: true,
            tier_up_calls: 1000,
            tier_up_back_edges: 1_000,
            background_compilation: true,
            signals_based_traps: true,
            cranelift_opt_level: OptLevel::Speed,
            canonicalize_nans: false,
            relaxed_simd_deterministic: false,
            cranelift_filter: None,
        }
    }
}

macro_rules! feature_toggles {
    ($( $(#[doc = $doc:literal])* $method:ident => $flag:ident, )*) => {
        impl Config {
            $(
                $(#[doc = $doc])*
                pub fn $method(&mut self, enable: bool) -> &mut Self {
                    self.features.set(WasmFeatures::$flag, enable);
                    self
                }
            )*
        }
    };
}

feature_toggles! {
    /// Threads: shared memories and atomics.
    wasm_threads => THREADS,
    /// Reference types: `funcref`/`externref` values, multiple tables.
    wasm_reference_types => REFERENCE_TYPES,
    /// 128-bit SIMD.
    wasm_simd => SIMD,
    /// Relaxed SIMD.
    wasm_relaxed_simd => RELAXED_SIMD,
    /// Bulk memory operations.
    wasm_bulk_memory => BULK_MEMORY,
    /// Multiple results and block parameters.
    wasm_multi_value => MULTI_VALUE,
    /// Tail calls.
    wasm_tail_call => TAIL_CALL,
    /// Multiple memories.
    wasm_multi_memory => MULTI_MEMORY,
    /// 64-bit memories and tables.
    wasm_memory64 => MEMORY64,
    /// Extended constant expressions.
    wasm_extended_const => EXTENDED_CONST,
    /// Import and export of mutable globals.
    wasm_mutable_global => MUTABLE_GLOBAL,
    /// Sign-extension operators.
    wasm_sign_extension => SIGN_EXTENSION,
    /// Non-trapping float-to-int conversions.
    wasm_saturating_float_to_int => SATURATING_FLOAT_TO_INT,
    /// Typed function references.
    wasm_function_references => FUNCTION_REFERENCES,
    /// Garbage collection: structs, arrays, `i31` and casts, in a per-store heap.
    wasm_gc => GC,
    /// Exception handling.
    wasm_exceptions => EXCEPTIONS,
    /// Wide arithmetic.
    wasm_wide_arithmetic => WIDE_ARITHMETIC,
    /// Custom page sizes.
    wasm_custom_page_sizes => CUSTOM_PAGE_SIZES,
}

impl Config {
    /// The default configuration.
    pub fn new() -> Self {
        Config::default()
    }

    /// Selects the execution strategy.
    pub fn strategy(&mut self, strategy: Strategy) -> &mut Self {
        self.strategy = strategy;
        self
    }

    /// Meters execution with fuel (see [`Store::set_fuel`](crate::Store::set_fuel)).
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.consume_fuel = enable;
        self
    }

    /// Interrupts execution at epoch deadlines.
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.epoch_interruption = enable;
        self
    }

    /// Bounds the wasm stack (values and frame records) of each call into wasm, in bytes.
    /// Exceeding it traps with "call stack exhausted".
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes;
        self
    }

    /// Translate each function on its first call (`true`, the default) or all at compile
    /// time.
    pub fn lazy_translation(&mut self, enable: bool) -> &mut Self {
        self.lazy_translation = enable;
        self
    }

    /// Translate a module's functions on several threads (`true`, the default) when they are
    /// translated at compile time ([`Config::lazy_translation`] off): one per available core.
    pub fn parallel_compilation(&mut self, enable: bool) -> &mut Self {
        self.parallel_compilation = enable;
        self
    }

    /// With [`Strategy::Tiered`]: compile a function once it has been called `calls` times
    /// (each back edge of its loops counting as a call), and let a running call continue in
    /// compiled code at a loop header once the function's outermost loops have taken
    /// `back_edges` back edges, or its nested loops 64 times as many (on-stack replacement);
    /// 0 means never.
    ///
    /// A function's code can be entered at its outermost loops, so a call moves into it there
    /// as soon as it is compiled; entering at a nested loop takes code compiled for that loop
    /// alone, which loses the loop nest's structure, hence the longer wait. Defaults: 1000
    /// calls, 1000 back edges. `(1, 1)` compiles every function on its first call and enters
    /// compiled code at the first outermost loop header reached.
    pub fn tier_up_thresholds(&mut self, calls: u32, back_edges: u32) -> &mut Self {
        self.tier_up_calls = calls;
        self.tier_up_back_edges = back_edges;
        self
    }

    /// With [`Strategy::Tiered`]: compile hot functions on a background thread (`true`, the
    /// default), the interpreter running them meanwhile, or at once on the thread that calls
    /// them, which then runs the compiled code (deterministic, for testing). A call running
    /// on the interpreter meanwhile moves into the code at one of its outermost loops once
    /// the code is installed; code for entering at a nested loop is always compiled at once.
    pub fn background_compilation(&mut self, enable: bool) -> &mut Self {
        self.background_compilation = enable;
        self
    }

    /// Chooses the functions the Cranelift tier may compile, in every strategy: `filter` is
    /// asked once for each function a module defines, with its index (imports first) and its
    /// name from the module's name section, if any. A function it rejects always runs on the
    /// interpreter, calls to and from it crossing between the tiers. By default the tier
    /// compiles every function.
    ///
    /// Use it to compare one function interpreted and compiled while the rest stays as it
    /// is, or to keep code out of the tier.
    ///
    /// ```
    /// use tandem::{Config, Engine, Module, Strategy};
    /// let mut config = Config::new();
    /// config
    ///     .strategy(Strategy::Cranelift)
    ///     .cranelift_filter(|_, name| name != Some("slow_path"));
    /// let engine = Engine::new(&config)?;
    /// let module = Module::new(&engine, r#"(module
    ///     (func $slow_path (result i32) (i32.const 1))
    ///     (func (export "run") (result i32) (call $slow_path)))"#)?;
    /// # if tandem::Engine::new(Config::new().strategy(Strategy::Cranelift)).is_ok() {
    /// assert_eq!(module.native_function_count(), 1);
    /// # }
    /// # Ok::<(), tandem::Error>(())
    /// ```
    pub fn cranelift_filter(
        &mut self,
        filter: impl Fn(u32, Option<&str>) -> bool + Send + Sync + 'static,
    ) -> &mut Self {
        self.cranelift_filter = Some(CraneliftFilter(Arc::new(filter)));
        self
    }

    /// How hard the Cranelift tier optimizes ([`OptLevel::Speed`] by default); it has no
    /// effect on the interpreter.
    pub fn cranelift_opt_level(&mut self, level: OptLevel) -> &mut Self {
        self.cranelift_opt_level = level;
        self
    }

    /// Whether compiled code may leave the bounds checks of memory accesses to the hardware
    /// (`true`, the default): the memories of the engine reserve their whole 32-bit index
    /// space and a 2 GiB guard, only their current size accessible, and a signal handler turns
    /// a fault of compiled code there into the same "out of bounds memory access" trap the
    /// interpreter raises. With `false` compiled code compares every address with the memory's
    /// length, and memories reserve only their maximum size.
    ///
    /// It applies to the Cranelift and tiered strategies on hosts where tandem installs the
    /// handler (x86_64 Linux); elsewhere, and for the interpreter, checks stay explicit.
    /// 64-bit memories and memories with 1-byte pages are always checked explicitly.
    pub fn signals_based_traps(&mut self, enable: bool) -> &mut Self {
        self.signals_based_traps = enable;
        self
    }

    /// Makes every NaN that float arithmetic produces the canonical NaN, so results do not
    /// depend on the host or on which instructions computed them (deterministic execution).
    pub fn canonicalize_nans(&mut self, enable: bool) -> &mut Self {
        self.canonicalize_nans = enable;
        self
    }

    /// Asks for the deterministic semantics of relaxed SIMD. tandem always gives relaxed
    /// instructions one fixed, host-independent meaning (the deterministic profile's), so
    /// this only records the request.
    pub fn wasm_relaxed_simd_deterministic(&mut self, enable: bool) -> &mut Self {
        self.relaxed_simd_deterministic = enable;
        self
    }

    /// Checks that everything switched on is implemented.
    pub(crate) fn validate(&self) -> Result<()> {
        let missing = self.features.difference(IMPLEMENTED);
        if !missing.is_empty() {
            let names: Vec<String> = missing
                .iter_names()
                .map(|(name, _)| name.to_lowercase())
                .collect();
            return Err(Error::msg(format!(
                "WebAssembly proposal not implemented yet: {}",
                names.join(", ")
            )));
        }
        match self.strategy {
            Strategy::Interpreter => {}
            #[cfg(tandem_jit)]
            Strategy::Tiered => {}
            #[cfg(tandem_jit)]
            Strategy::Cranelift => {
                if !crate::jit::host_supports_jit() {
                    return Err(Error::msg(
                        "this host does not run code the Cranelift tier generates",
                    ));
                }
            }
            #[cfg(not(tandem_jit))]
            Strategy::Cranelift | Strategy::Tiered => {
                return Err(Error::msg(
                    "the Cranelift tier is not built into this tandem",
                ));
            }
        }
        Ok(())
    }
}
