//! SIMD and relaxed SIMD: compiled code and the interpreter agree bit for bit, NaN payloads
//! included, on every operator over vectors whose lanes hit the edges of each shape (zeros
//! and signs, saturation bounds, the exact bounds of float-to-int conversions, rounding
//! ties, infinities, quiet and signalling NaNs of both signs, subnormals), on every lane
//! index and a spread of shuffle masks; memory accesses agree on results, traps and memory;
//! and `v128` values cross every boundary (parameters, results, calls, tail calls, globals,
//! blocks, `select`) in the interpreter's two-slot layout.

mod common;

use std::sync::Arc;

use common::{Instance, compile_module, compiler, compiler_with, f32, f64, i32, i64};
use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::{ModuleCode, WasmFeatures, parse_module};
use tandem_jit::{CompiledCode, JitCompiler, JitOptions, Status};

type Outcome = Result<Vec<u64>, Status>;

/// Parses `wat` with the SIMD and relaxed-SIMD proposals, translated with `options`.
fn simd_module(wat: &str, options: TranslateOptions) -> Arc<ModuleCode> {
    let bytes = wat::parse_str(wat).expect("valid WAT");
    let features = WasmFeatures::default() | WasmFeatures::SIMD | WasmFeatures::RELAXED_SIMD;
    let info = parse_module(&bytes, features).expect("valid module");
    Arc::new(ModuleCode::new(info, options))
}

/// The two slots of a `v128`, low half first.
fn v(bits: u128) -> [u64; 2] {
    [bits as u64, (bits >> 64) as u64]
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

// ---- operands ----

/// Edge values of 8-bit lanes.
const I8_EDGES: &[u64] = &[
    0, 1, 2, 0x7f, 0x80, 0x81, 0xff, 0xfe, 15, 16, 17, 31, 32, 0x40, 0x55, 0xaa,
];
/// Edge values of 16-bit lanes.
const I16_EDGES: &[u64] = &[
    0, 1, 0xffff, 0x7fff, 0x8000, 0x8001, 0xff, 0x100, 0x7f, 0x80, 0xff80, 0xff7f, 0x4000, 0xc000,
    0x1234, 0xfffe,
];
/// Edge values of 32-bit lanes.
const I32_EDGES: &[u64] = &[
    0,
    1,
    0xffff_ffff,
    0x7fff_ffff,
    0x8000_0000,
    0x8000_0001,
    0xffff,
    0x1_0000,
    0x7fff,
    0x8000,
    0xffff_8000,
    0xffff_7fff,
    0x1234_5678,
    0xfffe,
    0x00ff_00ff,
    0xff00_ff00,
];
/// Edge values of 64-bit lanes.
const I64_EDGES: &[u64] = &[
    0,
    1,
    u64::MAX,
    i64::MAX as u64,
    i64::MIN as u64,
    i64::MIN as u64 + 1,
    u32::MAX as u64,
    i32::MIN as i64 as u64,
    i32::MAX as u64,
    1 << 32,
    0x1234_5678_9abc_def0,
    63,
    64,
];

/// Bit patterns of edge `f32`s.
fn f32_edges() -> Vec<u64> {
    let mut values: Vec<u64> = [
        0.0f32,
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
        2147483648.0,
        2147483520.0,
        -2147483904.0,
        -2147483648.0,
        4294967296.0,
        4294967040.0,
        8388609.0,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ]
    .iter()
    .map(|&x| u64::from(x.to_bits()))
    .collect();
    // Subnormals, quiet and signalling NaNs of both signs, with and without payloads.
    values.extend([
        1,
        0x8000_0001,
        0x7fc0_0000,
        0xffc0_0000,
        0x7fa0_0001,
        0xffa0_0002,
        0x7fc1_2345,
        0xff80_0001,
    ]);
    values
}

/// Bit patterns of edge `f64`s.
fn f64_edges() -> Vec<u64> {
    let mut values: Vec<u64> = [
        0.0f64,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -2.5,
        3.7,
        -0.9,
        0.49999999999999994,
        4503599627370497.0,
        2147483647.9,
        2147483648.0,
        -2147483648.9,
        -2147483649.0,
        4294967295.9,
        4294967296.0,
        -1e-310,
        1e300,
        3.4028235677973366e38,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ]
    .iter()
    .map(|&x| x.to_bits())
    .collect();
    values.extend([
        0x7ff8_0000_0000_0000,
        0xfff8_0000_0000_0000,
        0x7ff4_0000_0000_0001,
        0xfff0_0000_0000_0002,
        0x7ff8_1234_5678_9abc,
        // Rounds to an f32 NaN payload and to the largest finite f32.
        0x7ff0_0000_2000_0001,
    ]);
    values
}

/// A lane shape, for building operands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
}

impl Shape {
    const ALL: [Shape; 6] = [
        Shape::I8,
        Shape::I16,
        Shape::I32,
        Shape::I64,
        Shape::F32,
        Shape::F64,
    ];

    fn bits(self) -> u32 {
        match self {
            Shape::I8 => 8,
            Shape::I16 => 16,
            Shape::I32 | Shape::F32 => 32,
            Shape::I64 | Shape::F64 => 64,
        }
    }

    fn edges(self) -> Vec<u64> {
        match self {
            Shape::I8 => I8_EDGES.to_vec(),
            Shape::I16 => I16_EDGES.to_vec(),
            Shape::I32 => I32_EDGES.to_vec(),
            Shape::I64 => I64_EDGES.to_vec(),
            Shape::F32 => f32_edges(),
            Shape::F64 => f64_edges(),
        }
    }

