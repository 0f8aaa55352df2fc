//! Linear memory: growth limits, bounds checks from the host and from wasm.

use tandem::{Engine, Instance, Memory, MemoryType, Module, Store, TrapCode};

const PAGE: usize = 65536;

const MEM: &str = r#"
(module
  (memory (export "mem") 1 3)
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "size") (result i32)
    (memory.size))
  (func (export "load") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func (export "load8") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
  (func (export "load_far") (param i32) (result i32)
    (i32.load offset=0xffffffff (local.get 0)))
  (func (export "store") (param i32 i32)
    (i32.store (local.get 0) (local.get 1)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2))))
"#;

fn setup() -> (Store<()>, Instance, Memory) {
    let engine = Engine::default();
    let module = Module::new(&engine, MEM).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let memory = instance.get_memory(&mut store, "mem").unwrap();
    (store, instance, memory)
}

#[test]
fn grow_up_to_maximum_then_fail() {
    let (mut store, instance, memory) = setup();
    let grow = instance
        .get_typed_func::<i32, i32>(&mut store, "grow")
        .unwrap();
    let size = instance
        .get_typed_func::<(), i32>(&mut store, "size")
        .unwrap();

    let ty = memory.ty(&store);
    assert_eq!(ty.minimum(), 1);
    assert_eq!(ty.maximum(), Some(3));
    assert_eq!(memory.size(&store), 1);
    assert_eq!(memory.data_size(&store), PAGE);

    // Host grows by one page: returns the old size.
    assert_eq!(memory.grow(&mut store, 1).unwrap(), 1);
    assert_eq!(memory.size(&store), 2);
    assert_eq!(memory.data_size(&store), 2 * PAGE);
    assert_eq!(size.call(&mut store, ()).unwrap(), 2);

    // Wasm grows by one page, reaching the maximum.
    assert_eq!(grow.call(&mut store, 1).unwrap(), 2);
    assert_eq!(memory.size(&store), 3);

    // Past the maximum: -1 in wasm, Err on the host, size unchanged.
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert!(memory.grow(&mut store, 1).is_err());
    assert!(memory.grow(&mut store, u64::MAX).is_err());
    assert_eq!(grow.call(&mut store, -1).unwrap(), -1);
    assert_eq!(memory.size(&store), 3);
    assert_eq!(memory.data_size(&store), 3 * PAGE);

    // Growing by zero is fine at the maximum.
    assert_eq!(memory.grow(&mut store, 0).unwrap(), 3);
    assert_eq!(grow.call(&mut store, 0).unwrap(), 3);

    // The new pages are zeroed and usable up to the last byte.
    let last = 3 * PAGE - 1;
    let mut byte = [0xffu8];
    memory.read(&store, last, &mut byte).unwrap();
    assert_eq!(byte[0], 0);
    memory.write(&mut store, last, &[0xab]).unwrap();
    let load8 = instance
        .get_typed_func::<i32, i32>(&mut store, "load8")
        .unwrap();
    assert_eq!(load8.call(&mut store, last as i32).unwrap(), 0xab);
}

#[test]
fn memory_without_maximum_stops_at_the_address_space() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(0, None)).unwrap();
    assert_eq!(memory.size(&store), 0);
    assert_eq!(memory.data_size(&store), 0);
    // A 32-bit memory can never exceed 65536 pages (4 GiB).
    assert!(memory.grow(&mut store, 65537).is_err());
    assert_eq!(memory.grow(&mut store, 2).unwrap(), 0);
    assert_eq!(memory.size(&store), 2);
}

#[test]
fn host_out_of_bounds_read_and_write_are_errors() {
    let (mut store, _instance, memory) = setup();
    let mut one = [0u8; 1];
    let mut four = [0u8; 4];

    assert!(memory.read(&store, PAGE - 1, &mut one).is_ok());
    assert!(memory.read(&store, PAGE, &mut one).is_err());
    assert!(memory.read(&store, PAGE - 2, &mut four).is_err());
    assert!(memory.read(&store, usize::MAX, &mut one).is_err());
    // offset + len overflows usize: must not wrap around to a valid range.
    assert!(memory.read(&store, usize::MAX - 1, &mut four).is_err());

    assert!(memory.write(&mut store, PAGE - 4, &[1, 2, 3, 4]).is_ok());
    assert!(memory.write(&mut store, PAGE - 3, &[1, 2, 3, 4]).is_err());
    assert!(memory.write(&mut store, PAGE, &[1]).is_err());
    assert!(memory.write(&mut store, usize::MAX, &[1]).is_err());
    assert!(
        memory
            .write(&mut store, usize::MAX - 1, &[1, 2, 3, 4])
            .is_err()
    );

    // A failed write changes nothing.
    memory.read(&store, PAGE - 4, &mut four).unwrap();
    assert_eq!(four, [1, 2, 3, 4]);
}

