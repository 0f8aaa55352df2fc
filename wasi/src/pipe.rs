//! In-memory standard streams: feed a guest's stdin from bytes and capture its stdout/stderr.

use std::sync::{Arc, Mutex, MutexGuard};

/// A byte buffer to read the guest's standard input from. Clones share the buffer and the
/// read position.
///
/// ```
/// use tandem_wasi::{MemoryInputPipe, WasiConfig};
/// let stdin = MemoryInputPipe::new("line one\nline two\n");
/// let ctx = WasiConfig::new().stdin(stdin).build();
/// # drop(ctx);
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryInputPipe {
    inner: Arc<Mutex<InputBuffer>>,
}

#[derive(Debug, Default)]
struct InputBuffer {
    data: Vec<u8>,
    position: usize,
}

impl MemoryInputPipe {
    /// A pipe that yields `bytes`, then end-of-file.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        MemoryInputPipe {
            inner: Arc::new(Mutex::new(InputBuffer {
                data: bytes.into(),
                position: 0,
            })),
        }
    }

    /// How many bytes are left to read.
    pub fn remaining(&self) -> usize {
        let inner = lock(&self.inner);
        inner.data.len() - inner.position
    }

    /// Reads up to `buf.len()` bytes; 0 at end-of-file.
    pub(crate) fn read(&self, buf: &mut [u8]) -> usize {
        let mut inner = lock(&self.inner);
        let start = inner.position;
        let n = buf.len().min(inner.data.len() - start);
        buf[..n].copy_from_slice(&inner.data[start..start + n]);
        inner.position += n;
        n
    }
}

/// A growable buffer that captures what the guest writes to stdout or stderr. Clones share
/// the buffer, so keep one to read the output after the guest ran.
///
/// ```
/// use tandem_wasi::{MemoryOutputPipe, WasiConfig};
/// let stdout = MemoryOutputPipe::new();
/// let ctx = WasiConfig::new().stdout(stdout.clone()).build();
/// // ... run the guest with `ctx` ...
/// # drop(ctx);
/// assert!(stdout.contents().is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryOutputPipe {
    inner: Arc<Mutex<OutputBuffer>>,
}

#[derive(Debug, Default)]
struct OutputBuffer {
    data: Vec<u8>,
    limit: Option<usize>,
}

impl MemoryOutputPipe {
    /// An empty, unbounded pipe.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty pipe that accepts at most `limit` bytes; writes past it fail with `ENOSPC`.
    pub fn with_limit(limit: usize) -> Self {
        MemoryOutputPipe {
            inner: Arc::new(Mutex::new(OutputBuffer {
                data: Vec::new(),
                limit: Some(limit),
            })),
        }
    }

    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        lock(&self.inner).data.clone()
    }

    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn contents_lossy(&self) -> String {
        String::from_utf8_lossy(&lock(&self.inner).data).into_owned()
    }

    /// Appends `bytes`; returns how many were taken (fewer only when the limit is reached).
    pub(crate) fn write(&self, bytes: &[u8]) -> usize {
        let mut inner = lock(&self.inner);
        let room = inner
            .limit
            .map_or(usize::MAX, |limit| limit.saturating_sub(inner.data.len()));
        let n = bytes.len().min(room);
        inner.data.extend_from_slice(&bytes[..n]);
        n
    }
}

/// Locks a pipe buffer. A panic while the lock was held cannot leave the buffer in a state
/// worse than "some bytes written", so a poisoned lock is simply taken over.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_consumed_once_across_clones() {
        let pipe = MemoryInputPipe::new("hello");
        let other = pipe.clone();
        let mut buf = [0u8; 3];
        assert_eq!(pipe.read(&mut buf), 3);
        assert_eq!(&buf, b"hel");
        assert_eq!(other.read(&mut buf), 2);
        assert_eq!(&buf[..2], b"lo");
        assert_eq!(pipe.read(&mut buf), 0);
    }

    #[test]
    fn output_is_shared_and_limited() {
        let pipe = MemoryOutputPipe::with_limit(4);
        pipe.clone().write(b"abc");
        assert_eq!(pipe.write(b"def"), 1);
        assert_eq!(pipe.contents(), b"abcd");
    }
}
