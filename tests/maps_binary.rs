//! The Go-binary join of the map analysis, on the map fixtures: for every
//! Go release 1.21–1.27 (and 1.24 with classic maps), the fixture program's
//! own binary (tests/fixtures/maps/profiles/VERSION/PROGRAM/program.gz,
//! written by regen.sh next to the profiles it wrote).
//!
//! Ground truth is the `// want:` comments of the fixture programs
//! (truth/*.tsv), never gopherlens' own output.

mod common;

use common::maps_fixtures::{classic, load, programs, root, site, truth, versions, Truth};
use gopherlens::analysis::maps::{MapsInputs, MapsOptions};
use gopherlens::formats::gobinary::{self, GoBinary};
use gopherlens::report::Maps;
use gopherlens::{Error, Session};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

fn binary(v: &str, p: &str) -> GoBinary {
    let path = root().join("profiles").join(v).join(p).join("program.gz");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    gobinary::open(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn analyze(heap: &Path, cpu: Option<&Path>, bin: Option<&GoBinary>) -> Maps {
    let mut inputs = MapsInputs::new();
    if let Some(c) = cpu {
        inputs.add_cpu(&load(c).profile);
    }
    if let Some(b) = bin {
        inputs.add_binary(b);
    }
    load(heap).maps(&inputs, &MapsOptions::default()).unwrap()
}

/// Map kinds that library frames surviving in the heap profile already
/// name (maps.Clone, reflect, sync.Map, outlined map literals): the user's
/// line calls a library function, not the runtime.
fn via_library(t: &Truth) -> bool {
    t.kind == "map-clone"
        || t.kind == "sync-map"
        || t.function.contains(".map.init.")
        || t.function == "main.reflectMap"
}

#[test]
fn binary_lines_are_the_map_lines_of_the_source() {
    // Independently of the heap profiles: the lines of each fixture
    // program whose code calls a runtime map function that allocates are
    // exactly its annotated map lines (but those whose map code is in a
    // library), and never a not-map line.
    let mut checked = 0;
    for v in versions() {
        for p in programs() {
            let b = binary(&v, &p);
            assert_eq!(b.arch, "amd64");
            assert_eq!(b.swiss, Some(!classic(&v)), "{v} {p}: layout");
            assert!(b.inlining, "{v} {p}: inline tree not found");
            let got: BTreeSet<(String, i64)> = b
                .calls
                .iter()
                .filter(|c| c.file.starts_with("mapsfix/programs/"))
                .map(|c| (c.file.clone(), c.line))
                .collect();
            let t = truth(&p);
            let want: BTreeSet<(String, i64)> =
                t.iter().filter(|t| t.kind != "not-map" && !via_library(t)).map(|t| (t.file.clone(), t.line)).collect();
            let not_map: HashSet<(String, i64)> =
                t.iter().filter(|t| t.kind == "not-map").map(|t| (t.file.clone(), t.line)).collect();
            for l in &want {
                assert!(got.contains(l), "{v} {p}: {}:{} makes or writes a map; the binary shows no call", l.0, l.1);
            }
            for l in &got {
                assert!(!not_map.contains(l), "{v} {p}: {}:{} is not a map line, yet calls map code", l.0, l.1);
            }
            // Lines the binary adds are unannotated map lines (reads are
            // not collected: they never allocate).
            checked += want.len();
        }
    }
    assert!(checked >= 100, "{checked}");
}

#[test]
fn heap_profile_build_id_names_the_binary() {
    // Go writes the binary's GNU build ID into the heap profile's first
    // mapping (from Go 1.24 the linker always emits one; earlier releases
    // have none, and then nothing is checked).
    for v in versions() {
        for p in programs() {
            let b = binary(&v, &p);
            let heap = load(&root().join("profiles").join(&v).join(&p).join("rate1/heap.pb.gz"));
            let pr = &heap.profile;
            let recorded = pr.strings.get(pr.mappings[0].build_id).to_string();
            match &b.gnu_build_id {
                Some(id) => assert_eq!(id, &recorded, "{v} {p}"),
                None => assert!(recorded.is_empty(), "{v} {p}: profile has {recorded}, binary none"),
            }
            let mut inputs = MapsInputs::new();
            inputs.add_binary(&b);
            let m = heap.maps(&inputs, &MapsOptions::default()).unwrap();
            assert!(m.binary.warnings.is_empty(), "{v} {p}: {:?}", m.binary.warnings);
            assert_eq!(m.binary.binaries, 1);
        }
    }
    // Another program's binary is flagged.
    let heap = load(&root().join("profiles/go1.26/cache/rate1/heap.pb.gz"));
    let mut inputs = MapsInputs::new();
    inputs.add_binary(&binary("go1.26", "closures"));
    let m = heap.maps(&inputs, &MapsOptions::default()).unwrap();
    assert_eq!(m.binary.warnings.len(), 1, "{:?}", m.binary.warnings);
}

#[test]
fn with_the_binary_every_map_site_is_found_at_rate_1() {
    // The done-when line of the map issue: every known map site with the
    // right kind and verdict, exact evidence, on every release; and no
    // non-map site labelled a map, with or without the CPU profile.
    let mut bad = Vec::new();
    let (mut found, mut labelled, mut checked) = (0, 0, 0);
    for v in versions() {
        for p in programs() {
            let b = binary(&v, &p);
            for rate in ["rate1", "default"] {
                let dir = root().join("profiles").join(&v).join(&p).join(rate);
                for (heap, cpu) in [("heap.pb.gz", None), ("cpurun.heap.pb.gz", Some("cpurun.cpu.pb.gz"))] {
                    let m = analyze(&dir.join(heap), cpu.map(|c| dir.join(c)).as_deref(), Some(&b));
                    for t in truth(&p) {
                        let Some(s) = site(&m, &t) else { continue };
                        checked += 1;
                        let is_map = s.kind != "not-map" && s.kind != "unknown";
                        labelled += is_map as usize;
                        let at = format!("{v} {rate} {heap} {}:{}", t.file, t.line);
                        if t.kind == "not-map" {
                            if is_map {
                                bad.push(format!("{at}: not a map, labelled {} ({:?})", s.kind, s.evidence_detail));
                            }
                            continue;
                        }
                        if rate == "default" {
                            // Sampled: the verdict may rest on one sample; the kind must hold.
                            if s.kind != t.kind {
                                bad.push(format!("{at}: {} ({:?}), want {}", s.kind, s.evidence_detail, t.kind));
                            }
                            continue;
                        }
                        if s.kind != t.kind || s.verdict != t.verdict || s.evidence != "exact" {
                            bad.push(format!(
                                "{at}: {} {} {} ({:?}), want {} {} exact [{}]",
                                s.kind, s.verdict, s.evidence, s.evidence_detail, t.kind, t.verdict, t.flags
                            ));
                        } else {
                            found += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{} wrong:\n{}", bad.len(), bad.join("\n"));
    assert!(found >= 150 && checked > 1000, "found {found}, checked {checked}, labelled {labelled}");
}

#[test]
fn recall_table_with_the_binary() {
    // Printed for the closing note: right kind and verdict / map sites in
    // the profile, at rate 1 and at the default rate, with the binary.
    let mut rows = Vec::new();
    for v in versions() {
        let mut cells = Vec::new();
        for rate in ["rate1", "default"] {
            let (mut found, mut present) = (0, 0);
            for p in programs() {
                let b = binary(&v, &p);
                let m =
                    analyze(&root().join("profiles").join(&v).join(&p).join(rate).join("heap.pb.gz"), None, Some(&b));
                for t in truth(&p).iter().filter(|t| t.kind != "not-map") {
                    let Some(s) = site(&m, t) else { continue };
                    present += 1;
                    found += (s.kind == t.kind && s.verdict == t.verdict) as usize;
                }
            }
            cells.push(format!("{found:>3}/{present:<3}"));
        }
        rows.push(format!("{v:<18} {}", cells.join("      ")));
    }
    eprintln!("with the binary joined: right kind and verdict / map sites in the profile\n{:<18} rate 1       default rate\n{}", "version", rows.join("\n"));
}

#[test]
fn bad_binaries_are_refused_with_a_reason() {
    let good = {
        let path = root().join("profiles/go1.26/cache/program.gz");
        gopherlens::formats::gzip::gunzip(&std::fs::read(path).unwrap(), 1 << 30, &mut |_| {}).unwrap()
    };
    let expect = |data: &[u8], what: &str| match gobinary::open(data) {
        Err(e) => assert!(e.to_string().contains(what), "{e} (want {what:?})"),
        Ok(b) => panic!("accepted ({} calls), want {what:?}", b.calls.len()),
    };
    expect(b"", "empty");
    expect(b"\x7fELF", "cut short");
    expect(&[0xcf, 0xfa, 0xed, 0xfe, 0, 0, 0, 0], "Mach-O");
    expect(b"MZ\x90\0\x03\0\0\0", "Windows");
    expect(b"hello", "not a Go profile");
    let mut x = good.clone();
    x[4] = 1;
    expect(&x, "32-bit");
    let mut x = good.clone();
    x[0x12] = 40; // EM_ARM
    expect(&x, "machine 40");
    // No section table, or one past the end.
    expect(&good[..4096], "past the end");
    // Without its .gopclntab name: a non-Go ELF file.
    let elf = gobinary::elf::Elf::parse(&good).unwrap();
    let s = elf.section(".gopclntab").unwrap().clone();
    let mut x = good.clone();
    let (o, n) = (s.offset as usize, s.size as usize);
    x[o..o + n].fill(0);
    let name_at = x.windows(10).position(|w| w == b".gopclntab").unwrap();
    x[name_at + 1] = b'X';
    match gobinary::open(&x) {
        Err(Error::NotGoBinary) => {}
        other => panic!("{:?}", other.map(|b| b.calls.len())),
    }
    // An old pclntab magic.
    let mut x = good.clone();
    x[o] = 0xf0;
    expect(&x, "before 1.20");
    // Every truncation and a sweep of corruptions: an error or a result,
    // never a panic or a hang.
    for cut in (0..good.len()).step_by(good.len() / 97) {
        let _ = gobinary::parse(&good[..cut]);
    }
    let mut x = good.clone();
    for i in (0..x.len()).step_by(4099) {
        x[i] ^= 0xa5;
    }
    let _ = gobinary::parse(&x);
}

#[test]
fn a_binary_opens_as_a_session_and_joins_through_the_session() {
    let data = std::fs::read(root().join("profiles/go1.24/closures/program.gz")).unwrap();
    let s = Session::open(&data).unwrap();
    let info = s.info();
    assert_eq!(info.format, "go-binary");
    let b = info.binary.unwrap();
    assert_eq!(b.layout.as_deref(), Some("swiss"));
    assert!(b.map_lines >= 3, "{b:?}");
    // The heap analysis refuses a binary as its heap profile.
    assert!(matches!(s.maps(&MapsInputs::new(), &MapsOptions::default()), Err(Error::NotHeapProfile { .. })));
    // The GC view refuses it too, naming what it is.
    assert!(s.gc().unwrap_err().to_string().contains("go-binary"));
}

#[test]
fn cli_lists_the_map_calls() {
    let program = root().join("profiles/go1.21/closures/program.gz");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gopherlens"))
        .args(["binary", program.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = binary("go1.21", "closures");
    assert_eq!(got["calls"].as_array().unwrap().len(), want.calls.len());
    assert_eq!(got["swiss"], false);
    // A heap profile given as --binary: the error names the file and what it is.
    let heap = root().join("profiles/go1.21/closures/rate1/heap.pb.gz");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gopherlens"))
        .args(["maps", heap.to_str().unwrap(), "--binary", heap.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("heap.pb.gz: not a Go profile") || err.contains("heap.pb.gz:"), "{err}");
}

#[test]
fn arm64_pie_and_external_builds_give_the_same_lines() {
    // The same program built for arm64, as a position-independent
    // executable, and linked by the system linker (C sections around Go's,
    // so Go's text and rodata do not start their sections).
    let user =
        |b: &GoBinary| -> Vec<_> { b.calls.iter().filter(|c| c.file.starts_with("mapsfix/")).cloned().collect() };
    let amd = binary("go1.26", "closures");
    assert!(user(&amd).len() >= 4);
    for (build, arch) in [("arm64", "arm64"), ("pie", "amd64"), ("external", "amd64")] {
        let path = root().join(format!("profiles/go1.26/closures/program-{build}.gz"));
        let b = gobinary::open(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(b.arch, arch, "{build}");
        assert_eq!(b.swiss, Some(true), "{build}");
        assert!(b.inlining, "{build}: inline tree not found");
        assert_eq!(user(&b), user(&amd), "{build}");
    }
}
