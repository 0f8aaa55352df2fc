//! Linear memory: an address-space reservation whose pages the OS zeroes lazily.
//!
//! The whole reachable range of a memory is reserved once, so the base pointer never moves
//! and instantiation never touches (or zeroes) the pages itself: the OS backs and zeroes a
//! page on its first touch.
//!
//! A guarded memory ([`Reservation::IndexSpaceAndGuard`]) relies on the hardware to stop
//! accesses past its length, so everything past the length stays inaccessible and growing
//! makes the next pages accessible. A memory whose every access is checked against its
//! length ([`Reservation::Maximum`]) is mapped readable and writable in one system call when
//! the OS allows it (it may refuse under strict overcommit accounting, and the memory then
//! commits as it grows like a guarded one): its bytes past the length are untouched, hence
//! still zero when growth exposes them, and growing only stores a new length. Creating a
//! memory is then one `mmap`, which is most of what instantiating a small module costs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::ctx::VmMemory;

/// The size of a WebAssembly page.
pub const WASM_PAGE_SIZE: u64 = 65536;

/// Rounds a size up to whole pages of the operating system, the unit of memory protection.
fn round_up_to_os_page(bytes: u64) -> u64 {
    let page = os::page_size();
    bytes.div_ceil(page) * page
}

/// The largest reservation made for one memory (a 32-bit memory's whole index space).
const MAX_RESERVATION: u64 = 1 << 32;

/// The inaccessible bytes a [`Reservation::IndexSpaceAndGuard`] memory reserves past the
/// 32-bit index space.
///
/// An access at any 32-bit index plus a static offset and access size of at most this many
/// bytes stays inside the reservation, so code that lets the hardware check such an access
/// (faulting on the pages not yet committed) needs no explicit bounds check.
pub const GUARD_SIZE: u64 = 2 << 30;

/// How much address space a memory reserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reservation {
    /// Its maximum size, rounded up to whole OS pages: every access must be checked against
    /// the current length.
    #[default]
    Maximum,
    /// The whole 32-bit index space followed by [`GUARD_SIZE`] bytes, of which only the
    /// current length is ever accessible, so that an out-of-bounds access at a 32-bit index
    /// faults (see [`GUARD_SIZE`]). Only honoured for page sizes that are a multiple of the
    /// OS page (so the accessible part ends exactly at the length); other memories reserve
    /// their maximum.
    IndexSpaceAndGuard,
}

/// Why a memory could not be created or grown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    /// The requested size exceeds the memory's maximum or the address space tandem reserves.
    #[error("memory size of {pages} pages exceeds the limit of {limit} pages")]
    TooLarge {
        /// Requested pages.
        pages: u64,
        /// The maximum the memory can reach.
        limit: u64,
    },
    /// The operating system refused the reservation or commit.
    #[error("the operating system refused to map {bytes} bytes of linear memory")]
    OutOfMemory {
        /// Bytes requested.
        bytes: u64,
    },
}

/// A linear memory. Its [`VmMemory`] definition is boxed so that `VmCtx` pointers to it stay
/// valid for the memory's whole life.
///
/// Growth takes `&self`: the base never moves and pages are only ever added, so a shared
/// memory can grow while other threads run code that reads its length.
#[derive(Debug)]
pub struct LinearMemory {
    def: Box<VmMemory>,
    reserved: usize,
    max_pages: u64,
    page_size: u64,
    /// Bytes accessible so far: the size rounded up to whole OS pages, or the whole
    /// reservation when it was mapped accessible at once.
    committed: AtomicUsize,
    shared: bool,
    /// Whether the reservation is [`Reservation::IndexSpaceAndGuard`].
    guarded: bool,
    grow_lock: Mutex<()>,
}

// SAFETY: the memory owns its mapping; the raw base pointer is only an address into it, and
// the length is atomic, so the memory can be used and grown from any thread.
unsafe impl Send for LinearMemory {}
// SAFETY: as for `Send`; growth is serialized by `grow_lock`.
unsafe impl Sync for LinearMemory {}

impl LinearMemory {
    /// Creates a memory of `min_pages`, growable to `max_pages` (also bounded by the largest
    /// reservation tandem makes).
    pub fn new(min_pages: u64, max_pages: Option<u64>) -> Result<Self, MemoryError> {
        Self::with_options(min_pages, max_pages, false, WASM_PAGE_SIZE)
    }

    /// Creates a memory that threads may share (`shared` in the threads proposal).
    pub fn new_shared(min_pages: u64, max_pages: u64) -> Result<Self, MemoryError> {
        Self::with_options(min_pages, Some(max_pages), true, WASM_PAGE_SIZE)
    }

