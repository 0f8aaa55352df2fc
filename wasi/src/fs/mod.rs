//! The file system as the guest sees it: preopened directories, the files and directories
//! opened through them, and the path resolution that keeps every lookup inside them.

mod dir;
mod file;
mod resolve;
mod stat;

pub(crate) use dir::Dir;
pub(crate) use file::File;
pub(crate) use resolve::{resolve, resolve_parent};
pub(crate) use stat::{filestat_from_host, timespecs};
