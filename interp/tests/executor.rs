//! The translator and executor on their own, through the VM ABI, without the embedding
//! API: the core that the Miri run exercises (modules here use no linear memory, whose
//! address-space reservation Miri cannot model).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tandem_interp::exec::{self, ExecError, Host, Stack};
use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::{ModuleCode, parse_module};
use tandem_interp::vm::{
    Exception, FuncEntry, FuncKind, LinearMemory, OwnedVmCtx, SigId, Slot, TrapCode, VmCtx,
    VmCtxParts, VmLimits,
};
use wasmparser::WasmFeatures;

/// An instance of a module without imports, memories, tables or globals. Entries and the
/// exception list are boxed because the VM holds their addresses.
#[allow(clippy::vec_box, clippy::box_collection)]
struct Instance {
    // Field order matters for drop: entries point at the context, the context at limits
    // and memories.
    entries: Vec<Box<FuncEntry>>,
    _vmctx: OwnedVmCtx,
    _memories: Vec<Box<LinearMemory>>,
    _limits: Box<VmLimits>,
    _exceptions: Box<Vec<Exception>>,
    _epoch: Box<AtomicU64>,
}

/// Refuses every host call: these modules import nothing.
struct NoHost;

impl Host for NoHost {
    type Error = ();
    fn call_host(&mut self, _: &FuncEntry, _: *mut VmCtx, _: &mut [Slot]) -> Result<(), ()> {
        Err(())
    }
}

fn instantiate(wat: &str) -> Instance {
    let bytes = wat::parse_str(wat).expect("valid text");
    let info = parse_module(&bytes, WasmFeatures::default()).expect("valid module");
    let code = Arc::new(ModuleCode::new(info, TranslateOptions::default()));
    let epoch = Box::new(AtomicU64::new(0));
    let mut exceptions = Box::new(Vec::new());
    let mut limits = Box::new(VmLimits {
        fuel: 0,
        epoch_deadline: u64::MAX,
        epoch: &*epoch,
        exceptions: &mut *exceptions,
        max_memory_bytes: u64::MAX,
        max_table_elements: u64::MAX,
        stack_limit: 0,
        gc_heap: std::ptr::null_mut(),
        thrown: 0,
    });
    let info = &code.info;
    let memories: Vec<Box<LinearMemory>> = info
        .memory_types
        .iter()
        .map(|ty| Box::new(LinearMemory::new(ty.initial, ty.maximum).expect("memory")))
        .collect();
    let parts = VmCtxParts {
        memories: memories
            .iter()
            .map(|m| &**m as *const LinearMemory)
            .collect(),
        funcs: vec![std::ptr::null(); info.funcs.len()],
        // Types are compared by index: each module type is its own signature here.
        sig_ids: (0..info.types.len() as u32).map(SigId).collect(),
        ..VmCtxParts::default()
    };
    // SAFETY: the context points only at `limits`, which the instance keeps alive.
    let mut vmctx = OwnedVmCtx::new(unsafe { VmCtx::new(code.clone(), parts, &mut *limits) });
    let vmctx_ptr: *mut VmCtx = vmctx.as_ptr();
    let entries: Vec<Box<FuncEntry>> = info
        .funcs
        .iter()
        .enumerate()
        .map(|(index, &ty)| {
            let func_ty = info.type_at(ty);
            Box::new(FuncEntry {
                native: Default::default(),
                native_wasm_call: Default::default(),
                code: Default::default(),
                short_call: Default::default(),
                vmctx: vmctx_ptr,
                sig: SigId(ty),
                kind: FuncKind::Wasm,
                index: index as u32,
                store_index: index as u32,
                param_slots: func_ty.params().len() as u16,
                ty: std::ptr::null(),
                tier_counters: std::ptr::null(),
                result_slots: func_ty.results().len() as u16,
            })
        })
        .collect();
    for (index, entry) in entries.iter().enumerate() {
        vmctx.get_mut().set_func(index, &**entry);
    }
    Instance {
        entries,
        _vmctx: vmctx,
        _memories: memories,
        _limits: limits,
        _exceptions: exceptions,
        _epoch: epoch,
    }
}

/// Calls function `index` with `args`, returning its first result or the trap.
fn call(instance: &Instance, index: usize, args: &[u64]) -> Result<u64, TrapCode> {
    let mut stack = Stack::new(1 << 16);
    let mut io = [0u64; 4];
    io[..args.len()].copy_from_slice(args);
    // SAFETY: the entry and its context are alive and used by nothing else.
    let result =
        unsafe { exec::execute(&mut stack, &mut NoHost, &*instance.entries[index], &mut io) };
    match result {
        Ok(()) => Ok(io[0]),
        Err(ExecError::Trap { code, .. }) => Err(code),
        Err(other) => panic!("unexpected failure: {other:?}"),
    }
}

#[test]
fn recursion_loops_and_locals() {
    let instance = instantiate(
        r#"(module
          (func $fib (param i64) (result i64)
            (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
              (then (local.get 0))
              (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                             (call $fib (i64.sub (local.get 0) (i64.const 2)))))))
          (func $sum (param $n i32) (result i32) (local $acc i32)
            (block $done
              (loop $next
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $acc (i32.add (local.get $acc) (local.get $n)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $next)))
            (local.get $acc))
          (func $select (param i32 f64 f64) (result f64)
            (select (local.get 1) (local.get 2) (local.get 0))))"#,
    );
    assert_eq!(call(&instance, 0, &[15]), Ok(610));
    assert_eq!(call(&instance, 1, &[100]), Ok(5050));
    let (a, b) = (1.5f64.to_bits(), 2.5f64.to_bits());
    assert_eq!(call(&instance, 2, &[1, a, b]), Ok(a));
    assert_eq!(call(&instance, 2, &[0, a, b]), Ok(b));
}

/// A loop's step (adding to its counter, then branching on the sum) runs as one instruction:
/// counting up or down, by constants or registers, on both widths, across the 32-bit wrap,
/// and leaving the counter for what follows the loop.
#[test]
fn loop_steps_count_and_test_their_sum() {
    let instance = instantiate(
        r#"(module
          (func $up (param $from i32) (param $to i32) (result i32) (local $n i32)
            (loop $next
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (local.set $from (i32.add (local.get $from) (i32.const 1)))
              (br_if $next (i32.ne (local.get $from) (local.get $to))))
            (i32.add (i32.mul (local.get $from) (i32.const 1000)) (local.get $n)))
          (func $down (param $n i32) (result i32) (local $acc i32)
            (loop $next
              (local.set $acc (i32.add (local.get $acc) (local.get $n)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $next (local.get $n)))
            (local.get $acc))
          (func $until_zero (param $n i32) (param $step i32) (result i32) (local $k i32)
            (block $done
              (loop $next
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (local.set $n (i32.add (local.get $n) (local.get $step)))
                (br_if $done (i32.eqz (local.get $n)))
                (br $next)))
            (local.get $k))
          (func $signed (param $i i32) (result i32) (local $k i32)
            (loop $next
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (local.set $i (i32.add (local.get $i) (i32.const 3)))
              (br_if $next (i32.lt_s (local.get $i) (i32.const 10))))
            (local.get $k))
          (func $wide (param $i i64) (param $to i64) (result i64) (local $k i64)
            (loop $next
              (local.set $k (i64.add (local.get $k) (i64.const 1)))
              (local.set $i (i64.sub (local.get $i) (i64.const 2)))
              (br_if $next (i64.gt_u (local.get $i) (local.get $to))))
            (i64.add (i64.mul (local.get $k) (i64.const 1000)) (local.get $i))))"#,
    );
    assert_eq!(call(&instance, 0, &[5, 9]), Ok(9004));
    // From 2^32 - 2 the counter wraps through 0 to 3.
    assert_eq!(call(&instance, 0, &[0xffff_fffe, 3]), Ok(3005));
    assert_eq!(call(&instance, 1, &[100]), Ok(5050));
    assert_eq!(call(&instance, 2, &[12, -3i32 as u32 as u64]), Ok(4));
    assert_eq!(call(&instance, 2, &[0xffff_fff0, 1]), Ok(16));
    // Signed: from -20 by 3 up to 10 or more; unsigned 2^32 - 20 would stop at once.
    assert_eq!(call(&instance, 3, &[-20i32 as u32 as u64]), Ok(10));
    assert_eq!(call(&instance, 3, &[50]), Ok(1));
    assert_eq!(call(&instance, 4, &[11, 4]), Ok(4003));
    assert_eq!(call(&instance, 4, &[20, 0]), Ok(10000));
    // Unsigned: from 0 the first step wraps to 2^64 - 2, then two more reach 2^64 - 6.
    assert_eq!(
        call(&instance, 4, &[0, u64::MAX - 5]),
        Ok(3000u64.wrapping_add(u64::MAX - 5))
    );
}

