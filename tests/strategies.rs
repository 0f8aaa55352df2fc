//! Every strategy gives the same results, traps and fuel: the benchmark workloads and a set
//! of trapping programs, run on the interpreter, with Cranelift up front, and tiered with
//! the thresholds at their minimum (each function compiled on its first call, running calls
//! entering compiled code at their first loop header).

use std::time::{Duration, Instant};

use tandem::{
    Caller, Config, Engine, Error, Func, FuncType, Instance, Module, OptLevel, Store, Strategy,
    Tag, TagType, ThrownException, TrapCode, Val, ValType,
};

/// The strategies this build has.
fn strategies() -> Vec<Strategy> {
    let mut strategies = vec![Strategy::Interpreter];
    if cfg!(all(
        feature = "jit",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) {
        strategies.extend([Strategy::Cranelift, Strategy::Tiered]);
    }
    strategies
}

/// An engine for `strategy`, tiering up as eagerly as possible, metering fuel if asked.
/// Functions whose names start with `interp_` stay on the interpreter in every strategy, so
/// that programs cross between the tiers where the tests want them to.
fn engine(strategy: Strategy, fuel: bool) -> Engine {
    let mut config = Config::new();
    config
        .strategy(strategy)
        .tier_up_thresholds(1, 1)
        .background_compilation(false)
        .consume_fuel(fuel)
        .cranelift_filter(stays_interpreted);
    Engine::new(&config).expect("strategy available")
}

/// Whether function `name` stays on the interpreter (see [`engine`]).
fn stays_interpreted(_: u32, name: Option<&str>) -> bool {
    !name.is_some_and(|name| name.starts_with("interp_"))
}

/// What a run ended with: the result or the trap, the fuel it left, and the value of the
/// global exported as `observed`, if there is one: an effect that a trap leaves behind.
#[derive(Debug, PartialEq)]
struct Outcome {
    result: Result<Vec<u64>, Option<TrapCode>>,
    fuel_left: Option<u64>,
    observed: Option<u64>,
}

/// Runs export `name` of `wasm` with `args` under `strategy`.
fn run(strategy: Strategy, wasm: &[u8], name: &str, args: &[Val], fuel: Option<u64>) -> Outcome {
    let engine = engine(strategy, fuel.is_some());
    let module = Module::new(&engine, wasm).expect("valid module");
    let mut store = Store::new(&engine, ());
    if let Some(fuel) = fuel {
        store.set_fuel(fuel).unwrap();
    }
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let func = instance.get_func(&mut store, name).expect("export");
    let mut results = vec![Val::I64(0); func.ty(&store).results().len()];
    let result = func
        .call(&mut store, args, &mut results)
        .map(|()| results.iter().map(bits).collect())
        .map_err(|e| e.trap_code());
    let observed = instance
        .get_global(&mut store, "observed")
        .map(|global| bits(&global.get(&mut store)));
    Outcome {
        result,
        fuel_left: fuel.map(|_| store.get_fuel().unwrap()),
        observed,
    }
}

fn bits(value: &Val) -> u64 {
    match *value {
        Val::I32(v) => v as u32 as u64,
        Val::I64(v) => v as u64,
        Val::F32(v) => v as u64,
        Val::F64(v) => v,
        ref other => panic!("unexpected result {other:?}"),
    }
}

/// Runs under every strategy and checks that all agree with the interpreter.
fn agree(wasm: &[u8], name: &str, args: &[Val], fuel: Option<u64>) -> Outcome {
    let reference = run(Strategy::Interpreter, wasm, name, args, fuel);
    for strategy in strategies().into_iter().skip(1) {
        let outcome = run(strategy, wasm, name, args, fuel);
        assert_eq!(outcome, reference, "{strategy:?} differs on {name}{args:?}");
    }
    reference
}

/// The benchmark workloads, each with a small argument.
const WORKLOADS: &[(&str, i32)] = &[
    ("fib", 18),
    ("loops", 5_000),
    ("nbody", 200),
    ("mandelbrot", 40),
    ("matmul", 24),
    ("sort", 2),
    ("hash", 10),
    ("dispatch", 2_000),
    ("vm", 100),
    ("bulk", 5),
    ("coremark", 2),
];

fn workload(name: &str) -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/workloads");
    let binary = std::path::Path::new(dir).join(format!("{name}.wasm"));
    match std::fs::read(&binary) {
        Ok(bytes) => bytes,
        Err(_) => {
            let text = std::path::Path::new(dir).join(format!("src/{name}.wat"));
            wat::parse_file(text).expect("workload source")
        }
    }
}

