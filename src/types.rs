//! Types of values and of the things modules import and export.

use std::fmt;

use std::sync::Arc;

use tandem_interp::vm::SigId;
use tandem_interp::vm::TypeInfo;
use tandem_interp::vm::types::{
    CanonComposite, CanonField, CanonHeap, CanonIndex, CanonRef, CanonStorage, CanonSubType,
    CanonVal,
};

use crate::engine::Engine;
use crate::error::{Error, Result};

/// The type of a WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference.
    Ref(RefType),
}

impl ValType {
    /// A nullable function reference.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// A nullable extern reference.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);

    /// Whether this is a number type (`i32`, `i64`, `f32`, `f64`).
    pub fn is_num(&self) -> bool {
        matches!(
            self,
            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64
        )
    }

    /// Whether this is a reference type.
    pub fn is_ref(&self) -> bool {
        matches!(self, ValType::Ref(_))
    }

    /// The reference type, if this is one.
    pub fn as_ref(&self) -> Option<&RefType> {
        match self {
            ValType::Ref(r) => Some(r),
            _ => None,
        }
    }

    pub(crate) fn from_wasmparser(ty: wasmparser::ValType, types: &[Arc<TypeInfo>]) -> Self {
        match ty {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            wasmparser::ValType::V128 => ValType::V128,
            wasmparser::ValType::Ref(r) => ValType::Ref(RefType::from_wasmparser(r, types)),
        }
    }

    /// Whether a value of this type is also of type `other` (subtyping of references; see
    /// [`RefType::matches`]).
    pub fn matches(&self, other: &ValType) -> bool {
        self.matches_with(other, &|a, b| a == b)
    }

    /// As [`ValType::matches`], with `concrete` deciding between defined types.
    pub(crate) fn matches_with(
        &self,
        other: &ValType,
        concrete: &impl Fn(u32, u32) -> bool,
    ) -> bool {
        match (self, other) {
            (ValType::Ref(a), ValType::Ref(b)) => a.matches_with(b, concrete),
            (a, b) => a == b,
        }
    }

    /// The canonical form the engine's type registry keys types by.
    pub(crate) fn to_canon(self) -> CanonVal {
        match self {
            ValType::I32 => CanonVal::I32,
            ValType::I64 => CanonVal::I64,
            ValType::F32 => CanonVal::F32,
            ValType::F64 => CanonVal::F64,
            ValType::V128 => CanonVal::V128,
            ValType::Ref(r) => CanonVal::Ref(CanonRef {
                nullable: r.nullable,
                heap: r.heap.to_canon(),
            }),
        }
    }

    /// The value type of a canonical one whose defined types are engine ids.
    pub(crate) fn from_canon(ty: CanonVal, info: &impl Fn(SigId) -> Option<Arc<TypeInfo>>) -> Self {
        match ty {
            CanonVal::I32 => ValType::I32,
            CanonVal::I64 => ValType::I64,
            CanonVal::F32 => ValType::F32,
            CanonVal::F64 => ValType::F64,
            CanonVal::V128 => ValType::V128,
            CanonVal::Ref(r) => {
                ValType::Ref(RefType::new(r.nullable, HeapType::from_canon(r.heap, info)))
            }
        }
    }

    /// Slots this value takes in the VM's value arrays.
    pub(crate) fn slots(&self) -> usize {
        match self {
            ValType::V128 => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(r) => write!(f, "{r}"),
        }
    }
}

/// What a reference points to.
///
/// References form three hierarchies with the abstract types at the top and bottom:
/// `func` (defined function types between `func` and `nofunc`), `extern` (down to
/// `noextern`), and `any` (`eq`, then `i31`, `struct` and `array` with the defined struct and
/// array types under those, down to `none`), plus `exn` over `noexn`. Defined types are named
/// by their engine-wide id, so equal ids mean equal types in every module of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// No function: only null.
    NoFunc,
    /// Any host value, or an internal value turned external.
    Extern,
    /// No extern value: only null.
    NoExtern,
    /// Any internal value (`eq` values, and host values turned internal).
    Any,
    /// Values `ref.eq` can compare: i31s, structs and arrays.
    Eq,
    /// 31-bit integers stored in a reference.
    I31,
    /// Any struct.
    Struct,
    /// Any array.
    Array,
    /// No internal value: only null.
    None,
    /// Any exception.
    Exn,
    /// No exception: only null.
    NoExn,
    /// Functions of one defined type (or its subtypes), by engine-wide type id.
    ConcreteFunc(u32),
    /// Structs of one defined type (or its subtypes), by engine-wide type id.
    ConcreteStruct(u32),
    /// Arrays of one defined type (or its subtypes), by engine-wide type id.
    ConcreteArray(u32),
}

