//! Flame-graph layout as flat columns: the renderer gets rectangles and ids,
//! never the profile. Children sit left to right in an [`Order`] (by total
//! descending, ties by name: left-heavy, the default; or by name), each
//! under its parent; x and width are in value units. The same columns carry
//! the inverted and sandwich trees ([`super::stacks`]), so one renderer draws
//! every view.

use crate::analysis::calltree::CallTree;
use crate::model::Profile;

/// How siblings are ordered left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// By total, largest first (ties by name): the heaviest path runs down
    /// the left edge ("left-heavy").
    #[default]
    Total,
    /// By function name, so a function keeps its place as values change
    /// (pprof's and Brendan Gregg's flame graphs sort by name).
    Name,
}

impl Order {
    /// Sorts `(node, value, name)` siblings in this order.
    pub fn sort<T>(self, kids: &mut [(T, i64, &str)]) {
        match self {
            Order::Total => kids.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(b.2))),
            Order::Name => kids.sort_by(|a, b| a.2.cmp(b.2)),
        }
    }
}

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
    /// Sandwich layouts: the focused function's flat and cum, as `-top`
    /// gives them (the callers' and callees' roots are both its cum; its
    /// flat is not a node's self when it recurses). 0 for other layouts.
    pub focus_flat: f64,
    pub focus_cum: f64,
    /// Diff layouts (a `diff_base` comparison drawn with
    /// [`super::views::Options::diff`]): each node's self and total in the
    /// base, beside `self_` and `total`, which are then the current
    /// profile's. Empty for other layouts.
    pub base_self: Vec<f64>,
    pub base_total: Vec<f64>,
}

impl FlameLayout {
    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, p: &Profile, t: &CallTree, st: usize, n: u32, depth: u32, x: f64, width: f64) {
        self.node.push(n);
        self.x.push(x);
        self.width.push(width);
        self.depth.push(depth);
        self.func.push(t.func(n).0);
        self.line.push(t.line(n));
        self.self_.push(t.self_value(p, st, n) as f64);
        self.total.push(t.total(p, st, n) as f64);
        self.max_depth = self.max_depth.max(depth);
    }

    /// Appends one node from values already computed (layouts not drawn
    /// from the call tree).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_values(&mut self, node: u32, depth: u32, x: f64, width: f64, func: u32, line: u32, self_: i64, total: i64) {
        self.node.push(node);
        self.x.push(x);
        self.width.push(width);
        self.depth.push(depth);
        self.func.push(func);
        self.line.push(line);
        self.self_.push(self_ as f64);
        self.total.push(total as f64);
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

/// Lays out the subtree under `root` for sample type `st`, with the path
/// above it drawn at full width; nodes narrower than `min_width` × the root's
/// total are left out (with their subtrees, which are then never
/// materialized), which bounds the output and the work by the canvas, not
/// the profile.
pub fn layout(p: &Profile, t: &CallTree, st: usize, root: u32, min_width: f64) -> FlameLayout {
    layout_ordered(p, t, st, root, min_width, Order::Total)
}

/// [`layout`] with siblings in `order` (node ids do not depend on it).
pub fn layout_ordered(p: &Profile, t: &CallTree, st: usize, root: u32, min_width: f64, order: Order) -> FlameLayout {
    let mut out = FlameLayout::default();
    let root_total = t.total(p, st, root) as f64;
    out.root_total = root_total;
    out.push(p, t, st, 0, 0, 0.0, root_total);
    let path = t.ancestors_and_self(root);
    let root_depth = path.len() as u32;
    for (d, &a) in path.iter().enumerate() {
        out.push(p, t, st, a, d as u32 + 1, 0.0, root_total);
    }
    if root_total <= 0.0 {
        return out;
    }
    let cutoff = (min_width.max(0.0) * root_total).max(f64::MIN_POSITIVE);
    let name = |n: u32| p.strings.get(p.funcs.name[t.func(n).idx()]);
    let mut stack: Vec<(u32, u32, f64)> = vec![(root, root_depth, 0.0)];
    while let Some((n, depth, x0)) = stack.pop() {
        let mut kids: Vec<(u32, i64, &str)> = t
            .children(p, n)
            .into_iter()
            .map(|c| (c, t.total(p, st, c), name(c)))
            .filter(|&(_, v, _)| v as f64 >= cutoff)
            .collect();
        order.sort(&mut kids);
        let mut x = x0;
        // Push in reverse so the leftmost child is laid out first.
        let start = stack.len();
        for &(c, v, _) in &kids {
            let w = v as f64;
            out.push(p, t, st, c, depth + 1, x, w);
            stack.push((c, depth + 1, x));
            x += w;
        }
        stack[start..].reverse();
    }
    out
}
