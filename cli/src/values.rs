//! Turning command-line words into wasm values and wasm values into output
//! lines, in the same notation as `wasmtime run --invoke`.

use tandem::{Val, ValType};

/// Parses `word` as a value of type `ty`.
///
/// Integers are decimal (signed, or unsigned up to the type's width) or
/// `0x` hexadecimal; floats are decimal and also accept `nan`, `inf` and
/// `-inf`; reference types accept only `null`.
pub fn parse(ty: &ValType, word: &str) -> Result<Val, String> {
    let bad = || format!("`{word}` is not a valid {ty}");
    match ty {
        ValType::I32 => parse_int(word, u32::MAX as u64)
            .map(|v| Val::I32(v as u32 as i32))
            .ok_or_else(bad),
        ValType::I64 => parse_int(word, u64::MAX)
            .map(|v| Val::I64(v as i64))
            .ok_or_else(bad),
        ValType::F32 => word.parse::<f32>().map(Val::from).map_err(|_| bad()),
        ValType::F64 => word.parse::<f64>().map(Val::from).map_err(|_| bad()),
        ValType::V128 => {
            let digits = word.strip_prefix("0x").ok_or_else(bad)?;
            u128::from_str_radix(digits, 16)
                .map(|v| Val::V128(v.into()))
                .map_err(|_| bad())
        }
        ValType::Ref(r) if word == "null" => Ok(Val::null_ref(r)),
        ValType::Ref(_) => Err(format!(
            "`{word}` is not a valid {ty}: only `null` can be given on the command line"
        )),
    }
}

/// Parses a decimal or `0x` hexadecimal integer that fits in `max` (as an
/// unsigned value) or is a negative number whose magnitude fits in half of
/// it; returns the two's-complement bits.
fn parse_int(word: &str, max: u64) -> Option<u64> {
    let (negative, digits) = match word.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, word.strip_prefix('+').unwrap_or(word)),
    };
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<u64>().ok()?,
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    if negative {
        // The most negative value has magnitude max / 2 + 1.
        if magnitude > max / 2 + 1 {
            return None;
        }
        Some(magnitude.wrapping_neg() & max)
    } else if magnitude <= max {
        Some(magnitude)
    } else {
        None
    }
}

/// Formats a result value for printing on its own line.
pub fn format(val: &Val) -> String {
    match val {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(v) => format!("{:#034x}", v.as_u128()),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
            "null".to_string()
        }
        Val::FuncRef(Some(_)) => "<funcref>".to_string(),
        Val::ExternRef(Some(_)) => "<externref>".to_string(),
        Val::AnyRef(Some(_)) => "<anyref>".to_string(),
        Val::ExnRef(Some(_)) => "<exnref>".to_string(),
    }
}
