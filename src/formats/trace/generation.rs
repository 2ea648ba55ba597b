//! v2 generations: splitting the batch stream into generations, and reading
//! a generation's own tables (strings, stacks, CPU samples, clock) into the
//! shared interned model.
//!
//! Go 1.26+ ends every generation with a marker byte, so a generation that
//! runs into the end of the file is known to be cut. Before 1.26 a
//! generation ends where the first batch of the next one starts (Go's
//! reader "spills" that batch over), or at the end of the file.

use super::batches::{read_batch, Batch, BatchError, Kind, Read};
use super::events::EventType;
use super::header::Version;
use super::leb128::uvarint;
use crate::model::{Profile, StackId, StrId};
use crate::{Error, Result};
use rustc_hash::FxHashMap;

/// Longest string in a string table (`tracev2.MaxEventTrailerDataSize`).
const MAX_STRING: u64 = 1 << 10;
/// Most frames in one stack (`tracev2.MaxFramesPerStack`).
const MAX_FRAMES: u64 = 128;

/// The batches of one generation, not yet interpreted.
pub(crate) struct RawGen<'a> {
    pub gen: u64,
    pub offset: u64,
    pub batches: Vec<Batch<'a>>,
    /// Bytes the generation spans in the file.
    pub bytes: u64,
}

/// What the splitter found next.
pub(crate) enum Split<'a> {
    Gen(RawGen<'a>),
    /// No more data.
    End,
    /// The data ends inside a generation, which is dropped.
    Truncated {
        offset: u64,
        detail: String,
    },
    /// The window ends before the next generation does, and more of the
    /// file is to come: nothing was consumed.
    NeedMore,
}

/// The bytes a [`Splitter`] reads: the file from offset `base` on, up to
/// its end if `eof`, else up to where a streaming reader has got so far.
#[derive(Clone, Copy)]
pub(crate) struct Window<'a> {
    pub data: &'a [u8],
    pub base: u64,
    pub eof: bool,
}

impl<'a> Window<'a> {
    /// A file held whole.
    pub fn whole(data: &'a [u8]) -> Self {
        Window { data, base: 0, eof: true }
    }
}

/// Splits the batch stream after the header into generations. It keeps no
/// bytes, only its place in the file, so a streaming reader can hand it a
/// window that moves on: a generation is returned only once the window
/// holds all of it (and, before 1.26, the batch after it).
pub(crate) struct Splitter {
    /// Where the next generation starts (before 1.26, after the first, at
    /// the batch that ended the previous one).
    pub pos: u64,
    version: Version,
    finished: bool,
    /// A truncation found while ending the previous generation (before 1.26,
    /// a cut inside the first batch of the next generation).
    pending: Option<(u64, String)>,
}

impl Splitter {
    pub fn new(start: u64, version: Version) -> Self {
        Splitter { pos: start, version, finished: false, pending: None }
    }

    /// True once the stream is used up (the last generation has been returned).
    pub fn at_end(&self) -> bool {
        self.finished
    }

