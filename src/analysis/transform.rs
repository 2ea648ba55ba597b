//! The Firefox Profiler's call-tree transforms that pprof lacks
//! (`src/profile-logic/transforms.ts` of firefox-devtools/profiler), as pure
//! functions of the profile's tables. They run after pprof's filters
//! ([`super::filter`]), in the order given, each on what the one before
//! returned; a transform names a function by its name as the tables show
//! it (every function of that name: the model may keep several, from
//! different files) or, for `collapse-package`, a Go package.
//!
//! Firefox works on a stack table (prefix + frame); the model keeps every
//! sample's frames as a list, root first, so each transform is said here
//! as what it does to one list (the same stacks result):
//!
//! - `merge-function` (Firefox `mergeFunction`): the function's frames are
//!   removed from every list, so its self time becomes its caller's self
//!   time. No sample is dropped: a sample whose frames were all the
//!   function's keeps an empty stack: it stays in the total (the root's
//!   width) and in no function's flat or cum. (Firefox gives it a null
//!   stack, which its call tree and the total of its percentages leave
//!   out; percentages here are of pprof's total, the whole profile's.) That is the difference from pprof's `hide=^name$`, which drops
//!   such samples (and every sample with no frames at all, whenever a hide
//!   is set); `hide` also matches file names and is a regexp;
//! - `collapse-recursion` (`collapseRecursion`): from the function's first
//!   (root-most) frame to its last, the frames in between go: the list
//!   keeps the callers of the first and, from the last, the rest. The kept
//!   frame is the innermost one (its line), as Firefox keeps it;
//! - `collapse-direct-recursion` (`collapseDirectRecursion`, the
//!   "combined" implementation filter: every frame counts): every run of
//!   the function's consecutive frames becomes its last (innermost) frame;
//! - `collapse-package` (`collapseResource`, Go's package in place of a
//!   library): every frame of a function of the package becomes one frame
//!   of a new function named by the package (no file, line 0), and every
//!   run of such consecutive frames becomes one (Firefox remaps to the
//!   resource's function, then collapses direct recursion of it);
//! - `focus-function` (`focusFunction`): samples without the function are
//!   dropped, and the callers of its first (root-most) frame; pprof's
//!   `show_from=^name$` but on the function's name only, in order with the
//!   other transforms;
//! - `drop-function` (`dropFunction`): the samples with the function are
//!   dropped; pprof's `ignore=^name$` (but on the name only, and in order).
//!
//! A Go function's package ([`package_of`]) is its name up to the first
//! `.` after the last `/`, generic brackets set aside: `runtime.mallocgc`
//! is `runtime`, `encoding/json.(*decodeState).object` is `encoding/json`,
//! `example.com/m/v2.Map[go.shape.string].Get` is `example.com/m/v2` (the
//! linker writes a `.` in a path's last element as `%2e`, so the first `.`
//! after the last `/` ends the path).

use crate::model::{FrameId, Lists, Profile, Samples};
use crate::{Error, Result};
use rustc_hash::FxHashMap;

/// Which transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    MergeFunction,
    CollapseRecursion,
    CollapseDirectRecursion,
    CollapsePackage,
    FocusFunction,
    DropFunction,
}

impl Kind {
    /// Every kind, in the order the help lists them.
    pub const ALL: [Kind; 6] = [
        Kind::MergeFunction,
        Kind::CollapseRecursion,
        Kind::CollapseDirectRecursion,
        Kind::CollapsePackage,
        Kind::FocusFunction,
        Kind::DropFunction,
    ];

    /// The name (JSON, the CLI flag without `--`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::MergeFunction => "merge-function",
            Kind::CollapseRecursion => "collapse-recursion",
            Kind::CollapseDirectRecursion => "collapse-direct-recursion",
            Kind::CollapsePackage => "collapse-package",
            Kind::FocusFunction => "focus-function",
            Kind::DropFunction => "drop-function",
        }
    }

    /// The kind named `name` ([`Kind::name`]).
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One transform: a kind and the function (or package) it is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Transform {
    pub kind: Kind,
    pub func: String,
}

impl Transform {
    /// Refuses a transform without a function.
    pub fn check(&self) -> Result<()> {
        if self.func.is_empty() {
            return Err(Error::BadTransform { detail: format!("{} needs a function name", self.kind.name()) });
        }
        Ok(())
    }
}

/// The Go package of a function name (see the module documentation);
/// `None` for a name without one (`[unknown]`, a C symbol).
pub fn package_of(name: &str) -> Option<&str> {
    let plain = &name[..name.find('[').unwrap_or(name.len())];
    let from = plain.rfind('/').map_or(0, |i| i + 1);
    let dot = plain[from..].find('.')? + from;
    (dot > 0).then(|| &name[..dot])
}

/// Whether `t` names a function (or, for collapse-package, a package) of `p`.
pub fn names_anything(p: &Profile, t: &Transform) -> bool {
    p.funcs.name.iter().any(|&n| {
        let name = p.strings.get(n);
        match t.kind {
            Kind::CollapsePackage => package_of(name) == Some(t.func.as_str()),
            _ => name == t.func,
        }
    })
}

/// `p` with `ts` applied in order (see the module documentation).
pub fn apply(mut p: Profile, ts: &[Transform]) -> Profile {
    for t in ts {
        p = apply_one(p, t);
    }
    p
}