impl HeapType {
    /// The top of this type's hierarchy: `func`, `extern`, `any` or `exn`.
    pub fn top(&self) -> HeapType {
        match self {
            HeapType::Func | HeapType::NoFunc | HeapType::ConcreteFunc(_) => HeapType::Func,
            HeapType::Extern | HeapType::NoExtern => HeapType::Extern,
            HeapType::Exn | HeapType::NoExn => HeapType::Exn,
            HeapType::Any
            | HeapType::Eq
            | HeapType::I31
            | HeapType::Struct
            | HeapType::Array
            | HeapType::None
            | HeapType::ConcreteStruct(_)
            | HeapType::ConcreteArray(_) => HeapType::Any,
        }
    }

    /// The bottom of this type's hierarchy: `nofunc`, `noextern`, `none` or `noexn`.
    pub fn bottom(&self) -> HeapType {
        match self.top() {
            HeapType::Func => HeapType::NoFunc,
            HeapType::Extern => HeapType::NoExtern,
            HeapType::Exn => HeapType::NoExn,
            _ => HeapType::None,
        }
    }

    /// Whether every reference to this type is one to `other`, where `concrete(sub, sup)`
    /// tells whether defined type `sub` is defined type `sup` or declares it as a supertype.
    pub(crate) fn matches_with(
        &self,
        other: &HeapType,
        concrete: &impl Fn(u32, u32) -> bool,
    ) -> bool {
        use HeapType::*;
        if self == other || (*self == self.bottom() && self.top() == other.top()) {
            return true;
        }
        match (*self, *other) {
            (_, Any) => self.top() == Any,
            (I31 | Struct | Array | ConcreteStruct(_) | ConcreteArray(_), Eq) => true,
            (ConcreteStruct(_), Struct) | (ConcreteArray(_), Array) => true,
            (ConcreteFunc(_), Func) => true,
            (ConcreteFunc(a), ConcreteFunc(b))
            | (ConcreteStruct(a), ConcreteStruct(b))
            | (ConcreteArray(a), ConcreteArray(b)) => concrete(a, b),
            _ => false,
        }
    }

    pub(crate) fn from_wasmparser(heap: wasmparser::HeapType, types: &[Arc<TypeInfo>]) -> Self {
        use wasmparser::AbstractHeapType as A;
        match heap {
            wasmparser::HeapType::Abstract { ty, .. } => match ty {
                A::Func => HeapType::Func,
                A::NoFunc => HeapType::NoFunc,
                A::Extern => HeapType::Extern,
                A::NoExtern => HeapType::NoExtern,
                A::Any => HeapType::Any,
                A::Eq => HeapType::Eq,
                A::I31 => HeapType::I31,
                A::Struct => HeapType::Struct,
                A::Array => HeapType::Array,
                A::None => HeapType::None,
                A::Exn => HeapType::Exn,
                A::NoExn => HeapType::NoExn,
                // Stack switching is never switched on, so validation rejects these.
                A::Cont | A::NoCont => HeapType::None,
            },
            wasmparser::HeapType::Concrete(index) | wasmparser::HeapType::Exact(index) => {
                match index.as_module_index().and_then(|i| types.get(i as usize)) {
                    Some(info) => HeapType::concrete(info),
                    // Validated modules name only their own types.
                    None => HeapType::None,
                }
            }
        }
    }

    /// The heap type naming defined type `info`.
    pub(crate) fn concrete(info: &TypeInfo) -> Self {
        match info.ty.composite {
            CanonComposite::Func { .. } => HeapType::ConcreteFunc(info.id.0),
            CanonComposite::Struct(_) => HeapType::ConcreteStruct(info.id.0),
            CanonComposite::Array(_) => HeapType::ConcreteArray(info.id.0),
        }
    }

