//! Results of running scripts, and how they are printed.

use std::fmt::Write as _;

/// Where in a script something happened, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Line number.
    pub line: usize,
    /// Column number.
    pub col: usize,
}

/// One failed check, or one remark about a check that passed.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The directive the finding is about.
    pub location: Location,
    /// What went wrong.
    pub message: String,
}

/// The outcome of running one script.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// How the script is named in output, e.g. `wasm-v1/i32.wast`.
    pub name: String,
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
    /// Checks not run because they are listed in
    /// [`EXCLUSIONS`](crate::exclusions::EXCLUSIONS).
    pub skipped: usize,
    /// One entry per failed check, in script order. A single entry may stand for
    /// several failed checks (e.g. the rest of a script after a panic).
    pub failures: Vec<Finding>,
    /// Checks that passed but not quite as the script expected, e.g. a module
    /// rejected with a different message than the script names. Only shown in
    /// verbose output.
    pub notes: Vec<Finding>,
    /// One entry per skipped check, with the reason. Only shown in verbose
    /// output.
    pub skips: Vec<Finding>,
}

/// A script that was not run, and why.
#[derive(Clone, Debug)]
pub struct SkippedFile {
    /// How the script is named in output.
    pub name: String,
    /// Why it was not run, e.g. `simd not implemented`.
    pub reason: String,
}

/// The outcome of running one directory (or one loose script) of the testsuite.
#[derive(Clone, Debug, Default)]
pub struct GroupReport {
    /// The directory name, e.g. `wasm-v1`, or the path of a loose script.
    pub name: String,
    /// The proposals the engine was configured with.
    pub features: String,
    /// Set when nothing in the group ran, with the reason.
    pub skipped: Option<String>,
    /// Proposals the group asked for but the engine does not implement and that
    /// were switched off so the rest could run.
    pub dropped_features: Vec<String>,
    /// Scripts that were not run.
    pub skipped_files: Vec<SkippedFile>,
    /// Scripts that ran, in name order.
    pub files: Vec<FileReport>,
    /// Functions the Cranelift tier compiled while the group ran.
    pub native_functions: usize,
    /// Loop-header entries (on-stack replacement) it compiled, each for one loop.
    pub native_loop_entries: usize,
    /// Running calls that moved into compiled code at a loop header.
    pub native_loop_transfers: usize,
}

impl GroupReport {
    /// Checks that passed across all scripts.
    pub fn passed(&self) -> usize {
        self.files.iter().map(|f| f.passed).sum()
    }

    /// Checks that failed across all scripts.
    pub fn failed(&self) -> usize {
        self.files.iter().map(|f| f.failed).sum()
    }

    /// Checks that were not run across all scripts.
    pub fn skipped_checks(&self) -> usize {
        self.files.iter().map(|f| f.skipped).sum()
    }

