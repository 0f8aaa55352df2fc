//! The C programs of `tests/programs`, run through tandem and tandem-wasi: standard streams,
//! arguments and environment, exit codes, files, directories, clocks, randomness and polling.

mod common;

use common::{ScratchDir, run};
use tandem_wasi::{DirPerms, FilePerms, MemoryInputPipe, WasiConfig};

fn program(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/programs/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run tests/programs/build.sh)"))
}

#[test]
fn stdin_to_stdout_and_stderr() {
    let mut config = WasiConfig::new();
    config.stdin(MemoryInputPipe::new("Hello, WASI!\nsecond line\n"));
    let out = run(&program("stdio"), &mut config);
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.stdout, "HELLO, WASI!\nSECOND LINE\n");
    assert_eq!(out.stderr, "read 25 bytes\n");
}

#[test]
fn empty_stdin_by_default() {
    let out = run(&program("stdio"), &mut WasiConfig::new());
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "read 0 bytes\n");
}

#[test]
fn args_and_env() {
    let mut config = WasiConfig::new();
    config
        .args(["prog", "one", "two words", ""])
        .env("GREETING", "hi there")
        .envs([("A", "1"), ("B", "")]);
    let out = run(&program("args_env"), &mut config);
    assert_eq!(out.status, 4, "{out:?}");
    assert_eq!(
        out.stdout,
        "arg[0]=prog\narg[1]=one\narg[2]=two words\narg[3]=\nenv count=3\nGREETING=hi there\nMISSING=(unset)\n"
    );
}

#[test]
fn no_args_no_env() {
    let out = run(&program("args_env"), &mut WasiConfig::new());
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "env count=0\nGREETING=(unset)\nMISSING=(unset)\n"
    );
}

#[test]
fn exit_codes() {
    for (args, code) in [
        (vec!["exit", "0"], 0),
        (vec!["exit", "3"], 3),
        (vec!["exit", "125"], 125),
        (vec!["exit", "7", "return"], 7),
    ] {
        let out = run(&program("exit_code"), WasiConfig::new().args(&args));
        assert_eq!(out.status, code, "{args:?}: {out:?}");
        assert!(out.error.is_none(), "{out:?}");
    }
    // Statuses from 126 up are not the guest's to give: the run fails instead.
    let out = run(
        &program("exit_code"),
        WasiConfig::new().args(["exit", "200"]),
    );
    assert!(
        out.error
            .as_deref()
            .unwrap_or_default()
            .contains("invalid exit status"),
        "{out:?}"
    );
}

#[test]
fn files() {
    let scratch = ScratchDir::new("files");
    std::fs::write(scratch.path().join("input.txt"), "from the host\n").unwrap();
    let mut config = WasiConfig::new();
    config
        .preopen_dir(
            scratch.path(),
            "/sandbox",
            DirPerms::all(),
            FilePerms::all(),
        )
        .unwrap();
    let out = run(&program("files"), &mut config);
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.stdout, "input: from the host\nfiles ok\n");
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("output.txt")).unwrap(),
        "written by the guest\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["input.txt", "output.txt"]);
}

#[test]
fn directories() {
    let scratch = ScratchDir::new("dirs");
    let mut config = WasiConfig::new();
    config
        .preopen_dir(
            scratch.path(),
            "/sandbox",
            DirPerms::all(),
            FilePerms::all(),
        )
        .unwrap();
    let out = run(&program("dirs"), &mut config);
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "entry b\nentry file0\nentry file1\nentry file2\ndirs ok\n"
    );
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
}

#[test]
fn files_need_a_preopen() {
    // Without "/sandbox" the program's first open fails inside the guest's libc.
    let out = run(&program("files"), &mut WasiConfig::new());
    assert_eq!(out.status, 1, "{out:?}");
    assert!(out.stderr.contains("check failed: fd >= 0"), "{out:?}");
}

#[test]
fn clocks() {
    let out = run(&program("clocks"), &mut WasiConfig::new());
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.stdout, "clocks ok\n");
}

#[test]
fn random() {
    let out = run(&program("random"), &mut WasiConfig::new());
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.stdout, "random ok\n");
}

#[test]
fn poll() {
    let mut config = WasiConfig::new();
    config.stdin(MemoryInputPipe::new("12345"));
    let out = run(&program("poll"), &mut config);
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "clock fired\nstdin ready with 5 bytes\nstdout ready\n"
    );
}
