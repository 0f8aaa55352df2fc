//! Fuel metering in compiled code charges exactly what the interpreter charges, at the same
//! points: every program leaves the same fuel behind in both tiers, and with any amount of
//! fuel to start from, both tiers run out of it at the same point (same status, same fuel
//! left, same memory and globals).

mod common;

use std::sync::Arc;

use common::{Instance, compile_module, compiler_with, i32, module_with};
use tandem_interp::TrapCode;
use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::ModuleCode;
use tandem_jit::{CompiledCode, JitOptions, Status};

const PROGRAMS: &str = r#"(module
    (type $ii (func (param i32) (result i32)))
    (memory 1)
    (global $g (mut i32) (i32.const 0))
    (table 4 funcref)
    (elem (i32.const 0) $double $fib $count)

    (func $sum (export "sum") (param $n i32) (result i32)
        (local $i i32) (local $acc i32)
        block $done
            loop $next
                local.get $i local.get $n i32.ge_u br_if $done
                local.get $acc local.get $i i32.add local.set $acc
                local.get $i i32.const 1 i32.add local.set $i
                br $next
            end
        end
        local.get $acc)

    (func $fib (export "fib") (type $ii)
        local.get 0 i32.const 2 i32.lt_u
        if (result i32)
            local.get 0
        else
            local.get 0 i32.const 1 i32.sub call $fib
            local.get 0 i32.const 2 i32.sub call $fib
            i32.add
        end)

    (func $double (type $ii) local.get 0 i32.const 2 i32.mul)

    (func $count (type $ii)
        global.get $g local.get 0 i32.add global.set $g
        global.get $g)

    (func (export "switch") (param $n i32) (result i32)
        (local $i i32) (local $acc i32)
        block $exit
            loop $next
                local.get $i local.get $n i32.ge_u br_if $exit
                block $d
                    block $c
                        block $b
                            block $a
                                local.get $i i32.const 5 i32.rem_u
                                br_table $a $b $c $d
                            end
                            local.get $acc i32.const 1 i32.add local.set $acc
                            br $d
                        end
                        local.get $acc i32.const 10 i32.add local.set $acc
                        nop
                    end
                    local.get $acc i32.const 3 i32.mul local.set $acc
                end
                local.get $i i32.const 1 i32.add local.set $i
                br $next
            end
        end
        local.get $acc)

    (func (export "branches") (param $x i32) (result i32)
        (local $r i32)
        local.get $x i32.const 1 i32.and
        if
            local.get $r i32.const 3 i32.add local.set $r
        end
        local.get $x i32.const 2 i32.and
        if (result i32)
            i32.const 5
        else
            block (result i32)
                i32.const 7
                local.get $x i32.const 4 i32.and
                br_if 0
                drop
                i32.const 9
            end
        end
        local.get $r i32.add local.set $r
        block
            local.get $x i32.const 8 i32.and
            br_if 0
            local.get $r i32.const 1 i32.shl local.set $r
            br 0
            i32.const 1 drop i32.const 2 drop
        end
        local.get $x i32.const 16 i32.and
        if
            local.get $r
            return
            i32.const 4 drop
        end
        local.get $r i32.const 11 local.get $x i32.const 32 i32.and select
        i32.const 1000 i32.add)

    (func (export "indirect") (param $n i32) (result i32)
        (local $i i32) (local $acc i32)
        loop $next
            local.get $acc
            local.get $i
            local.get $i i32.const 3 i32.rem_u
            call_indirect (type $ii)
            i32.add local.set $acc
            local.get $i i32.const 1 i32.add local.tee $i
            local.get $n i32.lt_u br_if $next
        end
        local.get $acc)

    (func (export "trap_mid_block") (param $x i32) (result i32)
        local.get $x i32.const 1 i32.add
        i32.const 10 local.get $x i32.div_u
        i32.add
        i32.const 3 i32.mul)

    (func (export "memory") (param $n i32) (result i32)
        (local $i i32)
        loop $fill
            local.get $i local.get $i i32.store8
            local.get $i i32.const 1 i32.add local.tee $i
            local.get $n i32.lt_u br_if $fill
        end
        i32.const 100 i32.const 7 local.get $n memory.fill
        i32.const 0 i32.load
        memory.size i32.add
        i32.const 0 memory.grow i32.add)

    (func $even (param i32) (result i32)
        local.get 0 i32.eqz
        if (result i32)
            i32.const 1
        else
            local.get 0 i32.const 1 i32.sub return_call $odd
        end)
    (func $odd (param i32) (result i32)
        local.get 0 i32.eqz
        if (result i32)
            i32.const 0
        else
            local.get 0 i32.const 1 i32.sub return_call $even
        end)
    (func (export "tail") (param i32) (result i32) local.get 0 call $even i32.const 1 i32.add)
    (func $countdown (export "countdown") (param i32 i32) (result i32)
        local.get 0 i32.eqz
        if (result i32)
            local.get 1
        else
            local.get 0 i32.const 1 i32.sub
            local.get 1 local.get 0 i32.add
            return_call $countdown
        end)

    (func (export "loop_params") (param $n i32) (result i32)
        (local $acc i32)
        local.get $n
        loop $l (param i32) (result i32)
            local.tee $n
            local.get $acc i32.add local.set $acc
            local.get $n i32.const 1 i32.sub
            local.get $n i32.const 1 i32.gt_u
            br_if $l
        end
        local.get $acc i32.add)

    (func (export "dead_frames") (param $x i32) (result i32)
        block (result i32)
            local.get $x
            local.get $x
            br_if 0
            br 0
            if (result i32) i32.const 0 else i32.const 1 end
            loop i32.const 5 drop end
            block br 0 end
        end
        i32.const 3 i32.add)

    (func (export "unreachable_end") (param $x i32) (result i32)
        block
            local.get $x
            br_if 0
            unreachable
        end
        block (result i32)
            local.get $x
            br 0
        end
        i32.const 2 i32.mul)
)"#;