    /// The canonical form the engine's type registry keys types by.
    pub(crate) fn to_canon(self) -> CanonHeap {
        use wasmparser::AbstractHeapType as A;
        let ty = match self {
            HeapType::ConcreteFunc(id)
            | HeapType::ConcreteStruct(id)
            | HeapType::ConcreteArray(id) => {
                return CanonHeap::Concrete(CanonIndex::Engine(SigId(id)));
            }
            HeapType::Func => A::Func,
            HeapType::NoFunc => A::NoFunc,
            HeapType::Extern => A::Extern,
            HeapType::NoExtern => A::NoExtern,
            HeapType::Any => A::Any,
            HeapType::Eq => A::Eq,
            HeapType::I31 => A::I31,
            HeapType::Struct => A::Struct,
            HeapType::Array => A::Array,
            HeapType::None => A::None,
            HeapType::Exn => A::Exn,
            HeapType::NoExn => A::NoExn,
        };
        CanonHeap::Abstract { shared: false, ty }
    }

    /// The heap type of a canonical one whose defined types are engine ids; `info` looks
    /// those up.
    pub(crate) fn from_canon(
        heap: CanonHeap,
        info: &impl Fn(SigId) -> Option<Arc<TypeInfo>>,
    ) -> Self {
        match heap {
            CanonHeap::Abstract { ty, shared } => {
                HeapType::from_wasmparser(wasmparser::HeapType::Abstract { shared, ty }, &[])
            }
            CanonHeap::Concrete(CanonIndex::Engine(id)) => match info(id) {
                Some(info) => HeapType::concrete(&info),
                None => HeapType::None,
            },
            // Registered types have every index resolved to an engine id.
            CanonHeap::Concrete(CanonIndex::Local(_)) => HeapType::None,
        }
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            HeapType::Func => "func",
            HeapType::NoFunc => "nofunc",
            HeapType::Extern => "extern",
            HeapType::NoExtern => "noextern",
            HeapType::Any => "any",
            HeapType::Eq => "eq",
            HeapType::I31 => "i31",
            HeapType::Struct => "struct",
            HeapType::Array => "array",
            HeapType::None => "none",
            HeapType::Exn => "exn",
            HeapType::NoExn => "noexn",
            HeapType::ConcreteFunc(id)
            | HeapType::ConcreteStruct(id)
            | HeapType::ConcreteArray(id) => {
                return write!(f, "(type {id})");
            }
        };
        f.write_str(name)
    }
}

/// The type of a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefType {
    nullable: bool,
    heap: HeapType,
}

impl RefType {
    /// `funcref`.
    pub const FUNCREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Func,
    };
    /// `externref`.
    pub const EXTERNREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Extern,
    };
    /// `anyref`.
    pub const ANYREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Any,
    };
    /// `exnref`.
    pub const EXNREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Exn,
    };

    /// A reference type.
    pub fn new(nullable: bool, heap: HeapType) -> Self {
        RefType { nullable, heap }
    }

    /// Whether null is a value of this type.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// What it points to.
    pub fn heap_type(&self) -> &HeapType {
        &self.heap
    }

    pub(crate) fn from_wasmparser(r: wasmparser::RefType, types: &[Arc<TypeInfo>]) -> Self {
        RefType {
            nullable: r.is_nullable(),
            heap: HeapType::from_wasmparser(r.heap_type(), types),
        }
    }

    /// Whether a reference of this type is also of type `other`. Defined types match only
    /// themselves here; [`Engine`](crate::Engine)-aware checks (imports, host values) also
    /// accept their declared subtypes.
    pub fn matches(&self, other: &RefType) -> bool {
        self.matches_with(other, &|a, b| a == b)
    }

    /// As [`RefType::matches`], with `concrete` deciding between defined types.
    pub(crate) fn matches_with(
        &self,
        other: &RefType,
        concrete: &impl Fn(u32, u32) -> bool,
    ) -> bool {
        (!self.nullable || other.nullable) && self.heap.matches_with(&other.heap, concrete)
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shorthand = match self.heap {
            HeapType::Func => "funcref",
            HeapType::NoFunc => "nullfuncref",
            HeapType::Extern => "externref",
            HeapType::NoExtern => "nullexternref",
            HeapType::Any => "anyref",
            HeapType::Eq => "eqref",
            HeapType::I31 => "i31ref",
            HeapType::Struct => "structref",
            HeapType::Array => "arrayref",
            HeapType::None => "nullref",
            HeapType::Exn => "exnref",
            HeapType::NoExn => "nullexnref",
            _ => "",
        };
        match (self.nullable, shorthand) {
            (true, name) if !name.is_empty() => f.write_str(name),
            (true, _) => write!(f, "(ref null {})", self.heap),
            (false, _) => write!(f, "(ref {})", self.heap),
        }
    }
}

