//! Epoch interruption and the native stack limit in compiled code.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Instance, compiler, compiler_with, i32, module, module_with, set_native_depth_limit};
use tandem_interp::TrapCode;
use tandem_interp::lower::TranslateOptions;
use tandem_jit::{JitOptions, Status};

const SPINNERS: &str = r#"(module
    (func $leaf (result i32) i32.const 1)
    (func (export "spin") (loop br 0))
    (func (export "spin_calls") (result i32)
        (local $n i32)
        loop $again
            call $leaf local.get $n i32.add local.set $n
            br $again
        end
        local.get $n)
    (func (export "straight") (result i32) i32.const 7)
)"#;

fn epoch_options() -> TranslateOptions {
    TranslateOptions {
        epoch: true,
        ..TranslateOptions::default()
    }
}

/// Runs `run` while another thread bumps the instance's epoch after a short while.
fn interrupted_by_another_thread(
    instance: &Instance,
    run: impl FnOnce() -> Result<Vec<u64>, Status>,
) -> Result<Vec<u64>, Status> {
    let epoch = instance.epoch();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            epoch.fetch_add(1, Ordering::Relaxed);
        });
        run()
    })
}

#[test]
fn an_infinite_loop_is_interrupted_when_another_thread_bumps_the_epoch() {
    let mut compiler = compiler_with(JitOptions::from(epoch_options()));
    for name in ["spin", "spin_calls"] {
        let mut instance = Instance::new(module_with(SPINNERS, epoch_options()), &[]);
        assert!(
            instance
                .compile_all(&mut compiler)
                .iter()
                .all(Result::is_ok)
        );
        instance.set_epoch_deadline(1);
        let outcome = interrupted_by_another_thread(&instance, || instance.call_jit(name, &[]));
        assert_eq!(outcome, Err(Status::Trap(TrapCode::Interrupt)), "{name}");
        assert_eq!(instance.epoch().load(Ordering::Relaxed), 1);

        // The interpreter stops the same way.
        let mut instance = Instance::new(module_with(SPINNERS, epoch_options()), &[]);
        instance.set_epoch_deadline(1);
        let outcome = interrupted_by_another_thread(&instance, || instance.call_interp(name, &[]));
        assert_eq!(outcome, Err(Status::Trap(TrapCode::Interrupt)), "{name}");
    }
}

#[test]
fn a_passed_deadline_stops_a_function_on_entry() {
    let mut compiler = compiler_with(JitOptions::from(epoch_options()));
    let mut instance = Instance::new(module_with(SPINNERS, epoch_options()), &[]);
    assert!(
        instance
            .compile_all(&mut compiler)
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(instance.call_jit("straight", &[]), Ok(vec![i32(7)]));
    instance.set_epoch_deadline(0);
    assert_eq!(
        instance.call_jit("straight", &[]),
        Err(Status::Trap(TrapCode::Interrupt))
    );
    assert_eq!(
        instance.call_interp("straight", &[]),
        Err(Status::Trap(TrapCode::Interrupt))
    );
}

#[test]
fn code_compiled_without_epoch_checks_ignores_the_deadline() {
    let mut compiler = compiler();
    let mut instance = Instance::new(module(SPINNERS), &[]);
    assert!(
        instance
            .compile_all(&mut compiler)
            .iter()
            .all(Result::is_ok)
    );
    instance.set_epoch_deadline(0);
    assert_eq!(instance.call_jit("straight", &[]), Ok(vec![i32(7)]));
}

const RECURSION: &str = r#"(module
    (type $t (func (param i32) (result i32)))
    (table 1 funcref)
    (elem (i32.const 0) $down_indirect)
    (global $depth (mut i32) (i32.const 0))
    (func $down (export "down") (param i32) (result i32)
        global.get $depth i32.const 1 i32.add global.set $depth
        local.get 0 i32.const 1 i32.add call $down)
    (func $down_indirect (export "down_indirect") (param i32) (result i32)
        global.get $depth i32.const 1 i32.add global.set $depth
        local.get 0 i32.const 1 i32.add i32.const 0 call_indirect (type $t))
    (func $bounded (export "bounded") (param i32) (result i32)
        local.get 0 i32.eqz
        if (result i32)
            i32.const 0
        else
            local.get 0 i32.const 1 i32.sub call $bounded i32.const 1 i32.add
        end)
    (func (export "depth") (result i32) global.get $depth)
)"#;

/// Stack of the thread that runs compiled code in the stack tests.
const THREAD_STACK: usize = 4 << 20;
/// Native stack that compiled code may use below the point where it is entered.
const BUDGET: usize = 3 << 20;

/// The current stack pointer, near enough.
#[inline(never)]
fn stack_pointer() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

#[test]
fn unbounded_recursion_traps_with_stack_overflow_at_the_stack_limit() {
    let outcome = std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(|| {
            // Only the stack limit bounds the recursion here.
            set_native_depth_limit(u32::MAX);
            let mut compiler = compiler();
            let mut instance = Instance::new(module(RECURSION), &[]);
            assert!(
                instance
                    .compile_all(&mut compiler)
                    .iter()
                    .all(Result::is_ok)
            );
            instance.set_stack_limit(stack_pointer() - BUDGET);

            let mut depths = Vec::new();
            for name in ["down", "down_indirect"] {
                assert_eq!(
                    instance.call_jit(name, &[i32(0)]),
                    Err(Status::Trap(TrapCode::StackOverflow)),
                    "{name}"
                );
                let depth = instance.call_jit("depth", &[]).expect("depth")[0];
                depths.push(depth);
                // The instance stays usable, and bounded recursion still runs.
                assert_eq!(
                    instance.call_jit("bounded", &[i32(500)]),
                    Ok(vec![i32(500)])
                );
            }
            depths
        })
        .expect("thread")
        .join()
        .expect("no crash");
    // Far deeper than the test helper's own bound: the stack limit stopped it.
    assert!(outcome[0] > 2_000, "depth {}", outcome[0]);
    assert!(outcome[1] - outcome[0] > 2_000, "depths {outcome:?}");
}

#[test]
fn a_zero_stack_limit_disables_the_check() {
    let mut compiler = compiler();
    let instance = Instance::new(module(RECURSION), &[]);
    assert!(
        instance
            .compile_all(&mut compiler)
            .iter()
            .all(Result::is_ok)
    );
    // Without a limit nothing traps: recursion deeper than the test helper's nesting bound
    // runs to the end (compiled callees are called directly, not through the helper, so
    // unbounded recursion would overflow the native stack: an embedder that runs compiled
    // code must set the limit, as tandem does on every entry from the host).
    let depth = common::MAX_NATIVE_DEPTH as i32 * 2;
    assert_eq!(
        instance.call_jit("bounded", &[i32(depth)]),
        Ok(vec![i32(depth)])
    );
}

#[test]
fn a_limit_above_the_stack_pointer_stops_the_first_call() {
    let mut compiler = compiler();
    let mut instance = Instance::new(module(RECURSION), &[]);
    assert!(
        instance
            .compile_all(&mut compiler)
            .iter()
            .all(Result::is_ok)
    );
    instance.set_stack_limit(usize::MAX);
    assert_eq!(
        instance.call_jit("bounded", &[i32(0)]),
        Err(Status::Trap(TrapCode::StackOverflow))
    );
}
