//! What the garbage collector did during a Go execution trace: its cycles
//! with their stop-the-world phases, mark assists and heap sizes, and the
//! minimum mutator utilisation (MMU) curve.
//!
//! The MMU follows Go's `internal/trace/gc.go` exactly: the mutator
//! utilisation function of `MutatorUtilizationV2` (system-wide, not per P)
//! and the band-based MMU search of `MMUCurve`, with the accounting that
//! `go tool trace`'s MMU page checks by default: GC stop-the-world phases,
//! background mark workers and mark assists (sweeping is off by default
//! there and here; [`UtilFlags::sweep`] turns it on).

use crate::formats::trace::events::{go_status_to_state, GO_STATES};
use crate::formats::trace::{Event, EventType, Trace, NONE};
use crate::model::{Profile, StackId};
use crate::report::{AssistStack, Gc, GcCycle, MmuPoint, Stw};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashMap;

/// What counts as GC time in the mutator utilisation (Go's `UtilFlags`
/// without per-P mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtilFlags {
    /// Stop-the-world phases whose reason mentions the GC.
    pub stw: bool,
    /// Background mark workers (labels "GC (dedicated)", "GC (fractional)").
    pub background: bool,
    /// Mark assists.
    pub assist: bool,
    /// Incremental sweeping.
    pub sweep: bool,
    /// Fix two quirks of Go's code (false reproduces Go exactly):
    /// - it counts a background mark worker's P again at every "GC (...)"
    ///   label, which the runtime writes right after each GoStart of a
    ///   worker, on top of the GoStart itself: from a worker's second run
    ///   on, its P never leaves "in GC" and the utilisation sticks at 0
    ///   (`go tool trace` shows the MMU of the first milliseconds only);
    ///   fixed, a worker counts once per run and not while idle;
    /// - a range that ends without a counted begin (a v1 trace's first STW
    ///   comes before its first GOMAXPROCS event) drives the counters
    ///   negative, and later STWs then count for nothing; fixed, counters
    ///   stop at 0.
    pub fix_go_quirks: bool,
}

impl Default for UtilFlags {
    /// `go tool trace`'s MMU page defaults: STW, background workers, assists.
    fn default() -> Self {
        UtilFlags { stw: true, background: true, assist: true, sweep: false, fix_go_quirks: false }
    }
}

impl UtilFlags {
    fn names(self) -> Vec<String> {
        let mut v = Vec::new();
        for (on, name) in
            [(self.stw, "stw"), (self.background, "background"), (self.assist, "assist"), (self.sweep, "sweep")]
        {
            if on {
                v.push(name.to_string());
            }
        }
        v
    }
}

/// A change in mutator utilisation: from `time` on, utilisation is `util`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MutatorUtil {
    pub time: i64,
    pub util: f64,
}

/// GOMAXPROCS beyond this is treated as corrupt input (the runtime caps far lower).
const MAX_PROCS: u64 = 1 << 20;

const STATE_RUNNING: u64 = 3;
const STATE_SYSCALL: u64 = 5;

fn executing(state: u64) -> bool {
    state == STATE_RUNNING || state == STATE_SYSCALL
}

/// The goroutine state transition of a StateTransition event, as Go's
/// `Event.StateTransition` gives it: (goroutine, old state, new state),
/// states as indexes into [`GO_STATES`].
pub(crate) fn go_transition(kind: EventType, g: i64, args: [u64; 4]) -> Option<(i64, u64, u64)> {
    use EventType as T;
    const NOT_EXIST: u64 = 1;
    const RUNNABLE: u64 = 2;
    const WAITING: u64 = 4;
    let arg_g = args[0] as i64;
    Some(match kind {
        T::GoCreate => (arg_g, NOT_EXIST, RUNNABLE),
        T::GoCreateBlocked => (arg_g, NOT_EXIST, WAITING),
        T::GoCreateSyscall => (arg_g, NOT_EXIST, STATE_SYSCALL),
        T::GoStart => (arg_g, RUNNABLE, STATE_RUNNING),
        T::GoDestroy => (g, STATE_RUNNING, NOT_EXIST),
        T::GoDestroySyscall => (g, STATE_SYSCALL, NOT_EXIST),
        T::GoStop => (g, STATE_RUNNING, RUNNABLE),
        T::GoBlock => (g, STATE_RUNNING, WAITING),
        T::GoUnblock | T::GoSwitch | T::GoSwitchDestroy => (arg_g, WAITING, RUNNABLE),
        T::GoSyscallBegin => (g, STATE_RUNNING, STATE_SYSCALL),
        T::GoSyscallEnd => (g, STATE_SYSCALL, STATE_RUNNING),
        T::GoSyscallEndBlocked => (g, STATE_SYSCALL, RUNNABLE),
        T::GoStatus | T::GoStatusStack => {
            let from = args[2] >> 32;
            let to = go_status_to_state(args[2] & 0xffff_ffff).unwrap_or(0);
            (arg_g, from.min(GO_STATES.len() as u64 - 1), to)
        }
        _ => return None,
    })
}

