//! Random bytes for `random_get`, from the host's cryptographic random source.

use std::fs::File;
use std::io::Read;
use std::sync::OnceLock;

use crate::errno::{Errno, Result};

/// The host's random device, opened once and shared: reads from it are independent.
fn source() -> Result<&'static File> {
    static SOURCE: OnceLock<std::io::Result<File>> = OnceLock::new();
    SOURCE
        .get_or_init(|| File::open("/dev/urandom"))
        .as_ref()
        .map_err(|_| Errno::Io)
}

/// Fills `buf` with random bytes.
pub(crate) fn fill(buf: &mut [u8]) -> Result<()> {
    let mut file = source()?;
    Ok(file.read_exact(buf)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fills_with_something() {
        let mut buf = [0u8; 64];
        super::fill(&mut buf).unwrap();
        assert!(buf.iter().any(|&b| b != 0));
    }
}