#[test]
fn workloads_agree_across_strategies() {
    for &(name, n) in WORKLOADS {
        let wasm = workload(name);
        let arg = Module::new(&Engine::default(), &wasm)
            .unwrap()
            .get_export("run")
            .and_then(|e| e.func().cloned())
            .map(|ty| match ty.params().next() {
                Some(tandem::ValType::I64) => Val::I64(n as i64),
                _ => Val::I32(n),
            })
            .expect("run export");
        let outcome = agree(&wasm, "run", &[arg], None);
        assert!(outcome.result.is_ok(), "{name}: {outcome:?}");
        // With fuel: the same fuel left, and out of fuel at the same point.
        let metered = agree(&wasm, "run", &[arg], Some(u64::MAX / 2));
        let used = u64::MAX / 2 - metered.fuel_left.unwrap();
        let short = agree(&wasm, "run", &[arg], Some(used / 2));
        assert_eq!(short.result, Err(Some(TrapCode::OutOfFuel)), "{name}");
    }
}

const TRAPS: &str = r#"(module
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $id)
  (func $id (param i32) (result i32) (local.get 0))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "indirect") (param i32) (result i32)
    (call_indirect (param i32) (result i32) (i32.const 5) (local.get 0)))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (local.get 0)) (i32.const 1)))
  (func (export "loop_then_trap") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.div_u (local.get $i) (i32.sub (local.get $i) (local.get $n)))))"#;

#[test]
fn traps_agree_across_strategies() {
    let wasm = wat::parse_str(TRAPS).unwrap();
    let cases: &[(&str, Vec<Val>, Option<TrapCode>)] = &[
        (
            "div",
            vec![Val::I32(1), Val::I32(0)],
            Some(TrapCode::IntegerDivisionByZero),
        ),
        (
            "div",
            vec![Val::I32(i32::MIN), Val::I32(-1)],
            Some(TrapCode::IntegerOverflow),
        ),
        (
            "load",
            vec![Val::I32(65535)],
            Some(TrapCode::MemoryOutOfBounds),
        ),
        (
            "indirect",
            vec![Val::I32(1)],
            Some(TrapCode::IndirectCallToNull),
        ),
        (
            "indirect",
            vec![Val::I32(7)],
            Some(TrapCode::UndefinedElement),
        ),
        ("deep", vec![Val::I32(0)], Some(TrapCode::StackOverflow)),
        (
            "loop_then_trap",
            vec![Val::I32(100)],
            Some(TrapCode::IntegerDivisionByZero),
        ),
    ];
    for (name, args, trap) in cases {
        let outcome = agree(&wasm, name, args, None);
        assert_eq!(outcome.result, Err(*trap), "{name}{args:?}");
    }
    let outcome = agree(&wasm, "indirect", &[Val::I32(0)], None);
    assert_eq!(outcome.result, Ok(vec![5]));
}

