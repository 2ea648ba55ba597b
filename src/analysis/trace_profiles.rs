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

use crate::formats::trace::{EventType, Trace};
use crate::model::{Profile, StackId, ValueType};
use crate::{Error, Result};
use std::collections::HashMap;

/// The profile kinds [`profile`] accepts.
pub const KINDS: [&str; 6] = ["cpu", "assist", "sync", "sched", "syscall", "net"];

const NOT_EXIST: u64 = 1;
const RUNNABLE: u64 = 2;
const RUNNING: u64 = 3;
const WAITING: u64 = 4;
const SYSCALL: u64 = 5;

/// The `kind` profile of `t` (consumed: its tables become the profile's).
pub fn profile(t: Trace, kind: &str) -> Result<Profile> {
    let records: HashMap<Option<StackId>, (i64, i64)> = match kind {
        "cpu" => return Ok(t.profile),
        "assist" => assists(&t),
        "sync" => by_state(&t, WAITING, |r| r.contains("chan") || r.contains("sync") || r.contains("select")),
        "net" => by_state(&t, WAITING, |r| r == "network"),
        "syscall" => by_state(&t, SYSCALL, |_| true),
        "sched" => by_state(&t, RUNNABLE, |_| true),
        other => {
            return Err(Error::UnknownSampleType {
                requested: other.to_string(),
                available: KINDS.iter().map(|k| k.to_string()).collect(),
            })
        }
    };
    let mut rows: Vec<_> = records.into_iter().collect();
    rows.sort_by_key(|r| r.0);
    let mut p = t.profile;
    let count = ValueType { kind: p.strings.intern("contentions"), unit: p.strings.intern("count") };
    let delay = ValueType { kind: p.strings.intern("delay"), unit: p.strings.intern("nanoseconds") };
    p.sample_types = vec![count, delay];
    p.default_sample_type = 1;
    p.period_type = None;
    p.period = 0;
    let s = &mut p.samples;
    s.stack.clear();
    s.values.clear();
    s.labels.clear();
    s.label_start.clear();
    s.label_start.push(0);
    for (stack, (n, ns)) in rows {
        s.stack.push(stack);
        s.values.push(n);
        s.values.push(ns);
        s.label_start.push(0);
    }
    Ok(p)
}

fn assists(t: &Trace) -> HashMap<Option<StackId>, (i64, i64)> {
    let mut out: HashMap<Option<StackId>, (i64, i64)> = HashMap::new();
    let mut open: HashMap<i64, (i64, Option<StackId>)> = HashMap::new();
    let end = t.events.time_ns.last().copied().unwrap_or(0);
    let mut add = |stack, d: i64| {
        let r = out.entry(stack).or_insert((0, 0));
        r.0 += 1;
        r.1 = r.1.saturating_add(d);
    };
    for e in t.events.iter() {
        match e.kind {
            EventType::GCMarkAssistBegin => {
                open.insert(e.g, (e.time_ns, e.stack.or(e.stack_arg(0))));
            }
            EventType::GCMarkAssistEnd => {
                if let Some((b, s)) = open.remove(&e.g) {
                    add(s, e.time_ns.saturating_sub(b));
                }
            }
            _ => {}
        }
    }
    let mut rest: Vec<_> = open.into_values().collect();
    rest.sort();
    for (b, s) in rest {
        add(s, end.saturating_sub(b));
    }
    out
}

/// Go's `makeComputePprofFunc` under `pprofByGoroutine` with no name: time
/// from a transition into `state` (with a matching reason) to the next
/// transition out of it, by the stack of the transition in, counting only
/// the part inside the goroutine's life as Go's goroutine summary has it
/// (from its first run, or 0 if it never ran, to its end or the trace's).
fn by_state(t: &Trace, state: u64, track: impl Fn(&str) -> bool) -> HashMap<Option<StackId>, (i64, i64)> {
    let trace_end = t.events.time_ns.last().copied().unwrap_or(0);
    let mut life: HashMap<i64, (i64, i64)> = HashMap::new();
    for e in t.events.iter() {
        let Some((g, _, new)) = super::gc::go_transition(e.kind, e.g, e.args) else { continue };
        let l = life.entry(g).or_insert((0, trace_end));
        if new == RUNNING && l.0 == 0 {
            l.0 = e.time_ns;
        }
        if new == NOT_EXIST {
            l.1 = e.time_ns;
        }
    }
    let overlap = |g: i64, start: i64, end: i64| -> i64 {
        let Some(&(a, b)) = life.get(&g) else { return 0 };
        if b < start || end < a {
            return 0;
        }
        end.min(b).saturating_sub(start.max(a))
    };
    let mut out: HashMap<Option<StackId>, (i64, i64)> = HashMap::new();
    let mut tracking: HashMap<i64, (i64, Option<StackId>)> = HashMap::new();
    for e in t.events.iter() {
        let Some((g, _, new)) = super::gc::go_transition(e.kind, e.g, e.args) else { continue };
        match tracking.get(&g) {
            None => {
                let reason = match e.kind {
                    EventType::GoStop | EventType::GoBlock => t.str(e.str_arg(0)),
                    _ => "",
                };
                if new == state && track(reason) {
                    tracking.insert(g, (e.time_ns, e.stack));
                }
            }
            Some(_) if new == state => {}
            Some(&(start, stack)) => {
                tracking.remove(&g);
                let d = overlap(g, start, e.time_ns);
                if d > 0 {
                    let r = out.entry(stack).or_insert((0, 0));
                    r.0 += 1;
                    r.1 = r.1.saturating_add(d);
                }
            }
        }
    }
    out
}
