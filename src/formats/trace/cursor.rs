//! Per-thread cursors over a generation's event batches, and the min-heap
//! (by next event time) that Go's reader keeps them in. The heap operations
//! follow Go's exactly so that ties between threads resolve the same way.

use super::batches::Batch;
use super::events::EventType;
use super::generation::{ticks_to_ns, Gen};
use super::header::Version;
use super::leb128::uvarint;
use crate::{Error, Result};

/// An event as read from a batch: time in nanoseconds, arguments after the
/// time delta with string ids already turned into [`crate::model::StrId`]s
/// and stack ids into `StackId + 1` (0 for none).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct BaseEvent {
    pub typ: u8,
    pub time: i64,
    pub args: [u64; 4],
}

impl BaseEvent {
    pub fn kind(&self) -> EventType {
        EventType::from_u8(self.typ).unwrap_or(EventType::None)
    }
}

/// Where one thread's reading stands.
#[derive(Clone, Debug)]
pub(crate) struct Cursor {
    /// Index into the generation's thread list.
    pub thread: usize,
    pub m: i64,
    last_ts: i64,
    batch: usize,
    off: usize,
    /// The event the cursor is at.
    pub ev: BaseEvent,
}

impl Cursor {
    pub fn new(thread: usize, m: i64) -> Self {
        Cursor { thread, m, last_ts: 0, batch: 0, off: 0, ev: BaseEvent::default() }
    }

    /// Moves to the next event of the thread; false when there is none.
    pub fn next_event(&mut self, g: &Gen, v: Version) -> Result<bool> {
        let Some((_, batches)) = g.threads.get(self.thread) else { return Ok(false) };
        while batches.get(self.batch).is_some_and(|b| b.data.len() <= self.off) {
            self.batch += 1;
            self.off = 0;
            self.last_ts = 0;
        }
        let Some(b) = batches.get(self.batch) else { return Ok(false) };
        if self.last_ts == 0 {
            self.last_ts = ticks_to_ns(g.freq, b.time);
        }
        let (n, dt) = read_event(b, self.off, g, v, &mut self.ev)?;
        self.ev.time = ticks_to_ns(g.freq, dt).wrapping_add(self.last_ts);
        self.last_ts = self.ev.time;
        self.off += n;
        Ok(true)
    }
}

/// Reads the timed event at `off` of batch `b`: (bytes used, time delta).
fn read_event(b: &Batch, off: usize, g: &Gen, v: Version, ev: &mut BaseEvent) -> Result<(usize, u64)> {
    let err = |detail: String| Error::BadTrace { offset: b.offset, detail: format!("generation {}: {detail}", g.gen) };
    let typ = *b.data.get(off).ok_or_else(|| err("event batch cut short".into()))?;
    let t = EventType::from_u8(typ).filter(|t| t.allowed_in(v));
    let Some((t, spec)) = t.and_then(|t| Some((t, t.timed_spec()?))) else {
        return Err(err(format!("unexpected event type {typ} in an event batch of a go {} trace", v.name())));
    };
    let mut pos = off + 1;
    let dt = uvarint(b.data, &mut pos).map_err(|_| err(format!("bad timestamp varint in a {} event", t.name())))?;
    ev.typ = typ;
    ev.args = [0; 4];
    for i in 0..spec.nargs as usize {
        let a = uvarint(b.data, &mut pos).map_err(|_| err(format!("bad argument varint in a {} event", t.name())))?;
        if let Some(slot) = ev.args.get_mut(i) {
            *slot = a;
        }
    }
    for &i in spec.strings {
        if let Some(slot) = ev.args.get_mut(i as usize) {
            let s = g
                .string(*slot)
                .ok_or_else(|| err(format!("found invalid string ID {} for event {}", *slot, t.name())))?;
            *slot = u64::from(s.0);
        }
    }
    for &i in spec.stacks {
        if let Some(slot) = ev.args.get_mut(i as usize) {
            let s = g
                .stack(*slot)
                .ok_or_else(|| err(format!("found invalid stack ID {} for event {}", *slot, t.name())))?;
            *slot = encode_stack(s);
        }
    }
    Ok((pos - off, dt))
}

/// A stack as an argument value: `StackId + 1`, 0 for none.
#[inline]
pub(crate) fn encode_stack(s: Option<crate::model::StackId>) -> u64 {
    s.map_or(0, |s| u64::from(s.index()) + 1)
}

/// The inverse of [`encode_stack`].
#[inline]
pub(crate) fn decode_stack(v: u64) -> Option<crate::model::StackId> {
    v.checked_sub(1).and_then(|x| u32::try_from(x).ok()).map(crate::model::StackId::new)
}

// Go's batchCursor heap, operation for operation.

pub(crate) fn heap_insert(heap: &mut Vec<Cursor>, c: Cursor) {
    heap.push(c);
    let n = heap.len() - 1;
    sift_up(heap, n);
}

pub(crate) fn heap_update(heap: &mut [Cursor], i: usize) {
    if sift_up(heap, i) != i {
        return;
    }
    sift_down(heap, i);
}

pub(crate) fn heap_remove(heap: &mut Vec<Cursor>, mut i: usize) {
    while i > 0 {
        heap.swap((i - 1) / 2, i);
        i = (i - 1) / 2;
    }
    let last = heap.len() - 1;
    heap.swap(0, last);
    heap.pop();
    sift_down(heap, 0);
}

fn sift_up(heap: &mut [Cursor], mut i: usize) -> usize {
    while i > 0 && heap[(i - 1) / 2].ev.time > heap[i].ev.time {
        heap.swap((i - 1) / 2, i);
        i = (i - 1) / 2;
    }
    i
}

fn sift_down(heap: &mut [Cursor], mut i: usize) -> usize {
    loop {
        let m = min3(heap, i, 2 * i + 1, 2 * i + 2);
        if m == i {
            break;
        }
        heap.swap(i, m);
        i = m;
    }
    i
}

fn min3(b: &[Cursor], i0: usize, i1: usize, i2: usize) -> usize {
    let mut min_idx = i0;
    let mut min_t = i64::MAX;
    if let Some(c) = b.get(i0) {
        min_t = c.ev.time;
    }
    if let Some(c) = b.get(i1) {
        if c.ev.time < min_t {
            min_t = c.ev.time;
            min_idx = i1;
        }
    }
    if let Some(c) = b.get(i2) {
        if c.ev.time < min_t {
            min_idx = i2;
        }
    }
    min_idx
}
