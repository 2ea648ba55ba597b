//! The function-level call tree (stacks merged by function name, as pprof's
//! flame graph and `-top` merge them), built lazily from the samples' frame
//! lists (`Profile::lists`): a node is materialized only when something asks
//! for it (the flame layout asks for the nodes wide enough to draw, a zoom
//! or a maps path for the nodes on its way), so the cost of the first flame
//! graph follows the canvas, not the number of distinct stack prefixes
//! (12.5 million in bench/'s low-sharing profile, 3,000 of them drawn).
//!
//! How: every node owns a contiguous range of one permutation of the lists
//! (`order`), the lists whose first `depth` frames carry the node's path of
//! names. Expanding a node sorts its range by the name of each list's next
//! frame (lists that end at the node first, then by list id within a name):
//! each run of one name is a child, with its range inside the parent's. It
//! is a most-significant-digit radix sort of the lists by their name paths,
//! done only where it is looked at.
//!
//! Node ids are a function of the file, not of the order nodes were asked
//! for, so that an id means the same node in every session of the same file
//! (another tab, a reload, a colleague's link): the id of a node is the
//! position, in the frames column, of its frame in the first list (by list
//! id) through it, plus one; the root is 0. Any id can be resolved by walking
//! that list's first frames down from the root; one that does not name a
//! node's first list is refused ([`CallTree::resolve`]).

use crate::model::{FuncId, Profile};
use rustc_hash::FxHashMap;
use std::cell::RefCell;

/// Marks a node whose children are not materialized yet.
const UNEXPANDED: u32 = u32::MAX;

/// The lazily built call tree. Interior mutability: queries take `&self`
/// and materialize what they need (the tree is not shared across threads).
#[derive(Debug)]
pub struct CallTree {
    inner: RefCell<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    parent: Vec<u32>,
    /// A representative function of the node's name: the function of the
    /// first list (by list id, i.e. first seen in the file) through it.
    func: Vec<FuncId>,
    /// Source line of that list's frame at the node.
    line: Vec<u32>,
    /// Frames on the node's path (0 for the root).
    depth: Vec<u32>,
    /// The node's id (see the module comment).
    id: Vec<u32>,
    /// Id → index of the materialized nodes.
    index: FxHashMap<u32, u32>,
    /// The node's lists are `order[lo..hi]`.
    lo: Vec<u32>,
    hi: Vec<u32>,
    /// First child id (children are consecutive), or [`UNEXPANDED`].
    kids: Vec<u32>,
    n_kids: Vec<u32>,
    /// A permutation of the list ids.
    order: Vec<u32>,
    /// Per sample type: each list's value (the sum over its samples), then
    /// each node's total, filled for the first `len` nodes as asked.
    list_total: Vec<Option<Vec<i64>>>,
    node_total: Vec<Vec<i64>>,
    scratch: Vec<u64>,
}

impl CallTree {
    /// The tree of `p`: only its root, until asked.
    pub fn build(p: &Profile) -> Self {
        let n_lists = p.lists.len() as u32;
        let inner = Inner {
            parent: vec![0],
            func: vec![FuncId(u32::MAX)],
            line: vec![0],
            depth: vec![0],
            id: vec![0],
            index: [(0, 0)].into_iter().collect(),
            lo: vec![0],
            hi: vec![n_lists],
            kids: vec![UNEXPANDED],
            n_kids: vec![0],
            order: (0..n_lists).collect(),
            list_total: vec![None; p.sample_types.len()],
            node_total: vec![Vec::new(); p.sample_types.len()],
            scratch: Vec::new(),
        };
        CallTree { inner: RefCell::new(inner) }
    }

    /// Number of nodes materialized so far, the root included.
    pub fn len(&self) -> usize {
        self.inner.borrow().parent.len()
    }

    /// Whether only the root is materialized.
    pub fn is_empty(&self) -> bool {
        self.len() <= 1
    }

    /// The index of node `id`, materializing the path to it; `None` if `id`
    /// names no node.
    pub fn resolve(&self, p: &Profile, id: u32) -> Option<u32> {
        if let Some(&i) = self.inner.borrow().index.get(&id) {
            return Some(i);
        }
        // Position id - 1 lies in list l, at depth k.
        let pos = id.checked_sub(1)?;
        if pos as usize >= p.lists.frames.len() {
            return None;
        }
        let l = p.lists.start.partition_point(|&s| s <= pos).checked_sub(1)? as u32;
        let k = id - p.lists.start[l as usize];
        let mut inner = self.inner.borrow_mut();
        let i = inner.descend(p, l, k)?;
        (inner.id[i as usize] == id).then_some(i)
    }

    /// The node's representative function (`u32::MAX` for the root and for
    /// an unknown id).
    pub fn func(&self, id: u32) -> FuncId {
        self.with_node(id, |t, i| t.func[i]).unwrap_or(FuncId(u32::MAX))
    }

