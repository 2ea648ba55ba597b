//! The call tree (stacks merged by function name, materialized lazily)
//! against an independent reference built the plain way — one global
//! (parent, name) → node map, sample after sample — on every fixture profile
//! and on synthetic profiles made to stress merging and sharing: long
//! unshared chains next to stacks of different lines of one function that
//! must merge into one node, at every depth. The tree is expanded fully (the
//! nodes, their representative function and line, their totals, each
//! sample's leaf), and a flame layout with a cut-off on a fresh session must
//! equal the full layout with the narrow boxes (and their subtrees) removed:
//! what is never materialized must not change what is drawn.

use gopherlens::formats::pprof::proto;
use gopherlens::Session;
use prost::Message;
use std::collections::HashMap;
use std::path::Path;

type Nodes = Vec<(Vec<u32>, u32, u32, i64)>;

/// The tree as name paths: for every node its path of function names from
/// the root, its function, line and total; and every sample's leaf path.
fn canonical(s: &Session) -> (Nodes, Vec<Vec<u32>>) {
    let p = &s.profile;
    let t = &s.tree;
    let name = |n: u32| p.funcs.name[t.func(n).idx()].0;
    let mut nodes: Nodes = Vec::new();
    let mut todo: Vec<(u32, Vec<u32>)> = vec![(0, Vec::new())];
    while let Some((n, path)) = todo.pop() {
        for c in t.children(p, n) {
            assert_eq!(t.parent(c), n);
            let mut v = path.clone();
            v.push(name(c));
            nodes.push((v.clone(), t.func(c).0, t.line(c), t.total(p, 0, c)));
            todo.push((c, v));
        }
    }
    nodes.sort();
    let samples = (0..p.samples.len())
        .map(|i| {
            let l = p.samples.list[i];
            let leaf = t.node_at(p, l, p.lists.depth(l));
            t.ancestors_and_self(leaf).iter().map(|&a| name(a)).collect()
        })
        .collect();
    (nodes, samples)
}

/// The reference: every sample's frames looked up in one map, in sample order.
fn reference(s: &Session) -> (Nodes, Vec<Vec<u32>>) {
    let p = &s.profile;
    let mut index: HashMap<(usize, u32), usize> = HashMap::new();
    let mut node_path: Vec<Vec<u32>> = vec![Vec::new()];
    let mut node_first: Vec<(u32, u32, i64)> = vec![(u32::MAX, 0, 0)];
    let mut samples = Vec::new();
    for i in 0..p.samples.len() {
        let mut node = 0usize;
        let v = p.value(i, 0);
        for &frame in p.sample_frames(i) {
            let func = p.frames.func[frame.idx()];
            let name = p.funcs.name[func.idx()].0;
            node = *index.entry((node, name)).or_insert_with(|| {
                let mut path = node_path[node].clone();
                path.push(name);
                node_path.push(path);
                node_first.push((func.0, p.frames.line[frame.idx()].clamp(0, u32::MAX as i64) as u32, 0));
                node_path.len() - 1
            });
            node_first[node].2 = node_first[node].2.wrapping_add(v);
        }
        samples.push(node_path[node].clone());
    }
    let mut nodes: Nodes = (1..node_path.len())
        .map(|n| (node_path[n].clone(), node_first[n].0, node_first[n].1, node_first[n].2))
        .collect();
    nodes.sort();
    (nodes, samples)
}

/// Rows of a layout without the (session-specific) node ids.
fn rows(l: &gopherlens::layout::flame::FlameLayout) -> Vec<(u32, u64, u64, u32, u32, u64, u64)> {
    (0..l.len())
        .map(|i| {
            (
                l.depth[i],
                l.x[i].to_bits(),
                l.width[i].to_bits(),
                l.func[i],
                l.line[i],
                l.self_[i].to_bits(),
                l.total[i].to_bits(),
            )
        })
        .collect()
}

fn check(label: &str, s: &Session) {
    let (want_nodes, want_samples) = reference(s);
    let (got_nodes, got_samples) = canonical(s);
    assert_eq!(got_nodes.len(), want_nodes.len(), "{label}: node count");
    assert!(got_nodes == want_nodes, "{label}: the nodes differ from the reference");
    assert!(got_samples == want_samples, "{label}: a sample's leaf node differs from the reference");
}

/// A layout with a cut-off on a fresh tree equals the full layout less the
/// boxes under the cut-off and everything below them.
fn check_lazy(label: &str, bytes: &[u8], min_width: f64) {
    let mut full = Session::open(bytes).unwrap();
    let all = full.flame(None, 0, 0.0).unwrap();
    let mut lazy = Session::open(bytes).unwrap();
    let cut = lazy.flame(None, 0, min_width).unwrap();
    let cutoff = (min_width * all.root_total).max(f64::MIN_POSITIVE);
    // Kept: a box at least as wide as the cut-off whose ancestors all are.
    let p = &full.profile;
    let wide = |n: u32| full.tree.total(p, 0, n) as f64 >= cutoff;
    let want: Vec<_> = rows(&all)
        .into_iter()
        .zip(&all.node)
        .filter(|&(_, &n)| n == 0 || full.tree.ancestors_and_self(n).into_iter().all(wide))
        .map(|(r, _)| r)
        .collect();
    let got = rows(&cut);
    if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        panic!(
            "{label}: the cut-off layout differs from the full one, pruned, at row {i} of {}/{}: {:?} vs {:?}",
            got.len(),
            want.len(),
            got.get(i),
            want.get(i)
        );
    }
    assert!(lazy.tree.len() < full.tree.len() || want.len() == all.len(), "{label}: nothing left unmaterialized");
}

