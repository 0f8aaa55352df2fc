//! Validated module metadata and its lazily translated bytecode.

mod const_expr;
mod parse;
mod validator_pool;

use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

pub use const_expr::{ConstExpr, ConstOp, slot_count};
pub use parse::{
    CompileError, PendingBodies, parse_module, parse_module_deferred, parse_module_with,
};
pub use validator_pool::ValidatorPool;
use wasmparser::{BinaryReader, CompositeInnerType, Name, NameSectionReader};
pub use wasmparser::{
    FuncType, GlobalType, MemoryType, RefType, SubType, TableType, ValType, WasmFeatures,
};

use crate::lower::{self, CompiledFunc, TranslateOptions};

/// What an import brings in.
#[derive(Debug, Clone)]
pub enum ImportKind {
    /// A function of the given type index.
    Func(u32),
    /// A table.
    Table(TableType),
    /// A linear memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag whose payload is the parameters of the given function type.
    Tag(u32),
}

/// One import, in module order.
#[derive(Debug, Clone)]
pub struct Import {
    /// Module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// What is imported.
    pub kind: ImportKind,
}

/// The kind of an exported item, with its index in that kind's index space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// Function index.
    Func(u32),
    /// Table index.
    Table(u32),
    /// Memory index.
    Memory(u32),
    /// Global index.
    Global(u32),
    /// Tag index.
    Tag(u32),
}

/// One export, in module order.
#[derive(Debug, Clone)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// What is exported.
    pub kind: ExportKind,
}

/// How an element segment is used.
#[derive(Debug, Clone)]
pub enum ElemMode {
    /// Copied into a table at instantiation.
    Active {
        /// Target table.
        table: u32,
        /// Offset expression.
        offset: ConstExpr,
    },
    /// Available to `table.init`.
    Passive,
    /// Only declares functions referable by `ref.func`.
    Declared,
}

/// An element segment.
#[derive(Debug, Clone)]
pub struct ElemSegment {
    /// How it is used.
    pub mode: ElemMode,
    /// Element type.
    pub ty: RefType,
    /// One expression per element.
    pub items: Vec<ConstExpr>,
}

/// How a data segment is used.
#[derive(Debug, Clone)]
pub enum DataMode {
    /// Copied into a memory at instantiation.
    Active {
        /// Target memory.
        memory: u32,
        /// Offset expression.
        offset: ConstExpr,
    },
    /// Available to `memory.init`.
    Passive,
}

/// A data segment; its bytes live in [`ModuleInfo::bytes`].
#[derive(Debug, Clone)]
pub struct DataSegment {
    /// How it is used.
    pub mode: DataMode,
    /// Where its bytes are in the module binary.
    pub range: Range<usize>,
}

/// A global defined by the module.
#[derive(Debug, Clone)]
pub struct GlobalDef {
    /// Its type.
    pub ty: GlobalType,
    /// Its initializer.
    pub init: ConstExpr,
}

/// A table defined by the module.
#[derive(Debug, Clone)]
pub struct TableDef {
    /// Its type.
    pub ty: TableType,
    /// The initial value of every element (null unless given).
    pub init: Option<ConstExpr>,
}

/// Everything known about a validated module except its bytecode.
#[derive(Debug)]
pub struct ModuleInfo {
    /// The module binary (function bodies and data are read from it).
    pub bytes: Box<[u8]>,
    /// The features it was validated with.
    pub features: WasmFeatures,
    /// The names of the name section, once read: they are read on first use
    /// ([`ModuleInfo::name`], [`ModuleInfo::func_name`]), since only backtraces and listings
    /// ask for them.
    names: OnceLock<Names>,
    /// Types by index, as the type section declares them (type indices in module form).
    pub types: Vec<SubType>,
    /// The type indices of each recursion group, in order (a type outside an explicit `rec`
    /// is a group of its own).
    pub rec_groups: Vec<Range<u32>>,
    /// Whether any declared type (a type-section entry, an import, a table, a global or an
    /// element segment) mentions a reference of the `any` or `extern` hierarchy, which can
    /// hold GC values once GC is on.
    pub uses_gc_refs: bool,
    /// Imports in module order.
    pub imports: Vec<Import>,
    /// Type index of every function, imported ones first.
    pub funcs: Vec<u32>,
    /// Number of imported functions.
    pub imported_funcs: u32,
    /// Type of every table, imported ones first.
    pub table_types: Vec<TableType>,
    /// Tables defined by the module.
    pub tables: Vec<TableDef>,
    /// Number of imported tables.
    pub imported_tables: u32,
    /// Type of every memory, imported ones first.
    pub memory_types: Vec<MemoryType>,
    /// Number of imported memories.
    pub imported_memories: u32,
    /// Type of every global, imported ones first.
    pub global_types: Vec<GlobalType>,
    /// Globals defined by the module.
    pub globals: Vec<GlobalDef>,
    /// Number of imported globals.
    pub imported_globals: u32,
    /// Exports in module order.
    pub exports: Vec<Export>,
    /// The function type index of every tag, imported ones first.
    pub tags: Vec<u32>,
    /// Number of imported tags.
    pub imported_tags: u32,
    /// Start function.
    pub start: Option<u32>,
    /// Element segments.
    pub elems: Vec<ElemSegment>,
    /// Data segments.
    pub datas: Vec<DataSegment>,
    /// Byte range of every defined function's body.
    pub bodies: Vec<Range<usize>>,
    /// Custom sections (name, byte range of the payload), in order.
    pub custom_sections: Vec<(String, Range<usize>)>,
}

