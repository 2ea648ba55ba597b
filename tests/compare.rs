//! Several profiles as one (`analysis::merge`: pprof's merge, `-base`,
//! `-diff_base`, `-normalize`) and pprof's `-peek` (`analysis::peek`)
//! against `go tool pprof` with the same flags: every case of
//! tests/fixtures/oracle_compare.py (heap snapshots of one run, heaps of
//! two runs, CPU profiles of three Go releases merged, filters and
//! granularities on top), every sample type; the oracle's outputs are the
//! committed tests/fixtures/pprof/compare.json (regen_compare.sh). Total,
//! and every row's name, flat, cum and (inline) label in pprof's order;
//! for peek, every caller and callee with its weight and (inline).

use gopherlens::analysis::filter::{FilterText, Filters};
use gopherlens::analysis::merge::Compare;
use gopherlens::analysis::top::Granularity;
use gopherlens::Session;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

fn filter_text(flags: &Value) -> FilterText {
    let get = |k: &str| flags.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    for k in flags.as_object().unwrap().keys() {
        assert!(["focus", "hide", "granularity", "nodefraction"].contains(&k.as_str()), "unknown flag {k}");
    }
    FilterText { focus: get("focus"), hide: get("hide"), ..Default::default() }
}

#[test]
fn merged_and_compared_profiles_equal_go_tool_pprof() {
    let entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("pprof/compare.json")).unwrap()).unwrap();
    let mut open: HashMap<String, Session> = HashMap::new();
    let (mut tops, mut peeks, mut diffs, mut merges) = (0, 0, 0, 0);
    for e in &entries {
        let (sources, base, diff_base) = (strs(&e["sources"]), strs(&e["base"]), strs(&e["diff_base"]));
        for p in sources.iter().chain(&base).chain(&diff_base) {
            open.entry(p.clone()).or_insert_with(|| Session::open(&std::fs::read(fixtures().join(p)).unwrap()).unwrap());
        }
        let how = Compare { diff: !diff_base.is_empty(), normalize: e["normalize"].as_bool().unwrap() };
        let get = |ps: &[String]| ps.iter().map(|p| &open[p]).collect::<Vec<_>>();
        let bases = if diff_base.is_empty() { &base } else { &diff_base };
        let s = Session::compare(&get(&sources), &get(bases), how).unwrap();
        let flags = &e["flags"];
        let (mut s, _) = s.filtered(&Filters::parse(&filter_text(flags)).unwrap());
        let g = Granularity::parse(flags.get("granularity").and_then(Value::as_str).unwrap_or("")).unwrap();
        let ty = e["sample_type"].as_str().unwrap();
        let what = format!(
            "{sources:?} base {base:?} diff_base {diff_base:?} normalize {} {flags} peek {} -sample_index={ty}",
            how.normalize, e["peek"]
        );
        if let Some(rx) = e["peek"].as_str() {
            let rx = regex_lite::Regex::new(rx).unwrap();
            let p = s.peek(Some(ty), &rx, 0, g).unwrap();
            if e["total"].is_null() {
                assert!(p.rows.is_empty(), "{what}: pprof matched nothing, gopherlens {:?}", p.rows);
            } else {
                assert_eq!(p.total, e["total"].as_i64().unwrap(), "{what}: total");
                let got = serde_json::to_value(&p.rows).unwrap();
                assert_eq!(got, e["rows"], "{what}: peek rows");
            }
            peeks += 1;
        } else {
            let nodefraction: f64 = flags.get("nodefraction").and_then(Value::as_str).unwrap_or("0").parse().unwrap();
            let mut t = s.top_at(Some(ty), 0, 0, g, nodefraction).unwrap();
            s.label_inline(&mut t, 0, g).unwrap();
            assert_eq!(t.total, e["total"].as_i64().unwrap(), "{what}: total");
            let row = |name: &str, flat: i64, cum: i64, inline: &str| (name.to_string(), flat, cum, inline.to_string());
            let got: Vec<_> = t.rows.iter().map(|r| row(&r.name, r.flat, r.cum, &r.inline)).collect();
            let want: Vec<_> = e["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    row(
                        r["name"].as_str().unwrap(),
                        r["flat"].as_i64().unwrap(),
                        r["cum"].as_i64().unwrap(),
                        r["inline"].as_str().unwrap(),
                    )
                })
                .collect();
            assert_eq!(got, want, "{what}: rows");
            tops += 1;
        }
        if diff_base.is_empty() && base.is_empty() {
            merges += 1;
        } else {
            diffs += 1;
        }
    }
    assert!(tops >= 250 && peeks >= 90 && diffs >= 200 && merges >= 130, "{tops} tops, {peeks} peeks, {diffs} comparisons, {merges} merges");
}

