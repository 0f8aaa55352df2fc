//! The `wasi_snapshot_preview1` ABI: flag words, enumerations and the byte layout of the
//! structures exchanged through guest memory (all little-endian, as wasm is).

use crate::errno::{Errno, Result};
use crate::flags::bitflags;

bitflags! {
    /// File descriptor rights: which operations an fd may be used for.
    pub(crate) struct Rights: u64 {
        const FD_DATASYNC = 1 << 0;
        const FD_READ = 1 << 1;
        const FD_SEEK = 1 << 2;
        const FD_FDSTAT_SET_FLAGS = 1 << 3;
        const FD_SYNC = 1 << 4;
        const FD_TELL = 1 << 5;
        const FD_WRITE = 1 << 6;
        const FD_ADVISE = 1 << 7;
        const FD_ALLOCATE = 1 << 8;
        const PATH_CREATE_DIRECTORY = 1 << 9;
        const PATH_CREATE_FILE = 1 << 10;
        const PATH_LINK_SOURCE = 1 << 11;
        const PATH_LINK_TARGET = 1 << 12;
        const PATH_OPEN = 1 << 13;
        const FD_READDIR = 1 << 14;
        const PATH_READLINK = 1 << 15;
        const PATH_RENAME_SOURCE = 1 << 16;
        const PATH_RENAME_TARGET = 1 << 17;
        const PATH_FILESTAT_GET = 1 << 18;
        const PATH_FILESTAT_SET_SIZE = 1 << 19;
        const PATH_FILESTAT_SET_TIMES = 1 << 20;
        const FD_FILESTAT_GET = 1 << 21;
        const FD_FILESTAT_SET_SIZE = 1 << 22;
        const FD_FILESTAT_SET_TIMES = 1 << 23;
        const PATH_SYMLINK = 1 << 24;
        const PATH_REMOVE_DIRECTORY = 1 << 25;
        const PATH_UNLINK_FILE = 1 << 26;
        const POLL_FD_READWRITE = 1 << 27;
        const SOCK_SHUTDOWN = 1 << 28;
        const SOCK_ACCEPT = 1 << 29;
    }
}

impl Rights {
    /// Everything a regular file descriptor can do.
    pub const FILE_BASE: Rights = Rights::from_bits_truncate(
        Rights::FD_DATASYNC.bits()
            | Rights::FD_READ.bits()
            | Rights::FD_SEEK.bits()
            | Rights::FD_FDSTAT_SET_FLAGS.bits()
            | Rights::FD_SYNC.bits()
            | Rights::FD_TELL.bits()
            | Rights::FD_WRITE.bits()
            | Rights::FD_ADVISE.bits()
            | Rights::FD_ALLOCATE.bits()
            | Rights::FD_FILESTAT_GET.bits()
            | Rights::FD_FILESTAT_SET_SIZE.bits()
            | Rights::FD_FILESTAT_SET_TIMES.bits()
            | Rights::POLL_FD_READWRITE.bits(),
    );

    /// Everything a directory descriptor can do.
    pub const DIR_BASE: Rights = Rights::from_bits_truncate(
        Rights::FD_FDSTAT_SET_FLAGS.bits()
            | Rights::FD_SYNC.bits()
            | Rights::FD_ADVISE.bits()
            | Rights::PATH_CREATE_DIRECTORY.bits()
            | Rights::PATH_CREATE_FILE.bits()
            | Rights::PATH_LINK_SOURCE.bits()
            | Rights::PATH_LINK_TARGET.bits()
            | Rights::PATH_OPEN.bits()
            | Rights::FD_READDIR.bits()
            | Rights::PATH_READLINK.bits()
            | Rights::PATH_RENAME_SOURCE.bits()
            | Rights::PATH_RENAME_TARGET.bits()
            | Rights::PATH_FILESTAT_GET.bits()
            | Rights::PATH_FILESTAT_SET_SIZE.bits()
            | Rights::PATH_FILESTAT_SET_TIMES.bits()
            | Rights::FD_FILESTAT_GET.bits()
            | Rights::FD_FILESTAT_SET_TIMES.bits()
            | Rights::PATH_SYMLINK.bits()
            | Rights::PATH_REMOVE_DIRECTORY.bits()
            | Rights::PATH_UNLINK_FILE.bits()
            | Rights::POLL_FD_READWRITE.bits(),
    );

    /// What a directory hands down to what is opened through it.
    pub const DIR_INHERITING: Rights =
        Rights::from_bits_truncate(Rights::DIR_BASE.bits() | Rights::FILE_BASE.bits());

    /// Rights of the standard input.
    pub const STDIN: Rights = Rights::from_bits_truncate(
        Rights::FD_READ.bits()
            | Rights::FD_FDSTAT_SET_FLAGS.bits()
            | Rights::FD_FILESTAT_GET.bits()
            | Rights::POLL_FD_READWRITE.bits(),
    );