    /// The shape an operator name starts with (`i8x16.add` is `I8`); `None` for `v128.*`.
    fn of(name: &str) -> Option<Shape> {
        Some(match name.split('.').next()? {
            "i8x16" => Shape::I8,
            "i16x8" => Shape::I16,
            "i32x4" => Shape::I32,
            "i64x2" => Shape::I64,
            "f32x4" => Shape::F32,
            "f64x2" => Shape::F64,
            _ => return None,
        })
    }
}

/// Vectors with lanes of `shape` drawn from its edge values: each edge value in every lane,
/// then `random` mixes of them.
fn vectors(shape: Shape, random: usize, rng: &mut Rng) -> Vec<u128> {
    let bits = shape.bits();
    let edges = shape.edges();
    let lanes = 128 / bits;
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    let build = |lane: &mut dyn FnMut(u32) -> u64| {
        (0..lanes).fold(0u128, |acc, i| {
            acc | (u128::from(lane(i) & mask) << (i * bits))
        })
    };
    let mut out: Vec<u128> = edges.iter().map(|&e| build(&mut |_| e)).collect();
    for _ in 0..random {
        out.push(build(&mut |_| rng.pick(&edges)));
    }
    out
}

/// The operand pools: every shape's vectors, plus a few with random bits.
struct Pools {
    by_shape: Vec<(Shape, Vec<u128>)>,
    all: Vec<u128>,
}

impl Pools {
    fn new(random: usize) -> Self {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let by_shape: Vec<(Shape, Vec<u128>)> = Shape::ALL
            .iter()
            .map(|&shape| (shape, vectors(shape, random, &mut rng)))
            .collect();
        let mut all: Vec<u128> = by_shape.iter().flat_map(|(_, v)| v.clone()).collect();
        for _ in 0..4 {
            all.push(u128::from(rng.next()) | (u128::from(rng.next()) << 64));
        }
        all.extend([0, u128::MAX]);
        Pools { by_shape, all }
    }

    /// Operands for an operator on `shape`: that shape's vectors and a sample of the others.
    fn for_shape(&self, shape: Option<Shape>, rng: &mut Rng, extra: usize) -> Vec<u128> {
        let mut out = match shape {
            Some(shape) => self
                .by_shape
                .iter()
                .find(|(s, _)| *s == shape)
                .map(|(_, v)| v.clone())
                .expect("shape"),
            None => Vec::new(),
        };
        for _ in 0..extra {
            out.push(rng.pick(&self.all));
        }
        out
    }
}

// ---- operators ----

/// An operand or result type of an operator under test.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    V128,
    I32,
    I64,
    F32,
    F64,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::V128 => "v128",
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::F32 => "f32",
            Ty::F64 => "f64",
        }
    }

    /// Scalar operands of this type.
    fn scalars(self) -> Vec<u64> {
        match self {
            Ty::I32 => [
                0,
                1,
                7,
                8,
                9,
                15,
                16,
                17,
                31,
                32,
                33,
                63,
                64,
                65,
                -1,
                -8,
                i32::MIN,
            ]
            .map(i32)
            .into_iter()
            .chain(I32_EDGES.iter().copied())
            .collect(),
            Ty::I64 => I64_EDGES.to_vec(),
            Ty::F32 => f32_edges(),
            Ty::F64 => f64_edges(),
            Ty::V128 => unreachable!("vectors come from the pools"),
        }
    }
}

/// An operator under test: a function exported as `name` that applies `code` to its
/// parameters.
struct Op {
    name: String,
    params: Vec<Ty>,
    result: Ty,
    code: String,
}

