//! `path_*`: operations on names inside a directory descriptor. Every path goes through the
//! sandboxed resolver ([`crate::fs::resolve`]); the host only ever sees a single name relative
//! to a directory descriptor already known to be inside the sandbox.

use std::fs::File as HostFile;
use std::os::fd::AsFd;

use crate::abi::{Fdflags, Lookupflags, Oflags, Rights};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, Result};
use crate::fs::{Dir, File, filestat_from_host, resolve, resolve_parent, timespecs};
use crate::memory::GuestMemory;
use crate::perms::{DirPerms, FilePerms};
use crate::sys;
use crate::table::{Descriptor, Entry};

/// Rights that need a descriptor opened for reading.
const READ_RIGHTS: Rights =
    Rights::from_bits_truncate(Rights::FD_READ.bits() | Rights::FD_READDIR.bits());
/// Rights that need a descriptor opened for writing.
const WRITE_RIGHTS: Rights = Rights::from_bits_truncate(
    Rights::FD_WRITE.bits()
        | Rights::FD_DATASYNC.bits()
        | Rights::FD_ALLOCATE.bits()
        | Rights::FD_FILESTAT_SET_SIZE.bits(),
);

/// The directory behind `entry`, after checking it holds `rights`. A descriptor that is not a
/// directory is `EBADF`, as in Wasmtime (only `path_open` says `ENOTDIR` for a file).
fn dir_with(entry: &Entry, rights: Rights) -> Result<&Dir> {
    let Descriptor::Dir(dir) = &entry.desc else {
        return Err(Errno::Badf);
    };
    entry.require(rights)?;
    Ok(dir)
}

fn lookup_follows(flags: u32) -> Result<bool> {
    Ok(Lookupflags::from_bits(flags)
        .ok_or(Errno::Inval)?
        .contains(Lookupflags::SYMLINK_FOLLOW))
}

