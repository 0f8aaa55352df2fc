//! Constants, arithmetic, comparisons and conversions of `i32`, `i64`, `f32` and `f64`.
//!
//! Cranelift's operators already have wasm's semantics where the two agree (wrapping integer
//! arithmetic, shift counts taken modulo the width, NaN-propagating `fmin`/`fmax` that order
//! -0 below +0, round-to-nearest-even `nearest`, saturating conversions). The operators that
//! trap in wasm are guarded by explicit checks ahead of the Cranelift instruction, so that its
//! own hardware trap can never fire and each trap reports the interpreter's [`TrapCode`].

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::FunctionBuilder;
use tandem_interp::TrapCode;
use wasmparser::Operator;

use super::{FuncTranslator, Result};

/// The integer division operators.
#[derive(Clone, Copy)]
enum Division {
    DivS,
    DivU,
    RemS,
    RemU,
}

/// Exclusive bounds of the floats whose truncation fits an integer type, as the interpreter
/// checks them: each bound is exactly representable in the float type.
fn trunc_bounds(from: Type, to: Type, signed: bool) -> (f64, f64) {
    match (from, to, signed) {
        (types::F32, types::I32, true) => (-2147483904.0, 2147483648.0),
        (types::F64, types::I32, true) => (-2147483649.0, 2147483648.0),
        (_, types::I32, false) => (-1.0, 4294967296.0),
        (types::F32, types::I64, true) => (-9223373136366403584.0, 9223372036854775808.0),
        (types::F64, types::I64, true) => (-9223372036854777856.0, 9223372036854775808.0),
        (_, _, _) => (-1.0, 18446744073709551616.0),
    }
}

/// Whether `op` is float arithmetic whose NaN results the spec leaves open (bitwise float
/// operators such as `neg` or `copysign` keep their operands' NaNs); the same list as the
/// interpreter's NaN canonicalization.
fn produces_arithmetic_nan(op: &Operator<'_>) -> bool {
    use Operator::*;
    matches!(
        op,
        F32Add
            | F64Add
            | F32Sub
            | F64Sub
            | F32Mul
            | F64Mul
            | F32Div
            | F64Div
            | F32Sqrt
            | F64Sqrt
            | F32Min
            | F64Min
            | F32Max
            | F64Max
            | F32Ceil
            | F64Ceil
            | F32Floor
            | F64Floor
            | F32Trunc
            | F64Trunc
            | F32Nearest
            | F64Nearest
            | F32DemoteF64
            | F64PromoteF32
    )
}

