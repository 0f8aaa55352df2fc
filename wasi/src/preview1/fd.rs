//! `fd_*`: operations on open descriptors.
//!
//! Each call first checks that the descriptor is of a kind the operation applies to (the
//! wrong kind answers as POSIX and Wasmtime do: `EBADF`, or `ESPIPE` for positioned I/O on a
//! stream), then that it holds the right for it (`ENOTCAPABLE`).

use crate::abi::{Advice, Dirent, Fdflags, Filestat, PREOPENTYPE_DIR, Rights, Whence};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, Result};
use crate::fs::{filestat_from_host, timespecs};
use crate::memory::GuestMemory;
use crate::perms::{DirPerms, FilePerms};
use crate::sys;
use crate::table::Descriptor;

impl WasiCtx {
    pub(crate) fn fd_advise(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        offset: u64,
        len: u64,
        advice: u32,
    ) -> Result<()> {
        let advice = Advice::decode(advice)?;
        let entry = self.table.get(fd)?;
        let Descriptor::File(file) = &entry.desc else {
            return Err(Errno::Badf);
        };
        entry.require(Rights::FD_ADVISE)?;
        file.advise(offset, len, advice)
    }

    pub(crate) fn fd_allocate(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        _offset: u64,
        _len: u64,
    ) -> Result<()> {
        let entry = self.table.get(fd)?;
        let Descriptor::File(_) = &entry.desc else {
            return Err(Errno::Badf);
        };
        entry.require(Rights::FD_ALLOCATE)?;
        // Like Wasmtime: preallocation is not offered (the guest can write or truncate).
        Err(Errno::Notsup)
    }

    pub(crate) fn fd_close(&mut self, _mem: &mut GuestMemory<'_>, fd: u32) -> Result<()> {
        self.table.remove(fd).map(drop)
    }

    pub(crate) fn fd_datasync(&mut self, _mem: &mut GuestMemory<'_>, fd: u32) -> Result<()> {
        let entry = self.table.get(fd)?;
        match &entry.desc {
            Descriptor::File(file) => {
                entry.require(Rights::FD_DATASYNC)?;
                file.sync_data()
            }
            _ => Err(Errno::Badf),
        }
    }

    pub(crate) fn fd_sync(&mut self, _mem: &mut GuestMemory<'_>, fd: u32) -> Result<()> {
        let entry = self.table.get(fd)?;
        match &entry.desc {
            Descriptor::File(file) => {
                entry.require(Rights::FD_SYNC)?;
                file.sync_all()
            }
            _ => Err(Errno::Badf),
        }
    }

