//! pprof's `-tags` report (`analysis::labels`, `Session::tags`, `gopherlens
//! tags`) against `go tool pprof -tags` with the same flags: every profile
//! of tests/fixtures/pprof/go1.{21,24,26,27}, every sample type, every
//! combination of tests/fixtures/oracle_tags.py's matrix (tag filters and
//! others), at pprof's default -unit and at the one that prints exact
//! integers (the committed `*.tags.json`, made by regen_tags.sh). The
//! text byte for byte, every key and value in pprof's order with its
//! weight exactly, and the filters pprof says matched no samples. Then each
//! value's `focus` (what the page's label panel sets as tagfocus) keeps
//! exactly the samples that make its weight.

use gopherlens::analysis::filter::{FilterText, Filters};
use gopherlens::analysis::tags::NumUnits;
use gopherlens::Session;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn oracles() -> Vec<(PathBuf, Vec<Value>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof");
    let mut out = Vec::new();
    for v in ["go1.21", "go1.24", "go1.26", "go1.27"] {
        let mut names: Vec<_> = std::fs::read_dir(root.join(v)).unwrap().flatten().map(|e| e.path()).collect();
        names.sort();
        for oracle in names.iter().filter(|p| p.to_string_lossy().ends_with(".tags.json")) {
            let profile = PathBuf::from(oracle.to_string_lossy().replace(".tags.json", ".pb.gz"));
            out.push((profile, serde_json::from_str(&std::fs::read_to_string(oracle).unwrap()).unwrap()));
        }
    }
    out
}

/// (key, total, [(value, weight)]) of the oracle's keys; weights null where
/// pprof printed them scaled.
type Rows = Vec<(String, Option<i64>, Vec<(String, Option<i64>)>)>;

fn want_rows(e: &Value) -> Rows {
    e["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let vals = k["values"].as_array().unwrap();
            let vals = vals.iter().map(|v| (v["value"].as_str().unwrap().to_string(), v["weight"].as_i64())).collect();
            (k["key"].as_str().unwrap().to_string(), k["total"].as_i64(), vals)
        })
        .collect()
}

