//! Open regular files (and whatever else `path_open` can open that is not a directory).

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;

use crate::abi::{Advice, Fdflags, Filestat, Whence};
use crate::errno::{Errno, Result};
use crate::fs::stat::filestat_from_host;
use crate::perms::FilePerms;
use crate::sys;

/// An open file with the access mode it was opened with.
#[derive(Debug)]
pub(crate) struct File {
    file: std::fs::File,
    readable: bool,
    writable: bool,
    flags: Fdflags,
    pub perms: FilePerms,
}

impl File {
    pub fn new(
        file: std::fs::File,
        readable: bool,
        writable: bool,
        flags: Fdflags,
        perms: FilePerms,
    ) -> File {
        File {
            file,
            readable,
            writable,
            flags,
            perms,
        }
    }

    /// Reading a file not opened for reading is `EBADF`, as in POSIX.
    pub fn check_readable(&self) -> Result<()> {
        if self.readable {
            Ok(())
        } else {
            Err(Errno::Badf)
        }
    }

    /// Writing a file not opened for writing is `EBADF`, as in POSIX.
    pub fn check_writable(&self) -> Result<()> {
        if self.writable {
            Ok(())
        } else {
            Err(Errno::Badf)
        }
    }

    pub fn flags(&self) -> Fdflags {
        self.flags
    }

    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.check_readable()?;
        Ok(self.file.read(buf)?)
    }

    pub fn write(&mut self, data: &[u8]) -> Result<usize> {
        self.check_writable()?;
        Ok(self.file.write(data)?)
    }

    pub fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.check_readable()?;
        Ok(self.file.read_at(buf, offset)?)
    }

    pub fn pwrite(&self, data: &[u8], offset: u64) -> Result<usize> {
        self.check_writable()?;
        Ok(self.file.write_at(data, offset)?)
    }

    pub fn seek(&mut self, offset: i64, whence: Whence) -> Result<u64> {
        let pos = match whence {
            Whence::Set => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
            Whence::Cur => SeekFrom::Current(offset),
            Whence::End => SeekFrom::End(offset),
        };
        Ok(self.file.seek(pos)?)
    }

    pub fn tell(&mut self) -> Result<u64> {
        Ok(self.file.stream_position()?)
    }

    pub fn filestat(&self) -> Result<Filestat> {
        Ok(filestat_from_host(&sys::fstat(self.file.as_fd())?))
    }

    /// Bytes between the position and the end, for `poll_oneoff`.
    pub fn bytes_ahead(&mut self) -> u64 {
        let size = self.file.metadata().map(|m| m.len()).unwrap_or(0);
        let pos = self.file.stream_position().unwrap_or(size);
        size.saturating_sub(pos)
    }

    pub fn set_size(&self, size: u64) -> Result<()> {
        if !self.perms.contains(FilePerms::WRITE) {
            return Err(Errno::Perm);
        }
        self.check_writable()?;
        Ok(self.file.set_len(size)?)
    }

    pub fn set_times(&self, times: &[libc::timespec; 2]) -> Result<()> {
        Ok(sys::futimens(self.file.as_fd(), times)?)
    }

    pub fn advise(&self, offset: u64, len: u64, advice: Advice) -> Result<()> {
        let advice = match advice {
            Advice::Normal => libc::POSIX_FADV_NORMAL,
            Advice::Sequential => libc::POSIX_FADV_SEQUENTIAL,
            Advice::Random => libc::POSIX_FADV_RANDOM,
            Advice::WillNeed => libc::POSIX_FADV_WILLNEED,
            Advice::DontNeed => libc::POSIX_FADV_DONTNEED,
            Advice::NoReuse => libc::POSIX_FADV_NOREUSE,
        };
        let offset = i64::try_from(offset).map_err(|_| Errno::Inval)?;
        let len = i64::try_from(len).map_err(|_| Errno::Inval)?;
        Ok(sys::fadvise(self.file.as_fd(), offset, len, advice)?)
    }

    pub fn sync_data(&self) -> Result<()> {
        Ok(self.file.sync_data()?)
    }

    pub fn sync_all(&self) -> Result<()> {
        Ok(self.file.sync_all()?)
    }

    /// Changes the flags that can change after opening: append and non-blocking. Asking for
    /// a synchronisation flag is `EINVAL` (as in Wasmtime): those are fixed at open time, and
    /// stay as they were.
    pub fn set_flags(&mut self, flags: Fdflags) -> Result<()> {
        let fixed = Fdflags::DSYNC | Fdflags::RSYNC | Fdflags::SYNC;
        if flags.intersects(fixed) {
            return Err(Errno::Inval);
        }
        if flags.contains(Fdflags::APPEND) && !self.perms.contains(FilePerms::WRITE) {
            return Err(Errno::Perm);
        }
        let mut host = sys::get_status_flags(self.file.as_fd())?;
        host &= !(libc::O_APPEND | libc::O_NONBLOCK);
        if flags.contains(Fdflags::APPEND) {
            host |= libc::O_APPEND;
        }
        if flags.contains(Fdflags::NONBLOCK) {
            host |= libc::O_NONBLOCK;
        }
        sys::set_status_flags(self.file.as_fd(), host)?;
        self.flags = (self.flags & fixed) | flags;
        Ok(())
    }
}
