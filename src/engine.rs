//! The engine: configuration and state shared by every store and module.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tandem_interp::module::ValidatorPool;
use tandem_interp::vm::{LinearMemory, Reservation, SigId, TypeInfo, TypeRegistry};

use crate::config::{Config, Strategy};
use crate::error::Result;
use crate::types::FuncType;

/// A configured runtime, shared (cheaply cloned) by modules and stores on any thread.
///
/// ```
/// let engine = tandem::Engine::default();
/// let clone = engine.clone();
/// assert!(engine.same(&clone));
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

#[derive(Debug)]
struct EngineInner {
    config: Config,
    /// Every defined type of the engine's modules and host functions, by canonical
    /// recursion group: equal types get equal ids, which `call_indirect` compares.
    types: TypeRegistry,
    /// Module validators and function validators' buffers, reused from module to module.
    validators: ValidatorPool,
    epoch: AtomicU64,
    /// Jobs for the background compilation thread, started on first use; it ends when the
    /// engine is dropped.
    compile_jobs: Mutex<Option<std::sync::mpsc::Sender<CompileJob>>>,
    /// What the Cranelift tier compiled for this engine's modules.
    pub(crate) native_stats: Arc<NativeStatsCounters>,
    /// Whether compiled code leaves bounds checks to guard pages (see
    /// [`Config::signals_based_traps`]).
    guard_pages: bool,
    /// The threads validation and eager compilation may use, asked of the OS once: the
    /// question reads several files on Linux, which would cost more than compiling a small
    /// module.
    compilation_threads: usize,
}

/// What the Cranelift tier compiled for an engine's modules (see [`Engine::native_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NativeStats {
    /// Functions compiled to native code (up front or on tier-up).
    pub functions: usize,
    /// Entries into compiled code at loop headers compiled for running calls (on-stack
    /// replacement), each for one loop.
    pub loop_entries: usize,
    /// Running calls that moved from the interpreter into compiled code at a loop header:
    /// through an entry compiled for that loop, or through their function's own code, which
    /// with [`Strategy::Tiered`](crate::Strategy::Tiered) can be entered at its outermost
    /// loops.
    pub loop_transfers: usize,
}

/// The counters behind [`NativeStats`].
#[derive(Debug, Default)]
pub(crate) struct NativeStatsCounters {
    pub functions: std::sync::atomic::AtomicUsize,
    pub loop_entries: std::sync::atomic::AtomicUsize,
    pub loop_transfers: std::sync::atomic::AtomicUsize,
}

/// Work for the background compilation thread.
pub(crate) type CompileJob = Box<dyn FnOnce() + Send>;

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::default()).expect("the default configuration is valid")
    }
}

