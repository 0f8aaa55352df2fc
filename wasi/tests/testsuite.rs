//! Runs the prebuilt programs of the official WASI test suite (wasm32-wasip1) through
//! tandem-wasi, with the semantics of the suite's reference runner: the test's `args` and
//! exactly its `env`; its `root` directory, copied to a scratch directory first, preopened as
//! `/`; an empty stdin; the expected exit code; stdout and stderr compared on the expected
//! text's length.
//!
//! The suite is looked for in `$WASI_TESTSUITE`, else in `shared/wasi-testsuite` beside the
//! repository; without it the test is skipped.

mod common;

use std::path::{Path, PathBuf};

use common::json::{self, Json};
use common::{ScratchDir, run};
use tandem_wasi::{DirPerms, FilePerms, WasiConfig};

const SUITES: &[&str] = &[
    "tests/assemblyscript/testsuite/wasm32-wasip1",
    "tests/c/testsuite/wasm32-wasip1",
    "tests/rust/testsuite/wasm32-wasip1",
];

/// Tests known not to pass, with why. A test listed here that passes, or one not listed that
/// fails, fails this test, so the list stays exact.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn suite_root() -> Option<PathBuf> {
    let root = match std::env::var_os("WASI_TESTSUITE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wasi-testsuite"),
    };
    root.join("tests").is_dir().then_some(root)
}

/// One `run` of a test, with what to check afterwards.
#[derive(Debug, Default)]
struct Spec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    root: Option<String>,
    exit_code: i32,
    stdout: Option<String>,
    stderr: Option<String>,
}

/// Reads a test's expectations; `Err` with a reason for tests to skip.
fn load_spec(wasm: &Path) -> Result<Spec, String> {
    let path = wasm.with_extension("json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Spec::default());
    };
    let doc = json::parse(&text).map_err(|e| format!("bad JSON in {}: {e}", path.display()))?;
    let strings = |v: Option<&Json>| {
        v.map(|v| {
            v.as_array()
                .iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
    };
    let env = |v: Option<&Json>| -> Vec<(String, String)> {
        v.and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut spec = Spec::default();
    if ["operations", "proposals", "world", "servers"]
        .iter()
        .any(|k| doc.get(k).is_some())
    {
        if !doc
            .get("proposals")
            .map(Json::as_array)
            .unwrap_or_default()
            .is_empty()
        {
            return Err("needs WASI proposals".into());
        }
        if let Some(world) = doc.get("world").and_then(Json::as_str)
            && world != "wasi:cli/command"
        {
            return Err(format!("world {world}"));
        }
        for op in doc
            .get("operations")
            .map(Json::as_array)
            .unwrap_or_default()
        {
            match op.get("type").and_then(Json::as_str) {
                Some("run") => {
                    spec.args = strings(op.get("args")).unwrap_or_default();
                    spec.env = env(op.get("env"));
                    spec.root = op.get("root").and_then(Json::as_str).map(String::from);
                }
                Some("read") => {
                    let payload = op
                        .get("payload")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_string();
                    match op.get("id").and_then(Json::as_str).unwrap_or("stdout") {
                        "stdout" => spec.stdout = Some(payload),
                        _ => spec.stderr = Some(payload),
                    }
                }
                Some("wait") => {
                    spec.exit_code = op.get("exit_code").and_then(Json::as_i64).unwrap_or(0) as i32
                }
                other => return Err(format!("operation {other:?}")),
            }
        }
        return Ok(spec);
    }
    let known = ["args", "root", "env", "exit_code", "stderr", "stdout"];
    if let Some(map) = doc.as_object()
        && let Some(key) = map.keys().find(|k| !known.contains(&k.as_str()))
    {
        return Err(format!("unknown key {key}"));
    }
    spec.args = strings(doc.get("args")).unwrap_or_default();
    spec.env = env(doc.get("env"));
    spec.root = doc.get("root").and_then(Json::as_str).map(String::from);
    spec.exit_code = doc.get("exit_code").and_then(Json::as_i64).unwrap_or(0) as i32;
    spec.stdout = doc.get("stdout").and_then(Json::as_str).map(String::from);
    spec.stderr = doc.get("stderr").and_then(Json::as_str).map(String::from);
    Ok(spec)
}

/// Copies a fixture tree, leaving out `*.cleanup` (left over from earlier runs) and making
/// everything writable so tests may change it.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().ends_with(".cleanup") {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if kind.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
            let mut perms = std::fs::metadata(&dst).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&dst, perms).unwrap();
        }
    }
    let mut perms = std::fs::metadata(to).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(to, perms).unwrap();
}

