//! Console output and `RESULTS.md`.
//!
//! `RESULTS.md` is made of sections delimited by HTML comments, one per kind of run
//! (`workloads`, `micro`): a run replaces only its own section, so the suite and the
//! micro-benchmarks can be run separately without losing each other's results.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::runtimes::Native;

/// The runtime every interpreter's execution ratio is taken against.
pub const REFERENCE: &str = "wasmi";

/// tandem's interpreter, the Cranelift tier compiling up front, the tiered strategy, and
/// Wasmtime's Cranelift (native code for the host): the runtimes of the Cranelift tier's
/// figures.
const INTERPRETER: &str = "tandem";
const CRANELIFT: &str = "tandem-cranelift";
const TIERED: &str = "tandem-tiered";
const WASMTIME: &str = "wasmtime";

/// Medians of one runtime's samples on one workload.
#[derive(Debug, Clone)]
pub struct Measured {
    pub runtime: &'static str,
    pub compile: Duration,
    pub instantiate: Duration,
    pub execute: Duration,
    pub checksum: i64,
    /// What tandem's Cranelift tier compiled (tandem-cranelift and tandem-tiered).
    pub native: Option<Native>,
}

impl Measured {
    /// Compile, instantiate and execution: the time from module bytes to the result.
    pub fn total(&self) -> Duration {
        self.compile + self.instantiate + self.execute
    }
}

#[derive(Debug, Clone)]
pub struct WorkloadResult {
    pub name: &'static str,
    pub stresses: &'static str,
    pub arg: i32,
    pub wasm_bytes: usize,
    /// Functions the module defines.
    pub functions: usize,
    pub measured: Vec<Measured>,
}

impl WorkloadResult {
    pub fn get(&self, runtime: &str) -> Option<&Measured> {
        self.measured.iter().find(|m| m.runtime == runtime)
    }

    /// `runtime`'s execution time divided by `base`'s, if both ran.
    pub fn ratio(&self, runtime: &str, base: &str) -> Option<f64> {
        let (a, b) = (self.get(runtime)?, self.get(base)?);
        Some(a.execute.as_secs_f64() / b.execute.as_secs_f64())
    }

    /// The total time (compile, instantiate, execute) of tandem-tiered divided by the
    /// better total of the interpreter and the Cranelift tier, with the name of the
    /// better one; `None` unless all three ran.
    pub fn tiered_ratio(&self) -> Option<(f64, &'static str)> {
        let tiered = self.get(TIERED)?.total();
        let best = [self.get(INTERPRETER)?, self.get(CRANELIFT)?]
            .into_iter()
            .min_by_key(|m| m.total())?;
        Some((
            tiered.as_secs_f64() / best.total().as_secs_f64(),
            best.runtime,
        ))
    }
}

/// Everything one run of the workload suite measured.
pub struct Suite {
    pub command: String,
    pub iterations: usize,
    pub runtimes: Vec<&'static str>,
    /// The runtimes in `runtimes` that run native code; the others are interpreters.
    pub native: Vec<&'static str>,
    pub workloads: Vec<WorkloadResult>,
}

/// A column of execution ratios: `runtime / base`.
pub struct RatioColumn {
    pub runtime: &'static str,
    pub base: &'static str,
}

impl RatioColumn {
    pub fn title(&self) -> String {
        format!("{}/{}", self.runtime, self.base)
    }
}

impl Suite {
    /// The interpreters among the runtimes, in command-line order.
    pub fn interpreters(&self) -> Vec<&'static str> {
        self.runtimes
            .iter()
            .copied()
            .filter(|r| !self.native.contains(r))
            .collect()
    }

    fn has(&self, runtime: &str) -> bool {
        self.runtimes.contains(&runtime)
    }

    /// The interpreter ratio columns this run can fill in: every interpreter against
    /// wasmi, and the fuel-metered tandem against plain tandem, which is the overhead
    /// of metering. Runtimes running native code are compared in the Cranelift tier's
    /// tables instead.
    pub fn ratio_columns(&self) -> Vec<RatioColumn> {
        let has = |name: &str| self.has(name);
        let mut columns = Vec::new();
        if has(REFERENCE) {
            for runtime in self.interpreters() {
                if runtime != REFERENCE {
                    columns.push(RatioColumn {
                        runtime,
                        base: REFERENCE,
                    });
                }
            }
        }
        if has("tandem") && has("tandem-fuel") {
            columns.push(RatioColumn {
                runtime: "tandem-fuel",
                base: "tandem",
            });
        }
        columns
    }

    /// The geometric mean of a ratio column over the workloads.
    pub fn geomean(&self, column: &RatioColumn) -> Option<f64> {
        let ratios: Vec<f64> = self
            .workloads
            .iter()
            .filter_map(|w| w.ratio(column.runtime, column.base))
            .collect();
        geomean(&ratios)
    }
}