#[test]
fn epoch_interrupts_an_infinite_loop_in_every_strategy() {
    for strategy in strategies() {
        let mut config = Config::new();
        config
            .strategy(strategy)
            .tier_up_thresholds(1, 1)
            .background_compilation(false)
            .epoch_interruption(true);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(
            &engine,
            r#"(module (func (export "spin") (loop $l (br $l))))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let spin = instance
            .get_typed_func::<(), ()>(&mut store, "spin")
            .unwrap();
        store.set_epoch_deadline(1);
        let ticker = {
            let engine = engine.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                let ticked = Instant::now();
                engine.increment_epoch();
                ticked
            })
        };
        let err = spin.call(&mut store, ()).unwrap_err();
        let stopped = Instant::now();
        let ticked = ticker.join().unwrap();
        assert_eq!(
            err.trap_code(),
            Some(TrapCode::Interrupt),
            "{strategy:?}: {err}"
        );
        assert!(
            stopped.duration_since(ticked) < Duration::from_millis(100),
            "{strategy:?} took {:?}",
            stopped.duration_since(ticked)
        );
    }
}

/// Tail calls that alternate between a compiled function and an interpreted one run in
/// constant stack, a million deep, in every strategy.
#[test]
fn tail_calls_across_tiers_run_in_constant_stack() {
    let wasm = wat::parse_str(
        r#"(module
          (func $even (export "even") (param i64) (result i32)
            (if (result i32) (i64.eqz (local.get 0))
              (then (i32.const 1))
              (else (return_call $interp_odd (i64.sub (local.get 0) (i64.const 1))))))
          (func $interp_odd (param i64) (result i32)
            (if (result i32) (i64.eqz (local.get 0))
              (then (i32.const 0))
              (else (return_call $even (i64.sub (local.get 0) (i64.const 1)))))))"#,
    )
    .unwrap();
    if strategies().contains(&Strategy::Cranelift) {
        let module = Module::new(&engine(Strategy::Cranelift, false), &wasm).unwrap();
        assert_eq!(module.native_function_count(), 1, "only $even compiles");
    }
    let outcome = agree(&wasm, "even", &[Val::I64(1_000_000)], None);
    assert_eq!(outcome.result, Ok(vec![1]));
    let outcome = agree(&wasm, "even", &[Val::I64(999_999)], None);
    assert_eq!(outcome.result, Ok(vec![0]));
}

/// A trap's backtrace names the same frames, with the same wasm offsets, whichever tier runs
/// them: traps in compiled code (explicit, caught by guard pages, raised by a built-in),
/// through a host function that calls back into wasm, and in every strategy.
#[test]
fn backtraces_name_the_same_frames_in_every_strategy() {
    let wasm = wat::parse_str(
        r#"(module
          (import "host" "call_back" (func $call_back (param i32) (result i32)))
          (memory 1)
          (func $inner (param $how i32) (result i32)
            (if (i32.eq (local.get $how) (i32.const 0)) (then unreachable))
            (if (i32.eq (local.get $how) (i32.const 1))
              (then (drop (i32.load (i32.add (local.get $how) (i32.const 70000))))))
            (if (i32.eq (local.get $how) (i32.const 2))
              (then (drop (i32.div_u (i32.const 1) (i32.sub (local.get $how) (i32.const 2))))))
            (if (i32.eq (local.get $how) (i32.const 3))
              (then (drop (call $call_back (i32.const 0)))))
            (if (i32.eq (local.get $how) (i32.const 4))
              (then (memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000))))
            (local.get $how))
          (func $middle (export "middle") (param i32) (result i32)
            (i32.add (call $inner (local.get 0)) (i32.const 1)))
          (func (export "outer") (param i32) (result i32)
            (call $middle (local.get 0))))"#,
    )
    .unwrap();
    let frames = |strategy: Strategy, how: i32| {
        let engine = engine(strategy, false);
        let module = Module::new(&engine, &wasm).unwrap();
        let mut store = Store::new(&engine, ());
        let call_back = tandem::Func::wrap(
            &mut store,
            |mut caller: tandem::Caller<'_, ()>, how: i32| -> tandem::Result<i32> {
                let middle = caller
                    .get_export("middle")
                    .and_then(|e| e.into_func())
                    .expect("exported");
                let mut out = [Val::I32(0)];
                middle.call(&mut caller, &[Val::I32(how)], &mut out)?;
                Ok(out[0].unwrap_i32())
            },
        );
        let instance = Instance::new(&mut store, &module, &[call_back.into()]).unwrap();
        let outer = instance
            .get_typed_func::<i32, i32>(&mut store, "outer")
            .unwrap();
        let error = outer.call(&mut store, how).unwrap_err();
        let trap = error.as_trap().expect("a trap");
        let frames: Vec<(u32, Option<u32>)> = trap
            .backtrace()
            .iter()
            .map(|frame| (frame.func_index, frame.wasm_offset))
            .collect();
        (error.trap_code(), frames)
    };
    for how in 0..5 {
        let reference = frames(Strategy::Interpreter, how);
        // Every frame has its offset; the call back runs `middle` and `inner` again.
        let depth = if how == 3 { 5 } else { 3 };
        assert_eq!(reference.1.len(), depth, "{how}: {reference:?}");
        assert!(reference.1.iter().all(|(_, offset)| offset.is_some()));
        for strategy in strategies().into_iter().skip(1) {
            assert_eq!(frames(strategy, how), reference, "{strategy:?}, case {how}");
        }
    }
}

