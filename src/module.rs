//! Compiled modules.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use tandem_interp::lower::TranslateOptions;
use tandem_interp::module::{
    ExportKind, ImportKind, ModuleCode, parse_module_deferred, parse_module_with,
};
use tandem_interp::vm::TypeInfo;

use crate::engine::Engine;
use crate::error::{CompileError, Error, Result};
use crate::tag::TagType;
use crate::types::{
    ExportType, ExternType, FuncType, GlobalType, ImportType, MemoryType, TableType,
};

/// The sizes of a module's parts, from [`Module::sizes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSizes {
    /// The whole binary.
    pub total_bytes: usize,
    /// Functions defined (not imported).
    pub functions: usize,
    /// Bytes of function bodies.
    pub code_bytes: usize,
    /// Data segments.
    pub data_segments: usize,
    /// Bytes of data segments.
    pub data_bytes: usize,
    /// Custom sections by name and payload size, in order.
    pub custom_sections: Vec<(String, usize)>,
}

/// The first bytes of a serialized module.
const SERIALIZED_MAGIC: &[u8] = b"\0tandem\0";

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
    /// The engine's registered type behind each type index.
    pub type_infos: Vec<Arc<TypeInfo>>,
    pub import_types: Vec<ExternType>,
    /// The exports' types, made on first use: only [`Module::exports`] reads them.
    export_types: OnceLock<Vec<ExternType>>,
    /// Native code of the functions the Cranelift tier compiled.
    #[cfg(tandem_jit)]
    pub native: Option<Arc<crate::jit::NativeCode>>,
}

impl ModuleInner {
    /// The type of every export, in module order.
    fn export_types(&self) -> &[ExternType] {
        self.export_types.get_or_init(|| {
            let info = &self.code.info;
            let types = &self.type_infos[..];
            let func_type = |index: u32| FuncType::from_wasmparser(info.type_at(index), types);
            info.exports
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
                    ExportKind::Memory(i) => ExternType::Memory(MemoryType::from_wasmparser(
                        &info.memory_types[i as usize],
                    )),
                    ExportKind::Global(i) => ExternType::Global(GlobalType::from_wasmparser(
                        &info.global_types[i as usize],
                        types,
                    )),
                })
                .collect()
        })
    }
}

