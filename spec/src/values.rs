//! Conversion between script constants and runtime values, and matching of
//! results against the patterns of `assert_return`.

use std::collections::HashMap;
use std::fmt::Write as _;

use tandem::{AnyRef, ExternRef, Store, V128, Val};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// Host references created for `ref.extern N` arguments, one per `N`.
///
/// Scripts pass `ref.extern 1` in and expect `ref.extern 1` back, so every use of
/// the same number has to produce the same reference. The number is stored
/// inside the reference so results can be compared by reading it back.
#[derive(Default)]
pub struct ExternRefs {
    by_number: HashMap<u32, ExternRef>,
}

impl ExternRefs {
    /// The reference standing for `ref.extern number`, created on first use.
    pub fn get(&mut self, store: &mut Store<()>, number: u32) -> Result<ExternRef, String> {
        if let Some(existing) = self.by_number.get(&number) {
            return Ok(*existing);
        }
        let created = ExternRef::new(&mut *store, number)
            .map_err(|e| format!("cannot create externref {number}: {e}"))?;
        self.by_number.insert(number, created);
        Ok(created)
    }
}

/// Converts an argument of `invoke` into a runtime value.
pub fn arg_to_val(
    arg: &WastArg<'_>,
    store: &mut Store<()>,
    externs: &mut ExternRefs,
) -> Result<Val, String> {
    let WastArg::Core(core) = arg else {
        return Err("component-model arguments are not supported".to_string());
    };
    Ok(match core {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(V128::from(u128::from_le_bytes(v.to_le_bytes()))),
        WastArgCore::RefNull(heap) => match null_kind(heap) {
            // A script names defined types without their module; their nulls are taken as
            // function references, the common case.
            Some(RefKind::Func) | None => Val::FuncRef(None),
            Some(RefKind::Extern) => Val::ExternRef(None),
            Some(RefKind::Any) => Val::AnyRef(None),
            Some(RefKind::Exn) => Val::ExnRef(None),
        },
        WastArgCore::RefExtern(number) => Val::ExternRef(Some(externs.get(store, *number)?)),
        // `ref.host N` is host value N seen from inside: the same value as `ref.extern N`,
        // made internal.
        WastArgCore::RefHost(number) => {
            let host = externs.get(store, *number)?;
            Val::AnyRef(Some(
                AnyRef::convert_extern(&mut *store, host).map_err(|e| e.to_string())?,
            ))
        }
    })
}

/// The reference hierarchies, by their top types.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RefKind {
    Func,
    Extern,
    Any,
    Exn,
}

/// Which hierarchy a null of the given heap type belongs to; `None` for a defined type,
/// whose hierarchy a script cannot tell without its module.
fn null_kind(heap: &HeapType<'_>) -> Option<RefKind> {
    match heap {
        HeapType::Abstract { ty, .. } => match ty {
            AbstractHeapType::Func | AbstractHeapType::NoFunc => Some(RefKind::Func),
            AbstractHeapType::Extern | AbstractHeapType::NoExtern => Some(RefKind::Extern),
            AbstractHeapType::Exn | AbstractHeapType::NoExn => Some(RefKind::Exn),
            AbstractHeapType::Any
            | AbstractHeapType::Eq
            | AbstractHeapType::I31
            | AbstractHeapType::Struct
            | AbstractHeapType::Array
            | AbstractHeapType::None => Some(RefKind::Any),
            AbstractHeapType::Cont | AbstractHeapType::NoCont => None,
        },
        HeapType::Concrete(_) | HeapType::Exact(_) => None,
    }
}

/// The hierarchy of a runtime reference value and whether it is null.
fn ref_kind(val: &Val) -> Option<(RefKind, bool)> {
    Some(match val {
        Val::FuncRef(r) => (RefKind::Func, r.is_none()),
        Val::ExternRef(r) => (RefKind::Extern, r.is_none()),
        Val::AnyRef(r) => (RefKind::Any, r.is_none()),
        Val::ExnRef(r) => (RefKind::Exn, r.is_none()),
        _ => return None,
    })
}