    pub fn next<'a>(&mut self, w: Window<'a>) -> Result<Split<'a>> {
        if let Some((offset, detail)) = self.pending.take() {
            return Ok(Split::Truncated { offset, detail });
        }
        if self.finished {
            return Ok(Split::End);
        }
        let start = self.pos;
        let r = if self.version >= Version::GO126 { self.next_marked(w) } else { self.next_spilled(w) };
        if matches!(r, Ok(Split::NeedMore)) {
            self.pos = start;
        }
        r
    }

    fn corrupt(offset: u64, detail: impl Into<String>) -> Error {
        Error::BadTrace { offset, detail: detail.into() }
    }

    /// Go 1.26+: batches up to the end-of-generation marker.
    fn next_marked<'a>(&mut self, w: Window<'a>) -> Result<Split<'a>> {
        let start = self.pos;
        let mut g = RawGen { gen: 0, offset: start, batches: Vec::new(), bytes: 0 };
        loop {
            let at = self.pos;
            match read_batch(w.data, w.base, &mut self.pos) {
                Ok(Read::Eof) | Err(BatchError::Truncated { .. }) if !w.eof => return Ok(Split::NeedMore),
                Ok(Read::Eof) => {
                    self.finished = true;
                    if g.batches.is_empty() {
                        return Ok(Split::End);
                    }
                    return Ok(Split::Truncated {
                        offset: start,
                        detail: format!(
                            "generation {} has no end-of-generation marker: the file ends inside it",
                            g.gen
                        ),
                    });
                }
                Ok(Read::EndOfGeneration) => {
                    if g.batches.is_empty() {
                        return Err(Self::corrupt(at, "end-of-generation marker with no generation before it"));
                    }
                    g.bytes = self.pos - start;
                    return Ok(Split::Gen(g));
                }
                Ok(Read::Batch(b)) => {
                    if b.gen == 0 {
                        return Err(Self::corrupt(at, "invalid generation number 0"));
                    }
                    if g.gen == 0 {
                        g.gen = b.gen;
                    }
                    if b.gen != g.gen {
                        return Err(Self::corrupt(
                            at,
                            format!(
                                "batch of generation {} inside generation {}: missing end-of-generation marker, or generations are interleaved",
                                b.gen, g.gen
                            ),
                        ));
                    }
                    g.batches.push(b);
                }
                Err(BatchError::Truncated { offset, .. }) => {
                    self.finished = true;
                    return Ok(Split::Truncated {
                        offset,
                        detail: format!("the file ends inside a batch at byte {offset}"),
                    });
                }
                Err(BatchError::Corrupt { offset, detail }) => return Err(Self::corrupt(offset, detail)),
            }
        }
    }

    /// Before Go 1.26: batches until one of the next generation appears
    /// (that batch, the spill, is read again as the next generation's first).
    fn next_spilled<'a>(&mut self, w: Window<'a>) -> Result<Split<'a>> {
        let start = self.pos;
        let mut g = RawGen { gen: 0, offset: start, batches: Vec::new(), bytes: 0 };
        loop {
            let at = self.pos;
            match read_batch(w.data, w.base, &mut self.pos) {
                Ok(Read::Eof) | Err(BatchError::Truncated { .. }) if !w.eof => return Ok(Split::NeedMore),
                Ok(Read::Eof) => {
                    self.finished = true;
                    if g.batches.is_empty() {
                        return Ok(Split::End);
                    }
                    g.bytes = self.pos - start;
                    return Ok(Split::Gen(g));
                }
                Ok(Read::EndOfGeneration) => {
                    return Err(Self::corrupt(
                        at,
                        format!(
                            "end-of-generation marker in a go {} trace (only 1.26+ traces have them)",
                            self.version.name()
                        ),
                    ));
                }
                Ok(Read::Batch(b)) => {
                    if b.gen == 0 {
                        return Err(Self::corrupt(at, "invalid generation number 0"));
                    }
                    if g.gen == 0 {
                        g.gen = b.gen;
                    }
                    if b.gen == g.gen.wrapping_add(1) {
                        g.bytes = at - start;
                        self.pos = at;
                        return Ok(Split::Gen(g));
                    }
                    if b.gen != g.gen {
                        return Err(Self::corrupt(
                            at,
                            format!(
                                "generations out of order: batch of generation {} inside generation {}",
                                b.gen, g.gen
                            ),
                        ));
                    }
                    g.batches.push(b);
                }
                Err(BatchError::Truncated { offset, gen }) => {
                    self.finished = true;
                    let detail = format!("the file ends inside a batch at byte {offset}");
                    if !g.batches.is_empty() && gen == Some(g.gen.wrapping_add(1)) {
                        // The cut is in the next generation: this one is whole.
                        self.pending = Some((offset, detail));
                        g.bytes = offset - start;
                        return Ok(Split::Gen(g));
                    }
                    return Ok(Split::Truncated { offset, detail });
                }
                Err(BatchError::Corrupt { offset, detail }) => return Err(Self::corrupt(offset, detail)),
            }
        }
    }
}