const PLENTY: i64 = 10_000_000;

fn options() -> TranslateOptions {
    TranslateOptions {
        fuel: true,
        ..TranslateOptions::default()
    }
}

/// Two fresh instances of `code`, the second running `compiled`.
fn pair(code: &Arc<ModuleCode>, compiled: &[CompiledCode]) -> (Instance, Instance) {
    let interp = Instance::new(code.clone(), &[]);
    let jit = Instance::new(code.clone(), &[]);
    jit.install(compiled);
    (interp, jit)
}

/// Runs export `name` on both tiers with `fuel` to start from and checks that they agree on
/// everything; returns the outcome and the fuel left.
fn run_both(
    interp: &mut Instance,
    jit: &mut Instance,
    name: &str,
    args: &[u64],
    fuel: i64,
) -> (Result<Vec<u64>, Status>, i64) {
    interp.set_fuel(fuel);
    jit.set_fuel(fuel);
    let a = interp.call_interp(name, args);
    let b = jit.call_jit(name, args);
    let what = format!("{name} {args:?} with {fuel} fuel");
    assert_eq!(b, a, "{what}: outcome");
    assert_eq!(jit.fuel(), interp.fuel(), "{what}: fuel left");
    assert_eq!(jit.memory(), interp.memory(), "{what}: memory");
    assert_eq!(jit.global(0), interp.global(0), "{what}: global");
    (a, interp.fuel())
}

/// The starting fuel amounts to try for a run that uses `used`: every amount up to a few
/// hundred, then a spread up to a little more than enough.
fn fuel_points(used: i64) -> Vec<i64> {
    let mut points: Vec<i64> = (0..=used.min(300) + 1).collect();
    if used > 300 {
        points.extend((1..40).map(|k| 300 + (used - 300) * k / 40));
        points.extend([used - 1, used, used + 1]);
    }
    points
}

