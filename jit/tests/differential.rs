//! Compiled code and the interpreter agree: every numeric operator on edge-case operands, and
//! whole programs (loops, branches, memory, calls) on a range of inputs.

mod common;

use common::{
    Instance, compiler, compiler_with, f32, f64, i32, i64, module, module_with,
    module_with_features,
};
use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::WasmFeatures;
use tandem_jit::{JitOptions, Status};

/// A wasm value type of the numeric operators.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    I32,
    I64,
    F32,
    F64,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::F32 => "f32",
            Ty::F64 => "f64",
        }
    }

    /// Operands that exercise the edges of the operators: zeros and signs, limits, shift
    /// counts past the width, the exact bounds of float-to-int conversions, rounding ties,
    /// infinities, quiet and signalling NaNs of both signs, subnormals.
    fn operands(self) -> Vec<u64> {
        match self {
            Ty::I32 => [
                0,
                1,
                -1,
                2,
                7,
                -7,
                31,
                32,
                33,
                0x80,
                0x8000,
                0x00ff_00ff,
                0x1234_5678,
                i32::MIN,
                i32::MIN + 1,
                i32::MAX,
            ]
            .map(i32)
            .to_vec(),
            Ty::I64 => [
                0,
                1,
                -1,
                2,
                7,
                -7,
                63,
                64,
                65,
                0x80,
                0x8000_0000,
                u32::MAX as i64,
                i32::MIN as i64,
                0x1234_5678_9abc_def0,
                i64::MIN,
                i64::MIN + 1,
                i64::MAX,
            ]
            .map(i64)
            .to_vec(),
            Ty::F32 => {
                let mut values = [
                    0.0,
                    -0.0,
                    1.0,
                    -1.0,
                    0.5,
                    -0.5,
                    1.5,
                    2.5,
                    -2.5,
                    3.7,
                    -3.7,
                    -0.9,
                    123456.79,
                    1e10,
                    2147483648.0,
                    2147483520.0,
                    -2147483904.0,
                    -2147483648.0,
                    4294967296.0,
                    4294967040.0,
                    9223372036854775808.0,
                    -9223373136366403584.0,
                    -9223372036854775808.0,
                    18446744073709551616.0,
                    f32::MAX,
                    f32::MIN,
                    f32::MIN_POSITIVE,
                    f32::EPSILON,
                    f32::INFINITY,
                    f32::NEG_INFINITY,
                ]
                .map(f32)
                .to_vec();
                // Subnormal, quiet NaNs of both signs, a signalling NaN with a payload.
                values.extend([1u64, 0x7fc0_0000, 0xffc0_0000, 0x7fa0_0001]);
                values
            }
            Ty::F64 => {
                let mut values = [
                    0.0,
                    -0.0,
                    1.0,
                    -1.0,
                    0.5,
                    -0.5,
                    1.5,
                    2.5,
                    -2.5,
                    3.7,
                    -3.7,
                    -0.9,
                    0.49999999999999994,
                    4503599627370497.0,
                    1e10,
                    2147483647.9,
                    2147483648.0,
                    -2147483648.9,
                    -2147483649.0,
                    4294967295.9,
                    4294967296.0,
                    9223372036854775808.0,
                    -9223372036854775808.0,
                    -9223372036854777856.0,
                    18446744073709549568.0,
                    18446744073709551616.0,
                    f64::MAX,
                    f64::MIN,
                    f64::MIN_POSITIVE,
                    1e-310,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                ]
                .map(f64)
                .to_vec();
                values.extend([
                    0x7ff8_0000_0000_0000,
                    0xfff8_0000_0000_0000,
                    0x7ff4_0000_0000_0001,
                ]);
                values
            }
        }
    }

    /// Whether `bits` is a NaN of this (float) type.
    fn is_nan(self, bits: u64) -> bool {
        match self {
            Ty::F32 => f32::from_bits(bits as u32).is_nan(),
            Ty::F64 => f64::from_bits(bits).is_nan(),
            _ => false,
        }
    }
}

/// A numeric operator under test.
struct Op {
    name: String,
    params: Vec<Ty>,
    result: Ty,
    /// Whether a NaN result may be any NaN: wasm leaves the payload of arithmetic NaNs open,
    /// while `abs`, `neg`, `copysign` and reinterpretations must keep the bits exactly.
    any_nan: bool,
}

