//! The streaming analysis of traces (`analysis::trace_stream`) equals the
//! analyses of the decoded trace (`gc::analyze`, `trace_profiles::profile`),
//! which tests/trace_gc.rs checks against `go tool trace`; and each sample
//! type of its combined profile equals `go tool trace -pprof=KIND`.

use gopherlens::analysis::trace_stream::{self, analyze_stream, profile_stream};
use gopherlens::analysis::{gc, trace_profiles};
use gopherlens::formats::trace;
use gopherlens::Session;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trace")
}

/// Every trace file under `dir` (recursively).
fn traces(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut v: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            traces(&p, out);
        } else if p.extension().is_some_and(|x| x == "trace") {
            out.push(p);
        }
    }
}

fn churn() -> Vec<(String, PathBuf)> {
    let mut v = Vec::new();
    traces(&fixtures().join("churn"), &mut v);
    assert_eq!(v.len(), 10, "churn traces");
    v.into_iter().map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p)).collect()
}

/// Function name -> (flat, cum) of one sample type (unnamed rows left out,
/// as in tests/trace_gc.rs).
fn top(s: &mut Session, ty: Option<&str>) -> (i64, BTreeMap<String, (i64, i64)>) {
    let t = s.top(ty, 0, 0).unwrap();
    for r in &t.rows {
        assert!(r.flat != 0 || r.cum != 0, "row {} with flat = cum = 0", r.name);
    }
    (t.total, t.rows.into_iter().filter(|r| !r.name.is_empty()).map(|r| (r.name, (r.flat, r.cum))).collect())
}

/// Streaming gives the same GC report, counts and profiles as decoding
/// the whole trace first, on every churn trace and every other fixture
/// that decodes.
#[test]
fn streaming_equals_stored() {
    let mut all = Vec::new();
    traces(&fixtures(), &mut all);
    let mut checked = 0;
    for path in all {
        let data = std::fs::read(&path).unwrap();
        let Ok(t) = trace::parse(&data) else {
            assert!(analyze_stream(&data, &mut |_| {}).is_err(), "{}", path.display());
            continue;
        };
        let name = path.display().to_string();
        let mut last = 0.0;
        let a = analyze_stream(&data, &mut |f| {
            assert!(f >= last, "progress goes back");
            last = f;
        })
        .unwrap();
        assert_eq!(last, 1.0);
        assert_eq!(a.gc, gc::analyze(&t), "{name}: GC report");
        assert_eq!(a.counts, t.counts, "{name}: counts");
        assert_eq!(a.events as usize, t.events.len());
        assert_eq!(a.cpu_samples, t.cpu_samples.time_ns.len());
        assert_eq!(a.warnings, t.warnings);
        assert_eq!(a.generations, t.generations);
        assert_eq!(a.profile.duration_ns, t.profile.duration_ns);
        assert_eq!(a.profile.time_ns, t.profile.time_ns);
        let opened = trace_stream::open_trace(&data, &mut |_| {}).unwrap();
        let views = gopherlens::session::trace_views(&t);
        assert_eq!(opened.timeline, views.timeline, "{name}: timeline");
        assert_eq!(opened.analysis.gc, views.gc);
        let mut combined = Session::from_profile(a.profile);
        for kind in trace_profiles::KINDS {
            let ty = if kind == "cpu" { "samples" } else { kind };
            let stored = trace_profiles::profile(trace::parse(&data).unwrap(), kind).unwrap();
            let mut stored = Session::from_profile(stored);
            let streamed = Session::from_profile(profile_stream(&data, kind, &mut |_| {}).unwrap());
            assert_eq!(streamed.profile.samples.values, stored.profile.samples.values, "{name} {kind}");
            assert_eq!(streamed.profile.samples.stack, stored.profile.samples.stack, "{name} {kind}");
            let ours = top(&mut combined, Some(ty));
            let theirs = top(&mut stored, if kind == "cpu" { None } else { Some("delay") });
            assert_eq!(ours, theirs, "{name} {kind}: combined profile, type {ty}");
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} traces checked");
}

/// Each type of the combined profile equals `go tool trace -pprof=KIND`
/// (totals and every function's flat and cum), and each sample has a
/// value in exactly one type.
#[test]
fn combined_profile_matches_go_tool_trace() {
    for (name, path) in churn() {
        let data = std::fs::read(&path).unwrap();
        let a = analyze_stream(&data, &mut |_| {}).unwrap();
        let p = &a.profile;
        let types: Vec<&str> = (0..p.sample_types.len()).map(|t| p.sample_type_name(t)).collect();
        let want: Vec<&str> = trace_stream::SAMPLE_TYPES.iter().map(|t| t.0).collect();
        assert_eq!(types, want);
        for row in p.samples.values.chunks(types.len()) {
            assert_eq!(row.iter().filter(|&&v| v != 0).count(), 1, "{name}: {row:?}");
        }
        let mut s = Session::from_profile(a.profile);
        for kind in ["sched", "sync", "syscall", "net"] {
            let theirs = std::fs::read(fixtures().join(format!("gc/{name}.{kind}.pb.gz"))).unwrap();
            let mut theirs = Session::open(&theirs).unwrap();
            assert_eq!(top(&mut s, Some(kind)), top(&mut theirs, Some("delay")), "{name} {kind}");
        }
    }
}

#[test]
fn unknown_kind() {
    let data = std::fs::read(fixtures().join("churn/go1.26.trace")).unwrap();
    assert!(profile_stream(&data, "heap", &mut |_| {}).is_err());
    assert!(analyze_stream(b"not a trace", &mut |_| {}).is_err());
}
