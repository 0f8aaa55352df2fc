//! Defining the `wasi_snapshot_preview1` imports in a [`tandem::Linker`].

// Host functions return `tandem::Result`, whose error type is tandem's to size; the
// signatures here are the ones `Linker::func_wrap` asks for.
#![allow(clippy::result_large_err)]

use tandem::{Caller, Extern, Linker};

use crate::ctx::{WasiCtx, WasiView};
use crate::errno;
use crate::memory::GuestMemory;

/// The import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Exit statuses from 126 up are reserved by shells (126: not executable, 127: not found,
/// 128+N: killed by signal N), so a guest cannot claim them; Wasmtime refuses them the same
/// way.
const MAX_EXIT_STATUS: u32 = 126;

/// Runs one WASI call against the caller's exported memory and its [`WasiCtx`], turning the
/// outcome into the errno the guest receives.
fn call<T: WasiView>(
    caller: &mut Caller<'_, T>,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> errno::Result<()>,
) -> tandem::Result<i32> {
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return Err(tandem::Error::msg(
            "WASI functions need the module to export its memory as `memory`",
        ));
    };
    let (bytes, data) = memory.data_and_store_mut(caller);
    let mut mem = GuestMemory::new(bytes);
    Ok(match f(data.ctx(), &mut mem) {
        Ok(()) => 0,
        Err(errno) => i32::from(errno.raw()),
    })
}

/// Defines each listed WASI function as a host function forwarding to the `WasiCtx` method of
/// the same name, with the parameter types of the core wasm signature.
macro_rules! define {
    ($linker:ident: $($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        $linker.func_wrap(
            MODULE,
            stringify!($name),
            |mut caller: Caller<'_, T>, $($arg: $ty),*| -> tandem::Result<i32> {
                call(&mut caller, |ctx, mem| ctx.$name(mem, $($arg),*))
            },
        )?;
    )*};
}

/// Defines every function of `wasi_snapshot_preview1` in `linker`, acting on the
/// [`WasiCtx`] that the store's data `T` gives through [`WasiView`].
///
/// A guest's `proc_exit(code)` makes the running call return `Err(tandem::Error::Exit(code))`
/// (see [`tandem::Error::exit_code`]).
///
/// ```
/// use tandem::{Engine, Linker, Module, Store};
/// use tandem_wasi::{MemoryOutputPipe, WasiConfig, WasiCtx};
///
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
///     (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
///     (memory (export "memory") 1)
///     (data (i32.const 8) "\10\00\00\00\03\00\00\00hi\n")
///     (func (export "_start")
///         (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0)))
///         (call $proc_exit (i32.const 7))))"#)?;
///
/// let mut linker: Linker<WasiCtx> = Linker::new(&engine);
/// tandem_wasi::add_to_linker(&mut linker)?;
/// let stdout = MemoryOutputPipe::new();
/// let mut store = Store::new(&engine, WasiConfig::new().stdout(stdout.clone()).build());
/// let instance = linker.instantiate(&mut store, &module)?;
/// let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
/// let exit = start.call(&mut store, ()).unwrap_err();
/// assert_eq!(exit.exit_code(), Some(7));
/// assert_eq!(stdout.contents(), b"hi\n");
/// # Ok::<(), tandem::Error>(())
/// ```
pub fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> tandem::Result<()> {
    define! { linker:
        args_get(argv: u32, argv_buf: u32);
        args_sizes_get(argc: u32, argv_buf_size: u32);
        environ_get(environ: u32, environ_buf: u32);
        environ_sizes_get(count: u32, buf_size: u32);
        clock_res_get(id: u32, resolution: u32);
        clock_time_get(id: u32, precision: u64, time: u32);
        fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
        fd_allocate(fd: u32, offset: u64, len: u64);
        fd_close(fd: u32);
        fd_datasync(fd: u32);
        fd_fdstat_get(fd: u32, stat: u32);
        fd_fdstat_set_flags(fd: u32, flags: u32);
        fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
        fd_filestat_get(fd: u32, buf: u32);
        fd_filestat_set_size(fd: u32, size: u64);
        fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst_flags: u32);
        fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32);
        fd_prestat_get(fd: u32, buf: u32);
        fd_prestat_dir_name(fd: u32, path: u32, path_len: u32);
        fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32);
        fd_read(fd: u32, iovs: u32, iovs_len: u32, nread: u32);
        fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32);
        fd_renumber(fd: u32, to: u32);
        fd_seek(fd: u32, offset: i64, whence: u32, newoffset: u32);
        fd_sync(fd: u32);
        fd_tell(fd: u32, offset: u32);
        fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten: u32);
        path_create_directory(fd: u32, path: u32, path_len: u32);
        path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, buf: u32);
        path_filestat_set_times(fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32);
        path_link(old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32);
        path_open(fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32, rights_base: u64, rights_inheriting: u64, fdflags: u32, fd_out: u32);
        path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32);
        path_remove_directory(fd: u32, path: u32, path_len: u32);
        path_rename(fd: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32);
        path_symlink(old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32);
        path_unlink_file(fd: u32, path: u32, path_len: u32);
        poll_oneoff(input: u32, out: u32, nsubscriptions: u32, nevents: u32);
        proc_raise(signal: u32);
        random_get(buf: u32, buf_len: u32);
        sock_accept(fd: u32, flags: u32, fd_out: u32);
        sock_recv(fd: u32, ri_data: u32, ri_data_len: u32, ri_flags: u32, ro_datalen: u32, ro_flags: u32);
        sock_send(fd: u32, si_data: u32, si_data_len: u32, si_flags: u32, so_datalen: u32);
        sock_shutdown(fd: u32, how: u32);
    }
    // These two touch no memory, so they work even for a module without one.
    linker.func_wrap(
        MODULE,
        "proc_exit",
        |_caller: Caller<'_, T>, code: u32| -> tandem::Result<()> {
            if code < MAX_EXIT_STATUS {
                Err(tandem::Error::Exit(code as i32))
            } else {
                Err(tandem::Error::msg(format!(
                    "exit with invalid exit status {code} (outside of [0..{MAX_EXIT_STATUS}))"
                )))
            }
        },
    )?;
    linker.func_wrap(MODULE, "sched_yield", |mut caller: Caller<'_, T>| -> i32 {
        match caller.data_mut().ctx().sched_yield() {
            Ok(()) => 0,
            Err(errno) => i32::from(errno.raw()),
        }
    })?;
    Ok(())
}

/// `linker.define_wasi()`: [`add_to_linker`] as a method.
pub trait WasiLinkerExt {
    /// Defines every function of `wasi_snapshot_preview1`; see [`add_to_linker`].
    fn define_wasi(&mut self) -> tandem::Result<&mut Self>;
}

impl<T: WasiView + 'static> WasiLinkerExt for Linker<T> {
    fn define_wasi(&mut self) -> tandem::Result<&mut Self> {
        add_to_linker(self)?;
        Ok(self)
    }
}