fn ops() -> Vec<Op> {
    use Ty::*;
    let mut ops = Vec::new();
    let mut add = |name: &str, params: &[Ty], result: Ty, any_nan: bool| {
        ops.push(Op {
            name: name.to_string(),
            params: params.to_vec(),
            result,
            any_nan,
        })
    };
    for ty in [I32, I64] {
        let t = ty.name();
        for op in [
            "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl",
            "shr_s", "shr_u", "rotl", "rotr",
        ] {
            add(&format!("{t}.{op}"), &[ty, ty], ty, false);
        }
        for op in [
            "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
        ] {
            add(&format!("{t}.{op}"), &[ty, ty], I32, false);
        }
        add(&format!("{t}.eqz"), &[ty], I32, false);
        for op in ["clz", "ctz", "popcnt", "extend8_s", "extend16_s"] {
            add(&format!("{t}.{op}"), &[ty], ty, false);
        }
    }
    add("i64.extend32_s", &[I64], I64, false);
    for ty in [F32, F64] {
        let t = ty.name();
        for op in ["add", "sub", "mul", "div", "min", "max"] {
            add(&format!("{t}.{op}"), &[ty, ty], ty, true);
        }
        add(&format!("{t}.copysign"), &[ty, ty], ty, false);
        for op in ["eq", "ne", "lt", "gt", "le", "ge"] {
            add(&format!("{t}.{op}"), &[ty, ty], I32, false);
        }
        for op in ["ceil", "floor", "trunc", "nearest", "sqrt"] {
            add(&format!("{t}.{op}"), &[ty], ty, true);
        }
        for op in ["abs", "neg"] {
            add(&format!("{t}.{op}"), &[ty], ty, false);
        }
    }
    add("i32.wrap_i64", &[I64], I32, false);
    add("i64.extend_i32_s", &[I32], I64, false);
    add("i64.extend_i32_u", &[I32], I64, false);
    for int in [I32, I64] {
        for float in [F32, F64] {
            let (i, f) = (int.name(), float.name());
            for sign in ["s", "u"] {
                add(&format!("{i}.trunc_{f}_{sign}"), &[float], int, false);
                add(&format!("{i}.trunc_sat_{f}_{sign}"), &[float], int, false);
                add(&format!("{f}.convert_{i}_{sign}"), &[int], float, false);
            }
        }
    }
    add("f32.demote_f64", &[F64], F32, true);
    add("f64.promote_f32", &[F32], F64, true);
    add("i32.reinterpret_f32", &[F32], I32, false);
    add("i64.reinterpret_f64", &[F64], I64, false);
    add("f32.reinterpret_i32", &[I32], F32, false);
    add("f64.reinterpret_i64", &[I64], F64, false);
    ops
}

/// Every combination of operands for `params`.
fn operand_tuples(params: &[Ty]) -> Vec<Vec<u64>> {
    params.iter().fold(vec![Vec::new()], |tuples, ty| {
        let operands = ty.operands();
        tuples
            .iter()
            .flat_map(|tuple| {
                operands.iter().map(move |&operand| {
                    let mut tuple = tuple.clone();
                    tuple.push(operand);
                    tuple
                })
            })
            .collect()
    })
}

fn same_outcome(
    op: &Op,
    jit: &Result<Vec<u64>, Status>,
    interp: &Result<Vec<u64>, Status>,
) -> bool {
    match (jit, interp) {
        (Ok(a), Ok(b)) if op.any_nan && op.result.is_nan(a[0]) => op.result.is_nan(b[0]),
        _ => jit == interp,
    }
}

#[test]
fn numeric_operators_agree_with_the_interpreter() {
    let ops = ops();
    let mut wat = String::from("(module\n");
    for op in &ops {
        let params: Vec<&str> = op.params.iter().map(|ty| ty.name()).collect();
        let gets: String = (0..op.params.len())
            .map(|i| format!("local.get {i} "))
            .collect();
        wat.push_str(&format!(
            "(func (export \"{}\") (param {}) (result {}) {gets}{})\n",
            op.name,
            params.join(" "),
            op.result.name(),
            op.name
        ));
    }
    wat.push(')');
    let mut compiler = compiler();
    let instance = Instance::new(module(&wat), &[]);
    for (op, result) in ops.iter().zip(instance.compile_all(&mut compiler)) {
        result.unwrap_or_else(|e| panic!("{} did not compile: {e}", op.name));
    }

    let mut checked = 0;
    let mut traps = 0;
    for op in &ops {
        for args in operand_tuples(&op.params) {
            let jit = instance.call_jit(&op.name, &args);
            let interp = instance.call_interp(&op.name, &args);
            assert!(
                same_outcome(op, &jit, &interp),
                "{} {args:x?}: compiled {jit:x?}, interpreted {interp:x?}",
                op.name
            );
            checked += 1;
            traps += usize::from(interp.is_err());
        }
    }
    // Make sure the operand sets really reach the trapping paths.
    assert!(checked > 20_000, "{checked} cases");
    assert!(traps > 200, "{traps} traps");
}

