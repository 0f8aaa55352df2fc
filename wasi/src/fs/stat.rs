//! Conversions between host file metadata and the guest's `filestat` and timestamps.

use crate::abi::{Filestat, Filetype, Fstflags};
use crate::errno::{Errno, Result};

/// The guest's view of a host `struct stat`.
pub(crate) fn filestat_from_host(stat: &libc::stat) -> Filestat {
    #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
    Filestat {
        dev: stat.st_dev as u64,
        ino: stat.st_ino as u64,
        filetype: Filetype::from_mode(stat.st_mode),
        nlink: stat.st_nlink as u64,
        size: stat.st_size as u64,
        atim: nanos(stat.st_atime as i64, stat.st_atime_nsec as i64),
        mtim: nanos(stat.st_mtime as i64, stat.st_mtime_nsec as i64),
        ctim: nanos(stat.st_ctime as i64, stat.st_ctime_nsec as i64),
    }
}

/// Timestamps before the epoch cannot be expressed in WASI; they read as 0.
fn nanos(secs: i64, nsecs: i64) -> u64 {
    u64::try_from(secs)
        .unwrap_or(0)
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::try_from(nsecs).unwrap_or(0))
}

/// The `[atime, mtime]` pair for `utimensat`/`futimens` from `fd_filestat_set_times`-style
/// arguments. Asking for a time and "now" for the same stamp is `EINVAL`, as are unknown
/// flag bits.
pub(crate) fn timespecs(atim: u64, mtim: u64, fst_flags: u16) -> Result<[libc::timespec; 2]> {
    let flags = Fstflags::from_bits(fst_flags).ok_or(Errno::Inval)?;
    if flags.contains(Fstflags::ATIM | Fstflags::ATIM_NOW)
        || flags.contains(Fstflags::MTIM | Fstflags::MTIM_NOW)
    {
        return Err(Errno::Inval);
    }
    let one = |set: Fstflags, now: Fstflags, value: u64| {
        if flags.contains(now) {
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            }
        } else if flags.contains(set) {
            libc::timespec {
                tv_sec: (value / 1_000_000_000) as libc::time_t,
                tv_nsec: (value % 1_000_000_000) as libc::c_long,
            }
        } else {
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            }
        }
    };
    Ok([
        one(Fstflags::ATIM, Fstflags::ATIM_NOW, atim),
        one(Fstflags::MTIM, Fstflags::MTIM_NOW, mtim),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicting_time_flags_are_invalid() {
        assert_eq!(timespecs(0, 0, 0b11).unwrap_err(), Errno::Inval);
        assert_eq!(timespecs(0, 0, 0b1100).unwrap_err(), Errno::Inval);
        assert_eq!(timespecs(0, 0, 0b10000).unwrap_err(), Errno::Inval);
        let [a, m] = timespecs(1_500_000_000, 0, 0b1001).unwrap();
        assert_eq!((a.tv_sec, a.tv_nsec), (1, 500_000_000));
        assert_eq!(m.tv_nsec, libc::UTIME_NOW);
    }
}
