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
    // Vectors, atomics and exceptions compile; the function is refused for the `i31`
    // reference alone.
    assert_eq!(
        unsupported(
            "(module (memory 1 1 shared) (tag $e) (func (param v128) (result i32)
                local.get 0 i32x4.extract_lane 1 i32.atomic.load
                i32.const 0 i64.const -1 memory.atomic.wait32
                i32.const 1 ref.i31 drop
                throw $e))"
        ),
        "RefI31"
    );
}

#[test]
fn gc() {
    assert_eq!(
        unsupported("(module (func (result i32) i32.const 1 ref.i31 i31.get_s))"),
        "RefI31"
    );
    // The GC operators are refused one function at a time; references themselves compile.
    assert_eq!(
        unsupported("(module (type $s (struct)) (func struct.new $s drop))"),
        "StructNew"
    );
    let code = module("(module (type $s (struct)) (func (param externref anyref (ref null $s))))");
    assert!(compiler().compile(&code.info, 0).is_ok());
}

#[test]
fn unsupported_operators_in_dead_code_are_skipped() {
    let mut compiler = compiler();
    let instance = Instance::new(
        module(
            r#"(module
                (memory 1)
                (func (export "f") (result i32)
                    i32.const 9
                    return
                    i32.const 1 ref.i31 i31.get_s))"#,
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
            (func (result i32) i32.const 1 ref.i31 i31.get_s)
            (func (result i32) i32.const 0 i32.const 1 i32.const 2 ref.i31 drop i32.add)
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
