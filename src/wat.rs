//! Conversions between the text and binary formats.

use crate::error::{CompileError, Error, Result};

/// Parses WAT text (or passes a binary through) into a module binary.
pub(crate) fn parse_text(bytes: &[u8]) -> Result<Vec<u8>> {
    #[cfg(feature = "wat")]
    {
        wat::parse_bytes(bytes)
            .map(|b| b.into_owned())
            .map_err(|e| {
                Error::Compile(CompileError {
                    message: e.to_string(),
                    offset: None,
                })
            })
    }
    #[cfg(not(feature = "wat"))]
    {
        let _ = bytes;
        Err(Error::msg(
            "not a wasm binary, and WAT support is not built in (the `wat` feature)",
        ))
    }
}

/// Converts WAT text to a module binary.
///
/// ```
/// let wasm = tandem::wat2wasm("(module)")?;
/// assert_eq!(&wasm[..4], b"\0asm");
/// # Ok::<(), tandem::Error>(())
/// ```
#[cfg(feature = "wat")]
pub fn wat2wasm(text: &str) -> Result<Vec<u8>> {
    parse_text(text.as_bytes())
}

/// Converts a module binary to WAT text.
///
/// ```
/// let text = tandem::wasm2wat(&tandem::wat2wasm("(module (func))")?)?;
/// assert!(text.contains("(func"));
/// # Ok::<(), tandem::Error>(())
/// ```
#[cfg(feature = "wat")]
pub fn wasm2wat(bytes: &[u8]) -> Result<String> {
    wasmprinter::print_bytes(bytes).map_err(|e| Error::msg(format!("failed to print module: {e}")))
}
