//! The v1 layout (Go 1.11–1.21): one stream of per-P batches with the
//! string table inline, and the frequency and stack table at the end. The
//! whole file is one unit: events are merged across Ps by timestamp as far
//! as the goroutines' sequence numbers allow, then checked for consistency,
//! as Go's `internal/trace/internal/tracev1` parser does.

use super::header::Version;
use super::leb128::uvarint;
use crate::{Error, Result};
use rustc_hash::{FxHashMap, FxHashSet};

// v1 event types.
pub(crate) const EV_NONE: u8 = 0;
pub(crate) const EV_BATCH: u8 = 1;
pub(crate) const EV_FREQUENCY: u8 = 2;
pub(crate) const EV_STACK: u8 = 3;
pub(crate) const EV_GOMAXPROCS: u8 = 4;
pub(crate) const EV_PROC_START: u8 = 5;
pub(crate) const EV_PROC_STOP: u8 = 6;
pub(crate) const EV_GC_START: u8 = 7;
pub(crate) const EV_GC_DONE: u8 = 8;
pub(crate) const EV_STW_START: u8 = 9;
pub(crate) const EV_STW_DONE: u8 = 10;
pub(crate) const EV_GC_SWEEP_START: u8 = 11;
pub(crate) const EV_GC_SWEEP_DONE: u8 = 12;
pub(crate) const EV_GO_CREATE: u8 = 13;
pub(crate) const EV_GO_START: u8 = 14;
pub(crate) const EV_GO_END: u8 = 15;
pub(crate) const EV_GO_STOP: u8 = 16;
pub(crate) const EV_GO_SCHED: u8 = 17;
pub(crate) const EV_GO_PREEMPT: u8 = 18;
pub(crate) const EV_GO_SLEEP: u8 = 19;
pub(crate) const EV_GO_BLOCK: u8 = 20;
pub(crate) const EV_GO_UNBLOCK: u8 = 21;
pub(crate) const EV_GO_BLOCK_SEND: u8 = 22;
pub(crate) const EV_GO_BLOCK_RECV: u8 = 23;
pub(crate) const EV_GO_BLOCK_SELECT: u8 = 24;
pub(crate) const EV_GO_BLOCK_SYNC: u8 = 25;
pub(crate) const EV_GO_BLOCK_COND: u8 = 26;
pub(crate) const EV_GO_BLOCK_NET: u8 = 27;
pub(crate) const EV_GO_SYS_CALL: u8 = 28;
pub(crate) const EV_GO_SYS_EXIT: u8 = 29;
pub(crate) const EV_GO_SYS_BLOCK: u8 = 30;
pub(crate) const EV_GO_WAITING: u8 = 31;
pub(crate) const EV_GO_IN_SYSCALL: u8 = 32;
pub(crate) const EV_HEAP_ALLOC: u8 = 33;
pub(crate) const EV_HEAP_GOAL: u8 = 34;
pub(crate) const EV_TIMER_GOROUTINE: u8 = 35;
pub(crate) const EV_STRING: u8 = 37;
pub(crate) const EV_GO_START_LOCAL: u8 = 38;
pub(crate) const EV_GO_UNBLOCK_LOCAL: u8 = 39;
pub(crate) const EV_GO_SYS_EXIT_LOCAL: u8 = 40;
pub(crate) const EV_GO_START_LABEL: u8 = 41;
pub(crate) const EV_GO_BLOCK_GC: u8 = 42;
pub(crate) const EV_GC_MARK_ASSIST_START: u8 = 43;
pub(crate) const EV_GC_MARK_ASSIST_DONE: u8 = 44;
pub(crate) const EV_USER_TASK_CREATE: u8 = 45;
pub(crate) const EV_USER_TASK_END: u8 = 46;
pub(crate) const EV_USER_REGION: u8 = 47;
pub(crate) const EV_USER_LOG: u8 = 48;
pub(crate) const EV_CPU_SAMPLE: u8 = 49;
const EV_COUNT: u8 = 50;

// Fake Ps the parser moves some events to.
pub(crate) const TIMER_P: i32 = 1_000_001;
pub(crate) const NETPOLL_P: i32 = 1_000_002;
pub(crate) const SYSCALL_P: i32 = 1_000_003;
pub(crate) const GC_P: i32 = 1_000_004;
pub(crate) const PROFILE_P: i32 = 1_000_005;

