//! Clocks, randomness, process exit and scheduling.

use crate::abi::Clockid;
use crate::clocks;
use crate::ctx::WasiCtx;
use crate::errno::{Errno, Result};
use crate::memory::GuestMemory;
use crate::random;

/// `random_get` fills large buffers in pieces so the host never allocates more than this.
const RANDOM_CHUNK: u32 = 64 << 10;

impl WasiCtx {
    pub(crate) fn clock_res_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        id: u32,
        resolution_ptr: u32,
    ) -> Result<()> {
        let id = Clockid::decode(id)?;
        mem.write_u64(resolution_ptr, clocks::resolution(id)?)
    }

    pub(crate) fn clock_time_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        id: u32,
        _precision: u64,
        time_ptr: u32,
    ) -> Result<()> {
        let id = Clockid::decode(id)?;
        mem.write_u64(time_ptr, clocks::now(id)?)
    }

    pub(crate) fn random_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        buf: u32,
        len: u32,
    ) -> Result<()> {
        // Checked whole first, so that a bad pointer fills nothing.
        mem.slice(buf, len)?;
        let mut done = 0;
        while done < len {
            let n = (len - done).min(RANDOM_CHUNK);
            random::fill(mem.slice_mut(buf + done, n)?)?;
            done += n;
        }
        Ok(())
    }

    pub(crate) fn proc_raise(&mut self, _mem: &mut GuestMemory<'_>, _signal: u32) -> Result<()> {
        // Signals have no meaning inside the sandbox.
        Err(Errno::Notsup)
    }

    pub(crate) fn sched_yield(&mut self) -> Result<()> {
        std::thread::yield_now();
        Ok(())
    }
}