/// The type of a function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FuncType {
    params: Box<[ValType]>,
    results: Box<[ValType]>,
}

impl FuncType {
    /// A function type from its parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        FuncType {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }

    /// The parameter types.
    pub fn params(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.params.iter().copied()
    }

    /// The result types.
    pub fn results(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.results.iter().copied()
    }

    pub(crate) fn param_slice(&self) -> &[ValType] {
        &self.params
    }

    pub(crate) fn result_slice(&self) -> &[ValType] {
        &self.results
    }

    pub(crate) fn param_slots(&self) -> usize {
        self.params.iter().map(ValType::slots).sum()
    }

    pub(crate) fn result_slots(&self) -> usize {
        self.results.iter().map(ValType::slots).sum()
    }

    /// The canonical form of a final function type without supertype, as the engine's type
    /// registry keys it.
    pub(crate) fn to_canon(&self) -> CanonSubType {
        CanonSubType::func(
            self.params.iter().map(|t| t.to_canon()).collect(),
            self.results.iter().map(|t| t.to_canon()).collect(),
        )
    }

    /// The function type of registered type `ty`, or `None` if it is not a function type.
    pub(crate) fn from_canon(
        ty: &CanonSubType,
        info: &impl Fn(SigId) -> Option<Arc<TypeInfo>>,
    ) -> Option<Self> {
        match &ty.composite {
            CanonComposite::Func { params, results } => Some(FuncType::new(
                params.iter().map(|&t| ValType::from_canon(t, info)),
                results.iter().map(|&t| ValType::from_canon(t, info)),
            )),
            _ => None,
        }
    }

    pub(crate) fn from_wasmparser(ty: &wasmparser::FuncType, types: &[Arc<TypeInfo>]) -> Self {
        FuncType::new(
            ty.params()
                .iter()
                .map(|&t| ValType::from_wasmparser(t, types)),
            ty.results()
                .iter()
                .map(|&t| ValType::from_wasmparser(t, types)),
        )
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params.is_empty() {
            f.write_str(" (param")?;
            for p in self.params.iter() {
                write!(f, " {p}")?;
            }
            f.write_str(")")?;
        }
        if !self.results.is_empty() {
            f.write_str(" (result")?;
            for r in self.results.iter() {
                write!(f, " {r}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

/// The type of a linear memory: limits in pages, index width and sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemoryType {
    minimum: u64,
    maximum: Option<u64>,
    memory64: bool,
    shared: bool,
    page_size_log2: u8,
}

impl MemoryType {
    /// A 32-bit memory of at least `minimum` pages, at most `maximum`.
    pub fn new(minimum: u32, maximum: Option<u32>) -> Self {
        MemoryType {
            minimum: minimum.into(),
            maximum: maximum.map(Into::into),
            memory64: false,
            shared: false,
            page_size_log2: 16,
        }
    }

    /// A 64-bit memory (memory64 proposal).
    pub fn new64(minimum: u64, maximum: Option<u64>) -> Self {
        MemoryType {
            minimum,
            maximum,
            memory64: true,
            shared: false,
            page_size_log2: 16,
        }
    }

    /// A shared 32-bit memory (threads proposal); shared memories need a maximum.
    pub fn shared(minimum: u32, maximum: u32) -> Self {
        MemoryType {
            minimum: minimum.into(),
            maximum: Some(maximum.into()),
            memory64: false,
            shared: true,
            page_size_log2: 16,
        }
    }

    /// Minimum size in pages.
    pub fn minimum(&self) -> u64 {
        self.minimum
    }

    /// Maximum size in pages.
    pub fn maximum(&self) -> Option<u64> {
        self.maximum
    }

    /// Whether addresses are 64-bit.
    pub fn is_64(&self) -> bool {
        self.memory64
    }

    /// Whether the memory is shared between threads.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// The page size in bytes (65536 unless the custom-page-sizes proposal says otherwise).
    pub fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }

    /// The same type with another minimum (a memory's current size).
    pub(crate) fn with_minimum(mut self, pages: u64) -> Self {
        self.minimum = pages;
        self
    }

    pub(crate) fn from_wasmparser(ty: &wasmparser::MemoryType) -> Self {
        MemoryType {
            minimum: ty.initial,
            maximum: ty.maximum,
            memory64: ty.memory64,
            shared: ty.shared,
            page_size_log2: ty.page_size_log2.unwrap_or(16) as u8,
        }
    }

    /// Whether a memory of type `self` can be given for an import of type `import`.
    pub(crate) fn matches(&self, import: &MemoryType) -> bool {
        self.memory64 == import.memory64
            && self.shared == import.shared
            && self.page_size_log2 == import.page_size_log2
            && limits_match(self.minimum, self.maximum, import.minimum, import.maximum)
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "(memory{} {}",
            if self.memory64 { " i64" } else { "" },
            self.minimum
        )?;
        if let Some(max) = self.maximum {
            write!(f, " {max}")?;
        }
        if self.shared {
            f.write_str(" shared")?;
        }
        f.write_str(")")
    }
}

fn limits_match(min: u64, max: Option<u64>, import_min: u64, import_max: Option<u64>) -> bool {
    min >= import_min
        && match (max, import_max) {
            (_, None) => true,
            (Some(max), Some(import_max)) => max <= import_max,
            (None, Some(_)) => false,
        }
}

/// The type of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableType {
    element: RefType,
    minimum: u64,
    maximum: Option<u64>,
    table64: bool,
}

impl TableType {
    /// A table of `element` references, at least `minimum` long, at most `maximum`.
    pub fn new(element: RefType, minimum: u32, maximum: Option<u32>) -> Self {
        TableType {
            element,
            minimum: minimum.into(),
            maximum: maximum.map(Into::into),
            table64: false,
        }
    }

