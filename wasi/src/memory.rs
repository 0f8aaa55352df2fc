//! Bounds-checked access to the guest's linear memory. Every pointer the guest passes goes
//! through here; a pointer or length that reaches past the end is `EFAULT`, never a panic.

use crate::errno::{Errno, Result};

/// The most bytes one read or write through several iovecs moves (the guest sees a short read
/// or write, and calls again). iovecs may overlap, so their total is not bounded by the size of
/// memory, and the host copy of the data must be.
const MAX_BOUNCE: usize = 16 << 20;

/// The guest's linear memory during one WASI call.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    /// Wraps the bytes of a linear memory.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    /// `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8]> {
        let range = self.range(ptr, len)?;
        Ok(&self.bytes[range])
    }

    /// `len` bytes at `ptr`, mutably.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8]> {
        let range = self.range(ptr, len)?;
        Ok(&mut self.bytes[range])
    }

    /// Copies `data` to `ptr`.
    pub fn write(&mut self, ptr: u32, data: &[u8]) -> Result<()> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    /// Stores a `u32` at `ptr`.
    pub fn write_u32(&mut self, ptr: u32, value: u32) -> Result<()> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// Stores a `u64` at `ptr`.
    pub fn write_u64(&mut self, ptr: u32, value: u64) -> Result<()> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// The UTF-8 string of `len` bytes at `ptr`; invalid UTF-8 is `EILSEQ`.
    pub fn read_str(&self, ptr: u32, len: u32) -> Result<&str> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::Ilseq)
    }

    /// The `(buf, buf_len)` pairs of an `iovec`/`ciovec` array of `count` elements at `ptr`,
    /// each checked to lie inside memory.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>> {
        let size = count.checked_mul(8).ok_or(Errno::Fault)?;
        let table = self.slice(ptr, size)?;
        let mut out = Vec::with_capacity(count as usize);
        for pair in table.chunks_exact(8) {
            let buf = u32::from_le_bytes(pair[0..4].try_into().unwrap());
            let len = u32::from_le_bytes(pair[4..8].try_into().unwrap());
            self.range(buf, len)?;
            out.push((buf, len));
        }
        Ok(out)
    }

    /// The bytes of a `ciovec` array, gathered in order, up to a limit (see [`MAX_BOUNCE`]).
    pub fn gather(&self, iovs: &[(u32, u32)]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for &(buf, len) in iovs {
            let room = MAX_BOUNCE - out.len();
            let bytes = self.slice(buf, len)?;
            out.extend_from_slice(&bytes[..bytes.len().min(room)]);
            if out.len() == MAX_BOUNCE {
                break;
            }
        }
        Ok(out)
    }

    /// Fills an `iovec` array in order from a stream: `read` is called once with a buffer
    /// as large as the iovecs together (capped), like one `readv`. Returns the bytes read.
    pub fn scatter_with(
        &mut self,
        iovs: &[(u32, u32)],
        read: impl FnOnce(&mut [u8]) -> Result<usize>,
    ) -> Result<usize> {
        let total = iovs
            .iter()
            .fold(0usize, |sum, &(_, len)| sum.saturating_add(len as usize));
        // One iovec is filled in place, without a bounce buffer.
        let mut non_empty = iovs.iter().filter(|(_, len)| *len > 0);
        if let (Some(&(buf, len)), None) = (non_empty.next(), non_empty.next()) {
            return read(self.slice_mut(buf, len)?);
        }
        let mut bounce = vec![0u8; total.min(MAX_BOUNCE)];
        let n = read(&mut bounce)?;
        let mut data = &bounce[..n];
        for &(buf, len) in iovs {
            if data.is_empty() {
                break;
            }
            let take = data.len().min(len as usize);
            self.write(buf, &data[..take])?;
            data = &data[take..];
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_is_efault() {
        let mut bytes = vec![0u8; 16];
        let mut mem = GuestMemory::new(&mut bytes);
        assert_eq!(mem.write_u32(12, 1), Ok(()));
        assert_eq!(mem.write_u32(13, 1), Err(Errno::Fault));
        assert_eq!(mem.write_u64(u32::MAX, 1), Err(Errno::Fault));
        assert_eq!(mem.slice(16, 0).unwrap(), &[] as &[u8]);
        assert_eq!(mem.slice(17, 0), Err(Errno::Fault));
        assert_eq!(mem.iovecs(0, u32::MAX), Err(Errno::Fault));
    }

    #[test]
    fn gather_is_bounded() {
        let mut bytes = vec![7u8; 1 << 16];
        let mem = GuestMemory::new(&mut bytes);
        // 512 overlapping iovecs of 64 KiB each would be 32 MiB.
        let iovs = vec![(0, 1 << 16); 512];
        assert_eq!(mem.gather(&iovs).unwrap().len(), MAX_BOUNCE);
        assert_eq!(mem.gather(&iovs[..2]).unwrap().len(), 2 << 16);
    }

    #[test]
    fn scatter_spreads_across_iovecs() {
        let mut bytes = vec![0u8; 32];
        let mut mem = GuestMemory::new(&mut bytes);
        let n = mem
            .scatter_with(&[(0, 2), (8, 0), (10, 3)], |buf| {
                buf[..4].copy_from_slice(b"abcd");
                Ok(4)
            })
            .unwrap();
        assert_eq!(n, 4);
        assert_eq!(&bytes[0..2], b"ab");
        assert_eq!(&bytes[10..13], b"cd\0");
    }
}