    pub(crate) fn fd_fdstat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        stat_ptr: u32,
    ) -> Result<()> {
        let stat = self.table.get(fd)?.fdstat();
        mem.write(stat_ptr, &stat.encode())
    }

    pub(crate) fn fd_fdstat_set_flags(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        flags: u32,
    ) -> Result<()> {
        let flags = u16::try_from(flags)
            .ok()
            .and_then(Fdflags::from_bits)
            .ok_or(Errno::Inval)?;
        let entry = self.table.get_mut(fd)?;
        let Descriptor::File(file) = &mut entry.desc else {
            return Err(Errno::Badf);
        };
        if !entry.rights.contains(Rights::FD_FDSTAT_SET_FLAGS) {
            return Err(Errno::Notcapable);
        }
        file.set_flags(flags)
    }

    pub(crate) fn fd_fdstat_set_rights(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        base: u64,
        inheriting: u64,
    ) -> Result<()> {
        let base = Rights::from_bits(base).ok_or(Errno::Inval)?;
        let inheriting = Rights::from_bits(inheriting).ok_or(Errno::Inval)?;
        let entry = self.table.get_mut(fd)?;
        // Rights can only be given up, never gained.
        if !entry.rights.contains(base) || !entry.inheriting.contains(inheriting) {
            return Err(Errno::Notcapable);
        }
        entry.rights = base;
        entry.inheriting = inheriting;
        Ok(())
    }

    pub(crate) fn fd_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        buf: u32,
    ) -> Result<()> {
        let entry = self.table.get(fd)?;
        entry.require(Rights::FD_FILESTAT_GET)?;
        let stat = match &entry.desc {
            Descriptor::File(file) => file.filestat()?,
            Descriptor::Dir(dir) => filestat_from_host(&sys::fstat(dir.fd())?),
            Descriptor::Input(input) => Filestat::of_type(input.filetype()),
            Descriptor::Output(output) => Filestat::of_type(output.filetype()),
        };
        mem.write(buf, &stat.encode())
    }

    pub(crate) fn fd_filestat_set_size(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        size: u64,
    ) -> Result<()> {
        let entry = self.table.get(fd)?;
        match &entry.desc {
            Descriptor::File(file) => {
                entry.require(Rights::FD_FILESTAT_SET_SIZE)?;
                file.set_size(size)
            }
            Descriptor::Dir(_) => Err(Errno::Badf),
            _ => Err(Errno::Badf),
        }
    }

    pub(crate) fn fd_filestat_set_times(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        atim: u64,
        mtim: u64,
        fst_flags: u32,
    ) -> Result<()> {
        let times = timespecs(
            atim,
            mtim,
            u16::try_from(fst_flags).map_err(|_| Errno::Inval)?,
        )?;
        let entry = self.table.get(fd)?;
        match &entry.desc {
            Descriptor::File(file) => {
                entry.require(Rights::FD_FILESTAT_SET_TIMES)?;
                if !file.perms.contains(FilePerms::WRITE) {
                    return Err(Errno::Perm);
                }
                file.set_times(&times)
            }
            Descriptor::Dir(dir) => {
                entry.require(Rights::FD_FILESTAT_SET_TIMES)?;
                dir.require(DirPerms::MUTATE)?;
                Ok(sys::futimens(dir.fd(), &times)?)
            }
            _ => Err(Errno::Badf),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fd_pread(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        offset: u64,
        nread_ptr: u32,
    ) -> Result<()> {
        mem.slice(nread_ptr, 4)?;
        let iovs = mem.iovecs(iovs, iovs_len)?;
        let entry = self.table.get(fd)?;
        let file = match &entry.desc {
            Descriptor::File(file) => file,
            // Positioned reads from stdin cannot be; output streams are not for reading.
            Descriptor::Input(_) => return Err(Errno::Spipe),
            Descriptor::Output(_) => return Err(Errno::Badf),
            Descriptor::Dir(_) => return Err(Errno::Badf),
        };
        file.check_readable()?;
        entry.require(Rights::FD_READ)?;
        let n = mem.scatter_with(&iovs, |buf| file.pread(buf, offset))?;
        mem.write_u32(nread_ptr, n as u32)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fd_pwrite(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        offset: u64,
        nwritten_ptr: u32,
    ) -> Result<()> {
        mem.slice(nwritten_ptr, 4)?;
        let iovs = mem.iovecs(iovs, iovs_len)?;
        let entry = self.table.get(fd)?;
        let file = match &entry.desc {
            Descriptor::File(file) => file,
            // Positioned writes to an output stream cannot be; stdin is not for writing.
            Descriptor::Output(_) => return Err(Errno::Spipe),
            Descriptor::Input(_) => return Err(Errno::Badf),
            Descriptor::Dir(_) => return Err(Errno::Badf),
        };
        file.check_writable()?;
        entry.require(Rights::FD_WRITE)?;
        let data = mem.gather(&iovs)?;
        let n = file.pwrite(&data, offset)?;
        mem.write_u32(nwritten_ptr, n as u32)
    }

    pub(crate) fn fd_read(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        nread_ptr: u32,
    ) -> Result<()> {
        mem.slice(nread_ptr, 4)?;
        let iovs = mem.iovecs(iovs, iovs_len)?;
        let entry = self.table.get_mut(fd)?;
        match &entry.desc {
            Descriptor::Output(_) | Descriptor::Dir(_) => return Err(Errno::Badf),
            Descriptor::File(file) => file.check_readable()?,
            Descriptor::Input(_) => {}
        }
        entry.require(Rights::FD_READ)?;
        let n = match &mut entry.desc {
            Descriptor::File(file) => mem.scatter_with(&iovs, |buf| file.read(buf))?,
            Descriptor::Input(input) => mem.scatter_with(&iovs, |buf| input.read(buf))?,
            Descriptor::Output(_) | Descriptor::Dir(_) => unreachable!("checked above"),
        };
        mem.write_u32(nread_ptr, n as u32)
    }

    pub(crate) fn fd_write(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        nwritten_ptr: u32,
    ) -> Result<()> {
        mem.slice(nwritten_ptr, 4)?;
        let iovs = mem.iovecs(iovs, iovs_len)?;
        let entry = self.table.get_mut(fd)?;
        match &entry.desc {
            Descriptor::Input(_) | Descriptor::Dir(_) => return Err(Errno::Badf),
            Descriptor::File(file) => file.check_writable()?,
            Descriptor::Output(_) => {}
        }
        entry.require(Rights::FD_WRITE)?;
        let data = mem.gather(&iovs)?;
        let n = match &mut entry.desc {
            Descriptor::File(file) => file.write(&data)?,
            Descriptor::Output(output) => output.write(&data)?,
            Descriptor::Input(_) | Descriptor::Dir(_) => unreachable!("checked above"),
        };
        mem.write_u32(nwritten_ptr, n as u32)
    }

    pub(crate) fn fd_prestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        buf: u32,
    ) -> Result<()> {
        let name = self.table.get(fd)?.preopen.as_ref().ok_or(Errno::Badf)?;
        let mut prestat = [0u8; 8];
        prestat[0] = PREOPENTYPE_DIR;
        prestat[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
        mem.write(buf, &prestat)
    }

    pub(crate) fn fd_prestat_dir_name(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        path_len: u32,
    ) -> Result<()> {
        // Like Wasmtime: a descriptor that is open but not a preopen is `ENOTDIR` here (and
        // `EBADF` in `fd_prestat_get`).
        let name = self.table.get(fd)?.preopen.as_ref().ok_or(Errno::Notdir)?;
        if (path_len as usize) < name.len() {
            return Err(Errno::Nametoolong);
        }
        mem.write(path, name.as_bytes())
    }

    pub(crate) fn fd_readdir(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        buf: u32,
        buf_len: u32,
        cookie: u64,
        bufused_ptr: u32,
    ) -> Result<()> {
        mem.slice(buf, buf_len)?;
        mem.slice(bufused_ptr, 4)?;
        let entry = self.table.get_mut(fd)?;
        let Descriptor::Dir(dir) = &mut entry.desc else {
            return Err(Errno::Badf);
        };
        if !entry.rights.contains(Rights::FD_READDIR) {
            return Err(Errno::Notcapable);
        }
        dir.require(DirPerms::READ)?;
        // Entries are laid out header, name, header, name...; the last one may be cut short,
        // which tells the guest to call again from its cookie with a larger buffer.
        let mut out = Vec::new();
        for (i, item) in dir.entries_from(cookie)?.iter().enumerate() {
            if out.len() >= buf_len as usize {
                break;
            }
            let header = Dirent {
                next: cookie + i as u64 + 1,
                ino: item.ino,
                namlen: item.name.len() as u32,
                filetype: item.filetype,
            };
            out.extend_from_slice(&header.encode());
            out.extend_from_slice(&item.name);
        }
        out.truncate(buf_len as usize);
        mem.write(buf, &out)?;
        mem.write_u32(bufused_ptr, out.len() as u32)
    }

    pub(crate) fn fd_renumber(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        from: u32,
        to: u32,
    ) -> Result<()> {
        self.table.renumber(from, to)
    }

    pub(crate) fn fd_seek(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        offset: i64,
        whence: u32,
        newoffset_ptr: u32,
    ) -> Result<()> {
        let whence = Whence::decode(whence)?;
        mem.slice(newoffset_ptr, 8)?;
        let entry = self.table.get_mut(fd)?;
        // Asking for the position only needs the right to tell it.
        let needed = if offset == 0 && whence == Whence::Cur {
            Rights::FD_TELL
        } else {
            Rights::FD_SEEK
        };
        let rights = entry.rights;
        let file = match &mut entry.desc {
            Descriptor::File(file) => file,
            Descriptor::Input(_) | Descriptor::Output(_) => return Err(Errno::Spipe),
            Descriptor::Dir(_) => return Err(Errno::Badf),
        };
        if !rights.intersects(needed | Rights::FD_SEEK) {
            return Err(Errno::Notcapable);
        }
        let position = file.seek(offset, whence)?;
        mem.write_u64(newoffset_ptr, position)
    }

    pub(crate) fn fd_tell(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        offset_ptr: u32,
    ) -> Result<()> {
        mem.slice(offset_ptr, 8)?;
        let entry = self.table.get_mut(fd)?;
        let rights = entry.rights;
        let file = match &mut entry.desc {
            Descriptor::File(file) => file,
            Descriptor::Input(_) | Descriptor::Output(_) => return Err(Errno::Spipe),
            Descriptor::Dir(_) => return Err(Errno::Badf),
        };
        if !rights.contains(Rights::FD_TELL) {
            return Err(Errno::Notcapable);
        }
        let position = file.tell()?;
        mem.write_u64(offset_ptr, position)
    }
}