fn add_util(util: &mut Vec<MutatorUtil>, mu: MutatorUtil) {
    if let Some(last) = util.last_mut() {
        if mu.util == last.util {
            return;
        }
        if mu.time == last.time {
            if mu.util < last.util {
                *last = mu;
            }
            return;
        }
    }
    util.push(mu);
}

/// Go's `MutatorUtilizationV2` without `UtilPerProc`: the mean mutator
/// utilisation over all Ps as a step function of time, ending with 0 at the
/// last event. Empty if the trace never reports GOMAXPROCS.
pub fn mutator_utilization(t: &Trace, flags: UtilFlags) -> Vec<MutatorUtil> {
    let mut b = UtilBuilder::new(flags);
    for e in t.events.iter() {
        b.event(&t.profile, &e);
    }
    b.finish()
}

/// [`mutator_utilization`] fed one event at a time (in trace order), so a
/// trace can be analysed while it is decoded. It keeps the utilisation
/// function (one point per change, so bounded by GC activity), a state per
/// goroutine and a counter per P.
pub struct UtilBuilder {
    flags: UtilFlags,
    out: Vec<MutatorUtil>,
    stw: i64,
    ps: Vec<i64>,
    /// Ps whose count is positive.
    busy: usize,
    in_gc: FxHashSet<i64>,
    states: FxHashMap<i64, u64>,
    bg_mark: FxHashSet<i64>,
    procs: Vec<(i64, u64)>,
    n_sync: u64,
    last_time: Option<i64>,
}

impl UtilBuilder {
    pub fn new(flags: UtilFlags) -> Self {
        UtilBuilder {
            flags,
            out: Vec::new(),
            stw: 0,
            ps: Vec::new(),
            busy: 0,
            in_gc: FxHashSet::default(),
            states: FxHashMap::default(),
            bg_mark: FxHashSet::default(),
            procs: Vec::new(),
            n_sync: 0,
            last_time: None,
        }
    }

