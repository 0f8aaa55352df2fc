//! Times a few workloads on the interpreter and as Cranelift code, in one process.
//!
//! `cargo run --release -p tandem-jit --example jit_vs_interp`
//!
//! Absolute times drift between runs on a shared machine; the ratios are what to read.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Instance, compiler, i32, module};

const WORKLOADS: &str = r#"(module
    (memory 1)
    (func $fib (export "fib") (param i32) (result i32)
        local.get 0 i32.const 2 i32.lt_u
        if (result i32)
            local.get 0
        else
            local.get 0 i32.const 1 i32.sub call $fib
            local.get 0 i32.const 2 i32.sub call $fib
            i32.add
        end)
    (func (export "loop") (param $n i32) (result i64)
        (local $i i32) (local $acc i64)
        block $done
            loop $next
                local.get $i local.get $n i32.ge_u br_if $done
                local.get $acc
                local.get $i i64.extend_i32_u local.get $i i64.extend_i32_u i64.mul
                i64.const 7 i64.rem_u
                i64.add local.set $acc
                local.get $i i32.const 1 i32.add local.set $i
                br $next
            end
        end
        local.get $acc)
    (func (export "sieve") (param $n i32) (result i32)
        ;; Counts the primes below $n with a byte array in memory.
        (local $i i32) (local $j i32) (local $count i32)
        i32.const 2 local.set $i
        block $done loop $outer
            local.get $i local.get $n i32.ge_u br_if $done
            local.get $i i32.load8_u i32.eqz
            if
                local.get $count i32.const 1 i32.add local.set $count
                local.get $i local.get $i i32.mul local.set $j
                block $marked loop $mark
                    local.get $j local.get $n i32.ge_u br_if $marked
                    local.get $j i32.const 1 i32.store8
                    local.get $j local.get $i i32.add local.set $j
                    br $mark
                end end
            end
            local.get $i i32.const 1 i32.add local.set $i
            br $outer
        end end
        local.get $count)
    (func (export "mandel") (param $size i32) (result i32)
        ;; Points of a $size x $size grid inside the Mandelbrot set after 100 iterations.
        (local $px i32) (local $py i32) (local $k i32) (local $count i32)
        (local $cx f64) (local $cy f64) (local $x f64) (local $y f64) (local $t f64)
        block $rows_done loop $rows
            local.get $py local.get $size i32.ge_u br_if $rows_done
            i32.const 0 local.set $px
            block $cols_done loop $cols
                local.get $px local.get $size i32.ge_u br_if $cols_done
                local.get $px f64.convert_i32_u local.get $size f64.convert_i32_u f64.div
                f64.const 3 f64.mul f64.const -2 f64.add local.set $cx
                local.get $py f64.convert_i32_u local.get $size f64.convert_i32_u f64.div
                f64.const 3 f64.mul f64.const -1.5 f64.add local.set $cy
                f64.const 0 local.set $x f64.const 0 local.set $y
                i32.const 0 local.set $k
                block $escaped loop $iterate
                    local.get $x local.get $x f64.mul local.get $y local.get $y f64.mul f64.add
                    f64.const 4 f64.gt br_if $escaped
                    local.get $x local.get $x f64.mul local.get $y local.get $y f64.mul f64.sub
                    local.get $cx f64.add local.set $t
                    f64.const 2 local.get $x f64.mul local.get $y f64.mul local.get $cy f64.add
                    local.set $y
                    local.get $t local.set $x
                    local.get $k i32.const 1 i32.add local.tee $k
                    i32.const 100 i32.lt_u br_if $iterate
                end
                local.get $count i32.const 1 i32.add local.set $count
                end
                local.get $px i32.const 1 i32.add local.set $px
                br $cols
            end end
            local.get $py i32.const 1 i32.add local.set $py
            br $rows
        end end
        local.get $count))"#;

/// The best of three runs of `f`.
fn best_of_three(mut f: impl FnMut() -> Vec<u64>) -> (Duration, Vec<u64>) {
    let mut best = Duration::MAX;
    let mut result = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        result = f();
        best = best.min(start.elapsed());
    }
    (best, result)
}

fn main() {
    let code = module(WORKLOADS);
    let mut compiler = compiler();
    let jit = Instance::new(code.clone(), &[]);
    let start = Instant::now();
    let compiled = jit.compile_all(&mut compiler);
    let compile_time = start.elapsed();
    let code_size: usize = compiled
        .iter()
        .map(|c| c.as_ref().expect("compiles").code_size)
        .sum();
    println!(
        "compiled {} functions ({code_size} bytes) in {:.2} ms",
        compiled.len(),
        compile_time.as_secs_f64() * 1e3
    );
    let interp = Instance::new(code, &[]);

    println!(
        "{:<22} {:>12} {:>12} {:>8}",
        "workload", "interpreter", "cranelift", "speedup"
    );
    for (name, arg) in [
        ("fib", 30),
        ("loop", 50_000_000),
        ("sieve", 60_000),
        ("mandel", 300),
    ] {
        let (t_interp, r_interp) = best_of_three(|| interp.call_interp(name, &[i32(arg)]).unwrap());
        let (t_jit, r_jit) = best_of_three(|| jit.call_jit(name, &[i32(arg)]).unwrap());
        assert_eq!(r_interp, r_jit, "{name}");
        println!(
            "{:<22} {:>10.1}ms {:>10.1}ms {:>7.1}x",
            format!("{name}({arg})"),
            t_interp.as_secs_f64() * 1e3,
            t_jit.as_secs_f64() * 1e3,
            t_interp.as_secs_f64() / t_jit.as_secs_f64()
        );
    }
}