impl Engine {
    /// An engine with `config`; fails if the configuration asks for something not implemented.
    pub fn new(config: &Config) -> Result<Engine> {
        config.validate()?;
        let mut config = config.clone();
        #[cfg(tandem_jit)]
        if config.strategy == Strategy::Tiered && !crate::jit::host_supports_jit() {
            // Tiering degrades to interpreting where compiled code cannot run.
            config.strategy = Strategy::Interpreter;
        }
        #[cfg(tandem_jit)]
        let guard_pages = config.signals_based_traps
            && config.strategy != Strategy::Interpreter
            && tandem_jit::signals_supported()
            && tandem_jit::install_signal_handler().is_ok();
        #[cfg(not(tandem_jit))]
        let guard_pages = false;
        let compilation_threads = if config.parallel_compilation {
            std::thread::available_parallelism().map_or(1, usize::from)
        } else {
            1
        };
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config,
                types: TypeRegistry::new(),
                validators: ValidatorPool::default(),
                epoch: AtomicU64::new(0),
                compile_jobs: Mutex::new(None),
                native_stats: Arc::default(),
                guard_pages,
                compilation_threads,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Whether two handles are the same engine.
    pub fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Whether functions run on the interpreter only ([`Strategy::Interpreter`]): no
    /// executable memory is ever mapped.
    pub fn is_interpreter(&self) -> bool {
        self.inner.config.strategy == Strategy::Interpreter
    }

    /// What the Cranelift tier has compiled so far for this engine's modules; all zero with
    /// [`Strategy::Interpreter`].
    pub fn native_stats(&self) -> NativeStats {
        let counters = &self.inner.native_stats;
        NativeStats {
            functions: counters.functions.load(Ordering::Relaxed),
            loop_entries: counters.loop_entries.load(Ordering::Relaxed),
            loop_transfers: counters.loop_transfers.load(Ordering::Relaxed),
        }
    }

    /// How functions run: the configured [`Strategy`].
    pub fn strategy(&self) -> Strategy {
        self.inner.config.strategy
    }

    /// Whether the engine's compiled code leaves the bounds checks of 32-bit memories with
    /// 64 KiB pages to guard pages, so that every such memory it can access must be created
    /// with [`Engine::memory_reservation`].
    pub(crate) fn guard_pages(&self) -> bool {
        self.inner.guard_pages
    }

    /// The threads validation and eager compilation may use.
    pub(crate) fn compilation_threads(&self) -> usize {
        self.inner.compilation_threads
    }

    /// The address space memories of this engine reserve.
    pub(crate) fn memory_reservation(&self) -> Reservation {
        if self.inner.guard_pages {
            Reservation::IndexSpaceAndGuard
        } else {
            Reservation::Maximum
        }
    }

    /// Fails if compiled code of this engine could access `memory` without bounds checks
    /// although it does not have guard pages (a shared memory made by another engine).
    pub(crate) fn check_memory_guard(&self, memory: &LinearMemory, memory64: bool) -> Result<()> {
        let unchecked = !memory64 && memory.page_size() >= tandem_interp::vm::WASM_PAGE_SIZE;
        if self.guard_pages() && unchecked && !memory.is_guarded() {
            return Err(crate::Error::msg(
                "this engine's compiled code relies on guard pages, which the memory (made by \
                 another engine) lacks",
            ));
        }
        Ok(())
    }

    pub(crate) fn native_stats_counters(&self) -> Arc<NativeStatsCounters> {
        self.inner.native_stats.clone()
    }

    /// Runs `job` on the engine's background compilation thread, starting it if needed.
    pub(crate) fn compile_in_background(&self, job: CompileJob) {
        let mut jobs = self
            .inner
            .compile_jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let sender = jobs.get_or_insert_with(|| {
            let (sender, receiver) = std::sync::mpsc::channel::<CompileJob>();
            let spawned = std::thread::Builder::new()
                .name("tandem-compile".into())
                .spawn(move || {
                    for job in receiver {
                        job();
                    }
                });
            if spawned.is_err() {
                // No thread: the jobs are dropped, and their functions stay interpreted.
            }
            sender
        });
        // A send fails only if the thread could not start; the function stays interpreted.
        let _ = sender.send(job);
    }

    /// Advances the epoch counter (for epoch interruption).
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn epoch_counter(&self) -> &AtomicU64 {
        &self.inner.epoch
    }

    /// The engine's pool of validators, which compiling a module takes from and returns to.
    pub(crate) fn validators(&self) -> &ValidatorPool {
        &self.inner.validators
    }

    /// The engine's type registry.
    pub(crate) fn types(&self) -> &TypeRegistry {
        &self.inner.types
    }

    /// Registers a host function's type (final, no supertype), giving it the same id as an
    /// equal `(type (func ...))` of any module.
    pub(crate) fn register_func_type(&self, ty: &FuncType) -> Arc<TypeInfo> {
        self.inner.types.register(ty.to_canon())
    }

    /// The function type with id `id`.
    pub(crate) fn func_type(&self, id: SigId) -> FuncType {
        self.inner
            .types
            .info(id)
            .and_then(|info| FuncType::from_canon(&info.ty, &|id| self.inner.types.info(id)))
            .expect("function entries carry ids of registered function types")
    }

    /// Whether defined type `sub` is defined type `sup` or declares it as a supertype.
    pub(crate) fn is_subtype(&self, sub: u32, sup: u32) -> bool {
        sub == sup
            || self
                .inner
                .types
                .info(SigId(sub))
                .is_some_and(|info| info.has_supertype(SigId(sup)))
    }
}