impl ModuleInfo {
    /// The type of function `index`.
    pub fn func_type(&self, index: u32) -> &FuncType {
        self.type_at(self.funcs[index as usize])
    }

    /// The function type with type index `index`; validation guarantees that every index a
    /// function, a call or a block names is one.
    pub fn type_at(&self, index: u32) -> &FuncType {
        self.try_func_type(index).expect("validated function type")
    }

    /// The function type with type index `index`, or `None` for a struct or array type.
    pub fn try_func_type(&self, index: u32) -> Option<&FuncType> {
        match &self.types.get(index as usize)?.composite_type.inner {
            CompositeInnerType::Func(ty) => Some(ty),
            _ => None,
        }
    }

    /// The module's name from the name section.
    pub fn name(&self) -> Option<&Arc<str>> {
        self.names().module.as_ref()
    }

    /// Function `index`'s name from the name section.
    pub fn func_name(&self, index: u32) -> Option<&Arc<str>> {
        let funcs = &self.names().funcs;
        let at = funcs.binary_search_by_key(&index, |&(func, _)| func).ok()?;
        Some(&funcs[at].1)
    }

    /// The byte range of the name section's payload, if the module has one (the last, if
    /// it has several).
    pub fn name_section(&self) -> Option<Range<usize>> {
        let (_, range) = self
            .custom_sections
            .iter()
            .rfind(|(name, _)| name == "name")?;
        Some(range.clone())
    }

    fn names(&self) -> &Names {
        self.names.get_or_init(|| match self.name_section() {
            Some(range) => Names::read(&self.bytes[range.clone()], range.start),
            None => Names::default(),
        })
    }

    /// Bytes of data segment `index`.
    pub fn data_bytes(&self, index: u32) -> &[u8] {
        &self.bytes[self.datas[index as usize].range.clone()]
    }
}

/// The names a module's name section gives.
#[derive(Debug, Default)]
struct Names {
    module: Option<Arc<str>>,
    /// Function names by function index, sorted.
    funcs: Box<[(u32, Arc<str>)]>,
}

impl Names {
    /// The names in name section payload `payload`, at `offset` in the module. A malformed
    /// section is not an error: the spec says custom sections never make a module invalid,
    /// so names are read best-effort, up to the first malformed one.
    fn read(payload: &[u8], offset: usize) -> Names {
        let reader = NameSectionReader::new(BinaryReader::new(payload, offset as u64));
        let mut module = None;
        let mut funcs = Vec::new();
        for name in reader.into_iter().map_while(|name| name.ok()) {
            match name {
                Name::Module { name, .. } => module = Some(Arc::from(name)),
                Name::Function(map) => funcs.extend(
                    map.into_iter()
                        .map_while(|naming| naming.ok())
                        .map(|naming| (naming.index, Arc::from(naming.name))),
                ),
                _ => {}
            }
        }
        // A later name for the same function wins, as when names were kept in a map.
        funcs.reverse();
        funcs.sort_by_key(|&(func, _)| func);
        funcs.dedup_by_key(|&mut (func, _)| func);
        Names {
            module,
            funcs: funcs.into_boxed_slice(),
        }
    }
}

/// The outcome of translating one function, kept so it happens once.
type Translation = Result<CompiledFunc, CompileError>;

/// A module's metadata plus its bytecode, translated per function on first use.
#[derive(Debug)]
pub struct ModuleCode {
    /// The metadata.
    pub info: ModuleInfo,
    options: TranslateOptions,
    compiled: Box<[OnceLock<Translation>]>,
}

impl ModuleCode {
    /// Wraps validated metadata; no function is translated yet.
    pub fn new(info: ModuleInfo, options: TranslateOptions) -> Self {
        let compiled = (0..info.bodies.len()).map(|_| OnceLock::new()).collect();
        ModuleCode {
            info,
            options,
            compiled,
        }
    }

    /// The module's name, shared for backtraces.
    pub fn name(&self) -> Option<&Arc<str>> {
        self.info.name()
    }

