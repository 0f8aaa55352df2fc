//! The engine-wide registry of defined types (function, struct and array types).
//!
//! Under the GC proposal a type's identity is its *recursion group* plus its position in it:
//! two structurally equal groups, from any modules or from host functions, define the same
//! types, while equal function types in different groups, or declared with different
//! supertypes or finality, are different. The registry hash-conses whole groups in a
//! canonical form whose references inside the group are group-relative and whose other
//! references are engine ids, so equal ids mean equal types everywhere: `call_indirect`
//! compares ids, and import matching and casts walk each type's supertype chain.
//!
//! Types are never removed: an engine's modules and host functions keep theirs for as long
//! as the engine lives, so a [`TypeInfo`] pointer stays valid while any store of the engine
//! does (stores hold their engine).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use wasmparser::{
    AbstractHeapType, CompositeInnerType, HeapType, StorageType, SubType, UnpackedIndex,
};

use super::ctx::SigId;
use super::gc::{FieldKind, GcLayout, StructLayout};

/// A reference to a defined type inside a canonical type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CanonIndex {
    /// A type registered before the group: its engine id.
    Engine(SigId),
    /// A type of the same recursion group, by position in it.
    Local(u32),
}

/// What a reference points to, in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CanonHeap {
    /// An abstract heap type (`func`, `any`, `i31`, `extern`, ...).
    Abstract {
        /// Shared (shared-everything threads).
        shared: bool,
        /// Which one.
        ty: AbstractHeapType,
    },
    /// A defined type.
    Concrete(CanonIndex),
}

/// A reference type in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CanonRef {
    /// Whether null is a value of the type.
    pub nullable: bool,
    /// What it points to.
    pub heap: CanonHeap,
}

/// A value type in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CanonVal {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `v128`.
    V128,
    /// A reference.
    Ref(CanonRef),
}

/// How a struct field or array element is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CanonStorage {
    /// Packed 8-bit integer.
    I8,
    /// Packed 16-bit integer.
    I16,
    /// A full value.
    Val(CanonVal),
}

/// A struct field or array element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CanonField {
    /// How it is stored.
    pub storage: CanonStorage,
    /// Whether it may be written after allocation.
    pub mutable: bool,
}

/// The body of a defined type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CanonComposite {
    /// A function type.
    Func {
        /// Parameter types.
        params: Box<[CanonVal]>,
        /// Result types.
        results: Box<[CanonVal]>,
    },
    /// A struct type: its fields in order.
    Struct(Box<[CanonField]>),
    /// An array type: its element.
    Array(CanonField),
}

/// A defined type with its place in the subtype hierarchy, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CanonSubType {
    /// Whether no type may declare it as its supertype.
    pub is_final: bool,
    /// The declared supertype, if any.
    pub supertype: Option<CanonIndex>,
    /// The type's body.
    pub composite: CanonComposite,
}

impl CanonSubType {
    /// A final function type without supertype: what a host function or an MVP module's
    /// `(type (func ...))` declares.
    pub fn func(params: Box<[CanonVal]>, results: Box<[CanonVal]>) -> Self {
        CanonSubType {
            is_final: true,
            supertype: None,
            composite: CanonComposite::Func { params, results },
        }
    }
}

/// A registered type: its engine id, its definition with every reference resolved to an
/// engine id, and its supertype chain.
#[derive(Debug)]
pub struct TypeInfo {
    /// The engine-wide id.
    pub id: SigId,
    /// The definition; every [`CanonIndex`] in it is [`CanonIndex::Engine`].
    pub ty: CanonSubType,
    /// The supertype chain from the root to this type itself (a Cohen display), so subtype
    /// checks against a known type take one comparison.
    pub display: Box<[SigId]>,
    /// How objects of the type are laid out (struct and array types).
    pub layout: GcLayout,
}

impl TypeInfo {
    /// The number of declared supertypes above this type.
    pub fn depth(&self) -> usize {
        self.display.len() - 1
    }

    /// Whether this type is `sup` or declares it, directly or not, as a supertype.
    #[inline]
    pub fn is_subtype_of(&self, sup: &TypeInfo) -> bool {
        self.display.get(sup.depth()) == Some(&sup.id)
    }

    /// Whether this type is the type with id `sup` or one of its subtypes.
    pub fn has_supertype(&self, sup: SigId) -> bool {
        self.display.contains(&sup)
    }