fn ops() -> Vec<Op> {
    use Ty::*;
    let mut ops = Vec::new();
    let mut add = |name: &str, params: &[Ty], result: Ty| {
        ops.push(Op {
            name: name.to_string(),
            params: params.to_vec(),
            result,
            code: name.to_string(),
        })
    };
    let unary = [
        "v128.not",
        "i8x16.abs",
        "i8x16.neg",
        "i8x16.popcnt",
        "i16x8.extadd_pairwise_i8x16_s",
        "i16x8.extadd_pairwise_i8x16_u",
        "i16x8.abs",
        "i16x8.neg",
        "i16x8.extend_low_i8x16_s",
        "i16x8.extend_high_i8x16_s",
        "i16x8.extend_low_i8x16_u",
        "i16x8.extend_high_i8x16_u",
        "i32x4.extadd_pairwise_i16x8_s",
        "i32x4.extadd_pairwise_i16x8_u",
        "i32x4.abs",
        "i32x4.neg",
        "i32x4.extend_low_i16x8_s",
        "i32x4.extend_high_i16x8_s",
        "i32x4.extend_low_i16x8_u",
        "i32x4.extend_high_i16x8_u",
        "i64x2.abs",
        "i64x2.neg",
        "i64x2.extend_low_i32x4_s",
        "i64x2.extend_high_i32x4_s",
        "i64x2.extend_low_i32x4_u",
        "i64x2.extend_high_i32x4_u",
        "f32x4.ceil",
        "f32x4.floor",
        "f32x4.trunc",
        "f32x4.nearest",
        "f32x4.abs",
        "f32x4.neg",
        "f32x4.sqrt",
        "f64x2.ceil",
        "f64x2.floor",
        "f64x2.trunc",
        "f64x2.nearest",
        "f64x2.abs",
        "f64x2.neg",
        "f64x2.sqrt",
        "i32x4.trunc_sat_f32x4_s",
        "i32x4.trunc_sat_f32x4_u",
        "f32x4.convert_i32x4_s",
        "f32x4.convert_i32x4_u",
        "i32x4.trunc_sat_f64x2_s_zero",
        "i32x4.trunc_sat_f64x2_u_zero",
        "f64x2.convert_low_i32x4_s",
        "f64x2.convert_low_i32x4_u",
        "f32x4.demote_f64x2_zero",
        "f64x2.promote_low_f32x4",
        "i32x4.relaxed_trunc_f32x4_s",
        "i32x4.relaxed_trunc_f32x4_u",
        "i32x4.relaxed_trunc_f64x2_s_zero",
        "i32x4.relaxed_trunc_f64x2_u_zero",
    ];
    for name in unary {
        add(name, &[V128], V128);
    }
    for name in [
        "v128.any_true",
        "i8x16.all_true",
        "i8x16.bitmask",
        "i16x8.all_true",
        "i16x8.bitmask",
        "i32x4.all_true",
        "i32x4.bitmask",
        "i64x2.all_true",
        "i64x2.bitmask",
    ] {
        add(name, &[V128], I32);
    }
    let mut binary: Vec<String> = [
        "i8x16.swizzle",
        "v128.and",
        "v128.andnot",
        "v128.or",
        "v128.xor",
        "i8x16.narrow_i16x8_s",
        "i8x16.narrow_i16x8_u",
        "i8x16.add",
        "i8x16.add_sat_s",
        "i8x16.add_sat_u",
        "i8x16.sub",
        "i8x16.sub_sat_s",
        "i8x16.sub_sat_u",
        "i8x16.min_s",
        "i8x16.min_u",
        "i8x16.max_s",
        "i8x16.max_u",
        "i8x16.avgr_u",
        "i16x8.q15mulr_sat_s",
        "i16x8.narrow_i32x4_s",
        "i16x8.narrow_i32x4_u",
        "i16x8.add",
        "i16x8.add_sat_s",
        "i16x8.add_sat_u",
        "i16x8.sub",
        "i16x8.sub_sat_s",
        "i16x8.sub_sat_u",
        "i16x8.mul",
        "i16x8.min_s",
        "i16x8.min_u",
        "i16x8.max_s",
        "i16x8.max_u",
        "i16x8.avgr_u",
        "i16x8.extmul_low_i8x16_s",
        "i16x8.extmul_high_i8x16_s",
        "i16x8.extmul_low_i8x16_u",
        "i16x8.extmul_high_i8x16_u",
        "i32x4.add",
        "i32x4.sub",
        "i32x4.mul",
        "i32x4.min_s",
        "i32x4.min_u",
        "i32x4.max_s",
        "i32x4.max_u",
        "i32x4.dot_i16x8_s",
        "i32x4.extmul_low_i16x8_s",
        "i32x4.extmul_high_i16x8_s",
        "i32x4.extmul_low_i16x8_u",
        "i32x4.extmul_high_i16x8_u",
        "i64x2.add",
        "i64x2.sub",
        "i64x2.mul",
        "i64x2.extmul_low_i32x4_s",
        "i64x2.extmul_high_i32x4_s",
        "i64x2.extmul_low_i32x4_u",
        "i64x2.extmul_high_i32x4_u",
        "i8x16.relaxed_swizzle",
        "f32x4.relaxed_min",
        "f32x4.relaxed_max",
        "f64x2.relaxed_min",
        "f64x2.relaxed_max",
        "i16x8.relaxed_q15mulr_s",
        "i16x8.relaxed_dot_i8x16_i7x16_s",
    ]
    .map(String::from)
    .to_vec();
    for shape in ["i8x16", "i16x8", "i32x4"] {
        for cmp in [
            "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
        ] {
            binary.push(format!("{shape}.{cmp}"));
        }
    }
    for cmp in ["eq", "ne", "lt_s", "gt_s", "le_s", "ge_s"] {
        binary.push(format!("i64x2.{cmp}"));
    }
    for shape in ["f32x4", "f64x2"] {
        for op in [
            "eq", "ne", "lt", "gt", "le", "ge", "add", "sub", "mul", "div", "min", "max", "pmin",
            "pmax",
        ] {
            binary.push(format!("{shape}.{op}"));
        }
    }
    for name in &binary {
        add(name, &[V128, V128], V128);
    }
    for name in [
        "v128.bitselect",
        "f32x4.relaxed_madd",
        "f32x4.relaxed_nmadd",
        "f64x2.relaxed_madd",
        "f64x2.relaxed_nmadd",
        "i8x16.relaxed_laneselect",
        "i16x8.relaxed_laneselect",
        "i32x4.relaxed_laneselect",
        "i64x2.relaxed_laneselect",
        "i32x4.relaxed_dot_i8x16_i7x16_add_s",
    ] {
        add(name, &[V128, V128, V128], V128);
    }
    for shape in ["i8x16", "i16x8", "i32x4", "i64x2"] {
        for op in ["shl", "shr_s", "shr_u"] {
            add(&format!("{shape}.{op}"), &[V128, I32], V128);
        }
    }
    add("i8x16.splat", &[I32], V128);
    add("i16x8.splat", &[I32], V128);
    add("i32x4.splat", &[I32], V128);
    add("i64x2.splat", &[I64], V128);
    add("f32x4.splat", &[F32], V128);
    add("f64x2.splat", &[F64], V128);
    let lanes = [
        ("i8x16", 16, I32, &["extract_lane_s", "extract_lane_u"][..]),
        ("i16x8", 8, I32, &["extract_lane_s", "extract_lane_u"][..]),
        ("i32x4", 4, I32, &["extract_lane"][..]),
        ("i64x2", 2, I64, &["extract_lane"][..]),
        ("f32x4", 4, F32, &["extract_lane"][..]),
        ("f64x2", 2, F64, &["extract_lane"][..]),
    ];
    for (shape, count, scalar, extracts) in lanes {
        for lane in 0..count {
            for extract in extracts {
                ops.push(Op {
                    name: format!("{shape}.{extract}/{lane}"),
                    params: vec![V128],
                    result: scalar,
                    code: format!("{shape}.{extract} {lane}"),
                });
            }
            ops.push(Op {
                name: format!("{shape}.replace_lane/{lane}"),
                params: vec![V128, scalar],
                result: V128,
                code: format!("{shape}.replace_lane {lane}"),
            });
        }
    }
    let mut rng = Rng(0x5eed);
    let mut masks: Vec<[u8; 16]> = vec![
        std::array::from_fn(|i| i as u8),
        std::array::from_fn(|i| 16 + i as u8),
        std::array::from_fn(|i| 31 - i as u8),
        std::array::from_fn(|i| if i % 2 == 0 { i as u8 } else { 16 + i as u8 }),
        [0; 16],
        [31; 16],
        std::array::from_fn(|i| (i as u8 * 2) % 32),
        std::array::from_fn(|i| [3, 2, 1, 0][i % 4] + 4 * (i as u8 / 4)),
        std::array::from_fn(|i| 8 + (i as u8 % 8)),
    ];
    for _ in 0..24 {
        masks.push(std::array::from_fn(|_| (rng.next() % 32) as u8));
    }
    for (index, mask) in masks.iter().enumerate() {
        let lanes: Vec<String> = mask.iter().map(u8::to_string).collect();
        ops.push(Op {
            name: format!("i8x16.shuffle/{index}"),
            params: vec![V128, V128],
            result: V128,
            code: format!("i8x16.shuffle {}", lanes.join(" ")),
        });
    }
    ops
}