    /// The next event; `tables` resolves its string arguments.
    pub fn event(&mut self, tables: &Profile, e: &Event) {
        use EventType as T;
        let flags = self.flags;
        let is_gc_stw = |reason: &str| flags.stw && reason.contains("GC");
        self.last_time = Some(e.time_ns);
        match e.kind {
            T::Sync => {
                self.n_sync = e.args[0];
                if self.n_sync > 1 {
                    // Goroutine states are only read for "active" events
                    // of the first generation.
                    self.states = FxHashMap::default();
                }
            }
            T::ProcsChange => {
                let n = e.args[0].min(MAX_PROCS) as usize;
                self.ps.truncate(n);
                self.busy = self.ps.iter().filter(|&&x| x > 0).count();
                while self.ps.len() < n {
                    if self.out.is_empty() {
                        self.out.push(MutatorUtil { time: e.time_ns, util: 1.0 });
                    }
                    self.ps.push(0);
                }
                if self.procs.last().is_none_or(|&(_, p)| p != n as u64) {
                    self.procs.push((e.time_ns, n as u64));
                }
            }
            _ => {}
        }
        if self.ps.is_empty() {
            return;
        }
        let p = usize::try_from(e.p).ok().filter(|&p| p < self.ps.len());
        let fix = flags.fix_go_quirks;
        // Keeps `busy`, the number of Ps with a positive count, in step.
        let bump = |d: i64, (ps, busy): (&mut Vec<i64>, &mut usize)| {
            if let Some(x) = p.and_then(|p| ps.get_mut(p)) {
                let was = *x > 0;
                *x += d;
                if fix && *x < 0 {
                    *x = 0;
                }
                match (was, *x > 0) {
                    (false, true) => *busy += 1,
                    (true, false) => *busy -= 1,
                    _ => {}
                }
            }
        };
        let is_assist =
            |k: T| flags.assist && matches!(k, T::GCMarkAssistBegin | T::GCMarkAssistActive | T::GCMarkAssistEnd);
        let is_sweep = |k: T| flags.sweep && matches!(k, T::GCSweepBegin | T::GCSweepActive | T::GCSweepEnd);
        let str_arg = |i: usize| tables.strings.get(e.str_arg(i));
        let mut begin = false;
        match e.kind {
            T::GCActive | T::GCSweepActive | T::GCMarkAssistActive => {
                if self.n_sync <= 1 {
                    // Active since before the trace began: take 1/GOMAXPROCS
                    // off everything recorded so far, as Go does.
                    let fix = if is_assist(e.kind) {
                        self.states.get(&e.g).copied().is_some_and(executing)
                    } else {
                        is_sweep(e.kind)
                    };
                    let (out, procs) = (&mut self.out, &self.procs);
                    if fix && !procs.is_empty() {
                        let (mut mi, mut pi) = (0, 0);
                        while mi < out.len() {
                            if pi + 1 < procs.len() && procs[pi + 1].0 < out[mi].time {
                                pi += 1;
                                continue;
                            }
                            out[mi].util -= 1.0 / procs[pi].1 as f64;
                            if out[mi].util < 0.0 {
                                out[mi].util = 0.0;
                            }
                            mi += 1;
                        }
                    }
                    begin = true;
                }
            }
            T::STWBegin | T::GCBegin | T::GCSweepBegin | T::GCMarkAssistBegin => begin = true,
            T::STWEnd => {
                if is_gc_stw(str_arg(0)) && !(fix && self.stw == 0) {
                    self.stw -= 1;
                }
            }
            T::GCSweepEnd if is_sweep(e.kind) => bump(-1, (&mut self.ps, &mut self.busy)),
            T::GCMarkAssistEnd if is_assist(e.kind) => {
                bump(-1, (&mut self.ps, &mut self.busy));
                if e.g != NONE {
                    self.in_gc.remove(&e.g);
                }
            }
            T::GoLabel => {
                let l = str_arg(0);
                if flags.background && l.starts_with("GC ") && l != "GC (idle)" {
                    if self.bg_mark.insert(e.g) || !flags.fix_go_quirks {
                        bump(1, (&mut self.ps, &mut self.busy));
                    }
                } else if flags.background && flags.fix_go_quirks && l == "GC (idle)" && self.bg_mark.remove(&e.g) {
                    // Counted at its GoStart as a worker, but idle workers are not GC time.
                    bump(-1, (&mut self.ps, &mut self.busy));
                }
            }
            k => {
                if let Some((g, old, new)) = go_transition(k, e.g, e.args) {
                    if (!self.in_gc.is_empty() || !self.bg_mark.is_empty())
                        && (self.in_gc.contains(&g) || self.bg_mark.contains(&g))
                    {
                        if !executing(old) && executing(new) {
                            bump(1, (&mut self.ps, &mut self.busy));
                        } else if executing(old) && !executing(new) {
                            bump(-1, (&mut self.ps, &mut self.busy));
                        }
                    }
                    if self.n_sync <= 1 {
                        self.states.insert(g, new);
                    }
                }
            }
        }
        if begin {
            if e.kind == T::STWBegin {
                if is_gc_stw(str_arg(0)) {
                    self.stw += 1;
                }
            } else if is_sweep(e.kind) {
                bump(1, (&mut self.ps, &mut self.busy));
            } else if is_assist(e.kind) {
                bump(1, (&mut self.ps, &mut self.busy));
                let g = if e.kind == T::GCMarkAssistActive { e.args[0] as i64 } else { e.g };
                if g != NONE {
                    self.in_gc.insert(g);
                }
            }
        }
        let n = self.ps.len();
        let gc_ps = if self.stw > 0 { n } else { self.busy };
        add_util(&mut self.out, MutatorUtil { time: e.time_ns, util: 1.0 - gc_ps as f64 / n as f64 });
    }

    /// The utilisation function.
    pub fn finish(mut self) -> Vec<MutatorUtil> {
        if let (Some(time), false) = (self.last_time, self.ps.is_empty()) {
            add_util(&mut self.out, MutatorUtil { time, util: 0.0 });
        }
        self.out
    }
}

#[derive(Clone, Copy, Debug)]
struct Band {
    min_util: f64,
    cum_util: f64,
    /// Integrator position at the band's left edge.
    pos: usize,
}

/// The MMU curve of one mutator utilisation function (Go's `MMUCurve`
/// with one series).
pub struct MmuCurve {
    util: Vec<MutatorUtil>,
    sums: Vec<f64>,
    bands: Vec<Band>,
    band_dur: i64,
}

/// Go's `integrator`: integrates the utilisation function from its start.
#[derive(Clone, Copy)]
struct Integrator {
    pos: usize,
}

impl Integrator {
    fn advance(&mut self, c: &MmuCurve, time: i64) -> f64 {
        let util = &c.util;
        let mut pos = self.pos;
        const MAX_SEQ: usize = 8;
        if pos + MAX_SEQ < util.len() && util[pos + MAX_SEQ].time > time {
            while pos + 1 < util.len() && util[pos + 1].time <= time {
                pos += 1;
            }
        } else {
            let (mut l, mut r) = (pos, util.len());
            while l < r {
                let h = (l + r) / 2;
                if util[h].time <= time {
                    l = h + 1;
                } else {
                    r = h;
                }
            }
            pos = l.saturating_sub(1);
        }
        self.pos = pos;
        let Some(u) = util.get(pos) else { return 0.0 };
        let partial = if time != u.time { u.util * time.wrapping_sub(u.time) as f64 } else { 0.0 };
        c.sums.get(pos).copied().unwrap_or(0.0) + partial
    }

