//! pprof's `-top`: flat is the value of samples whose leaf is the node, cum
//! the value of samples with the node anywhere on the stack, each sample
//! counted once per node. A node is a function by default; [`Granularity`]
//! picks pprof's other granularities, named as pprof names them.

use super::calltree::CallTree;
use crate::model::{FrameId, Profile, StrId};
use crate::{Error, Result};
use rustc_hash::FxHashMap;

/// pprof's `-functions` (the default), `-filefunctions`, `-files` and
/// `-lines`. (`-addresses` needs the locations' addresses, which the model
/// does not keep per frame.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Granularity {
    #[default]
    Functions,
    FileFunctions,
    Files,
    Lines,
}

impl Granularity {
    /// pprof's name for it (`functions`, `filefunctions`, `files`, `lines`).
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "" | "functions" => Granularity::Functions,
            "filefunctions" => Granularity::FileFunctions,
            "files" => Granularity::Files,
            "lines" => Granularity::Lines,
            _ => return Err(Error::UnknownGranularity { requested: s.to_string() }),
        })
    }
}

/// Each frame's node at granularity `g`, and each node's name as pprof's
/// `NodeInfo.PrintableName` gives it: `main.f`, `main.f main.go`,
/// `main.go`, `main.f main.go:12`. (pprof also drops the file at function
/// granularity, so a function's name alone is its node there. At file
/// granularity, where it drops the names, a node also keeps the function's
/// start line, so a file is one row per function that starts in it, all
/// named by the file: pprof's rows, duplicates and all.)
pub fn frame_nodes(p: &Profile, g: Granularity) -> (Vec<u32>, Vec<String>) {
    let mut names: Vec<String> = Vec::new();
    let mut index: FxHashMap<(String, i64), u32> = FxHashMap::default();
    let mut node = |name: String, start: i64| -> u32 {
        let key = (name, start);
        if let Some(&k) = index.get(&key) {
            return k;
        }
        let k = names.len() as u32;
        names.push(key.0.clone());
        index.insert(key, k);
        k
    };
    let keys = (0..p.frames.len())
        .map(|i| {
            let f = p.frames.func[i].idx();
            let name = p.strings.get(p.funcs.name[f]);
            let file = p.strings.get(p.funcs.file[f]);
            let line = p.frames.line[i];
            let mut parts: Vec<String> = Vec::with_capacity(2);
            if g != Granularity::Files && !name.is_empty() {
                parts.push(name.to_string());
            }
            match g {
                Granularity::Lines if line != 0 => parts.push(format!("{file}:{line}")),
                Granularity::Lines | Granularity::FileFunctions | Granularity::Files if !file.is_empty() => {
                    parts.push(file.to_string())
                }
                _ => {}
            }
            if parts.is_empty() {
                // pprof's NodeInfo.NameComponents: nothing to print.
                parts.push("<unknown>".to_string());
            }
            let start = if g == Granularity::Files { p.funcs.start_line[f] } else { 0 };
            node(parts.join(" "), start)
        })
        .collect();
    (keys, names)
}

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
    // Each frame's name, looked up once (the lists repeat a few thousand frames).
    let frame_name: Vec<u32> = p.frames.func.iter().map(|f| p.funcs.name[f.idx()].0).collect();
    top_by(p, tree, t, root, &frame_name, p.strings.len(), |k| p.strings.get(StrId(k)))
        .into_iter()
        .map(|(k, flat, cum)| Row { name: StrId(k), flat, cum })
        .collect()
}

/// [`top`] with each frame's node given by `frame_node` (of `n_names`
/// nodes, named by `name`): `(node, flat, cum)` rows in pprof's order.
pub fn top_by<'a>(
    p: &Profile,
    tree: &CallTree,
    t: usize,
    root: u32,
    frame_node: &[u32],
    n_names: usize,
    name: impl Fn(u32) -> &'a str,
) -> Vec<(u32, i64, i64)> {
    tree.with_lists_and_totals(p, t, root, |lists, totals| top_of_lists(p, lists, totals, frame_node, n_names, name))
}

