//! Fuzzes the blob loaders: `Network::load_into` / `from_bytes` (f32 and
//! f64) and `Trainer::load_optimizer_state`.
//!
//! The first input byte picks how the rest becomes a blob:
//! - `0`: the bytes as they are;
//! - `1`: the bytes with their CRC-32 repaired (where their declared length
//!   allows), so the checks behind the checksum are reached;
//! - `2`, `3`: a valid network (`2`) or optimizer (`3`) blob with the bytes
//!   XORed over it, CRC repaired: deep into the parsers from the first run.
//!
//! Properties: nothing panics; a refused blob leaves the target unchanged; an
//! accepted blob re-encodes to exactly its own bytes.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tinymlp::persist::crc32;
use tinymlp::{Adam, Matrix, Mse, Trainer, mlp};

type Net = mlp!(f32; 3 => 4 Relu => 2 Softmax);
type Net64 = mlp!(f64; 2 => 3 LeakyRelu<200> => 1 Identity);
type Fit = Trainer<Net, Adam<f32>, Mse, 2>;

/// Rewrites the CRC at the end of the declared length, if that lies inside the blob.
fn repair_crc(bytes: &mut [u8]) {
    let Some(field) = bytes.get(8..12) else { return };
    let declared = u32::from_le_bytes(field.try_into().unwrap()) as usize;
    if (16..=bytes.len()).contains(&declared) {
        let crc = crc32(&bytes[..declared - 4]);
        bytes[declared - 4..declared].copy_from_slice(&crc.to_le_bytes());
    }
}

fn trained() -> Fit {
    let mut t: Fit = Trainer::new(Net::xavier(7), Adam::new(0.05), Mse);
    let x = Matrix::from_array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]]);
    let y = Matrix::from_array([[1.0, 0.0], [0.0, 1.0]]);
    t.step(&x, &y).unwrap();
    t
}

/// A valid network or optimizer blob, built once.
fn template(optimizer: bool) -> &'static [u8] {
    static TEMPLATES: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    let (network, state) = TEMPLATES.get_or_init(|| (encode(false), encode(true)));
    if optimizer { state } else { network }
}

fn encode(optimizer: bool) -> Vec<u8> {
    let t = trained();
    if optimizer {
        let mut b = vec![0u8; Fit::OPTIMIZER_STATE_LEN];
        t.optimizer_state_to_bytes(&mut b).unwrap();
        b
    } else {
        let mut b = vec![0u8; Net::ENCODED_LEN];
        t.network().to_bytes(&mut b).unwrap();
        b
    }
}

fn exercise(bytes: &[u8]) {
    let before = Net::xavier(1);
    let mut net = before;
    match net.load_into(bytes) {
        Ok(()) => {
            let mut again = vec![0u8; Net::ENCODED_LEN];
            net.to_bytes(&mut again).unwrap();
            assert_eq!(&again[..], &bytes[..Net::ENCODED_LEN], "accepted blob does not re-encode to itself");
        }
        Err(_) => assert!(net == before, "a refused blob changed the network"),
    }
    let _ = Net64::from_bytes(bytes);

    let mut t: Fit = Trainer::new(Net::xavier(1), Adam::new(0.1), Mse);
    match t.load_optimizer_state(bytes) {
        Ok(()) => {
            let mut again = vec![0u8; Fit::OPTIMIZER_STATE_LEN];
            t.optimizer_state_to_bytes(&mut again).unwrap();
            assert_eq!(&again[..], &bytes[..Fit::OPTIMIZER_STATE_LEN], "accepted state does not re-encode to itself");
        }
        Err(_) => assert_eq!(t.optimizer(), &Adam::new(0.1), "a refused state changed the optimizer"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let bytes = match mode % 4 {
        0 => rest.to_vec(),
        1 => {
            let mut b = rest.to_vec();
            repair_crc(&mut b);
            b
        }
        m => {
            let mut b = template(m == 3).to_vec();
            for (dst, x) in b.iter_mut().zip(rest) {
                *dst ^= x;
            }
            repair_crc(&mut b);
            b
        }
    };
    exercise(&bytes);
});
