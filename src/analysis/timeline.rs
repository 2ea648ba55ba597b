//! The GC timeline of an execution trace: heap in use and heap goal, live
//! goroutines and mark-assist density over time, plus the GC cycles and
//! stop-the-world phases of [`crate::report::Gc`] as bands and markers.
//!
//! [`TimelineBuilder`] takes one event at a time, in trace order, and keeps
//! memory bounded (live goroutine ids, open assists and a fixed number of
//! time buckets per series), so a streaming decoder can drive it without
//! keeping the events. Each series comes out with at most [`MAX_POINTS`]
//! points: when a series has more changes than that, time is cut into
//! buckets and each bucket keeps its first, lowest, highest and last point,
//! so spikes survive downsampling.
//!
//! Times are nanoseconds from the first event, as in [`crate::report::Gc`].

use crate::analysis::gc::go_transition;
use crate::formats::trace::{Event, EventType};
use crate::model::Profile;
use crate::report::Gc;
use std::collections::{HashMap, HashSet};

/// Most points of one series.
pub const MAX_POINTS: usize = 10_000;
/// Buckets of a series: each keeps up to four points.
const BUCKETS: usize = MAX_POINTS / 4;
/// Buckets of the assist density.
const DENSITY_BUCKETS: usize = 2048;
/// Initial bucket width (ns); doubles as the trace grows.
const MIN_WIDTH: i64 = 1_000;

/// A goroutine state index of [`crate::formats::trace::events::GO_STATES`].
const NOT_EXIST: u64 = 1;
const UNDETERMINED: u64 = 0;

/// The timeline, as columns (what the page draws; JS gets them as typed
/// arrays). Series are step functions: a value holds from its time until
/// the next point's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// First to last event.
    pub duration_ns: i64,
    /// Live heap (HeapAlloc metric), bytes.
    pub heap_t: Vec<f64>,
    pub heap_v: Vec<f64>,
    /// Heap goal (HeapGoal metric), bytes.
    pub goal_t: Vec<f64>,
    pub goal_v: Vec<f64>,
    /// Goroutines in existence (created and not yet ended).
    pub goroutines_t: Vec<f64>,
    pub goroutines_v: Vec<f64>,
    /// Mark-assist density: goroutines assisting, on average over each
    /// bucket of `assist_bucket_ns` starting at `assist_t`.
    pub assist_t: Vec<f64>,
    pub assist_v: Vec<f64>,
    pub assist_bucket_ns: f64,
    /// GC cycles (from [`Gc::cycles`], see [`Timeline::add_gc`]): start and
    /// end, clipped to the trace; `cycle_n` is [`crate::report::GcCycle::n`].
    pub cycle_start: Vec<f64>,
    pub cycle_end: Vec<f64>,
    pub cycle_n: Vec<u32>,
    /// Stop-the-world phases of the cycles and the other ones: start,
    /// duration, and 1 when the phase belongs to a GC cycle.
    pub stw_start: Vec<f64>,
    pub stw_dur: Vec<f64>,
    pub stw_gc: Vec<u8>,
}

/// One bucket of a downsampled series: its first, lowest, highest and
/// last point.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    first: (i64, f64),
    min: (i64, f64),
    max: (i64, f64),
    last: (i64, f64),
}

impl Bucket {
    fn new(t: i64, v: f64) -> Self {
        Bucket { first: (t, v), min: (t, v), max: (t, v), last: (t, v) }
    }
    fn add(&mut self, t: i64, v: f64) {
        if v < self.min.1 {
            self.min = (t, v);
        }
        if v > self.max.1 {
            self.max = (t, v);
        }
        self.last = (t, v);
    }
    fn merge(a: Option<Bucket>, b: Option<Bucket>) -> Option<Bucket> {
        match (a, b) {
            (Some(a), Some(b)) => Some(Bucket {
                first: a.first,
                min: if b.min.1 < a.min.1 { b.min } else { a.min },
                max: if b.max.1 > a.max.1 { b.max } else { a.max },
                last: b.last,
            }),
            (a, None) => a,
            (None, b) => b,
        }
    }
}

/// A step series, kept whole up to [`MAX_POINTS`] changes and downsampled
/// on the fly beyond: buckets of a width that doubles whenever time runs
/// past the last one.
#[derive(Debug)]
struct Series {
    raw: Vec<(i64, f64)>,
    width: i64,
    buckets: Vec<Option<Bucket>>,
    last: Option<f64>,
}

impl Series {
    fn new() -> Self {
        Series { raw: Vec::new(), width: MIN_WIDTH, buckets: Vec::new(), last: None }
    }

    fn slot(&mut self, t: i64) -> usize {
        let t = t.max(0);
        while t / self.width >= BUCKETS as i64 {
            // Halve the resolution: merge neighbours.
            for i in 0..BUCKETS / 2 {
                self.buckets[i] = Bucket::merge(self.buckets[2 * i], self.buckets[2 * i + 1]);
            }
            for b in &mut self.buckets[BUCKETS / 2..] {
                *b = None;
            }
            self.width = self.width.saturating_mul(2);
        }
        (t / self.width) as usize
    }

