//! `tandem inspect`: what a module imports, exports and holds, and its bytecode.

use std::path::PathBuf;

use clap::Args;
use tandem::{Engine, Module};

use crate::Failure;

/// Show a module's imports, exports and sizes; with --bytecode, the
/// interpreter's bytecode of every function.
#[derive(Args)]
pub struct InspectCommand {
    /// The module to inspect: a binary .wasm or a text .wat file
    file: PathBuf,
    /// Disassemble the interpreter's bytecode of every defined function
    #[arg(long)]
    bytecode: bool,
}

impl InspectCommand {
    pub fn execute(self) -> Result<(), Failure> {
        let engine = Engine::default();
        let file = self.file.display();
        let module = Module::from_file(&engine, &self.file)
            .map_err(|e| Failure::error(format!("failed to load `{file}`: {e}")))?;
        print!("{}", describe(&module));
        if self.bytecode {
            let listing = module
                .disassemble()
                .map_err(|e| Failure::error(format!("failed to translate `{file}`: {e}")))?;
            println!("bytecode:");
            print!("{listing}");
        }
        Ok(())
    }
}

/// The module summary: name, imports, exports and section sizes.
fn describe(module: &Module) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if let Some(name) = module.name() {
        let _ = writeln!(out, "name: {name}");
    }
    let _ = writeln!(out, "imports ({}):", module.imports().len());
    for import in module.imports() {
        let _ = writeln!(
            out,
            "  {}::{}: {}",
            import.module(),
            import.name(),
            import.ty()
        );
    }
    let _ = writeln!(out, "exports ({}):", module.exports().len());
    for export in module.exports() {
        let _ = writeln!(out, "  {}: {}", export.name(), export.ty());
    }
    let sizes = module.sizes();
    let _ = writeln!(out, "size: {} bytes", sizes.total_bytes);
    let _ = writeln!(
        out,
        "  functions: {} defined, {} bytes of code",
        sizes.functions, sizes.code_bytes
    );
    let _ = writeln!(
        out,
        "  data: {} segments, {} bytes",
        sizes.data_segments, sizes.data_bytes
    );
    for (name, bytes) in &sizes.custom_sections {
        let _ = writeln!(out, "  custom section `{name}`: {bytes} bytes");
    }
    out
}
