//! The flame tab's other views against independent ground truth: the
//! inverted tree's roots are `go tool pprof -top`'s flat values, the
//! sandwich's function has pprof's flat and cum (also under pprof's
//! filters, against the filter oracle), its callers and callees add up to
//! its cum with recursion counted once, and the left-heavy order is an
//! order of the same nodes. The oracle files are those of tests/golden.rs
//! and tests/filters.rs (written by tests/fixtures/regen.sh).

#![allow(clippy::needless_range_loop)] // the columns are read by index, as the renderer does

mod common;
use common::Builder;
use gopherlens::analysis::filter::{FilterText, Filters};
use gopherlens::layout::flame::{FlameLayout, Order};
use gopherlens::layout::views::{Kind, Options};
use gopherlens::Session;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof");
    let mut out = Vec::new();
    for v in ["go1.21", "go1.26"] {
        for f in std::fs::read_dir(root.join(v)).expect("fixture directory").flatten() {
            if f.path().to_string_lossy().ends_with(".pb.gz") {
                out.push(f.path());
            }
        }
    }
    out.sort();
    assert!(out.len() >= 12, "fixtures missing: {out:?}");
    out
}

/// pprof's `-top` rows for sample type `st`: (name, flat, cum).
fn oracle(profile: &Path, st: &str) -> Vec<(String, i64, i64)> {
    let base = profile.to_string_lossy().trim_end_matches(".pb.gz").to_string();
    let text = std::fs::read_to_string(format!("{base}.top.{st}.json")).expect("oracle file");
    let v: Value = serde_json::from_str(&text).unwrap();
    rows(&v["rows"])
}

fn rows(v: &Value) -> Vec<(String, i64, i64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_string(), r["flat"].as_i64().unwrap(), r["cum"].as_i64().unwrap()))
        .collect()
}

fn sample_types(s: &Session) -> Vec<String> {
    s.info().sample_types.into_iter().map(|t| t.kind).collect()
}

fn name(s: &Session, l: &FlameLayout, i: usize) -> String {
    let f = l.func[i];
    if f == u32::MAX {
        return "root".into();
    }
    s.profile.strings.get(s.profile.funcs.name[f as usize]).to_string()
}

fn lay(s: &mut Session, st: &str, kind: Kind, function: Option<&str>, order: Order) -> FlameLayout {
    s.layout(Some(st), kind, &Options { root: 0, min_width: 0.0, order, function, diff: false }).unwrap()
}

/// Layout indices of each node's children (nodes one row down within its
/// span), left to right.
fn children(l: &FlameLayout) -> Vec<Vec<usize>> {
    let mut kids = vec![Vec::new(); l.len()];
    let mut by_depth: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for i in 0..l.len() {
        by_depth.entry(l.depth[i]).or_default().push(i);
    }
    for row in by_depth.values_mut() {
        row.sort_by(|&a, &b| l.x[a].total_cmp(&l.x[b]));
    }
    for i in 0..l.len() {
        if let Some(row) = by_depth.get(&(l.depth[i] + 1)) {
            // Diff layouts' scaled widths are not integers: an edge may be
            // off by an ulp or so of the sum it was added up from.
            let (a, b) = (l.x[i], l.x[i] + l.width[i]);
            let eps = 1e-9 * b.abs().max(1.0);
            kids[i] = row.iter().copied().filter(|&j| l.x[j] >= a - eps && l.x[j] < b - eps).collect();
        }
    }
    kids
}

/// Every node's children and self add up to its total (values are exact
/// integers well under 2^53 in these fixtures).
fn assert_sums(label: &str, l: &FlameLayout) {
    let kids = children(l);
    for i in 0..l.len() {
        // A zoom path's ancestors are drawn at the zoom root's width.
        if l.width[i] != l.total[i] && i > 0 {
            continue;
        }
        let sum: f64 = kids[i].iter().map(|&j| l.total[j]).sum::<f64>() + l.self_[i];
        assert_eq!(sum, l.total[i], "{label}: node {i} (depth {}): children + self != total", l.depth[i]);
    }
}