#[test]
fn remaining_fuel_agrees_with_the_interpreter_at_every_starting_amount() {
    let code = module_with(PROGRAMS, options());
    let mut compiler = compiler_with(JitOptions::from(options()));
    let compiled = compile_module(&mut compiler, &code);
    let cases: &[(&str, &[u64])] = &[
        ("sum", &[i32(0)]),
        ("sum", &[i32(1)]),
        ("sum", &[i32(50)]),
        ("fib", &[i32(1)]),
        ("fib", &[i32(12)]),
        ("switch", &[i32(0)]),
        ("switch", &[i32(23)]),
        ("indirect", &[i32(1)]),
        ("indirect", &[i32(10)]),
        ("trap_mid_block", &[i32(0)]),
        ("trap_mid_block", &[i32(5)]),
        ("memory", &[i32(1)]),
        ("memory", &[i32(40)]),
        ("tail", &[i32(0)]),
        ("tail", &[i32(25)]),
        ("countdown", &[i32(0), i32(0)]),
        ("countdown", &[i32(30), i32(1)]),
        ("loop_params", &[i32(1)]),
        ("loop_params", &[i32(9)]),
        ("dead_frames", &[i32(0)]),
        ("dead_frames", &[i32(1)]),
        ("unreachable_end", &[i32(0)]),
        ("unreachable_end", &[i32(3)]),
    ];
    let mut cases: Vec<(&str, Vec<u64>)> = cases.iter().map(|&(n, a)| (n, a.to_vec())).collect();
    cases.extend((0..64).map(|x| ("branches", vec![i32(x)])));

    for (name, args) in &cases {
        let (mut interp, mut jit) = pair(&code, &compiled);
        let (outcome, left) = run_both(&mut interp, &mut jit, name, args, PLENTY);
        assert_ne!(
            outcome,
            Err(Status::Trap(TrapCode::OutOfFuel)),
            "{name} {args:?}"
        );
        let used = PLENTY - left;
        assert!(used > 0, "{name} {args:?} costs fuel");

        let mut ran_out = 0;
        for fuel in fuel_points(used) {
            // Fresh instances: the run leaves memory and globals as they were.
            let (mut interp, mut jit) = pair(&code, &compiled);
            let (outcome, left) = run_both(&mut interp, &mut jit, name, args, fuel);
            if outcome == Err(Status::Trap(TrapCode::OutOfFuel)) {
                ran_out += 1;
                assert!(fuel < used, "{name} {args:?} ran out with {fuel} >= {used}");
                assert!(left <= fuel);
            } else if fuel >= used {
                assert_eq!(left, fuel - used, "{name} {args:?}");
            }
        }
        assert!(ran_out > 0, "{name} {args:?} ran out of fuel at least once");
    }
}

#[test]
fn out_of_fuel_stops_deep_work_at_the_same_point() {
    let code = module_with(PROGRAMS, options());
    let mut compiler = compiler_with(JitOptions::from(options()));
    let compiled = compile_module(&mut compiler, &code);
    for fuel in [0, 1, 2, 3, 5, 77, 1000, 12_345, 99_999] {
        let (mut interp, mut jit) = pair(&code, &compiled);
        let (outcome, _) = run_both(&mut interp, &mut jit, "sum", &[i32(100_000)], fuel);
        assert_eq!(outcome, Err(Status::Trap(TrapCode::OutOfFuel)));
        let (mut interp, mut jit) = pair(&code, &compiled);
        let (outcome, _) = run_both(&mut interp, &mut jit, "fib", &[i32(25)], fuel);
        assert_eq!(outcome, Err(Status::Trap(TrapCode::OutOfFuel)));
        let (mut interp, mut jit) = pair(&code, &compiled);
        let (outcome, _) = run_both(&mut interp, &mut jit, "tail", &[i32(1_000_000)], fuel);
        assert_eq!(outcome, Err(Status::Trap(TrapCode::OutOfFuel)));
    }
}

#[test]
fn code_compiled_without_fuel_leaves_fuel_alone() {
    let code = module_with(PROGRAMS, TranslateOptions::default());
    let mut compiler = compiler_with(JitOptions::default());
    let compiled = compile_module(&mut compiler, &code);
    let (_, mut jit) = pair(&code, &compiled);
    jit.set_fuel(0);
    assert_eq!(jit.call_jit("sum", &[i32(10)]), Ok(vec![i32(45)]));
    assert_eq!(jit.fuel(), 0);
}

#[test]
fn options_mirror_the_interpreters() {
    let options = JitOptions::from(TranslateOptions {
        fuel: true,
        epoch: true,
        canonicalize_nans: true,
        ..TranslateOptions::default()
    });
    assert!(options.fuel && options.epoch && options.canonicalize_nans && options.stack_check);
    assert_eq!(
        JitOptions::from(TranslateOptions::default()),
        JitOptions::default()
    );
}
