//! The per-instance WASI state ([`WasiCtx`]) and its builder ([`WasiConfig`]).

use std::io;
use std::path::Path;

use crate::abi::Rights;
use crate::fs::Dir;
use crate::perms::{DirPerms, FilePerms};
use crate::pipe::{MemoryInputPipe, MemoryOutputPipe};
use crate::stdio::{InputStream, OutputStream};
use crate::sys;
use crate::table::{Descriptor, Entry, FdTable};

/// Everything a guest's WASI calls act on: its arguments, environment, and descriptor table.
/// Made by [`WasiConfig::build`]; keep one per store (inside the store's data, reached
/// through [`WasiView`]).
#[derive(Debug)]
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) table: FdTable,
}

impl WasiCtx {
    /// A context with no arguments, no environment, empty stdin, discarded output and no
    /// preopened directories.
    pub fn new() -> WasiCtx {
        WasiConfig::new().build()
    }

    /// The arguments the guest sees, program name first.
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// The environment variables the guest sees.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }
}

impl Default for WasiCtx {
    fn default() -> Self {
        WasiCtx::new()
    }
}

/// Gives the WASI host functions access to the [`WasiCtx`] inside a store's data.
///
/// ```
/// use tandem_wasi::{WasiCtx, WasiView};
/// struct Host {
///     wasi: WasiCtx,
///     requests: u32,
/// }
/// impl WasiView for Host {
///     fn ctx(&mut self) -> &mut WasiCtx {
///         &mut self.wasi
///     }
/// }
/// ```
pub trait WasiView {
    /// The WASI context.
    fn ctx(&mut self) -> &mut WasiCtx;
}

impl WasiView for WasiCtx {
    fn ctx(&mut self) -> &mut WasiCtx {
        self
    }
}

/// Builds a [`WasiCtx`]: what the guest is given, and nothing more.
///
/// By default the guest has no arguments, no environment, an empty standard input, standard
/// output and error that discard what is written, and no directories.
///
/// ```no_run
/// use tandem_wasi::{DirPerms, FilePerms, MemoryOutputPipe, WasiConfig};
/// let stdout = MemoryOutputPipe::new();
/// let ctx = WasiConfig::new()
///     .args(["prog.wasm", "--verbose"])
///     .env("HOME", "/")
///     .stdout(stdout.clone())
///     .inherit_stderr()
///     .preopen_dir("./data", "/data", DirPerms::READ_ONLY, FilePerms::READ_ONLY)?
///     .build();
/// # drop(ctx);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct WasiConfig {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<InputStream>,
    stdout: Option<OutputStream>,
    stderr: Option<OutputStream>,
    preopens: Vec<(Dir, String)>,
}

impl WasiConfig {
    /// A configuration that gives the guest nothing.
    pub fn new() -> WasiConfig {
        WasiConfig::default()
    }

    /// Appends arguments (the first one is, by convention, the program name).
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Appends one argument.
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_string());
        self
    }

    /// Appends the host process's arguments (lossily converted to UTF-8).
    pub fn inherit_args(&mut self) -> &mut Self {
        self.args
            .extend(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        self.env
            .push((key.as_ref().to_string(), value.as_ref().to_string()));
        self
    }

    /// Sets environment variables.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        for (key, value) in vars {
            self.env(key, value);
        }
        self
    }

    /// Sets the host process's environment variables (lossily converted to UTF-8).
    pub fn inherit_env(&mut self) -> &mut Self {
        for (key, value) in std::env::vars_os() {
            self.env(key.to_string_lossy(), value.to_string_lossy());
        }
        self
    }

    /// Reads standard input from an in-memory buffer.
    pub fn stdin(&mut self, pipe: MemoryInputPipe) -> &mut Self {
        self.stdin = Some(InputStream::Pipe(pipe));
        self
    }

    /// Captures standard output in an in-memory buffer.
    pub fn stdout(&mut self, pipe: MemoryOutputPipe) -> &mut Self {
        self.stdout = Some(OutputStream::Pipe(pipe));
        self
    }

    /// Captures standard error in an in-memory buffer.
    pub fn stderr(&mut self, pipe: MemoryOutputPipe) -> &mut Self {
        self.stderr = Some(OutputStream::Pipe(pipe));
        self
    }

    /// Reads standard input from a host file.
    pub fn stdin_file(&mut self, file: std::fs::File) -> &mut Self {
        self.stdin = Some(InputStream::File(file));
        self
    }

    /// Writes standard output to a host file.
    pub fn stdout_file(&mut self, file: std::fs::File) -> &mut Self {
        self.stdout = Some(OutputStream::File(file));
        self
    }

    /// Writes standard error to a host file.
    pub fn stderr_file(&mut self, file: std::fs::File) -> &mut Self {
        self.stderr = Some(OutputStream::File(file));
        self
    }

    /// Reads standard input from the host process's.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin = Some(InputStream::Inherit);
        self
    }

    /// Writes standard output to the host process's.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout = Some(OutputStream::Stdout);
        self
    }

    /// Writes standard error to the host process's.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr = Some(OutputStream::Stderr);
        self
    }

    /// Connects all three standard streams to the host process's.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Gives the guest the host directory `host_path` under the name `guest_path` (such as
    /// `"/"`, `"."` or `"/data"`). The guest reaches nothing outside it; `dir_perms` and
    /// `file_perms` further limit what it may do inside. Fails if `host_path` cannot be
    /// opened as a directory.
    pub fn preopen_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl AsRef<str>,
        dir_perms: DirPerms,
        file_perms: FilePerms,
    ) -> io::Result<&mut Self> {
        let fd = sys::open(host_path.as_ref(), libc::O_RDONLY | libc::O_DIRECTORY)?;
        self.preopens.push((
            Dir::new(fd, dir_perms, file_perms),
            guest_path.as_ref().to_string(),
        ));
        Ok(self)
    }

    /// Makes the context. The configuration is left empty, ready to describe another one.
    pub fn build(&mut self) -> WasiCtx {
        let config = std::mem::take(self);
        let mut table = FdTable::default();
        let stdin = config.stdin.unwrap_or(InputStream::Empty);
        let stdout = config.stdout.unwrap_or(OutputStream::Sink);
        let stderr = config.stderr.unwrap_or(OutputStream::Sink);
        table.insert_at(
            0,
            Entry::new(Descriptor::Input(stdin), Rights::STDIN, Rights::empty()),
        );
        table.insert_at(
            1,
            Entry::new(Descriptor::Output(stdout), Rights::STDOUT, Rights::empty()),
        );
        table.insert_at(
            2,
            Entry::new(Descriptor::Output(stderr), Rights::STDOUT, Rights::empty()),
        );
        for (fd, (dir, guest_path)) in (3u32..).zip(config.preopens) {
            let mut entry = Entry::new(
                Descriptor::Dir(dir),
                Rights::DIR_BASE,
                Rights::DIR_INHERITING,
            );
            entry.preopen = Some(guest_path);
            table.insert_at(fd, entry);
        }
        WasiCtx {
            args: config.args,
            env: config.env,
            table,
        }
    }
}