    fn next(&self, c: &MmuCurve, time: i64) -> i64 {
        c.util.get(self.pos..).unwrap_or(&[]).iter().find(|u| u.time > time).map_or(i64::MAX, |u| u.time)
    }
}

const BANDS_PER_SERIES: usize = 1000;

impl MmuCurve {
    /// Go's `newMMUSeries`. None for an empty function.
    pub fn new(util: Vec<MutatorUtil>) -> Option<Self> {
        let (first, last) = (util.first()?.time, util.last()?.time);
        let mut sums = Vec::with_capacity(util.len());
        let mut prev = MutatorUtil { time: 0, util: 0.0 };
        let mut sum = 0.0f64;
        for u in &util {
            sum += prev.util * u.time.wrapping_sub(prev.time) as f64;
            sums.push(sum);
            prev = *u;
        }
        let num_bands = BANDS_PER_SERIES.min(util.len()).max(1);
        let dur = last.saturating_sub(first);
        let band_dur = (dur.saturating_add(num_bands as i64 - 1) / num_bands as i64).max(1);
        let mut c = MmuCurve { util, sums, bands: Vec::with_capacity(num_bands + 1), band_dur };
        let mut left = Integrator { pos: 0 };
        for i in 0..=num_bands {
            let (start, end) = c.band_time(i);
            let cum_util = left.advance(&c, start);
            let pred = left.pos;
            let mut min_util = 1.0f64;
            for u in c.util.get(pred..).unwrap_or(&[]) {
                if u.time >= end {
                    break;
                }
                min_util = min_util.min(u.util);
            }
            c.bands.push(Band { min_util, cum_util, pos: left.pos });
        }
        Some(c)
    }

    /// First to last time of the function.
    pub fn duration(&self) -> i64 {
        match (self.util.first(), self.util.last()) {
            (Some(a), Some(b)) => b.time.saturating_sub(a.time),
            _ => 0,
        }
    }

    /// Mean utilisation over the whole function.
    pub fn mean(&self) -> f64 {
        let d = self.duration();
        if d <= 0 {
            return 0.0;
        }
        self.sums.last().copied().unwrap_or(0.0) / d as f64
    }

    fn band_time(&self, i: usize) -> (i64, i64) {
        let first = self.util.first().map_or(0, |u| u.time);
        let start = (i as i64).saturating_mul(self.band_dur).saturating_add(first);
        (start, start.saturating_add(self.band_dur))
    }

    /// The minimum mutator utilisation over all windows of `window` ns
    /// (Go's `MMUCurve.MMU`).
    pub fn mmu(&self, window: i64) -> f64 {
        if window <= 0 {
            return 0.0;
        }
        let window = window.min(self.duration());
        if window <= 0 {
            return 0.0;
        }
        let mut bands = self.band_util(window);
        // Go pops a heap by bound; the minimum found does not depend on the
        // order among equal bounds.
        bands.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut mmu = 1.0f64;
        for (i, bound) in bands {
            if bound >= mmu {
                break;
            }
            self.band_mmu(i, window, &mut mmu);
        }
        mmu
    }

    /// Go's `mkBandUtil`: (band, lower bound of the utilisation of every
    /// window starting in it).
    fn band_util(&self, window: i64) -> Vec<(usize, f64)> {
        let bd = self.band_dur;
        let min_bands = (window.saturating_add(bd - 1) / bd) as usize;
        let max_bands = (window.saturating_add((bd - 1).saturating_mul(2)) / bd) as usize;
        let tail_dur = window % bd;
        let n = (self.bands.len() + 1).saturating_sub(max_bands);
        let mut out = Vec::with_capacity(n);
        let min = |i: usize| self.bands.get(i).map_or(0.0, |b| b.min_util);
        for i in 0..n {
            let mut util = 0.0f64;
            let l = min(i);
            let r1 = min(i.saturating_add(min_bands).saturating_sub(1));
            let r2 = min(i.saturating_add(max_bands).saturating_sub(1));
            let min_band = l.min(r1.min(r2));
            if min_bands == 1 {
                util += min_band * window as f64;
            } else {
                util += min_band * bd as f64;
                let mid_band = if min_band == l {
                    r1.min(r2)
                } else if min_band == r1 {
                    l.min(r2)
                } else if min_band == r2 {
                    l.min(r1)
                } else {
                    0.0
                };
                util += mid_band * tail_dur as f64;
            }
            if min_bands > 2 {
                let cum = |i: usize| self.bands.get(i).map_or(0.0, |b| b.cum_util);
                util += cum(i.saturating_add(min_bands - 1)) - cum(i + 1);
            }
            out.push((i, util / window as f64));
        }
        out
    }

