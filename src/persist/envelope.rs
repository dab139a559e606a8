//! The frame around every blob: the prefix (magic, version, scalar type, length) and the closing CRC-32, and the checks that open it.
//!
//! Opening checks, in this order, each reading only fields the previous
//! checks vouched for:
//! 1. the fixed prefix is there (else [`Error::BlobTooShort`]),
//! 2. the magic ([`Error::BadMagic`]),
//! 3. the version ([`Error::UnsupportedVersion`]),
//! 4. the declared length fits in the bytes given ([`Error::BlobTooShort`])
//!    and can hold a header and a checksum ([`Error::BadDeclaredLength`]),
//! 5. the CRC-32 of everything before it ([`Error::BadChecksum`]),
//! 6. the scalar type ([`Error::ScalarMismatch`]).
//!
//! A length field corrupted upwards therefore reads as a truncation; every
//! other corruption past the version is caught by the checksum, which
//! detects every single-bit error and every burst of up to 32 bits.
//! Bytes after the declared length are ignored, so a blob can be read from
//! a whole flash page.

use super::crc32::crc32;
use super::cursor::{Reader, Writer, widen};
use super::format::{CRC_LEN, FORMAT_VERSION, LENGTH_AT, PREFIX_LEN, SCALAR_AT, VERSION_AT, scalar_code};
use crate::{Error, Scalar};

/// A blob whose frame and scalar type checked out, ready to be read past its prefix.
pub(crate) struct Opened<'a> {
    /// Reads the fields after the prefix, up to the CRC (never into it).
    pub(crate) body: Reader<'a>,
    /// The length the blob declares, CRC included.
    pub(crate) declared: usize,
    /// What a field cut off by the declared length is: [`Error::BadDeclaredLength`].
    pub(crate) cut_off: Error,
}

/// Checks a blob's frame and that it holds scalars of type `T` (see the
/// module docs for the order). `header_len` is the smallest header this kind
/// of blob has; `expected_len` the length a blob for the type being loaded
/// has (for the error message).
pub(crate) fn open<T: Scalar>(
    bytes: &[u8],
    magic: [u8; 4],
    header_len: usize,
    expected_len: usize,
) -> Result<Opened<'_>, Error> {
    let too_short = |needed| Error::BlobTooShort {
        needed,
        got: bytes.len(),
    };
    if bytes.len() < PREFIX_LEN {
        return Err(too_short(PREFIX_LEN));
    }
    let mut found = [0u8; 4];
    if let Some(head) = bytes.get(..4) {
        found.copy_from_slice(head);
    }
    if found != magic {
        return Err(Error::BadMagic { expected: magic, found });
    }
    let version = Reader::at(bytes, VERSION_AT).u16().ok_or(too_short(PREFIX_LEN))?;
    if version != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let declared = Reader::at(bytes, LENGTH_AT)
        .u32_as_usize()
        .ok_or(too_short(PREFIX_LEN))?;
    if declared > bytes.len() {
        return Err(too_short(declared));
    }
    let covered_len = declared.saturating_sub(CRC_LEN);
    if declared < header_len.saturating_add(CRC_LEN) {
        return Err(Error::BadDeclaredLength {
            declared,
            expected: expected_len,
        });
    }
    let covered = bytes.get(..covered_len).ok_or(too_short(declared))?;
    let stored = Reader::at(bytes, covered_len).u32().ok_or(too_short(declared))?;
    let computed = crc32(covered);
    if stored != computed {
        return Err(Error::BadChecksum { stored, computed });
    }
    let found_code = Reader::at(bytes, SCALAR_AT).u16().ok_or(too_short(PREFIX_LEN))?;
    if found_code != scalar_code(T::KIND) {
        return Err(Error::ScalarMismatch {
            expected: T::KIND,
            found_code,
        });
    }
    Ok(Opened {
        body: Reader::at(covered, PREFIX_LEN),
        declared,
        cut_off: Error::BadDeclaredLength {
            declared,
            expected: expected_len,
        },
    })
}

/// Fails unless `out` can hold a blob of `len` bytes: the first check
/// saving makes, so a short buffer is reported as such whatever else is wrong.
pub(crate) fn check_room(out: &[u8], len: usize) -> Result<(), Error> {
    if out.len() < len {
        return Err(Error::BufferTooSmall {
            needed: len,
            got: out.len(),
        });
    }
    Ok(())
}

/// Writes a whole blob of `T` values at the start of `out`: the prefix, what
/// `body` writes, and the CRC-32 of both. `len_field` is the blob's length as
/// stored (from [`narrow`](super::cursor::narrow), so widening it gives the
/// length back). Returns the length.
pub(crate) fn write_sealed<T: Scalar>(
    out: &mut [u8],
    magic: [u8; 4],
    len_field: u32,
    body: impl FnOnce(&mut Writer<'_>),
) -> Result<usize, Error> {
    let len = widen(len_field);
    let mut w = Writer::new(out);
    w.bytes(&magic);
    w.u16(FORMAT_VERSION);
    w.u16(scalar_code(T::KIND));
    w.u32(len_field);
    body(&mut w);
    w.finish()?;
    seal(out, len)?;
    Ok(len)
}

/// Appends the CRC-32 of `out[..len - 4]` at `out[len - 4..len]`.
fn seal(out: &mut [u8], len: usize) -> Result<(), Error> {
    let covered_len = len.saturating_sub(CRC_LEN);
    let crc = crc32(out.get(..covered_len).unwrap_or(&[]));
    match out.get_mut(covered_len..len) {
        Some(dst) if dst.len() == CRC_LEN => {
            dst.copy_from_slice(&crc.to_le_bytes());
            Ok(())
        }
        _ => Err(Error::BufferTooSmall {
            needed: len,
            got: out.len(),
        }),
    }
}