/// Checks `actual` against one expected result, returning why it does not
/// match.
pub fn match_result(
    expected: &WastRet<'_>,
    actual: &Val,
    store: &mut Store<()>,
) -> Result<(), String> {
    let WastRet::Core(expected) = expected else {
        return Err("component-model results are not supported".to_string());
    };
    if matches_core(expected, actual, store)? {
        Ok(())
    } else {
        Err(format!(
            "expected {}, got {}",
            describe_expected(expected),
            describe_val(actual, store)
        ))
    }
}

fn matches_core(
    expected: &WastRetCore<'_>,
    actual: &Val,
    store: &mut Store<()>,
) -> Result<bool, String> {
    Ok(match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(e), Val::F32(a)) => f32_matches(e, *a),
        (WastRetCore::F64(e), Val::F64(a)) => f64_matches(e, *a),
        (WastRetCore::V128(e), Val::V128(a)) => v128_matches(e, a.as_u128()),
        (WastRetCore::RefNull(ty), actual) => match ref_kind(actual) {
            Some((kind, true)) => ty
                .as_ref()
                .is_none_or(|t| null_kind(t).is_none_or(|k| k == kind)),
            _ => false,
        },
        // The script names the function by index in the defining module, which
        // the runtime does not expose; any non-null function is accepted.
        (WastRetCore::RefFunc(_), Val::FuncRef(r)) => r.is_some(),
        (WastRetCore::RefExtern(number), Val::ExternRef(r)) => match (number, r) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(number), Some(r)) => extern_number(r, store) == Some(*number),
        },
        (WastRetCore::Either(alternatives), actual) => {
            for alternative in alternatives {
                if matches_core(alternative, actual, store)? {
                    return Ok(true);
                }
            }
            false
        }
        (WastRetCore::RefHost(number), Val::AnyRef(Some(r))) => {
            let host = ExternRef::convert_any(&mut *store, *r).map_err(|e| e.to_string())?;
            extern_number(&host, store) == Some(*number)
        }
        (WastRetCore::RefAny, Val::AnyRef(r)) => r.is_some(),
        (WastRetCore::RefI31, Val::AnyRef(Some(r))) => {
            r.is_i31(&*store).map_err(|e| e.to_string())?
        }
        (WastRetCore::RefStruct, Val::AnyRef(Some(r))) => {
            r.is_struct(&*store).map_err(|e| e.to_string())?
        }
        (WastRetCore::RefArray, Val::AnyRef(Some(r))) => {
            r.is_array(&*store).map_err(|e| e.to_string())?
        }
        (WastRetCore::RefEq, Val::AnyRef(Some(r))) => {
            let check = || -> tandem::Result<bool> {
                Ok(r.is_i31(&*store)? || r.is_struct(&*store)? || r.is_array(&*store)?)
            };
            check().map_err(|e| e.to_string())?
        }
        (WastRetCore::RefI31Shared, _) => {
            return Err(format!(
                "cannot check {}: shared references are not supported",
                describe_expected(expected)
            ));
        }
        _ => false,
    })
}

/// The number stored in an externref created by [`ExternRefs::get`].
fn extern_number(r: &ExternRef, store: &Store<()>) -> Option<u32> {
    r.data(store).ok()??.downcast_ref::<u32>().copied()
}

// A canonical NaN has only the quiet bit of the mantissa set; an arithmetic NaN
// has the quiet bit set and any payload. The sign is unconstrained in both.
const F32_QUIET_NAN: u32 = 0x7fc0_0000;
const F64_QUIET_NAN: u64 = 0x7ff8_0000_0000_0000;

