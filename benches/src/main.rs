//! Benchmarks tandem's interpreter against wasmi and Wasmtime's Pulley interpreter,
//! and tandem's Cranelift tier (up front and tiered) against Wasmtime's Cranelift.
//!
//! Every runtime gets the same module bytes and the same argument; a workload's
//! checksum must agree across runtimes and runs, or the whole run aborts, since a
//! fast wrong answer is not a result. Timings are medians, and iterations are
//! interleaved across runtimes, in an order shuffled from one iteration to the next,
//! so slow drift in machine load hits all of them alike and the runtime that runs just
//! before each one varies (see `run_orders`).

mod report;
mod runtimes;
mod svg;
mod workloads;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use report::{CallCost, CompileCost, Measured, Micro, Suite, WorkloadResult};
use runtimes::{CompileMode, Runtime, Sample};
use workloads::Workload;

#[derive(Parser)]
#[command(about = "Compare tandem with wasmi and Wasmtime (Pulley and Cranelift)")]
struct Args {
    /// Run only the workloads whose name contains NAME (=NAME: only the one named NAME).
    #[arg(long, value_name = "NAME")]
    filter: Option<String>,
    /// Runtimes to run, comma-separated: the interpreters tandem, wasmi, pulley,
    /// tandem-fuel (tandem metering fuel), and the native-code runtimes
    /// tandem-cranelift, tandem-tiered and wasmtime (Cranelift for the host).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "tandem,wasmi,pulley,tandem-fuel,tandem-cranelift,tandem-tiered,wasmtime"
    )]
    runtimes: Vec<String>,
    /// Runs per measurement; the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    iterations: u32,
    /// Run the micro-benchmarks (host calls, translation throughput) instead of the
    /// workloads.
    #[arg(long)]
    micro: bool,
    /// Pass N to every workload's `run` instead of its default, to size workloads.
    #[arg(long, value_name = "N")]
    arg: Option<i32>,
    /// Print results only; leave RESULTS.md and results.svg untouched.
    #[arg(long)]
    no_write: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> runtimes::Result<()> {
    let runtimes = args
        .runtimes
        .iter()
        .map(|name| runtimes::by_name(name.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let command = command_line();
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if args.micro {
        let micro = run_micro(&runtimes, args.iterations as usize, command)?;
        report::print_micro(&micro);
        if !args.no_write {
            report::write_section(
                &out_dir.join("RESULTS.md"),
                "micro",
                &report::micro_markdown(&micro),
            )?;
        }
    } else {
        let suite = run_suite(&runtimes, args, command)?;
        report::print_suite(&suite);
        if !args.no_write {
            report::write_section(
                &out_dir.join("RESULTS.md"),
                "workloads",
                &report::suite_markdown(&suite),
            )?;
            std::fs::write(out_dir.join("results.svg"), svg::chart(&suite))?;
            println!("\nwrote RESULTS.md and results.svg");
        }
    }
    Ok(())
}

/// The command that reproduces this run, for the report.
fn command_line() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .map(|a| if a.contains(' ') { format!("'{a}'") } else { a })
        .collect();
    let mut command = "cargo run --release -p tandem-benches".to_string();
    if !args.is_empty() {
        command += " -- ";
        command += &args.join(" ");
    }
    command
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn run_suite(
    runtimes: &[Box<dyn Runtime>],
    args: &Args,
    command: String,
) -> runtimes::Result<Suite> {
    let selected: Vec<&Workload> = workloads::ALL
        .iter()
        .filter(|w| {
            args.filter
                .as_ref()
                .is_none_or(|f| match f.strip_prefix('=') {
                    Some(exact) => w.name == exact,
                    None => w.name.contains(f.as_str()),
                })
        })
        .collect();
    if selected.is_empty() {
        return Err(format!(
            "no workload matches {:?}",
            args.filter.as_deref().unwrap_or("")
        )
        .into());
    }
    let iterations = args.iterations as usize;
    let mut results = Vec::new();
    for workload in selected {
        let wasm = workload.wasm();
        let arg = args.arg.unwrap_or(workload.arg);
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); runtimes.len()];
        for order in run_orders(runtimes.len(), iterations) {
            for index in order {
                let runtime = &runtimes[index];
                let sample = runtime
                    .run_workload(&wasm, arg)
                    .map_err(|e| format!("{} failed on {}: {e}", runtime.name(), workload.name))?;
                samples[index].push(sample);
            }
        }
        check_checksums(workload.name, runtimes, &samples)?;
        let measured: Vec<Measured> = runtimes
            .iter()
            .zip(samples)
            .map(|(runtime, samples)| Measured {
                runtime: runtime.name(),
                compile: median(samples.iter().map(|s| s.compile).collect()),
                instantiate: median(samples.iter().map(|s| s.instantiate).collect()),
                execute: median(samples.iter().map(|s| s.execute).collect()),
                checksum: samples[0].checksum,
                // The last run's, once any one-off start-up (a compiler thread) is past.
                native: samples.last().and_then(|s| s.native),
            })
            .collect();
        let line: Vec<String> = measured
            .iter()
            .map(|m| format!("{} {}", m.runtime, report::duration(m.execute)))
            .collect();
        println!("{:<11} n={:<10} {}", workload.name, arg, line.join("  "));
        results.push(WorkloadResult {
            name: workload.name,
            stresses: workload.stresses,
            arg,
            wasm_bytes: wasm.len(),
            functions: defined_functions(&wasm)?,
            measured,
        });
    }
    Ok(Suite {
        command,
        iterations,
        runtimes: runtimes.iter().map(|r| r.name()).collect(),
        native: runtimes
            .iter()
            .filter(|r| r.is_native())
            .map(|r| r.name())
            .collect(),
        workloads: results,
    })
}

