//! The partial order of v2 traces: a model of the scheduler (goroutine,
//! proc and thread states with per-generation sequence numbers, GC state,
//! active ranges, tasks and regions) that decides whether the next event of
//! a thread may come now, and that validates each event as it advances.
//! This follows the rules of Go's `internal/trace/order.go`; see there for
//! why each rule exists.

use super::cursor::{decode_stack, BaseEvent};
use super::events::EventType as T;
use super::Event;
use crate::model::StrId;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

const NO: i64 = -1;
/// `trace.NoTask`.
pub(crate) const NO_TASK: u64 = u64::MAX;

// Wire goroutine statuses (tracev2.GoStatus).
const G_RUNNABLE: u64 = 1;
const G_RUNNING: u64 = 2;
const G_SYSCALL: u64 = 3;
const G_WAITING: u64 = 4;
// Wire proc statuses (tracev2.ProcStatus).
const P_RUNNING: u64 = 1;
const P_IDLE: u64 = 2;
const P_SYSCALL: u64 = 3;
const P_ABANDONED: u64 = 4;
// Reader-side states (trace.GoState / trace.ProcState).
const GS_UNDETERMINED: u64 = 0;
const PS_UNDETERMINED: u64 = 0;
const PS_NOT_EXIST: u64 = 1;
const PS_RUNNING: u64 = 2;
const PS_IDLE: u64 = 3;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Seq {
    gen: u64,
    seq: u64,
}

impl Seq {
    fn succeeds(self, b: Seq) -> bool {
        self.gen == b.gen && self.seq == b.seq.wrapping_add(1)
    }
}

/// An in-flight range: its begin type and, for STW, the reason.
type Range = (T, u32);

/// Kept for every goroutine a trace names, so small: a trace of 10^6
/// blocked goroutines is 31 bytes per goroutine (README "Memory bounds").
/// Regions and ranges, which few goroutines have, live behind one pointer.
#[derive(Debug)]
struct GState {
    status: u64,
    seq: Seq,
    extra: Option<Box<GExtra>>,
}

#[derive(Debug, Default)]
struct GExtra {
    regions: Vec<(u64, StrId)>,
    ranges: Vec<Range>,
}

impl GState {
    fn new(status: u64, gen: u64) -> Self {
        GState { status, seq: Seq { gen, seq: 0 }, extra: None }
    }

    fn extra(&mut self) -> &mut GExtra {
        self.extra.get_or_insert_with(Default::default)
    }
}

#[derive(Debug)]
struct PState {
    status: u64,
    seq: Seq,
    ranges: Vec<Range>,
}