    /// Rights of the standard output and error.
    pub const STDOUT: Rights = Rights::from_bits_truncate(
        Rights::FD_WRITE.bits()
            | Rights::FD_FDSTAT_SET_FLAGS.bits()
            | Rights::FD_FILESTAT_GET.bits()
            | Rights::POLL_FD_READWRITE.bits(),
    );
}

bitflags! {
    /// Flags of a file descriptor (`fdflags`).
    pub(crate) struct Fdflags: u16 {
        const APPEND = 1 << 0;
        const DSYNC = 1 << 1;
        const NONBLOCK = 1 << 2;
        const RSYNC = 1 << 3;
        const SYNC = 1 << 4;
    }
}

bitflags! {
    /// How `path_open` opens (`oflags`).
    pub(crate) struct Oflags: u16 {
        const CREAT = 1 << 0;
        const DIRECTORY = 1 << 1;
        const EXCL = 1 << 2;
        const TRUNC = 1 << 3;
    }
}

bitflags! {
    /// How paths are looked up (`lookupflags`).
    pub(crate) struct Lookupflags: u32 {
        const SYMLINK_FOLLOW = 1 << 0;
    }
}

bitflags! {
    /// Which timestamps to set (`fstflags`).
    pub(crate) struct Fstflags: u16 {
        const ATIM = 1 << 0;
        const ATIM_NOW = 1 << 1;
        const MTIM = 1 << 2;
        const MTIM_NOW = 1 << 3;
    }
}

bitflags! {
    /// Which halves of a socket to shut down (`sdflags`).
    pub(crate) struct Sdflags: u8 {
        const RD = 1 << 0;
        const WR = 1 << 1;
    }
}

/// The type of a file (`filetype`).
// Datagram sockets are part of the ABI although no host file maps to them.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Filetype {
    Unknown = 0,
    BlockDevice = 1,
    CharacterDevice = 2,
    Directory = 3,
    RegularFile = 4,
    SocketDgram = 5,
    SocketStream = 6,
    SymbolicLink = 7,
}

impl Filetype {
    /// The file type for a host `st_mode`.
    pub fn from_mode(mode: libc::mode_t) -> Filetype {
        match mode & libc::S_IFMT {
            libc::S_IFREG => Filetype::RegularFile,
            libc::S_IFDIR => Filetype::Directory,
            libc::S_IFLNK => Filetype::SymbolicLink,
            libc::S_IFCHR => Filetype::CharacterDevice,
            libc::S_IFBLK => Filetype::BlockDevice,
            libc::S_IFSOCK => Filetype::SocketStream,
            _ => Filetype::Unknown,
        }
    }
}

/// Where `fd_seek` counts from (`whence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Whence {
    Set,
    Cur,
    End,
}

impl Whence {
    pub fn decode(raw: u32) -> Result<Whence> {
        match raw {
            0 => Ok(Whence::Set),
            1 => Ok(Whence::Cur),
            2 => Ok(Whence::End),
            _ => Err(Errno::Inval),
        }
    }
}

/// File access advice (`advice`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Advice {
    Normal,
    Sequential,
    Random,
    WillNeed,
    DontNeed,
    NoReuse,
}

impl Advice {
    pub fn decode(raw: u32) -> Result<Advice> {
        Ok(match raw {
            0 => Advice::Normal,
            1 => Advice::Sequential,
            2 => Advice::Random,
            3 => Advice::WillNeed,
            4 => Advice::DontNeed,
            5 => Advice::NoReuse,
            _ => return Err(Errno::Inval),
        })
    }
}

/// The clocks (`clockid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clockid {
    Realtime,
    Monotonic,
    ProcessCputime,
    ThreadCputime,
}

impl Clockid {
    pub fn decode(raw: u32) -> Result<Clockid> {
        Ok(match raw {
            0 => Clockid::Realtime,
            1 => Clockid::Monotonic,
            2 => Clockid::ProcessCputime,
            3 => Clockid::ThreadCputime,
            _ => return Err(Errno::Inval),
        })
    }
}

/// Event and subscription kinds (`eventtype`).
pub(crate) mod eventtype {
    pub const CLOCK: u8 = 0;
    pub const FD_READ: u8 = 1;
    pub const FD_WRITE: u8 = 2;
}

/// `subclockflags::subscription_clock_abstime`.
pub(crate) const SUBCLOCK_ABSTIME: u16 = 1;
/// `eventrwflags::fd_readwrite_hangup`.
pub(crate) const EVENT_FD_READWRITE_HANGUP: u16 = 1;
/// `preopentype::dir`.
pub(crate) const PREOPENTYPE_DIR: u8 = 0;

