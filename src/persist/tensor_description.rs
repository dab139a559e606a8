//! `TensorName` and `TensorShape`: how errors about a `safetensors` file name a tensor and describe its shape, without allocating.

use core::fmt;

/// The longest tensor name kept whole; longer ones are cut (at a character
/// boundary) and shown with a trailing `…`. Small, because it is part of
/// every [`Error`](crate::Error), on the device too.
const NAME_CAPACITY: usize = 32;

/// A tensor's name, kept inline so that [`Error`](crate::Error) stays `Copy`
/// and allocation-free.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TensorName {
    bytes: [u8; NAME_CAPACITY],
    len: u8,
    truncated: bool,
}

impl TensorName {
    /// Keeps `name`, cut to its first 32 bytes (at a character boundary) if longer.
    pub fn new(name: &str) -> Self {
        let mut len = name.len().min(NAME_CAPACITY);
        while !name.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0u8; NAME_CAPACITY];
        if let (Some(dst), Some(src)) = (bytes.get_mut(..len), name.as_bytes().get(..len)) {
            dst.copy_from_slice(src);
        }
        Self {
            bytes,
            len: u8::try_from(len).unwrap_or(0),
            truncated: len < name.len(),
        }
    }

    /// The name (its first 32 bytes, if it was longer).
    pub fn as_str(&self) -> &str {
        let kept = self.bytes.get(..usize::from(self.len)).unwrap_or(&[]);
        core::str::from_utf8(kept).unwrap_or("")
    }

    /// `true` if the name was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for TensorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.truncated { f.write_str("…") } else { Ok(()) }
    }
}

impl fmt::Debug for TensorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// The most dimensions a [`TensorShape`] lists: enough for every tensor a
/// dense layer has, small enough to keep [`Error`](crate::Error) small.
const MAX_RANK: usize = 2;

/// A tensor's shape: its rank and (up to two of) its dimensions.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TensorShape {
    dims: [usize; MAX_RANK],
    rank: usize,
}

impl TensorShape {
    /// The shape with these dimensions (the first two are kept; the rank is the full count).
    pub fn new(dims: &[usize]) -> Self {
        let mut kept = [0; MAX_RANK];
        for (k, &d) in kept.iter_mut().zip(dims) {
            *k = d;
        }
        Self {
            dims: kept,
            rank: dims.len(),
        }
    }

    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The dimensions (the first two, for a tensor of higher rank).
    pub fn dims(&self) -> &[usize] {
        self.dims.get(..self.rank.min(MAX_RANK)).unwrap_or(&[])
    }
}

impl fmt::Display for TensorShape {
    /// `[8, 4]`, as PyTorch prints a `torch.Size`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, d) in self.dims().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        if self.rank > MAX_RANK {
            f.write_str(", …")?;
        }
        f.write_str("]")
    }
}

impl fmt::Debug for TensorShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_at_a_character_boundary() {
        assert_eq!(TensorName::new("0.weight").to_string(), "0.weight");
        let long = format!("a{}", "é".repeat(20)); // 41 bytes; byte 32 is inside an "é"
        let name = TensorName::new(&long);
        assert!(name.is_truncated());
        assert_eq!(name.as_str(), format!("a{}", "é".repeat(15)));
        assert_eq!(name.to_string(), format!("a{}…", "é".repeat(15)));
    }

    #[test]
    fn shapes_print_like_torch_sizes() {
        assert_eq!(TensorShape::new(&[8, 4]).to_string(), "[8, 4]");
        assert_eq!(TensorShape::new(&[]).to_string(), "[]");
        assert_eq!(TensorShape::new(&[1, 2, 3]).to_string(), "[1, 2, …]");
        assert_eq!(TensorShape::new(&[1, 2, 3]).rank(), 3);
    }
}