fn f32_matches(expected: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == F32_QUIET_NAN,
        NanPattern::ArithmeticNan => bits & F32_QUIET_NAN == F32_QUIET_NAN,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(expected: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == F64_QUIET_NAN,
        NanPattern::ArithmeticNan => bits & F64_QUIET_NAN == F64_QUIET_NAN,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn v128_matches(expected: &V128Pattern, actual: u128) -> bool {
    let bytes = actual.to_le_bytes();
    let lane = |i: usize, size: usize| -> u64 {
        let mut buf = [0u8; 8];
        buf[..size].copy_from_slice(&bytes[i * size..(i + 1) * size]);
        u64::from_le_bytes(buf)
    };
    match expected {
        V128Pattern::I8x16(e) => e
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 1) == u64::from(*v as u8)),
        V128Pattern::I16x8(e) => e
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 2) == u64::from(*v as u16)),
        V128Pattern::I32x4(e) => e
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 4) == u64::from(*v as u32)),
        V128Pattern::I64x2(e) => e.iter().enumerate().all(|(i, v)| lane(i, 8) == *v as u64),
        V128Pattern::F32x4(e) => e
            .iter()
            .enumerate()
            .all(|(i, v)| f32_matches(v, lane(i, 4) as u32)),
        V128Pattern::F64x2(e) => e
            .iter()
            .enumerate()
            .all(|(i, v)| f64_matches(v, lane(i, 8))),
    }
}

/// A short human-readable form of a runtime value for failure messages.
pub fn describe_val(val: &Val, store: &Store<()>) -> String {
    match val {
        Val::I32(v) => format!("i32:{v}"),
        Val::I64(v) => format!("i64:{v}"),
        Val::F32(bits) => format!("f32:{} ({bits:#010x})", f32::from_bits(*bits)),
        Val::F64(bits) => format!("f64:{} ({bits:#018x})", f64::from_bits(*bits)),
        Val::V128(v) => format!("v128:{:#034x}", v.as_u128()),
        Val::FuncRef(None) => "ref.null func".to_string(),
        Val::FuncRef(Some(_)) => "ref.func".to_string(),
        Val::ExternRef(None) => "ref.null extern".to_string(),
        Val::ExternRef(Some(r)) => match extern_number(r, store) {
            Some(number) => format!("ref.extern {number}"),
            None => "ref.extern (foreign)".to_string(),
        },
        Val::AnyRef(None) => "ref.null any".to_string(),
        Val::AnyRef(Some(r)) => match r.as_i31(store) {
            Ok(Some(i31)) => format!("ref.i31 {}", i31.get_u32()),
            _ if r.is_struct(store).unwrap_or(false) => "ref.struct".to_string(),
            _ if r.is_array(store).unwrap_or(false) => "ref.array".to_string(),
            _ => "ref.any".to_string(),
        },
        Val::ExnRef(None) => "ref.null exn".to_string(),
        Val::ExnRef(Some(_)) => "ref.exn".to_string(),
    }
}

/// Describes a list of runtime values, e.g. for an unexpected successful call.
pub fn describe_vals(vals: &[Val], store: &Store<()>) -> String {
    let parts: Vec<String> = vals.iter().map(|v| describe_val(v, store)).collect();
    format!("[{}]", parts.join(", "))
}

