//! A counting global allocator: live and peak bytes, and an optional limit
//! past which allocation fails (the process then aborts with Rust's "memory
//! allocation failed", which libFuzzer reports as a crash).
//!
//! Resident memory cannot find memory bombs: native pages are committed only
//! when touched, so a 1 GiB reservation costs nothing until written. What
//! the allocator hands out is what wasm32 pays for (its memory never
//! shrinks), so the bounds of README "Memory bounds" are checked here: by
//! `tests/memory_bounds.rs`, by every fuzz target and by the wasm
//! `memstats` build that `bench/` reads.
//!
//! Install it in a binary with
//! `#[global_allocator] static A: gopherlens::memcount::Counting = gopherlens::memcount::Counting;`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// The system allocator, counted.
pub struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if !reserve(l.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc(l) };
        if p.is_null() {
            LIVE.fetch_sub(l.size(), Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if !reserve(l.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc_zeroed(l) };
        if p.is_null() {
            LIVE.fetch_sub(l.size(), Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        // Counted as the old and the new block both live, as a copying
        // realloc has them (wasm's allocator copies).
        if !reserve(new_size) {
            return std::ptr::null_mut();
        }
        let q = unsafe { System.realloc(p, l, new_size) };
        if q.is_null() {
            LIVE.fetch_sub(new_size, Relaxed);
        } else {
            LIVE.fetch_sub(l.size(), Relaxed);
        }
        q
    }
}

/// Counts `n` more live bytes unless that passes the limit.
#[inline]
fn reserve(n: usize) -> bool {
    let now = LIVE.fetch_add(n, Relaxed).saturating_add(n);
    if now > LIMIT.load(Relaxed) {
        LIVE.fetch_sub(n, Relaxed);
        return false;
    }
    PEAK.fetch_max(now, Relaxed);
    true
}

/// Bytes allocated and not freed.
pub fn live() -> usize {
    LIVE.load(Relaxed)
}

/// The most bytes live at once since the last [`reset_peak`].
pub fn peak() -> usize {
    PEAK.load(Relaxed)
}

/// Starts a new peak measurement from what is live now.
pub fn reset_peak() {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}

/// Makes allocations fail once live bytes would pass `bytes` (`usize::MAX`:
/// no limit).
pub fn set_limit(bytes: usize) {
    LIMIT.store(bytes, Relaxed);
}