#[test]
fn tags_equal_go_tool_pprof() {
    let (mut checked, mut files, mut labelled, mut numeric, mut exact, mut tag_filtered) = (0, 0, 0, 0, 0, 0);
    for (profile, entries) in oracles() {
        files += 1;
        let data = std::fs::read(&profile).unwrap();
        let plain = Session::open(&data).unwrap();
        let units = NumUnits::of_profile(&plain.profile);
        for e in &entries {
            let flags: FilterText = serde_json::from_value(e["flags"].clone()).unwrap();
            let f = Filters::parse(&flags).unwrap();
            let (s, matched) = plain.with_filters(&f);
            let ty = e["sample_type"].as_str().unwrap();
            let unit = e["output_unit"].as_str().unwrap();
            let what = format!("{} -tags -sample_index={ty} -unit={unit} {}", profile.display(), e["flags"]);
            let t = s.tags(Some(ty), unit, Some(&units)).unwrap();
            assert_eq!(gopherlens::analysis::labels::text(&t), e["text"].as_str().unwrap(), "{what}: text");
            let want = want_rows(e);
            let got: Rows = t
                .keys
                .iter()
                .zip(want.iter().map(|w| w.1.is_some()).chain(std::iter::repeat(true)))
                .map(|(k, ints)| {
                    let vals = k.values.iter().map(|v| (v.value.clone(), ints.then_some(v.weight))).collect();
                    (k.key.clone(), ints.then_some(k.total), vals)
                })
                .collect();
            assert_eq!(got, want, "{what}: keys and values");
            let no_match: Vec<&str> = e["no_match"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            let mut ours = matched.unmatched(&f);
            ours.sort();
            assert_eq!(ours, no_match, "{what}: filters that matched nothing");
            checked += 1;
            labelled += usize::from(!t.keys.is_empty());
            numeric += usize::from(t.keys.iter().any(|k| k.key == "bytes"));
            exact += usize::from(want.iter().any(|k| k.1.is_some()));
            tag_filtered += usize::from(!flags.tagfocus.is_empty() && !t.keys.is_empty());
        }
    }
    assert!(files >= 24, "only {files} oracle files");
    assert!(checked >= 700, "only {checked} reports checked");
    assert!(
        labelled >= 400 && numeric >= 250 && exact >= 250 && tag_filtered >= 100,
        "{labelled} {numeric} {exact} {tag_filtered}"
    );
}

/// `gopherlens tags` prints what pprof prints, and its --json is Session::tags'.
#[test]
fn cli_prints_pprof_tags() {
    let bin = env!("CARGO_BIN_EXE_gopherlens");
    let mut checked = 0;
    for (profile, entries) in oracles().into_iter().filter(|(p, _)| p.to_string_lossy().contains("go1.26")) {
        for e in entries.iter().filter(|e| {
            let f = e["flags"].as_object().unwrap();
            f.is_empty() || f.contains_key("tagfocus") && f.len() == 1
        }) {
            let ty = e["sample_type"].as_str().unwrap();
            let unit = e["output_unit"].as_str().unwrap();
            let mut args: Vec<String> =
                vec!["tags".into(), profile.display().to_string(), "--sample-index".into(), ty.into()];
            args.extend(["--unit".into(), unit.into()]);
            if let Some(tf) = e["flags"].get("tagfocus") {
                args.extend(["--tagfocus".into(), tf.as_str().unwrap().into()]);
            }
            let out = std::process::Command::new(bin).args(&args).output().unwrap();
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(String::from_utf8(out.stdout).unwrap(), e["text"].as_str().unwrap(), "{args:?}");
            args.push("--json".into());
            let out = std::process::Command::new(bin).args(&args).output().unwrap();
            let json: Value = serde_json::from_slice(&out.stdout).unwrap();
            let got: Vec<(String, Vec<String>)> = json["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| {
                    let vals = k["values"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap().to_string());
                    (k["key"].as_str().unwrap().to_string(), vals.collect())
                })
                .collect();
            let want: Vec<(String, Vec<String>)> =
                want_rows(e).into_iter().map(|(k, _, vs)| (k, vs.into_iter().map(|v| v.0).collect())).collect();
            assert_eq!(got, want, "{args:?} --json");
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked}");
}

/// Each value's `focus`, as a tagfocus filter, keeps exactly the samples
/// whose weights make the value's (the fixtures give a key one value a
/// sample), and the report of those samples lists only that value of the
/// key. Printed in megabytes (`-unit=mb`: `0.01MB`), numeric values group
/// many raw sizes: their focus is a range.
#[test]
fn each_value_focus_keeps_its_samples() {
    let (mut checked, mut ranges) = (0, 0);
    for (profile, entries) in oracles().into_iter().filter(|(p, _)| p.to_string_lossy().contains("go1.26")) {
        let s = Session::open(&std::fs::read(&profile).unwrap()).unwrap();
        let plain = entries.iter().filter(|e| e["flags"].as_object().unwrap().is_empty());
        let units = plain.flat_map(|e| [(e, e["output_unit"].as_str().unwrap()), (e, "mb")]);
        for (e, unit) in units {
            let ty = e["sample_type"].as_str().unwrap();
            let t = s.tags(Some(ty), unit, None).unwrap();
            let ti = s.profile.sample_index(Some(ty)).unwrap();
            for k in &t.keys {
                for v in &k.values {
                    let what = format!("{} {ty} {}={}", profile.display(), k.key, v.value);
                    let focus = v.focus.as_deref().unwrap_or_else(|| panic!("{what}: no focus"));
                    let text = FilterText { tagfocus: focus.to_string(), ..Default::default() };
                    let (only, m) = s.with_filters(&Filters::parse(&text).unwrap());
                    assert!(m.tagfocus, "{what}: {focus} matched nothing");
                    let p = &only.profile;
                    let sum = (0..p.samples.len()).fold(0i64, |a, i| a.wrapping_add(p.value(i, ti)));
                    assert_eq!(sum, v.weight, "{what}: samples kept by {focus}");
                    let u = only.tags(Some(ty), &t.output_unit, None).unwrap();
                    let kept = u.keys.iter().find(|x| x.key == k.key).unwrap();
                    assert_eq!(kept.values.len(), 1, "{what}: {focus} kept {:?}", kept.values);
                    assert_eq!((&kept.values[0].value, kept.values[0].weight), (&v.value, v.weight), "{what}");
                    ranges += usize::from(focus.contains(':'));
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 100 && ranges >= 5, "{checked} values, {ranges} ranges");
}

/// A profile without labels has an empty report (pprof prints nothing).
#[test]
fn no_labels_no_keys() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof/go1.26/mutex.pb.gz");
    let s = Session::open(&std::fs::read(p).unwrap()).unwrap();
    let t = s.tags(None, "", None).unwrap();
    assert!(t.keys.is_empty());
    assert_eq!((t.output_unit.as_str(), gopherlens::analysis::labels::text(&t).as_str()), ("minimum", ""));
}