pub fn geomean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some((values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

/// Formats a duration with a unit that keeps three or four significant digits.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.1} ms", secs * 1e3)
    } else if secs >= 1e-6 {
        format!("{:.1} µs", secs * 1e6)
    } else {
        format!("{} ns", d.as_nanos())
    }
}

fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_string(), |r| format!("{r:.2}"))
}

/// A simple Markdown table; also readable as plain text on the console.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: Vec<String>) -> Self {
        Table {
            header,
            rows: Vec::new(),
        }
    }

    fn row(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    fn markdown(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, &w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let mut out = line(&self.header);
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        out += &line(&rule);
        for row in &self.rows {
            out += &line(row);
        }
        out
    }
}

fn execution_table(suite: &Suite) -> Table {
    let runtimes = suite.interpreters();
    let columns = suite.ratio_columns();
    let mut header = vec!["workload".to_string(), "n".to_string()];
    header.extend(runtimes.iter().map(|r| r.to_string()));
    header.extend(columns.iter().map(RatioColumn::title));
    let mut table = Table::new(header);
    for w in &suite.workloads {
        let mut row = vec![w.name.to_string(), w.arg.to_string()];
        row.extend(
            runtimes
                .iter()
                .map(|r| w.get(r).map_or("–".into(), |m| duration(m.execute))),
        );
        row.extend(columns.iter().map(|c| ratio(w.ratio(c.runtime, c.base))));
        table.row(row);
    }
    let mut row = vec!["geomean".to_string(), String::new()];
    row.extend(runtimes.iter().map(|_| String::new()));
    row.extend(columns.iter().map(|c| ratio(suite.geomean(c))));
    table.row(row);
    table
}