impl WasiCtx {
    pub(crate) fn path_create_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
    ) -> Result<()> {
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(fd)?, Rights::PATH_CREATE_DIRECTORY)?;
        dir.require(DirPerms::MUTATE)?;
        let target = resolve_parent(dir.fd(), path)?;
        Ok(sys::mkdirat(target.dir(), target.name(), 0o777)?)
    }

    pub(crate) fn path_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        flags: u32,
        path: u32,
        path_len: u32,
        buf: u32,
    ) -> Result<()> {
        let follow = lookup_follows(flags)?;
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(fd)?, Rights::PATH_FILESTAT_GET)?;
        dir.require(DirPerms::READ)?;
        let target = resolve(dir.fd(), path, follow)?;
        let stat = sys::fstatat(target.dir(), target.name(), libc::AT_SYMLINK_NOFOLLOW)?;
        mem.write(buf, &filestat_from_host(&stat).encode())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        flags: u32,
        path: u32,
        path_len: u32,
        atim: u64,
        mtim: u64,
        fst_flags: u32,
    ) -> Result<()> {
        let follow = lookup_follows(flags)?;
        let times = timespecs(
            atim,
            mtim,
            u16::try_from(fst_flags).map_err(|_| Errno::Inval)?,
        )?;
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(fd)?, Rights::PATH_FILESTAT_SET_TIMES)?;
        dir.require(DirPerms::MUTATE)?;
        let target = resolve(dir.fd(), path, follow)?;
        Ok(sys::utimensat_nofollow(
            target.dir(),
            target.name(),
            &times,
        )?)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_link(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: u32,
        old_flags: u32,
        old_path: u32,
        old_path_len: u32,
        new_fd: u32,
        new_path: u32,
        new_path_len: u32,
    ) -> Result<()> {
        let follow = lookup_follows(old_flags)?;
        let old_path = mem.read_str(old_path, old_path_len)?;
        let new_path = mem.read_str(new_path, new_path_len)?;
        let old_dir = dir_with(self.table.get(old_fd)?, Rights::PATH_LINK_SOURCE)?;
        let new_dir = dir_with(self.table.get(new_fd)?, Rights::PATH_LINK_TARGET)?;
        old_dir.require(DirPerms::READ)?;
        new_dir.require(DirPerms::MUTATE)?;
        let old = resolve(old_dir.fd(), old_path, follow)?;
        let new = resolve_parent(new_dir.fd(), new_path)?;
        Ok(sys::linkat(old.dir(), old.name(), new.dir(), new.name())?)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_open(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        dirflags: u32,
        path: u32,
        path_len: u32,
        oflags: u32,
        rights_base: u64,
        rights_inheriting: u64,
        fdflags: u32,
        fd_out: u32,
    ) -> Result<()> {
        let follow = lookup_follows(dirflags)?;
        let oflags = u16::try_from(oflags)
            .ok()
            .and_then(Oflags::from_bits)
            .ok_or(Errno::Inval)?;
        // Creating a directory is `path_create_directory`'s job; hosts disagree on what
        // O_CREAT|O_DIRECTORY does, so it is refused rather than passed on.
        if oflags.contains(Oflags::CREAT | Oflags::DIRECTORY) {
            return Err(Errno::Inval);
        }
        let fdflags = u16::try_from(fdflags)
            .ok()
            .and_then(Fdflags::from_bits)
            .ok_or(Errno::Inval)?;
        // Unknown right bits are ignored: they could never be granted anyway.
        let wanted = Rights::from_bits_truncate(rights_base);
        let wanted_inheriting = Rights::from_bits_truncate(rights_inheriting);
        let path = mem.read_str(path, path_len)?;
        mem.slice(fd_out, 4)?;

        let entry = self.table.get(fd)?;
        if let Descriptor::File(_) = entry.desc {
            return Err(Errno::Notdir);
        }
        let dir = dir_with(entry, Rights::PATH_OPEN)?;
        dir.require(DirPerms::READ)?;
        // Permissions are checked against what the guest asked for, so that asking to write
        // in a read-only preopen is refused outright; the host descriptor is opened only for
        // what the rights handed down allow.
        let wants_read = wanted.intersects(READ_RIGHTS);
        let wants_write = wanted.intersects(WRITE_RIGHTS) || fdflags.contains(Fdflags::APPEND);
        let granted = wanted & entry.inheriting;
        let read = granted.intersects(READ_RIGHTS);
        let write = granted.intersects(WRITE_RIGHTS) || fdflags.contains(Fdflags::APPEND);
        if oflags.contains(Oflags::CREAT) {
            entry.require(Rights::PATH_CREATE_FILE)?;
            dir.require(DirPerms::MUTATE)?;
        }
        if oflags.contains(Oflags::TRUNC) {
            entry.require(Rights::PATH_FILESTAT_SET_SIZE)?;
            dir.require(DirPerms::MUTATE)?;
        }
        if (wants_write || oflags.contains(Oflags::TRUNC))
            && !dir.file_perms.contains(FilePerms::WRITE)
        {
            return Err(Errno::Perm);
        }
        if wants_read
            && !oflags.contains(Oflags::DIRECTORY)
            && !dir.file_perms.contains(FilePerms::READ)
        {
            return Err(Errno::Perm);
        }

        let mut flags = libc::O_NOFOLLOW;
        flags |= match (read, write) {
            (_, false) => libc::O_RDONLY,
            (false, true) => libc::O_WRONLY,
            (true, true) => libc::O_RDWR,
        };
        for (oflag, host) in [
            (Oflags::CREAT, libc::O_CREAT),
            (Oflags::DIRECTORY, libc::O_DIRECTORY),
            (Oflags::EXCL, libc::O_EXCL),
            (Oflags::TRUNC, libc::O_TRUNC),
        ] {
            if oflags.contains(oflag) {
                flags |= host;
            }
        }
        for (fdflag, host) in [
            (Fdflags::APPEND, libc::O_APPEND),
            (Fdflags::DSYNC, libc::O_DSYNC),
            (Fdflags::NONBLOCK, libc::O_NONBLOCK),
            (Fdflags::RSYNC, libc::O_RSYNC),
            (Fdflags::SYNC, libc::O_SYNC),
        ] {
            if fdflags.contains(fdflag) {
                flags |= host;
            }
        }
        // With O_CREAT|O_EXCL a final symbolic link is never followed (it exists).
        let follow = follow && !oflags.contains(Oflags::CREAT | Oflags::EXCL);
        let opened = {
            let target = resolve(dir.fd(), path, follow)?;
            sys::openat(target.dir(), target.name(), flags, 0o666)?
        };
        let stat = sys::fstat(opened.as_fd())?;
        let is_dir = stat.st_mode & libc::S_IFMT == libc::S_IFDIR;
        let new_entry = if is_dir {
            let child = Dir::new(opened, dir.perms, dir.file_perms);
            Entry::new(
                Descriptor::Dir(child),
                granted & Rights::DIR_BASE,
                wanted_inheriting & entry.inheriting,
            )
        } else {
            let file = File::new(HostFile::from(opened), read, write, fdflags, dir.file_perms);
            Entry::new(
                Descriptor::File(file),
                granted & Rights::FILE_BASE,
                Rights::empty(),
            )
        };
        let new_fd = self.table.push(new_entry)?;
        mem.write_u32(fd_out, new_fd)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_readlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
        buf: u32,
        buf_len: u32,
        bufused_ptr: u32,
    ) -> Result<()> {
        let path = mem.read_str(path, path_len)?;
        mem.slice(buf, buf_len)?;
        let dir = dir_with(self.table.get(fd)?, Rights::PATH_READLINK)?;
        dir.require(DirPerms::READ)?;
        let target = resolve(dir.fd(), path, false)?;
        let link = sys::readlinkat(target.dir(), target.name())?;
        // A target longer than the buffer is cut short, as readlink(2) does.
        let n = link.len().min(buf_len as usize);
        mem.write(buf, &link[..n])?;
        mem.write_u32(bufused_ptr, n as u32)
    }

    pub(crate) fn path_remove_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
    ) -> Result<()> {
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(fd)?, Rights::PATH_REMOVE_DIRECTORY)?;
        dir.require(DirPerms::MUTATE)?;
        let target = resolve_parent(dir.fd(), path)?;
        Ok(sys::unlinkat(
            target.dir(),
            target.name(),
            libc::AT_REMOVEDIR,
        )?)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_rename(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        old_path: u32,
        old_path_len: u32,
        new_fd: u32,
        new_path: u32,
        new_path_len: u32,
    ) -> Result<()> {
        let old_path = mem.read_str(old_path, old_path_len)?;
        let new_path = mem.read_str(new_path, new_path_len)?;
        let old_dir = dir_with(self.table.get(fd)?, Rights::PATH_RENAME_SOURCE)?;
        let new_dir = dir_with(self.table.get(new_fd)?, Rights::PATH_RENAME_TARGET)?;
        old_dir.require(DirPerms::MUTATE)?;
        new_dir.require(DirPerms::MUTATE)?;
        let old = resolve_parent(old_dir.fd(), old_path)?;
        let new = resolve_parent(new_dir.fd(), new_path)?;
        Ok(sys::renameat(old.dir(), old.name(), new.dir(), new.name())?)
    }

    pub(crate) fn path_symlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_path: u32,
        old_path_len: u32,
        fd: u32,
        new_path: u32,
        new_path_len: u32,
    ) -> Result<()> {
        let link_target = mem.read_str(old_path, old_path_len)?;
        let new_path = mem.read_str(new_path, new_path_len)?;
        // An absolute target could never be followed inside the sandbox; like Wasmtime, it is
        // refused outright so no such link is left for the host to trip over.
        if link_target.starts_with('/') {
            return Err(Errno::Perm);
        }
        let dir = dir_with(self.table.get(fd)?, Rights::PATH_SYMLINK)?;
        dir.require(DirPerms::MUTATE)?;
        let target = resolve_parent(dir.fd(), new_path)?;
        let link_target = sys::cstr(link_target.as_bytes())?;
        Ok(sys::symlinkat(&link_target, target.dir(), target.name())?)
    }

    pub(crate) fn path_unlink_file(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
    ) -> Result<()> {
        let path = mem.read_str(path, path_len)?;
        let dir = dir_with(self.table.get(fd)?, Rights::PATH_UNLINK_FILE)?;
        dir.require(DirPerms::MUTATE)?;
        let target = resolve_parent(dir.fd(), path)?;
        Ok(sys::unlinkat(target.dir(), target.name(), 0)?)
    }
}