/// The module exporting every operator of `ops`.
fn ops_module(ops: &[Op]) -> String {
    let mut wat = String::from("(module\n");
    for op in ops {
        let params: Vec<&str> = op.params.iter().map(|ty| ty.name()).collect();
        let gets: String = (0..op.params.len())
            .map(|i| format!("local.get {i} "))
            .collect();
        wat.push_str(&format!(
            "(func (export \"{}\") (param {}) (result {}) {gets}{})\n",
            op.name,
            params.join(" "),
            op.result.name(),
            op.code
        ));
    }
    wat.push(')');
    wat
}

/// Every argument list to try `op` with.
fn arguments(op: &Op, pools: &Pools, rng: &mut Rng) -> Vec<Vec<u64>> {
    let shape = Shape::of(&op.name);
    // Operators of whole vectors (`v128.*`) draw all their operands from every shape.
    let operands = pools.for_shape(shape, rng, if shape.is_some() { 8 } else { 40 });
    let mut tuples: Vec<Vec<u64>> = Vec::new();
    match op.params.as_slice() {
        [Ty::V128] => {
            for &a in &pools.all {
                tuples.push(v(a).to_vec());
            }
        }
        [Ty::V128, Ty::V128] => {
            for &a in &operands {
                for &b in &operands {
                    tuples.push([v(a), v(b)].concat());
                }
            }
        }
        [Ty::V128, Ty::V128, Ty::V128] => {
            for _ in 0..3000 {
                let (a, b, c) = (
                    rng.pick(&operands),
                    rng.pick(&operands),
                    rng.pick(&operands),
                );
                tuples.push([v(a), v(b), v(c)].concat());
            }
            // Masks that mix the operands within lanes.
            for &c in &pools.all {
                tuples.push([v(rng.pick(&operands)), v(rng.pick(&operands)), v(c)].concat());
            }
        }
        [Ty::V128, scalar] => {
            for &a in &operands {
                for s in scalar.scalars() {
                    tuples.push([&v(a)[..], &[s]].concat());
                }
            }
        }
        [scalar] => {
            for s in scalar.scalars() {
                tuples.push(vec![s]);
            }
        }
        other => panic!("no arguments for {other:?}"),
    }
    tuples
}

/// The `v128` in slots `slots[0..2]`.
fn vector(slots: &[u64]) -> u128 {
    u128::from(slots[0]) | (u128::from(slots[1]) << 64)
}

/// Whether the tiers agree on `op` with `args`: bit for bit, with one exception. Where both
/// operands' lanes of a float `add` or `mul` are NaN, which of the two NaNs the interpreter
/// returns is LLVM's choice, not a rule: it treats the operators as commutative, and the
/// optimized (release) build returns the second operand's NaN where a less optimized build
/// may return the first's. There, compiled code must return the second operand's NaN
/// (quieted), as the release interpreter does, and the interpreter either operand's.
fn agree(op: &Op, args: &[u64], jit: &Outcome, interp: &Outcome) -> bool {
    if jit == interp {
        return true;
    }
    let bits = match op.name.as_str() {
        "f32x4.add" | "f32x4.mul" => 32,
        "f64x2.add" | "f64x2.mul" => 64,
        _ => return false,
    };
    let (Ok(jit), Ok(interp)) = (jit, interp) else {
        return false;
    };
    let (a, b) = (vector(&args[0..2]), vector(&args[2..4]));
    let (jit, interp) = (vector(jit), vector(interp));
    let mask = u128::MAX >> (128 - bits);
    let (exponent, quiet) = if bits == 32 {
        (0x7f80_0000u128, 0x0040_0000u128)
    } else {
        (0x7ff0_0000_0000_0000, 0x0008_0000_0000_0000)
    };
    let mantissa = quiet * 2 - 1;
    let is_nan = |x: u128| x & exponent == exponent && x & mantissa != 0;
    (0..128 / bits).all(|lane| {
        let shift = lane * bits;
        let [a, b, jit, interp] = [a, b, jit, interp].map(|x| (x >> shift) & mask);
        if is_nan(a) && is_nan(b) {
            jit == b | quiet && (interp == a | quiet || interp == b | quiet)
        } else {
            jit == interp
        }
    })
}