/// Compile and instantiate times of `runtimes`.
fn setup_table(suite: &Suite, runtimes: &[&'static str]) -> Table {
    let mut header = vec!["workload".to_string(), "wasm bytes".to_string()];
    header.extend(runtimes.iter().map(|r| format!("{r} compile")));
    header.extend(runtimes.iter().map(|r| format!("{r} instantiate")));
    let mut table = Table::new(header);
    for w in &suite.workloads {
        let mut row = vec![w.name.to_string(), w.wasm_bytes.to_string()];
        row.extend(
            runtimes
                .iter()
                .map(|r| w.get(r).map_or("–".into(), |m| duration(m.compile))),
        );
        row.extend(
            runtimes
                .iter()
                .map(|r| w.get(r).map_or("–".into(), |m| duration(m.instantiate))),
        );
        table.row(row);
    }
    table
}

/// "compiled/defined" functions of a tandem run with the Cranelift tier.
fn native_functions(w: &WorkloadResult, runtime: &str) -> String {
    w.get(runtime)
        .and_then(|m| m.native)
        .map_or("–".into(), |n| format!("{}/{}", n.functions, w.functions))
}

/// tandem-cranelift against Wasmtime's Cranelift: execution times and their ratio.
fn cranelift_table(suite: &Suite) -> Table {
    let column = RatioColumn {
        runtime: CRANELIFT,
        base: WASMTIME,
    };
    let mut table = Table::new(vec![
        "workload".into(),
        "native functions".into(),
        CRANELIFT.into(),
        WASMTIME.into(),
        column.title(),
    ]);
    let execute =
        |w: &WorkloadResult, r: &str| w.get(r).map_or("–".into(), |m| duration(m.execute));
    for w in &suite.workloads {
        table.row(vec![
            w.name.to_string(),
            native_functions(w, CRANELIFT),
            execute(w, CRANELIFT),
            execute(w, WASMTIME),
            ratio(w.ratio(column.runtime, column.base)),
        ]);
    }
    // Functions the tier does not compile run on the interpreter, which says nothing
    // about the quality of tandem's native code: the second geomean leaves those
    // workloads out.
    let fully_compiled: Vec<f64> = suite
        .workloads
        .iter()
        .filter(|w| {
            w.get(CRANELIFT)
                .and_then(|m| m.native)
                .is_some_and(|n| n.functions == w.functions)
        })
        .filter_map(|w| w.ratio(column.runtime, column.base))
        .collect();
    let summary = |label: &str, value: Option<f64>| {
        vec![
            label.to_string(),
            String::new(),
            String::new(),
            String::new(),
            ratio(value),
        ]
    };
    table.row(summary("geomean", suite.geomean(&column)));
    table.row(summary("geomean, all native", geomean(&fully_compiled)));
    table
}

/// tandem-tiered's total time against the better of the interpreter's and the
/// Cranelift tier's, with what the tiered run compiled.
fn tiered_table(suite: &Suite) -> Table {
    let mut table = Table::new(vec![
        "workload".into(),
        format!("{INTERPRETER} total"),
        format!("{CRANELIFT} total"),
        format!("{TIERED} total"),
        format!("{TIERED}/best"),
        "best".into(),
        "tiered native functions".into(),
        "tiered loop transfers".into(),
        "tiered loop entries".into(),
    ]);
    let total =
        |w: &WorkloadResult, r: &str| w.get(r).map_or("–".into(), |m| duration(m.total()));
    let mut ratios = Vec::new();
    for w in &suite.workloads {
        let best = w.tiered_ratio();
        ratios.extend(best.map(|(r, _)| r));
        let native = w.get(TIERED).and_then(|m| m.native);
        let loop_transfers = native.map_or("–".into(), |n| n.loop_transfers.to_string());
        let loop_entries = native.map_or("–".into(), |n| n.loop_entries.to_string());
        table.row(vec![
            w.name.to_string(),
            total(w, INTERPRETER),
            total(w, CRANELIFT),
            total(w, TIERED),
            ratio(best.map(|(r, _)| r)),
            best.map_or("–".into(), |(_, name)| name.to_string()),
            native_functions(w, TIERED),
            loop_transfers,
            loop_entries,
        ]);
    }
    let summary = |label: &str, value: Option<f64>| {
        let mut row = vec![label.to_string()];
        row.extend(["", "", ""].map(String::from));
        row.push(ratio(value));
        row.extend(["", "", "", ""].map(String::from));
        row
    };
    table.row(summary("geomean", geomean(&ratios)));
    table.row(summary("max", ratios.iter().copied().reduce(f64::max)));
    table
}

/// Which of the Cranelift tier's tables this run can fill in.
struct CraneliftTables {
    versus_wasmtime: bool,
    tiered: bool,
    /// The runtimes running native code, for their compile and instantiate table.
    native: Vec<&'static str>,
}

impl Suite {
    fn cranelift_tables(&self) -> CraneliftTables {
        CraneliftTables {
            versus_wasmtime: self.has(CRANELIFT) && self.has(WASMTIME),
            tiered: self.has(TIERED) && self.has(CRANELIFT) && self.has(INTERPRETER),
            native: self.native.clone(),
        }
    }
}

pub fn print_suite(suite: &Suite) {
    let interpreters = suite.interpreters();
    if !interpreters.is_empty() {
        println!(
            "\nInterpreters: execution (median of {}), ratios of execution time (lower is faster):\n",
            suite.iterations
        );
        print!("{}", execution_table(suite).markdown());
        println!("\nInterpreters: compile and instantiate (median):\n");
        print!("{}", setup_table(suite, &interpreters).markdown());
    }
    let tables = suite.cranelift_tables();
    if tables.versus_wasmtime {
        println!(
            "\nCranelift tier: execution (median of {}), tandem-cranelift against Wasmtime:\n",
            suite.iterations
        );
        print!("{}", cranelift_table(suite).markdown());
    }
    if tables.tiered {
        println!(
            "\nCranelift tier: total time (compile + instantiate + execute), tandem-tiered against \
             the better of tandem and tandem-cranelift:\n"
        );
        print!("{}", tiered_table(suite).markdown());
    }
    if !tables.native.is_empty() {
        println!("\nCranelift tier: compile and instantiate (median):\n");
        print!("{}", setup_table(suite, &tables.native).markdown());
    }
}

fn preamble(command: &str, iterations: usize) -> String {
    format!(
        "Command: `{command}`\n\nDate: {} (UTC). Each figure is the median of {iterations} runs. \
         Machine: {}, shared and noisy: compare ratios, not absolute times. Ratios differ \
         between processors too: each interpreter's dispatch meets a different branch \
         predictor.\n\n",
        today(),
        machine()
    )
}

/// The processor's model and how many threads the process may use, as far as the OS tells.
fn machine() -> String {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "an unknown processor".into());
    format!("{model}, {threads} threads")
}

