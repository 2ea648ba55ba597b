//! pprof's `-peek REGEX` (its `Tree` report): for every node whose name
//! matches, in `-top`'s order, the callers (in-edges) and callees
//! (out-edges) with the value of the samples through each edge. An edge
//! counts once per sample (the first time its pair of nodes appears from
//! the root), a node's edge to itself not at all; an edge is `(inline)`
//! when every sample through it reached the callee inlined (pprof's
//! `Edge.Inline`). Unlike `-top`, pprof never trims a peek report.

use super::calltree::CallTree;
use super::top;
use crate::model::{FrameId, Profile};
use rustc_hash::FxHashMap;

/// One edge of a peek row: the other node, the weight, whether inlined.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeekEdge {
    pub name: String,
    pub weight: i64,
    pub inline: bool,
}

/// One matched node: its flat and cum, its callers and callees in pprof's order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeekRow {
    pub name: String,
    pub flat: i64,
    pub cum: i64,
    pub callers: Vec<PeekEdge>,
    pub callees: Vec<PeekEdge>,
}

/// The edges of the call graph at the granularity `frame_node` gives
/// (frame → node), over the samples under `root`: (caller, callee) →
/// (weight, inline).
pub fn edges(
    p: &Profile,
    tree: &CallTree,
    t: usize,
    root: u32,
    frame_node: &[u32],
) -> FxHashMap<(u32, u32), (i64, bool)> {
    let node = |f: FrameId| frame_node.get(f.idx()).copied().unwrap_or(0);
    let live = top::live_lists(p, tree, t);
    // (caller, callee) → (weight, inline, the last list that counted it).
    let mut e: FxHashMap<(u32, u32), (i64, bool, u32)> = FxHashMap::default();
    tree.with_lists_and_totals(p, t, root, |lists, totals| {
        for &l in lists {
            let v = totals[l as usize];
            if v == 0 && !live.get(l as usize).copied().unwrap_or(false) {
                continue;
            }
            let mut parent: Option<u32> = None;
            for &f in p.lists.get(l) {
                let n = node(f);
                if let Some(from) = parent.filter(|&from| from != n) {
                    let inline = p.frames.inline.get(f.idx()).copied().unwrap_or(false);
                    let slot = e.entry((from, n)).or_insert((0, true, u32::MAX));
                    if slot.2 != l {
                        slot.2 = l;
                        slot.0 = slot.0.wrapping_add(v);
                        slot.1 &= inline;
                    }
                }
                parent = Some(n);
            }
        }
    });
    e.into_iter().map(|(k, (w, inl, _))| (k, (w, inl))).collect()
}

/// pprof's `-peek`: the rows of `rows` (from [`top::top_by`], in its
/// order) whose name `matches`, each with its edges sorted as pprof's
/// `edgeList` sorts them (|weight| descending, then the caller's name,
/// then the callee's).
pub fn peek<'a>(
    rows: &[(u32, i64, i64)],
    edges: &FxHashMap<(u32, u32), (i64, bool)>,
    name: impl Fn(u32) -> &'a str,
    matches: impl Fn(&str) -> bool,
) -> Vec<PeekRow> {
    let mut into: FxHashMap<u32, Vec<(u32, u32, i64, bool)>> = FxHashMap::default();
    let mut out: FxHashMap<u32, Vec<(u32, u32, i64, bool)>> = FxHashMap::default();
    for (&(a, b), &(w, inl)) in edges {
        into.entry(b).or_default().push((a, b, w, inl));
        out.entry(a).or_default().push((a, b, w, inl));
    }
    let sorted = |v: Option<&Vec<(u32, u32, i64, bool)>>, other: fn(&(u32, u32, i64, bool)) -> u32| {
        let mut v = v.cloned().unwrap_or_default();
        v.sort_by(|x, y| {
            y.2.unsigned_abs()
                .cmp(&x.2.unsigned_abs())
                .then_with(|| name(x.0).cmp(name(y.0)))
                .then_with(|| name(x.1).cmp(name(y.1)))
        });
        v.iter().map(|e| PeekEdge { name: name(other(e)).to_string(), weight: e.2, inline: e.3 }).collect::<Vec<_>>()
    };
    rows.iter()
        .filter(|r| matches(name(r.0)))
        .map(|&(k, flat, cum)| PeekRow {
            name: name(k).to_string(),
            flat,
            cum,
            callers: sorted(into.get(&k), |e| e.0),
            callees: sorted(out.get(&k), |e| e.1),
        })
        .collect()
}

/// pprof's label for a `-top` row: `inline` when every call into the node
/// was inlined, `partial-inline` when some were, else empty (also for a
/// node nothing calls).
pub fn inline_label(edges: &FxHashMap<(u32, u32), (i64, bool)>) -> FxHashMap<u32, &'static str> {
    let mut seen: FxHashMap<u32, (bool, bool)> = FxHashMap::default();
    for (&(_, b), &(_, inl)) in edges {
        let s = seen.entry(b).or_default();
        if inl {
            s.0 = true
        } else {
            s.1 = true
        }
    }
    seen.into_iter()
        .filter_map(|(k, (inl, not))| match (inl, not) {
            (true, true) => Some((k, "partial-inline")),
            (true, false) => Some((k, "inline")),
            _ => None,
        })
        .collect()
}
