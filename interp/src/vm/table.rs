//! Tables: growable arrays of reference slots.

use super::ctx::{Slot, VmTable};

/// Why a table could not be created or grown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The requested size exceeds the table's maximum or tandem's limit.
    #[error("table size of {size} elements exceeds the limit of {limit}")]
    TooLarge {
        /// Requested elements.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

/// The most elements any table may hold, so a hostile module cannot make the host allocate
/// without bound.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// An owned table. Its [`VmTable`] definition is boxed so `VmCtx` pointers to it stay valid.
#[derive(Debug)]
pub struct TableData {
    elements: Vec<Slot>,
    max: u64,
    def: Box<VmTable>,
}

// SAFETY: the raw pointer in `def` points into `elements`, owned by the table.
unsafe impl Send for TableData {}
// SAFETY: shared access only reads.
unsafe impl Sync for TableData {}

impl TableData {
    /// Creates a table of `min` elements set to `init`, growable to `max`.
    pub fn new(min: u64, max: Option<u64>, init: Slot) -> Result<Self, TableError> {
        let max = max.unwrap_or(u64::MAX).min(MAX_TABLE_ELEMENTS.max(min));
        if min > MAX_TABLE_ELEMENTS {
            return Err(TableError::TooLarge {
                size: min,
                limit: MAX_TABLE_ELEMENTS,
            });
        }
        let mut elements = vec![init; min as usize];
        let def = Box::new(VmTable {
            base: elements.as_mut_ptr(),
            len: elements.len(),
        });
        Ok(TableData { elements, max, def })
    }

    /// Number of elements.
    pub fn len(&self) -> u64 {
        self.elements.len() as u64
    }

    /// Whether the table has no elements.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Maximum number of elements.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Element `index`, if in bounds.
    pub fn get(&self, index: u64) -> Option<Slot> {
        self.elements.get(usize::try_from(index).ok()?).copied()
    }

    /// Sets element `index`; `false` if out of bounds.
    pub fn set(&mut self, index: u64, value: Slot) -> bool {
        match usize::try_from(index)
            .ok()
            .and_then(|i| self.elements.get_mut(i))
        {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// All elements.
    pub fn elements(&self) -> &[Slot] {
        &self.elements
    }

    /// All elements, mutably.
    pub fn elements_mut(&mut self) -> &mut [Slot] {
        &mut self.elements
    }

    /// Grows by `delta` elements set to `init`, returning the old size.
    pub fn grow(&mut self, delta: u64, init: Slot) -> Result<u64, TableError> {
        let old = self.len();
        let new = old
            .checked_add(delta)
            .filter(|&n| n <= self.max && n <= MAX_TABLE_ELEMENTS)
            .ok_or(TableError::TooLarge {
                size: old.saturating_add(delta),
                limit: self.max,
            })?;
        self.elements.resize(new as usize, init);
        self.def.base = self.elements.as_mut_ptr();
        self.def.len = self.elements.len();
        Ok(old)
    }

    /// The definition that `VmCtx` points at.
    pub fn vm_definition(&mut self) -> *mut VmTable {
        &mut *self.def
    }
}
