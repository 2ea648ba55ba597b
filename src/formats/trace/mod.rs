//! Go execution traces, every format from Go 1.11 to Go 1.27, into
//! columnar events whose stacks and strings live in the same interned model
//! as pprof profiles (so flame graphs of trace CPU samples reuse the pprof
//! pipeline).
//!
//! Two layouts exist. v1 (headers `go 1.11`, `1.19`, `1.21`) is one stream
//! of per-P batches that must be read whole; `v1` parses it and
//! `v1convert` maps its events onto the v2 types the way Go's own reader
//! does. v2 (headers `go 1.22`, `1.23`, `1.25`, `1.26`; Go 1.24 writes 1.23
//! and Go 1.27 writes 1.26) is a sequence of self-contained generations;
//! [`Decoder`] reads one generation at a time, so memory holds the output
//! plus one generation, never the whole file's batches.
//!
//! Events come out in the order Go's `trace.Reader` produces them (the
//! partial order the format defines, then time), with times in nanoseconds
//! as that reader reports them, so counts and ranges can be checked against
//! `go tool trace -d=parsed`. A trace cut short decodes up to its last
//! complete generation, with a warning; a corrupt one is an error.

mod batches;
mod cursor;
pub mod events;
mod generation;
pub mod header;
mod leb128;
mod order;
mod push;
mod v1;
mod v1convert;
mod v2;

pub use events::EventType;
pub use generation::ClockSnapshot;
pub use header::{looks_like_trace, Version};
pub use push::PushDecoder;

use generation::Window;
use v2::Step;

use crate::model::{Format, Profile, StackId, StrId, ValueType};
use crate::Result;
use std::collections::BTreeMap;

/// Goroutine, proc or thread id meaning "none" (Go's NoGoroutine etc.).
pub const NONE: i64 = -1;

/// One event. `g`, `p` and `m` are the goroutine, proc and thread the event
/// happened on ([`NONE`] if none). `args` are the event's arguments after
/// its time delta, as listed on each [`EventType`]; string arguments hold a
/// [`StrId`] of the model and stack arguments `StackId + 1` (0 for none).
/// `stack` is the stack of the event's own goroutine, if recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventType,
    pub time_ns: i64,
    pub g: i64,
    pub p: i64,
    pub m: i64,
    pub args: [u64; 4],
    pub stack: Option<StackId>,
}

impl Event {
    /// Clears the argument slots the event's type does not use.
    pub(crate) fn normalized(mut self) -> Self {
        let n = self.kind.stored_args().min(4);
        for a in &mut self.args[n..] {
            *a = 0;
        }
        self
    }

    /// Argument `i` as a string id (for string arguments).
    pub fn str_arg(&self, i: usize) -> StrId {
        StrId(self.args.get(i).copied().unwrap_or(0) as u32)
    }
    /// Argument `i` as a stack (for stack arguments).
    pub fn stack_arg(&self, i: usize) -> Option<StackId> {
        cursor::decode_stack(self.args.get(i).copied().unwrap_or(0))
    }
}

/// Events in columns, in trace order. Arguments are stored flat, only as
/// many per event as its type uses ([`EventType::stored_args`]), which
/// keeps a typical event near 50 bytes.
#[derive(Debug, Default)]
pub struct Events {
    pub kind: Vec<EventType>,
    pub time_ns: Vec<i64>,
    pub g: Vec<i64>,
    pub p: Vec<i32>,
    pub m: Vec<i64>,
    /// `StackId + 1`, 0 for none.
    pub stack: Vec<u32>,
    /// Event `i`'s arguments are `arg_data[arg_start[i]..][..kind.stored_args()]`.
    pub arg_start: Vec<u32>,
    pub arg_data: Vec<u64>,
}