/// (name, first version, has a stack argument, number of other arguments)
const DESCS: [(&str, u8, bool, u8); EV_COUNT as usize] = [
    ("None", 5, false, 0),
    ("Batch", 5, false, 2),
    ("Frequency", 5, false, 1),
    ("Stack", 5, false, 2),
    ("Gomaxprocs", 5, true, 1),
    ("ProcStart", 5, false, 1),
    ("ProcStop", 5, false, 0),
    ("GCStart", 5, true, 1),
    ("GCDone", 5, false, 0),
    ("GCSTWStart", 5, false, 1),
    ("GCSTWDone", 5, false, 0),
    ("GCSweepStart", 5, true, 0),
    ("GCSweepDone", 5, false, 2),
    ("GoCreate", 5, true, 2),
    ("GoStart", 5, false, 2),
    ("GoEnd", 5, false, 0),
    ("GoStop", 5, true, 0),
    ("GoSched", 5, true, 0),
    ("GoPreempt", 5, true, 0),
    ("GoSleep", 5, true, 0),
    ("GoBlock", 5, true, 0),
    ("GoUnblock", 5, true, 2),
    ("GoBlockSend", 5, true, 0),
    ("GoBlockRecv", 5, true, 0),
    ("GoBlockSelect", 5, true, 0),
    ("GoBlockSync", 5, true, 0),
    ("GoBlockCond", 5, true, 0),
    ("GoBlockNet", 5, true, 0),
    ("GoSysCall", 5, true, 0),
    ("GoSysExit", 5, false, 3),
    ("GoSysBlock", 5, false, 0),
    ("GoWaiting", 5, false, 1),
    ("GoInSyscall", 5, false, 1),
    ("HeapAlloc", 5, false, 1),
    ("HeapGoal", 5, false, 1),
    ("TimerGoroutine", 5, false, 1),
    ("FutileWakeup", 5, false, 0),
    ("String", 7, false, 0),
    ("GoStartLocal", 7, false, 1),
    ("GoUnblockLocal", 7, true, 1),
    ("GoSysExitLocal", 7, false, 2),
    ("GoStartLabel", 8, false, 3),
    ("GoBlockGC", 8, true, 0),
    ("GCMarkAssistStart", 9, true, 0),
    ("GCMarkAssistDone", 9, false, 0),
    ("UserTaskCreate", 11, true, 3),
    ("UserTaskEnd", 11, true, 1),
    ("UserRegion", 11, true, 3),
    ("UserLog", 11, true, 2),
    ("CPUSample", 19, true, 3),
];

fn name(t: u8) -> &'static str {
    DESCS.get(t as usize).map_or("?", |d| d.0)
}

/// One parsed v1 event.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct V1Event {
    /// Nanoseconds from the first event, once parsing is done.
    pub ts: i64,
    pub g: u64,
    pub args: [u64; 4],
    pub stk: u32,
    pub p: i32,
    pub typ: u8,
}

/// A frame of the stack table: function and file are string ids.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub func: u64,
    pub file: u64,
    pub line: u64,
}

/// A parsed v1 trace.
pub(crate) struct V1Trace {
    pub events: Vec<V1Event>,
    pub stacks: FxHashMap<u32, Vec<u64>>,
    pub pcs: FxHashMap<u64, Frame>,
    pub strings: FxHashMap<u64, Vec<u8>>,
    /// Strings given inline (trace.Log messages), by index.
    pub inline: Vec<Vec<u8>>,
    /// Events whose stack is missing from the stack table (dropped, as Go
    /// does); the table comes last, so this means the file was cut short.
    pub missing_stacks: usize,
}

const SKIP_ARGS: u8 = 1;
const SKIP_STRINGS: u8 = 2;

#[derive(Default)]
struct Raw {
    typ: u8,
    args: Vec<u64>,
    sarg: Option<Vec<u8>>,
    batch_pid: i32,
    batch_offset: usize,
}

impl Raw {
    /// The number of arguments the event should have (Go's argNum).
    fn arg_num(&self) -> usize {
        let Some(&(_, _, stack, n)) = DESCS.get(self.typ as usize) else { return usize::MAX };
        if self.typ == EV_STACK {
            return self.args.len();
        }
        let narg = n as usize + usize::from(stack);
        match self.typ {
            EV_BATCH | EV_FREQUENCY | EV_TIMER_GOROUTINE => narg,
            _ => narg + 1,
        }
    }
}

#[derive(Clone, Copy)]
struct BatchOffset {
    offset: usize,
}

struct Parser<'a> {
    ver: Version,
    data: &'a [u8],
    /// Offset of `data` in the file, for error messages.
    base: usize,
    off: usize,
    strings: FxHashMap<u64, Vec<u8>>,
    inline: Vec<Vec<u8>>,
    inline_index: FxHashMap<Vec<u8>, usize>,
    batches: FxHashMap<i32, (Vec<BatchOffset>, usize)>,
    stacks: FxHashMap<u32, Vec<u64>>,
    ticks_per_sec: i64,
    pcs: FxHashMap<u64, Frame>,
    cpu: Vec<V1Event>,
    timer_goids: FxHashSet<u64>,
    last_ts: i64,
    last_g: u64,
    last_gs: FxHashMap<i32, u64>,
    last_p: i32,
}

/// Errors of the v1 parser: running out of data means truncation.
fn eof(what: &str) -> Error {
    Error::TruncatedTrace { detail: format!("the file ends inside {what}") }
}

impl<'a> Parser<'a> {
    fn bad(&self, detail: impl Into<String>) -> Error {
        Error::BadTrace { offset: (self.base + self.off) as u64, detail: detail.into() }
    }