/// A CPU sample with its time converted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CpuSample {
    pub time: i64,
    pub m: i64,
    pub p: i64,
    pub g: i64,
    pub stack: Option<StackId>,
}

/// The clock snapshot of a 1.25+ sync batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockSnapshot {
    /// Trace clock, in nanoseconds like event times.
    pub trace_ns: i64,
    /// Monotonic clock reading.
    pub mono: u64,
    /// Wall clock, nanoseconds since the Unix epoch.
    pub wall_unix_ns: i128,
}

/// One generation ready for ordering.
pub(crate) struct Gen<'a> {
    pub gen: u64,
    pub offset: u64,
    /// Nanoseconds per tick.
    pub freq: f64,
    pub min_ts: u64,
    /// Event batches per thread, threads in order of first appearance.
    pub threads: Vec<(i64, Vec<Batch<'a>>)>,
    /// Sorted by time.
    pub cpu: Vec<CpuSample>,
    pub strings: FxHashMap<u64, StrId>,
    pub stacks: FxHashMap<u64, Option<StackId>>,
    pub clock: Option<ClockSnapshot>,
    pub experimental_batches: usize,
}

/// Go's `frequency.mul`: ticks to nanoseconds, truncated.
#[inline]
pub(crate) fn ticks_to_ns(freq: f64, t: u64) -> i64 {
    (t as f64 * freq) as i64
}

impl Gen<'_> {
    pub fn string(&self, id: u64) -> Option<StrId> {
        if id == 0 {
            return Some(StrId(0));
        }
        self.strings.get(&id).copied()
    }
    pub fn stack(&self, id: u64) -> Option<Option<StackId>> {
        if id == 0 {
            return Some(None);
        }
        self.stacks.get(&id).copied()
    }
}

/// Cursor over one table batch.
struct Table<'a> {
    data: &'a [u8],
    pos: usize,
    offset: u64,
}

impl Table<'_> {
    fn err(&self, detail: impl Into<String>) -> Error {
        Error::BadTrace { offset: self.offset, detail: detail.into() }
    }
    fn more(&self) -> bool {
        self.pos < self.data.len()
    }
    fn byte(&mut self) -> Result<u8> {
        let b = *self.data.get(self.pos).ok_or_else(|| self.err("table entry cut short"))?;
        self.pos += 1;
        Ok(b)
    }
    fn expect(&mut self, t: EventType, what: &str) -> Result<()> {
        let b = self.byte()?;
        if b != t as u8 {
            return Err(self.err(format!("expected {what}, found event type {b}")));
        }
        Ok(())
    }
    fn uvarint(&mut self, what: &str) -> Result<u64> {
        uvarint(self.data, &mut self.pos).map_err(|_| self.err(format!("bad varint for {what}")))
    }
}