    /// Whether this is a function type.
    pub fn is_func(&self) -> bool {
        matches!(self.ty.composite, CanonComposite::Func { .. })
    }
}

/// The engine-wide type registry (see the module documentation).
#[derive(Debug, Default)]
pub struct TypeRegistry {
    inner: Mutex<RegistryInner>,
}

#[derive(Debug, Default)]
struct RegistryInner {
    /// Each registered group, as its [`Token`]s, to the id of its first type.
    groups: HashMap<Box<[Token]>, SigId>,
    /// Every registered type, by id.
    infos: Vec<Arc<TypeInfo>>,
    /// The tokens of the group being looked up, kept between lookups.
    key: Vec<Token>,
}

/// One piece of a recursion group's canonical form, flattened: the registry hashes and
/// compares groups by their tokens, which a module's types are written to without
/// allocating, so looking up a group registered before allocates nothing. Each type is a
/// `Sub`, then its composite type: `Func` and its parameters' and results' `Val`s, `Struct`
/// and its `Field`s, or `Array` and its element's `Field`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Token {
    Sub {
        is_final: bool,
        supertype: Option<CanonIndex>,
    },
    Func {
        params: u32,
        results: u32,
    },
    Struct {
        fields: u32,
    },
    Array,
    Val(CanonVal),
    Field(CanonField),
}

