//! Little-endian reads and writes at a moving position in a byte slice, none of which can panic.

use crate::{Error, Scalar};

/// Writes fields one after another into a buffer.
///
/// Callers check the buffer's size before writing; should a field still not
/// fit, it is dropped and [`finish`](Writer::finish) reports the shortfall
/// instead of anything panicking.
pub(crate) struct Writer<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// A writer at the start of `out`.
    pub(crate) fn new(out: &'a mut [u8]) -> Self {
        Self { out, pos: 0 }
    }

    /// Appends raw bytes.
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        let end = self.pos.saturating_add(bytes.len());
        if let Some(dst) = self.out.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }

    /// Appends a `u16`.
    pub(crate) fn u16(&mut self, value: u16) {
        self.bytes(&value.to_le_bytes());
    }

    /// Appends a `u32`.
    pub(crate) fn u32(&mut self, value: u32) {
        self.bytes(&value.to_le_bytes());
    }

    /// Appends a scalar.
    pub(crate) fn scalar<T: Scalar>(&mut self, value: T) {
        let end = self.pos.saturating_add(T::BYTES);
        if let Some(dst) = self.out.get_mut(self.pos..end) {
            value.write_le(dst);
        }
        self.pos = end;
    }

    /// The number of bytes written, or the error if they did not all fit.
    pub(crate) fn finish(self) -> Result<usize, Error> {
        if self.pos <= self.out.len() {
            Ok(self.pos)
        } else {
            Err(Error::BufferTooSmall {
                needed: self.pos,
                got: self.out.len(),
            })
        }
    }
}

/// Reads fields one after another from a byte slice; every read is `None`
/// past the end.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at offset `pos` of `bytes`.
    pub(crate) fn at(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos }
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.pos.checked_add(N)?;
        let field = self.bytes.get(self.pos..end)?.try_into().ok()?;
        self.pos = end;
        Some(field)
    }

    /// The next `u16`.
    pub(crate) fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }

    /// The next `u32`.
    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }

    /// The next `u32`, widened to `usize` (saturating on targets where it does not fit).
    pub(crate) fn u32_as_usize(&mut self) -> Option<usize> {
        self.u32().map(widen)
    }

    /// The next scalar.
    pub(crate) fn scalar<T: Scalar>(&mut self) -> Option<T> {
        let end = self.pos.checked_add(T::BYTES)?;
        let value = T::read_le(self.bytes.get(self.pos..end)?)?;
        self.pos = end;
        Some(value)
    }
}

/// A `u32` from a blob as a `usize`; `usize::MAX` where it does not fit (16-bit
/// targets), which no real width or length equals, so comparisons still fail.
pub(crate) fn widen(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// A width or length as the `u32` a blob stores, if it fits.
pub(crate) fn narrow(value: usize) -> Result<u32, Error> {
    u32::try_from(value).map_err(|_| Error::Unsupported {
        what: "sizes of 2^32 or more cannot be saved (the format stores them as u32)",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_reports_a_shortfall_instead_of_panicking() {
        let mut buf = [0u8; 5];
        let mut w = Writer::new(&mut buf);
        w.u32(0x0403_0201);
        w.u16(0x0605);
        assert_eq!(w.finish(), Err(Error::BufferTooSmall { needed: 6, got: 5 }));
        assert_eq!(buf, [1, 2, 3, 4, 0]);
    }

    #[test]
    fn reader_is_little_endian_and_stops_at_the_end() {
        let bytes = [1u8, 2, 3, 4, 5, 6, 0, 0, 0x80, 0x3f];
        let mut r = Reader::at(&bytes, 0);
        assert_eq!(r.u32(), Some(0x0403_0201));
        assert_eq!(r.u16(), Some(0x0605));
        assert_eq!(r.scalar::<f32>(), Some(1.0));
        assert_eq!(r.u16(), None);
        assert_eq!(Reader::at(&bytes, usize::MAX).u16(), None);
    }
}
