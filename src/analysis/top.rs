//! pprof's `-top` at function granularity: flat is the value of samples whose
//! leaf is the function, cum the value of samples with the function anywhere
//! on the stack, each sample counted once per function.

use super::calltree::{CallTree, NodeValues};
use crate::model::{Profile, StrId};

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: StrId,
    pub flat: i64,
    pub cum: i64,
}

/// Rows for the subtree under `root` (0 = whole profile); the path above a
/// zoomed root counts in full. Sorted by |flat| descending, then name, then
/// |cum| descending, as pprof sorts; rows with flat = cum = 0 are dropped.
pub fn top(p: &Profile, tree: &CallTree, v: &NodeValues, root: u32) -> Vec<Row> {
    let name = |n: u32| tree.func.get(n as usize).and_then(|f| p.funcs.name.get(f.idx())).copied().unwrap_or(StrId(0));
    let n_names = p.strings.len();
    let mut flat = vec![0i64; n_names];
    let mut cum = vec![0i64; n_names];
    let mut seen = vec![false; n_names];
    let mut active = vec![0u32; n_names];
    let root_total = v.total[root as usize];
    for a in tree.ancestors_and_self(root) {
        let k = name(a).idx();
        if a != root && active[k] == 0 {
            cum[k] = cum[k].wrapping_add(root_total);
            seen[k] = true;
        }
        if a != root {
            active[k] += 1;
        }
    }
    tree.walk(root, |n, enter| {
        if n == 0 {
            return;
        }
        let k = name(n).idx();
        if enter {
            if active[k] == 0 {
                cum[k] = cum[k].wrapping_add(v.total[n as usize]);
            }
            active[k] += 1;
            // self = total less the children's totals: add the node's total to
            // its own function and take it from its parent's.
            flat[k] = flat[k].wrapping_add(v.total[n as usize]);
            let parent = tree.parent[n as usize];
            if n != root && parent != 0 {
                let pk = name(parent).idx();
                flat[pk] = flat[pk].wrapping_sub(v.total[n as usize]);
            }
            seen[k] = true;
        } else {
            active[k] -= 1;
        }
    });
    let mut rows: Vec<(&str, Row)> = (0..n_names)
        .filter(|&k| seen[k] && (flat[k] != 0 || cum[k] != 0))
        .map(|k| {
            let id = StrId(k as u32);
            (p.strings.get(id), Row { name: id, flat: flat[k], cum: cum[k] })
        })
        .collect();
    rows.sort_by(|(an, a), (bn, b)| {
        b.flat
            .unsigned_abs()
            .cmp(&a.flat.unsigned_abs())
            .then_with(|| an.cmp(bn))
            .then_with(|| b.cum.unsigned_abs().cmp(&a.cum.unsigned_abs()))
    });
    rows.into_iter().map(|(_, r)| r).collect()
}
