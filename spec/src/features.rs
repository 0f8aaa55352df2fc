//! Which WebAssembly proposals each test directory is run with.
//!
//! The testsuite is split into the released spec versions and one directory per
//! proposal. A proposal directory is a fork of the spec repository, so its tests
//! assume the features that were standard when the fork was made plus the
//! proposal itself. Every toggle is always set explicitly so that the engine's own
//! defaults never leak into a run.

use std::fmt;

/// The set of WebAssembly proposals switched on for a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// Import and export of mutable globals.
    pub mutable_global: bool,
    /// `i32.extend8_s` and friends.
    pub sign_extension: bool,
    /// Non-trapping float-to-int conversions (`i32.trunc_sat_f32_s`, ...).
    pub saturating_float_to_int: bool,
    /// Multiple results for functions and blocks.
    pub multi_value: bool,
    /// `memory.copy`, `memory.fill`, passive segments, ...
    pub bulk_memory: bool,
    /// `externref`, multiple tables, `table.get`/`table.set`, ...
    pub reference_types: bool,
    /// Fixed-width 128-bit SIMD.
    pub simd: bool,
    /// Relaxed SIMD instructions.
    pub relaxed_simd: bool,
    /// Arithmetic in constant expressions.
    pub extended_const: bool,
    /// `return_call` and friends.
    pub tail_call: bool,
    /// More than one memory per module.
    pub multi_memory: bool,
    /// 64-bit memory indices.
    pub memory64: bool,
    /// Typed function references (`call_ref`, non-nullable references).
    pub function_references: bool,
    /// Garbage-collected structs, arrays and `i31ref`.
    pub gc: bool,
    /// Exception handling (`throw`, `try_table`, `exnref`).
    pub exceptions: bool,
    /// Shared memories and atomics.
    pub threads: bool,
    /// 128-bit wide arithmetic instructions.
    pub wide_arithmetic: bool,
    /// Memories with page sizes other than 64 KiB.
    pub custom_page_sizes: bool,
}

/// One proposal toggle: its name, where it lives in [`Features`], and the
/// matching [`tandem::Config`] setter.
struct Toggle {
    name: &'static str,
    field: fn(&mut Features) -> &mut bool,
    set: fn(&mut tandem::Config, bool),
}

/// All toggles, in the order they are listed in messages.
const TOGGLES: &[Toggle] = &[
    Toggle {
        name: "mutable-global",
        field: |f| &mut f.mutable_global,
        set: |c, on| {
            c.wasm_mutable_global(on);
        },
    },
    Toggle {
        name: "sign-extension",
        field: |f| &mut f.sign_extension,
        set: |c, on| {
            c.wasm_sign_extension(on);
        },
    },
    Toggle {
        name: "saturating-float-to-int",
        field: |f| &mut f.saturating_float_to_int,
        set: |c, on| {
            c.wasm_saturating_float_to_int(on);
        },
    },
    Toggle {
        name: "multi-value",
        field: |f| &mut f.multi_value,
        set: |c, on| {
            c.wasm_multi_value(on);
        },
    },
    Toggle {
        name: "bulk-memory",
        field: |f| &mut f.bulk_memory,
        set: |c, on| {
            c.wasm_bulk_memory(on);
        },
    },
    Toggle {
        name: "reference-types",
        field: |f| &mut f.reference_types,
        set: |c, on| {
            c.wasm_reference_types(on);
        },
    },
    Toggle {
        name: "simd",
        field: |f| &mut f.simd,
        set: |c, on| {
            c.wasm_simd(on);
        },
    },
    Toggle {
        name: "relaxed-simd",
        field: |f| &mut f.relaxed_simd,
        set: |c, on| {
            c.wasm_relaxed_simd(on);
        },
    },
    Toggle {
        name: "extended-const",
        field: |f| &mut f.extended_const,
        set: |c, on| {
            c.wasm_extended_const(on);
        },
    },
    Toggle {
        name: "tail-call",
        field: |f| &mut f.tail_call,
        set: |c, on| {
            c.wasm_tail_call(on);
        },
    },
    Toggle {
        name: "multi-memory",
        field: |f| &mut f.multi_memory,
        set: |c, on| {
            c.wasm_multi_memory(on);
        },
    },
    Toggle {
        name: "memory64",
        field: |f| &mut f.memory64,
        set: |c, on| {
            c.wasm_memory64(on);
        },
    },
    Toggle {
        name: "function-references",
        field: |f| &mut f.function_references,
        set: |c, on| {
            c.wasm_function_references(on);
        },
    },
    Toggle {
        name: "gc",
        field: |f| &mut f.gc,
        set: |c, on| {
            c.wasm_gc(on);
        },
    },
    Toggle {
        name: "exceptions",
        field: |f| &mut f.exceptions,
        set: |c, on| {
            c.wasm_exceptions(on);
        },
    },
    Toggle {
        name: "threads",
        field: |f| &mut f.threads,
        set: |c, on| {
            c.wasm_threads(on);
        },
    },
    Toggle {
        name: "wide-arithmetic",
        field: |f| &mut f.wide_arithmetic,
        set: |c, on| {
            c.wasm_wide_arithmetic(on);
        },
    },
    Toggle {
        name: "custom-page-sizes",
        field: |f| &mut f.custom_page_sizes,
        set: |c, on| {
            c.wasm_custom_page_sizes(on);
        },
    },
];

