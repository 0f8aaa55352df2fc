//! Sandboxed path resolution.
//!
//! A guest path is always relative to a directory descriptor, and nothing outside that
//! directory may be reached through it. The host kernel is never handed a guest path with
//! more than one component: the path is walked one component at a time with `openat`,
//! refusing to follow symbolic links in the kernel (`O_NOFOLLOW`) and expanding them here
//! instead, where their targets are checked like the guest's own paths. This refuses, as
//! Wasmtime does with `EPERM`:
//!
//! * absolute paths, and absolute symbolic link targets;
//! * `..` that would climb above the starting directory (also through a symbolic link).
//!
//! The walk keeps the directories it went through open, so `..` pops back to a descriptor
//! already known to be inside the sandbox rather than asking the kernel for a parent.

use std::collections::VecDeque;
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::errno::{Errno, Result};
use crate::sys;

/// How many symbolic links one resolution may expand, like the host's `SYMLOOP_MAX`.
const MAX_SYMLINK_EXPANSIONS: usize = 40;

/// A resolved path: the directory holding its last component, and that component.
pub(crate) struct Resolved<'a> {
    base: BorrowedFd<'a>,
    /// The directories walked through, innermost last; empty when the last component is
    /// directly in `base`.
    stack: Vec<OwnedFd>,
    name: CString,
}

impl Resolved<'_> {
    /// The directory that holds the last component.
    pub fn dir(&self) -> BorrowedFd<'_> {
        self.stack.last().map_or(self.base, |fd| fd.as_fd())
    }

    /// The last component: a plain name, `.` for the directory itself, or a name with a
    /// trailing `/` (kept so that the host enforces "must be a directory" on it).
    pub fn name(&self) -> &CStr {
        &self.name
    }
}

/// Resolves `path` to look up what it names (open, stat, readlink, ...). A symbolic link in
/// the last component is followed when `follow` is set, and whenever the path ends in `/`
/// (a trailing slash means "the directory this names", so POSIX follows the link).
pub(crate) fn resolve<'a>(base: BorrowedFd<'a>, path: &str, follow: bool) -> Result<Resolved<'a>> {
    Walk::new(base, path)?.run(Some(follow))
}

/// Resolves `path` to create, remove or rename its last component, which is never followed.
pub(crate) fn resolve_parent<'a>(base: BorrowedFd<'a>, path: &str) -> Result<Resolved<'a>> {
    Walk::new(base, path)?.run(None)
}

struct Walk<'a> {
    base: BorrowedFd<'a>,
    stack: Vec<OwnedFd>,
    /// Components still to walk, next first.
    pending: VecDeque<Vec<u8>>,
    /// Whether the path (after any expansion of its last link) ends in `/`.
    trailing_slash: bool,
    expansions: usize,
}

impl<'a> Walk<'a> {
    fn new(base: BorrowedFd<'a>, path: &str) -> Result<Self> {
        if path.is_empty() {
            return Err(Errno::Noent);
        }
        if path.as_bytes().contains(&0) {
            return Err(Errno::Inval);
        }
        let mut walk = Walk {
            base,
            stack: Vec::new(),
            pending: VecDeque::new(),
            trailing_slash: false,
            expansions: 0,
        };
        walk.push_front(path.as_bytes())?;
        Ok(walk)
    }