/// A diff of a profile against itself: every value cancels, pprof's merge
/// drops every sample, nothing is left.
#[test]
fn a_profile_minus_itself_is_empty() {
    let data = std::fs::read(fixtures().join("pprof/go1.26/heap.pb.gz")).unwrap();
    let a = Session::open(&data).unwrap();
    let mut d = Session::compare(&[&a], &[&a], Compare { diff: false, normalize: false }).unwrap();
    assert_eq!(d.profile.samples.len(), 0);
    for t in ["alloc_space", "inuse_objects"] {
        assert!(d.top(Some(t), 0, 0).unwrap().rows.is_empty());
    }
    // With -diff_base the base's samples stay apart (every node nets to 0
    // and 0, which pprof does not list), percentages of the base's total.
    let mut d = Session::compare(&[&a], &[&a], Compare { diff: true, normalize: false }).unwrap();
    assert!(!d.profile.samples.is_empty());
    let mut plain = Session::open(&data).unwrap();
    let top = d.top(Some("alloc_space"), 0, 0).unwrap();
    assert_eq!(top.total, plain.top(Some("alloc_space"), 0, 0).unwrap().total);
    assert!(top.rows.is_empty(), "{:?}", top.rows);
}

/// Profiles that cannot be merged are refused with pprof's reason.
#[test]
fn incompatible_profiles_are_refused() {
    let open = |p: &str| Session::open(&std::fs::read(fixtures().join(p)).unwrap()).unwrap();
    let (cpu, heap) = (open("pprof/go1.26/cpu.pb.gz"), open("pprof/go1.26/heap.pb.gz"));
    let err = Session::compare(&[&cpu, &heap], &[], Compare::default()).err().unwrap().to_string();
    assert!(err.contains("no sample type in common") || err.contains("period types"), "{err}");
    let err = Session::compare(&[&heap], &[&cpu], Compare::default()).err().unwrap().to_string();
    assert!(err.contains("cannot be merged"), "{err}");
}

/// The comparison table of a -diff_base view: its changes are pprof's
/// `-top -diff_base` rows (compare.json), in order, and its base values
/// the base profile's own top table.
#[test]
fn diff_table_has_pprofs_changes_and_the_base_values() {
    let entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("pprof/compare.json")).unwrap()).unwrap();
    let mut checked = 0;
    for e in entries.iter().filter(|e| {
        strs(&e["diff_base"]).len() == 1 && e["peek"].is_null() && e["flags"] == serde_json::json!({}) && e["normalize"] == false
    }) {
        let open = |p: &str| Session::open(&std::fs::read(fixtures().join(p)).unwrap()).unwrap();
        let (src, base) = (open(&strs(&e["sources"])[0]), open(&strs(&e["diff_base"])[0]));
        let mut d = Session::compare(&[&src], &[&base], Compare { diff: true, normalize: false }).unwrap();
        let ty = e["sample_type"].as_str().unwrap();
        let t = d.diff_top(Some(ty), Granularity::Functions).unwrap();
        let what = format!("{} -sample_index={ty}", e["sources"]);
        assert_eq!(t.total, e["total"].as_i64().unwrap(), "{what}");
        let want = e["rows"].as_array().unwrap();
        for (r, w) in t.rows.iter().zip(want) {
            assert_eq!((r.name.as_str(), r.flat, r.cum), (w["name"].as_str().unwrap(), w["flat"].as_i64().unwrap(), w["cum"].as_i64().unwrap()), "{what}");
        }
        assert!(t.rows[want.len()..].iter().all(|r| r.flat == 0 && r.cum == 0), "{what}: extra rows are unchanged ones");
        let mut b = open(&strs(&e["diff_base"])[0]);
        let bt = b.top(Some(ty), 0, 0).unwrap();
        for r in &t.rows {
            let (bf, bc) = bt.rows.iter().find(|x| x.name == r.name).map_or((0, 0), |x| (x.flat, x.cum));
            assert_eq!((r.base_flat, r.base_cum), (bf, bc), "{what}: base of {}", r.name);
            assert_eq!(r.current_cum, bc + r.cum, "{what}");
        }
        checked += 1;
    }
    assert!(checked >= 40, "{checked}");
    // Not a diff view: refused.
    let mut plain = Session::open(&std::fs::read(fixtures().join("pprof/go1.26/heap.pb.gz")).unwrap()).unwrap();
    assert!(plain.diff_top(None, Granularity::Functions).is_err());
}

