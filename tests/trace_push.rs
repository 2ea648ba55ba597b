//! A trace pushed in pieces (`formats::trace::PushDecoder`, what the page
//! and the loader use, so that a trace is never held whole) decodes to
//! exactly what the whole-file decoder gives: the same events in the same
//! order, the same warnings, the same error, for every fixture, whole and
//! cut short anywhere, in pieces of many sizes; and its window holds one
//! generation, not the file.

use gopherlens::formats::trace::{self, Decoder, Event, PushDecoder};
use gopherlens::formats::{loader, Limits, Opened};
use std::path::{Path, PathBuf};

fn files(dir: &Path, ext: Option<&str>, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut v: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            files(&p, ext, out);
        } else if ext.is_none_or(|x| p.extension().is_some_and(|e| e == x)) {
            out.push(p);
        }
    }
}

/// Every trace fixture and every trace fuzz regression.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    files(&root.join("tests/fixtures/trace"), Some("trace"), &mut paths);
    let n_fixtures = paths.len();
    assert!(n_fixtures >= 30, "only {n_fixtures} trace fixtures");
    files(&root.join("fuzz/regressions/trace_v1"), None, &mut paths);
    files(&root.join("fuzz/regressions/trace_v2"), None, &mut paths);
    paths
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .map(|p| (p.strip_prefix(root).unwrap().display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// What the whole-file decoder gives: events, then the warnings,
/// generations and table sizes, or the error's message.
type Outcome = Result<(Vec<Event>, Vec<String>, u32, usize, usize, usize), String>;

fn whole(data: &[u8]) -> Outcome {
    let mut events = Vec::new();
    let mut d = Decoder::new(data).map_err(|e| e.to_string())?;
    while d.next_chunk_with(&mut |_, e| events.push(*e)).map_err(|e| e.to_string())? {}
    let f = d.finish();
    Ok((events, f.warnings, f.generations, f.experimental_batches, f.tables.strings.len(), f.tables.stacks.len()))
}

/// The same through a push decoder fed `piece` bytes at a time, trying to
/// cut generations off every `retry` bytes (0: its default); also the most
/// bytes it held at once.
fn pushed(data: &[u8], piece: usize, retry: usize) -> (Outcome, usize) {
    let mut events = Vec::new();
    let mut d = if retry == 0 { PushDecoder::new() } else { PushDecoder::with_retry(retry) };
    let mut held = 0;
    for c in data.chunks(piece) {
        if let Err(e) = d.push(c, &mut |_, e| events.push(*e)) {
            return (Err(e.to_string()), held);
        }
        held = held.max(d.held());
    }
    let r = d.finish(&mut |_, e| events.push(*e)).map_err(|e| e.to_string()).map(|f| {
        (events, f.warnings, f.generations, f.experimental_batches, f.tables.strings.len(), f.tables.stacks.len())
    });
    (r, held)
}

fn same(name: &str, data: &[u8], pieces: &[usize]) {
    let want = whole(data);
    for (piece, retry) in pieces.iter().flat_map(|&p| [(p, 0), (p, 1), (p, 100)]) {
        let (got, _) = pushed(data, piece, retry);
        match (&got, &want) {
            (Ok(g), Ok(w)) => {
                assert_eq!(g.0.len(), w.0.len(), "{name}, pieces of {piece}, retry {retry}: number of events");
                assert!(g.0 == w.0, "{name}, pieces of {piece}, retry {retry}: events differ");
                assert_eq!(g.1, w.1, "{name}, pieces of {piece}, retry {retry}: warnings");
                assert_eq!(
                    (g.2, g.3, g.4, g.5),
                    (w.2, w.3, w.4, w.5),
                    "{name}, pieces of {piece}, retry {retry}: counts"
                );
            }
            _ => assert_eq!(got.as_ref().err(), want.as_ref().err(), "{name}, pieces of {piece}, retry {retry}"),
        }
    }
}

#[test]
fn pieces_of_every_size_equal_the_whole_file() {
    let inputs = inputs();
    let mut decoded = 0;
    for (name, data) in &inputs {
        decoded += usize::from(whole(data).is_ok());
        same(name, data, &[1, 3, 16, 17, 100, 4096, 65_536, 1 << 20, data.len().max(1)]);
    }
    assert!(decoded >= 30, "only {decoded} of {} inputs decode", inputs.len());
}

/// Cut anywhere (inside the header, a batch, a generation, between
/// generations), a trace pushed in pieces gives the whole-file decoder's
/// warning or error.
#[test]
fn cut_short_anywhere_equals_the_whole_file() {
    let mut cuts = 0;
    for (name, data) in inputs().iter().filter(|(n, _)| n.starts_with("tests/")) {
        for k in 1..12 {
            let at = data.len() * k / 12;
            for at in [at.saturating_sub(1), at, at + 1].into_iter().filter(|&a| a < data.len()) {
                same(&format!("{name} cut at {at}"), &data[..at], &[7, 4096, 1 << 20]);
                cuts += 1;
            }
        }
        same(&format!("{name} cut in the header"), &data[..data.len().min(9)], &[1, 9]);
    }
    assert!(cuts > 500, "{cuts} cuts");
}

/// Bytes each generation of a v2 trace spans, read here from the batch
/// headers (type byte, an experiment byte for experimental batches, then
/// generation, thread, time and size as LEB128, then `size` bytes; Go
/// 1.26+ ends a generation with byte 52).
fn generation_spans(data: &[u8]) -> (Vec<usize>, usize) {
    fn uvarint(d: &[u8], p: &mut usize) -> u64 {
        let (mut v, mut s) = (0u64, 0);
        loop {
            let b = d[*p];
            *p += 1;
            v |= u64::from(b & 0x7f) << s;
            s += 7;
            if b < 0x80 {
                return v;
            }
        }
    }
    let (mut spans, mut p, mut start, mut cur, mut batch) = (Vec::new(), 16, 16, None, 0);
    while p < data.len() {
        let at = p;
        match data[p] {
            52 => {
                p += 1;
                spans.push(p - start);
                start = p;
                cur = None;
                continue;
            }
            1 => p += 1,
            49 => p += 2,
            b => panic!("byte {b} at {p} starts no batch"),
        }
        let gen = uvarint(data, &mut p);
        let (_m, _t) = (uvarint(data, &mut p), uvarint(data, &mut p));
        p += uvarint(data, &mut p) as usize;
        batch = batch.max(p - at);
        if cur.is_some_and(|g| g != gen) {
            spans.push(at - start);
            start = at;
        }
        cur = Some(gen);
    }
    if p > start {
        spans.push(p - start);
    }
    (spans, batch)
}

/// The window holds about one generation: on a trace of several, at most
/// the largest generation, the next try's margin (a quarter of the
/// window), a piece and (before Go 1.26, where a generation ends at the
/// next one's first batch) a batch.
#[test]
fn the_window_holds_one_generation() {
    let mut checked = 0;
    for (name, data) in inputs().iter().filter(|(n, _)| n.starts_with("tests/fixtures/trace/churn")) {
        let Ok(t) = trace::parse(data) else { continue };
        if t.version.is_v1() || t.generations < 4 {
            continue;
        }
        let (spans, batch) = generation_spans(data);
        assert_eq!(spans.len() as u32, t.generations, "{name}: generations");
        let largest = *spans.iter().max().unwrap();
        let spill = if t.version < trace::Version::GO126 { batch } else { 0 };
        let (r, held) = pushed(data, 1024, 1);
        assert!(r.is_ok(), "{name}");
        assert!(
            held <= largest + largest / 4 + 1024 + spill && held < data.len(),
            "{name}: held {held} bytes of {}; generations {spans:?}",
            data.len(),
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} traces with enough generations to check the window");
}

/// The loader (the page's path) streams a trace through its analyses:
/// what it opens equals the analysis of the whole file.
#[test]
fn the_loader_streams_traces() {
    for (name, data) in inputs().iter().filter(|(n, _)| n.contains("churn")) {
        let full = gopherlens::analysis::trace_stream::analyze_stream(data, &mut |_| {}).unwrap();
        for piece in [4096, 1 << 16] {
            let Ok(Opened::Trace(t)) = loader::open_in_pieces(data, piece, Limits::default()) else {
                panic!("{name}: not opened as a trace")
            };
            assert_eq!(t.analysis.gc, full.gc, "{name}: GC report");
            assert_eq!(t.analysis.counts, full.counts, "{name}: counts");
            assert_eq!(t.analysis.profile.samples.values, full.profile.samples.values, "{name}: profile");
        }
    }
}

/// The CLI's path: a trace read from a file in pieces (analyze_reader,
/// profile_reader) equals the analysis of the whole file, warnings and
/// errors included.
#[test]
fn read_in_pieces_equals_the_whole_file() {
    use gopherlens::analysis::trace_stream::{analyze_reader, analyze_stream, profile_reader, profile_stream};
    let mut checked = 0;
    for (name, data) in inputs().iter().filter(|(n, _)| n.starts_with("tests/")) {
        let whole = analyze_stream(data, &mut |_| {});
        let read = analyze_reader(&mut std::io::Cursor::new(data), data.len() as u64, &mut |_| {});
        match (whole, read) {
            (Ok(w), Ok(r)) => {
                assert_eq!(r.gc, w.gc, "{name}: GC report");
                assert_eq!((r.counts, r.events, r.warnings), (w.counts, w.events, w.warnings), "{name}");
                assert_eq!(r.profile.samples.values, w.profile.samples.values, "{name}: profile");
                for kind in ["cpu", "sched", "sync"] {
                    let a = profile_stream(data, kind, &mut |_| {}).unwrap();
                    let b = profile_reader(&mut std::io::Cursor::new(data), data.len() as u64, kind, &mut |_| {}).unwrap();
                    assert_eq!(a.samples.values, b.samples.values, "{name} {kind}");
                    assert_eq!(a.samples.stack, b.samples.stack, "{name} {kind}");
                }
                checked += 1;
            }
            (w, r) => assert_eq!(r.err().map(|e| e.to_string()), w.err().map(|e| e.to_string()), "{name}"),
        }
    }
    assert!(checked >= 20, "only {checked} traces");
}