/// The order in which `count` runtimes run in each of `iterations` iterations. The first
/// keeps the order given; each later one is the shuffle (of a few hundred, drawn with a
/// fixed seed so runs repeat) that repeats the fewest neighbours seen so far, counting the
/// last runtime of the iteration before as the first one's, and never runs a runtime twice
/// in a row. A compile measured right after another runtime's long run finds caches and
/// branch predictors as that runtime left them, and right after its own run, warm: a fixed
/// order (or a rotated one, which keeps every neighbour) would measure each runtime after
/// the same one every time.
fn run_orders(count: usize, iterations: usize) -> Vec<Vec<usize>> {
    const CANDIDATES: usize = 256;
    // xorshift64*.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut seen = std::collections::HashSet::new();
    let mut orders: Vec<Vec<usize>> = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let last = orders.last().and_then(|order| order.last().copied());
        let neighbours = |order: &[usize]| {
            last.map(|last| (last, order[0]))
                .into_iter()
                .chain(order.windows(2).map(|pair| (pair[0], pair[1])))
                .collect::<Vec<_>>()
        };
        let identity: Vec<usize> = (0..count).collect();
        let order = if orders.is_empty() || count < 2 {
            identity
        } else {
            (0..CANDIDATES)
                .map(|_| {
                    let mut order = identity.clone();
                    // Fisher-Yates.
                    for i in (1..count).rev() {
                        let j = (next() % (i as u64 + 1)) as usize;
                        order.swap(i, j);
                    }
                    order
                })
                .filter(|order| Some(order[0]) != last)
                .min_by_key(|order| {
                    neighbours(order)
                        .iter()
                        .filter(|pair| seen.contains(*pair))
                        .count()
                })
                .expect("a shuffle that starts with another runtime")
        };
        seen.extend(neighbours(&order));
        orders.push(order);
    }
    orders
}

/// Fails unless every sample of every runtime returned the same checksum: a
/// disagreement means one runtime computes the wrong answer, so its timings mean
/// nothing.
fn check_checksums(
    workload: &str,
    runtimes: &[Box<dyn Runtime>],
    samples: &[Vec<Sample>],
) -> runtimes::Result<()> {
    let expected = samples[0][0].checksum;
    let mismatch = samples.iter().flatten().any(|s| s.checksum != expected);
    if !mismatch {
        return Ok(());
    }
    let mut message = format!("CHECKSUM MISMATCH on workload `{workload}`:");
    for (runtime, samples) in runtimes.iter().zip(samples) {
        let sums: Vec<String> = samples
            .iter()
            .map(|s| format!("{:#018x}", s.checksum))
            .collect();
        message += &format!("\n  {:<12} {}", runtime.name(), sums.join(" "));
    }
    Err(message.into())
}

