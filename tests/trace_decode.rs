//! Go execution traces: every committed trace decodes to what `go tool
//! trace` says (tests/fixtures/trace/*/*.json, made by regen.sh there), cut
//! or damaged traces give a warning or a clear error and never a panic.

use gopherlens::formats::trace::{self, Decoder, EventType, Trace};
use gopherlens::Error;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trace")
}

/// Every trace file with an oracle, as (trace path, oracle).
fn traces() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for dir in ["churn", "go/v1", "go/tests", "go/fuzz"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_none_or(|x| x != "json"))
            .collect();
        files.sort();
        for f in files {
            let json = PathBuf::from(format!("{}.json", f.display()));
            let oracle =
                serde_json::from_slice(&std::fs::read(&json).unwrap_or_else(|e| panic!("{}: {e}", json.display())))
                    .unwrap_or_else(|e| panic!("{}: {e}", json.display()));
            out.push((f, oracle));
        }
    }
    assert!(out.len() >= 60, "only {} fixtures", out.len());
    out
}

struct Fnv(u64);
impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf29ce484222325)
    }
    fn update(&mut self, b: &[u8]) {
        for &x in b {
            self.0 = (self.0 ^ u64::from(x)).wrapping_mul(0x100000001b3);
        }
    }
    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// What oracle.py computes from `go tool trace` output, from our events.
struct Summary {
    counts: BTreeMap<String, u64>,
    events: u64,
    gc: Vec<(Option<i64>, Option<i64>)>,
    stw: Vec<(String, Option<i64>, i64)>,
    sequence: String,
    multiset: String,
}

fn summarize(t: &Trace) -> Summary {
    let mut seq = Fnv::new();
    let mut lines = Vec::new();
    let mut times = Vec::new();
    let (mut gc, mut stw) = (Vec::new(), Vec::new());
    let (mut open_gc, mut open_stw) = (None, None);
    for e in t.events.iter() {
        let k = e.kind.go_kind();
        seq.update(format!("{k} {} {} {} {}\n", e.time_ns, e.m, e.p, e.g).as_bytes());
        lines.push(format!("{k} {} {} {}", e.m, e.p, e.g));
        times.push(e.time_ns);
        match e.kind {
            EventType::GCBegin | EventType::GCActive => open_gc = Some(e.time_ns),
            EventType::GCEnd => gc.push((open_gc.take(), Some(e.time_ns))),
            EventType::STWBegin => open_stw = Some(e.time_ns),
            EventType::STWEnd => stw.push((t.str(e.str_arg(0)).to_string(), open_stw.take(), e.time_ns)),
            _ => {}
        }
    }
    if let Some(b) = open_gc {
        gc.push((Some(b), None));
    }
    lines.sort();
    times.sort();
    let mut ms = Fnv::new();
    ms.update(lines.join("\n").as_bytes());
    ms.update(b"\n--\n");
    ms.update(times.iter().map(|t| t.to_string()).collect::<Vec<_>>().join("\n").as_bytes());
    ms.update(b"\n");
    Summary {
        counts: t.counts.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        events: t.events.len() as u64,
        gc,
        stw,
        sequence: seq.hex(),
        multiset: ms.hex(),
    }
}