    /// Go's `bandMMU` for a plain MMU: lowers `mmu` to the exact minimum of
    /// the windows whose left edge is in band `idx` (stopping at 0).
    fn band_mmu(&self, idx: usize, window: i64, mmu: &mut f64) {
        let Some(band) = self.bands.get(idx) else { return };
        let mut left = Integrator { pos: band.pos };
        let mut right = left;
        let (mut time, mut end_time) = self.band_time(idx);
        let util_end = self.util.last().map_or(0, |u| u.time).saturating_sub(window);
        if util_end < end_time {
            end_time = util_end;
        }
        // Bounded like Go's loop (which always terminates); the bound only
        // guards against corrupt input.
        for _ in 0..=self.util.len().saturating_mul(2).saturating_add(16) {
            let r = right.advance(self, time.saturating_add(window));
            let l = left.advance(self, time);
            let mu = (r - l) / window as f64;
            if mu < *mmu {
                *mmu = mu;
            }
            if mu == 0.0 {
                return;
            }
            if time == end_time {
                break;
            }
            let min_time = time.saturating_add(((mu - *mmu) * window as f64) as i64);
            let t1 = left.next(self, time);
            let t2 = right.next(self, time.saturating_add(window)).saturating_sub(window);
            time = if t1 < t2 { t1 } else { t2 };
            if time < min_time {
                time = min_time;
            }
            if time >= end_time {
                time = end_time;
            }
        }
    }
}

/// Window sizes of the MMU curve in the report: 1, 2, 5, 10, 20, 50 ms ...
/// below `duration`, then `duration` itself.
pub fn mmu_windows(duration: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut decade: i64 = 1_000_000;
    'outer: loop {
        for m in [1, 2, 5] {
            let w = decade.saturating_mul(m);
            if w >= duration {
                break 'outer;
            }
            out.push(w);
        }
        decade = decade.saturating_mul(10);
    }
    if duration > 0 {
        out.push(duration);
    }
    out
}

/// The MMU curve of `t` with `flags` (None if the trace never reports
/// GOMAXPROCS or has no events).
pub fn mmu_curve(t: &Trace, flags: UtilFlags) -> Option<MmuCurve> {
    MmuCurve::new(mutator_utilization(t, flags))
}

struct OpenCycle {
    seq: u64,
    start: Option<i64>,
    heap_live_start: Option<u64>,
    heap_goal: Option<u64>,
    gomaxprocs: Option<u64>,
}

struct Assist {
    begin: i64,
    end: i64,
    stack: Option<StackId>,
}

fn frames_of(p: &Profile, stack: Option<StackId>) -> Vec<String> {
    let mut out = Vec::new();
    let mut s = stack;
    while let Some(id) = s {
        if out.len() > 4096 {
            break;
        }
        let Some(&frame) = p.stacks.frame.get(id.idx()) else { break };
        let name =
            p.frames.func.get(frame.idx()).and_then(|f| p.funcs.name.get(f.idx())).map_or("?", |&n| p.strings.get(n));
        out.push(name.to_string());
        s = p.stacks.prefix.get(id.idx()).copied().flatten();
    }
    out
}

fn top_stacks<'a>(p: &Profile, assists: impl Iterator<Item = &'a Assist>, n: usize) -> Vec<AssistStack> {
    let mut by: HashMap<Option<StackId>, (u64, i64)> = HashMap::new();
    for a in assists {
        let e = by.entry(a.stack).or_insert((0, 0));
        e.0 += 1;
        e.1 = e.1.saturating_add(a.end.saturating_sub(a.begin));
    }
    let mut v: Vec<_> = by.into_iter().collect();
    v.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(b.1 .0.cmp(&a.1 .0)).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v.into_iter().map(|(s, (count, ns))| AssistStack { frames: frames_of(p, s), count, ns }).collect()
}

/// The GC report of a decoded trace (`gopherlens gc`).
pub fn analyze(t: &Trace) -> Gc {
    analyze_with(t, UtilFlags::default())
}

/// [`analyze`] with other MMU accounting.
pub fn analyze_with(t: &Trace, flags: UtilFlags) -> Gc {
    let mut b = GcBuilder::new(flags);
    for e in t.events.iter() {
        b.event(&t.profile, &e);
    }
    b.finish(&t.profile, &t.go_version, t.cpu_samples.time_ns.len(), &t.warnings)
}

/// (cycle, end, live heap at the end, goal set after it)
type Closed = (OpenCycle, Option<i64>, Option<u64>, Option<u64>);