    fn top(&self) -> BorrowedFd<'_> {
        self.stack.last().map_or(self.base, |fd| fd.as_fd())
    }

    /// Puts the components of `path` (the guest's, or a link target) before what remains.
    fn push_front(&mut self, path: &[u8]) -> Result<()> {
        if path.first() == Some(&b'/') {
            return Err(Errno::Perm);
        }
        if self.pending.is_empty() {
            // `path` replaces the last component, so its trailing slash is now the path's.
            self.trailing_slash |= path.ends_with(b"/");
        }
        let components: Vec<&[u8]> = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        for component in components.into_iter().rev() {
            self.pending.push_front(component.to_vec());
        }
        if self.pending.is_empty() {
            // A path of only slashes cannot reach here (it is absolute); an empty link
            // target names nothing.
            return Err(Errno::Noent);
        }
        Ok(())
    }

    /// Expands the symbolic link `target` found at the current position.
    fn expand(&mut self, target: &[u8]) -> Result<()> {
        self.expansions += 1;
        if self.expansions > MAX_SYMLINK_EXPANSIONS {
            return Err(Errno::Loop);
        }
        self.push_front(target)
    }

    /// Walks to the last component. `follow_last` is `None` for operations on the entry
    /// itself, else whether a final symbolic link is followed.
    fn run(mut self, follow_last: Option<bool>) -> Result<Resolved<'a>> {
        while let Some(component) = self.pending.pop_front() {
            let last = self.pending.is_empty();
            match component.as_slice() {
                b"." if last => return self.finish(b"."),
                b"." => {}
                b".." => {
                    if self.stack.pop().is_none() {
                        return Err(Errno::Perm);
                    }
                    if last {
                        return self.finish(b".");
                    }
                }
                name if !last => self.enter(name)?,
                name => {
                    let follow = match follow_last {
                        None => false,
                        Some(follow) => follow || self.trailing_slash,
                    };
                    if follow {
                        let cname = sys::cstr(name)?;
                        match sys::readlinkat(self.top(), &cname) {
                            Ok(target) => {
                                self.expand(&target)?;
                                continue;
                            }
                            // Not a link, or nothing there yet: the name is the answer.
                            Err(e)
                                if matches!(
                                    e.raw_os_error(),
                                    Some(libc::EINVAL | libc::ENOENT)
                                ) => {}
                            Err(e) => return Err(e.into()),
                        }
                    }
                    return self.finish(name);
                }
            }
        }
        unreachable!("a walk always ends at its last component")
    }

    /// Descends into the directory `name`, expanding it if it is a symbolic link.
    fn enter(&mut self, name: &[u8]) -> Result<()> {
        let cname = sys::cstr(name)?;
        let flags = sys::O_SEARCH | libc::O_DIRECTORY | libc::O_NOFOLLOW;
        match sys::openat(self.top(), &cname, flags, 0) {
            Ok(fd) => {
                self.stack.push(fd);
                Ok(())
            }
            // A symbolic link is refused by O_NOFOLLOW (or, with O_PATH and O_DIRECTORY,
            // reported as not a directory): read it and walk its target instead.
            Err(e) if is_maybe_link_error(&e) => match sys::readlinkat(self.top(), &cname) {
                Ok(target) => self.expand(&target),
                Err(_) => Err(e.into()),
            },
            Err(e) => Err(e.into()),
        }
    }

    fn finish(self, name: &[u8]) -> Result<Resolved<'a>> {
        let mut name = name.to_vec();
        if self.trailing_slash && name != b"." {
            name.push(b'/');
        }
        Ok(Resolved {
            base: self.base,
            stack: self.stack,
            name: sys::cstr(&name)?,
        })
    }
}

fn is_maybe_link_error(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ELOOP | libc::ENOTDIR | libc::EMLINK)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("tandem-wasi-resolve-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("root/sub/deeper")).unwrap();
        std::fs::write(dir.join("root/sub/file"), b"x").unwrap();
        std::fs::write(dir.join("secret"), b"s").unwrap();
        dir
    }

    fn open_root(dir: &std::path::Path) -> OwnedFd {
        sys::open(&dir.join("root"), libc::O_RDONLY | libc::O_DIRECTORY).unwrap()
    }

    fn name_of(r: &Resolved<'_>) -> String {
        String::from_utf8(r.name().to_bytes().to_vec()).unwrap()
    }

    #[test]
    fn plain_and_dotted_paths_resolve_inside() {
        let dir = scratch("plain");
        let root = open_root(&dir);
        let r = resolve(root.as_fd(), "sub/./deeper/../file", false).unwrap();
        assert_eq!(name_of(&r), "file");
        let r = resolve(root.as_fd(), "sub/deeper/..", false).unwrap();
        assert_eq!(name_of(&r), ".");
        let r = resolve_parent(root.as_fd(), "sub/deeper/").unwrap();
        assert_eq!(name_of(&r), "deeper/");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn escapes_are_refused() {
        let dir = scratch("escape");
        symlink("../../secret", dir.join("root/sub/out")).unwrap();
        symlink("/etc", dir.join("root/abs")).unwrap();
        symlink("loop", dir.join("root/loop")).unwrap();
        let root = open_root(&dir);
        assert_eq!(resolve(root.as_fd(), "..", false).err(), Some(Errno::Perm));
        assert_eq!(
            resolve(root.as_fd(), "sub/../../secret", false).err(),
            Some(Errno::Perm)
        );
        assert_eq!(
            resolve(root.as_fd(), "/etc/passwd", false).err(),
            Some(Errno::Perm)
        );
        assert_eq!(
            resolve(root.as_fd(), "sub/out", true).err(),
            Some(Errno::Perm)
        );
        assert_eq!(
            resolve(root.as_fd(), "abs/passwd", false).err(),
            Some(Errno::Perm)
        );
        assert_eq!(
            resolve(root.as_fd(), "loop/x", false).err(),
            Some(Errno::Loop)
        );
        // Not followed, the link itself is the answer.
        assert_eq!(
            name_of(&resolve(root.as_fd(), "sub/out", false).unwrap()),
            "out"
        );
        assert_eq!(resolve(root.as_fd(), "", false).err(), Some(Errno::Noent));
        assert_eq!(
            resolve(root.as_fd(), "a\0b", false).err(),
            Some(Errno::Inval)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn links_inside_are_followed() {
        let dir = scratch("inside");
        symlink("sub/deeper", dir.join("root/short")).unwrap();
        symlink("../file", dir.join("root/sub/deeper/up")).unwrap();
        let root = open_root(&dir);
        let r = resolve(root.as_fd(), "short/up", true).unwrap();
        assert_eq!(name_of(&r), "file");
        assert_eq!(
            resolve(root.as_fd(), "sub/file/x", false).err(),
            Some(Errno::Notdir)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
