//! Compiled functions compute what their wasm says: arithmetic, control flow, loops, locals,
//! globals, memory and calls.

mod common;

use common::{Instance, compiler, f32, f64, i32, i64, jit_instance, module};
use tandem_jit::{JitCompiler, Status};

#[test]
fn arithmetic() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (func (export "add") (param i32 i32) (result i32)
                local.get 0 local.get 1 i32.add)
            (func (export "mix64") (param i64 i64) (result i64)
                local.get 0 local.get 1 i64.mul
                local.get 0 i64.const 3 i64.shr_s
                i64.xor
                local.get 1 i64.rotl)
            (func (export "poly") (param f64) (result f64)
                local.get 0 local.get 0 f64.mul
                f64.const 2 local.get 0 f64.mul
                f64.add
                f64.const 1 f64.add)
            (func (export "avg32") (param f32 f32) (result f32)
                local.get 0 local.get 1 f32.add f32.const 0.5 f32.mul)
            (func (export "bits") (param i32) (result i32 i32 i32)
                local.get 0 i32.clz local.get 0 i32.ctz local.get 0 i32.popcnt)
            (func (export "cmp") (param i32 i32) (result i32)
                local.get 0 local.get 1 i32.lt_s
                local.get 0 local.get 1 i32.lt_u
                i32.const 1 i32.shl i32.or))"#,
    );
    assert_eq!(
        instance.call_jit("add", &[i32(20), i32(22)]),
        Ok(vec![i32(42)])
    );
    assert_eq!(
        instance.call_jit("add", &[i32(i32::MAX), i32(1)]),
        Ok(vec![i32(i32::MIN)])
    );
    let (a, b) = (0x1234_5678_9abc_def0_i64, -77_i64);
    let expected = (a.wrapping_mul(b) ^ (a >> 3)).rotate_left(b as u32 % 64);
    assert_eq!(
        instance.call_jit("mix64", &[i64(a), i64(b)]),
        Ok(vec![i64(expected)])
    );
    assert_eq!(instance.call_jit("poly", &[f64(3.0)]), Ok(vec![f64(16.0)]));
    assert_eq!(
        instance.call_jit("avg32", &[f32(1.0), f32(2.0)]),
        Ok(vec![f32(1.5)])
    );
    assert_eq!(
        instance.call_jit("bits", &[i32(0x00f0)]),
        Ok(vec![i32(24), i32(4), i32(4)])
    );
    assert_eq!(
        instance.call_jit("cmp", &[i32(-1), i32(1)]),
        Ok(vec![i32(1)])
    );
    assert_eq!(
        instance.call_jit("cmp", &[i32(1), i32(-1)]),
        Ok(vec![i32(2)])
    );
}

#[test]
fn results_keep_the_high_half_of_32_bit_slots_zero() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (func (export "neg") (param i32) (result i32) i32.const 0 local.get 0 i32.sub)
            (func (export "negf") (param f32) (result f32) local.get 0 f32.neg))"#,
    );
    // Garbage in the high half of an argument slot is ignored; results are zero-extended.
    assert_eq!(
        instance.call_jit("neg", &[0xdead_beef_0000_0001]),
        Ok(vec![0x0000_0000_ffff_ffff])
    );
    assert_eq!(
        instance.call_jit("negf", &[0xdead_beef_0000_0000 | f32(1.0)]),
        Ok(vec![f32(-1.0)])
    );
}

