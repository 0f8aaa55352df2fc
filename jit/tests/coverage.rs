//! The operators beyond the numeric core agree with the interpreter: `call_indirect` through
//! every kind of table, tail calls, `select`, every memory (multi-memory, 64-bit addresses),
//! bulk memory, table operators, references and globals of every kind, exceptions. Each case runs a
//! sequence of calls on a fresh instance per tier and compares every outcome and the whole
//! state of the instances afterwards.

mod common;

use std::sync::Arc;

use common::{FUNC_TAG, HostFn, Instance, compile_module, compiler, f32, f64, i32, i64, module};
use tandem_interp::TrapCode;
use tandem_interp::module::ModuleCode;
use tandem_jit::{CompiledCode, JitCompiler, Status};

type Outcome = Result<Vec<u64>, Status>;

/// A module, compiled once, whose calls are compared between the tiers.
struct Differential {
    code: Arc<ModuleCode>,
    compiled: Vec<CompiledCode>,
    /// Owns the code's memory.
    _compiler: JitCompiler,
    host: Vec<HostFn>,
    imported_globals: Vec<u64>,
}

impl Differential {
    fn new(wat: &str) -> Self {
        Self::with_imports(wat, &[], &[])
    }

    fn with_imports(wat: &str, host: &[HostFn], imported_globals: &[u64]) -> Self {
        let code = module(wat);
        let mut compiler = compiler();
        let compiled = compile_module(&mut compiler, &code);
        Differential {
            code,
            compiled,
            _compiler: compiler,
            host: host.to_vec(),
            imported_globals: imported_globals.to_vec(),
        }
    }

    /// Runs `calls` in order on a fresh instance per tier; checks that the outcomes and the
    /// final states agree and returns the outcomes (references normalized).
    fn run(&self, calls: &[(&str, &[u64])]) -> Vec<Outcome> {
        let interp = Instance::with_globals(self.code.clone(), &self.host, &self.imported_globals);
        let jit = Instance::with_globals(self.code.clone(), &self.host, &self.imported_globals);
        jit.install(&self.compiled);
        let mut outcomes = Vec::new();
        for &(name, args) in calls {
            let normalize = |instance: &Instance, outcome: Outcome| {
                outcome.map(|values| values.iter().map(|&v| instance.normalize(v)).collect())
            };
            let a = normalize(&interp, interp.call_interp(name, args));
            let b = normalize(&jit, jit.call_jit(name, args));
            assert_eq!(b, a, "{name} {args:x?} in {calls:x?}");
            outcomes.push(a);
        }
        assert_eq!(jit.snapshot(), interp.snapshot(), "state after {calls:x?}");
        outcomes
    }

    /// Runs one call.
    fn call(&self, name: &str, args: &[u64]) -> Outcome {
        self.run(&[(name, args)]).remove(0)
    }

    /// Runs one call, whatever its outcome (as long as both tiers agree).
    fn check(&self, name: &str, args: &[u64]) {
        self.run(&[(name, args)]);
    }
}

fn trap(code: TrapCode) -> Outcome {
    Err(Status::Trap(code))
}

#[test]
fn call_indirect_through_every_table() {
    let d = Differential::new(
        r#"(module
            (type $ii (func (param i32) (result i32)))
            (type $v_i (func (result i32)))
            (type $ii_again (func (param i32) (result i32)))
            (table $t0 4 funcref)
            (table $t1 3 funcref)
            (table $t64 i64 3 funcref)
            (elem (table $t0) (i32.const 0) func $double $seven $neg)
            (elem (table $t1) (i32.const 1) func $neg $double)
            (elem (table $t64) (i64.const 1) func $double)
            (func $double (type $ii) local.get 0 i32.const 2 i32.mul)
            (func $seven (type $v_i) i32.const 7)
            (func $neg (type $ii_again) i32.const 0 local.get 0 i32.sub)
            (func (export "t0") (param i32 i32) (result i32)
                local.get 1 local.get 0 call_indirect $t0 (type $ii))
            (func (export "t1") (param i32 i32) (result i32)
                local.get 1 local.get 0 call_indirect $t1 (type $ii))
            (func (export "t64") (param i64 i32) (result i32)
                local.get 1 local.get 0 call_indirect $t64 (type $ii))
            (func (export "nullary") (param i32) (result i32)
                local.get 0 call_indirect $t0 (type $v_i)))"#,
    );
    for index in [0, 1, 2, 3, 4, -1] {
        d.check("t0", &[i32(index), i32(21)]);
        d.check("t1", &[i32(index), i32(21)]);
        d.check("nullary", &[i32(index)]);
    }
    for index in [0, 1, 2, 3, 1 << 32, -1] {
        d.check("t64", &[i64(index), i32(21)]);
    }
    assert_eq!(d.call("t0", &[i32(0), i32(21)]), Ok(vec![i32(42)]));
    // Structurally equal types match.
    assert_eq!(d.call("t0", &[i32(2), i32(21)]), Ok(vec![i32(-21)]));
    assert_eq!(
        d.call("t0", &[i32(1), i32(21)]),
        trap(TrapCode::BadSignature)
    );
    assert_eq!(
        d.call("t0", &[i32(3), i32(21)]),
        trap(TrapCode::IndirectCallToNull)
    );
    assert_eq!(
        d.call("t1", &[i32(3), i32(21)]),
        trap(TrapCode::UndefinedElement)
    );
    assert_eq!(d.call("t64", &[i64(1), i32(4)]), Ok(vec![i32(8)]));
    assert_eq!(
        d.call("t64", &[i64(1 << 32), i32(4)]),
        trap(TrapCode::UndefinedElement)
    );
    assert_eq!(d.call("nullary", &[i32(1)]), Ok(vec![i32(7)]));
}