impl Events {
    pub fn len(&self) -> usize {
        self.kind.len()
    }
    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }
    pub fn push(&mut self, e: &Event) {
        self.kind.push(e.kind);
        self.time_ns.push(e.time_ns);
        self.g.push(e.g);
        self.p.push(i32::try_from(e.p).unwrap_or(-1));
        self.m.push(e.m);
        self.stack.push(e.stack.map_or(0, |s| s.index().saturating_add(1)));
        self.arg_start.push(u32::try_from(self.arg_data.len()).unwrap_or(u32::MAX));
        let n = e.kind.stored_args().min(4);
        self.arg_data.extend_from_slice(&e.args[..n]);
    }
    /// The four argument slots of event `i` (unused ones are 0).
    pub fn args(&self, i: usize) -> [u64; 4] {
        let mut a = [0; 4];
        if let (Some(k), Some(&start)) = (self.kind.get(i), self.arg_start.get(i)) {
            let start = start as usize;
            if let Some(src) = self.arg_data.get(start..start + k.stored_args().min(4)) {
                a[..src.len()].copy_from_slice(src);
            }
        }
        a
    }
    /// Event `i` as a row.
    pub fn get(&self, i: usize) -> Option<Event> {
        Some(Event {
            kind: *self.kind.get(i)?,
            time_ns: *self.time_ns.get(i)?,
            g: *self.g.get(i)?,
            p: i64::from(*self.p.get(i)?),
            m: *self.m.get(i)?,
            args: self.args(i),
            stack: self.stack.get(i)?.checked_sub(1).map(StackId::new),
        })
    }
    /// All events as rows.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// CPU profile samples recorded in the trace, in columns.
#[derive(Debug, Default)]
pub struct CpuSamples {
    pub time_ns: Vec<i64>,
    pub stack: Vec<Option<StackId>>,
    pub g: Vec<i64>,
    pub p: Vec<i64>,
    pub m: Vec<i64>,
}

/// A decoded execution trace.
#[derive(Debug)]
pub struct Trace {
    /// The format version of the header, "1.11" … "1.26".
    pub go_version: String,
    pub version: Version,
    /// The interned strings, functions, frames and stacks that events refer
    /// to; its samples are the trace's CPU samples (type samples/count), so
    /// the pprof views work on it directly.
    pub profile: Profile,
    pub events: Events,
    /// Events per kind, named as `go tool trace -d=parsed` prints them.
    pub counts: BTreeMap<&'static str, u64>,
    pub cpu_samples: CpuSamples,
    /// Problems that did not stop decoding (a truncated file, ...).
    pub warnings: Vec<String>,
    /// Complete generations decoded (a v1 trace counts as one).
    pub generations: u32,
    /// Experimental batches skipped (traceallocfree type tables and such).
    pub experimental_batches: usize,
    /// The first clock snapshot (Go 1.25+): ties trace time to wall time.
    pub clock: Option<ClockSnapshot>,
}

impl Trace {
    /// A string of the model.
    pub fn str(&self, id: StrId) -> &str {
        self.profile.strings.get(id)
    }
    /// Events per wire type name (`GCBegin`, `HeapAlloc`, ...).
    pub fn counts_by_type(&self) -> BTreeMap<&'static str, u64> {
        let mut m = BTreeMap::new();
        for k in &self.events.kind {
            *m.entry(k.name()).or_insert(0) += 1;
        }
        m
    }
}

enum Inner<'a> {
    V1 { conv: Option<v1convert::Converter>, data: &'a [u8], stage: u8 },
    V2 { r: v2::V2, data: &'a [u8] },
}

/// Streaming decoder: [`Decoder::next_chunk`] appends one generation's
/// events at a time (the last chunk is the closing Sync event), so a caller
/// can aggregate and drop them as it goes.
pub struct Decoder<'a> {
    version: Version,
    inner: Inner<'a>,
    tables: Profile,
    warnings: Vec<String>,
    len: usize,
}