const LOOPS: &str = r#"(module
    (func (export "fib") (param i32) (result i64)
        (local $a i64) (local $b i64) (local $t i64)
        i64.const 1 local.set $b
        block $done
            loop $next
                local.get 0 i32.eqz br_if $done
                local.get $a local.get $b i64.add local.set $t
                local.get $b local.set $a
                local.get $t local.set $b
                local.get 0 i32.const 1 i32.sub local.set 0
                br $next
            end
        end
        local.get $a)
    (func (export "factorial") (param i64) (result i64)
        (local $acc i64)
        i64.const 1 local.set $acc
        loop $next
            local.get 0 i64.const 1 i64.gt_u
            if
                local.get $acc local.get 0 i64.mul local.set $acc
                local.get 0 i64.const 1 i64.sub local.set 0
                br $next
            end
        end
        local.get $acc)
    (func (export "sum") (param i32) (result i64)
        (local $i i32) (local $acc i64)
        block $done
            loop $next
                local.get $i local.get 0 i32.ge_u br_if $done
                local.get $acc local.get $i i64.extend_i32_u i64.add local.set $acc
                local.get $i i32.const 1 i32.add local.set $i
                br $next
            end
        end
        local.get $acc)
    (func (export "sum_loop_params") (param i32) (result i32)
        ;; Counts down with the running total carried as a loop parameter.
        i32.const 0
        local.get 0
        loop $next (param i32 i32) (result i32)
            local.set 0
            local.get 0 i32.add
            local.get 0 i32.const 1 i32.sub local.tee 0
            i32.eqz
            br_if 1
            local.get 0
            br $next
        end)
    (func (export "collatz") (param i32) (result i32)
        (local $steps i32)
        block $done
            loop $next
                local.get 0 i32.const 1 i32.le_u br_if $done
                local.get $steps i32.const 1 i32.add local.set $steps
                local.get 0 i32.const 1 i32.and
                if (result i32)
                    local.get 0 i32.const 3 i32.mul i32.const 1 i32.add
                else
                    local.get 0 i32.const 1 i32.shr_u
                end
                local.set 0
                br $next
            end
        end
        local.get $steps))"#;

#[test]
fn loops() {
    let mut compiler = compiler();
    let instance = jit_instance(&mut compiler, LOOPS);
    let fib = |n: i32| instance.call_jit("fib", &[i32(n)]).unwrap()[0] as i64;
    assert_eq!(
        (0..10).map(fib).collect::<Vec<_>>(),
        [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
    );
    assert_eq!(fib(90), 2880067194370816120);
    let factorial = |n: i64| instance.call_jit("factorial", &[i64(n)]).unwrap()[0] as i64;
    assert_eq!(factorial(0), 1);
    assert_eq!(factorial(10), 3628800);
    assert_eq!(factorial(20), 2432902008176640000);
    let sum = |n: i32| instance.call_jit("sum", &[i32(n)]).unwrap()[0] as i64;
    assert_eq!(sum(0), 0);
    assert_eq!(sum(100_000), 4_999_950_000);
    let sum2 = |n: i32| instance.call_jit("sum_loop_params", &[i32(n)]).unwrap()[0] as i32;
    assert_eq!(sum2(1), 1);
    assert_eq!(sum2(10), 55);
    let collatz = |n: i32| instance.call_jit("collatz", &[i32(n)]).unwrap()[0] as i32;
    assert_eq!(collatz(27), 111);
}

#[test]
fn branches_and_blocks() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (func (export "classify") (param i32) (result i32)
                block $c block $b block $a
                    local.get 0
                    br_table $a $b $c $a
                end
                i32.const 100 return
                end
                i32.const 200 return
                end
                i32.const 300)
            (func (export "table_values") (param i32) (result i32 i64)
                ;; Every target receives the same two values, and adds its own mark.
                block $c (result i32 i64)
                    block $b (result i32 i64)
                        block $a (result i32 i64)
                            i32.const 7 i64.const 9
                            local.get 0
                            br_table $a $b $c
                        end
                        i64.const 1 i64.add
                        return
                    end
                    i64.const 2 i64.add
                    return
                end
                i64.const 3 i64.add)
            (func (export "select") (param i32 f64 f64) (result f64)
                local.get 1 local.get 2 local.get 0 select)
            (func (export "if_params") (param i32 i32) (result i32)
                local.get 1
                local.get 0
                if (param i32) (result i32)
                    i32.const 10 i32.mul
                else
                    i32.const 10 i32.add
                end)
            (func (export "if_no_else") (param i32) (result i32)
                i32.const 5
                local.get 0
                if (param i32) (result i32)
                    i32.const 1 i32.add
                end)
            (func (export "dead_code") (param i32) (result i32)
                block (result i32)
                    local.get 0
                    br 0
                    i32.const 1
                    block
                        unreachable
                    end
                    i32.add
                end
                local.set 0
                block
                    local.get 0 i32.const 1 i32.add
                    return
                    loop
                        br 0
                    end
                end
                unreachable)
            (func (export "early") (param i32) (result i32)
                local.get 0 i32.const 1 i32.eq
                if
                    i32.const 1
                    return
                end
                local.get 0 i32.const 10 i32.mul
                local.get 0
                br_if 0
                drop
                i32.const 3))"#,
    );
    let classify = |n: i32| instance.call_jit("classify", &[i32(n)]).unwrap()[0] as i32;
    assert_eq!(
        [0, 1, 2, 3, 4, -1].map(classify),
        [100, 200, 300, 100, 100, 100]
    );
    for (index, mark) in [(0, 1), (1, 2), (2, 3), (9, 3)] {
        assert_eq!(
            instance.call_jit("table_values", &[i32(index)]),
            Ok(vec![i32(7), i64(9 + mark)])
        );
    }
    assert_eq!(
        instance.call_jit("select", &[i32(1), f64(1.5), f64(2.5)]),
        Ok(vec![f64(1.5)])
    );
    assert_eq!(
        instance.call_jit("select", &[i32(0), f64(1.5), f64(2.5)]),
        Ok(vec![f64(2.5)])
    );
    assert_eq!(
        instance.call_jit("if_params", &[i32(1), i32(4)]),
        Ok(vec![i32(40)])
    );
    assert_eq!(
        instance.call_jit("if_params", &[i32(0), i32(4)]),
        Ok(vec![i32(14)])
    );
    assert_eq!(instance.call_jit("if_no_else", &[i32(1)]), Ok(vec![i32(6)]));
    assert_eq!(instance.call_jit("if_no_else", &[i32(0)]), Ok(vec![i32(5)]));
    assert_eq!(
        instance.call_jit("dead_code", &[i32(42)]),
        Ok(vec![i32(43)])
    );
    assert_eq!(instance.call_jit("early", &[i32(1)]), Ok(vec![i32(1)]));
    assert_eq!(instance.call_jit("early", &[i32(0)]), Ok(vec![i32(3)]));
    assert_eq!(instance.call_jit("early", &[i32(5)]), Ok(vec![i32(50)]));
}

