//! Helpers shared by the integration tests: running a WASI command module through tandem,
//! and scratch directories.

#![allow(dead_code)]

pub mod json;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use tandem::{Engine, Linker, Module, Store};
use tandem_wasi::{MemoryOutputPipe, WasiConfig, WasiCtx, WasiLinkerExt};

/// What a guest run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The exit status: 0 when `_start` returned, the `proc_exit` code, or 134 (like an
    /// abort) when it trapped.
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
    /// The trap or error message, if the run did not end by returning or exiting.
    pub error: Option<String>,
}

/// Runs the command module `wasm` with the WASI context `config` describes, capturing its
/// standard output and error (any stdout/stderr set in `config` are replaced).
pub fn run(wasm: &[u8], config: &mut WasiConfig) -> Outcome {
    let stdout = MemoryOutputPipe::new();
    let stderr = MemoryOutputPipe::new();
    config.stdout(stdout.clone()).stderr(stderr.clone());
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("the test module compiles");
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    linker.define_wasi().expect("WASI imports define");
    let mut store = Store::new(&engine, config.build());
    // A trap or any other failure reads as an abort (128 + SIGABRT), as from a native program.
    let (status, error): (i32, Option<String>) = match linker.instantiate(&mut store, &module) {
        Err(e) => (134, Some(e.to_string())),
        Ok(instance) => match instance.get_typed_func::<(), ()>(&mut store, "_start") {
            Err(e) => (134, Some(e.to_string())),
            Ok(start) => match start.call(&mut store, ()) {
                Ok(()) => (0, None),
                Err(e) => match e.exit_code() {
                    Some(code) => (code, None),
                    None => (134, Some(e.to_string())),
                },
            },
        },
    };
    Outcome {
        status,
        stdout: stdout.contents_lossy(),
        stderr: stderr.contents_lossy(),
        error,
    }
}

/// A fresh, empty directory under the system's temporary directory, removed when dropped.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> ScratchDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("tandem-wasi-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("scratch directory");
        ScratchDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
