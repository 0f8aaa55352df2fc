//! A real C program under `tandem run`: the SQLite shell, built for
//! wasm32-wasi from Debian's sqlite3 source package, runs a scripted workload
//! and must print exactly what the same shell built natively printed.
//!
//! `tests/programs/sqlite/build.sh` rebuilds `sqlite3.wasm` and
//! `expected.txt`; its README tells the package version and build options.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const TANDEM: &str = env!("CARGO_BIN_EXE_tandem");

/// Far above the few seconds the workload takes even in a debug build; only
/// there so that a hung guest fails the test instead of stalling the suite.
const TIME_LIMIT: Duration = Duration::from_secs(600);

/// The files the workload leaves in its directory, and nothing else: the
/// lock directories and journals are gone once the shell exits.
const FILES_LEFT: &[&str] = &[
    "archive.db",
    "backup.db",
    "copy.db",
    "orders.csv",
    "script.sql",
    "test.db",
];

fn program_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/sqlite")
}

/// A fresh directory for the guest, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("tandem-sqlite-shell-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `tandem run` with `stdin` as the guest's standard input, killing it
/// once `TIME_LIMIT` has passed.
fn run_tandem(args: &[&str], stdin: File) -> Run {
    let start = Instant::now();
    let mut child = Command::new(TANDEM)
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tandem starts");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut buf = Vec::new();
        out.read_to_end(&mut buf).unwrap();
        buf
    });
    let err = thread::spawn(move || {
        let mut buf = Vec::new();
        err.read_to_end(&mut buf).unwrap();
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tandem did not finish within {TIME_LIMIT:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// The first line where `actual` departs from `expected`, for a readable
/// failure instead of two pages of output.
fn first_difference(expected: &str, actual: &str) -> String {
    let mut expected_lines = expected.split_inclusive('\n');
    let mut actual_lines = actual.split_inclusive('\n');
    let mut line = 1;
    loop {
        match (expected_lines.next(), actual_lines.next()) {
            (Some(e), Some(a)) if e == a => line += 1,
            (e, a) => {
                return format!("line {line}:\n  expected: {e:?}\n  actual:   {a:?}");
            }
        }
    }
}

#[test]
fn sqlite_shell_workload_matches_native_output() {
    let dir = program_dir();
    let wasm = dir.join("sqlite3.wasm");
    let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    let workload = File::open(dir.join("workload.sql")).unwrap();
    let scratch = Scratch::new();

    // The scratch directory is the guest's "." so that the workload's
    // relative file names mean the same as in the native run, which
    // build.sh does in an empty directory. HOME=/ has the shell look for a
    // ~/.sqliterc there, find none and say nothing.
    let preopen = format!("{}::.", scratch.0.display());
    let run = run_tandem(
        &[
            "run",
            "--env",
            "HOME=/",
            "--dir",
            &preopen,
            wasm.to_str().unwrap(),
            "test.db",
        ],
        workload,
    );
    eprintln!("sqlite3.wasm ran the workload in {:?}", run.elapsed);

    assert!(
        run.status.success(),
        "status {:?}, stderr:\n{}",
        run.status,
        run.stderr
    );
    assert_eq!(run.stderr, "", "the native shell wrote nothing to stderr");
    assert!(
        run.stdout == expected,
        "stdout differs from expected.txt ({} bytes, expected {}) at {}",
        run.stdout.len(),
        expected.len(),
        first_difference(&expected, &run.stdout)
    );

    let mut left: Vec<String> = std::fs::read_dir(&scratch.0)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, FILES_LEFT);
    // The database file holds what the workload wrote: a page-aligned,
    // non-empty SQLite database.
    let db = std::fs::read(scratch.0.join("test.db")).unwrap();
    assert!(db.starts_with(b"SQLite format 3\0"), "test.db header");
    assert!(
        !db.is_empty() && db.len().is_multiple_of(4096),
        "test.db size {}",
        db.len()
    );
}