#[test]
fn globals() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (global $count (mut i32) (i32.const 40))
            (global $scale f64 (f64.const 0.25))
            (global $wide (mut i64) (i64.const -1))
            (func (export "bump") (result i32)
                global.get $count i32.const 1 i32.add global.set $count
                global.get $count)
            (func (export "scale") (param f64) (result f64)
                local.get 0 global.get $scale f64.mul)
            (func (export "set_wide") (param i64) global.get $wide drop local.get 0 global.set $wide))"#,
    );
    assert_eq!(instance.call_jit("bump", &[]), Ok(vec![i32(41)]));
    assert_eq!(instance.call_jit("bump", &[]), Ok(vec![i32(42)]));
    assert_eq!(instance.global(0), 42);
    assert_eq!(instance.call_jit("scale", &[f64(8.0)]), Ok(vec![f64(2.0)]));
    assert_eq!(instance.call_jit("set_wide", &[i64(-5)]), Ok(vec![]));
    assert_eq!(instance.global(2), i64(-5));
}

#[test]
fn memory_loads_stores_size_and_grow() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (memory 1 3)
            (data (i32.const 16) "\01\02\03\04\05\06\07\08\ff\fe")
            (func (export "load32") (param i32) (result i32) local.get 0 i32.load offset=16)
            (func (export "load64") (param i32) (result i64) local.get 0 i64.load offset=16)
            (func (export "load8s") (param i32) (result i32) local.get 0 i32.load8_s)
            (func (export "load8u") (param i32) (result i32) local.get 0 i32.load8_u)
            (func (export "load16s") (param i32) (result i64) local.get 0 i64.load16_s)
            (func (export "load32u") (param i32) (result i64) local.get 0 i64.load32_u)
            (func (export "store") (param i32 i64)
                local.get 0 local.get 1 i64.store
                local.get 0 i32.const 8 i32.add local.get 1 i64.store32
                local.get 0 i32.const 12 i32.add local.get 1 i32.wrap_i64 i32.store16
                local.get 0 i32.const 14 i32.add local.get 1 i32.wrap_i64 i32.store8)
            (func (export "float") (param i32 f32) (result f64)
                local.get 0 local.get 1 f32.store
                local.get 0 f32.load f64.promote_f32
                local.get 0 i32.const 8 i32.add
                local.get 0 f32.load f64.promote_f32 f64.store
                local.get 0 i32.const 8 i32.add f64.load
                f64.add)
            (func (export "size") (result i32) memory.size)
            (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
            (func (export "last_byte") (result i32)
                memory.size i32.const 16 i32.shl i32.const 1 i32.sub i32.load8_u)
            (func (export "fill") (param i32 i32)
                ;; Stores byte i at address i for i in [0, n).
                (local $i i32)
                block $done
                    loop $next
                        local.get $i local.get 1 i32.ge_u br_if $done
                        local.get 0 local.get $i i32.add local.get $i i32.store8
                        local.get $i i32.const 1 i32.add local.set $i
                        br $next
                    end
                end))"#,
    );
    assert_eq!(
        instance.call_jit("load32", &[i32(0)]),
        Ok(vec![i32(0x04030201)])
    );
    assert_eq!(
        instance.call_jit("load64", &[i32(0)]),
        Ok(vec![i64(0x0807060504030201)])
    );
    assert_eq!(instance.call_jit("load8s", &[i32(24)]), Ok(vec![i32(-1)]));
    assert_eq!(instance.call_jit("load8u", &[i32(24)]), Ok(vec![i32(0xff)]));
    assert_eq!(
        instance.call_jit("load16s", &[i32(24)]),
        Ok(vec![i64(-257)])
    );
    assert_eq!(
        instance.call_jit("load32u", &[i32(22)]),
        Ok(vec![i64(0xfeff0807)])
    );

    assert_eq!(
        instance.call_jit("store", &[i32(100), i64(0x1122334455667788)]),
        Ok(vec![])
    );
    assert_eq!(
        &instance.memory()[100..115],
        &[
            0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55, 0x88, 0x77,
            0x88
        ]
    );
    assert_eq!(
        instance.call_jit("float", &[i32(200), f32(1.25)]),
        Ok(vec![f64(2.5)])
    );

    assert_eq!(instance.call_jit("size", &[]), Ok(vec![i32(1)]));
    assert_eq!(instance.call_jit("last_byte", &[]), Ok(vec![i32(0)]));
    assert_eq!(instance.call_jit("grow", &[i32(1)]), Ok(vec![i32(1)]));
    assert_eq!(instance.call_jit("size", &[]), Ok(vec![i32(2)]));
    // The grown page is accessible at once, from the same compiled code.
    assert_eq!(instance.call_jit("last_byte", &[]), Ok(vec![i32(0)]));
    assert_eq!(instance.call_jit("grow", &[i32(2)]), Ok(vec![i32(-1)]));
    assert_eq!(instance.call_jit("grow", &[i32(1)]), Ok(vec![i32(2)]));
    assert_eq!(instance.call_jit("grow", &[i32(0)]), Ok(vec![i32(3)]));
    assert_eq!(instance.call_jit("size", &[]), Ok(vec![i32(3)]));

    assert_eq!(
        instance.call_jit("fill", &[i32(1000), i32(300)]),
        Ok(vec![])
    );
    let expected: Vec<u8> = (0..300).map(|i| i as u8).collect();
    assert_eq!(&instance.memory()[1000..1300], &expected[..]);
}