impl Features {
    /// WebAssembly 1.0 as published: the MVP plus import/export of mutable
    /// globals, which was folded into the 1.0 spec before it was finalised (the
    /// 1.0 `linking.wast` exports a mutable global).
    pub const WASM1: Features = Features {
        mutable_global: true,
        sign_extension: false,
        saturating_float_to_int: false,
        multi_value: false,
        bulk_memory: false,
        reference_types: false,
        simd: false,
        relaxed_simd: false,
        extended_const: false,
        tail_call: false,
        multi_memory: false,
        memory64: false,
        function_references: false,
        gc: false,
        exceptions: false,
        threads: false,
        wide_arithmetic: false,
        custom_page_sizes: false,
    };

    /// WebAssembly 2.0.
    pub const WASM2: Features = Features {
        sign_extension: true,
        saturating_float_to_int: true,
        multi_value: true,
        bulk_memory: true,
        reference_types: true,
        simd: true,
        ..Features::WASM1
    };

    /// WebAssembly 3.0.
    pub const WASM3: Features = Features {
        relaxed_simd: true,
        extended_const: true,
        tail_call: true,
        multi_memory: true,
        memory64: true,
        function_references: true,
        gc: true,
        exceptions: true,
        ..Features::WASM2
    };

    /// Every proposal a [`tandem::Config`] has a toggle for.
    pub const ALL: Features = Features {
        threads: true,
        wide_arithmetic: true,
        custom_page_sizes: true,
        ..Features::WASM3
    };

    /// The features a testsuite directory is written against, or `None` if the
    /// directory is unknown or needs a proposal that has no toggle in
    /// [`tandem::Config`].
    ///
    /// Proposal directories get the proposal itself on top of what it was
    /// specified against: the MVP for the early ones, WebAssembly 2.0 for most,
    /// 3.0 for exceptions.
    pub fn for_directory(name: &str) -> Option<Features> {
        let v2 = Features::WASM2;
        Some(match name {
            "wasm-v1" => Features::WASM1,
            "wasm-v2" => v2,
            "wasm-v3" | "wasm-latest" => Features::WASM3,
            // These proposals were specified on top of the MVP.
            "mutable-global" => Features::WASM1,
            "sign-extension-ops" => Features {
                sign_extension: true,
                ..Features::WASM1
            },
            "nontrapping-float-to-int-conversions" => Features {
                saturating_float_to_int: true,
                ..Features::WASM1
            },
            "multi-value" => Features {
                multi_value: true,
                ..Features::WASM1
            },
            // Bulk memory and reference types were specified together, and the
            // scripts of both directories were refreshed with 2.0 versions.
            "annotations" | "bulk-memory" | "reference-types" => v2,
            // One script combines SIMD with several memories.
            "simd" => Features {
                multi_memory: true,
                ..v2
            },
            "extended-const" => Features {
                extended_const: true,
                ..v2
            },
            "relaxed-simd" => Features {
                relaxed_simd: true,
                ..v2
            },
            "tail-call" => Features {
                tail_call: true,
                ..v2
            },
            "multi-memory" => Features {
                multi_memory: true,
                ..v2
            },
            "memory64" => Features {
                memory64: true,
                ..v2
            },
            "function-references" => Features {
                function_references: true,
                tail_call: true,
                ..v2
            },
            "gc" => Features {
                function_references: true,
                tail_call: true,
                gc: true,
                ..v2
            },
            // The exception tests use tail calls, typed references and rec
            // groups, which are part of 3.0 like the proposal itself.
            "exceptions" => Features::WASM3,
            // The threads proposal forked before reference types, and its
            // tests still reject multiple tables.
            "threads" => Features {
                threads: true,
                ..Features::WASM1
            },
            "wide-arithmetic" => Features {
                wide_arithmetic: true,
                ..v2
            },
            "custom-page-sizes" => Features {
                custom_page_sizes: true,
                multi_memory: true,
                memory64: true,
                ..v2
            },
            _ => return None,
        })
    }

