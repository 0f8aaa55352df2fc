//! Thin, safe wrappers over the host system calls tandem-wasi needs beyond `std`: the
//! `*at` family that resolves names relative to a directory descriptor (the basis of the
//! sandbox), directory listing, timestamps, clocks and `poll`. All `unsafe` of the crate is
//! here.

use std::ffi::{CStr, CString};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;

/// Flags to open a directory only to resolve names in it. `O_PATH` needs no read permission
/// on the directory and gives a descriptor that cannot be read or written.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const O_SEARCH: libc::c_int = libc::O_PATH;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub const O_SEARCH: libc::c_int = libc::O_RDONLY;

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A path component as a C string; an interior NUL is `EINVAL`.
pub fn cstr(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// `open(2)` of a host path (for preopens, which the embedder names and trusts).
pub fn open(path: &std::path::Path, flags: libc::c_int) -> io::Result<OwnedFd> {
    let path = cstr(path.as_os_str().as_bytes())?;
    // SAFETY: `path` is NUL-terminated and outlives the call.
    let fd = check(unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) })?;
    // SAFETY: `open` returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `openat(2)`.
pub fn openat(
    dir: BorrowedFd<'_>,
    name: &CStr,
    flags: libc::c_int,
    mode: libc::mode_t,
) -> io::Result<OwnedFd> {
    // SAFETY: `name` is NUL-terminated and outlives the call; `dir` is a live descriptor.
    let fd = check(unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name.as_ptr(),
            flags | libc::O_CLOEXEC,
            libc::c_uint::from(mode),
        )
    })?;
    // SAFETY: `openat` returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `fstatat(2)`; `flags` may hold `AT_SYMLINK_NOFOLLOW`.
pub fn fstatat(dir: BorrowedFd<'_>, name: &CStr, flags: libc::c_int) -> io::Result<libc::stat> {
    let mut stat = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `stat` is writable storage for one `struct stat`, `name` is NUL-terminated.
    check(unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), stat.as_mut_ptr(), flags) })?;
    // SAFETY: `fstatat` succeeded and filled `stat`.
    Ok(unsafe { stat.assume_init() })
}

/// `fstat(2)`.
pub fn fstat(fd: BorrowedFd<'_>) -> io::Result<libc::stat> {
    let mut stat = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `stat` is writable storage for one `struct stat`.
    check(unsafe { libc::fstat(fd.as_raw_fd(), stat.as_mut_ptr()) })?;
    // SAFETY: `fstat` succeeded and filled `stat`.
    Ok(unsafe { stat.assume_init() })
}

/// `readlinkat(2)`: the target of the symbolic link `name`.
pub fn readlinkat(dir: BorrowedFd<'_>, name: &CStr) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: `buf` is writable for `buf.len()` bytes; `name` is NUL-terminated.
        let n = unsafe {
            libc::readlinkat(
                dir.as_raw_fd(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        // A full buffer may mean the target was cut short: retry with more room.
        if n < buf.len() {
            buf.truncate(n);
            return Ok(buf);
        }
        buf.resize(buf.len() * 2, 0);
    }
}

/// `mkdirat(2)`.
pub fn mkdirat(dir: BorrowedFd<'_>, name: &CStr, mode: libc::mode_t) -> io::Result<()> {
    // SAFETY: `name` is NUL-terminated and outlives the call.
    check(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), mode) }).map(drop)
}

/// `unlinkat(2)`; `flags` may hold `AT_REMOVEDIR`.
pub fn unlinkat(dir: BorrowedFd<'_>, name: &CStr, flags: libc::c_int) -> io::Result<()> {
    // SAFETY: `name` is NUL-terminated and outlives the call.
    check(unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), flags) }).map(drop)
}

/// `renameat(2)`.
pub fn renameat(
    old_dir: BorrowedFd<'_>,
    old: &CStr,
    new_dir: BorrowedFd<'_>,
    new: &CStr,
) -> io::Result<()> {
    // SAFETY: both names are NUL-terminated and outlive the call.
    check(unsafe {
        libc::renameat(
            old_dir.as_raw_fd(),
            old.as_ptr(),
            new_dir.as_raw_fd(),
            new.as_ptr(),
        )
    })
    .map(drop)
}

/// `linkat(2)` without following a final symbolic link.
pub fn linkat(
    old_dir: BorrowedFd<'_>,
    old: &CStr,
    new_dir: BorrowedFd<'_>,
    new: &CStr,
) -> io::Result<()> {
    // SAFETY: both names are NUL-terminated and outlive the call.
    check(unsafe {
        libc::linkat(
            old_dir.as_raw_fd(),
            old.as_ptr(),
            new_dir.as_raw_fd(),
            new.as_ptr(),
            0,
        )
    })
    .map(drop)
}

/// `symlinkat(2)`: creates `name` pointing at `target`.
pub fn symlinkat(target: &CStr, dir: BorrowedFd<'_>, name: &CStr) -> io::Result<()> {
    // SAFETY: both strings are NUL-terminated and outlive the call.
    check(unsafe { libc::symlinkat(target.as_ptr(), dir.as_raw_fd(), name.as_ptr()) }).map(drop)
}

