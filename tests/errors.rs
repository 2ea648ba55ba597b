//! Every kind of bad input yields its own error, never a panic.

mod common;
use common::{gzip, Builder};
use gopherlens::{Error, Session};

fn err(data: &[u8]) -> Error {
    match Session::open(data) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

fn good() -> Vec<u8> {
    let mut b = Builder::new(&[("v", "count")]);
    let f = b.func("main.f");
    let l = b.loc(&[(f, 3)]);
    for i in 0..50 {
        b.sample(&[l], &[i]);
    }
    b.bytes()
}

#[test]
fn empty_file() {
    assert_eq!(err(b""), Error::Empty);
    assert!(err(b"").to_string().contains("empty"));
}

#[test]
fn truncated_gzip() {
    let z = gzip(&good());
    for cut in [5, 12, z.len() / 2, z.len() - 3] {
        assert_eq!(err(&z[..cut]), Error::TruncatedGzip, "cut at {cut}");
    }
}

#[test]
fn corrupt_gzip() {
    let mut z = gzip(&good());
    let n = z.len();
    z[n - 6] ^= 0xff; // CRC
    assert!(matches!(err(&z), Error::BadGzip { .. }));
    let mut z = gzip(&good());
    z[12] = 0xff;
    z[13] = 0xff;
    assert!(matches!(err(&z), Error::BadGzip { .. } | Error::TruncatedGzip));
}

#[test]
fn non_profiles_are_named() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert!(err(png).to_string().contains("PNG image"));
    assert!(err(b"{\"traceEvents\": []}").to_string().contains("JSON"));
    assert!(err(b"hello world\nthis is text\n").to_string().contains("plain text"));
    assert!(err(&gzip(b"just some text")).to_string().contains("gzip-compressed plain text"));
    assert!(matches!(err(png), Error::UnknownFormat { .. }));
}

#[test]
fn bad_varint() {
    let mut d = good();
    // A sample field (key 0x12) whose length varint never ends.
    d.extend([0x12]);
    d.extend([0xff; 11]);
    assert!(matches!(err(&d), Error::BadVarint { .. }), "{}", err(&d));
}

#[test]
fn field_past_the_end() {
    let mut d = good();
    d.extend([0x12, 0x40, 0x0a]);
    assert!(matches!(err(&d), Error::BadProtobuf { .. }));
}

#[test]
fn out_of_range_string_index() {
    let mut b = Builder::new(&[("v", "count")]);
    let f = b.func("main.f");
    b.p.function[0].name = 99999;
    let l = b.loc(&[(f, 1)]);
    b.sample(&[l], &[1]);
    let e = err(&b.bytes());
    assert_eq!(e, Error::BadStringIndex { index: 99999, len: b.p.string_table.len(), field: "function name" });
    assert!(e.to_string().contains("99999"));
}

#[test]
fn unknown_ids() {
    let mut b = Builder::new(&[("v", "count")]);
    let f = b.func("main.f");
    let l = b.loc(&[(f, 1)]);
    b.sample(&[l, 77], &[1]);
    assert_eq!(err(&b.bytes()), Error::UnknownId { kind: "location", id: 77 });
    let mut b = Builder::new(&[("v", "count")]);
    let l = b.loc(&[(5, 1)]);
    b.sample(&[l], &[1]);
    assert_eq!(err(&b.bytes()), Error::UnknownId { kind: "function", id: 5 });
}

#[test]
fn value_count_mismatch() {
    let mut b = Builder::new(&[("a", "count"), ("b", "count")]);
    let f = b.func("f");
    let l = b.loc(&[(f, 1)]);
    b.sample(&[l], &[1]);
    assert!(err(&b.bytes()).to_string().contains("has 1 values but the profile has 2 sample types"));
}

#[test]
fn bad_string_table_start() {
    let mut b = Builder::new(&[("v", "count")]);
    b.p.string_table[0] = "x".into();
    assert!(matches!(err(&b.bytes()), Error::InvalidProfile { .. }));
}

#[test]
fn gzip_of_nothing() {
    assert!(matches!(err(&gzip(b"")), Error::InvalidProfile { .. }));
}

#[test]
fn unknown_sample_type_and_node() {
    let mut s = Session::open(&good()).unwrap();
    assert!(matches!(s.top(Some("nope"), 0, 0), Err(Error::UnknownSampleType { .. })));
    assert!(matches!(s.flame(None, 1_000_000, 0.0), Err(Error::UnknownNode { .. })));
}

#[test]
fn every_prefix_and_bit_flip_is_handled() {
    // Cheap deterministic mini-fuzz: every truncation and single-byte flip of
    // a small raw and gzipped profile must return, not panic.
    for d in [good(), gzip(&good())] {
        for cut in 0..d.len() {
            gopherlens::fuzz_one(&d[..cut]);
        }
        for i in 0..d.len() {
            let mut m = d.clone();
            m[i] ^= 0x5a;
            gopherlens::fuzz_one(&m);
        }
    }
}

/// The committed bad fixtures (tests/fixtures/bad/, made by make_bad.py from
/// a real Go heap profile) each give the error listed in expected.json.
#[test]
fn committed_bad_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let files = expected["files"].as_object().unwrap();
    assert!(files.len() >= 10);
    for (name, want) in files {
        let e = err(&std::fs::read(dir.join(name)).unwrap());
        let kind = format!("{e:?}");
        let kind = kind.split([' ', '{', '(']).next().unwrap();
        assert_eq!(kind, want["error"].as_str().unwrap(), "{name}: {e}");
        match (&e, want) {
            (Error::UnknownFormat { what }, w) => assert!(what.contains(w["what"].as_str().unwrap()), "{name}: {e}"),
            (Error::BadVarint { offset }, w) => assert_eq!(*offset as u64, w["varint_start"].as_u64().unwrap()),
            (Error::BadStringIndex { index, len, field }, w) => {
                assert_eq!(*index, w["index"].as_i64().unwrap());
                assert_eq!(*len as u64, w["len"].as_u64().unwrap());
                assert_eq!(*field, w["field"].as_str().unwrap());
            }
            (Error::UnknownId { kind, id }, w) => {
                assert_eq!(*kind, w["kind"].as_str().unwrap());
                assert_eq!(*id, w["id"].as_u64().unwrap());
            }
            _ => {}
        }
    }
}
