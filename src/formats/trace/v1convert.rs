//! Turns a parsed v1 trace into the v2 event types, as Go's reader does
//! (`internal/trace/tracev1.go`): most events map one to one; the first
//! GOMAXPROCS event ends the trace's initial state dump; an instantaneous
//! syscall becomes a 1 ns begin/end pair; GoStartLabel becomes GoStart plus
//! a GoLabel. String and stack ids become ids of the shared model.

use super::cursor::encode_stack;
use super::events::EventType as T;
use super::header::Version;
use super::order::NO_TASK;
use super::v1::*;
use super::Event;
use crate::model::{Profile, StackId, StrId};
use crate::{Error, Result};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::VecDeque;

/// Block reasons and STW kinds v1 encodes as event types or numbers.
const BUILTIN: [&str; 29] = [
    "forever",
    "preempted",
    "runtime.Gosched",
    "sleep",
    "chan send",
    "chan receive",
    "network",
    "sync",
    "sync.(*Cond).Wait",
    "select",
    "",
    "GC mark assist wait for work",
    // STW kinds from here on.
    "",
    "GC mark termination",
    "GC sweep termination",
    "write heap dump",
    "goroutine profile",
    "goroutine profile cleanup",
    "all goroutine stack trace",
    "read mem stats",
    "AllThreadsSyscall",
    "GOMAXPROCS",
    "start trace",
    "stop trace",
    "CountPagesInUse (test)",
    "ReadMetricsSlow (test)",
    "ReadMemStatsSlow (test)",
    "PageCachePagesLeaked (test)",
    "ResetDebugLog (test)",
];
const S_FOREVER: usize = 0;
const S_PREEMPTED: usize = 1;
const S_GOSCHED: usize = 2;
const S_SLEEP: usize = 3;
const S_CHAN_SEND: usize = 4;
const S_CHAN_RECV: usize = 5;
const S_NETWORK: usize = 6;
const S_SYNC: usize = 7;
const S_SYNC_COND: usize = 8;
const S_SELECT: usize = 9;
const S_EMPTY: usize = 10;
const S_MARK_ASSIST_WAIT: usize = 11;
const S_STW_UNKNOWN: usize = 12;

// Wire statuses used in converted events.
const G_RUNNABLE: u64 = 1;
const G_RUNNING: u64 = 2;
const G_SYSCALL: u64 = 3;
const G_WAITING: u64 = 4;
const P_RUNNING: u64 = 1;
const P_IDLE: u64 = 2;

/// The STW kind of a v1 STWStart argument, as an offset from S_STW_UNKNOWN.
fn stw_reason(ver: Version, kind: u64) -> usize {
    if ver.0 < 21 {
        if kind <= 1 {
            kind as usize + 1
        } else {
            0
        }
    } else if kind < 17 {
        kind as usize
    } else {
        0
    }
}

pub(crate) struct Converter {
    ver: Version,
    events: Vec<V1Event>,
    /// For each event, the index of the next event of the same goroutine.
    next_same_g: Vec<usize>,
    idx: usize,
    strings: FxHashMap<u64, StrId>,
    inline: Vec<StrId>,
    builtin: Vec<StrId>,
    stack_ids: FxHashMap<u32, Option<StackId>>,
    raw_stacks: FxHashMap<u32, Vec<u64>>,
    pcs: FxHashMap<u64, Frame>,
    pre_init: bool,
    created_pre_init: Vec<u64>,
    created_set: FxHashSet<u64>,
    extra: VecDeque<Event>,
    tasks: FxHashMap<u64, (StrId, u64)>,
    seen_procs: FxHashSet<i32>,
    pub last_ts: i64,
    proc_ms: FxHashMap<i32, i64>,
    last_stw: StrId,
}