impl<'f> FuncTranslator<'_, 'f> {
    /// Translates `op` if it is a numeric operator; `false` if it is not one.
    pub(super) fn numeric(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Operator::*;
        use types::{F32, F64, I32, I64};
        match *op {
            I32Const { value } => {
                let value = self.b.ins().iconst(I32, i64::from(value as u32));
                self.push(value);
            }
            I64Const { value } => {
                let value = self.b.ins().iconst(I64, value);
                self.push(value);
            }
            F32Const { value } => {
                let value = self.b.ins().f32const(Ieee32::with_bits(value.bits()));
                self.push(value);
            }
            F64Const { value } => {
                let value = self.b.ins().f64const(Ieee64::with_bits(value.bits()));
                self.push(value);
            }

            // ---- comparisons ----
            I32Eqz | I64Eqz => {
                let value = self.pop();
                let ty = self.value_type(value);
                let zero = self.b.ins().iconst(ty, 0);
                let flag = self.b.ins().icmp(IntCC::Equal, value, zero);
                self.push_flag(flag);
            }
            I32Eq | I64Eq => self.icmp(IntCC::Equal),
            I32Ne | I64Ne => self.icmp(IntCC::NotEqual),
            I32LtS | I64LtS => self.icmp(IntCC::SignedLessThan),
            I32LtU | I64LtU => self.icmp(IntCC::UnsignedLessThan),
            I32GtS | I64GtS => self.icmp(IntCC::SignedGreaterThan),
            I32GtU | I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            I32LeS | I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            I32LeU | I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            I32GeS | I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            I32GeU | I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            // `ne` is true for unordered operands, the others are false for them.
            F32Eq | F64Eq => self.fcmp(FloatCC::Equal),
            F32Ne | F64Ne => self.fcmp(FloatCC::NotEqual),
            F32Lt | F64Lt => self.fcmp(FloatCC::LessThan),
            F32Gt | F64Gt => self.fcmp(FloatCC::GreaterThan),
            F32Le | F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            F32Ge | F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),

            // ---- integer arithmetic ----
            I32Clz | I64Clz => self.unary(|b, x| b.ins().clz(x)),
            I32Ctz | I64Ctz => self.unary(|b, x| b.ins().ctz(x)),
            I32Popcnt | I64Popcnt => self.unary(|b, x| b.ins().popcnt(x)),
            I32Add | I64Add => self.binary(|b, x, y| b.ins().iadd(x, y)),
            I32Sub | I64Sub => self.binary(|b, x, y| b.ins().isub(x, y)),
            I32Mul | I64Mul => self.binary(|b, x, y| b.ins().imul(x, y)),
            I32And | I64And => self.binary(|b, x, y| b.ins().band(x, y)),
            I32Or | I64Or => self.binary(|b, x, y| b.ins().bor(x, y)),
            I32Xor | I64Xor => self.binary(|b, x, y| b.ins().bxor(x, y)),
            I32Shl | I64Shl => self.binary(|b, x, y| b.ins().ishl(x, y)),
            I32ShrS | I64ShrS => self.binary(|b, x, y| b.ins().sshr(x, y)),
            I32ShrU | I64ShrU => self.binary(|b, x, y| b.ins().ushr(x, y)),
            I32Rotl | I64Rotl => self.binary(|b, x, y| b.ins().rotl(x, y)),
            I32Rotr | I64Rotr => self.binary(|b, x, y| b.ins().rotr(x, y)),
            I32DivS | I64DivS => self.divide(Division::DivS),
            I32DivU | I64DivU => self.divide(Division::DivU),
            I32RemS | I64RemS => self.divide(Division::RemS),
            I32RemU | I64RemU => self.divide(Division::RemU),

            // ---- float arithmetic ----
            F32Abs | F64Abs => self.unary(|b, x| b.ins().fabs(x)),
            F32Neg | F64Neg => self.unary(|b, x| b.ins().fneg(x)),
            F32Ceil | F64Ceil => self.unary(|b, x| b.ins().ceil(x)),
            F32Floor | F64Floor => self.unary(|b, x| b.ins().floor(x)),
            F32Trunc | F64Trunc => self.unary(|b, x| b.ins().trunc(x)),
            F32Nearest | F64Nearest => self.unary(|b, x| b.ins().nearest(x)),
            F32Sqrt | F64Sqrt => self.unary(|b, x| b.ins().sqrt(x)),
            F32Add | F64Add => self.binary(|b, x, y| b.ins().fadd(x, y)),
            F32Sub | F64Sub => self.binary(|b, x, y| b.ins().fsub(x, y)),
            F32Mul | F64Mul => self.binary(|b, x, y| b.ins().fmul(x, y)),
            F32Div | F64Div => self.binary(|b, x, y| b.ins().fdiv(x, y)),
            F32Min | F64Min => self.binary(|b, x, y| b.ins().fmin(x, y)),
            F32Max | F64Max => self.binary(|b, x, y| b.ins().fmax(x, y)),
            F32Copysign | F64Copysign => self.binary(|b, x, y| b.ins().fcopysign(x, y)),

            // ---- conversions ----
            I32WrapI64 => self.unary(|b, x| b.ins().ireduce(I32, x)),
            I64ExtendI32S => self.unary(|b, x| b.ins().sextend(I64, x)),
            I64ExtendI32U => self.unary(|b, x| b.ins().uextend(I64, x)),
            I32Extend8S => self.sign_extend_low(types::I8),
            I32Extend16S | I64Extend16S => self.sign_extend_low(types::I16),
            I64Extend8S => self.sign_extend_low(types::I8),
            I64Extend32S => self.sign_extend_low(I32),
            F32ConvertI32S | F32ConvertI64S => self.unary(|b, x| b.ins().fcvt_from_sint(F32, x)),
            F32ConvertI32U | F32ConvertI64U => self.unary(|b, x| b.ins().fcvt_from_uint(F32, x)),
            F64ConvertI32S | F64ConvertI64S => self.unary(|b, x| b.ins().fcvt_from_sint(F64, x)),
            F64ConvertI32U | F64ConvertI64U => self.unary(|b, x| b.ins().fcvt_from_uint(F64, x)),
            F32DemoteF64 => self.unary(|b, x| b.ins().fdemote(F32, x)),
            F64PromoteF32 => self.unary(|b, x| b.ins().fpromote(F64, x)),
            I32ReinterpretF32 => self.reinterpret(I32),
            I64ReinterpretF64 => self.reinterpret(I64),
            F32ReinterpretI32 => self.reinterpret(F32),
            F64ReinterpretI64 => self.reinterpret(F64),
            I32TruncF32S | I32TruncF64S => self.truncate(I32, true),
            I32TruncF32U | I32TruncF64U => self.truncate(I32, false),
            I64TruncF32S | I64TruncF64S => self.truncate(I64, true),
            I64TruncF32U | I64TruncF64U => self.truncate(I64, false),
            I32TruncSatF32S | I32TruncSatF64S => {
                self.unary(|b, x| b.ins().fcvt_to_sint_sat(I32, x))
            }
            I32TruncSatF32U | I32TruncSatF64U => {
                self.unary(|b, x| b.ins().fcvt_to_uint_sat(I32, x))
            }
            I64TruncSatF32S | I64TruncSatF64S => {
                self.unary(|b, x| b.ins().fcvt_to_sint_sat(I64, x))
            }
            I64TruncSatF32U | I64TruncSatF64U => {
                self.unary(|b, x| b.ins().fcvt_to_uint_sat(I64, x))
            }

            // ---- wide arithmetic ----
            I64Add128 => self.add_sub_128(false),
            I64Sub128 => self.add_sub_128(true),
            I64MulWideS => self.mul_wide(true),
            I64MulWideU => self.mul_wide(false),
            _ => return Ok(false),
        }
        if self.env.options.canonicalize_nans && produces_arithmetic_nan(op) {
            self.canonicalize_nan();
        }
        Ok(true)
    }

    /// `i64.add128` and `i64.sub128`: 128-bit operands and result as (low, high) halves.
    fn add_sub_128(&mut self, subtract: bool) {
        let rhs_high = self.pop();
        let rhs_low = self.pop();
        let (lhs_low, lhs_high) = self.pop2();
        let (low, high) = if subtract {
            let low = self.b.ins().isub(lhs_low, rhs_low);
            let borrow = self.b.ins().icmp(IntCC::UnsignedLessThan, lhs_low, rhs_low);
            let borrow = self.b.ins().uextend(types::I64, borrow);
            let high = self.b.ins().isub(lhs_high, rhs_high);
            (low, self.b.ins().isub(high, borrow))
        } else {
            let low = self.b.ins().iadd(lhs_low, rhs_low);
            let carry = self.b.ins().icmp(IntCC::UnsignedLessThan, low, lhs_low);
            let carry = self.b.ins().uextend(types::I64, carry);
            let high = self.b.ins().iadd(lhs_high, rhs_high);
            (low, self.b.ins().iadd(high, carry))
        };
        self.push(low);
        self.push(high);
    }

    /// `i64.mul_wide_s` and `i64.mul_wide_u`: the full 128-bit product as (low, high) halves.
    fn mul_wide(&mut self, signed: bool) {
        let (x, y) = self.pop2();
        let low = self.b.ins().imul(x, y);
        let high = if signed {
            self.b.ins().smulhi(x, y)
        } else {
            self.b.ins().umulhi(x, y)
        };
        self.push(low);
        self.push(high);
    }

    /// Replaces a NaN on top of the stack with the canonical NaN of its type (positive, quiet,
    /// no payload), as the interpreter's deterministic mode does.
    fn canonicalize_nan(&mut self) {
        let value = self.pop();
        let ty = self.value_type(value);
        let canonical = if ty == types::F32 {
            self.b.ins().f32const(Ieee32::with_bits(0x7fc0_0000))
        } else {
            self.b
                .ins()
                .f64const(Ieee64::with_bits(0x7ff8_0000_0000_0000))
        };
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, value, value);
        let value = self.b.ins().select(is_nan, canonical, value);
        self.push(value);
    }

    fn unary(&mut self, f: impl FnOnce(&mut FunctionBuilder<'f>, Value) -> Value) {
        let x = self.pop();
        let value = f(&mut self.b, x);
        self.push(value);
    }

    fn binary(&mut self, f: impl FnOnce(&mut FunctionBuilder<'f>, Value, Value) -> Value) {
        let (x, y) = self.pop2();
        let value = f(&mut self.b, x, y);
        self.push(value);
    }

    /// Pushes a comparison result (an `i8` flag) as the `i32` wasm expects.
    fn push_flag(&mut self, flag: Value) {
        let value = self.b.ins().uextend(types::I32, flag);
        self.push(value);
    }

    fn icmp(&mut self, cc: IntCC) {
        let (x, y) = self.pop2();
        let flag = self.b.ins().icmp(cc, x, y);
        self.push_flag(flag);
    }

    fn fcmp(&mut self, cc: FloatCC) {
        let (x, y) = self.pop2();
        let flag = self.b.ins().fcmp(cc, x, y);
        self.push_flag(flag);
    }

    /// `extendN_s`: sign-extends the low `narrow` bits of the operand to its own width.
    fn sign_extend_low(&mut self, narrow: Type) {
        let x = self.pop();
        let ty = self.value_type(x);
        let low = self.b.ins().ireduce(narrow, x);
        let value = self.b.ins().sextend(ty, low);
        self.push(value);
    }

    fn reinterpret(&mut self, to: Type) {
        let x = self.pop();
        let value = self.b.ins().bitcast(to, MemFlagsData::new(), x);
        self.push(value);
    }

    /// An integer constant of type `ty` from its two's-complement bits.
    fn int_const(&mut self, ty: Type, bits: i64) -> Value {
        let masked = if ty == types::I32 {
            i64::from(bits as u32)
        } else {
            bits
        };
        self.b.ins().iconst(ty, masked)
    }

    /// Division and remainder: division by zero traps, and so does the one signed quotient
    /// that overflows (`MIN / -1`). The matching remainder is 0, which Cranelift's `srem`
    /// already returns without trapping.
    fn divide(&mut self, kind: Division) {
        let (x, y) = self.pop2();
        let ty = self.value_type(x);
        let zero = self.b.ins().iconst(ty, 0);
        let by_zero = self.b.ins().icmp(IntCC::Equal, y, zero);
        self.trap_if(by_zero, TrapCode::IntegerDivisionByZero);
        if let Division::DivS = kind {
            let min = if ty == types::I32 {
                i64::from(i32::MIN)
            } else {
                i64::MIN
            };
            let min = self.int_const(ty, min);
            let minus_one = self.int_const(ty, -1);
            let x_is_min = self.b.ins().icmp(IntCC::Equal, x, min);
            let y_is_minus_one = self.b.ins().icmp(IntCC::Equal, y, minus_one);
            let overflows = self.b.ins().band(x_is_min, y_is_minus_one);
            self.trap_if(overflows, TrapCode::IntegerOverflow);
        }
        let value = match kind {
            Division::DivS => self.b.ins().sdiv(x, y),
            Division::DivU => self.b.ins().udiv(x, y),
            Division::RemS => self.b.ins().srem(x, y),
            Division::RemU => self.b.ins().urem(x, y),
        };
        self.push(value);
    }

    /// A float constant of the operand's type.
    fn float_const(&mut self, ty: Type, value: f64) -> Value {
        if ty == types::F32 {
            self.b.ins().f32const(value as f32)
        } else {
            self.b.ins().f64const(value)
        }
    }

    /// Trapping float-to-integer truncation: NaN is an invalid conversion, a value whose
    /// truncation does not fit is an overflow (the interpreter's order and codes).
    fn truncate(&mut self, to: Type, signed: bool) {
        let x = self.pop();
        let from = self.value_type(x);
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        self.trap_if(is_nan, TrapCode::BadConversionToInteger);
        let (low, high) = trunc_bounds(from, to, signed);
        let low = self.float_const(from, low);
        let high = self.float_const(from, high);
        let above_low = self.b.ins().fcmp(FloatCC::GreaterThan, x, low);
        let below_high = self.b.ins().fcmp(FloatCC::LessThan, x, high);
        let fits = self.b.ins().band(above_low, below_high);
        let overflows = self.b.ins().bxor_imm_u(fits, 1);
        self.trap_if(overflows, TrapCode::IntegerOverflow);
        // In range now, so these cannot reach their own traps.
        let value = if signed {
            self.b.ins().fcvt_to_sint(to, x)
        } else {
            self.b.ins().fcvt_to_uint(to, x)
        };
        self.push(value);
    }
}