#[test]
fn canonical_nans_agree_with_the_interpreter_bit_for_bit() {
    // The operators whose NaN results the spec leaves open: with canonicalization on, both
    // tiers must produce exactly the same bits.
    let ops: Vec<Op> = ops().into_iter().filter(|op| op.any_nan).collect();
    let mut wat = String::from("(module\n");
    for op in &ops {
        let params: Vec<&str> = op.params.iter().map(|ty| ty.name()).collect();
        let gets: String = (0..op.params.len())
            .map(|i| format!("local.get {i} "))
            .collect();
        wat.push_str(&format!(
            "(func (export \"{}\") (param {}) (result {}) {gets}{})\n",
            op.name,
            params.join(" "),
            op.result.name(),
            op.name
        ));
    }
    wat.push(')');
    let options = TranslateOptions {
        canonicalize_nans: true,
        ..TranslateOptions::default()
    };
    let mut compiler = compiler_with(JitOptions::from(options));
    let instance = Instance::new(module_with(&wat, options), &[]);
    for (op, result) in ops.iter().zip(instance.compile_all(&mut compiler)) {
        result.unwrap_or_else(|e| panic!("{} did not compile: {e}", op.name));
    }
    let mut nans = 0;
    for op in &ops {
        for args in operand_tuples(&op.params) {
            let jit = instance.call_jit(&op.name, &args);
            let interp = instance.call_interp(&op.name, &args);
            assert_eq!(jit, interp, "{} {args:x?}", op.name);
            nans += usize::from(interp.is_ok_and(|r| op.result.is_nan(r[0])));
        }
    }
    assert!(nans > 100, "{nans} NaN results");
}

#[test]
fn wide_arithmetic_agrees_with_the_interpreter() {
    let code = module_with_features(
        r#"(module
            (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
                local.get 0 local.get 1 local.get 2 local.get 3 i64.add128)
            (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
                local.get 0 local.get 1 local.get 2 local.get 3 i64.sub128)
            (func (export "mul_wide_s") (param i64 i64) (result i64 i64)
                local.get 0 local.get 1 i64.mul_wide_s)
            (func (export "mul_wide_u") (param i64 i64) (result i64 i64)
                local.get 0 local.get 1 i64.mul_wide_u))"#,
        TranslateOptions::default(),
        common::features() | WasmFeatures::WIDE_ARITHMETIC,
    );
    let mut compiler = compiler();
    let instance = Instance::new(code, &[]);
    assert!(
        instance
            .compile_all(&mut compiler)
            .iter()
            .all(Result::is_ok)
    );
    let edges = [
        0,
        1,
        2,
        u64::MAX,
        u64::MAX - 1,
        1 << 63,
        (1 << 63) - 1,
        0x1234_5678_9abc_def0,
    ];
    for &a in &edges {
        for &b in &edges {
            for name in ["mul_wide_s", "mul_wide_u"] {
                let jit = instance.call_jit(name, &[a, b]);
                assert_eq!(
                    jit,
                    instance.call_interp(name, &[a, b]),
                    "{name} {a:x} {b:x}"
                );
            }
            for &c in &[0, 1, u64::MAX] {
                for name in ["add128", "sub128"] {
                    let args = [a, c, b, c ^ a];
                    let jit = instance.call_jit(name, &args);
                    assert_eq!(jit, instance.call_interp(name, &args), "{name} {args:x?}");
                }
            }
        }
    }
    let product = (u64::MAX as u128) * (u64::MAX as u128);
    assert_eq!(
        instance.call_jit("mul_wide_u", &[u64::MAX, u64::MAX]),
        Ok(vec![product as u64, (product >> 64) as u64])
    );
}

