//! Stack profiles of an execution trace, as `go tool trace -pprof=TYPE`
//! computes them (cmd/trace/pprof.go), plus mark assists: the trace's
//! stacks with the time goroutines spent in a state.
//!
//! `cpu` is the trace's CPU samples (what [`crate::formats::open`] gives
//! for a trace). The others have two sample types, `contentions/count` and
//! `delay/nanoseconds` (the default), like Go's output:
//! - `sync` (Go's `sync`): blocked on a channel, select or sync primitive,
//!   at the stack where it blocked;
//! - `net` (Go's `net`): blocked on the network;
//! - `syscall`: in a system call, at the stack that entered it;
//! - `sched`: runnable but not running (scheduler latency), at the stack of
//!   the event that made it runnable;
//! - `assist`: in a GC mark assist, at the stack that began it.

use crate::formats::trace::{Event, EventType, Trace, UNKNOWN_FUNC};
use crate::model::{Profile, StackId, ValueType};
use crate::{Error, Result};
use rustc_hash::FxHashMap;

/// The profile kinds [`profile`] accepts.
pub const KINDS: [&str; 6] = ["cpu", "assist", "sync", "sched", "syscall", "net"];

const NOT_EXIST: u64 = 1;
const RUNNABLE: u64 = 2;
const RUNNING: u64 = 3;
const WAITING: u64 = 4;
const SYSCALL: u64 = 5;

/// The stack profiles other than `cpu`, in the order of [`Records`].
pub const BLOCKING_KINDS: [&str; 5] = ["assist", "sync", "sched", "syscall", "net"];

/// Per stack: (count, nanoseconds).
pub type Records = FxHashMap<Option<StackId>, (i64, i64)>;

/// The `kind` profile of `t` (consumed: its tables become the profile's).
pub fn profile(t: Trace, kind: &str) -> Result<Profile> {
    if kind == "cpu" {
        return Ok(t.profile);
    }
    let Some(i) = BLOCKING_KINDS.iter().position(|&k| k == kind) else {
        return Err(Error::UnknownSampleType {
            requested: kind.to_string(),
            available: KINDS.iter().map(|k| k.to_string()).collect(),
        });
    };
    let mut b = ProfilesBuilder::new();
    for e in t.events.iter() {
        b.event(&t.profile, &e);
    }
    let mut records = b.finish(&t.profile);
    Ok(kind_profile(t.profile, std::mem::take(&mut records[i])))
}

/// `tables` as the profile of one kind's records: sample types
/// `contentions/count` and `delay/nanoseconds` (the default), like Go's.
pub fn kind_profile(tables: Profile, records: Records) -> Profile {
    let mut rows: Vec<_> = records.into_iter().collect();
    rows.sort_by_key(|r| r.0);
    let mut p = tables;
    let count = ValueType { kind: p.strings.intern("contentions"), unit: p.strings.intern("count") };
    let delay = ValueType { kind: p.strings.intern("delay"), unit: p.strings.intern("nanoseconds") };
    p.sample_types = vec![count, delay];
    p.default_sample_type = 1;
    p.period_type = None;
    p.period = 0;
    let s = &mut p.samples;
    s.clear();
    for (stack, (n, ns)) in rows {
        s.stack.push(stack);
        s.values.push(n);
        s.values.push(ns);
        s.label_start.push(0);
    }
    p
}

/// An interval closed before its goroutine ran: (kind, start, end, stack,
/// the closing event's sequence number).
type Pending = (u8, i64, i64, Option<StackId>, u64);

/// What [`ProfilesBuilder`] keeps per goroutine.
/// Kept for every goroutine, so packed: 32 bytes (a trace of 10^6 blocked
/// goroutines holds one each; README "Memory bounds"). A goroutine is in
/// one state at a time, so one tracked interval is open at a time: the
/// ordering pass ([`crate::formats::trace`]) has validated every
/// transition before this sees it.
struct GState {
    /// First time it ran (0: not yet), as Go's goroutine summary has it.
    first_run: i64,
    /// Last time it ended ([`NEVER`]: it did not).
    end: i64,
    /// Since when it has been in the tracked state of kind `kind`.
    since: i64,
    /// At which stack ([`NO_STACK`]: none).
    stack: u32,
    /// Which blocking kind (index of [`STATES`]), [`NOT_TRACKED`]: none.
    kind: u8,
}

const NEVER: i64 = i64::MIN;
const NO_STACK: u32 = u32::MAX;
const NOT_TRACKED: u8 = u8::MAX;

impl Default for GState {
    fn default() -> Self {
        GState { first_run: 0, end: NEVER, since: 0, stack: NO_STACK, kind: NOT_TRACKED }
    }
}

impl GState {
    fn end(&self) -> Option<i64> {
        (self.end != NEVER).then_some(self.end)
    }
}

