//! pprof's sample filters, with the meanings `go tool pprof` gives them
//! (`profile/filter.go` and `profile/prune.go` of google/pprof, applied in
//! the order of its `applyFocus`):
//!
//! - `focus`: keep the samples with a frame matching it;
//! - `ignore`: drop the samples with a frame matching it (ignore wins);
//! - `hide`: remove the matching frames from every stack;
//! - `show`: keep only the matching frames;
//! - `show_from`: drop the frames above (callers of) the first matching
//!   frame from the root; samples without one are dropped;
//! - `prune_from`: drop the frames beneath (callees of) the matching frame
//!   closest to the leaf;
//! - `tagfocus`, `tagignore`: keep (drop) the samples whose labels match
//!   ([`super::tags`]: `key=regexp,...`, or numeric ranges `bytes=64kb:`);
//! - `tagshow`, `taghide`: keep (drop) the labels whose keys match (what
//!   a table of functions shows does not change).
//!
//! A frame matches when its function name or file name does (an unanchored
//! search, as Go's `MatchString`); `prune_from` looks at the name only,
//! with its argument list trimmed as pprof's `simplifyFunc` does. When any
//! of focus/ignore/hide/show is set, samples with no frames are dropped,
//! and so are samples whose frames were all hidden. The model expands every
//! location into its lines, so "a location matches if any of its lines
//! does" is "a frame matches" here; what the model cannot see is a match on
//! a location's mapping file (pprof matches `focus=server` on every
//! location of `/usr/bin/server`): not applied.
//!
//! A pure function of the profile: [`apply`] returns the filtered profile's
//! lists and samples, which [`Filtered::into_profile`] puts in place of the
//! old ones (the interned tables are shared, so names and ids stay valid).

use super::tags::{NumUnits, TagFilter};
use super::transform::Transform;
use crate::model::{FrameId, Lists, Profile, Samples};
use crate::{Error, Result};
use regex_lite::Regex;
use rustc_hash::FxHashMap;

/// The filter options; `None` is "not set". Build with [`Filters::parse`].
#[derive(Debug, Default, Clone)]
pub struct Filters {
    pub focus: Option<Regex>,
    pub ignore: Option<Regex>,
    pub hide: Option<Regex>,
    pub show: Option<Regex>,
    pub show_from: Option<Regex>,
    pub prune_from: Option<Regex>,
    pub tagfocus: Option<TagFilter>,
    pub tagignore: Option<TagFilter>,
    pub tagshow: Option<Regex>,
    pub taghide: Option<Regex>,
    /// The call-tree transforms applied after the filters, in order
    /// ([`super::transform`]).
    pub transforms: Vec<Transform>,
}

/// The options as text, as the CLI, the JS API and the URL give them
/// (pprof's names; empty means not set).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterText {
    pub focus: String,
    pub ignore: String,
    pub hide: String,
    pub show: String,
    pub show_from: String,
    pub prune_from: String,
    pub tagfocus: String,
    pub tagignore: String,
    pub tagshow: String,
    pub taghide: String,
    /// The call-tree transforms ([`super::transform`]), in order.
    pub transforms: Vec<Transform>,
}

impl Filters {
    /// Compiles the options; an empty string is "not set".
    pub fn parse(t: &FilterText) -> Result<Self> {
        let rx = |option: &'static str, v: &str| -> Result<Option<Regex>> {
            if v.is_empty() {
                return Ok(None);
            }
            Regex::new(v).map(Some).map_err(|e| Error::BadRegex { option, detail: e.to_string() })
        };
        Ok(Filters {
            focus: rx("focus", &t.focus)?,
            ignore: rx("ignore", &t.ignore)?,
            hide: rx("hide", &t.hide)?,
            show: rx("show", &t.show)?,
            show_from: rx("show_from", &t.show_from)?,
            prune_from: rx("prune_from", &t.prune_from)?,
            tagfocus: TagFilter::parse("tagfocus", &t.tagfocus)?,
            tagignore: TagFilter::parse("tagignore", &t.tagignore)?,
            tagshow: rx("tagshow", &t.tagshow)?,
            taghide: rx("taghide", &t.taghide)?,
            transforms: {
                for tr in &t.transforms {
                    tr.check()?;
                }
                t.transforms.clone()
            },
        })
    }

    /// Whether no option is set (the profile is unchanged).
    pub fn is_empty(&self) -> bool {
        self.transforms.is_empty() && self.no_filters()
    }

    /// Whether none of pprof's filters is set (transforms aside).
    pub fn no_filters(&self) -> bool {
        self.focus.is_none()
            && self.ignore.is_none()
            && self.hide.is_none()
            && self.show.is_none()
            && self.show_from.is_none()
            && self.prune_from.is_none()
            && self.tagfocus.is_none()
            && self.tagignore.is_none()
            && self.tagshow.is_none()
            && self.taghide.is_none()
    }
}

