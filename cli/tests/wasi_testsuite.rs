//! The official wasi-testsuite, run by its own runner (`run.py`) against the `tandem`
//! binary, when the suite is present: in `$WASI_TESTSUITE`, or in `shared/wasi-testsuite`
//! beside the repository.

use std::path::{Path, PathBuf};
use std::process::Command;

fn suite_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("WASI_TESTSUITE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wasi-testsuite"),
    };
    dir.join("run.py").is_file().then_some(dir)
}

#[test]
fn official_wasi_testsuite_passes() {
    let Some(dir) = suite_dir() else {
        eprintln!("wasi-testsuite not present; nothing to run");
        return;
    };
    let output = match Command::new("python3")
        .arg(dir.join("run.py"))
        .arg("--runtime")
        .arg(env!("CARGO_BIN_EXE_tandem"))
        .output()
    {
        Ok(output) => output,
        Err(e) => {
            eprintln!("python3 is not available ({e}); nothing to run");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let totals = stdout.lines().last().unwrap_or_default();
    assert!(
        output.status.success() && totals.contains(" 0 failed"),
        "wasi-testsuite failed: {totals}\n{stdout}\n{stderr}"
    );
    println!("{totals}");
}
