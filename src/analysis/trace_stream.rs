//! A Go execution trace analysed while it is decoded, one generation at a
//! time: the GC report, the CPU samples and the five other stack profiles
//! of [`super::trace_profiles`], without keeping the trace's events (each
//! goes to the analyses as the decoder puts it in order). Memory holds the
//! input, the decoder's state for one generation, the interned tables and what
//! the builders keep (bounded by GC activity, goroutines and distinct
//! stacks), so a trace far larger than the memory its events would take
//! can be opened (in wasm32 too).

use super::gc::{GcBuilder, UtilFlags};
use super::timeline::{Timeline, TimelineBuilder};
use super::trace_profiles::{kind_profile, ProfilesBuilder, Records, BLOCKING_KINDS, KINDS};
use crate::formats::trace::{ClockSnapshot, Decoder, Event, EventType, Finished, PushDecoder};
use crate::model::{Profile, StackId, ValueType};
use crate::report::Gc;
use crate::{Error, Result};
use std::collections::BTreeMap;

/// The sample types of [`TraceAnalysis::profile`], in order: the CPU
/// samples (`samples/count`), then the time of each stack profile of
/// [`BLOCKING_KINDS`] in nanoseconds. Each sample has a value in one type
/// only.
pub const SAMPLE_TYPES: [(&str, &str); 6] = [
    ("samples", "count"),
    ("assist", "nanoseconds"),
    ("sync", "nanoseconds"),
    ("sched", "nanoseconds"),
    ("syscall", "nanoseconds"),
    ("net", "nanoseconds"),
];

/// Everything [`analyze_stream`] finds in a trace.
#[derive(Debug)]
pub struct TraceAnalysis {
    /// The trace's stacks as one profile with the [`SAMPLE_TYPES`]: the
    /// CPU samples one by one, then one sample per stack of each other
    /// kind (its time, as `go tool trace -pprof=KIND` gives it; stacks with
    /// no time are left out). The default type is the CPU samples, or the
    /// first other type with any time if the trace has no CPU samples.
    pub profile: Profile,
    pub gc: Gc,
    /// Events per kind, named as `go tool trace -d=parsed` prints them.
    pub counts: BTreeMap<&'static str, u64>,
    pub events: u64,
    pub cpu_samples: usize,
    pub warnings: Vec<String>,
    pub go_version: String,
    pub generations: u32,
    pub experimental_batches: usize,
    pub clock: Option<ClockSnapshot>,
}

/// Analyses a whole trace (raw bytes, not gzipped) as it decodes it,
/// reporting the fraction done to `progress`. Natively the analyses run on
/// a second thread, fed batches of events while the decoder goes on (the
/// result is the same as [`analyze_stream_with`]'s).
pub fn analyze_stream(data: &[u8], progress: &mut dyn FnMut(f64)) -> Result<TraceAnalysis> {
    analyze_input(TraceInput::Bytes(data), progress)
}

/// [`analyze_stream`] of a trace read from `r` (`size` bytes, for the
/// progress) in pieces, never held whole: memory is one generation and what
/// the analyses keep, whatever the size of the file (the CLI's `gc` and
/// `top --profile`).
pub fn analyze_reader(r: &mut dyn std::io::Read, size: u64, progress: &mut dyn FnMut(f64)) -> Result<TraceAnalysis> {
    analyze_input(TraceInput::Reader { r, size }, progress)
}

/// Where a trace's bytes come from.
enum TraceInput<'a> {
    /// Held whole.
    Bytes(&'a [u8]),
    /// Read in pieces as decoding goes on.
    Reader { r: &'a mut dyn std::io::Read, size: u64 },
}

fn analyze_input(input: TraceInput<'_>, progress: &mut dyn FnMut(f64)) -> Result<TraceAnalysis> {
    #[cfg(not(target_arch = "wasm32"))]
    if std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        return Ok(assemble(run_threaded(input, progress)?));
    }
    analyze_input_with(input, progress, &mut |_, _| {})
}

/// What the analysis thread of [`run_threaded`] is sent.
#[cfg(not(target_arch = "wasm32"))]
enum Msg {
    /// Strings the decoder interned since the last message, in id order.
    Strings(Vec<Box<str>>),
    Events(Vec<Event>),
}