    fn val(&mut self, what: &str) -> Result<u64> {
        match uvarint(self.data, &mut self.off) {
            Ok(v) => Ok(v),
            Err(super::leb128::VarintError::Eof) => Err(eof(what)),
            Err(_) => Err(self.bad(format!("malformed varint in {what}"))),
        }
    }

    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8]> {
        let end = usize::try_from(n).ok().and_then(|n| self.off.checked_add(n)).filter(|&e| e <= self.data.len());
        let Some(end) = end else { return Err(eof(what)) };
        let s = &self.data[self.off..end];
        self.off = end;
        Ok(s)
    }

    /// Reads one raw event; Ok(false) at the end of the data.
    fn read_raw(&mut self, flags: u8, ev: &mut Raw) -> Result<bool> {
        let Some(&b) = self.data.get(self.off) else { return Ok(false) };
        let start = self.off;
        self.off += 1;
        let typ = b & 0x3f;
        let narg = (b >> 6) as usize + 1;
        let min_ver = DESCS.get(typ as usize).map_or(u8::MAX, |d| d.1);
        if typ == EV_NONE || typ >= EV_COUNT || min_ver > self.ver.0 {
            self.off = start;
            return Err(self.bad(format!("unknown event type {typ}")));
        }
        ev.args.clear();
        ev.sarg = None;
        ev.typ = typ;
        match typ {
            EV_STRING => {
                if flags & SKIP_STRINGS != 0 {
                    self.val("a string id")?;
                    let n = self.val("a string length")?;
                    self.take(n, "a string")?;
                } else {
                    let id = self.val("a string id")?;
                    if id == 0 {
                        return Err(self.bad("string has invalid id 0"));
                    }
                    if self.strings.get(&id).is_some_and(|s| !s.is_empty()) {
                        return Err(self.bad(format!("string has duplicate id {id}")));
                    }
                    let n = self.val("a string length")?;
                    if n == 0 {
                        return Err(self.bad("string has invalid length 0"));
                    }
                    if n > 1_000_000 {
                        return Err(self.bad(format!("string has too large length {n}")));
                    }
                    let s = self.take(n, "a string")?.to_vec();
                    self.strings.insert(id, s);
                }
                ev.typ = EV_NONE;
            }
            EV_BATCH => {
                if narg != 2 {
                    return Err(self.bad(format!("EvBatch has wrong number of arguments: got {narg}, want 2")));
                }
                let pid = self.val("a batch header")?;
                if pid != u64::MAX && pid > i32::MAX as u64 {
                    return Err(self.bad(format!("processor ID {pid} is larger than the maximum of {}", i32::MAX)));
                }
                let ts = self.val("a batch header")?;
                ev.batch_pid = if pid == u64::MAX { -1 } else { pid as i32 };
                ev.batch_offset = start;
                ev.args.extend([pid, ts]);
            }
            _ => {
                if narg <= 3 {
                    for _ in 0..narg {
                        let v = self.val("event arguments")?;
                        if flags & SKIP_ARGS == 0 {
                            ev.args.push(v);
                        }
                    }
                } else {
                    let n = self.val("an event length")?;
                    if n > 2048 {
                        return Err(self.bad(format!(
                            "event {} has a length-prefixed argument of {n} bytes; the limit is 2048",
                            name(typ)
                        )));
                    }
                    if flags & SKIP_ARGS == 0 || typ == EV_CPU_SAMPLE {
                        let buf = self.take(n, "event arguments")?;
                        let mut p = 0;
                        while p < buf.len() {
                            let v =
                                uvarint(buf, &mut p).map_err(|_| self.bad("malformed varint in event arguments"))?;
                            ev.args.push(v);
                        }
                    } else {
                        self.take(n, "event arguments")?;
                    }
                    if typ == EV_USER_LOG {
                        let n = self.val("a log message length")?;
                        if flags & SKIP_ARGS == 0 && n > 1_000_000 {
                            return Err(self.bad(format!("string is too large (len={n})")));
                        }
                        let s = self.take(n, "a log message")?;
                        if flags & SKIP_ARGS == 0 {
                            ev.sarg = Some(s.to_vec());
                        }
                    }
                }
            }
        }
        Ok(true)
    }

    /// First pass: where the batches are, and the CPU samples.
    fn collect(&mut self) -> Result<bool> {
        let mut raw = Raw::default();
        let mut cur_p = 0i32;
        let mut saw_frequency = false;
        while self.read_raw(SKIP_ARGS | SKIP_STRINGS, &mut raw)? {
            saw_frequency |= raw.typ == EV_FREQUENCY;
            if raw.typ == EV_NONE {
                continue;
            }
            if raw.typ == EV_BATCH {
                self.batches.entry(raw.batch_pid).or_default().0.push(BatchOffset { offset: raw.batch_offset });
                cur_p = raw.batch_pid;
            }
            if self.batches.get(&cur_p).is_none_or(|b| b.0.is_empty()) {
                return Err(self.bad(format!("event {} before the first batch of P {cur_p}", name(raw.typ))));
            }
            if raw.typ == EV_CPU_SAMPLE {
                let narg = raw.arg_num();
                if raw.args.len() != narg {
                    return Err(self.bad(format!(
                        "CPU sample has wrong number of arguments: want {narg}, got {}",
                        raw.args.len()
                    )));
                }
                let mut e = V1Event { typ: EV_CPU_SAMPLE, ..Default::default() };
                for i in 1..narg {
                    let v = raw.args[i];
                    if i == narg - 1 {
                        e.stk = v as u32;
                    } else if let Some(a) = e.args.get_mut(i - 1) {
                        *a = v;
                    }
                }
                e.ts = e.args[0] as i64;
                e.p = e.args[1] as i32;
                e.g = e.args[2];
                e.args[0] = 0;
                self.cpu.push(e);
            }
        }
        Ok(saw_frequency)
    }

    /// Loads the next batch of `pid` into `out`; false if it has no more.
    fn load_batch(&mut self, pid: i32, out: &mut Vec<V1Event>) -> Result<bool> {
        let Some((offsets, next)) = self.batches.get_mut(&pid) else { return Ok(false) };
        let Some(&BatchOffset { offset }) = offsets.get(*next) else { return Ok(false) };
        *next += 1;
        self.off = offset;
        out.clear();
        let mut got_header = false;
        let mut raw = Raw::default();
        while self.read_raw(0, &mut raw)? {
            if raw.typ == EV_NONE || raw.typ == EV_CPU_SAMPLE {
                continue;
            }
            if raw.typ == EV_BATCH {
                if got_header {
                    break;
                }
                got_header = true;
            }
            if let Some(ev) = self.parse_event(&raw)? {
                out.push(ev);
            }
        }
        Ok(true)
    }

    /// Turns a raw event into an event, or updates parser state for
    /// structural ones (None).
    fn parse_event(&mut self, raw: &Raw) -> Result<Option<V1Event>> {
        let (name, _, stack, _) = DESCS[raw.typ as usize];
        let narg = raw.arg_num();
        if raw.args.len() != narg {
            return Err(self.bad(format!("{name} has wrong number of arguments: want {narg}, got {}", raw.args.len())));
        }
        let a = &raw.args;
        match raw.typ {
            EV_BATCH => {
                self.last_gs.insert(self.last_p, self.last_g);
                if a[0] != u64::MAX && a[0] > i32::MAX as u64 {
                    return Err(self.bad(format!("processor ID {} is larger than the maximum of {}", a[0], i32::MAX)));
                }
                self.last_p = if a[0] == u64::MAX { -1 } else { a[0] as i32 };
                self.last_g = self.last_gs.get(&self.last_p).copied().unwrap_or(0);
                self.last_ts = a[1] as i64;
            }
            EV_FREQUENCY => {
                self.ticks_per_sec = a[0] as i64;
                if self.ticks_per_sec <= 0 {
                    return Err(self.bad("time stamps out of order (non-positive frequency)"));
                }
            }
            EV_TIMER_GOROUTINE => {
                self.timer_goids.insert(a[0]);
            }
            EV_STACK => {
                if a.len() < 2 {
                    return Err(
                        self.bad(format!("EvStack has wrong number of arguments: want at least 2, got {}", a.len()))
                    );
                }
                let size = a[1];
                if size > 1000 {
                    return Err(self.bad(format!("EvStack has bad number of frames: {size}")));
                }
                if a.len() as u64 != 2 + 4 * size {
                    return Err(self.bad(format!(
                        "EvStack has wrong number of arguments: want {}, got {}",
                        2 + 4 * size,
                        a.len()
                    )));
                }
                let id = a[0] as u32;
                if id != 0 && size > 0 {
                    let mut stk = Vec::with_capacity(size as usize);
                    for f in a[2..].chunks_exact(4) {
                        stk.push(f[0]);
                        self.pcs.entry(f[0]).or_insert(Frame { func: f[1], file: f[2], line: f[3] });
                    }
                    self.stacks.insert(id, stk);
                }
            }
            EV_CPU_SAMPLE => {}
            t => {
                let mut ev = V1Event { typ: t, p: self.last_p, g: self.last_g, ..Default::default() };
                ev.ts = self.last_ts.wrapping_add(a[0] as i64);
                self.last_ts = ev.ts;
                for (i, &v) in a.iter().enumerate().take(narg).skip(1) {
                    if i == narg - 1 && stack {
                        ev.stk = v as u32;
                    } else if let Some(slot) = ev.args.get_mut(i - 1) {
                        *slot = v;
                    }
                }
                match t {
                    EV_GO_START | EV_GO_START_LOCAL | EV_GO_START_LABEL => {
                        self.last_g = ev.args[0];
                        ev.g = self.last_g;
                    }
                    EV_GO_END | EV_GO_STOP | EV_GO_SCHED | EV_GO_PREEMPT | EV_GO_SLEEP | EV_GO_BLOCK
                    | EV_GO_BLOCK_SEND | EV_GO_BLOCK_RECV | EV_GO_BLOCK_SELECT | EV_GO_BLOCK_SYNC
                    | EV_GO_BLOCK_COND | EV_GO_BLOCK_NET | EV_GO_SYS_BLOCK | EV_GO_BLOCK_GC => self.last_g = 0,
                    EV_GO_SYS_EXIT | EV_GO_WAITING | EV_GO_IN_SYSCALL => ev.g = ev.args[0],
                    EV_USER_LOG => {
                        let s = raw.sarg.clone().ok_or_else(|| self.bad("UserLog without its message"))?;
                        let id = match self.inline_index.get(&s) {
                            Some(&i) => i,
                            None => {
                                let i = self.inline.len();
                                self.inline_index.insert(s.clone(), i);
                                self.inline.push(s);
                                i
                            }
                        };
                        ev.args[3] = id as u64;
                    }
                    _ => {}
                }
                return Ok(Some(ev));
            }
        }
        Ok(None)
    }
}