fn apply_one(mut p: Profile, t: &Transform) -> Profile {
    // Which functions the transform is about (by name, or by package).
    let matches: Vec<bool> = (0..p.funcs.len())
        .map(|i| {
            let name = p.strings.get(p.funcs.name[i]);
            match t.kind {
                Kind::CollapsePackage => package_of(name) == Some(t.func.as_str()),
                _ => name == t.func,
            }
        })
        .collect();
    let mut is: Vec<bool> = p.frames.func.iter().map(|f| matches.get(f.idx()).copied().unwrap_or(false)).collect();
    // collapse-package: the package's one frame, which every frame of it becomes.
    let mut remap: Option<FrameId> = None;
    if t.kind == Kind::CollapsePackage && matches.iter().any(|&m| m) {
        let name = p.strings.intern(&t.func);
        let empty = p.strings.intern("");
        let func = p.funcs.intern(name, name, empty, 0);
        let fr = p.frames.intern(func, 0);
        is.resize(p.frames.len(), false);
        is[fr.idx()] = true;
        remap = Some(fr);
    }
    // Nothing to do, but for focus-function (which then keeps no sample).
    if t.kind != Kind::FocusFunction && !is.iter().any(|&b| b) {
        return p;
    }
    let is = |fr: FrameId| is.get(fr.idx()).copied().unwrap_or(false);

    // Each old list's new one (None: its samples are dropped), memoized.
    let mut lists = Lists::default();
    let mut index: FxHashMap<Box<[FrameId]>, u32> = FxHashMap::default();
    let mut new_of: Vec<Option<Option<u32>>> = vec![None; p.lists.len()];
    let mut buf: Vec<FrameId> = Vec::new();
    let mut out = Samples::default();
    out.label_start.push(0);
    let n_types = p.sample_types.len();
    for i in 0..p.samples.len() {
        let Some(&old) = p.samples.list.get(i) else { continue };
        let new = match new_of.get(old as usize).copied().flatten() {
            Some(n) => n,
            None => {
                buf.clear();
                let frames = p.lists.get(old);
                let keep = transform_list(t.kind, frames, &is, remap, &mut buf);
                let n = keep.then(|| match index.get(buf.as_slice()) {
                    Some(&l) => l,
                    None => {
                        lists.frames.extend_from_slice(&buf);
                        let l = lists.close();
                        index.insert(buf.as_slice().into(), l);
                        l
                    }
                });
                if let Some(slot) = new_of.get_mut(old as usize) {
                    *slot = Some(n);
                }
                n
            }
        };
        let Some(new) = new else { continue };
        out.list.push(new);
        out.values.extend((0..n_types).map(|k| p.value(i, k)));
        out.labels.extend_from_slice(p.samples.labels_of(i));
        out.label_start.push(out.labels.len() as u32);
    }
    if lists.start.is_empty() {
        lists.start.push(0);
    }
    p.lists = lists;
    p.samples = out;
    p
}

/// One list's frames after transform `kind` into `buf`; false: drop its samples.
fn transform_list(
    kind: Kind,
    frames: &[FrameId],
    is: &impl Fn(FrameId) -> bool,
    remap: Option<FrameId>,
    buf: &mut Vec<FrameId>,
) -> bool {
    match kind {
        Kind::MergeFunction => buf.extend(frames.iter().copied().filter(|&f| !is(f))),
        Kind::CollapseRecursion => match (frames.iter().position(|&f| is(f)), frames.iter().rposition(|&f| is(f))) {
            (Some(a), Some(b)) => {
                buf.extend_from_slice(&frames[..a]);
                buf.extend_from_slice(&frames[b..]);
            }
            _ => buf.extend_from_slice(frames),
        },
        Kind::CollapseDirectRecursion | Kind::CollapsePackage => {
            for (k, &f) in frames.iter().enumerate() {
                // A run's frames but its last (innermost) go.
                if is(f) && frames.get(k + 1).is_some_and(|&g| is(g)) {
                    continue;
                }
                buf.push(if is(f) { remap.unwrap_or(f) } else { f });
            }
        }
        Kind::FocusFunction => match frames.iter().position(|&f| is(f)) {
            Some(a) => buf.extend_from_slice(&frames[a..]),
            None => return false,
        },
        Kind::DropFunction => {
            if frames.iter().any(|&f| is(f)) {
                return false;
            }
            buf.extend_from_slice(frames);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::package_of;

    #[test]
    fn packages() {
        assert_eq!(package_of("runtime.mallocgc"), Some("runtime"));
        assert_eq!(package_of("encoding/json.(*decodeState).object"), Some("encoding/json"));
        assert_eq!(package_of("github.com/x/y.(*T).m"), Some("github.com/x/y"));
        assert_eq!(package_of("main.main.func1"), Some("main"));
        assert_eq!(package_of("example.com/m/v2.Map[go.shape.string].Get"), Some("example.com/m/v2"));
        assert_eq!(package_of("main.G[github.com/a/b.T]"), Some("main"));
        assert_eq!(package_of("gopkg.in/yaml%2ev3.(*parser).parse"), Some("gopkg.in/yaml%2ev3"));
        assert_eq!(package_of("[unknown]"), None);
        assert_eq!(package_of("__libc_start_main"), None);
        assert_eq!(package_of(".foo"), None);
    }
}
