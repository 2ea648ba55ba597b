//! gzip (RFC 1952) on top of miniz_oxide's raw inflate: header, members,
//! CRC-32 and length check, and a hard bound on the output size.

use crate::{Error, Result};
use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

/// Whether `data` starts with the gzip magic.
pub fn is_gzip(data: &[u8]) -> bool {
    data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

/// Length of the gzip member header at the start of `d`.
fn header_len(d: &[u8]) -> Result<usize> {
    if d.len() < 10 {
        return Err(Error::TruncatedGzip);
    }
    if d[0] != 0x1f || d[1] != 0x8b {
        return Err(Error::BadGzip { detail: "missing gzip magic at the start of a member".into() });
    }
    if d[2] != 8 {
        return Err(Error::BadGzip { detail: format!("unknown compression method {}", d[2]) });
    }
    let flags = d[3];
    if flags & 0xe0 != 0 {
        return Err(Error::BadGzip { detail: "reserved header flags are set".into() });
    }
    let mut p = 10usize;
    if flags & 0x04 != 0 {
        // FEXTRA
        let b = d.get(p..p + 2).ok_or(Error::TruncatedGzip)?;
        p += 2 + u16::from_le_bytes([b[0], b[1]]) as usize;
    }
    for bit in [0x08u8, 0x10] {
        // FNAME, FCOMMENT: zero-terminated
        if flags & bit != 0 {
            let rest = d.get(p..).ok_or(Error::TruncatedGzip)?;
            let z = rest.iter().position(|&b| b == 0).ok_or(Error::TruncatedGzip)?;
            p += z + 1;
        }
    }
    if flags & 0x02 != 0 {
        p += 2; // FHCRC
    }
    if p > d.len() {
        return Err(Error::TruncatedGzip);
    }
    Ok(p)
}

/// Decompresses every member of a gzip stream, refusing to produce more than
/// `limit` bytes. `progress` gets the fraction of input consumed.
pub fn gunzip(data: &[u8], limit: usize, progress: &mut dyn FnMut(f64)) -> Result<Vec<u8>> {
    // ISIZE of the last member is a good size hint for single-member files;
    // reserving it up front avoids a doubling copy of a large buffer.
    let hint = if data.len() >= 18 {
        let t = &data[data.len() - 4..];
        u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize
    } else {
        0
    };
    // Deflate cannot expand more than ~1032:1, so a larger claim is a lie.
    let hint = hint.min(data.len().saturating_mul(1032));
    let mut out: Vec<u8> = Vec::new();
    if hint <= limit {
        out.reserve_exact(hint.max(64 * 1024));
    }
    let mut pos = 0usize;
    while pos < data.len() {
        // Trailing zero padding after the last member is tolerated.
        if pos > 0 && data[pos..].iter().all(|&b| b == 0) {
            break;
        }
        pos += header_len(&data[pos..])?;
        let member_start = out.len();
        let mut st = Box::<DecompressorOxide>::default();
        loop {
            if out.len() == out.capacity() {
                if out.len() >= limit {
                    return Err(Error::TooLarge { limit: limit as u64 });
                }
                let grow = out.len().max(1 << 16).min(limit - out.len());
                out.reserve_exact(grow);
            }
            let cap = out.capacity();
            let old_len = out.len();
            out.resize(cap, 0);
            let (status, consumed, written) = decompress(
                &mut st,
                &data[pos..],
                &mut out,
                old_len,
                inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
                    | inflate_flags::TINFL_FLAG_HAS_MORE_INPUT,
            );
            out.truncate(old_len + written);
            pos += consumed;
            progress(pos as f64 / data.len() as f64);
            match status {
                TINFLStatus::Done => break,
                TINFLStatus::HasMoreOutput => continue,
                TINFLStatus::NeedsMoreInput => return Err(Error::TruncatedGzip),
                TINFLStatus::FailedCannotMakeProgress => return Err(Error::TruncatedGzip),
                _ => return Err(Error::BadGzip { detail: "invalid deflate data".into() }),
            }
        }
        let trailer = data.get(pos..pos + 8).ok_or(Error::TruncatedGzip)?;
        let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let isize = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
        let member = &out[member_start..];
        if member.len() as u32 != isize {
            return Err(Error::BadGzip { detail: "length check failed".into() });
        }
        if crc32fast::hash(member) != crc {
            return Err(Error::BadGzip { detail: "CRC-32 checksum mismatch".into() });
        }
        pos += 8;
    }
    Ok(out)
}