/// Indexed loads (`a[b[i]]`), scaled sums and `br_table` take an index they are handed in the
/// accumulator from there, and compute what they do from the register file. (Linear memory
/// is out of Miri's reach.)
#[test]
#[cfg(not(miri))]
fn indices_pass_through_the_accumulator() {
    let wat = r#"(module
      (memory 1)
      ;; `values[indices[i]]`, the tables' addresses given
      (func $gather32 (param $i i32) (param $indices i32) (param $values i32) (result i32)
        (i32.load (i32.add (local.get $values)
          (i32.shl (i32.load (i32.add (local.get $indices) (i32.shl (local.get $i) (i32.const 2))))
                   (i32.const 2)))))
      (func $gather64 (param $i i32) (param $indices i32) (param $values i32) (result i64)
        (i64.load (i32.add (local.get $values)
          (i32.shl (i32.load (i32.add (local.get $indices) (i32.shl (local.get $i) (i32.const 2))))
                   (i32.const 3)))))
      (func $sums (param $a i32) (param $b i32) (param $c i32) (result i32)
        (i32.add (i32.add (local.get $a) (local.get $b)) (i32.shl (local.get $c) (i32.const 2)))
        (i32.add (local.get $a) (i32.shl (i32.mul (local.get $b) (local.get $c)) (i32.const 3)))
        (i32.xor))
      (func $dispatch (param $i i32) (result i32)
        (block $c (block $b (block $a
          (br_table $a $b $c (i32.load (i32.shl (local.get $i) (i32.const 2)))))
          (return (i32.const 100)))
          (return (i32.const 200)))
        (i32.const 300))
      ;; i32 indices 3 0 1 2 at 0, i32 values 10 20 30 40 at 256, i64 values at 512
      (func $init (local $k i32)
        (loop $next
          (i32.store (i32.shl (local.get $k) (i32.const 2))
            (i32.and (i32.sub (i32.const 3) (i32.mul (local.get $k) (i32.const 3))) (i32.const 3)))
          (i32.store offset=256 (i32.shl (local.get $k) (i32.const 2))
            (i32.mul (i32.add (local.get $k) (i32.const 1)) (i32.const 10)))
          (i64.store offset=512 (i32.shl (local.get $k) (i32.const 3))
            (i64.mul (i64.extend_i32_u (i32.add (local.get $k) (i32.const 1)))
              (i64.const 0x0100_0000_0000_0001)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $next (i32.lt_u (local.get $k) (i32.const 4))))))"#;
    let instance = instantiate(wat);
    call(&instance, 4, &[]).unwrap();
    let values = [10, 20, 30, 40];
    let indices = [3u64, 0, 1, 2];
    for i in 0..4 {
        assert_eq!(
            call(&instance, 0, &[i, 0, 256]),
            Ok(values[indices[i as usize] as usize])
        );
        let v = indices[i as usize] + 1;
        assert_eq!(call(&instance, 1, &[i, 0, 512]), Ok(v | v << 56));
    }
    for (a, b, c) in [
        (1u32, 2u32, 3u32),
        (0xffff_fff0, 7, 0x4000_0001),
        (5, u32::MAX, 9),
    ] {
        let first = a.wrapping_add(b).wrapping_add(c << 2);
        let second = a.wrapping_add(b.wrapping_mul(c) << 3);
        assert_eq!(
            call(&instance, 2, &[a.into(), b.into(), c.into()]),
            Ok((first ^ second).into())
        );
    }
    // Indices 3, 0, 1, 2 select the default, $a, $b and $c.
    let targets = [300, 100, 200, 300];
    for (i, target) in targets.into_iter().enumerate() {
        assert_eq!(call(&instance, 3, &[i as u64]), Ok(target));
    }
    // The forms under test were chosen.
    let info = parse_module(&wat::parse_str(wat).unwrap(), WasmFeatures::default()).unwrap();
    let code = ModuleCode::new(info, TranslateOptions::default());
    let text: String = (0..4)
        .flat_map(|f| {
            let compiled = code.compiled(f).unwrap();
            compiled
                .code
                .iter()
                .map(|i| format!("{}\n", i.op))
                .collect::<Vec<_>>()
        })
        .collect();
    for mnemonic in [
        "load32_scaled.index_acc",
        "load64_scaled.index_acc",
        "i32.add_shl.acc",
        "i32.add_shl.index_acc",
        "br_table.acc",
    ] {
        assert!(text.contains(mnemonic), "{mnemonic} missing from\n{text}");
    }
}

