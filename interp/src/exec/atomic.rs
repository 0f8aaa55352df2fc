//! Atomic accesses to linear memory (threads proposal), all sequentially consistent.
//!
//! Read-modify-write operations work on the memory's bytes in host order, which is wasm's
//! little-endian order on the hosts tandem supports.

// The accessors are written once for every width; for the 8-byte one the widening casts
// are no-ops.
#![allow(clippy::unnecessary_cast)]

use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, Ordering::SeqCst};

use crate::isa::RmwOp;

macro_rules! with_atomic {
    ($ptr:expr, $width:expr, |$a:ident, $t:ident| $body:expr) => {
        match $width {
            1 => {
                type $t = u8;
                // SAFETY: the caller guarantees an aligned, in-bounds address.
                let $a = unsafe { AtomicU8::from_ptr($ptr) };
                $body
            }
            2 => {
                type $t = u16;
                // SAFETY: as above.
                let $a = unsafe { AtomicU16::from_ptr($ptr.cast()) };
                $body
            }
            4 => {
                type $t = u32;
                // SAFETY: as above.
                let $a = unsafe { AtomicU32::from_ptr($ptr.cast()) };
                $body
            }
            _ => {
                type $t = u64;
                // SAFETY: as above.
                let $a = unsafe { AtomicU64::from_ptr($ptr.cast()) };
                $body
            }
        }
    };
}

/// Loads `width` bytes, zero-extended.
///
/// # Safety
///
/// `ptr` must be valid for `width` bytes and aligned to `width`.
pub unsafe fn load(ptr: *mut u8, width: usize) -> u64 {
    with_atomic!(ptr, width, |a, T| T::from_le(a.load(SeqCst)) as u64)
}

/// Stores the low `width` bytes of `value`.
///
/// # Safety
///
/// As for [`load`].
pub unsafe fn store(ptr: *mut u8, width: usize, value: u64) {
    with_atomic!(ptr, width, |a, T| a.store((value as T).to_le(), SeqCst))
}

/// Applies `op` with `value` and returns the old value, zero-extended.
///
/// # Safety
///
/// As for [`load`].
pub unsafe fn rmw(ptr: *mut u8, width: usize, op: RmwOp, value: u64) -> u64 {
    with_atomic!(ptr, width, |a, T| {
        let v = value as T;
        let old = match op {
            RmwOp::Add => a.fetch_add(v, SeqCst),
            RmwOp::Sub => a.fetch_sub(v, SeqCst),
            RmwOp::And => a.fetch_and(v, SeqCst),
            RmwOp::Or => a.fetch_or(v, SeqCst),
            RmwOp::Xor => a.fetch_xor(v, SeqCst),
            RmwOp::Xchg => a.swap(v, SeqCst),
        };
        old as u64
    })
}

/// Replaces the value with `replacement` if it equals `expected` (both truncated to the
/// width); returns the old value, zero-extended.
///
/// # Safety
///
/// As for [`load`].
pub unsafe fn cmpxchg(ptr: *mut u8, width: usize, expected: u64, replacement: u64) -> u64 {
    with_atomic!(ptr, width, |a, T| {
        match a.compare_exchange(expected as T, replacement as T, SeqCst, SeqCst) {
            Ok(old) | Err(old) => old as u64,
        }
    })
}