impl<'a> Decoder<'a> {
    /// Reads the header; fails for data that is not a trace of a supported version.
    pub fn new(data: &'a [u8]) -> Result<Self> {
        let version = header::read_header(data)?;
        let inner = if version.is_v1() {
            Inner::V1 { conv: None, data, stage: 0 }
        } else {
            Inner::V2 { r: v2::V2::new(header::HEADER_LEN as u64, version), data }
        };
        Ok(Decoder { version, inner, tables: new_tables(), warnings: Vec::new(), len: data.len() })
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// The interned tables events refer to (they grow as decoding goes on).
    pub fn tables(&self) -> &Profile {
        &self.tables
    }

    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Fraction of the input decoded so far.
    pub fn progress(&self) -> f64 {
        match &self.inner {
            Inner::V2 { r, .. } => r.position() as f64 / self.len.max(1) as f64,
            Inner::V1 { conv, stage, .. } => match (stage, conv) {
                (0, _) => 0.0,
                (_, Some(c)) => 0.5 + 0.5 * c.progress(),
                _ => 1.0,
            },
        }
    }

    /// Appends the next generation's events to `out`: Ok(false) when
    /// nothing is left.
    pub fn next_chunk(&mut self, out: &mut Vec<Event>) -> Result<bool> {
        match &mut self.inner {
            Inner::V2 { r, data } => {
                Ok(r.next(Window::whole(data), &mut self.tables, &mut self.warnings, out)? == Step::Out)
            }
            Inner::V1 { conv, data, stage } => {
                match *stage {
                    0 => {
                        let body = data.get(header::HEADER_LEN..).unwrap_or(&[]);
                        let t = v1::parse(body, header::HEADER_LEN, self.version)?;
                        if t.missing_stacks > 0 {
                            self.warnings.push(format!(
                                "{} events refer to stacks missing from the stack table, which Go 1.21 and older write \
                                 at the very end of a trace: the trace was probably cut short (those stacks are left out)",
                                t.missing_stacks
                            ));
                        }
                        let mut c = v1convert::Converter::new(t, self.version, &mut self.tables);
                        match c.first_time() {
                            Some(t0) => {
                                out.push(sync_event(t0.saturating_sub(1), 1));
                                while let Some(e) = c.next(&mut self.tables)? {
                                    out.push(e);
                                }
                                *stage = 1;
                            }
                            None => {
                                // No events: only the closing Sync, as Go's reader does.
                                out.push(sync_event(0, 1));
                                *stage = 3;
                            }
                        }
                        *conv = Some(c);
                    }
                    1 => {
                        let last = conv.as_ref().map_or(-1, |c| c.last_ts);
                        out.push(sync_event(last.saturating_add(1), 2));
                        *stage = 2;
                    }
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
    }

    /// Like [`Decoder::next_chunk`], handing each event of the next
    /// generation to `sink` as it is ordered, with the tables that resolve
    /// it, instead of collecting them: memory then holds no generation's
    /// events at all. Should decoding fail, the events already handed over
    /// belong to a trace that is an error as a whole (a last generation
    /// that may have been cut short is held back until it is known whole,
    /// so that events go out exactly as [`Decoder::next_chunk`] gives them).
    pub fn next_chunk_with(&mut self, sink: &mut dyn FnMut(&Profile, &Event)) -> Result<bool> {
        match &mut self.inner {
            Inner::V2 { r, data } => {
                Ok(r.next_with(Window::whole(data), &mut self.tables, &mut self.warnings, sink)? == Step::Out)
            }
            Inner::V1 { .. } => {
                let mut chunk = Vec::new();
                let more = self.next_chunk(&mut chunk)?;
                for e in &chunk {
                    sink(&self.tables, e);
                }
                Ok(more)
            }
        }
    }

    /// Ends decoding: the tables (with no samples), warnings and what the
    /// decoder learnt about the file.
    pub fn finish(self) -> Finished {
        let generations = self.generations();
        let (experimental_batches, clock) = match &self.inner {
            Inner::V2 { r, .. } => (r.experimental_batches, r.clock),
            Inner::V1 { .. } => (0, None),
        };
        Finished {
            go_version: self.version.name(),
            version: self.version,
            tables: self.tables,
            warnings: self.warnings,
            generations,
            experimental_batches,
            clock,
        }
    }

    /// Completed generations so far.
    fn generations(&self) -> u32 {
        match &self.inner {
            Inner::V2 { r, .. } => r.generations,
            // 0 not decoded, 1 events out, 2 done, 3 done without events.
            Inner::V1 { stage, .. } => u32::from(*stage == 1 || *stage == 2),
        }
    }
}

/// What [`Decoder::finish`] hands back.
pub struct Finished {
    pub go_version: String,
    pub version: Version,
    /// The interned strings, functions, frames and stacks events refer to,
    /// with the `samples/count` sample type and no samples.
    pub tables: Profile,
    pub warnings: Vec<String>,
    pub generations: u32,
    pub experimental_batches: usize,
    pub clock: Option<ClockSnapshot>,
}

/// The tables a decoder starts with: the `samples/count` sample type.
fn new_tables() -> Profile {
    let mut tables = Profile::new(Format::Trace);
    let kind = tables.strings.intern("samples");
    let unit = tables.strings.intern("count");
    tables.sample_types.push(ValueType { kind, unit });
    tables.samples.label_start.push(0);
    tables
}

fn sync_event(time: i64, n: u64) -> Event {
    Event { kind: EventType::Sync, time_ns: time, g: NONE, p: NONE, m: NONE, args: [n, 0, 0, 0], stack: None }
}

/// Decodes a whole trace (raw bytes, not gzipped).
pub fn parse(data: &[u8]) -> Result<Trace> {
    parse_with_progress(data, &mut |_| {})
}

/// Like [`parse`], reporting the fraction done to `progress`.
pub fn parse_with_progress(data: &[u8], progress: &mut dyn FnMut(f64)) -> Result<Trace> {
    let mut d = Decoder::new(data)?;
    let mut events = Events::default();
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut cpu = CpuSamples::default();
    let mut chunk = Vec::new();
    while d.next_chunk(&mut chunk)? {
        for e in &chunk {
            events.push(e);
            *counts.entry(e.kind.go_kind()).or_insert(0) += 1;
            if e.kind == EventType::CPUSample {
                cpu.time_ns.push(e.time_ns);
                cpu.stack.push(e.stack);
                cpu.g.push(e.g);
                cpu.p.push(e.p);
                cpu.m.push(e.m);
                let s = &mut d.tables.samples;
                s.stack.push(e.stack);
                s.values.push(1);
                s.label_start.push(0);
            }
        }
        chunk.clear();
        progress(d.progress());
    }
    let generations = d.generations();
    let (experimental_batches, clock) = match &d.inner {
        Inner::V2 { r, .. } => (r.experimental_batches, r.clock),
        Inner::V1 { .. } => (0, None),
    };
    let mut profile = d.tables;
    profile.stacks.freeze();
    if let (Some(&a), Some(&b)) = (events.time_ns.first(), events.time_ns.last()) {
        profile.duration_ns = b.saturating_sub(a);
        if let Some(c) = clock {
            let wall = c.wall_unix_ns - i128::from(c.trace_ns) + i128::from(a);
            profile.time_ns = i64::try_from(wall).unwrap_or(0);
        }
    }
    progress(1.0);
    Ok(Trace {
        go_version: d.version.name(),
        version: d.version,
        profile,
        events,
        counts,
        cpu_samples: cpu,
        warnings: d.warnings,
        generations,
        experimental_batches,
        clock,
    })
}

/// Decodes `data` whole and streamed, checking that what comes out holds
/// together; shared by the fuzz targets and the tests that replay what they
/// found. Panics only on a broken invariant.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    let whole = parse(data);
    let mut streamed = Vec::new();
    let mut chunks = 0u32;
    let streamed_ok = Decoder::new(data).and_then(|mut d| {
        let mut chunk = Vec::new();
        while d.next_chunk(&mut chunk)? {
            chunks += 1;
            streamed.append(&mut chunk);
        }
        Ok(())
    });
    let mut sunk = Vec::new();
    let sunk_ok = Decoder::new(data).and_then(|mut d| {
        while d.next_chunk_with(&mut |_, e| sunk.push(*e))? {}
        Ok(())
    });
    // Pushed in pieces, as the page reads a file: a size from the data, so
    // the fuzzer tries many.
    let piece = 1 + usize::from(data.last().copied().unwrap_or(0)) * 131;
    let mut pushed = Vec::new();
    let pushed_ok = (|| {
        let mut d = PushDecoder::new();
        for c in data.chunks(piece) {
            d.push(c, &mut |_, e| pushed.push(*e))?;
        }
        d.finish(&mut |_, e| pushed.push(*e))
    })();
    let Ok(t) = whole else {
        assert!(streamed_ok.is_err(), "parse failed but streaming did not");
        assert!(sunk_ok.is_err(), "parse failed but streaming to a sink did not");
        assert_eq!(
            pushed_ok.err().map(|e| e.to_string()),
            whole.err().map(|e| e.to_string()),
            "pushing in pieces of {piece} gives another error"
        );
        return;
    };
    let fin = pushed_ok.unwrap_or_else(|e| panic!("pushing in pieces of {piece} failed but parse did not: {e}"));
    assert!(t.events.iter().eq(pushed.iter().copied()), "events pushed in pieces of {piece} differ");
    assert_eq!(fin.warnings, t.warnings, "pushed in pieces of {piece}");
    assert_eq!(fin.generations, t.generations);
    assert_eq!(fin.tables.stacks.len(), t.profile.stacks.len());
    assert_eq!(fin.tables.strings.len(), t.profile.strings.len());
    assert!(streamed_ok.is_ok(), "streaming failed but parse did not");
    assert!(sunk_ok.is_ok(), "streaming to a sink failed but parse did not");
    assert!(t.events.iter().eq(streamed.iter().copied()), "streamed events differ");
    assert!(t.events.iter().eq(sunk.iter().copied()), "events streamed to a sink differ");
    assert_eq!(chunks, t.generations + 1);
    assert!(t.events.time_ns.windows(2).all(|w| w[0] <= w[1]), "time goes backwards");
    assert_eq!(t.counts.values().sum::<u64>(), t.events.len() as u64);
    assert_eq!(t.profile.samples.len(), t.cpu_samples.time_ns.len());
    let syncs: Vec<u64> = t.events.iter().filter(|e| e.kind == EventType::Sync).map(|e| e.args[0]).collect();
    assert!(syncs.iter().copied().eq(1..=syncs.len() as u64), "Sync numbers {syncs:?}");
    assert_eq!(syncs.len() as u32, t.generations + 1);
    let n_stacks = t.profile.stacks.len() as u32;
    let n_strings = t.profile.strings.len() as u32;
    for e in t.events.iter() {
        assert!(e.stack.is_none_or(|s| s.index() < n_stacks));
        if let Some(spec) = e.kind.timed_spec() {
            for &i in spec.strings {
                assert!(e.str_arg(i as usize).0 < n_strings, "{:?}", e);
            }
            for &i in spec.stacks {
                assert!(e.stack_arg(i as usize).is_none_or(|s| s.index() < n_stacks), "{:?}", e);
            }
        }
    }
    for (i, p) in t.profile.stacks.prefix.iter().enumerate() {
        assert!(p.is_none_or(|p| p.idx() < i));
    }
}

/// The function of a trace frame named `name` in `file`. A frame without a
/// function name (the writer's frame at PC 0, an unsymbolized v1 PC) is
/// `<unknown>`, as pprof names such a location in the profiles `go tool
/// trace -pprof` writes.
pub(crate) fn frame_func(tables: &mut Profile, name: StrId, file: StrId) -> crate::model::FuncId {
    let name = if tables.strings.get(name).is_empty() { tables.strings.intern(UNKNOWN_FUNC) } else { name };
    tables.funcs.intern(name, name, file, 0)
}

/// The name of a frame without a function name ([`frame_func`]).
pub const UNKNOWN_FUNC: &str = "<unknown>";
