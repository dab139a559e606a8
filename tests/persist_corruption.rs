//! Exhaustive corruption: every single-bit flip and every truncation of a
//! valid blob is refused, with exactly the error the documented check order
//! implies, and the target is left untouched.
//!
//! The expected error of each corruption is derived here from the format
//! table in `ARCHITECTURE.md` and a CRC-32 from another crate, not from the
//! library's decoder:
//!
//! | corrupted bytes | error |
//! |---|---|
//! | magic (0..4) | `BadMagic` |
//! | version (4..6) | `UnsupportedVersion` |
//! | length (8..12) | `BlobTooShort` if it now exceeds the blob, `BadDeclaredLength` if it is below header + CRC, else `BadChecksum` (the CRC is looked for elsewhere) |
//! | anything else, CRC included | `BadChecksum` |
//! | truncated below 12 bytes | `BlobTooShort { needed: 12 }` |
//! | truncated later | `BlobTooShort { needed: declared length }` |

mod blob_support;

use blob_support::*;
use tinymlp::{Adam, Clip, Error, Matrix, Mse, Trainer, mlp};

type Net = mlp!(f32; 2 => 3 Tanh => 1 Sigmoid);
type Net64 = mlp!(f64; 2 => 2 LeakyRelu<50> => 2 Softmax);
type Fit = Trainer<Net, Adam<f32>, Mse, 4>;

/// The error a blob with bit `bit` flipped must give; `header_len` is the
/// blob kind's header size before the layer records.
fn expected_for_flip(original: &[u8], flipped: &[u8], bit: usize, magic: [u8; 4], header_len: usize) -> Error {
    let byte = bit / 8;
    let len = original.len();
    if MAGIC.contains(&byte) {
        Error::BadMagic {
            expected: magic,
            found: flipped[MAGIC].try_into().unwrap(),
        }
    } else if VERSION.contains(&byte) {
        Error::UnsupportedVersion {
            found: u16_at(flipped, VERSION.start),
            supported: 1,
        }
    } else if LENGTH.contains(&byte) {
        let declared = declared_len(flipped);
        if declared > len {
            Error::BlobTooShort {
                needed: declared,
                got: len,
            }
        } else if declared < header_len + 4 {
            Error::BadDeclaredLength {
                declared,
                expected: len,
            }
        } else {
            Error::BadChecksum {
                stored: u32_at(flipped, declared - 4),
                computed: crc32fast::hash(&flipped[..declared - 4]),
            }
        }
    } else {
        Error::BadChecksum {
            stored: u32_at(flipped, len - 4),
            computed: crc32fast::hash(&flipped[..len - 4]),
        }
    }
}

fn expected_for_truncation(original: &[u8], kept: usize) -> Error {
    let needed = if kept < PREFIX_LEN { PREFIX_LEN } else { original.len() };
    Error::BlobTooShort { needed, got: kept }
}

/// Runs every flip and truncation through `load`, which must return the
/// error and leave its target unchanged (it reports the target's state
/// before and after). Returns how many corruptions were checked.
fn corrupt_everything(
    original: &[u8],
    magic: [u8; 4],
    header_len: usize,
    mut load: impl FnMut(&[u8]) -> (Result<(), Error>, bool),
) -> usize {
    let mut checked = 0;
    let mut regions = [0usize; 4]; // magic, version, length, checksum-caught
    for bit in 0..original.len() * 8 {
        let mut flipped = original.to_vec();
        flipped[bit / 8] ^= 1 << (bit % 8);
        let expected = expected_for_flip(original, &flipped, bit, magic, header_len);
        let (result, untouched) = load(&flipped);
        assert_eq!(result, Err(expected), "bit {bit} (byte {}, bit {})", bit / 8, bit % 8);
        assert!(untouched, "bit {bit}: a refused load changed its target");
        regions[match expected {
            Error::BadMagic { .. } => 0,
            Error::UnsupportedVersion { .. } => 1,
            Error::BlobTooShort { .. } | Error::BadDeclaredLength { .. } => 2,
            _ => 3,
        }] += 1;
        checked += 1;
    }
    // Every region was exercised: 32 magic bits, 16 version bits.
    assert_eq!(regions[0], 32);
    assert_eq!(regions[1], 16);
    assert!(regions[2] > 0 && regions[3] > 0, "{regions:?}");
    for kept in 0..original.len() {
        let (result, untouched) = load(&original[..kept]);
        assert_eq!(
            result,
            Err(expected_for_truncation(original, kept)),
            "truncated to {kept} bytes"
        );
        assert!(untouched, "truncated to {kept}: a refused load changed its target");
        checked += 1;
    }
    checked
}

#[test]
fn every_bit_flip_and_truncation_of_a_network_blob_is_refused_with_the_right_error() {
    let mut blob = vec![0u8; Net::ENCODED_LEN];
    Net::xavier(1).to_bytes(&mut blob).unwrap();
    let target = Net::xavier(2);
    let checked = corrupt_everything(&blob, *b"TMLP", MODEL_HEADER_LEN, |bytes| {
        let mut net = target;
        let result = net.load_into(bytes);
        assert_eq!(Net::from_bytes(bytes).err(), result.err());
        (result, net == target)
    });
    assert_eq!(checked, Net::ENCODED_LEN * 9);
    assert_eq!(Net::from_bytes(&blob), Ok(Net::xavier(1)), "the uncorrupted blob loads");
}

#[test]
fn every_bit_flip_and_truncation_of_an_f64_network_blob_is_refused_with_the_right_error() {
    let mut blob = vec![0u8; Net64::ENCODED_LEN];
    Net64::xavier(3).to_bytes(&mut blob).unwrap();
    let target = Net64::xavier(4);
    corrupt_everything(&blob, *b"TMLP", MODEL_HEADER_LEN, |bytes| {
        let mut net = target;
        let result = net.load_into(bytes);
        (result, net == target)
    });
}

#[test]
fn every_bit_flip_and_truncation_of_an_optimizer_blob_is_refused_with_the_right_error() {
    let x = Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
    let y = Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]);
    let mut trainer: Fit = Trainer::new(Net::xavier(5), Adam::new(0.05).clip(Clip::Norm(1.0)), Mse);
    for _ in 0..3 {
        trainer.step(&x, &y).unwrap();
    }
    let mut blob = vec![0u8; Fit::OPTIMIZER_STATE_LEN];
    trainer.optimizer_state_to_bytes(&mut blob).unwrap();

    let mut target: Fit = Trainer::new(Net::xavier(5), Adam::new(0.01), Mse);
    target.step(&x, &y).unwrap();
    let state_bits = |t: &Fit| {
        let mut bits = Vec::new();
        t.for_each_optimizer_slot(|_, slots| bits.extend(slots.iter().flat_map(|s| [s.m.to_bits(), s.v.to_bits()])));
        (bits, *t.optimizer())
    };
    let before = state_bits(&target);
    corrupt_everything(&blob, *b"TMOS", OPTIMIZER_HEADER_LEN, |bytes| {
        let result = target.load_optimizer_state(bytes);
        (result, state_bits(&target) == before)
    });
    target.load_optimizer_state(&blob).unwrap();
    assert_eq!(target.optimizer().steps(), 3, "the uncorrupted blob loads");
}
