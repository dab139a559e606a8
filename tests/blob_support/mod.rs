//! Shared support for the persistence tests: the documented blob layout,
//! written out here independently of the library, and a CRC-32 from another
//! crate (`crc32fast`) to forge and check checksums with.
#![allow(dead_code)]

use tinymlp::{Layer, Network, Scalar};

/// Offsets from the format table in `ARCHITECTURE.md`.
pub const MAGIC: std::ops::Range<usize> = 0..4;
pub const VERSION: std::ops::Range<usize> = 4..6;
pub const SCALAR: std::ops::Range<usize> = 6..8;
pub const LENGTH: std::ops::Range<usize> = 8..12;
pub const PREFIX_LEN: usize = 12;
pub const MODEL_HEADER_LEN: usize = 16;
pub const OPTIMIZER_HEADER_LEN: usize = 28;
pub const LAYER_RECORD_LEN: usize = 12;

pub fn u16_at(blob: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(blob[at..at + 2].try_into().unwrap())
}

pub fn u32_at(blob: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(blob[at..at + 4].try_into().unwrap())
}

pub fn put_u16(blob: &mut [u8], at: usize, value: u16) {
    blob[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

pub fn put_u32(blob: &mut [u8], at: usize, value: u32) {
    blob[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// The declared length field.
pub fn declared_len(blob: &[u8]) -> usize {
    u32_at(blob, LENGTH.start) as usize
}

/// Rewrites the CRC-32 at the end of the declared length, so that an edited
/// blob passes the checksum and reaches the checks behind it.
pub fn reseal(blob: &mut [u8]) {
    let len = declared_len(blob);
    let crc = crc32fast::hash(&blob[..len - 4]);
    put_u32(blob, len - 4, crc);
}

/// A copy of `blob` after `edit`, resealed: an edited blob whose checksum
/// passes, to reach the checks behind it.
pub fn resealed(blob: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut edited = blob.to_vec();
    edit(&mut edited);
    reseal(&mut edited);
    edited
}

/// Every parameter's bits, layer by layer, weights (row-major) then bias.
pub fn parameter_bits<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize>(
    net: &Network<T, L, IN, OUT>,
) -> Vec<u64> {
    let mut bits = Vec::new();
    net.for_each_layer(|layer| bits.extend(layer.weights.iter().chain(layer.bias).map(|v| v.to_bits_u64())));
    bits
}

/// Overwrites every parameter, in the same order, from `values` (cycled).
pub fn set_parameters<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize>(
    net: &mut Network<T, L, IN, OUT>,
    values: &[T],
) {
    let mut source = values.iter().cycle();
    net.for_each_layer_mut(|layer| {
        for p in layer.weights.iter_mut().chain(layer.bias.iter_mut()) {
            *p = *source.next().unwrap();
        }
    });
}

/// Any `f32` bit pattern, made finite by clearing one exponent bit when the
/// exponent is all ones: covers zeros of both signs, subnormals and extremes.
pub fn finite_f32(bits: u32) -> f32 {
    let x = f32::from_bits(bits);
    if x.is_finite() {
        x
    } else {
        f32::from_bits(bits & !0x4000_0000)
    }
}

/// The `f64` counterpart of [`finite_f32`].
pub fn finite_f64(bits: u64) -> f64 {
    let x = f64::from_bits(bits);
    if x.is_finite() {
        x
    } else {
        f64::from_bits(bits & !0x4000_0000_0000_0000)
    }
}
