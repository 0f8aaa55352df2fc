//! # tandem-wasi
//!
//! WASI `wasi_snapshot_preview1` for the tandem WebAssembly runtime: arguments, environment,
//! clocks, randomness, standard streams, and a sandboxed view of preopened host directories.
//!
//! Build a [`WasiCtx`] with [`WasiConfig`], keep it in the store's data (any type that
//! implements [`WasiView`]), define the imports with [`add_to_linker`] (or
//! [`WasiLinkerExt::define_wasi`]) and run the module's `_start`:
//!
//! ```no_run
//! use tandem::{Engine, Linker, Module, Store};
//! use tandem_wasi::{DirPerms, FilePerms, WasiConfig, WasiCtx, WasiLinkerExt};
//!
//! let engine = Engine::default();
//! let module = Module::from_file(&engine, "app.wasm")?;
//! let mut linker: Linker<WasiCtx> = Linker::new(&engine);
//! linker.define_wasi()?;
//!
//! let mut config = WasiConfig::new();
//! config.args(["app.wasm", "input.txt"]).env("LANG", "C").inherit_stdio();
//! config.preopen_dir("./work", "/", DirPerms::all(), FilePerms::all())?;
//! let mut store = Store::new(&engine, config.build());
//!
//! let instance = linker.instantiate(&mut store, &module)?;
//! let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//! let status = match start.call(&mut store, ()) {
//!     Ok(()) => 0,
//!     Err(e) => match e.exit_code() {
//!         Some(code) => code,
//!         None => return Err(e.into()),
//!     },
//! };
//! std::process::exit(status);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The sandbox
//!
//! The guest reaches the host file system only through preopened directories. Paths are
//! resolved one component at a time relative to a directory descriptor, with symbolic links
//! expanded by tandem-wasi rather than the host kernel; absolute paths, `..` above the
//! directory a path starts from, and links leading outside are refused with `EPERM`, as
//! Wasmtime refuses them. [`DirPerms`] and [`FilePerms`] limit what may be done inside
//! (`EPERM` otherwise), and WASI rights, which a guest can drop but never regain, limit each
//! descriptor (`ENOTCAPABLE`). Descriptor numbers index a table of the guest's own, so one
//! that was never handed out, or was closed, is `EBADF`.

mod abi;
mod clocks;
mod ctx;
mod errno;
mod flags;
mod fs;
mod linker;
mod memory;
mod perms;
mod pipe;
mod poll;
mod preview1;
mod random;
mod stdio;
mod sys;
mod table;

pub use ctx::{WasiConfig, WasiCtx, WasiView};
pub use errno::Errno;
pub use linker::{MODULE, WasiLinkerExt, add_to_linker};
pub use perms::{DirPerms, FilePerms};
pub use pipe::{MemoryInputPipe, MemoryOutputPipe};
