//! The function-level call tree: stacks merged by function name (as pprof's
//! flame graph and `-top` merge them), with per-sample-type node values.

use crate::model::{FuncId, Profile, StrId};
use rustc_hash::FxHashMap;

/// Node 0 is the synthetic root; every other node is a function called from
/// its parent. A parent always has a smaller id than its children.
#[derive(Debug)]
pub struct CallTree {
    pub parent: Vec<u32>,
    /// A representative function (the first seen) of the node's name.
    pub func: Vec<FuncId>,
    /// The function name: the key nodes are merged by.
    pub name: Vec<StrId>,
    /// Source line of the first frame merged into the node.
    pub line: Vec<i64>,
    pub depth: Vec<u32>,
    /// Tree node of each stack in the profile's stack table.
    pub node_of_stack: Vec<u32>,
    /// Children of node `n` are `children[child_start[n]..child_start[n + 1]]`.
    pub child_start: Vec<u32>,
    pub children: Vec<u32>,
}

/// Node values for one sample type.
#[derive(Debug, Clone)]
pub struct NodeValues {
    /// Value of samples whose leaf is this node.
    pub self_: Vec<i64>,
    /// Value of samples passing through this node.
    pub total: Vec<i64>,
}

impl CallTree {
    /// Builds the tree from the profile's stack table.
    pub fn build(p: &Profile) -> Self {
        let n_stacks = p.stacks.len();
        let mut t = CallTree {
            parent: vec![0],
            func: vec![FuncId(u32::MAX)],
            name: vec![StrId(0)],
            line: vec![0],
            depth: vec![0],
            node_of_stack: Vec::with_capacity(n_stacks),
            child_start: Vec::new(),
            children: Vec::new(),
        };
        let mut index: FxHashMap<u64, u32> = FxHashMap::default();
        for s in 0..n_stacks {
            let parent = p.stacks.prefix[s].map_or(0, |pr| t.node_of_stack[pr.idx()]);
            let frame = p.stacks.frame[s].idx();
            let func = p.frames.func[frame];
            let name = p.funcs.name[func.idx()];
            let key = ((parent as u64) << 32) | name.0 as u64;
            let node = *index.entry(key).or_insert_with(|| {
                let id = t.parent.len() as u32;
                t.parent.push(parent);
                t.func.push(func);
                t.name.push(name);
                t.line.push(p.frames.line[frame]);
                t.depth.push(t.depth[parent as usize] + 1);
                id
            });
            t.node_of_stack.push(node);
        }
        // Children lists (CSR), in id order.
        let n = t.parent.len();
        let mut count = vec![0u32; n + 1];
        for &par in &t.parent[1..] {
            count[par as usize + 1] += 1;
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        t.children = vec![0; n.saturating_sub(1)];
        for (c, &par) in t.parent.iter().enumerate().skip(1) {
            t.children[fill[par as usize] as usize] = c as u32;
            fill[par as usize] += 1;
        }
        t.child_start = count;
        t
    }

    /// Number of nodes, the root included.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Whether the tree has only its root.
    pub fn is_empty(&self) -> bool {
        self.parent.len() <= 1
    }

    /// The children of `n`.
    pub fn children_of(&self, n: u32) -> &[u32] {
        let a = self.child_start[n as usize] as usize;
        let b = self.child_start[n as usize + 1] as usize;
        &self.children[a..b]
    }

    /// Self and total value of every node for sample type `t`. Values add
    /// with wrapping, as Go's int64 arithmetic in pprof does.
    pub fn values(&self, p: &Profile, t: usize) -> NodeValues {
        let n = self.len();
        let mut self_ = vec![0i64; n];
        for (i, st) in p.samples.stack.iter().enumerate() {
            let node = st.map_or(0, |s| self.node_of_stack[s.idx()]) as usize;
            self_[node] = self_[node].wrapping_add(p.value(i, t));
        }
        let mut total = self_.clone();
        for c in (1..n).rev() {
            let par = self.parent[c] as usize;
            total[par] = total[par].wrapping_add(total[c]);
        }
        NodeValues { self_, total }
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
    /// entry and `visit(node, false)` on exit; no recursion.
    pub fn walk(&self, root: u32, mut visit: impl FnMut(u32, bool)) {
        let mut stack: Vec<(u32, u32)> = vec![(root, self.child_start[root as usize])];
        visit(root, true);
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if next < self.child_start[node as usize + 1] {
                top.1 += 1;
                let c = self.children[next as usize];
                visit(c, true);
                stack.push((c, self.child_start[c as usize]));
            } else {
                visit(node, false);
                stack.pop();
            }
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