/// The analyses of [`analyze_stream_with`] on a second thread. They read
/// only strings from the tables (STW reasons, labels, block reasons), so
/// that thread keeps a mirror of the string table, fed the decoder's new
/// strings (same order, so the same ids) before the events that follow
/// them; stacks are named at the end from the decoder's tables.
#[cfg(not(target_arch = "wasm32"))]
fn run_threaded(input: TraceInput<'_>, progress: &mut dyn FnMut(f64)) -> Result<Threaded> {
    use crate::model::{Format, StrId};
    use std::sync::mpsc::sync_channel;
    const BATCH: usize = 1 << 14;
    let (tx, rx) = sync_channel::<Msg>(4);
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || {
            let mut mirror = Profile::new(Format::Trace);
            let mut gc = GcBuilder::new(UtilFlags::default());
            let mut profiles = ProfilesBuilder::new();
            let mut cpu: Vec<Option<StackId>> = Vec::new();
            let mut span: Option<(i64, i64)> = None;
            for m in rx {
                match m {
                    Msg::Strings(v) => {
                        for st in v.iter() {
                            mirror.strings.intern(st);
                        }
                    }
                    Msg::Events(v) => {
                        for e in &v {
                            gc.event(&mirror, e);
                            profiles.event(&mirror, e);
                            if e.kind == EventType::CPUSample {
                                cpu.push(e.stack);
                            }
                            span = Some((span.map_or(e.time_ns, |s| s.0), e.time_ns));
                        }
                    }
                }
            }
            (gc, profiles, cpu, span)
        });
        let mut sent = Profile::new(Format::Trace).strings.len();
        let mut batch: Vec<Event> = Vec::with_capacity(BATCH);
        // A send fails only if the analysis thread is gone (it panicked):
        // the join below says so.
        let decoded = drive(input, progress, &mut |tables, e| {
            let n = tables.strings.len();
            if n > sent {
                let new = (sent..n).map(|i| Box::from(tables.strings.get(StrId(i as u32)))).collect();
                let _ = tx.send(Msg::Strings(new));
                sent = n;
            }
            batch.push(*e);
            if batch.len() == BATCH {
                let _ = tx.send(Msg::Events(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))));
            }
        });
        if !batch.is_empty() {
            let _ = tx.send(Msg::Events(batch));
        }
        drop(tx);
        let (gc, profiles, cpu, span) = match worker.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        };
        let (counts, events, fin) = decoded?;
        Ok(Threaded { gc, profiles, cpu, span, counts, events, fin })
    })
}

/// The builders fed the whole trace and what the decoder reported (what
/// [`run_threaded`] gives; [`analyze_stream_with`] fills one on this thread).
struct Threaded {
    gc: GcBuilder,
    profiles: ProfilesBuilder,
    cpu: Vec<Option<StackId>>,
    span: Option<(i64, i64)>,
    counts: BTreeMap<&'static str, u64>,
    events: u64,
    fin: Finished,
}


/// The analysis out of builders that saw every event.
fn assemble(t: Threaded) -> TraceAnalysis {
    let Threaded { gc, profiles, cpu, span, counts, events, fin } = t;
    let records = profiles.finish(&fin.tables);
    let report = gc.finish(&fin.tables, &fin.go_version, cpu.len(), &fin.warnings);
    let cpu_samples = cpu.len();
    let mut profile = combined_profile(fin.tables, &cpu, records);
    set_times(&mut profile, span, fin.clock);
    TraceAnalysis {
        profile,
        gc: report,
        counts,
        events,
        cpu_samples,
        warnings: fin.warnings,
        go_version: fin.go_version,
        generations: fin.generations,
        experimental_batches: fin.experimental_batches,
        clock: fin.clock,
    }
}

/// [`analyze_stream`] that also hands every event, in trace order, to
/// `extra` (a timeline builder, say) with the tables that resolve it.
pub fn analyze_stream_with(
    data: &[u8],
    progress: &mut dyn FnMut(f64),
    extra: &mut dyn FnMut(&Profile, &Event),
) -> Result<TraceAnalysis> {
    analyze_input_with(TraceInput::Bytes(data), progress, extra)
}

fn analyze_input_with(
    input: TraceInput<'_>,
    progress: &mut dyn FnMut(f64),
    extra: &mut dyn FnMut(&Profile, &Event),
) -> Result<TraceAnalysis> {
    let mut gc = GcBuilder::new(UtilFlags::default());
    let mut profiles = ProfilesBuilder::new();
    let mut cpu: Vec<Option<StackId>> = Vec::new();
    let mut span = None;
    let (counts, events, fin) = drive(input, progress, &mut |tables, e| {
        gc.event(tables, e);
        profiles.event(tables, e);
        if e.kind == EventType::CPUSample {
            cpu.push(e.stack);
        }
        span = Some((span.map_or(e.time_ns, |s: (i64, i64)| s.0), e.time_ns));
        extra(tables, e);
    })?;
    Ok(assemble(Threaded { gc, profiles, cpu, span, counts, events, fin }))
}

/// What the page and [`crate::Session`] keep of a trace.
#[derive(Debug)]
pub struct OpenedTrace {
    pub analysis: TraceAnalysis,
    /// The GC timeline, with the report's cycles and STW phases added.
    pub timeline: Timeline,
}