/// Every Cranelift optimization level computes the interpreter's results.
#[test]
fn every_cranelift_opt_level_agrees() {
    if !strategies().contains(&Strategy::Cranelift) {
        return;
    }
    for (name, arg) in [("fib", 18), ("matmul", 24), ("sort", 2)] {
        let wasm = workload(name);
        let reference = run(Strategy::Interpreter, &wasm, "run", &[Val::I32(arg)], None);
        for level in [OptLevel::None, OptLevel::Speed, OptLevel::SpeedAndSize] {
            let mut config = Config::new();
            config
                .strategy(Strategy::Cranelift)
                .cranelift_opt_level(level);
            let engine = Engine::new(&config).unwrap();
            let module = Module::new(&engine, &wasm).unwrap();
            assert!(module.native_function_count() > 0);
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let func = instance.get_func(&mut store, "run").unwrap();
            let mut results = [Val::I64(0)];
            func.call(&mut store, &[Val::I32(arg)], &mut results)
                .unwrap();
            assert_eq!(
                Ok(vec![bits(&results[0])]),
                reference.result,
                "{name} at {level:?}"
            );
        }
    }
}

/// With the defaults of [`Strategy::Tiered`], a function is compiled on a background thread
/// while its first call keeps looping on the interpreter; once the code is installed, that
/// call moves into it at its next back edge, through the function's own code (no entry is
/// compiled for the loop), and finishes there with the right result.
#[test]
fn a_running_call_moves_into_its_functions_code_once_compiled() {
    if !strategies().contains(&Strategy::Tiered) {
        return;
    }
    let wat = r#"(module
        (import "host" "compiled" (func $compiled (result i32)))
        (func (export "spin") (param $extra i32) (result i32)
            (local $i i32)
            (loop $again
                local.get $i i32.const 1 i32.add local.set $i
                ;; Spin until the function has native code, then take $extra more turns.
                call $compiled
                i32.eqz
                br_if $again
                local.get $extra i32.const 1 i32.sub local.tee $extra
                br_if $again)
            local.get $i))"#;
    let mut config = Config::new();
    config
        .strategy(Strategy::Tiered)
        .tier_up_thresholds(100, 100);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let watcher = engine.clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    let compiled = tandem::Func::wrap(&mut store, move || -> i32 {
        i32::from(watcher.native_stats().functions > 0 || Instant::now() > deadline)
    });
    let instance = Instance::new(&mut store, &module, &[compiled.into()]).unwrap();
    let spin = instance
        .get_typed_func::<i32, i32>(&mut store, "spin")
        .unwrap();
    let turns = spin.call(&mut store, 1000).unwrap();
    let stats = engine.native_stats();
    assert_eq!(stats.functions, 1, "compiled in the background: {stats:?}");
    assert!(turns > 1000, "{turns} turns");
    assert_eq!(stats.loop_transfers, 1, "{stats:?}");
    assert_eq!(
        stats.loop_entries, 0,
        "no entry compiled for the loop: {stats:?}"
    );
}

