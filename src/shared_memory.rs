//! Memories shared between threads (the threads proposal).

use std::cell::UnsafeCell;
use std::sync::Arc;

use tandem_interp::vm::LinearMemory;

use crate::engine::Engine;
use crate::error::{Error, MemoryAccessError, Result};
use crate::types::MemoryType;

/// A linear memory that instances in several stores, on several threads, can use at once.
/// Unlike [`Memory`](crate::Memory) it belongs to no store; clones are handles to the same
/// memory. Atomic wasm instructions on it are sequentially consistent, and growth is visible
/// to every thread; the memory never moves.
///
/// ```
/// use tandem::{Config, Engine, MemoryType, SharedMemory};
/// let mut config = Config::new();
/// config.wasm_threads(true);
/// let engine = Engine::new(&config)?;
/// let memory = SharedMemory::new(&engine, MemoryType::shared(1, 4))?;
/// let other = memory.clone();
/// std::thread::spawn(move || other.write(0, b"hello").unwrap()).join().unwrap();
/// let mut buf = [0; 5];
/// memory.read(0, &mut buf)?;
/// assert_eq!(&buf, b"hello");
/// assert_eq!(memory.grow(1)?, 1);
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SharedMemory {
    pub(crate) memory: Arc<LinearMemory>,
    pub(crate) ty: MemoryType,
    engine: Engine,
}

impl SharedMemory {
    /// A new shared memory; `ty` must be shared (which requires a maximum).
    pub fn new(engine: &Engine, ty: MemoryType) -> Result<SharedMemory> {
        if !ty.is_shared() {
            return Err(Error::msg(
                "SharedMemory needs a shared memory type (MemoryType::shared)",
            ));
        }
        if ty.is_64() {
            return Err(Error::msg("64-bit shared memories are not supported"));
        }
        let max = ty
            .maximum()
            .ok_or_else(|| Error::msg("shared memories need a maximum size"))?;
        let memory = LinearMemory::with_reservation(
            ty.minimum(),
            Some(max),
            true,
            ty.page_size(),
            engine.memory_reservation(),
        )
        .map_err(|e| Error::msg(e.to_string()))?;
        Ok(SharedMemory {
            memory: Arc::new(memory),
            ty,
            engine: engine.clone(),
        })
    }

    pub(crate) fn from_parts(memory: Arc<LinearMemory>, ty: MemoryType, engine: Engine) -> Self {
        SharedMemory { memory, ty, engine }
    }

    /// The engine it was made for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Its type, with the current size as the minimum.
    pub fn ty(&self) -> MemoryType {
        self.ty.with_minimum(self.memory.pages())
    }

    /// Current size in pages.
    pub fn size(&self) -> u64 {
        self.memory.pages()
    }

    /// Current size in bytes.
    pub fn data_size(&self) -> usize {
        self.memory.len()
    }

    /// Grows by `delta` pages, returning the old size; fails past the maximum.
    pub fn grow(&self, delta: u64) -> Result<u64> {
        self.memory
            .grow(delta)
            .map_err(|e| Error::msg(format!("failed to grow memory: {e}")))
    }

    /// The bytes, as cells: other threads may change them at any time.
    pub fn data(&self) -> &[UnsafeCell<u8>] {
        self.memory.cells()
    }

    /// Copies bytes out of the memory; fails if the range is out of bounds.
    pub fn read(&self, offset: usize, buf: &mut [u8]) -> Result<(), MemoryAccessError> {
        if self.memory.read_at(offset as u64, buf) {
            Ok(())
        } else {
            Err(MemoryAccessError { _private: () })
        }
    }

    /// Copies bytes into the memory; fails if the range is out of bounds.
    pub fn write(&self, offset: usize, buf: &[u8]) -> Result<(), MemoryAccessError> {
        if self.memory.write_at(offset as u64, buf) {
            Ok(())
        } else {
            Err(MemoryAccessError { _private: () })
        }
    }

    /// Whether two handles are the same memory.
    pub fn same(&self, other: &SharedMemory) -> bool {
        Arc::ptr_eq(&self.memory, &other.memory)
    }
}
