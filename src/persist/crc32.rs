//! CRC-32 (IEEE 802.3, the one zlib, PNG and Ethernet use), computed without a large table.
//!
//! Reflected, polynomial `0xEDB88320`, initial value and final XOR `0xFFFFFFFF`.
//! A 16-entry table (64 bytes of flash) processes half a byte per step: small
//! enough for a Cortex-M0 and fast enough for a model saved once in a while.
//! The code is the same on every target and has no `unsafe`.

/// The reflected IEEE polynomial.
const POLYNOMIAL: u32 = 0xEDB8_8320;

/// `TABLE[n]` is the CRC register after shifting in the four bits of `n`.
const TABLE: [u32; 16] = {
    let mut table = [0u32; 16];
    let mut n = 0;
    while n < 16 {
        let mut crc = n as u32;
        let mut bit = 0;
        while bit < 4 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLYNOMIAL
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[n] = crc;
        n += 1;
    }
    table
};

/// A running CRC-32, for data that arrives in pieces.
///
/// ```
/// use tinymlp::persist::Crc32;
/// let mut crc = Crc32::new();
/// crc.update(b"1234");
/// crc.update(b"56789");
/// assert_eq!(crc.finish(), tinymlp::persist::crc32(b"123456789"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crc32 {
    register: u32,
}

impl Crc32 {
    /// A CRC over no bytes yet.
    pub const fn new() -> Self {
        Self { register: 0xFFFF_FFFF }
    }

    /// Adds `bytes`.
    pub const fn update(&mut self, bytes: &[u8]) {
        let mut crc = self.register;
        let mut i = 0;
        while i < bytes.len() {
            crc ^= bytes[i] as u32;
            // Two half-byte steps; `& 0xF` keeps the index in range, so the
            // indexing cannot panic.
            crc = (crc >> 4) ^ TABLE[(crc & 0xF) as usize];
            crc = (crc >> 4) ^ TABLE[(crc & 0xF) as usize];
            i += 1;
        }
        self.register = crc;
    }

    /// The checksum of everything added so far.
    pub const fn finish(&self) -> u32 {
        !self.register
    }
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

/// The CRC-32 of `bytes`.
///
/// ```
/// // The standard check value: CRC-32 of the ASCII digits "123456789".
/// assert_eq!(tinymlp::persist::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub const fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(bytes);
    crc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook bit-at-a-time definition, to check the table against.
    fn crc32_bitwise(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ POLYNOMIAL
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        // zlib.crc32(b"The quick brown fox jumps over the lazy dog")
        assert_eq!(crc32(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
    }

    #[test]
    fn crc32_table_agrees_with_the_bitwise_definition() {
        let data: Vec<u8> = (0..=255u8).chain((0..300).map(|i| (i * 37 % 251) as u8)).collect();
        for len in 0..data.len() {
            assert_eq!(crc32(&data[..len]), crc32_bitwise(&data[..len]), "length {len}");
        }
    }

    #[test]
    fn crc32_is_computable_at_compile_time() {
        const CHECK: u32 = crc32(b"123456789");
        assert_eq!(CHECK, 0xCBF4_3926);
    }
}
