//! Memory bounded by the input (issue 9): every fixture, every truncation
//! of one at each 10 % of its length, the crafted bombs of
//! tests/fixtures/bombs/ and the catalogue's big files, opened and drawn
//! under a counting allocator, must stay within README "Memory bounds"
//! (`formats::BOUNDS`); the deep-stack files within the issue's
//! 64 MiB + 16 × their size. Native memory is committed only when touched,
//! so resident size would not see a reservation: the allocator does.

use gopherlens::formats::{self, loader::Loader, Limits, BOUNDS};
use gopherlens::memcount;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[global_allocator]
static A: memcount::Counting = memcount::Counting;

/// The counters are process-wide: one measurement at a time.
static ONE: Mutex<()> = Mutex::new(());

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Peak bytes above what was live before, while `f` runs.
fn peak_of(f: impl FnOnce()) -> usize {
    let base = memcount::live();
    memcount::reset_peak();
    f();
    memcount::peak().saturating_sub(base)
}

/// Opens and draws `data` as the fuzz targets do; fails past its bound.
fn check(name: &str, data: &[u8]) -> usize {
    let bound = formats::memory_bound(data);
    let peak = peak_of(|| gopherlens::fuzz_one(data));
    assert!(peak <= bound, "{name}: {peak} bytes at peak, over its bound of {bound} ({} bytes of input)", data.len());
    peak
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if !matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("py" | "md" | "json" | "sh" | "go" | "mod" | "txt")
        ) || p.parent().is_some_and(|d| d.ends_with("bad"))
        {
            out.push(p);
        }
    }
}

#[test]
fn every_fixture_and_truncation_stays_within_its_bound() {
    let _one = ONE.lock().unwrap();
    let mut files = Vec::new();
    files_under(&root().join("tests/fixtures"), &mut files);
    files_under(&root().join("fuzz/regressions"), &mut files);
    files.sort();
    assert!(files.len() > 500, "fixtures missing: found {}", files.len());
    let mut worst = (0.0f64, String::new());
    for p in &files {
        let data = std::fs::read(p).unwrap();
        let name = p.strip_prefix(root()).unwrap().display().to_string();
        let peak = check(&name, &data);
        if data.len() > 100_000 {
            let r = peak as f64 / data.len() as f64;
            if r > worst.0 {
                worst = (r, name.clone());
            }
        }
        // Truncations only of files small enough to keep the test quick.
        if data.len() <= 1 << 20 {
            for tenth in 1..10 {
                let cut = &data[..data.len() * tenth / 10];
                check(&format!("{name} cut at {}0 %", tenth), cut);
            }
        }
    }
    eprintln!("worst peak per input byte of files over 100 KB: {:.1} ({})", worst.0, worst.1);
}

#[test]
fn crafted_bombs_fail_or_open_within_their_bounds() {
    let _one = ONE.lock().unwrap();
    let dir = root().join("tests/fixtures/bombs");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert!(files.len() >= 10);
    for (name, spec) in files {
        let data = std::fs::read(dir.join(name)).unwrap();
        let peak = check(name, &data);
        let expect = spec["expect"].as_str().unwrap();
        let got = gopherlens::Session::open(&data).map(|_| ()).map_err(|e| format!("{e:?}"));
        match (expect, &got) {
            ("opens", Ok(())) => {}
            (variant, Err(e)) if e.starts_with(variant) => {}
            _ => panic!("{name}: expected {expect}, got {got:?}"),
        }
        if name.starts_with("deep-") {
            let issue_bound = (64 << 20) + 16 * data.len();
            assert!(peak <= issue_bound, "{name}: {peak} bytes, over 64 MiB + 16 × {}", data.len());
        }
    }
}

/// The deep-stack files of the issue, through the CLI's path (the
/// streaming loader), stay under 64 MiB + 16 × their size.
#[test]
fn deep_stacks_through_the_loader() {
    let _one = ONE.lock().unwrap();
    for name in ["deep-20k.pb", "deep-100k.pb", "deep-100k.pb.gz"] {
        let data = std::fs::read(root().join("tests/fixtures/bombs").join(name)).unwrap();
        let peak = peak_of(|| {
            let opened = formats::loader::open_in_pieces(&data, 64 << 10, Limits::default()).unwrap();
            let mut s = gopherlens::Session::from_opened(opened, &mut |_, _| {});
            let l = s.flame(None, 0, 0.0).unwrap();
            assert!(l.node.len() >= 19_940, "{name}: {} boxes laid out", l.node.len());
        });
        assert!(peak < (64 << 20) + 16 * data.len(), "{name}: {peak}");
    }
}

/// 10^7 empty samples (20 MB raw): refused, within the bound.
#[test]
fn ten_million_empty_samples() {
    let _one = ONE.lock().unwrap();
    let data = empty_samples(10_000_000);
    let peak = check("10^7 empty samples", &data);
    assert!(peak < (64 << 20) + 16 * data.len());
    let e = gopherlens::Session::open(&data).err().expect("refused").to_string();
    assert!(e.contains("sample 0 has 0 values"), "{e}");
}

