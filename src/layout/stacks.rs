//! Trees of the samples' stacks walked another way than the call tree's
//! root-first merge (leaf first for the inverted tree, out from one
//! function for the sandwich), laid out as the flame graph's columns so the
//! one renderer draws them.
//!
//! Each sample's frame list contributes one *walk*: `len` frames of the
//! list from frame index `from`, stepping towards the leaf or the root.
//! Walks are merged by function name, as the call tree merges stacks. The
//! tree is never built whole: a layout sorts the walks of a node by the
//! name of their next frame only for the nodes wide enough to be drawn (as
//! [`crate::analysis::calltree`] does lazily), so its cost follows the
//! canvas, not the number of distinct stacks.
//!
//! Node ids follow the call tree's rule, so an id means the same node in
//! every session of the same file: a node's id is the position in the
//! frames column of its frame in the first list (by list id) through it,
//! plus one; the top node (the synthetic root, or the sandwich's function)
//! is 0. An id that does not name a node's first list is refused.

use super::flame::{FlameLayout, Order};
use crate::model::{FrameId, Profile};
use crate::{Error, Result};

/// Which way a walk goes through its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Callees: frame index `from`, `from + 1`, ….
    TowardsLeaf,
    /// Callers: frame index `from`, `from - 1`, ….
    TowardsRoot,
}

/// One walk per list taking part, in increasing list id (a node's first
/// walk is then its first list, whose frame names it).
#[derive(Debug, Default)]
pub struct Walks {
    pub list: Vec<u32>,
    pub from: Vec<u32>,
    pub len: Vec<u32>,
    pub step: Option<Step>,
}

impl Walks {
    fn index(&self, e: usize, d: u32) -> u32 {
        match self.step {
            Some(Step::TowardsRoot) => self.from[e] - d,
            _ => self.from[e] + d,
        }
    }

    fn frame(&self, p: &Profile, e: usize, d: u32) -> FrameId {
        p.lists.get(self.list[e])[self.index(e, d) as usize]
    }

    /// The name (string id) of walk `e`'s frame `d`.
    fn name(&self, p: &Profile, e: usize, d: u32) -> u32 {
        p.funcs.name[p.frames.func[self.frame(p, e, d).idx()].idx()].0
    }

    /// The id of the node whose first walk is `e`, at walk depth `k` ≥ 1.
    fn id(&self, p: &Profile, e: usize, k: u32) -> u32 {
        p.lists.start[self.list[e] as usize] + self.index(e, k - 1) + 1
    }
}

/// What one node of the zoom path holds.
struct Node {
    id: u32,
    func: u32,
    line: u32,
    self_: i64,
    total: i64,
    /// The base's self and total (diff layouts; 0 otherwise).
    base_self: i64,
    base_total: i64,
}

/// The values of the node made of `walks`' entries `es` at walk depth `k`
/// (its frame is the walks' `k - 1`th; `k` = 0: above every walk).
fn node_of(p: &Profile, w: &Walks, value: &[i64], base: Option<&[i64]>, es: &[u32], k: u32, id: Option<u32>) -> Node {
    let (mut total, mut self_, mut base_total, mut base_self) = (0i64, 0i64, 0i64, 0i64);
    for &e in es {
        let l = w.list[e as usize] as usize;
        let v = value[l];
        let b = base.map_or(0, |b| b[l]);
        total = total.wrapping_add(v);
        base_total = base_total.wrapping_add(b);
        if w.len[e as usize] == k {
            self_ = self_.wrapping_add(v);
            base_self = base_self.wrapping_add(b);
        }
    }
    let (func, line) = match es.first() {
        Some(&e) if k > 0 => {
            let f = w.frame(p, e as usize, k - 1);
            (p.frames.func[f.idx()].0, p.frames.line[f.idx()].clamp(0, u32::MAX as i64) as u32)
        }
        _ => (u32::MAX, 0),
    };
    let id = id.unwrap_or_else(|| es.first().map_or(0, |&e| w.id(p, e as usize, k)));
    Node { id, func, line, self_, total, base_self, base_total }
}