/// `f64` operands pass from one instruction to the next in the float accumulator, and every
/// other value in the slot one: chains that mix them keep every bit, NaN payloads included.
#[test]
fn float_chains_pass_exact_values_between_accumulators() {
    let instance = instantiate(
        r#"(module
          ;; Newton steps towards sqrt(a): each step's operands come from the one before.
          (func (param $a f64) (result f64) (local $x f64) (local $i i32)
            (local.set $x (local.get $a))
            (loop $next
              (local.set $x (f64.mul (f64.const 0.5)
                                     (f64.add (local.get $x) (f64.div (local.get $a) (local.get $x)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (f64.gt (f64.abs (f64.sub (f64.mul (local.get $x) (local.get $x))
                                                     (local.get $a)))
                                   (f64.const 1e-9))))
            (f64.add (local.get $x) (f64.convert_i32_u (local.get $i))))
          ;; Sign and payload operations on a signalling NaN's bits, through both accumulators.
          (func (param i64) (result i64)
            (i64.reinterpret_f64 (f64.neg (f64.abs (f64.reinterpret_i64 (local.get 0))))))
          (func (param i64) (result i64)
            (i64.xor (i64.reinterpret_f64 (f64.copysign (f64.reinterpret_i64 (local.get 0))
                                                        (f64.const -1)))
                     (i64.const 1)))
          ;; Between widths: an f32 chain inside an f64 one.
          (func (param f64) (result f64)
            (f64.promote_f32 (f32.mul (f32.demote_f64 (f64.sqrt (local.get 0))) (f32.const 2))))
          ;; An f64 result consumed as an integer and the other way round.
          (func (param f64) (result i32)
            (i32.add (i32.trunc_f64_s (f64.floor (local.get 0))) (i32.const 1)))
          ;; Squares and doublings of the value just computed: both operands come from the
          ;; float accumulator.
          (func (param $x f64) (param $c f64) (param $n i32) (result f64)
            (loop $next
              (local.set $x (f64.add (local.get $x) (local.get $c)))
              (local.set $x (f64.mul (local.get $x) (local.get $x)))
              (local.set $x (f64.sub (local.get $x) (local.get $c)))
              (local.set $x (f64.add (local.get $x) (local.get $x)))
              (local.set $x (f64.mul (local.get $x) (f64.const 0.125)))
              (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $x)))"#,
    );
    let newton = f64::from_bits(call(&instance, 0, &[2f64.to_bits()]).unwrap());
    let steps = newton - newton.floor();
    assert!(
        (steps - std::f64::consts::SQRT_2.fract()).abs() < 1e-9,
        "{newton}"
    );
    // A signalling NaN with payload 1: `abs` and `neg` change the sign bit alone.
    let snan = 0x7ff0_0000_0000_0001u64;
    assert_eq!(call(&instance, 1, &[snan]), Ok(snan | 1 << 63));
    assert_eq!(call(&instance, 2, &[snan]), Ok((snan | 1 << 63) ^ 1));
    assert_eq!(call(&instance, 3, &[16f64.to_bits()]), Ok(8f64.to_bits()));
    assert_eq!(
        call(&instance, 4, &[(-2.5f64).to_bits()]),
        Ok(-2i32 as u32 as u64)
    );
    let (mut x, c) = (0.3f64, -0.71f64);
    for _ in 0..25 {
        x += c;
        x *= x;
        x -= c;
        x += x;
        x *= 0.125;
    }
    assert_eq!(
        call(&instance, 5, &[0.3f64.to_bits(), c.to_bits(), 25]),
        Ok(x.to_bits())
    );
}

/// `memory.copy` and `memory.fill` of memory 0 at every small length (done inline) and a
/// large one, overlapping either way, against a model; out of bounds, nothing is written.
/// (Linear memory is out of Miri's reach: `exec`'s unit tests check the inline copies.)
#[test]
#[cfg(not(miri))]
fn bulk_memory_of_every_small_length_matches_a_model() {
    let instance = instantiate(
        r#"(module
          (memory 1)
          (func (param $d i32) (param $s i32) (param $n i32)
            (memory.copy (local.get $d) (local.get $s) (local.get $n)))
          (func (param $d i32) (param $v i32) (param $n i32)
            (memory.fill (local.get $d) (local.get $v) (local.get $n)))
          (func (param $at i32) (result i64) (i64.load (local.get $at))))"#,
    );
    let mut model: Vec<u8> = (0..256u32).map(|i| (i * 37 + 11) as u8).collect();
    for (at, chunk) in model.chunks(8).enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().unwrap());
        // The pattern, written one byte at a time.
        for (k, byte) in word.to_le_bytes().into_iter().enumerate() {
            call(&instance, 1, &[(at * 8 + k) as u64, byte as u64, 1]).unwrap();
        }
    }
    let check = |model: &[u8]| {
        for at in (0..model.len()).step_by(8) {
            let word = u64::from_le_bytes(model[at..at + 8].try_into().unwrap());
            assert_eq!(call(&instance, 2, &[at as u64]), Ok(word), "at {at}");
        }
    };
    check(&model);
    for n in (0..=40).chain([100]) {
        for (d, s) in [(40, 3), (3, 40), (10, 13), (13, 10), (64, 64)] {
            model.copy_within(s..s + n, d);
            assert!(call(&instance, 0, &[d as u64, s as u64, n as u64]).is_ok());
            check(&model);
        }
        model[7..7 + n].fill(n as u8 ^ 0x5a);
        assert!(call(&instance, 1, &[7, (n as u64 ^ 0x5a) | 0x100, n as u64]).is_ok());
        check(&model);
    }
    let page = 65536u64;
    for (d, s, n) in [
        (page - 4, 0, 5),
        (0, page - 4, 5),
        (page, 0, 1),
        (0, 0, page + 1),
    ] {
        assert_eq!(
            call(&instance, 0, &[d, s, n]),
            Err(TrapCode::MemoryOutOfBounds)
        );
    }
    assert_eq!(
        call(&instance, 1, &[page - 2, 1, 3]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    check(&model);
}

/// Shifts, rotations and bitwise operators by constants keep the constant in the
/// instruction: 64-bit ones only when it sign-extends from 32 bits, which the mask
/// `0xffff_ffff` does not.
#[test]
fn constant_operands_compute_as_register_ones() {
    let instance = instantiate(
        r#"(module
          (func (param i32) (result i32)
            (i32.xor (i32.rotl (local.get 0) (i32.const 37))
                     (i32.and (i32.shr_s (local.get 0) (i32.const 3)) (i32.const 0x8000ffff))))
          (func (param i64) (result i64)
            (i64.or (i64.and (local.get 0) (i64.const 0xffffffff))
                    (i64.xor (i64.shl (local.get 0) (i64.const 63)) (i64.const -16))))
          (func (param i64) (result i64)
            (i64.rotr (i64.and (local.get 0) (i64.const -256)) (i64.const 0x7fffffff))))"#,
    );
    for x in [0u32, 1, 0x8765_4321, u32::MAX] {
        let expected = x.rotate_left(37 % 32) ^ (((x as i32) >> 3) as u32 & 0x8000_ffff);
        assert_eq!(call(&instance, 0, &[x as u64]), Ok(expected as u64));
    }
    for x in [0u64, 1, 0x1234_5678_9abc_def1, u64::MAX] {
        let expected = (x & 0xffff_ffff) | ((x << 63) ^ (-16i64 as u64));
        assert_eq!(call(&instance, 1, &[x]), Ok(expected));
        let expected = (x & (-256i64 as u64)).rotate_right(0x7fff_ffff % 64);
        assert_eq!(call(&instance, 2, &[x]), Ok(expected));
    }
}

/// Additions and compare-branches with a constant right operand take it as an immediate
/// once the function is translated (`place_consts`): an `i32` constant always fits, an
/// `i64` one only if it is a sign-extended 32-bit value, and a form reading the accumulator
/// has its immediate twin. Each result is checked against the same arithmetic in Rust.
#[test]
fn constant_right_operands_of_additions_and_branches_compute_as_register_ones() {
    let instance = instantiate(
        r#"(module
          ;; Sums with constants, the second one read from the accumulator.
          (func (param i32) (result i32)
            (i32.add (i32.add (local.get 0) (i32.const 0x7fffffff)) (i32.const -5)))
          (func (param i64) (result i64)
            (i64.add (i64.sub (local.get 0) (i64.const -2147483648))
                     (i64.const 0x100000000)))
          ;; Unsigned and signed compares with constants at their types' edges; the
          ;; result is a bit per branch taken.
          (func (param i32) (result i32) (local $bits i32)
            (block (br_if 0 (i32.lt_u (local.get 0) (i32.const 0xffffffff)))
              (local.set $bits (i32.or (local.get $bits) (i32.const 1))))
            (block (br_if 0 (i32.ge_s (local.get 0) (i32.const -1)))
              (local.set $bits (i32.or (local.get $bits) (i32.const 2))))
            (block (br_if 0 (i32.gt_u (i32.mul (local.get 0) (i32.const 3)) (i32.const 100)))
              (local.set $bits (i32.or (local.get $bits) (i32.const 4))))
            (local.get $bits))
          (func (param i64) (result i32) (local $bits i32)
            (block (br_if 0 (i64.lt_u (local.get 0) (i64.const 0x80000000)))
              (local.set $bits (i32.or (local.get $bits) (i32.const 1))))
            (block (br_if 0 (i64.le_s (local.get 0) (i64.const -2147483648)))
              (local.set $bits (i32.or (local.get $bits) (i32.const 2))))
            (block (br_if 0 (i64.ne (i64.add (local.get 0) (i64.const 1)) (i64.const -1)))
              (local.set $bits (i32.or (local.get $bits) (i32.const 4))))
            (local.get $bits))
          ;; A counted loop: its step and limit are constants.
          (func (param i32) (result i32) (local $i i32) (local $sum i32)
            (loop $next
              (local.set $sum (i32.add (local.get $sum) (local.get $i)))
              (br_if $next (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 3)))
                                     (local.get 0))))
            (local.get $sum)))"#,
    );
    for x in [
        0u32,
        1,
        2,
        33,
        34,
        0x7fff_ffff,
        0x8000_0000,
        u32::MAX - 1,
        u32::MAX,
    ] {
        let expected = x.wrapping_add(0x7fff_ffff).wrapping_add(-5i32 as u32);
        assert_eq!(call(&instance, 0, &[x as u64]), Ok(expected as u64));
        let bits = u32::from(x == u32::MAX)
            | u32::from((x as i32) < -1) << 1
            | u32::from(x.wrapping_mul(3) <= 100) << 2;
        assert_eq!(call(&instance, 2, &[x as u64]), Ok(bits as u64), "{x:#x}");
    }
    let edges = [
        0u64,
        1,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        -2147483648i64 as u64,
        -2147483649i64 as u64,
        -2i64 as u64,
        u64::MAX,
    ];
    for x in edges {
        let expected = x.wrapping_add(2147483648).wrapping_add(0x1_0000_0000);
        assert_eq!(call(&instance, 1, &[x]), Ok(expected));
        let bits = u32::from(x >= 0x8000_0000)
            | u32::from(x as i64 > -2147483648) << 1
            | u32::from(x.wrapping_add(1) == u64::MAX) << 2;
        assert_eq!(call(&instance, 3, &[x]), Ok(bits as u64), "{x:#x}");
    }
    for n in [0u32, 1, 3, 4, 100, 1000] {
        let (mut i, mut sum) = (0u32, 0u32);
        loop {
            sum = sum.wrapping_add(i);
            i += 3;
            if (i as i32) >= n as i32 {
                break;
            }
        }
        assert_eq!(call(&instance, 4, &[n as u64]), Ok(sum as u64), "n={n}");
    }
}

/// `x[i] += a * b` for each type: the load, the addition and the store become one
/// addition to memory, which adds the product from the accumulator (`lower::sequences`).
/// Each returns the value the memory holds after it; repeated at an address, and out of
/// bounds, where it traps before writing. (Linear memory is out of Miri's reach.)
#[test]
#[cfg(not(miri))]
fn additions_to_memory_of_products_accumulate_as_separate_instructions_do() {
    // Function k for the k-th type.
    let funcs: String = ["i32", "i64", "f32", "f64"]
        .map(|ty| {
            format!(
                "(func (param $p i32) (param $a {ty}) (param $b {ty}) (result {ty}) (local $t {ty})
                   (local.set $t ({ty}.mul (local.get $a) (local.get $b)))
                   ({ty}.store (local.get $p) ({ty}.add ({ty}.load (local.get $p)) (local.get $t)))
                   ({ty}.load (local.get $p)))"
            )
        })
        .concat();
    let instance = instantiate(&format!("(module (memory 1) {funcs})"));
    let (mut i32_sum, mut i64_sum, mut f32_sum, mut f64_sum) = (0u32, 0u64, 0f32, 0f64);
    for k in 0..20u64 {
        let (a, b) = (k.wrapping_mul(0x9e37_79b9_7f4a_7c15), k + 3);
        i32_sum = i32_sum.wrapping_add((a as u32).wrapping_mul(b as u32));
        assert_eq!(call(&instance, 0, &[16, a, b]), Ok(i32_sum as u64));
        i64_sum = i64_sum.wrapping_add(a.wrapping_mul(b));
        assert_eq!(call(&instance, 1, &[24, a, b]), Ok(i64_sum));
        let (x, y) = (k as f32 * 0.75 - 3.0, 1.5 - k as f32);
        f32_sum += x * y;
        let bits = (x.to_bits() as u64, y.to_bits() as u64);
        assert_eq!(
            call(&instance, 2, &[32, bits.0, bits.1]),
            Ok(f32_sum.to_bits() as u64)
        );
        let (x, y) = (k as f64 / 3.0, 2.0 - k as f64);
        f64_sum += x * y;
        let bits = (x.to_bits(), y.to_bits());
        assert_eq!(
            call(&instance, 3, &[40, bits.0, bits.1]),
            Ok(f64_sum.to_bits())
        );
    }
    assert_eq!(
        call(
            &instance,
            3,
            &[65536 - 4, 1.0f64.to_bits(), 1.0f64.to_bits()]
        ),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(call(&instance, 0, &[65536 - 4, 1, 1]), Ok(1));
}