/// [`top_by`] over the samples of `lists` (each list's value in
/// `totals[list]`), wherever they are in the call tree: the table of a view
/// whose nodes are not the call tree's (an inverted or sandwich zoom).
pub fn top_of_lists<'a>(
    p: &Profile,
    lists: &[u32],
    totals: &[i64],
    frame_node: &[u32],
    n_names: usize,
    name: impl Fn(u32) -> &'a str,
) -> Vec<(u32, i64, i64)> {
    let mut flat = vec![0i64; n_names];
    let mut cum = vec![0i64; n_names];
    let mut seen = vec![false; n_names];
    // The last list that counted each name: a name counts once per list.
    let mut last = vec![u32::MAX; n_names];
    let name_of = |f: FrameId| frame_node.get(f.idx()).map_or(0, |&k| k as usize).min(n_names.saturating_sub(1));
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
    let mut rows: Vec<(&str, (u32, i64, i64))> = (0..n_names)
        // pprof's selectNodesForGraph drops nodes of flat 0 and cum 0 (a
        // diff's cancelled ones too).
        .filter(|&k| seen[k] && (flat[k] != 0 || cum[k] != 0))
        .map(|k| (name(k as u32), (k as u32, flat[k], cum[k])))
        .collect();
    rows.sort_by(|(an, a), (bn, b)| {
        b.1.unsigned_abs()
            .cmp(&a.1.unsigned_abs())
            .then_with(|| an.cmp(bn))
            .then_with(|| b.2.unsigned_abs().cmp(&a.2.unsigned_abs()))
    });
    rows.into_iter().map(|(_, r)| r).collect()
}

/// pprof's graph has an edge for every call in a sample whose value is not
/// 0, even where values cancel (a diff's +5 and -5 give an edge of weight
/// 0, which `-peek` lists and which counts for `(inline)`), and a list whose
/// samples sum to 0 may hold such samples: for each list, whether it does
/// (empty when no list sums to 0: every list counts).
pub fn live_lists(p: &Profile, tree: &CallTree, t: usize) -> Vec<bool> {
    tree.with_lists_and_totals(p, t, 0, |_, totals| {
        if !totals.iter().any(|&v| v == 0) {
            return Vec::new();
        }
        let mut live = vec![false; totals.len()];
        for i in 0..p.samples.len() {
            if p.value(i, t) != 0 {
                if let Some(l) = p.samples.list.get(i).and_then(|&l| live.get_mut(l as usize)) {
                    *l = true;
                }
            }
        }
        live
    })
}

/// [`top_by`] trimmed as pprof trims a `-top` report (`newTrimmedGraph`):
/// nodes whose |cum| is under `nodefraction` of the total flat are dropped,
/// then all but the first `nodecount` rows (0: all). pprof builds its graph
/// again without the dropped nodes, which changes no kept node's values (a
/// sample whose leaf was dropped gives no one its flat), so this is a
/// filter of the rows.
#[allow(clippy::too_many_arguments)]
pub fn top_trimmed<'a>(
    p: &Profile,
    tree: &CallTree,
    t: usize,
    root: u32,
    frame_node: &[u32],
    n_names: usize,
    name: impl Fn(u32) -> &'a str,
    nodefraction: f64,
    nodecount: usize,
) -> Vec<(u32, i64, i64)> {
    let mut rows = top_by(p, tree, t, root, frame_node, n_names, name);
    let total = rows.iter().fold(0i64, |a, r| a.wrapping_add(r.1));
    let cutoff = ((total as f64 * nodefraction) as i64).unsigned_abs();
    if cutoff > 0 {
        rows.retain(|r| r.2.unsigned_abs() >= cutoff);
    }
    if nodecount > 0 {
        rows.truncate(nodecount);
    }
    rows
}