/// The assist and blocking profiles fed one event at a time, in trace
/// order, so a trace is profiled without keeping its events. Go computes
/// the goroutines' lifetimes in a first pass and then clips each interval
/// to its goroutine's life; here an interval that closes before its
/// goroutine ever ran waits (with that goroutine) until it runs (then the
/// interval counts for nothing, as in Go) or the trace ends. What is kept
/// grows with the number of goroutines and distinct stacks, not events.
pub struct ProfilesBuilder {
    gs: FxHashMap<i64, GState>,
    /// Intervals of goroutines that have not run yet: (kind, start, end, stack).
    pending: FxHashMap<i64, Vec<Pending>>,
    open_assist: FxHashMap<i64, (i64, Option<StackId>)>,
    last_time: i64,
    /// Events seen: the order in which Go's stack map sees records.
    seq: u64,
    out: Out,
}

/// The records: assist, sync, sched, syscall, net.
#[derive(Default)]
struct Out {
    records: [Records; 5],
    /// Per kind and stack, the sequence number of its last record: which
    /// stackless stack Go's merged record ends up with ([`stackless`]).
    last: [FxHashMap<Option<StackId>, u64>; 5],
}

impl Out {
    fn record(&mut self, k: usize, stack: Option<StackId>, seq: u64, d: i64) {
        add(&mut self.records[k], stack, d);
        let l = self.last[k].entry(stack).or_insert(seq);
        *l = (*l).max(seq);
    }

    /// The records, each kind's stackless ones merged into one under the
    /// stack recorded last, as Go merges them.
    fn finish(mut self, tables: &Profile) -> [Records; 5] {
        for (records, last) in self.records.iter_mut().zip(&self.last) {
            let mut keys: Vec<_> = records.keys().copied().filter(|&s| stackless(tables, s)).collect();
            if keys.len() < 2 && keys.first().is_none_or(|s| s.is_none()) {
                continue;
            }
            keys.sort_by_key(|s| (last.get(s).copied().unwrap_or(0), *s));
            let mut merged = (0i64, 0i64);
            for s in &keys {
                let (n, ns) = records.remove(s).unwrap_or_default();
                merged = (merged.0 + n, merged.1.saturating_add(ns));
            }
            let to = *keys.last().expect("two keys at least");
            // A stack of only PC-0 frames is Go's location at PC 0; no stack
            // at all is Go's sample without locations.
            records.insert(to, merged);
        }
        self.records
    }
}

impl Default for ProfilesBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn add(r: &mut Records, stack: Option<StackId>, d: i64) {
    let r = r.entry(stack).or_insert((0, 0));
    r.0 += 1;
    r.1 = r.1.saturating_add(d);
}

/// Whether Go's `go tool trace -pprof` takes `stack` for no stack at all.
/// Go (cmd/trace/pprof.go) keys its records by the stack's first 128 PCs,
/// zero-filled, and a record moves to the stack seen last with those PCs:
/// so an event without a stack and one whose stack is a single frame at
/// PC 0 (the trace writer emits those, `" @ 0x0"`, for some wake-ups) share
/// one record, which ends as a sample without locations (no `-top` row) or
/// at a location with PC 0 (`<unknown>`), whichever came last. Here a
/// frame at PC 0 is one without function name (the decoder's
/// [`UNKNOWN_FUNC`]), file or line: every symbolized PC has a function.
fn stackless(p: &Profile, stack: Option<StackId>) -> bool {
    let mut s = stack;
    while let Some(id) = s {
        let i = id.idx();
        let fr = p.stacks.frame[i].idx();
        let f = p.frames.func[fr].idx();
        if p.frames.line[fr] != 0
            || p.strings.get(p.funcs.name[f]) != UNKNOWN_FUNC
            || !p.strings.get(p.funcs.file[f]).is_empty()
        {
            return false;
        }
        s = p.stacks.prefix[i];
    }
    true
}

impl ProfilesBuilder {
    pub fn new() -> Self {
        ProfilesBuilder {
            gs: FxHashMap::default(),
            pending: FxHashMap::default(),
            open_assist: FxHashMap::default(),
            last_time: 0,
            seq: 0,
            out: Out::default(),
        }
    }