/// A call that reaches a nested loop's countdown first waits once for a back edge of the
/// outermost loop, where its function's code has an entry; only a call whose outer iterations
/// are too long for that compiles an entry of its own at the nested loop.
#[test]
fn nested_loops_wait_once_for_the_outermost_entry() {
    if !strategies().contains(&Strategy::Tiered) {
        return;
    }
    // Three outer iterations of `$inner` inner ones each.
    let wat = r#"(module
        (func (export "nest") (param $inner i32) (result i64)
            (local $i i32) (local $j i32) (local $sum i64)
            (loop $outer
                i32.const 0 local.set $j
                (loop $nested
                    local.get $sum local.get $j i64.extend_i32_u i64.add local.set $sum
                    local.get $j i32.const 1 i32.add local.tee $j
                    local.get $inner i32.lt_u br_if $nested)
                local.get $i i32.const 1 i32.add local.tee $i
                i32.const 3 i32.lt_u br_if $outer)
            local.get $sum))"#;
    // The outermost loop's countdown ends at its first back edge (its entry counts too), the
    // nested one after 128 back edges (64 times 2); the first call compiles the function when
    // a countdown ends.
    let run = |inner: i32| {
        let mut config = Config::new();
        config
            .strategy(Strategy::Tiered)
            .tier_up_thresholds(1000, 2)
            .background_compilation(false);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let nest = instance
            .get_typed_func::<i32, i64>(&mut store, "nest")
            .unwrap();
        let sum = nest.call(&mut store, inner).unwrap();
        let expected = 3 * i64::from(inner) * i64::from(inner - 1) / 2;
        assert_eq!(sum, expected, "{inner} inner iterations");
        engine.native_stats()
    };
    // The nested countdown ends at inner iteration 128, the call waits, and the outer back
    // edge after 200 takes it into the function's code.
    let short = run(200);
    assert_eq!(
        (short.loop_transfers, short.loop_entries),
        (1, 0),
        "{short:?}"
    );
    // With 1000 inner iterations the countdown ends again at 256: an entry is compiled there.
    let long = run(1000);
    assert_eq!((long.loop_transfers, long.loop_entries), (1, 1), "{long:?}");
}