// Goroutine states for merging (tracev1 order.go).
const G_DEAD: u8 = 0;
const G_RUNNABLE: u8 = 1;
const G_RUNNING: u8 = 2;
const G_WAITING: u8 = 3;
const UNORDERED: u64 = u64::MAX;
const GARBAGE: u64 = u64::MAX - 1;
const NOSEQ: u64 = u64::MAX;
const SEQINC: u64 = u64::MAX - 1;

#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct GSeq {
    seq: u64,
    status: u8,
}

/// (goroutine, state needed before, state after) for merging.
fn state_transition(ev: &V1Event) -> (u64, GSeq, GSeq) {
    let s = |seq, status| GSeq { seq, status };
    match ev.typ {
        EV_GO_CREATE => (ev.args[0], s(0, G_DEAD), s(1, G_RUNNABLE)),
        EV_GO_WAITING | EV_GO_IN_SYSCALL => (ev.g, s(1, G_RUNNABLE), s(2, G_WAITING)),
        EV_GO_START | EV_GO_START_LABEL => (ev.g, s(ev.args[1], G_RUNNABLE), s(ev.args[1].wrapping_add(1), G_RUNNING)),
        EV_GO_START_LOCAL => (ev.g, s(NOSEQ, G_RUNNABLE), s(SEQINC, G_RUNNING)),
        EV_GO_BLOCK | EV_GO_BLOCK_SEND | EV_GO_BLOCK_RECV | EV_GO_BLOCK_SELECT | EV_GO_BLOCK_SYNC
        | EV_GO_BLOCK_COND | EV_GO_BLOCK_NET | EV_GO_SLEEP | EV_GO_SYS_BLOCK | EV_GO_BLOCK_GC => {
            (ev.g, s(NOSEQ, G_RUNNING), s(NOSEQ, G_WAITING))
        }
        EV_GO_SCHED | EV_GO_PREEMPT => (ev.g, s(NOSEQ, G_RUNNING), s(NOSEQ, G_RUNNABLE)),
        EV_GO_UNBLOCK | EV_GO_SYS_EXIT => {
            (ev.args[0], s(ev.args[1], G_WAITING), s(ev.args[1].wrapping_add(1), G_RUNNABLE))
        }
        EV_GO_UNBLOCK_LOCAL | EV_GO_SYS_EXIT_LOCAL => (ev.args[0], s(NOSEQ, G_WAITING), s(SEQINC, G_RUNNABLE)),
        EV_GC_START => (GARBAGE, s(ev.args[0], G_DEAD), s(ev.args[0].wrapping_add(1), G_DEAD)),
        _ => (UNORDERED, GSeq::default(), GSeq::default()),
    }
}

