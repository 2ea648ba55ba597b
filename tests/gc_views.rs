//! The GC views: the timeline of a trace (tests/fixtures/trace/churn)
//! against the trace's own events, the Session hook that keeps it, and
//! GODEBUG=gctrace=1 logs (tests/fixtures/trace/gc/gctrace, each with the
//! trace of the same run) against the log text and the trace.

use gopherlens::analysis::gc;
use gopherlens::analysis::timeline::{Timeline, TimelineBuilder, MAX_POINTS};
use gopherlens::formats::{self, gctrace, trace, Kind};
use gopherlens::{Error, Session};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

mod common;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trace")
}

fn churn() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(fixtures().join("churn"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "trace"))
        .collect();
    v.sort();
    assert!(v.len() >= 10);
    v
}

/// Consecutive duplicates removed: what a step series keeps.
fn changes(v: impl IntoIterator<Item = (i64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (t, x) in v {
        if out.last().is_some_and(|l| l.1 == x) {
            continue;
        }
        if out.last().is_some_and(|l| l.0 == t as f64) {
            out.pop();
            if out.last().is_some_and(|l| l.1 == x) {
                continue;
            }
        }
        out.push((t as f64, x));
    }
    out
}

#[test]
fn timeline_matches_the_trace_events() {
    for f in churn() {
        let name = f.display().to_string();
        let t = trace::parse(&std::fs::read(&f).unwrap()).unwrap();
        let t0 = t.events.time_ns[0];
        let tl = Timeline::of_trace(&t);
        assert_eq!(tl.duration_ns, t.events.time_ns.last().unwrap() - t0, "{name}");
        for (kind, ts, vs) in [
            (trace::EventType::HeapAlloc, &tl.heap_t, &tl.heap_v),
            (trace::EventType::HeapGoal, &tl.goal_t, &tl.goal_v),
        ] {
            let want = changes(t.events.iter().filter(|e| e.kind == kind).map(|e| (e.time_ns - t0, e.args[0] as f64)));
            assert!(!want.is_empty(), "{name}: no {kind:?}");
            assert!(ts.len() <= MAX_POINTS);
            if want.len() <= MAX_POINTS / 4 {
                let got: Vec<(f64, f64)> = ts.iter().copied().zip(vs.iter().copied()).collect();
                assert_eq!(got, want, "{name}: {kind:?} series");
            }
        }
        // Goroutines: never negative, and at the end exactly the goroutines
        // with a GoCreate*/GoStatus that no GoDestroy* ended.
        assert!(tl.goroutines_v.iter().all(|&v| v >= 0.0), "{name}");
        assert!(tl.goroutines_v.iter().any(|&v| v > 1.0), "{name}: goroutines");
        let mut live = HashSet::new();
        for e in t.events.iter() {
            use trace::EventType as T;
            match e.kind {
                T::GoCreate | T::GoCreateBlocked | T::GoCreateSyscall => {
                    live.insert(e.args[0] as i64);
                }
                T::GoStatus | T::GoStatusStack if (e.args[2] & 0xffff_ffff) != 0 => {
                    live.insert(e.args[0] as i64);
                }
                T::GoDestroy | T::GoDestroySyscall => {
                    live.remove(&e.g);
                }
                _ => {}
            }
        }
        assert_eq!(tl.goroutines_v.last().copied(), Some(live.len() as f64), "{name}: final goroutines");
        // Assist density: the assisting time it spreads equals the trace's.
        let g = gc::analyze(&t);
        let total: f64 = tl.assist_v.iter().map(|v| v * tl.assist_bucket_ns).sum();
        let want: i64 = g.cycles.iter().map(|c| c.assist_ns).sum();
        if want > 0 {
            assert!((total - want as f64).abs() / (want as f64) < 0.05, "{name}: assist {total} vs {want}");
        }
    }
}

#[test]
fn session_keeps_the_gc_views_of_a_trace() {
    let f = fixtures().join("churn/go1.26.trace");
    let data = std::fs::read(&f).unwrap();
    let s = Session::open(&data).unwrap();
    let want = gc::analyze(&trace::parse(&data).unwrap());
    assert_eq!(s.gc().unwrap(), &want);
    let tl = s.timeline().unwrap();
    assert_eq!(tl.cycle_n.len(), want.cycles.len());
    for (i, c) in want.cycles.iter().enumerate() {
        assert_eq!(tl.cycle_n[i] as usize, c.n);
        assert_eq!(tl.cycle_start[i], c.start_ns.unwrap_or(0) as f64);
        assert_eq!(tl.cycle_end[i], c.end_ns.unwrap_or(tl.duration_ns) as f64);
    }
    let stws: usize = want.cycles.iter().map(|c| c.stw.len()).sum::<usize>() + want.other_stw.len();
    assert_eq!(tl.stw_start.len(), stws);
    assert_eq!(s.info().format, "trace");
    // A pprof profile has no GC view.
    let pprof = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trace/gc/go1.26.sched.pb.gz"))
        .unwrap();
    let p = Session::open(&pprof).unwrap();
    assert!(matches!(p.gc(), Err(Error::NotGcInput { .. })));
}

#[test]
fn builder_is_fed_one_event_at_a_time() {
    // The streaming decoder drives the builder with events as they come.
    let data = std::fs::read(fixtures().join("churn/go1.23.trace")).unwrap();
    let mut d = trace::Decoder::new(&data).unwrap();
    let mut b = TimelineBuilder::new();
    let mut chunk = Vec::new();
    while d.next_chunk(&mut chunk).unwrap() {
        for e in &chunk {
            b.event(d.tables(), e);
        }
        chunk.clear();
    }
    let streamed = b.finish();
    let whole = Timeline::of_trace(&trace::parse(&data).unwrap());
    assert_eq!(streamed, whole);
}

fn gctrace_pairs() -> Vec<(PathBuf, PathBuf)> {
    let dir = fixtures().join("gc/gctrace");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "gctrace"))
        .map(|p| (p.clone(), p.with_extension("trace")))
        .collect();
    v.sort();
    assert!(v.len() >= 2);
    v
}

