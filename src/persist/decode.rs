//! Loading a network: [`Network::load_into`], which checks a whole blob before it writes anything, and [`Network::from_bytes`].

use super::envelope::{Opened, open};
use super::format::{MODEL_HEADER_LEN, MODEL_MAGIC};
use super::layer_table::check_layer_table;
use crate::layer::Tensor;
use crate::{Error, Layer, Network, Scalar, Zeroed};

impl<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize> Network<T, L, IN, OUT> {
    /// Loads parameters saved by [`to_bytes`](Self::to_bytes) into this
    /// network, in place: no second copy of the model is made, which is what
    /// a firmware with a small stack needs.
    ///
    /// Checks everything before it writes anything, in this order: the blob
    /// is long enough ([`Error::BlobTooShort`]), the magic
    /// ([`Error::BadMagic`]), the version ([`Error::UnsupportedVersion`]), the
    /// declared length ([`Error::BlobTooShort`], [`Error::BadDeclaredLength`]),
    /// the CRC-32 ([`Error::BadChecksum`]), the scalar type
    /// ([`Error::ScalarMismatch`]), the layer count
    /// ([`Error::LayerCountMismatch`]), each layer's widths and activation
    /// ([`Error::UnknownActivation`], [`Error::LayerMismatch`]), and that every
    /// parameter is finite ([`Error::NonFiniteStored`]). On any error the
    /// network is left exactly as it was. Bytes after the blob's declared
    /// length are ignored (a flash page may be longer than the model).
    ///
    /// Whether a layer was [`Frozen`](crate::Frozen) when saved does not
    /// matter: only parameters are stored.
    ///
    /// ```
    /// use tinymlp::{mlp, Error};
    /// type Net = mlp!(f32; 2 => 3 Relu => 1 Identity);
    /// type Wider = mlp!(f32; 2 => 5 Relu => 1 Identity);
    ///
    /// let mut blob = [0u8; Net::ENCODED_LEN];
    /// Net::xavier(1).to_bytes(&mut blob)?;
    ///
    /// let mut net = Net::xavier(2);
    /// net.load_into(&blob)?;
    /// assert_eq!(net, Net::xavier(1));
    ///
    /// // A blob for another shape is refused, and says where it differs.
    /// let mut wider = Wider::xavier(3);
    /// let err = wider.load_into(&blob).unwrap_err();
    /// assert!(matches!(err, Error::LayerMismatch { layer: 0, .. }));
    /// assert_eq!(wider, Wider::xavier(3)); // untouched
    /// # Ok::<(), tinymlp::Error>(())
    /// ```
    pub fn load_into(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let expected_len = Self::ENCODED_LEN;
        let Opened {
            body: mut r,
            declared,
            cut_off,
        } = open::<T>(bytes, MODEL_MAGIC, MODEL_HEADER_LEN, expected_len)?;
        let layers = r.u32_as_usize().ok_or(cut_off)?;
        if layers != L::LAYERS {
            return Err(Error::LayerCountMismatch {
                expected: L::LAYERS,
                found: layers,
            });
        }
        check_layer_table(&mut r, self, cut_off)?;
        if declared != expected_len {
            return Err(cut_off);
        }

        // First pass: read every parameter and refuse a non-finite one.
        let mut check = r.clone();
        let mut result = Ok(());
        self.for_each_layer(|view| {
            for (tensor, len) in [(Tensor::Weights, view.weights.len()), (Tensor::Bias, view.bias.len())] {
                for index in 0..len {
                    if result.is_err() {
                        return;
                    }
                    result = match check.scalar::<T>() {
                        Some(value) if value.is_finite() => Ok(()),
                        Some(_) => Err(Error::at(view.tensor_id(tensor), index, Error::stored)),
                        None => Err(cut_off),
                    };
                }
            }
        });
        result?;

        // Second pass: write. Every read succeeds, as the first pass showed.
        self.for_each_layer_mut(|view| {
            for p in view.weights.iter_mut().chain(view.bias.iter_mut()) {
                if let Some(value) = r.scalar() {
                    *p = value;
                }
            }
        });
        Ok(())
    }

    /// A network with the parameters saved in `bytes` by
    /// [`to_bytes`](Self::to_bytes), after every check
    /// [`load_into`](Self::load_into) makes.
    ///
    /// ```
    /// use tinymlp::{mlp, Error};
    /// type Net = mlp!(f64; 3 => 2 Sigmoid);
    ///
    /// let mut blob = [0u8; Net::ENCODED_LEN];
    /// Net::xavier(5).to_bytes(&mut blob)?;
    /// assert_eq!(Net::from_bytes(&blob)?, Net::xavier(5));
    ///
    /// blob[Net::ENCODED_LEN - 10] ^= 0x01; // one flipped bit in a parameter
    /// assert!(matches!(Net::from_bytes(&blob), Err(Error::BadChecksum { .. })));
    /// assert!(matches!(
    ///     Net::from_bytes(&blob[..20]),
    ///     Err(Error::BlobTooShort { needed, got: 20 }) if needed == Net::ENCODED_LEN
    /// ));
    /// # Ok::<(), tinymlp::Error>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error>
    where
        L: Zeroed,
    {
        let mut net = <Self as Zeroed>::ZEROED;
        net.load_into(bytes)?;
        Ok(net)
    }
}
