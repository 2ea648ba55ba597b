//! The streaming loader: a file pushed in pieces as it is read (the page
//! streams a `File` into it; the CLI reads the file in pieces), sniffed
//! before anything is allocated for it, gunzipped while it arrives, then
//! handed to the decoder its content picks.
//!
//! Nothing is reserved until the first [`SNIFF_LEN`] bytes say what the file
//! is: a 1 GB file of zeros (or a PNG, or random bytes) fails after 64 KiB
//! read and 64 KiB held. Gzip data is sniffed again once it has inflated as
//! much, so a zip bomb of zeros fails as early.

use super::{gzip, sniff_head, Kind, Limits, Opened, MAX_DECOMPRESSED, MAX_TRACE};
use crate::analysis::trace_stream::TraceStream;
use crate::{Error, Result};

/// How much of a file (or of what a gzip file inflates to) is read before
/// its kind is decided: enough for every sniffer (the gctrace one looks at
/// up to 64 KiB of text for a `gc N @` line).
pub const SNIFF_LEN: usize = 64 << 10;

enum State {
    /// Collecting the first bytes.
    Head(Vec<u8>),
    /// An uncompressed file, held whole (the decoders read it in place).
    Raw { buf: Vec<u8>, limit: usize },
    /// Gzip data, inflated as it arrives; `sniffed` once its output's head
    /// was checked.
    Gzip { stream: Box<gzip::GunzipStream>, sniffed: bool },
    /// A Go execution trace, decoded and analysed as it arrives, one
    /// generation at a time: never held whole (a v1 trace is, up to
    /// [`MAX_TRACE`]), so its size is not bounded by the memory.
    Trace(Box<TraceStream>),
    /// Loading stopped at the first error; `finish` reports it.
    Failed(Error),
}

/// Collects one file; see the module documentation.
pub struct Loader {
    state: State,
    limits: Limits,
    /// The file size, if known (a hint, checked against what arrives).
    expected: usize,
    /// The last 4 bytes of the file, if read ahead: a gzip file's ISIZE.
    tail: Option<u32>,
}

impl Loader {
    /// `expected`: the file size if known, else 0.
    pub fn new(expected: usize, limits: Limits) -> Self {
        Loader { state: State::Head(Vec::new()), limits, expected, tail: None }
    }

    /// The file's last 4 bytes, read ahead: for gzip data the size it claims
    /// to inflate to (believed only up to a small multiple of the file).
    pub fn set_tail(&mut self, tail: [u8; 4]) {
        self.tail = Some(u32::from_le_bytes(tail));
    }

    /// Whether the data is gzip, inflated while it arrives.
    pub fn is_gzip(&self) -> bool {
        matches!(self.state, State::Gzip { .. })
    }