/// `x[i] += a * b` with the product computed just before the addition to memory runs as one
/// `*.mul_add_to_mem` (`.acc` when a factor was computed just before it), for all four
/// types, and stores what the separate instructions do; a product kept in a local that is
/// read afterwards stays a separate `mul`. Out of bounds, it traps before writing.
#[test]
#[cfg(not(miri))]
fn products_added_to_memory_store_as_separate_instructions_do() {
    // Functions 3k, 3k + 1 and 3k + 2 for the k-th type: registers, a factor loaded just
    // before, and a product kept in a local.
    let funcs: String = ["i32", "i64", "f32", "f64"]
        .map(|ty| {
            format!(
                "(func (param $p i32) (param $a {ty}) (param $b {ty}) (result {ty})
                   ({ty}.store (local.get $p)
                     ({ty}.add ({ty}.mul (local.get $a) (local.get $b)) ({ty}.load (local.get $p))))
                   ({ty}.load (local.get $p)))
                 (func (param $p i32) (param $a {ty}) (param $b {ty}) (result {ty})
                   ({ty}.store offset=8 (local.get $p) (local.get $a))
                   ({ty}.store (local.get $p)
                     ({ty}.add ({ty}.mul ({ty}.load offset=8 (local.get $p)) (local.get $b))
                               ({ty}.load (local.get $p))))
                   ({ty}.load (local.get $p)))
                 (func (param $p i32) (param $a {ty}) (param $b {ty}) (result {ty}) (local $t {ty})
                   ({ty}.store (local.get $p)
                     ({ty}.add (local.tee $t ({ty}.mul (local.get $a) (local.get $b)))
                               ({ty}.load (local.get $p))))
                   ({ty}.add ({ty}.load (local.get $p)) (local.get $t)))"
            )
        })
        .concat();
    let wat = format!("(module (memory 1) {funcs})");
    for (k, ty) in ["i32", "i64", "f32", "f64"].into_iter().enumerate() {
        let k = 3 * k as u32;
        let fused = format!("{ty}.mul_add_to_mem");
        let fused_acc = format!("{ty}.mul_add_to_mem.acc");
        assert!(mnemonics(&wat, k).contains(&fused.as_str()), "{fused}");
        assert!(
            mnemonics(&wat, k + 1).contains(&fused_acc.as_str()),
            "{fused_acc}"
        );
        let kept = mnemonics(&wat, k + 2);
        assert!(
            !kept.iter().any(|m| m.contains("mul_add_to_mem")),
            "{kept:?}"
        );
    }
    let instance = instantiate(&wat);
    // Each function accumulates at an address of its own.
    let mut i32_sums = [0u32; 3];
    let mut i64_sums = [0u64; 3];
    let mut f32_sums = [0f32; 3];
    let mut f64_sums = [0f64; 3];
    for k in 0..20u64 {
        let (a, b) = (k.wrapping_mul(0x9e37_79b9_7f4a_7c15), k + 3);
        // Inexact factors: a product rounded once with the sum would show.
        let (x32, y32) = (k as f32 / 3.0 + 0.1, 1.7 - k as f32 * 0.3);
        let (x64, y64) = (k as f64 / 3.0, 2.0 - k as f64 / 7.0);
        for variant in 0..3 {
            let p = 64 * variant as u64;
            let f = |ty: usize| ty * 3 + variant;
            let product = (a as u32).wrapping_mul(b as u32);
            i32_sums[variant] = i32_sums[variant].wrapping_add(product);
            let expected = match variant {
                2 => i32_sums[variant].wrapping_add(product),
                _ => i32_sums[variant],
            };
            assert_eq!(call(&instance, f(0), &[p, a, b]), Ok(expected as u64));
            let product = a.wrapping_mul(b);
            i64_sums[variant] = i64_sums[variant].wrapping_add(product);
            let expected = match variant {
                2 => i64_sums[variant].wrapping_add(product),
                _ => i64_sums[variant],
            };
            assert_eq!(call(&instance, f(1), &[p + 16, a, b]), Ok(expected));
            let product = x32 * y32;
            f32_sums[variant] += product;
            let expected = match variant {
                2 => f32_sums[variant] + product,
                _ => f32_sums[variant],
            };
            let args = [p + 32, x32.to_bits() as u64, y32.to_bits() as u64];
            assert_eq!(call(&instance, f(2), &args), Ok(expected.to_bits() as u64));
            let product = x64 * y64;
            f64_sums[variant] += product;
            let expected = match variant {
                2 => f64_sums[variant] + product,
                _ => f64_sums[variant],
            };
            let args = [p + 48, x64.to_bits(), y64.to_bits()];
            assert_eq!(call(&instance, f(3), &args), Ok(expected.to_bits()));
        }
    }
    let one = 1.0f64.to_bits();
    assert_eq!(
        call(&instance, 9, &[65536 - 4, one, one]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(call(&instance, 0, &[65536 - 4, 1, 1]), Ok(1));
}

/// The module `wat`, ready to translate its functions.
fn translated(wat: &str) -> ModuleCode {
    let bytes = wat::parse_str(wat).expect("valid text");
    let info = parse_module(&bytes, WasmFeatures::default()).expect("valid module");
    ModuleCode::new(info, TranslateOptions::default())
}

/// The mnemonics of defined function `index`'s bytecode.
fn mnemonics(wat: &str, index: u32) -> Vec<&'static str> {
    let code = translated(wat);
    let compiled = code.compiled(index).expect("translates");
    compiled.code.iter().map(|i| i.op.mnemonic()).collect()
}

/// Instructions that leave the sum of `count` squares of local 0 (an `i64`) on the operand
/// stack, after holding all the squares there: a frame that deep, with a short template.
fn squares_summed(count: usize) -> String {
    "local.get 0 local.get 0 i64.mul\n".repeat(count) + &"i64.add\n".repeat(count - 1)
}

#[test]
fn selects_and_copies_take_values_just_computed_from_the_accumulator() {
    let wat = r#"(module
      ;; Choices on a comparison just made: an i32 one is part of the `select`.
      (func (param i32 i32) (result i32)
        (select (local.get 0) (local.get 1) (i32.gt_s (local.get 0) (local.get 1))))
      (func (param i64 i64) (result i64)
        (select (local.get 0) (local.get 1) (i64.lt_u (local.get 0) (local.get 1))))
      ;; A loop whose locals take values just computed, one of them before the branch
      ;; over an `else`.
      (func (param $n i32) (result i32) (local $x i32) (local $y i32) (local $m i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $y (i32.xor (local.get $y) (i32.add (local.get $x) (local.get $m))))
            (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))
            (local.set $y (i32.xor (local.get $y) (local.get $x)))
            (local.set $x (local.get $y))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (if (i32.and (local.get $n) (i32.const 1))
              (then
                (local.set $y (i32.rotl (local.get $y) (i32.const 7)))
                (local.set $m (local.get $y)))
              (else (local.set $m (local.get $n))))
            (br $next)))
        (local.get $y)))"#;
    assert!(mnemonics(wat, 0).contains(&"select.i32.gt_s"));
    assert!(mnemonics(wat, 1).contains(&"select.acc"));
    let looped = mnemonics(wat, 2);
    assert!(looped.contains(&"copy.acc") && looped.contains(&"copy_br.acc"));

    let instance = instantiate(wat);
    for (a, b) in [(0i32, 0i32), (1, 2), (2, 1), (-1, 1), (i32::MIN, i32::MAX)] {
        let (a64, b64) = (a as u32 as u64, b as u32 as u64);
        assert_eq!(call(&instance, 0, &[a64, b64]), Ok(a.max(b) as u32 as u64));
        let (a64, b64) = (a as i64 as u64, b as i64 as u64);
        assert_eq!(call(&instance, 1, &[a64, b64]), Ok(a64.min(b64)));
    }
    for n in [0u32, 1, 2, 17] {
        let (mut n_left, mut x, mut y, mut m) = (n, 0u32, 0u32, 0u32);
        while n_left != 0 {
            y ^= x.wrapping_add(m);
            x = x.wrapping_mul(3).wrapping_add(1);
            y ^= x;
            x = y;
            n_left -= 1;
            if n_left & 1 != 0 {
                y = y.rotate_left(7);
                m = y;
            } else {
                m = n_left;
            }
        }
        assert_eq!(call(&instance, 2, &[n as u64]), Ok(y as u64), "n = {n}");
    }
}