/// [`analyze_stream`] that also builds the GC timeline: a [`TraceStream`]
/// pushed the whole of `data` (in pieces, for the progress reports).
pub fn open_trace(data: &[u8], progress: &mut dyn FnMut(f64)) -> Result<OpenedTrace> {
    const PIECE: usize = 16 << 20;
    let mut t = TraceStream::new();
    for (i, piece) in data.chunks(PIECE).enumerate() {
        t.push(piece)?;
        progress(((i + 1) * PIECE).min(data.len()) as f64 / data.len().max(1) as f64);
    }
    let opened = t.finish()?;
    progress(1.0);
    Ok(opened)
}

/// Everything [`open_trace`] builds, fed one event at a time.
struct Builders {
    gc: GcBuilder,
    profiles: ProfilesBuilder,
    timeline: TimelineBuilder,
    cpu: Vec<Option<StackId>>,
    span: Option<(i64, i64)>,
    by_type: [u64; 256],
}

impl Builders {
    fn event(&mut self, tables: &Profile, e: &Event) {
        self.by_type[e.kind as u8 as usize] += 1;
        self.gc.event(tables, e);
        self.profiles.event(tables, e);
        if e.kind == EventType::CPUSample {
            self.cpu.push(e.stack);
        }
        self.span = Some((self.span.map_or(e.time_ns, |s| s.0), e.time_ns));
        self.timeline.event(tables, e);
    }
}

/// A trace analysed as it is pushed in pieces: what the page and the
/// loader use, so a trace is never held whole (see
/// [`crate::formats::trace::PushDecoder`]; memory is the window of one
/// generation plus what the builders keep). [`TraceStream::finish`] gives
/// exactly what [`open_trace`] gives for the whole file.
pub struct TraceStream {
    dec: PushDecoder,
    b: Box<Builders>,
}

impl Default for TraceStream {
    fn default() -> Self {
        Self::new()
    }
}

impl TraceStream {
    pub fn new() -> Self {
        TraceStream {
            dec: PushDecoder::new(),
            b: Box::new(Builders {
                gc: GcBuilder::new(UtilFlags::default()),
                profiles: ProfilesBuilder::new(),
                timeline: TimelineBuilder::new(),
                cpu: Vec::new(),
                span: None,
                by_type: [0; 256],
            }),
        }
    }

    /// Appends the next piece of the file; an error is the trace's.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        let b = &mut self.b;
        self.dec.push(chunk, &mut |t, e| b.event(t, e))
    }

    /// Bytes of the file held now.
    pub fn held(&self) -> usize {
        self.dec.held()
    }

    /// Ends the file.
    pub fn finish(self) -> Result<OpenedTrace> {
        let TraceStream { dec, mut b } = self;
        let fin = dec.finish(&mut |t, e| b.event(t, e))?;
        let Builders { gc, profiles, timeline, cpu, span, by_type } = *b;
        let (counts, events) = count_kinds(&by_type);
        let analysis = assemble(Threaded { gc, profiles, cpu, span, counts, events, fin });
        let mut timeline = timeline.finish();
        timeline.add_gc(&analysis.gc);
        Ok(OpenedTrace { analysis, timeline })
    }
}

/// Events per kind as Go names them, and their sum, from counts per wire type.
fn count_kinds(by_type: &[u64; 256]) -> (BTreeMap<&'static str, u64>, u64) {
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut events = 0;
    for (b, &n) in by_type.iter().enumerate() {
        if n > 0 {
            if let Some(k) = EventType::from_u8(b as u8) {
                *counts.entry(k.go_kind()).or_insert(0) += n;
                events += n;
            }
        }
    }
    (counts, events)
}

/// The `kind` profile of [`KINDS`] of a trace, streamed: the same profile
/// as [`super::trace_profiles::profile`] of the decoded trace.
pub fn profile_stream(data: &[u8], kind: &str, progress: &mut dyn FnMut(f64)) -> Result<Profile> {
    profile_input(TraceInput::Bytes(data), kind, progress)
}

/// [`profile_stream`] of a trace read from `r` in pieces (see [`analyze_reader`]).
pub fn profile_reader(
    r: &mut dyn std::io::Read,
    size: u64,
    kind: &str,
    progress: &mut dyn FnMut(f64),
) -> Result<Profile> {
    profile_input(TraceInput::Reader { r, size }, kind, progress)
}

