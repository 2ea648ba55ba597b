//! Unsigned LEB128 varints, as Go's `encoding/binary.Uvarint` reads them:
//! at most 10 bytes, and the 10th byte may only be 0 or 1.

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarintError {
    /// The data ends inside the varint.
    Eof,
    /// More than 64 bits.
    Overflow,
}

/// Reads a varint at `*pos`, advancing `*pos` past it on success.
#[inline(always)]
pub(crate) fn uvarint(buf: &[u8], pos: &mut usize) -> Result<u64, VarintError> {
    // Most event arguments fit in one byte.
    if let Some(&b) = buf.get(*pos) {
        if b < 0x80 {
            *pos += 1;
            return Ok(u64::from(b));
        }
    }
    uvarint_slow(buf, pos)
}

#[inline(never)]
fn uvarint_slow(buf: &[u8], pos: &mut usize) -> Result<u64, VarintError> {
    let mut v = 0u64;
    let mut p = *pos;
    for i in 0..10 {
        let Some(&b) = buf.get(p) else { return Err(VarintError::Eof) };
        p += 1;
        if i == 9 && b > 1 {
            return Err(VarintError::Overflow);
        }
        v |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            *pos = p;
            return Ok(v);
        }
    }
    Err(VarintError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_go() {
        let mut p = 0;
        assert_eq!(uvarint(&[0x96, 0x01], &mut p), Ok(150));
        assert_eq!(p, 2);
        // A padded varint (the runtime pads batch sizes to 10 bytes).
        let padded = [0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
        let mut p = 0;
        assert_eq!(uvarint(&padded, &mut p), Ok(5));
        assert_eq!(p, 10);
        let mut p = 0;
        assert_eq!(uvarint(&[0x80, 0x80], &mut p), Err(VarintError::Eof));
        assert_eq!(p, 0);
        let mut p = 0;
        assert_eq!(uvarint(&[0xff; 10], &mut p), Err(VarintError::Overflow));
        let mut p = 0;
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(uvarint(&max, &mut p), Ok(u64::MAX));
    }
}
