//! wasmi, the reference every ratio is taken against, in its default configuration.

use std::hint::black_box;
use std::time::{Duration, Instant};

use wasmi::{CompilationMode, Config, Engine, Instance, Linker, Module, Store};

use super::{CompileMode, Result, Runtime, Sample, expect};
use crate::workloads::host_inc;

pub struct Wasmi {
    engine: Engine,
    eager: Engine,
}

impl Wasmi {
    pub fn new() -> Self {
        let engine = Engine::default();
        let mut config = Config::default();
        config.compilation_mode(CompilationMode::Eager);
        let eager = Engine::new(&config);
        Wasmi { engine, eager }
    }

    fn micro_instance(&self, wasm: &[u8]) -> Result<(Store<()>, Instance)> {
        let module = Module::new(&self.engine, wasm)?;
        let mut linker = Linker::new(&self.engine);
        linker.func_wrap("host", "inc", host_inc)?;
        let mut store = Store::new(&self.engine, ());
        let instance = linker.instantiate_and_start(&mut store, &module)?;
        Ok((store, instance))
    }
}

impl Runtime for Wasmi {
    fn name(&self) -> &'static str {
        "wasmi"
    }

    fn run_workload(&self, wasm: &[u8], arg: i32) -> Result<Sample> {
        let start = Instant::now();
        let module = Module::new(&self.engine, wasm)?;
        let compile = start.elapsed();

        let start = Instant::now();
        let mut store = Store::new(&self.engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let instantiate = start.elapsed();

        let start = Instant::now();
        let run = instance.get_typed_func::<i32, i64>(&store, "run")?;
        let checksum = run.call(&mut store, arg)?;
        let execute = start.elapsed();
        Ok(Sample {
            compile,
            instantiate,
            execute,
            checksum,
            native: None,
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
        let add = instance.get_typed_func::<(i32, i32), i32>(&store, "add")?;
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
        let call_host = instance.get_typed_func::<i32, i32>(&store, "call_host")?;
        call_host.call(&mut store, 1)?;
        let start = Instant::now();
        let result = call_host.call(&mut store, calls as i32)?;
        let elapsed = start.elapsed();
        expect("call_host", result.into(), calls.into())?;
        Ok(elapsed)
    }
}