/// Which options matched anything, as pprof decides it before warning
/// "Focus expression matched no samples" and so on: over the profile's
/// frames, whether or not their samples are kept (`focus` counts frames
/// that `ignore` does not match; `show_from` frames that hide/show keep).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Matched {
    pub focus: bool,
    pub ignore: bool,
    pub hide: bool,
    pub show: bool,
    pub show_from: bool,
    pub prune_from: bool,
    pub tagfocus: bool,
    pub tagignore: bool,
    pub tagshow: bool,
    pub taghide: bool,
}

impl Matched {
    /// The options set in `f` that matched nothing, in pprof's words
    /// (`tagfocus`); pprof warns about them and goes on. `prune_from` is
    /// never among them (pprof does not check it).
    pub fn unmatched(&self, f: &Filters) -> Vec<&'static str> {
        [
            (f.focus.is_some(), self.focus, "focus"),
            (f.ignore.is_some(), self.ignore, "ignore"),
            (f.hide.is_some(), self.hide, "hide"),
            (f.show.is_some(), self.show, "show"),
            (f.show_from.is_some(), self.show_from, "show_from"),
            (f.tagshow.is_some(), self.tagshow, "tagshow"),
            (f.taghide.is_some(), self.taghide, "taghide"),
            (f.tagfocus.is_some(), self.tagfocus, "tagfocus"),
            (f.tagignore.is_some(), self.tagignore, "tagignore"),
        ]
        .into_iter()
        .filter(|&(set, hit, _)| set && !hit)
        .map(|(_, _, name)| name)
        .collect()
    }
}

/// What [`apply`] computes: the kept samples' lists and columns.
pub struct Filtered {
    pub lists: Lists,
    pub samples: Samples,
    pub matched: Matched,
}

impl Filtered {
    /// `p` with the filtered samples in place of its own.
    pub fn into_profile(self, mut p: Profile) -> Profile {
        p.lists = self.lists;
        p.samples = self.samples;
        p
    }
}

const FOCUS: u8 = 1;
const IGNORE: u8 = 2;
const HIDE: u8 = 4;
const SHOW: u8 = 8;
const SHOW_FROM: u8 = 16;
const PRUNE_FROM: u8 = 32;

/// pprof's `simplifyFunc`: the name without a leading `.` and cut at the
/// first `(` that does not start `(anonymous namespace)` or belong to
/// `operator()`.
pub fn simplify_func(name: &str) -> &str {
    let s = name.strip_prefix('.').unwrap_or(name);
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &s[i..];
        if rest.starts_with("(anonymous namespace)") {
            i += "(anonymous namespace)".len();
        } else if rest.starts_with("operator()") {
            i += "operator()".len();
        } else if b[i] == b'(' {
            return &s[..i];
        } else {
            i += 1;
            while i < b.len() && !s.is_char_boundary(i) {
                i += 1;
            }
        }
    }
    s
}

