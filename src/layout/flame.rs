//! Flame-graph layout as flat columns: the renderer gets rectangles and ids,
//! never the profile. Children sit left to right by total descending (ties by
//! name), each under its parent; x and width are in value units.

use crate::analysis::calltree::{CallTree, NodeValues};
use crate::model::Profile;

/// One laid-out flame graph, a row per drawn node.
#[derive(Debug, Default, Clone)]
pub struct FlameLayout {
    /// Call-tree node id (pass it back to zoom).
    pub node: Vec<u32>,
    /// Left edge, in value units from the zoom root's left edge.
    pub x: Vec<f64>,
    pub width: Vec<f64>,
    /// 0 is the synthetic root.
    pub depth: Vec<u32>,
    /// Function id (`u32::MAX` for the root).
    pub func: Vec<u32>,
    /// Source line of the node's first frame.
    pub line: Vec<u32>,
    pub self_: Vec<f64>,
    pub total: Vec<f64>,
    /// Total of the zoom root: the full width.
    pub root_total: f64,
    pub max_depth: u32,
}

impl FlameLayout {
    fn push(&mut self, t: &CallTree, v: &NodeValues, n: u32, depth: u32, x: f64, width: f64) {
        let i = n as usize;
        self.node.push(n);
        self.x.push(x);
        self.width.push(width);
        self.depth.push(depth);
        self.func.push(t.func[i].0);
        self.line.push(t.line[i]);
        self.self_.push(t.self_value(v, n) as f64);
        self.total.push(v.total[i] as f64);
        self.max_depth = self.max_depth.max(depth);
    }

    /// Number of nodes laid out.
    pub fn len(&self) -> usize {
        self.node.len()
    }

    /// Whether nothing was laid out.
    pub fn is_empty(&self) -> bool {
        self.node.is_empty()
    }
}

/// Lays out the subtree under `root`, with the path above it drawn at full
/// width; nodes narrower than `min_width` × the root's total are left out
/// (with their subtrees), which bounds the output by the canvas, not the
/// profile.
pub fn layout(p: &Profile, t: &CallTree, v: &NodeValues, root: u32, min_width: f64) -> FlameLayout {
    let mut out = FlameLayout::default();
    let root_total = v.total[root as usize] as f64;
    out.root_total = root_total;
    out.push(t, v, 0, 0, 0.0, root_total);
    let path = t.ancestors_and_self(root);
    let root_depth = path.len() as u32;
    for (d, &a) in path.iter().enumerate() {
        out.push(t, v, a, d as u32 + 1, 0.0, root_total);
    }
    if root_total <= 0.0 {
        return out;
    }
    let cutoff = (min_width.max(0.0) * root_total).max(f64::MIN_POSITIVE);
    let name = |n: u32| p.strings.get(p.funcs.name[t.func[n as usize].idx()]);
    let mut kids: Vec<u32> = Vec::new();
    let mut stack: Vec<(u32, u32, f64)> = vec![(root, root_depth, 0.0)];
    while let Some((n, depth, x0)) = stack.pop() {
        kids.clear();
        kids.extend(t.children_of(n).filter(|&c| v.total[c as usize] as f64 >= cutoff));
        kids.sort_by(|&a, &b| v.total[b as usize].cmp(&v.total[a as usize]).then_with(|| name(a).cmp(name(b))));
        let mut x = x0;
        // Push in reverse so the leftmost child is laid out first.
        let start = stack.len();
        for &c in &kids {
            let w = v.total[c as usize] as f64;
            out.push(t, v, c, depth + 1, x, w);
            stack.push((c, depth + 1, x));
            x += w;
        }
        stack[start..].reverse();
    }
    out
}