fn host_add(slots: &mut [u64]) -> Result<(), u32> {
    slots[0] = i32((slots[0] as i32).wrapping_add(slots[1] as i32));
    Ok(())
}

const TAIL_CALLS: &str = r#"(module
    (import "env" "add" (func $add (param i32 i32) (result i32)))
    (type $ii (func (param i32) (result i32)))
    (table 2 funcref)
    (elem (i32.const 0) $even_i $odd_i)
    (elem declare func $even)
    (func $even (type $ii)
        local.get 0 i32.eqz
        if (result i32)
            i32.const 1
        else
            local.get 0 i32.const 1 i32.sub return_call $odd
        end)
    (func $odd (type $ii)
        local.get 0 i32.eqz
        if (result i32)
            i32.const 0
        else
            local.get 0 i32.const 1 i32.sub return_call $even
        end)
    (func (export "parity") (param i32) (result i32) local.get 0 return_call $even)
    (func (export "parity_plus") (param i32) (result i32)
        local.get 0 call $even i32.const 10 i32.add)
    (func $even_i (type $ii)
        local.get 0 i32.eqz
        if (result i32)
            i32.const 1
        else
            local.get 0 i32.const 1 i32.sub i32.const 1 return_call_indirect (type $ii)
        end)
    (func $odd_i (type $ii)
        local.get 0 i32.eqz
        if (result i32)
            i32.const 0
        else
            local.get 0 i32.const 1 i32.sub i32.const 0 return_call_indirect (type $ii)
        end)
    (func (export "parity_indirect") (param i32) (result i32)
        local.get 0 call $even_i i32.const 100 i32.add)
    (func (export "bad_indirect") (param i32) (result i32)
        local.get 0 i32.const 5 return_call_indirect (type $ii))
    (func $acc (export "acc") (param i64 i64) (result i64)
        (local $scratch i64)
        ;; Locals start from zero again on every self tail call.
        local.get $scratch i64.eqz i32.eqz if unreachable end
        local.get 0 i64.eqz
        if (result i64)
            local.get 1
        else
            local.get 0 i64.const 1 i64.sub
            local.get 1 local.get 0 i64.add
            i64.const 5 local.set $scratch
            return_call $acc
        end)
    (func $wide (param i32 i32 i32 i32 i32 i32 i32) (result i32)
        local.get 0 local.get 1 i32.add local.get 2 i32.add local.get 3 i32.add
        local.get 4 i32.add local.get 5 i32.add local.get 6 i32.add)
    (func $widen (export "widen") (param i32) (result i32)
        local.get 0 i32.const 1 i32.const 2 i32.const 3 i32.const 4 i32.const 5 i32.const 6
        return_call $wide)
    (func (export "widen_inner") (param i32) (result i32)
        local.get 0 call $widen i32.const 1000 i32.add)
    (func (export "to_host") (param i32 i32) (result i32)
        local.get 0 local.get 1 return_call $add)
    (func (export "via_ref") (param i32) (result i32)
        local.get 0 ref.func $even return_call_ref $ii)
    (func (export "via_null_ref") (param i32) (result i32)
        local.get 0 ref.null $ii return_call_ref $ii)
    (func (export "call_ref") (param i32) (result i32)
        local.get 0 ref.func $even call_ref $ii i32.const 1 i32.add)
    (func (export "call_null_ref") (param i32) (result i32)
        local.get 0 ref.null $ii call_ref $ii)
)"#;

#[test]
fn tail_calls() {
    let d = Differential::with_imports(TAIL_CALLS, &[host_add], &[]);
    for n in [0, 1, 2, 7, 10] {
        d.check("parity", &[i32(n)]);
        d.check("parity_plus", &[i32(n)]);
        d.check("parity_indirect", &[i32(n)]);
        d.check("via_ref", &[i32(n)]);
        d.check("call_ref", &[i32(n)]);
    }
    assert_eq!(d.call("acc", &[i64(100), i64(0)]), Ok(vec![i64(5050)]));
    assert_eq!(d.call("widen", &[i32(10)]), Ok(vec![i32(31)]));
    assert_eq!(d.call("widen_inner", &[i32(10)]), Ok(vec![i32(1031)]));
    assert_eq!(d.call("to_host", &[i32(40), i32(2)]), Ok(vec![i32(42)]));
    assert_eq!(
        d.call("bad_indirect", &[i32(1)]),
        trap(TrapCode::UndefinedElement)
    );
    assert_eq!(
        d.call("via_null_ref", &[i32(1)]),
        trap(TrapCode::NullReference)
    );
    assert_eq!(
        d.call("call_null_ref", &[i32(1)]),
        trap(TrapCode::NullReference)
    );
}

