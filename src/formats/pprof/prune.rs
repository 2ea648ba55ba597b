//! `drop_frames` / `keep_frames`: the profile's own request to hide frames,
//! applied on load exactly as pprof's `Profile.Prune` does when it fetches a
//! profile, so totals and top rows agree with `go tool pprof`.

use crate::model::{FuncId, Profile};
use crate::{Error, Result};
use regex_lite::Regex;

/// What pruning does to one location.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Action {
    /// Nothing matches.
    None,
    /// The outermost line matches: samples lose this location and below.
    Prune,
    /// An inner line matches: samples keep this location (trimmed) but lose
    /// everything below it.
    PruneBeneath,
}

/// Compiled drop/keep expressions; inert when the profile sets none.
pub struct Pruner {
    drop: Option<Regex>,
    keep: Option<Regex>,
}

impl Pruner {
    pub fn new(strings: &[String], drop: i64, keep: i64) -> Result<Self> {
        let get = |i: i64| strings.get(i as usize).map(String::as_str).unwrap_or("");
        let compile = |s: &str, what: &str| {
            Regex::new(&format!("^({s})$"))
                .map_err(|e| Error::InvalidProfile { detail: format!("{what} is not a valid regular expression: {e}") })
        };
        let drop_s = get(drop);
        if drop_s.is_empty() {
            return Ok(Pruner { drop: None, keep: None });
        }
        let keep_s = get(keep);
        Ok(Pruner {
            drop: Some(compile(drop_s, "drop_frames")?),
            keep: if keep_s.is_empty() { None } else { Some(compile(keep_s, "keep_frames")?) },
        })
    }

    fn prunes(&self, name: &str) -> bool {
        let name = simplify_func(name);
        self.drop.as_ref().is_some_and(|d| d.is_match(name)) && !self.keep.as_ref().is_some_and(|k| k.is_match(name))
    }

    /// The action for a location with `lines` (innermost first) and the index
    /// of the first line it keeps.
    pub fn location(&self, p: &Profile, lines: &[(FuncId, i64)]) -> (Action, usize) {
        if self.drop.is_none() {
            return (Action::None, 0);
        }
        for i in (0..lines.len()).rev() {
            let name = p.strings.get(p.funcs.name[lines[i].0.idx()]);
            if !name.is_empty() && self.prunes(name) {
                return if i == lines.len() - 1 { (Action::Prune, 0) } else { (Action::PruneBeneath, i + 1) };
            }
        }
        (Action::None, 0)
    }

    /// Whether no sample is ever cut (no `drop_frames`).
    pub fn is_trivial(&self) -> bool {
        self.drop.is_none()
    }

    /// The part `lo..hi` of a leaf-first list of location indices to keep.
    pub fn sample_range(&self, locs: &[u32], actions: &[Action]) -> (usize, usize) {
        let n = locs.len();
        if self.drop.is_none() {
            return (0, n);
        }
        // Never prune frames before the first user frame (from the root).
        let mut found_user = false;
        for i in (0..n).rev() {
            match actions[locs[i] as usize] {
                Action::None => found_user = true,
                _ if !found_user => {}
                Action::Prune => return (i + 1, n),
                Action::PruneBeneath => return (i, n),
            }
        }
        (0, n)
    }
}

/// pprof's `simplifyFunc`: drop a leading '.', cut at the first '(' unless
/// it starts a reserved C++ name.
fn simplify_func(f: &str) -> &str {
    let f = f.strip_prefix('.').unwrap_or(f);
    const RESERVED: [&str; 2] = ["(anonymous namespace)", "operator()"];
    let mut i = 0;
    while i < f.len() {
        let rest = &f[i..];
        if let Some(r) = RESERVED.iter().find(|r| rest.starts_with(**r)) {
            i += r.len();
            continue;
        }
        if rest.starts_with('(') {
            return &f[..i];
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::simplify_func;
    #[test]
    fn simplify() {
        assert_eq!(simplify_func("main.(*T).m"), "main.");
        assert_eq!(simplify_func(".foo(int)"), "foo");
        assert_eq!(simplify_func("ns::(anonymous namespace)::f(int)"), "ns::(anonymous namespace)::f");
    }
}
