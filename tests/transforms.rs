//! The Firefox Profiler's call-tree transforms (`analysis::transform`):
//!
//! - on the fixtures of tests/fixtures/pprof/go1.26, every sample type,
//!   against tests/fixtures/oracle_transforms.py (the committed
//!   `*.transforms.json`, made by tests/fixtures/regen_transforms.sh from
//!   `go tool pprof -raw`, the transforms applied in Python): top's total
//!   and every function's flat and cum; the flame graph's root width (the
//!   samples kept), the inverted tree's roots (flat) and the sandwich of
//!   the transform's function (flat and cum);
//! - on small hand-built profiles whose results are worked out by hand.

use gopherlens::analysis::filter::{FilterText, Filters};
use gopherlens::analysis::top::Granularity;
use gopherlens::analysis::transform::{Kind, Transform};
use gopherlens::layout::flame::{FlameLayout, Order};
use gopherlens::layout::views::{Kind as View, Options};
use gopherlens::model::{Format, Profile, ValueType};
use gopherlens::Session;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn name(s: &Session, l: &FlameLayout, i: usize) -> String {
    let f = l.func[i];
    if f == u32::MAX {
        return "root".into();
    }
    s.profile.strings.get(s.profile.funcs.name[f as usize]).to_string()
}

fn top_rows(s: &mut Session, st: &str) -> (i64, BTreeMap<String, (i64, i64)>) {
    let top = s.top_at(Some(st), 0, 0, Granularity::Functions, 0.0).unwrap();
    let rows =
        top.rows.iter().filter(|r| r.flat != 0 || r.cum != 0).map(|r| (r.name.clone(), (r.flat, r.cum))).collect();
    (top.total, rows)
}

#[test]
fn transforms_equal_the_oracle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof/go1.26");
    let mut checked = 0;
    let mut sandwiches = 0;
    let mut names: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).collect();
    names.sort();
    for oracle in names.iter().filter(|p| p.to_string_lossy().ends_with(".transforms.json")) {
        let profile = oracle.to_string_lossy().replace(".transforms.json", ".pb.gz");
        let data = std::fs::read(&profile).unwrap();
        let entries: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(oracle).unwrap()).unwrap();
        for e in &entries {
            let mut text: FilterText = serde_json::from_value(e["filters"].clone()).unwrap();
            text.transforms = serde_json::from_value(e["transforms"].clone()).unwrap();
            let st = e["sample_type"].as_str().unwrap();
            let what = format!("{profile} -sample_index={st} {} {}", e["filters"], e["transforms"]);
            let (mut s, _) = Session::open(&data).unwrap().filtered(&Filters::parse(&text).unwrap());
            let (total, got) = top_rows(&mut s, st);
            let want: BTreeMap<String, (i64, i64)> = e["rows"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())))
                .collect();
            assert_eq!(total, e["total"].as_i64().unwrap(), "{what}: total");
            assert_eq!(got, want, "{what}: rows");

            // The layouts: the flame graph's root is the samples kept
            // (merge-function drops none); the inverted roots are the flat
            // values; the sandwich of the transform's function is its row.
            let o = Options { root: 0, min_width: 0.0, order: Order::Total, function: None, diff: false };
            let flame = s.layout(Some(st), View::Flame, &o).unwrap();
            assert_eq!(flame.root_total as i64, e["kept"].as_i64().unwrap(), "{what}: flame root");
            let inv = s.layout(Some(st), View::Inverted, &o).unwrap();
            let mut roots: BTreeMap<String, i64> = BTreeMap::new();
            for i in (0..inv.len()).filter(|&i| inv.depth[i] == 1) {
                *roots.entry(name(&s, &inv, i)).or_default() += inv.total[i] as i64;
            }
            roots.retain(|_, v| *v != 0);
            let flat: BTreeMap<String, i64> =
                want.iter().filter(|(_, v)| v.0 != 0).map(|(k, v)| (k.clone(), v.0)).collect();
            assert_eq!(roots, flat, "{what}: inverted roots");
            for t in &text.transforms {
                let Some(&(flat, cum)) = want.get(&t.func) else { continue };
                let o = Options { function: Some(&t.func), ..o };
                let l = s.layout(Some(st), View::SandwichCallers, &o).unwrap();
                assert_eq!((l.focus_flat as i64, l.focus_cum as i64), (flat, cum), "{what}: sandwich of {}", t.func);
                sandwiches += 1;
            }
            checked += 1;
        }
    }
    assert!(checked >= 400, "only {checked} entries");
    assert!(sandwiches >= 50, "only {sandwiches} sandwiches");
}