pub fn suite_markdown(suite: &Suite) -> String {
    let mut md = String::from("## Workloads\n\n");
    md += &preamble(&suite.command, suite.iterations);
    let interpreters = suite.interpreters();
    if !interpreters.is_empty() {
        md += "### Interpreters\n\n\
               Execution time of `run(n)` per interpreter, then ratios of execution times: \
               `x/wasmi` below 1 means x is faster than wasmi; `tandem-fuel/tandem` is the \
               cost of fuel metering. Every runtime returned the same checksum on every \
               workload.\n\n";
        md += &execution_table(suite).markdown();
        md += "\n![Execution time relative to wasmi](results.svg)\n\n";
        md += "#### Compile and instantiate\n\n\
               tandem and wasmi validate at compile time and translate each function on its \
               first call, so their translation cost is part of the execution time above; \
               Wasmtime compiles the whole module to Pulley bytecode with Cranelift up \
               front.\n\n";
        md += &setup_table(suite, &interpreters).markdown();
        md += "\n";
    }
    let tables = suite.cranelift_tables();
    if tables.versus_wasmtime || tables.tiered || !tables.native.is_empty() {
        md += "### Cranelift tier\n\n\
               `tandem-cranelift` compiles every function it supports with Cranelift when \
               the module is created (`Strategy::Cranelift`); `tandem-tiered` interprets \
               first and compiles a function on a background thread once its calls and \
               loop back edges reach 1000; a call still running on the interpreter then \
               moves into the function's code at the next back edge of an outermost loop, \
               or, after 64 times as many back edges of a nested loop, into code compiled \
               for that loop (on-stack replacement; `Strategy::Tiered` with its \
               defaults); `wasmtime` is Wasmtime compiling to native code for the host \
               with Cranelift (its default configuration).\n\n";
    }
    if tables.versus_wasmtime {
        md += "Execution time of `run(n)`. \"native functions\" is how many of the \
               module's functions tandem-cranelift compiled (the rest run on the \
               interpreter); `tandem-cranelift/wasmtime` below 1 means tandem's native code \
               is faster than Wasmtime's. \"geomean, all native\" leaves out the workloads where \
               some function ran on the interpreter.\n\n";
        md += &cranelift_table(suite).markdown();
        md += "\n";
    }
    if tables.tiered {
        md += "Total time from module bytes to result (compile + instantiate + execute). \
               `tandem-tiered/best` divides tandem-tiered's total by the better of tandem's \
               (interpreter only) and tandem-cranelift's, named in \"best\". \"tiered native \
               functions\" is how many functions the tiered run had compiled by its end, \
               \"tiered loop transfers\" how many running calls moved into native code at a \
               loop header, \"tiered loop entries\" how many loop headers it compiled code of \
               their own for, to do so.\n\n";
        md += &tiered_table(suite).markdown();
        md += "\n";
    }
    if !tables.native.is_empty() {
        md += "#### Compile and instantiate (native code)\n\n\
               tandem-cranelift and Wasmtime compile every function with Cranelift at \
               compile time; tandem-tiered only validates, like the interpreter, and \
               compiles during execution.\n\n";
        md += &setup_table(suite, &tables.native).markdown();
        md += "\n";
    }
    md += "### Workloads\n\n";
    let mut list = Table::new(vec![
        "workload".into(),
        "stresses".into(),
        "checksum".into(),
    ]);
    for w in &suite.workloads {
        let checksum = w
            .measured
            .first()
            .map_or(String::new(), |m| format!("{:#018x}", m.checksum));
        list.row(vec![w.name.to_string(), w.stresses.to_string(), checksum]);
    }
    md += &list.markdown();
    md
}