    /// Appends the next piece; false once loading cannot go on (`finish`
    /// then says why).
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        if let Err(e) = self.push_inner(chunk) {
            self.state = State::Failed(e);
        }
        !matches!(self.state, State::Failed(_))
    }

    fn push_inner(&mut self, chunk: &[u8]) -> Result<()> {
        match &mut self.state {
            State::Failed(_) => Ok(()),
            State::Head(head) => {
                let take = (SNIFF_LEN - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if head.len() < SNIFF_LEN {
                    return Ok(());
                }
                let head = std::mem::take(head);
                self.decide(head, false)?;
                self.push_inner(&chunk[take..])
            }
            State::Trace(t) => {
                t.push(chunk)?;
                // A v1 trace, or a v2 "generation" that never ends.
                if t.held() > MAX_TRACE {
                    return Err(Error::TooLarge { limit: MAX_TRACE as u64 });
                }
                Ok(())
            }
            State::Raw { buf, limit } => {
                if buf.len() + chunk.len() > *limit {
                    return Err(Error::TooLarge { limit: *limit as u64 });
                }
                buf.extend_from_slice(chunk);
                Ok(())
            }
            State::Gzip { stream, sniffed } => {
                // Until the inflated head is checked, feed small pieces: 4 KiB
                // of deflate inflates to at most ~4 MiB, so a bomb of zeros
                // stops there.
                let mut rest = chunk;
                while !*sniffed && !rest.is_empty() {
                    let (now, later) = rest.split_at(rest.len().min(4096));
                    stream.push(now).map_err(|e| self.limits.explain(e))?;
                    rest = later;
                    if stream.output().len() >= SNIFF_LEN {
                        *sniffed = true;
                        check_inflated(stream.output(), true)?;
                    }
                }
                stream.push(rest).map_err(|e| self.limits.explain(e))
            }
        }
    }

    /// Picks the state for a file starting with `head` (`complete`: that is
    /// all of it).
    fn decide(&mut self, head: Vec<u8>, complete: bool) -> Result<()> {
        let kind = sniff_head(&head, !complete)?;
        if kind == Kind::Gzip {
            let limit = self.limits.inflate_limit(self.expected.max(head.len()));
            let hint = self.tail.map_or(0, |t| t as usize);
            let stream = Box::new(gzip::GunzipStream::new(limit, hint, self.expected.max(head.len())));
            self.state = State::Gzip { stream, sniffed: false };
            return self.push_inner(&head);
        }
        if kind == Kind::Trace {
            self.state = State::Trace(Box::default());
            return self.push_inner(&head);
        }
        let limit = MAX_DECOMPRESSED;
        if self.expected > limit {
            return Err(Error::TooLarge { limit: limit as u64 });
        }
        // The file is held whole either way; its size is known and its kind
        // is a real one, so reserving it now saves the doubling copies.
        let mut buf = Vec::with_capacity(self.expected.max(head.len()));
        buf.extend_from_slice(&head);
        self.state = State::Raw { buf, limit };
        Ok(())
    }

    /// Decodes what was pushed.
    pub fn finish(mut self, progress: &mut dyn FnMut(f64, &str)) -> Result<Opened> {
        if let State::Head(head) = &mut self.state {
            let head = std::mem::take(head);
            if let Err(e) = self.decide(head, true) {
                self.state = State::Failed(e);
            }
        }
        match self.state {
            State::Head(_) => unreachable!("decided above"),
            State::Failed(e) => Err(e),
            State::Raw { buf, .. } => super::open_full_owned(buf, progress),
            State::Trace(t) => {
                progress(1.0, "decoding");
                let t = t.finish()?;
                crate::mem_mark("trace analysed");
                Ok(Opened::Trace(Box::new(t)))
            }
            State::Gzip { stream, sniffed } => {
                let raw = stream.finish()?;
                if !sniffed {
                    check_inflated(&raw, false)?;
                }
                crate::mem_mark("gunzipped while read");
                super::open_full_gunzipped(raw, progress)
            }
        }
    }
}

/// Refuses inflated data that is no format gopherlens reads, as soon as
/// its head has arrived (`partial`: more follows).
fn check_inflated(head: &[u8], partial: bool) -> Result<()> {
    match sniff_head(head, partial) {
        Ok(Kind::Gzip) => Err(Error::UnknownFormat { what: "gzip data inside gzip data".into() }),
        Ok(_) => Ok(()),
        Err(Error::Empty) => Err(Error::InvalidProfile { detail: "the gzip data decompresses to nothing".into() }),
        Err(Error::UnknownFormat { what }) => Err(Error::UnknownFormat { what: format!("gzip-compressed {what}") }),
        Err(e) => Err(e),
    }
}

/// Opens `data` through the loader in pieces of `piece` bytes, as the page
/// does (tests and the CLI use it to take the page's path natively).
pub fn open_in_pieces(data: &[u8], piece: usize, limits: Limits) -> Result<Opened> {
    let mut l = Loader::new(data.len(), limits);
    if data.len() >= 18 {
        let t = &data[data.len() - 4..];
        l.set_tail([t[0], t[1], t[2], t[3]]);
    }
    for c in data.chunks(piece.max(1)) {
        if !l.push(c) {
            break;
        }
    }
    l.finish(&mut |_, _| {})
}