/// Programs mixing control flow, memory, globals and calls.
const PROGRAMS: &str = r#"(module
    (memory 1 4)
    (global $calls (mut i32) (i32.const 0))
    (table 4 funcref)
    (elem (i32.const 0) $square $negate $halve)
    (type $unary (func (param i32) (result i32)))
    (func $square (type $unary) local.get 0 local.get 0 i32.mul)
    (func $negate (type $unary) i32.const 0 local.get 0 i32.sub)
    (func $halve (type $unary) local.get 0 i32.const 1 i32.shr_s)

    ;; Fills memory with a pseudo-random sequence, sorts it, returns a checksum.
    (func (export "sort") (param $n i32) (param $seed i32) (result i32)
        (local $i i32) (local $j i32) (local $a i32) (local $b i32) (local $sum i32)
        block $filled loop $fill
            local.get $i local.get $n i32.ge_u br_if $filled
            local.get $seed i32.const 1103515245 i32.mul i32.const 12345 i32.add local.set $seed
            local.get $i i32.const 2 i32.shl local.get $seed i32.const 16 i32.shr_u i32.store
            local.get $i i32.const 1 i32.add local.set $i
            br $fill
        end end
        i32.const 0 local.set $i
        block $sorted loop $outer
            local.get $i local.get $n i32.ge_u br_if $sorted
            i32.const 0 local.set $j
            block $pass loop $inner
                local.get $j local.get $n local.get $i i32.sub i32.const 1 i32.sub i32.ge_s br_if $pass
                local.get $j i32.const 2 i32.shl i32.load local.set $a
                local.get $j i32.const 2 i32.shl i32.load offset=4 local.set $b
                local.get $a local.get $b i32.gt_u
                if
                    local.get $j i32.const 2 i32.shl local.get $b i32.store
                    local.get $j i32.const 2 i32.shl local.get $a i32.store offset=4
                end
                local.get $j i32.const 1 i32.add local.set $j
                br $inner
            end end
            local.get $i i32.const 1 i32.add local.set $i
            br $outer
        end end
        i32.const 0 local.set $i
        block $done loop $sum
            local.get $i local.get $n i32.ge_u br_if $done
            local.get $sum i32.const 31 i32.mul
            local.get $i i32.const 2 i32.shl i32.load i32.add local.set $sum
            local.get $i i32.const 1 i32.add local.set $i
            br $sum
        end end
        local.get $sum)

    ;; Dispatches on the input through br_table and call_indirect; may trap.
    (func (export "dispatch") (param $x i32) (result i32)
        global.get $calls i32.const 1 i32.add global.set $calls
        block $default block $three block $two block $one
            local.get $x i32.const 7 i32.and
            br_table $one $two $three $one $default
        end
        local.get $x local.get $x i32.const 3 i32.rem_u call_indirect (type $unary) return
        end
        i32.const 1000 local.get $x i32.const 5 i32.sub i32.div_s return
        end
        local.get $x i32.const 65536 i32.mul i32.load8_u return
        end
        local.get $x i32.const 12 i32.and
        if (result i32)
            local.get $x memory.grow
        else
            memory.size
        end)

    ;; Floating-point iteration with a data-dependent exit.
    (func (export "newton") (param $x f64) (result f64)
        (local $guess f64) (local $i i32)
        local.get $x f64.const 0.5 f64.mul f64.const 1 f64.add local.set $guess
        loop $again
            local.get $guess local.get $x local.get $guess f64.div f64.add f64.const 0.5 f64.mul
            local.set $guess
            local.get $i i32.const 1 i32.add local.tee $i
            i32.const 40 i32.lt_u
            br_if $again
        end
        local.get $guess f64.nearest local.get $guess f64.sub f64.abs local.get $guess f64.floor f64.add)
)"#;

#[test]
fn programs_agree_with_the_interpreter() {
    let code = module(PROGRAMS);
    let mut compiler = compiler();
    let run = |name: &str, args: &[u64], compiler: &mut tandem_jit::JitCompiler| {
        // Fresh instances so that memory and globals start equal.
        let jit = Instance::new(code.clone(), &[]);
        assert!(jit.compile_all(compiler).iter().all(Result::is_ok));
        let interp = Instance::new(code.clone(), &[]);
        let a = jit.call_jit(name, args);
        let b = interp.call_interp(name, args);
        // A NaN computed from NaN operands may have either sign and any payload (wasm leaves
        // them to the implementation, and the order in which each tier puts the operands of
        // a commutative operation decides which NaN propagates): compare NaNs as NaNs.
        let nan_as_nan = |results: &Result<Vec<u64>, _>| {
            results.clone().map(|values| {
                values
                    .into_iter()
                    .map(|bits| {
                        if f64::from_bits(bits).is_nan() {
                            f64::NAN.to_bits()
                        } else {
                            bits
                        }
                    })
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(nan_as_nan(&a), nan_as_nan(&b), "{name} {args:?}");
        assert_eq!(jit.memory(), interp.memory(), "{name} {args:?}: memory");
        assert_eq!(jit.global(0), interp.global(0), "{name} {args:?}: global");
        a
    };
    for (n, seed) in [
        (0, 1),
        (1, 7),
        (2, 3),
        (17, 42),
        (100, 12345),
        (16384, 9),
        (16385, 1),
    ] {
        run("sort", &[i32(n), i32(seed)], &mut compiler).ok();
    }
    let mut outcomes = Vec::new();
    for x in [
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        12,
        13,
        14,
        15,
        29,
        -1,
        -3,
        100,
        1 << 20,
    ] {
        outcomes.push(run("dispatch", &[i32(x)], &mut compiler));
    }
    assert!(outcomes.iter().any(Result::is_err), "some inputs trap");
    assert!(outcomes.iter().any(Result::is_ok), "some inputs return");
    for x in [
        0.0,
        1.0,
        2.0,
        10.0,
        1e-3,
        1e300,
        -4.0,
        f64::INFINITY,
        f64::NAN,
    ] {
        run("newton", &[f64(x)], &mut compiler).ok();
    }
}