/// Runs one test; `Err` describes the mismatch.
fn run_test(wasm: &Path, spec: &Spec) -> Result<(), String> {
    let bytes = std::fs::read(wasm).map_err(|e| e.to_string())?;
    let mut config = WasiConfig::new();
    config
        .arg(wasm.file_name().unwrap().to_string_lossy())
        .args(&spec.args)
        .envs(spec.env.iter().cloned());
    let scratch = ScratchDir::new("suite");
    if let Some(root) = &spec.root {
        let host = scratch.path().join("root");
        copy_tree(&wasm.parent().unwrap().join(root), &host);
        config
            .preopen_dir(&host, "/", DirPerms::all(), FilePerms::all())
            .map_err(|e| e.to_string())?;
    }
    let outcome = run(&bytes, &mut config);
    let mut problems = Vec::new();
    if outcome.status != spec.exit_code {
        problems.push(format!(
            "exit code {} (expected {})",
            outcome.status, spec.exit_code
        ));
    }
    for (name, want, got) in [
        ("stdout", &spec.stdout, &outcome.stdout),
        ("stderr", &spec.stderr, &outcome.stderr),
    ] {
        if let Some(want) = want
            && !got.starts_with(want.as_str())
        {
            problems.push(format!("{name} {got:?} (expected {want:?})"));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    if let Some(error) = &outcome.error {
        problems.push(format!("error: {error}"));
    }
    let tail = |s: &str| {
        s.chars()
            .rev()
            .take(400)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>()
    };
    problems.push(format!("stderr tail: {:?}", tail(&outcome.stderr)));
    Err(problems.join("; "))
}

#[test]
fn wasi_testsuite() {
    let Some(root) = suite_root() else {
        eprintln!("wasi-testsuite not found (set WASI_TESTSUITE): skipped");
        return;
    };
    let filter = std::env::var("WASI_TESTSUITE_FILTER").ok();
    let (mut passed, mut failed, mut skipped) = (Vec::new(), Vec::new(), 0);
    for suite in SUITES {
        let dir = root.join(suite);
        let mut tests: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
                .collect(),
            Err(_) => continue,
        };
        tests.sort();
        let suite_name = suite.split('/').nth(1).unwrap();
        for wasm in tests {
            let name = format!(
                "{suite_name}/{}",
                wasm.file_stem().unwrap().to_string_lossy()
            );
            if filter.as_deref().is_some_and(|f| !name.contains(f)) {
                continue;
            }
            match load_spec(&wasm) {
                Err(reason) => {
                    eprintln!("SKIP {name}: {reason}");
                    skipped += 1;
                }
                Ok(spec) => match run_test(&wasm, &spec) {
                    Ok(()) => passed.push(name),
                    Err(why) => {
                        eprintln!("FAIL {name}: {why}");
                        failed.push(name);
                    }
                },
            }
        }
    }
    eprintln!(
        "wasi-testsuite: {} passed, {} failed, {skipped} skipped",
        passed.len(),
        failed.len()
    );
    let unexpected: Vec<&String> = failed
        .iter()
        .filter(|n| !KNOWN_FAILURES.iter().any(|(k, _)| k == n))
        .collect();
    let fixed: Vec<&&str> = KNOWN_FAILURES
        .iter()
        .map(|(k, _)| k)
        .filter(|k| passed.iter().any(|p| p == *k))
        .collect();
    assert!(unexpected.is_empty(), "unexpected failures: {unexpected:?}");
    assert!(
        fixed.is_empty() || filter.is_some(),
        "known failures that now pass (update KNOWN_FAILURES): {fixed:?}"
    );
}

#[test]
fn expectation_files_parse() {
    let value = json::parse(r#"{"args": ["a", "b \"q\""], "env": {"k": "v\nw"}, "exit_code": 33, "x": [true, null, -1.5e2]}"#)
        .unwrap();
    assert_eq!(
        value.get("args").unwrap().as_array()[1].as_str(),
        Some("b \"q\"")
    );
    assert_eq!(
        value.get("env").unwrap().get("k").unwrap().as_str(),
        Some("v\nw")
    );
    assert_eq!(value.get("exit_code").unwrap().as_i64(), Some(33));
}
