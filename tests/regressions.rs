//! Replays every input the fuzzers ever found or were seeded with as a
//! known bomb (fuzz/regressions/<target>/), through the very function the
//! target runs (`gopherlens::fuzz`), under the same memory bound: each must
//! be handled without a panic and within its bound (past it, the counting
//! allocator makes allocation fail, which aborts this test). Every target
//! must have at least one input, and the committed bad fixtures are
//! replayed too.

use std::path::Path;

#[global_allocator]
static A: gopherlens::memcount::Counting = gopherlens::memcount::Counting;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with(".") && p.extension().is_none_or(|x| x != "py" && x != "md" && x != "json"))
        .collect();
    v.sort();
    v
}

// One test, so that no other test's allocations count against a bound.
#[test]
fn every_target_replays_its_regressions_within_the_memory_bound() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (target, run) in gopherlens::fuzz::TARGETS {
        let files = inputs(&root.join("fuzz/regressions").join(target));
        assert!(!files.is_empty(), "fuzz/regressions/{target}/ is empty: nothing replays the {target} target");
        for f in &files {
            run(&std::fs::read(f).unwrap());
        }
        eprintln!("{target}: replayed {} inputs", files.len());
    }
    let bad = inputs(&root.join("tests/fixtures/bad"));
    assert!(bad.len() >= 10);
    for f in &bad {
        gopherlens::fuzz::pprof(&std::fs::read(f).unwrap());
    }
}