/// [`analyze_with`] fed one event at a time, in trace order (from
/// [`crate::formats::trace::Decoder::next_chunk`]), so a trace is analysed
/// without keeping its events: what it keeps grows with GC activity (cycles,
/// stop-the-worlds, assists, changes of mutator utilisation) and the number
/// of goroutines, not with the number of events.
pub struct GcBuilder {
    flags: UtilFlags,
    t0: Option<i64>,
    t_end: i64,
    events: usize,
    cycles: Vec<Closed>,
    open: Option<OpenCycle>,
    stws: Vec<(String, i64, i64)>,
    open_stw: Option<(String, i64)>,
    assists: Vec<Assist>,
    open_assist: FxHashMap<i64, (i64, Option<StackId>)>,
    heap: Option<u64>,
    goal: Option<u64>,
    procs: Option<u64>,
    max_procs: u64,
    goals: Vec<(i64, u64)>,
    util_go: UtilBuilder,
    util_fixed: UtilBuilder,
}

impl GcBuilder {
    pub fn new(flags: UtilFlags) -> Self {
        GcBuilder {
            flags,
            t0: None,
            t_end: 0,
            events: 0,
            cycles: Vec::new(),
            open: None,
            stws: Vec::new(),
            open_stw: None,
            assists: Vec::new(),
            open_assist: FxHashMap::default(),
            heap: None,
            goal: None,
            procs: None,
            max_procs: 0,
            goals: Vec::new(),
            util_go: UtilBuilder::new(UtilFlags { fix_go_quirks: false, ..flags }),
            util_fixed: UtilBuilder::new(UtilFlags { fix_go_quirks: true, ..flags }),
        }
    }

    /// The next event; `tables` resolves its strings.
    pub fn event(&mut self, tables: &Profile, e: &Event) {
        use EventType as T;
        self.util_go.event(tables, e);
        self.util_fixed.event(tables, e);
        self.events += 1;
        let t0 = *self.t0.get_or_insert(e.time_ns);
        self.t_end = e.time_ns;
        let str_arg = |i: usize| tables.strings.get(e.str_arg(i));
        match e.kind {
            T::HeapAlloc => self.heap = Some(e.args[0]),
            T::HeapGoal => {
                self.goal = Some(e.args[0]);
                self.goals.push((e.time_ns, e.args[0]));
            }
            T::ProcsChange => {
                self.procs = Some(e.args[0]);
                self.max_procs = self.max_procs.max(e.args[0]);
            }
            T::GCBegin | T::GCActive if self.open.is_none() => {
                let start = (e.kind == T::GCBegin).then_some(e.time_ns);
                self.open = Some(OpenCycle {
                    seq: e.args[0],
                    start,
                    heap_live_start: self.heap,
                    heap_goal: self.goal,
                    gomaxprocs: self.procs,
                });
            }
            T::GCEnd => {
                let c = self.open.take().unwrap_or(OpenCycle {
                    seq: e.args[0],
                    start: None,
                    heap_live_start: None,
                    heap_goal: None,
                    gomaxprocs: None,
                });
                self.cycles.push((c, Some(e.time_ns), self.heap, None));
            }
            T::STWBegin => {
                if let Some((r, b)) = self.open_stw.take() {
                    self.stws.push((r, b, e.time_ns));
                }
                self.open_stw = Some((str_arg(0).to_string(), e.time_ns));
            }
            T::STWEnd => {
                let (r, b) = self.open_stw.take().unwrap_or_else(|| (str_arg(0).to_string(), t0));
                self.stws.push((r, b, e.time_ns));
            }
            T::GCMarkAssistBegin => {
                if let Some((b, s)) = self.open_assist.insert(e.g, (e.time_ns, e.stack.or(e.stack_arg(0)))) {
                    self.assists.push(Assist { begin: b, end: e.time_ns, stack: s });
                }
            }
            T::GCMarkAssistActive => {
                self.open_assist.entry(e.args[0] as i64).or_insert((t0, None));
            }
            T::GCMarkAssistEnd => {
                if let Some((b, s)) = self.open_assist.remove(&e.g) {
                    self.assists.push(Assist { begin: b, end: e.time_ns, stack: s });
                }
            }
            _ => {}
        }
        // The goal for the next cycle is set right after GCEnd.
        if e.kind == T::HeapGoal {
            if let Some(last) = self.cycles.last_mut() {
                if last.3.is_none() && self.open.is_none() {
                    last.3 = Some(e.args[0]);
                }
            }
        }
    }

