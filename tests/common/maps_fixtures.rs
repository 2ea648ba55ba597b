//! The map fixtures (tests/fixtures/maps): their ground truth (the
//! `// want:` comments, parsed by regen.sh into truth/PROGRAM.tsv), the
//! programs and Go releases they cover, and loading their files.

use gopherlens::report::{MapSite, Maps};
use gopherlens::Session;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/maps")
}

/// One annotated allocation site.
#[derive(Debug, Clone)]
pub struct Truth {
    pub file: String,
    pub line: i64,
    pub function: String,
    pub kind: String,
    pub verdict: String,
    /// The marks as written ("small,old-array", or "-").
    pub flags: String,
    pub small: bool,
    pub old_array: bool,
    pub noescape: bool,
}

impl Truth {
    pub fn is_map(&self) -> bool {
        self.kind != "not-map"
    }
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

pub fn truth(program: &str) -> Vec<Truth> {
    let text = std::fs::read_to_string(root().join("truth").join(format!("{program}.tsv"))).expect("truth file");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 6, "bad truth line {l:?}");
            let mark = |m: &str| f[5].split(',').any(|x| x == m);
            Truth {
                file: f[0].to_string(),
                line: f[1].parse().unwrap(),
                function: f[2].to_string(),
                kind: f[3].to_string(),
                verdict: f[4].to_string(),
                flags: f[5].to_string(),
                small: mark("small"),
                old_array: mark("old-array"),
                noescape: mark("noescape"),
            }
        })
        .collect()
}

fn list(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run tests/fixtures/maps/regen.sh)", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

pub fn programs() -> Vec<String> {
    list(&root().join("programs"))
}

pub fn versions() -> Vec<String> {
    list(&root().join("profiles"))
}

/// Classic maps: Go 1.21–1.23 and the noswissmap builds.
pub fn classic(version: &str) -> bool {
    matches!(version, "go1.21" | "go1.22" | "go1.23") || version.contains("noswissmap")
}

pub fn load(p: &Path) -> Session {
    let data = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Session::open(&data).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The analysed site at the truth's file:line (one that allocated).
pub fn site<'a>(m: &'a Maps, t: &Truth) -> Option<&'a MapSite> {
    m.sites.iter().find(|s| s.file == t.file && s.line == t.line && s.alloc_objects > 0)
}
