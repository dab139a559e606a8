//! Loading arbitrary bytes never panics: random input is refused, and a
//! mutated valid blob (with its checksum repaired, so the checks behind the
//! CRC are reached) either loads to exactly what it encodes or is refused
//! without touching the target. The cargo-fuzz target in `fuzz/` runs the
//! same properties for longer.

mod blob_support;

use blob_support::*;
use proptest::prelude::*;
use tinymlp::{Adam, Error, Matrix, Mse, Trainer, mlp};

type Net = mlp!(f32; 3 => 4 Relu => 2 Softmax);
type Net64 = mlp!(f64; 2 => 3 Tanh => 1 Identity);
type Fit = Trainer<Net, Adam<f32>, Mse, 2>;

fn valid_blob() -> Vec<u8> {
    let mut blob = vec![0u8; Net::ENCODED_LEN];
    Net::xavier(1).to_bytes(&mut blob).unwrap();
    blob
}

fn valid_state_blob() -> Vec<u8> {
    let mut t: Fit = Trainer::new(Net::xavier(7), Adam::new(0.05), Mse);
    let x = Matrix::from_array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]]);
    let y = Matrix::from_array([[1.0, 0.0], [0.0, 1.0]]);
    t.step(&x, &y).unwrap();
    let mut blob = vec![0u8; Fit::OPTIMIZER_STATE_LEN];
    t.optimizer_state_to_bytes(&mut blob).unwrap();
    blob
}

/// The mutated blob either loads, and re-encodes to the same bytes, or is
/// refused and leaves the target unchanged.
fn check_load(bytes: &[u8]) -> Result<(), TestCaseError> {
    let target = Net::xavier(9);
    let mut net = target;
    match net.load_into(bytes) {
        Ok(()) => {
            let mut again = vec![0u8; Net::ENCODED_LEN];
            net.to_bytes(&mut again).unwrap();
            prop_assert_eq!(&again[..], &bytes[..Net::ENCODED_LEN]);
        }
        Err(_) => prop_assert!(net == target),
    }
    let mut trainer: Fit = Trainer::new(Net::xavier(9), Adam::new(0.1), Mse);
    match trainer.load_optimizer_state(bytes) {
        Ok(()) => {
            let mut again = vec![0u8; Fit::OPTIMIZER_STATE_LEN];
            trainer.optimizer_state_to_bytes(&mut again).unwrap();
            prop_assert_eq!(&again[..], &bytes[..Fit::OPTIMIZER_STATE_LEN]);
        }
        Err(_) => prop_assert_eq!(trainer.optimizer(), &Adam::new(0.1)),
    }
    let _ = Net64::from_bytes(bytes);
    Ok(())
}

/// Applies `(position, xor)` edits to a copy of `blob`; optionally repairs the
/// CRC where the (possibly edited) declared length allows it.
fn mutate(blob: &[u8], edits: &[(usize, u8)], repair: bool) -> Vec<u8> {
    let mut b = blob.to_vec();
    for &(at, x) in edits {
        let i = at % b.len();
        b[i] ^= x;
    }
    if repair {
        let declared = declared_len(&b);
        if (PREFIX_LEN + 4..=b.len()).contains(&declared) {
            reseal(&mut b);
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_are_refused_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        prop_assert!(Net::from_bytes(&bytes).is_err());
        prop_assert!(Net64::from_bytes(&bytes).is_err());
        let mut trainer: Fit = Trainer::new(Net::xavier(9), Adam::new(0.1), Mse);
        prop_assert!(trainer.load_optimizer_state(&bytes).is_err());
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_prefix_are_refused(
        scalar in 0u16..4,
        declared in 0u32..200,
        body in proptest::collection::vec(any::<u8>(), 0..200),
        repair in any::<bool>(),
    ) {
        let mut bytes = b"TMLP".to_vec();
        bytes.extend(1u16.to_le_bytes());
        bytes.extend(scalar.to_le_bytes());
        bytes.extend(declared.to_le_bytes());
        bytes.extend(body);
        if repair && (PREFIX_LEN + 4..=bytes.len()).contains(&(declared as usize)) {
            reseal(&mut bytes);
        }
        let result = Net::from_bytes(&bytes);
        // Only a blob holding this network's exact layer table could load.
        prop_assert!(result.is_err(), "{:?}", result);
    }

    #[test]
    fn mutated_valid_blobs_never_panic(
        edits in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..6),
        repair in any::<bool>(),
    ) {
        let blob = valid_blob();
        let mutated = mutate(&blob, &edits, repair);
        check_load(&mutated)?;
        if !repair && mutated != blob {
            // Up to five changed bytes, unrepaired: the CRC or an earlier check must catch it.
            // (Edits can cancel out: two XORs of the same byte.)
            prop_assert!(Net::from_bytes(&mutated).is_err());
        }
    }

    #[test]
    fn mutated_optimizer_states_never_panic_and_load_only_canonical_bytes(
        edits in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..4),
        repair in any::<bool>(),
    ) {
        let blob = valid_state_blob();
        check_load(&mutate(&blob, &edits, repair))?;
    }

    #[test]
    fn mutated_valid_blobs_with_repaired_crc_reach_the_layer_and_value_checks(
        at in MODEL_HEADER_LEN..Net::ENCODED_LEN - 4,
        x in 1u8..=255,
    ) {
        let blob = valid_blob();
        let mutated = mutate(&blob, &[(at, x)], true);
        let result = Net::from_bytes(&mutated);
        let in_records = at < MODEL_HEADER_LEN + 2 * LAYER_RECORD_LEN;
        match result {
            Ok(_) => prop_assert!(!in_records, "a changed layer record loaded"),
            Err(Error::LayerMismatch { .. }) | Err(Error::UnknownActivation { .. }) => prop_assert!(in_records),
            Err(Error::NonFiniteStored { .. }) => prop_assert!(!in_records),
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
        check_load(&mutated)?;
    }
}
