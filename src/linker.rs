//! The linker: resolves imports by name.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use crate::engine::Engine;
use crate::error::{Error, LinkError, Result};
use crate::externals::Extern;
use crate::func::{Caller, Func, HostFunc, IntoFunc};
use crate::instance::Instance;
use crate::module::Module;
use crate::store::{AsContext, AsContextMut, StoreContextMut, StoreInner};
use crate::types::FuncType;
use crate::values::Val;

/// Definitions by `(module, name)`, used to instantiate modules without listing imports by
/// position. Host functions defined here are store-independent: each store gets its own
/// instance of them on first use.
///
/// ```
/// use tandem::{Engine, Linker, Module, Store};
/// let engine = Engine::default();
/// let mut linker = Linker::new(&engine);
/// linker.func_wrap("math", "sum", |a: i32, b: i32| a + b)?;
/// let module = Module::new(&engine, r#"(module
///     (import "math" "sum" (func $sum (param i32 i32) (result i32)))
///     (func (export "run") (result i32) (call $sum (i32.const 2) (i32.const 40))))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = linker.instantiate(&mut store, &module)?;
/// let run = instance.get_typed_func::<(), i32>(&mut store, "run")?;
/// assert_eq!(run.call(&mut store, ())?, 42);
/// # Ok::<(), tandem::Error>(())
/// ```
pub struct Linker<T> {
    engine: Engine,
    definitions: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

enum Definition<T> {
    Extern(Extern),
    Host(Arc<HostFunc<T>>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(e.clone()),
            Definition::Host(h) => Definition::Host(h.clone()),
        }
    }
}

impl<T> Linker<T> {
    /// An empty linker.
    pub fn new(engine: &Engine) -> Self {
        Linker {
            engine: engine.clone(),
            definitions: HashMap::new(),
            allow_shadowing: false,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, definition: Definition<T>) -> Result<&mut Self> {
        match self
            .definitions
            .entry((module.to_string(), name.to_string()))
        {
            Entry::Occupied(mut slot) if self.allow_shadowing => {
                slot.insert(definition);
            }
            Entry::Occupied(_) => {
                return Err(Error::msg(format!(
                    "import of `{module}::{name}` defined twice"
                )));
            }
            Entry::Vacant(slot) => {
                slot.insert(definition);
            }
        }
        Ok(self)
    }

    /// Defines `module::name` as `item`.
    pub fn define(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        let _ = store;
        self.insert(module, name, Definition::Extern(item.into()))
    }

    /// Defines a host function from a Rust closure.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        self.insert(
            module,
            name,
            Definition::Host(Arc::new(func.into_host_func())),
        )
    }

    /// Defines a host function with a dynamic signature.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.insert(
            module,
            name,
            Definition::Host(Arc::new(HostFunc::dynamic(ty, func))),
        )
    }

    /// Defines every export of `instance` under `module_name`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        let exports: Vec<(String, Extern)> = instance
            .exports(store.as_context_mut())
            .map(|e| (e.name().to_string(), e.into_extern()))
            .collect();
        for (name, item) in exports {
            self.insert(module_name, &name, Definition::Extern(item))?;
        }
        Ok(self)
    }

    fn resolve(&self, store: &mut StoreInner<T>, module: &str, name: &str) -> Option<Extern> {
        match self
            .definitions
            .get(&(module.to_string(), name.to_string()))?
        {
            Definition::Extern(e) => Some(e.clone()),
            Definition::Host(host) => Some(Extern::Func(Func::from_host(store, host.clone()))),
        }
    }

    /// Instantiates `module`, resolving each import by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        let inner = store.as_context_mut().0;
        let mut imports = Vec::with_capacity(module.imports().len());
        for import in module.imports() {
            let item = self
                .resolve(inner, import.module(), import.name())
                .ok_or_else(|| LinkError::UnknownImport {
                    module: import.module().to_string(),
                    name: import.name().to_string(),
                })?;
            imports.push(item);
        }
        Instance::new(store, module, &imports)
    }

    /// The definition of `module::name`.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        self.resolve(store.as_context_mut().0, module, name)
    }

    /// The default function of `module`: its export named `""`, else its `_start`, else (as
    /// in Wasmtime) a function that does nothing.
    pub fn get_default(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
    ) -> Result<Func> {
        let inner = store.as_context_mut().0;
        for name in ["", "_start"] {
            match self.resolve(inner, module, name) {
                Some(Extern::Func(f)) => return Ok(f),
                Some(_) => {
                    return Err(Error::msg(format!(
                        "default export `{module}::{name}` is not a function"
                    )));
                }
                None => {}
            }
        }
        Ok(Func::wrap(StoreContextMut(inner), || {}))
    }
}
