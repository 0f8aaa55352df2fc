//! Command-line runner for the WebAssembly spec testsuite.

use std::path::PathBuf;
use std::process::ExitCode;

use tandem::Strategy;
use tandem_spec::report::{failure_kinds, totals_line};
use tandem_spec::suite::{ALL_DIRECTORIES, DEFAULT_DIRECTORIES};
use tandem_spec::{Features, Group, RunOptions, run_group, script};

const USAGE: &str = "\
Runs the WebAssembly spec testsuite against tandem.

Usage: tandem-spec [OPTIONS] [FILE...]

With no --dir, --all or FILE, runs the directories tandem is expected to pass:
{defaults}

Arguments:
  FILE...               .wast scripts on disk. Run with the proposals of the
                        testsuite directory they sit in when its name is known,
                        otherwise with every proposal the engine implements.

Options:
      --dir NAME        Run a testsuite directory; may be repeated. NAME is a
                        spec version (wasm-v1, wasm-v2, wasm-v3, wasm-latest) or
                        a proposal (bulk-memory, reference-types, simd, ...).
      --all             Run every testsuite directory.
      --list            List the testsuite directories and their proposals.
      --strategy NAME   Execution strategy: interpreter, cranelift or tiered.
      --eager-tier-up   With --strategy tiered: run each function's first call on
                        the interpreter until the first loop header it reaches, then
                        in compiled code entered there; compile it for its later
                        calls (on the calling thread).
      --eager-translation
                        Translate (and validate) every function when its module is
                        compiled, instead of on its first call.
      --gc-stress       Collect garbage before every allocation wasm makes, to
                        find objects the collector is not told about.
      --features NAME   Run FILE arguments with the proposals of directory NAME.
      --drop-unsupported
                        Switch off proposals the engine does not implement and
                        run the directory anyway, instead of skipping it.
  -j, --jobs N          Scripts to run at once (default: number of CPUs).
      --fuel N          Give every directive N units of fuel, so a runtime bug
                        that loops forever fails a check instead of hanging.
      --max-failures N  Failures shown per script (default: 20).
      --summary         After each directory, list its most common kinds of
                        failure with their counts.
  -v, --verbose         Show every failure, the proposals used, skipped
                        scripts, and modules rejected with a different message.
  -h, --help            Show this help.

Prints one line per directory, `NAME: N passed, N failed`, followed by its
failures as file:line:col, and closes with the totals. Exits with status 1 if
any check failed.
";