#[test]
fn branches_on_eqz_of_a_comparison_take_its_negation_nan_included() {
    const COMPARISONS: [&str; 6] = ["eq", "ne", "lt", "gt", "le", "ge"];
    // Function `2k` tests `eqz` of f64 comparison k, `2k + 1` of the f32 one; each returns
    // 1 when the branch over the `return 0` is taken.
    let funcs: String = COMPARISONS
        .iter()
        .flat_map(|cmp| {
            ["f64", "f32"].map(|ty| {
                format!(
                    "(func (param {ty} {ty}) (result i32)
                       (block (br_if 0 (i32.eqz ({ty}.{cmp} (local.get 0) (local.get 1))))
                         (return (i32.const 0)))
                       (i32.const 1))"
                )
            })
        })
        .collect();
    let wat = format!("(module {funcs})");
    for index in 0..2 * COMPARISONS.len() as u32 {
        let code = mnemonics(&wat, index);
        assert!(!code.contains(&"i32.eqz"), "{code:?}");
    }
    let instance = instantiate(&wat);
    let values = [0.0, -0.0, 1.5, -2.0, f64::INFINITY, f64::NAN];
    for (k, cmp) in COMPARISONS.iter().enumerate() {
        for a in values {
            for b in values {
                let holds = match *cmp {
                    "eq" => a == b,
                    "ne" => a != b,
                    "lt" => a < b,
                    "gt" => a > b,
                    "le" => a <= b,
                    _ => a >= b,
                };
                let expected = Ok(u64::from(!holds));
                let (a64, b64) = (a.to_bits(), b.to_bits());
                assert_eq!(
                    call(&instance, 2 * k, &[a64, b64]),
                    expected,
                    "f64.{cmp} {a} {b}"
                );
                let (a32, b32) = ((a as f32).to_bits() as u64, (b as f32).to_bits() as u64);
                assert_eq!(
                    call(&instance, 2 * k + 1, &[a32, b32]),
                    expected,
                    "f32.{cmp} {a} {b}"
                );
            }
        }
    }
}

#[test]
fn paired_additions_of_constants_add_as_single_ones() {
    let wat = r#"(module
      (func (param i32 i32) (result i32)
        (local.set 0 (i32.add (local.get 0) (i32.const 32767)))
        (local.set 1 (i32.add (local.get 1) (i32.const -32768)))
        (i32.xor (i32.mul (local.get 0) (i32.const 3)) (local.get 1)))
      ;; The second addition steps the first's sum.
      (func (param i32) (result i32)
        (i32.add (i32.add (local.get 0) (i32.const -7)) (i32.const 300))))"#;
    assert!(mnemonics(wat, 0).contains(&"i32.add_imm_pair"));
    assert!(mnemonics(wat, 1).contains(&"i32.add_imm_pair"));
    let instance = instantiate(wat);
    for a in [
        0u32,
        1,
        0x7fff,
        0x8000,
        0x7fff_ffff,
        0x8000_0000,
        u32::MAX - 0x7ffe,
        u32::MAX,
    ] {
        for b in [0u32, 0x7fff, 0x8000, 0x8000_0000, u32::MAX] {
            let expected = a.wrapping_add(32767).wrapping_mul(3) ^ b.wrapping_sub(32768);
            assert_eq!(
                call(&instance, 0, &[a as u64, b as u64]),
                Ok(expected as u64)
            );
        }
        let expected = a.wrapping_sub(7).wrapping_add(300);
        assert_eq!(call(&instance, 1, &[a as u64]), Ok(expected as u64));
    }
}

/// `base + (index << shift) + imm` becomes one `i32.add_shl_imm`, whichever side of the
/// shift the constant is added on, or after the scaled sum; it wraps as the additions do.
/// Where the constant is added to the index before the shift, the instructions stay apart.
#[test]
fn scaled_sums_with_a_constant_add_as_separate_instructions_do() {
    let wat = r#"(module
      (func (param i32 i32) (result i32)
        (i32.add (i32.add (local.get 0) (i32.const 32)) (i32.shl (local.get 1) (i32.const 2))))
      (func (param i32 i32) (result i32)
        (i32.add (i32.shl (local.get 1) (i32.const 3)) (i32.add (local.get 0) (i32.const -8))))
      (func (param i32 i32) (result i32)
        (i32.add (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2))) (i32.const 0x7fff_fffc)))
      (func (param i32 i32) (result i32)
        (i32.add (local.get 0) (i32.shl (i32.add (local.get 1) (i32.const 4)) (i32.const 2))))
      ;; Constants before the shift and after the sum, the last one on the left.
      (func (param i32 i32) (result i32)
        (i32.add (i32.const -12)
          (i32.add (i32.add (local.get 0) (i32.const 0x7fff_ffff)) (i32.shl (local.get 1) (i32.const 4)))))
      ;; The sum goes back into the base's local.
      (func (param i32 i32) (result i32)
        (local.set 0 (i32.add (i32.add (local.get 0) (i32.const 8)) (i32.shl (local.get 1) (i32.const 1))))
        (i32.add (local.get 0) (local.get 1))))"#;
    for index in 0..3 {
        assert!(
            mnemonics(wat, index).contains(&"i32.add_shl_imm"),
            "function {index}: {:?}",
            mnemonics(wat, index)
        );
    }
    assert!(!mnemonics(wat, 3).contains(&"i32.add_shl_imm"));
    for index in [4, 5] {
        let fused = mnemonics(wat, index);
        assert!(fused.contains(&"i32.add_shl_imm"), "{fused:?}");
    }
    // Both constants went into the one instruction.
    let additions = mnemonics(wat, 4);
    assert_eq!(
        additions
            .iter()
            .filter(|m| m.starts_with("i32.add"))
            .count(),
        1
    );
    let instance = instantiate(wat);
    for a in [0u32, 1, 0x7fff_ffff, 0x8000_0000, u32::MAX - 3, u32::MAX] {
        for b in [0u32, 1, 0x3fff_ffff, 0x4000_0000, u32::MAX] {
            let args = [a as u64, b as u64];
            let expected = [
                a.wrapping_add(32).wrapping_add(b << 2),
                (b << 3).wrapping_add(a.wrapping_sub(8)),
                a.wrapping_add(b << 2).wrapping_add(0x7fff_fffc),
            ];
            for (index, expected) in expected.into_iter().enumerate() {
                assert_eq!(call(&instance, index, &args), Ok(expected as u64));
            }
            let shifted = b.wrapping_add(4) << 2;
            assert_eq!(
                call(&instance, 3, &args),
                Ok(a.wrapping_add(shifted) as u64)
            );
            let sum = a.wrapping_add(0x7fff_ffff).wrapping_add(b << 4);
            assert_eq!(call(&instance, 4, &args), Ok(sum.wrapping_sub(12) as u64));
            let base = a.wrapping_add(8).wrapping_add(b << 1);
            assert_eq!(call(&instance, 5, &args), Ok(base.wrapping_add(b) as u64));
        }
    }
}