/// Adding inputs one at a time (the page's WasmCompare) gives what
/// merging them all at once does.
#[test]
fn adding_one_at_a_time_equals_merging_all() {
    use gopherlens::analysis::merge;
    let open = |p: &str| Session::open(&std::fs::read(fixtures().join(p)).unwrap()).unwrap();
    let cpus: Vec<Session> = ["go1.24", "go1.26", "go1.27"].iter().map(|v| open(&format!("pprof/{v}/cpu.pb.gz"))).collect();
    let mut acc = None;
    for s in &cpus {
        acc = Some(merge::add(acc, &s.profile).unwrap());
    }
    let mut one = Session::from_profile(acc.unwrap());
    let mut all = Session::compare(&cpus.iter().collect::<Vec<_>>(), &[], Compare::default()).unwrap();
    for t in ["samples", "cpu"] {
        assert_eq!(one.top(Some(t), 0, 0).unwrap(), all.top(Some(t), 0, 0).unwrap());
    }
}

/// The CLI gives the same: `gopherlens top FILE... [--base|--diff-base B]
/// [--normalize] --inline --json` and `gopherlens peek FILE... REGEX
/// --json` on every case without filters, against the oracle; a peek that
/// matches nothing fails with pprof's words.
#[test]
fn cli_top_and_peek_equal_go_tool_pprof() {
    let entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("pprof/compare.json")).unwrap()).unwrap();
    let mut checked = 0;
    for e in entries.iter().filter(|e| e["flags"] == serde_json::json!({})).step_by(3) {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gopherlens"));
        cmd.arg(if e["peek"].is_null() { "top" } else { "peek" }).current_dir(fixtures());
        cmd.args(strs(&e["sources"]));
        for b in strs(&e["base"]) {
            cmd.args(["--base", &b]);
        }
        for b in strs(&e["diff_base"]) {
            cmd.args(["--diff-base", &b]);
        }
        if e["normalize"] == true {
            cmd.arg("--normalize");
        }
        if let Some(rx) = e["peek"].as_str() {
            cmd.arg(rx);
        }
        cmd.args(["--sample-index", e["sample_type"].as_str().unwrap(), "--inline", "--json"]);
        let out = cmd.output().unwrap();
        let what = format!("{cmd:?}");
        if e["total"].is_null() {
            assert_eq!(out.status.code(), Some(2), "{what}");
            assert!(String::from_utf8_lossy(&out.stderr).contains("no matches found for regexp"), "{what}");
            continue;
        }
        assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
        let got: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got["total"], e["total"], "{what}");
        let mut rows = got["rows"].clone();
        if e["peek"].is_null() {
            // --json leaves out an empty inline; the oracle has "".
            for r in rows.as_array_mut().unwrap() {
                if r.get("inline").is_none() {
                    r["inline"] = Value::from("");
                }
            }
        }
        assert_eq!(rows, e["rows"], "{what}");
        checked += 1;
    }
    assert!(checked >= 60, "{checked}");
}