    /// The report. `tables` are the decoder's final tables (assist stacks
    /// are named from them), `cpu_samples` the number of CPU samples seen
    /// and `warnings` the decoder's.
    pub fn finish(self, tables: &Profile, go_version: &str, cpu_samples: usize, warnings: &[String]) -> Gc {
        let GcBuilder {
            flags,
            t0,
            t_end,
            events,
            mut cycles,
            mut open,
            mut stws,
            mut open_stw,
            mut assists,
            mut open_assist,
            max_procs,
            goals,
            util_go,
            util_fixed,
            ..
        } = self;
        let t0 = t0.unwrap_or(0);
        let rel = |x: i64| x.saturating_sub(t0);
        if let Some(c) = open.take() {
            cycles.push((c, None, None, None));
        }
        if let Some((r, b)) = open_stw.take() {
            stws.push((r, b, t_end));
        }
        let mut rest: Vec<_> = open_assist.drain().collect();
        rest.sort_unstable_by_key(|&(g, (b, _))| (b, g));
        for (_, (b, s)) in rest {
            assists.push(Assist { begin: b, end: t_end, stack: s });
        }
        assists.sort_by_key(|a| (a.begin, a.end));
        stws.sort_by_key(|s| (s.1, s.2));
        let mut used = vec![false; stws.len()];
        let mut out_cycles = Vec::with_capacity(cycles.len());
        for (n, (c, end, heap_end, goal_next)) in cycles.into_iter().enumerate() {
            let start = c.start.unwrap_or(t0);
            let stop = end.unwrap_or(t_end);
            let mut stw = Vec::new();
            let mut sweep_term_end = None;
            let mut mark_term_start = None;
            // STWs are one at a time: only the one before `start` can straddle it.
            let first = stws.partition_point(|s| s.1 < start).saturating_sub(1);
            let last = stws.partition_point(|s| s.1 <= stop);
            for (i, (r, b, e)) in stws.iter().enumerate().take(last).skip(first) {
                // During the cycle, or straddling its start (sweep termination).
                let inside = (*b >= start && *b <= stop) || (*b < start && *e >= start);
                if used[i] || !inside {
                    continue;
                }
                used[i] = true;
                if r.contains("sweep termination") {
                    sweep_term_end = Some(*e);
                } else if r.contains("mark termination") && mark_term_start.is_none() {
                    mark_term_start = Some(*b);
                }
                stw.push(Stw { reason: r.clone(), start_ns: rel(*b), duration_ns: e.saturating_sub(*b) });
            }
            let mark_from = sweep_term_end.unwrap_or(start);
            let mark_to = mark_term_start.unwrap_or(stop);
            let (lo, hi) = (assists.partition_point(|a| a.begin < start), assists.partition_point(|a| a.begin <= stop));
            let in_cycle: Vec<&Assist> = assists.get(lo..hi).unwrap_or(&[]).iter().collect();
            out_cycles.push(GcCycle {
                n: n + 1,
                seq: c.seq,
                start_ns: c.start.map(rel),
                end_ns: end.map(rel),
                mark_ns: mark_to.saturating_sub(mark_from).max(0),
                stw_ns: stw.iter().fold(0i64, |a, s| a.saturating_add(s.duration_ns)),
                stw,
                assist_count: in_cycle.len() as u64,
                assist_ns: in_cycle.iter().fold(0i64, |acc, a| acc.saturating_add(a.end.saturating_sub(a.begin))),
                top_assists: top_stacks(tables, in_cycle.iter().copied(), 3),
                heap_live_start: c.heap_live_start,
                heap_live_end: heap_end,
                // The runtime sets the cycle's goal during sweep termination
                // (Go 1.21 and older write it there; later ones before GCBegin).
                heap_goal: goals.iter().rev().find(|g| g.0 <= mark_from).map(|g| g.1).or(c.heap_goal),
                heap_goal_next: goal_next,
                gomaxprocs: c.gomaxprocs,
            });
        }
        let other_stw = stws
            .iter()
            .zip(&used)
            .filter(|(_, &u)| !u)
            .map(|((r, b, e), _)| Stw { reason: r.clone(), start_ns: rel(*b), duration_ns: e.saturating_sub(*b) })
            .collect();
        let longest_pause_ns = stws.iter().map(|(_, b, e)| e.saturating_sub(*b)).max().unwrap_or(0);
        let longest_gc_pause_ns =
            stws.iter().filter(|(r, _, _)| r.contains("GC")).map(|(_, b, e)| e.saturating_sub(*b)).max().unwrap_or(0);

        let windows = mmu_windows(t_end.saturating_sub(t0));
        let points = |c: &Option<MmuCurve>| -> Vec<MmuPoint> {
            c.as_ref()
                .map_or(Vec::new(), |c| windows.iter().map(|&w| MmuPoint { window_ns: w, util: c.mmu(w) }).collect())
        };
        let mmu = points(&MmuCurve::new(util_go.finish()));
        let fixed = MmuCurve::new(util_fixed.finish());
        let mmu_fixed = points(&fixed);
        let gc_cpu_fraction = fixed.as_ref().map_or(0.0, |c| (1.0 - c.mean()).clamp(0.0, 1.0));
        Gc {
            go_version: go_version.to_string(),
            events,
            cpu_samples,
            duration_ns: t_end.saturating_sub(t0),
            gomaxprocs: max_procs,
            gc_cpu_fraction,
            longest_pause_ns,
            longest_gc_pause_ns,
            cycles: out_cycles,
            other_stw,
            mmu_flags: flags.names(),
            mmu,
            mmu_fixed,
            assist_stacks: top_stacks(tables, assists.iter(), 10),
            warnings: warnings.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(points: &[(i64, f64)]) -> MmuCurve {
        MmuCurve::new(points.iter().map(|&(time, util)| MutatorUtil { time, util }).collect()).unwrap()
    }

    #[test]
    fn mmu_of_a_step_function() {
        // 1 until 100, 0 for 10, 1 until 1000, then the closing 0.
        let c = curve(&[(0, 1.0), (100, 0.0), (110, 1.0), (1000, 0.0)]);
        assert_eq!(c.mmu(10), 0.0);
        assert!((c.mmu(20) - 0.5).abs() < 1e-12);
        assert!((c.mmu(100) - 0.9).abs() < 1e-12);
        assert!((c.mmu(1000) - 0.99).abs() < 1e-12);
        assert!((c.mean() - 0.99).abs() < 1e-12);
    }

    /// Two Ps; a dedicated mark worker runs twice on P0, then a GC STW.
    fn worker_trace() -> Trace {
        use crate::formats::trace::{CpuSamples, Event, Events, Version};
        use crate::model::Format;
        let mut profile = Profile::new(Format::Trace);
        let label = u64::from(profile.strings.intern("GC (dedicated)").0);
        let stw = u64::from(profile.strings.intern("GC mark termination").0);
        let block = u64::from(profile.strings.intern("GC worker (idle)").0);
        let ev = |kind, time_ns, g, p, args| Event { kind, time_ns, g, p, m: 1, args, stack: None };
        use EventType as T;
        let list = [
            ev(T::Sync, 0, NONE, NONE, [1, 0, 0, 0]),
            ev(T::ProcsChange, 0, NONE, 0, [2, 0, 0, 0]),
            ev(T::GoStart, 10, NONE, 0, [7, 1, 0, 0]),
            ev(T::GoLabel, 10, 7, 0, [label, 0, 0, 0]),
            ev(T::GoBlock, 20, 7, 0, [block, 0, 0, 0]),
            ev(T::GoUnblock, 25, NONE, 1, [7, 2, 0, 0]),
            ev(T::GoStart, 30, NONE, 0, [7, 3, 0, 0]),
            ev(T::GoLabel, 30, 7, 0, [label, 0, 0, 0]),
            ev(T::GoBlock, 40, 7, 0, [block, 0, 0, 0]),
            ev(T::STWBegin, 50, 3, 1, [stw, 0, 0, 0]),
            ev(T::STWEnd, 60, 3, 1, [stw, 0, 0, 0]),
            ev(T::Sync, 100, NONE, NONE, [2, 0, 0, 0]),
        ];
        let mut events = Events::default();
        for e in &list {
            events.push(e);
        }
        Trace {
            go_version: "1.26".into(),
            version: Version::GO126,
            profile,
            events,
            counts: Default::default(),
            cpu_samples: CpuSamples::default(),
            warnings: Vec::new(),
            generations: 1,
            experimental_batches: 0,
            clock: None,
        }
    }

    #[test]
    fn worker_accounting_go_and_fixed() {
        let t = worker_trace();
        let pts = |v: Vec<MutatorUtil>| v.into_iter().map(|u| (u.time, u.util)).collect::<Vec<_>>();
        // Go counts the worker's P at GoStart (once it knows the worker)
        // and again at its label: from the second run on, P0 stays "in GC".
        assert_eq!(
            pts(mutator_utilization(&t, UtilFlags::default())),
            [(0, 1.0), (10, 0.5), (20, 1.0), (30, 0.5), (50, 0.0), (60, 0.5), (100, 0.0)]
        );
        let fixed = mutator_utilization(&t, UtilFlags { fix_go_quirks: true, ..UtilFlags::default() });
        assert_eq!(
            pts(fixed.clone()),
            [(0, 1.0), (10, 0.5), (20, 1.0), (30, 0.5), (40, 1.0), (50, 0.0), (60, 1.0), (100, 0.0)]
        );
        let c = MmuCurve::new(fixed).unwrap();
        assert_eq!(c.mmu(10), 0.0);
        assert!((c.mmu(20) - 0.5).abs() < 1e-12);
        // GC time: 10 + 10 (half of two Ps) + 10 (both) of 2×100.
        assert!((1.0 - c.mean() - 0.2).abs() < 1e-12);
        let g = analyze(&t);
        assert!((g.gc_cpu_fraction - 0.2).abs() < 1e-12);
        assert_eq!(g.longest_gc_pause_ns, 10);
        assert_eq!(g.other_stw.len(), 1);
        assert!(g.cycles.is_empty());
    }

    #[test]
    fn windows() {
        assert_eq!(mmu_windows(12_000_000), vec![1_000_000, 2_000_000, 5_000_000, 10_000_000, 12_000_000]);
        assert_eq!(mmu_windows(500), vec![500]);
        assert!(mmu_windows(0).is_empty());
    }
}