#[test]
fn every_fixture_profile_gives_the_reference_tree() {
    let mut n = 0;
    for dir in ["tests/fixtures/pprof", "tests/fixtures/maps/profiles"] {
        let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.to_string_lossy().ends_with(".pb.gz") {
                    let s = Session::open(&std::fs::read(&path).unwrap()).unwrap();
                    check(&path.display().to_string(), &s);
                    n += 1;
                }
            }
        }
    }
    assert!(n > 20, "only {n} fixture profiles");
}

/// A deterministic xorshift generator (the test must not change from run to run).
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A profile of `samples` random walks over `locs` locations with up to
/// `fanout` callees each; `funcs` functions so that many locations share a
/// function (different lines of one function: they merge by name). Some
/// samples repeat an earlier walk's first part, then diverge.
fn synthetic(seed: u64, samples: usize, locs: u64, funcs: u64, fanout: u64, max_depth: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut strings = vec![String::new()];
    let function = (1..=funcs)
        .map(|f| {
            strings.push(format!("pkg{}.F{f}", f % 7));
            proto::Function { id: f, name: strings.len() as i64 - 1, system_name: 0, filename: 0, start_line: 1 }
        })
        .collect();
    let location: Vec<proto::Location> = (1..=locs)
        .map(|l| proto::Location {
            id: l,
            mapping_id: 0,
            address: 0x1000 + l,
            line: vec![proto::Line { function_id: 1 + rng.below(funcs), line: 10 + rng.below(50) as i64, column: 0 }],
            is_folded: false,
        })
        .collect();
    let callees: Vec<Vec<u64>> =
        (0..locs).map(|_| (0..1 + rng.below(fanout)).map(|_| 1 + rng.below(locs)).collect()).collect();
    let mut walks: Vec<Vec<u64>> = Vec::new();
    let mut sample = Vec::new();
    for _ in 0..samples {
        let depth = 1 + rng.below(max_depth) as usize;
        let mut w: Vec<u64> = if !walks.is_empty() && rng.below(3) == 0 {
            let prev = &walks[rng.below(walks.len() as u64) as usize];
            prev[..prev.len().min(1 + rng.below(prev.len() as u64) as usize)].to_vec()
        } else {
            vec![1 + rng.below(8)]
        };
        while w.len() < depth {
            let at = *w.last().unwrap();
            let c = &callees[(at - 1) as usize];
            w.push(c[rng.below(c.len() as u64) as usize]);
        }
        let mut ids = w.clone();
        ids.reverse(); // leaf first
        sample.push(proto::Sample { location_id: ids, value: vec![1 + rng.below(9) as i64], label: vec![] });
        walks.push(w);
    }
    strings.push("samples".into());
    strings.push("count".into());
    let n = strings.len() as i64;
    let p = proto::Profile {
        sample_type: vec![proto::ValueType { r#type: n - 2, unit: n - 1 }],
        sample,
        location,
        function,
        string_table: strings,
        ..Default::default()
    };
    p.encode_to_vec()
}

#[test]
fn low_sharing_and_merging_profiles_give_the_reference_tree() {
    // (seed, samples, locations, functions, fan-out, depth): few functions
    // for many locations make merges common; a large fan-out makes chains.
    for (i, &(seed, samples, locs, funcs, fanout, depth)) in [
        (1u64, 3000usize, 5000u64, 40u64, 12u64, 64u64),
        (2, 3000, 500, 500, 12, 40),
        (3, 2000, 50, 5, 3, 30),
        (4, 4000, 20000, 20000, 12, 64),
        (5, 500, 10, 2, 2, 200),
    ]
    .iter()
    .enumerate()
    {
        let bytes = synthetic(seed, samples, locs, funcs, fanout, depth);
        let s = Session::open(&bytes).unwrap();
        check(&format!("synthetic case {i}"), &s);
        assert!(s.tree.len() > 100, "case {i}: a tree worth checking");
        check_lazy(&format!("synthetic case {i}"), &bytes, 0.002);
    }
}

/// A node id means the same node in every session of the same file, however
/// much of the tree each has materialized (the page passes ids between its
/// tabs' sessions and a link may carry one); ids that name no node are
/// refused.
#[test]
fn node_ids_are_the_same_in_every_session_of_a_file() {
    let bytes = synthetic(7, 2000, 3000, 60, 8, 48);
    let mut a = Session::open(&bytes).unwrap();
    let full = a.flame(None, 0, 0.0).unwrap();
    let mut checked = 0;
    for (i, &id) in full.node.iter().enumerate().step_by(97) {
        // A fresh session that has materialized nothing yet.
        let mut b = Session::open(&bytes).unwrap();
        let zb = b.flame(None, id, 0.0).unwrap();
        let za = a.flame(None, id, 0.0).unwrap();
        assert_eq!(rows(&za), rows(&zb), "node {id}: another session lays out another subtree");
        assert_eq!(za.total[za.node.iter().position(|&n| n == id).unwrap()], full.total[i]);
        assert_eq!(a.top(None, 0, id).unwrap(), b.top(None, 0, id).unwrap(), "node {id}: top differs");
        checked += 1;
    }
    assert!(checked > 20, "only {checked} nodes checked");
    // Every position of the frames column that is not a node's first list
    // names no node: refused, as are ids past the end.
    let s = Session::open(&bytes).unwrap();
    let ids: std::collections::HashSet<u32> = full.node.iter().copied().collect();
    let mut refused = 0;
    for id in 1..=s.profile.lists.frames.len() as u32 + 2 {
        if !ids.contains(&id) && s.tree.resolve(&s.profile, id).is_none() {
            refused += 1;
        } else {
            assert!(ids.contains(&id), "id {id} resolves but the full layout has no such node");
        }
    }
    assert!(refused > 0);
    let mut s = s;
    assert!(s.flame(None, s.profile.lists.frames.len() as u32 + 1, 0.0).is_err());
}
