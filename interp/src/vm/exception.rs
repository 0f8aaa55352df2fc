//! Exceptions: the objects `throw` creates, shared by both tiers.
//!
//! A store keeps every exception thrown in it in one list ([`VmLimits::exceptions`]); an
//! `exnref` slot is an index into that list plus one, so `0` stays the null reference. Tags
//! are matched by their store-wide identity ([`VmCtx::tag_ids`]), so an exception thrown with
//! an imported tag is caught by the exporting instance's handlers too.

use crate::module::slot_count;
use crate::vm::{Slot, VmCtx, VmLimits};

/// A thrown exception: the identity of its tag (store-wide) and its payload slots.
#[derive(Debug, Clone)]
pub struct Exception {
    /// The tag's store-wide identity.
    pub tag: u32,
    /// The payload, in slots.
    pub payload: Box<[Slot]>,
}

impl VmCtx {
    /// How many slots the payload of tag `tag` (an index into this instance's tags) takes.
    pub fn tag_payload_slots(&self, tag: u32) -> usize {
        let info = &self.module.info;
        let ty = info.type_at(info.tags[tag as usize]);
        ty.params().iter().map(|&t| slot_count(t) as usize).sum()
    }

    /// Creates an exception of this instance's tag `tag` carrying `payload` and returns its
    /// `exnref`.
    ///
    /// # Safety
    ///
    /// `limits` and the exception list it points at must be live and not otherwise borrowed
    /// during the call.
    pub unsafe fn new_exception(&self, tag: u32, payload: &[Slot]) -> Slot {
        // SAFETY: guaranteed by the caller.
        let exceptions = unsafe { &mut *(*self.limits).exceptions };
        exceptions.push(Exception {
            tag: self.tag_ids[tag as usize],
            payload: payload.into(),
        });
        exceptions.len() as Slot
    }
}

/// Exception `exnref` (not null) of the store whose limits are `limits`.
///
/// # Safety
///
/// `limits` and the exception list it points at must be live and not mutated while the
/// reference is held, and `exnref` must be an exception of that store.
pub unsafe fn exception<'a>(limits: *const VmLimits, exnref: Slot) -> &'a Exception {
    // SAFETY: guaranteed by the caller.
    unsafe { &(&*(*limits).exceptions)[(exnref - 1) as usize] }
}