    /// The source line of the node's first frame.
    pub fn line(&self, id: u32) -> u32 {
        self.with_node(id, |t, i| t.line[i]).unwrap_or(0)
    }

    /// The node's parent (the root's is itself).
    pub fn parent(&self, id: u32) -> u32 {
        self.with_node(id, |t, i| t.id[t.parent[i] as usize]).unwrap_or(0)
    }

    /// Frames on the node's path.
    pub fn depth(&self, id: u32) -> u32 {
        self.with_node(id, |t, i| t.depth[i]).unwrap_or(0)
    }

    /// `f` on a materialized node's index (ids come from this tree's own
    /// answers, so they are materialized; others give `None`).
    fn with_node<R>(&self, id: u32, f: impl FnOnce(&Inner, usize) -> R) -> Option<R> {
        let t = self.inner.borrow();
        let i = *t.index.get(&id)? as usize;
        Some(f(&t, i))
    }

    /// The ids of the children of `id` (materialized now if they were
    /// not), in increasing name-id order.
    pub fn children(&self, p: &Profile, id: u32) -> Vec<u32> {
        let Some(n) = self.resolve(p, id) else { return Vec::new() };
        let mut t = self.inner.borrow_mut();
        t.expand(p, n);
        let k = t.kids[n as usize];
        t.id[k as usize..(k + t.n_kids[n as usize]) as usize].to_vec()
    }

    /// Runs `f` on the ids of the lists through `id`, in no particular
    /// order, and every list's value for sample type `t` (indexed by list
    /// id). For the root, the lists come in storage order: a pass over their
    /// frames then reads memory sequentially (5× faster on bench/'s
    /// low-sharing profile than in the root's sorted order).
    pub fn with_lists_and_totals<R>(&self, p: &Profile, t: usize, id: u32, f: impl FnOnce(&[u32], &[i64]) -> R) -> R {
        let n = self.resolve(p, id).unwrap_or(0) as usize;
        let mut inner = self.inner.borrow_mut();
        inner.list_totals(p, t);
        let inner = &*inner;
        let totals = inner.list_total[t].as_deref().unwrap_or(&[]);
        if n == 0 {
            let all: Vec<u32> = (0..p.lists.len() as u32).collect();
            return f(&all, totals);
        }
        let (lo, hi) = (inner.lo[n] as usize, inner.hi[n] as usize);
        f(&inner.order[lo..hi], totals)
    }

    /// Value of the samples through `id` for sample type `t` (0 for an
    /// unknown id). Values add with wrapping, as Go's int64 arithmetic in
    /// pprof does.
    pub fn total(&self, p: &Profile, t: usize, id: u32) -> i64 {
        match self.resolve(p, id) {
            Some(n) => self.inner.borrow_mut().total(p, t, n),
            None => 0,
        }
    }

    /// Value of the samples whose leaf is `id`: its total less its children's.
    pub fn self_value(&self, p: &Profile, t: usize, id: u32) -> i64 {
        let Some(n) = self.resolve(p, id) else { return 0 };
        let mut inner = self.inner.borrow_mut();
        inner.expand(p, n);
        let k = inner.kids[n as usize];
        let kids = k..k + inner.n_kids[n as usize];
        kids.fold(inner.total(p, t, n), |acc, c| acc.wrapping_sub(inner.total(p, t, c)))
    }

    /// The path from the root's first child down to `id` (empty for the root).
    pub fn ancestors_and_self(&self, id: u32) -> Vec<u32> {
        let t = self.inner.borrow();
        let mut path = Vec::new();
        let Some(&mut_start) = t.index.get(&id) else { return path };
        let mut c = mut_start;
        while c != 0 && (c as usize) < t.parent.len() {
            path.push(t.id[c as usize]);
            c = t.parent[c as usize];
        }
        path.reverse();
        path
    }

    /// The id of the node of the first `depth` frames of list `list`
    /// (materializing the nodes on the way): where a maps path points the
    /// flame graph.
    pub fn node_at(&self, p: &Profile, list: u32, depth: u32) -> u32 {
        let mut inner = self.inner.borrow_mut();
        match inner.descend(p, list, depth) {
            Some(i) => inner.id[i as usize],
            None => 0,
        }
    }