#[test]
fn gctrace_logs_match_their_text_and_their_trace() {
    for (log, tr) in gctrace_pairs() {
        let name = log.display().to_string();
        let text = std::fs::read_to_string(&log).unwrap();
        assert_eq!(formats::sniff(text.as_bytes()).unwrap(), Kind::GcTrace, "{name}");
        let l = gctrace::parse(text.as_bytes()).unwrap();
        let gc_lines: Vec<&str> = text.lines().filter(|s| s.starts_with("gc ")).collect();
        assert_eq!(l.cycles.len(), gc_lines.len(), "{name}");
        assert!(l.bad_lines.is_empty());
        let rep = l.report();
        assert_eq!(rep.cycles.len(), gc_lines.len());
        assert!(rep.mmu.is_empty() && rep.warnings.iter().any(|w| w.contains("MMU needs an execution trace")));
        // Ground truth: the text of each line.
        for (c, line) in l.cycles.iter().zip(&gc_lines) {
            let seq: u64 = line[3..].split(' ').next().unwrap().parse().unwrap();
            assert_eq!(c.seq, seq);
            let at = line.split('@').nth(1).unwrap().split('s').next().unwrap();
            assert_eq!(c.start_ns, (at.parse::<f64>().unwrap() * 1e9).round() as i64);
            let clock = line.split(": ").nth(1).unwrap().split(" ms clock").next().unwrap();
            let want: Vec<i64> = clock.split('+').map(|x| (x.parse::<f64>().unwrap() * 1e6).round() as i64).collect();
            assert_eq!(c.clock_ns.to_vec(), want, "{name}: {line}");
            let goal = line.split(" MB goal").next().unwrap().rsplit(", ").next().unwrap();
            assert_eq!(c.goal_mb, goal.parse::<u64>().unwrap());
            assert_eq!(c.procs, 3);
        }
        // The cycles the trace completed are the log lines printed between
        // the program's "trace started" and "trace stopping" lines.
        let inside: Vec<u64> = {
            let mut on = false;
            let mut v = Vec::new();
            for s in text.lines() {
                if s.contains("trace started") {
                    on = true;
                } else if s.contains("trace stopping") {
                    on = false;
                } else if on && s.starts_with("gc ") {
                    v.push(s[3..].split(' ').next().unwrap().parse().unwrap());
                }
            }
            v
        };
        let parsed = trace::parse(&std::fs::read(&tr).unwrap()).unwrap();
        // v1 traces (Go 1.21 and older) report the goal at other moments
        // than the runtime prints it: up to 1 MB apart there.
        let slack = if parsed.version.is_v1() { 1 } else { 0 };
        let t = gc::analyze(&parsed);
        let completed: Vec<_> = t.cycles.iter().filter(|c| c.start_ns.is_some() && c.end_ns.is_some()).collect();
        assert_eq!(completed.len(), inside.len(), "{name}: cycles in the trace window");
        for (c, seq) in completed.iter().zip(&inside) {
            let line = l.cycles.iter().find(|x| x.seq == *seq).unwrap();
            assert!((c.heap_goal.unwrap() >> 20).abs_diff(line.goal_mb) <= slack, "{name}: gc {seq} goal");
            assert!((c.heap_live_start.unwrap() >> 20).abs_diff(line.heap_mb[0]) <= 1, "{name}: gc {seq} heap");
            assert!(c.gomaxprocs.is_none_or(|p| p == line.procs), "{name}: gc {seq} P");
        }
    }
    // Specific lines of the go1.23 log, as written.
    let l = gctrace::parse(&std::fs::read(fixtures().join("gc/gctrace/go1.23.gctrace")).unwrap()).unwrap();
    let c = l.cycles.iter().find(|c| c.seq == 12).unwrap();
    assert_eq!(c.start_ns, 67_000_000);
    assert_eq!(c.cpu_percent, 1);
    assert_eq!(c.clock_ns, [12_000, 480_000, 61_000]);
    assert_eq!(c.cpu_ns, [24_000, 0, 72_000, 200_000, 120_000]);
    assert_eq!((c.heap_mb, c.goal_mb, c.stacks_mb, c.globals_mb), ([6, 7, 6], 7, Some(0), Some(0)));
    let r = l.report();
    let rc = r.cycles.iter().find(|x| x.seq == 12).unwrap();
    assert_eq!(rc.stw[1].start_ns, 67_000_000 + 12_000 + 480_000);
    assert_eq!(rc.stw[1].duration_ns, 61_000);
    assert_eq!(rc.heap_live_start, Some(6 << 20));
}