/// Lays out the tree of `walks`, each weighted by `value[list]`, zoomed at
/// node `root` (0: the top), with the path above the zoom drawn at full
/// width; nodes narrower than `min_width` × the zoom's total are left out.
/// With `synthetic`, a "root" node (function `u32::MAX`) sits above the
/// walks' first frames (the inverted tree); without, every walk starts at
/// the same function, which is the top node (the sandwich's halves).
///
/// With `base` (a `diff_base` comparison: each list's base value, `value`
/// then being the current profile's), a node is as wide as the larger of
/// its current and base totals, and the layout carries both
/// ([`FlameLayout::base_total`]). Widths so chosen do not add up (a child
/// that only the base has and one that only the current profile has are
/// each as wide as their parent may be): children wider together than
/// their parent are scaled down to fit it, so a node never overhangs its
/// parent; the values shown stay exact.
#[allow(clippy::too_many_arguments)]
pub fn layout(
    p: &Profile,
    w: &Walks,
    value: &[i64],
    base: Option<&[i64]>,
    root: u32,
    min_width: f64,
    order: Order,
    synthetic: bool,
) -> Result<FlameLayout> {
    let (mut es, k, path) = zoom(p, w, value, base, root, synthetic)?;
    let mut out = FlameLayout::default();
    let wide = |n: &Node| if base.is_some() { n.total.max(n.base_total) } else { n.total };
    let root_total = path.last().map_or(0, wide) as f64;
    out.root_total = root_total;
    for (d, n) in path.iter().enumerate() {
        push(&mut out, n, d as u32, 0.0, root_total, base.is_some());
    }
    if root_total <= 0.0 {
        return Ok(out);
    }
    let cutoff = (min_width.max(0.0) * root_total).max(f64::MIN_POSITIVE);
    let depth0 = (path.len() - 1) as u32;
    let name_str = |e: u32, k: u32| p.strings.get(crate::model::StrId(w.name(p, e as usize, k)));
    let mut keys: Vec<u64> = Vec::new();
    // (range of `es`, walk depth, layout depth, left edge, width)
    let mut stack: Vec<(usize, usize, u32, u32, f64, f64)> = vec![(0, es.len(), k, depth0, 0.0, root_total)];
    while let Some((lo, hi, k, depth, x0, width)) = stack.pop() {
        // Sort the node's walks by the name of their next frame (0 for
        // walks that end here), then by walk, so each run of one name is a
        // child whose first walk is its first list.
        keys.clear();
        keys.extend(es[lo..hi].iter().map(|&e| {
            let name = if w.len[e as usize] > k { w.name(p, e as usize, k) as u64 + 1 } else { 0 };
            (name << 32) | e as u64
        }));
        keys.sort_unstable();
        for (slot, &key) in es[lo..hi].iter_mut().zip(&keys) {
            *slot = key as u32;
        }
        let mut kids: Vec<((usize, usize), i64, &str)> = Vec::new();
        let mut i = 0;
        while i < keys.len() {
            let name = keys[i] >> 32;
            let mut j = i + 1;
            let at = |i: usize| w.list[keys[i] as u32 as usize] as usize;
            let mut v = value[at(i)];
            let mut b = base.map_or(0, |b| b[at(i)]);
            while j < keys.len() && keys[j] >> 32 == name {
                v = v.wrapping_add(value[at(j)]);
                b = b.wrapping_add(base.map_or(0, |base| base[at(j)]));
                j += 1;
            }
            let v = if base.is_some() { v.max(b) } else { v };
            if name != 0 && v > 0 {
                kids.push(((lo + i, lo + j), v, name_str(keys[i] as u32, k)));
            }
            i = j;
        }
        order.sort(&mut kids);
        // Diff layouts only: fit children wider together than their parent.
        let sum: f64 = kids.iter().map(|k| k.1 as f64).sum();
        let scale = if base.is_some() && sum > width { width / sum } else { 1.0 };
        let mut x = x0;
        let start = stack.len();
        for &((a, b), v, _) in &kids {
            let wd = v as f64 * scale;
            if wd < cutoff {
                continue;
            }
            let n = node_of(p, w, value, base, &es[a..b], k + 1, None);
            push(&mut out, &n, depth + 1, x, wd, base.is_some());
            stack.push((a, b, k + 1, depth + 1, x, wd));
            x += wd;
        }
        // Leftmost child laid out first.
        stack[start..].reverse();
    }
    Ok(out)
}

fn push(out: &mut FlameLayout, n: &Node, depth: u32, x: f64, width: f64, diff: bool) {
    out.push_values(n.id, depth, x, width, n.func, n.line, n.self_, n.total);
    if diff {
        out.base_self.push(n.base_self as f64);
        out.base_total.push(n.base_total as f64);
    }
}

/// The walks through node `root` and the zoom path down to it, from the top
/// node (the walk depth reached is `k`).
fn zoom(
    p: &Profile,
    w: &Walks,
    value: &[i64],
    base: Option<&[i64]>,
    root: u32,
    synthetic: bool,
) -> Result<(Vec<u32>, u32, Vec<Node>)> {
    let top_k = if synthetic { 0 } else { 1 };
    let mut es: Vec<u32> = (0..w.list.len() as u32).filter(|&e| w.len[e as usize] >= top_k).collect();
    // The zoom path, from the top node down: its walk depth and names.
    let mut path = vec![node_of(p, w, value, base, &es, top_k, Some(0))];
    let mut k = top_k;
    if root != 0 {
        let bad = || Error::UnknownNode { node: root };
        let pos = root - 1;
        if pos as usize >= p.lists.frames.len() {
            return Err(bad());
        }
        let l = p.lists.start.partition_point(|&s| s <= pos).checked_sub(1).ok_or_else(bad)? as u32;
        let fi = pos - p.lists.start[l as usize];
        let e0 = w.list.binary_search(&l).map_err(|_| bad())?;
        let (from, len) = (w.from[e0], w.len[e0]);
        let steps = match w.step {
            Some(Step::TowardsRoot) if fi <= from => from - fi,
            Some(Step::TowardsLeaf) | None if fi >= from => fi - from,
            _ => return Err(bad()),
        };
        let want_k = steps + 1;
        if want_k > len || want_k <= top_k {
            return Err(bad());
        }
        while k < want_k {
            let name = w.name(p, e0, k);
            es.retain(|&e| w.len[e as usize] > k && w.name(p, e as usize, k) == name);
            k += 1;
            path.push(node_of(p, w, value, base, &es, k, None));
        }
        if path.last().map(|n| n.id) != Some(root) {
            return Err(bad());
        }
    }
    Ok((es, k, path))
}

/// The lists whose walks pass through node `root` of the tree of `w` (0:
/// every walk): the samples a table in step with that view shows.
pub fn lists_under(p: &Profile, w: &Walks, root: u32, synthetic: bool) -> Result<Vec<u32>> {
    let zero = vec![0i64; p.lists.len()];
    let (es, _, _) = zoom(p, w, &zero, None, root, synthetic)?;
    let mut lists: Vec<u32> = es.iter().map(|&e| w.list[e as usize]).collect();
    lists.sort_unstable();
    lists.dedup();
    Ok(lists)
}