/// Reads the tables of `raw` and interns its strings and stacks into `tables`.
pub(crate) fn build<'a>(raw: RawGen<'a>, v: Version, tables: &mut Profile) -> Result<Gen<'a>> {
    let mut g = Gen {
        gen: raw.gen,
        offset: raw.offset,
        freq: 0.0,
        min_ts: 0,
        threads: Vec::new(),
        cpu: Vec::new(),
        strings: FxHashMap::default(),
        stacks: FxHashMap::default(),
        clock: None,
        experimental_batches: 0,
    };
    let mut thread_index: FxHashMap<i64, usize> = FxHashMap::default();
    let mut stack_batches = Vec::new();
    let mut raw_cpu: Vec<(u64, u64, u64, u64, u64)> = Vec::new();
    let mut freq_seen = false;
    for b in raw.batches {
        if g.min_ts == 0 || b.time < g.min_ts {
            g.min_ts = b.time;
        }
        match b.kind(v) {
            Kind::Strings => read_strings(&b, &mut g, tables)?,
            Kind::Stacks => stack_batches.push(b),
            Kind::CpuSamples => read_cpu_samples(&b, &mut raw_cpu)?,
            Kind::Sync => read_sync(&b, v, &mut g, &mut freq_seen)?,
            Kind::Experimental => g.experimental_batches += 1,
            Kind::Events => match thread_index.get(&b.m) {
                Some(&i) => g.threads[i].1.push(b),
                None => {
                    thread_index.insert(b.m, g.threads.len());
                    g.threads.push((b.m, vec![b]));
                }
            },
        }
    }
    let gen_err =
        |detail: String| Error::BadTrace { offset: raw.offset, detail: format!("generation {}: {detail}", raw.gen) };
    if !freq_seen {
        return Err(gen_err("no frequency event found".into()));
    }
    if v >= Version::GO125 && g.clock.is_none() {
        return Err(gen_err("no clock snapshot event found".into()));
    }
    if let Some(c) = g.clock.as_mut() {
        c.trace_ns = ticks_to_ns(g.freq, c.trace_ns as u64);
    }
    // Stacks refer to strings, which may come later in the file.
    let mut pcs: FxHashMap<u64, (u64, u64, u64)> = FxHashMap::default();
    let mut raw_stacks: Vec<(u64, Vec<u64>, u64)> = Vec::new();
    for b in &stack_batches {
        read_stacks(b, &mut pcs, &mut raw_stacks)?;
    }
    let mut frames_buf = Vec::new();
    let mut func_cache: FxHashMap<u64, crate::model::FrameId> = FxHashMap::default();
    for (id, stack_pcs, offset) in raw_stacks {
        if g.stacks.contains_key(&id) || id == 0 {
            return Err(Error::BadTrace {
                offset,
                detail: format!("generation {}: stack id {id} defined twice", raw.gen),
            });
        }
        frames_buf.clear();
        for pc in &stack_pcs {
            if let Some(&f) = func_cache.get(pc) {
                frames_buf.push(f);
                continue;
            }
            let &(func, file, line) =
                pcs.get(pc).ok_or_else(|| gen_err(format!("found unknown pc {pc:x} for stack {id}")))?;
            let name =
                g.string(func).ok_or_else(|| gen_err(format!("found invalid func string ID {func} for stack {id}")))?;
            let file =
                g.string(file).ok_or_else(|| gen_err(format!("found invalid file string ID {file} for stack {id}")))?;
            let f = super::frame_func(tables, name, file);
            let fr = tables.frames.intern(f, line as i64);
            func_cache.insert(*pc, fr);
            frames_buf.push(fr);
        }
        // Trace stacks list the leaf first; the model builds from the root.
        let mut s: Option<StackId> = None;
        for &fr in frames_buf.iter().rev() {
            s = Some(tables.stacks.intern(s, fr));
        }
        g.stacks.insert(id, s);
    }
    for (ts, m, p, gid, stack) in raw_cpu {
        let stack = g.stack(stack).ok_or_else(|| gen_err(format!("CPU sample refers to unknown stack {stack}")))?;
        g.cpu.push(CpuSample {
            time: ticks_to_ns(g.freq, ts),
            m: m as i64,
            p: p as i64,
            g: if gid == 0 { -1 } else { gid as i64 },
            stack,
        });
    }
    g.cpu.sort_by_key(|s| s.time);
    Ok(g)
}

fn read_strings(b: &Batch, g: &mut Gen, tables: &mut Profile) -> Result<()> {
    let mut t = Table { data: b.data, pos: 0, offset: b.offset };
    t.expect(EventType::Strings, "a strings batch")?;
    while t.more() {
        t.expect(EventType::String, "a string")?;
        let id = t.uvarint("a string id")?;
        let len = t.uvarint("a string length")?;
        if len > MAX_STRING {
            return Err(t.err(format!("string of {len} bytes; the maximum is {MAX_STRING}")));
        }
        let end = t.pos + len as usize;
        let bytes = t.data.get(t.pos..end).ok_or_else(|| t.err("string runs past the end of its batch"))?;
        t.pos = end;
        let s = tables.strings.intern(&String::from_utf8_lossy(bytes));
        if id == 0 || g.strings.insert(id, s).is_some() {
            return Err(t.err(format!("generation {}: string id {id} defined twice", g.gen)));
        }
    }
    Ok(())
}

