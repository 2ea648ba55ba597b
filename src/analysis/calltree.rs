//! The function-level call tree: stacks merged by function name (as pprof's
//! flame graph and `-top` merge them), with per-sample-type node values.

use crate::model::{FuncId, Profile};
use rustc_hash::FxHashMap;

/// Node 0 is the synthetic root; every other node is a function called from
/// its parent. Nodes are numbered in depth-first pre-order, so the subtree of
/// `n` is the id range `n..end[n]`: walks over it are sequential scans.
#[derive(Debug)]
pub struct CallTree {
    pub parent: Vec<u32>,
    /// A representative function (the first seen) of the node's name; nodes
    /// are merged by function name.
    pub func: Vec<FuncId>,
    /// Source line of the first frame merged into the node.
    pub line: Vec<u32>,
    /// Tree node of each sample's leaf (0 for an empty stack).
    pub sample_node: Vec<u32>,
    /// One past the last node of each node's subtree.
    pub end: Vec<u32>,
}

/// Node values for one sample type.
#[derive(Debug, Clone)]
pub struct NodeValues {
    /// Value of samples passing through each node; a node's self value is
    /// its total less its children's totals (see [`CallTree::self_value`]).
    pub total: Vec<i64>,
}

impl CallTree {
    /// Builds the tree from the profile's stack table.
    pub fn build(p: &Profile) -> Self {
        // Stacks from the pprof decoder come one depth level at a time; then
        // the intern map only needs the current level and stays small.
        Self::build_with(p, true).unwrap_or_else(|| Self::build_with(p, false).unwrap_or_else(Self::empty))
    }

    fn empty() -> Self {
        CallTree { parent: vec![0], func: vec![FuncId(u32::MAX)], line: vec![0], sample_node: Vec::new(), end: vec![1] }
    }