/// Per-call costs at the host/wasm boundary.
pub struct CallCost {
    pub runtime: &'static str,
    pub host_to_wasm_ns: f64,
    pub wasm_to_host_ns: f64,
}

/// Compile times of the large module.
pub struct CompileCost {
    pub runtime: &'static str,
    pub lazy: Duration,
    /// `None` where the runtime has no separate eager mode (Wasmtime is always eager).
    pub eager: Option<Duration>,
}

pub struct Micro {
    pub command: String,
    pub iterations: usize,
    pub calls: Vec<CallCost>,
    pub module_name: &'static str,
    pub module_bytes: usize,
    pub code_bytes: usize,
    pub compile: Vec<CompileCost>,
}

fn per_call(ns: f64) -> String {
    format!("{ns:.1} ns")
}

fn micro_tables(micro: &Micro) -> (Table, Table) {
    let mut calls = Table::new(vec![
        "runtime".into(),
        "host → wasm call".into(),
        "wasm → host call".into(),
    ]);
    for c in &micro.calls {
        calls.row(vec![
            c.runtime.into(),
            per_call(c.host_to_wasm_ns),
            per_call(c.wasm_to_host_ns),
        ]);
    }
    let mb = micro.code_bytes as f64 / 1e6;
    let throughput = |d: Duration| format!("{:.1} MB/s", mb / d.as_secs_f64());
    let mut compile = Table::new(vec![
        "runtime".into(),
        "default compile".into(),
        "eager compile".into(),
        "eager translation throughput".into(),
    ]);
    for c in &micro.compile {
        let (eager, rate) = match c.eager {
            Some(d) => (duration(d), throughput(d)),
            None => (
                format!("(same as default: {})", duration(c.lazy)),
                throughput(c.lazy),
            ),
        };
        compile.row(vec![c.runtime.into(), duration(c.lazy), eager, rate]);
    }
    (calls, compile)
}

pub fn print_micro(micro: &Micro) {
    let (calls, compile) = micro_tables(micro);
    println!(
        "\nCalls across the host boundary (median of {}):\n",
        micro.iterations
    );
    print!("{}", calls.markdown());
    println!(
        "\nCompiling `{}` ({} bytes, {} bytes of code):\n",
        micro.module_name, micro.module_bytes, micro.code_bytes
    );
    print!("{}", compile.markdown());
}

pub fn micro_markdown(micro: &Micro) -> String {
    let (calls, compile) = micro_tables(micro);
    let mut md = String::from("## Micro-benchmarks\n\n");
    md += &preamble(&micro.command, micro.iterations);
    md += "Cost per call: the host calling `add(i32, i32) -> i32` through a typed \
           function handle, and a wasm loop calling an imported host function \
           `inc(i32) -> i32`.\n\n";
    md += &calls.markdown();
    let _ = write!(
        md,
        "\nCompiling `{}` ({} bytes, of which {} bytes are the code section). The \
         default compile of tandem and wasmi validates and defers translation to each \
         function's first call; the eager compile translates every function (tandem: \
         `Config::lazy_translation(false)`, wasmi: `CompilationMode::Eager`); \
         tandem-tiered compiles like the interpreter, its Cranelift work comes later. \
         tandem-cranelift, pulley and wasmtime compile every function with Cranelift \
         up front, so they have no separate eager mode. Throughput is code-section \
         bytes per second of eager compile.\n\n",
        micro.module_name, micro.module_bytes, micro.code_bytes
    );
    md += &compile.markdown();
    md
}

const TITLE: &str = "# tandem benchmark results\n\n\
    Generated by `cargo run --release -p tandem-benches`; see `benches/README.md`.\n";

