//! Bodies outside the compiled subset are refused, never miscompiled, and the compiler stays
//! usable afterwards.

mod common;

use common::{Instance, compiler, i32, module};
use tandem_jit::JitError;

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
fn simd() {
    assert_eq!(
        unsupported("(module (func (result i32) v128.const i64x2 1 2 i32x4.extract_lane 0))"),
        "V128Const"
    );
    assert_eq!(unsupported("(module (func (param v128)))"), "v128 values");
    assert_eq!(unsupported("(module (func (local v128)))"), "v128 values");
}

#[test]
fn reference_types_and_tables() {
    assert_eq!(
        unsupported("(module (func (result funcref) ref.null func))"),
        "reference values"
    );
    assert_eq!(
        unsupported(
            "(module (table 1 funcref) (func (result i32) i32.const 0 table.get 0 ref.is_null))"
        ),
        "TableGet"
    );
    assert_eq!(
        unsupported("(module (table 1 funcref) (func (result i32) table.size 0))"),
        "TableSize"
    );
}

#[test]
fn memory_proposals() {
    assert_eq!(
        unsupported("(module (memory 1) (func i32.const 0 i32.const 0 i32.const 1 memory.fill))"),
        "MemoryFill"
    );
    assert_eq!(
        unsupported("(module (memory 1 1 shared) (func (result i32) i32.const 0 i32.atomic.load))"),
        "I32AtomicLoad"
    );
    assert_eq!(
        unsupported("(module (memory i64 1) (func (result i32) i64.const 0 i32.load))"),
        "memory64"
    );
    assert_eq!(
        unsupported(
            "(module (memory 1) (memory $m 1) (func (result i32) i32.const 0 i32.load $m))"
        ),
        "multi-memory"
    );
}

#[test]
fn control_proposals() {
    assert_eq!(
        unsupported("(module (func $f return_call $f))"),
        "ReturnCall"
    );
    assert_eq!(unsupported("(module (tag $e) (func throw $e))"), "Throw");
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
                    i32.const 0 i32.const 0 i32.const 1 memory.fill))"#,
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
            (func (param v128))
            (func (result i32) i32.const 0 i32.const 1 v128.const i64x2 0 0 drop i32.add)
            (func (export "ok") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#,
    );
    let mut compiler = compiler();
    assert!(compiler.compile(&code.info, 0).is_err());
    // Refused half way through its body, with values on the operand stack.
    assert!(compiler.compile(&code.info, 1).is_err());
    let ok = compiler.compile(&code.info, 2).expect("compiles");
    let mut values = [i32(41)];
    // SAFETY: the function uses nothing of its instance, so no context is needed.
    let status = unsafe { ok.call(std::ptr::null_mut(), &mut values) };
    assert_eq!(status, 0);
    assert_eq!(values, [i32(42)]);
    assert_eq!(
        compiler.compile(&code.info, 3).unwrap_err(),
        JitError::NoSuchFunction(3)
    );
}
