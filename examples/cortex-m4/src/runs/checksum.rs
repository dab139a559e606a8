//! FNV-1a over the little-endian bytes of every parameter: one number that differs if any weight bit does.

use tinymlp::{Layer, Network, Scalar};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// 64-bit FNV-1a, fed byte by byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

impl Fnv1a {
    /// The empty hash.
    pub const fn new() -> Self {
        Self(FNV_OFFSET)
    }

    /// Mixes in `bytes`.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
    }

    /// The hash so far.
    pub const fn finish(&self) -> u64 {
        self.0
    }
}

/// The FNV-1a hash of every parameter's little-endian bytes: layer by layer
/// from the input, each layer's weights (row-major) then its bias.
pub fn weights_checksum<T, L, const IN: usize, const OUT: usize>(network: &Network<T, L, IN, OUT>) -> u64
where
    T: Scalar,
    L: Layer<T, IN, OUT>,
{
    let mut hash = Fnv1a::new();
    network.for_each_layer(|layer| {
        for &p in layer.weights.iter().chain(layer.bias) {
            let mut bytes = [0u8; 8];
            if p.write_le(&mut bytes) {
                hash.write(bytes.get(..T::BYTES).unwrap_or(&bytes));
            }
        }
    });
    hash.finish()
}
