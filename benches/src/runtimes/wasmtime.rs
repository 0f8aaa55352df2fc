//! Wasmtime, in two configurations: Cranelift compiling each module ahead of time to
//! native code for the host (Wasmtime's default, the JIT tandem's Cranelift tier is
//! compared with), or to Pulley bytecode, which Wasmtime's portable interpreter runs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use wasmtime::{Config, Engine, Instance, Linker, Module, Store};

use super::{CompileMode, Result, Runtime, Sample, expect};
use crate::workloads::host_inc;

pub struct Wasmtime {
    /// Whether Cranelift targets Pulley instead of the host.
    pulley: bool,
    engine: Engine,
}

impl Wasmtime {
    /// Native code for the host: Wasmtime's default configuration.
    pub fn native() -> Result<Self> {
        Ok(Wasmtime {
            pulley: false,
            engine: Engine::new(&Config::new())?,
        })
    }

    /// Pulley bytecode run by Wasmtime's interpreter.
    pub fn pulley() -> Result<Self> {
        let mut config = Config::new();
        config.target("pulley64")?;
        Ok(Wasmtime {
            pulley: true,
            engine: Engine::new(&config)?,
        })
    }

    fn micro_instance(&self, wasm: &[u8]) -> Result<(Store<()>, Instance)> {
        let module = Module::new(&self.engine, wasm)?;
        let mut linker = Linker::new(&self.engine);
        linker.func_wrap("host", "inc", host_inc)?;
        let mut store = Store::new(&self.engine, ());
        let instance = linker.instantiate(&mut store, &module)?;
        Ok((store, instance))
    }
}

impl Runtime for Wasmtime {
    fn name(&self) -> &'static str {
        if self.pulley { "pulley" } else { "wasmtime" }
    }

    fn is_native(&self) -> bool {
        !self.pulley
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
        let run = instance.get_typed_func::<i32, i64>(&mut store, "run")?;
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

    /// Wasmtime always compiles the whole module up front.
    fn has_eager_mode(&self) -> bool {
        false
    }

    fn compile(&self, wasm: &[u8], _mode: CompileMode) -> Result<Duration> {
        let start = Instant::now();
        black_box(Module::new(&self.engine, wasm)?);
        Ok(start.elapsed())
    }

    fn host_to_wasm_calls(&self, wasm: &[u8], calls: u32) -> Result<Duration> {
        let (mut store, instance) = self.micro_instance(wasm)?;
        let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
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