/// Runs every operator on its arguments in both tiers and requires identical slots.
/// Returns how many calls were compared.
fn compare_ops(options: TranslateOptions, random: usize) -> usize {
    let ops = ops();
    let code = simd_module(&ops_module(&ops), options);
    let mut compiler = compiler_with(JitOptions::from(options));
    let instance = Instance::new(code, &[]);
    for (op, result) in ops.iter().zip(instance.compile_all(&mut compiler)) {
        result.unwrap_or_else(|e| panic!("{} did not compile: {e}", op.name));
    }
    let pools = Pools::new(random);
    let mut rng = Rng(0x1234_5678);
    let mut checked = 0;
    let mut bad = Vec::new();
    for op in &ops {
        let mut n = 0;
        let mut first = None;
        for args in arguments(op, &pools, &mut rng) {
            let jit = instance.call_jit(&op.name, &args);
            let interp = instance.call_interp(&op.name, &args);
            if !agree(op, &args, &jit, &interp) {
                n += 1;
                first.get_or_insert(format!("{args:x?}: jit {jit:x?} interp {interp:x?}"));
            }
            checked += 1;
        }
        if n > 0 {
            bad.push(format!("{} x{n}: {}", op.name, first.unwrap()));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    checked
}

#[test]
fn simd_operators_agree_with_the_interpreter_bit_for_bit() {
    let checked = compare_ops(TranslateOptions::default(), 12);
    assert!(checked > 200_000, "{checked} cases");
}

#[test]
fn canonical_nans_agree_with_the_interpreter() {
    let options = TranslateOptions {
        canonicalize_nans: true,
        ..TranslateOptions::default()
    };
    let checked = compare_ops(options, 4);
    assert!(checked > 50_000, "{checked} cases");
}

#[test]
fn min_max_and_relaxed_ops_take_the_interpreters_choices() {
    // Pinned results, independent of the hardware: the canonical positive NaN from
    // `min`/`max` with a NaN operand, -0 below +0, `pmin` keeping the first operand's bits
    // when unordered, `relaxed_nmadd` negating a NaN `a` before the fused multiply-add.
    let code = simd_module(
        r#"(module
            (func (export "min") (param v128 v128) (result v128)
                local.get 0 local.get 1 f32x4.min)
            (func (export "max") (param v128 v128) (result v128)
                local.get 0 local.get 1 f64x2.relaxed_max)
            (func (export "pmin") (param v128 v128) (result v128)
                local.get 0 local.get 1 f32x4.pmin)
            (func (export "nmadd") (param v128 v128 v128) (result v128)
                local.get 0 local.get 1 local.get 2 f32x4.relaxed_nmadd)
            (func (export "swizzle") (param v128 v128) (result v128)
                local.get 0 local.get 1 i8x16.relaxed_swizzle)
            (func (export "trunc") (param v128) (result v128)
                local.get 0 i32x4.relaxed_trunc_f32x4_s))"#,
        TranslateOptions::default(),
    );
    let mut compiler = compiler();
    let instance = Instance::new(code.clone(), &[]);
    instance.install(&compile_module(&mut compiler, &code));
    let f32x4 = |lanes: [u32; 4]| {
        lanes
            .iter()
            .enumerate()
            .fold(0u128, |acc, (i, &l)| acc | (u128::from(l) << (32 * i)))
    };
    let call = |name: &str, args: &[u128]| {
        let args: Vec<u64> = args.iter().flat_map(|&a| v(a)).collect();
        let jit = instance.call_jit(name, &args);
        assert_eq!(jit, instance.call_interp(name, &args), "{name}");
        let slots = jit.expect("no trap");
        u128::from(slots[0]) | (u128::from(slots[1]) << 64)
    };
    let neg_zero = (-0.0f32).to_bits();
    let one = 1.0f32.to_bits();
    assert_eq!(
        call(
            "min",
            &[
                f32x4([0x7fa0_0001, 0, neg_zero, one]),
                f32x4([one, neg_zero, 0, 0xffc0_0000])
            ]
        ),
        f32x4([0x7fc0_0000, neg_zero, neg_zero, 0x7fc0_0000])
    );
    let f64x2 = |lo: f64, hi: f64| u128::from(lo.to_bits()) | (u128::from(hi.to_bits()) << 64);
    let nan64 = f64::from_bits(0xfff8_0000_0000_0001);
    assert_eq!(
        call("max", &[f64x2(nan64, 1.0), f64x2(1.0, -0.0)]),
        f64x2(f64::from_bits(0x7ff8_0000_0000_0000), 1.0)
    );
    assert_eq!(
        call("max", &[f64x2(-0.0, 0.0), f64x2(0.0, -0.0)]),
        f64x2(0.0, 0.0)
    );
    assert_eq!(
        call(
            "pmin",
            &[
                f32x4([0x7fa0_0001, one, 0, neg_zero]),
                f32x4([one, 0xffc0_0000, neg_zero, 0])
            ]
        ),
        f32x4([0x7fa0_0001, one, 0, neg_zero])
    );
    // -(NaN) * 1 + 0: the NaN of `a` with its sign flipped (and quieted).
    let product = call(
        "nmadd",
        &[f32x4([0x7fc0_1234; 4]), f32x4([one; 4]), f32x4([0; 4])],
    );
    assert_eq!(product, f32x4([0xffc0_1234; 4]));
    assert_eq!(
        call(
            "swizzle",
            &[0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100, u128::MAX]
        ),
        0
    );
    assert_eq!(
        call(
            "trunc",
            &[f32x4([0x7fc0_0000, 0x4f00_0000, 0xcf80_0000, 0x4040_0000])]
        ),
        f32x4([0, 0x7fff_ffff, 0x8000_0000, 3])
    );
}

#[test]
fn min_max_abs_and_neg_agree_on_every_pair_of_edge_lanes() {
    // Every ordered pair of edge values meets in some lane, so both operand orders of
    // mixed zeros, of a NaN against a number and of two NaNs are compared, with the results
    // pinned too: the canonical positive NaN where either lane is NaN, -0 below +0.
    let code = simd_module(
        r#"(module
            (func (export "f32x4.min") (param v128 v128) (result v128)
                local.get 0 local.get 1 f32x4.min)
            (func (export "f32x4.max") (param v128 v128) (result v128)
                local.get 0 local.get 1 f32x4.max)
            (func (export "f64x2.min") (param v128 v128) (result v128)
                local.get 0 local.get 1 f64x2.min)
            (func (export "f64x2.max") (param v128 v128) (result v128)
                local.get 0 local.get 1 f64x2.max)
            (func (export "f32x4.abs") (param v128) (result v128) local.get 0 f32x4.abs)
            (func (export "f32x4.neg") (param v128) (result v128) local.get 0 f32x4.neg)
            (func (export "f64x2.abs") (param v128) (result v128) local.get 0 f64x2.abs)
            (func (export "f64x2.neg") (param v128) (result v128) local.get 0 f64x2.neg))"#,
        TranslateOptions::default(),
    );
    let mut compiler = compiler();
    let instance = Instance::new(code.clone(), &[]);
    instance.install(&compile_module(&mut compiler, &code));
    let call = |name: &str, args: &[u128]| {
        let args: Vec<u64> = args.iter().flat_map(|&a| v(a)).collect();
        let jit = instance.call_jit(name, &args);
        assert_eq!(jit, instance.call_interp(name, &args), "{name} {args:x?}");
        let slots = jit.expect("no trap");
        u128::from(slots[0]) | (u128::from(slots[1]) << 64)
    };
    for (shape, bits, edges) in [("f32x4", 32usize, f32_edges()), ("f64x2", 64, f64_edges())] {
        let lanes = 128 / bits;
        let mask = u128::MAX >> (128 - bits);
        let sign = 1u128 << (bits - 1);
        let canonical = if bits == 32 {
            0x7fc0_0000
        } else {
            0x7ff8_0000_0000_0000
        };
        let is_nan = |x: u128| {
            if bits == 32 {
                f32::from_bits(x as u32).is_nan()
            } else {
                f64::from_bits(x as u64).is_nan()
            }
        };
        let value = |x: u128| {
            if bits == 32 {
                f64::from(f32::from_bits(x as u32))
            } else {
                f64::from_bits(x as u64)
            }
        };
        let pairs: Vec<(u128, u128)> = edges
            .iter()
            .flat_map(|&x| edges.iter().map(move |&y| (u128::from(x), u128::from(y))))
            .collect();
        for chunk in pairs.chunks(lanes) {
            let pack = |pick: fn(&(u128, u128)) -> u128| {
                chunk
                    .iter()
                    .enumerate()
                    .fold(0u128, |acc, (i, pair)| acc | (pick(pair) << (bits * i)))
            };
            let (xs, ys) = (pack(|p| p.0), pack(|p| p.1));
            let min = call(&format!("{shape}.min"), &[xs, ys]);
            let max = call(&format!("{shape}.max"), &[xs, ys]);
            for (i, &(x, y)) in chunk.iter().enumerate() {
                let lane = |r: u128| (r >> (bits * i)) & mask;
                let (expected_min, expected_max) = if is_nan(x) || is_nan(y) {
                    (canonical, canonical)
                } else if value(x) == value(y) {
                    // Equal values differ in bits only as zeros of opposite signs.
                    (x | y, x & y)
                } else if value(x) < value(y) {
                    (x, y)
                } else {
                    (y, x)
                };
                assert_eq!(lane(min), expected_min, "{shape}.min {x:x} {y:x}");
                assert_eq!(lane(max), expected_max, "{shape}.max {x:x} {y:x}");
            }
            assert_eq!(
                call(&format!("{shape}.abs"), &[xs]),
                xs & !repeat(sign, bits)
            );
            assert_eq!(
                call(&format!("{shape}.neg"), &[xs]),
                xs ^ repeat(sign, bits)
            );
        }
    }
}

