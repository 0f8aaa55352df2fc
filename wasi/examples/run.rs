//! A minimal WASI command runner, showing how to embed tandem-wasi:
//!
//! ```text
//! cargo run -p tandem-wasi --example run -- [--dir HOST::GUEST]... [--env KEY=VALUE]... FILE [ARGS]...
//! ```
//!
//! The guest gets FILE and ARGS as its arguments, exactly the given environment, this process's
//! standard streams, and each `--dir` (a bare `--dir PATH` maps PATH to itself). The process
//! exits with the guest's exit code, or 1 with a message when the guest traps.

use std::process::ExitCode;

use tandem::{Engine, Linker, Module, Store};
use tandem_wasi::{DirPerms, FilePerms, WasiConfig, WasiCtx, WasiLinkerExt};

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<u8, String> {
    let mut config = WasiConfig::new();
    let mut args = std::env::args().skip(1);
    let file = loop {
        match args.next().as_deref() {
            Some("--dir") => {
                let spec = args.next().ok_or("--dir needs HOST[::GUEST]")?;
                let (host, guest) = spec.split_once("::").unwrap_or((&spec, &spec));
                config
                    .preopen_dir(host, guest, DirPerms::all(), FilePerms::all())
                    .map_err(|e| format!("cannot open directory `{host}`: {e}"))?;
            }
            Some("--env") => {
                let pair = args.next().ok_or("--env needs KEY=VALUE")?;
                let (key, value) = pair.split_once('=').ok_or("--env needs KEY=VALUE")?;
                config.env(key, value);
            }
            Some(file) => break file.to_string(),
            None => {
                return Err(
                    "usage: run [--dir HOST::GUEST]... [--env KEY=VALUE]... FILE [ARGS]...".into(),
                );
            }
        }
    };
    config.arg(&file).args(args).inherit_stdio();

    let engine = Engine::default();
    let module = Module::from_file(&engine, &file).map_err(|e| e.to_string())?;
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    linker.define_wasi().map_err(|e| e.to_string())?;
    let mut store = Store::new(&engine, config.build());
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| e.to_string())?;
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .map_err(|e| e.to_string())?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        // `proc_exit` codes are below 126, so they fit an exit status.
        Err(e) => match e.exit_code() {
            Some(code) => Ok(code as u8),
            None => Err(e.to_string()),
        },
    }
}