    fn bucket_push(&mut self, t: i64, v: f64) {
        let i = self.slot(t);
        match &mut self.buckets[i] {
            Some(b) => b.add(t, v),
            b @ None => *b = Some(Bucket::new(t, v)),
        }
    }

    /// The value changes to `v` at `t` (unchanged values are dropped).
    fn push(&mut self, t: i64, v: f64) {
        if self.last == Some(v) {
            return;
        }
        self.last = Some(v);
        if self.buckets.is_empty() {
            if self.raw.len() < MAX_POINTS {
                self.raw.push((t, v));
                return;
            }
            // Too many changes: from now on, buckets.
            self.buckets = vec![None; BUCKETS];
            for (t, v) in std::mem::take(&mut self.raw) {
                self.bucket_push(t, v);
            }
        }
        self.bucket_push(t, v);
    }

    fn finish(self) -> (Vec<f64>, Vec<f64>) {
        let (mut ts, mut vs) = (Vec::new(), Vec::new());
        let mut put = |t: i64, v: f64| {
            if ts.last() == Some(&(t as f64)) {
                // Points at the same time: the later one holds.
                if let Some(lv) = vs.last_mut() {
                    *lv = v;
                }
                return;
            }
            ts.push(t as f64);
            vs.push(v);
        };
        for (t, v) in self.raw {
            put(t, v);
        }
        for b in self.buckets.into_iter().flatten() {
            let mut pts = [b.first, b.min, b.max, b.last];
            pts.sort_by_key(|p| p.0);
            for (t, v) in pts {
                put(t, v);
            }
        }
        (ts, vs)
    }
}

/// Time covered per bucket, for the assist density.
#[derive(Debug)]
struct Density {
    width: i64,
    ns: Vec<i64>,
}

impl Density {
    fn new() -> Self {
        Density { width: MIN_WIDTH, ns: vec![0; DENSITY_BUCKETS] }
    }

    fn fit(&mut self, t: i64) {
        while t.max(0) / self.width >= DENSITY_BUCKETS as i64 {
            for i in 0..DENSITY_BUCKETS / 2 {
                self.ns[i] = self.ns[2 * i] + self.ns[2 * i + 1];
            }
            for v in &mut self.ns[DENSITY_BUCKETS / 2..] {
                *v = 0;
            }
            self.width = self.width.saturating_mul(2);
        }
    }

    /// Adds the interval [a, b).
    fn add(&mut self, a: i64, b: i64) {
        let (a, b) = (a.max(0), b.max(0));
        if b <= a {
            return;
        }
        self.fit(b);
        let mut t = a;
        while t < b {
            let i = (t / self.width) as usize;
            let end = ((i as i64 + 1) * self.width).min(b);
            self.ns[i] += end - t;
            t = end;
        }
    }
}

/// Builds a [`Timeline`] one event at a time.
#[derive(Debug)]
pub struct TimelineBuilder {
    t0: Option<i64>,
    t_last: i64,
    heap: Series,
    goal: Series,
    goroutines: Series,
    live: HashSet<i64>,
    assists: HashMap<i64, i64>,
    density: Density,
}

impl Default for TimelineBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TimelineBuilder {
    pub fn new() -> Self {
        TimelineBuilder {
            t0: None,
            t_last: 0,
            heap: Series::new(),
            goal: Series::new(),
            goroutines: Series::new(),
            live: HashSet::new(),
            assists: HashMap::new(),
            density: Density::new(),
        }
    }

    /// Takes the next event (in trace order). `tables` are the interned
    /// tables the event refers to (unused for now; kept so the streaming
    /// decoder's signature stays stable if stacks are wanted later).
    pub fn event(&mut self, _tables: &Profile, e: &Event) {
        use EventType as T;
        let t0 = *self.t0.get_or_insert(e.time_ns);
        let t = e.time_ns.saturating_sub(t0);
        self.t_last = self.t_last.max(t);
        match e.kind {
            T::HeapAlloc => self.heap.push(t, e.args[0] as f64),
            T::HeapGoal => self.goal.push(t, e.args[0] as f64),
            T::GCMarkAssistBegin => {
                if let Some(b) = self.assists.insert(e.g, t) {
                    self.density.add(b, t);
                }
            }
            T::GCMarkAssistActive => {
                self.assists.entry(e.args[0] as i64).or_insert(t);
            }
            T::GCMarkAssistEnd => {
                if let Some(b) = self.assists.remove(&e.g) {
                    self.density.add(b, t);
                }
            }
            _ => {}
        }
        if let Some((g, _from, to)) = go_transition(e.kind, e.g, e.args) {
            if g >= 0 && to != NOT_EXIST && to != UNDETERMINED {
                self.live.insert(g);
            } else if to == NOT_EXIST {
                self.live.remove(&g);
            }
            // A coroutine switch that destroys the running goroutine.
            if e.kind == T::GoSwitchDestroy {
                self.live.remove(&e.g);
            }
            self.goroutines.push(t, self.live.len() as f64);
        }
    }