/// Host-to-wasm calls timed per measurement, and wasm-to-host calls per loop.
const CALLS: u32 = 2_000_000;

fn run_micro(
    runtimes: &[Box<dyn Runtime>],
    iterations: usize,
    command: String,
) -> runtimes::Result<Micro> {
    let micro_wasm = wat::parse_str(workloads::MICRO_WAT)?;
    let mut calls = Vec::new();
    for runtime in runtimes {
        let mut into_wasm = Vec::new();
        let mut out_of_wasm = Vec::new();
        for _ in 0..iterations {
            into_wasm.push(runtime.host_to_wasm_calls(&micro_wasm, CALLS)?);
            out_of_wasm.push(runtime.wasm_to_host_calls(&micro_wasm, CALLS)?);
        }
        // Per call in fractional nanoseconds: `Duration` division would round to whole ones.
        let per_call = |total: Duration| total.as_secs_f64() * 1e9 / f64::from(CALLS);
        let cost = CallCost {
            runtime: runtime.name(),
            host_to_wasm_ns: per_call(median(into_wasm)),
            wasm_to_host_ns: per_call(median(out_of_wasm)),
        };
        println!(
            "{:<12} host->wasm {:.1} ns/call, wasm->host {:.1} ns/call",
            cost.runtime, cost.host_to_wasm_ns, cost.wasm_to_host_ns
        );
        calls.push(cost);
    }

    let big = &workloads::BIG;
    let wasm = big.wasm();
    let code_bytes = code_section_len(&wasm)?;
    let mut compile = Vec::new();
    for runtime in runtimes {
        let lazy = median(
            (0..iterations)
                .map(|_| runtime.compile(&wasm, CompileMode::Default))
                .collect::<Result<_, _>>()?,
        );
        let eager = if runtime.has_eager_mode() {
            Some(median(
                (0..iterations)
                    .map(|_| runtime.compile(&wasm, CompileMode::Eager))
                    .collect::<Result<_, _>>()?,
            ))
        } else {
            None
        };
        println!(
            "{:<12} compile {}: default {}, eager {}",
            runtime.name(),
            big.name,
            report::duration(lazy),
            eager.map_or("-".into(), report::duration)
        );
        compile.push(CompileCost {
            runtime: runtime.name(),
            lazy,
            eager,
        });
    }
    Ok(Micro {
        command,
        iterations,
        calls,
        module_name: big.name,
        module_bytes: wasm.len(),
        code_bytes,
        compile,
    })
}

/// The size of the module's code section: the bytes that translation actually reads.
fn code_section_len(wasm: &[u8]) -> runtimes::Result<usize> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionStart {
            unchecked_range, ..
        } = payload?
        {
            return Ok((unchecked_range.end - unchecked_range.start) as usize);
        }
    }
    Err("module has no code section".into())
}

/// How many functions the module defines (its imports excluded).
fn defined_functions(wasm: &[u8]) -> runtimes::Result<usize> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::FunctionSection(functions) = payload? {
            return Ok(functions.count() as usize);
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::run_orders;

    #[test]
    fn run_orders_vary_each_runtimes_predecessor() {
        for count in 1..=8 {
            for iterations in 1..=7 {
                let orders = run_orders(count, iterations);
                assert_eq!(orders.len(), iterations);
                assert_eq!(orders[0], (0..count).collect::<Vec<_>>());
                for order in &orders {
                    let mut sorted = order.clone();
                    sorted.sort();
                    assert_eq!(sorted, (0..count).collect::<Vec<_>>());
                }
                // Every run but the first, with the runtime that ran just before it.
                let runs: Vec<usize> = orders.concat();
                let mut predecessors = vec![std::collections::HashSet::new(); count];
                for pair in runs.windows(2) {
                    if count > 1 {
                        assert_ne!(pair[0], pair[1], "{count} runtimes: {orders:?}");
                    }
                    predecessors[pair[1]].insert(pair[0]);
                }
                // From three runtimes and three iterations on, none always follows the same one.
                if count >= 3 && iterations >= 3 {
                    for (runtime, before) in predecessors.iter().enumerate() {
                        assert!(before.len() >= 2, "{runtime} in {orders:?}");
                    }
                }
            }
        }
    }
}