/// A profile with one sample type and these stacks (names root first) and values.
fn profile(stacks: &[(&[&str], i64)]) -> Session {
    let mut p = Profile::new(Format::Pprof);
    let kind = p.strings.intern("samples");
    let unit = p.strings.intern("count");
    p.sample_types.push(ValueType { kind, unit });
    let file = p.strings.intern("main.go");
    p.samples.label_start.push(0);
    for (k, (names, v)) in stacks.iter().enumerate() {
        for (line, n) in names.iter().enumerate() {
            let id = p.strings.intern(n);
            let f = p.funcs.intern(id, id, file, 1);
            // Lines differ by position, so the kept frame's line shows.
            let fr = p.frames.intern(f, (k * 100 + line) as i64);
            p.lists.frames.push(fr);
        }
        let l = p.lists.close();
        p.samples.list.push(l);
        p.samples.values.push(*v);
        p.samples.label_start.push(0);
    }
    if p.lists.start.is_empty() {
        p.lists.start.push(0);
    }
    Session::from_profile(p)
}

fn with(s: &Session, ts: &[(Kind, &str)]) -> Session {
    let text = FilterText {
        transforms: ts.iter().map(|&(kind, f)| Transform { kind, func: f.to_string() }).collect(),
        ..Default::default()
    };
    s.with_filters(&Filters::parse(&text).unwrap()).0
}

/// Every sample's stack, names root first, with its value, sorted.
fn stacks(s: &Session) -> Vec<(String, i64)> {
    let p = &s.profile;
    let mut out: Vec<(String, i64)> = (0..p.samples.len())
        .map(|i| {
            let names: Vec<&str> = p
                .sample_frames(i)
                .iter()
                .map(|fr| p.strings.get(p.funcs.name[p.frames.func[fr.idx()].idx()]))
                .collect();
            (names.join(";"), p.value(i, 0))
        })
        .collect();
    out.sort();
    out
}

fn st(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = v.iter().map(|&(s, n)| (s.to_string(), n)).collect();
    v.sort();
    v
}

#[test]
fn hand_built_stacks() {
    let s = profile(&[
        (&["main.main", "main.a", "main.b", "main.a", "main.a", "runtime.mallocgc"], 3),
        (&["main.main", "main.a"], 2),
        (&["main.a"], 5),
        (&["main.main", "runtime.mallocgc", "runtime.memclr", "main.cb", "runtime.x"], 7),
        (&["encoding/json.(*d).v", "encoding/json.Map[go.shape.int].m", "main.f"], 11),
    ]);
    use Kind::*;
    // merge-function: a sample whose only frame is merged stays, with no frames.
    assert_eq!(
        stacks(&with(&s, &[(MergeFunction, "main.a")])),
        st(&[
            ("main.main;main.b;runtime.mallocgc", 3),
            ("main.main", 2),
            ("", 5),
            ("main.main;runtime.mallocgc;runtime.memclr;main.cb;runtime.x", 7),
            ("encoding/json.(*d).v;encoding/json.Map[go.shape.int].m;main.f", 11),
        ])
    );
    // collapse-recursion: first to last main.a become the last.
    let rec = stacks(&with(&s, &[(CollapseRecursion, "main.a")]));
    for want in st(&[("main.main;main.a;runtime.mallocgc", 3), ("main.main;main.a", 2), ("main.a", 5)]) {
        assert!(rec.contains(&want), "{rec:?}");
    }
    // collapse-direct-recursion: only the run main.a;main.a becomes one.
    assert_eq!(
        stacks(&with(&s, &[(CollapseDirectRecursion, "main.a")])).into_iter().find(|x| x.1 == 3).unwrap().0,
        "main.main;main.a;main.b;main.a;runtime.mallocgc"
    );
    // The innermost frame of a run is the one kept (its line), as Firefox keeps it.
    for kind in [CollapseDirectRecursion, CollapseRecursion] {
        let d = with(&s, &[(kind, "main.a")]);
        let i = (0..d.profile.samples.len()).find(|&i| d.profile.value(i, 0) == 3).unwrap();
        let lines: Vec<i64> = d.profile.sample_frames(i).iter().map(|f| d.profile.frames.line[f.idx()]).collect();
        let want: &[i64] = if kind == CollapseRecursion { &[0, 4, 5] } else { &[0, 1, 2, 4, 5] };
        assert_eq!(lines, want, "{kind:?}");
    }
    // collapse-package: runs of one package become one frame named by it.
    let cp = stacks(&with(&s, &[(CollapsePackage, "runtime")]));
    assert!(cp.contains(&("main.main;runtime;main.cb;runtime".to_string(), 7)), "{cp:?}");
    let cp = stacks(&with(&s, &[(CollapsePackage, "encoding/json")]));
    assert!(cp.contains(&("encoding/json;main.f".to_string(), 11)), "{cp:?}");
    let cp = stacks(&with(&s, &[(CollapsePackage, "main")]));
    assert!(cp.contains(&("main;runtime.mallocgc".to_string(), 3)), "{cp:?}");
    assert!(cp.contains(&("main".to_string(), 5)), "{cp:?}");
    // focus-function and drop-function.
    assert_eq!(stacks(&with(&s, &[(FocusFunction, "main.b")])), st(&[("main.b;main.a;main.a;runtime.mallocgc", 3)]));
    assert_eq!(stacks(&with(&s, &[(DropFunction, "runtime.mallocgc")])).len(), 3);
    // Order: merging main.a then collapsing main leaves main.main;main.b as `main`;
    // collapsing main first leaves no main.a to merge.
    let a = stacks(&with(&s, &[(MergeFunction, "main.a"), (CollapsePackage, "main")]));
    assert!(a.contains(&("".to_string(), 5)) && a.contains(&("main;runtime.mallocgc".to_string(), 3)), "{a:?}");
    let b = stacks(&with(&s, &[(CollapsePackage, "main"), (MergeFunction, "main.a")]));
    assert!(b.contains(&("main".to_string(), 5)), "{b:?}");
    // A transform of a function the profile lacks changes nothing.
    assert_eq!(stacks(&with(&s, &[(MergeFunction, "main.absent")])), stacks(&s));
}