fn transition_ready(g: u64, cur: GSeq, init: GSeq) -> bool {
    g == UNORDERED || ((init.seq == NOSEQ || init.seq == cur.seq) && init.status == cur.status)
}

/// Go's container/heap-style frontier ordered by timestamp.
struct Frontier(Vec<(V1Event, usize)>);

impl Frontier {
    fn less(&self, i: usize, j: usize) -> bool {
        self.0[i].0.ts < self.0[j].0.ts
    }
    fn push(&mut self, x: (V1Event, usize)) {
        self.0.push(x);
        let mut j = self.0.len() - 1;
        while j > 0 {
            let i = (j - 1) / 2;
            if !self.less(j, i) {
                break;
            }
            self.0.swap(i, j);
            j = i;
        }
    }
    fn pop(&mut self) -> Option<(V1Event, usize)> {
        let n = self.0.len().checked_sub(1)?;
        self.0.swap(0, n);
        let mut i = 0;
        loop {
            let j1 = 2 * i + 1;
            if j1 >= n {
                break;
            }
            let mut j = j1;
            if j1 + 1 < n && self.less(j1 + 1, j1) {
                j = j1 + 1;
            }
            if !self.less(j, i) {
                break;
            }
            self.0.swap(i, j);
            i = j;
        }
        self.0.pop()
    }
}

struct Proc {
    pid: i32,
    events: Vec<V1Event>,
    next: usize,
    done: bool,
}

