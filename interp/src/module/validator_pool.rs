//! Validators kept between modules, so that compiling a module does not build its
//! validators' state anew.

use std::sync::Mutex;

use wasmparser::{
    BinaryReaderError, FuncValidatorAllocations, Payload, ValidPayload, Validator, WasmFeatures,
};

/// The validators an engine keeps between modules.
///
/// Two kinds are kept:
/// - module validators that finished a module, reset: each keeps its canonical type list,
///   so a module whose type groups it has seen before interns nothing new, and its
///   tables are not allocated and grown anew;
/// - the buffers of function validators.
#[derive(Default)]
pub struct ValidatorPool {
    modules: Mutex<Vec<PooledValidator>>,
    funcs: Mutex<Vec<FuncValidatorAllocations>>,
}

/// A reset module validator, how many modules it validated, and an upper bound on the types
/// its list holds.
struct PooledValidator {
    validator: Box<Validator>,
    modules: usize,
    types: usize,
}

/// A module validator taken from a [`ValidatorPool`], to give back once it validated a
/// module's sections to the end: only then can it be reset.
pub(super) struct PooledModuleValidator {
    /// The validator; it starts a new module.
    validator: Box<Validator>,
    /// Whether it validated its module's end.
    ended: bool,
    modules: usize,
    types: usize,
}

impl PooledModuleValidator {
    /// Validates the module's next payload (see [`Validator::payload`]).
    pub(super) fn payload<'a>(
        &mut self,
        payload: &Payload<'a>,
    ) -> Result<ValidPayload<'a>, BinaryReaderError> {
        let valid = self.validator.payload(payload)?;
        self.ended |= matches!(valid, ValidPayload::End(_));
        Ok(valid)
    }
}

/// At most this many of each kind are kept: more than validate at once would only hold
/// memory.
const MAX_POOLED: usize = 16;

/// A module validator is dropped instead of kept once it validated this many modules: each
/// module with types new to it leaves a snapshot in its list, and every module after copies
/// the list of snapshots.
const MAX_MODULES_PER_VALIDATOR: usize = 16;

/// A module validator is dropped instead of kept once the type groups of the modules it
/// validated add up to more types than this, since its list keeps every type it interned.
const MAX_TYPES_PER_VALIDATOR: usize = 16 * 1024;

impl ValidatorPool {
    /// A module validator for `features`: a pooled one, or a new one.
    pub(super) fn take_module(&self, features: WasmFeatures) -> PooledModuleValidator {
        let mut pool = lock(&self.modules);
        let position = pool
            .iter()
            .rposition(|pooled| pooled.validator.features() == &features);
        match position.map(|index| pool.swap_remove(index)) {
            Some(PooledValidator {
                validator,
                modules,
                types,
            }) => PooledModuleValidator {
                validator,
                ended: false,
                modules,
                types,
            },
            None => PooledModuleValidator {
                validator: Box::new(Validator::new_with_features(features)),
                ended: false,
                modules: 0,
                types: 0,
            },
        }
    }

    /// Returns a module validator that validated a module of `module_types` types, unless
    /// it stopped before the module's end (it cannot be reset), has served its modules, or
    /// its list has grown too long: then it is dropped.
    pub(super) fn give_module(&self, mut taken: PooledModuleValidator, module_types: usize) {
        let modules = taken.modules + 1;
        let types = taken.types.saturating_add(module_types);
        if !taken.ended || modules >= MAX_MODULES_PER_VALIDATOR || types > MAX_TYPES_PER_VALIDATOR {
            return;
        }
        taken.validator.reset();
        let mut pool = lock(&self.modules);
        if pool.len() < MAX_POOLED {
            pool.push(PooledValidator {
                validator: taken.validator,
                modules,
                types,
            });
        }
    }

    /// Buffers to validate function bodies with: a pooled set, or new ones.
    pub(super) fn take_funcs(&self) -> FuncValidatorAllocations {
        lock(&self.funcs).pop().unwrap_or_default()
    }

    /// Returns function validators' buffers to the pool.
    pub(super) fn give_funcs(&self, allocs: FuncValidatorAllocations) {
        let mut pool = lock(&self.funcs);
        if pool.len() < MAX_POOLED {
            pool.push(allocs);
        }
    }
}