/// Replaces the section called `name` in the Markdown file at `path` (creating the
/// file or appending the section as needed).
pub fn write_section(path: &Path, name: &str, body: &str) -> std::io::Result<()> {
    let begin = format!("<!-- begin {name} -->\n");
    let end = format!("<!-- end {name} -->\n");
    let section = format!("{begin}{body}{end}");
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| TITLE.to_string());
    let new = match (old.find(&begin), old.find(&end)) {
        (Some(b), Some(e)) if b < e => format!("{}{section}{}", &old[..b], &old[e + end.len()..]),
        _ => format!(
            "{}\n{section}",
            old.trim_end_matches('\n').to_string() + "\n"
        ),
    };
    std::fs::write(path, new)
}

/// Today's date as YYYY-MM-DD in UTC, from the system clock.
pub fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Converts days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(runtime: &'static str, execute_ms: u64, native: Option<Native>) -> Measured {
        Measured {
            runtime,
            compile: Duration::from_millis(1),
            instantiate: Duration::ZERO,
            execute: Duration::from_millis(execute_ms),
            checksum: 7,
            native,
        }
    }

    fn native(functions: usize, loop_entries: usize) -> Option<Native> {
        Some(Native {
            functions,
            loop_entries,
            loop_transfers: loop_entries,
        })
    }

    fn suite() -> Suite {
        let runtimes = vec![
            "tandem",
            "wasmi",
            "tandem-cranelift",
            "tandem-tiered",
            "wasmtime",
        ];
        let workload = |name, cranelift_functions, ms: [u64; 5]| WorkloadResult {
            name,
            stresses: "",
            arg: 1,
            wasm_bytes: 10,
            functions: 2,
            measured: vec![
                measured("tandem", ms[0], None),
                measured("wasmi", ms[1], None),
                measured("tandem-cranelift", ms[2], native(cranelift_functions, 0)),
                measured("tandem-tiered", ms[3], native(1, 1)),
                measured("wasmtime", ms[4], None),
            ],
        };
        Suite {
            command: "cmd".into(),
            iterations: 1,
            runtimes,
            native: vec!["tandem-cranelift", "tandem-tiered", "wasmtime"],
            workloads: vec![
                workload("a", 2, [99, 49, 9, 10, 9]),
                workload("b", 1, [39, 19, 99, 39, 9]),
            ],
        }
    }

    #[test]
    fn only_interpreters_are_compared_with_wasmi() {
        let suite = suite();
        let titles: Vec<String> = suite
            .ratio_columns()
            .iter()
            .map(RatioColumn::title)
            .collect();
        assert_eq!(titles, ["tandem/wasmi"]);
        assert_eq!(suite.interpreters(), ["tandem", "wasmi"]);
    }

    #[test]
    fn tiered_is_compared_with_the_better_total() {
        let suite = suite();
        // Totals include the 1 ms compile: a is 11 / 10 (tandem-cranelift), b 40 / 40 (tandem).
        let (r, best) = suite.workloads[0].tiered_ratio().unwrap();
        assert!((r - 1.1).abs() < 1e-9);
        assert_eq!(best, "tandem-cranelift");
        let (r, best) = suite.workloads[1].tiered_ratio().unwrap();
        assert!((r - 1.0).abs() < 1e-9);
        assert_eq!(best, "tandem");
    }

    #[test]
    fn markdown_has_every_table() {
        let md = suite_markdown(&suite());
        assert!(md.contains("| tandem/wasmi |"));
        assert!(!md.contains("tandem-cranelift/wasmi"));
        assert!(md.contains("| tandem-cranelift/wasmtime |"));
        assert!(md.contains("| geomean, all native |"));
        assert!(md.contains("| tandem-tiered/best |"));
        assert!(md.contains("| 2/2 "));
        assert!(md.contains("| max "));
    }

    #[test]
    fn writing_a_section_keeps_the_others() {
        let path = std::env::temp_dir().join(format!("tandem-benches-{}.md", std::process::id()));
        std::fs::write(
            &path,
            "# title\n\n<!-- begin workloads -->\nold\n<!-- end workloads -->\n\n\
             <!-- begin micro -->\nmicro\n<!-- end micro -->\n",
        )
        .unwrap();
        write_section(&path, "workloads", "new\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            text,
            "# title\n\n<!-- begin workloads -->\nnew\n<!-- end workloads -->\n\n\
             <!-- begin micro -->\nmicro\n<!-- end micro -->\n"
        );
    }
}