#[test]
fn inverted_roots_are_pprofs_flat_values() {
    let mut checked = 0;
    for f in fixtures() {
        let mut s = Session::open(&std::fs::read(&f).unwrap()).unwrap();
        for st in sample_types(&s) {
            let label = format!("{} {st}", f.display());
            let l = lay(&mut s, &st, Kind::Inverted, None, Order::Total);
            let mut got = BTreeMap::new();
            for i in (0..l.len()).filter(|&i| l.depth[i] == 1) {
                assert!(got.insert(name(&s, &l, i), l.total[i] as i64).is_none(), "{label}: a name twice among the roots");
            }
            let want: BTreeMap<String, i64> =
                oracle(&f, &st).into_iter().filter(|r| r.1 != 0).map(|(n, flat, _)| (n, flat)).collect();
            assert!(!want.is_empty(), "{label}: the oracle has no flat values");
            assert_eq!(got, want, "{label}: the inverted tree's roots are not pprof's flat values");
            assert_eq!(l.root_total as i64, want.values().sum::<i64>(), "{label}: root total");
            assert_sums(&label, &l);
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} sample types");
}

#[test]
fn sandwich_values_are_pprofs_flat_and_cum() {
    let mut functions = 0;
    let mut recursive = 0;
    for f in fixtures() {
        let mut s = Session::open(&std::fs::read(&f).unwrap()).unwrap();
        for st in sample_types(&s) {
            for (func, flat, cum) in oracle(&f, &st) {
                let label = format!("{} {st} {func}", f.display());
                let callers = lay(&mut s, &st, Kind::SandwichCallers, Some(&func), Order::Total);
                let callees = lay(&mut s, &st, Kind::SandwichCallees, Some(&func), Order::Total);
                for (half, l) in [("callers", &callers), ("callees", &callees)] {
                    assert_eq!((l.focus_flat as i64, l.focus_cum as i64), (flat, cum), "{label}: {half}' flat, cum");
                    assert_eq!(name(&s, l, 0), func, "{label}: {half}' root names the function");
                    assert_eq!(l.node[0], 0, "{label}: the top node is 0");
                    assert_eq!(l.root_total as i64, cum, "{label}: {half}' root is the function's cum");
                    // Each stack once: the callers (and the stacks it is
                    // the root of) add up to cum, however often it recurs.
                    let top: f64 = (0..l.len()).filter(|&i| l.depth[i] == 1).map(|i| l.total[i]).sum();
                    assert_eq!((top + l.self_[0]) as i64, cum, "{label}: {half} one row down + self != cum");
                    assert_sums(&format!("{label} {half}"), l);
                }
                // Below the function's outermost frame it may appear again.
                if (1..callees.len()).any(|i| name(&s, &callees, i) == func) {
                    recursive += 1;
                }
                functions += 1;
            }
        }
    }
    assert!(functions >= 500, "only {functions} functions checked");
    eprintln!("{functions} sandwiches equal pprof's flat and cum ({recursive} of recursive functions)");
}

#[test]
fn sandwich_under_filters_equals_pprof_with_the_same_flags() {
    let heap = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof/go1.26/heap.filters.json");
    let all: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&heap).unwrap()).unwrap();
    let s = Session::open(&std::fs::read(heap.to_string_lossy().replace(".filters.json", ".pb.gz")).unwrap()).unwrap();
    let mut checked = 0;
    for e in &all {
        let flags = e["flags"].as_object().unwrap();
        if flags.keys().any(|k| ["granularity", "nodecount", "nodefraction"].contains(&k.as_str())) {
            continue;
        }
        let mut text = FilterText::default();
        for (k, v) in flags {
            let v = v.as_str().unwrap().to_string();
            match k.as_str() {
                "focus" => text.focus = v,
                "ignore" => text.ignore = v,
                "hide" => text.hide = v,
                "show" => text.show = v,
                "show_from" => text.show_from = v,
                "prune_from" => text.prune_from = v,
                "tagfocus" => text.tagfocus = v,
                "tagignore" => text.tagignore = v,
                "tagshow" => text.tagshow = v,
                "taghide" => text.taghide = v,
                other => panic!("unknown flag {other}"),
            }
        }
        let (mut v, _) = s.with_filters(&Filters::parse(&text).unwrap());
        let st = e["sample_type"].as_str().unwrap();
        let want = rows(&e["rows"]);
        let inv = lay(&mut v, st, Kind::Inverted, None, Order::Total);
        let roots: BTreeMap<String, i64> =
            (0..inv.len()).filter(|&i| inv.depth[i] == 1).map(|i| (name(&v, &inv, i), inv.total[i] as i64)).collect();
        let flat: BTreeMap<String, i64> = want.iter().filter(|r| r.1 != 0).map(|r| (r.0.clone(), r.1)).collect();
        assert_eq!(roots, flat, "{flags:?} {st}: inverted roots");
        for (func, flat, cum) in want.iter().take(8) {
            let l = lay(&mut v, st, Kind::SandwichCallees, Some(func), Order::Total);
            assert_eq!((l.focus_flat as i64, l.focus_cum as i64), (*flat, *cum), "{flags:?} {st} {func}");
        }
        checked += 1;
    }
    assert!(checked >= 80, "only {checked} filter combinations");
}