    /// The element type.
    pub fn element(&self) -> &RefType {
        &self.element
    }

    /// Minimum number of elements.
    pub fn minimum(&self) -> u64 {
        self.minimum
    }

    /// Maximum number of elements.
    pub fn maximum(&self) -> Option<u64> {
        self.maximum
    }

    /// Whether the table is indexed with 64-bit integers.
    pub fn is_64(&self) -> bool {
        self.table64
    }

    pub(crate) fn from_wasmparser(ty: &wasmparser::TableType, types: &[Arc<TypeInfo>]) -> Self {
        TableType {
            element: RefType::from_wasmparser(ty.element_type, types),
            minimum: ty.initial,
            maximum: ty.maximum,
            table64: ty.table64,
        }
    }

    pub(crate) fn matches(&self, import: &TableType) -> bool {
        self.element == import.element
            && self.table64 == import.table64
            && limits_match(self.minimum, self.maximum, import.minimum, import.maximum)
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(table {}", self.minimum)?;
        if let Some(max) = self.maximum {
            write!(f, " {max}")?;
        }
        write!(f, " {})", self.element)
    }
}

/// How a struct field or an array element is stored: a value type, or a packed integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageType {
    /// An 8-bit integer, read as an `i32`.
    I8,
    /// A 16-bit integer, read as an `i32`.
    I16,
    /// A value of this type.
    Val(ValType),
}

impl StorageType {
    /// The type of the values a member of this storage reads and writes: `i32` for the
    /// packed integers.
    pub fn unpacked(&self) -> ValType {
        match *self {
            StorageType::I8 | StorageType::I16 => ValType::I32,
            StorageType::Val(ty) => ty,
        }
    }
}

/// The type of a struct field or of an array's elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldType {
    mutability: Mutability,
    storage: StorageType,
}

impl FieldType {
    /// A field of `storage`, writable after allocation if `mutability` is `Var`.
    pub fn new(mutability: Mutability, storage: StorageType) -> Self {
        FieldType {
            mutability,
            storage,
        }
    }

    /// Whether it can be written after allocation.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    /// How it is stored.
    pub fn storage(&self) -> &StorageType {
        &self.storage
    }