fn oracle_counts(o: &Value) -> BTreeMap<String, u64> {
    o["counts"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect()
}

fn opt_i64(v: &Value) -> Option<i64> {
    v.as_i64()
}

#[test]
fn fixtures_match_go_tool_trace() {
    let mut checked = 0;
    let mut by_version: BTreeMap<String, u32> = BTreeMap::new();
    for (path, oracle) in traces() {
        let name = path.strip_prefix(fixtures()).unwrap().display().to_string();
        let data = std::fs::read(&path).unwrap();
        let oracles = oracle["oracles"].as_array().unwrap();
        let primary = &oracles[0];
        let got = trace::parse(&data);
        if !primary["ok"].as_bool().unwrap() {
            let err =
                got.err().unwrap_or_else(|| panic!("{name}: go tool trace fails ({}), we do not", primary["error"]));
            assert!(
                matches!(
                    err,
                    Error::BadTrace { .. } | Error::TruncatedTrace { .. } | Error::UnsupportedTraceVersion { .. }
                ),
                "{name}: {err:?}"
            );
            assert!(!err.to_string().is_empty());
            checked += 1;
            continue;
        }
        let t = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(t.warnings.is_empty(), "{name}: {:?}", t.warnings);
        *by_version.entry(t.go_version.clone()).or_default() += 1;
        let s = summarize(&t);
        assert_eq!(s.counts, oracle_counts(primary), "{name}: counts by kind");
        assert_eq!(s.events, primary["events"].as_u64().unwrap(), "{name}: events");
        let gc: Vec<_> = primary["gc"].as_array().unwrap().iter().map(|r| (opt_i64(&r[0]), opt_i64(&r[1]))).collect();
        assert_eq!(s.gc, gc, "{name}: GC cycles");
        let stw: Vec<_> = primary["stw"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r[0].as_str().unwrap().to_string(), opt_i64(&r[1]), r[2].as_i64().unwrap()))
            .collect();
        assert_eq!(s.stw, stw, "{name}: STW ranges");
        assert_eq!(s.multiset, primary["multiset_fnv"].as_str().unwrap(), "{name}: events (sorted)");
        // Go's v1 parser breaks timestamp ties in map order, so only v2
        // output has one right order.
        if !t.version.is_v1() && primary["sequence_stable"].as_bool().unwrap() {
            assert_eq!(s.sequence, primary["sequence_fnv"].as_str().unwrap(), "{name}: event order");
        }
        // Older tools: same events per kind; their readers emit Sync
        // events differently (1.22 none, 1.23 and 1.24 one fewer).
        for o in &oracles[1..] {
            let tool = o["tool"].as_str().unwrap();
            assert!(o["ok"].as_bool().unwrap(), "{name}: {tool} failed");
            let mut want = oracle_counts(o);
            let mut have = s.counts.clone();
            want.remove("Sync");
            have.remove("Sync");
            assert_eq!(have, want, "{name}: counts by kind per {tool}");
        }
        checked += 1;
    }
    // Every format version is covered.
    for v in ["1.11", "1.19", "1.21", "1.22", "1.23", "1.25", "1.26"] {
        assert!(by_version.get(v).copied().unwrap_or(0) > 0, "no fixture of format {v}: {by_version:?}");
    }
    eprintln!("{checked} traces checked against go tool trace; by format: {by_version:?}");
}

#[test]
fn churn_traces_have_gc_activity() {
    for (path, _) in traces().into_iter().filter(|(p, _)| p.to_string_lossy().contains("churn")) {
        let t = trace::parse(&std::fs::read(&path).unwrap()).unwrap();
        let by_type = t.counts_by_type();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // The allocfree and flight recorder runs are short variants.
        let variant = name.contains('-');
        let mut kinds =
            vec!["GCBegin", "GCEnd", "STWBegin", "STWEnd", "HeapAlloc", "HeapGoal", "GoLabel", "ProcsChange"];
        if !variant {
            kinds.extend(["GCSweepBegin", "GCSweepEnd", "GCMarkAssistBegin", "CPUSample", "UserLog"]);
        }
        for k in kinds {
            assert!(by_type.get(k).copied().unwrap_or(0) > 0, "{name}: no {k} in {by_type:?}");
        }
        assert_eq!(t.profile.samples.len(), t.cpu_samples.time_ns.len());
        if !variant {
            assert!(t.cpu_samples.stack.iter().any(|s| s.is_some()), "{name}");
        }
        // STW reasons are strings of the model.
        assert!(t.events.iter().filter(|e| e.kind == EventType::STWBegin).all(|e| !t.str(e.str_arg(0)).is_empty()));
        // Mark worker labels.
        assert!(t.events.iter().any(|e| e.kind == EventType::GoLabel && t.str(e.str_arg(0)).contains("GC")));
        // Time never goes backwards.
        assert!(t.events.time_ns.windows(2).all(|w| w[0] < w[1]), "{name}");
        if t.version >= trace::Version::GO122 {
            assert!(t.generations >= 2, "{name}: {} generations", t.generations);
        }
        if name.contains("allocfree") {
            assert!(t.counts.get("Experimental").copied().unwrap_or(0) > 0, "{name}");
            assert!(t.experimental_batches > 0, "{name}");
        }
        if t.version >= trace::Version::GO125 {
            assert!(t.clock.is_some() && t.profile.time_ns > 1_500_000_000_000_000_000, "{name}: wall clock");
        }
    }
}

