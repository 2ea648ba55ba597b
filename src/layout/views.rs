//! The one entry point for every view of the flame tab: which tree, which
//! order, zoomed where. Flame and icicle graphs are the same columns (the
//! renderer flips them); the inverted tree and the sandwich's halves are
//! laid out by [`super::stacks`] into the same columns.

use super::flame::{self, FlameLayout, Order};
use super::stacks::{self, Step, Walks};
use crate::analysis::merge;
use super::{inverted, sandwich};
use crate::analysis::calltree::CallTree;
use crate::model::Profile;
use crate::Result;

/// Which tree a layout draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The call tree, root first (flame graph and icicle).
    Flame,
    /// Leaf functions first, callers below them.
    Inverted,
    /// The sandwich function's callers (it is the root).
    SandwichCallers,
    /// The sandwich function's callees (it is the root).
    SandwichCallees,
}

impl Kind {
    /// The name the JS API uses (`flame` and `icicle` are one layout).
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "" | "flame" | "icicle" => Kind::Flame,
            "inverted" => Kind::Inverted,
            "sandwich-callers" => Kind::SandwichCallers,
            "sandwich-callees" => Kind::SandwichCallees,
            _ => return None,
        })
    }
}

/// What a layout is asked for, besides the tree.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Zoom root: a node id of the layout's own tree (0: the top).
    pub root: u32,
    /// Nodes narrower than this fraction of the zoom root are left out.
    pub min_width: f64,
    pub order: Order,
    /// The sandwich's function, by name.
    pub function: Option<&'a str>,
    /// Draw a `diff_base` comparison as a diff: each node as wide as the
    /// larger of its current and base values, both carried
    /// ([`FlameLayout::base_total`]). Ignored for a profile without a base.
    pub diff: bool,
}

/// Each list's current and base values for sample type `st` in a
/// `diff_base` comparison (the base's samples, labelled
/// [`merge::BASE_LABEL`], negated back), or `None` for another profile.
fn diff_values(p: &Profile, st: usize) -> Option<(Vec<i64>, Vec<i64>)> {
    let (k, v) = merge::diff_base_label(p)?;
    let s = &p.samples;
    let n = p.sample_types.len();
    let (mut cur, mut base) = (vec![0i64; p.lists.len()], vec![0i64; p.lists.len()]);
    for i in 0..s.len() {
        let l = s.list[i] as usize;
        let x = s.values[i * n + st];
        let labels = &s.labels[s.label_start[i] as usize..s.label_start[i + 1] as usize];
        if labels.iter().any(|lb| lb.key == k && lb.str == v) {
            base[l] = base[l].wrapping_sub(x);
        } else {
            cur[l] = cur[l].wrapping_add(x);
        }
    }
    Some((cur, base))
}

/// One walk per list, root first: the call tree's stacks, for layouts the
/// call tree does not draw (diffs).
fn root_first(p: &Profile) -> Walks {
    let mut w = Walks { step: Some(Step::TowardsLeaf), ..Walks::default() };
    for l in 0..p.lists.len() as u32 {
        w.list.push(l);
        w.from.push(0);
        w.len.push(p.lists.get(l).len() as u32);
    }
    w
}

/// Lays out tree `kind` of `p` for sample type `st`.
pub fn layout(p: &Profile, tree: &CallTree, st: usize, kind: Kind, o: &Options) -> Result<FlameLayout> {
    let diff = if o.diff { diff_values(p, st) } else { None };
    if let Some((cur, base)) = &diff {
        if kind == Kind::Flame {
            return stacks::layout(p, &root_first(p), cur, Some(base), o.root, o.min_width, o.order, true);
        }
    }
    let base = diff.as_ref().map(|d| d.1.as_slice());
    if kind == Kind::Flame {
        if o.root != 0 && tree.resolve(p, o.root).is_none() {
            return Err(crate::Error::UnknownNode { node: o.root });
        }
        return Ok(flame::layout_ordered(p, tree, st, o.root, o.min_width, o.order));
    }
    // Each list's value for this sample type (the sum over its samples).
    let value: Vec<i64> = match &diff {
        Some((cur, _)) => cur.clone(),
        None => tree.with_lists_and_totals(p, st, 0, |_, totals| totals.to_vec()),
    };
    if kind == Kind::Inverted {
        return stacks::layout(p, &inverted::walks(p), &value, base, o.root, o.min_width, o.order, true);
    }
    let step = if kind == Kind::SandwichCallers { Step::TowardsRoot } else { Step::TowardsLeaf };
    // A name no stack passes through (another profile's, or filtered
    // away) has an empty sandwich, not an error: its values are 0.
    let name = o.function.and_then(|f| p.funcs.name.iter().find(|&&s| p.strings.get(s) == f)).map(|s| s.0);
    let Some(name) = name else {
        let mut out = FlameLayout::default();
        out.push_values(0, 0, 0.0, 0.0, u32::MAX, 0, 0, 0);
        if base.is_some() {
            out.base_self.push(0.0);
            out.base_total.push(0.0);
        }
        return Ok(out);
    };
    let (w, focus) = sandwich::walks(p, name, step, &value);
    let mut out = stacks::layout(p, &w, &value, base, o.root, o.min_width, o.order, false)?;
    if w.list.is_empty() {
        // No stack through it: the top node still names the function.
        if let (Some(f), Some(slot)) = (p.funcs.name.iter().position(|s| s.0 == name), out.func.first_mut()) {
            *slot = f as u32;
        }
    }
    out.focus_flat = focus.flat as f64;
    out.focus_cum = focus.cum as f64;
    Ok(out)
}

/// The lists (samples' stacks) under node `o.root` of view `kind`, for a
/// table in step with that view: `None` for the call tree (whose own zoom
/// [`CallTree::with_lists_and_totals`] gives); for the inverted tree, the
/// stacks through that leaf-first path; for the sandwich's halves, those
/// through the path out from the function (at the top: every stack through
/// it, pprof's `-focus` of that function).
pub fn lists(p: &Profile, kind: Kind, o: &Options) -> Result<Option<Vec<u32>>> {
    match kind {
        Kind::Flame => Ok(None),
        Kind::Inverted => stacks::lists_under(p, &inverted::walks(p), o.root, true).map(Some),
        Kind::SandwichCallers | Kind::SandwichCallees => {
            let name = o.function.and_then(|f| p.funcs.name.iter().find(|&&s| p.strings.get(s) == f)).map(|s| s.0);
            let Some(name) = name else { return Ok(Some(Vec::new())) };
            let step = if kind == Kind::SandwichCallers { Step::TowardsRoot } else { Step::TowardsLeaf };
            let zero = vec![0i64; p.lists.len()];
            let (w, _) = sandwich::walks(p, name, step, &zero);
            stacks::lists_under(p, &w, o.root, false).map(Some)
        }
    }
}
