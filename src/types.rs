//! Types of values and of the things modules import and export.

use std::fmt;

use tandem_interp::vm::SigId;

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

    pub(crate) fn from_wasmparser(ty: wasmparser::ValType, types: &[SigId]) -> Self {
        match ty {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            wasmparser::ValType::V128 => ValType::V128,
            wasmparser::ValType::Ref(r) => ValType::Ref(RefType::from_wasmparser(r, types)),
        }
    }

    /// Whether a value of this type is also of type `other` (subtyping of references).
    pub fn matches(&self, other: &ValType) -> bool {
        match (self, other) {
            (ValType::Ref(a), ValType::Ref(b)) => a.matches(b),
            (a, b) => a == b,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// Any host value.
    Extern,
    /// Functions of one type, named by its engine-wide type id (typed function references).
    ConcreteFunc(u32),
    /// Any other heap type (from proposals not yet exposed in the API).
    Other,
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

    pub(crate) fn from_wasmparser(r: wasmparser::RefType, types: &[SigId]) -> Self {
        let heap = match r.heap_type() {
            wasmparser::HeapType::Abstract {
                ty: wasmparser::AbstractHeapType::Func,
                ..
            } => HeapType::Func,
            wasmparser::HeapType::Abstract {
                ty: wasmparser::AbstractHeapType::Extern,
                ..
            } => HeapType::Extern,
            wasmparser::HeapType::Concrete(index) | wasmparser::HeapType::Exact(index) => {
                match index.as_module_index().and_then(|i| types.get(i as usize)) {
                    Some(id) => HeapType::ConcreteFunc(id.0),
                    None => HeapType::Other,
                }
            }
            _ => HeapType::Other,
        };
        RefType {
            nullable: r.is_nullable(),
            heap,
        }
    }

    /// Whether a reference of this type is also of type `other` (subtyping).
    pub fn matches(&self, other: &RefType) -> bool {
        (!self.nullable || other.nullable)
            && match (self.heap, other.heap) {
                (a, b) if a == b => true,
                (HeapType::ConcreteFunc(_), HeapType::Func) => true,
                _ => false,
            }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap) {
            (true, HeapType::Func) => f.write_str("funcref"),
            (true, HeapType::Extern) => f.write_str("externref"),
            (nullable, heap) => {
                let heap = match heap {
                    HeapType::Func => "func".to_string(),
                    HeapType::Extern => "extern".to_string(),
                    HeapType::ConcreteFunc(id) => format!("(type {id})"),
                    HeapType::Other => "any".to_string(),
                };
                if nullable {
                    write!(f, "(ref null {heap})")
                } else {
                    write!(f, "(ref {heap})")
                }
            }
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

    pub(crate) fn from_wasmparser(ty: &wasmparser::FuncType, types: &[SigId]) -> Self {
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

    pub(crate) fn from_wasmparser(ty: &wasmparser::TableType, types: &[SigId]) -> Self {
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

    pub(crate) fn from_wasmparser(ty: &wasmparser::GlobalType, types: &[SigId]) -> Self {
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
    /// globals must match exactly, immutable ones may be of a subtype.
    pub(crate) fn matches(&self, import: &GlobalType) -> bool {
        match (self.mutability, import.mutability) {
            (Mutability::Var, Mutability::Var) => self.content == import.content,
            (Mutability::Const, Mutability::Const) => self.content.matches(&import.content),
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