/// The filtered samples of `p` (see the module documentation).
pub fn apply(p: &Profile, f: &Filters) -> Filtered {
    let mut matched = Matched::default();
    // What each frame matches, from its function (regexes run once a function).
    let mut func_bits = vec![0u8; p.funcs.len()];
    for (i, bits) in func_bits.iter_mut().enumerate() {
        let name = p.strings.get(p.funcs.name[i]);
        let file = p.strings.get(p.funcs.file[i]);
        let m = |r: &Option<Regex>| r.as_ref().is_some_and(|r| r.is_match(name) || r.is_match(file));
        for (rx, bit) in
            [(&f.focus, FOCUS), (&f.ignore, IGNORE), (&f.hide, HIDE), (&f.show, SHOW), (&f.show_from, SHOW_FROM)]
        {
            if m(rx) {
                *bits |= bit;
            }
        }
        if let Some(r) = &f.prune_from {
            if !name.is_empty() && r.is_match(simplify_func(name)) {
                *bits |= PRUNE_FROM;
            }
        }
    }
    let frame_bits: Vec<u8> = p.frames.func.iter().map(|fu| func_bits.get(fu.idx()).copied().unwrap_or(0)).collect();
    let bits = |fr: FrameId| frame_bits.get(fr.idx()).copied().unwrap_or(0);
    let by_name = f.focus.is_some() || f.ignore.is_some() || f.hide.is_some() || f.show.is_some();
    for &b in &frame_bits {
        let ignored = f.ignore.is_some() && b & IGNORE != 0;
        matched.ignore |= ignored;
        matched.focus |= f.focus.is_some() && !ignored && b & FOCUS != 0;
        matched.hide |= f.hide.is_some() && b & HIDE != 0;
        matched.show |= f.show.is_some() && b & SHOW != 0;
        let kept = !(f.hide.is_some() && b & HIDE != 0 || f.show.is_some() && b & SHOW == 0);
        matched.show_from |= f.show_from.is_some() && kept && b & SHOW_FROM != 0;
        matched.prune_from |= f.prune_from.is_some() && b & PRUNE_FROM != 0;
    }

    let units = if f.tagfocus.is_some() || f.tagignore.is_some() { Some(NumUnits::of_profile(p)) } else { None };
    let by_tag_name = f.tagshow.is_some() || f.taghide.is_some();
    let n_types = p.sample_types.len();
    let mut out = Samples::default();
    let mut lists = Lists::default();
    let mut index: FxHashMap<Box<[FrameId]>, u32> = FxHashMap::default();
    let mut buf: Vec<FrameId> = Vec::new();
    for i in 0..p.samples.len() {
        let frames = p.sample_frames(i);
        buf.clear();
        if by_name {
            // focusedAndNotIgnored: over the original frames.
            let mut focused = false;
            let mut ignored = false;
            for &fr in frames {
                let b = bits(fr);
                if f.ignore.is_some() && b & IGNORE != 0 {
                    ignored = true;
                } else if f.focus.is_none() || b & FOCUS != 0 {
                    focused = true;
                }
            }
            if ignored || !focused {
                continue;
            }
            for &fr in frames {
                let b = bits(fr);
                if f.hide.is_some() && b & HIDE != 0 {
                    continue;
                }
                if f.show.is_some() && b & SHOW == 0 {
                    continue;
                }
                buf.push(fr);
            }
            if buf.is_empty() {
                continue;
            }
        } else {
            buf.extend_from_slice(frames);
        }
        if f.show_from.is_some() {
            // Root first: drop the callers of the first match.
            let Some(j) = buf.iter().position(|&fr| bits(fr) & SHOW_FROM != 0) else { continue };
            buf.drain(..j);
        }
        if let Some(units) = &units {
            let labels = p.samples.labels_of(i);
            let focused = f.tagfocus.as_ref().is_none_or(|t| t.matches(p, labels, units));
            let ignored = f.tagignore.as_ref().is_some_and(|t| t.matches(p, labels, units));
            matched.tagfocus |= focused;
            matched.tagignore |= ignored;
            if !focused || ignored {
                continue;
            }
        }
        if f.prune_from.is_some() {
            // Drop the callees of the match closest to the leaf.
            if let Some(j) = buf.iter().rposition(|&fr| bits(fr) & PRUNE_FROM != 0) {
                buf.truncate(j + 1);
            }
        }
        let list = match index.get(buf.as_slice()) {
            Some(&l) => l,
            None => {
                lists.frames.extend_from_slice(&buf);
                let l = lists.close();
                index.insert(buf.as_slice().into(), l);
                l
            }
        };
        out.list.push(list);
        out.values.extend((0..n_types).map(|t| p.value(i, t)));
        if out.label_start.is_empty() {
            out.label_start.push(0);
        }
        if by_tag_name {
            // pprof's FilterTagsByName: a label stays if tagshow matches its
            // key (or is unset) and taghide does not.
            for l in p.samples.labels_of(i) {
                let key = p.strings.get(l.key);
                let shown = f.tagshow.as_ref().is_none_or(|r| r.is_match(key));
                let hidden = f.taghide.as_ref().is_some_and(|r| r.is_match(key));
                matched.tagshow |= shown;
                matched.taghide |= hidden;
                if shown && !hidden {
                    out.labels.push(*l);
                }
            }
        } else {
            out.labels.extend_from_slice(p.samples.labels_of(i));
        }
        out.label_start.push(out.labels.len() as u32);
    }
    if out.label_start.is_empty() {
        out.label_start.push(0);
    }
    Filtered { lists, samples: out, matched }
}

#[cfg(test)]
mod tests {
    use super::simplify_func;

    #[test]
    fn simplify() {
        assert_eq!(simplify_func("main.(*T).m"), "main.");
        assert_eq!(simplify_func("main.f"), "main.f");
        assert_eq!(simplify_func(".foo(int)"), "foo");
        assert_eq!(simplify_func("ns::(anonymous namespace)::f(int)"), "ns::(anonymous namespace)::f");
        assert_eq!(simplify_func("T::operator()(int)"), "T::operator()");
        assert_eq!(simplify_func("é(x"), "é");
    }
}