#[test]
fn grow_inside_a_function_updates_its_bounds() {
    let mut compiler = compiler();
    let instance = jit_instance(
        &mut compiler,
        r#"(module
            (memory 1)
            (func (export "grow_then_store") (result i32)
                ;; The store lands in the page grown by the same function.
                i32.const 1 memory.grow drop
                i32.const 70000 i32.const 99 i32.store
                i32.const 70000 i32.load))"#,
    );
    assert_eq!(instance.call_jit("grow_then_store", &[]), Ok(vec![i32(99)]));
}

const CALLS: &str = r#"(module
    (type $binary (func (param i32 i32) (result i32)))
    (import "env" "host_add" (func $host_add (param i32 i32) (result i32)))
    (memory 1)
    (table 4 funcref)
    (elem (i32.const 0) $add $sub $fib)
    (func $add (type $binary) local.get 0 local.get 1 i32.add)
    (func $sub (type $binary) local.get 0 local.get 1 i32.sub)
    (func $fib (export "fib") (param i32) (result i32)
        local.get 0 i32.const 2 i32.lt_u
        if (result i32)
            local.get 0
        else
            local.get 0 i32.const 1 i32.sub call $fib
            local.get 0 i32.const 2 i32.sub call $fib
            i32.add
        end)
    (func (export "apply") (param i32 i32 i32) (result i32)
        local.get 1 local.get 2 local.get 0 call_indirect (type $binary))
    (func (export "via_host") (param i32 i32) (result i32)
        local.get 0 local.get 1 call $host_add)
    (func $grow (result i32) i32.const 1 memory.grow)
    (func (export "store_after_callee_grows") (result i32)
        call $grow drop
        i32.const 65536 i32.const 5 i32.store
        i32.const 65536 i32.load)
    (func $swap (param i64 f64) (result f64 i64) local.get 1 local.get 0)
    (func (export "swap") (param i64 f64) (result f64 i64)
        local.get 0 local.get 1 call $swap)
    (func (export "recurse") (param i32) (result i32)
        local.get 0 i32.const 1 i32.add call 10))"#;

