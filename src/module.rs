//! Compiled modules.

use std::path::Path;
use std::sync::Arc;

use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::{ExportKind, ImportKind, ModuleCode, parse_module};
use tandem_interp::vm::SigId;

use crate::engine::Engine;
use crate::error::{CompileError, Error, Result};
use crate::tag::TagType;
use crate::types::{
    ExportType, ExternType, FuncType, GlobalType, ImportType, MemoryType, TableType,
};

/// A validated WebAssembly module, ready to be instantiated in any store of its engine.
/// Cloning is cheap, and modules can be shared across threads.
///
/// ```
/// use tandem::{Engine, ExternType, Module};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module $demo
///     (import "host" "log" (func (param i32)))
///     (func (export "run")))"#)?;
/// assert_eq!(module.name(), Some("demo"));
/// let import = module.imports().next().unwrap();
/// assert_eq!((import.module(), import.name()), ("host", "log"));
/// assert!(matches!(module.exports().next().unwrap().ty(), ExternType::Func(_)));
/// # Ok::<(), tandem::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

#[derive(Debug)]
pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub code: Arc<ModuleCode>,
    /// Engine signature id of each type index (function types only; others unused).
    pub sig_ids: Vec<SigId>,
    pub import_types: Vec<ExternType>,
    pub export_types: Vec<ExternType>,
}

impl Module {
    /// Compiles a module from its binary or WAT text.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(b"\0asm") {
            return Module::from_binary(engine, bytes);
        }
        let binary = crate::wat::parse_text(bytes)?;
        Module::from_binary(engine, &binary)
    }

    /// Compiles a module from its binary form only.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let info = parse_module(bytes, engine.config().features)?;
        let options = TranslateOptions {
            fuel: engine.config().consume_fuel,
        };
        let code = Arc::new(ModuleCode::new(info, options));
        if !engine.config().lazy_translation {
            code.compile_all()?;
        }
        let info = &code.info;
        // Types refer only to earlier types (each is its own recursion group), so each can be
        // interned once the ones it mentions are.
        let mut sig_ids: Vec<SigId> = Vec::with_capacity(info.types.len());
        for ty in &info.types {
            let id = match ty {
                Some(ty) => engine.intern(&FuncType::from_wasmparser(ty, &sig_ids)),
                None => SigId(u32::MAX),
            };
            sig_ids.push(id);
        }
        let types = &sig_ids[..];
        let func_type = |index: u32| FuncType::from_wasmparser(info.type_at(index), types);
        let import_types = info
            .imports
            .iter()
            .map(|import| match &import.kind {
                ImportKind::Func(ty) => ExternType::Func(func_type(*ty)),
                ImportKind::Table(ty) => ExternType::Table(TableType::from_wasmparser(ty, types)),
                ImportKind::Memory(ty) => ExternType::Memory(MemoryType::from_wasmparser(ty)),
                ImportKind::Global(ty) => {
                    ExternType::Global(GlobalType::from_wasmparser(ty, types))
                }
                ImportKind::Tag(ty) => ExternType::Tag(TagType::new(func_type(*ty))),
            })
            .collect();
        let export_types = info
            .exports
            .iter()
            .map(|export| match export.kind {
                ExportKind::Func(i) => ExternType::Func(func_type(info.funcs[i as usize])),
                ExportKind::Tag(i) => {
                    ExternType::Tag(TagType::new(func_type(info.tags[i as usize])))
                }
                ExportKind::Table(i) => ExternType::Table(TableType::from_wasmparser(
                    &info.table_types[i as usize],
                    types,
                )),
                ExportKind::Memory(i) => {
                    ExternType::Memory(MemoryType::from_wasmparser(&info.memory_types[i as usize]))
                }
                ExportKind::Global(i) => ExternType::Global(GlobalType::from_wasmparser(
                    &info.global_types[i as usize],
                    types,
                )),
            })
            .collect();
        Ok(Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                code,
                sig_ids,
                import_types,
                export_types,
            }),
        })
    }

    /// Compiles the module in the file at `path` (binary or WAT text).
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::msg(format!("failed to read {}: {e}", path.display())))?;
        Module::new(engine, bytes)
    }

    /// Checks that `bytes` is a valid module binary for `engine`, without keeping it.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        parse_module(bytes, engine.config().features)?;
        Ok(())
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's name, from its name section.
    pub fn name(&self) -> Option<&str> {
        self.inner.code.info.name.as_deref()
    }

    /// The imports, in module order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        self.inner
            .code
            .info
            .imports
            .iter()
            .zip(&self.inner.import_types)
            .map(|(import, ty)| ImportType {
                module: &import.module,
                name: &import.name,
                ty: ty.clone(),
            })
    }

    /// The exports, in module order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        self.inner
            .code
            .info
            .exports
            .iter()
            .zip(&self.inner.export_types)
            .map(|(export, ty)| ExportType {
                name: &export.name,
                ty: ty.clone(),
            })
    }

    /// The export named `name`.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        self.exports().find(|e| e.name() == name).map(|e| e.ty())
    }

    /// The payloads of the custom sections named `name`, in order.
    pub fn custom_sections<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        let info = &self.inner.code.info;
        info.custom_sections
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, range)| &info.bytes[range.clone()])
    }

    /// The interpreter's bytecode of every defined function, disassembled.
    pub fn disassemble(&self) -> Result<String> {
        use std::fmt::Write;
        let code = &self.inner.code;
        let mut out = String::new();
        for defined in 0..code.info.bodies.len() as u32 {
            let index = code.info.imported_funcs + defined;
            let compiled = code
                .compiled(defined)
                .map_err(|e: CompileError| Error::Compile(e))?;
            let name = code
                .info
                .func_name(index)
                .map(|n| n.to_string())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "func[{index}] {name} (frame {} slots, {} locals)",
                compiled.frame_slots, compiled.local_slots
            );
            for (pc, op) in compiled.ops.iter().enumerate() {
                let _ = writeln!(out, "  {pc:>5}: {op}");
            }
        }
        Ok(out)
    }
}
