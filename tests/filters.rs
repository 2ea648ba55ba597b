//! pprof's sample filters (`analysis::filter`: focus, ignore, hide, show,
//! show_from, prune_from, tagfocus, tagignore, tagshow, taghide), trimming
//! (nodecount, nodefraction) and granularities (`analysis::top::Granularity`:
//! functions, filefunctions, files, lines) against `go tool pprof -top`
//! with the same flags:
//! every profile of tests/fixtures/pprof/go1.{21,24,26,27}, every sample
//! type, every combination of tests/fixtures/oracle_filters.py's matrix
//! (the oracle's outputs are the committed `*.filters.json`, made by
//! tests/fixtures/regen_filters.sh). Total, and every row's name, flat and
//! cum in pprof's order, exactly; and the filters pprof says matched no
//! samples are the ones gopherlens says so of.

use gopherlens::analysis::filter::{FilterText, Filters};
use gopherlens::analysis::top::Granularity;
use gopherlens::Session;
use serde_json::Value;
use std::path::Path;

fn text(flags: &Value) -> FilterText {
    let get = |k: &str| flags.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    for k in flags.as_object().unwrap().keys() {
        assert!(
            [
                "focus",
                "ignore",
                "hide",
                "show",
                "show_from",
                "prune_from",
                "granularity",
                "tagfocus",
                "tagignore",
                "tagshow",
                "taghide",
                "nodecount",
                "nodefraction"
            ]
            .contains(&k.as_str()),
            "unknown flag {k}"
        );
    }
    FilterText {
        focus: get("focus"),
        ignore: get("ignore"),
        hide: get("hide"),
        show: get("show"),
        show_from: get("show_from"),
        prune_from: get("prune_from"),
        tagfocus: get("tagfocus"),
        tagignore: get("tagignore"),
        tagshow: get("tagshow"),
        taghide: get("taghide"),
        transforms: Vec::new(),
    }
}

#[test]
fn top_with_filters_equals_go_tool_pprof() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof");
    let mut checked = 0;
    let mut files = 0;
    for v in ["go1.21", "go1.24", "go1.26", "go1.27"] {
        let mut names: Vec<_> = std::fs::read_dir(root.join(v)).unwrap().flatten().map(|e| e.path()).collect();
        names.sort();
        for oracle in names.iter().filter(|p| p.to_string_lossy().ends_with(".filters.json")) {
            files += 1;
            let profile = oracle.to_string_lossy().replace(".filters.json", ".pb.gz");
            let data = std::fs::read(&profile).unwrap();
            let entries: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(oracle).unwrap()).unwrap();
            for e in &entries {
                let t = text(&e["flags"]);
                let f = Filters::parse(&t).unwrap();
                let (mut s, matched) = Session::open(&data).unwrap().filtered(&f);
                let ty = e["sample_type"].as_str().unwrap();
                let g =
                    Granularity::parse(e["flags"].get("granularity").and_then(Value::as_str).unwrap_or("")).unwrap();
                let num = |k: &str| e["flags"].get(k).and_then(Value::as_str).unwrap_or("0");
                let nodecount: usize = num("nodecount").parse().unwrap();
                let nodefraction: f64 = num("nodefraction").parse().unwrap();
                let top = s.top_at(Some(ty), nodecount, 0, g, nodefraction).unwrap();
                let what = format!("{profile} -sample_index={ty} {}", e["flags"]);
                assert_eq!(top.total, e["total"].as_i64().unwrap(), "{what}: total");
                let want: Vec<(String, i64, i64)> = e["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            r["name"].as_str().unwrap().to_string(),
                            r["flat"].as_i64().unwrap(),
                            r["cum"].as_i64().unwrap(),
                        )
                    })
                    .collect();
                let mut got: Vec<(String, i64, i64)> =
                    top.rows.iter().map(|r| (r.name.clone(), r.flat, r.cum)).collect();
                let mut want = want;
                if e["flags"].get("granularity").is_some() {
                    // pprof leaves rows of one name and flat in no defined
                    // order (several functions of one file at -files).
                    for w in got.windows(2) {
                        let key = |r: &(String, i64, i64)| (std::cmp::Reverse(r.1.unsigned_abs()), r.0.clone());
                        assert!(key(&w[0]) <= key(&w[1]), "{what}: rows out of pprof's order: {w:?}");
                    }
                    got.sort();
                    want.sort();
                }
                assert_eq!(got, want, "{what}: rows");
                let no_match: Vec<&str> =
                    e["no_match"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
                let ours: Vec<&str> = [
                    (f.focus.is_some() && !matched.focus, "focus"),
                    (f.hide.is_some() && !matched.hide, "hide"),
                    (f.ignore.is_some() && !matched.ignore, "ignore"),
                    (f.show.is_some() && !matched.show, "show"),
                    (f.show_from.is_some() && !matched.show_from, "show_from"),
                    (f.tagfocus.is_some() && !matched.tagfocus, "tagfocus"),
                    (f.taghide.is_some() && !matched.taghide, "taghide"),
                    (f.tagignore.is_some() && !matched.tagignore, "tagignore"),
                    (f.tagshow.is_some() && !matched.tagshow, "tagshow"),
                ]
                .into_iter()
                .filter_map(|(c, n)| c.then_some(n))
                .collect();
                assert_eq!(ours, no_match, "{what}: filters that matched nothing");
                checked += 1;
            }
        }
    }
    assert!(files >= 24, "only {files} oracle files");
    assert!(checked >= 24 * 35, "only {checked} reports checked");
}

/// No filter set: the session is the same (no copy, no change of totals).
#[test]
fn no_filters_change_nothing() {
    let data =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof/go1.26/heap.pb.gz")).unwrap();
    let mut plain = Session::open(&data).unwrap();
    let (mut same, m) = Session::open(&data).unwrap().filtered(&Filters::default());
    assert_eq!(m, Default::default());
    assert_eq!(plain.top(None, 0, 0).unwrap(), same.top(None, 0, 0).unwrap());
    assert!(same.unfiltered_totals.is_none());
}

/// `addresses` (and anything else) is refused with the ones there are.
#[test]
fn unknown_granularity() {
    let e = Granularity::parse("addresses").unwrap_err().to_string();
    assert!(e.contains("functions, filefunctions, files or lines"), "{e}");
}

/// A regular expression that does not parse names the option.
#[test]
fn bad_regex_names_the_option() {
    let t = FilterText { show_from: "main.(".into(), ..Default::default() };
    let e = Filters::parse(&t).unwrap_err().to_string();
    assert!(e.starts_with("parsing show_from regexp: "), "{e}");
}