/// `utimensat(2)` with `AT_SYMLINK_NOFOLLOW`: the entry itself, never what it links to.
pub fn utimensat_nofollow(
    dir: BorrowedFd<'_>,
    name: &CStr,
    times: &[libc::timespec; 2],
) -> io::Result<()> {
    // SAFETY: `times` points at two timespecs and `name` is NUL-terminated.
    check(unsafe {
        libc::utimensat(
            dir.as_raw_fd(),
            name.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
    .map(drop)
}

/// `futimens(2)`.
pub fn futimens(fd: BorrowedFd<'_>, times: &[libc::timespec; 2]) -> io::Result<()> {
    // SAFETY: `times` points at two timespecs.
    check(unsafe { libc::futimens(fd.as_raw_fd(), times.as_ptr()) }).map(drop)
}

/// `fcntl(F_GETFL)`.
pub fn get_status_flags(fd: BorrowedFd<'_>) -> io::Result<libc::c_int> {
    // SAFETY: F_GETFL takes no argument and only reads descriptor state.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })
}

/// `fcntl(F_SETFL)`.
pub fn set_status_flags(fd: BorrowedFd<'_>, flags: libc::c_int) -> io::Result<()> {
    // SAFETY: F_SETFL takes an int and only changes descriptor state.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags) }).map(drop)
}

/// `posix_fadvise(2)`; a no-op where the host has none.
pub fn fadvise(fd: BorrowedFd<'_>, offset: i64, len: i64, advice: libc::c_int) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    {
        // SAFETY: plain integer arguments on a live descriptor.
        let ret = unsafe { libc::posix_fadvise(fd.as_raw_fd(), offset, len, advice) };
        if ret != 0 {
            return Err(io::Error::from_raw_os_error(ret));
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    let _ = (fd, offset, len, advice);
    Ok(())
}

/// `read(2)`: unbuffered, so that nothing is held back from a later `poll`.
pub fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is writable for `buf.len()` bytes.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// `isatty(3)`.
pub fn isatty(fd: RawFd) -> bool {
    // SAFETY: `isatty` only queries the descriptor; an invalid one yields 0.
    unsafe { libc::isatty(fd) == 1 }
}

/// One entry of a host directory listing.
pub struct HostDirEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    /// The `d_type` of the entry (`DT_UNKNOWN` when the file system does not say).
    pub d_type: u8,
}

/// Lists the directory `dir` (without `.` and `..`), from its start, through a descriptor
/// of its own so that the position of `dir` is untouched.
pub fn read_dir(dir: BorrowedFd<'_>) -> io::Result<Vec<HostDirEntry>> {
    let fd = openat(dir, c".", libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
    let raw = std::os::fd::IntoRawFd::into_raw_fd(fd);
    // SAFETY: `raw` is an open directory descriptor whose ownership passes to the stream.
    let stream = unsafe { libc::fdopendir(raw) };
    if stream.is_null() {
        let error = io::Error::last_os_error();
        // SAFETY: `fdopendir` failed, so `raw` is still ours to close.
        drop(unsafe { OwnedFd::from_raw_fd(raw) });
        return Err(error);
    }
    let mut entries = Vec::new();
    let result = loop {
        // `readdir` reports errors only through errno, so it is cleared first.
        set_errno(0);
        // SAFETY: `stream` is an open directory stream used by this thread only.
        let entry = unsafe { libc::readdir(stream) };
        if entry.is_null() {
            match io::Error::last_os_error() {
                e if e.raw_os_error() == Some(0) => break Ok(entries),
                e => break Err(e),
            }
        }
        // SAFETY: a non-null `readdir` result points at a valid entry until the next call.
        let entry = unsafe { &*entry };
        // SAFETY: `d_name` is NUL-terminated within the entry.
        let name = unsafe { CStr::from_ptr(entry.d_name.as_ptr()) }.to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        #[allow(clippy::useless_conversion)]
        entries.push(HostDirEntry {
            name: name.to_vec(),
            ino: u64::from(entry.d_ino),
            d_type: entry.d_type,
        });
    };
    // SAFETY: `stream` is open and not used after this.
    unsafe { libc::closedir(stream) };
    result
}

fn set_errno(value: libc::c_int) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: `__errno_location` returns the calling thread's errno slot.
    unsafe {
        *libc::__errno_location() = value
    };
    #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
    // SAFETY: `__error` returns the calling thread's errno slot.
    unsafe {
        *libc::__error() = value
    };
}

/// `clock_gettime(2)` in nanoseconds.
pub fn clock_gettime(clock: libc::clockid_t) -> io::Result<u64> {
    let mut ts = MaybeUninit::<libc::timespec>::uninit();
    // SAFETY: `ts` is writable storage for one timespec.
    check(unsafe { libc::clock_gettime(clock, ts.as_mut_ptr()) })?;
    // SAFETY: `clock_gettime` succeeded and filled `ts`.
    Ok(timespec_nanos(unsafe { ts.assume_init() }))
}

/// `clock_getres(2)` in nanoseconds.
pub fn clock_getres(clock: libc::clockid_t) -> io::Result<u64> {
    let mut ts = MaybeUninit::<libc::timespec>::uninit();
    // SAFETY: `ts` is writable storage for one timespec.
    check(unsafe { libc::clock_getres(clock, ts.as_mut_ptr()) })?;
    // SAFETY: `clock_getres` succeeded and filled `ts`.
    Ok(timespec_nanos(unsafe { ts.assume_init() }))
}

fn timespec_nanos(ts: libc::timespec) -> u64 {
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

/// `poll(2)`; `timeout_ms` of -1 waits without limit. Returns how many descriptors are ready.
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: libc::c_int) -> io::Result<usize> {
    // SAFETY: `fds` points at `fds.len()` pollfd structures the call may write to.
    let n = check(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) })?;
    Ok(n as usize)
}