#[test]
fn wasm_out_of_bounds_access_traps() {
    let (mut store, instance, memory) = setup();
    let load = instance
        .get_typed_func::<i32, i32>(&mut store, "load")
        .unwrap();
    let load_far = instance
        .get_typed_func::<i32, i32>(&mut store, "load_far")
        .unwrap();
    let store_fn = instance
        .get_typed_func::<(i32, i32), ()>(&mut store, "store")
        .unwrap();
    let fill = instance
        .get_typed_func::<(i32, i32, i32), ()>(&mut store, "fill")
        .unwrap();

    assert_eq!(load.call(&mut store, (PAGE - 4) as i32).unwrap(), 0);

    for addr in [PAGE as i32 - 3, PAGE as i32, -1, i32::MIN] {
        let err = load.call(&mut store, addr).unwrap_err();
        assert_eq!(
            err.trap_code(),
            Some(TrapCode::MemoryOutOfBounds),
            "load at {addr}: {err}"
        );
        assert!(err.to_string().contains("out of bounds memory access"));
    }
    // The static offset is added without 32-bit wrap-around.
    let err = load_far.call(&mut store, 1).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");

    // A store that is partly out of bounds traps and writes nothing.
    let err = store_fn
        .call(&mut store, (PAGE as i32 - 2, -1))
        .unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    let mut tail = [0u8; 2];
    memory.read(&store, PAGE - 2, &mut tail).unwrap();
    assert_eq!(tail, [0, 0]);

    // Bulk operations are bounds-checked as a whole.
    let err = fill
        .call(&mut store, (PAGE as i32 - 10, 0xff, 11))
        .unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    fill.call(&mut store, (PAGE as i32 - 10, 0xff, 10)).unwrap();
    memory.read(&store, PAGE - 2, &mut tail).unwrap();
    assert_eq!(tail, [0xff, 0xff]);

    // After growing, the same address is in bounds.
    memory.grow(&mut store, 1).unwrap();
    assert_eq!(load.call(&mut store, PAGE as i32).unwrap(), 0);

    // The bytes the trapping store and fill aimed past the old end were never written,
    // though the reservation behind the length may be mapped: growth exposes zeroes.
    let mut past = [0xaa_u8; 4];
    memory.read(&store, PAGE, &mut past).unwrap();
    assert_eq!(past, [0; 4]);
}

#[test]
fn data_and_store_mut_gives_both_at_once() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, 0usize);
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(1))).unwrap();
    let (data, count) = memory.data_and_store_mut(&mut store);
    data[..3].copy_from_slice(b"abc");
    *count = data.iter().filter(|b| **b != 0).count();
    assert_eq!(*store.data(), 3);
    assert_eq!(&memory.data(&store)[..3], b"abc");
}

#[test]
fn data_segments_are_copied_at_instantiation() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (memory (export "mem") 1)
          (data (i32.const 8) "\01\02\03")
          (data (i32.const 65535) "\ff"))
        "#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let memory = instance.get_memory(&mut store, "mem").unwrap();
    assert_eq!(&memory.data(&store)[7..12], &[0, 1, 2, 3, 0]);
    assert_eq!(memory.data(&store)[PAGE - 1], 0xff);

    // A segment that does not fit fails instantiation instead of panicking.
    let module = Module::new(
        &engine,
        r#"(module (memory 1) (data (i32.const 65535) "\01\02"))"#,
    )
    .unwrap();
    assert!(Instance::new(&mut store, &module, &[]).is_err());
}