/// A `load32` from an `i32.add_shl` or `i32.add_shl_imm` just computed runs as one
/// `load32.add_shl`, which keeps the address for the store back that a swap makes. The
/// address wraps as the sum does, and an access out of bounds traps as the load does.
#[test]
#[cfg(not(miri))]
fn loads_from_scaled_sums_keep_their_address() {
    let wat = r#"(module
      (memory 1)
      ;; Swaps a[i] and a[j] of the array at `a`; returns the old a[i] * 1000 + the old a[j].
      (func (param $a i32) (param $i i32) (param $j i32) (result i32)
        (local $x i32) (local $y i32) (local $p i32) (local $q i32)
        (local.set $x
          (i32.load (local.tee $p (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $y
          (i32.load (local.tee $q (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 2))))))
        (i32.store (local.get $p) (local.get $y))
        (i32.store (local.get $q) (local.get $x))
        (i32.add (i32.mul (local.get $x) (i32.const 1000)) (local.get $y)))
      ;; A field at offset 24 of a structure at `a` indexed by `i`, read with offset 4.
      (func (param $a i32) (param $i i32) (result i32)
        (i32.load offset=4
          (i32.add (i32.add (local.get $a) (i32.const 24)) (i32.shl (local.get $i) (i32.const 3)))))
      (func (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (param i32) (result i32) (i32.load (local.get 0)))
      ;; Chases a pointer: the load goes into the register that held its address.
      (func (param $p i32) (param $i i32) (result i32)
        (local.set $p
          (i32.load (local.tee $p (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))))
        (local.get $p))
      ;; Steps a pointer, then reads where it points.
      (func (param $p i32) (param $i i32) (result i32)
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))
        (i32.add (i32.load (local.get $p)) (i32.mul (local.get $p) (i32.const 1000))))
      ;; The widest constants the fused form takes.
      (func (param $a i32) (param $i i32) (result i32)
        (i32.load (i32.add (i32.add (local.get $a) (i32.const 0x7fff)) (i32.shl (local.get $i) (i32.const 2)))))
      (func (param $a i32) (param $i i32) (result i32)
        (i32.load (i32.add (i32.add (local.get $a) (i32.const -0x8000)) (i32.shl (local.get $i) (i32.const 2)))))
      ;; A branch enters the load, past the sum.
      (func (param $a i32) (param $i i32) (param $skip i32) (result i32) (local $p i32)
        (local.set $p (local.get $a))
        (block $join
          (br_if $join (local.get $skip))
          (local.set $p (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
        (i32.load (local.get $p))))"#;
    for index in [0, 1, 4, 5, 6, 7, 8] {
        let ops = mnemonics(wat, index);
        assert!(ops.contains(&"load32.add_shl"), "function {index}: {ops:?}");
    }
    let instance = instantiate(wat);
    let store = |addr: u32, value: u32| {
        assert!(call(&instance, 2, &[addr as u64, value as u64]).is_ok());
    };
    let load = |addr: u32| call(&instance, 3, &[addr as u64]).map(|v| v as u32);
    for k in 0..8 {
        store(256 + 4 * k, k + 1);
    }
    assert_eq!(call(&instance, 0, &[256, 2, 5]), Ok(3 * 1000 + 6));
    assert_eq!((load(256 + 8), load(256 + 20)), (Ok(6), Ok(3)));
    // The same element: the swap leaves it as it was.
    assert_eq!(call(&instance, 0, &[256, 7, 7]), Ok(8 * 1000 + 8));
    assert_eq!(load(256 + 28), Ok(8));
    // `a + (i << 2)` wraps: a base of 2^32 - 8 with index 3 is address 4.
    store(4, 77);
    store(0, 11);
    assert_eq!(
        call(&instance, 0, &[u32::MAX as u64 - 7, 3, 2]),
        Ok(77 * 1000 + 11)
    );
    assert_eq!((load(0), load(4)), (Ok(77), Ok(11)));
    // The last element of the memory, and the one past it.
    let last = 65536 - 4;
    store(last, 99);
    assert_eq!(call(&instance, 0, &[last as u64, 0, 0]), Ok(99 * 1000 + 99));
    assert_eq!(
        call(&instance, 0, &[last as u64, 1, 0]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    // base + 24 + (i << 3) + 4.
    store(1000 + 24 + 5 * 8 + 4, 1234);
    assert_eq!(call(&instance, 1, &[1000, 5]), Ok(1234));
    assert_eq!(
        call(&instance, 1, &[65536 - 28, 0]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    store(65536 - 4, 5678);
    assert_eq!(call(&instance, 1, &[65536 - 32, 0]), Ok(5678));
    // a[3] holds the next address, and that one a value.
    store(2000 + 12, 3000);
    store(3000, 42);
    assert_eq!(call(&instance, 4, &[2000, 3]), Ok(3000));
    assert_eq!(call(&instance, 4, &[3000, 0]), Ok(42));
    assert_eq!(call(&instance, 5, &[2000, 3]), Ok(3000 + 2012 * 1000));
    // Constants at the edges of 16 bits, with the sum wrapping below zero.
    store(0x7fff + 8, 7);
    assert_eq!(call(&instance, 6, &[0, 2]), Ok(7));
    store(4, 9);
    assert_eq!(call(&instance, 7, &[0x8000, 1]), Ok(9));
    assert_eq!(
        call(&instance, 7, &[0, 1]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(
        call(&instance, 7, &[0x8000 - 8, 0]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    // The branch skips the sum; falling through runs the fused load.
    store(5000, 51);
    store(5000 + 4 * 6, 57);
    assert_eq!(call(&instance, 8, &[5000, 6, 1]), Ok(51));
    assert_eq!(call(&instance, 8, &[5000, 6, 0]), Ok(57));
}

/// An `i32.xor` with a value just rotated by a constant runs as one `i32.xor_rotl`, on either
/// side, for every rotation count (taken modulo 32), and mixes as the two do apart.
#[test]
fn xors_of_rotations_mix_as_separate_instructions_do() {
    let rotations = [0, 1, 7, 31, 32, 45];
    let mut wat = String::from("(module\n");
    for count in rotations {
        wat += &format!(
            "(func (param i32 i32) (result i32)
               (i32.xor (local.get 1) (i32.rotl (local.get 0) (i32.const {count}))))
             (func (param i32 i32) (result i32)
               (i32.xor (i32.rotl (local.get 0) (i32.const {count})) (i32.rotl (local.get 1) (i32.const 3))))\n"
        );
    }
    wat += ")";
    for index in 0..2 * rotations.len() as u32 {
        let ops = mnemonics(&wat, index);
        assert!(ops.contains(&"i32.xor_rotl"), "function {index}: {ops:?}");
    }
    let instance = instantiate(&wat);
    for a in [0u32, 1, 0x8000_0001, 0xdead_beef, u32::MAX] {
        for b in [0u32, 0x1234_5678, u32::MAX] {
            for (k, count) in rotations.into_iter().enumerate() {
                let rotated = a.rotate_left(count % 32);
                let args = [a as u64, b as u64];
                assert_eq!(call(&instance, 2 * k, &args), Ok((b ^ rotated) as u64));
                let expected = rotated ^ b.rotate_left(3);
                assert_eq!(call(&instance, 2 * k + 1, &args), Ok(expected as u64));
            }
        }
    }
}

/// A `select` on an i32 comparison or a bit test just computed runs as one instruction that
/// does both, and chooses as the two do apart; across a label it stays apart.
#[test]
fn selects_on_comparisons_choose_as_the_comparison_and_select_do() {
    const COMPARES: [&str; 10] = [
        "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
    ];
    let mut wat = String::from("(module\n");
    for compare in COMPARES {
        wat += &format!(
            "(func (param i32 i32) (result i32)
               (select (i32.const 111) (i32.const 222) (i32.{compare} (local.get 0) (local.get 1))))\n"
        );
    }
    wat += "(func (param i32 i32) (result i32)
              (select (local.get 0) (local.get 1) (i32.and (local.get 0) (i32.const 0x8001))))
            (func (param i32 i32) (result i32)
              (select (i32.const 111) (i32.const 222)
                (block (result i32) (i32.lt_s (local.get 0) (local.get 1)))))
            ;; 64-bit choices, and a minimum kept in a compared local.
            (func (param i32 i32) (result i64)
              (select (i64.const 0x1234_5678_9abc_def0) (i64.const -2)
                (i32.gt_u (local.get 0) (local.get 1))))
            (func (param i32 i32) (result f64)
              (select (f64.const -0.1) (f64.const 1e300) (i32.le_s (local.get 0) (local.get 1))))
            (func (param i32 i32) (result i32)
              (local.set 0 (select (local.get 1) (local.get 0) (i32.lt_s (local.get 1) (local.get 0))))
              (local.get 0)))";
    for (index, compare) in COMPARES.iter().enumerate() {
        let fused = format!("select.i32.{compare}");
        assert!(
            mnemonics(&wat, index as u32).contains(&fused.as_str()),
            "{fused}: {:?}",
            mnemonics(&wat, index as u32)
        );
    }
    assert!(mnemonics(&wat, 10).contains(&"select.i32.and_imm"));
    assert!(mnemonics(&wat, 12).contains(&"select.i32.gt_u"));
    assert!(mnemonics(&wat, 13).contains(&"select.i32.le_s"));
    assert!(mnemonics(&wat, 14).contains(&"select.i32.lt_s"));
    assert!(
        !mnemonics(&wat, 11)
            .iter()
            .any(|m| m.starts_with("select.i32"))
    );
    let instance = instantiate(&wat);
    let values = [0u32, 1, 2, 0x7fff_ffff, 0x8000_0000, 0x8000_0001, u32::MAX];
    for a in values {
        for b in values {
            let (sa, sb) = (a as i32, b as i32);
            let holds = [
                a == b,
                a != b,
                sa < sb,
                a < b,
                sa > sb,
                a > b,
                sa <= sb,
                a <= b,
                sa >= sb,
                a >= b,
            ];
            let args = [a as u64, b as u64];
            for (index, holds) in holds.into_iter().enumerate() {
                let expected = if holds { 111 } else { 222 };
                assert_eq!(
                    call(&instance, index, &args),
                    Ok(expected),
                    "i32.{} {a:#x} {b:#x}",
                    COMPARES[index]
                );
            }
            let expected = if a & 0x8001 != 0 { a } else { b };
            assert_eq!(call(&instance, 10, &args), Ok(expected as u64));
            let expected = if sa < sb { 111 } else { 222 };
            assert_eq!(call(&instance, 11, &args), Ok(expected));
            let expected = if a > b {
                0x1234_5678_9abc_def0
            } else {
                -2i64 as u64
            };
            assert_eq!(call(&instance, 12, &args), Ok(expected));
            let expected = if sa <= sb { -0.1f64 } else { 1e300 };
            assert_eq!(call(&instance, 13, &args), Ok(expected.to_bits()));
            assert_eq!(call(&instance, 14, &args), Ok(sa.min(sb) as u32 as u64));
        }
    }
}

/// A state machine dispatching through a `br_table` at the head of its loop, as a bytecode
/// interpreter does: each case goes back to its own copy of the head (`lower::dispatch`),
/// which computes and traps as the head does.
#[test]
fn dispatch_loops_run_their_cases_in_order() {
    let instance = instantiate(
        r#"(module
          (func (param $n i32) (result i32) (local $state i32) (local $acc i32)
            (loop $dispatch
              (block $halt (block $s2 (block $s1 (block $s0
                (br_table $s0 $s1 $s2 $halt (i32.and (local.get $state) (i32.const 3))))
                (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (i32.const 1)))
                (local.set $state (i32.const 1))
                (br $dispatch))
                (local.set $acc (i32.xor (local.get $acc) (local.get $n)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (local.set $state (select (i32.const 2) (i32.const 3) (local.get $n)))
                (br $dispatch))
                (local.set $acc (i32.rotl (local.get $acc) (i32.const 5)))
                (br_if $dispatch (i32.eqz (local.tee $state (i32.const 0))))))
            (local.get $acc))
          ;; The head divides by $n, which the case counts down: the division by zero
          ;; traps in a copy of the head.
          (func (param $n i32) (result i32)
            (loop $dispatch
              (block $out (block $dec
                (br_table $dec $out (i32.div_u (i32.const 0) (local.get $n))))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $dispatch)))
            (local.get $n))
          ;; The cases branch to a block they share, which advances the guest's program
          ;; counter and goes back to the head.
          (func (param $n i32) (result i32) (local $pc i32) (local $acc i32)
            (loop $dispatch
              (block $advance
                (block $halt (block $c2 (block $c1 (block $c0
                  (br_table $c0 $c1 $c2 $halt
                    (select (i32.const 3)
                            (i32.rem_u (i32.mul (local.get $pc) (i32.const 5)) (i32.const 3))
                            (i32.ge_u (local.get $pc) (local.get $n)))))
                  (local.set $acc (i32.add (local.get $acc) (local.get $pc)))
                  (br $advance))
                  (local.set $acc (i32.mul (local.get $acc) (i32.const 3)))
                  (br $advance))
                  (local.set $acc (i32.xor (local.get $acc) (i32.const 0x55)))
                  (br $advance))
                (return (local.get $acc)))
              (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
              (br $dispatch))
            (unreachable)))"#,
    );
    let (mut n, mut acc, mut state) = (40u32, 0u32, 0);
    loop {
        match state {
            0 => {
                acc = acc.wrapping_mul(3).wrapping_add(1);
                state = 1;
            }
            1 => {
                acc ^= n;
                n -= 1;
                state = if n != 0 { 2 } else { 3 };
            }
            2 => {
                acc = acc.rotate_left(5);
                state = 0;
            }
            _ => break,
        }
    }
    assert_eq!(call(&instance, 0, &[40]), Ok(acc as u64));
    assert_eq!(
        call(&instance, 1, &[3]),
        Err(TrapCode::IntegerDivisionByZero)
    );
    let mut acc = 0u32;
    for pc in 0..100u32 {
        match pc.wrapping_mul(5) % 3 {
            0 => acc = acc.wrapping_add(pc),
            1 => acc = acc.wrapping_mul(3),
            _ => acc ^= 0x55,
        }
    }
    assert_eq!(call(&instance, 2, &[100]), Ok(acc as u64));
}

/// Only a function with a table inside a loop can have a dispatch loop. In one without, a
/// table keeps its single copy even when a branch enters its head; put inside a loop, the
/// same table gets a copy for that branch.
#[test]
fn tables_get_dispatch_copies_only_inside_loops() {
    let body = |wrap: &str| {
        format!(
            r#"(module (func (param i32 i32) (result i32)
              {wrap}
              (block $exit (block $b1 (block $b0
                ;; A branch into the table's head, as a case's return to it would be.
                (block $head (br_if $head (local.get 0)) (local.set 1 (i32.const 5)))
                (br_table $b0 $b1 $exit (local.get 1)))
                (return (i32.const 10)))
                (local.set 0 (i32.const 0))
                {again})
              {unwrap}
              (i32.const 12)))"#,
            again = if wrap.is_empty() { "" } else { "(br $again)" },
            unwrap = if wrap.is_empty() { "" } else { ")" },
        )
    };
    let straight = body("");
    let looped = body("(loop $again");
    let tables = |wat: &str| {
        (mnemonics(wat, 0).iter())
            .filter(|m| m.starts_with("br_table"))
            .count()
    };
    assert_eq!(tables(&straight), 1);
    assert!(tables(&looped) > 1, "{:?}", mnemonics(&looped, 0));
    // Case 1 clears the first parameter, and in the loop goes round again: the table then
    // takes the default, 5, which leaves as well.
    for wat in [&straight, &looped] {
        let instance = instantiate(wat);
        assert_eq!(call(&instance, 0, &[1, 0]), Ok(10));
        assert_eq!(call(&instance, 0, &[0, 0]), Ok(12));
        assert_eq!(call(&instance, 0, &[1, 1]), Ok(12));
    }
}

#[test]
fn multi_value_blocks_and_br_table() {
    let instance = instantiate(
        r#"(module
          (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
          (func (param $k i32) (result i32)
            (block $b2 (result i32)
              (block $b1 (result i32)
                (block $b0 (result i32)
                  (i32.const 10) (local.get $k) (br_table $b0 $b1 $b2))
                (return (i32.add (i32.const 1))))
              (return (i32.add (i32.const 2))))
            (i32.add (i32.const 3)))
          (func (result i32)
            (call $swap (i32.const 7) (i32.const 40))
            (i32.sub)))"#,
    );
    assert_eq!(call(&instance, 1, &[0]), Ok(11));
    assert_eq!(call(&instance, 1, &[1]), Ok(12));
    assert_eq!(call(&instance, 1, &[9]), Ok(13));
    assert_eq!(call(&instance, 2, &[]), Ok(33));
}

#[test]
fn traps_report_their_codes() {
    let instance = instantiate(
        r#"(module
          (func (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
          (func $deep (param i32) (result i32) (i32.add (call $deep (local.get 0)) (i32.const 1)))
          (func unreachable))"#,
    );
    let (min, minus_one) = (i32::MIN as u32 as u64, -1i32 as u32 as u64);
    assert_eq!(
        call(&instance, 0, &[7, 0]),
        Err(TrapCode::IntegerDivisionByZero)
    );
    assert_eq!(
        call(&instance, 0, &[min, minus_one]),
        Err(TrapCode::IntegerOverflow)
    );
    assert_eq!(
        call(&instance, 1, &[f64::NAN.to_bits()]),
        Err(TrapCode::BadConversionToInteger)
    );
    assert_eq!(call(&instance, 2, &[0]), Err(TrapCode::StackOverflow));
    assert_eq!(call(&instance, 3, &[]), Err(TrapCode::Unreachable));
}

/// A frame larger than the call instructions set up themselves (here a deep operand stack
/// with a short template) takes the general path; calls alternate between the two paths, and
/// both stop at the stack's bound.
#[test]
fn calls_alternate_between_short_and_large_frames() {
    let squares = squares_summed(300);
    let wat = format!(
        r#"(module
          (func $wide (param $n i64) (result i64)
            (if (result i64) (i64.eqz (local.get $n))
              (then (i64.const 0))
              (else
                {squares}
                (call $short (i64.sub (local.get $n) (i64.const 1)))
                (i64.add))))
          (func $short (param $n i64) (result i64)
            (if (result i64) (i64.eqz (local.get $n))
              (then (i64.const 0))
              (else (i64.add (call $wide (i64.sub (local.get $n) (i64.const 1)))
                             (local.get $n))))))"#
    );
    let code = translated(&wat);
    let wide = code.compiled(0).expect("translates");
    // Past the executor's `SHORT_FRAME_SLOTS` (256), which is not public.
    assert!(wide.frame_slots > 256, "{} slots", wide.frame_slots);
    assert!(code.compiled(1).expect("translates").frame_slots < 16);

    let instance = instantiate(&wat);
    // Twenty wide frames, within the 64 KiB stack that `call` gives.
    let depth: u64 = 40;
    let expected: u64 = (1..=depth)
        .map(|k| {
            if (depth - k).is_multiple_of(2) {
                300 * k * k
            } else {
                k
            }
        })
        .sum();
    assert_eq!(call(&instance, 0, &[depth]), Ok(expected));
    assert_eq!(call(&instance, 0, &[1 << 40]), Err(TrapCode::StackOverflow));
    assert_eq!(call(&instance, 1, &[1 << 40]), Err(TrapCode::StackOverflow));
}

/// Runs function `index` on `stack`, returning its first result, or the trap and the depth
/// of its backtrace.
fn call_on(
    stack: &mut Stack,
    instance: &Instance,
    index: usize,
    args: &[u64],
) -> Result<u64, (TrapCode, usize)> {
    let mut io = [0u64; 4];
    io[..args.len()].copy_from_slice(args);
    // SAFETY: the entry and its context are alive and used by nothing else.
    let result = unsafe { exec::execute(stack, &mut NoHost, &*instance.entries[index], &mut io) };
    match result {
        Ok(()) => Ok(io[0]),
        Err(ExecError::Trap { code, backtrace }) => Err((code, backtrace.len())),
        Err(other) => panic!("unexpected failure: {other:?}"),
    }
}

/// A stack kept between calls keeps the capacity its frame records grew to, and may be too
/// small for any short frame: calls from slot 0, where a caller with nothing in its frame
/// puts its callee's, still meet the exact bound, every time.
#[test]
fn reused_stacks_bound_calls_from_slot_zero() {
    let squares = squares_summed(200);
    let wat = format!(
        r#"(module
          (func $main (result i64) (call $wide))
          (func $wide (result i64) (local i64)
            {squares})
          (func $self (result i64) (call $self)))"#
    );
    let code = translated(&wat);
    // Short enough for the call instructions (`SHORT_FRAME_SLOTS` is 256), too large for
    // a 1 KiB stack.
    let wide = code.compiled(1).expect("translates").frame_slots;
    assert!((129..=256).contains(&wide), "{wide} slots");
    let instance = instantiate(&wat);

    let mut stack = Stack::new(1024);
    for _ in 0..3 {
        assert_eq!(
            call_on(&mut stack, &instance, 0, &[]).map_err(|(code, _)| code),
            Err(TrapCode::StackOverflow)
        );
        // The call instructions would enter `$wide` themselves if the stack had room.
        assert!(
            !instance.entries[1]
                .short_call
                .load(std::sync::atomic::Ordering::Relaxed)
                .is_null()
        );
    }
    // A function calling itself from slot 0 is bounded by its frame records alone: the
    // call that fails is the first whose record, with those before it and the frame, passes
    // the bound.
    let record = 3 * size_of::<usize>();
    let own = code.compiled(2).expect("translates").frame_slots as usize * size_of::<u64>();
    for max_bytes in [1024, if cfg!(miri) { 4 << 10 } else { 64 << 10 }] {
        let mut stack = Stack::new(max_bytes);
        let first = call_on(&mut stack, &instance, 2, &[]);
        let Err((TrapCode::StackOverflow, depth)) = first else {
            panic!("{first:?}")
        };
        assert_eq!(
            depth,
            (max_bytes - own) / record + 1,
            "in {max_bytes} bytes"
        );
        for _ in 0..3 {
            assert_eq!(
                call_on(&mut stack, &instance, 2, &[]),
                Err((TrapCode::StackOverflow, depth))
            );
        }
    }
}

/// In optimised builds each handler jumps to the next: on a thread with a small native stack, a
/// long loop over many kinds of instruction and deep wasm recursion run to the end and leave
/// no native stack behind. (`.ci/run` runs this test in release mode; in debug builds the
/// handlers run from a loop and it checks that backend the same way.)
#[test]
fn handlers_run_in_constant_native_stack() {
    let iterations: u64 = if cfg!(miri) { 20 } else { 200_000 };
    let depth: u64 = if cfg!(miri) { 20 } else { 100_000 };
    let worker = std::thread::Builder::new()
        .stack_size(64 << 10)
        .spawn(move || {
            let instance = instantiate(
                r#"(module
              (func $mix (param $n i64) (result i64)
                (local $i i64) (local $acc i64) (local $f f64) (local $g f32) (local $k i32)
                (loop $next
                  (local.set $acc (i64.xor (i64.rotl (local.get $acc) (i64.const 5))
                                           (i64.mul (local.get $i) (i64.const 0x9e3779b97f4a7c15))))
                  (local.set $f (f64.add (local.get $f) (f64.convert_i64_u (local.get $i))))
                  ;; A multiplication feeding an addition: one fused instruction.
                  (local.set $f (f64.add (f64.mul (local.get $f) (f64.const 0.5)) (local.get $f)))
                  (local.set $g (f32.mul (f32.demote_f64 (local.get $f)) (f32.const 0.5)))
                  (local.set $k (i32.wrap_i64 (local.get $i)))
                  (block $b2 (block $b1 (block $b0
                    (br_table $b0 $b1 $b2 (i32.and (local.get $k) (i32.const 3))))
                    (local.set $acc (i64.add (local.get $acc) (i64.const 1))))
                    (local.set $acc (select (local.get $acc)
                                            (i64.trunc_sat_f32_s (local.get $g))
                                            (i32.lt_u (local.get $k) (i32.const 100)))))
                  (if (i64.gt_s (local.get $acc) (i64.const 0))
                    (then (local.set $acc (i64.sub (local.get $acc) (call $id (local.get $i))))))
                  (local.set $i (i64.add (local.get $i) (i64.const 1)))
                  (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
                (local.get $acc))
              (func $id (param i64) (result i64) (local.get 0))
              (func $down (param i64) (result i64)
                (if (result i64) (i64.eqz (local.get 0))
                  (then (i64.const 0))
                  (else (i64.add (call $down (i64.sub (local.get 0) (i64.const 1)))
                                 (i64.const 1))))))"#,
            );
            assert!(call(&instance, 0, &[iterations]).is_ok());
            let mut stack = Stack::new(64 << 20);
            let mut io = [depth, 0, 0, 0];
            // SAFETY: the entry and its context are alive and used by nothing else.
            let result =
                unsafe { exec::execute(&mut stack, &mut NoHost, &*instance.entries[2], &mut io) };
            assert!(result.is_ok());
            assert_eq!(io[0], depth);
        });
    worker
        .expect("spawn")
        .join()
        .expect("no native stack overflow");
    assert_eq!(exec::unexpected_dispatch_depth(), 0);
}

/// The same for memory and vector instructions, including the fused address forms and
/// every kind of `v128` load (linear memory is out of Miri's reach).
#[test]
#[cfg(not(miri))]
fn memory_and_vector_handlers_run_in_constant_native_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(64 << 10)
        .spawn(|| {
            let instance = instantiate(
                r#"(module
              (memory 1)
              (func (param $n i32) (result i64)
                (local $i i32) (local $v v128) (local $a i32) (local $p i32)
                (loop $next
                  (local.set $a (i32.and (i32.mul (local.get $i) (i32.const 8)) (i32.const 4080)))
                  (i64.store (i32.add (local.get $a) (i32.const 8)) (i64.extend_i32_u (local.get $i)))
                  (local.set $v (v128.xor (local.get $v) (v128.load (i32.add (local.get $a) (i32.const 0)))))
                  (local.set $v (i32x4.add (local.get $v) (v128.load32_splat (local.get $a))))
                  (local.set $v (i16x8.add (local.get $v) (v128.load8x8_s (local.get $a))))
                  (local.set $v (v128.or (local.get $v) (v128.load64_zero (local.get $a))))
                  (local.set $v (f32x4.add (f32x4.mul (local.get $v) (local.get $v)) (local.get $v)))
                  (local.set $v (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12
                                  (local.get $v) (local.get $v)))
                  (i32.store (local.get $a) (i32.add (i32.load (i32.add (local.get $a) (i32.const 4)))
                                                    (i32x4.extract_lane 0 (local.get $v))))
                  (i32.store offset=16 (local.get $a)
                    (i32.load (local.tee $p (i32.add (i32.add (local.get $a) (i32.const 24))
                                                     (i32.shl (local.get $a) (i32.const 2))))))
                  (i32.store (local.get $p) (local.get $i))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
                (i64x2.extract_lane 0 (local.get $v))))"#,
            );
            assert!(call(&instance, 0, &[200_000]).is_ok());
        });
    worker
        .expect("spawn")
        .join()
        .expect("no native stack overflow");
    assert_eq!(exec::unexpected_dispatch_depth(), 0);
}

/// A frame opened in unreachable code is skipped whole, whatever opened it: a dead
/// `try_table ... end` must not close the enclosing block.
#[test]
fn dead_try_table_is_skipped_whole() {
    let instance = instantiate(
        r#"(module
          (func (param i32) (result i32)
            (block $out (result i32)
              (br $out (i32.add (local.get 0) (i32.const 1)))
              (try_table (result i32) (i32.const 7))
              (drop)
              (i32.const 9))))"#,
    );
    assert_eq!(call(&instance, 0, &[41]), Ok(42));
}
