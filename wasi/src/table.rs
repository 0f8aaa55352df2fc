//! The guest's file descriptor table. Descriptor numbers are indices into this table only:
//! the guest never sees a host descriptor, so it cannot name anything it was not given.

use std::collections::BTreeMap;

use crate::abi::{Fdflags, Fdstat, Filetype, Rights};
use crate::errno::{Errno, Result};
use crate::fs::{Dir, File};
use crate::stdio::{InputStream, OutputStream};

/// What a descriptor refers to.
#[derive(Debug)]
pub(crate) enum Descriptor {
    /// A standard input stream.
    Input(InputStream),
    /// A standard output or error stream.
    Output(OutputStream),
    /// An open file.
    File(File),
    /// An open directory.
    Dir(Dir),
}

/// A table slot: the descriptor, its rights, and its preopen name if it is a preopen.
#[derive(Debug)]
pub(crate) struct Entry {
    pub desc: Descriptor,
    /// What this descriptor may be used for.
    pub rights: Rights,
    /// What descriptors opened through this one may at most be used for.
    pub inheriting: Rights,
    /// The guest path of a preopened directory.
    pub preopen: Option<String>,
}

impl Entry {
    pub fn new(desc: Descriptor, rights: Rights, inheriting: Rights) -> Entry {
        Entry {
            desc,
            rights,
            inheriting,
            preopen: None,
        }
    }

    /// Fails with `ENOTCAPABLE` unless the descriptor has all of `needed`.
    pub fn require(&self, needed: Rights) -> Result<()> {
        if self.rights.contains(needed) {
            Ok(())
        } else {
            Err(Errno::Notcapable)
        }
    }

    pub fn fdstat(&self) -> Fdstat {
        let (filetype, flags) = match &self.desc {
            Descriptor::Input(input) => (input.filetype(), Fdflags::empty()),
            Descriptor::Output(output) => (output.filetype(), Fdflags::empty()),
            Descriptor::File(file) => (
                file.filestat()
                    .map(|s| s.filetype)
                    .unwrap_or(Filetype::Unknown),
                file.flags(),
            ),
            Descriptor::Dir(_) => (Filetype::Directory, Fdflags::empty()),
        };
        Fdstat {
            filetype,
            flags,
            rights_base: self.rights,
            rights_inheriting: self.inheriting,
        }
    }
}

/// Descriptor number to entry.
#[derive(Debug, Default)]
pub(crate) struct FdTable {
    entries: BTreeMap<u32, Entry>,
}

impl FdTable {
    /// The entry of `fd`; `EBADF` if it is not open.
    pub fn get(&self, fd: u32) -> Result<&Entry> {
        self.entries.get(&fd).ok_or(Errno::Badf)
    }

    /// The entry of `fd`, mutably; `EBADF` if it is not open.
    pub fn get_mut(&mut self, fd: u32) -> Result<&mut Entry> {
        self.entries.get_mut(&fd).ok_or(Errno::Badf)
    }

    /// Puts `entry` at the lowest free number, as POSIX `open` does.
    pub fn push(&mut self, entry: Entry) -> Result<u32> {
        let mut fd = 0u32;
        for &used in self.entries.keys() {
            if used != fd {
                break;
            }
            fd = fd.checked_add(1).ok_or(Errno::Mfile)?;
        }
        self.entries.insert(fd, entry);
        Ok(fd)
    }

    /// Puts `entry` at `fd`, replacing (and closing) whatever was there.
    pub fn insert_at(&mut self, fd: u32, entry: Entry) {
        self.entries.insert(fd, entry);
    }

    /// Takes `fd` out of the table; `EBADF` if it is not open.
    pub fn remove(&mut self, fd: u32) -> Result<Entry> {
        self.entries.remove(&fd).ok_or(Errno::Badf)
    }

    /// Moves `from` to `to`, closing what `to` was; both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<()> {
        self.get(from)?;
        self.get(to)?;
        if from != to {
            let entry = self.remove(from)?;
            self.insert_at(to, entry);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry::new(
            Descriptor::Input(InputStream::Empty),
            Rights::STDIN,
            Rights::empty(),
        )
    }

    #[test]
    fn lowest_free_number_is_reused() {
        let mut table = FdTable::default();
        assert_eq!(table.push(entry()).unwrap(), 0);
        assert_eq!(table.push(entry()).unwrap(), 1);
        assert_eq!(table.push(entry()).unwrap(), 2);
        table.remove(1).unwrap();
        assert_eq!(table.push(entry()).unwrap(), 1);
        assert_eq!(table.remove(7).unwrap_err(), Errno::Badf);
        assert_eq!(table.renumber(0, 9).unwrap_err(), Errno::Badf);
        table.renumber(0, 2).unwrap();
        assert!(table.get(0).is_err());
        assert!(table.get(2).is_ok());
    }
}