/// An address computed with `i32.add` wraps at 32 bits before the static offset is added,
/// also where the interpreter fuses the addition into the access.
#[test]
fn computed_addresses_wrap_before_the_offset() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (memory 1)
            (func (export "store") (param i32 i32 i64)
                (i64.store offset=8 (i32.add (local.get 0) (local.get 1)) (local.get 2)))
            (func (export "load") (param i32 i32) (result i64)
                (i64.load offset=8 (i32.add (local.get 0) (local.get 1))))
            (func (export "load32") (param i32 i32) (result i32)
                (i32.load (i32.add (local.get 0) (local.get 1))))
            (func (export "vload") (param i32 i32) (result i64)
                (i64x2.extract_lane 1 (v128.load (i32.add (local.get 0) (local.get 1))))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let store_fn = instance
        .get_typed_func::<(i32, i32, i64), ()>(&mut store, "store")
        .unwrap();
    let load = instance
        .get_typed_func::<(i32, i32), i64>(&mut store, "load")
        .unwrap();
    let load32 = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "load32")
        .unwrap();
    let vload = instance
        .get_typed_func::<(i32, i32), i64>(&mut store, "vload")
        .unwrap();
    // -4 + 12 wraps to 8; the access is at 16.
    store_fn
        .call(&mut store, (-4, 12, 0x1122_3344_5566_7788))
        .unwrap();
    assert_eq!(
        load.call(&mut store, (8, 0)).unwrap(),
        0x1122_3344_5566_7788
    );
    assert_eq!(
        load.call(&mut store, (-1, 9)).unwrap(),
        0x1122_3344_5566_7788
    );
    assert_eq!(load32.call(&mut store, (-2, 22)).unwrap(), 0x1122_3344);
    assert_eq!(
        vload.call(&mut store, (-8, 16)).unwrap(),
        0x1122_3344_5566_7788
    );
    // No wrap: past the end of the memory.
    let trap = load.call(&mut store, (PAGE as i32, 0)).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::MemoryOutOfBounds));
}

/// An array access `base + (index << shift)` wraps at 32 bits before the static offset is
/// added, also where the interpreter fuses the shift and the addition into the access; the
/// shift amount is taken modulo 32, as `i32.shl` takes it.
#[test]
fn scaled_indices_wrap_before_the_offset() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (memory 1)
            (func (export "store") (param i32 i32 i64)
                (i64.store offset=8
                    (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))
                    (local.get 2)))
            (func (export "load") (param i32 i32) (result i64)
                (i64.load offset=8
                    (i32.add (i32.shl (local.get 1) (i32.const 3)) (local.get 0))))
            (func (export "load32") (param i32 i32) (result i32)
                (i32.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 34)))))
            (func (export "sum") (param $base i32) (param $n i32) (result i32)
                (local $i i32) (local $sum i32)
                (block $done
                    (loop $next
                        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
                        (local.set $sum
                            (i32.add (local.get $sum)
                                (i32.load (i32.add (local.get $base)
                                    (i32.shl (local.get $i) (i32.const 2))))))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (br $next)))
                (local.get $sum)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let store_fn = instance
        .get_typed_func::<(i32, i32, i64), ()>(&mut store, "store")
        .unwrap();
    let load = instance
        .get_typed_func::<(i32, i32), i64>(&mut store, "load")
        .unwrap();
    let load32 = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "load32")
        .unwrap();
    let sum = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "sum")
        .unwrap();
    // -8 + (2 << 3) wraps to 8; the access is at 16.
    store_fn
        .call(&mut store, (-8, 2, 0x1122_3344_5566_7788))
        .unwrap();
    assert_eq!(
        load.call(&mut store, (0, 1)).unwrap(),
        0x1122_3344_5566_7788
    );
    // (1 << 61) << 3 wraps to 0 in 32 bits.
    assert_eq!(
        load.call(&mut store, (8, 0x2000_0000)).unwrap(),
        0x1122_3344_5566_7788
    );
    // A shift by 34 is a shift by 2: 4 + (3 << 2) = 16.
    assert_eq!(load32.call(&mut store, (4, 3)).unwrap(), 0x5566_7788);
    // The words at 16 and 20 and zeros elsewhere.
    assert_eq!(
        sum.call(&mut store, (0, 8)).unwrap(),
        0x5566_7788_u32.wrapping_add(0x1122_3344) as i32
    );
    // The last 8 bytes of the memory, then one byte past them.
    assert_eq!(load.call(&mut store, (PAGE as i32 - 16, 0)).unwrap(), 0);
    assert_eq!(load.call(&mut store, (PAGE as i32 - 24, 1)).unwrap(), 0);
    let trap = load.call(&mut store, (PAGE as i32 - 15, 0)).unwrap_err();
    assert_eq!(trap.trap_code(), Some(TrapCode::MemoryOutOfBounds));
}