    fn to_canon(self) -> CanonField {
        CanonField {
            storage: match self.storage {
                StorageType::I8 => CanonStorage::I8,
                StorageType::I16 => CanonStorage::I16,
                StorageType::Val(ty) => CanonStorage::Val(ty.to_canon()),
            },
            mutable: self.mutability == Mutability::Var,
        }
    }

    /// Whether a member of this type may stand for one of type `sup` in a subtype: the same
    /// mutability, and the same storage if mutable, a subtype's (of `engine`) if not.
    fn matches(&self, sup: &FieldType, engine: &Engine) -> bool {
        if self.mutability != sup.mutability {
            return false;
        }
        match (self.storage, sup.storage) {
            (StorageType::Val(a), StorageType::Val(b)) if self.mutability == Mutability::Const => {
                a.matches_with(&b, &|sub, sup| engine.is_subtype(sub, sup))
            }
            (a, b) => a == b,
        }
    }
}

/// Whether other types may declare a defined type as their supertype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Finality {
    /// No type may: `(type (struct ...))`, `(type (sub final ...))`.
    Final,
    /// Subtypes may declare it: `(type (sub ...))`.
    NonFinal,
}

/// A struct type registered with an engine, for allocating structs from the host
/// ([`StructRef::new`](crate::StructRef::new)). It is the same type as an equal struct type
/// that a module declares in a recursion group of its own, with the same finality and
/// supertype: [`StructType::new`] makes the final one without supertype, `(type (struct
/// ...))`, so wasm code casts the host's structs to that type.
///
/// ```
/// use tandem::{Engine, FieldType, Finality, Mutability, StorageType, StructType, ValType};
/// let engine = Engine::default();
/// let i32_field = FieldType::new(Mutability::Const, StorageType::Val(ValType::I32));
/// // (type $point (sub (struct (field i32))))
/// let point = StructType::with_finality_and_supertype(
///     &engine, Finality::NonFinal, None, [i32_field])?;
/// // (type $point3 (sub final $point (struct (field i32) (field (mut i64)))))
/// let z = FieldType::new(Mutability::Var, StorageType::Val(ValType::I64));
/// let point3 = StructType::with_finality_and_supertype(
///     &engine, Finality::Final, Some(&point), [i32_field, z])?;
/// assert!(point3.matches(&point) && !point.matches(&point3));
/// // A final type has no subtypes.
/// assert!(StructType::with_finality_and_supertype(
///     &engine, Finality::Final, Some(&point3), [i32_field, z]).is_err());
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StructType {
    engine: Engine,
    info: Arc<TypeInfo>,
    fields: Box<[FieldType]>,
    supertype: Option<Box<StructType>>,
}

impl StructType {
    /// Registers the final struct type without supertype with fields `fields` in `engine`.
    pub fn new(engine: &Engine, fields: impl IntoIterator<Item = FieldType>) -> Result<Self> {
        Self::with_finality_and_supertype(engine, Finality::Final, None, fields)
    }

    /// Registers the struct type with fields `fields` in `engine`, final or not, declaring
    /// `supertype` as its supertype. The supertype must be a struct type of the same engine
    /// that is not final, and `fields` must start with fields that match its fields: of the
    /// same mutability, and of the same type if mutable, of a subtype if not.
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&StructType>,
        fields: impl IntoIterator<Item = FieldType>,
    ) -> Result<Self> {
        let fields: Box<[FieldType]> = fields.into_iter().collect();
        if let Some(sup) = supertype {
            check_supertype(engine, &sup.engine, &sup.info)?;
            let prefix_matches = fields.len() >= sup.fields.len()
                && fields
                    .iter()
                    .zip(&sup.fields)
                    .all(|(field, sup)| field.matches(sup, engine));
            if !prefix_matches {
                return Err(Error::msg(
                    "the struct type's fields do not match its supertype's",
                ));
            }
        }
        let composite = CanonComposite::Struct(fields.iter().map(|f| f.to_canon()).collect());
        Ok(StructType {
            engine: engine.clone(),
            info: register_gc_type(
                engine,
                finality,
                supertype.map(|sup| &sup.info),
                composite,
                fields.iter(),
            )?,
            fields,
            supertype: supertype.map(|sup| Box::new(sup.clone())),
        })
    }

    /// Whether subtypes may declare this type as their supertype.
    pub fn finality(&self) -> Finality {
        finality(&self.info)
    }

    /// The declared supertype.
    pub fn supertype(&self) -> Option<&StructType> {
        self.supertype.as_deref()
    }

    /// Whether this type is `other` or declares it as a supertype, directly or not: a struct
    /// of this type is then also of type `other`.
    pub fn matches(&self, other: &StructType) -> bool {
        self.engine.same(&other.engine) && self.info.is_subtype_of(&other.info)
    }

    /// The fields' types, in order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = &FieldType> + '_ {
        self.fields.iter()
    }

    /// The heap type of references to structs of this type.
    pub fn heap_type(&self) -> HeapType {
        HeapType::ConcreteStruct(self.info.id.0)
    }

    pub(crate) fn info(&self) -> (&Engine, &Arc<TypeInfo>) {
        (&self.engine, &self.info)
    }
}

