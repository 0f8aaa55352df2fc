//! The `tandem` command line, run as a real process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TANDEM: &str = env!("CARGO_BIN_EXE_tandem");

/// A module of the repository's `examples/` folder.
fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// A directory private to one test of this process, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tandem-cli-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `contents` to `name` in the directory and returns its path.
    fn file(&self, name: &str, contents: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tandem(args: &[&str]) -> Output {
    Command::new(TANDEM)
        .args(args)
        .output()
        .expect("tandem starts")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a failure reported as exactly one `error:` line with status 1.
fn assert_one_line_error(out: &Output, expected: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for text in expected {
        assert!(err.contains(text), "expected `{text}` in: {err}");
    }
}

#[test]
fn invoke_add_prints_the_result() {
    let add = example("add.wat");
    let add = add.to_str().unwrap();
    let out = tandem(&["run", "--invoke", "add", add, "2", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "5\n");

    // Options may also follow the file, as in the README.
    let out = tandem(&["run", add, "--invoke", "add", "2", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "5\n");
}

#[test]
fn invoke_parses_negative_hex_and_float_arguments() {
    let scratch = Scratch::new("floats");
    let add = example("add.wat");
    let add = add.to_str().unwrap();
    let out = tandem(&["run", "--invoke", "add", add, "-2", "-3"]);
    assert_eq!(stdout(&out), "-5\n", "{}", stderr(&out));
    let out = tandem(&["run", "--invoke", "add", add, "0x10", "0x1"]);
    assert_eq!(stdout(&out), "17\n", "{}", stderr(&out));
    // Unsigned spelling of -1 wraps like the wasm value does.
    let out = tandem(&["run", "--invoke", "add", add, "4294967295", "2"]);
    assert_eq!(stdout(&out), "1\n", "{}", stderr(&out));

    let floats = scratch.file(
        "floats.wat",
        br#"(module
              (func (export "mul") (param f64 f32) (result f64 f32)
                (f64.mul (local.get 0) (local.get 0))
                (local.get 1)))"#,
    );
    let out = tandem(&["run", "--invoke", "mul", &floats, "1.5", "-inf"]);
    assert_eq!(stdout(&out), "2.25\n-inf\n", "{}", stderr(&out));
    let out = tandem(&["run", "--invoke", "mul", &floats, "nan", "0.25"]);
    assert_eq!(stdout(&out), "NaN\n0.25\n", "{}", stderr(&out));
}

#[test]
fn invoke_fib_example() {
    let fib = example("fib.wat");
    let out = tandem(&["run", "--invoke", "fib", fib.to_str().unwrap(), "50"]);
    assert_eq!(stdout(&out), "12586269025\n", "{}", stderr(&out));
    let out = tandem(&[
        "run",
        "--invoke",
        "fib_recursive",
        fib.to_str().unwrap(),
        "20",
    ]);
    assert_eq!(stdout(&out), "6765\n", "{}", stderr(&out));
}

#[test]
fn bad_arguments_are_one_line_errors() {
    let add = example("add.wat");
    let add = add.to_str().unwrap();
    let out = tandem(&["run", "--invoke", "add", add, "1"]);
    assert_one_line_error(&out, &["add", "2"]);
    let out = tandem(&["run", "--invoke", "add", add, "1", "two"]);
    assert_one_line_error(&out, &["two"]);
    let out = tandem(&["run", "--invoke", "add", add, "1", "4294967296"]);
    assert_one_line_error(&out, &["4294967296"]);
    let out = tandem(&["run", "--invoke", "sub", add, "1", "2"]);
    assert_one_line_error(&out, &["sub"]);
}

#[test]
fn trap_exits_non_zero_with_a_backtrace() {
    let out = tandem(&["run", example("trap.wat").to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(134), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("unreachable"), "{err}");
    assert!(err.contains("wasm backtrace"), "{err}");
    for name in ["check", "parse", "_start"] {
        assert!(err.contains(name), "expected `{name}` in: {err}");
    }
    assert_eq!(stdout(&out), "");
}

#[test]
fn start_or_default_export_runs_without_invoke() {
    let scratch = Scratch::new("default");
    // `_start` is preferred over the default export.
    let both = scratch.file(
        "both.wat",
        br#"(module
              (func (export "_start"))
              (func (export "") unreachable))"#,
    );
    let out = tandem(&["run", &both]);
    assert!(out.status.success(), "{}", stderr(&out));

    let default = scratch.file("default.wat", br#"(module (func (export "") unreachable))"#);
    let out = tandem(&["run", &default]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));

    // A module with neither has nothing to run, which is not an error.
    let neither = scratch.file("neither.wat", b"(module (memory 1))");
    let out = tandem(&["run", &neither]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn fuel_stops_an_infinite_loop() {
    let scratch = Scratch::new("fuel");
    let spin = scratch.file(
        "spin.wat",
        br#"(module (func (export "_start") (loop $l (br $l))))"#,
    );
    let out = tandem(&["run", "--fuel", "10000", &spin]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(134), "{err}");
    assert!(err.contains("fuel"), "{err}");
}

#[test]
fn missing_file_is_a_one_line_error() {
    let out = tandem(&["run", "no/such/module.wasm"]);
    assert_one_line_error(&out, &["no/such/module.wasm"]);
}

#[test]
fn malformed_module_is_a_one_line_error() {
    let scratch = Scratch::new("malformed");
    let bad = scratch.file("bad.wasm", b"\0asm\x01\0\0\0\x01\x05\x01\x60\x00");
    let out = tandem(&["run", &bad]);
    assert_one_line_error(&out, &["bad.wasm"]);

    let bad_text = scratch.file("bad.wat", b"(module (func (i32.bogus)))");
    let out = tandem(&["run", &bad_text]);
    assert_one_line_error(&out, &["bad.wat"]);

    let invalid = scratch.file("invalid.wat", b"(module (func (result i32)))");
    let out = tandem(&["run", &invalid]);
    assert_one_line_error(&out, &["invalid.wat"]);
}

#[test]
fn unknown_import_is_a_one_line_error() {
    let scratch = Scratch::new("import");
    let needs = scratch.file(
        "needs.wat",
        br#"(module
              (import "math" "sum" (func (param i32 i32) (result i32)))
              (func (export "_start")))"#,
    );
    let out = tandem(&["run", &needs]);
    assert_one_line_error(&out, &["unknown import", "math", "sum"]);
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["wat2wasm", "--help"],
        &["wasm2wat", "--help"],
        &["help", "run"],
    ] {
        let out = tandem(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("Usage"), "{args:?}: {}", stdout(&out));
    }
    // No subcommand is a usage error, not a panic.
    let out = tandem(&[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn wat2wasm_and_wasm2wat_round_trip() {
    let add = example("add.wat");
    let scratch = Scratch::new("convert");
    let wasm = scratch.file("add.wasm", b"");
    let out = tandem(&["wat2wasm", add.to_str().unwrap(), "-o", &wasm]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(&std::fs::read(&wasm).unwrap()[..4], b"\0asm");

    // The binary runs the same.
    let out = tandem(&["run", "--invoke", "add", &wasm, "20", "22"]);
    assert_eq!(stdout(&out), "42\n", "{}", stderr(&out));

    let out = tandem(&["wasm2wat", &wasm]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("i32.add"), "{}", stdout(&out));

    let out = tandem(&["wasm2wat", "no/such/file.wasm"]);
    assert_one_line_error(&out, &["no/such/file.wasm"]);
}

#[test]
fn compile_then_run_the_serialized_module() {
    let scratch = Scratch::new("compile");
    let out = scratch.0.join("add.tandem");
    let compiled = Command::new(TANDEM)
        .args(["compile"])
        .arg(example("add.wat"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let run = Command::new(TANDEM)
        .arg("run")
        .arg(&out)
        .args(["--invoke", "add", "40", "2"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "42");
}

#[test]
fn inspect_lists_exports_and_bytecode() {
    let output = Command::new(TANDEM)
        .args(["inspect", "--bytecode"])
        .arg(example("add.wat"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("add: (func (param i32 i32) (result i32))"),
        "{text}"
    );
    assert!(text.contains("i32.add"), "{text}");
}

#[test]
fn wasi_program_sees_its_arguments_environment_and_exit_code() {
    let scratch = Scratch::new("wasi");
    let wat = scratch.0.join("echo.wat");
    // Writes "<argc> <env count>\n" to stdout, then exits with code 7.
    std::fs::write(
        &wat,
        r#"(module
          (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (drop (call $args (i32.const 0) (i32.const 4)))
            (drop (call $env (i32.const 8) (i32.const 12)))
            (i32.store8 (i32.const 100) (i32.add (i32.const 48) (i32.load (i32.const 0))))
            (i32.store8 (i32.const 101) (i32.const 32))
            (i32.store8 (i32.const 102) (i32.add (i32.const 48) (i32.load (i32.const 8))))
            (i32.store8 (i32.const 103) (i32.const 10))
            (i32.store (i32.const 200) (i32.const 100))
            (i32.store (i32.const 204) (i32.const 4))
            (drop (call $write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 300)))
            (call $exit (i32.const 7))))"#,
    )
    .unwrap();
    let output = Command::new(TANDEM)
        .args(["run", "--env", "A=1", "--env", "B=2"])
        .arg(&wat)
        .args(["x", "y"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "3 2\n");
    assert_eq!(output.status.code(), Some(7));
}