/// `x` repeated in every lane of `bits` bits of a 128-bit vector.
fn repeat(x: u128, bits: usize) -> u128 {
    (0..128 / bits).fold(0, |acc, i| acc | (x << (bits * i)))
}

// ---- memory ----

/// Compares the outcomes of calls and the final memories of the two tiers, on a fresh
/// instance each.
struct Differential {
    code: Arc<ModuleCode>,
    compiled: Vec<CompiledCode>,
    _compiler: JitCompiler,
}

impl Differential {
    fn new(wat: &str) -> Self {
        let code = simd_module(wat, TranslateOptions::default());
        let mut compiler = compiler();
        let compiled = compile_module(&mut compiler, &code);
        Differential {
            code,
            compiled,
            _compiler: compiler,
        }
    }

    fn run(&self, calls: &[(String, Vec<u64>)]) -> Vec<Outcome> {
        let interp = Instance::new(self.code.clone(), &[]);
        let jit = Instance::new(self.code.clone(), &[]);
        jit.install(&self.compiled);
        let mut outcomes = Vec::new();
        for (name, args) in calls {
            let a = interp.call_interp(name, args);
            let b = jit.call_jit(name, args);
            assert_eq!(b, a, "{name} {args:x?}");
            outcomes.push(a);
        }
        assert_eq!(jit.snapshot(), interp.snapshot(), "state after the calls");
        outcomes
    }
}

