//! The guest's clocks: wall time, a monotonic clock, and CPU time, read from the host.

use crate::abi::Clockid;
use crate::errno::Result;
use crate::sys;

fn host_clock(id: Clockid) -> libc::clockid_t {
    match id {
        Clockid::Realtime => libc::CLOCK_REALTIME,
        Clockid::Monotonic => libc::CLOCK_MONOTONIC,
        Clockid::ProcessCputime => libc::CLOCK_PROCESS_CPUTIME_ID,
        Clockid::ThreadCputime => libc::CLOCK_THREAD_CPUTIME_ID,
    }
}

/// The time of `id` in nanoseconds (since the epoch for the wall clock, since an arbitrary
/// point for the others).
pub(crate) fn now(id: Clockid) -> Result<u64> {
    Ok(sys::clock_gettime(host_clock(id))?)
}

/// The resolution of `id` in nanoseconds (at least 1).
pub(crate) fn resolution(id: Clockid) -> Result<u64> {
    Ok(sys::clock_getres(host_clock(id))?.max(1))
}

/// The monotonic clock, which cannot fail on any supported host.
pub(crate) fn monotonic_now() -> u64 {
    now(Clockid::Monotonic).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_advance() {
        let a = now(Clockid::Monotonic).unwrap();
        let b = now(Clockid::Monotonic).unwrap();
        assert!(b >= a);
        // Later than 2020-01-01.
        assert!(now(Clockid::Realtime).unwrap() > 1_577_836_800_000_000_000);
        assert!(resolution(Clockid::Realtime).unwrap() >= 1);
    }
}
