//! `tandem wat2wasm` and `tandem wasm2wat`: conversions between the text and
//! binary formats.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::Failure;

/// Convert a module from the text format to the binary format.
#[derive(Args)]
pub struct Wat2WasmCommand {
    /// The text module to convert (.wat)
    file: PathBuf,
    /// Where to write the binary module; standard output if absent
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl Wat2WasmCommand {
    pub fn execute(self) -> Result<(), Failure> {
        let text = std::fs::read_to_string(&self.file).map_err(|e| {
            Failure::error(format!("failed to read `{}`: {e}", self.file.display()))
        })?;
        let binary = tandem::wat2wasm(&text).map_err(|e| {
            Failure::error(format!("failed to parse `{}`: {e}", self.file.display()))
        })?;
        write_output(self.output.as_deref(), &binary)
    }
}

/// Convert a module from the binary format to the text format.
#[derive(Args)]
pub struct Wasm2WatCommand {
    /// The binary module to convert (.wasm)
    file: PathBuf,
    /// Where to write the text module; standard output if absent
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl Wasm2WatCommand {
    pub fn execute(self) -> Result<(), Failure> {
        let binary = std::fs::read(&self.file).map_err(|e| {
            Failure::error(format!("failed to read `{}`: {e}", self.file.display()))
        })?;
        let text = tandem::wasm2wat(&binary).map_err(|e| {
            Failure::error(format!("failed to print `{}`: {e}", self.file.display()))
        })?;
        write_output(self.output.as_deref(), text.as_bytes())
    }
}

pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    match path {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| Failure::error(format!("failed to write `{}`: {e}", path.display()))),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| Failure::error(format!("failed to write output: {e}")))
        }
    }
}