#[derive(Clone, Copy, Debug)]
struct MState {
    g: i64,
    p: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ctx {
    g: i64,
    p: i64,
    m: i64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    MustNot,
    May,
    Must,
}
use Need::*;

const USER_GO: (Need, Need, Need) = (Must, Must, Must);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum GcState {
    Undetermined,
    NotRunning,
    Running,
}

/// The scheduler model. Events that advance go to `queue`, in order.
pub(crate) struct Ordering {
    g: FxHashMap<i64, GState>,
    p: FxHashMap<i64, PState>,
    m: FxHashMap<i64, MState>,
    tasks: FxHashMap<u64, (StrId, u64)>,
    gc_seq: u64,
    gc: GcState,
    initial_gen: u64,
    pub queue: VecDeque<Event>,
    /// Extra work done beyond a constant per event (scans over all
    /// threads), for the caller's work budget.
    pub work: u64,
}

type Step = Result<Option<Ctx>, String>;

fn validate(c: Ctx, (m, p, g): (Need, Need, Need)) -> Result<(), String> {
    let check = |have: bool, need: Need, what: &str| match (need, have) {
        (Must, false) => Err(format!("expected a {what} but didn't have one")),
        (MustNot, true) => Err(format!("expected no {what} but had one")),
        _ => Ok(()),
    };
    check(c.m != NO, m, "thread")?;
    check(c.p != NO, p, "proc")?;
    check(c.g != NO, g, "goroutine")
}

fn range_type(t: T, desc: u32) -> Range {
    (t.timed_spec().and_then(|s| s.start).unwrap_or(t), desc)
}

fn begin_range(ranges: &mut Vec<Range>, r: Range) -> Result<(), String> {
    if ranges.contains(&r) {
        return Err(format!("{} already in flight when it begins again", r.0.name()));
    }
    ranges.push(r);
    Ok(())
}

fn active_range(ranges: &mut Vec<Range>, r: Range, initial: bool) -> Result<(), String> {
    if initial {
        if ranges.contains(&r) {
            return Err(format!("{} active twice in the first generation", r.0.name()));
        }
        ranges.push(r);
    } else if !ranges.contains(&r) {
        return Err(format!("resource is missing its active {} range", r.0.name()));
    }
    Ok(())
}

fn end_range(ranges: &mut Vec<Range>, t: T) -> Result<u32, String> {
    let st = t.timed_spec().and_then(|s| s.start).unwrap_or(t);
    let Some(i) = ranges.iter().position(|r| r.0 == st) else {
        return Err(format!("{} without a {} in flight", t.name(), st.name()));
    };
    Ok(ranges.swap_remove(i).1)
}

impl Ordering {
    pub fn new() -> Self {
        Ordering {
            g: FxHashMap::default(),
            p: FxHashMap::default(),
            m: FxHashMap::default(),
            tasks: FxHashMap::default(),
            gc_seq: 0,
            gc: GcState::Undetermined,
            initial_gen: 0,
            queue: VecDeque::new(),
            work: 0,
        }
    }

    fn push(&mut self, ev: &BaseEvent, c: Ctx) {
        let kind = ev.kind();
        let stack = kind
            .timed_spec()
            .and_then(|s| s.stacks.first().copied())
            .and_then(|i| ev.args.get(i as usize).copied())
            .and_then(decode_stack);
        self.queue.push_back(Event { kind, time_ns: ev.time, g: c.g, p: c.p, m: c.m, args: ev.args, stack });
    }

    fn push_made(&mut self, kind: T, time: i64, c: Ctx, args: [u64; 4]) {
        self.queue.push_back(Event { kind, time_ns: time, g: c.g, p: c.p, m: c.m, args, stack: None });
    }