/// (node, depth, func, self, total) of every node, sorted.
fn multiset(l: &FlameLayout) -> Vec<(u32, u32, u32, i64, i64)> {
    let mut v: Vec<_> =
        (0..l.len()).map(|i| (l.node[i], l.depth[i], l.func[i], l.self_[i] as i64, l.total[i] as i64)).collect();
    v.sort();
    v
}

#[test]
fn left_heavy_orders_the_same_nodes_by_total() {
    let mut nodes = 0;
    for f in fixtures() {
        let mut s = Session::open(&std::fs::read(&f).unwrap()).unwrap();
        for st in sample_types(&s) {
            for kind in [Kind::Flame, Kind::Inverted] {
                let label = format!("{} {st} {kind:?}", f.display());
                let heavy = lay(&mut s, &st, kind, None, Order::Total);
                let named = lay(&mut s, &st, kind, None, Order::Name);
                assert_eq!(multiset(&heavy), multiset(&named), "{label}: the two orders lay out different nodes");
                for (i, kids) in children(&heavy).into_iter().enumerate() {
                    let totals: Vec<f64> = kids.iter().map(|&j| heavy.total[j]).collect();
                    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{label}: node {i}'s children {totals:?} not by total");
                }
                for kids in children(&named) {
                    let names: Vec<String> = kids.iter().map(|&j| name(&s, &named, j)).collect();
                    assert!(names.windows(2).all(|w| w[0] < w[1]), "{label}: children {names:?} not by name");
                }
                assert_sums(&label, &heavy);
                nodes += heavy.len();
            }
        }
    }
    assert!(nodes > 1000, "only {nodes} nodes");
}

/// main → fib → fib → fib (leaf): 5; main → fib (leaf): 3; main (leaf): 2,
/// worked out by hand.
fn fib() -> Session {
    let mut b = Builder::new(&[("cpu", "nanoseconds")]);
    let (main, fib) = (b.func("main.main"), b.func("main.fib"));
    let (lm, lf) = (b.loc(&[(main, 10)]), b.loc(&[(fib, 20)]));
    b.sample(&[lf, lf, lf, lm], &[5]);
    b.sample(&[lf, lm], &[3]);
    b.sample(&[lm], &[2]);
    Session::open(&b.bytes()).unwrap()
}

fn tree(s: &Session, l: &FlameLayout) -> Vec<(u32, String, i64, i64)> {
    (0..l.len()).map(|i| (l.depth[i], name(s, l, i), l.self_[i] as i64, l.total[i] as i64)).collect()
}

fn n(d: u32, name: &str, s: i64, t: i64) -> (u32, String, i64, i64) {
    (d, name.to_string(), s, t)
}

#[test]
fn recursion_by_hand() {
    let mut s = fib();
    let inv = lay(&mut s, "cpu", Kind::Inverted, None, Order::Total);
    // Leaf first: fib 8 (callers: fib 5 ← fib 5 ← main 5; main 3), main 2.
    assert_eq!(
        tree(&s, &inv),
        vec![
            n(0, "root", 0, 10),
            n(1, "main.fib", 0, 8),
            n(1, "main.main", 2, 2),
            n(2, "main.fib", 0, 5),
            n(2, "main.main", 3, 3),
            n(3, "main.fib", 0, 5),
            n(4, "main.main", 5, 5),
        ]
    );
    let callers = lay(&mut s, "cpu", Kind::SandwichCallers, Some("main.fib"), Order::Total);
    // Split at the outermost fib: its only caller is main, for all 8.
    assert_eq!(tree(&s, &callers), vec![n(0, "main.fib", 0, 8), n(1, "main.main", 8, 8)]);
    assert_eq!((callers.focus_flat, callers.focus_cum), (8.0, 8.0));
    let callees = lay(&mut s, "cpu", Kind::SandwichCallees, Some("main.fib"), Order::Total);
    assert_eq!(
        tree(&s, &callees),
        vec![n(0, "main.fib", 3, 8), n(1, "main.fib", 0, 5), n(2, "main.fib", 5, 5)]
    );
    // Zoom: to the callees' second fib, its path above at full width.
    let id = callees.node[1];
    let z = s.layout(Some("cpu"), Kind::SandwichCallees, &Options { root: id, ..Options { function: Some("main.fib"), ..Default::default() } }).unwrap();
    assert_eq!(z.root_total, 5.0);
    assert_eq!(z.node[..2], [0, id]);
    assert_eq!(z.width[..2], [5.0, 5.0]);
    assert_eq!(z.len(), 3);
    // An id of another tree's node is refused, not misread.
    let o = Options { root: inv.node[6] + 1000, min_width: 0.0, order: Order::Total, function: None, diff: false };
    assert!(s.layout(Some("cpu"), Kind::Inverted, &o).is_err());
    // A node id of the inverted tree zooms there.
    let o = Options { root: inv.node[3], ..Default::default() };
    let z = s.layout(Some("cpu"), Kind::Inverted, &o).unwrap();
    assert_eq!(tree(&s, &z)[..3], [n(0, "root", 0, 10), n(1, "main.fib", 0, 8), n(2, "main.fib", 0, 5)]);
    assert_eq!(z.root_total, 5.0);
    // A function no stack passes through has an empty sandwich.
    let none = lay(&mut s, "cpu", Kind::SandwichCallees, Some("main.absent"), Order::Total);
    assert_eq!((none.len(), none.root_total, none.focus_cum), (1, 0.0, 0.0));
}

