//! `args_*` and `environ_*`: the guest's command line and environment.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, Result};
use crate::memory::GuestMemory;

/// Writes NUL-terminated `strings` to `buf` and a pointer to each to the array at `ptrs`.
fn write_strings<'s>(
    mem: &mut GuestMemory<'_>,
    strings: impl Iterator<Item = Vec<u8>> + 's,
    ptrs: u32,
    buf: u32,
) -> Result<()> {
    let mut at = buf;
    for (i, mut bytes) in strings.enumerate() {
        bytes.push(0);
        let slot = u32::try_from(i)
            .ok()
            .and_then(|i| i.checked_mul(4))
            .and_then(|offset| ptrs.checked_add(offset))
            .ok_or(Errno::Fault)?;
        mem.write_u32(slot, at)?;
        mem.write(at, &bytes)?;
        at = at.checked_add(bytes.len() as u32).ok_or(Errno::Fault)?;
    }
    Ok(())
}

/// The count and total NUL-terminated size of `strings`.
fn sizes(strings: impl Iterator<Item = usize>) -> Result<(u32, u32)> {
    let (count, size) = strings.fold((0usize, 0usize), |(n, size), len| (n + 1, size + len + 1));
    Ok((
        u32::try_from(count).map_err(|_| Errno::Overflow)?,
        u32::try_from(size).map_err(|_| Errno::Overflow)?,
    ))
}

impl WasiCtx {
    fn env_strings(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.env
            .iter()
            .map(|(k, v)| format!("{k}={v}").into_bytes())
    }

    pub(crate) fn args_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        argv: u32,
        argv_buf: u32,
    ) -> Result<()> {
        write_strings(
            mem,
            self.args.iter().map(|a| a.as_bytes().to_vec()),
            argv,
            argv_buf,
        )
    }

    pub(crate) fn args_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        argc_ptr: u32,
        size_ptr: u32,
    ) -> Result<()> {
        let (count, size) = sizes(self.args.iter().map(String::len))?;
        mem.write_u32(argc_ptr, count)?;
        mem.write_u32(size_ptr, size)
    }

    pub(crate) fn environ_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        environ: u32,
        environ_buf: u32,
    ) -> Result<()> {
        write_strings(mem, self.env_strings(), environ, environ_buf)
    }

    pub(crate) fn environ_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        count_ptr: u32,
        size_ptr: u32,
    ) -> Result<()> {
        let (count, size) = sizes(self.env.iter().map(|(k, v)| k.len() + 1 + v.len()))?;
        mem.write_u32(count_ptr, count)?;
        mem.write_u32(size_ptr, size)
    }
}
