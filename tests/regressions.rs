//! Replays every input the fuzzer ever found (fuzz/regressions/; the trace
//! targets' are replayed by tests/trace_decode.rs) and the committed bad
//! fixtures: each must be handled without a panic.

use std::path::Path;

#[test]
fn fuzz_regressions_do_not_panic() {
    let mut n = 0;
    for dir in ["fuzz/regressions/pprof", "tests/fixtures/bad"] {
        let Ok(rd) = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_file() && p.extension().is_none_or(|x| x != "py" && x != "md" && x != "json") {
                let data = std::fs::read(&p).unwrap();
                gopherlens::fuzz_one(&data);
                n += 1;
            }
        }
    }
    eprintln!("replayed {n} inputs");
}

#[test]
fn gzip_gctrace_and_gobinary_fuzz_regressions_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (dir, run) in [
        ("fuzz/regressions/gzip", gopherlens::formats::gzip::fuzz_one as fn(&[u8])),
        ("fuzz/regressions/gctrace", |d: &[u8]| {
            let _ = gopherlens::formats::gctrace::parse(d);
            gopherlens::fuzz_one(d);
        }),
        ("fuzz/regressions/gobinary", |d: &[u8]| {
            let _ = gopherlens::formats::gobinary::parse(d);
            gopherlens::fuzz_one(d);
        }),
    ] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in rd.flatten() {
            run(&std::fs::read(e.path()).unwrap());
        }
    }
}
