//! `sock_*`. The guest is never given a socket (preview1 has no way to make one), so after
//! checking the descriptor these fail like on any other non-socket, as Wasmtime's do.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, Result};
use crate::memory::GuestMemory;

impl WasiCtx {
    pub(crate) fn sock_accept(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        _flags: u32,
        _fd_out: u32,
    ) -> Result<()> {
        self.table.get(fd)?;
        Err(Errno::Notsock)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sock_recv(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        _ri_data: u32,
        _ri_data_len: u32,
        _ri_flags: u32,
        _ro_datalen: u32,
        _ro_flags: u32,
    ) -> Result<()> {
        self.table.get(fd)?;
        Err(Errno::Notsock)
    }

    pub(crate) fn sock_send(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        _si_data: u32,
        _si_data_len: u32,
        _si_flags: u32,
        _so_datalen: u32,
    ) -> Result<()> {
        self.table.get(fd)?;
        Err(Errno::Notsock)
    }

    pub(crate) fn sock_shutdown(
        &mut self,
        _mem: &mut GuestMemory<'_>,
        fd: u32,
        how: u32,
    ) -> Result<()> {
        crate::abi::Sdflags::from_bits(u8::try_from(how).map_err(|_| Errno::Inval)?)
            .ok_or(Errno::Inval)?;
        self.table.get(fd)?;
        Err(Errno::Notsock)
    }
}
