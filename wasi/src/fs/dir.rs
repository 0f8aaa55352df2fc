//! Open directories.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::abi::Filetype;
use crate::errno::{Errno, Result};
use crate::perms::{DirPerms, FilePerms};
use crate::sys;

/// An open directory: a preopen, or one opened through a preopen. Its permissions are those
/// of the preopen it was reached through.
#[derive(Debug)]
pub(crate) struct Dir {
    fd: OwnedFd,
    pub perms: DirPerms,
    pub file_perms: FilePerms,
    /// The listing `fd_readdir` pages through. Taken when a listing starts (cookie 0) so that
    /// cookies stay meaningful while the guest reads it in several calls.
    listing: Option<Vec<DirEntry>>,
}

/// One entry of a directory listing as the guest sees it.
#[derive(Debug, Clone)]
pub(crate) struct DirEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub filetype: Filetype,
}

impl Dir {
    pub fn new(fd: OwnedFd, perms: DirPerms, file_perms: FilePerms) -> Dir {
        Dir {
            fd,
            perms,
            file_perms,
            listing: None,
        }
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Fails with `EPERM` unless the directory's permissions include `needed`.
    pub fn require(&self, needed: DirPerms) -> Result<()> {
        if self.perms.contains(needed) {
            Ok(())
        } else {
            Err(Errno::Perm)
        }
    }

    /// The entries from `cookie` on. Cookie 0 starts a fresh listing; the entries are `.`,
    /// `..`, then the directory's contents, and entry `i`'s cookie for the next one is `i + 1`.
    pub fn entries_from(&mut self, cookie: u64) -> Result<&[DirEntry]> {
        if cookie == 0 || self.listing.is_none() {
            self.listing = Some(self.list()?);
        }
        let listing = self.listing.as_deref().unwrap_or_default();
        let start = usize::try_from(cookie)
            .unwrap_or(usize::MAX)
            .min(listing.len());
        Ok(&listing[start..])
    }

    fn list(&self) -> Result<Vec<DirEntry>> {
        let own = ino(&sys::fstat(self.fd())?);
        let parent = sys::fstatat(self.fd(), c"..", 0)
            .map(|st| ino(&st))
            .unwrap_or(own);
        let mut entries = vec![
            DirEntry {
                name: b".".to_vec(),
                ino: own,
                filetype: Filetype::Directory,
            },
            DirEntry {
                name: b"..".to_vec(),
                ino: parent,
                filetype: Filetype::Directory,
            },
        ];
        for entry in sys::read_dir(self.fd())? {
            let filetype = match entry.d_type {
                libc::DT_REG => Filetype::RegularFile,
                libc::DT_DIR => Filetype::Directory,
                libc::DT_LNK => Filetype::SymbolicLink,
                libc::DT_CHR => Filetype::CharacterDevice,
                libc::DT_BLK => Filetype::BlockDevice,
                libc::DT_SOCK => Filetype::SocketStream,
                // The file system did not say: ask for the entry itself.
                _ => match sys::cstr(&entry.name)
                    .and_then(|name| sys::fstatat(self.fd(), &name, libc::AT_SYMLINK_NOFOLLOW))
                {
                    Ok(stat) => Filetype::from_mode(stat.st_mode),
                    Err(_) => Filetype::Unknown,
                },
            };
            entries.push(DirEntry {
                name: entry.name,
                ino: entry.ino,
                filetype,
            });
        }
        Ok(entries)
    }
}

/// The inode number of `stat`, whose type differs between hosts.
#[allow(clippy::unnecessary_cast)]
fn ino(stat: &libc::stat) -> u64 {
    stat.st_ino as u64
}
