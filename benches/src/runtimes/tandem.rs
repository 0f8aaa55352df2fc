//! tandem's register-bytecode interpreter.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tandem::{Config, Engine, Instance, Linker, Module, Store};

use super::{CompileMode, Result, Runtime, Sample, expect};
use crate::workloads::host_inc;

pub struct Tandem {
    /// Meter fuel: this variant exists to measure what metering costs.
    fuel: bool,
    engine: Engine,
    eager: Engine,
}

impl Tandem {
    pub fn new(fuel: bool) -> Result<Self> {
        let mut config = Config::new();
        config.consume_fuel(fuel);
        let engine = Engine::new(&config)?;
        config.lazy_translation(false);
        let eager = Engine::new(&config)?;
        Ok(Tandem {
            fuel,
            engine,
            eager,
        })
    }

    fn store(&self) -> Result<Store<()>> {
        let mut store = Store::new(&self.engine, ());
        if self.fuel {
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
        if self.fuel { "tandem-fuel" } else { "tandem" }
    }

    fn run_workload(&self, wasm: &[u8], arg: i32) -> Result<Sample> {
        let start = Instant::now();
        let module = Module::new(&self.engine, wasm)?;
        let compile = start.elapsed();

        let start = Instant::now();
        let mut store = self.store()?;
        let instance = Instance::new(&mut store, &module, &[])?;
        let instantiate = start.elapsed();

        let start = Instant::now();
        let run = instance.get_typed_func::<i32, i64>(&mut store, "run")?;
        let checksum = run.call(&mut store, arg)?;
        let execute = start.elapsed();
        Ok(Sample {
            compile,
            instantiate,
            execute,
            checksum,
        })
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
