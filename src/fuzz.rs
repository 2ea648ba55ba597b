//! What each fuzz target runs, one function per target, so that the targets
//! (`fuzz/fuzz_targets/`) and `tests/regressions.rs`, which replays what
//! they found, run the very same code. Each runs under the input's memory
//! bound ([`crate::within_memory_bound`]): in a binary whose allocator is
//! [`crate::memcount::Counting`], passing it aborts.

use crate::formats::{self, Kind};
use crate::within_memory_bound;

/// Any bytes, as the page opens a file, then every query.
pub fn pprof(data: &[u8]) {
    within_memory_bound(formats::memory_bound(data), || crate::fuzz_one(data));
}

/// gzip whole and streamed (the first byte picks the piece size); two
/// outputs of at most [`formats::gzip::fuzz_one`]'s 16 MiB each.
pub fn gzip(data: &[u8]) {
    let bound = formats::memory_bound(data.get(1..).unwrap_or(&[])) + (32 << 20);
    within_memory_bound(bound, || formats::gzip::fuzz_one(data));
}

/// A `GODEBUG=gctrace=1` log, parsed directly and opened.
pub fn gctrace(data: &[u8]) {
    within_memory_bound(formats::memory_bound_as(Kind::GcTrace, data), || {
        let _ = formats::gctrace::parse(data);
        crate::fuzz_one(data);
    });
}

/// A Go executable, parsed directly and opened.
pub fn gobinary(data: &[u8]) {
    within_memory_bound(formats::memory_bound_as(Kind::Binary, data), || {
        let _ = formats::gobinary::parse(data);
        crate::fuzz_one(data);
    });
}

/// The body of a v1 trace (Go 1.11–1.21); the first byte picks the header.
pub fn trace_v1(data: &[u8]) {
    let headers: [&[u8]; 3] = [b"go 1.11 trace\0\0\0", b"go 1.19 trace\0\0\0", b"go 1.21 trace\0\0\0"];
    trace(data, &headers);
}

/// The body of a v2 trace (Go 1.22+); the first byte picks the header.
pub fn trace_v2(data: &[u8]) {
    let headers: [&[u8]; 4] =
        [b"go 1.22 trace\0\0\0", b"go 1.23 trace\0\0\0", b"go 1.25 trace\0\0\0", b"go 1.26 trace\0\0\0"];
    trace(data, &headers);
}

/// Decoded whole and streamed by generation, then opened as the page does.
fn trace(data: &[u8], headers: &[&[u8]]) {
    let Some((&v, body)) = data.split_first() else { return };
    let input = [headers[v as usize % headers.len()], body].concat();
    within_memory_bound(formats::memory_bound_as(Kind::Trace, &input), || {
        formats::trace::fuzz_one(&input);
        crate::fuzz_one(&input);
    });
}

/// Every target by name, as `fuzz/regressions/<name>/` is named.
pub const TARGETS: [(&str, fn(&[u8])); 6] = [
    ("pprof", pprof),
    ("gzip", gzip),
    ("gctrace", gctrace),
    ("gobinary", gobinary),
    ("trace_v1", trace_v1),
    ("trace_v2", trace_v2),
];