/// The help text, with the default directories filled in from the list the
/// runner actually uses.
fn usage() -> String {
    let mut defaults = String::new();
    let mut line = String::from(" ");
    for name in DEFAULT_DIRECTORIES {
        if line.len() + 1 + name.len() > 78 {
            defaults.push_str(&line);
            defaults.push('\n');
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(name);
    }
    defaults.push_str(&line);
    USAGE.replace("{defaults}", &defaults)
}

/// Parsed command line.
struct Args {
    dirs: Vec<String>,
    files: Vec<PathBuf>,
    all: bool,
    list: bool,
    strategy: Option<Strategy>,
    eager_tier_up: bool,
    eager_translation: bool,
    gc_stress: bool,
    features: Option<String>,
    drop_unsupported: bool,
    jobs: Option<usize>,
    fuel: Option<u64>,
    max_failures: usize,
    summary: bool,
    verbose: bool,
}

fn parse_args(mut raw: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        dirs: Vec::new(),
        files: Vec::new(),
        all: false,
        list: false,
        strategy: None,
        eager_tier_up: false,
        eager_translation: false,
        gc_stress: false,
        features: None,
        drop_unsupported: false,
        jobs: None,
        fuel: None,
        max_failures: 20,
        summary: false,
        verbose: false,
    };
    while let Some(arg) = raw.next() {
        // Accept both `--opt value` and `--opt=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| raw.next())
                .ok_or_else(|| format!("{flag} needs {what}"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--dir" => args.dirs.push(value("a directory name")?),
            "--all" => args.all = true,
            "--list" => args.list = true,
            "--strategy" => args.strategy = Some(parse_strategy(&value("a strategy name")?)?),
            "--eager-tier-up" => args.eager_tier_up = true,
            "--eager-translation" => args.eager_translation = true,
            "--gc-stress" => args.gc_stress = true,
            "--features" => args.features = Some(value("a directory name")?),
            "--drop-unsupported" => args.drop_unsupported = true,
            "-j" | "--jobs" => {
                let text = value("a number")?;
                let jobs = text
                    .parse()
                    .map_err(|_| format!("invalid job count {text:?}"))?;
                args.jobs = Some(jobs);
            }
            "--fuel" => {
                let text = value("a number")?;
                let fuel = text.parse().map_err(|_| format!("invalid fuel {text:?}"))?;
                args.fuel = Some(fuel);
            }
            "--max-failures" => {
                let text = value("a number")?;
                args.max_failures = text
                    .parse()
                    .map_err(|_| format!("invalid number {text:?}"))?;
            }
            "--summary" => args.summary = true,
            "-v" | "--verbose" => args.verbose = true,
            _ if flag.starts_with('-') && flag != "-" => {
                return Err(format!("unknown option {flag}"));
            }
            _ => args.files.push(PathBuf::from(arg)),
        }
    }
    Ok(Some(args))
}

fn parse_strategy(name: &str) -> Result<Strategy, String> {
    match name {
        "interpreter" => Ok(Strategy::Interpreter),
        "cranelift" => Ok(Strategy::Cranelift),
        "tiered" => Ok(Strategy::Tiered),
        _ => Err(format!(
            "unknown strategy {name:?} (known: interpreter, cranelift, tiered)"
        )),
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\nRun with --help for usage.");
            return ExitCode::from(2);
        }
    };

    if args.list {
        for name in ALL_DIRECTORIES {
            match Features::for_directory(name) {
                Some(features) => println!("{name}: {features}"),
                None => println!("{name}: (no tandem::Config switch for this proposal)"),
            }
        }
        return ExitCode::SUCCESS;
    }

    let groups = match collect_groups(&args) {
        Ok(groups) => groups,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };

    script::install_quiet_panic_hook();
    let mut options = RunOptions {
        strategy: args.strategy,
        eager_tier_up: args.eager_tier_up,
        eager_translation: args.eager_translation,
        gc_stress: args.gc_stress,
        fuel: args.fuel,
        ..RunOptions::default()
    };
    if let Some(jobs) = args.jobs {
        options.jobs = jobs.max(1);
    }

    let mut reports = Vec::new();
    for group in &groups {
        let report = run_group(group, &options);
        print!("{}", report.render(args.verbose, args.max_failures));
        if args.summary {
            for (count, kind) in failure_kinds(&report, 15) {
                println!("  {count:>6}x {kind}");
            }
        }
        reports.push(report);
    }
    println!("{}", totals_line(&reports));
    if matches!(args.strategy, Some(Strategy::Cranelift | Strategy::Tiered)) {
        println!(
            "Cranelift compiled {} of the {} functions defined, and {} loop entries of their own; {} running calls moved into compiled code at a loop header; the rest ran on the interpreter",
            reports.iter().map(|r| r.native_functions).sum::<usize>(),
            script::FUNCTIONS.load(std::sync::atomic::Ordering::Relaxed),
            reports.iter().map(|r| r.native_loop_entries).sum::<usize>(),
            reports
                .iter()
                .map(|r| r.native_loop_transfers)
                .sum::<usize>(),
        );
    }
    // In optimised builds the interpreter's handlers must tail-call each other; one that does
    // not leaves native stack behind at every instruction it runs.
    let dispatch_depth = tandem_interp::exec::unexpected_dispatch_depth();
    if dispatch_depth > 0 {
        println!("error: the interpreter's handlers left {dispatch_depth} bytes of native stack");
        return ExitCode::FAILURE;
    }
    if reports.iter().any(|r| r.failed() > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Turns the command line into the groups to run, in the order given.
fn collect_groups(args: &Args) -> Result<Vec<Group>, String> {
    let file_features = match &args.features {
        Some(name) => Some(
            Features::for_directory(name)
                .ok_or_else(|| format!("--features: unknown directory {name:?}"))?,
        ),
        None => None,
    };

    let dir_names: Vec<&str> = if args.all {
        ALL_DIRECTORIES.to_vec()
    } else if args.dirs.is_empty() && args.files.is_empty() {
        DEFAULT_DIRECTORIES.to_vec()
    } else {
        args.dirs.iter().map(String::as_str).collect()
    };

    let mut groups = Vec::new();
    for name in dir_names {
        let mut group = Group::directory(name).ok_or_else(|| {
            format!(
                "unknown directory {name:?} (known: {})",
                ALL_DIRECTORIES.join(", ")
            )
        })?;
        group.drop_unsupported |= args.drop_unsupported;
        groups.push(group);
    }
    for path in &args.files {
        let mut group = Group::file(path, file_features)?;
        group.drop_unsupported |= args.drop_unsupported;
        groups.push(group);
    }
    Ok(groups)
}
