//! The v2 reader (Go 1.22+): one generation at a time, merge the threads'
//! batches in time order as far as the partial order allows, inject CPU
//! samples by time, and bracket each generation with Sync events, as Go's
//! `trace.Reader` does.

use super::batches::Kind;
use super::cursor::{heap_insert, heap_remove, heap_update, Cursor};
use super::generation::{build, ticks_to_ns, ClockSnapshot, Gen, RawGen, Split, Splitter, Window};
use super::header::Version;
use super::order::Ordering;
use super::{Event, EventType};
use crate::model::Profile;
use crate::{Error, Result};

/// What one step of [`V2::next_with`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A generation (or the closing Sync) went out.
    Out,
    /// Everything has been returned.
    Done,
    /// The window ends inside the next generation: push more bytes.
    NeedMore,
}

/// The reader's state between generations; it holds no bytes of the file
/// (each step is handed a [`Window`] on it).
pub(crate) struct V2 {
    version: Version,
    splitter: Splitter,
    order: Ordering,
    last_ts: i64,
    syncs: u64,
    done: bool,
    pub generations: u32,
    pub experimental_batches: usize,
    pub clock: Option<ClockSnapshot>,
    /// Whether every generation so far ended with its string table, as the
    /// runtime writes them.
    tables_last: bool,
}

impl V2 {
    pub fn new(start: u64, version: Version) -> Self {
        V2 {
            version,
            splitter: Splitter::new(start, version),
            order: Ordering::new(),
            last_ts: 0,
            syncs: 0,
            done: false,
            generations: 0,
            experimental_batches: 0,
            clock: None,
            tables_last: true,
        }
    }

    /// Bytes of the input consumed so far: the window may drop what lies
    /// before.
    pub fn position(&self) -> u64 {
        self.splitter.pos
    }

    /// Appends the next generation's events (or the final Sync) to `out`.
    pub fn next(
        &mut self,
        w: Window<'_>,
        tables: &mut Profile,
        warnings: &mut Vec<String>,
        out: &mut Vec<Event>,
    ) -> Result<Step> {
        self.next_with(w, tables, warnings, &mut |_, e| out.push(*e))
    }