/// A diff layout of `heap` against `snap1` (pprof's `-diff_base`): every
/// node carries the current profile's and the base's totals for its path,
/// which are those the two profiles' own flame graphs give the same path
/// (ground truth from each file alone); a node is as wide as the larger
/// of the two, and no child overhangs its parent.
#[test]
fn diff_layout_carries_both_profiles_values_per_path() {
    use gopherlens::analysis::merge::Compare;
    use std::collections::HashMap;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/maps/profiles");
    let mut checked = 0;
    let pairs = [("heap.pb.gz", "snap1.pb.gz"), ("snap1.pb.gz", "heap.pb.gz"), ("cpurun.heap.pb.gz", "heap.pb.gz")];
    for (v, (c, b)) in ["go1.21", "go1.26"].iter().flat_map(|v| pairs.iter().map(move |p| (v, p))) {
        let open = |f: &str| Session::open(&std::fs::read(dir.join(v).join("cache/default").join(f)).unwrap()).unwrap();
        let (mut cur, mut base) = (open(c), open(b));
        let mut d = Session::compare(&[&cur], &[&base], Compare { diff: true, normalize: false }).unwrap();
        for st in ["inuse_space", "alloc_objects"] {
            // Each path's total in one profile's own flame graph.
            let by_path = |s: &mut Session| {
                let l = lay(s, st, Kind::Flame, None, Order::Total);
                let mut out: HashMap<Vec<String>, f64> = HashMap::new();
                for (i, path) in paths(s, &l).into_iter().enumerate() {
                    *out.entry(path).or_default() += l.total[i];
                }
                out
            };
            let (want_cur, want_base) = (by_path(&mut cur), by_path(&mut base));
            let o = Options { diff: true, ..Default::default() };
            let l = d.layout(Some(st), Kind::Flame, &o).unwrap();
            assert_eq!((l.base_total.len(), l.base_self.len()), (l.len(), l.len()));
            let kids = children(&l);
            for (i, path) in paths(&d, &l).into_iter().enumerate() {
                let what = format!("{v} {c} - {b} {st} {path:?}");
                assert_eq!(l.total[i], want_cur.get(&path).copied().unwrap_or(0.0), "{what}: current");
                assert_eq!(l.base_total[i], want_base.get(&path).copied().unwrap_or(0.0), "{what}: base");
                let end = l.x[i] + l.width[i];
                for &k in &kids[i] {
                    assert!(l.x[k] + l.width[k] <= end * (1.0 + 1e-9), "{what}: a child overhangs");
                }
                assert!(l.width[i] <= l.total[i].max(l.base_total[i]) * (1.0 + 1e-9), "{what}: wider than the larger value");
                checked += 1;
            }
            assert_eq!(l.root_total, l.total[0].max(l.base_total[0]), "{v} {st}");
            // Without the option, the comparison is drawn as pprof's view:
            // current minus base.
            let plain = d.layout(Some(st), Kind::Flame, &Options::default()).unwrap();
            assert!(plain.base_total.is_empty());
            assert_eq!(plain.total[0], l.total[0] - l.base_total[0], "{v} {st}");
        }
    }
    assert!(checked > 50, "{checked}");
}

/// Each laid-out node's path of names from the root (parents found by
/// span, as [`children`] does).
fn paths(s: &Session, l: &FlameLayout) -> Vec<Vec<String>> {
    let mut parent = vec![usize::MAX; l.len()];
    for (i, ks) in children(l).into_iter().enumerate() {
        for k in ks {
            parent[k] = i;
        }
    }
    (0..l.len())
        .map(|mut i| {
            let mut p = vec![name(s, l, i)];
            while parent[i] != usize::MAX {
                i = parent[i];
                p.push(name(s, l, i));
            }
            p.reverse();
            p
        })
        .collect()
}