    /// Creates a memory with any page size (custom-page-sizes proposal: 1 or 65536 bytes).
    pub fn with_options(
        min_pages: u64,
        max_pages: Option<u64>,
        shared: bool,
        page_size: u64,
    ) -> Result<Self, MemoryError> {
        Self::with_reservation(
            min_pages,
            max_pages,
            shared,
            page_size,
            Reservation::Maximum,
        )
    }

    /// Creates a memory as [`LinearMemory::with_options`] does, reserving `reservation`.
    pub fn with_reservation(
        min_pages: u64,
        max_pages: Option<u64>,
        shared: bool,
        page_size: u64,
        reservation: Reservation,
    ) -> Result<Self, MemoryError> {
        // The index space of a 32-bit memory is 4 GiB, and tandem reserves no more for any
        // memory: the largest reachable size is the last whole page below that.
        let reservable_pages = MAX_RESERVATION / page_size - u64::from(page_size == 1);
        let max_pages = max_pages.unwrap_or(reservable_pages).min(reservable_pages);
        if min_pages > max_pages {
            return Err(MemoryError::TooLarge {
                pages: min_pages,
                limit: max_pages,
            });
        }
        let guarded = reservation == Reservation::IndexSpaceAndGuard
            && cfg!(unix)
            && page_size.is_multiple_of(os::page_size());
        let reserved = if guarded {
            (MAX_RESERVATION + GUARD_SIZE) as usize
        } else {
            round_up_to_os_page(max_pages * page_size) as usize
        };
        // A checked memory asks for its whole reservation accessible at once; see the module
        // documentation.
        let accessible = (!guarded).then(|| os::reserve(reserved, true)).flatten();
        let (base, committed) = match accessible {
            Some(base) => (base, reserved),
            None => {
                let base = os::reserve(reserved, false).ok_or(MemoryError::OutOfMemory {
                    bytes: reserved as u64,
                })?;
                (base, 0)
            }
        };
        let memory = LinearMemory {
            def: Box::new(VmMemory {
                base,
                len: AtomicUsize::new(0),
            }),
            reserved,
            max_pages,
            page_size,
            committed: AtomicUsize::new(committed),
            shared,
            guarded,
            grow_lock: Mutex::new(()),
        };
        memory.grow(min_pages)?;
        Ok(memory)
    }

    /// The current size in pages.
    pub fn pages(&self) -> u64 {
        self.len() as u64 / self.page_size
    }

    /// The page size in bytes.
    pub fn page_size(&self) -> u64 {
        self.page_size
    }

    /// The current size in bytes.
    pub fn len(&self) -> usize {
        self.def.len.load(Ordering::Acquire)
    }

    /// Whether the memory has zero pages.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most pages this memory can reach.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// Whether the memory is shared between threads.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// Whether the memory reserved its index space and guard ([`Reservation::IndexSpaceAndGuard`]),
    /// so that accesses past its length at 32-bit indices fault.
    pub fn is_guarded(&self) -> bool {
        self.guarded
    }

    /// Grows by `delta` pages, returning the old size in pages.
    pub fn grow(&self, delta: u64) -> Result<u64, MemoryError> {
        let _serialized = self.grow_lock.lock().unwrap_or_else(|e| e.into_inner());
        let len = self.len();
        let old = len as u64 / self.page_size;
        let new = old
            .checked_add(delta)
            .filter(|&n| n <= self.max_pages)
            .ok_or(MemoryError::TooLarge {
                pages: old.saturating_add(delta),
                limit: self.max_pages,
            })?;
        let new_len = (new * self.page_size) as usize;
        let committed = self.committed.load(Ordering::Relaxed);
        if new_len > committed {
            let new_committed = round_up_to_os_page(new_len as u64) as usize;
            debug_assert!(new_committed <= self.reserved);
            if !os::commit(self.def.base, committed, new_committed - committed) {
                return Err(MemoryError::OutOfMemory {
                    bytes: new_len as u64,
                });
            }
            self.committed.store(new_committed, Ordering::Relaxed);
        }
        self.def.len.store(new_len, Ordering::Release);
        Ok(old)
    }

    /// The memory's bytes. Only for memories that are not shared: another thread could write
    /// a shared memory while the slice is alive.
    pub fn data(&self) -> &[u8] {
        let len = self.len();
        if len == 0 {
            return &[];
        }
        // SAFETY: `base..base+len` is committed, readable memory owned by `self`; the shared
        // borrow of `self` prevents release while the slice lives, and growth only adds pages.
        unsafe { std::slice::from_raw_parts(self.def.base, len) }
    }

