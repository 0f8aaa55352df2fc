//! The guest's standard streams and where they lead on the host.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, RawFd};

use crate::abi::Filetype;
use crate::errno::{Errno, Result};
use crate::pipe::{MemoryInputPipe, MemoryOutputPipe};
use crate::sys;

/// Where the guest's standard input comes from.
#[derive(Debug)]
pub(crate) enum InputStream {
    /// Always at end-of-file.
    Empty,
    /// The host process's standard input.
    Inherit,
    /// A host file or pipe.
    File(File),
    /// An in-memory buffer.
    Pipe(MemoryInputPipe),
}

/// Where the guest's standard output or error goes.
#[derive(Debug)]
pub(crate) enum OutputStream {
    /// Discards everything.
    Sink,
    /// The host process's standard output.
    Stdout,
    /// The host process's standard error.
    Stderr,
    /// A host file or pipe.
    File(File),
    /// An in-memory buffer.
    Pipe(MemoryOutputPipe),
}

impl InputStream {
    /// Reads up to `buf.len()` bytes; 0 at end-of-file.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        match self {
            InputStream::Empty => Ok(0),
            // Not through `std::io::Stdin`, whose buffer would hide input from `poll_oneoff`.
            InputStream::Inherit => Ok(sys::read(io::stdin().as_fd(), buf)?),
            InputStream::File(file) => Ok(file.read(buf)?),
            InputStream::Pipe(pipe) => Ok(pipe.read(buf)),
        }
    }

    /// The host descriptor to poll for readiness, if any; other inputs are always ready.
    pub fn host_fd(&self) -> Option<RawFd> {
        match self {
            InputStream::Inherit => Some(io::stdin().as_raw_fd()),
            InputStream::File(file) => Some(file.as_raw_fd()),
            InputStream::Empty | InputStream::Pipe(_) => None,
        }
    }

    /// Bytes known to be readable without blocking, for `poll_oneoff`.
    pub fn ready_bytes(&self) -> u64 {
        match self {
            InputStream::Pipe(pipe) => pipe.remaining() as u64,
            _ => 0,
        }
    }

    /// What the guest sees the stream as.
    pub fn filetype(&self) -> Filetype {
        stream_filetype(self.host_fd())
    }
}

impl OutputStream {
    /// Writes all of `data` (fewer bytes only when a limited pipe is full).
    pub fn write(&mut self, data: &[u8]) -> Result<usize> {
        match self {
            OutputStream::Sink => Ok(data.len()),
            // Flushed at once, so that the guest's stdout and stderr interleave on the host as
            // the guest wrote them.
            OutputStream::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(data)?;
                out.flush()?;
                Ok(data.len())
            }
            OutputStream::Stderr => {
                io::stderr().lock().write_all(data)?;
                Ok(data.len())
            }
            OutputStream::File(file) => {
                file.write_all(data)?;
                Ok(data.len())
            }
            OutputStream::Pipe(pipe) => match pipe.write(data) {
                0 if !data.is_empty() => Err(Errno::Nospc),
                n => Ok(n),
            },
        }
    }

    /// The host descriptor to poll for readiness, if any; other outputs are always ready.
    pub fn host_fd(&self) -> Option<RawFd> {
        match self {
            OutputStream::Stdout => Some(io::stdout().as_raw_fd()),
            OutputStream::Stderr => Some(io::stderr().as_raw_fd()),
            OutputStream::File(file) => Some(file.as_raw_fd()),
            OutputStream::Sink | OutputStream::Pipe(_) => None,
        }
    }

    /// What the guest sees the stream as.
    pub fn filetype(&self) -> Filetype {
        stream_filetype(self.host_fd())
    }
}

/// A terminal is a character device; anything else is reported as of unknown type, so that
/// the guest neither seeks in it nor takes it for a terminal.
fn stream_filetype(fd: Option<RawFd>) -> Filetype {
    match fd {
        Some(fd) if sys::isatty(fd) => Filetype::CharacterDevice,
        _ => Filetype::Unknown,
    }
}
