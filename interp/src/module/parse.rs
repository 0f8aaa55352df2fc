//! Parsing and validating a module binary into [`ModuleInfo`].

use std::fmt;
use std::sync::OnceLock;

use wasmparser::{
    CompositeInnerType, DataKind, ElementItems, ElementKind, ExternalKind, FuncToValidate,
    HeapType, Parser, Payload, RefType, SectionLimited, SubType, TypeRef, ValType, ValidPayload,
    ValidatorResources, WasmFeatures,
};

use super::{
    ConstExpr, DataMode, DataSegment, ElemMode, ElemSegment, Export, ExportKind, GlobalDef, Import,
    ImportKind, ModuleInfo, TableDef, ValidatorPool,
};

/// A module that failed to decode, validate or translate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// What is wrong.
    pub message: String,
    /// Byte offset in the module binary, where known.
    pub offset: Option<usize>,
}

impl CompileError {
    /// An error at a byte offset.
    pub fn at(message: impl Into<String>, offset: usize) -> Self {
        CompileError {
            message: message.into(),
            offset: Some(offset),
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{} (at offset 0x{offset:x})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CompileError {}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError {
            message: e.message().to_string(),
            offset: Some(e.offset() as usize),
        }
    }
}

/// The validators of function bodies [`parse_module_deferred`] left unchecked, one per defined
/// function in index order.
pub type PendingBodies = Vec<FuncToValidate<ValidatorResources>>;

/// Validates `bytes` (every function body included) with `features` and collects the module's
/// metadata.
pub fn parse_module(bytes: &[u8], features: WasmFeatures) -> Result<ModuleInfo, CompileError> {
    parse_module_with(bytes, features, &ValidatorPool::default())
}

/// As [`parse_module`], with validators from `pool` (an engine's, kept between modules),
/// which go back to it when the module is valid.
pub fn parse_module_with(
    bytes: &[u8],
    features: WasmFeatures,
    pool: &ValidatorPool,
) -> Result<ModuleInfo, CompileError> {
    let (info, pending) = parse(bytes, features, false, pool)?;
    debug_assert!(pending.is_empty());
    Ok(info)
}

/// As [`parse_module`], except that the function bodies are left for the caller to validate
/// (see [`super::ModuleCode::validate_bodies`]), which can then validate them on several
/// threads, or in the same pass as their translation. The module is valid only once they are.
/// The module validator comes from `pool` and goes back to it.
pub fn parse_module_deferred(
    bytes: &[u8],
    features: WasmFeatures,
    pool: &ValidatorPool,
) -> Result<(ModuleInfo, PendingBodies), CompileError> {
    parse(bytes, features, true, pool)
}

/// Parses and validates `bytes`; with `defer_bodies`, returns the function bodies' validators
/// instead of running them. The validators come from `pool`, and go back to it if the module's
/// sections validate to its end (its function bodies may still fail, when deferred).
fn parse(
    bytes: &[u8],
    features: WasmFeatures,
    defer_bodies: bool,
    pool: &ValidatorPool,
) -> Result<(ModuleInfo, PendingBodies), CompileError> {
    let mut validator = pool.take_module(features);
    let mut pending = Vec::new();
    // The function validators' buffers, when the bodies are validated here.
    let mut allocs = (!defer_bodies).then(|| pool.take_funcs());
    let mut info = ModuleInfo {
        bytes: bytes.into(),
        features,
        types: Vec::new(),
        rec_groups: Vec::new(),
        uses_gc_refs: false,
        imports: Vec::new(),
        funcs: Vec::new(),
        imported_funcs: 0,
        table_types: Vec::new(),
        tables: Vec::new(),
        imported_tables: 0,
        memory_types: Vec::new(),
        imported_memories: 0,
        global_types: Vec::new(),
        globals: Vec::new(),
        imported_globals: 0,
        exports: Vec::new(),
        tags: Vec::new(),
        imported_tags: 0,
        start: None,
        elems: Vec::new(),
        datas: Vec::new(),
        bodies: Vec::new(),
        names: OnceLock::new(),
        custom_sections: Vec::new(),
    };

    let mut parser = Parser::new(0);
    // The parser's features decide encodings too (e.g. whether memory limits are 64-bit).
    parser.set_features(features);
    for payload in parser.parse_all(bytes) {
        let payload = payload?;
        match validator.payload(&payload)? {
            ValidPayload::Func(func, _) if defer_bodies => pending.push(func),
            ValidPayload::Func(func, body) => {
                let mut func_validator = func.into_validator(allocs.take().unwrap_or_default());
                func_validator.validate(&body)?;
                allocs = Some(func_validator.into_allocations());
            }
            ValidPayload::Parser(_) => {
                return Err(CompileError {
                    message: "nested modules are not supported".into(),
                    offset: None,
                });
            }
            ValidPayload::Ok | ValidPayload::End(_) => {}
        }
        match payload {
            Payload::TypeSection(reader) => {
                reserve(&mut info.types, &reader);
                reserve(&mut info.rec_groups, &reader);
                for group in reader {
                    let start = info.types.len() as u32;
                    for sub in group?.into_types() {
                        info.uses_gc_refs |= mentions_gc_refs(&sub);
                        info.types.push(sub);
                    }
                    info.rec_groups.push(start..info.types.len() as u32);
                }
            }
            Payload::ImportSection(reader) => {
                reserve(&mut info.imports, &reader);
                for import in reader.into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                            info.funcs.push(ty);
                            info.imported_funcs += 1;
                            ImportKind::Func(ty)
                        }
                        TypeRef::Table(ty) => {
                            info.uses_gc_refs |= is_gc_hierarchy(ty.element_type);
                            info.table_types.push(ty);
                            info.imported_tables += 1;
                            ImportKind::Table(ty)
                        }
                        TypeRef::Memory(ty) => {
                            info.memory_types.push(ty);
                            info.imported_memories += 1;
                            ImportKind::Memory(ty)
                        }
                        TypeRef::Global(ty) => {
                            info.uses_gc_refs |= is_gc_value(ty.content_type);
                            info.global_types.push(ty);
                            info.imported_globals += 1;
                            ImportKind::Global(ty)
                        }
                        TypeRef::Tag(tag) => {
                            info.tags.push(tag.func_type_idx);
                            info.imported_tags += 1;
                            ImportKind::Tag(tag.func_type_idx)
                        }
                    };
                    info.imports.push(Import {
                        module: import.module.into(),
                        name: import.name.into(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                reserve(&mut info.funcs, &reader);
                for ty in reader {
                    info.funcs.push(ty?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    let init = match table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(expr) => {
                            Some(ConstExpr::parse(&expr, &info.types)?)
                        }
                    };
                    info.uses_gc_refs |= is_gc_hierarchy(table.ty.element_type);
                    info.table_types.push(table.ty);
                    info.tables.push(TableDef { ty: table.ty, init });
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    info.memory_types.push(memory?);
                }
            }
            Payload::GlobalSection(reader) => {
                reserve(&mut info.globals, &reader);
                reserve(&mut info.global_types, &reader);
                for global in reader {
                    let global = global?;
                    info.uses_gc_refs |= is_gc_value(global.ty.content_type);
                    let init = ConstExpr::parse(&global.init_expr, &info.types)?;
                    info.global_types.push(global.ty);
                    info.globals.push(GlobalDef {
                        ty: global.ty,
                        init,
                    });
                }
            }
            Payload::ExportSection(reader) => {
                reserve(&mut info.exports, &reader);
                for export in reader {
                    let export = export?;
                    let kind = match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => {
                            ExportKind::Func(export.index)
                        }
                        ExternalKind::Table => ExportKind::Table(export.index),
                        ExternalKind::Memory => ExportKind::Memory(export.index),
                        ExternalKind::Global => ExportKind::Global(export.index),
                        ExternalKind::Tag => ExportKind::Tag(export.index),
                    };
                    info.exports.push(Export {
                        name: export.name.into(),
                        kind,
                    });
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(func),
            Payload::TagSection(reader) => {
                for tag in reader {
                    info.tags.push(tag?.func_type_idx);
                }
            }
            Payload::ElementSection(reader) => {
                reserve(&mut info.elems, &reader);
                for elem in reader {
                    let elem = elem?;
                    let mode = match elem.kind {
                        ElementKind::Passive => ElemMode::Passive,
                        ElementKind::Declared => ElemMode::Declared,
                        ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => ElemMode::Active {
                            table: table_index.unwrap_or(0),
                            offset: ConstExpr::parse(&offset_expr, &info.types)?,
                        },
                    };
                    let (ty, items) = match elem.items {
                        ElementItems::Functions(funcs) => (
                            wasmparser::RefType::FUNCREF,
                            funcs
                                .into_iter()
                                .map(|f| f.map(ConstExpr::ref_func))
                                .collect::<Result<Vec<_>, _>>()?,
                        ),
                        ElementItems::Expressions(ty, exprs) => (
                            ty,
                            exprs
                                .into_iter()
                                .map(|e| ConstExpr::parse(&e?, &info.types))
                                .collect::<Result<Vec<_>, _>>()?,
                        ),
                    };
                    info.uses_gc_refs |= is_gc_hierarchy(ty);
                    info.elems.push(ElemSegment { mode, ty, items });
                }
            }
            Payload::DataSection(reader) => {
                reserve(&mut info.datas, &reader);
                for data in reader {
                    let data = data?;
                    let mode = match data.kind {
                        DataKind::Passive => DataMode::Passive,
                        DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => DataMode::Active {
                            memory: memory_index,
                            offset: ConstExpr::parse(&offset_expr, &info.types)?,
                        },
                    };
                    let start = data.data.as_ptr() as usize - bytes.as_ptr() as usize;
                    info.datas.push(DataSegment {
                        mode,
                        range: start..start + data.data.len(),
                    });
                }
            }
            Payload::CodeSectionStart { count, size, .. } => {
                // The validator checked the count against the function section; each body
                // takes at least a byte, which bounds it again.
                let count = (count as usize).min(size as usize);
                info.bodies.reserve(count);
                if defer_bodies {
                    pending.reserve(count);
                }
            }
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                info.bodies.push(range.start as usize..range.end as usize);
            }
            Payload::CustomSection(reader) => {
                let start = reader.data_offset() as usize;
                info.custom_sections.push((
                    reader.name().to_string(),
                    start..start + reader.data().len(),
                ));
            }
            _ => {}
        }
    }

    if let Some(allocs) = allocs {
        pool.give_funcs(allocs);
    }
    pool.give_module(validator, info.types.len());
    Ok((info, pending))
}

/// Whether a reference of type `ty` belongs to the `any` or `extern` hierarchy: with GC on,
/// such a reference can be an i31, a GC object, or a host value turned into one.
fn is_gc_hierarchy(ty: RefType) -> bool {
    match ty.heap_type() {
        HeapType::Abstract { ty, .. } => crate::vm::types::is_gc_hierarchy(ty),
        // A concrete type names a struct or array (then the type section already mentions
        // GC types) or a function.
        HeapType::Concrete(_) | HeapType::Exact(_) => false,
    }
}

/// Whether a value of type `ty` is a reference of the `any` or `extern` hierarchy.
fn is_gc_value(ty: ValType) -> bool {
    matches!(ty, ValType::Ref(r) if is_gc_hierarchy(r))
}

/// Whether a type-section entry is a GC type or mentions references that can be GC values.
fn mentions_gc_refs(sub: &SubType) -> bool {
    match &sub.composite_type.inner {
        CompositeInnerType::Func(ty) => ty
            .params()
            .iter()
            .chain(ty.results())
            .any(|&t| is_gc_value(t)),
        CompositeInnerType::Struct(_)
        | CompositeInnerType::Array(_)
        | CompositeInnerType::Cont(_) => true,
    }
}

/// Makes room in `list` for the entries of the section `reader` reads. The validator has read
/// the whole section by now, so its count is real; each entry takes at least a byte, which
/// bounds it again.
fn reserve<T, U>(list: &mut Vec<T>, reader: &SectionLimited<'_, U>) {
    let bytes = reader.range().end - reader.range().start;
    list.reserve(u64::from(reader.count()).min(bytes) as usize);
}