/// A vector multiply-add whose operand is loaded at `base + index` (which the interpreter
/// fuses into one instruction) loads where `v128.load` does, wrapping the sum at 32 bits
/// before the offset, and traps past the end of memory.
#[test]
fn vector_multiply_adds_load_their_operand_in_bounds() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (memory 1)
            ;; f32 1.0 to 5.0 from 0, f64 1.5 and 2.5 from 32.
            (data (i32.const 0) "\00\00\80\3f\00\00\00\40\00\00\40\40\00\00\80\40\00\00\a0\40")
            (data (i32.const 32) "\00\00\00\00\00\00\f8\3f\00\00\00\00\00\00\04\40")
            (func (export "mad32") (param i32 i32 f32 f32) (result f32)
                (f32x4.extract_lane 3
                    (f32x4.add (f32x4.splat (local.get 3))
                        (f32x4.mul (f32x4.splat (local.get 2))
                            (v128.load offset=4 (i32.add (local.get 0) (local.get 1)))))))
            (func (export "mad64") (param i32 i32 f64 f64) (result f64) (local $c v128)
                (local.set $c (f64x2.splat (local.get 3)))
                (f64x2.extract_lane 1
                    (f64x2.add
                        (f64x2.mul (f64x2.splat (local.get 2))
                            (v128.load (i32.add (local.get 0) (local.get 1))))
                        (local.get $c)))))"#,
    )
    .unwrap();
    let code = module.disassemble().unwrap();
    assert!(code.contains("f32x4.mul_add_load"), "{code}");
    assert!(code.contains("f64x2.mul_add_load"), "{code}");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let mad32 = instance
        .get_typed_func::<(i32, i32, f32, f32), f32>(&mut store, "mad32")
        .unwrap();
    let mad64 = instance
        .get_typed_func::<(i32, i32, f64, f64), f64>(&mut store, "mad64")
        .unwrap();
    // Lanes 2.0 to 5.0: 1 + 2 * 5.
    assert_eq!(mad32.call(&mut store, (0, 0, 2.0, 1.0)).unwrap(), 11.0);
    // -8 + 8 wraps to 0 before the offset is added.
    assert_eq!(mad32.call(&mut store, (-8, 8, 2.0, 1.0)).unwrap(), 11.0);
    assert_eq!(mad64.call(&mut store, (30, 2, 4.0, 0.5)).unwrap(), 10.5);
    // The last 16 bytes of the page load; one byte further traps.
    assert_eq!(mad32.call(&mut store, (65000, 516, 2.0, 1.0)).unwrap(), 1.0);
    let err = mad32.call(&mut store, (65000, 517, 2.0, 1.0)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    let err = mad64.call(&mut store, (65521, 0, 1.0, 1.0)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
}

/// A sum `base + (index << shift)` that is not an access's address (the interpreter makes it
/// one `i32.add_shl`) wraps at 32 bits and takes the shift modulo 32, also when it becomes
/// a store's address only after the value stored is computed.
#[test]
fn scaled_sums_wrap_as_values_and_as_later_addresses() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (memory 1)
            (func (export "sum") (param i32 i32) (result i32)
                (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 35))))
            ;; Stores the word at `src` at `base + (index << 2)`, the address computed first.
            (func (export "move") (param $base i32) (param $index i32) (param $src i32)
                (i32.store
                    (i32.add (local.get $base) (i32.shl (local.get $index) (i32.const 2)))
                    (i32.load (local.get $src))))
            (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
            (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let code = module.disassemble().unwrap();
    assert!(code.contains("i32.add_shl"), "{code}");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let sum = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "sum")
        .unwrap();
    let move_word = instance
        .get_typed_func::<(i32, i32, i32), ()>(&mut store, "move")
        .unwrap();
    let load = instance
        .get_typed_func::<i32, i32>(&mut store, "load")
        .unwrap();
    let store_fn = instance
        .get_typed_func::<(i32, i32), ()>(&mut store, "store")
        .unwrap();
    // The shift is 35 mod 32 = 3; the sum wraps.
    assert_eq!(
        sum.call(&mut store, (0x7fff_fff0, 3)).unwrap(),
        i32::MIN + 8
    );
    assert_eq!(sum.call(&mut store, (-8, 1)).unwrap(), 0);
    store_fn.call(&mut store, (100, 0x1234_5678)).unwrap();
    // -16 + (8 << 2) wraps to 16.
    move_word.call(&mut store, (-16, 8, 100)).unwrap();
    assert_eq!(load.call(&mut store, 16).unwrap(), 0x1234_5678);
    move_word.call(&mut store, (65536 - 8, 1, 100)).unwrap();
    assert_eq!(load.call(&mut store, 65532).unwrap(), 0x1234_5678);
    let err = move_word.call(&mut store, (65536 - 4, 1, 100)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
}

/// `x[i] += y` runs as one instruction for each width and type: it adds to what is in
/// memory, leaves the sum for what follows, and traps before writing anything out of bounds.
#[test]
fn additions_to_memory_read_add_and_write_back_in_place() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (memory 1)
            (func (export "add_i32") (param $p i32) (param $y i32) (result i32)
                (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (local.get $y)))
                (i32.load (local.get $p)))
            (func (export "add_i64") (param $p i32) (param $y i64)
                (i64.store (local.get $p) (i64.add (local.get $y) (i64.load (local.get $p)))))
            (func (export "add_f32") (param $p i32) (param $y f32)
                (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (local.get $y))))
            ;; Returns the sum as well, read back from the local the addition set.
            (func (export "add_f64") (param $p i32) (param $y f64) (result f64) (local $s f64)
                (f64.store (local.get $p)
                    (local.tee $s (f64.add (f64.load (local.get $p)) (local.get $y))))
                (local.get $s))
            ;; Doubles the value: the addend is the loaded value itself.
            (func (export "double") (param $p i32) (local $v i64)
                (i64.store (local.get $p)
                    (i64.add (local.tee $v (i64.load (local.get $p))) (local.get $v))))
            (func (export "load_i64") (param i32) (result i64) (i64.load (local.get 0)))
            (func (export "load_f32") (param i32) (result f32) (f32.load (local.get 0))))"#,
    )
    .unwrap();
    let code = module.disassemble().unwrap();
    for op in [
        "i32.add_to_mem",
        "i64.add_to_mem",
        "f32.add_to_mem",
        "f64.add_to_mem",
    ] {
        assert!(code.contains(op), "{op} missing from\n{code}");
    }
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let add_i32 = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "add_i32")
        .unwrap();
    let add_i64 = instance
        .get_typed_func::<(i32, i64), ()>(&mut store, "add_i64")
        .unwrap();
    let add_f32 = instance
        .get_typed_func::<(i32, f32), ()>(&mut store, "add_f32")
        .unwrap();
    let add_f64 = instance
        .get_typed_func::<(i32, f64), f64>(&mut store, "add_f64")
        .unwrap();
    let double = instance
        .get_typed_func::<i32, ()>(&mut store, "double")
        .unwrap();
    let load_i64 = instance
        .get_typed_func::<i32, i64>(&mut store, "load_i64")
        .unwrap();
    let load_f32 = instance
        .get_typed_func::<i32, f32>(&mut store, "load_f32")
        .unwrap();

    assert_eq!(add_i32.call(&mut store, (8, 5)).unwrap(), 5);
    assert_eq!(add_i32.call(&mut store, (8, -7)).unwrap(), -2);
    // The 32-bit sum wraps and leaves the next word alone.
    assert_eq!(
        add_i32.call(&mut store, (8, i32::MIN)).unwrap(),
        i32::MAX - 1
    );
    assert_eq!(load_i64.call(&mut store, 8).unwrap(), (i32::MAX - 1) as i64);

    add_i64.call(&mut store, (16, 1 << 40)).unwrap();
    add_i64.call(&mut store, (16, -1)).unwrap();
    assert_eq!(load_i64.call(&mut store, 16).unwrap(), (1 << 40) - 1);
    double.call(&mut store, 16).unwrap();
    assert_eq!(load_i64.call(&mut store, 16).unwrap(), (1 << 41) - 2);

    add_f32.call(&mut store, (32, 1.5)).unwrap();
    add_f32.call(&mut store, (32, 0.25)).unwrap();
    assert_eq!(load_f32.call(&mut store, 32).unwrap(), 1.75);

    assert_eq!(add_f64.call(&mut store, (40, 2.5)).unwrap(), 2.5);
    assert_eq!(add_f64.call(&mut store, (40, 0.125)).unwrap(), 2.625);
    assert_eq!(
        load_i64.call(&mut store, 40).unwrap(),
        2.625f64.to_bits() as i64
    );

    // The last whole word of the page is in bounds; one byte further traps, unchanged.
    assert_eq!(add_i32.call(&mut store, (65532, 3)).unwrap(), 3);
    let err = add_i32.call(&mut store, (65533, 3)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    let err = add_f64.call(&mut store, (65529, 1.0)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
    assert_eq!(add_i32.call(&mut store, (65532, 0)).unwrap(), 3);
}
