//! How references of the `any` and `extern` hierarchies are encoded in a [`Slot`].
//!
//! One encoding serves both hierarchies, so `any.convert_extern` and `extern.convert_any`
//! change a value's static type only, and `ref.eq` compares slots:
//!
//! | value | slot |
//! |---|---|
//! | null | `0` |
//! | `i31` *v* | `(v << 1) \| 1`: low bit set, bits 32–63 zero |
//! | host value number *i* | `(i << 2) \| 0b10` |
//! | GC object | its address: non-zero, 8-aligned |
//!
//! Function references (function entry addresses) and exception references live in
//! hierarchies of their own and never meet these.

use super::Slot;

/// What a reference slot of the `any` or `extern` hierarchy holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcRef {
    /// Null.
    Null,
    /// A 31-bit integer, zero-extended.
    I31(u32),
    /// The host value with this number (the store's extern-reference index).
    Host(u32),
    /// A GC object at this address.
    Object(usize),
}

impl GcRef {
    /// Decodes a slot.
    #[inline]
    pub fn from_slot(slot: Slot) -> GcRef {
        if slot == 0 {
            GcRef::Null
        } else if slot & 1 == 1 {
            GcRef::I31((slot as u32) >> 1)
        } else if slot & 0b11 == 0b10 {
            GcRef::Host((slot >> 2) as u32)
        } else {
            GcRef::Object(slot as usize)
        }
    }

    /// Encodes the reference.
    #[inline]
    pub fn to_slot(self) -> Slot {
        match self {
            GcRef::Null => 0,
            GcRef::I31(value) => i31_slot(value),
            GcRef::Host(index) => ((index as Slot) << 2) | 0b10,
            GcRef::Object(address) => address as Slot,
        }
    }
}

/// The slot of `ref.i31 value`: the low 31 bits of `value`.
#[inline]
pub fn i31_slot(value: u32) -> Slot {
    ((value << 1) | 1) as Slot
}

/// `i31.get_u` of a non-null i31 slot.
#[inline]
pub fn i31_get_u(slot: Slot) -> u32 {
    (slot as u32) >> 1
}

/// `i31.get_s` of a non-null i31 slot: bit 30 extended.
#[inline]
pub fn i31_get_s(slot: Slot) -> i32 {
    (slot as u32 as i32) >> 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip_and_stay_apart() {
        for r in [
            GcRef::Null,
            GcRef::I31(0),
            GcRef::I31(0x7fff_ffff),
            GcRef::Host(0),
            GcRef::Host(u32::MAX),
            GcRef::Object(0x1000),
        ] {
            assert_eq!(GcRef::from_slot(r.to_slot()), r);
        }
        assert_ne!(GcRef::I31(0).to_slot(), 0);
        assert_eq!(i31_get_s(i31_slot(-1i32 as u32)), -1);
        assert_eq!(i31_get_u(i31_slot(-1i32 as u32)), 0x7fff_ffff);
        assert_eq!(i31_get_s(i31_slot(0x4000_0000)), -0x4000_0000);
        assert_eq!(i31_slot(u32::MAX) >> 32, 0);
    }
}