    /// `per_level`: clear the intern map at each new depth; gives up (None)
    /// if the stacks turn out not to be in level order.
    fn build_with(p: &Profile, per_level: bool) -> Option<Self> {
        let n_stacks = p.stacks.len();
        let mut t = Self::empty();
        // A tree has at most one node per stack (plus the root): reserving
        // that avoids the copies (and the peak) of doubling three columns.
        t.parent.reserve_exact(n_stacks);
        t.func.reserve_exact(n_stacks);
        t.line.reserve_exact(n_stacks);
        let mut node_of_stack: Vec<u32> = Vec::with_capacity(n_stacks);
        let mut index: FxHashMap<u64, u32> = FxHashMap::default();
        // Where stacks share little (merged CPU profiles of many replicas,
        // heap profiles allocated along many paths), most stacks are links of
        // chains: the only child of a stack that is alone in its tree node.
        // Such a stack's node can merge with nothing (no other stack has
        // that parent node), so it is created without a lookup. Child
        // counts saturate at 2 (only "exactly one" matters).
        let mut children = vec![0u8; n_stacks];
        for pr in p.stacks.prefix.iter().flatten() {
            let c = &mut children[pr.idx()];
            *c = (*c + 1).min(2);
        }
        // Per node: created by one stack and never merged into since.
        let mut alone: Vec<bool> = Vec::with_capacity(n_stacks);
        alone.push(false); // the root
        // Level boundaries are read off the prefixes: in level order, a
        // stack whose prefix is in the current level starts the next one.
        let (mut prev_level, mut cur_level) = (0usize, 0usize);
        let mut roots_done = false;
        for s in 0..n_stacks {
            let prefix = p.stacks.prefix[s];
            let parent = prefix.map_or(0, |pr| node_of_stack[pr.idx()]);
            if per_level {
                match prefix {
                    None if roots_done => return None,
                    None => {}
                    Some(pr) => {
                        let pr = pr.idx();
                        if !roots_done || pr >= cur_level {
                            roots_done = true;
                            prev_level = cur_level;
                            cur_level = s;
                            index.clear();
                        }
                        if pr < prev_level || pr >= cur_level {
                            return None;
                        }
                    }
                }
            }
            let frame = p.stacks.frame[s].idx();
            let func = p.frames.func[frame];
            let line = p.frames.line[frame].clamp(0, u32::MAX as i64) as u32;
            // Only in level order: then every stack that could merge into the
            // parent node has been seen before this one.
            let chain = per_level && prefix.is_some_and(|pr| children[pr.idx()] == 1 && alone[parent as usize]);
            let node = if chain {
                None
            } else {
                let name = p.funcs.name[func.idx()];
                let key = ((parent as u64) << 32) | name.0 as u64;
                match index.entry(key) {
                    std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(t.parent.len() as u32);
                        None
                    }
                }
            };
            let node = match node {
                Some(n) => {
                    alone[n as usize] = false;
                    n
                }
                None => {
                    let id = t.parent.len() as u32;
                    t.parent.push(parent);
                    t.func.push(func);
                    t.line.push(line);
                    alone.push(true);
                    id
                }
            };
            node_of_stack.push(node);
        }
        drop(index);
        drop(alone);
        drop(children);
        // Reserved for one node per stack; give back what merging saved.
        t.parent.shrink_to_fit();
        t.func.shrink_to_fit();
        t.line.shrink_to_fit();
        crate::mem_mark("tree: nodes built");
        t.sample_node = p.samples.stack.iter().map(|st| st.map_or(0, |s| node_of_stack[s.idx()])).collect();
        drop(node_of_stack);
        crate::mem_mark("tree: before renumber");
        t.renumber_preorder();
        crate::mem_mark("tree: renumbered");
        Some(t)
    }

    /// Renumbers nodes from creation order (parents before children) into
    /// depth-first pre-order with two linear passes: subtree sizes bottom-up,
    /// then each child takes the next free slot inside its parent's range.
    ///
    /// Wasm memory never shrinks, so where temporaries land sets the page's
    /// peak: the two temporary columns share one allocation, which leaves one
    /// hole of 8 bytes per node when freed — exactly what the node values
    /// computed next need (bench/wasm-memory.sh shows the effect).
    fn renumber_preorder(&mut self) {
        let n = self.parent.len();
        let mut scratch = vec![0u32; 2 * n];
        let (next, pre) = scratch.split_at_mut(n);
        // `next` holds each node's subtree size until the node gets its
        // pre-order slot, then the next free slot for its children, which
        // ends as one past its subtree: its `end`.
        next.fill(1);
        for c in (1..n).rev() {
            let p = self.parent[c] as usize;
            next[p] += next[c];
        }
        next[0] = 1;
        for c in 1..n {
            let p = self.parent[c] as usize;
            let size = next[c];
            pre[c] = next[p];
            next[p] += size;
            next[c] = pre[c] + 1;
        }
        crate::mem_mark("renumber: pre computed");
        // Move every column's entry i to pre[i]: scattered writes, reads in
        // order (several times faster than following permutation cycles).
        fn permute<T: Copy + Default>(v: &[T], pre: &[u32]) -> Vec<T> {
            let mut out = vec![T::default(); v.len()];
            for (i, &x) in v.iter().enumerate() {
                out[pre[i] as usize] = x;
            }
            out
        }
        // Parents are renamed as they move: one pass, not two.
        let mut parent = vec![0u32; n];
        for (i, &p) in self.parent.iter().enumerate() {
            parent[pre[i] as usize] = pre[p as usize];
        }
        self.parent = parent;
        self.func = permute(&self.func, pre);
        self.line = permute(&self.line, pre);
        self.end = permute(next, pre);
        for s in &mut self.sample_node {
            *s = pre[*s as usize];
        }
    }

    /// Number of nodes, the root included.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Whether the tree has only its root.
    pub fn is_empty(&self) -> bool {
        self.parent.len() <= 1
    }

    /// The children of `n`, in id order.
    pub fn children_of(&self, n: u32) -> Children<'_> {
        Children { end: &self.end, next: n + 1, stop: self.end.get(n as usize).copied().unwrap_or(0) }
    }

    /// Self and total value of every node for sample type `t`. Values add
    /// with wrapping, as Go's int64 arithmetic in pprof does.
    pub fn values(&self, p: &Profile, t: usize) -> NodeValues {
        let n = self.len();
        let mut total = vec![0i64; n];
        for (i, &node) in self.sample_node.iter().enumerate() {
            total[node as usize] = total[node as usize].wrapping_add(p.value(i, t));
        }
        for c in (1..n).rev() {
            let par = self.parent[c] as usize;
            total[par] = total[par].wrapping_add(total[c]);
        }
        NodeValues { total }
    }

    /// Value of the samples whose leaf is `n`.
    pub fn self_value(&self, v: &NodeValues, n: u32) -> i64 {
        self.children_of(n).fold(v.total[n as usize], |acc, c| acc.wrapping_sub(v.total[c as usize]))
    }

    /// The path from the root's first child down to `n` (empty for the root).
    pub fn ancestors_and_self(&self, n: u32) -> Vec<u32> {
        let mut path = Vec::new();
        let mut c = n;
        while c != 0 {
            path.push(c);
            c = self.parent[c as usize];
        }
        path.reverse();
        path
    }

    /// Depth-first walk of the subtree under `root`: `visit(node, true)` on
    /// entry and `visit(node, false)` on exit. A sequential scan of the
    /// subtree's id range; a stack of open nodes supplies the exits.
    pub fn walk(&self, root: u32, mut visit: impl FnMut(u32, bool)) {
        let mut open: Vec<u32> = Vec::new();
        for i in root..self.end[root as usize] {
            while let Some(&top) = open.last() {
                if self.end[top as usize] > i {
                    break;
                }
                visit(top, false);
                open.pop();
            }
            visit(i, true);
            open.push(i);
        }
        while let Some(top) = open.pop() {
            visit(top, false);
        }
    }

    /// Total of the nodes under `root` whose function matches, counting each
    /// sample once however often a matching function is on its stack (the
    /// share a search highlights). A matching ancestor counts the whole root.
    pub fn matched_total(&self, v: &NodeValues, root: u32, matches: impl Fn(FuncId) -> bool) -> i64 {
        if self.ancestors_and_self(root).iter().any(|&a| matches(self.func[a as usize])) {
            return v.total[root as usize];
        }
        let mut active = 0u32;
        let mut sum = 0i64;
        self.walk(root, |n, enter| {
            if n == 0 {
                return;
            }
            if matches(self.func[n as usize]) {
                if enter {
                    if active == 0 {
                        sum = sum.wrapping_add(v.total[n as usize]);
                    }
                    active += 1;
                } else {
                    active -= 1;
                }
            }
        });
        sum
    }
}

/// Iterator over a node's children: the first is the node's successor, each
/// next one starts where the previous one's subtree ends.
pub struct Children<'a> {
    end: &'a [u32],
    next: u32,
    stop: u32,
}

impl Iterator for Children<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.next >= self.stop {
            return None;
        }
        let c = self.next;
        self.next = self.end.get(c as usize).copied().unwrap_or(self.stop).max(c + 1);
        Some(c)
    }
}