impl Converter {
    pub fn new(t: V1Trace, ver: Version, tables: &mut Profile) -> Self {
        let mut strings = FxHashMap::default();
        for (id, s) in &t.strings {
            strings.insert(*id, tables.strings.intern(&String::from_utf8_lossy(s)));
        }
        let inline = t.inline.iter().map(|s| tables.strings.intern(&String::from_utf8_lossy(s))).collect();
        let builtin = BUILTIN.iter().map(|s| tables.strings.intern(s)).collect();
        let mut next_same_g = vec![usize::MAX; t.events.len()];
        let mut later: FxHashMap<u64, usize> = FxHashMap::default();
        for (i, ev) in t.events.iter().enumerate().rev() {
            if let Some(&j) = later.get(&ev.g) {
                next_same_g[i] = j;
            }
            later.insert(ev.g, i);
        }
        Converter {
            ver,
            events: t.events,
            next_same_g,
            idx: 0,
            strings,
            inline,
            builtin,
            stack_ids: FxHashMap::default(),
            raw_stacks: t.stacks,
            pcs: t.pcs,
            pre_init: true,
            created_pre_init: Vec::new(),
            created_set: FxHashSet::default(),
            extra: VecDeque::new(),
            tasks: FxHashMap::default(),
            seen_procs: FxHashSet::default(),
            last_ts: -1,
            proc_ms: FxHashMap::default(),
            last_stw: StrId(0),
        }
    }

    /// Time of the first event, if any (before conversion).
    pub fn first_time(&self) -> Option<i64> {
        self.events.first().map(|e| e.ts)
    }

    /// Fraction of the events converted.
    pub fn progress(&self) -> f64 {
        self.idx as f64 / self.events.len().max(1) as f64
    }

    fn str(&self, id: u64) -> StrId {
        self.strings.get(&id).copied().unwrap_or(StrId(0))
    }

    fn builtin(&self, i: usize) -> u64 {
        u64::from(self.builtin.get(i).copied().unwrap_or(StrId(0)).0)
    }

    fn stack(&mut self, id: u32, tables: &mut Profile) -> Option<StackId> {
        if id == 0 {
            return None;
        }
        if let Some(&s) = self.stack_ids.get(&id) {
            return s;
        }
        let mut s = None;
        if let Some(pcs) = self.raw_stacks.get(&id) {
            for pc in pcs.iter().rev() {
                let Some(f) = self.pcs.get(pc) else { continue };
                let name = self.str(f.func);
                let file = self.str(f.file);
                let func = super::frame_func(tables, name, file);
                let frame = tables.frames.intern(func, f.line as i64);
                s = Some(tables.stacks.intern(s, frame));
            }
        }
        self.stack_ids.insert(id, s);
        s
    }

    fn fix_time(&mut self, mut e: Event) -> Event {
        if e.time_ns <= self.last_ts {
            e.time_ns = self.last_ts.saturating_add(1);
        }
        self.last_ts = e.time_ns;
        e.normalized()
    }

    /// The next converted event, or None at the end.
    pub fn next(&mut self, tables: &mut Profile) -> Result<Option<Event>> {
        loop {
            if let Some(e) = self.extra.pop_front() {
                return Ok(Some(self.fix_time(e)));
            }
            let Some(&ev) = self.events.get(self.idx) else { return Ok(None) };
            let i = self.idx;
            self.idx += 1;
            if let Some(e) = self.convert(i, ev, tables)? {
                return Ok(Some(self.fix_time(e)));
            }
        }
    }