    /// Total under `root` of the samples with a function for which `matches`
    /// holds on their stack below `root`, each sample once; a matching
    /// ancestor (or `root` itself) counts the whole root.
    pub fn matched_total(&self, p: &Profile, t: usize, root: u32, matches: impl Fn(FuncId) -> bool) -> i64 {
        if self.resolve(p, root).is_none() {
            return 0;
        }
        if self.ancestors_and_self(root).iter().any(|&a| matches(self.func(a))) {
            return self.total(p, t, root);
        }
        let from = self.depth(root) as usize;
        // Decide per function once: the stacks repeat the same few thousand.
        let mut hit: Vec<u8> = vec![0; p.funcs.len()];
        self.with_lists_and_totals(p, t, root, |lists, totals| {
            let mut sum = 0i64;
            for &l in lists {
                let any = p.lists.get(l).iter().skip(from).any(|f| {
                    let func = p.frames.func[f.idx()];
                    let h = &mut hit[func.idx()];
                    if *h == 0 {
                        *h = if matches(func) { 2 } else { 1 };
                    }
                    *h == 2
                });
                if any {
                    sum = sum.wrapping_add(totals[l as usize]);
                }
            }
            sum
        })
    }
}

impl Inner {
    /// The index of the node of the first `depth` frames of `list`,
    /// materializing the way (`None` if the list is shorter).
    fn descend(&mut self, p: &Profile, list: u32, depth: u32) -> Option<u32> {
        let frames = p.lists.get(list);
        let mut n = 0u32;
        for f in frames.get(..depth as usize)? {
            let name = p.funcs.name[p.frames.func[f.idx()].idx()].0;
            self.expand(p, n);
            let k = self.kids[n as usize] as usize;
            let kids = k..k + self.n_kids[n as usize] as usize;
            let at = self.func[kids.clone()].binary_search_by_key(&name, |f| p.funcs.name[f.idx()].0).ok()?;
            n = (k + at) as u32;
        }
        Some(n)
    }

    fn list_totals(&mut self, p: &Profile, t: usize) -> &[i64] {
        let n_lists = p.lists.len();
        self.list_total[t].get_or_insert_with(|| {
            let mut v = vec![0i64; n_lists];
            let nt = p.sample_types.len();
            for (i, &l) in p.samples.list.iter().enumerate() {
                if let Some(x) = v.get_mut(l as usize) {
                    *x = x.wrapping_add(p.samples.values[i * nt + t]);
                }
            }
            v
        })
    }

    fn total(&mut self, p: &Profile, t: usize, n: u32) -> i64 {
        if self.node_total[t].len() <= n as usize {
            self.list_totals(p, t);
            let totals = self.list_total[t].take().unwrap_or_default();
            let mut nt = std::mem::take(&mut self.node_total[t]);
            for m in nt.len()..self.parent.len() {
                let (lo, hi) = (self.lo[m] as usize, self.hi[m] as usize);
                nt.push(self.order[lo..hi].iter().fold(0i64, |acc, &l| acc.wrapping_add(totals[l as usize])));
            }
            self.node_total[t] = nt;
            self.list_total[t] = Some(totals);
        }
        self.node_total[t][n as usize]
    }

    /// Materializes the children of `n` (see the module comment).
    fn expand(&mut self, p: &Profile, n: u32) {
        let ni = n as usize;
        if self.kids[ni] != UNEXPANDED {
            return;
        }
        let (lo, hi, depth) = (self.lo[ni] as usize, self.hi[ni] as usize, self.depth[ni]);
        let mut keys = std::mem::take(&mut self.scratch);
        keys.clear();
        // Key: 0 for a list that ends here, else 1 + the name of its next
        // frame; then the list id, so a name's first list comes first.
        keys.extend(self.order[lo..hi].iter().map(|&l| {
            let f = p.lists.get(l).get(depth as usize);
            let name = f.map_or(0, |f| p.funcs.name[p.frames.func[f.idx()].idx()].0 as u64 + 1);
            (name << 32) | l as u64
        }));
        keys.sort_unstable();
        let first = self.parent.len() as u32;
        let mut count = 0u32;
        let mut i = 0usize;
        while i < keys.len() {
            let name = keys[i] >> 32;
            let mut j = i + 1;
            while j < keys.len() && keys[j] >> 32 == name {
                j += 1;
            }
            if name != 0 {
                let l = keys[i] as u32;
                let f = p.lists.get(l)[depth as usize];
                self.parent.push(n);
                self.func.push(p.frames.func[f.idx()]);
                self.line.push(p.frames.line[f.idx()].clamp(0, u32::MAX as i64) as u32);
                self.depth.push(depth + 1);
                let id = p.lists.start[l as usize] + depth + 1;
                self.index.insert(id, self.id.len() as u32);
                self.id.push(id);
                self.lo.push((lo + i) as u32);
                self.hi.push((lo + j) as u32);
                self.kids.push(UNEXPANDED);
                self.n_kids.push(0);
                count += 1;
            }
            i = j;
        }
        for (slot, &k) in self.order[lo..hi].iter_mut().zip(&keys) {
            *slot = k as u32;
        }
        self.kids[ni] = first;
        self.n_kids[ni] = count;
        self.scratch = keys;
    }
}