#[test]
fn deep_tail_recursion_runs_in_constant_stack() {
    // Far deeper than the test helper lets calls nest (and than the native stack would hold):
    // every tail call replaces its caller's frame, in both tiers.
    let d = Differential::with_imports(TAIL_CALLS, &[host_add], &[]);
    let n = 1_000_001;
    assert_eq!(d.call("parity", &[i32(n)]), Ok(vec![i32(0)]));
    assert_eq!(d.call("parity_plus", &[i32(n)]), Ok(vec![i32(10)]));
    assert_eq!(d.call("parity_indirect", &[i32(n)]), Ok(vec![i32(100)]));
    assert_eq!(d.call("via_ref", &[i32(n - 1)]), Ok(vec![i32(1)]));
    assert_eq!(
        d.call("acc", &[i64(1_000_000), i64(0)]),
        Ok(vec![i64(500_000_500_000)])
    );
}

#[test]
fn select_of_every_type() {
    let d = Differential::new(
        r#"(module
            (func $f)
            (elem declare func $f)
            (func (export "i32") (param i32 i32 i32) (result i32)
                local.get 0 local.get 1 local.get 2 select)
            (func (export "i64") (param i64 i64 i32) (result i64)
                local.get 0 local.get 1 local.get 2 select (result i64))
            (func (export "f32") (param f32 f32 i32) (result f32)
                local.get 0 local.get 1 local.get 2 select)
            (func (export "f64") (param f64 f64 i32) (result f64)
                local.get 0 local.get 1 local.get 2 select (result f64))
            (func (export "ref") (param i32) (result i32)
                ref.func $f ref.null func local.get 0 select (result funcref) ref.is_null)
            (func (export "externref") (param externref externref i32) (result externref)
                local.get 0 local.get 1 local.get 2 select (result externref)))"#,
    );
    for cond in [0, 1, -1, 0x100] {
        assert_eq!(
            d.call("i32", &[i32(3), i32(4), i32(cond)]),
            Ok(vec![i32(if cond != 0 { 3 } else { 4 })])
        );
        d.check("i64", &[i64(-3), i64(1 << 40), i32(cond)]);
        d.check("f32", &[f32(f32::NAN), f32(-0.0), i32(cond)]);
        d.check("f64", &[f64(1.5), f64(f64::NEG_INFINITY), i32(cond)]);
        d.check("ref", &[i32(cond)]);
        d.check("externref", &[0x1234, 0, i32(cond)]);
    }
}

const MEMORIES: &str = r#"(module
    (memory $m0 1 2)
    (memory $m1 2)
    (memory $m64 i64 1 3)
    (data (memory $m1) (i32.const 10) "hello")
    (data $passive "0123456789")
    (func (export "load0") (param i32) (result i32) local.get 0 i32.load $m0)
    (func (export "store0") (param i32 i32) local.get 0 local.get 1 i32.store $m0 offset=2)
    (func (export "load1") (param i32) (result i64) local.get 0 i64.load32_u $m1 offset=8)
    (func (export "store1") (param i32 i64) local.get 0 local.get 1 i64.store16 $m1)
    (func (export "load64") (param i64) (result i64) local.get 0 i64.load $m64 offset=3)
    (func (export "load64_8s") (param i64) (result i32) local.get 0 i32.load8_s $m64)
    (func (export "load64_far") (param i64) (result i32)
        local.get 0 i32.load $m64 offset=0x100000000)
    (func (export "store64") (param i64 i64) local.get 0 local.get 1 i64.store $m64)
    (func (export "storef64") (param i64 f64) local.get 0 local.get 1 f64.store $m64 offset=1)
    (func (export "sizes") (result i64)
        memory.size $m0 i64.extend_i32_u
        memory.size $m1 i64.extend_i32_u i64.add
        memory.size $m64 i64.add)
    (func (export "grow0") (param i32) (result i32) local.get 0 memory.grow $m0)
    (func (export "grow64") (param i64) (result i64) local.get 0 memory.grow $m64)
    (func (export "grow_then_load64") (param i64) (result i64)
        i64.const 1 memory.grow $m64 drop
        local.get 0 i64.load $m64)
    (func (export "fill0") (param i32 i32 i32)
        local.get 0 local.get 1 local.get 2 memory.fill $m0)
    (func (export "fill64") (param i64 i32 i64)
        local.get 0 local.get 1 local.get 2 memory.fill $m64)
    (func (export "copy_1_to_0") (param i32 i32 i32)
        local.get 0 local.get 1 local.get 2 memory.copy $m0 $m1)
    (func (export "copy_within_1") (param i32 i32 i32)
        local.get 0 local.get 1 local.get 2 memory.copy $m1 $m1)
    (func (export "copy_64_to_0") (param i32 i64 i32)
        local.get 0 local.get 1 local.get 2 memory.copy $m0 $m64)
    (func (export "copy64") (param i64 i64 i64)
        local.get 0 local.get 1 local.get 2 memory.copy $m64 $m64)
    (func (export "init1") (param i32 i32 i32)
        local.get 0 local.get 1 local.get 2 memory.init $m1 $passive)
    (func (export "init64") (param i64 i32 i32)
        local.get 0 local.get 1 local.get 2 memory.init $m64 $passive)
    (func (export "init_active") (param i32 i32 i32)
        local.get 0 local.get 1 local.get 2 memory.init $m1 0)
    (func (export "drop") data.drop $passive)
)"#;