    /// The timeline, without cycles and STW phases (see [`Timeline::add_gc`]).
    pub fn finish(mut self) -> Timeline {
        let end = self.t_last;
        for (_, b) in std::mem::take(&mut self.assists) {
            self.density.add(b, end);
        }
        let (heap_t, heap_v) = self.heap.finish();
        let (goal_t, goal_v) = self.goal.finish();
        let (goroutines_t, goroutines_v) = self.goroutines.finish();
        let w = self.density.width;
        let used = if end <= 0 { 0 } else { ((end - 1) / w + 1) as usize };
        let used = used.min(DENSITY_BUCKETS);
        let assist_t = (0..used).map(|i| (i as i64 * w) as f64).collect();
        let assist_v = self.density.ns[..used].iter().map(|&ns| ns as f64 / w as f64).collect();
        Timeline {
            duration_ns: end,
            heap_t,
            heap_v,
            goal_t,
            goal_v,
            goroutines_t,
            goroutines_v,
            assist_t,
            assist_v,
            assist_bucket_ns: w as f64,
            ..Timeline::default()
        }
    }
}

impl Timeline {
    /// Builds the timeline of a decoded trace.
    pub fn of_trace(t: &crate::formats::trace::Trace) -> Timeline {
        let mut b = TimelineBuilder::new();
        for e in t.events.iter() {
            b.event(&t.profile, &e);
        }
        b.finish()
    }

    /// Adds the GC cycles and stop-the-world phases of `gc` (cycles that
    /// began before the trace start at 0, ones still running at the end
    /// end at `duration_ns`).
    pub fn add_gc(&mut self, gc: &Gc) {
        let end = self.duration_ns.max(gc.duration_ns);
        self.duration_ns = end;
        self.cycle_start.clear();
        self.cycle_end.clear();
        self.cycle_n.clear();
        self.stw_start.clear();
        self.stw_dur.clear();
        self.stw_gc.clear();
        for c in &gc.cycles {
            self.cycle_start.push(c.start_ns.unwrap_or(0) as f64);
            self.cycle_end.push(c.end_ns.unwrap_or(end) as f64);
            self.cycle_n.push(c.n as u32);
            for s in &c.stw {
                self.stw_start.push(s.start_ns as f64);
                self.stw_dur.push(s.duration_ns as f64);
                self.stw_gc.push(1);
            }
        }
        for s in &gc.other_stw {
            self.stw_start.push(s.start_ns as f64);
            self.stw_dur.push(s.duration_ns as f64);
            self.stw_gc.push(0);
        }
    }

    /// A timeline from the cycles alone (a gctrace log has no events): the
    /// heap at each cycle's start and end, the goal from each start.
    pub fn of_cycles(gc: &Gc) -> Timeline {
        let mut heap = Series::new();
        let mut goal = Series::new();
        for c in &gc.cycles {
            if let (Some(s), Some(h)) = (c.start_ns, c.heap_live_start) {
                heap.last = None;
                heap.push(s, h as f64);
            }
            if let (Some(s), Some(g)) = (c.start_ns, c.heap_goal) {
                goal.push(s, g as f64);
            }
            if let (Some(e), Some(h)) = (c.end_ns, c.heap_live_end) {
                heap.last = None;
                heap.push(e, h as f64);
            }
        }
        let (heap_t, heap_v) = heap.finish();
        let (goal_t, goal_v) = goal.finish();
        let mut t = Timeline { duration_ns: gc.duration_ns, heap_t, heap_v, goal_t, goal_v, ..Timeline::default() };
        t.add_gc(gc);
        t
    }

    /// The value of a step series at time `t` (None before its first point).
    pub fn value_at(ts: &[f64], vs: &[f64], t: f64) -> Option<f64> {
        let i = ts.partition_point(|&x| x <= t);
        i.checked_sub(1).map(|i| vs[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_keeps_every_point_when_few() {
        let mut s = Series::new();
        for i in 0..100 {
            s.push(i * 10, (i % 7) as f64);
        }
        let (t, v) = s.finish();
        assert_eq!(t.len(), 100);
        assert_eq!(v[8], 1.0);
    }

    #[test]
    fn series_downsamples_and_keeps_spikes() {
        let mut s = Series::new();
        let n = 1_000_000i64;
        for i in 0..n {
            let v = if i == 777_777 {
                1e9
            } else if i == 123_456 {
                -5.0
            } else {
                (i % 3) as f64
            };
            s.push(i * 1000, v);
        }
        let (t, v) = s.finish();
        assert!(t.len() <= MAX_POINTS, "{}", t.len());
        assert!(t.windows(2).all(|w| w[0] < w[1]));
        assert!(v.contains(&1e9));
        assert!(v.contains(&-5.0));
    }

    #[test]
    fn density_sums_intervals() {
        let mut d = Density::new();
        d.add(0, 500);
        d.add(1500, 2500);
        d.add(10_000_000, 10_000_100);
        assert_eq!(d.ns.iter().sum::<i64>(), 500 + 1000 + 100);
    }
}
