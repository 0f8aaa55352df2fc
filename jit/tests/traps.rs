//! Compiled code reports the interpreter's trap codes, and passes on the statuses of callees.

mod common;

use common::{Instance, compiler, f32, f64, i32, i64, jit_instance, module};
use tandem_interp::TrapCode;
use tandem_jit::{STATUS_EMBEDDER_MIN, Status};

fn trap(code: TrapCode) -> Result<Vec<u64>, Status> {
    Err(Status::Trap(code))
}

#[test]
fn integer_division() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (func (export "div_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
            (func (export "div_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
            (func (export "rem_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)
            (func (export "rem_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_u)
            (func (export "div_s64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s)
            (func (export "rem_s64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)
            (func (export "div_u64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_u)
            (func (export "rem_u64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_u))"#,
    );
    use TrapCode::{IntegerDivisionByZero as ByZero, IntegerOverflow as Overflow};
    for name in ["div_s", "div_u", "rem_s", "rem_u"] {
        assert_eq!(
            instance.call_jit(name, &[i32(7), i32(0)]),
            trap(ByZero),
            "{name}"
        );
    }
    for name in ["div_s64", "div_u64", "rem_s64", "rem_u64"] {
        assert_eq!(
            instance.call_jit(name, &[i64(7), i64(0)]),
            trap(ByZero),
            "{name}"
        );
    }
    assert_eq!(
        instance.call_jit("div_s", &[i32(i32::MIN), i32(-1)]),
        trap(Overflow)
    );
    assert_eq!(
        instance.call_jit("div_s64", &[i64(i64::MIN), i64(-1)]),
        trap(Overflow)
    );
    assert_eq!(
        instance.call_jit("rem_s", &[i32(i32::MIN), i32(-1)]),
        Ok(vec![0])
    );
    assert_eq!(
        instance.call_jit("rem_s64", &[i64(i64::MIN), i64(-1)]),
        Ok(vec![0])
    );
    assert_eq!(
        instance.call_jit("div_s", &[i32(-7), i32(2)]),
        Ok(vec![i32(-3)])
    );
    assert_eq!(
        instance.call_jit("rem_s", &[i32(-7), i32(2)]),
        Ok(vec![i32(-1)])
    );
    assert_eq!(
        instance.call_jit("div_u", &[i32(-7), i32(2)]),
        Ok(vec![i32(0x7fff_fffc)])
    );
}

#[test]
fn float_truncation() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (func (export "f32_s") (param f32) (result i32) local.get 0 i32.trunc_f32_s)
            (func (export "f32_u") (param f32) (result i32) local.get 0 i32.trunc_f32_u)
            (func (export "f64_s") (param f64) (result i32) local.get 0 i32.trunc_f64_s)
            (func (export "f64_u64") (param f64) (result i64) local.get 0 i64.trunc_f64_u)
            (func (export "f32_s64") (param f32) (result i64) local.get 0 i64.trunc_f32_s)
            (func (export "sat") (param f64) (result i32) local.get 0 i32.trunc_sat_f64_s))"#,
    );
    use TrapCode::{BadConversionToInteger as Invalid, IntegerOverflow as Overflow};
    assert_eq!(instance.call_jit("f32_s", &[f32(f32::NAN)]), trap(Invalid));
    assert_eq!(instance.call_jit("f32_s", &[f32(3e9)]), trap(Overflow));
    assert_eq!(
        instance.call_jit("f32_s", &[f32(-2147483648.0)]),
        Ok(vec![i32(i32::MIN)])
    );
    assert_eq!(instance.call_jit("f32_s", &[f32(-1.9)]), Ok(vec![i32(-1)]));
    assert_eq!(instance.call_jit("f32_u", &[f32(-0.9)]), Ok(vec![0]));
    assert_eq!(instance.call_jit("f32_u", &[f32(-1.0)]), trap(Overflow));
    assert_eq!(
        instance.call_jit("f32_u", &[f32(4294967040.0)]),
        Ok(vec![i32(-256)])
    );
    assert_eq!(
        instance.call_jit("f64_s", &[f64(-2147483648.9)]),
        Ok(vec![i32(i32::MIN)])
    );
    assert_eq!(
        instance.call_jit("f64_s", &[f64(-2147483649.0)]),
        trap(Overflow)
    );
    assert_eq!(
        instance.call_jit("f64_s", &[f64(2147483647.9)]),
        Ok(vec![i32(i32::MAX)])
    );
    assert_eq!(
        instance.call_jit("f64_s", &[f64(f64::INFINITY)]),
        trap(Overflow)
    );
    assert_eq!(
        instance.call_jit("f64_u64", &[f64(-f64::NAN)]),
        trap(Invalid)
    );
    assert_eq!(
        instance.call_jit("f64_u64", &[f64(18446744073709549568.0)]),
        Ok(vec![18446744073709549568])
    );
    assert_eq!(
        instance.call_jit("f64_u64", &[f64(18446744073709551616.0)]),
        trap(Overflow)
    );
    assert_eq!(
        instance.call_jit("f32_s64", &[f32(-9223372036854775808.0)]),
        Ok(vec![i64(i64::MIN)])
    );
    assert_eq!(instance.call_jit("sat", &[f64(f64::NAN)]), Ok(vec![0]));
    assert_eq!(
        instance.call_jit("sat", &[f64(1e100)]),
        Ok(vec![i32(i32::MAX)])
    );
    assert_eq!(
        instance.call_jit("sat", &[f64(-1e100)]),
        Ok(vec![i32(i32::MIN)])
    );
}

#[test]
fn memory_out_of_bounds() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (memory 1)
            (func (export "load") (param i32) (result i32) local.get 0 i32.load)
            (func (export "load_far") (param i32) (result i32) local.get 0 i32.load offset=0xffffffff)
            (func (export "load64_at_offset") (param i32) (result i64) local.get 0 i64.load offset=65528)
            (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
            (func (export "store_then_oob") (param i32)
                i32.const 0 i32.const 77 i32.store8
                local.get 0 i32.const 1 i32.store))"#,
    );
    use TrapCode::MemoryOutOfBounds as Oob;
    assert_eq!(instance.call_jit("load", &[i32(65532)]), Ok(vec![0]));
    assert_eq!(instance.call_jit("load", &[i32(65533)]), trap(Oob));
    assert_eq!(instance.call_jit("load", &[i32(-1)]), trap(Oob));
    assert_eq!(instance.call_jit("load_far", &[i32(0)]), trap(Oob));
    assert_eq!(instance.call_jit("load_far", &[i32(1)]), trap(Oob));
    assert_eq!(
        instance.call_jit("load64_at_offset", &[i32(0)]),
        Ok(vec![0])
    );
    assert_eq!(instance.call_jit("load64_at_offset", &[i32(1)]), trap(Oob));
    assert_eq!(
        instance.call_jit("store", &[i32(65534), i32(-1)]),
        trap(Oob)
    );
    assert!(
        instance.memory()[65534..].iter().all(|&b| b == 0),
        "nothing written"
    );
    // Effects before the trap stay, as on the interpreter.
    assert_eq!(
        instance.call_jit("store_then_oob", &[i32(65536)]),
        trap(Oob)
    );
    assert_eq!(instance.memory()[0], 77);
}

#[test]
fn empty_memory() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (memory 0)
            (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
            (func (export "grow_and_load") (result i32)
                i32.const 1 memory.grow drop
                i32.const 65535 i32.load8_u))"#,
    );
    assert_eq!(
        instance.call_jit("load", &[i32(0)]),
        trap(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(instance.call_jit("grow_and_load", &[]), Ok(vec![0]));
    assert_eq!(instance.call_jit("load", &[i32(0)]), Ok(vec![0]));
}

#[test]
fn unreachable_and_traps_in_callees() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (func $boom (export "boom") (param i32) (result i32)
                local.get 0 if unreachable end
                local.get 0)
            (func (export "outer") (param i32) (result i32)
                local.get 0 call $boom i32.const 1 i32.add))"#,
    );
    assert_eq!(
        instance.call_jit("boom", &[i32(1)]),
        trap(TrapCode::Unreachable)
    );
    assert_eq!(instance.call_jit("boom", &[i32(0)]), Ok(vec![0]));
    assert_eq!(
        instance.call_jit("outer", &[i32(1)]),
        trap(TrapCode::Unreachable)
    );
    assert_eq!(instance.call_jit("outer", &[i32(0)]), Ok(vec![i32(1)]));
}

#[test]
fn call_indirect_checks() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (type $unary (func (param i32) (result i32)))
            (type $nullary (func (result i32)))
            (table 3 funcref)
            (elem (i32.const 0) $double $seven)
            (func $double (type $unary) local.get 0 i32.const 2 i32.mul)
            (func $seven (type $nullary) i32.const 7)
            (func (export "call") (param i32 i32) (result i32)
                local.get 1 local.get 0 call_indirect (type $unary)))"#,
    );
    assert_eq!(
        instance.call_jit("call", &[i32(0), i32(21)]),
        Ok(vec![i32(42)])
    );
    assert_eq!(
        instance.call_jit("call", &[i32(1), i32(21)]),
        trap(TrapCode::BadSignature)
    );
    assert_eq!(
        instance.call_jit("call", &[i32(2), i32(21)]),
        trap(TrapCode::IndirectCallToNull)
    );
    assert_eq!(
        instance.call_jit("call", &[i32(3), i32(21)]),
        trap(TrapCode::UndefinedElement)
    );
    assert_eq!(
        instance.call_jit("call", &[i32(-1), i32(21)]),
        trap(TrapCode::UndefinedElement)
    );
}

#[test]
fn unbounded_recursion_stops_at_the_stack_limit() {
    let mut compiler = compiler();
    let mut instance = jit_instance(
        &mut compiler,
        r#"(module
            (global $depth (mut i32) (i32.const 0))
            (func $down (export "down") (param i32) (result i32)
                global.get $depth i32.const 1 i32.add global.set $depth
                local.get 0 i32.const 1 i32.add call $down))"#,
    );
    // Compiled callees are called directly: the native stack limit is what stops them. Half
    // a megabyte below here leaves the test thread's (2 MiB) stack plenty of headroom.
    let marker = 0u8;
    let here = std::hint::black_box(&marker) as *const u8 as usize;
    instance.set_stack_limit(here - (512 << 10));
    assert_eq!(
        instance.call_jit("down", &[i32(0)]),
        trap(TrapCode::StackOverflow)
    );
    assert!(instance.global(0) > 1_000, "depth {}", instance.global(0));
}

fn failing_host(_: &mut [u64]) -> Result<(), u32> {
    Err(STATUS_EMBEDDER_MIN + 5)
}

#[test]
fn embedder_statuses_pass_through() {
    let mut compiler = compiler();
    let instance = Instance::new(
        module(
            r#"(module
                (import "env" "fail" (func $fail))
                (func $inner (result i32) call $fail i32.const 1)
                (func (export "outer") (result i32) call $inner i32.const 1 i32.add))"#,
        ),
        &[failing_host],
    );
    assert!(
        instance
            .compile_all(&mut compiler)
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(
        instance.call_jit("outer", &[]),
        Err(Status::Embedder(STATUS_EMBEDDER_MIN + 5))
    );
    assert_eq!(
        instance.call_interp("outer", &[]),
        Err(Status::Embedder(STATUS_EMBEDDER_MIN + 5))
    );
}