#[test]
fn cpu_samples_go_through_the_pprof_pipeline() {
    let data = std::fs::read(fixtures().join("churn/go1.27.trace")).unwrap();
    let t = trace::parse(&data).unwrap();
    let n = t.cpu_samples.time_ns.len() as i64;
    assert!(n > 0);
    assert_eq!(t.profile.format.name(), "trace");
    let mut s = gopherlens::Session::from_profile(t.profile);
    assert_eq!(s.total(0), n);
    let top = s.top(None, 10, 0).unwrap();
    let json = serde_json::to_string(&top).unwrap();
    assert!(json.contains("main.churn") || json.contains("runtime."), "{json}");
    let flame = s.flame(None, 0, 0.0).unwrap();
    assert!(flame.node.len() > 1);
}

#[test]
fn streaming_gives_the_same_events_one_generation_at_a_time() {
    let data = std::fs::read(fixtures().join("churn/go1.26.trace")).unwrap();
    let whole = trace::parse(&data).unwrap();
    let mut d = Decoder::new(&data).unwrap();
    let (mut all, mut chunk, mut chunks) = (Vec::new(), Vec::new(), 0);
    while d.next_chunk(&mut chunk).unwrap() {
        assert_eq!(chunk.first().map(|e| e.kind), Some(EventType::Sync));
        chunks += 1;
        all.append(&mut chunk);
    }
    assert_eq!(chunks, whole.generations + 1);
    assert!(whole.events.iter().eq(all.into_iter()));
}

/// Cuts at `n` points spread over the file, plus just after the header.
fn cut_points(len: usize, n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (1..n).map(|i| len * i / n).collect();
    v.extend([0, 1, 15, 16, 17, 18, 20, 30, len - 1]);
    v.sort();
    v.dedup();
    v.retain(|&c| c < len);
    v
}

#[test]
fn truncated_traces_decode_up_to_the_last_complete_generation() {
    for name in
        ["go1.21", "go1.22", "go1.23", "go1.24", "go1.25", "go1.26", "go1.27", "go1.26-allocfree", "go1.26-flight"]
    {
        let data = std::fs::read(fixtures().join(format!("churn/{name}.trace"))).unwrap();
        let full = trace::parse(&data).unwrap();
        let full_events: Vec<_> = full.events.iter().collect();
        let (mut ok, mut err) = (0, 0);
        for cut in cut_points(data.len(), 97) {
            match trace::parse(&data[..cut]) {
                Ok(t) if full.version.is_v1() => {
                    // Cut inside the stack table at the end: the events are
                    // all there, some stacks are not.
                    ok += 1;
                    let same = t.events.kind == full.events.kind && t.events.time_ns == full.events.time_ns;
                    assert!(same, "{name} cut at {cut}");
                    if t.events.stack != full.events.stack {
                        assert_eq!(t.warnings.len(), 1, "{name} cut at {cut}: {:?}", t.warnings);
                        assert!(t.warnings[0].contains("cut short"), "{}", t.warnings[0]);
                    }
                }
                Ok(t) => {
                    ok += 1;
                    // Everything but the closing Sync is a prefix of the full decode.
                    let got: Vec<_> = t.events.iter().collect();
                    let n = got.len() - 1;
                    assert!(got[..n] == full_events[..n], "{name} cut at {cut}: not a prefix of the whole trace");
                    assert!(t.generations < full.generations, "{name} cut at {cut}");
                    assert_eq!(t.warnings.len(), 1, "{name} cut at {cut}: {:?}", t.warnings);
                    let w = &t.warnings[0];
                    assert!(w.contains("truncated") || w.contains("cut short"), "{w}");
                }
                Err(e) => {
                    err += 1;
                    if cut >= 16 {
                        assert!(matches!(e, Error::TruncatedTrace { .. }), "{name} cut at {cut}: {e:?}");
                    }
                }
            }
        }
        if !full.version.is_v1() {
            assert!(ok > 50, "{name}: only {ok} cuts decoded, {err} failed");
        }
    }
}

