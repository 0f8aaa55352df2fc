//! Escape attempts: `tests/programs/escape.c` tries to leave its preopens (by `..`, absolute
//! paths and planted symbolic links), to change a read-only preopen, to forge descriptors and
//! to pass wild pointers. Each attempt must be refused, and the host files must be untouched.

mod common;

use std::os::unix::fs::symlink;

use common::{ScratchDir, run};
use tandem_wasi::{DirPerms, FilePerms, WasiConfig};

#[test]
fn escape_attempts_are_refused() {
    let scratch = ScratchDir::new("escape");
    let root = scratch.path();
    let sandbox = root.join("sandbox");
    let ro = root.join("ro");
    std::fs::write(root.join("secret.txt"), "secret").unwrap();
    std::fs::create_dir_all(sandbox.join("sub")).unwrap();
    std::fs::write(sandbox.join("inside.txt"), "inside").unwrap();
    symlink("../secret.txt", sandbox.join("link_up")).unwrap();
    symlink(root.join("secret.txt"), sandbox.join("link_abs")).unwrap();
    symlink("..", sandbox.join("link_dir_up")).unwrap();
    symlink("../../secret.txt", sandbox.join("sub/link_up2")).unwrap();
    symlink("loop", sandbox.join("loop")).unwrap();
    std::fs::create_dir_all(ro.join("subdir")).unwrap();
    std::fs::write(ro.join("existing.txt"), "read only").unwrap();

    let wasm = std::fs::read(format!(
        "{}/tests/programs/escape.wasm",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut config = WasiConfig::new();
    config
        .preopen_dir(&sandbox, "/sandbox", DirPerms::all(), FilePerms::all())
        .unwrap();
    config
        .preopen_dir(&ro, "/ro", DirPerms::READ_ONLY, FilePerms::READ_ONLY)
        .unwrap();
    let out = run(&wasm, &mut config);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.ends_with("\n0 not refused\n"), "{}", out.stdout);
    assert!(!out.stdout.contains("NOT REFUSED"), "{}", out.stdout);
    let refused = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("refused "))
        .count();
    assert!(
        refused >= 40,
        "only {refused} attempts ran:\n{}",
        out.stdout
    );

    // Nothing outside changed, and the read-only preopen is as it was.
    let mut outside: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    outside.sort();
    assert_eq!(outside, ["ro", "sandbox", "secret.txt"]);
    assert_eq!(
        std::fs::read_to_string(root.join("secret.txt")).unwrap(),
        "secret"
    );
    let mut in_ro: Vec<String> = std::fs::read_dir(&ro)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    in_ro.sort();
    assert_eq!(in_ro, ["existing.txt", "subdir"]);
    assert_eq!(
        std::fs::read_to_string(ro.join("existing.txt")).unwrap(),
        "read only"
    );
    assert!(
        !sandbox.join("new_link").exists()
            && std::fs::symlink_metadata(sandbox.join("new_link")).is_err()
    );
}
