//! tandem, in each of the configurations the benchmarks compare: the register-bytecode
//! interpreter (plain and fuel-metered), the Cranelift tier compiling every function up
//! front, and the tiered strategy that interprets first and compiles hot functions.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tandem::{Config, Engine, Instance, Linker, Module, Store, Strategy};

use super::{CompileMode, Native, Result, Runtime, Sample, expect};
use crate::workloads::host_inc;

/// Which tandem configuration a [`Tandem`] runtime measures. Each sets its
/// [`Strategy`] explicitly, so the figures do not change with tandem's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The interpreter only.
    Interpreter,
    /// The interpreter metering fuel: this variant exists to measure what metering
    /// costs.
    Fuel,
    /// Cranelift compiles every function it supports when the module is created.
    Cranelift,
    /// The interpreter first, hot functions and loops compiled with Cranelift, with
    /// tandem's default tier-up thresholds and background compilation.
    Tiered,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Interpreter => "tandem",
            Variant::Fuel => "tandem-fuel",
            Variant::Cranelift => "tandem-cranelift",
            Variant::Tiered => "tandem-tiered",
        }
    }

    fn strategy(self) -> Strategy {
        match self {
            Variant::Interpreter | Variant::Fuel => Strategy::Interpreter,
            Variant::Cranelift => Strategy::Cranelift,
            Variant::Tiered => Strategy::Tiered,
        }
    }
}

pub struct Tandem {
    variant: Variant,
    engine: Engine,
    eager: Engine,
}

impl Tandem {
    pub fn new(variant: Variant) -> Result<Self> {
        let mut config = Config::new();
        config
            .strategy(variant.strategy())
            .consume_fuel(variant == Variant::Fuel)
            // The compared Wasmtime compiles on one thread; so does tandem's Cranelift tier.
            .parallel_compilation(variant != Variant::Cranelift);
        let engine = Engine::new(&config)?;
        config.lazy_translation(false);
        let eager = Engine::new(&config)?;
        Ok(Tandem {
            variant,
            engine,
            eager,
        })
    }

    fn store(&self) -> Result<Store<()>> {
        let mut store = Store::new(&self.engine, ());
        if self.variant == Variant::Fuel {
            // Metered, but never runs out: the cost of counting is what is measured.
            store.set_fuel(u64::MAX)?;
        }
        Ok(store)
    }

    fn micro_instance(&self, wasm: &[u8]) -> Result<(Store<()>, Instance)> {
        let module = Module::new(&self.engine, wasm)?;
        let mut linker = Linker::new(&self.engine);
        linker.func_wrap("host", "inc", host_inc)?;
        let mut store = self.store()?;
        let instance = linker.instantiate(&mut store, &module)?;
        Ok((store, instance))
    }
}

impl Runtime for Tandem {
    fn name(&self) -> &'static str {
        self.variant.name()
    }

    fn is_native(&self) -> bool {
        matches!(self.variant, Variant::Cranelift | Variant::Tiered)
    }

    fn run_workload(&self, wasm: &[u8], arg: i32) -> Result<Sample> {
        let start = Instant::now();
        let module = Module::new(&self.engine, wasm)?;
        let compile = start.elapsed();

        let start = Instant::now();
        let mut store = self.store()?;
        let instance = Instance::new(&mut store, &module, &[])?;
        let instantiate = start.elapsed();

        // The engine's counters are cumulative; the run's share is the difference.
        let before = self.engine.native_stats();
        let start = Instant::now();
        let run = instance.get_typed_func::<i32, i64>(&mut store, "run")?;
        let checksum = run.call(&mut store, arg)?;
        let execute = start.elapsed();
        let native = self.is_native().then(|| Native {
            functions: module.native_function_count(),
            loop_entries: self.engine.native_stats().loop_entries - before.loop_entries,
            loop_transfers: self.engine.native_stats().loop_transfers - before.loop_transfers,
        });
        Ok(Sample {
            compile,
            instantiate,
            execute,
            checksum,
            native,
        })
    }

    /// With the Cranelift strategy the default compile already compiles every
    /// function; the other variants translate lazily by default.
    fn has_eager_mode(&self) -> bool {
        self.variant != Variant::Cranelift
    }

    fn compile(&self, wasm: &[u8], mode: CompileMode) -> Result<Duration> {
        let engine = match mode {
            CompileMode::Default => &self.engine,
            CompileMode::Eager => &self.eager,
        };
        let start = Instant::now();
        black_box(Module::new(engine, wasm)?);
        Ok(start.elapsed())
    }

    fn host_to_wasm_calls(&self, wasm: &[u8], calls: u32) -> Result<Duration> {
        let (mut store, instance) = self.micro_instance(wasm)?;
        let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
        // The first call translates `add`; keep that out of the per-call figure.
        expect("add", add.call(&mut store, (1, 2))?.into(), 3)?;
        let start = Instant::now();
        let mut acc = 0i32;
        for i in 0..calls {
            acc = add.call(&mut store, (black_box(acc), i as i32))?;
        }
        let elapsed = start.elapsed();
        black_box(acc);
        Ok(elapsed)
    }

    fn wasm_to_host_calls(&self, wasm: &[u8], calls: u32) -> Result<Duration> {
        let (mut store, instance) = self.micro_instance(wasm)?;
        let call_host = instance.get_typed_func::<i32, i32>(&mut store, "call_host")?;
        call_host.call(&mut store, 1)?;
        let start = Instant::now();
        let result = call_host.call(&mut store, calls as i32)?;
        let elapsed = start.elapsed();
        expect("call_host", result.into(), calls.into())?;
        Ok(elapsed)
    }
}
