//! `tandem wast`: run .wast scripts (the spec testsuite's format).

use std::path::PathBuf;

use clap::Args;
use tandem_spec::report::totals_line;
use tandem_spec::{Group, RunOptions, run_group};

use crate::Failure;

/// Run .wast scripts: every module, invoke and assertion in them, printing
/// one line per script with its pass/fail counts and each failure.
#[derive(Args)]
pub struct WastCommand {
    /// The scripts to run
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Show every failure and the proposals each script ran with
    #[arg(short, long)]
    verbose: bool,
}

impl WastCommand {
    pub fn execute(self) -> Result<(), Failure> {
        let options = RunOptions::default();
        let mut reports = Vec::new();
        for file in &self.files {
            let group = Group::file(file, None).map_err(Failure::error)?;
            let report = run_group(&group, &options);
            print!(
                "{}",
                report.render(self.verbose, if self.verbose { usize::MAX } else { 20 })
            );
            reports.push(report);
        }
        println!("{}", totals_line(&reports));
        if reports.iter().any(|r| r.failed() > 0) {
            return Err(Failure::Exit(1));
        }
        Ok(())
    }
}