/// A profile.proto with one sample type and `n` empty samples, as
/// tests/browser/catalogue.test.mjs builds it too.
fn empty_samples(n: usize) -> Vec<u8> {
    // sample_type {type: 1, unit: 2}, then n × (field 2, length 0), then
    // the string table "", "samples", "count".
    let mut v = vec![0x0a, 0x04, 0x08, 0x01, 0x10, 0x02];
    v.reserve(2 * n + 32);
    for _ in 0..n {
        v.extend_from_slice(&[0x12, 0x00]);
    }
    for s in ["", "samples", "count"] {
        v.push(0x32);
        v.push(s.len() as u8);
        v.extend_from_slice(s.as_bytes());
    }
    v
}

/// A 1 GB file of zeros (sparse) is refused after its first 64 KiB, and
/// nothing near its size is allocated.
#[test]
fn sparse_gigabyte_is_refused_after_its_head() {
    let _one = ONE.lock().unwrap();
    let path = std::env::temp_dir().join(format!("gopherlens-sparse-{}.bin", std::process::id()));
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(1 << 30).unwrap();
    drop(f);
    let mut read = 0usize;
    let peak = peak_of(|| {
        use std::io::Read;
        let mut f = std::fs::File::open(&path).unwrap();
        let mut l = Loader::new(1 << 30, Limits::default());
        let mut buf = vec![0u8; 16 << 10];
        loop {
            let n = f.read(&mut buf).unwrap();
            read += n;
            if n == 0 || !l.push(&buf[..n]) {
                break;
            }
        }
        let e = l.finish(&mut |_, _| {}).err().expect("refused");
        assert!(matches!(e, gopherlens::Error::UnknownFormat { .. }), "{e:?}");
    });
    std::fs::remove_file(&path).unwrap();
    assert!(read <= formats::loader::SNIFF_LEN, "read {read} bytes");
    assert!(peak < 1 << 20, "{peak} bytes");
}

/// Gzip data that inflates past the default bound (64 × its size, at least
/// 64 MiB) is refused with an error saying how to raise it, and opens once
/// the bound is raised.
#[test]
fn inflate_bound_is_explained_and_raisable() {
    let _one = ONE.lock().unwrap();
    // A valid profile (one sample type, no samples) padded to 70 MiB with
    // an unknown field, which decoders skip.
    let mut raw = vec![0x0a, 0x04, 0x08, 0x01, 0x10, 0x02];
    for s in ["", "samples", "count"] {
        raw.push(0x32);
        raw.push(s.len() as u8);
        raw.extend_from_slice(s.as_bytes());
    }
    let pad = vec![0u8; 1 << 20];
    for _ in 0..70 {
        // field 100 (unknown), length-delimited, 1 MiB of zeros
        raw.extend_from_slice(&[0xa2, 0x06, 0x80, 0x80, 0x40]);
        raw.extend_from_slice(&pad);
    }
    let gz = gzip(&raw);
    assert!(gz.len() * 64 < raw.len() && raw.len() > 64 << 20);
    let e = gopherlens::Session::open(&gz).err().expect("refused").to_string();
    assert!(e.contains("--max-inflate") && e.contains("maxInflate"), "{e}");
    // The message states the default bound the code applies.
    let default = format!(
        "the default bound: {} times the compressed size, at least {} MiB",
        formats::DEFAULT_INFLATE_RATIO,
        formats::DEFAULT_INFLATE_MIN >> 20
    );
    assert!(e.contains(&default), "{e}");
    let raised = Limits { max_inflate: Some(128 << 20) };
    let opened = formats::loader::open_in_pieces(&gz, 1 << 20, raised);
    assert!(opened.is_ok(), "{:?}", opened.err());
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    let deflated = miniz_oxide::deflate::compress_to_vec(raw, 6);
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    v.extend_from_slice(&deflated);
    v.extend_from_slice(&crc32fast::hash(raw).to_le_bytes());
    v.extend_from_slice(&(raw.len() as u32).to_le_bytes());
    v
}

/// README "Memory bounds" states exactly the bounds the code enforces.
#[test]
fn readme_states_the_bounds() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for b in BOUNDS {
        let name = match b.kind {
            formats::Kind::Pprof => "pprof",
            formats::Kind::Trace => "execution trace",
            formats::Kind::GcTrace => "gctrace log",
            formats::Kind::Binary => "Go executable",
            formats::Kind::Gzip => "gzip layer",
        };
        let row = if b.constant > 0 {
            format!("| {name} | {} MiB + {} × input |", b.constant >> 20, b.per_byte)
        } else {
            format!("| {name} | {} × compressed input + the inflated format's bound on what it inflates to |", b.per_byte)
        };
        assert!(readme.contains(&row), "README.md lacks the row {row:?}");
    }
    let ratio = format!("{} times the compressed size, at least {} MiB", formats::DEFAULT_INFLATE_RATIO, formats::DEFAULT_INFLATE_MIN >> 20);
    assert!(readme.contains(&ratio), "README.md lacks {ratio:?}");
}