    /// Like [`V2::next`], handing the events to `sink` as they come (with
    /// the tables, complete for the generation by then) instead of
    /// collecting them. A generation that fails to decode is an error, so
    /// a caller sees its events only if the whole decode succeeds, except
    /// for a last generation that may have been cut short (before Go 1.26
    /// nothing marks a generation's end): those events are held back until
    /// the generation is known to be whole, as [`V2::next`] drops them.
    pub fn next_with(
        &mut self,
        w: Window<'_>,
        tables: &mut Profile,
        warnings: &mut Vec<String>,
        sink: &mut dyn FnMut(&Profile, &Event),
    ) -> Result<Step> {
        if self.done {
            return Ok(Step::Done);
        }
        match self.splitter.next(w)? {
            Split::NeedMore => return Ok(Step::NeedMore),
            Split::End => {
                if self.generations == 0 {
                    return Err(Error::TruncatedTrace {
                        detail: "the file has a trace header but no generations".into(),
                    });
                }
                self.finish(tables, sink);
            }
            Split::Truncated { offset, detail } => {
                if self.generations == 0 {
                    return Err(Error::TruncatedTrace { detail });
                }
                warnings.push(format!(
                    "the trace is truncated ({detail}); showing the {} complete generation{} before byte {offset}",
                    self.generations,
                    if self.generations == 1 { "" } else { "s" }
                ));
                self.finish(tables, sink);
            }
            Split::Gen(raw) => {
                let last_unmarked = self.version < Version::GO126 && self.splitter.at_end();
                let ends_with_strings = raw.batches.last().is_some_and(|b| b.kind(self.version) == Kind::Strings);
                if last_unmarked && self.generations > 0 && self.tables_last && !ends_with_strings {
                    // The runtime writes a generation's string table last;
                    // without it, the file was cut between batches.
                    warnings.push(format!(
                        "the trace is truncated (its last generation, {}, lacks the string table that ends every \
                         generation); showing the {} complete generation{} before it",
                        raw.gen,
                        self.generations,
                        if self.generations == 1 { "" } else { "s" }
                    ));
                    self.finish(tables, sink);
                    return Ok(Step::Out);
                }
                self.tables_last &= ends_with_strings;
                let (last_ts, syncs) = (self.last_ts, self.syncs);
                let gen_no = raw.gen;
                // A last generation that may be cut short is held back.
                let hold = last_unmarked && self.generations > 0;
                let mut held: Vec<Event> = Vec::new();
                let r = if hold {
                    self.generation(raw, tables, &mut |_, e| held.push(*e))
                } else {
                    self.generation(raw, tables, sink)
                };
                match r {
                    Ok(()) => {
                        self.generations += 1;
                        for e in &held {
                            sink(tables, e);
                        }
                    }
                    Err(e) if hold => {
                        // Before 1.26 nothing marks a generation's end, so a
                        // trace cut between batches shows up here.
                        drop(held);
                        self.last_ts = last_ts;
                        self.syncs = syncs;
                        warnings.push(format!(
                            "the last generation ({gen_no}) could not be decoded, so the trace was probably cut short; \
                             showing the {} complete generation{} before it ({e})",
                            self.generations,
                            if self.generations == 1 { "" } else { "s" }
                        ));
                        self.finish(tables, sink);
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(Step::Out)
    }

    fn finish(&mut self, tables: &Profile, sink: &mut dyn FnMut(&Profile, &Event)) {
        let t = self.last_ts;
        self.emit_sync(t, tables, sink);
        self.done = true;
    }

    #[inline]
    fn emit(&mut self, mut e: Event, tables: &Profile, sink: &mut dyn FnMut(&Profile, &Event)) {
        if e.time_ns <= self.last_ts {
            e.time_ns = self.last_ts.saturating_add(1);
        }
        self.last_ts = e.time_ns;
        sink(tables, &e.normalized());
    }

    fn emit_sync(&mut self, time: i64, tables: &Profile, sink: &mut dyn FnMut(&Profile, &Event)) {
        self.syncs += 1;
        let e = Event {
            kind: EventType::Sync,
            time_ns: time,
            g: -1,
            p: -1,
            m: -1,
            args: [self.syncs, 0, 0, 0],
            stack: None,
        };
        self.emit(e, tables, sink);
    }

    fn generation(
        &mut self,
        raw: RawGen<'_>,
        tables: &mut Profile,
        sink: &mut dyn FnMut(&Profile, &Event),
    ) -> Result<()> {
        let bytes = raw.bytes;
        let g = build(raw, self.version, tables)?;
        // The generation's strings and stacks are all interned now.
        let tables: &Profile = tables;
        if self.clock.is_none() {
            self.clock = g.clock;
        }
        self.experimental_batches += g.experimental_batches;
        let err = |g: &Gen, detail: String| Error::BadTrace {
            offset: g.offset,
            detail: format!("generation {}: {detail}", g.gen),
        };

        let mut frontier: Vec<Cursor> = Vec::new();
        for (i, (m, _)) in g.threads.iter().enumerate() {
            let mut c = Cursor::new(i, *m);
            if c.next_event(&g, self.version)? {
                heap_insert(&mut frontier, c);
            }
        }
        self.emit_sync(ticks_to_ns(g.freq, g.min_ts), tables, sink);

        // Bounds the work on hostile input: real traces advance the head of
        // the frontier almost every time.
        let mut budget: u64 = 64 * bytes + 1_000_000;
        let mut cpu = g.cpu.iter().peekable();
        loop {
            while let Some(e) = self.order.queue.pop_front() {
                self.emit(e, tables, sink);
            }
            let Some(head) = frontier.first() else {
                let Some(s) = cpu.next() else { break };
                self.emit(cpu_event(s), tables, sink);
                continue;
            };
            if let Some(s) = cpu.next_if(|s| s.time < head.ev.time) {
                self.emit(cpu_event(s), tables, sink);
                continue;
            }
            if !self.try_advance(&mut frontier, 0, &g, &mut budget)? {
                budget = budget.saturating_sub(frontier.len() as u64);
                frontier.sort_by_key(|c| c.ev.time);
                let mut ok = false;
                for i in 1..frontier.len() {
                    if self.try_advance(&mut frontier, i, &g, &mut budget)? {
                        ok = true;
                        break;
                    }
                }
                if !ok {
                    return Err(err(
                        &g,
                        "broken trace: no thread's next event can come next (failed to advance)".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    fn try_advance(&mut self, frontier: &mut Vec<Cursor>, i: usize, g: &Gen, budget: &mut u64) -> Result<bool> {
        let work = 1 + std::mem::take(&mut self.order.work);
        *budget = budget.checked_sub(work).ok_or_else(|| Error::BadTrace {
            offset: g.offset,
            detail: format!(
                "generation {}: the events cannot be put in order within a reasonable amount of work",
                g.gen
            ),
        })?;
        let Some(c) = frontier.get_mut(i) else { return Ok(false) };
        let ok = self
            .order
            .advance(&mut c.ev, c.m, g.gen)
            .map_err(|d| Error::BadTrace { offset: g.offset, detail: format!("generation {}: {d}", g.gen) })?;
        if !ok {
            return Ok(false);
        }
        if c.next_event(g, self.version)? {
            heap_update(frontier, i);
        } else {
            heap_remove(frontier, i);
        }
        Ok(true)
    }
}

fn cpu_event(s: &super::generation::CpuSample) -> Event {
    Event { kind: EventType::CPUSample, time_ns: s.time, g: s.g, p: s.p, m: s.m, args: [0; 4], stack: s.stack }
}
