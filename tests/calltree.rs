//! The call tree (stacks merged by function name) against an independent
//! reference built the plain way — one global (parent, name) → node map,
//! stack after stack — on every fixture profile and on synthetic profiles
//! made to stress what the fast path skips: long unshared chains (where no
//! lookup is made) next to stacks of different lines of one function that
//! must merge into one node, at every depth.

use gopherlens::formats::pprof::proto;
use gopherlens::Session;
use prost::Message;
use std::collections::HashMap;
use std::path::Path;

/// The tree as name paths: for every node its path of function names from
/// the root, with its function and line; and every sample's leaf path.
fn canonical(s: &Session) -> (Vec<(Vec<u32>, u32, u32)>, Vec<Vec<u32>>) {
    let p = &s.profile;
    let t = &s.tree;
    let name = |n: usize| p.funcs.name[t.func[n].idx()].0;
    let mut path: Vec<Vec<u32>> = vec![Vec::new(); t.len()];
    for n in 1..t.len() {
        let parent = t.parent[n] as usize;
        assert!(parent < n, "pre-order: a parent comes before its children");
        let mut v = path[parent].clone();
        v.push(name(n));
        path[n] = v;
    }
    let mut nodes: Vec<(Vec<u32>, u32, u32)> = (1..t.len()).map(|n| (path[n].clone(), t.func[n].0, t.line[n])).collect();
    nodes.sort();
    let samples = t.sample_node.iter().map(|&n| path[n as usize].clone()).collect();
    (nodes, samples)
}

/// The reference: every stack looked up in one map, in stack id order.
fn reference(s: &Session) -> (Vec<(Vec<u32>, u32, u32)>, Vec<Vec<u32>>) {
    let p = &s.profile;
    let mut index: HashMap<(usize, u32), usize> = HashMap::new();
    let mut node_path: Vec<Vec<u32>> = vec![Vec::new()];
    let mut node_first: Vec<(u32, u32)> = vec![(u32::MAX, 0)];
    let mut of_stack: Vec<usize> = Vec::with_capacity(p.stacks.prefix.len());
    for st in 0..p.stacks.prefix.len() {
        let parent = p.stacks.prefix[st].map_or(0, |pr| of_stack[pr.idx()]);
        let frame = p.stacks.frame[st].idx();
        let func = p.frames.func[frame];
        let name = p.funcs.name[func.idx()].0;
        let node = *index.entry((parent, name)).or_insert_with(|| {
            let mut v = node_path[parent].clone();
            v.push(name);
            node_path.push(v);
            node_first.push((func.0, p.frames.line[frame].clamp(0, u32::MAX as i64) as u32));
            node_path.len() - 1
        });
        of_stack.push(node);
    }
    let mut nodes: Vec<(Vec<u32>, u32, u32)> =
        (1..node_path.len()).map(|n| (node_path[n].clone(), node_first[n].0, node_first[n].1)).collect();
    nodes.sort();
    let samples = p.samples.stack.iter().map(|st| st.map_or(Vec::new(), |s| node_path[of_stack[s.idx()]].clone())).collect();
    (nodes, samples)
}

fn check(label: &str, s: &Session) {
    let (got_nodes, got_samples) = canonical(s);
    let (want_nodes, want_samples) = reference(s);
    assert_eq!(got_nodes.len(), want_nodes.len(), "{label}: node count");
    assert!(got_nodes == want_nodes, "{label}: the nodes differ from the reference");
    assert!(got_samples == want_samples, "{label}: a sample's leaf node differs from the reference");
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
    let callees: Vec<Vec<u64>> = (0..locs).map(|_| (0..1 + rng.below(fanout)).map(|_| 1 + rng.below(locs)).collect()).collect();
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
        assert!(s.tree.len() > 100, "case {i}: a tree worth checking");
        check(&format!("synthetic case {i}"), &s);
    }
}