    /// The next event; `tables` resolves its strings.
    pub fn event(&mut self, tables: &Profile, e: &Event) {
        self.last_time = e.time_ns;
        self.seq += 1;
        let seq = self.seq;
        match e.kind {
            EventType::GCMarkAssistBegin => {
                self.open_assist.insert(e.g, (e.time_ns, e.stack.or(e.stack_arg(0))));
                return;
            }
            EventType::GCMarkAssistEnd => {
                if let Some((b, s)) = self.open_assist.remove(&e.g) {
                    self.out.record(0, s, seq, e.time_ns.saturating_sub(b));
                }
                return;
            }
            _ => {}
        }
        let Some((g, _, new)) = super::gc::go_transition(e.kind, e.g, e.args) else { return };
        let st = self.gs.entry(g).or_default();
        let time = e.time_ns;
        if new == RUNNING && st.first_run == 0 {
            st.first_run = time;
            // Intervals closed before its first run lie outside its life.
            if !self.pending.is_empty() {
                self.pending.remove(&g);
            }
        }
        if new == NOT_EXIST {
            st.end = time;
        }
        let reason = || match e.kind {
            EventType::GoStop | EventType::GoBlock => tables.strings.get(e.str_arg(0)),
            _ => "",
        };
        if st.kind != NOT_TRACKED && new != STATES[st.kind as usize] {
            let (k, start) = (st.kind as usize, st.since);
            let stack = (st.stack != NO_STACK).then(|| StackId::new(st.stack));
            st.kind = NOT_TRACKED;
            if st.first_run == 0 {
                self.pending.entry(g).or_default().push((k as u8, start, time, stack, seq));
            } else {
                let d = overlap((st.first_run, st.end().unwrap_or(i64::MAX)), start, time);
                if d > 0 {
                    self.out.record(k + 1, stack, seq, d);
                }
            }
        }
        if st.kind == NOT_TRACKED {
            if let Some(k) = (0..STATES.len()).find(|&k| new == STATES[k] && track(k, reason())) {
                st.kind = k as u8;
                st.since = time;
                st.stack = e.stack.map_or(NO_STACK, |s| s.index());
            }
        }
    }

    /// Per kind of [`BLOCKING_KINDS`], the records by stack; `tables` has
    /// every stack the events named.
    pub fn finish(mut self, tables: &Profile) -> [Records; 5] {
        let end = self.last_time;
        let mut rest: Vec<_> = self.open_assist.into_values().collect();
        rest.sort();
        for (b, s) in rest {
            self.out.record(0, s, u64::MAX, end.saturating_sub(b));
        }
        // Goroutines that never ran: their life is 0 to their end (or the trace's).
        let mut pending: Vec<_> = self.pending.into_iter().collect();
        pending.sort_by_key(|p| p.0);
        for (g, list) in pending {
            let life_end = self.gs.get(&g).and_then(GState::end).unwrap_or(end);
            for (k, start, stop, stack, seq) in list {
                let d = overlap((0, life_end), start, stop);
                if d > 0 {
                    self.out.record(k as usize + 1, stack, seq, d);
                }
            }
        }
        self.out.finish(tables)
    }
}

/// The states tracked for sync, sched, syscall and net.
const STATES: [u64; 4] = [WAITING, RUNNABLE, SYSCALL, WAITING];

fn track(k: usize, reason: &str) -> bool {
    match k {
        0 => reason.contains("chan") || reason.contains("sync") || reason.contains("select"),
        3 => reason == "network",
        _ => true,
    }
}

/// The part of `start..end` inside the goroutine life `(a, b)`.
fn overlap((a, b): (i64, i64), start: i64, end: i64) -> i64 {
    if b < start || end < a {
        return 0;
    }
    end.min(b).saturating_sub(start.max(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Format;

    /// Go's rule for delays without a stack ([`stackless`]): one record,
    /// under the stack seen last. Goroutine 7 is made runnable twice, once
    /// by an event without a stack and once by one whose stack is a frame
    /// at PC 0, in both orders.
    #[test]
    fn stackless_delays_are_one_record_under_the_last_stack() {
        for pc0_last in [true, false] {
            let mut p = Profile::new(Format::Trace);
            let (name, file) = (p.strings.intern(UNKNOWN_FUNC), p.strings.intern(""));
            let f = p.funcs.intern(name, name, file, 0);
            let fr = p.frames.intern(f, 0);
            let pc0 = Some(p.stacks.intern(None, fr));
            let main = p.strings.intern("main.f");
            let fm = p.funcs.intern(main, main, file, 0);
            let named = Some(p.stacks.intern(None, p.frames.intern(fm, 3)));
            let ev = |kind, t, g, stack| Event { kind, time_ns: t, g, p: 0, m: 0, args: [7, 0, 0, 0], stack };
            let (first, second) = if pc0_last { (None, pc0) } else { (pc0, None) };
            let mut b = ProfilesBuilder::new();
            for e in [
                ev(EventType::GoStart, 1, 0, None),
                ev(EventType::GoBlock, 2, 7, None),
                ev(EventType::GoUnblock, 10, 0, first),
                ev(EventType::GoStart, 15, 0, None),
                ev(EventType::GoBlock, 16, 7, None),
                ev(EventType::GoUnblock, 20, 0, second),
                ev(EventType::GoStart, 27, 0, None),
                ev(EventType::GoBlock, 28, 7, None),
                ev(EventType::GoUnblock, 30, 0, named),
                ev(EventType::GoStart, 31, 0, None),
            ] {
                b.event(&p, &e);
            }
            let sched = &b.finish(&p)[2];
            let want: Records = [(second, (2, 12)), (named, (1, 1))].into_iter().collect();
            assert_eq!(sched, &want, "pc0_last {pc0_last}");
        }
    }
}