    /// Renders the group's summary line followed by its failures (at most
    /// `max_failures` per script unless `verbose`) and skip notices.
    pub fn render(&self, verbose: bool, max_failures: usize) -> String {
        let mut out = String::new();
        if let Some(reason) = &self.skipped {
            let _ = writeln!(out, "{}: skipped ({reason})", self.name);
            return out;
        }
        let _ = writeln!(
            out,
            "{}: {}",
            self.name,
            counts_line(self.passed(), self.failed(), self.skipped_checks())
        );
        if verbose {
            let _ = writeln!(out, "  features: {}", self.features);
        }
        // SIMD being off is already visible through the skipped `simd_*`
        // scripts; anything else switched off changes what the counts mean.
        let notable_drop = self
            .dropped_features
            .iter()
            .any(|f| f != "simd" && f != "relaxed-simd");
        if !self.dropped_features.is_empty() && (verbose || notable_drop) {
            let _ = writeln!(
                out,
                "  not implemented, switched off: {}",
                self.dropped_features.join(", ")
            );
        }
        let mut hidden = 0;
        for file in &self.files {
            let shown = if verbose {
                file.failures.len()
            } else {
                file.failures.len().min(max_failures)
            };
            hidden += file.failures.len() - shown;
            for failure in &file.failures[..shown] {
                let _ = writeln!(
                    out,
                    "  {}:{}:{}: {}",
                    file.name, failure.location.line, failure.location.col, failure.message
                );
            }
            if verbose {
                for (label, findings) in [("note", &file.notes), ("skipped", &file.skips)] {
                    for finding in findings {
                        let _ = writeln!(
                            out,
                            "  {label}: {}:{}:{}: {}",
                            file.name, finding.location.line, finding.location.col, finding.message
                        );
                    }
                }
            }
        }
        if hidden > 0 {
            let _ = writeln!(
                out,
                "  ... and {hidden} more failures (at most {max_failures} shown per script; use -v to see all)"
            );
        }
        // Group skipped scripts by reason so a directory full of e.g. SIMD tests
        // takes one line.
        let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
        for skipped in &self.skipped_files {
            match reasons.iter_mut().find(|(r, _)| *r == skipped.reason) {
                Some((_, names)) => names.push(&skipped.name),
                None => reasons.push((&skipped.reason, vec![&skipped.name])),
            }
        }
        for (reason, names) in reasons {
            let _ = writeln!(out, "  skipped ({reason}): {} files", names.len());
            if verbose {
                for name in names {
                    let _ = writeln!(out, "    {name}");
                }
            }
        }
        out
    }
}

/// The most common kinds of failure in a group, most frequent first: messages
/// with their numbers blanked out, so that e.g. every wrong `i32` result of one
/// operation lands in the same bucket.
pub fn failure_kinds(report: &GroupReport, limit: usize) -> Vec<(usize, String)> {
    let mut counts: Vec<(usize, String)> = Vec::new();
    for failure in report.files.iter().flat_map(|f| &f.failures) {
        let kind = blank_numbers(&failure.message);
        match counts.iter_mut().find(|(_, k)| *k == kind) {
            Some((count, _)) => *count += 1,
            None => counts.push((1, kind)),
        }
    }
    // Stable sort keeps first-seen order among equal counts.
    counts.sort_by_key(|(count, _)| std::cmp::Reverse(*count));
    counts.truncate(limit);
    counts
}

/// Replaces every run of digits (and `0x` hex literals) with `N`.
fn blank_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let hex = c == '0' && chars.peek() == Some(&'x');
            if hex {
                chars.next();
            }
            while chars
                .peek()
                .is_some_and(|d| d.is_ascii_digit() || (hex && d.is_ascii_hexdigit()))
            {
                chars.next();
            }
            out.push('N');
        } else {
            out.push(c);
        }
    }
    out
}

/// `N passed, N failed`, with `, N skipped` when checks were skipped.
pub fn counts_line(passed: usize, failed: usize, skipped: usize) -> String {
    if skipped > 0 {
        format!("{passed} passed, {failed} failed, {skipped} skipped")
    } else {
        format!("{passed} passed, {failed} failed")
    }
}

/// The closing line over several groups: the same counts as each group's
/// summary line, added up.
pub fn totals_line(reports: &[GroupReport]) -> String {
    let sum = |count: fn(&GroupReport) -> usize| reports.iter().map(count).sum();
    counts_line(
        sum(GroupReport::passed),
        sum(GroupReport::failed),
        sum(GroupReport::skipped_checks),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_blanked() {
        assert_eq!(
            blank_numbers("result 0: expected i32:12, got f32:1.5 (0x3fc00000)"),
            "result N: expected iN:N, got fN:N.N (N)"
        );
    }

    #[test]
    fn counts_line_mentions_skips_only_when_there_are_some() {
        assert_eq!(counts_line(3, 1, 0), "3 passed, 1 failed");
        assert_eq!(counts_line(3, 1, 2), "3 passed, 1 failed, 2 skipped");
    }
}
