//! Saving a network: [`Network::to_bytes`] and the exact size [`Network::ENCODED_LEN`].

use super::cursor::narrow;
use super::envelope::{check_room, write_sealed};
use super::format::{MODEL_MAGIC, model_len};
use super::layer_table::{check_saveable, write_layer_table};
use crate::{Error, Layer, Network, Scalar};

impl<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize> Network<T, L, IN, OUT> {
    /// The exact size in bytes of this network type's saved form, so a
    /// firmware can reserve it (a buffer, a flash page) at compile time.
    ///
    /// ```
    /// use tinymlp::mlp;
    /// type Net = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);
    /// // 16-byte header, a 12-byte record per layer, 17 parameters of 4 bytes, a 4-byte CRC.
    /// assert_eq!(Net::ENCODED_LEN, 16 + 2 * 12 + 17 * 4 + 4);
    /// let buffer = [0u8; Net::ENCODED_LEN];
    /// ```
    pub const ENCODED_LEN: usize = model_len(L::LAYERS, L::PARAMETERS, T::BYTES);

    /// Saves the parameters, with the layer widths, activations and scalar
    /// type that describe them and a CRC-32, into `out[..Self::ENCODED_LEN]`;
    /// returns the number of bytes written.
    ///
    /// Writes nothing and returns an error if `out` is shorter than
    /// [`ENCODED_LEN`](Self::ENCODED_LEN) ([`Error::BufferTooSmall`]) or a
    /// parameter is NaN or infinite ([`Error::NonFiniteStored`]): saving never
    /// produces a blob that loading would refuse, so a good copy in flash is
    /// never replaced by a broken one. The format is described byte by byte
    /// in `ARCHITECTURE.md`.
    ///
    /// ```
    /// use tinymlp::mlp;
    /// type Net = mlp!(f32; 2 => 4 Tanh => 1 Identity);
    ///
    /// let net = Net::xavier(7);
    /// let mut blob = [0u8; Net::ENCODED_LEN];
    /// let written = net.to_bytes(&mut blob)?;
    /// assert_eq!(written, Net::ENCODED_LEN);
    /// assert_eq!(&blob[..4], b"TMLP");
    ///
    /// let loaded = Net::from_bytes(&blob)?;
    /// assert_eq!(loaded, net);
    /// # Ok::<(), tinymlp::Error>(())
    /// ```
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize, Error> {
        check_room(out, Self::ENCODED_LEN)?;
        let len_field = narrow(Self::ENCODED_LEN)?;
        let layers_field = narrow(L::LAYERS)?;
        check_saveable(self, true)?;

        write_sealed::<T>(out, MODEL_MAGIC, len_field, |w| {
            w.u32(layers_field);
            write_layer_table(w, self);
            self.for_each_layer(|view| {
                for &value in view.weights.iter().chain(view.bias) {
                    w.scalar(value);
                }
            });
        })
    }
}
