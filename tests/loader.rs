//! The streaming loader (what the page and the CLI read files through)
//! opens every fixture exactly as a whole-buffer open does, whatever the
//! size of the pieces the file arrives in, and says the same thing about
//! every bad one: the head is sniffed before anything is allocated, and
//! pieces that cut a protobuf field, a gzip header or a trace header at the
//! 64 KiB sniffing boundary must not change the verdict.

use gopherlens::formats::{self, loader, Limits};
use gopherlens::Session;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if !matches!(p.extension().and_then(|x| x.to_str()), Some("py" | "md" | "json" | "sh" | "go" | "mod" | "br"))
        {
            out.push(p);
        }
    }
}

/// What a session says about itself, or its error, as text.
fn verdict(r: gopherlens::Result<Session>) -> String {
    match r {
        Ok(s) => serde_json::to_string(&s.info()).unwrap(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn pieces_of_any_size_give_what_a_whole_open_gives() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for d in ["tests/fixtures/pprof", "tests/fixtures/bad", "tests/fixtures/bombs", "tests/fixtures/trace"] {
        files(&root.join(d), &mut all);
    }
    all.sort();
    assert!(all.len() > 100);
    let mut big = 0;
    for p in &all {
        let data = std::fs::read(p).unwrap();
        if data.len() > 4 << 20 {
            continue;
        }
        big += usize::from(data.len() > loader::SNIFF_LEN);
        let whole = verdict(Session::open(&data));
        for piece in [1000, loader::SNIFF_LEN - 1, loader::SNIFF_LEN + 7, 1 << 20] {
            if piece == 1000 && data.len() > 200_000 {
                continue;
            }
            let streamed = verdict(
                loader::open_in_pieces(&data, piece, Limits::default()).map(|o| Session::from_opened(o, &mut |_, _| {})),
            );
            assert_eq!(streamed, whole, "{} in pieces of {piece}", p.display());
        }
    }
    assert!(big > 10, "only {big} fixtures are longer than the sniffed head");
}

/// The head alone decides: a file that is no format stops after 64 KiB,
/// whatever follows.
#[test]
fn unknown_content_stops_at_the_sniffed_head() {
    let mut l = loader::Loader::new(1 << 30, Limits::default());
    let junk = vec![0x42u8; 16 << 10];
    let mut pushed = 0;
    while l.push(&junk) {
        pushed += junk.len();
        assert!(pushed < loader::SNIFF_LEN, "still reading after {pushed} bytes");
    }
    let e = l.finish(&mut |_, _| {}).err().expect("refused");
    assert!(matches!(e, gopherlens::Error::UnknownFormat { .. }), "{e:?}");
    // A profile whose first field is longer than the head is not refused
    // for being cut: its head is sniffed as a prefix.
    let mut raw = vec![0x32, 0x00, 0x32];
    raw.extend_from_slice(&[0x80, 0x80, 0x08]); // a 128 KiB string...
    raw.extend(std::iter::repeat_n(b'x', 128 << 10));
    raw.extend_from_slice(&[0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32, 0x01, b's', 0x32, 0x01, b'c']);
    let opened = loader::open_in_pieces(&raw, 4096, Limits::default());
    assert!(opened.is_ok(), "{:?}", opened.err());
    assert_eq!(formats::sniff(&raw).unwrap(), formats::Kind::Pprof);
}