/// The pool's lists stay consistent whatever panicked while one was locked: each push or
/// pop either happened or did not.
fn lock<T>(list: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    list.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for ValidatorPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidatorPool").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::parse_module_deferred;

    fn pooled_modules(pool: &ValidatorPool) -> usize {
        lock(&pool.modules).len()
    }

    fn compile(pool: &ValidatorPool, wat: &str) -> Result<(), crate::module::CompileError> {
        let bytes = wat::parse_str(wat).expect("valid WAT");
        let (info, pending) = parse_module_deferred(&bytes, WasmFeatures::default(), pool)?;
        let code = crate::module::ModuleCode::new(info, Default::default());
        code.validate_bodies(pending, 1, false, pool)
    }

    #[test]
    fn a_validator_is_reused_only_after_a_valid_module() {
        let pool = ValidatorPool::default();
        compile(
            &pool,
            "(module (func (param i32) (result i32) local.get 0))",
        )
        .unwrap();
        assert_eq!(pooled_modules(&pool), 1);
        // Invalid in a section the module validator checks: it is dropped, not reset.
        let err = compile(
            &pool,
            "(module (func) (export \"f\" (func 0)) (export \"f\" (func 0)))",
        );
        assert!(err.is_err());
        assert_eq!(pooled_modules(&pool), 0);
        compile(&pool, "(module (func (result i64) i64.const 1))").unwrap();
        assert_eq!(pooled_modules(&pool), 1);
    }

    #[test]
    fn a_reused_validator_still_checks_types_against_the_new_module() {
        let pool = ValidatorPool::default();
        // The first module interns `[i32] -> [i32]` as type 0.
        compile(
            &pool,
            "(module (func (param i32) (result i32) local.get 0))",
        )
        .unwrap();
        // Type 0 is now `[] -> [f32]`: a body using it as the old type must fail.
        let err = compile(
            &pool,
            "(module (type (func (result f32))) (func (type 0) i32.const 1))",
        )
        .unwrap_err();
        assert!(err.message.contains("type mismatch"), "{err}");
        compile(
            &pool,
            "(module (type (func (result f32))) (func (type 0) f32.const 1))",
        )
        .unwrap();
    }

    #[test]
    fn a_reused_validator_checks_subtypes_of_groups_it_has_seen() {
        let pool = ValidatorPool::default();
        let types = "(rec (type $a (sub (struct (field i32))))
                          (type $b (sub $a (struct (field i32) (field i64)))))";
        compile(&pool, &format!("(module {types})")).unwrap();
        // The same group again, interned already: `$b` is still a subtype of `$a`, and not
        // the other way round.
        let upcast = "(func (param (ref $b)) (result (ref $a)) local.get 0)";
        compile(&pool, &format!("(module {types} {upcast})")).unwrap();
        let downcast = "(func (param (ref $a)) (result (ref $b)) local.get 0)";
        let err = compile(&pool, &format!("(module {types} {downcast})")).unwrap_err();
        assert!(err.message.contains("type mismatch"), "{err}");
    }

    #[test]
    fn validators_are_not_shared_between_feature_sets() {
        let pool = ValidatorPool::default();
        compile(&pool, "(module)").unwrap();
        let other = WasmFeatures::default() - WasmFeatures::SIMD;
        let taken = pool.take_module(other);
        assert_eq!(taken.validator.features(), &other);
        assert!(!taken.ended);
        assert_eq!(pooled_modules(&pool), 1);
    }

    #[test]
    fn a_validator_serves_a_bounded_number_of_modules() {
        let pool = ValidatorPool::default();
        for _ in 1..MAX_MODULES_PER_VALIDATOR {
            compile(&pool, "(module)").unwrap();
            assert_eq!(pooled_modules(&pool), 1);
        }
        compile(&pool, "(module)").unwrap();
        assert_eq!(pooled_modules(&pool), 0);
    }

    #[test]
    fn a_validator_holding_many_types_is_dropped() {
        let pool = ValidatorPool::default();
        compile(&pool, "(module)").unwrap();
        let mut taken = pool.take_module(WasmFeatures::default());
        taken.ended = true;
        pool.give_module(taken, MAX_TYPES_PER_VALIDATOR + 1);
        assert_eq!(pooled_modules(&pool), 0);
    }

    #[test]
    fn a_validator_that_did_not_reach_the_end_is_dropped() {
        let pool = ValidatorPool::default();
        compile(&pool, "(module)").unwrap();
        // Taken, and given back before any payload: resetting it would panic.
        let taken = pool.take_module(WasmFeatures::default());
        pool.give_module(taken, 0);
        assert_eq!(pooled_modules(&pool), 0);
    }

    #[test]
    fn a_validator_whose_module_failed_in_a_deferred_body_is_reused() {
        let pool = ValidatorPool::default();
        // The sections are valid to the end; only the body, validated after, is not.
        let err = compile(&pool, "(module (func (result i32) i64.const 1))").unwrap_err();
        assert!(err.message.contains("type mismatch"), "{err}");
        assert_eq!(pooled_modules(&pool), 1);
        compile(&pool, "(module (func (result i32) i32.const 1))").unwrap();
        assert_eq!(pooled_modules(&pool), 1);
    }
}
