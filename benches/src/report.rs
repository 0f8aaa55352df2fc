//! Console output and `RESULTS.md`.
//!
//! `RESULTS.md` is made of sections delimited by HTML comments, one per kind of run
//! (`workloads`, `micro`): a run replaces only its own section, so the suite and the
//! micro-benchmarks can be run separately without losing each other's results.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The runtime every execution ratio is taken against.
pub const REFERENCE: &str = "wasmi";

/// Medians of one runtime's samples on one workload.
#[derive(Debug, Clone)]
pub struct Measured {
    pub runtime: &'static str,
    pub compile: Duration,
    pub instantiate: Duration,
    pub execute: Duration,
    pub checksum: i64,
}

#[derive(Debug, Clone)]
pub struct WorkloadResult {
    pub name: &'static str,
    pub stresses: &'static str,
    pub arg: i32,
    pub wasm_bytes: usize,
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
}

/// Everything one run of the workload suite measured.
pub struct Suite {
    pub command: String,
    pub iterations: usize,
    pub runtimes: Vec<&'static str>,
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
    /// The ratio columns this run can fill in: every runtime against wasmi, and the
    /// fuel-metered tandem against plain tandem, which is the overhead of metering.
    pub fn ratio_columns(&self) -> Vec<RatioColumn> {
        let has = |name: &str| self.runtimes.contains(&name);
        let mut columns = Vec::new();
        if has(REFERENCE) {
            for &runtime in &self.runtimes {
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
    let columns = suite.ratio_columns();
    let mut header = vec!["workload".to_string(), "n".to_string()];
    header.extend(suite.runtimes.iter().map(|r| r.to_string()));
    header.extend(columns.iter().map(RatioColumn::title));
    let mut table = Table::new(header);
    for w in &suite.workloads {
        let mut row = vec![w.name.to_string(), w.arg.to_string()];
        row.extend(
            suite
                .runtimes
                .iter()
                .map(|r| w.get(r).map_or("–".into(), |m| duration(m.execute))),
        );
        row.extend(columns.iter().map(|c| ratio(w.ratio(c.runtime, c.base))));
        table.row(row);
    }
    let mut row = vec!["geomean".to_string(), String::new()];
    row.extend(suite.runtimes.iter().map(|_| String::new()));
    row.extend(columns.iter().map(|c| ratio(suite.geomean(c))));
    table.row(row);
    table
}

fn setup_table(suite: &Suite) -> Table {
    let mut header = vec!["workload".to_string(), "wasm bytes".to_string()];
    header.extend(suite.runtimes.iter().map(|r| format!("{r} compile")));
    header.extend(suite.runtimes.iter().map(|r| format!("{r} instantiate")));
    let mut table = Table::new(header);
    for w in &suite.workloads {
        let mut row = vec![w.name.to_string(), w.wasm_bytes.to_string()];
        row.extend(
            suite
                .runtimes
                .iter()
                .map(|r| w.get(r).map_or("–".into(), |m| duration(m.compile))),
        );
        row.extend(
            suite
                .runtimes
                .iter()
                .map(|r| w.get(r).map_or("–".into(), |m| duration(m.instantiate))),
        );
        table.row(row);
    }
    table
}

pub fn print_suite(suite: &Suite) {
    println!(
        "\nExecution (median of {}), ratios of execution time (lower is faster):\n",
        suite.iterations
    );
    print!("{}", execution_table(suite).markdown());
    println!("\nCompile and instantiate (median):\n");
    print!("{}", setup_table(suite).markdown());
}

fn preamble(command: &str, iterations: usize) -> String {
    format!(
        "Command: `{command}`\n\nDate: {} (UTC). Each figure is the median of {iterations} runs. \
         Machine: 2 cores, shared, noisy: compare ratios, not absolute times.\n\n",
        today()
    )
}

pub fn suite_markdown(suite: &Suite) -> String {
    let mut md = String::from("## Workloads\n\n");
    md += &preamble(&suite.command, suite.iterations);
    md += "Execution time of `run(n)` per runtime, then ratios of execution times: \
           `x/wasmi` below 1 means x is faster than wasmi; `tandem-fuel/tandem` is the \
           cost of fuel metering. Every runtime returned the same checksum on every \
           workload.\n\n";
    md += &execution_table(suite).markdown();
    md += "\n![Execution time relative to wasmi](results.svg)\n\n";
    md += "### Compile and instantiate\n\n\
           tandem and wasmi validate at compile time and translate each function on its \
           first call, so their translation cost is part of the execution time above; \
           Wasmtime compiles the whole module to Pulley bytecode with Cranelift up \
           front.\n\n";
    md += &setup_table(suite).markdown();
    md += "\n### Workloads\n\n";
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
         `Config::lazy_translation(false)`, wasmi: `CompilationMode::Eager`). \
         Throughput is code-section bytes per second of eager compile.\n\n",
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
