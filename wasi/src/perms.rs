//! What the guest may do inside a preopened directory, on top of what the host allows.

use crate::flags::bitflags;

bitflags! {
    /// Operations allowed on a preopened directory and every directory reached through it.
    pub struct DirPerms: u8 {
        /// List the directory, look up and open what it contains.
        const READ = 1;
        /// Create, rename and delete entries, and change metadata.
        const MUTATE = 2;
    }
}

bitflags! {
    /// Operations allowed on the files opened through a preopened directory.
    pub struct FilePerms: u8 {
        /// Read file contents.
        const READ = 1;
        /// Write, truncate and extend files.
        const WRITE = 2;
    }
}

impl DirPerms {
    /// Look but do not touch.
    pub const READ_ONLY: DirPerms = DirPerms::READ;
    /// Change entries without listing them.
    pub const WRITE_ONLY: DirPerms = DirPerms::MUTATE;
    /// Everything.
    pub const READ_WRITE: DirPerms = DirPerms::all();
}

impl FilePerms {
    /// Read files only.
    pub const READ_ONLY: FilePerms = FilePerms::READ;
    /// Write files only.
    pub const WRITE_ONLY: FilePerms = FilePerms::WRITE;
    /// Read and write files.
    pub const READ_WRITE: FilePerms = FilePerms::all();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        assert_eq!(DirPerms::READ | DirPerms::MUTATE, DirPerms::all());
        assert!(DirPerms::READ_WRITE.contains(DirPerms::MUTATE));
        assert!(!DirPerms::READ_ONLY.contains(DirPerms::MUTATE));
        assert_eq!(FilePerms::all() - FilePerms::WRITE, FilePerms::READ_ONLY);
        assert_eq!(FilePerms::from_bits(4), None);
        assert_eq!(
            format!("{:?}", FilePerms::READ_WRITE),
            "FilePerms(READ | WRITE)"
        );
    }
}