    /// The memory's bytes, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        let len = self.len();
        if len == 0 {
            return &mut [];
        }
        // SAFETY: as in `data`, and the exclusive borrow of `self` makes the slice unique.
        unsafe { std::slice::from_raw_parts_mut(self.def.base, len) }
    }

    /// Copies `bytes` to `offset`; `false` (and nothing written) if out of bounds. Works on
    /// shared memories too, where other threads may access the same bytes concurrently, as
    /// wasm allows.
    pub fn write_at(&self, offset: u64, bytes: &[u8]) -> bool {
        let fits = offset
            .checked_add(bytes.len() as u64)
            .is_some_and(|end| end <= self.len() as u64);
        if fits && !bytes.is_empty() {
            // SAFETY: the range was checked to lie inside the committed part of the mapping.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    self.def.base.add(offset as usize),
                    bytes.len(),
                )
            };
        }
        fits
    }

    /// Copies bytes at `offset` into `buf`; `false` if out of bounds.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> bool {
        let fits = offset
            .checked_add(buf.len() as u64)
            .is_some_and(|end| end <= self.len() as u64);
        if fits && !buf.is_empty() {
            // SAFETY: as in `write_at`.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.def.base.add(offset as usize),
                    buf.as_mut_ptr(),
                    buf.len(),
                )
            };
        }
        fits
    }

    /// The memory's bytes as cells, which other threads may write concurrently (for shared
    /// memories).
    pub fn cells(&self) -> &[std::cell::UnsafeCell<u8>] {
        let len = self.len();
        if len == 0 {
            return &[];
        }
        // SAFETY: `base..base+len` is committed memory owned by `self`; `UnsafeCell<u8>` has
        // the layout of `u8` and permits the concurrent mutation other threads may perform.
        unsafe { std::slice::from_raw_parts(self.def.base.cast(), len) }
    }

    /// The base address, for shared memories whose bytes are accessed as atomics or cells.
    pub fn base(&self) -> *mut u8 {
        self.def.base
    }

    /// The definition that `VmCtx` points at.
    pub fn vm_definition(&self) -> *mut VmMemory {
        &*self.def as *const VmMemory as *mut VmMemory
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        os::release(self.def.base, self.reserved);
    }
}

#[cfg(unix)]
mod os {
    use std::ptr;
    use std::sync::OnceLock;

    /// The operating system's page size.
    pub(super) fn page_size() -> u64 {
        static PAGE_SIZE: OnceLock<u64> = OnceLock::new();
        // SAFETY: sysconf only reads a system constant.
        *PAGE_SIZE.get_or_init(|| match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
            size if size > 0 => size as u64,
            _ => 4096,
        })
    }

    /// Reserves `len` bytes of address space, readable and writable if `accessible`, else
    /// with no access rights. Either way no memory is committed: the OS backs a page on its
    /// first touch.
    pub(super) fn reserve(len: usize, accessible: bool) -> Option<*mut u8> {
        if len == 0 {
            return Some(ptr::NonNull::<u8>::dangling().as_ptr());
        }
        let protection = if accessible {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_NONE
        };
        // SAFETY: an anonymous private mapping at a kernel-chosen address aliases nothing.
        let ptr = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                protection,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        (ptr != libc::MAP_FAILED).then_some(ptr.cast())
    }

    /// Makes `base+from .. base+from+len` readable and writable.
    pub(super) fn commit(base: *mut u8, from: usize, len: usize) -> bool {
        // SAFETY: the range lies inside the reservation made by `reserve` (checked by the caller
        // against the reserved size); changing its protection affects nothing else.
        unsafe {
            libc::mprotect(
                base.add(from).cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
            ) == 0
        }
    }

    /// Returns the reservation to the OS.
    pub(super) fn release(base: *mut u8, len: usize) {
        if len != 0 {
            // SAFETY: `base..base+len` is exactly the mapping made by `reserve`, no longer used.
            unsafe { libc::munmap(base.cast(), len) };
        }
    }
}

#[cfg(not(unix))]
mod os {
    // Portable fallback: commit the whole reservation eagerly from the allocator.
    use std::alloc::{Layout, alloc_zeroed, dealloc};

    pub(super) fn page_size() -> u64 {
        4096
    }

    pub(super) fn reserve(len: usize, _accessible: bool) -> Option<*mut u8> {
        if len == 0 {
            return Some(std::ptr::NonNull::<u8>::dangling().as_ptr());
        }
        let layout = Layout::from_size_align(len, 16).ok()?;
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        (!ptr.is_null()).then_some(ptr)
    }

    pub(super) fn commit(_base: *mut u8, _from: usize, _len: usize) -> bool {
        true
    }

    pub(super) fn release(base: *mut u8, len: usize) {
        if len != 0 {
            // SAFETY: allocated by `reserve` with this same layout.
            unsafe { dealloc(base, Layout::from_size_align(len, 16).unwrap()) };
        }
    }
}
