//! GC analysis of Go execution traces (`gopherlens gc`) and the stack
//! profiles of traces (`--profile`), checked against `go tool trace`:
//! its GC cycles and stop-the-world ranges (tests/fixtures/trace/*/*.json),
//! its MMU plot and its `-pprof=KIND` profiles (tests/fixtures/trace/gc/,
//! made by regen.sh there).

use gopherlens::analysis::gc::{self, UtilFlags};
use gopherlens::analysis::trace_profiles;
use gopherlens::formats::trace::{self, EventType, Trace};
use gopherlens::Session;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trace")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// (name, trace path) of the churn traces.
fn churn() -> Vec<(String, PathBuf)> {
    let mut v: Vec<_> = std::fs::read_dir(fixtures().join("churn"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "trace"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    v.sort();
    assert_eq!(v.len(), 10, "churn traces");
    v
}

fn parse(p: &Path) -> Trace {
    trace::parse(&std::fs::read(p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn opt_i64(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// GC cycles and every stop-the-world range equal what `go tool trace
/// -d=parsed` shows, for every fixture Go reads.
#[test]
fn cycles_and_stw_match_go_tool_trace() {
    let mut checked = 0;
    let mut cycles_seen = 0;
    for dir in ["churn", "go/v1", "go/tests"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_none_or(|x| x != "json"))
            .collect();
        files.sort();
        for f in files {
            let oracle = read_json(&PathBuf::from(format!("{}.json", f.display())));
            let primary = &oracle["oracles"][0];
            if primary["ok"] != Value::Bool(true) {
                continue;
            }
            let name = f.display().to_string();
            let t = parse(&f);
            let g = gc::analyze(&t);
            let t0 = t.events.time_ns.first().copied().unwrap_or(0);
            let actives: Vec<i64> =
                t.events.iter().filter(|e| e.kind == EventType::GCActive).map(|e| e.time_ns).collect();

            let want: Vec<(Option<i64>, Option<i64>)> =
                primary["gc"].as_array().unwrap().iter().map(|r| (opt_i64(&r[0]), opt_i64(&r[1]))).collect();
            assert_eq!(g.cycles.len(), want.len(), "{name}: cycle count");
            for (c, w) in g.cycles.iter().zip(&want) {
                assert_eq!(c.end_ns.map(|e| e + t0), w.1, "{name}: cycle {} end", c.n);
                let start = c.start_ns.map(|s| s + t0);
                // The oracle restarts a range at each RangeActive (a cycle
                // running across a generation boundary); we keep its begin.
                let ok = start == w.0 || w.0.is_some_and(|b| actives.contains(&b) && start.is_none_or(|s| s <= b));
                assert!(ok, "{name}: cycle {} start {start:?} vs {:?}", c.n, w.0);
            }
            cycles_seen += g.cycles.len();

            let mut ours: Vec<(String, i64, i64)> = g
                .cycles
                .iter()
                .flat_map(|c| c.stw.iter())
                .chain(g.other_stw.iter())
                .map(|s| (s.reason.clone(), s.start_ns + t0, s.start_ns + t0 + s.duration_ns))
                .collect();
            ours.sort_by_key(|s| (s.1, s.2));
            let want: Vec<(String, i64, i64)> = primary["stw"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_i64().unwrap(), r[2].as_i64().unwrap()))
                .collect();
            assert_eq!(ours, want, "{name}: stop-the-world ranges");
            let longest = want.iter().map(|s| s.2 - s.1).max().unwrap_or(0);
            assert_eq!(g.longest_pause_ns, longest, "{name}");
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} traces checked");
    assert!(cycles_seen >= 100, "only {cycles_seen} cycles");
}

/// Every churn cycle is complete and holds together: both GC STW phases,
/// heap sizes, assists that add up to the trace's.
#[test]
fn churn_cycles_hold_together() {
    for (name, path) in churn() {
        let t = parse(&path);
        let g = gc::analyze(&t);
        // 9-18 cycles in the plain churn traces, fewer with traceallocfree.
        assert!(g.cycles.len() >= 2, "{name}: {} cycles", g.cycles.len());
        assert!(g.gomaxprocs >= 1, "{name}");
        assert!(g.gc_cpu_fraction > 0.0 && g.gc_cpu_fraction < 1.0, "{name}: {}", g.gc_cpu_fraction);
        let mut assists = 0;
        for c in &g.cycles {
            let (Some(s), Some(e)) = (c.start_ns, c.end_ns) else {
                continue;
            };
            assert!(s <= e && c.mark_ns <= e - s, "{name}: cycle {}", c.n);
            let reasons: Vec<&str> = c.stw.iter().map(|x| x.reason.as_str()).collect();
            assert!(reasons.contains(&"GC sweep termination"), "{name}: cycle {} {reasons:?}", c.n);
            assert!(reasons.contains(&"GC mark termination"), "{name}: cycle {} {reasons:?}", c.n);
            assert_eq!(c.stw_ns, c.stw.iter().map(|x| x.duration_ns).sum::<i64>());
            assert!(
                c.heap_live_start.is_some() && c.heap_live_end.is_some() && c.heap_goal.is_some(),
                "{name}: {}",
                c.n
            );
            assert!(c.assist_ns >= 0);
            assert!(c.top_assists.len() <= 3);
            assists += c.assist_count;
        }
        let begins = t.events.kind.iter().filter(|&&k| k == EventType::GCMarkAssistBegin).count() as u64;
        assert!(assists <= begins, "{name}: {assists} assists in cycles, {begins} in the trace");
        // v1 traces report GOMAXPROCS at the first cycle's start.
        assert!(g.cycles.iter().skip(1).all(|c| c.gomaxprocs.is_some()), "{name}");
        let total: u64 = g.assist_stacks.iter().map(|a| a.count).sum();
        assert!(total <= begins + t.counts.get("RangeActive").copied().unwrap_or(0));
        for a in &g.assist_stacks {
            assert!(!a.frames.is_empty(), "{name}: assist without stack");
        }
    }
}

/// Our MMU equals the curve `go tool trace`'s MMU page plots (Go's own
/// algorithm, Go's accounting), at its 100 window sizes, with the page's
/// default flags and with sweeping added.
#[test]
fn mmu_matches_go_tool_trace() {
    for (name, path) in churn() {
        let t = parse(&path);
        let oracle = read_json(&fixtures().join(format!("gc/{name}.json")));
        for (key, sweep) in [("default", false), ("sweep", true)] {
            let flags = UtilFlags { sweep, ..UtilFlags::default() };
            let curve = gc::mmu_curve(&t, flags).unwrap_or_else(|| panic!("{name}: no MMU"));
            let plot = &oracle[key];
            assert_eq!(Some(curve.duration()), plot["xMax"].as_i64(), "{name} {key}: xMax");
            let points = plot["curve"].as_array().unwrap();
            assert_eq!(points.len(), 100);
            for p in points {
                let w = p[0].as_f64().unwrap() as i64;
                let want = p[1].as_f64().unwrap();
                let got = curve.mmu(w);
                assert!((got - want).abs() < 1e-9, "{name} {key}: MMU({w}) = {got}, go tool trace says {want}");
            }
        }
    }
}

/// MMU sanity on both curves of the report: within [0, 1], not lower for
/// a window that is a whole multiple of another, and (for the corrected
/// curve, which spans the whole trace) no higher than the longest GC pause
/// allows.
#[test]
fn mmu_sanity() {
    for (name, path) in churn() {
        let t = parse(&path);
        let g = gc::analyze(&t);
        assert_eq!(g.mmu_flags, ["stw", "background", "assist"]);
        for (which, mmu) in [("mmu", &g.mmu), ("mmu_fixed", &g.mmu_fixed)] {
            assert!(!mmu.is_empty(), "{name}");
            assert_eq!(mmu.first().unwrap().window_ns, 1_000_000, "{name}");
            assert_eq!(mmu.last().unwrap().window_ns, g.duration_ns, "{name}");
            for p in mmu.iter() {
                assert!((0.0..=1.0).contains(&p.util), "{name} {which}: {p:?}");
            }
            for a in mmu.iter() {
                for b in mmu.iter() {
                    if b.window_ns > a.window_ns && b.window_ns % a.window_ns == 0 {
                        assert!(b.util >= a.util - 1e-12, "{name} {which}: {a:?} then {b:?}");
                    }
                }
            }
        }
        let first = g.mmu_fixed[0];
        let pause = g.longest_gc_pause_ns;
        assert!(pause > 0, "{name}");
        if pause <= first.window_ns {
            let bound = 1.0 - pause as f64 / first.window_ns as f64;
            assert!(first.util <= bound + 1e-12, "{name}: MMU(1ms) {} > {bound}", first.util);
        }
        // A window no longer than the pause sees no mutator at all.
        let c = gc::mmu_curve(&t, UtilFlags { fix_go_quirks: true, ..UtilFlags::default() }).unwrap();
        assert_eq!(c.mmu(pause), 0.0, "{name}");
        assert!((1.0 - c.mean() - g.gc_cpu_fraction).abs() < 1e-12);
    }
}

fn totals(s: &Session) -> Vec<i64> {
    (0..s.profile.sample_types.len()).map(|t| s.total(t)).collect()
}

/// Function name -> (flat, cum), every row: a delay without a stack is no
/// row (Go's sample without locations) or `<unknown>` (Go's location at
/// PC 0), as Go's profile has it.
fn flat_by_function(s: &mut Session) -> BTreeMap<String, (i64, i64)> {
    let top = s.top(None, 0, 0).unwrap();
    top.rows.into_iter().map(|r| (r.name, (r.flat, r.cum))).collect()
}

/// (name, trace, Go's profile) for every `-pprof=KIND` oracle: the churn
/// traces' (gc/NAME.KIND.pb.gz) and those of Go's own test traces
/// (gc/pprof/DIR-NAME.KIND.pb.gz, for go/tests and go/v1).
fn pprof_oracles(kind: &str) -> Vec<(String, PathBuf, PathBuf)> {
    let mut v: Vec<_> =
        churn().into_iter().map(|(n, p)| (n.clone(), p, fixtures().join(format!("gc/{n}.{kind}.pb.gz")))).collect();
    for e in std::fs::read_dir(fixtures().join("gc/pprof")).unwrap().flatten() {
        let f = e.file_name().to_string_lossy().into_owned();
        let Some(stem) = f.strip_suffix(&format!(".{kind}.pb.gz")) else { continue };
        let (dir, name) = stem.split_once('-').unwrap();
        v.push((stem.to_string(), fixtures().join("go").join(dir).join(name), e.path()));
    }
    v.sort();
    v
}

/// `--profile sched|sync|syscall|net` equal `go tool trace -pprof=KIND`:
/// totals and every row's flat and cum delay, rows of delays without a
/// stack included, on the churn traces and Go's own test traces.
#[test]
fn blocking_profiles_match_go_tool_trace() {
    let mut checked = 0;
    for kind in ["sched", "sync", "syscall", "net"] {
        for (name, path, oracle) in pprof_oracles(kind) {
            let theirs = std::fs::read(&oracle).unwrap();
            let mut theirs = Session::open(&theirs).unwrap();
            let mut ours = Session::from_profile(trace_profiles::profile(parse(&path), kind).unwrap());
            assert_eq!(totals(&ours), totals(&theirs), "{name} {kind}: totals");
            assert_eq!(ours.profile.sample_type_name(ours.profile.default_sample_type), "delay");
            assert_eq!(flat_by_function(&mut ours), flat_by_function(&mut theirs), "{name} {kind}: top");
            checked += 1;
        }
    }
    assert!(checked >= 4 * 30, "{checked} oracles");
}

/// A trace opens as a session whose profile has its CPU samples (the
/// default type) and its other stack profiles as sample types, and whose
/// GC report is `gc::analyze`'s; assists make a profile whose total is the
/// assist time of the GC report.
#[test]
fn trace_sessions() {
    for (name, path) in churn() {
        let data = std::fs::read(&path).unwrap();
        let t = trace::parse(&data).unwrap();
        let mut s = Session::open(&data).unwrap();
        let info = s.info();
        assert_eq!(info.format, "trace");
        let kinds: Vec<&str> = info.sample_types.iter().map(|t| t.kind.as_str()).collect();
        assert_eq!(kinds, ["samples", "assist", "sync", "sched", "syscall", "net"]);
        assert_eq!(info.sample_types[0].total as usize, t.cpu_samples.time_ns.len(), "{name}");
        let top = s.top(Some("samples"), 0, 0).unwrap();
        assert_eq!(top.total as usize, t.cpu_samples.time_ns.len(), "{name}");
        if top.total > 0 {
            assert_eq!(s.profile.sample_type_name(s.profile.default_sample_type), "samples");
        }
        let g = gc::analyze(&t);
        assert_eq!(s.gc().unwrap(), &g, "{name}");
        let assist_ns: i64 = g.assist_stacks.iter().map(|a| a.ns).sum();
        let mut a = Session::from_profile(trace_profiles::profile(trace::parse(&data).unwrap(), "assist").unwrap());
        let at = a.top(Some("delay"), 0, 0).unwrap();
        if g.assist_stacks.len() < 10 {
            assert_eq!(at.total, assist_ns, "{name}");
        }
        assert!(at.total >= g.cycles.iter().map(|c| c.assist_ns).sum::<i64>(), "{name}");
        assert!(trace_profiles::profile(trace::parse(&data).unwrap(), "heap").is_err());
    }
}

/// The CLI: `gc --json` has the documented fields; `info` and `top
/// --profile cpu` work on a trace.
#[test]
fn cli() {
    let bin = env!("CARGO_BIN_EXE_gopherlens");
    let f = fixtures().join("churn/go1.26.trace");
    let run = |args: &[&str]| -> Value {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let f = f.to_str().unwrap();
    let g = run(&["gc", f, "--json"]);
    for k in [
        "go_version",
        "events",
        "cpu_samples",
        "duration_ns",
        "gomaxprocs",
        "gc_cpu_fraction",
        "longest_pause_ns",
        "cycles",
        "other_stw",
        "mmu",
        "mmu_fixed",
        "assist_stacks",
        "warnings",
    ] {
        assert!(g.get(k).is_some(), "gc --json lacks {k}");
    }
    assert_eq!(g["go_version"], "1.26");
    let c = &g["cycles"][0];
    for k in [
        "n",
        "start_ns",
        "end_ns",
        "mark_ns",
        "stw",
        "assist_count",
        "assist_ns",
        "heap_live_start",
        "heap_live_end",
        "heap_goal",
    ] {
        assert!(c.get(k).is_some(), "cycle lacks {k}");
    }
    assert_eq!(c["stw"][0]["reason"], "GC sweep termination");
    assert_eq!(g["other_stw"][0]["reason"], "start trace");
    assert_eq!(g["mmu"][0]["window_ns"], 1_000_000);
    let info = run(&["info", f, "--json"]);
    assert_eq!(info["format"], "trace");
    let top = run(&["top", f, "--profile", "cpu", "--json"]);
    assert_eq!(top["total"], g["cpu_samples"]);
    let sched = run(&["top", f, "--profile=sched", "--json"]);
    assert_eq!(sched["sample_type"], "delay");
    let text = std::process::Command::new(bin).args(["gc", f]).output().unwrap();
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("GC cycles"));
}

/// Damaged and cut traces: whatever decodes analyses without panicking.
#[test]
fn gc_of_damaged_traces_does_not_panic() {
    let mut n = 0;
    for dir in ["go/fuzz", "go/tests", "go/v1"] {
        for e in std::fs::read_dir(fixtures().join(dir)).unwrap().flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "json") {
                continue;
            }
            let data = std::fs::read(&p).unwrap();
            if let Ok(t) = trace::parse(&data) {
                let _ = gc::analyze(&t);
                for kind in trace_profiles::KINDS {
                    let _ = trace_profiles::profile(trace::parse(&data).unwrap(), kind);
                }
                n += 1;
            }
        }
    }
    let data = std::fs::read(fixtures().join("churn/go1.26.trace")).unwrap();
    for cut in (20..data.len()).step_by(data.len() / 7) {
        if let Ok(t) = trace::parse(&data[..cut]) {
            let g = gc::analyze(&t);
            assert!(g.mmu.iter().all(|p| (0.0..=1.0).contains(&p.util)));
            n += 1;
        }
    }
    assert!(n > 20, "{n}");
}

/// One `GODEBUG=gctrace=1` line: (sweep termination, concurrent mark, mark
/// termination) wall clock in ns with the unit of the printed precision,
/// heap at start, at mark termination and marked in MiB, goal in MiB, Ps.
#[derive(Debug)]
struct GcTraceLine {
    clock: [(i64, i64); 3],
    heap: [u64; 3],
    goal: u64,
    procs: u64,
}

/// A `gctrace` duration as the runtime prints it (fmtNSAsMS: truncated to
/// 2-3 significant digits): (ns, ns of one unit in the last digit).
fn parse_ms(s: &str) -> (i64, i64) {
    let decimals = s.split_once('.').map_or(0, |(_, d)| d.len() as u32);
    let unit = 1_000_000 / 10i64.pow(decimals);
    let v: f64 = s.parse().unwrap();
    ((v * 1e6).round() as i64, unit)
}

fn gctrace(path: &Path) -> Vec<GcTraceLine> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut inside = false;
    let mut out = Vec::new();
    for line in text.lines() {
        match line {
            "churn: trace started" => inside = true,
            "churn: trace stopping" => inside = false,
            l if inside && l.starts_with("gc ") => {
                let (_, rest) = l.split_once(": ").unwrap();
                let parts: Vec<&str> = rest.split(", ").collect();
                let clock: Vec<(i64, i64)> = parts[0].trim_end_matches(" ms clock").split('+').map(parse_ms).collect();
                let heap: Vec<u64> = parts[2].trim_end_matches(" MB").split("->").map(|x| x.parse().unwrap()).collect();
                let goal = parts[3].trim_end_matches(" MB goal").parse().unwrap();
                let procs = parts.last().unwrap().trim_end_matches(" P").parse().unwrap();
                out.push(GcTraceLine {
                    clock: [clock[0], clock[1], clock[2]],
                    heap: [heap[0], heap[1], heap[2]],
                    goal,
                    procs,
                });
            }
            _ => {}
        }
    }
    out
}

/// Cycles against the runtime's own account: the `GODEBUG=gctrace=1`
/// lines printed while the trace ran (tests/fixtures/trace/gc/gctrace/,
/// Go 1.21 writing a v1 trace and Go 1.23 a v2 one). One line per cycle
/// the trace saw complete; the sweep termination and concurrent mark wall
/// times are what gctrace prints, truncated to its precision; heap at
/// start and marked heap in MiB and GOMAXPROCS are equal; so is the goal,
/// except that a v1 trace records the goal only at its start and at the
/// end of each cycle, so the runtime's later adjustments are not in it.
#[test]
fn cycles_match_gctrace() {
    for (v, v1) in [("1.21", true), ("1.23", false)] {
        let dir = fixtures().join("gc/gctrace");
        let lines = gctrace(&dir.join(format!("go{v}.gctrace")));
        let g = gc::analyze(&parse(&dir.join(format!("go{v}.trace"))));
        assert!(lines.len() >= 10, "go{v}: {} gctrace lines", lines.len());
        let complete: Vec<_> = g.cycles.iter().filter(|c| c.start_ns.is_some() && c.end_ns.is_some()).collect();
        assert_eq!(complete.len(), lines.len(), "go{v}: cycles");
        let mut goal_mismatches = 0;
        for (c, l) in complete.iter().zip(&lines) {
            let what = format!("go{v} cycle {}: {l:?}", c.n);
            let truncated = |ns: i64, (printed, unit): (i64, i64)| printed <= ns && ns < printed + unit;
            let sweep_term = c.stw.iter().find(|s| s.reason == "GC sweep termination").map(|s| s.duration_ns);
            assert!(sweep_term.is_some_and(|d| truncated(d, l.clock[0])), "{what}: sweep termination {sweep_term:?}");
            assert!(truncated(c.mark_ns, l.clock[1]), "{what}: mark {}", c.mark_ns);
            assert_eq!(c.heap_live_start.map(|h| h >> 20), Some(l.heap[0]), "{what}");
            assert_eq!(c.heap_live_end.map(|h| h >> 20), Some(l.heap[2]), "{what}");
            if c.heap_goal.map(|h| h >> 20) != Some(l.goal) {
                goal_mismatches += 1;
            }
            if let Some(p) = c.gomaxprocs {
                assert_eq!(p, l.procs, "{what}");
            }
        }
        if v1 {
            assert!(goal_mismatches <= 2, "go{v}: {goal_mismatches} goals differ");
        } else {
            assert_eq!(goal_mismatches, 0, "go{v}");
        }
    }
}
