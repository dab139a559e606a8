//! Saving and restoring a trainer's optimizer state: [`Trainer::optimizer_state_to_bytes`] and [`Trainer::load_optimizer_state`].

use super::cursor::narrow;
use super::envelope::{Opened, check_room, open, write_sealed};
use super::format::{OPTIMIZER_HEADER_LEN, OPTIMIZER_MAGIC, OptimizerLayout, optimizer_len};
use super::layer_table::{check_layer_table, check_saveable, write_layer_table};
use super::optimizer::PersistentOptimizer;
use crate::{Error, Layer, Network, Scalar, Trainer};

/// The layout an optimizer type writes, or an error if a count does not fit a `u16`.
fn layout_of<T: Scalar, O: PersistentOptimizer<T>>() -> Result<OptimizerLayout, Error> {
    let field = |n: usize| {
        u16::try_from(n).map_err(|_| Error::Unsupported {
            what: "an optimizer with 2^16 or more state values cannot be saved",
        })
    };
    Ok(OptimizerLayout {
        id: O::ID,
        values: field(O::VALUE_NAMES.len())?,
        counters: field(O::COUNTER_NAMES.len())?,
        slot_values: field(O::SLOT_VALUES)?,
    })
}

impl<T, Ls, O, L, const IN: usize, const OUT: usize, const M: usize> Trainer<Network<T, Ls, IN, OUT>, O, L, M>
where
    T: Scalar,
    Ls: Layer<T, IN, OUT>,
    O: PersistentOptimizer<T>,
{
    /// The exact size in bytes of this trainer type's saved optimizer state.
    ///
    /// ```
    /// use tinymlp::{mlp, Adam, Mse, Trainer};
    /// type Net = mlp!(f32; 2 => 4 Tanh => 1 Identity);
    /// type T = Trainer<Net, Adam<f32>, Mse, 8>;
    /// // 28-byte header, 2 layer records, 2 counters, 8 values, (m, v) for 17 parameters, CRC.
    /// assert_eq!(T::OPTIMIZER_STATE_LEN, 28 + 2 * 12 + 2 * 4 + (8 + 2 * 17) * 4 + 4);
    /// ```
    pub const OPTIMIZER_STATE_LEN: usize = optimizer_len(
        Ls::LAYERS,
        O::COUNTER_NAMES.len(),
        O::VALUE_NAMES.len(),
        O::SLOT_VALUES,
        Ls::TRAINABLE_PARAMETERS,
        T::BYTES,
    );

    /// Saves the optimizer's complete state into
    /// `out[..Self::OPTIMIZER_STATE_LEN]`: its hyperparameters, running
    /// products and step counters, and every trainable parameter's slot
    /// (Adam's `m` and `v`, a momentum's velocity), with the network's layer
    /// table so it cannot be restored into another shape. Returns the number
    /// of bytes written.
    ///
    /// Save the network alongside it with
    /// [`Network::to_bytes`](crate::Network::to_bytes): restoring both resumes
    /// training bit for bit. Writes nothing and fails if `out` is too short
    /// ([`Error::BufferTooSmall`]), a value is NaN or infinite, or a
    /// hyperparameter is one a step would refuse
    /// ([`Error::InvalidHyperparameter`]; loading would refuse it too), as
    /// in the all-zero placeholder optimizers.
    pub fn optimizer_state_to_bytes(&self, out: &mut [u8]) -> Result<usize, Error> {
        check_room(out, Self::OPTIMIZER_STATE_LEN)?;
        let layout = layout_of::<T, O>()?;
        let len_field = narrow(Self::OPTIMIZER_STATE_LEN)?;
        let layers_field = narrow(Ls::LAYERS)?;
        let frozen_field = narrow(Ls::LAYERS - Ls::TRAINABLE_LAYERS)?;
        check_saveable(self.network(), false)?;
        self.check_state_finite()?;
        self.optimizer().validate()?;

        write_sealed::<T>(out, OPTIMIZER_MAGIC, len_field, |w| {
            w.u32(layers_field);
            w.u32(frozen_field);
            w.u16(layout.id);
            w.u16(layout.values);
            w.u16(layout.counters);
            w.u16(layout.slot_values);
            write_layer_table(w, self.network());
            self.optimizer().save(&mut |_| {}, &mut |c| w.u32(c));
            self.optimizer().save(&mut |v| w.scalar(v), &mut |_| {});
            Ls::visit_slots(self.optimizer_state(), 0, &mut |_, slots| {
                for slot in slots {
                    O::save_slot(slot, &mut |v| w.scalar(v));
                }
            });
        })
    }

    /// Every optimizer value and slot is finite, or the error naming the first that is not.
    fn check_state_finite(&self) -> Result<(), Error> {
        let mut result = Ok(());
        let mut names = O::VALUE_NAMES.iter();
        self.optimizer().save(
            &mut |v| {
                let name = names.next().copied().unwrap_or("optimizer value");
                if result.is_ok() && !v.is_finite() {
                    result = Err(Error::InvalidHyperparameter {
                        name,
                        value: v.to_f64(),
                    });
                }
            },
            &mut |_| {},
        );
        result?;
        Ls::visit_slots(self.optimizer_state(), 0, &mut |id, slots| {
            for (index, slot) in slots.iter().enumerate() {
                O::save_slot(slot, &mut |v| {
                    if result.is_ok() && !v.is_finite() {
                        result = Err(Error::at(id, index, Error::stored));
                    }
                });
            }
        });
        result
    }

    /// Restores an optimizer state saved by
    /// [`optimizer_state_to_bytes`](Self::optimizer_state_to_bytes): the
    /// optimizer itself (hyperparameters, running products, step counters)
    /// and every slot. The saved hyperparameters replace the current ones;
    /// change them afterwards (say, with `set_lr`) if a new schedule is wanted.
    ///
    /// Checks everything before it writes anything, in the order
    /// [`Network::load_into`](crate::Network::load_into) does (length, magic,
    /// version, declared length, checksum, scalar type, layers), then the
    /// frozen layers ([`Error::FrozenLayersMismatch`]), the optimizer
    /// ([`Error::OptimizerMismatch`]), its values
    /// ([`Error::InvalidHyperparameter`]) and that every slot is finite
    /// ([`Error::NonFiniteStored`]). On any error the trainer is left exactly
    /// as it was.
    ///
    /// ```
    /// use tinymlp::{mlp, Adam, Matrix, Mse, Network, Trainer};
    /// type Net = mlp!(f64; 2 => 4 Tanh => 1 Identity);
    /// type Fit = Trainer<Net, Adam<f64>, Mse, 4>;
    ///
    /// let x = Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
    /// let y = Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]);
    /// let mut trainer: Fit = Trainer::new(Net::xavier(3), Adam::new(0.05), Mse);
    /// for _ in 0..10 {
    ///     trainer.step(&x, &y)?;
    /// }
    /// // Save both halves (to flash, say)…
    /// let mut model = [0u8; Net::ENCODED_LEN];
    /// let mut optimizer = [0u8; Fit::OPTIMIZER_STATE_LEN];
    /// trainer.network().to_bytes(&mut model)?;
    /// trainer.optimizer_state_to_bytes(&mut optimizer)?;
    ///
    /// // …and after a reset, resume where training stopped.
    /// let mut resumed: Fit = Trainer::new(Net::from_bytes(&model)?, Adam::new(0.05), Mse);
    /// resumed.load_optimizer_state(&optimizer)?;
    /// assert_eq!(resumed.optimizer().steps(), 10);
    /// assert_eq!(resumed.step(&x, &y)?, trainer.step(&x, &y)?);
    /// assert_eq!(resumed.network(), trainer.network());
    /// # Ok::<(), tinymlp::Error>(())
    /// ```
    pub fn load_optimizer_state(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let expected_len = Self::OPTIMIZER_STATE_LEN;
        let Opened {
            body: mut r,
            declared,
            cut_off,
        } = open::<T>(bytes, OPTIMIZER_MAGIC, OPTIMIZER_HEADER_LEN, expected_len)?;
        let layers = r.u32_as_usize().ok_or(cut_off)?;
        let frozen = r.u32_as_usize().ok_or(cut_off)?;
        let found_layout = OptimizerLayout {
            id: r.u16().ok_or(cut_off)?,
            values: r.u16().ok_or(cut_off)?,
            counters: r.u16().ok_or(cut_off)?,
            slot_values: r.u16().ok_or(cut_off)?,
        };
        if layers != Ls::LAYERS {
            return Err(Error::LayerCountMismatch {
                expected: Ls::LAYERS,
                found: layers,
            });
        }
        check_layer_table(&mut r, self.network(), cut_off)?;
        let expected_frozen = Ls::LAYERS - Ls::TRAINABLE_LAYERS;
        if frozen != expected_frozen {
            return Err(Error::FrozenLayersMismatch {
                expected: expected_frozen,
                found: frozen,
            });
        }
        let expected_layout = layout_of::<T, O>()?;
        if found_layout != expected_layout {
            return Err(Error::OptimizerMismatch {
                expected: expected_layout,
                found: found_layout,
            });
        }
        if declared != expected_len {
            return Err(cut_off);
        }

        // The optimizer: counters, then values, each checked.
        let mut counters = r.clone();
        let mut values = r.clone();
        for _ in O::COUNTER_NAMES {
            values.u32().ok_or(cut_off)?;
        }
        let mut check = values.clone();
        for &name in O::VALUE_NAMES {
            let v: T = check.scalar().ok_or(cut_off)?;
            if !v.is_finite() {
                return Err(Error::InvalidHyperparameter {
                    name,
                    value: v.to_f64(),
                });
            }
        }
        let optimizer = O::restore(&mut || values.scalar().unwrap_or(T::ZERO), &mut || {
            counters.u32().unwrap_or(u32::MAX)
        })?;

        // The slots: first check every one, then write.
        let mut slots = check;
        let mut check = slots.clone();
        let mut result = Ok(());
        Ls::visit_slots(self.optimizer_state(), 0, &mut |id, tensor| {
            for index in 0..tensor.len() {
                for _ in 0..O::SLOT_VALUES {
                    if result.is_ok() {
                        result = match check.scalar::<T>() {
                            Some(v) if v.is_finite() => Ok(()),
                            Some(_) => Err(Error::at(id, index, Error::stored)),
                            None => Err(cut_off),
                        };
                    }
                }
            }
        });
        result?;

        *self.optimizer_mut() = optimizer;
        Ls::visit_slots_mut(self.optimizer_state_mut(), 0, &mut |_, tensor| {
            for slot in tensor {
                *slot = O::restore_slot(&mut || slots.scalar().unwrap_or(T::ZERO));
            }
        });
        Ok(())
    }
}