fn host_add(slots: &mut [u64]) -> Result<(), u32> {
    slots[0] = i32((slots[0] as i32).wrapping_add(slots[1] as i32) * 2);
    Ok(())
}

#[test]
fn calls() {
    let mut compiler = compiler();
    let instance = Instance::new(module(CALLS), &[host_add]);
    assert!(
        instance
            .compile_all(&mut compiler)
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(instance.call_jit("fib", &[i32(20)]), Ok(vec![i32(6765)]));
    assert_eq!(
        instance.call_jit("apply", &[i32(0), i32(7), i32(5)]),
        Ok(vec![i32(12)])
    );
    assert_eq!(
        instance.call_jit("apply", &[i32(1), i32(7), i32(5)]),
        Ok(vec![i32(2)])
    );
    assert_eq!(
        instance.call_jit("via_host", &[i32(7), i32(5)]),
        Ok(vec![i32(24)])
    );
    assert_eq!(
        instance.call_jit("store_after_callee_grows", &[]),
        Ok(vec![i32(5)])
    );
    assert_eq!(
        instance.call_jit("swap", &[i64(-3), f64(0.5)]),
        Ok(vec![f64(0.5), i64(-3)])
    );
}

#[test]
fn a_callee_without_native_code_stops_the_caller_with_the_helpers_status() {
    let mut compiler = compiler();
    let instance = Instance::new(module(CALLS), &[host_add]);
    let results = instance.compile_all(&mut compiler);
    assert!(results.iter().all(Result::is_ok));
    // Take `$add`'s code away again (both entries), as if it had not been compiled yet.
    let add = instance.func(1);
    for entry in [&add.native_wasm_call, &add.native] {
        entry.store(std::ptr::null_mut(), std::sync::atomic::Ordering::Release);
    }
    // `apply` reaches `$add` (element 0) through call_indirect; the helper reports that it
    // has no code and compiled code passes that status through unchanged.
    assert_eq!(
        instance.call_jit("apply", &[i32(0), i32(1), i32(2)]),
        Err(Status::Embedder(common::STATUS_NOT_COMPILED))
    );
}

#[test]
fn calls_need_a_helper() {
    let mut compiler = JitCompiler::new().unwrap();
    let instance = Instance::new(module(CALLS), &[host_add]);
    let results = instance.compile_all(&mut compiler);
    // `$add`, `$sub`, `$grow` and `$swap` call nothing; the others do.
    let compiled: Vec<bool> = results.iter().map(Result::is_ok).collect();
    assert_eq!(
        compiled,
        [
            true, true, false, false, false, true, false, true, false, false
        ]
    );
    assert!(matches!(
        &results[2],
        Err(tandem_jit::JitError::Unsupported(what)) if what.contains("call helper")
    ));
}