    /// The proposal a directory exists to test, if it is a proposal directory.
    /// Running such a directory without that proposal would test nothing.
    pub fn primary_of_directory(name: &str) -> Option<&'static str> {
        Some(match name {
            "simd" => "simd",
            "relaxed-simd" => "relaxed-simd",
            "extended-const" => "extended-const",
            "tail-call" => "tail-call",
            "multi-memory" => "multi-memory",
            "memory64" => "memory64",
            "function-references" => "function-references",
            "gc" => "gc",
            "exceptions" => "exceptions",
            "threads" => "threads",
            "wide-arithmetic" => "wide-arithmetic",
            "custom-page-sizes" => "custom-page-sizes",
            _ => return None,
        })
    }

    /// Sets every proposal toggle of `config` to match `self`.
    pub fn apply(&self, config: &mut tandem::Config) {
        let mut copy = *self;
        for toggle in TOGGLES {
            (toggle.set)(config, *(toggle.field)(&mut copy));
        }
    }

    /// The names of the proposals that are switched on.
    pub fn enabled(&self) -> Vec<&'static str> {
        let mut copy = *self;
        TOGGLES
            .iter()
            .filter(|toggle| *(toggle.field)(&mut copy))
            .map(|toggle| toggle.name)
            .collect()
    }

    /// Whether the proposal called `name` is switched on.
    pub fn is_enabled(&self, name: &str) -> bool {
        self.enabled().contains(&name)
    }

    /// A copy with the proposal called `name` switched on or off. Unknown names
    /// are ignored.
    pub fn with(mut self, name: &str, on: bool) -> Features {
        if let Some(toggle) = TOGGLES.iter().find(|toggle| toggle.name == name) {
            *(toggle.field)(&mut self) = on;
        }
        self
    }

    /// A copy with only the proposal called `name` switched on on top of the
    /// MVP, used to find out which single proposal an engine rejects.
    pub fn only(name: &str) -> Features {
        Features::default().with(name, true)
    }
}

impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let enabled = self.enabled();
        if enabled.is_empty() {
            f.write_str("mvp")
        } else {
            f.write_str(&enabled.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_nest() {
        assert!(Features::WASM1.is_enabled("mutable-global"));
        assert!(!Features::WASM1.is_enabled("multi-value"));
        assert!(Features::WASM2.is_enabled("simd"));
        assert!(Features::WASM3.is_enabled("gc"));
        assert!(!Features::WASM3.is_enabled("threads"));
        assert_eq!(Features::only("gc").enabled(), vec!["gc"]);
        assert!(!Features::WASM2.with("simd", false).simd);
    }

    #[test]
    fn every_testsuite_directory_has_a_profile() {
        for name in crate::suite::ALL_DIRECTORIES {
            if *name != "custom-descriptors" {
                assert!(Features::for_directory(name).is_some(), "{name}");
            }
        }
    }
}