impl Module {
    /// Compiles a module from its binary or WAT text, or loads one that
    /// [`Module::serialize`] wrote.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(b"\0asm") {
            return Module::from_binary(engine, bytes);
        }
        if bytes.starts_with(SERIALIZED_MAGIC) {
            return Module::deserialize(engine, bytes);
        }
        let binary = crate::wat::parse_text(bytes)?;
        Module::from_binary(engine, &binary)
    }

    /// Compiles a module from its binary form only.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let (info, pending) =
            parse_module_deferred(bytes, engine.config().features, engine.validators())?;
        let options = TranslateOptions {
            fuel: engine.config().consume_fuel,
            epoch: engine.config().epoch_interruption,
            canonicalize_nans: engine.config().canonicalize_nans,
            osr: engine.config().strategy == crate::Strategy::Tiered
                && engine.config().tier_up_back_edges > 0,
        };
        let code = Arc::new(ModuleCode::new(info, options));
        // The bodies are validated on the compilation threads; with eager translation, in
        // the same pass as their translation.
        code.validate_bodies(
            pending,
            engine.compilation_threads(),
            !engine.config().lazy_translation,
            engine.validators(),
        )?;
        #[cfg(tandem_jit)]
        let native =
            match engine.config().strategy {
                crate::Strategy::Cranelift => Some(Arc::new(
                    crate::jit::NativeCode::compile_module(engine, code.clone(), options)?,
                )),
                crate::Strategy::Tiered => Some(Arc::new(crate::jit::NativeCode::tiered(
                    engine,
                    code.clone(),
                    options,
                )?)),
                crate::Strategy::Interpreter => None,
            };
        let info = &code.info;
        let type_infos = engine
            .types()
            .register_module(&info.types, &info.rec_groups);
        let types = &type_infos[..];
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
        Ok(Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                code,
                type_infos,
                import_types,
                export_types: OnceLock::new(),
                #[cfg(tandem_jit)]
                native,
            }),
        })
    }

    /// How many of the module's functions run as native code compiled by the Cranelift tier
    /// (with [`Strategy::Cranelift`](crate::Strategy::Cranelift)); the others run on the
    /// interpreter. Always 0 with the interpreter strategy or without the `jit` feature.
    pub fn native_function_count(&self) -> usize {
        #[cfg(tandem_jit)]
        if let Some(native) = &self.inner.native {
            return native.compiled_count();
        }
        0
    }

    /// Compiles the module in the file at `path` (binary or WAT text).
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::msg(format!("failed to read {}: {e}", path.display())))?;
        Module::new(engine, bytes)
    }

    /// Writes the module in tandem's serialized form, which [`Module::deserialize`] (and
    /// `Module::new`, `Module::from_file`, `tandem run`) load with the same tandem version and
    /// engine configuration.
    ///
    /// The form holds the module binary with the configuration it was validated under;
    /// loading validates it again, so serialized bytes from anywhere are safe to load.
    ///
    /// ```
    /// use tandem::{Engine, Module};
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, "(module (func (export \"f\")))")?;
    /// let bytes = module.serialize()?;
    /// let loaded = Module::deserialize(&engine, &bytes)?;
    /// assert_eq!(loaded.exports().next().unwrap().name(), "f");
    /// # Ok::<(), tandem::Error>(())
    /// ```
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let info = &self.inner.code.info;
        let mut out = Vec::with_capacity(info.bytes.len() + 64);
        out.extend_from_slice(SERIALIZED_MAGIC);
        let version = env!("CARGO_PKG_VERSION").as_bytes();
        out.extend_from_slice(&(version.len() as u32).to_le_bytes());
        out.extend_from_slice(version);
        out.extend_from_slice(&self.inner.engine.config().features.bits().to_le_bytes());
        out.extend_from_slice(&(info.bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&info.bytes);
        Ok(out)
    }

    /// Loads a module written by [`Module::serialize`]; fails on anything else, or on bytes
    /// written by another tandem version or for an engine with other proposals enabled.
    pub fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let invalid = |why: &str| Error::msg(format!("not a serialized tandem module: {why}"));
        let mut rest = bytes
            .strip_prefix(SERIALIZED_MAGIC)
            .ok_or_else(|| invalid("bad header"))?;
        let mut take = |n: usize| -> Result<&[u8]> {
            if rest.len() < n {
                return Err(invalid("truncated"));
            }
            let (head, tail) = rest.split_at(n);
            rest = tail;
            Ok(head)
        };
        let version_len = u32::from_le_bytes(take(4)?.try_into().expect("4 bytes")) as usize;
        let version = take(version_len)?;
        if version != env!("CARGO_PKG_VERSION").as_bytes() {
            return Err(Error::msg(format!(
                "the module was serialized by tandem {}, this is {}",
                String::from_utf8_lossy(version),
                env!("CARGO_PKG_VERSION")
            )));
        }
        let features = u64::from_le_bytes(take(8)?.try_into().expect("8 bytes"));
        if features != engine.config().features.bits() {
            return Err(Error::msg(
                "the module was serialized for an engine with other WebAssembly proposals enabled",
            ));
        }
        let len = u64::from_le_bytes(take(8)?.try_into().expect("8 bytes"));
        let len = usize::try_from(len).map_err(|_| invalid("length out of range"))?;
        let wasm = take(len)?;
        Module::from_binary(engine, wasm)
    }

    /// Checks that `bytes` is a valid module binary for `engine`, without keeping it.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        parse_module_with(bytes, engine.config().features, engine.validators())?;
        Ok(())
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's name, from its name section.
    pub fn name(&self) -> Option<&str> {
        self.inner.code.name().map(|name| &**name)
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
            .zip(self.inner.export_types())
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

    /// How big the module's parts are.
    pub fn sizes(&self) -> ModuleSizes {
        let info = &self.inner.code.info;
        ModuleSizes {
            total_bytes: info.bytes.len(),
            functions: info.bodies.len(),
            code_bytes: info.bodies.iter().map(|b| b.len()).sum(),
            data_segments: info.datas.len(),
            data_bytes: info.datas.iter().map(|d| d.range.len()).sum(),
            custom_sections: info
                .custom_sections
                .iter()
                .map(|(n, r)| (n.clone(), r.len()))
                .collect(),
        }
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
            for (pc, instruction) in compiled.code.iter().enumerate() {
                let _ = writeln!(out, "  {pc:>5}: {}", instruction.op);
            }
        }
        Ok(out)
    }
}