/// Atomic accesses of every width and kind, in a shared 32-bit memory and an unshared 64-bit
/// one: results zero-extended, sums wrapping at their width, and the same traps (out of
/// bounds before unaligned).
const ATOMICS: &str = r#"(module
  (memory $m 1 1 shared)
  (memory $w i64 1)
  (func (export "load8") (param i32) (result i32) (i32.atomic.load8_u $m (local.get 0)))
  (func (export "load16") (param i32) (result i64) (i64.atomic.load16_u $m offset=2 (local.get 0)))
  (func (export "load32") (param i32) (result i64) (i64.atomic.load32_u $m (local.get 0)))
  (func (export "load64") (param i64) (result i64) (i64.atomic.load $w offset=8 (local.get 0)))
  (func (export "store8") (param i32 i64) (i64.atomic.store8 $m (local.get 0) (local.get 1)))
  (func (export "store32") (param i32 i32) (i32.atomic.store $m (local.get 0) (local.get 1)))
  (func (export "store64") (param i64 i64) (i64.atomic.store $w (local.get 0) (local.get 1)))
  (func (export "add8") (param i32 i32) (result i32)
    (i32.atomic.rmw8.add_u $m (local.get 0) (local.get 1)))
  (func (export "sub16") (param i32 i64) (result i64)
    (i64.atomic.rmw16.sub_u $m (local.get 0) (local.get 1)))
  (func (export "and32") (param i32 i32) (result i32)
    (i32.atomic.rmw.and $m (local.get 0) (local.get 1)))
  (func (export "or64") (param i64 i64) (result i64)
    (i64.atomic.rmw.or $w (local.get 0) (local.get 1)))
  (func (export "xor32") (param i32 i64) (result i64)
    (i64.atomic.rmw32.xor_u $m (local.get 0) (local.get 1)))
  (func (export "xchg16") (param i32 i32) (result i32)
    (i32.atomic.rmw16.xchg_u $m (local.get 0) (local.get 1)))
  (func (export "cas8") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw8.cmpxchg_u $m (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cas64") (param i64 i64 i64) (result i64)
    atomic.fence
    (i64.atomic.rmw.cmpxchg $w (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 $m (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32)
    (memory.atomic.wait64 $m offset=8 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait_unshared") (param i64) (result i32)
    (memory.atomic.wait32 $w (local.get 0) (i32.const 0) (i64.const 0)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify $m (local.get 0) (local.get 1)))
  (func (export "notify_unshared") (param i64) (result i32)
    (memory.atomic.notify $w (local.get 0) (i32.const 1))))"#;

#[test]
fn atomic_accesses_of_every_width() {
    let d = Differential::new(ATOMICS);
    let page = 65536i32;
    for addr in [
        0,
        1,
        2,
        4,
        6,
        8,
        page - 8,
        page - 4,
        page - 2,
        page - 1,
        page,
        -4,
    ] {
        d.run(&[
            ("store8", &[i32(addr), i64(0x1ff)]),
            ("store32", &[i32(addr), i32(-2)]),
            ("add8", &[i32(addr), i32(0x1ff)]),
            ("sub16", &[i32(addr), i64(3)]),
            ("and32", &[i32(addr), i32(0x0f0f_0f0f)]),
            ("xor32", &[i32(addr), i64(-1)]),
            ("xchg16", &[i32(addr), i32(0x12345)]),
            ("cas8", &[i32(addr), i32(0), i32(7)]),
            ("cas8", &[i32(addr), i32(0x100), i32(9)]),
            ("load8", &[i32(addr)]),
            ("load16", &[i32(addr)]),
            ("load32", &[i32(addr)]),
        ]);
    }
    for addr in [0i64, 4, 8, 65520, 65524, 65528, 1 << 32, -8] {
        d.run(&[
            ("store64", &[i64(addr), i64(-3)]),
            ("or64", &[i64(addr), i64(0x50)]),
            ("cas64", &[i64(addr), i64(-3), i64(5)]),
            ("cas64", &[i64(addr), i64(0x53 | -4), i64(6)]),
            ("load64", &[i64(addr)]),
        ]);
    }
    assert_eq!(
        d.call("and32", &[i32(2), i32(0)]),
        trap(TrapCode::UnalignedAtomic)
    );
    assert_eq!(
        d.call("and32", &[i32(page - 2), i32(0)]),
        trap(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        d.run(&[("add8", &[i32(5), i32(0x1ff)]), ("add8", &[i32(5), i32(2)])]),
        vec![Ok(vec![i32(0)]), Ok(vec![i32(0xff)])]
    );
}

/// Waits and notifications check their address as the other accesses do; with no other
/// thread, a wait returns "not-equal" or "timed-out" and a notification wakes no one.
#[test]
fn atomic_waits_and_notifications() {
    let d = Differential::new(ATOMICS);
    let page = 65536i32;
    for addr in [0, 2, 4, 8, page - 8, page - 4, page, -4] {
        d.run(&[
            ("store32", &[i32(addr), i32(7)]),
            ("wait32", &[i32(addr), i32(6), i64(-1)]),
            ("wait32", &[i32(addr), i32(7), i64(0)]),
            ("wait64", &[i32(addr), i64(0), i64(1000)]),
            ("notify", &[i32(addr), i32(3)]),
        ]);
    }
    for addr in [0i64, 3, 65532, 65536] {
        d.run(&[
            ("wait_unshared", &[i64(addr)]),
            ("notify_unshared", &[i64(addr)]),
        ]);
    }
    let codes = d.run(&[
        ("store32", &[i32(16), i32(7)]),
        ("wait32", &[i32(16), i32(6), i64(-1)]),
        ("wait32", &[i32(16), i32(7), i64(0)]),
        ("notify", &[i32(16), i32(1)]),
        ("wait_unshared", &[i64(16)]),
        ("notify", &[i32(18), i32(1)]),
    ]);
    assert_eq!(
        codes,
        vec![
            Ok(vec![]),
            Ok(vec![i32(1)]),
            Ok(vec![i32(2)]),
            Ok(vec![i32(0)]),
            trap(TrapCode::AtomicWaitNonSharedMemory),
            trap(TrapCode::UnalignedAtomic),
        ]
    );
}

#[test]
fn every_memory_with_32_and_64_bit_addresses() {
    let d = Differential::new(MEMORIES);
    let page = 65536i64;
    for addr in [0, 1, page - 4, page - 3, page, -1] {
        d.run(&[
            ("store0", &[i32(addr as i32), i32(0x0102_0304)]),
            ("load0", &[i32(addr as i32)]),
        ]);
    }
    for addr in [0, 10, 2 * page - 12, 2 * page - 10, 2 * page - 1, -8] {
        d.run(&[
            ("store1", &[i32(addr as i32), i64(-2)]),
            ("load1", &[i32(addr as i32)]),
        ]);
    }
    for addr in [
        0,
        5,
        page - 11,
        page - 10,
        page - 8,
        page,
        1 << 32,
        -1,
        -3,
        -4,
        i64::MAX,
    ] {
        d.run(&[
            ("store64", &[i64(addr), i64(0x1122_3344_5566_7788)]),
            ("storef64", &[i64(addr), f64(-0.5)]),
            ("load64", &[i64(addr)]),
            ("load64_8s", &[i64(addr)]),
            ("load64_far", &[i64(addr)]),
        ]);
    }
    assert_eq!(
        d.call("load64", &[i64(-3)]),
        trap(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        d.run(&[("grow64", &[i64(1)]), ("sizes", &[])]),
        vec![Ok(vec![i64(1)]), Ok(vec![i64(5)])]
    );
    d.run(&[
        ("grow64", &[i64(5)]),
        ("grow64", &[i64(-1)]),
        ("sizes", &[]),
    ]);
    d.run(&[("grow0", &[i32(1)]), ("grow0", &[i32(1)]), ("sizes", &[])]);
    d.run(&[
        ("load64", &[i64(page)]),
        ("grow_then_load64", &[i64(page)]),
        ("load64", &[i64(page)]),
    ]);
}

#[test]
fn bulk_memory() {
    let d = Differential::new(MEMORIES);
    let page = 65536;
    for (dst, value, len) in [
        (0, 0xab, 10),
        (100, 0x1ff, 0),
        (page - 1, 7, 1),
        (page - 1, 7, 2),
        (page, 7, 0),
        (page + 1, 7, 0),
        (-1, 1, 1),
    ] {
        d.check("fill0", &[i32(dst), i32(value), i32(len)]);
        d.check(
            "fill64",
            &[i64(i64::from(dst)), i32(value), i64(i64::from(len))],
        );
    }
    d.check("fill64", &[i64(1), i32(1), i64(-1)]);
    for (dst, src, len) in [
        (0, 10, 5),
        (0, 2 * page - 3, 3),
        (0, 2 * page - 3, 4),
        (page - 2, 10, 2),
        (page - 2, 10, 3),
        (5, 0, 0),
        (page, 2 * page, 0),
    ] {
        d.check("copy_1_to_0", &[i32(dst), i32(src), i32(len)]);
    }
    // Overlapping copies in both directions.
    d.run(&[
        ("copy_within_1", &[i32(12), i32(10), i32(5)]),
        ("copy_within_1", &[i32(8), i32(10), i32(7)]),
        ("load1", &[i32(4)]),
    ]);
    d.run(&[
        ("store64", &[i64(0), i64(0x0102_0304_0506_0708)]),
        ("copy64", &[i64(2), i64(0), i64(8)]),
        ("copy64", &[i64(0), i64(3), i64(8)]),
        ("copy_64_to_0", &[i32(1), i64(0), i32(16)]),
        ("copy64", &[i64(0), i64(-1), i64(1)]),
        ("copy64", &[i64(-1), i64(0), i64(1)]),
    ]);
    for (dst, src, len) in [
        (0, 0, 10),
        (2, 3, 7),
        (2, 3, 8),
        (2 * page - 4, 0, 4),
        (2 * page - 4, 0, 5),
        (0, 10, 0),
        (0, 11, 0),
    ] {
        d.check("init1", &[i32(dst), i32(src), i32(len)]);
        d.check("init64", &[i64(i64::from(dst)), i32(src), i32(len)]);
    }
    // Dropped and active segments are empty.
    d.run(&[
        ("drop", &[]),
        ("init1", &[i32(0), i32(0), i32(0)]),
        ("init1", &[i32(0), i32(0), i32(1)]),
        ("drop", &[]),
    ]);
    assert_eq!(
        d.call("init_active", &[i32(0), i32(0), i32(1)]),
        trap(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(d.call("init_active", &[i32(0), i32(0), i32(0)]), Ok(vec![]));
}

const TABLES: &str = r#"(module
    (type $ii (func (param i32) (result i32)))
    (table $t 3 10 funcref)
    (table $e 2 externref)
    (table $t64 i64 2 funcref)
    (table $typed 2 (ref null $ii))
    (elem (table $t) (i32.const 0) func $f)
    (elem (table $typed) (i32.const 0) (ref null $ii) (ref.func $g))
    (elem $passive funcref (ref.func $f) (ref.func $g) (ref.null func))
    (elem declare func $g)
    (func $f (type $ii) local.get 0 i32.const 1 i32.add)
    (func $g (type $ii) local.get 0 i32.const 2 i32.mul)
    (func (export "is_null") (param i32) (result i32) local.get 0 table.get $t ref.is_null)
    (func (export "get") (param i32) (result funcref) local.get 0 table.get $t)
    (func (export "set_g") (param i32) local.get 0 ref.func $g table.set $t)
    (func (export "set_null") (param i32) local.get 0 ref.null func table.set $t)
    (func (export "call") (param i32 i32) (result i32)
        local.get 1 local.get 0 call_indirect $t (type $ii))
    (func (export "size") (result i32) table.size $t)
    (func (export "grow") (param i32) (result i32) ref.func $g local.get 0 table.grow $t)
    (func (export "fill") (param i32 i32) local.get 0 ref.func $f local.get 1 table.fill $t)
    (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 table.copy $t $t)
    (func (export "copy_64") (param i32 i64 i32)
        local.get 0 local.get 1 local.get 2 table.copy $t $t64)
    (func (export "init") (param i32 i32 i32)
        local.get 0 local.get 1 local.get 2 table.init $t $passive)
    (func (export "drop") elem.drop $passive)
    (func (export "ext") (param i32 externref) (result externref)
        local.get 0 local.get 1 table.set $e local.get 0 table.get $e)
    (func (export "size64") (result i64) table.size $t64)
    (func (export "grow64") (param i64) (result i64) ref.func $f local.get 0 table.grow $t64)
    (func (export "call64") (param i64 i32) (result i32)
        local.get 1 local.get 0 call_indirect $t64 (type $ii))
    (func (export "fill64") (param i64 i64) local.get 0 ref.func $g local.get 1 table.fill $t64)
    (func (export "ref_func") (result funcref) ref.func $g)
    (func (export "as_non_null") (param i32) (result i32)
        local.get 0 table.get $t ref.as_non_null ref.is_null)
    (func (export "on_null") (param i32) (result i32)
        block $null
            local.get 0 table.get $t
            br_on_null $null
            drop
            i32.const 1
            return
        end
        i32.const 0)
    (func (export "on_non_null") (param i32) (result i32)
        block $some (result funcref)
            local.get 0 table.get $t
            br_on_non_null $some
            i32.const 0
            return
        end
        ref.is_null i32.const 10 i32.add)
    (func (export "call_typed") (param i32 i32) (result i32)
        local.get 1 local.get 0 table.get $typed call_ref $ii)
)"#;

#[test]
fn tables_and_references() {
    let d = Differential::new(TABLES);
    for index in [0, 1, 2, 3, -1] {
        d.check("is_null", &[i32(index)]);
        d.check("get", &[i32(index)]);
        d.check("call", &[i32(index), i32(5)]);
        d.check("as_non_null", &[i32(index)]);
        d.check("on_null", &[i32(index)]);
        d.check("on_non_null", &[i32(index)]);
        d.check("call_typed", &[i32(index), i32(5)]);
        d.run(&[
            ("set_g", &[i32(index)]),
            ("call", &[i32(index), i32(5)]),
            ("set_null", &[i32(index)]),
            ("call", &[i32(index), i32(5)]),
        ]);
    }
    assert_eq!(d.call("get", &[i32(0)]), Ok(vec![FUNC_TAG]));
    assert_eq!(d.call("ref_func", &[]), Ok(vec![FUNC_TAG | 1]));
    assert_eq!(
        d.call("as_non_null", &[i32(1)]),
        trap(TrapCode::NullReference)
    );
    assert_eq!(d.call("call_typed", &[i32(0), i32(5)]), Ok(vec![i32(10)]));
    assert_eq!(
        d.call("call_typed", &[i32(1), i32(5)]),
        trap(TrapCode::NullReference)
    );
    assert_eq!(
        d.run(&[
            ("grow", &[i32(2)]),
            ("size", &[]),
            ("call", &[i32(4), i32(5)]),
            ("grow", &[i32(6)]),
            ("grow", &[i32(-1)]),
            ("size", &[]),
        ]),
        vec![
            Ok(vec![i32(3)]),
            Ok(vec![i32(5)]),
            Ok(vec![i32(10)]),
            Ok(vec![i32(-1)]),
            Ok(vec![i32(-1)]),
            Ok(vec![i32(5)]),
        ]
    );
    for (start, len) in [(0, 3), (1, 2), (2, 2), (3, 0), (4, 0), (-1, 1)] {
        d.check("fill", &[i32(start), i32(len)]);
    }
    for (dst, src, len) in [
        (1, 0, 2),
        (0, 1, 2),
        (0, 0, 3),
        (1, 0, 3),
        (3, 0, 0),
        (4, 0, 0),
    ] {
        d.run(&[
            ("set_g", &[i32(1)]),
            ("copy", &[i32(dst), i32(src), i32(len)]),
        ]);
    }
    for (dst, src, len) in [(0, 0, 3), (1, 1, 2), (1, 1, 3), (0, 3, 0), (0, 4, 0)] {
        d.check("init", &[i32(dst), i32(src), i32(len)]);
    }
    d.run(&[
        ("drop", &[]),
        ("init", &[i32(0), i32(0), i32(0)]),
        ("init", &[i32(0), i32(0), i32(1)]),
    ]);
    for handle in [0u64, 1, 0xdead_beef_0000_0001] {
        assert_eq!(d.call("ext", &[i32(1), handle]), Ok(vec![handle]));
    }
    assert_eq!(
        d.call("ext", &[i32(2), 7]),
        trap(TrapCode::TableOutOfBounds)
    );
    d.run(&[
        ("size64", &[]),
        ("grow64", &[i64(3)]),
        ("size64", &[]),
        ("call64", &[i64(3), i32(1)]),
        ("call64", &[i64(0), i32(1)]),
        ("fill64", &[i64(4), i64(1)]),
        ("fill64", &[i64(4), i64(2)]),
        ("call64", &[i64(4), i32(1)]),
        ("copy_64", &[i32(0), i64(3), i32(2)]),
        ("copy_64", &[i32(0), i64(4), i32(2)]),
        ("call", &[i32(1), i32(7)]),
    ]);
}

#[test]
fn globals_of_every_kind() {
    let d = Differential::with_imports(
        r#"(module
            (import "env" "gi" (global $gi i32))
            (import "env" "gm" (global $gm (mut i64)))
            (import "env" "gr" (global $gr (mut funcref)))
            (global $i32 (mut i32) (i32.const -5))
            (global $i64c i64 (i64.const 0x1234567890))
            (global $f32 (mut f32) (f32.const 1.5))
            (global $f64 (mut f64) (f64.const -2.25))
            (global $fr (mut funcref) (ref.func $f))
            (global $er (mut externref) (ref.null extern))
            (global $frc funcref (ref.null func))
            (global $derived i32 (global.get $gi))
            (func $f)
            (func (export "read_all") (result i32 i64 i64 f32 f64 i32 i32 i32 i32 i32 i32)
                global.get $gi global.get $gm global.get $i64c global.get $f32
                global.get $f64 global.get $fr ref.is_null global.get $er ref.is_null
                global.get $frc ref.is_null global.get $derived global.get $i32
                global.get $gr ref.is_null)
            (func (export "write_all") (param i32 i64 f32 f64 externref)
                local.get 0 global.set $i32
                local.get 1 global.set $gm
                local.get 2 global.set $f32
                local.get 3 global.set $f64
                local.get 4 global.set $er
                ref.null func global.set $fr
                ref.func $f global.set $gr)
            (func (export "fr") (result funcref) global.get $fr)
            (func (export "er") (result externref) global.get $er))"#,
        &[],
        &[i32(-77), i64(1 << 50), 0],
    );
    assert_eq!(
        d.call("read_all", &[]),
        Ok(vec![
            i32(-77),
            i64(1 << 50),
            i64(0x12_3456_7890),
            f32(1.5),
            f64(-2.25),
            i32(0),
            i32(1),
            i32(1),
            i32(-77),
            i32(-5),
            i32(1),
        ])
    );
    assert_eq!(d.call("fr", &[]), Ok(vec![FUNC_TAG]));
    let outcomes = d.run(&[
        (
            "write_all",
            &[i32(9), i64(-9), f32(f32::NAN), f64(-0.0), 0xabcd],
        ),
        ("read_all", &[]),
        ("fr", &[]),
        ("er", &[]),
    ]);
    assert_eq!(outcomes[2], Ok(vec![0]));
    assert_eq!(outcomes[3], Ok(vec![0xabcd]));
}

const EXCEPTIONS: &str = r#"(module
  (tag $a (param i32))
  (tag $b (param i64 f64))
  (tag $v (param v128))
  (tag $none)
  (memory 1)

  (func $throw_a (param i32) (throw $a (local.get 0)))
  (func $throw_a_result (param i32) (result i32) (throw $a (local.get 0)))
  (func $throw_b (param i64 f64) (throw $b (local.get 0) (local.get 1)))

  ;; Throws by `kind`: 0 $a, 1 $b, 2 $none, 3 $v; returns otherwise.
  (func $maybe (param $kind i32)
    (block $ret
      (block $v
        (block $none
          (block $b
            (block $a
              (br_table $a $b $none $v $ret (local.get $kind)))
            (throw $a (i32.const 7)))
          (throw $b (i64.const -1) (f64.const 2.5)))
        (throw $none))
      (throw $v (v128.const i32x4 1 2 3 4))))

  ;; The payload arrives as the label's values.
  (func (export "catch_a") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $a $h)
        (call $throw_a (local.get 0))
        (i32.const -1))))

  ;; The first clause that matches wins; `catch_all` takes the rest.
  (func (export "which") (param $kind i32) (result i64)
    (block $all
      (block $v (result v128)
        (block $b (result i64 f64)
          (block $a (result i32)
            (try_table (catch $a $a) (catch $b $b) (catch $v $v) (catch_all $all)
              (call $maybe (local.get $kind)))
            (return (i64.const -2)))
          (return (i64.extend_i32_s)))
        (drop)
        (return))
      (return (i64x2.extract_lane 1)))
    (i64.const 1000))

  ;; `catch_ref` and `throw_ref` pass the exception on, to a handler further out.
  (func (export "rethrow") (param i64 f64) (result i64 f64)
    (block $outer (result i64 f64)
      (try_table (catch $b $outer)
        (block $h (result i64 f64 exnref)
          (try_table (catch_ref $b $h)
            (call $throw_b (local.get 0) (local.get 1)))
          (unreachable))
        (throw_ref))
      (unreachable)))

  ;; Whatever `catch_all_ref` catches, thrown again and caught by tag, or not at all.
  (func (export "rethrow_any") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $a $h)
        (block $all (result exnref)
          (try_table (catch_all_ref $all) (call $maybe (local.get 0)))
          (return (i32.const -1)))
        (throw_ref))
      (unreachable)))

  (func (export "catch_all_ref") (param i32) (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (call $maybe (local.get 0)))
      (ref.null exn)))

  (func (export "null_ref") (throw_ref (ref.null exn)))

  ;; A handler may branch back to a loop.
  (func (export "retry") (param $times i32) (result i32)
    (local $n i32)
    (loop $again
      (try_table (catch_all $again)
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (if (i32.lt_u (local.get $n) (local.get $times)) (then (throw $none)))))
    (local.get $n))

  ;; Traps are not exceptions.
  (func (export "trap_inside") (result i32)
    (block $h (try_table (catch_all $h) (unreachable)))
    (i32.const 1))

  ;; Locals and memory keep what was written before the throw.
  (func (export "state") (param i32) (result i32)
    (local $x i32)
    (block $h
      (try_table (catch_all $h)
        (local.set $x (i32.const 5))
        (i32.store (i32.const 16) (i32.const 5))
        (call $maybe (local.get 0))
        (local.set $x (i32.const 9))
        (i32.store (i32.const 16) (i32.const 9))))
    (local.get $x))

  ;; A tail call leaves the `try_table`: its handlers do not see what the callee throws.
  (func (export "tail") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (return_call $throw_a_result (local.get 0))))
    (i32.const -1))

  ;; An inner `try_table` that does not catch leaves the exception to the outer one.
  (func (export "nested") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (catch $a $outer)
        (block $inner
          (try_table (catch $none $inner)
            (call $maybe (local.get 0))))
        (return (i32.const 100)))
      (unreachable)))

  (func (export "local_throw") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $a $h) (throw $a (local.get 0)))
      (i32.const 0))))"#;

