//! The engine: configuration and state shared by every store and module.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tandem_interp::vm::SigId;

use crate::config::{Config, Strategy};
use crate::error::Result;
use crate::types::FuncType;

/// A configured runtime, shared (cheaply cloned) by modules and stores on any thread.
///
/// ```
/// let engine = tandem::Engine::default();
/// let clone = engine.clone();
/// assert!(engine.same(&clone));
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

#[derive(Debug)]
struct EngineInner {
    config: Config,
    signatures: Mutex<Signatures>,
    epoch: AtomicU64,
}

/// Interned function types: equal types get equal ids, which `call_indirect` compares.
#[derive(Debug, Default)]
struct Signatures {
    ids: HashMap<FuncType, SigId>,
    types: Vec<FuncType>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::default()).expect("the default configuration is valid")
    }
}

impl Engine {
    /// An engine with `config`; fails if the configuration asks for something not implemented.
    pub fn new(config: &Config) -> Result<Engine> {
        config.validate()?;
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                signatures: Mutex::new(Signatures::default()),
                epoch: AtomicU64::new(0),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Whether two handles are the same engine.
    pub fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Whether functions run on the interpreter (always true until the Cranelift tier lands).
    pub fn is_interpreter(&self) -> bool {
        self.inner.config.strategy == Strategy::Interpreter
    }

    /// Advances the epoch counter (for epoch interruption).
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn epoch_counter(&self) -> &AtomicU64 {
        &self.inner.epoch
    }

    pub(crate) fn intern(&self, ty: &FuncType) -> SigId {
        let mut signatures = self
            .inner
            .signatures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = signatures.ids.get(ty) {
            return id;
        }
        let id = SigId(signatures.types.len() as u32);
        signatures.types.push(ty.clone());
        signatures.ids.insert(ty.clone(), id);
        id
    }

    pub(crate) fn signature(&self, id: SigId) -> FuncType {
        let signatures = self
            .inner
            .signatures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        signatures.types[id.0 as usize].clone()
    }
}
