//! A trace pushed in pieces as it is read, decoded generation by generation
//! as soon as each has arrived whole, so the file is never held whole: the
//! page streams a `File` of several GB through it in a tab whose wasm32
//! memory could not hold the file.
//!
//! Memory: the window holds the generation being read (the runtime starts
//! a new one about every second; a generation is at most a few tens of MB
//! even in the heaviest traces) plus the piece that ran into the next one,
//! and the buffer's capacity stays at the largest such window. A v1 trace
//! (Go 1.21 and older) is one stream whose stacks come last, so it is held
//! whole and decoded at the end, as [`super::Decoder`] does.
//!
//! The events, warnings and errors are exactly those of [`super::Decoder`]
//! on the whole file: the same reader steps over a window instead of the
//! file, and a step that would run past the window's end waits for more
//! bytes instead (tests/trace_push.rs checks this for every fixture, whole
//! and cut short, pushed in pieces of many sizes; the fuzz targets check it
//! through [`super::fuzz_one`]).

use super::generation::Window;
use super::header::{read_header, HEADER_LEN};
use super::v2::{Step, V2};
use super::{new_tables, Decoder, Event, Finished, Version};
use crate::model::Profile;
use crate::Result;

/// Bytes a window grows by, at least, between two attempts to cut a
/// generation off it (and by a quarter of its size, at least): each attempt
/// re-reads the headers of the batches so far, so trying on every small
/// piece would cost more than the decoding.
const RETRY_BYTES: usize = 64 << 10;

enum State {
    /// Fewer bytes than the header so far.
    Head(Vec<u8>),
    /// Go 1.21 and older: held whole until [`PushDecoder::finish`].
    V1(Vec<u8>),
    /// Go 1.22+: `buf` holds the file from offset `base` on.
    V2 { r: Box<V2>, buf: Vec<u8>, base: u64, next_try: usize },
}

/// See the module documentation. Events go to the sink handed to
/// [`PushDecoder::push`] and [`PushDecoder::finish`], with the tables that
/// resolve them, in the order [`super::Decoder::next_chunk_with`] gives.
pub struct PushDecoder {
    state: State,
    retry: usize,
    version: Option<Version>,
    tables: Profile,
    warnings: Vec<String>,
}

impl Default for PushDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl PushDecoder {
    pub fn new() -> Self {
        Self::with_retry(RETRY_BYTES)
    }

    /// Tries to cut generations off the window every `retry` bytes at
    /// least, not [`RETRY_BYTES`]: for tests, which so reach every way a
    /// window can end with small files (the output is the same).
    #[doc(hidden)]
    pub fn with_retry(retry: usize) -> Self {
        PushDecoder {
            state: State::Head(Vec::new()),
            retry: retry.max(1),
            version: None,
            tables: new_tables(),
            warnings: Vec::new(),
        }
    }

    /// The format version, once the header has arrived.
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// Bytes held now (the window, or a v1 trace so far).
    pub fn held(&self) -> usize {
        match &self.state {
            State::Head(b) | State::V1(b) | State::V2 { buf: b, .. } => b.len(),
        }
    }

    /// Appends the next piece of the file, decoding every generation it
    /// completes. An error is the whole trace's (as [`super::parse`] would
    /// give it): push no more after one.
    pub fn push(&mut self, chunk: &[u8], sink: &mut dyn FnMut(&Profile, &Event)) -> Result<()> {
        match &mut self.state {
            State::Head(head) => {
                let take = (HEADER_LEN - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if head.len() < HEADER_LEN {
                    return Ok(());
                }
                let version = read_header(head)?;
                let buf = std::mem::take(head);
                self.version = Some(version);
                self.state = if version.is_v1() {
                    State::V1(buf)
                } else {
                    State::V2 { r: Box::new(V2::new(HEADER_LEN as u64, version)), buf, base: 0, next_try: 0 }
                };
                self.push(&chunk[take..], sink)
            }
            State::V1(buf) => {
                buf.extend_from_slice(chunk);
                Ok(())
            }
            State::V2 { buf, next_try, .. } => {
                buf.extend_from_slice(chunk);
                if buf.len() >= *next_try {
                    self.drain(false, sink)?;
                }
                Ok(())
            }
        }
    }

    /// Cuts off and decodes every whole generation in the window (at the
    /// end of the file, `eof`, everything left); true once all is out.
    fn drain(&mut self, eof: bool, sink: &mut dyn FnMut(&Profile, &Event)) -> Result<bool> {
        let State::V2 { r, buf, base, next_try } = &mut self.state else { return Ok(false) };
        loop {
            let w = Window { data: buf, base: *base, eof };
            match r.next_with(w, &mut self.tables, &mut self.warnings, sink)? {
                Step::Out => {
                    // Everything before the next generation's start is done with.
                    let done = (r.position().saturating_sub(*base) as usize).min(buf.len());
                    buf.drain(..done);
                    *base += done as u64;
                }
                Step::Done => return Ok(true),
                Step::NeedMore => {
                    *next_try = buf.len() + (buf.len() / 4).max(self.retry);
                    return Ok(false);
                }
            }
        }
    }

    /// Ends the file: decodes what is left and hands back what
    /// [`super::Decoder::finish`] would.
    pub fn finish(mut self, sink: &mut dyn FnMut(&Profile, &Event)) -> Result<Finished> {
        // At the end of the file no step waits for more: this runs to the end.
        self.drain(true, sink)?;
        match self.state {
            // Too short for a header, or v1: what the whole-file decoder does.
            State::Head(buf) | State::V1(buf) => {
                let mut d = Decoder::new(&buf)?;
                while d.next_chunk_with(sink)? {}
                Ok(d.finish())
            }
            State::V2 { r, .. } => {
                let version = self.version.unwrap_or(Version::GO126);
                Ok(Finished {
                    go_version: version.name(),
                    version,
                    tables: self.tables,
                    warnings: self.warnings,
                    generations: r.generations,
                    experimental_batches: r.experimental_batches,
                    clock: r.clock,
                })
            }
        }
    }
}