/// flat and cum per function over the samples `keep` picks (by their
/// frames' names, root first), counted by brute force from the samples:
/// the ground truth of a table in step with a view.
fn brute_top(s: &Session, st: usize, keep: impl Fn(&[String]) -> bool) -> BTreeMap<String, (i64, i64)> {
    let p = &s.profile;
    let mut out: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for i in 0..p.samples.len() {
        let names: Vec<String> = p
            .lists
            .get(p.samples.list[i])
            .iter()
            .map(|f| p.strings.get(p.funcs.name[p.frames.func[f.idx()].idx()]).to_string())
            .collect();
        if names.is_empty() || !keep(&names) {
            continue;
        }
        let v = p.value(i, st);
        let mut seen = std::collections::HashSet::new();
        for n in &names {
            if seen.insert(n) {
                out.entry(n.clone()).or_default().1 += v;
            }
        }
        out.entry(names.last().unwrap().clone()).or_default().0 += v;
    }
    out.retain(|_, v| *v != (0, 0));
    out
}

fn as_map(t: &gopherlens::report::Top) -> BTreeMap<String, (i64, i64)> {
    t.rows.iter().map(|r| (r.name.clone(), (r.flat, r.cum))).collect()
}

/// The table follows the inverted and sandwich zooms: its rows are those
/// of the samples under the zoomed node, counted here by brute force from
/// the samples' stacks, and at the sandwich's top they are pprof's
/// `-focus` of the function (the filter checked against go tool pprof in
/// tests/filters.rs).
#[test]
fn the_table_follows_inverted_and_sandwich_zooms() {
    use gopherlens::analysis::top::Granularity;
    let mut checked = 0;
    for f in fixtures().iter().filter(|f| f.to_string_lossy().ends_with("cpu.pb.gz") || f.to_string_lossy().ends_with("heap.pb.gz")) {
        let mut s = Session::open(&std::fs::read(f).unwrap()).unwrap();
        let st_name = sample_types(&s).last().unwrap().clone();
        let st = sample_types(&s).len() - 1;
        // Inverted: each root (a leaf function) and each of its callers.
        let inv = lay(&mut s, &st_name, Kind::Inverted, None, Order::Total);
        let inv_paths = paths(&s, &inv);
        for i in 0..inv.len() {
            let d = inv.depth[i] as usize;
            if d == 0 || d > 2 || inv.total[i] == 0.0 {
                continue;
            }
            // paths[i] is ["root", leaf, caller…]; the stack read leaf first.
            let want_path: Vec<String> = inv_paths[i][1..].to_vec();
            let o = Options { root: inv.node[i], ..Default::default() };
            let got = s.top_in_view(Some(&st_name), Kind::Inverted, &o, Granularity::Functions).unwrap();
            let want = brute_top(&s, st, |names| names.iter().rev().take(want_path.len()).eq(want_path.iter()));
            assert_eq!(as_map(&got), want, "{f:?} inverted at {want_path:?}");
            checked += 1;
        }
        // Sandwich: at its top, pprof's -focus of the function; zoomed on
        // a callee, the stacks whose frame after the function's outermost
        // one is that callee.
        for func in ["main.main", "runtime.mallocgc", "main.fib"] {
            let o = Options { function: Some(func), ..Default::default() };
            let got = s.top_in_view(Some(&st_name), Kind::SandwichCallees, &o, Granularity::Functions).unwrap();
            let focus = FilterText { focus: format!("^{}$", regex_lite::escape(func)), ..Default::default() };
            let (mut fs, _) = s.with_filters(&Filters::parse(&focus).unwrap());
            let want = fs.top(Some(&st_name), 0, 0).unwrap();
            assert_eq!(as_map(&got), as_map(&want), "{f:?} sandwich of {func}");
            let callees = lay(&mut s, &st_name, Kind::SandwichCallees, Some(func), Order::Total);
            let cp = paths(&s, &callees);
            for i in (0..callees.len()).filter(|&i| callees.depth[i] == 1 && callees.total[i] > 0.0) {
                let o = Options { root: callees.node[i], function: Some(func), ..Default::default() };
                let got = s.top_in_view(Some(&st_name), Kind::SandwichCallees, &o, Granularity::Functions).unwrap();
                let callee = cp[i].last().unwrap().clone();
                let want = brute_top(&s, st, |names| {
                    names.iter().position(|n| n == func).is_some_and(|k| names.get(k + 1) == Some(&callee))
                });
                assert_eq!(as_map(&got), want, "{f:?} sandwich of {func} at {callee}");
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "{checked}");
}
