//! The reading loop of a translation: the body's reader decodes each operator straight into
//! a call on [`Driver`], which validates it (when the module's validation left the body to
//! the translation) and hands it to the translator.
//!
//! Reading operators one by one as [`Operator`] values and passing each to the validator would
//! match on every operator three times: once to decode it, once in the validator's dispatch
//! on the value, once in the translator. Visiting decodes and validates in one dispatch; the
//! translator still matches on the operator, which each visit builds.

use wasmparser::{
    FuncValidator, Operator, OperatorsReader, ValidatorResources, VisitOperator, VisitSimdOperator,
};

use super::{Result, Translator};
use crate::module::CompileError;

/// Validates and translates the operators the reader visits it with.
struct Driver<'t, 'a, 'v> {
    translator: &'t mut Translator<'a>,
    validator: Option<&'v mut FuncValidator<ValidatorResources>>,
    /// Offset of the operator being visited, in the module.
    offset: u64,
}

impl Driver<'_, '_, '_> {
    /// Translates `op`, which the validator (if any) has just accepted.
    #[inline(always)]
    fn translate(&mut self, op: Operator<'_>) -> Result<()> {
        let t = &mut *self.translator;
        t.offset = self.offset as u32;
        #[cfg(debug_assertions)]
        let fuel_rule = t.fuel_rule_before(&op);
        // By reference: here the operator's variant is known, so dropping it costs nothing,
        // where the translator would have to drop whichever variant it was given.
        t.translate(&op)?;
        #[cfg(debug_assertions)]
        t.check_fuel_rule(fuel_rule);
        Ok(())
    }
}

/// Translates every operator of `operators` with `translator`, validating each first with
/// `validator` if given, and with it checks that nothing follows the body's final `end`.
pub(super) fn translate_operators(
    translator: &mut Translator<'_>,
    operators: &mut OperatorsReader<'_>,
    validator: Option<&mut FuncValidator<ValidatorResources>>,
) -> Result<()> {
    let validating = validator.is_some();
    let mut driver = Driver {
        translator,
        validator,
        offset: 0,
    };
    while !operators.eof() {
        driver.offset = operators.original_position();
        operators.visit_operator(&mut driver)??;
    }
    if validating {
        // Nothing after the function's `end`, and no frame left open.
        operators.finish()?;
    }
    Ok(())
}

/// Each visit validates the operator with the validator's `$visitor` (its plain or its SIMD
/// one), then translates it. Arguments are cloned for the validator: all are `Copy` but
/// those of `br_table` (a borrowed reader) and `try_table`.
macro_rules! define_visits_with {
    ($visitor:ident; $(@$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            #[allow(clippy::clone_on_copy)]
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                if let Some(validator) = self.validator.as_deref_mut() {
                    validator
                        .$visitor(self.offset)
                        .$visit($($($arg.clone()),*)?)
                        .map_err(CompileError::from)?;
                }
                self.translate(Operator::$op $({ $($arg),* })?)
            }
        )*
    };
}

macro_rules! define_visits {
    ($($operators:tt)*) => {
        define_visits_with!(visitor; $($operators)*);
    };
}

macro_rules! define_simd_visits {
    ($($operators:tt)*) => {
        define_visits_with!(simd_visitor; $($operators)*);
    };
}

impl<'a> VisitOperator<'a> for Driver<'_, '_, '_> {
    type Output = Result<()>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(define_visits);
}

impl<'a> VisitSimdOperator<'a> for Driver<'_, '_, '_> {
    wasmparser::for_each_visit_simd_operator!(define_simd_visits);
}
