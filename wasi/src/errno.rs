//! WASI error numbers (`errno` in `wasi_snapshot_preview1`) and their mapping from host errors.

use std::fmt;
use std::io;

/// The result of a WASI call: a value, or the errno the guest receives.
pub type Result<T, E = Errno> = std::result::Result<T, E>;

macro_rules! errnos {
    ($($(#[$doc:meta])* $name:ident = $value:literal,)*) => {
        /// An error number as `wasi_snapshot_preview1` defines it; the discriminant is the value
        /// the guest sees.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        #[non_exhaustive]
        pub enum Errno {
            $($(#[$doc])* $name = $value,)*
        }

        impl Errno {
            /// The errno's name as the specification spells it (`"noent"`, `"badf"`, ...).
            pub fn name(self) -> &'static str {
                match self {
                    $(Errno::$name => stringify!($name),)*
                }
            }
        }
    };
}

errnos! {
    /// No error occurred.
    Success = 0,
    /// Argument list too long.
    TooBig = 1,
    /// Permission denied.
    Acces = 2,
    /// Address in use.
    Addrinuse = 3,
    /// Address not available.
    Addrnotavail = 4,
    /// Address family not supported.
    Afnosupport = 5,
    /// Resource unavailable, or operation would block.
    Again = 6,
    /// Connection already in progress.
    Already = 7,
    /// Bad file descriptor.
    Badf = 8,
    /// Bad message.
    Badmsg = 9,
    /// Device or resource busy.
    Busy = 10,
    /// Operation canceled.
    Canceled = 11,
    /// No child processes.
    Child = 12,
    /// Connection aborted.
    Connaborted = 13,
    /// Connection refused.
    Connrefused = 14,
    /// Connection reset.
    Connreset = 15,
    /// Resource deadlock would occur.
    Deadlk = 16,
    /// Destination address required.
    Destaddrreq = 17,
    /// Mathematics argument out of domain of function.
    Dom = 18,
    /// Reserved.
    Dquot = 19,
    /// File exists.
    Exist = 20,
    /// Bad address.
    Fault = 21,
    /// File too large.
    Fbig = 22,
    /// Host is unreachable.
    Hostunreach = 23,
    /// Identifier removed.
    Idrm = 24,
    /// Illegal byte sequence.
    Ilseq = 25,
    /// Operation in progress.
    Inprogress = 26,
    /// Interrupted function.
    Intr = 27,
    /// Invalid argument.
    Inval = 28,
    /// I/O error.
    Io = 29,
    /// Socket is connected.
    Isconn = 30,
    /// Is a directory.
    Isdir = 31,
    /// Too many levels of symbolic links.
    Loop = 32,
    /// File descriptor value too large.
    Mfile = 33,
    /// Too many links.
    Mlink = 34,
    /// Message too large.
    Msgsize = 35,
    /// Reserved.
    Multihop = 36,
    /// Filename too long.
    Nametoolong = 37,
    /// Network is down.
    Netdown = 38,
    /// Connection aborted by network.
    Netreset = 39,
    /// Network unreachable.
    Netunreach = 40,
    /// Too many files open in system.
    Nfile = 41,
    /// No buffer space available.
    Nobufs = 42,
    /// No such device.
    Nodev = 43,
    /// No such file or directory.
    Noent = 44,
    /// Executable file format error.
    Noexec = 45,
    /// No locks available.
    Nolck = 46,
    /// Reserved.
    Nolink = 47,
    /// Not enough space.
    Nomem = 48,
    /// No message of the desired type.
    Nomsg = 49,
    /// Protocol not available.
    Noprotoopt = 50,
    /// No space left on device.
    Nospc = 51,
    /// Function not supported.
    Nosys = 52,
    /// The socket is not connected.
    Notconn = 53,
    /// Not a directory or a symbolic link to a directory.
    Notdir = 54,
    /// Directory not empty.
    Notempty = 55,
    /// State not recoverable.
    Notrecoverable = 56,
    /// Not a socket.
    Notsock = 57,
    /// Not supported, or operation not supported on socket.
    Notsup = 58,
    /// Inappropriate I/O control operation.
    Notty = 59,
    /// No such device or address.
    Nxio = 60,
    /// Value too large to be stored in data type.
    Overflow = 61,
    /// Previous owner died.
    Ownerdead = 62,
    /// Operation not permitted.
    Perm = 63,
    /// Broken pipe.
    Pipe = 64,
    /// Protocol error.
    Proto = 65,
    /// Protocol not supported.
    Protonosupport = 66,
    /// Protocol wrong type for socket.
    Prototype = 67,
    /// Result too large.
    Range = 68,
    /// Read-only file system.
    Rofs = 69,
    /// Invalid seek.
    Spipe = 70,
    /// No such process.
    Srch = 71,
    /// Reserved.
    Stale = 72,
    /// Connection timed out.
    Timedout = 73,
    /// Text file busy.
    Txtbsy = 74,
    /// Cross-device link.
    Xdev = 75,
    /// Extension: capabilities insufficient.
    Notcapable = 76,
}

impl Errno {
    /// The value the guest receives.
    pub fn raw(self) -> u16 {
        self as u16
    }

    /// The errno for a host OS error number; unknown numbers become [`Errno::Io`].
    pub fn from_raw_os_error(code: i32) -> Errno {
        use Errno::*;
        match code {
            libc::EPERM => Perm,
            libc::ENOENT => Noent,
            libc::ESRCH => Srch,
            libc::EINTR => Intr,
            libc::EIO => Io,
            libc::ENXIO => Nxio,
            libc::E2BIG => TooBig,
            libc::ENOEXEC => Noexec,
            libc::EBADF => Badf,
            libc::ECHILD => Child,
            libc::EAGAIN => Again,
            libc::ENOMEM => Nomem,
            libc::EACCES => Acces,
            libc::EFAULT => Fault,
            libc::EBUSY => Busy,
            libc::EEXIST => Exist,
            libc::EXDEV => Xdev,
            libc::ENODEV => Nodev,
            libc::ENOTDIR => Notdir,
            libc::EISDIR => Isdir,
            libc::EINVAL => Inval,
            libc::ENFILE => Nfile,
            libc::EMFILE => Mfile,
            libc::ENOTTY => Notty,
            libc::ETXTBSY => Txtbsy,
            libc::EFBIG => Fbig,
            libc::ENOSPC => Nospc,
            libc::ESPIPE => Spipe,
            libc::EROFS => Rofs,
            libc::EMLINK => Mlink,
            libc::EPIPE => Pipe,
            libc::EDOM => Dom,
            libc::ERANGE => Range,
            libc::EDEADLK => Deadlk,
            libc::ENAMETOOLONG => Nametoolong,
            libc::ENOLCK => Nolck,
            libc::ENOSYS => Nosys,
            libc::ENOTEMPTY => Notempty,
            libc::ELOOP => Loop,
            libc::ENOMSG => Nomsg,
            libc::EIDRM => Idrm,
            libc::ENOLINK => Nolink,
            libc::EPROTO => Proto,
            libc::EMULTIHOP => Multihop,
            libc::EBADMSG => Badmsg,
            libc::EOVERFLOW => Overflow,
            libc::EILSEQ => Ilseq,
            libc::ENOTSOCK => Notsock,
            libc::EDESTADDRREQ => Destaddrreq,
            libc::EMSGSIZE => Msgsize,
            libc::EPROTOTYPE => Prototype,
            libc::ENOPROTOOPT => Noprotoopt,
            libc::EPROTONOSUPPORT => Protonosupport,
            libc::EOPNOTSUPP => Notsup,
            libc::EAFNOSUPPORT => Afnosupport,
            libc::EADDRINUSE => Addrinuse,
            libc::EADDRNOTAVAIL => Addrnotavail,
            libc::ENETDOWN => Netdown,
            libc::ENETUNREACH => Netunreach,
            libc::ENETRESET => Netreset,
            libc::ECONNABORTED => Connaborted,
            libc::ECONNRESET => Connreset,
            libc::ENOBUFS => Nobufs,
            libc::EISCONN => Isconn,
            libc::ENOTCONN => Notconn,
            libc::ETIMEDOUT => Timedout,
            libc::ECONNREFUSED => Connrefused,
            libc::EHOSTUNREACH => Hostunreach,
            libc::EALREADY => Already,
            libc::EINPROGRESS => Inprogress,
            libc::ESTALE => Stale,
            libc::EDQUOT => Dquot,
            libc::ECANCELED => Canceled,
            libc::EOWNERDEAD => Ownerdead,
            libc::ENOTRECOVERABLE => Notrecoverable,
            _ => Io,
        }
    }
}

impl From<io::Error> for Errno {
    fn from(error: io::Error) -> Errno {
        if let Some(code) = error.raw_os_error() {
            return Errno::from_raw_os_error(code);
        }
        // Errors that did not come from the OS (in-memory streams and the like).
        match error.kind() {
            io::ErrorKind::NotFound => Errno::Noent,
            io::ErrorKind::PermissionDenied => Errno::Perm,
            io::ErrorKind::AlreadyExists => Errno::Exist,
            io::ErrorKind::WouldBlock => Errno::Again,
            io::ErrorKind::InvalidInput => Errno::Inval,
            io::ErrorKind::Interrupted => Errno::Intr,
            io::ErrorKind::BrokenPipe => Errno::Pipe,
            io::ErrorKind::Unsupported => Errno::Notsup,
            io::ErrorKind::OutOfMemory => Errno::Nomem,
            _ => Errno::Io,
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "errno {} ({})", self.raw(), self.name())
    }
}

impl std::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_specification() {
        assert_eq!(Errno::Success.raw(), 0);
        assert_eq!(Errno::Badf.raw(), 8);
        assert_eq!(Errno::Fault.raw(), 21);
        assert_eq!(Errno::Inval.raw(), 28);
        assert_eq!(Errno::Noent.raw(), 44);
        assert_eq!(Errno::Notsup.raw(), 58);
        assert_eq!(Errno::Perm.raw(), 63);
        assert_eq!(Errno::Notcapable.raw(), 76);
    }

    #[test]
    fn host_errors_map_by_number() {
        assert_eq!(
            Errno::from(io::Error::from_raw_os_error(libc::ENOENT)),
            Errno::Noent
        );
        assert_eq!(
            Errno::from(io::Error::from_raw_os_error(libc::ELOOP)),
            Errno::Loop
        );
        assert_eq!(Errno::from_raw_os_error(libc::EWOULDBLOCK), Errno::Again);
    }
}