#[test]
fn merge_function_keeps_samples_hide_drops_them() {
    let s = profile(&[(&["main.a"], 5), (&["main.main", "main.a"], 2)]);
    let mut m = with(&s, &[(Kind::MergeFunction, "main.a")]);
    let o = Options { root: 0, min_width: 0.0, order: Order::Total, function: None, diff: false };
    assert_eq!(m.layout(None, View::Flame, &o).unwrap().root_total, 7.0);
    let (total, rows) = top_rows(&mut m, "samples");
    assert_eq!(total, 7);
    assert_eq!(rows, [("main.main".to_string(), (2, 2))].into_iter().collect());
    let text = FilterText { hide: "^main\\.a$".into(), ..Default::default() };
    let mut h = s.with_filters(&Filters::parse(&text).unwrap()).0;
    assert_eq!(h.layout(None, View::Flame, &o).unwrap().root_total, 2.0);
}

#[test]
fn transforms_are_json_and_refuse_an_empty_name() {
    let text: FilterText = serde_json::from_str(
        r#"{"focus":"main","transforms":[{"kind":"merge-function","func":"main.(*T[a/b.c,d]).m"},{"kind":"collapse-package","func":"runtime"}]}"#,
    )
    .unwrap();
    assert_eq!(text.transforms[0].kind, Kind::MergeFunction);
    assert_eq!(text.transforms[0].func, "main.(*T[a/b.c,d]).m");
    assert!(serde_json::from_str::<FilterText>(r#"{"transforms":[{"kind":"bogus","func":"x"}]}"#).is_err());
    let empty = FilterText {
        transforms: vec![Transform { kind: Kind::DropFunction, func: String::new() }],
        ..Default::default()
    };
    assert!(Filters::parse(&empty).is_err());
}

#[test]
fn cli_flags_apply_in_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof/go1.26");
    let entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("cpu.transforms.json")).unwrap()).unwrap();
    for (flags, trs) in [
        (
            ["--collapse-package", "runtime", "--merge-function", "main.until"],
            r#"[{"kind":"collapse-package","func":"runtime"},{"kind":"merge-function","func":"main.until"}]"#,
        ),
        (
            ["--merge-function", "main", "--collapse-package", "main"],
            r#"[{"kind":"merge-function","func":"main"},{"kind":"collapse-package","func":"main"}]"#,
        ),
    ] {
        let trs: Value = serde_json::from_str(trs).unwrap();
        let e = entries
            .iter()
            .find(|e| {
                e["transforms"] == trs && e["sample_type"] == "cpu" && e["filters"].as_object().unwrap().is_empty()
            })
            .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gopherlens"))
            .arg("top")
            .arg(root.join("cpu.pb.gz"))
            .args(flags)
            .args(["--sample-index", "cpu", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let top: Value = serde_json::from_slice(&out.stdout).unwrap();
        let got: BTreeMap<String, Value> = top["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["flat"] != 0 || r["cum"] != 0)
            .map(|r| (r["name"].as_str().unwrap().to_string(), serde_json::json!([r["flat"], r["cum"]])))
            .collect();
        let want: BTreeMap<String, Value> = e["rows"].as_object().unwrap().clone().into_iter().collect();
        assert_eq!(got, want, "{flags:?}");
    }
}
