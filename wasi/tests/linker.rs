//! Embedding: the store's own data type through `WasiView`, modules without a memory, and
//! WASI calls straight from WebAssembly text.

use tandem::{Engine, Linker, Module, Store};
use tandem_wasi::{
    MODULE, MemoryInputPipe, MemoryOutputPipe, WasiConfig, WasiCtx, WasiLinkerExt, WasiView,
};

struct Host {
    wasi: WasiCtx,
    calls: u32,
}

impl WasiView for Host {
    fn ctx(&mut self) -> &mut WasiCtx {
        &mut self.wasi
    }
}

fn instantiate<T: WasiView + 'static>(data: T, wat: &str) -> (Store<T>, tandem::Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker: Linker<T> = Linker::new(&engine);
    tandem_wasi::add_to_linker(&mut linker).unwrap();
    let mut store = Store::new(&engine, data);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn custom_store_data() {
    let stdout = MemoryOutputPipe::new();
    let host = Host {
        wasi: WasiConfig::new().stdout(stdout.clone()).build(),
        calls: 0,
    };
    let (mut store, instance) = instantiate(
        host,
        r#"(module
            (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
            (memory (export "memory") 1)
            (data (i32.const 16) "\18\00\00\00\02\00\00\00ok")
            (func (export "run") (result i32)
                (call $w (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8))))"#,
    );
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 0);
    store.data_mut().calls += 1;
    assert_eq!(stdout.contents(), b"ok");
    assert_eq!(store.data().calls, 1);
}

#[test]
fn errnos_reach_the_guest() {
    let stdin = MemoryInputPipe::new("abc");
    let (mut store, instance) = instantiate(
        WasiConfig::new().stdin(stdin).build(),
        r#"(module
            (import "wasi_snapshot_preview1" "fd_read" (func $r (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_close" (func $c (param i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "read") (param $fd i32) (param $iov i32) (result i32)
                (i32.store (i32.const 0) (i32.const 100))
                (i32.store (i32.const 4) (i32.const 8))
                (call $r (local.get $fd) (local.get $iov) (i32.const 1) (i32.const 200)))
            (func (export "nread") (result i32) (i32.load (i32.const 200)))
            (func (export "close") (param i32) (result i32) (call $c (local.get 0))))"#,
    );
    let read = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "read")
        .unwrap();
    let nread = instance
        .get_typed_func::<(), i32>(&mut store, "nread")
        .unwrap();
    let close = instance
        .get_typed_func::<i32, i32>(&mut store, "close")
        .unwrap();
    assert_eq!(read.call(&mut store, (0, 0)).unwrap(), 0);
    assert_eq!(nread.call(&mut store, ()).unwrap(), 3);
    // An iovec array past the end of memory: EFAULT (21).
    assert_eq!(read.call(&mut store, (0, 65536 - 4)).unwrap(), 21);
    // Reading stdout: EBADF (8); a descriptor never opened: EBADF.
    assert_eq!(read.call(&mut store, (1, 0)).unwrap(), 8);
    assert_eq!(read.call(&mut store, (42, 0)).unwrap(), 8);
    assert_eq!(close.call(&mut store, 0).unwrap(), 0);
    assert_eq!(close.call(&mut store, 0).unwrap(), 8);
    assert_eq!(read.call(&mut store, (0, 0)).unwrap(), 8);
}

#[test]
fn proc_exit_without_memory() {
    let (mut store, instance) = instantiate(
        WasiCtx::new(),
        r#"(module
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
            (func (export "_start") (drop (call $yield)) (call $exit (i32.const 9)) unreachable))"#,
    );
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    let error = start.call(&mut store, ()).unwrap_err();
    assert_eq!(error.exit_code(), Some(9));
    assert!(matches!(error, tandem::Error::Exit(9)));
}

#[test]
fn calls_needing_memory_fail_cleanly_without_it() {
    let (mut store, instance) = instantiate(
        WasiCtx::new(),
        r#"(module
            (import "wasi_snapshot_preview1" "random_get" (func $rand (param i32 i32) (result i32)))
            (func (export "run") (result i32) (call $rand (i32.const 0) (i32.const 4))))"#,
    );
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    let error = run.call(&mut store, ()).unwrap_err();
    assert!(error.to_string().contains("memory"), "{error}");
}

#[test]
fn define_wasi_and_linker_names() {
    let engine = Engine::default();
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    linker.define_wasi().unwrap();
    // Defining twice is a duplicate definition, reported rather than ignored.
    assert!(linker.define_wasi().is_err());
    let mut store = Store::new(&engine, WasiCtx::new());
    for name in [
        "args_get",
        "args_sizes_get",
        "environ_get",
        "environ_sizes_get",
        "clock_res_get",
        "clock_time_get",
        "fd_advise",
        "fd_allocate",
        "fd_close",
        "fd_datasync",
        "fd_fdstat_get",
        "fd_fdstat_set_flags",
        "fd_fdstat_set_rights",
        "fd_filestat_get",
        "fd_filestat_set_size",
        "fd_filestat_set_times",
        "fd_pread",
        "fd_prestat_get",
        "fd_prestat_dir_name",
        "fd_pwrite",
        "fd_read",
        "fd_readdir",
        "fd_renumber",
        "fd_seek",
        "fd_sync",
        "fd_tell",
        "fd_write",
        "path_create_directory",
        "path_filestat_get",
        "path_filestat_set_times",
        "path_link",
        "path_open",
        "path_readlink",
        "path_remove_directory",
        "path_rename",
        "path_symlink",
        "path_unlink_file",
        "poll_oneoff",
        "proc_exit",
        "proc_raise",
        "sched_yield",
        "random_get",
        "sock_accept",
        "sock_recv",
        "sock_send",
        "sock_shutdown",
    ] {
        assert!(
            linker.get(&mut store, MODULE, name).is_some(),
            "{name} is not defined"
        );
    }
}