#[test]
fn truncated_go_test_traces_never_panic() {
    for (path, _) in traces().into_iter().filter(|(p, _)| !p.to_string_lossy().contains("churn")) {
        let data = std::fs::read(&path).unwrap();
        for cut in cut_points(data.len(), 41) {
            let _ = trace::parse(&data[..cut]);
        }
    }
}

/// A small deterministic PRNG for damaging inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn damaged_traces_never_panic() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut n = 0;
    for (path, _) in traces() {
        let data = std::fs::read(&path).unwrap();
        if data.len() < 17 {
            continue;
        }
        let tries = if data.len() > 20_000 { 6 } else { 25 };
        for _ in 0..tries {
            let mut d = data.clone();
            for _ in 0..1 + rng.next() % 4 {
                let i = 16 + (rng.next() as usize) % (d.len() - 16);
                match rng.next() % 3 {
                    0 => d[i] = rng.next() as u8,
                    1 => d[i] ^= 1 << (rng.next() % 8),
                    _ => {
                        let j = (i + 1 + rng.next() as usize % 64).min(d.len());
                        d.drain(i..j);
                    }
                }
                if d.len() <= 16 {
                    break;
                }
            }
            trace::fuzz_one(&d);
            n += 1;
        }
    }
    eprintln!("{n} damaged traces decoded or rejected");
}

#[test]
fn headers_and_odd_inputs() {
    assert!(matches!(trace::parse(b""), Err(Error::Empty)));
    assert!(matches!(trace::parse(b"go 1.26 trace\0\0\0"), Err(Error::TruncatedTrace { .. })));
    assert!(matches!(trace::parse(b"go 1.21 trace\0\0\0"), Err(Error::TruncatedTrace { .. })));
    let e = trace::parse(b"go 1.24 trace\0\0\0").unwrap_err();
    assert!(e.to_string().contains("1.24") && e.to_string().contains("1.26"), "{e}");
    assert!(matches!(trace::parse(b"go 1.26 trace\0\0\0\x07"), Err(Error::BadTrace { offset: 16, .. })));
    assert!(matches!(trace::parse(b"go 1.26 trace\0\0\0\x34"), Err(Error::BadTrace { .. })));
    assert!(trace::looks_like_trace(b"go 1.26 trace\0\0\0"));
    assert!(!trace::looks_like_trace(b"\x1f\x8b"));
}

/// Prints a trace's events like `go tool trace -d=parsed` (first line of
/// each event only), for comparing by hand:
///   TRACE=file cargo test --test trace_decode dump -- --ignored --nocapture
#[test]
#[ignore]
fn dump() {
    let Ok(path) = std::env::var("TRACE") else { return };
    match trace::parse(&std::fs::read(path).unwrap()) {
        Ok(t) => {
            for e in t.events.iter() {
                println!("M={} P={} G={} {} Time={} ({})", e.m, e.p, e.g, e.kind.go_kind(), e.time_ns, e.kind.name());
            }
            eprintln!("counts {:?}\nwarnings {:?}", t.counts, t.warnings);
        }
        Err(e) => eprintln!("ERROR: {e}"),
    }
}
