//! Runs the testsuite directories tandem is expected to pass and fails on any
//! failed check, so regressions show up in `cargo test`.
//!
//! One test per directory, so the test harness runs them side by side and a
//! failure names the directory.

use tandem_spec::suite::DEFAULT_DIRECTORIES;
use tandem_spec::{Features, Group, RunOptions, run_group};

/// Runs one directory, optionally with a different set of proposals, and
/// asserts that it ran and nothing failed.
fn check_directory(name: &str, features: Option<Features>) {
    let mut group = Group::directory(name).expect("directory is part of the testsuite");
    if let Some(features) = features {
        group.features = Some(features);
    }
    // The harness already runs the directories in parallel; a second worker
    // per directory keeps the run busy once only the big directories are left.
    let options = RunOptions {
        jobs: 2,
        ..RunOptions::default()
    };
    let report = run_group(&group, &options);
    let rendered = report.render(false, 20);
    print!("{rendered}");
    assert!(report.skipped.is_none(), "{name} did not run:\n{rendered}");
    assert!(report.passed() > 0, "{name} ran no checks:\n{rendered}");
    assert_eq!(report.failed(), 0, "{name} has failures:\n{rendered}");
}

macro_rules! directory_tests {
    ($($test:ident => $name:literal $(with $features:expr)?;)*) => {
        $(
            #[test]
            fn $test() {
                #[allow(unused_mut, unused_assignments)]
                let mut features = None;
                $(features = Some($features);)?
                check_directory($name, features);
            }
        )*

        /// Keeps this file in step with the list the binary runs by default.
        #[test]
        fn covers_the_default_directories() {
            let tested = [$($name),*];
            assert_eq!(tested.as_slice(), DEFAULT_DIRECTORIES);
        }
    };
}

directory_tests! {
    wasm_v1 => "wasm-v1";
    // SIMD is tracked separately (`--dir simd`); this test must not depend on it.
    wasm_v2 => "wasm-v2" with Features::WASM2.with("simd", false);
    mutable_global => "mutable-global";
    sign_extension_ops => "sign-extension-ops";
    nontrapping_float_to_int_conversions => "nontrapping-float-to-int-conversions";
    multi_value => "multi-value";
    bulk_memory => "bulk-memory";
    reference_types => "reference-types";
    extended_const => "extended-const";
    tail_call => "tail-call";
    multi_memory => "multi-memory";
    memory64 => "memory64";
    threads => "threads";
    simd => "simd";
    relaxed_simd => "relaxed-simd";
    wide_arithmetic => "wide-arithmetic";
    custom_page_sizes => "custom-page-sizes";
    function_references => "function-references";
    gc => "gc";
    exceptions => "exceptions";
    wasm_v3 => "wasm-v3";
    wasm_latest => "wasm-latest";
}