/// File descriptor attributes (`fdstat`, 24 bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fdstat {
    pub filetype: Filetype,
    pub flags: Fdflags,
    pub rights_base: Rights,
    pub rights_inheriting: Rights,
}

impl Fdstat {
    pub const SIZE: usize = 24;

    pub fn encode(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[0] = self.filetype as u8;
        out[2..4].copy_from_slice(&self.flags.bits().to_le_bytes());
        out[8..16].copy_from_slice(&self.rights_base.bits().to_le_bytes());
        out[16..24].copy_from_slice(&self.rights_inheriting.bits().to_le_bytes());
        out
    }
}

/// File attributes (`filestat`, 64 bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: Filetype,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

impl Filestat {
    pub const SIZE: usize = 64;

    /// A filestat with only a type, for streams that have no host file behind them.
    pub fn of_type(filetype: Filetype) -> Filestat {
        Filestat {
            dev: 0,
            ino: 0,
            filetype,
            nlink: 0,
            size: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        }
    }

    pub fn encode(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[0..8].copy_from_slice(&self.dev.to_le_bytes());
        out[8..16].copy_from_slice(&self.ino.to_le_bytes());
        out[16] = self.filetype as u8;
        out[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        out[32..40].copy_from_slice(&self.size.to_le_bytes());
        out[40..48].copy_from_slice(&self.atim.to_le_bytes());
        out[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        out[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        out
    }
}

/// The header of a directory entry (`dirent`, 24 bytes), followed by the name in
/// `fd_readdir`'s buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dirent {
    pub next: u64,
    pub ino: u64,
    pub namlen: u32,
    pub filetype: Filetype,
}

impl Dirent {
    pub const SIZE: usize = 24;

    pub fn encode(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[0..8].copy_from_slice(&self.next.to_le_bytes());
        out[8..16].copy_from_slice(&self.ino.to_le_bytes());
        out[16..20].copy_from_slice(&self.namlen.to_le_bytes());
        out[20] = self.filetype as u8;
        out
    }
}

/// What a subscription waits for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SubscriptionKind {
    /// The precision the guest asks for is only a hint, and is not kept.
    Clock {
        id: u32,
        timeout: u64,
        flags: u16,
    },
    FdRead {
        fd: u32,
    },
    FdWrite {
        fd: u32,
    },
}

/// A `subscription` of `poll_oneoff` (48 bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subscription {
    pub userdata: u64,
    pub kind: SubscriptionKind,
}

impl Subscription {
    pub const SIZE: usize = 48;

    pub fn decode(bytes: &[u8]) -> Result<Subscription> {
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let userdata = u64_at(0);
        let kind = match bytes[8] {
            eventtype::CLOCK => SubscriptionKind::Clock {
                id: u32_at(16),
                timeout: u64_at(24),
                flags: u16::from_le_bytes([bytes[40], bytes[41]]),
            },
            eventtype::FD_READ => SubscriptionKind::FdRead { fd: u32_at(16) },
            eventtype::FD_WRITE => SubscriptionKind::FdWrite { fd: u32_at(16) },
            _ => return Err(Errno::Inval),
        };
        Ok(Subscription { userdata, kind })
    }
}

/// An `event` of `poll_oneoff` (32 bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    pub userdata: u64,
    pub error: Errno,
    pub kind: u8,
    pub nbytes: u64,
    pub flags: u16,
}

impl Event {
    pub const SIZE: usize = 32;

    pub fn encode(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[0..8].copy_from_slice(&self.userdata.to_le_bytes());
        out[8..10].copy_from_slice(&self.error.raw().to_le_bytes());
        out[10] = self.kind;
        out[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
        out[24..26].copy_from_slice(&self.flags.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_sets() {
        assert!(!Rights::DIR_BASE.contains(Rights::FD_FILESTAT_SET_SIZE));
        assert!(Rights::DIR_INHERITING.contains(Rights::FD_READ | Rights::PATH_OPEN));
        assert_eq!(Rights::all().bits(), (1 << 30) - 1);
    }

    #[test]
    fn layouts() {
        let stat = Fdstat {
            filetype: Filetype::Directory,
            flags: Fdflags::APPEND,
            rights_base: Rights::FD_READ,
            rights_inheriting: Rights::empty(),
        };
        let bytes = stat.encode();
        assert_eq!(bytes[0], 3);
        assert_eq!(bytes[2], 1);
        assert_eq!(bytes[8], 2);
        let mut sub = [0u8; Subscription::SIZE];
        sub[0] = 7;
        sub[8] = eventtype::FD_WRITE;
        sub[16] = 1;
        match Subscription::decode(&sub).unwrap() {
            Subscription {
                userdata: 7,
                kind: SubscriptionKind::FdWrite { fd: 1 },
            } => {}
            other => panic!("{other:?}"),
        }
    }
}