    /// Tries to advance `ev`, the next event of thread `m`: Ok(true) if it
    /// (and possibly more events) went to the queue, Ok(false) if it must
    /// wait for another thread, Err if the trace breaks the rules.
    pub fn advance(&mut self, ev: &mut BaseEvent, m: i64, gen: u64) -> Result<bool, String> {
        if self.initial_gen == 0 {
            self.initial_gen = gen;
        }
        let mut cur = Ctx { g: NO, p: NO, m };
        if m != NO {
            let ms = *self.m.entry(m).or_insert(MState { g: NO, p: NO });
            cur.p = ms.p;
            cur.g = ms.g;
        }
        let kind = ev.kind();
        let r = match kind {
            T::ProcsChange | T::GoLabel | T::UserLog => self.annotation(ev, cur),
            T::ProcStart => self.proc_start(ev, gen, cur),
            T::ProcStop => self.proc_stop(ev, cur),
            T::ProcSteal => self.proc_steal(ev, gen, cur),
            T::ProcStatus => self.proc_status(ev, gen, cur),
            T::GoCreate | T::GoCreateBlocked => self.go_create(ev, gen, cur),
            T::GoCreateSyscall => self.go_create_syscall(ev, gen, cur),
            T::GoStart => self.go_start(ev, gen, cur),
            T::GoDestroy | T::GoStop | T::GoBlock => self.go_stop_exec(ev, cur),
            T::GoDestroySyscall => self.go_destroy_syscall(ev, cur),
            T::GoUnblock => self.go_unblock(ev, gen, cur),
            T::GoSyscallBegin => self.go_syscall_begin(ev, gen, cur),
            T::GoSyscallEnd => self.go_syscall_end(ev, cur),
            T::GoSyscallEndBlocked => self.go_syscall_end_blocked(ev, cur),
            T::GoStatus | T::GoStatusStack => self.go_status(ev, gen, cur),
            T::STWBegin | T::GCMarkAssistBegin => self.go_range_begin(ev, cur),
            T::STWEnd | T::GCMarkAssistEnd => self.go_range_end(ev, cur),
            T::GCMarkAssistActive => self.go_range_active(ev, gen, cur),
            T::GCActive => self.gc_active(ev, gen, cur),
            T::GCBegin => self.gc_begin(ev, cur),
            T::GCEnd => self.gc_end(ev, cur),
            T::GCSweepBegin => self.sweep_begin(ev, cur),
            T::GCSweepActive => self.sweep_active(ev, gen, cur),
            T::GCSweepEnd => self.sweep_end(ev, cur),
            T::HeapAlloc | T::HeapGoal => self.heap_metric(ev, cur),
            T::UserTaskBegin => self.task_begin(ev, cur),
            T::UserTaskEnd => self.task_end(ev, cur),
            T::UserRegionBegin => self.region_begin(ev, cur),
            T::UserRegionEnd => self.region_end(ev, cur),
            T::GoSwitch | T::GoSwitchDestroy => self.go_switch(ev, gen, cur),
            k if k.is_experimental() => self.alloc_free(ev, cur),
            k => Err(format!("bad event type {} found while ordering", k.name())),
        };
        match r {
            Ok(Some(new)) => {
                if m != NO {
                    if let Some(ms) = self.m.get_mut(&m) {
                        ms.p = new.p;
                        ms.g = new.g;
                    }
                }
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => Err(format!("{} at time {}: {e}", kind.name(), ev.time)),
        }
    }

    fn proc_status(&mut self, ev: &mut BaseEvent, gen: u64, mut cur: Ctx) -> Step {
        let pid = ev.args[0] as i64;
        let status = ev.args[1];
        let mut old = super::events::proc_status_to_state(status)
            .ok_or_else(|| format!("invalid status for proc {pid}: {status}"))?;
        if let Some(s) = self.p.get_mut(&pid) {
            if status == P_ABANDONED && s.status == P_SYSCALL {
                old = PS_RUNNING;
                ev.args[1] = P_SYSCALL;
            } else if status == P_ABANDONED && s.status == P_ABANDONED {
                old = PS_IDLE;
                ev.args[1] = P_ABANDONED;
            } else if s.status != status {
                return Err(format!("inconsistent status for proc {pid}: old {} vs. new {status}", s.status));
            }
            s.seq = Seq { gen, seq: 0 };
        } else {
            self.p.insert(pid, PState { status, seq: Seq { gen, seq: 0 }, ranges: Vec::new() });
            old = if gen == self.initial_gen { PS_UNDETERMINED } else { PS_NOT_EXIST };
        }
        ev.args[2] = old;
        let mut new = cur;
        if status == P_RUNNING || status == P_SYSCALL {
            new.p = pid;
        }
        if status == P_ABANDONED && old == PS_RUNNING {
            // Emit in the context the proc is bound to (lowest thread id if
            // several claim it, to be deterministic).
            self.work += self.m.len() as u64;
            let found = self.m.iter().filter(|(_, ms)| ms.p == pid).map(|(&mid, ms)| (mid, *ms)).min_by_key(|x| x.0);
            let Some((mid, ms)) = found else {
                return Err(format!("failed to find sched context for proc {pid} that's about to be stolen"));
            };
            cur = Ctx { m: mid, p: pid, g: ms.g };
        }
        self.push(ev, cur);
        Ok(Some(new))
    }

    fn proc_start(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        let pid = ev.args[0] as i64;
        let seq = Seq { gen, seq: ev.args[1] };
        match self.p.get(&pid) {
            Some(s) if s.status == P_IDLE && seq.succeeds(s.seq) && cur.p == NO => {}
            _ => return Ok(None),
        }
        validate(cur, (Must, MustNot, May))?;
        if let Some(s) = self.p.get_mut(&pid) {
            s.status = P_RUNNING;
            s.seq = seq;
        }
        self.push(ev, cur);
        Ok(Some(Ctx { p: pid, ..cur }))
    }

    fn proc_stop(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        let s = self.p.get_mut(&cur.p).ok_or_else(|| format!("proc {} does not exist", cur.p))?;
        if s.status != P_RUNNING && s.status != P_SYSCALL {
            return Err("proc is neither running nor in a syscall".into());
        }
        validate(cur, (Must, Must, May))?;
        s.status = P_IDLE;
        self.push(ev, cur);
        Ok(Some(Ctx { p: NO, ..cur }))
    }

    fn proc_steal(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        let pid = ev.args[0] as i64;
        let seq = Seq { gen, seq: ev.args[1] };
        let old = match self.p.get(&pid) {
            Some(s) if (s.status == P_SYSCALL || s.status == P_ABANDONED) && seq.succeeds(s.seq) => s.status,
            _ => return Ok(None),
        };
        validate(cur, (Must, May, May))?;
        ev.args[3] = old;
        if let Some(s) = self.p.get_mut(&pid) {
            s.status = P_IDLE;
            s.seq = seq;
        }
        if old == P_ABANDONED {
            self.push(ev, cur);
            return Ok(Some(cur));
        }
        let mid = ev.args[2] as i64;
        if mid == cur.m {
            if cur.p != pid {
                return Err(format!("tried to self-steal proc {pid} (thread {mid}), but got proc {} instead", cur.p));
            }
            self.push(ev, cur);
            return Ok(Some(Ctx { p: NO, ..cur }));
        }
        let ms = self.m.get_mut(&mid).ok_or_else(|| format!("stole proc from non-existent thread {mid}"))?;
        if ms.p != pid {
            return Err(format!("tried to steal proc {pid} from thread {mid}, but got proc {} instead", ms.p));
        }
        ms.p = NO;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn go_status(&mut self, ev: &mut BaseEvent, gen: u64, mut cur: Ctx) -> Step {
        let gid = ev.args[0] as i64;
        let mid = ev.args[1] as i64;
        let status = ev.args[2];
        let mut old = super::events::go_status_to_state(status)
            .ok_or_else(|| format!("invalid status for goroutine {gid}: {status}"))?;
        if let Some(s) = self.g.get_mut(&gid) {
            if s.status != status {
                return Err(format!("inconsistent status for goroutine {gid}: old {} vs. new {status}", s.status));
            }
            s.seq = Seq { gen, seq: 0 };
        } else if gen == self.initial_gen {
            self.g.insert(gid, GState::new(status, gen));
            old = GS_UNDETERMINED;
        } else {
            return Err(format!("found status for new goroutine {gid} after the first generation"));
        }
        ev.args[2] = (old << 32) | status;
        let mut new = cur;
        if status == G_RUNNING {
            new.g = gid;
        } else if status == G_SYSCALL {
            if mid == NO {
                return Err(format!("found goroutine {gid} in syscall without a thread"));
            }
            if mid == cur.m {
                if gen != self.initial_gen && cur.g != gid {
                    return Err(format!(
                        "inconsistent thread for syscalling goroutine {gid}: thread has goroutine {}",
                        cur.g
                    ));
                }
                new.g = gid;
            } else {
                match self.m.get(&mid) {
                    Some(ms) => {
                        if ms.g != gid {
                            return Err(format!(
                                "inconsistent thread for syscalling goroutine {gid}: thread has goroutine {}",
                                ms.g
                            ));
                        }
                        cur.g = ms.g;
                    }
                    None => {
                        self.m.insert(mid, MState { g: gid, p: NO });
                    }
                }
                cur.m = mid;
            }
        }
        self.push(ev, cur);
        Ok(Some(new))
    }

    fn go_create(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        validate(cur, (Must, Must, May))?;
        if let Some(s) = self.g.get(&cur.g) {
            if s.status != G_RUNNING {
                return Err("creating goroutine is not running".into());
            }
        }
        let newg = ev.args[0] as i64;
        if self.g.contains_key(&newg) {
            return Err(format!("tried to create goroutine ({newg}) that already exists"));
        }
        let status = if ev.kind() == T::GoCreateBlocked { G_WAITING } else { G_RUNNABLE };
        self.g.insert(newg, GState::new(status, gen));
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn running_g(&mut self, cur: Ctx) -> Result<&mut GState, String> {
        let s = self.g.get_mut(&cur.g).ok_or_else(|| format!("goroutine {} does not exist", cur.g))?;
        if s.status != G_RUNNING {
            return Err(format!("goroutine {} is not running", cur.g));
        }
        Ok(s)
    }

    fn go_stop_exec(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, USER_GO)?;
        let s = self.running_g(cur)?;
        match ev.kind() {
            T::GoStop => s.status = G_RUNNABLE,
            T::GoBlock => s.status = G_WAITING,
            _ => {
                self.g.remove(&cur.g);
            }
        }
        self.push(ev, cur);
        Ok(Some(Ctx { g: NO, ..cur }))
    }

    fn go_start(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        let gid = ev.args[0] as i64;
        let seq = Seq { gen, seq: ev.args[1] };
        match self.g.get(&gid) {
            Some(s) if s.status == G_RUNNABLE && seq.succeeds(s.seq) => {}
            _ => return Ok(None),
        }
        validate(cur, (Must, Must, MustNot))?;
        if let Some(s) = self.g.get_mut(&gid) {
            s.status = G_RUNNING;
            s.seq = seq;
        }
        self.push(ev, cur);
        Ok(Some(Ctx { g: gid, ..cur }))
    }

    fn go_unblock(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        let gid = ev.args[0] as i64;
        let seq = Seq { gen, seq: ev.args[1] };
        match self.g.get_mut(&gid) {
            Some(s) if s.status == G_WAITING && seq.succeeds(s.seq) => {
                s.status = G_RUNNABLE;
                s.seq = seq;
            }
            _ => return Ok(None),
        }
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn go_switch(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        validate(cur, USER_GO)?;
        self.running_g(cur)?;
        let next = ev.args[0] as i64;
        let seq = Seq { gen, seq: ev.args[1] };
        match self.g.get(&next) {
            Some(s) if s.status == G_WAITING && seq.succeeds(s.seq) => {}
            _ => return Ok(None),
        }
        self.push(ev, cur);
        if ev.kind() == T::GoSwitch {
            if let Some(s) = self.g.get_mut(&cur.g) {
                s.status = G_WAITING;
            }
            self.push_made(T::GoBlock, ev.time, cur, [0; 4]);
        } else {
            self.g.remove(&cur.g);
            self.push_made(T::GoDestroy, ev.time, cur, [0; 4]);
        }
        if let Some(s) = self.g.get_mut(&next) {
            s.status = G_RUNNING;
            s.seq = seq;
        }
        self.push_made(T::GoStart, ev.time, Ctx { g: NO, ..cur }, [next as u64, ev.args[1], 0, 0]);
        Ok(Some(Ctx { g: next, ..cur }))
    }

    fn go_syscall_begin(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        validate(cur, USER_GO)?;
        self.running_g(cur)?.status = G_SYSCALL;
        let ps = self.p.get_mut(&cur.p).ok_or_else(|| format!("uninitialized proc {}", cur.p))?;
        ps.status = P_SYSCALL;
        let pseq = Seq { gen, seq: ev.args[0] };
        if !pseq.succeeds(ps.seq) {
            return Err(format!("can't make sequence: {} -> {}", ps.seq.seq, pseq.seq));
        }
        ps.seq = pseq;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn go_syscall_end(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, USER_GO)?;
        let s = self.g.get_mut(&cur.g).ok_or_else(|| format!("goroutine {} does not exist", cur.g))?;
        if s.status != G_SYSCALL {
            return Err(format!("goroutine {} is not in a syscall", cur.g));
        }
        s.status = G_RUNNING;
        let ps = self.p.get_mut(&cur.p).ok_or_else(|| format!("uninitialized proc {}", cur.p))?;
        if ps.status != P_SYSCALL {
            return Err(format!("expected proc {} in a syscall", cur.p));
        }
        ps.status = P_RUNNING;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn go_syscall_end_blocked(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        if cur.p != NO {
            let ps = self.p.get(&cur.p).ok_or_else(|| format!("uninitialized proc {}", cur.p))?;
            if ps.status == P_SYSCALL {
                return Ok(None);
            }
        }
        validate(cur, (Must, May, Must))?;
        let s = self.g.get_mut(&cur.g).ok_or_else(|| format!("goroutine {} does not exist", cur.g))?;
        if s.status != G_SYSCALL {
            return Err(format!("goroutine {} is not in a syscall", cur.g));
        }
        s.status = G_RUNNABLE;
        self.push(ev, cur);
        Ok(Some(Ctx { g: NO, ..cur }))
    }

    fn go_create_syscall(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        validate(cur, (Must, May, MustNot))?;
        let newg = ev.args[0] as i64;
        if self.g.contains_key(&newg) {
            return Err(format!("tried to create goroutine ({newg}) in syscall that already exists"));
        }
        self.g.insert(
            newg,
            GState::new(G_SYSCALL, gen),
        );
        self.push(ev, cur);
        Ok(Some(Ctx { g: newg, ..cur }))
    }

    fn go_destroy_syscall(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, (Must, May, Must))?;
        let s = self.g.get(&cur.g).ok_or_else(|| format!("goroutine {} does not exist", cur.g))?;
        if s.status != G_SYSCALL {
            return Err(format!("goroutine {} is not in a syscall", cur.g));
        }
        self.g.remove(&cur.g);
        let mut new = Ctx { g: NO, ..cur };
        if cur.p != NO {
            let ps = self.p.get_mut(&cur.p).ok_or_else(|| format!("found invalid proc {}", cur.p))?;
            if ps.status != P_SYSCALL {
                return Err(format!("proc {} in unexpected state", cur.p));
            }
            ps.status = P_ABANDONED;
            new.p = NO;
            self.push_made(T::ProcSteal, ev.time, cur, [cur.p as u64, 0, 0, P_SYSCALL]);
        }
        self.push(ev, cur);
        Ok(Some(new))
    }

    fn task_begin(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        let id = ev.args[0];
        if self.tasks.contains_key(&id) {
            return Err(format!("task ID conflict: {id}"));
        }
        let mut parent = ev.args[1];
        if parent == 0 {
            parent = NO_TASK;
            ev.args[1] = NO_TASK;
        }
        self.tasks.insert(id, (StrId(ev.args[2] as u32), parent));
        validate(cur, USER_GO)?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn task_end(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        let (name, parent) = self.tasks.remove(&ev.args[0]).unwrap_or((StrId(0), NO_TASK));
        ev.args[2] = parent;
        ev.args[3] = u64::from(name.0);
        validate(cur, USER_GO)?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn region_begin(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, USER_GO)?;
        let r = (ev.args[0], StrId(ev.args[1] as u32));
        let s = self.g.get_mut(&cur.g).ok_or_else(|| format!("no state for current goroutine {}", cur.g))?;
        s.extra().regions.push(r);
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn region_end(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, USER_GO)?;
        let r = (ev.args[0], StrId(ev.args[1] as u32));
        let s = self.g.get_mut(&cur.g).ok_or_else(|| format!("no state for current goroutine {}", cur.g))?;
        if let Some(&last) = s.extra.as_ref().and_then(|x| x.regions.last()) {
            if last != r {
                return Err(format!(
                    "misuse of region in goroutine {}: region end does not match the innermost region",
                    cur.g
                ));
            }
            s.extra().regions.pop();
        }
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn gc_active(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        let seq = ev.args[0];
        if gen == self.initial_gen {
            if self.gc != GcState::Undetermined {
                return Err("GCActive in the first generation isn't the first GC event".into());
            }
            self.gc_seq = seq;
            self.gc = GcState::Running;
            self.push(ev, cur);
            return Ok(Some(cur));
        }
        if seq != self.gc_seq.wrapping_add(1) {
            return Ok(None);
        }
        if self.gc != GcState::Running {
            return Err("GCActive while GC was not in progress".into());
        }
        self.gc_seq = seq;
        validate(cur, USER_GO)?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn gc_begin(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        let seq = ev.args[0];
        if self.gc == GcState::Undetermined {
            self.gc_seq = seq;
            self.gc = GcState::Running;
            self.push(ev, cur);
            return Ok(Some(cur));
        }
        if seq != self.gc_seq.wrapping_add(1) {
            return Ok(None);
        }
        if self.gc == GcState::Running {
            return Err("GCBegin while GC was already in progress".into());
        }
        self.gc_seq = seq;
        self.gc = GcState::Running;
        validate(cur, USER_GO)?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn gc_end(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        let seq = ev.args[0];
        if seq != self.gc_seq.wrapping_add(1) {
            return Ok(None);
        }
        match self.gc {
            GcState::NotRunning => return Err("GCEnd when GC was not in progress".into()),
            GcState::Undetermined => return Err("GCEnd when GC was in an undetermined state".into()),
            GcState::Running => {}
        }
        self.gc_seq = seq;
        self.gc = GcState::NotRunning;
        validate(cur, USER_GO)?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn annotation(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, USER_GO)?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn heap_metric(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, (Must, Must, May))?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn sweep_begin(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, (Must, Must, May))?;
        let ps = self.p.get_mut(&cur.p).ok_or_else(|| format!("unknown proc {}", cur.p))?;
        begin_range(&mut ps.ranges, range_type(T::GCSweepBegin, 0))?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn sweep_active(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        let pid = ev.args[0] as i64;
        let initial = gen == self.initial_gen;
        let ps = self.p.get_mut(&pid).ok_or_else(|| format!("GCSweepActive for unknown proc {pid}"))?;
        active_range(&mut ps.ranges, range_type(T::GCSweepActive, 0), initial)?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn sweep_end(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, (Must, Must, May))?;
        let ps = self.p.get_mut(&cur.p).ok_or_else(|| format!("unknown proc {}", cur.p))?;
        end_range(&mut ps.ranges, T::GCSweepEnd)?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn go_range_begin(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, USER_GO)?;
        let kind = ev.kind();
        let desc = if kind == T::STWBegin { ev.args[0] as u32 } else { 0 };
        let s = self.g.get_mut(&cur.g).ok_or_else(|| format!("no state for current goroutine {}", cur.g))?;
        begin_range(&mut s.extra().ranges, range_type(kind, desc))?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn go_range_active(&mut self, ev: &mut BaseEvent, gen: u64, cur: Ctx) -> Step {
        let gid = ev.args[0] as i64;
        let initial = gen == self.initial_gen;
        let s = self.g.get_mut(&gid).ok_or_else(|| format!("uninitialized goroutine {gid}"))?;
        active_range(&mut s.extra().ranges, range_type(ev.kind(), 0), initial)?;
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn go_range_end(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, USER_GO)?;
        let kind = ev.kind();
        let s = self.g.get_mut(&cur.g).ok_or_else(|| format!("no state for current goroutine {}", cur.g))?;
        let desc = end_range(&mut s.extra().ranges, kind)?;
        if kind == T::STWEnd {
            ev.args[0] = u64::from(desc);
        }
        self.push(ev, cur);
        Ok(Some(cur))
    }

    fn alloc_free(&mut self, ev: &mut BaseEvent, cur: Ctx) -> Step {
        validate(cur, (Must, May, May))?;
        self.push(ev, cur);
        Ok(Some(cur))
    }
}
