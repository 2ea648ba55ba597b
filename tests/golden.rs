//! Golden tests: every fixture profile made by a real Go toolchain decodes,
//! and `info`/`top` equal what `go tool pprof` computed for it (the expected
//! JSON beside each profile, written by tests/fixtures/regen.sh).

use gopherlens::Session;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/fixtures/pprof exists").flatten() {
        for f in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
            let p = f.path();
            if p.to_string_lossy().ends_with(".pb.gz") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn expected(profile: &Path, suffix: &str) -> Option<Value> {
    let base = profile.to_string_lossy().trim_end_matches(".pb.gz").to_string();
    let text = std::fs::read_to_string(format!("{base}.{suffix}")).ok()?;
    Some(serde_json::from_str(&text).expect("expected JSON parses"))
}

#[test]
fn every_fixture_matches_go_tool_pprof() {
    let files = fixtures();
    let versions: std::collections::BTreeSet<String> =
        files.iter().map(|p| p.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned()).collect();
    for v in ["go1.21", "go1.23", "go1.24", "go1.26"] {
        assert!(versions.contains(v), "fixtures for {v} are missing (have {versions:?})");
    }
    let mut checked_tops = 0;
    let mut failures = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let mut s = Session::open(&data).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let info = serde_json::to_value(s.info()).unwrap();
        let want = expected(f, "info.json").unwrap_or_else(|| panic!("{}: no .info.json", f.display()));
        if info != want {
            failures.push(format!("{}: info\n got  {info}\n want {want}", f.display()));
        }
        for st in info["sample_types"].as_array().unwrap() {
            let name = st["type"].as_str().unwrap();
            let want = expected(f, &format!("top.{name}.json"))
                .unwrap_or_else(|| panic!("{}: no .top.{name}.json", f.display()));
            let got = serde_json::to_value(s.top(Some(name), 0, 0).unwrap()).unwrap();
            if got != want {
                failures.push(format!("{}: top {name}\n got  {got}\n want {want}", f.display()));
            }
            checked_tops += 1;
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    assert!(checked_tops >= 20, "only {checked_tops} top tables checked");
    eprintln!("{} profiles, {checked_tops} top tables equal go tool pprof", files.len());
}

#[test]
fn cli_prints_the_same_json() {
    let files = fixtures();
    let f = files.iter().find(|p| p.to_string_lossy().contains("heap")).expect("a heap fixture");
    let bin = env!("CARGO_BIN_EXE_gopherlens");
    let out = std::process::Command::new(bin).args(["top", f.to_str().unwrap(), "--json"]).output().unwrap();
    assert!(out.status.success());
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(Some(got), expected(f, "top.inuse_space.json"));
    let out = std::process::Command::new(bin).args(["info", f.to_str().unwrap(), "--json"]).output().unwrap();
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(Some(got), expected(f, "info.json"));
    let out = std::process::Command::new(bin)
        .args(["top", f.to_str().unwrap(), "--json", "--sample-index", "alloc_space", "--nodecount", "3"])
        .output()
        .unwrap();
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut want = expected(f, "top.alloc_space.json").unwrap();
    want["rows"].as_array_mut().unwrap().truncate(3);
    assert_eq!(got, want);
    // Errors name the file and exit non-zero.
    let out = std::process::Command::new(bin).args(["info", "Cargo.toml"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Cargo.toml: not a Go profile"));
}
