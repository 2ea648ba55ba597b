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

/// The trailer's size claim is believed up to this multiple of the
/// compressed size: genuine profiles inflate 3–10×, and a lying trailer
/// (ISIZE is not checked until the end) must not make the page reserve
/// memory it then keeps (wasm memory never shrinks). Beyond it the output
/// grows by doubling, as without a hint.
pub const HINT_RATIO: usize = 8;

/// What to reserve for the output up front: the trailer's claim `hint`,
/// believed up to [`HINT_RATIO`] × `compressed` and `limit`.
fn reserve_for(hint: usize, compressed: usize, limit: usize) -> usize {
    hint.min(compressed.saturating_mul(HINT_RATIO)).min(limit).max(64 * 1024)
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
    let mut out: Vec<u8> = Vec::with_capacity(reserve_for(hint, data.len(), limit));
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
                inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF | inflate_flags::TINFL_FLAG_HAS_MORE_INPUT,
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

/// Decompresses gzip data pushed in pieces as it arrives (the page streams a
/// File through it while reading), with the same checks, bounds and errors
/// as [`gunzip`]: the compressed bytes are never held whole, and
/// decompression overlaps reading.
pub struct GunzipStream {
    out: Vec<u8>,
    limit: usize,
    state: StreamState,
    /// Header or trailer bytes collected across pushes.
    pending: Vec<u8>,
    inflate: Box<DecompressorOxide>,
    member_start: usize,
    crc: crc32fast::Hasher,
    crc_done: usize,
    /// Zero bytes seen after the last member.
    zeros: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StreamState {
    /// Collecting a member header.
    Header,
    Body,
    Trailer,
    /// A member ended; another may follow.
    Between,
    /// Zero padding after the last member (tolerated, as by [`gunzip`]).
    Padding,
}

impl GunzipStream {
    /// `size_hint`: the decompressed size if known (the ISIZE field at the end
    /// of a single-member file; checked, never trusted beyond `limit` and the
    /// deflate ratio bound), so the output is allocated once.
    pub fn new(limit: usize, size_hint: usize, compressed_len: usize) -> Self {
        GunzipStream {
            out: Vec::with_capacity(reserve_for(size_hint, compressed_len, limit)),
            limit,
            state: StreamState::Header,
            pending: Vec::new(),
            inflate: Box::default(),
            member_start: 0,
            crc: crc32fast::Hasher::new(),
            crc_done: 0,
            zeros: 0,
        }
    }

    /// What was decompressed so far (the loader sniffs its start).
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// Consumes the next piece of the gzip data.
    pub fn push(&mut self, mut input: &[u8]) -> Result<()> {
        while !input.is_empty() {
            match self.state {
                StreamState::Header => {
                    // Headers are small: collect until one parses whole.
                    let take = input.len().min(64 * 1024);
                    self.pending.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    match header_len(&self.pending) {
                        Ok(n) => {
                            let rest = self.pending.split_off(n);
                            self.pending.clear();
                            self.state = StreamState::Body;
                            self.member_start = self.out.len();
                            self.crc = crc32fast::Hasher::new();
                            self.crc_done = self.out.len();
                            *self.inflate = DecompressorOxide::default();
                            self.push(&rest)?;
                        }
                        Err(Error::TruncatedGzip) if self.pending.len() <= self.limit => {}
                        Err(e) => return Err(e),
                    }
                }
                StreamState::Body => {
                    let consumed = self.inflate_some(input)?;
                    input = &input[consumed..];
                }
                StreamState::Trailer => {
                    let take = (8 - self.pending.len()).min(input.len());
                    self.pending.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if self.pending.len() == 8 {
                        let t = &self.pending;
                        let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
                        let isize = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
                        if (self.out.len() - self.member_start) as u32 != isize {
                            return Err(Error::BadGzip { detail: "length check failed".into() });
                        }
                        if self.crc.clone().finalize() != crc {
                            return Err(Error::BadGzip { detail: "CRC-32 checksum mismatch".into() });
                        }
                        self.pending.clear();
                        self.state = StreamState::Between;
                    }
                }
                StreamState::Between => {
                    self.zeros = 0;
                    self.state = if input[0] == 0 { StreamState::Padding } else { StreamState::Header };
                }
                StreamState::Padding => match input.iter().position(|&b| b != 0) {
                    None => {
                        self.zeros = self.zeros.saturating_add(input.len());
                        input = &[];
                    }
                    Some(i) => {
                        // Not padding after all: as gunzip, read it as a member
                        // header (only its length up to 10 and first byte matter).
                        self.zeros = self.zeros.saturating_add(i);
                        self.pending = vec![0; self.zeros.min(10)];
                        self.state = StreamState::Header;
                        input = &input[i..];
                    }
                },
            }
        }
        Ok(())
    }

    /// Inflates from `input` until it is used up or the member ends; returns
    /// the bytes consumed.
    fn inflate_some(&mut self, input: &[u8]) -> Result<usize> {
        let mut pos = 0usize;
        loop {
            if self.out.len() == self.out.capacity() {
                if self.out.len() >= self.limit {
                    return Err(Error::TooLarge { limit: self.limit as u64 });
                }
                let grow = self.out.len().max(1 << 16).min(self.limit - self.out.len());
                self.out.reserve_exact(grow);
            }
            // Expose a bounded window of the spare capacity: zero-filling all
            // of it on every push would cost O(size) per pushed piece.
            let old_len = self.out.len();
            let window = (old_len + (1 << 20)).min(self.out.capacity());
            self.out.resize(window, 0);
            let (status, consumed, written) = decompress(
                &mut self.inflate,
                &input[pos..],
                &mut self.out,
                old_len,
                inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF | inflate_flags::TINFL_FLAG_HAS_MORE_INPUT,
            );
            self.out.truncate(old_len + written);
            pos += consumed;
            // Checksum what is new while it is still in cache.
            self.crc.update(&self.out[self.crc_done..]);
            self.crc_done = self.out.len();
            match status {
                TINFLStatus::Done => {
                    self.state = StreamState::Trailer;
                    return Ok(pos);
                }
                TINFLStatus::HasMoreOutput => continue,
                TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
                    if pos == input.len() {
                        return Ok(pos);
                    }
                    if consumed == 0 && written == 0 {
                        // Input left but no progress: never spin on it.
                        return Err(Error::BadGzip { detail: "invalid deflate data".into() });
                    }
                }
                _ => return Err(Error::BadGzip { detail: "invalid deflate data".into() }),
            }
        }
    }

    /// The decompressed data, once every member ended with its trailer.
    pub fn finish(self) -> Result<Vec<u8>> {
        match self.state {
            StreamState::Between | StreamState::Padding => Ok(self.out),
            // Nothing pushed at all: as gunzip of no bytes.
            StreamState::Header if self.pending.is_empty() => Ok(self.out),
            _ => Err(Error::TruncatedGzip),
        }
    }
}

/// Decompresses `data` whole and streamed in pieces (the first byte picks
/// their size): both must give the same bytes or the same error. Shared by
/// the gzip fuzz target and the test that replays what it found.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    const LIMIT: usize = 1 << 24;
    let Some((&k, data)) = data.split_first() else { return };
    let piece = [1, 2, 3, 5, 8, 13, 64, 512, 4096, usize::MAX][k as usize % 10].min(data.len().max(1));
    let whole = gunzip(data, LIMIT, &mut |_| {}).map_err(|e| e.to_string());
    let hint = data
        .len()
        .checked_sub(4)
        .map_or(0, |i| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as usize);
    let mut s = GunzipStream::new(LIMIT, hint, data.len());
    let streamed = data.chunks(piece).try_for_each(|c| s.push(c)).and_then(|_| s.finish()).map_err(|e| e.to_string());
    assert_eq!(streamed, whole, "GunzipStream and gunzip disagree");
}