    fn convert(&mut self, i: usize, ev: V1Event, tables: &mut Profile) -> Result<Option<Event>> {
        let a = ev.args;
        let stk = self.stack(ev.stk, tables);
        let st = encode_stack(stk);
        let label_ctx_m = self.proc_ms.get(&ev.p).copied().unwrap_or(0);
        let (kind, args): (T, [u64; 4]) = match ev.typ {
            EV_GOMAXPROCS => {
                if self.pre_init {
                    // The first GOMAXPROCS ends the initial state dump: the
                    // goroutines created before it that never ran nor
                    // waited are runnable.
                    self.pre_init = false;
                    for &gid in &self.created_pre_init {
                        if self.created_set.contains(&gid) {
                            self.extra.push_back(Event {
                                kind: T::GoStatus,
                                time_ns: ev.ts,
                                g: -1,
                                p: -1,
                                m: -1,
                                args: [gid, u64::MAX, G_RUNNABLE, 0],
                                stack: None,
                            });
                        }
                    }
                    self.created_pre_init.clear();
                    self.created_set.clear();
                    return Ok(None);
                }
                (T::ProcsChange, [a[0], st, 0, 0])
            }
            EV_PROC_START => {
                self.proc_ms.insert(ev.p, a[0] as i64);
                if self.seen_procs.insert(ev.p) {
                    (T::ProcStatus, [ev.p as i64 as u64, P_RUNNING, 0, 0])
                } else {
                    (T::ProcStart, [ev.p as i64 as u64, 0, 0, 0])
                }
            }
            EV_PROC_STOP => {
                if self.seen_procs.insert(ev.p) {
                    (T::ProcStatus, [ev.p as i64 as u64, P_IDLE, 0, 0])
                } else {
                    (T::ProcStop, [ev.p as i64 as u64, 0, 0, 0])
                }
            }
            EV_GC_START => (T::GCBegin, [a[0], st, 0, 0]),
            EV_GC_DONE => (T::GCEnd, a),
            EV_STW_START => {
                let sid = self.builtin(S_STW_UNKNOWN + stw_reason(self.ver, a[0]));
                self.last_stw = StrId(sid as u32);
                (T::STWBegin, [sid, 0, 0, 0])
            }
            EV_STW_DONE => (T::STWEnd, [u64::from(self.last_stw.0), 0, 0, 0]),
            EV_GC_SWEEP_START => (T::GCSweepBegin, [st, a[1], a[2], a[3]]),
            EV_GC_SWEEP_DONE => (T::GCSweepEnd, a),
            EV_GO_CREATE => {
                if self.pre_init {
                    if self.created_set.insert(a[0]) {
                        self.created_pre_init.push(a[0]);
                    }
                    return Ok(None);
                }
                let new_stack = encode_stack(self.stack(a[1] as u32, tables));
                (T::GoCreate, [a[0], new_stack, st, a[3]])
            }
            EV_GO_START => {
                if self.pre_init {
                    self.created_set.remove(&a[0]);
                    (T::GoStatus, [a[0], u64::MAX, G_RUNNING, 0])
                } else {
                    (T::GoStart, a)
                }
            }
            EV_GO_START_LABEL => {
                let ctx_g = ev.g as i64;
                let label = self.str(a[2]);
                self.extra = VecDeque::from([Event {
                    kind: T::GoLabel,
                    time_ns: ev.ts,
                    g: ctx_g,
                    p: i64::from(ev.p),
                    m: label_ctx_m,
                    args: [u64::from(label.0), 0, 0, 0],
                    stack: None,
                }]);
                return Ok(Some(Event {
                    kind: T::GoStart,
                    time_ns: ev.ts,
                    g: ctx_g,
                    p: i64::from(ev.p),
                    m: label_ctx_m,
                    args: a,
                    stack: None,
                }));
            }
            EV_GO_END => (T::GoDestroy, a),
            EV_GO_STOP => (T::GoBlock, [self.builtin(S_FOREVER), st, 0, 0]),
            EV_GO_SCHED => (T::GoStop, [self.builtin(S_GOSCHED), st, 0, 0]),
            EV_GO_PREEMPT => (T::GoStop, [self.builtin(S_PREEMPTED), st, 0, 0]),
            EV_GO_SLEEP => (T::GoBlock, [self.builtin(S_SLEEP), st, 0, 0]),
            EV_GO_BLOCK => (T::GoBlock, [self.builtin(S_EMPTY), st, 0, 0]),
            EV_GO_UNBLOCK => (T::GoUnblock, [a[0], a[1], st, a[3]]),
            EV_GO_BLOCK_SEND => (T::GoBlock, [self.builtin(S_CHAN_SEND), st, 0, 0]),
            EV_GO_BLOCK_RECV => (T::GoBlock, [self.builtin(S_CHAN_RECV), st, 0, 0]),
            EV_GO_BLOCK_SELECT => (T::GoBlock, [self.builtin(S_SELECT), st, 0, 0]),
            EV_GO_BLOCK_SYNC => (T::GoBlock, [self.builtin(S_SYNC), st, 0, 0]),
            EV_GO_BLOCK_COND => (T::GoBlock, [self.builtin(S_SYNC_COND), st, 0, 0]),
            EV_GO_BLOCK_NET => (T::GoBlock, [self.builtin(S_NETWORK), st, 0, 0]),
            EV_GO_BLOCK_GC => (T::GoBlock, [self.builtin(S_MARK_ASSIST_WAIT), st, 0, 0]),
            EV_GO_SYS_CALL => {
                let blocked =
                    self.next_same_g.get(i).and_then(|&j| self.events.get(j)).is_some_and(|n| n.typ == EV_GO_SYS_BLOCK);
                if !blocked {
                    let ctx_g = ev.g as i64;
                    let begin = Event {
                        kind: T::GoSyscallBegin,
                        time_ns: ev.ts,
                        g: ctx_g,
                        p: i64::from(ev.p),
                        m: label_ctx_m,
                        args: [0, st, 0, 0],
                        stack: stk,
                    };
                    self.extra.push_back(Event {
                        kind: T::GoSyscallEnd,
                        time_ns: ev.ts.wrapping_add(1),
                        args: [0; 4],
                        stack: None,
                        ..begin
                    });
                    return Ok(Some(begin));
                }
                (T::GoSyscallBegin, [0, st, 0, 0])
            }
            EV_GO_SYS_EXIT => (T::GoSyscallEndBlocked, a),
            EV_GO_SYS_BLOCK => return Ok(None),
            EV_GO_WAITING => {
                self.created_set.remove(&a[0]);
                (T::GoStatus, [a[0], u64::MAX, G_WAITING, 0])
            }
            EV_GO_IN_SYSCALL => {
                self.created_set.remove(&a[0]);
                (T::GoStatus, [a[0], u64::MAX, G_SYSCALL, 0])
            }
            EV_HEAP_ALLOC => (T::HeapAlloc, a),
            EV_HEAP_GOAL => (T::HeapGoal, a),
            EV_GC_MARK_ASSIST_START => (T::GCMarkAssistBegin, [st, a[1], a[2], a[3]]),
            EV_GC_MARK_ASSIST_DONE => (T::GCMarkAssistEnd, a),
            EV_USER_TASK_CREATE => {
                let parent = if a[1] == 0 { NO_TASK } else { a[1] };
                let name = self.str(a[2]);
                self.tasks.insert(a[0], (name, a[1]));
                (T::UserTaskBegin, [a[0], parent, u64::from(name.0), st])
            }
            EV_USER_TASK_END => {
                let (name, parent) = self.tasks.remove(&a[0]).unwrap_or((StrId(0), NO_TASK));
                (T::UserTaskEnd, [a[0], st, parent, u64::from(name.0)])
            }
            EV_USER_REGION => {
                let kind = match a[1] {
                    0 => T::UserRegionBegin,
                    1 => T::UserRegionEnd,
                    m => return Err(Error::BadTrace { offset: 0, detail: format!("invalid user region mode {m}") }),
                };
                (kind, [a[0], u64::from(self.str(a[2]).0), st, 0])
            }
            EV_USER_LOG => {
                let value = self.inline.get(a[3] as usize).copied().unwrap_or(StrId(0));
                (T::UserLog, [a[0], u64::from(self.str(a[1]).0), u64::from(value.0), st])
            }
            EV_CPU_SAMPLE => {
                let g = if ev.g == 0 { -1 } else { ev.g as i64 };
                return Ok(Some(Event {
                    kind: T::CPUSample,
                    time_ns: ev.ts,
                    g,
                    p: i64::from(ev.p),
                    m: -1,
                    args: [0; 4],
                    stack: stk,
                }));
            }
            t => {
                return Err(Error::BadTrace {
                    offset: 0,
                    detail: format!("unexpected v1 event type {t} at time {}", ev.ts),
                });
            }
        };
        let mut m = -1;
        if ev.p != -1 {
            if let Some(&t) = self.proc_ms.get(&ev.p) {
                m = t;
            }
        }
        if ev.typ == EV_PROC_STOP {
            self.proc_ms.remove(&ev.p);
        }
        let g = if ev.g == 0 { -1 } else { ev.g as i64 };
        let stack = kind
            .timed_spec()
            .and_then(|s| s.stacks.first().copied())
            .and_then(|i| args.get(i as usize).copied())
            .and_then(super::cursor::decode_stack);
        Ok(Some(Event { kind, time_ns: ev.ts, g, p: i64::from(ev.p), m, args, stack }))
    }
}
