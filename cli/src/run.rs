//! `tandem run`: load a module, give it WASI, instantiate it and call a function.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use tandem::{Config, Engine, Error, Func, Linker, Module, Store, Strategy, Val};
use tandem_wasi::{DirPerms, FilePerms, WasiConfig, WasiCtx, WasiLinkerExt};

use crate::{Failure, TRAP_STATUS, values};

/// Run a WebAssembly module.
///
/// The module gets WASI (wasi_snapshot_preview1): its command line is FILE
/// followed by ARGS, its environment the --env variables, and it sees only
/// the --dir directories. Without --invoke, calls the module's `_start`
/// function or else its default export; the guest's exit code becomes the
/// process's. With --invoke NAME, calls the exported function NAME with ARGS
/// as its parameters and prints each result on its own line.
#[derive(Args)]
pub struct RunCommand {
    /// Give the guest the host directory HOST, named GUEST (HOST when omitted)
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,

    /// Set the guest environment variable K to V
    #[arg(long = "env", value_name = "K=V")]
    envs: Vec<String>,

    /// Call the exported function NAME, passing ARGS as its parameters
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,

    /// Trap once about N units of fuel have been consumed
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,

    /// How to execute the module's code
    #[arg(long, value_enum, default_value_t = StrategyArg::Tiered)]
    strategy: StrategyArg,

    /// The module to run: a binary .wasm or a text .wat file
    file: PathBuf,

    /// Parameters of the invoked function: integers in decimal or 0x
    /// hexadecimal, floats in decimal or nan/inf/-inf
    #[arg(allow_hyphen_values = true, value_name = "ARGS")]
    args: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum StrategyArg {
    /// The register-bytecode interpreter
    Interpreter,
    /// Every function Cranelift supports compiled to native code before running (the others
    /// run on the interpreter)
    Cranelift,
    /// The interpreter, compiling hot functions with Cranelift
    Tiered,
}

impl From<StrategyArg> for Strategy {
    fn from(arg: StrategyArg) -> Self {
        match arg {
            StrategyArg::Interpreter => Strategy::Interpreter,
            StrategyArg::Cranelift => Strategy::Cranelift,
            StrategyArg::Tiered => Strategy::Tiered,
        }
    }
}

impl RunCommand {
    pub fn execute(self) -> Result<(), Failure> {
        let mut config = Config::new();
        config.strategy(self.strategy.into());
        if self.fuel.is_some() {
            config.consume_fuel(true);
        }
        let engine = Engine::new(&config)
            .map_err(|e| Failure::error(format!("failed to create the engine: {e}")))?;

        let file = self.file.display();
        let module = Module::from_file(&engine, &self.file)
            .map_err(|e| Failure::error(format!("failed to load `{file}`: {e}")))?;

        let wasi = self.wasi_context()?;
        let mut store = Store::new(&engine, wasi);
        if let Some(fuel) = self.fuel {
            store
                .set_fuel(fuel)
                .map_err(|e| Failure::error(format!("failed to set fuel: {e}")))?;
        }

        let mut linker = Linker::new(&engine);
        linker
            .define_wasi()
            .map_err(|e| Failure::error(format!("failed to set up WASI: {e}")))?;
        // Name the first import that nothing defines, in one line, rather than
        // relying on the instantiation error.
        for import in module.imports() {
            if linker
                .get(&mut store, import.module(), import.name())
                .is_none()
            {
                return Err(Failure::error(format!(
                    "failed to instantiate `{file}`: unknown import: `{}::{}` has not been defined",
                    import.module(),
                    import.name()
                )));
            }
        }
        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(|e| runtime_failure(e, format!("failed to instantiate `{file}`")))?;

        let (name, func) = match &self.invoke {
            Some(name) => {
                let func = instance.get_func(&mut store, name).ok_or_else(|| {
                    Failure::error(format!("`{file}` exports no function named `{name}`"))
                })?;
                (name.clone(), func)
            }
            None => match instance.get_func(&mut store, "_start") {
                Some(func) => ("_start".to_string(), func),
                None => {
                    linker
                        .instance(&mut store, "", instance)
                        .map_err(|e| Failure::error(format!("failed to register `{file}`: {e}")))?;
                    let func = linker
                        .get_default(&mut store, "")
                        .map_err(|e| Failure::error(format!("`{file}`: {e}")))?;
                    ("the default export".to_string(), func)
                }
            },
        };

        let params = self.params_for(&store, &name, func)?;
        let ty = func.ty(&store);
        let mut results = vec![Val::I32(0); ty.results().len()];
        func.call(&mut store, &params, &mut results)
            .map_err(|e| runtime_failure(e, format!("failed to invoke `{name}`")))?;
        for result in &results {
            println!("{}", values::format(result));
        }
        Ok(())
    }

    /// The guest's WASI context: argv, environment, inherited stdio and preopens.
    fn wasi_context(&self) -> Result<WasiCtx, Failure> {
        let mut wasi = WasiConfig::new();
        // argv[0] is the program's name, as a shell would pass it.
        let program = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file.display().to_string());
        wasi.arg(program).inherit_stdio();
        if self.invoke.is_none() {
            wasi.args(&self.args);
        }
        for pair in &self.envs {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| Failure::error(format!("--env `{pair}`: expected K=V")))?;
            wasi.env(key, value);
        }
        for spec in &self.dirs {
            let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
            wasi.preopen_dir(host, guest, DirPerms::all(), FilePerms::all())
                .map_err(|e| {
                    Failure::error(format!("--dir `{spec}`: cannot open `{host}`: {e}"))
                })?;
        }
        Ok(wasi.build())
    }

    /// Parses ARGS against the parameter types of `func`.
    fn params_for(
        &self,
        store: &Store<WasiCtx>,
        name: &str,
        func: Func,
    ) -> Result<Vec<Val>, Failure> {
        let ty = func.ty(store);
        let types: Vec<_> = ty.params().collect();
        // Without --invoke, a parameterless entry point leaves ARGS to the
        // program itself: they are its WASI command line.
        if self.invoke.is_none() && types.is_empty() {
            return Ok(Vec::new());
        }
        if types.len() != self.args.len() {
            let list: Vec<_> = types.iter().map(ToString::to_string).collect();
            let plural = if types.len() == 1 { "" } else { "s" };
            return Err(Failure::error(format!(
                "`{name}` expects {} argument{plural} ({}), got {}",
                types.len(),
                list.join(", "),
                self.args.len()
            )));
        }
        types
            .iter()
            .zip(&self.args)
            .enumerate()
            .map(|(i, (ty, word))| {
                values::parse(ty, word)
                    .map_err(|e| Failure::error(format!("argument {} of `{name}`: {e}", i + 1)))
            })
            .collect()
    }
}

/// Classifies an error raised while the guest ran: traps exit like
/// Wasmtime's, and a guest-requested exit keeps its status.
fn runtime_failure(err: Error, context: String) -> Failure {
    if let Some(status) = err.exit_code() {
        return Failure::Exit(status);
    }
    // A host function's failure is not a trap: it exits like any error.
    let status = if err.trap_code().is_some() {
        TRAP_STATUS
    } else {
        1
    };
    Failure::Runtime {
        message: format!("{context}: {err}"),
        status,
    }
}