/// Exceptions pass between the tiers and through host functions, in every strategy: thrown
/// by compiled code, the interpreter or a host function, caught by a handler in either tier
/// (through frames of the other), passed on by a host function that called back into wasm,
/// and, when no handler catches them, delivered to the host with their payload.
#[test]
fn exceptions_cross_tiers_and_host_functions() {
    let wat = r#"(module
      (import "host" "tag" (tag $e (param i32)))
      (import "host" "throw" (func $host_throw (param i32)))
      (import "host" "throw_badly" (func $host_throw_badly (param i32)))
      (import "host" "call_back" (func $call_back (param i32) (result i32)))
      (func $interp_thrower (export "interp_thrower") (param i32) (result i32)
        (throw $e (local.get 0)))
      (func $compiled_thrower (param i32) (result i32)
        (throw $e (local.get 0)))
      (func $interp_middle (param i32) (result i32)
        (i32.add (call $compiled_thrower (local.get 0)) (i32.const 1)))
      (func $compiled_middle (param i32) (result i32)
        (i32.add (call $interp_thrower (local.get 0)) (i32.const 1)))
      (func (export "compiled_catches") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (return (call $interp_middle (local.get 0))))
          (unreachable)))
      (func $interp_catches (export "interp_catches") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (return (call $compiled_middle (local.get 0))))
          (unreachable)))
      (func (export "host_throws") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (call $host_throw (local.get 0)))
          (i32.const -1)))
      (func (export "host_throws_badly") (param i32) (result i32)
        (block $h
          (try_table (catch_all $h) (call $host_throw_badly (local.get 0)))
          (return (i32.const -1)))
        (i32.const -2))
      (func (export "host_passes_on") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (return (call $call_back (local.get 0))))
          (unreachable)))
      (func (export "uncaught") (param i32) (result i32)
        (call $compiled_middle (local.get 0))))"#;
    for strategy in strategies() {
        let engine = engine(strategy, false);
        let module = Module::new(&engine, wat).unwrap();
        if strategy == Strategy::Cranelift {
            assert_eq!(
                module.native_function_count(),
                7,
                "all but the `interp_` ones"
            );
        }
        let mut store = Store::new(&engine, ());
        let tag = Tag::new(&mut store, &TagType::new(FuncType::new([ValType::I32], []))).unwrap();
        let throw = Func::wrap(&mut store, move |x: i32| -> Result<(), Error> {
            Err(Error::Exception(Box::new(ThrownException {
                tag,
                payload: vec![Val::I32(x)],
            })))
        });
        let throw_badly = Func::wrap(&mut store, move |x: i32| -> Result<(), Error> {
            Err(Error::Exception(Box::new(ThrownException {
                tag,
                payload: vec![Val::I64(x.into())],
            })))
        });
        let call_back = Func::wrap(
            &mut store,
            |mut caller: Caller<'_, ()>, x: i32| -> Result<i32, Error> {
                let thrower = caller
                    .get_export("interp_thrower")
                    .and_then(|e| e.into_func())
                    .unwrap();
                let mut result = [Val::I32(0)];
                thrower.call(&mut caller, &[Val::I32(x)], &mut result)?;
                Ok(result[0].unwrap_i32())
            },
        );
        let imports = [
            tag.into(),
            throw.into(),
            throw_badly.into(),
            call_back.into(),
        ];
        let instance = Instance::new(&mut store, &module, &imports).unwrap();
        let mut call = |name: &str, x: i32| {
            let func = instance
                .get_typed_func::<i32, i32>(&mut store, name)
                .unwrap();
            func.call(&mut store, x)
        };
        for (name, x) in [
            ("compiled_catches", 5),
            ("interp_catches", 6),
            ("host_throws", 7),
            ("host_passes_on", 8),
        ] {
            assert_eq!(call(name, x).unwrap(), x, "{strategy:?} {name}");
        }
        let error = call("host_throws_badly", 9).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("exception payload value 0 has type i64"),
            "{strategy:?}: {error}"
        );
        match call("uncaught", 10) {
            Err(Error::Exception(thrown)) => {
                assert_eq!(thrown.tag, tag);
                assert_eq!(thrown.payload.len(), 1);
                assert_eq!(thrown.payload[0].unwrap_i32(), 10, "{strategy:?}");
            }
            other => panic!("{strategy:?}: {other:?}"),
        }
    }
}

/// A call that moved into compiled code at a loop header ends there as a call does: with an
/// exception that the interpreted caller catches, or with a tail call of an interpreted
/// function, which the interpreter then makes.
#[test]
fn a_call_moved_into_compiled_code_throws_and_tail_calls_like_a_call() {
    if !strategies().contains(&Strategy::Tiered) {
        return;
    }
    let wat = r#"(module
      (tag $e (param i32))
      (func $spin_then_throw (param $n i32) (result i32)
        (loop $l
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $n) (i32.const 1000))))
        (throw $e (local.get $n)))
      (func $interp_triple (param i32) (result i32)
        (i32.mul (local.get 0) (i32.const 3)))
      (func $spin_then_tail_call (param $n i32) (result i32)
        (loop $l
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $n) (i32.const 1000))))
        (return_call $interp_triple (local.get $n)))
      (func $interp_catch (export "catch") (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (return (call $spin_then_throw (i32.const 1))))
          (unreachable)))
      (func (export "tail_call") (result i32)
        (i32.add (call $spin_then_tail_call (i32.const 0)) (i32.const 1))))"#;
    let mut config = Config::new();
    config
        .strategy(Strategy::Tiered)
        .tier_up_thresholds(1000, 1)
        .background_compilation(false)
        .cranelift_filter(stays_interpreted);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let catch = instance
        .get_typed_func::<(), i32>(&mut store, "catch")
        .unwrap();
    assert_eq!(catch.call(&mut store, ()).unwrap(), 1000);
    let transfers = engine.native_stats().loop_transfers;
    assert_eq!(transfers, 1, "{:?}", engine.native_stats());
    let tail_call = instance
        .get_typed_func::<(), i32>(&mut store, "tail_call")
        .unwrap();
    assert_eq!(tail_call.call(&mut store, ()).unwrap(), 3001);
    assert!(
        engine.native_stats().loop_transfers > transfers,
        "{:?}",
        engine.native_stats()
    );
}

