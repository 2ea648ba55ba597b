//! pprof's `-top` at function granularity: flat is the value of samples whose
//! leaf is the function, cum the value of samples with the function anywhere
//! on the stack, each sample counted once per function.

use super::calltree::CallTree;
use crate::model::{Profile, StrId};

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: StrId,
    pub flat: i64,
    pub cum: i64,
}

/// Rows for the subtree under `root` (0 = whole profile) for sample type
/// `t`; the path above a zoomed root counts in full. Sorted by |flat|
/// descending, then name, then |cum| descending, as pprof sorts; rows with
/// flat = cum = 0 are dropped.
///
/// One pass over the frames of the lists through `root`: a list's value is
/// flat for its last frame's name and cum for every distinct name on it
/// (the path above the root included, which so counts the root's total).
pub fn top(p: &Profile, tree: &CallTree, t: usize, root: u32) -> Vec<Row> {
    let n_names = p.strings.len();
    let mut flat = vec![0i64; n_names];
    let mut cum = vec![0i64; n_names];
    let mut seen = vec![false; n_names];
    // The last list that counted each name: a name counts once per list.
    let mut last = vec![u32::MAX; n_names];
    // Each frame's name, looked up once (the lists repeat a few thousand frames).
    let frame_name: Vec<u32> = p.frames.func.iter().map(|f| p.funcs.name[f.idx()].0).collect();
    let name_of = |f: crate::model::FrameId| frame_name[f.idx()] as usize;
    tree.with_lists_and_totals(p, t, root, |lists, totals| {
        for &l in lists {
            let v = totals[l as usize];
            let frames = p.lists.get(l);
            for &f in frames {
                let k = name_of(f);
                if last[k] != l {
                    last[k] = l;
                    cum[k] = cum[k].wrapping_add(v);
                    seen[k] = true;
                }
            }
            if let Some(&leaf) = frames.last() {
                let k = name_of(leaf);
                flat[k] = flat[k].wrapping_add(v);
            }
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
