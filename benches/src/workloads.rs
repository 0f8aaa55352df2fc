//! The benchmark programs and the argument each one runs with.
//!
//! Hand-written workloads are kept as WAT text and assembled at startup (outside any
//! timing); the C workloads are committed as `.wasm` built by `workloads/build.sh`, so
//! running the benchmarks needs no C toolchain.

/// One benchmark program. Every workload exports `run(n: i32) -> i64`, returning a
/// checksum that must be identical on every runtime.
pub struct Workload {
    pub name: &'static str,
    /// What the workload stresses, for the report.
    pub stresses: &'static str,
    source: Source,
    /// The `n` passed to `run`, chosen so one run takes roughly a second in wasmi.
    pub arg: i32,
}

enum Source {
    Wat(&'static str),
    Wasm(&'static [u8]),
}

impl Workload {
    /// The module's binary encoding.
    pub fn wasm(&self) -> Vec<u8> {
        match self.source {
            Source::Wat(text) => wat::parse_str(text)
                .unwrap_or_else(|e| panic!("workload {} does not assemble: {e}", self.name)),
            Source::Wasm(bytes) => bytes.to_vec(),
        }
    }
}

macro_rules! wat {
    ($name:literal) => {
        Source::Wat(include_str!(concat!("../workloads/src/", $name, ".wat")))
    };
}

macro_rules! wasm {
    ($name:literal) => {
        Source::Wasm(include_bytes!(concat!("../workloads/", $name, ".wasm")))
    };
}

/// Every workload of the main suite, in report order.
pub const ALL: &[Workload] = &[
    Workload {
        name: "fib",
        stresses: "recursive calls",
        source: wat!("fib"),
        arg: 36,
    },
    Workload {
        name: "loops",
        stresses: "tight integer loops",
        source: wat!("loops"),
        arg: 32_000_000,
    },
    Workload {
        name: "nbody",
        stresses: "f64 arithmetic, sqrt",
        source: wasm!("nbody"),
        arg: 900_000,
    },
    Workload {
        name: "mandelbrot",
        stresses: "f64 compares, early exits",
        source: wasm!("mandelbrot"),
        arg: 2200,
    },
    Workload {
        name: "matmul",
        stresses: "f64 loads/stores, nested loops",
        source: wasm!("matmul"),
        arg: 445,
    },
    Workload {
        name: "sort",
        stresses: "quicksort + heapsort, branches",
        source: wasm!("sort"),
        arg: 64,
    },
    Workload {
        name: "hash",
        stresses: "sha256 + fnv1a, bit ops",
        source: wasm!("hash"),
        arg: 2600,
    },
    Workload {
        name: "dispatch",
        stresses: "call_indirect, vtables",
        source: wasm!("dispatch"),
        arg: 5_500_000,
    },
    Workload {
        name: "vm",
        stresses: "switch dispatch loop (br_table)",
        source: wasm!("vm"),
        arg: 120_000,
    },
    Workload {
        name: "bulk",
        stresses: "memory.copy / memory.fill",
        source: wat!("bulk"),
        arg: 4500,
    },
    Workload {
        name: "coremark",
        stresses: "list, matrix, state machine, crc",
        source: wasm!("coremark"),
        arg: 3600,
    },
    Workload {
        name: "simd_matmul",
        stresses: "f32x4 mul/add/div/max, shuffles",
        source: wasm!("simd_matmul"),
        arg: 3200,
    },
    Workload {
        name: "simd_blur",
        stresses: "i8x16/i16x8 widen, narrow, sat",
        source: wasm!("simd_blur"),
        arg: 1100,
    },
    Workload {
        name: "simd_hash",
        stresses: "i32x4/i64x2 mul, shifts, swizzle",
        source: wasm!("simd_hash"),
        arg: 20_000,
    },
];

/// Over a megabyte of generated code: used to measure translation throughput, not
/// execution.
pub const BIG: Workload = Workload {
    name: "big",
    stresses: "translation throughput",
    source: wasm!("big"),
    arg: 100_000,
};

/// The module behind the host-call micro-benchmarks: `add` for host-to-wasm calls and
/// `call_host` for wasm-to-host calls through the `host.inc` import.
pub const MICRO_WAT: &str = r#"
(module
  (import "host" "inc" (func $inc (param i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  ;; Calls the host n times, threading each result into the next call so the
  ;; calls cannot be skipped; returns n.
  (func (export "call_host") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (local.get $acc)))
"#;

/// The host function behind `host.inc`, shared so every runtime does the same work.
pub fn host_inc(x: i32) -> i32 {
    x.wrapping_add(1)
}