fn profile_input(input: TraceInput<'_>, kind: &str, progress: &mut dyn FnMut(f64)) -> Result<Profile> {
    let Some(i) = KINDS.iter().position(|&k| k == kind) else {
        return Err(Error::UnknownSampleType {
            requested: kind.to_string(),
            available: KINDS.iter().map(|k| k.to_string()).collect(),
        });
    };
    #[cfg(not(target_arch = "wasm32"))]
    if i > 0 && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        // The GC builder runs too, for nothing, but on the other thread
        // while the decoder (the slower side) goes on.
        let t = run_threaded(input, progress)?;
        let mut records = t.profiles.finish(&t.fin.tables);
        let mut p = kind_profile(t.fin.tables, std::mem::take(&mut records[i - 1]));
        set_times(&mut p, t.span, t.fin.clock);
        return Ok(p);
    }
    let mut profiles = ProfilesBuilder::new();
    let mut cpu: Vec<Option<StackId>> = Vec::new();
    let mut span = None;
    let (_, _, fin) = drive(input, progress, &mut |tables, e| {
        if i == 0 {
            if e.kind == EventType::CPUSample {
                cpu.push(e.stack);
            }
        } else {
            profiles.event(tables, e);
        }
        span = Some((span.map_or(e.time_ns, |s: (i64, i64)| s.0), e.time_ns));
    })?;
    let mut p = fin.tables;
    if i == 0 {
        let s = &mut p.samples;
        for &st in &cpu {
            s.stack.push(st);
            s.values.push(1);
            s.label_start.push(0);
        }
    } else {
        let mut records = profiles.finish(&p);
        p = kind_profile(p, std::mem::take(&mut records[i - 1]));
    }
    set_times(&mut p, span, fin.clock);
    Ok(p)
}

/// Decodes the trace generation by generation, handing each event to `f`:
/// a trace held whole through [`Decoder`], one read in pieces through
/// [`PushDecoder`] (the same events).
fn drive(
    input: TraceInput<'_>,
    progress: &mut dyn FnMut(f64),
    f: &mut dyn FnMut(&Profile, &Event),
) -> Result<(BTreeMap<&'static str, u64>, u64, Finished)> {
    let mut by_type = [0u64; 256];
    let mut sink = |tables: &Profile, e: &Event| {
        by_type[e.kind as u8 as usize] += 1;
        f(tables, e);
    };
    let fin = match input {
        TraceInput::Bytes(data) => {
            let mut d = Decoder::new(data)?;
            while d.next_chunk_with(&mut sink)? {
                progress(d.progress());
            }
            d.finish()
        }
        TraceInput::Reader { r, size } => {
            const PIECE: usize = 1 << 20;
            let mut d = PushDecoder::new();
            let mut buf = vec![0u8; PIECE];
            let mut got = 0u64;
            loop {
                let n = match r.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Error::Read { detail: e.to_string() }),
                };
                d.push(&buf[..n], &mut sink)?;
                got += n as u64;
                progress((got as f64 / size.max(1) as f64).min(1.0));
            }
            d.finish(&mut sink)?
        }
    };
    let (counts, events) = count_kinds(&by_type);
    progress(1.0);
    Ok((counts, events, fin))
}

fn set_times(p: &mut Profile, span: Option<(i64, i64)>, clock: Option<ClockSnapshot>) {
    p.stacks.freeze();
    if let Some((a, b)) = span {
        p.duration_ns = b.saturating_sub(a);
        if let Some(c) = clock {
            let wall = c.wall_unix_ns - i128::from(c.trace_ns) + i128::from(a);
            p.time_ns = i64::try_from(wall).unwrap_or(0);
        }
    }
}

fn combined_profile(tables: Profile, cpu: &[Option<StackId>], records: [Records; 5]) -> Profile {
    let mut p = tables;
    p.sample_types =
        SAMPLE_TYPES.iter().map(|&(k, u)| ValueType { kind: p.strings.intern(k), unit: p.strings.intern(u) }).collect();
    p.period_type = None;
    p.period = 0;
    let n = SAMPLE_TYPES.len();
    let mut totals = [0i64; 6];
    let s = &mut p.samples;
    s.clear();
    let mut push = |stack: Option<StackId>, t: usize, v: i64| {
        s.stack.push(stack);
        let at = s.values.len();
        s.values.resize(at + n, 0);
        s.values[at + t] = v;
        s.label_start.push(0);
        totals[t] = totals[t].saturating_add(v);
    };
    for &st in cpu {
        push(st, 0, 1);
    }
    debug_assert_eq!(BLOCKING_KINDS.len(), 5);
    for (k, r) in records.into_iter().enumerate() {
        let mut rows: Vec<_> = r.into_iter().filter(|r| r.1 .1 != 0).collect();
        rows.sort_by_key(|r| r.0);
        for (stack, (_, ns)) in rows {
            push(stack, k + 1, ns);
        }
    }
    p.default_sample_type = if totals[0] != 0 { 0 } else { (1..n).find(|&t| totals[t] != 0).unwrap_or(0) };
    p
}