/// `try_table`, `throw` and `throw_ref`: every kind of catch clause, payloads of every
/// shape, exceptions from callees and from the function itself, rethrowing, handlers that
/// loop, and what handlers must not catch (traps, a tail callee's exceptions). The snapshot
/// compares every exception thrown, payload included.
#[test]
fn exceptions_are_caught_where_the_interpreter_catches_them() {
    let d = Differential::new(EXCEPTIONS);
    let thrown = Err(Status::Exception);
    assert_eq!(d.call("catch_a", &[i32(5)]), Ok(vec![i32(5)]));
    let kinds: Vec<[u64; 1]> = (0..5).map(|kind| [i32(kind)]).collect();
    let calls: Vec<(&str, &[u64])> = kinds.iter().map(|args| ("which", &args[..])).collect();
    assert_eq!(
        d.run(&calls),
        vec![
            Ok(vec![i64(7)]),
            Ok(vec![i64(-1)]),
            Ok(vec![i64(1000)]),
            Ok(vec![i64(4 << 32 | 3)]),
            Ok(vec![i64(-2)]),
        ]
    );
    assert_eq!(
        d.call("rethrow", &[i64(3), f64(1.5)]),
        Ok(vec![i64(3), f64(1.5)])
    );
    assert_eq!(
        d.run(&[
            ("rethrow_any", &[i32(0)]),
            ("rethrow_any", &[i32(1)]),
            ("rethrow_any", &[i32(4)]),
        ]),
        vec![Ok(vec![i32(7)]), thrown.clone(), Ok(vec![i32(-1)])]
    );
    let caught = d.run(&[("catch_all_ref", &[i32(3)]), ("catch_all_ref", &[i32(4)])]);
    assert!(matches!(&caught[0], Ok(exn) if exn[0] != 0));
    assert_eq!(caught[1], Ok(vec![0]));
    assert_eq!(d.call("null_ref", &[]), trap(TrapCode::NullReference));
    assert_eq!(
        d.run(&[("retry", &[i32(5)]), ("retry", &[i32(0)])]),
        vec![Ok(vec![i32(5)]), Ok(vec![i32(1)])]
    );
    assert_eq!(d.call("trap_inside", &[]), trap(TrapCode::Unreachable));
    assert_eq!(d.call("state", &[i32(0)]), Ok(vec![i32(5)]));
    assert_eq!(d.call("state", &[i32(4)]), Ok(vec![i32(9)]));
    assert_eq!(d.call("tail", &[i32(3)]), thrown);
    assert_eq!(
        d.run(&[
            ("nested", &[i32(0)]),
            ("nested", &[i32(2)]),
            ("nested", &[i32(4)]),
            ("nested", &[i32(1)]),
        ]),
        vec![
            Ok(vec![i32(7)]),
            Ok(vec![i32(100)]),
            Ok(vec![i32(100)]),
            thrown,
        ]
    );
    assert_eq!(d.call("local_throw", &[i32(9)]), Ok(vec![i32(9)]));
}