/// An array type registered with an engine, for allocating arrays from the host
/// ([`ArrayRef::new`](crate::ArrayRef::new)); like [`StructType`], the same type as an
/// equal `(type (array ...))` of a module.
#[derive(Debug, Clone)]
pub struct ArrayType {
    engine: Engine,
    info: Arc<TypeInfo>,
    element: FieldType,
    supertype: Option<Box<ArrayType>>,
}

impl ArrayType {
    /// Registers the final array type without supertype with elements of type `element` in
    /// `engine`.
    pub fn new(engine: &Engine, element: FieldType) -> Result<Self> {
        Self::with_finality_and_supertype(engine, Finality::Final, None, element)
    }

    /// Registers the array type with elements of type `element` in `engine`, final or not,
    /// declaring `supertype` as its supertype: an array type of the same engine that is not
    /// final, whose element type `element` matches as a struct field does (see
    /// [`StructType::with_finality_and_supertype`]).
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&ArrayType>,
        element: FieldType,
    ) -> Result<Self> {
        if let Some(sup) = supertype {
            check_supertype(engine, &sup.engine, &sup.info)?;
            if !element.matches(&sup.element, engine) {
                return Err(Error::msg(
                    "the array type's element does not match its supertype's",
                ));
            }
        }
        let composite = CanonComposite::Array(element.to_canon());
        Ok(ArrayType {
            engine: engine.clone(),
            info: register_gc_type(
                engine,
                finality,
                supertype.map(|sup| &sup.info),
                composite,
                std::iter::once(&element),
            )?,
            element,
            supertype: supertype.map(|sup| Box::new(sup.clone())),
        })
    }

    /// Whether subtypes may declare this type as their supertype.
    pub fn finality(&self) -> Finality {
        finality(&self.info)
    }

    /// The declared supertype.
    pub fn supertype(&self) -> Option<&ArrayType> {
        self.supertype.as_deref()
    }

    /// Whether this type is `other` or declares it as a supertype, directly or not.
    pub fn matches(&self, other: &ArrayType) -> bool {
        self.engine.same(&other.engine) && self.info.is_subtype_of(&other.info)
    }

    /// The elements' type.
    pub fn element(&self) -> &FieldType {
        &self.element
    }

    /// The heap type of references to arrays of this type.
    pub fn heap_type(&self) -> HeapType {
        HeapType::ConcreteArray(self.info.id.0)
    }

    pub(crate) fn info(&self) -> (&Engine, &Arc<TypeInfo>) {
        (&self.engine, &self.info)
    }
}

/// Registers a final GC type without supertype; the concrete types its fields refer to must
/// be the engine's.
/// Fails unless `sup`, a type registered in `sup_engine`, may be the supertype of a type of
/// `engine`: the same engine, and not final.
fn check_supertype(engine: &Engine, sup_engine: &Engine, sup: &TypeInfo) -> Result<()> {
    if !engine.same(sup_engine) {
        return Err(Error::msg("the supertype belongs to another engine"));
    }
    if sup.ty.is_final {
        return Err(Error::msg("the supertype is final"));
    }
    Ok(())
}

fn finality(info: &TypeInfo) -> Finality {
    if info.ty.is_final {
        Finality::Final
    } else {
        Finality::NonFinal
    }
}

