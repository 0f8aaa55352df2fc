//! The functions of `wasi_snapshot_preview1`, as methods of [`WasiCtx`](crate::WasiCtx)
//! taking the guest's memory and the raw call arguments, and answering an errno. One file per
//! group of the specification.

mod args;
mod fd;
mod path;
mod sock;
mod system;
