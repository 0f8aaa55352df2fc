//! A small bit-set type generator: the permission sets of the public API and the flag words of
//! the WASI ABI are all sets of named bits.

/// Declares a `Copy` bit-set type over an unsigned integer with named constants, set
/// operations and `contains`/`intersects`.
macro_rules! bitflags {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident: $repr:ty {
            $($(#[$fmeta:meta])* const $flag:ident = $value:expr;)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        $vis struct $name($repr);

        #[allow(dead_code)]
        impl $name {
            $($(#[$fmeta])* pub const $flag: $name = $name($value);)*

            /// The empty set.
            pub const fn empty() -> Self {
                $name(0)
            }

            /// Every named bit.
            pub const fn all() -> Self {
                $name(0 $(| $value)*)
            }

            /// The raw bits.
            pub const fn bits(self) -> $repr {
                self.0
            }

            /// The set with these bits, or `None` if any bit is unnamed.
            pub const fn from_bits(bits: $repr) -> Option<Self> {
                if bits & !Self::all().0 == 0 { Some($name(bits)) } else { None }
            }

            /// The set with the named bits among `bits`; unnamed bits are dropped.
            pub const fn from_bits_truncate(bits: $repr) -> Self {
                $name(bits & Self::all().0)
            }

            /// Whether no bit is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// Whether every bit of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether `self` and `other` share a bit.
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }

            /// Sets or clears the bits of `other`.
            pub fn set(&mut self, other: Self, on: bool) {
                if on { self.0 |= other.0 } else { self.0 &= !other.0 }
            }
        }

        impl std::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                $name(self.0 | rhs.0)
            }
        }

        impl std::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: Self) {
                self.0 |= rhs.0;
            }
        }

        impl std::ops::BitAnd for $name {
            type Output = Self;
            fn bitand(self, rhs: Self) -> Self {
                $name(self.0 & rhs.0)
            }
        }

        impl std::ops::BitAndAssign for $name {
            fn bitand_assign(&mut self, rhs: Self) {
                self.0 &= rhs.0;
            }
        }

        impl std::ops::Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                $name(self.0 & !rhs.0)
            }
        }

        impl std::ops::Not for $name {
            type Output = Self;
            fn not(self) -> Self {
                $name(!self.0 & Self::all().0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut first = true;
                write!(f, "{}(", stringify!($name))?;
                $(
                    if $value != 0 && self.contains($name($value)) {
                        if !first {
                            f.write_str(" | ")?;
                        }
                        first = false;
                        f.write_str(stringify!($flag))?;
                    }
                )*
                if first {
                    f.write_str("empty")?;
                }
                f.write_str(")")
            }
        }
    };
}

pub(crate) use bitflags;