    /// The bytecode of defined function `defined_index`, translating it on first use.
    pub fn compiled(&self, defined_index: u32) -> Result<&CompiledFunc, CompileError> {
        self.compiled[defined_index as usize]
            .get_or_init(|| lower::translate(&self.info, defined_index, self.options))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Validates the function bodies that [`parse_module_deferred`] left unchecked, on up to
    /// `threads` threads, translating each in the same pass with `translate` (eager
    /// translation, which then reads every body once instead of twice). The error reported,
    /// if any, is that of the first function that fails, whatever the number of threads.
    /// The validators' buffers come from `pool` and go back to it.
    pub fn validate_bodies(
        &self,
        pending: PendingBodies,
        threads: usize,
        translate: bool,
        pool: &ValidatorPool,
    ) -> Result<(), CompileError> {
        debug_assert_eq!(pending.len(), self.compiled.len());
        if worker_count(pending.len(), threads) <= 1 {
            let mut allocs = pool.take_funcs();
            for (index, func) in pending.into_iter().enumerate() {
                self.validate_body(&mut allocs, index, func, translate)?;
            }
            pool.give_funcs(allocs);
            return Ok(());
        }
        let pending: Vec<Mutex<Option<_>>> =
            pending.into_iter().map(|f| Mutex::new(Some(f))).collect();
        // Each function's outcome; translation results go into its bytecode cell.
        let outcomes: Vec<OnceLock<Result<(), CompileError>>> =
            (0..pending.len()).map(|_| OnceLock::new()).collect();
        let work = |allocs: &mut wasmparser::FuncValidatorAllocations, index: usize| {
            let Some(func) = pending[index]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
            else {
                return;
            };
            let _ = outcomes[index].set(self.validate_body(allocs, index, func, translate));
        };
        run_in_batches(
            pending.len(),
            threads,
            || pool.take_funcs(),
            |allocs| pool.give_funcs(allocs),
            work,
        );
        for outcome in outcomes {
            if let Some(Err(error)) = outcome.into_inner() {
                return Err(error);
            }
        }
        Ok(())
    }

    /// Validates defined function `index` with the buffers `allocs`, and translates it in
    /// the same pass if `translate`.
    fn validate_body(
        &self,
        allocs: &mut wasmparser::FuncValidatorAllocations,
        index: usize,
        func: wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
        translate: bool,
    ) -> Result<(), CompileError> {
        let mut validator = func.into_validator(std::mem::take(allocs));
        let outcome = if translate {
            let translated = lower::validate_and_translate(
                &self.info,
                index as u32,
                self.options,
                &mut validator,
            );
            let outcome = translated.as_ref().map(|_| ()).map_err(Clone::clone);
            let _ = self.compiled[index].set(translated);
            outcome
        } else {
            let range = self.info.bodies[index].clone();
            let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new_features(
                &self.info.bytes[range.clone()],
                range.start as u64,
                self.info.features,
            ));
            validator.validate(&body).map_err(CompileError::from)
        };
        *allocs = validator.into_allocations();
        outcome
    }

    /// Translates every function now (eager translation), on up to `threads` threads; the
    /// error reported, if any, is that of the first function that fails, whatever the
    /// number of threads.
    pub fn compile_all(&self, threads: usize) -> Result<(), CompileError> {
        run_in_batches(
            self.compiled.len(),
            threads,
            || (),
            |()| {},
            |_: &mut (), index| {
                // Failures are kept in the function's cell and reported below.
                let _ = self.compiled(index as u32);
            },
        );
        for index in 0..self.compiled.len() {
            self.compiled(index as u32)?;
        }
        Ok(())
    }
}

/// How many threads [`run_in_batches`] uses for `count` items on up to `threads` threads:
/// below a few dozen functions per thread, starting threads costs more than it saves.
fn worker_count(count: usize, threads: usize) -> usize {
    const MIN_FUNCS_PER_THREAD: usize = 32;
    threads.min(count / MIN_FUNCS_PER_THREAD)
}

/// Runs `work` on every index below `count`, on up to `threads` threads, each with scratch
/// state of its own from `start`, handed to `finish` at the end; workers take indices in
/// small batches from a shared counter, so a few big functions do not leave one thread with
/// all the work.
fn run_in_batches<S>(
    count: usize,
    threads: usize,
    start: impl Fn() -> S + Sync,
    finish: impl Fn(S) + Sync,
    work: impl Fn(&mut S, usize) + Sync,
) {
    const BATCH: usize = 8;
    let threads = worker_count(count, threads);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let worker = || {
        let mut scratch = start();
        loop {
            let first = next.fetch_add(BATCH, std::sync::atomic::Ordering::Relaxed);
            if first >= count {
                break;
            }
            for index in first..(first + BATCH).min(count) {
                work(&mut scratch, index);
            }
        }
        finish(scratch);
    };
    if threads > 1 {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(worker);
            }
        });
    } else {
        worker();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_name_section_when_asked_for() {
        let bytes = wat::parse_str(
            r#"(module $calc (import "env" "f" (func $host)) (func $add) (func) (func $sub))"#,
        )
        .expect("valid WAT");
        let info = parse_module(&bytes, WasmFeatures::default()).expect("valid module");
        assert!(info.name_section().is_some());
        assert_eq!(info.name().map(|n| &**n), Some("calc"));
        // The import is function 0.
        let names: Vec<_> = (0..5).map(|i| info.func_name(i).map(|n| &**n)).collect();
        assert_eq!(names, [Some("host"), Some("add"), None, Some("sub"), None]);

        let unnamed = wat::parse_str("(module (func))").expect("valid WAT");
        let info = parse_module(&unnamed, WasmFeatures::default()).expect("valid module");
        assert!(info.name().is_none() && info.func_name(0).is_none());
    }
}
