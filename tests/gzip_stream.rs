//! The page decompresses a gzip File while reading it (`GunzipStream`); the
//! CLI decompresses it whole (`gunzip`). Both must give the same bytes, or
//! the same error, for every way the data can be cut into pieces: checked on
//! every gzip fixture and on damaged copies of one.

use gopherlens::formats::gzip::{gunzip, GunzipStream};
use std::path::Path;

const LIMIT: usize = 1 << 30;

fn streamed(data: &[u8], piece: usize) -> Result<Vec<u8>, String> {
    let isize_hint =
        if data.len() >= 18 { u32::from_le_bytes(data[data.len() - 4..].try_into().unwrap()) as usize } else { 0 };
    let mut s = GunzipStream::new(LIMIT, isize_hint, data.len());
    for c in data.chunks(piece.max(1)) {
        s.push(c).map_err(|e| e.to_string())?;
    }
    s.finish().map_err(|e| e.to_string())
}

fn whole(data: &[u8]) -> Result<Vec<u8>, String> {
    gunzip(data, LIMIT, &mut |_| {}).map_err(|e| e.to_string())
}

fn check(name: &str, data: &[u8]) -> usize {
    let want = whole(data);
    let mut n = 0;
    for piece in [1, 2, 3, 7, 10, 64, 1000, 4096, 65536, data.len().max(1)] {
        assert_eq!(streamed(data, piece), want, "{name}: streamed in pieces of {piece} differs from gunzip");
        n += 1;
    }
    n
}

fn gz_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            gz_files(&p, out);
        } else if std::fs::read(&p).map(|d| d.starts_with(&[0x1f, 0x8b])).unwrap_or(false) {
            out.push(p);
        }
    }
}

#[test]
fn every_gzip_fixture_streams_as_it_decompresses_whole() {
    let mut files = Vec::new();
    gz_files(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").as_path(), &mut files);
    files.sort();
    assert!(files.len() > 40, "found only {} gzip fixtures", files.len());
    let (mut ok, mut err) = (0, 0);
    for f in &files {
        let data = std::fs::read(f).unwrap();
        check(&f.display().to_string(), &data);
        if whole(&data).is_ok() {
            ok += 1
        } else {
            err += 1
        }
    }
    // Both outcomes are exercised: good profiles and the bad/ ones.
    assert!(ok > 30 && err >= 3, "{ok} good and {err} bad gzip fixtures");
}

#[test]
fn damaged_gzip_gives_the_same_error_streamed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pprof/go1.26/heap.pb.gz");
    let good = std::fs::read(path).unwrap();
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in [0, 1, 2, 9, 10, 11, 100, good.len() / 2, good.len() - 9, good.len() - 8, good.len() - 4, good.len() - 1]
    {
        cases.push((format!("cut at {cut}"), good[..cut].to_vec()));
    }
    for at in [3, 10, 50, good.len() / 3, good.len() - 6, good.len() - 2] {
        let mut d = good.clone();
        d[at] ^= 0x5a;
        cases.push((format!("byte {at} flipped"), d));
    }
    let mut two = good.clone();
    two.extend_from_slice(&good);
    cases.push(("two members".into(), two));
    let mut padded = good.clone();
    padded.extend_from_slice(&[0; 100]);
    cases.push(("zero padding".into(), padded.clone()));
    padded.push(7);
    cases.push(("zero padding then junk".into(), padded));
    for tail in [&[0u8, 7][..], &[0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8], &[0x1f], &[0x1f, 0x8b, 8, 0]] {
        let mut d = good.clone();
        d.extend_from_slice(tail);
        cases.push((format!("member then {tail:?}"), d));
    }
    let mut junk = good.clone();
    junk.extend_from_slice(b"junk after the member");
    cases.push(("junk after the member".into(), junk));
    for (name, d) in &cases {
        check(name, d);
    }
}