#[test]
fn memory_operators_agree_with_the_interpreter() {
    let loads = [
        "v128.load",
        "v128.load8x8_s",
        "v128.load8x8_u",
        "v128.load16x4_s",
        "v128.load16x4_u",
        "v128.load32x2_s",
        "v128.load32x2_u",
        "v128.load8_splat",
        "v128.load16_splat",
        "v128.load32_splat",
        "v128.load64_splat",
        "v128.load32_zero",
        "v128.load64_zero",
    ];
    let offsets = [0u32, 3, 65520];
    // Distinct bytes, with both signs, at both ends of the memory.
    let bytes = |from: u8| -> String {
        (0..32u8)
            .map(|i| format!("\\{:02x}", from ^ i.wrapping_mul(37)))
            .collect()
    };
    let mut wat = format!(
        "(module (memory 1) (data (i32.const 0) \"{}\") (data (i32.const 65504) \"{}\")\n",
        bytes(0x01),
        bytes(0xf0)
    );
    let mut names = Vec::new();
    for load in loads {
        for offset in offsets {
            let name = format!("{load}/{offset}");
            wat.push_str(&format!(
                "(func (export \"{name}\") (param i32) (result v128)
                    local.get 0 {load} offset={offset})\n"
            ));
            names.push((name, false));
        }
    }
    for offset in offsets {
        let name = format!("v128.store/{offset}");
        wat.push_str(&format!(
            "(func (export \"{name}\") (param i32 v128)
                local.get 0 local.get 1 v128.store offset={offset})\n"
        ));
        names.push((name, true));
    }
    let mut lane_ops = Vec::new();
    for (bits, lanes) in [(8, 16), (16, 8), (32, 4), (64, 2)] {
        for lane in 0..lanes {
            for offset in [0u32, 65530] {
                let load = format!("v128.load{bits}_lane/{lane}/{offset}");
                wat.push_str(&format!(
                    "(func (export \"{load}\") (param i32 v128) (result v128)
                        local.get 0 local.get 1 v128.load{bits}_lane offset={offset} {lane})\n"
                ));
                let store = format!("v128.store{bits}_lane/{lane}/{offset}");
                wat.push_str(&format!(
                    "(func (export \"{store}\") (param i32 v128)
                        local.get 0 local.get 1 v128.store{bits}_lane offset={offset} {lane})\n"
                ));
                lane_ops.push(load);
                lane_ops.push(store);
            }
        }
    }
    wat.push(')');
    let d = Differential::new(&wat);

    let addresses: Vec<u64> = [
        0u32,
        1,
        3,
        7,
        15,
        16,
        17,
        65504,
        65512,
        65519,
        65520,
        65521,
        65527,
        65528,
        65529,
        65532,
        65535,
        65536,
        0xffff_fff0,
        u32::MAX,
    ]
    .iter()
    .map(|&a| i32(a as i32))
    .collect();
    let vector =
        0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128 ^ 0xa5a5_a5a5_a5a5_a5a5_5a5a_5a5a_5a5a_5a5a;
    let mut calls = Vec::new();
    let mut traps = 0;
    for (name, store) in &names {
        for &address in &addresses {
            let args = if *store {
                [&[address][..], &v(vector)].concat()
            } else {
                vec![address]
            };
            calls.push((name.clone(), args));
        }
    }
    // Loads after stores see the stored bytes.
    for (name, store) in &names {
        if !store {
            calls.push((name.clone(), vec![i32(65504)]));
        }
    }
    for name in &lane_ops {
        for &address in &addresses {
            calls.push((
                name.clone(),
                [&[address][..], &v(vector.rotate_left(8))].concat(),
            ));
        }
    }
    for outcome in d.run(&calls) {
        traps += usize::from(outcome.is_err());
    }
    assert!(traps > 300, "{traps} traps");
}

#[test]
fn memory64_vector_accesses() {
    let d = Differential::new(
        r#"(module
            (memory i64 1)
            (func (export "load") (param i64) (result v128) local.get 0 v128.load offset=8)
            (func (export "store") (param i64 v128) local.get 0 local.get 1 v128.store)
            (func (export "lane") (param i64 v128) (result v128)
                local.get 0 local.get 1 v128.load32_lane offset=2 3)
            (func (export "splat") (param i64) (result v128) local.get 0 v128.load16_splat))"#,
    );
    let mut calls = Vec::new();
    for address in [
        0u64,
        8,
        65520,
        65527,
        65528,
        65534,
        65535,
        1 << 32,
        u64::MAX - 7,
        u64::MAX,
    ] {
        calls.push((
            "store".to_string(),
            [&[address][..], &v(u128::MAX / 3)].concat(),
        ));
        calls.push(("load".to_string(), vec![address]));
        calls.push(("lane".to_string(), [&[address][..], &v(7)].concat()));
        calls.push(("splat".to_string(), vec![address]));
    }
    let outcomes = d.run(&calls);
    assert!(outcomes.iter().any(Result::is_ok));
    assert!(outcomes.iter().any(Result::is_err));
}

// ---- the slot layout at every boundary ----

/// The host function the layout tests import: `(param i32 v128 f64 v128) (result v128 i32)`,
/// returning the second vector with its halves swapped and the `i32` plus one.
fn host_swap(slots: &mut [u64]) -> Result<(), u32> {
    let (x, lo, hi) = (slots[0], slots[4], slots[5]);
    slots[0] = hi;
    slots[1] = lo;
    slots[2] = i32((x as i32).wrapping_add(1));
    Ok(())
}

