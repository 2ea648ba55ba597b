//! Map retention on real Go heap profiles. tests/fixtures/maps holds Go
//! programs whose allocating lines carry `// want:` annotations (parsed by
//! regen.sh into truth/PROGRAM.tsv), and their heap and CPU profiles for
//! every Go release 1.21–1.27 (plus 1.24 with GOEXPERIMENT=noswissmap), at
//! MemProfileRate=1 and at the default rate. The checks:
//!
//! - precision 1.0: no site is labelled with a map kind other than its true
//!   kind (no non-map site is labelled a map), in every profile;
//! - recall 1.0 at MemProfileRate=1, with the right kind and verdict, for
//!   every map site the profile contains, except `small` ones (a lone
//!   header or bucket: sizes any struct has) and, on classic maps,
//!   `noescape` ones (an array and a mapextra, the header on the stack),
//!   which must stay `unknown` without a CPU profile;
//! - with the CPU profile of the same run joined, every map site whose line
//!   the CPU profile shows running map code is right with exact evidence;
//! - the recall at the default rate is printed per version
//!   (`cargo test --test maps -- --nocapture`).

mod common;

use common::maps_fixtures::{classic, load, programs, root, site, truth, versions};
use gopherlens::analysis::maps::{MapsInputs, MapsOptions};
use gopherlens::report::{MapSite, Maps};
use gopherlens::{Error, Session};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn analyze(heap: &Path, cpu: Option<&Path>) -> Maps {
    let s = load(heap);
    let mut inputs = MapsInputs::new();
    if let Some(c) = cpu {
        inputs.add_cpu(&load(c).profile);
    }
    s.maps(&inputs, &MapsOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", heap.display()))
}

fn is_map_kind(k: &str) -> bool {
    k.starts_with("map-") || k == "sync-map"
}

/// Independently of the analysis: lines (file:line) under which a CPU
/// sample runs runtime map code that allocates or writes.
fn cpu_map_lines(cpu: &Path) -> std::collections::HashSet<String> {
    let s = load(cpu);
    let p = &s.profile;
    let mut out = std::collections::HashSet::new();
    let name = |f: gopherlens::model::FrameId| p.strings.get(p.funcs.name[p.frames.func[f.idx()].idx()]).to_string();
    for i in 0..p.samples.len() {
        let mut map_code = false;
        for &frame in p.sample_frames(i).iter().rev() {
            let n = name(frame);
            let lib = n.starts_with("maps.")
                || n.starts_with("reflect.")
                || n.starts_with("sync.")
                || n.starts_with("internal/sync.");
            if n.starts_with("runtime.") || n.starts_with("internal/runtime/") || lib {
                let m = n.starts_with("internal/runtime/maps.")
                    || [
                        "makemap",
                        "mapassign",
                        "hashGrow",
                        "growWork",
                        "evacuate",
                        "newoverflow",
                        "mapclone",
                        "mapdelete",
                    ]
                    .iter()
                    .any(|k| n.starts_with("runtime.") && n.contains(k))
                    || lib;
                map_code |= m && !n.contains("mapaccess") && !n.contains("mapiter");
            } else {
                if map_code {
                    let func = p.frames.func[frame.idx()];
                    out.insert(format!("{}:{}", p.strings.get(p.funcs.file[func.idx()]), p.frames.line[frame.idx()]));
                }
                break;
            }
        }
    }
    out
}

struct Run {
    version: String,
    program: String,
    rate: &'static str,
    heap: PathBuf,
    cpu: Option<PathBuf>,
}

/// Every analysed combination: heap of the run without CPU profiling, and
/// heap of the CPU run without and with its CPU profile joined.
fn runs() -> Vec<Run> {
    let mut out = Vec::new();
    for v in versions() {
        for p in programs() {
            for rate in ["rate1", "default"] {
                let dir = root().join("profiles").join(&v).join(&p).join(rate);
                let mk = |heap: &str, cpu: Option<&str>| Run {
                    version: v.clone(),
                    program: p.clone(),
                    rate,
                    heap: dir.join(heap),
                    cpu: cpu.map(|c| dir.join(c)),
                };
                out.push(mk("heap.pb.gz", None));
                out.push(mk("cpurun.heap.pb.gz", None));
                out.push(mk("cpurun.heap.pb.gz", Some("cpurun.cpu.pb.gz")));
            }
        }
    }
    out
}

#[test]
fn fixtures_cover_every_go_release() {
    let v = versions();
    for want in ["go1.21", "go1.22", "go1.23", "go1.24", "go1.25", "go1.26", "go1.27"] {
        assert!(v.iter().any(|x| x == want), "fixtures for {want} are missing (have {v:?})");
    }
    let total: u64 = walk(&root().join("profiles")).iter().map(|p| std::fs::metadata(p).map_or(0, |m| m.len())).sum();
    assert!(total < 6 << 20, "map fixtures take {total} bytes");
    for p in programs() {
        assert!(truth(&p).iter().any(|t| t.is_map()) || p == "decoys", "{p} has no map sites");
        assert!(truth(&p).iter().any(|t| !t.is_map()), "{p} has no non-map sites");
    }
}

fn walk(d: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn precision_is_one_on_every_fixture() {
    let mut checked = 0usize;
    let mut labelled = 0usize;
    let mut wrong = Vec::new();
    for r in runs() {
        let m = analyze(&r.heap, r.cpu.as_deref());
        for t in truth(&r.program) {
            let Some(s) = site(&m, &t) else { continue };
            checked += 1;
            if is_map_kind(&s.kind) {
                labelled += 1;
                if s.kind != t.kind {
                    wrong.push(format!(
                        "{} {} {} {}{}: labelled {} ({}), truth {}",
                        r.version,
                        r.rate,
                        r.heap.file_name().unwrap().to_string_lossy(),
                        t.at(),
                        if r.cpu.is_some() { " +cpu" } else { "" },
                        s.kind,
                        s.evidence_detail.join("; "),
                        t.kind
                    ));
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} annotated sites checked");
    assert!(wrong.is_empty(), "{} of {labelled} map labels wrong:\n{}", wrong.len(), wrong.join("\n"));
    eprintln!("precision 1.0: {labelled} map labels on {checked} annotated sites, all right");
}

#[test]
fn recall_at_rate_1_is_one() {
    let mut missed = Vec::new();
    let mut found = 0usize;
    for v in versions() {
        for p in programs() {
            let heap = root().join("profiles").join(&v).join(&p).join("rate1/heap.pb.gz");
            let m = analyze(&heap, None);
            for t in truth(&p).iter().filter(|t| t.is_map()) {
                let Some(s) = site(&m, t) else { continue };
                if t.small || (t.noescape && classic(&v)) {
                    // A lone header or bucket, or a classic map's array and
                    // mapextra without its header: nothing in the sizes
                    // says map.
                    if s.kind != "unknown" && s.kind != t.kind {
                        missed.push(format!("{v} {}: small site labelled {}", t.at(), s.kind));
                    }
                    continue;
                }
                if s.kind != t.kind || s.verdict != t.verdict {
                    missed.push(format!(
                        "{v} {}: got {} {} ({}), want {} {}",
                        t.at(),
                        s.kind,
                        s.verdict,
                        s.evidence_detail.join("; "),
                        t.kind,
                        t.verdict
                    ));
                    continue;
                }
                let has_old = s.finding_codes.iter().any(|c| c == "old-array-alive");
                if t.old_array && classic(&v) != has_old {
                    missed.push(format!("{v} {}: old-array-alive finding {has_old}, want {}", t.at(), classic(&v)));
                    continue;
                }
                found += 1;
            }
        }
    }
    assert!(missed.is_empty(), "rate 1 recall below 1.0:\n{}", missed.join("\n"));
    assert!(found >= 100, "only {found} map sites found at rate 1");
}

#[test]
fn cpu_join_makes_evidence_exact() {
    let mut covered = BTreeMap::<String, usize>::new();
    let mut bad = Vec::new();
    for r in runs().into_iter().filter(|r| r.cpu.is_some()) {
        let cpu = r.cpu.as_deref().unwrap();
        let lines = cpu_map_lines(cpu);
        let with = analyze(&r.heap, Some(cpu));
        for t in truth(&r.program).iter().filter(|t| t.is_map()) {
            if !lines.contains(&t.at()) {
                continue;
            }
            let Some(s) = site(&with, t) else { continue };
            *covered.entry(format!("{} {}", r.version, r.rate)).or_default() += 1;
            if s.evidence != "exact" || s.kind != t.kind || s.verdict != t.verdict {
                bad.push(format!(
                    "{} {} {}: {} {} {} ({}), want {} {} exact",
                    r.version,
                    r.rate,
                    t.at(),
                    s.kind,
                    s.verdict,
                    s.evidence,
                    s.evidence_detail.join("; "),
                    t.kind,
                    t.verdict
                ));
            }
        }
    }
    eprintln!("map sites covered by the CPU profile: {covered:?}");
    assert!(bad.is_empty(), "CPU join not exact:\n{}", bad.join("\n"));
    for v in versions() {
        let n = covered.get(&format!("{v} rate1")).copied().unwrap_or(0);
        assert!(n >= 4, "{v}: only {n} map sites covered by the rate-1 CPU profiles");
    }
}

#[test]
fn recall_table() {
    // Recall = map sites found with the right kind / map sites the profile
    // contains. Printed, not asserted below rate 1: at the default rate most
    // small objects are not sampled, so the size signatures are incomplete.
    let mut rows = Vec::new();
    for v in versions() {
        let mut cells = Vec::new();
        for (rate, heap, cpu) in [
            ("rate1", "heap.pb.gz", None),
            ("rate1", "cpurun.heap.pb.gz", Some("cpurun.cpu.pb.gz")),
            ("default", "heap.pb.gz", None),
            ("default", "cpurun.heap.pb.gz", Some("cpurun.cpu.pb.gz")),
        ] {
            let (mut found, mut present, mut found_ns, mut present_ns) = (0, 0, 0, 0);
            for p in programs() {
                let dir = root().join("profiles").join(&v).join(&p).join(rate);
                let m = analyze(&dir.join(heap), cpu.map(|c| dir.join(c)).as_deref());
                for t in truth(&p).iter().filter(|t| t.is_map()) {
                    let Some(s) = site(&m, t) else { continue };
                    present += 1;
                    let ok = s.kind == t.kind && s.verdict == t.verdict;
                    found += ok as usize;
                    // Sites the heap profile alone can show (not `small`,
                    // not `noescape` on classic maps).
                    if !t.small && !(t.noescape && classic(&v)) {
                        present_ns += 1;
                        found_ns += ok as usize;
                    }
                }
            }
            cells.push(format!("{:<32}", format!("{found:>3}/{present:<3} ({found_ns}/{present_ns})")));
        }
        rows.push(format!("{v:<18} {}", cells.join("  ")));
    }
    eprintln!(
        "recall: right kind and verdict / map sites in the profile (in parentheses: of the sites whose\nobjects a heap profile can show to be a map, i.e. not `small` and not classic `noescape`)\n{:<18} {:<32}  {:<32}  {:<32}  {:<32}\n{}",
        "version",
        "rate 1",
        "rate 1 + CPU",
        "default rate",
        "default rate + CPU",
        rows.join("\n")
    );
}

#[test]
fn snapshots_give_a_trend_and_base_a_delta() {
    for v in versions() {
        let dir = root().join("profiles").join(&v).join("cache/rate1");
        let heap = load(&dir.join("heap.pb.gz"));
        let mut inputs = MapsInputs::new();
        inputs.add_snapshot(&load(&dir.join("snap1.pb.gz")).profile).unwrap();
        inputs.add_snapshot(&load(&dir.join("snap2.pb.gz")).profile).unwrap();
        inputs.set_base(&load(&dir.join("snap1.pb.gz")).profile).unwrap();
        let m = heap.maps(&inputs, &MapsOptions::default()).unwrap();
        assert_eq!(m.snapshots, 3);
        assert!(m.base);
        let t = truth("cache").into_iter().find(|t| t.kind == "map-grow" && t.line == 47).unwrap();
        let s = site(&m, &t).unwrap();
        assert_eq!(s.trend.len(), 3, "{v}");
        assert!(s.trend.windows(2).all(|w| w[1].alloc_space > w[0].alloc_space), "{v}: {:?}", s.trend);
        assert_eq!(s.trend[2].inuse_space, s.inuse_space);
        // In use can drop when a classic map finishes evacuating its old
        // array; the finding says "grows in every snapshot" only if it does.
        let grows = s.trend.windows(2).all(|w| w[1].inuse_space > w[0].inuse_space);
        assert_eq!(s.finding_codes.iter().any(|c| c == "growing"), grows, "{v}: {:?}", s.findings);
        let (base, delta) = (s.base.unwrap(), s.delta.unwrap());
        assert_eq!(base, s.trend[0]);
        assert_eq!(delta.inuse_space, s.inuse_space - base.inuse_space);
        assert_eq!(delta.alloc_objects, s.alloc_objects - base.alloc_objects);
        assert!(s.finding_codes.iter().any(|c| c == "since-base"));
        // A site that does not grow has no trend finding.
        let lit = m.sites.iter().find(|s| s.function == "main.makeKeys").unwrap();
        assert!(
            !lit.finding_codes.iter().any(|c| c == "growing") || lit.trend[0].inuse_space < lit.trend[2].inuse_space
        );
    }
}

#[test]
fn cli_prints_the_same_json() {
    let dir = root().join("profiles/go1.24/stdlib/rate1");
    let (heap, cpu) = (dir.join("cpurun.heap.pb.gz"), dir.join("cpurun.cpu.pb.gz"));
    let program = root().join("profiles/go1.24/stdlib/program.gz");
    let snap = root().join("profiles/go1.24/cache/rate1");
    let bin = env!("CARGO_BIN_EXE_gopherlens");
    let out = std::process::Command::new(bin)
        .args([
            "maps",
            heap.to_str().unwrap(),
            "--cpu",
            cpu.to_str().unwrap(),
            "--binary",
            program.to_str().unwrap(),
            "--json",
            "--limit",
            "12",
            "--paths",
            "2",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = load(&heap);
    let mut inputs = MapsInputs::new();
    inputs.add_cpu(&load(&cpu).profile);
    inputs.add_binary(&gopherlens::formats::gobinary::open(&std::fs::read(&program).unwrap()).unwrap());
    let want = s.maps(&inputs, &MapsOptions { limit: 12, paths: 2, ..Default::default() }).unwrap();
    assert_eq!(want.binary.binaries, 1);
    // Both sides through serde_json's float parser (which may round the
    // last digit of a float differently from an f64 never printed).
    let json: serde_json::Value = serde_json::from_str(&serde_json::to_string(&want).unwrap()).unwrap();
    assert_eq!(got, json);
    assert_eq!(want.sites.len(), 12);
    assert!(want.sites.iter().all(|s| s.paths.len() <= 2));
    // Snapshots and base through the CLI.
    let out = std::process::Command::new(bin)
        .args([
            "maps",
            snap.join("snap1.pb.gz").to_str().unwrap(),
            snap.join("heap.pb.gz").to_str().unwrap(),
            "--base",
            snap.join("snap1.pb.gz").to_str().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["snapshots"], 2);
    assert_eq!(got["base"], true);
    // The text table runs too.
    let out = std::process::Command::new(bin).args(["maps", heap.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("map-clone"));
    // A CPU profile is not a heap profile: the error names the file.
    let out = std::process::Command::new(bin).args(["maps", cpu.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cpurun.cpu.pb.gz: not a heap profile"), "{err}");
}

#[test]
fn paths_lead_to_the_site_node() {
    let dir = root().join("profiles/go1.21/cache/rate1");
    let mut s = load(&dir.join("heap.pb.gz"));
    let m = s.maps(&MapsInputs::new(), &MapsOptions::default()).unwrap();
    let grow = m.sites.iter().find(|x| x.function == "main.fillCache" && x.kind == "map-grow").unwrap();
    assert!(!grow.paths.is_empty());
    let path = &grow.paths[0];
    assert!(path.frames.last().unwrap().starts_with("main.fillCache "));
    assert!(path.frames[0].starts_with("runtime.main") || path.frames[0].starts_with("main.main"));
    // Zooming the flame graph to the node shows the site's function.
    let l = s.flame(Some("alloc_space"), path.node, 0.0).unwrap();
    let f = l.func[0] as usize;
    let _ = f;
    let name = s.profile.strings.get(s.profile.funcs.name[s.tree.func(path.node).idx()]);
    assert_eq!(name, "main.fillCache");
}

// ---- hand-built profiles -------------------------------------------------

use gopherlens::formats::pprof::proto;
use prost::Message;

/// A heap profile builder with `bytes` labels.
struct Heap {
    b: common::Builder,
    funcs: BTreeMap<String, u64>,
}

impl Heap {
    fn new(rate: i64) -> Self {
        let mut b = common::Builder::new(&[
            ("alloc_objects", "count"),
            ("alloc_space", "bytes"),
            ("inuse_objects", "count"),
            ("inuse_space", "bytes"),
        ]);
        let (t, u) = (b.s("space"), b.s("bytes"));
        b.p.period_type = Some(proto::ValueType { r#type: t, unit: u });
        b.p.period = rate;
        Heap { b, funcs: BTreeMap::new() }
    }
    fn func(&mut self, name: &str) -> u64 {
        if let Some(&f) = self.funcs.get(name) {
            return f;
        }
        let f = self.b.func(name);
        self.funcs.insert(name.to_string(), f);
        f
    }
    /// Objects of `size` bytes allocated under `frames` (leaf first, as
    /// "func:line"), `inuse` of them still in use.
    fn alloc(&mut self, frames: &[&str], size: i64, count: i64, inuse: i64) {
        let locs: Vec<u64> = frames
            .iter()
            .map(|fr| {
                let (f, l) = fr.rsplit_once(':').unwrap();
                let id = self.func(f);
                self.b.loc(&[(id, l.parse().unwrap())])
            })
            .collect();
        let key = self.b.s("bytes");
        self.b.p.sample.push(proto::Sample {
            location_id: locs,
            value: vec![count, count.wrapping_mul(size), inuse, inuse.wrapping_mul(size)],
            label: vec![proto::Label { key, str: 0, num: size, num_unit: 0 }],
        });
    }
    fn session(&self) -> Session {
        Session::open(&self.b.p.encode_to_vec()).unwrap()
    }
}

fn one(m: &Maps, func: &str, line: i64) -> MapSite {
    m.sites
        .iter()
        .find(|s| s.function == func && s.line == line)
        .cloned()
        .unwrap_or_else(|| panic!("no site {func}:{line}"))
}

#[test]
fn surviving_frames_are_exact_evidence_and_are_skipped() {
    let mut h = Heap::new(524288);
    h.alloc(
        &["maps.clone:1454", "maps.Clone[go.shape.map[string]int]:46", "main.copyIt:12", "main.main:3"],
        163840,
        1,
        1,
    );
    h.alloc(&["sync.(*Map).Swap:365", "sync.(*Map).Store:155", "main.store:20", "main.main:4"], 8192, 1, 1);
    h.alloc(
        &["reflect.mapassign_faststr0:1376", "reflect.Value.SetMapIndex:2402", "main.dyn:30", "main.main:5"],
        4096,
        1,
        1,
    );
    h.alloc(&["main.map.init.0:9", "main.init:9"], 57344, 1, 1);
    h.alloc(&["main.plain:40", "main.main:6"], 4096, 10, 0);
    let m = h.session().maps(&MapsInputs::new(), &MapsOptions::default()).unwrap();
    let k = |f: &str, l: i64| {
        let s = one(&m, f, l);
        (s.kind, s.evidence)
    };
    assert_eq!(k("main.copyIt", 12), ("map-clone".into(), "exact".into()));
    assert_eq!(k("main.store", 20), ("sync-map".into(), "exact".into()));
    assert_eq!(k("main.dyn", 30), ("map-grow".into(), "exact".into()));
    assert_eq!(k("main.map.init.0", 9), ("map-create".into(), "exact".into()));
    assert_eq!(k("main.plain", 40), ("unknown".into(), "none".into()));
    assert_eq!(m.sample_rate, 524288);
    let plain = one(&m, "main.plain", 40);
    assert_eq!(plain.verdict, "transient");
    assert_eq!(plain.retention, 0.0);
    assert_eq!(m.summary.map_sites, 4);
}

#[test]
fn size_signatures_on_hand_built_sites() {
    use gopherlens::analysis::maps::sizes::{classic_array, swiss_dir, swiss_groups, Alloc};
    let mut h = Heap::new(1);
    // Classic map[int64]int64 grown from empty to 2^8 buckets and kept.
    for b in 0..=8 {
        h.alloc(&["main.grow:10", "main.main:1"], classic_array(144, b, Alloc::Noscan) as i64, 1, (b == 8) as i64);
    }
    h.alloc(&["main.grow:10", "main.main:1"], 24, 1, 1);
    // A slice of 144-byte structs grown by append: the same first sizes.
    let mut chain = Vec::new();
    gopherlens::analysis::maps::sizes::append_chain(144, Alloc::Noscan, 1 << 20, &mut chain);
    for (i, &s) in chain.iter().enumerate() {
        h.alloc(&["main.slice:20", "main.main:2"], s as i64, 1, (i + 1 == chain.len()) as i64);
    }
    // A lone header.
    h.alloc(&["main.make:40", "main.main:4"], 48, 100, 100);
    let m = h.session().maps(&MapsInputs::new(), &MapsOptions::default()).unwrap();
    assert_eq!(m.summary.layout.as_deref(), Some("classic"));
    let g = one(&m, "main.grow", 10);
    assert_eq!((g.kind.as_str(), g.evidence.as_str(), g.verdict.as_str()), ("map-grow", "sizes", "retained"));
    assert_eq!(g.estimate.layout.as_deref(), Some("classic"));
    assert_eq!(g.estimate.bucket_size, Some(144));
    assert_eq!(g.estimate.kv_size, Some(16));
    assert_eq!(g.estimate.buckets, Some(256));
    assert_eq!(g.estimate.capacity, Some(1664));
    assert!(g.finding_codes.contains(&"grown-retained".to_string()));
    assert_eq!(one(&m, "main.slice", 20).kind, "not-map");
    let lone = one(&m, "main.make", 40);
    assert_eq!(lone.kind, "unknown");
    assert!(lone.finding_codes.contains(&"ambiguous-size".to_string()));

    // Swiss map[string]*T grown from a small map to 2^5 groups per table,
    // 50 times, transient; pointer-slice appends beside it.
    let mut h = Heap::new(1);
    let site = ["main.swiss:30", "main.main:3"];
    for j in 0..=5 {
        h.alloc(&site, swiss_groups(200, j, Alloc::PtrHeader) as i64, 50, 0);
    }
    h.alloc(&site, 32, 5 * 50, 0);
    h.alloc(&site, swiss_dir(0) as i64, 50, 0);
    for k in 0..10 {
        h.alloc(&["main.ptrs:31", "main.main:3"], 8 << k, 1, (k == 9) as i64);
    }
    h.alloc(&["main.ptrs:31", "main.main:3"], 32, 1000, 1000);
    let m = h.session().maps(&MapsInputs::new(), &MapsOptions::default()).unwrap();
    let s = one(&m, "main.swiss", 30);
    assert_eq!((s.kind.as_str(), s.verdict.as_str()), ("map-grow", "transient"));
    assert_eq!(s.estimate.layout.as_deref(), Some("swiss"));
    assert_eq!(s.estimate.bucket_size, Some(200));
    assert_eq!(s.estimate.levels, [0, 1, 2, 3, 4, 5]);
    assert!(s.finding_codes.contains(&"transient-churn".to_string()));
    assert_eq!(one(&m, "main.ptrs", 31).kind, "unknown");
}

#[test]
fn cpu_lines_join_by_function_file_and_line() {
    let mut h = Heap::new(524288);
    h.alloc(&["main.make:40", "main.main:4"], 48, 100, 100);
    h.alloc(&["main.other:41", "main.main:4"], 48, 100, 100);
    let heap = h.session();
    let mut b = common::Builder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    let rt = b.func("runtime.makemap_small");
    let ma = b.func("runtime.mallocgc");
    let mk = b.func("main.make");
    let oth = b.func("main.other");
    let ng = b.func("runtime.newobject");
    let (l1, l2, l3, l4, l5) =
        (b.loc(&[(ma, 1)]), b.loc(&[(rt, 2)]), b.loc(&[(mk, 40)]), b.loc(&[(ng, 3)]), b.loc(&[(oth, 41)]));
    b.sample(&[l1, l2, l3], &[1, 10_000_000]);
    b.sample(&[l1, l4, l5], &[1, 10_000_000]);
    let cpu = Session::open(&b.bytes()).unwrap();
    let mut inputs = MapsInputs::new();
    inputs.add_cpu(&cpu.profile);
    let m = heap.maps(&inputs, &MapsOptions::default()).unwrap();
    let s = one(&m, "main.make", 40);
    assert_eq!((s.kind.as_str(), s.evidence.as_str()), ("map-create", "exact"));
    assert!(s.finding_codes.contains(&"many-small-maps".to_string()), "{:?}", s.findings);
    assert_eq!(one(&m, "main.other", 41).kind, "unknown");
    assert_eq!(m.cpu.profiles, 1);
    assert_eq!(m.cpu.samples, 2);
    assert_eq!(m.cpu.map_lines, 1);
}

#[test]
fn wrong_inputs_and_hostile_values() {
    let mut b = common::Builder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    let f = b.func("main.f");
    let l = b.loc(&[(f, 1)]);
    b.sample(&[l], &[1, 1]);
    let cpu = Session::open(&b.bytes()).unwrap();
    match cpu.maps(&MapsInputs::new(), &MapsOptions::default()) {
        Err(Error::NotHeapProfile { found }) => assert_eq!(found, ["samples", "cpu"]),
        other => panic!("{other:?}"),
    }
    let mut inputs = MapsInputs::new();
    assert!(inputs.set_base(&cpu.profile).is_err());
    assert!(inputs.add_snapshot(&cpu.profile).is_err());
    // Negative, zero and huge values, labels and sizes: no panic.
    let mut h = Heap::new(-5);
    for (size, count, inuse) in [(0, 1, 1), (-8, 3, 1), (i64::MAX, 2, 2), (48, -3, 7), (1 << 40, 1, 0), (16, 0, 0)] {
        h.alloc(&["main.x:1", "main.main:1"], size, count, inuse);
    }
    h.alloc(&["maps.clone:1"], 64, 1, 1);
    let s = h.session();
    let mut inputs = MapsInputs::new();
    inputs.set_base(&s.profile).unwrap();
    inputs.add_snapshot(&s.profile).unwrap();
    inputs.add_cpu(&s.profile);
    let m = s.maps(&inputs, &MapsOptions { limit: 1, paths: 0, all_paths: true, ..Default::default() }).unwrap();
    assert_eq!(m.sites.len(), 1);
    assert!(m.sites[0].paths.is_empty());
    // An empty heap profile.
    let m = Heap::new(1).session().maps(&MapsInputs::new(), &MapsOptions::default()).unwrap();
    assert!(m.sites.is_empty());
    assert_eq!(m.summary.layout, None);
}

#[test]
fn how_far_classic_maps_must_grow_to_show_in_sizes() {
    // For every classic bucket size and allocation rule: the smallest top
    // level B such that the arrays of 2^0..2^B buckets (a map grown from
    // empty, every allocation recorded) are explained by no plain slice or
    // doubled buffer. Printed for the README; asserted for buckets up to 256
    // bytes (keys + values up to 30 bytes: most maps).
    use gopherlens::analysis::maps::sizes::{classic_array, plain_growth_explains, Alloc};
    let mut hist = BTreeMap::<String, usize>::new();
    let mut worst_small = 0u32;
    for unit in (24..=2064u64).step_by(8) {
        for a in Alloc::ALL {
            if a.pointers() && unit < 80 {
                continue;
            }
            let need = (4..=20u32).find(|&top| {
                let z: Vec<u64> = (0..=top).map(|b| classic_array(unit, b, a)).collect();
                !plain_growth_explains(&z)
            });
            if unit <= 256 {
                worst_small = worst_small.max(need.unwrap_or(99));
            }
            *hist.entry(need.map_or("never (up to 2^20)".into(), |b| format!("2^{b}"))).or_default() += 1;
        }
    }
    eprintln!("classic maps grown from empty: buckets needed before the sizes tell them from slices: {hist:?}");
    assert!(worst_small <= 10, "a bucket of at most 256 bytes needs 2^{worst_small} buckets");
}

#[test]
fn random_sizes_are_never_labelled_maps_by_size() {
    // Sites with random sets of recorded sizes (size classes and whole
    // pages), as a big real profile has: lines that allocate buffers of any
    // size. No size signature may fire on them, sampled or not.
    // MAPS_RANDOM_SITES=100000 runs a bigger sample (about a minute).
    use gopherlens::analysis::maps::sizes::CLASS_TO_SIZE;
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut rnd = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for rate in [1i64, 524288] {
        let mut h = Heap::new(rate);
        for site in 0..std::env::var("MAPS_RANDOM_SITES").ok().and_then(|v| v.parse().ok()).unwrap_or(3000) {
            let f = format!("main.f{site}:{}", 10 + site % 7);
            let n = 1 + rnd(24);
            for _ in 0..n {
                let size =
                    if rnd(4) == 0 { 8192 * (4 + rnd(200)) as i64 } else { CLASS_TO_SIZE[1 + rnd(67) as usize] as i64 };
                let many = rnd(3) == 0;
                let count = 1 + rnd(if many { 5000 } else { 3 }) as i64;
                h.alloc(&[f.as_str(), "main.main:1"], size, count, rnd(2) as i64 * count);
            }
        }
        let m = h.session().maps(&MapsInputs::new(), &MapsOptions::default()).unwrap();
        let labelled: Vec<String> = m
            .sites
            .iter()
            .filter(|s| is_map_kind(&s.kind))
            .map(|s| {
                let sz: Vec<String> = s
                    .sizes
                    .iter()
                    .map(|r| format!("{}x{}{}", r.bytes, r.alloc_objects, if r.role.is_empty() { "" } else { "*" }))
                    .collect();
                format!("{}: {} ({}) [{}]", s.function, s.kind, s.evidence_detail.join("; "), sz.join(" "))
            })
            .collect();
        assert!(
            labelled.is_empty(),
            "rate {rate}: {} random sites labelled maps:\n{}",
            labelled.len(),
            labelled.join("\n")
        );
    }
}

#[test]
fn maps_first_keeps_every_map_site_under_a_limit() {
    // The page asks for a bounded number of sites, map sites first: they
    // must be the very map sites (and summary) of the unlimited analysis,
    // in its order, followed by the other sites in theirs.
    let is_map = |k: &str| k.starts_with("map-") || k == "sync-map";
    let mut checked = 0;
    for version in ["go1.22", "go1.26"] {
        for program in ["cache", "closures", "decoys", "hinted", "stdlib", "transient"] {
            let dir = root().join("profiles").join(version).join(program).join("rate1");
            let (heap, cpu) = (dir.join("cpurun.heap.pb.gz"), dir.join("cpurun.cpu.pb.gz"));
            if !heap.exists() || !cpu.exists() {
                continue;
            }
            let s = load(&heap);
            let mut inputs = MapsInputs::new();
            inputs.add_cpu(&load(&cpu).profile);
            let all = s.maps(&inputs, &MapsOptions::default()).unwrap();
            let (maps, others): (Vec<_>, Vec<_>) = all.sites.iter().cloned().partition(|x| is_map(&x.kind));
            let first = s.maps(&inputs, &MapsOptions { maps_first: true, ..Default::default() }).unwrap();
            assert_eq!(first.summary, all.summary);
            assert_eq!(first.sites, [maps.clone(), others].concat(), "{}", dir.display());
            let limit = maps.len().max(1);
            let cut = s.maps(&inputs, &MapsOptions { maps_first: true, limit, ..Default::default() }).unwrap();
            assert_eq!(cut.summary, all.summary);
            assert_eq!(cut.sites, first.sites[..limit.min(first.sites.len())].to_vec());
            checked += 1;
        }
    }
    assert!(checked >= 6, "{checked} profiles checked");
    // The CLI flag.
    let dir = root().join("profiles/go1.26/cache/rate1");
    let heap = dir.join("cpurun.heap.pb.gz");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gopherlens"))
        .args(["maps", heap.to_str().unwrap(), "--maps-first", "--limit", "3", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = load(&heap)
        .maps(&MapsInputs::new(), &MapsOptions { maps_first: true, limit: 3, ..Default::default() })
        .unwrap();
    // Both sides through serde_json's float parser (which may round the
    // last digit of a float differently from an f64 never printed).
    let want: serde_json::Value = serde_json::from_str(&serde_json::to_string(&want).unwrap()).unwrap();
    assert_eq!(got, want);
}

/// Independently of the analysis: the layout the runtime frames of a CPU
/// profile prove (`internal/runtime/maps.*` only exists with Swiss tables;
/// `runtime.hashGrow`, `runtime.evacuate*`, `runtime.growWork*`,
/// `runtime.makeBucketArray`, `runtime.(*hmap).*` only with classic maps),
/// as (swiss frames seen, classic frames seen).
fn cpu_layout_frames(cpu: &Path) -> (bool, bool) {
    let s = load(cpu);
    let p = &s.profile;
    let (mut swiss, mut classic) = (false, false);
    for i in 0..p.samples.len() {
        for &frame in p.sample_frames(i).iter().rev() {
            let n = p.strings.get(p.funcs.name[p.frames.func[frame.idx()].idx()]);
            swiss |= n.starts_with("internal/runtime/maps.");
            classic |= ["hashGrow", "evacuate", "growWork", "makeBucketArray", "(*hmap)."]
                .iter()
                .any(|k| n.strip_prefix("runtime.").is_some_and(|r| r.starts_with(k)));
        }
    }
    (swiss, classic)
}

#[test]
fn joined_runtime_frames_decide_the_layout() {
    let mut proven: BTreeMap<String, usize> = BTreeMap::new();
    let mut bad = Vec::new();
    for r in runs().into_iter().filter(|r| r.cpu.is_some()) {
        let cpu = r.cpu.as_deref().unwrap();
        let want = if classic(&r.version) { "classic" } else { "swiss" };
        let (swiss, classic_frames) = cpu_layout_frames(cpu);
        // The fixture programs are built with one toolchain each: their
        // runtime frames never name the other layout.
        assert!(
            !(if want == "swiss" { classic_frames } else { swiss }),
            "{}: the CPU profile names the other layout",
            cpu.display()
        );
        let frames_prove = swiss || classic_frames;
        let m = analyze(&r.heap, Some(cpu));
        let got = m.summary.layout.as_deref();
        if frames_prove {
            *proven.entry(r.version.clone()).or_default() += 1;
            if got != Some(want) {
                bad.push(format!("{}: summary.layout {got:?}, want {want} (runtime frames)", r.heap.display()));
            }
        } else if got.is_some_and(|g| g != want) {
            bad.push(format!("{}: summary.layout {got:?}, want {want} or null", r.heap.display()));
        }
        for s in &m.sites {
            if let Some(l) = s.estimate.layout.as_deref() {
                if l != want {
                    bad.push(format!("{} {}:{}: estimate names {l}, want {want}", r.heap.display(), s.file, s.line));
                }
            }
            if let Some(v) = s.estimate.go_versions.as_deref() {
                if v.contains("1.24+") != (want == "swiss") {
                    bad.push(format!("{} {}:{}: go_versions {v} for {want}", r.heap.display(), s.file, s.line));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{} wrong:\n{}", bad.len(), bad.join("\n"));
    // Not vacuous: every release has joined CPU profiles whose frames
    // prove the layout, at both rates.
    for v in versions() {
        assert!(proven.get(&v).copied().unwrap_or(0) >= 4, "{v}: too few CPU profiles with layout frames: {proven:?}");
    }
}

/// An estimate's room agrees with the in-use bytes of the arrays it counts:
/// `capacity` (all in-use arrays together) is about what those bytes hold
/// at the bucket or group size, never a small fraction of it (the room of
/// one array against the bytes of hundreds, or a wrong unit).
#[test]
fn estimates_agree_with_in_use_bytes() {
    let mut checked = 0usize;
    let mut bad = Vec::new();
    for r in runs() {
        let m = analyze(&r.heap, r.cpu.as_deref());
        for s in &m.sites {
            let e = &s.estimate;
            let (Some(cap), Some(unit), Some(layout)) = (e.capacity, e.bucket_size, e.layout.as_deref()) else {
                continue;
            };
            let arrays: i64 = s
                .sizes
                .iter()
                .filter(|z| {
                    ["bucket array", "lone bucket", "groups array", "small-map group"]
                        .iter()
                        .any(|p| z.role.starts_with(p))
                })
                .map(|z| z.inuse_space)
                .sum();
            // Entries per bucket / group before growth.
            let load = if layout == "classic" { 6.5 } else { 7.0 };
            let implied = arrays as f64 / unit as f64 * load;
            checked += 1;
            // Size classes waste at most 1/8, pages and malloc headers a
            // little more, classic overflow buckets 1/17, old arrays being
            // evacuated up to a third: never half.
            if (cap as f64) < 0.5 * implied || (cap as f64) > implied * 8.0 / load + 8.0 {
                bad.push(format!(
                    "{} {}:{}: capacity {cap} but {arrays} bytes of {unit}-byte {layout} arrays in use imply about {implied:.0}",
                    r.heap.display(),
                    s.file,
                    s.line
                ));
            }
        }
    }
    assert!(checked >= 50, "only {checked} estimates with a capacity");
    assert!(bad.is_empty(), "{} wrong:\n{}", bad.len(), bad.join("\n"));
}
