//! Just enough protobuf wire format to walk the top level of a profile one
//! field at a time, so that samples can be decoded and interned one by one
//! instead of materialising the whole message (which would triple memory).

use crate::{Error, Result};

/// One top-level field: its number and its payload.
pub struct Field<'a> {
    pub number: u32,
    /// Offset of the field's key in the buffer (for error messages).
    pub offset: usize,
    /// Offset of the payload (after the key and, for bytes, the length).
    pub data_offset: usize,
    pub value: Value<'a>,
}

/// A field payload by wire type.
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// Reads a varint at `*pos`, advancing it.
#[inline]
pub fn read_varint(buf: &[u8], pos: &mut usize) -> Result<u64> {
    let start = *pos;
    read_varint_opt(buf, pos).ok_or(Error::BadVarint { offset: start })
}

/// [`read_varint`] without the error value (`None`: malformed or cut; `pos`
/// is then unspecified). One- and two-byte varints, most of a profile's,
/// take the short path.
#[inline(always)]
pub fn read_varint_opt(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let p = *pos;
    let b0 = *buf.get(p)?;
    if b0 < 0x80 {
        *pos = p + 1;
        return Some(b0 as u64);
    }
    if let Some(&b1) = buf.get(p + 1) {
        if b1 < 0x80 {
            *pos = p + 2;
            return Some((b0 & 0x7f) as u64 | (b1 as u64) << 7);
        }
    }
    let mut v = 0u64;
    for i in 0..10 {
        let b = *buf.get(*pos)?;
        *pos += 1;
        if i == 9 && b > 1 {
            return None;
        }
        v |= ((b & 0x7f) as u64) << (7 * i);
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Passes the packed varints of `b` to `push`; on a malformed one,
/// `Err(offset)` where reading it stopped (as [`read_varint`] leaves it).
#[inline]
pub fn read_packed(b: &[u8], mut push: impl FnMut(u64)) -> std::result::Result<(), usize> {
    let mut q = 0;
    while q < b.len() {
        match read_varint_opt(b, &mut q) {
            Some(v) => push(v),
            None => return Err(q),
        }
    }
    Ok(())
}

/// Iterates over the fields of a message in `buf`.
pub struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Fields<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Fields { buf, pos: 0, failed: false }
    }
    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn next_field(&mut self) -> Result<Field<'a>> {
        let offset = self.pos;
        let key = read_varint(self.buf, &mut self.pos)?;
        let number = (key >> 3) as u32;
        if number == 0 || key >> 3 > u32::MAX as u64 >> 3 {
            return Err(Error::BadProtobuf { offset, detail: format!("invalid field number {}", key >> 3) });
        }
        let take = |pos: &mut usize, n: usize| -> Result<&'a [u8]> {
            let end = pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(|| Error::BadProtobuf {
                offset,
                detail: format!("field {number} runs past the end of the data"),
            })?;
            let s = &self.buf[*pos..end];
            *pos = end;
            Ok(s)
        };
        let mut data_offset = self.pos;
        let value = match key & 7 {
            0 => Value::Varint(read_varint(self.buf, &mut self.pos)?),
            1 => {
                let b = take(&mut self.pos, 8)?;
                Value::Fixed64(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            }
            2 => {
                let n = read_varint(self.buf, &mut self.pos)?;
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                data_offset = self.pos;
                Value::Bytes(take(&mut self.pos, n)?)
            }
            5 => {
                let b = take(&mut self.pos, 4)?;
                Value::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            w => {
                return Err(Error::BadProtobuf {
                    offset,
                    detail: format!("unsupported wire type {w} in field {number}"),
                })
            }
        };
        Ok(Field { number, offset, data_offset, value })
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let r = self.next_field();
        self.failed = r.is_err();
        Some(r)
    }
}

/// Where inside `buf` (a message) the first malformed varint is, if any, at
/// the top level of that message or inside a nested message or packed field.
pub fn find_bad_varint(buf: &[u8], base: usize, depth: u32) -> Option<usize> {
    for f in Fields::new(buf) {
        match f {
            Err(crate::Error::BadVarint { offset }) => return Some(base + offset),
            Err(_) => return None,
            Ok(Field { value: Value::Bytes(b), data_offset, .. }) if depth > 0 => {
                if let Some(o) = find_bad_varint(b, base + data_offset, depth - 1) {
                    return Some(o);
                }
                // A packed run of varints.
                let mut p = 0;
                while p < b.len() {
                    if read_varint(b, &mut p).is_err() {
                        break;
                    }
                }
                if p < b.len() {
                    return Some(base + data_offset + p);
                }
            }
            Ok(_) => {}
        }
    }
    None
}
