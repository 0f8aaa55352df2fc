//! Sets `cfg(tandem_jit)` when the Cranelift tier is built: the `jit` feature on a host
//! Cranelift compiles for.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tandem_jit)");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let jit_host = arch == "x86_64" || arch == "aarch64";
    if std::env::var_os("CARGO_FEATURE_JIT").is_some() && jit_host {
        println!("cargo::rustc-cfg=tandem_jit");
    }
}
