//! Bodies outside the compiled subset are refused, never miscompiled, and the compiler stays
//! usable afterwards.

mod common;

use std::sync::Arc;

use common::{Instance, compiler, i32, module_with_features};
use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::{ModuleCode, WasmFeatures};
use tandem_jit::JitError;

/// `wat` validated with every default proposal, GC included, so that GC operators reach the
/// compiler (which refuses them one function at a time).
fn module(wat: &str) -> Arc<ModuleCode> {
    module_with_features(wat, TranslateOptions::default(), WasmFeatures::default())
}

/// Compiles the single function of `wat` and returns the error.
fn refusal(wat: &str) -> JitError {
    let code = module(wat);
    let mut compiler = compiler();
    compiler
        .compile(&code.info, 0)
        .expect_err("the function is outside the compiled subset")
}

fn unsupported(wat: &str) -> String {
    match refusal(wat) {
        JitError::Unsupported(what) => what,
        other => panic!("expected Unsupported, got {other}"),
    }
}

#[test]
fn simd_next_to_unsupported_operators() {
    // Vectors, atomics, exceptions and `i31` references compile; the function is refused
    // for the allocation alone, which needs a collection helper these tests do not set.
    assert_eq!(
        unsupported(
            "(module (memory 1 1 shared) (tag $e) (type $s (struct))
              (func (param v128) (result i32)
                local.get 0 i32x4.extract_lane 1 i32.atomic.load
                i32.const 0 i64.const -1 memory.atomic.wait32
                i32.const 1 ref.i31 drop
                struct.new $s drop
                throw $e))"
        ),
        "GC allocation (no collection helper is set)"
    );
}

#[test]
fn gc() {
    // Allocations need a collection helper; everything else about GC compiles without one.
    assert_eq!(
        unsupported("(module (type $s (struct)) (func struct.new $s drop))"),
        "GC allocation (no collection helper is set)"
    );
    let code = module(
        "(module (type $s (struct (field i32)))
          (func (param externref anyref (ref null $s)) (result i32)
            local.get 2 struct.get $s 0
            i32.const 1 ref.i31 i31.get_s i32.add))",
    );
    assert!(compiler().compile(&code.info, 0).is_ok());
    let mut with_helper = compiler();
    with_helper.set_gc_helper(Some(collect));
    let code = module("(module (type $s (struct)) (func struct.new $s drop))");
    assert!(with_helper.compile(&code.info, 0).is_ok());
}

/// A collection helper for the compiler; never called here.
unsafe extern "C" fn collect(_vmctx: *mut tandem_interp::vm::VmCtx) {}

#[test]
fn unsupported_operators_in_dead_code_are_skipped() {
    let mut compiler = compiler();
    let instance = Instance::new(
        module(
            r#"(module
                (memory 1)
                (type $s (struct))
                (func (export "f") (result i32)
                    i32.const 9
                    return
                    struct.new $s drop i32.const 1))"#,
        ),
        &[],
    );
    assert!(instance.compile_all(&mut compiler)[0].is_ok());
    assert_eq!(instance.call_jit("f", &[]), Ok(vec![i32(9)]));
}

#[test]
fn the_compiler_recovers_from_refusals() {
    let code = module(
        r#"(module
            (type $s (struct))
            (func (result i32) struct.new $s drop i32.const 1)
            (func (result i32) i32.const 0 i32.const 1 struct.new $s drop i32.add)
            (func (export "ok") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#,
    );
    let mut compiler = compiler();
    assert!(compiler.compile(&code.info, 0).is_err());
    // Refused half way through its body, with values on the operand stack.
    assert!(compiler.compile(&code.info, 1).is_err());
    let ok = compiler.compile(&code.info, 2).expect("compiles");
    let instance = Instance::new(code.clone(), &[]);
    let mut values = [i32(41)];
    // SAFETY: the instance is of the module the code was compiled from, the compiler lives.
    let status = unsafe { ok.call(&*instance.vmctx as *const _ as *mut _, &mut values) };
    assert_eq!(status, 0);
    assert_eq!(values, [i32(42)]);
    assert_eq!(
        compiler.compile(&code.info, 3).unwrap_err(),
        JitError::NoSuchFunction(3)
    );
}