#[test]
fn gctrace_sessions_and_bad_text() {
    let data = std::fs::read(fixtures().join("gc/gctrace/go1.21.gctrace")).unwrap();
    let mut s = Session::open(&data).unwrap();
    assert_eq!(s.info().format, "gctrace");
    assert_eq!(s.gc().unwrap().cycles.len(), 16);
    assert!(s.top(None, 0, 0).unwrap().rows.is_empty());
    let tl = s.timeline().unwrap();
    assert_eq!(tl.cycle_n.len(), 16);
    assert_eq!(tl.heap_v[0], (2u64 << 20) as f64);
    // Gzipped, the same.
    let z = Session::open(&common::gzip(&data)).unwrap();
    assert_eq!(z.gc().unwrap(), s.gc().unwrap());
    // Program output around and inside the log does not matter.
    let noisy = format!("starting\n{}\nbye", String::from_utf8_lossy(&data).replace("gc 5 @", "some output gc 5 @"));
    assert_eq!(Session::open(noisy.as_bytes()).unwrap().gc().unwrap(), s.gc().unwrap());
    let err = gctrace::parse(b"hello\nworld\n").unwrap_err();
    assert_eq!(err, Error::NoGcLines { lines: 2, bad: 0 });
    assert!(err.to_string().contains("not a GODEBUG=gctrace=1 log"), "{err}");
    let cut = gctrace::parse(b"gc 1 @0.001s 0%: 0.1+0.2").unwrap_err();
    assert!(cut.to_string().contains("cut short"), "{cut}");
}