/// Parses the events after the header.
pub(crate) fn parse(data: &[u8], base: usize, ver: Version) -> Result<V1Trace> {
    let mut p = Parser {
        ver,
        data,
        base,
        off: 0,
        strings: FxHashMap::default(),
        inline: Vec::new(),
        inline_index: FxHashMap::default(),
        batches: FxHashMap::default(),
        stacks: FxHashMap::default(),
        ticks_per_sec: 0,
        pcs: FxHashMap::default(),
        cpu: Vec::new(),
        timer_goids: FxHashSet::default(),
        last_ts: 0,
        last_g: 0,
        last_gs: FxHashMap::default(),
        last_p: 0,
    };
    let saw_frequency = p.collect()?;
    if !saw_frequency {
        return Err(Error::TruncatedTrace {
            detail: "no frequency event, which v1 traces (Go 1.21 and older) write at the very end".into(),
        });
    }
    let mut events = merge(&mut p, data.len())?;
    if p.ticks_per_sec == 0 {
        return Err(Error::TruncatedTrace {
            detail: "no frequency event, which v1 traces (Go 1.21 and older) write at the very end".into(),
        });
    }
    if let Some(first) = events.first() {
        let min = first.ts;
        let freq = 1e9 / p.ticks_per_sec as f64;
        for ev in &mut events {
            ev.ts = (ev.ts.wrapping_sub(min) as f64 * freq) as i64;
            if ev.typ == EV_GO_UNBLOCK && p.timer_goids.contains(&ev.g) {
                ev.p = TIMER_P;
            }
            if ev.typ == EV_GO_SYS_EXIT {
                ev.p = SYSCALL_P;
            }
        }
    }
    let missing_stacks =
        post_process(&mut events, &p.stacks).map_err(|d| Error::BadTrace { offset: base as u64, detail: d })?;
    Ok(V1Trace { events, stacks: p.stacks, pcs: p.pcs, strings: p.strings, inline: p.inline, missing_stacks })
}

/// Merges the per-P batches into one stream (Go's parseEventBatches).
fn merge(p: &mut Parser, data_len: usize) -> Result<Vec<V1Event>> {
    let base = p.base;
    let order_err = |d: &str| Error::BadTrace { offset: base as u64, detail: d.to_string() };
    let mut cpu = std::mem::take(&mut p.cpu);
    cpu.sort_by_key(|e| e.ts);
    let mut pids: Vec<i32> = p.batches.keys().copied().collect();
    pids.sort_unstable();
    let mut procs: Vec<Proc> =
        pids.into_iter().map(|pid| Proc { pid, events: Vec::new(), next: 0, done: false }).collect();
    procs.push(Proc { pid: PROFILE_P, events: cpu, next: 0, done: false });
    let mut available: Vec<usize> = (0..procs.len()).collect();
    let mut frontier = Frontier(Vec::new());
    let mut gs: FxHashMap<u64, GSeq> = FxHashMap::default();
    let mut events: Vec<V1Event> = Vec::new();
    // Each step looks at every waiting P; bound the total so that hostile
    // input cannot make this quadratic loop run for ages.
    let mut budget: u64 = 64 * data_len as u64 + 10_000_000;
    loop {
        let mut i = 0;
        while i < available.len() {
            budget = budget
                .checked_sub(1)
                .ok_or_else(|| order_err("the events cannot be put in order within a reasonable amount of work"))?;
            let pr = available[i];
            let mut exhausted = false;
            while procs[pr].next >= procs[pr].events.len() {
                let pid = procs[pr].pid;
                let mut buf = std::mem::take(&mut procs[pr].events);
                let more = p.load_batch(pid, &mut buf)?;
                procs[pr].events = buf;
                procs[pr].next = 0;
                if !more {
                    procs[pr].events.clear();
                    procs[pr].done = true;
                    exhausted = true;
                    break;
                }
            }
            if exhausted {
                available.swap_remove(i);
                continue;
            }
            let ev = procs[pr].events[procs[pr].next];
            let (g, init, _) = state_transition(&ev);
            if !transition_ready(g, gs.get(&g).copied().unwrap_or_default(), init) {
                i += 1;
                continue;
            }
            procs[pr].next += 1;
            available.swap_remove(i);
            frontier.push((ev, pr));
        }
        let Some((mut ev, pr)) = frontier.pop() else {
            if procs.iter().any(|pr| !pr.done) {
                return Err(order_err("no consistent ordering of events possible"));
            }
            break;
        };
        let (g, init, mut next) = state_transition(&ev);
        ev.typ = match ev.typ {
            EV_GO_START_LOCAL => EV_GO_START,
            EV_GO_UNBLOCK_LOCAL => EV_GO_UNBLOCK,
            EV_GO_SYS_EXIT_LOCAL => EV_GO_SYS_EXIT,
            t => t,
        };
        events.push(ev);
        if g != UNORDERED {
            let cur = gs.get(&g).copied().unwrap_or_default();
            if !transition_ready(g, cur, init) {
                return Err(order_err("encountered impossible goroutine state transition"));
            }
            match next.seq {
                NOSEQ => next.seq = cur.seq,
                SEQINC => next.seq = cur.seq.wrapping_add(1),
                _ => {}
            }
            gs.insert(g, next);
        }
        available.push(pr);
    }
    if events.windows(2).any(|w| w[1].ts < w[0].ts) {
        return Err(order_err("time stamps out of order"));
    }
    // Syscall exits carry the real exit time; use it now that the order is set.
    let mut last_block: FxHashMap<u64, i64> = FxHashMap::default();
    for ev in &mut events {
        match ev.typ {
            EV_GO_SYS_BLOCK | EV_GO_IN_SYSCALL => {
                last_block.insert(ev.g, ev.ts);
            }
            EV_GO_SYS_EXIT => {
                let ts = ev.args[2] as i64;
                if ts == 0 {
                    continue;
                }
                let block = last_block.get(&ev.g).copied().unwrap_or(0);
                if block == 0 {
                    return Err(order_err("stray syscall exit"));
                }
                if ts < block {
                    return Err(order_err("time stamps out of order"));
                }
                ev.ts = ts;
            }
            _ => {}
        }
    }
    events.sort_by_key(|e| e.ts);
    Ok(events)
}

