//! The `tandem` command-line interface.
//!
//! Each subcommand lives in its own module and returns a [`Failure`] on
//! error; `main` turns that into the message and exit status, so every
//! error path ends the same way and none of them panics.

mod compile;
mod convert;
mod inspect;
mod run;
mod values;
mod wast;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tandem",
    version,
    about = "An interpreter-first WebAssembly runtime",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(run::RunCommand),
    Wast(wast::WastCommand),
    Compile(compile::CompileCommand),
    Inspect(inspect::InspectCommand),
    Wat2wasm(convert::Wat2WasmCommand),
    Wasm2wat(convert::Wasm2WatCommand),
}

/// How a command failed, which decides what is printed and the exit status.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage, unreadable file, invalid module, unknown import...:
    /// printed as one `error:` line, exit status 1.
    Error(String),
    /// The guest failed while running. Printed in full, since a trap's
    /// backtrace spans several lines.
    Runtime { message: String, status: u8 },
    /// The guest asked to exit with this status.
    Exit(i32),
}

impl Failure {
    pub fn error(message: impl Into<String>) -> Self {
        Failure::Error(message.into())
    }
}

/// Exit status for a trap: the one Wasmtime uses on unix (128 + SIGABRT),
/// so scripts written for it keep working.
pub const TRAP_STATUS: u8 = 134;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(cmd) => cmd.execute(),
        Command::Wast(cmd) => cmd.execute(),
        Command::Compile(cmd) => cmd.execute(),
        Command::Inspect(cmd) => cmd.execute(),
        Command::Wat2wasm(cmd) => cmd.execute(),
        Command::Wasm2wat(cmd) => cmd.execute(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Error(message)) => {
            eprintln!("error: {}", one_line(&message));
            ExitCode::from(1)
        }
        Err(Failure::Runtime { message, status }) => {
            eprintln!("error: {}", message.trim_end());
            ExitCode::from(status)
        }
        // Exit statuses are 8 bits wide on unix; keep the low byte as the
        // shell would.
        Err(Failure::Exit(status)) => ExitCode::from(status as u8),
    }
}

/// Folds a possibly multi-line message into one line. The source excerpt
/// that text-format errors draw under their `--> file:line:col` pointer is
/// dropped: it only makes sense across several lines.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !is_excerpt(line))
        .collect::<Vec<_>>()
        .join(": ")
}

/// Whether `line` is a gutter line of a source excerpt: `|`, `| ^` or
/// `12 | (module ...`.
fn is_excerpt(line: &str) -> bool {
    let rest = line
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start();
    rest.starts_with('|')
}