/// Throwing and catching charges the same fuel in every strategy: handlers land where
/// branches to their labels do, and run out of fuel at the same point.
#[test]
fn exceptions_charge_the_same_fuel_in_every_strategy() {
    let wasm = wat::parse_str(
        r#"(module
          (tag $e (param i32))
          (func $thrower (param i32) (result i32)
            (if (i32.and (local.get 0) (i32.const 1)) (then (throw $e (local.get 0))))
            (local.get 0))
          (func (export "catch_loop") (param $n i32) (result i32)
            (local $i i32) (local $sum i32)
            (loop $again
              (block $h (result i32)
                (try_table (result i32) (catch $e $h)
                  (call $thrower (local.get $i)))
                (i32.const 1000)
                (i32.add))
              (local.set $sum (i32.add (local.get $sum)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
            (local.get $sum)))"#,
    )
    .unwrap();
    let outcome = agree(&wasm, "catch_loop", &[Val::I32(100)], Some(1_000_000));
    // Odd numbers are thrown and caught; even ones return and get 1000 added.
    assert_eq!(outcome.result, Ok(vec![(0..100).sum::<u64>() + 50 * 1000]));
    for fuel in [50, 333, 1000] {
        let outcome = agree(&wasm, "catch_loop", &[Val::I32(100)], Some(fuel));
        assert_eq!(outcome.result, Err(Some(TrapCode::OutOfFuel)), "{fuel}");
    }
}

#[test]
fn loops_tested_at_the_top_run_out_of_fuel_at_the_same_point() {
    // With fuel, the interpreter moves each loop's exit test to the bottom, charges the
    // header there and moves that charge above the step before it, but not above the store
    // to the global: every strategy leaves the same sum behind when it runs out.
    let wasm = wat::parse_str(
        r#"(module
          (global $sum (export "observed") (mut i32) (i32.const 0))
          (func (export "run") (param $n i32) (result i32)
            (local $i i32) (local $j i32)
            (block $done
              (loop $outer
                (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
                (local.set $j (i32.and (local.get $i) (i32.const 3)))
                (block $inner_done
                  (loop $inner
                    (br_if $inner_done (i32.eqz (local.get $j)))
                    (global.set $sum (i32.add (global.get $sum) (local.get $j)))
                    (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                    (br $inner)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $outer)))
            (i32.add (global.get $sum) (local.get $i))))"#,
    )
    .unwrap();
    let args = [Val::I32(4)];
    let budget = 10_000;
    let outcome = agree(&wasm, "run", &args, Some(budget));
    // j runs 0, 1, 2, 3 down to 1: 0 + 1 + 3 + 6 added, plus i = 4.
    assert_eq!(outcome.result, Ok(vec![14]));
    let used = budget - outcome.fuel_left.unwrap();
    for fuel in 0..used {
        let outcome = agree(&wasm, "run", &args, Some(fuel));
        assert_eq!(outcome.result, Err(Some(TrapCode::OutOfFuel)), "{fuel}");
    }
}