fn describe_expected(expected: &WastRetCore<'_>) -> String {
    match expected {
        WastRetCore::I32(v) => format!("i32:{v}"),
        WastRetCore::I64(v) => format!("i64:{v}"),
        WastRetCore::F32(p) => describe_nan_pattern(p, |v| {
            format!("f32:{} ({:#010x})", f32::from_bits(v.bits), v.bits)
        }),
        WastRetCore::F64(p) => describe_nan_pattern(p, |v| {
            format!("f64:{} ({:#018x})", f64::from_bits(v.bits), v.bits)
        }),
        WastRetCore::V128(p) => describe_v128_pattern(p),
        WastRetCore::RefNull(None) => "ref.null".to_string(),
        WastRetCore::RefNull(Some(ty)) => format!("ref.null {ty:?}"),
        WastRetCore::RefExtern(None) => "ref.extern".to_string(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefFunc(_) => "ref.func".to_string(),
        WastRetCore::RefHost(n) => format!("ref.host {n}"),
        WastRetCore::RefAny => "ref.any".to_string(),
        WastRetCore::RefEq => "ref.eq".to_string(),
        WastRetCore::RefArray => "ref.array".to_string(),
        WastRetCore::RefStruct => "ref.struct".to_string(),
        WastRetCore::RefI31 => "ref.i31".to_string(),
        WastRetCore::RefI31Shared => "ref.i31_shared".to_string(),
        WastRetCore::Either(alternatives) => {
            let parts: Vec<String> = alternatives.iter().map(describe_expected).collect();
            format!("either({})", parts.join(" | "))
        }
    }
}

fn describe_nan_pattern<T>(pattern: &NanPattern<T>, value: impl Fn(&T) -> String) -> String {
    match pattern {
        NanPattern::CanonicalNan => "nan:canonical".to_string(),
        NanPattern::ArithmeticNan => "nan:arithmetic".to_string(),
        NanPattern::Value(v) => value(v),
    }
}

fn describe_v128_pattern(pattern: &V128Pattern) -> String {
    let mut out = String::from("v128:");
    match pattern {
        V128Pattern::I8x16(lanes) => write_lanes(&mut out, "i8x16", lanes.iter()),
        V128Pattern::I16x8(lanes) => write_lanes(&mut out, "i16x8", lanes.iter()),
        V128Pattern::I32x4(lanes) => write_lanes(&mut out, "i32x4", lanes.iter()),
        V128Pattern::I64x2(lanes) => write_lanes(&mut out, "i64x2", lanes.iter()),
        V128Pattern::F32x4(lanes) => {
            out.push_str("f32x4");
            for lane in lanes {
                let text = describe_nan_pattern(lane, |v| f32::from_bits(v.bits).to_string());
                let _ = write!(out, " {text}");
            }
        }
        V128Pattern::F64x2(lanes) => {
            out.push_str("f64x2");
            for lane in lanes {
                let text = describe_nan_pattern(lane, |v| f64::from_bits(v.bits).to_string());
                let _ = write!(out, " {text}");
            }
        }
    }
    out
}

fn write_lanes<T: std::fmt::Display>(
    out: &mut String,
    shape: &str,
    lanes: impl Iterator<Item = T>,
) {
    out.push_str(shape);
    for lane in lanes {
        let _ = write!(out, " {lane}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wast::token::{F32, F64};

    #[test]
    fn nan_patterns() {
        assert!(f32_matches(&NanPattern::CanonicalNan, 0x7fc0_0000));
        assert!(f32_matches(&NanPattern::CanonicalNan, 0xffc0_0000));
        assert!(!f32_matches(&NanPattern::CanonicalNan, 0x7fc0_0001));
        assert!(f32_matches(&NanPattern::ArithmeticNan, 0x7fc0_0001));
        assert!(!f32_matches(&NanPattern::ArithmeticNan, 0x7f80_0001));
        assert!(f32_matches(
            &NanPattern::Value(F32 { bits: 0x7fa0_0000 }),
            0x7fa0_0000
        ));
        assert!(f64_matches(
            &NanPattern::CanonicalNan,
            0xfff8_0000_0000_0000
        ));
        assert!(!f64_matches(
            &NanPattern::CanonicalNan,
            0x7ff8_0000_0000_0001
        ));
        assert!(f64_matches(
            &NanPattern::ArithmeticNan,
            0x7ff8_0000_0000_0001
        ));
        assert!(!f64_matches(&NanPattern::Value(F64 { bits: 0 }), 1 << 63));
    }

    #[test]
    fn v128_lanes_are_little_endian() {
        let value =
            u128::from_le_bytes([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        assert!(v128_matches(&V128Pattern::I32x4([1, 2, 3, -1]), value));
        assert!(!v128_matches(&V128Pattern::I32x4([1, 2, 3, 4]), value));
        assert!(v128_matches(
            &V128Pattern::I64x2([1 | (2 << 32), 3 | (-1i64 << 32)]),
            value
        ));
    }
}