impl TypeRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        TypeRegistry::default()
    }

    /// Registers a module's types, given as the type section declares them with its
    /// recursion groups, and returns their infos by module type index. The module must be
    /// valid: supertypes precede their subtypes, and references only point back to earlier
    /// groups or into their own.
    pub fn register_module(&self, types: &[SubType], groups: &[Range<u32>]) -> Vec<Arc<TypeInfo>> {
        let mut inner = self.lock();
        let mut infos: Vec<Arc<TypeInfo>> = Vec::with_capacity(types.len());
        let mut key = std::mem::take(&mut inner.key);
        for group in groups {
            key.clear();
            for sub in &types[group.start as usize..group.end as usize] {
                write_module_type(sub, group, &infos, &mut key);
            }
            let first = inner.intern(&key);
            for offset in 0..group.len() {
                infos.push(inner.infos[first.0 as usize + offset].clone());
            }
        }
        inner.key = key;
        infos
    }

    /// Registers one type as a group of its own (a host function's type), returning its
    /// info. Its references must all be [`CanonIndex::Engine`] ids of this registry.
    pub fn register(&self, ty: CanonSubType) -> Arc<TypeInfo> {
        let mut key = Vec::new();
        ty.write_tokens(&mut key);
        let mut inner = self.lock();
        let id = inner.intern(&key);
        inner.infos[id.0 as usize].clone()
    }

    /// The type with id `id`, if this registry gave it out.
    pub fn info(&self, id: SigId) -> Option<Arc<TypeInfo>> {
        self.lock().infos.get(id.0 as usize).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RegistryInner> {
        // The data stays consistent even if a holder panicked: every update is one push.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl RegistryInner {
    /// The id of the first type of the group written as `key`, registering the group if it
    /// is new.
    fn intern(&mut self, key: &[Token]) -> SigId {
        if let Some(&first) = self.groups.get(key) {
            return first;
        }
        let group = read_group(key);
        let first = SigId(self.infos.len() as u32);
        let resolve = |index: CanonIndex| match index {
            CanonIndex::Engine(id) => id,
            CanonIndex::Local(k) => SigId(first.0 + k),
        };
        // Whether a defined type is a function type (its references are then no GC values).
        let is_func = |index: CanonIndex| match index {
            CanonIndex::Local(k) => group
                .get(k as usize)
                .is_some_and(|sub| matches!(sub.composite, CanonComposite::Func { .. })),
            CanonIndex::Engine(id) => self
                .infos
                .get(id.0 as usize)
                .is_some_and(|info| info.is_func()),
        };
        let layouts: Vec<GcLayout> = group.iter().map(|sub| layout(sub, &is_func)).collect();
        for ((offset, sub), layout) in group.iter().enumerate().zip(layouts) {
            let id = SigId(first.0 + offset as u32);
            let ty = sub.map_indices(&resolve);
            // Validation puts a supertype before its subtypes, so its info exists already.
            let mut display: Vec<SigId> = match ty.supertype {
                Some(CanonIndex::Engine(sup)) => self
                    .infos
                    .get(sup.0 as usize)
                    .map(|info| info.display.to_vec())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            display.push(id);
            self.infos.push(Arc::new(TypeInfo {
                id,
                ty,
                display: display.into(),
                layout,
            }));
        }
        self.groups.insert(key.into(), first);
        first
    }
}

impl CanonSubType {
    /// Appends this type's [`Token`]s to `out`.
    fn write_tokens(&self, out: &mut Vec<Token>) {
        out.push(Token::Sub {
            is_final: self.is_final,
            supertype: self.supertype,
        });
        match &self.composite {
            CanonComposite::Func { params, results } => {
                out.push(Token::Func {
                    params: params.len() as u32,
                    results: results.len() as u32,
                });
                out.extend(params.iter().chain(results.iter()).copied().map(Token::Val));
            }
            CanonComposite::Struct(fields) => {
                out.push(Token::Struct {
                    fields: fields.len() as u32,
                });
                out.extend(fields.iter().copied().map(Token::Field));
            }
            CanonComposite::Array(element) => out.extend([Token::Array, Token::Field(*element)]),
        }
    }
}

/// The types of the group written as `tokens` by [`CanonSubType::write_tokens`] or
/// [`write_module_type`].
fn read_group(tokens: &[Token]) -> Box<[CanonSubType]> {
    let mut rest = tokens.iter().copied();
    let mut group = Vec::new();
    while let Some(token) = rest.next() {
        let Token::Sub {
            is_final,
            supertype,
        } = token
        else {
            unreachable!("a type expected, not {token:?}");
        };
        let composite = match rest.next() {
            Some(Token::Func { params, results }) => CanonComposite::Func {
                params: (0..params).map(|_| read_val(&mut rest)).collect(),
                results: (0..results).map(|_| read_val(&mut rest)).collect(),
            },
            Some(Token::Struct { fields }) => {
                CanonComposite::Struct((0..fields).map(|_| read_field(&mut rest)).collect())
            }
            Some(Token::Array) => CanonComposite::Array(read_field(&mut rest)),
            other => unreachable!("a composite type expected, not {other:?}"),
        };
        group.push(CanonSubType {
            is_final,
            supertype,
            composite,
        });
    }
    group.into_boxed_slice()
}

fn read_val(tokens: &mut impl Iterator<Item = Token>) -> CanonVal {
    match tokens.next() {
        Some(Token::Val(val)) => val,
        other => unreachable!("a value type expected, not {other:?}"),
    }
}

fn read_field(tokens: &mut impl Iterator<Item = Token>) -> CanonField {
    match tokens.next() {
        Some(Token::Field(field)) => field,
        other => unreachable!("a field expected, not {other:?}"),
    }
}

impl CanonSubType {
    /// This type with every index passed through `f`, which resolves group-relative ones.
    fn map_indices(&self, f: &impl Fn(CanonIndex) -> SigId) -> CanonSubType {
        let val = |v: &CanonVal| match *v {
            CanonVal::Ref(CanonRef {
                nullable,
                heap: CanonHeap::Concrete(index),
            }) => CanonVal::Ref(CanonRef {
                nullable,
                heap: CanonHeap::Concrete(CanonIndex::Engine(f(index))),
            }),
            other => other,
        };
        let field = |field: &CanonField| CanonField {
            storage: match &field.storage {
                CanonStorage::Val(v) => CanonStorage::Val(val(v)),
                packed => *packed,
            },
            mutable: field.mutable,
        };
        CanonSubType {
            is_final: self.is_final,
            supertype: self.supertype.map(|index| CanonIndex::Engine(f(index))),
            composite: match &self.composite {
                CanonComposite::Func { params, results } => CanonComposite::Func {
                    params: params.iter().map(val).collect(),
                    results: results.iter().map(val).collect(),
                },
                CanonComposite::Struct(fields) => {
                    CanonComposite::Struct(fields.iter().map(field).collect())
                }
                CanonComposite::Array(element) => CanonComposite::Array(field(element)),
            },
        }
    }
}

/// The object layout of `sub`; `is_func` tells whether a defined type is a function type.
fn layout(sub: &CanonSubType, is_func: &impl Fn(CanonIndex) -> bool) -> GcLayout {
    let kind = |field: &CanonField| match field.storage {
        CanonStorage::I8 => FieldKind::I8,
        CanonStorage::I16 => FieldKind::I16,
        CanonStorage::Val(CanonVal::I32 | CanonVal::F32) => FieldKind::I32,
        CanonStorage::Val(CanonVal::I64 | CanonVal::F64) => FieldKind::I64,
        CanonStorage::Val(CanonVal::V128) => FieldKind::V128,
        CanonStorage::Val(CanonVal::Ref(r)) => match r.heap {
            CanonHeap::Abstract { ty, .. } if is_gc_hierarchy(ty) => FieldKind::GcRef,
            CanonHeap::Abstract { .. } => FieldKind::OtherRef,
            CanonHeap::Concrete(index) if is_func(index) => FieldKind::OtherRef,
            CanonHeap::Concrete(_) => FieldKind::GcRef,
        },
    };
    match &sub.composite {
        CanonComposite::Func { .. } => GcLayout::None,
        CanonComposite::Struct(fields) => {
            GcLayout::Struct(StructLayout::new(fields.iter().map(kind)))
        }
        CanonComposite::Array(element) => GcLayout::Array(kind(element)),
    }
}

/// Whether references to abstract heap type `ty` belong to the `any` or `extern` hierarchy,
/// whose values may be GC objects.
pub fn is_gc_hierarchy(ty: AbstractHeapType) -> bool {
    !matches!(
        ty,
        AbstractHeapType::Func
            | AbstractHeapType::NoFunc
            | AbstractHeapType::Exn
            | AbstractHeapType::NoExn
            | AbstractHeapType::Cont
            | AbstractHeapType::NoCont
    )
}

/// Appends the [`Token`]s of module type `sub`'s canonical form to `out`; `sub` belongs to
/// the group of type indices `group`, and `earlier` holds the infos of the module's types
/// before the group.
fn write_module_type(
    sub: &SubType,
    group: &Range<u32>,
    earlier: &[Arc<TypeInfo>],
    out: &mut Vec<Token>,
) {
    let index = |index: UnpackedIndex| match index {
        UnpackedIndex::Module(i) if group.contains(&i) => CanonIndex::Local(i - group.start),
        UnpackedIndex::Module(i) => match earlier.get(i as usize) {
            Some(info) => CanonIndex::Engine(info.id),
            // Validation rules out forward references across groups.
            None => CanonIndex::Local(u32::MAX),
        },
        UnpackedIndex::RecGroup(k) => CanonIndex::Local(k),
        // Type sections hold module indices only; ids belong to a validator.
        UnpackedIndex::Id(_) => CanonIndex::Local(u32::MAX),
    };
    let val = |v: &wasmparser::ValType| match *v {
        wasmparser::ValType::I32 => CanonVal::I32,
        wasmparser::ValType::I64 => CanonVal::I64,
        wasmparser::ValType::F32 => CanonVal::F32,
        wasmparser::ValType::F64 => CanonVal::F64,
        wasmparser::ValType::V128 => CanonVal::V128,
        wasmparser::ValType::Ref(r) => CanonVal::Ref(CanonRef {
            nullable: r.is_nullable(),
            heap: match r.heap_type() {
                HeapType::Abstract { shared, ty } => CanonHeap::Abstract { shared, ty },
                HeapType::Concrete(i) | HeapType::Exact(i) => CanonHeap::Concrete(index(i)),
            },
        }),
    };
    let field = |f: &wasmparser::FieldType| {
        Token::Field(CanonField {
            storage: match &f.element_type {
                StorageType::I8 => CanonStorage::I8,
                StorageType::I16 => CanonStorage::I16,
                StorageType::Val(v) => CanonStorage::Val(val(v)),
            },
            mutable: f.mutable,
        })
    };
    out.push(Token::Sub {
        is_final: sub.is_final,
        supertype: sub.supertype_idxs.first().map(|p| index(p.unpack())),
    });
    match &sub.composite_type.inner {
        CompositeInnerType::Func(ty) => {
            out.push(Token::Func {
                params: ty.params().len() as u32,
                results: ty.results().len() as u32,
            });
            out.extend(
                ty.params()
                    .iter()
                    .chain(ty.results())
                    .map(val)
                    .map(Token::Val),
            );
        }
        CompositeInnerType::Struct(ty) => {
            out.push(Token::Struct {
                fields: ty.fields.len() as u32,
            });
            out.extend(ty.fields.iter().map(field));
        }
        CompositeInnerType::Array(ty) => out.extend([Token::Array, field(&ty.0)]),
        // Continuation types belong to a proposal no engine switches on; validation
        // rejects them before registration.
        CompositeInnerType::Cont(_) => out.push(Token::Struct { fields: 0 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(registry: &TypeRegistry, wat: &str) -> Vec<Arc<TypeInfo>> {
        let bytes = wat::parse_str(wat).expect("valid WAT");
        let info = crate::module::parse_module(&bytes, wasmparser::WasmFeatures::all())
            .expect("valid module");
        registry.register_module(&info.types, &info.rec_groups)
    }

    #[test]
    fn equal_groups_share_ids_across_modules() {
        let registry = TypeRegistry::new();
        let text = "(module (rec (type $a (func (param (ref $b)))) (type $b (struct (field (ref null $a))))))";
        let first = register(&registry, text);
        let second = register(&registry, text);
        assert_eq!(first[0].id, second[0].id);
        assert_eq!(first[1].id, second[1].id);
        assert_ne!(first[0].id, first[1].id);
    }

    #[test]
    fn an_equal_function_in_another_group_is_another_type() {
        let registry = TypeRegistry::new();
        let types = register(
            &registry,
            "(module (type (func)) (rec (type (func)) (type (struct))) (type (sub (func))))",
        );
        assert_ne!(types[0].id, types[1].id);
        // Non-final differs from final.
        assert_ne!(types[0].id, types[3].id);
    }

    #[test]
    fn a_singleton_group_is_a_host_functions_type() {
        let registry = TypeRegistry::new();
        let types = register(&registry, "(module (type (func (param i32) (result i64))))");
        let host = registry.register(CanonSubType::func(
            Box::new([CanonVal::I32]),
            Box::new([CanonVal::I64]),
        ));
        assert_eq!(types[0].id, host.id);
    }

    #[test]
    fn a_groups_tokens_read_back_as_the_types_they_were_written_from() {
        let bytes = wat::parse_str(
            "(module
               (type $f (func (param i32 (ref null $f) v128) (result f64 i64)))
               (rec (type $s (sub (struct (field (mut i8)) (field i16) (field (ref $a)))))
                    (type $a (array (mut f32))))
               (type (sub final $s (struct (field (mut i8)) (field i16) (field (ref $a)))))
               (type (struct))
               (type (func)))",
        )
        .expect("valid WAT");
        let info = crate::module::parse_module(&bytes, wasmparser::WasmFeatures::all())
            .expect("valid module");
        let registry = TypeRegistry::new();
        let infos = registry.register_module(&info.types, &info.rec_groups);
        for group in &info.rec_groups {
            let mut written = Vec::new();
            for sub in &info.types[group.start as usize..group.end as usize] {
                write_module_type(sub, group, &infos[..group.start as usize], &mut written);
            }
            let mut rewritten = Vec::new();
            for ty in read_group(&written).iter() {
                ty.write_tokens(&mut rewritten);
            }
            assert_eq!(rewritten, written);
        }
        // The array's element and the function's results came through whole.
        assert!(matches!(
            infos[2].ty.composite,
            CanonComposite::Array(CanonField {
                storage: CanonStorage::Val(CanonVal::F32),
                mutable: true
            })
        ));
        assert!(matches!(
            &infos[0].ty.composite,
            CanonComposite::Func { params, results }
                if params.len() == 3 && **results == [CanonVal::F64, CanonVal::I64]
        ));
    }

    #[test]
    fn supertype_chains_answer_subtype_checks() {
        let registry = TypeRegistry::new();
        let types = register(
            &registry,
            "(module
               (type $a (sub (struct)))
               (type $b (sub $a (struct (field i32))))
               (type $c (sub $b (struct (field i32 i64))))
               (type $d (sub $c (struct (field i32 i64 f32))))
               (type $e (sub $a (struct (field f64)))))",
        );
        let (a, b, c, d, e) = (&types[0], &types[1], &types[2], &types[3], &types[4]);
        assert_eq!(d.depth(), 3);
        for (sub, sup) in [(a, a), (b, a), (c, a), (d, a), (d, b), (d, c), (e, a)] {
            assert!(sub.is_subtype_of(sup));
            assert!(sub.has_supertype(sup.id));
        }
        for (sub, sup) in [(a, b), (c, d), (e, b), (b, e), (d, e)] {
            assert!(!sub.is_subtype_of(sup));
            assert!(!sub.has_supertype(sup.id));
        }
    }
}
