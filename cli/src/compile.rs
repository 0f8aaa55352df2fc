//! `tandem compile`: validate a module once and write it in tandem's serialized form.

use std::path::PathBuf;

use clap::Args;
use tandem::{Engine, Module};

use crate::Failure;
use crate::convert::write_output;

/// Validate a module and write it in tandem's serialized form, which
/// `tandem run` accepts like a .wasm or .wat file.
#[derive(Args)]
pub struct CompileCommand {
    /// The module to compile: a binary .wasm or a text .wat file
    file: PathBuf,
    /// Where to write the serialized module
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
}

impl CompileCommand {
    pub fn execute(self) -> Result<(), Failure> {
        let engine = Engine::default();
        let file = self.file.display();
        let module = Module::from_file(&engine, &self.file)
            .map_err(|e| Failure::error(format!("failed to compile `{file}`: {e}")))?;
        let bytes = module
            .serialize()
            .map_err(|e| Failure::error(format!("failed to serialize `{file}`: {e}")))?;
        write_output(Some(&self.output), &bytes)
    }
}