/// Registers a struct or array type of the host in a recursion group of its own.
fn register_gc_type<'a>(
    engine: &Engine,
    finality: Finality,
    supertype: Option<&Arc<TypeInfo>>,
    composite: CanonComposite,
    mut fields: impl Iterator<Item = &'a FieldType>,
) -> Result<Arc<TypeInfo>> {
    let foreign = fields.any(|field| match field.storage {
        StorageType::Val(ValType::Ref(r)) => match r.heap_type() {
            HeapType::ConcreteFunc(id)
            | HeapType::ConcreteStruct(id)
            | HeapType::ConcreteArray(id) => engine.types().info(SigId(*id)).is_none(),
            _ => false,
        },
        _ => false,
    });
    if foreign {
        return Err(Error::msg(
            "a field refers to a type this engine does not know",
        ));
    }
    Ok(engine.types().register(CanonSubType {
        is_final: finality == Finality::Final,
        supertype: supertype.map(|sup| CanonIndex::Engine(sup.id)),
        composite,
    }))
}

/// Whether a global can be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// The type of a global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalType {
    content: ValType,
    mutability: Mutability,
}

impl GlobalType {
    /// A global holding `content` values.
    pub fn new(content: ValType, mutability: Mutability) -> Self {
        GlobalType {
            content,
            mutability,
        }
    }

    /// The value type.
    pub fn content(&self) -> &ValType {
        &self.content
    }

    /// Whether it can be written.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    pub(crate) fn from_wasmparser(ty: &wasmparser::GlobalType, types: &[Arc<TypeInfo>]) -> Self {
        GlobalType {
            content: ValType::from_wasmparser(ty.content_type, types),
            mutability: if ty.mutable {
                Mutability::Var
            } else {
                Mutability::Const
            },
        }
    }
}

impl GlobalType {
    /// Whether a global of type `self` can be given for an import of type `import`: mutable
    /// globals must match exactly, immutable ones may be of a subtype (`concrete` decides
    /// between defined types).
    pub(crate) fn matches(
        &self,
        import: &GlobalType,
        concrete: &impl Fn(u32, u32) -> bool,
    ) -> bool {
        match (self.mutability, import.mutability) {
            (Mutability::Var, Mutability::Var) => self.content == import.content,
            (Mutability::Const, Mutability::Const) => {
                self.content.matches_with(&import.content, concrete)
            }
            _ => false,
        }
    }
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mutability {
            Mutability::Const => write!(f, "(global {})", self.content),
            Mutability::Var => write!(f, "(global (mut {}))", self.content),
        }
    }
}

/// The type of an importable or exportable item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// An exception tag.
    Tag(crate::tag::TagType),
}

impl ExternType {
    /// The function type, if this is one.
    pub fn func(&self) -> Option<&FuncType> {
        match self {
            ExternType::Func(t) => Some(t),
            _ => None,
        }
    }

    /// The global type, if this is one.
    pub fn global(&self) -> Option<&GlobalType> {
        match self {
            ExternType::Global(t) => Some(t),
            _ => None,
        }
    }

    /// The table type, if this is one.
    pub fn table(&self) -> Option<&TableType> {
        match self {
            ExternType::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The memory type, if this is one.
    pub fn memory(&self) -> Option<&MemoryType> {
        match self {
            ExternType::Memory(t) => Some(t),
            _ => None,
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(t) => write!(f, "{t}"),
            ExternType::Global(t) => write!(f, "{t}"),
            ExternType::Table(t) => write!(f, "{t}"),
            ExternType::Memory(t) => write!(f, "{t}"),
            ExternType::Tag(t) => write!(f, "{t}"),
        }
    }
}

/// One import of a module.
#[derive(Debug, Clone)]
pub struct ImportType<'a> {
    pub(crate) module: &'a str,
    pub(crate) name: &'a str,
    pub(crate) ty: ExternType,
}

impl<'a> ImportType<'a> {
    /// The module it is imported from.
    pub fn module(&self) -> &'a str {
        self.module
    }

    /// The imported item's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Its type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// One export of a module.
#[derive(Debug, Clone)]
pub struct ExportType<'a> {
    pub(crate) name: &'a str,
    pub(crate) ty: ExternType,
}

impl<'a> ExportType<'a> {
    /// The export's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Its type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}