/// Checks that the merged stream is consistent (Go's postProcessTrace),
/// moving GC starts and network unblocks to their fake Ps. Returns how many
/// events referred to a stack the table lacks.
fn post_process(events: &mut [V1Event], stacks: &FxHashMap<u32, Vec<u64>>) -> std::result::Result<usize, String> {
    let mut missing = 0;
    #[derive(Clone, Copy, Default)]
    struct GDesc {
        state: u8,
        last: Option<u8>,
        create_stack: Option<u64>,
        mark_assist: bool,
    }
    #[derive(Clone, Copy, Default)]
    struct PDesc {
        running: bool,
        g: u64,
        sweep: bool,
    }
    let mut gs: FxHashMap<u64, GDesc> = FxHashMap::default();
    let mut ps: FxHashMap<i32, PDesc> = FxHashMap::default();
    let mut tasks: FxHashSet<u64> = FxHashSet::default();
    let mut regions: FxHashMap<u64, Vec<(u64, u64)>> = FxHashMap::default();
    gs.insert(0, GDesc { state: G_RUNNING, ..Default::default() });
    let (mut in_gc, mut in_stw) = (false, false);
    let check_running = |p: PDesc, g: GDesc, ev: &V1Event, allow_g0: bool| -> std::result::Result<(), String> {
        let n = name(ev.typ);
        if g.state != G_RUNNING {
            return Err(format!("g {} is not running while {n} (time {})", ev.g, ev.ts));
        }
        if p.g != ev.g {
            return Err(format!("p {} is not running g {} while {n} (time {})", ev.p, ev.g, ev.ts));
        }
        if !allow_g0 && ev.g == 0 {
            return Err(format!("g 0 did {n} (time {})", ev.ts));
        }
        Ok(())
    };
    for ev in events.iter_mut() {
        let mut g = gs.get(&ev.g).copied().unwrap_or_default();
        let mut p = ps.get(&ev.p).copied().unwrap_or_default();
        let t = ev.ts;
        match ev.typ {
            EV_PROC_START => {
                if p.running {
                    return Err(format!("p {} is running before start (time {t})", ev.p));
                }
                p.running = true;
                ps.insert(ev.p, p);
            }
            EV_PROC_STOP => {
                if !p.running {
                    return Err(format!("p {} is not running before stop (time {t})", ev.p));
                }
                if p.g != 0 {
                    return Err(format!("p {} is running a goroutine {} during stop (time {t})", ev.p, p.g));
                }
                p.running = false;
                ps.insert(ev.p, p);
            }
            EV_GC_START => {
                if in_gc {
                    return Err(format!("previous GC is not ended before a new one (time {t})"));
                }
                in_gc = true;
                ev.p = GC_P;
            }
            EV_GC_DONE => {
                if !in_gc {
                    return Err(format!("bogus GC end (time {t})"));
                }
                in_gc = false;
            }
            EV_STW_START => {
                if in_stw {
                    return Err(format!("previous STW is not ended before a new one (time {t})"));
                }
                in_stw = true;
            }
            EV_STW_DONE => {
                if !in_stw {
                    return Err(format!("bogus STW end (time {t})"));
                }
                in_stw = false;
            }
            EV_GC_SWEEP_START => {
                if p.sweep {
                    return Err(format!("previous sweeping is not ended before a new one (time {t})"));
                }
                p.sweep = true;
                ps.insert(ev.p, p);
            }
            EV_GC_MARK_ASSIST_START => {
                if g.mark_assist {
                    return Err(format!("previous mark assist is not ended before a new one (time {t})"));
                }
                g.mark_assist = true;
                gs.insert(ev.g, g);
            }
            EV_GC_MARK_ASSIST_DONE => {
                g.mark_assist = false;
                gs.insert(ev.g, g);
            }
            EV_GC_SWEEP_DONE => {
                if !p.sweep {
                    return Err(format!("bogus sweeping end (time {t})"));
                }
                p.sweep = false;
                ps.insert(ev.p, p);
            }
            EV_GO_WAITING | EV_GO_IN_SYSCALL => {
                if g.state != G_RUNNABLE {
                    return Err(format!("g {} is not runnable before {} (time {t})", ev.g, name(ev.typ)));
                }
                g.state = G_WAITING;
                g.last = Some(ev.typ);
                gs.insert(ev.g, g);
            }
            EV_GO_CREATE => {
                check_running(p, g, ev, true)?;
                if gs.contains_key(&ev.args[0]) {
                    return Err(format!("g {} already exists (time {t})", ev.args[0]));
                }
                gs.insert(
                    ev.args[0],
                    GDesc { state: G_RUNNABLE, last: Some(ev.typ), create_stack: Some(ev.args[1]), mark_assist: false },
                );
            }
            EV_GO_START | EV_GO_START_LABEL => {
                if g.state != G_RUNNABLE {
                    return Err(format!("g {} is not runnable before start (time {t})", ev.g));
                }
                if p.g != 0 {
                    return Err(format!("p {} is already running g {} while start g {} (time {t})", ev.p, p.g, ev.g));
                }
                g.state = G_RUNNING;
                p.g = ev.g;
                if let Some(s) = g.create_stack.take() {
                    ev.stk = s as u32;
                }
                g.last = None;
                gs.insert(ev.g, g);
                ps.insert(ev.p, p);
            }
            EV_GO_END | EV_GO_STOP => {
                check_running(p, g, ev, false)?;
                g.state = G_DEAD;
                p.g = 0;
                if ev.typ == EV_GO_END {
                    regions.remove(&ev.g);
                }
                gs.insert(ev.g, g);
                ps.insert(ev.p, p);
            }
            EV_GO_SCHED | EV_GO_PREEMPT => {
                check_running(p, g, ev, false)?;
                g.state = G_RUNNABLE;
                p.g = 0;
                g.last = Some(ev.typ);
                gs.insert(ev.g, g);
                ps.insert(ev.p, p);
            }
            EV_GO_UNBLOCK => {
                if g.state != G_RUNNING {
                    return Err(format!("g {} is not running while unpark (time {t})", ev.g));
                }
                if ev.p != TIMER_P && p.g != ev.g {
                    return Err(format!("p {} is not running g {} while unpark (time {t})", ev.p, ev.g));
                }
                let mut g1 = gs.get(&ev.args[0]).copied().unwrap_or_default();
                if g1.state != G_WAITING {
                    return Err(format!("g {} is not waiting before unpark (time {t})", ev.args[0]));
                }
                if g1.last == Some(EV_GO_BLOCK_NET) {
                    ev.p = NETPOLL_P;
                }
                g1.state = G_RUNNABLE;
                g1.last = Some(ev.typ);
                gs.insert(ev.args[0], g1);
            }
            EV_GO_SYS_CALL => {
                check_running(p, g, ev, false)?;
                g.last = Some(ev.typ);
                gs.insert(ev.g, g);
            }
            EV_GO_SYS_BLOCK => {
                check_running(p, g, ev, false)?;
                g.state = G_WAITING;
                p.g = 0;
                gs.insert(ev.g, g);
                ps.insert(ev.p, p);
            }
            EV_GO_SYS_EXIT => {
                if g.state != G_WAITING {
                    return Err(format!("g {} is not waiting during syscall exit (time {t})", ev.g));
                }
                g.state = G_RUNNABLE;
                g.last = Some(ev.typ);
                gs.insert(ev.g, g);
            }
            EV_GO_SLEEP | EV_GO_BLOCK | EV_GO_BLOCK_SEND | EV_GO_BLOCK_RECV | EV_GO_BLOCK_SELECT | EV_GO_BLOCK_SYNC
            | EV_GO_BLOCK_COND | EV_GO_BLOCK_NET | EV_GO_BLOCK_GC => {
                check_running(p, g, ev, false)?;
                g.state = G_WAITING;
                g.last = Some(ev.typ);
                p.g = 0;
                gs.insert(ev.g, g);
                ps.insert(ev.p, p);
            }
            EV_USER_TASK_CREATE if !tasks.insert(ev.args[0]) => {
                return Err(format!("task id conflicts (id:{})", ev.args[0]));
            }
            EV_USER_TASK_END => {
                tasks.remove(&ev.args[0]);
            }
            EV_USER_REGION => {
                let stack = regions.entry(ev.g).or_default();
                match ev.args[1] {
                    0 => stack.push((ev.args[0], ev.args[2])),
                    1 => {
                        if let Some(&(task, nm)) = stack.last() {
                            if task != ev.args[0] || nm != ev.args[2] {
                                return Err(format!(
                                    "misuse of region in goroutine {}: region end does not match the innermost region",
                                    ev.g
                                ));
                            }
                            stack.pop();
                        }
                        if stack.is_empty() {
                            regions.remove(&ev.g);
                        }
                    }
                    m => return Err(format!("invalid user region mode {m}")),
                }
            }
            _ => {}
        }
        if ev.stk != 0 && stacks.get(&ev.stk).is_none_or(|s| s.is_empty()) {
            ev.stk = 0;
            missing += 1;
        }
    }
    Ok(missing)
}