fn read_stacks(
    b: &Batch,
    pcs: &mut FxHashMap<u64, (u64, u64, u64)>,
    out: &mut Vec<(u64, Vec<u64>, u64)>,
) -> Result<()> {
    let mut t = Table { data: b.data, pos: 0, offset: b.offset };
    t.expect(EventType::Stacks, "a stacks batch")?;
    while t.more() {
        t.expect(EventType::Stack, "a stack")?;
        let id = t.uvarint("a stack id")?;
        let n = t.uvarint("a frame count")?;
        if n > MAX_FRAMES {
            return Err(t.err(format!("stack of {n} frames; the maximum is {MAX_FRAMES}")));
        }
        let mut frames = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let pc = t.uvarint("a frame pc")?;
            let func = t.uvarint("a frame function")?;
            let file = t.uvarint("a frame file")?;
            let line = t.uvarint("a frame line")?;
            pcs.entry(pc).or_insert((func, file, line));
            frames.push(pc);
        }
        out.push((id, frames, b.offset));
    }
    Ok(())
}

fn read_cpu_samples(b: &Batch, out: &mut Vec<(u64, u64, u64, u64, u64)>) -> Result<()> {
    let mut t = Table { data: b.data, pos: 0, offset: b.offset };
    t.expect(EventType::CPUSamples, "a CPU samples batch")?;
    while t.more() {
        t.expect(EventType::CPUSample, "a CPU sample")?;
        let ts = t.uvarint("a sample time")?;
        let m = t.uvarint("a sample thread")?;
        let p = t.uvarint("a sample proc")?;
        let g = t.uvarint("a sample goroutine")?;
        let s = t.uvarint("a sample stack")?;
        out.push((ts, m, p, g, s));
    }
    Ok(())
}

fn read_sync(b: &Batch, v: Version, g: &mut Gen, freq_seen: &mut bool) -> Result<()> {
    let mut t = Table { data: b.data, pos: 0, offset: b.offset };
    if v >= Version::GO125 {
        t.expect(EventType::SyncBatch, "a sync batch")?;
    }
    let mut last = b.time;
    while t.more() {
        let e = t.byte()?;
        match EventType::from_u8(e) {
            Some(EventType::Frequency) => {
                if *freq_seen {
                    return Err(t.err(format!("generation {}: more than one frequency event", g.gen)));
                }
                let f = t.uvarint("the frequency")?;
                if f == 0 {
                    return Err(t.err("the timestamp frequency is zero"));
                }
                *freq_seen = true;
                g.freq = 1.0 / (f as f64 / 1e9);
            }
            Some(EventType::ClockSnapshot) if v >= Version::GO125 => {
                if g.clock.is_some() {
                    return Err(t.err(format!("generation {}: more than one clock snapshot", g.gen)));
                }
                let dt = t.uvarint("the clock snapshot time")?;
                last = last.wrapping_add(dt);
                let mono = t.uvarint("the monotonic clock")?;
                let sec = t.uvarint("the wall clock seconds")?;
                let nsec = t.uvarint("the wall clock nanoseconds")?;
                // The trace time is converted once the frequency is known.
                g.clock = Some(ClockSnapshot {
                    trace_ns: last as i64,
                    mono,
                    wall_unix_ns: i128::from(sec as i64) * 1_000_000_000 + i128::from(nsec as i64),
                });
            }
            _ => return Err(t.err(format!("expected a frequency or clock snapshot event, found event type {e}"))),
        }
    }
    Ok(())
}
