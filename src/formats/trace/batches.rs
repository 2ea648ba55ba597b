//! v2 batches, the unit the runtime writes: a header (type byte, for
//! experimental batches an experiment byte, then generation, thread, base
//! timestamp and size as varints) and `size` bytes of events. The runtime
//! pads the size varint to 10 bytes; flight-recorder output does not, and
//! neither matters to a LEB128 reader.

use super::events::EventType;
use super::header::Version;
use super::leb128::{uvarint, VarintError};

/// The largest batch the runtime writes (`tracev2.MaxBatchSize`).
pub(crate) const MAX_BATCH_SIZE: u64 = 64 << 10;

/// One batch, borrowing its events from the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Batch<'a> {
    pub gen: u64,
    /// The thread (M) that wrote it; -1 for none.
    pub m: i64,
    /// Base timestamp in ticks.
    pub time: u64,
    pub data: &'a [u8],
    /// Experiment id; 0 for an ordinary batch.
    pub exp: u8,
    /// Offset of the batch header in the file.
    pub offset: u64,
}

/// What a batch holds, judged by its first byte as Go's reader does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Strings,
    Stacks,
    CpuSamples,
    /// Frequency (before 1.25) or sync batch (1.25+).
    Sync,
    Experimental,
    Events,
}

impl Batch<'_> {
    pub fn kind(&self, v: Version) -> Kind {
        if self.exp != 0 {
            return Kind::Experimental;
        }
        match self.data.first().copied().and_then(EventType::from_u8) {
            Some(EventType::Strings) => Kind::Strings,
            Some(EventType::Stacks) => Kind::Stacks,
            Some(EventType::CPUSamples) => Kind::CpuSamples,
            Some(EventType::Frequency) if v < Version::GO125 => Kind::Sync,
            Some(EventType::SyncBatch) if v >= Version::GO125 => Kind::Sync,
            _ => Kind::Events,
        }
    }
}

/// The next thing in the stream.
pub(crate) enum Read<'a> {
    Batch(Batch<'a>),
    /// The one-byte end-of-generation marker (Go 1.26+).
    EndOfGeneration,
    /// The data ends cleanly, between batches.
    Eof,
}

/// Why no batch could be read.
#[derive(Debug)]
pub(crate) enum BatchError {
    /// The data ends inside the batch at `offset`; `gen` is its generation
    /// if the header got that far.
    Truncated { offset: u64, gen: Option<u64> },
    /// The bytes at `offset` are not a batch.
    Corrupt { offset: u64, detail: String },
}

/// Reads the batch at file offset `*pos`, advancing past it. `data` holds
/// the file's bytes from offset `base` on (the whole file, or the window a
/// streaming reader keeps); its end reads as the end of the data.
pub(crate) fn read_batch<'a>(data: &'a [u8], base: u64, pos: &mut u64) -> Result<Read<'a>, BatchError> {
    let offset = *pos;
    let Some(local) = offset.checked_sub(base).and_then(|l| usize::try_from(l).ok()) else {
        return Ok(Read::Eof);
    };
    let Some(&typ) = data.get(local) else { return Ok(Read::Eof) };
    let mut p = local + 1;
    let exp = match EventType::from_u8(typ) {
        Some(EventType::EndOfGeneration) => {
            *pos = offset + 1;
            return Ok(Read::EndOfGeneration);
        }
        Some(EventType::EventBatch) => 0,
        Some(EventType::ExperimentalBatch) => {
            let Some(&e) = data.get(p) else { return Err(BatchError::Truncated { offset, gen: None }) };
            p += 1;
            e
        }
        _ => {
            return Err(BatchError::Corrupt {
                offset,
                detail: format!("expected the start of a batch, found byte {typ}"),
            })
        }
    };
    let mut gen = None;
    let field = |what: &str, p: &mut usize, gen: Option<u64>| -> Result<u64, BatchError> {
        uvarint(data, p).map_err(|e| match e {
            VarintError::Eof => BatchError::Truncated { offset, gen },
            VarintError::Overflow => BatchError::Corrupt { offset, detail: format!("bad varint in the batch {what}") },
        })
    };
    let g = field("generation", &mut p, gen)?;
    gen = Some(g);
    let m = field("thread id", &mut p, gen)?;
    let time = field("timestamp", &mut p, gen)?;
    let size = field("size", &mut p, gen)?;
    if size > MAX_BATCH_SIZE {
        return Err(BatchError::Corrupt {
            offset,
            detail: format!("batch size {size} exceeds the maximum of {MAX_BATCH_SIZE}"),
        });
    }
    let end = p + size as usize;
    let Some(body) = data.get(p..end) else { return Err(BatchError::Truncated { offset, gen }) };
    *pos = base + end as u64;
    Ok(Read::Batch(Batch { gen: g, m: m as i64, time, data: body, exp, offset }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches() {
        // EventBatch gen=1 m=-1 time=5, padded size 2, two bytes of data.
        let mut b = vec![1, 1];
        b.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        b.push(5);
        b.extend([0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
        b.extend([8, 100]);
        b.push(52);
        let mut pos = 0;
        let Ok(Read::Batch(x)) = read_batch(&b, 0, &mut pos) else { panic!() };
        assert_eq!((x.gen, x.m, x.time, x.data, x.exp), (1, -1, 5, &[8u8, 100][..], 0));
        assert_eq!(x.kind(Version::GO122), Kind::Sync);
        assert_eq!(x.kind(Version::GO125), Kind::Events);
        assert!(matches!(read_batch(&b, 0, &mut pos), Ok(Read::EndOfGeneration)));
        assert!(matches!(read_batch(&b, 0, &mut pos), Ok(Read::Eof)));
        let cut = &b[..b.len() - 3];
        let mut pos = 0;
        assert!(matches!(read_batch(cut, 0, &mut pos), Err(BatchError::Truncated { offset: 0, gen: Some(1) })));
        let mut pos = 0;
        assert!(matches!(read_batch(&[7, 1], 0, &mut pos), Err(BatchError::Corrupt { .. })));
    }
}