const LAYOUT: &str = r#"(module
    (import "env" "swap" (func $swap (param i32 v128 f64 v128) (result v128 i32)))
    (type $vv (func (param v128 i32) (result i32 v128)))
    (table 2 funcref)
    (elem (i32.const 0) $rotate $twice)
    (global $g (mut v128) (v128.const i64x2 0x1111 0x2222))
    (global $k v128 (v128.const i32x4 1 2 3 4))
    (func $rotate (type $vv)
        local.get 1
        local.get 0 local.get 0 i8x16.shuffle 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 0)
    (func $twice (type $vv)
        local.get 1 i32.const 2 i32.mul
        local.get 0 local.get 0 i32x4.add)
    ;; Parameters and results of mixed types, in the slot layout.
    (func (export "mix") (param i32 v128 f64 v128 i64) (result v128 i64 v128 f32 i32)
        local.get 3 local.get 4 local.get 1 local.get 2 f32.demote_f64 local.get 0)
    ;; Calls of a compiled callee, an indirect callee and the host with vectors.
    (func (export "calls") (param v128 i32) (result v128 i32 v128)
        (local $v v128) (local $n i32)
        local.get 0 local.get 1 call $rotate
        local.set $v local.set $n
        local.get $v local.get $n i32.const 1 call_indirect (type $vv)
        local.set $v local.set $n
        local.get $n local.get $v f64.const 2.5 local.get 0 call $swap
        local.get 0)
    (func (export "tail") (param v128 i32) (result i32 v128)
        local.get 0 local.get 1 return_call $twice)
    (func (export "tail_indirect") (param v128 i32 i32) (result i32 v128)
        local.get 0 local.get 1 local.get 2 return_call_indirect (type $vv))
    ;; A self tail call with a vector parameter: sums the lanes `n` times.
    (func $sum (export "self_tail") (param $acc v128) (param $x v128) (param $n i32) (result v128)
        local.get $n i32.eqz
        if (result v128)
            local.get $acc
        else
            local.get $acc local.get $x i16x8.add
            local.get $x i8x16.popcnt
            local.get $n i32.const 1 i32.sub
            return_call $sum
        end)
    (func (export "globals") (param v128) (result v128 v128)
        global.get $g local.get 0 v128.xor global.set $g
        global.get $g global.get $k)
    ;; Blocks, loops, `if`, `br_table` and `select` carrying vectors.
    (func (export "control") (param v128 v128 i32) (result v128 v128)
        (local $i i32)
        local.get 0
        block (param v128) (result v128)
            loop (param v128) (result v128)
                local.get 1 i32x4.add
                local.get $i i32.const 1 i32.add local.tee $i
                local.get 2 i32.lt_u br_if 0
            end
        end
        block (result v128)
            block (result v128)
                local.get 1
                local.get 2 i32.const 3 i32.rem_u
                br_table 0 1 0
            end
            i64x2.neg
        end
        local.get 2 i32.const 1 i32.and
        if (param v128) (result v128)
            i8x16.abs
        else
            v128.not
        end
        local.get 0 local.get 1 local.get 2 select
        i16x8.sub
        local.get 1 local.get 0 local.get 2 select (result v128)
        v128.xor))"#;

#[test]
fn vectors_cross_every_boundary_in_two_slots() {
    let code = simd_module(LAYOUT, TranslateOptions::default());
    let mut compiler = compiler();
    let compiled = compile_module(&mut compiler, &code);
    let host: &[common::HostFn] = &[host_swap];
    let interp = Instance::new(code.clone(), host);
    let jit = Instance::new(code.clone(), host);
    jit.install(&compiled);
    let a = 0x0011_2233_4455_6677_8899_aabb_ccdd_eeffu128;
    let b = 0xfedc_ba98_7654_3210_0123_4567_89ab_cdefu128;
    let mut calls: Vec<(&str, Vec<u64>)> = vec![
        (
            "mix",
            [&[i32(-5)][..], &v(a), &[f64(-1.25)], &v(b), &[i64(-9)]].concat(),
        ),
        ("calls", [&v(a)[..], &[i32(40)]].concat()),
        ("tail", [&v(b)[..], &[i32(21)]].concat()),
        ("tail_indirect", [&v(a)[..], &[i32(3), i32(0)]].concat()),
        ("tail_indirect", [&v(a)[..], &[i32(3), i32(1)]].concat()),
        ("tail_indirect", [&v(a)[..], &[i32(3), i32(2)]].concat()),
        ("self_tail", [&v(0)[..], &v(b), &[i32(100)]].concat()),
        ("globals", v(a).to_vec()),
        ("globals", v(b).to_vec()),
    ];
    for n in 0..6 {
        calls.push(("control", [&v(a)[..], &v(b), &[i32(n)]].concat()));
    }
    for (name, args) in &calls {
        let expected = interp.call_interp(name, args);
        assert_eq!(jit.call_jit(name, args), expected, "{name} {args:x?}");
    }
    assert_eq!(jit.snapshot(), interp.snapshot());
    // The layout itself, independently of the interpreter.
    let mix = jit
        .call_jit(
            "mix",
            &[&[i32(-5)][..], &v(a), &[f64(-1.25)], &v(b), &[i64(-9)]].concat(),
        )
        .expect("mix");
    assert_eq!(
        mix,
        [&v(b)[..], &[i64(-9)], &v(a), &[f32(-1.25), i32(-5)]].concat()
    );
    let compiled_mix = &compiled[2];
    assert_eq!(
        (compiled_mix.param_slots, compiled_mix.result_slots),
        (7, 7)
    );
    // The global cell holds the vector's halves in its two slots.
    assert_eq!(
        jit.snapshot().globals[0],
        v(0x2222_0000_0000_0000_1111 ^ a ^ b)
    );
}

#[test]
fn functions_with_vectors_compile() {
    // What used to stay on the interpreter now compiles.
    let code = simd_module(
        r#"(module
            (global v128 (v128.const i64x2 0 0))
            (func (param v128))
            (func (local v128))
            (func (result i32) v128.const i64x2 1 2 i32x4.extract_lane 0)
            (func global.get 0 drop))"#,
        TranslateOptions::default(),
    );
    let mut compiler = compiler();
    let compiled = compile_module(&mut compiler, &code);
    assert_eq!(
        compiled
            .iter()
            .map(|c| (c.param_slots, c.result_slots))
            .collect::<Vec<_>>(),
        [(2, 0), (0, 0), (0, 1), (0, 0)]
    );
}
