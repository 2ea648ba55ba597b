//! Flat/cum, recursion, inlining and drop_frames on hand-built profiles whose
//! right answers are worked out by hand from pprof's definitions.

mod common;
use common::{gzip, Builder};
use gopherlens::report::TopRow;
use gopherlens::Session;

fn rows(s: &mut Session, t: &str) -> Vec<(String, i64, i64)> {
    s.top(Some(t), 0, 0).unwrap().rows.into_iter().map(|TopRow { name, flat, cum, .. }| (name, flat, cum)).collect()
}

fn r(n: &str, f: i64, c: i64) -> (String, i64, i64) {
    (n.to_string(), f, c)
}

#[test]
fn recursion_counts_cum_once_per_sample() {
    let mut b = Builder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    let main = b.func("main.main");
    let fib = b.func("main.fib");
    let (lm, lf) = (b.loc(&[(main, 10)]), b.loc(&[(fib, 20)]));
    // main -> fib -> fib -> fib (leaf): 5; main -> fib (leaf): 3; main (leaf): 2
    b.sample(&[lf, lf, lf, lm], &[1, 5]);
    b.sample(&[lf, lm], &[1, 3]);
    b.sample(&[lm], &[1, 2]);
    let mut s = Session::open(&b.bytes()).unwrap();
    assert_eq!(rows(&mut s, "cpu"), vec![r("main.fib", 8, 8), r("main.main", 2, 10)]);
    assert_eq!(s.info().default_sample_type, "cpu");
    assert_eq!(s.info().sample_types[1].total, 10);
    // Flame graph: root, main, fib, fib, fib
    let l = s.flame(None, 0, 0.0).unwrap();
    assert_eq!(l.len(), 5);
    assert_eq!(l.max_depth, 4);
    assert_eq!(l.total, vec![10.0, 10.0, 8.0, 5.0, 5.0]);
    assert_eq!(l.self_, vec![0.0, 2.0, 3.0, 0.0, 5.0]);
}

#[test]
fn inlined_lines_are_frames_and_last_line_is_caller() {
    let mut b = Builder::new(&[("alloc_space", "bytes")]);
    let main = b.func("main.main");
    let outer = b.func("main.outer");
    let inl = b.func("main.inlined");
    let lm = b.loc(&[(main, 5)]);
    // One PC: inlined (innermost) called from outer.
    let lo = b.loc(&[(inl, 30), (outer, 20)]);
    b.sample(&[lo, lm], &[100]);
    b.sample(&[lm], &[1]);
    let mut s = Session::open(&gzip(&b.bytes())).unwrap();
    assert_eq!(
        rows(&mut s, "alloc_space"),
        vec![r("main.inlined", 100, 100), r("main.main", 1, 101), r("main.outer", 0, 100)]
    );
    let l = s.flame(None, 0, 0.0).unwrap();
    let names: Vec<String> =
        l.func.iter().skip(1).map(|&f| s.profile.strings.get(s.profile.funcs.name[f as usize]).to_string()).collect();
    assert_eq!(names, ["main.main", "main.outer", "main.inlined"]);
    assert_eq!(l.line[3], 30);
}

#[test]
fn zoomed_top_counts_the_path_above_in_full() {
    let mut b = Builder::new(&[("v", "count")]);
    let (m, a, c) = (b.func("m"), b.func("a"), b.func("c"));
    let (lm, la, lc) = (b.loc(&[(m, 1)]), b.loc(&[(a, 1)]), b.loc(&[(c, 1)]));
    b.sample(&[lc, la, lm], &[7]);
    b.sample(&[la, lm], &[2]);
    b.sample(&[lc, lm], &[4]);
    let mut s = Session::open(&b.bytes()).unwrap();
    let l = s.flame(None, 0, 0.0).unwrap();
    let func_named = |s: &Session, name: &str| {
        (0..s.profile.funcs.len()).find(|&f| s.profile.strings.get(s.profile.funcs.name[f]) == name).unwrap() as u32
    };
    let (fa, fc) = (func_named(&s, "a"), func_named(&s, "c"));
    // The node m -> a.
    let a_node = l.node[(0..l.len()).find(|&i| l.func[i] == fa && l.depth[i] == 2).unwrap()];
    let t = s.top(None, 0, a_node).unwrap();
    assert_eq!(t.total, 13, "total stays the whole profile's");
    let got: Vec<_> = t.rows.into_iter().map(|x| (x.name, x.flat, x.cum)).collect();
    assert_eq!(got, vec![r("c", 7, 7), r("a", 2, 9), r("m", 0, 9)]);
    let matched = s.matched_total(None, 0, |f| f.0 == fc).unwrap();
    assert_eq!(matched, 11, "c is on two stacks worth 7 + 4");
    let zoomed = s.flame(None, a_node, 0.0).unwrap();
    assert_eq!(zoomed.root_total, 9.0);
    assert_eq!(zoomed.len(), 4, "root, m, a (full width) and c");
}

#[test]
fn drop_frames_prunes_like_pprof() {
    let mut b = Builder::new(&[("v", "count")]);
    let (m, alloc, inner) = (b.func("main.f"), b.func("runtime.malloc"), b.func("runtime.inner"));
    let (lm, la, li) = (b.loc(&[(m, 1)]), b.loc(&[(alloc, 1)]), b.loc(&[(inner, 1)]));
    b.sample(&[li, la, lm], &[3]);
    b.p.drop_frames = b.s("runtime\\..*");
    let mut s = Session::open(&b.bytes()).unwrap();
    assert_eq!(rows(&mut s, "v"), vec![r("main.f", 3, 3)]);
}

#[test]
fn default_sample_type_and_index_selection() {
    let mut b = Builder::new(&[("alloc_space", "bytes"), ("inuse_space", "bytes"), ("x", "count")]);
    b.p.default_sample_type = b.s("inuse_space");
    let s = Session::open(&b.bytes()).unwrap();
    assert_eq!(s.info().default_sample_type, "inuse_space");
    assert_eq!(s.profile.sample_index(Some("0")).unwrap(), 0);
    assert_eq!(s.profile.sample_index(Some("x")).unwrap(), 2);
    assert!(s.profile.sample_index(Some("nope")).is_err());
}

#[test]
fn labels_are_kept() {
    let mut b = Builder::new(&[("v", "count")]);
    let m = b.func("m");
    let l = b.loc(&[(m, 1)]);
    b.sample(&[l], &[1]);
    let (k, v, n, u) = (b.s("phase"), b.s("parse"), b.s("bytes"), b.s("bytes"));
    b.p.sample[0].label = vec![
        gopherlens::formats::pprof::proto::Label { key: k, str: v, num: 0, num_unit: 0 },
        gopherlens::formats::pprof::proto::Label { key: n, str: 0, num: 48, num_unit: u },
    ];
    let s = Session::open(&b.bytes()).unwrap();
    let labels = s.profile.samples.labels_of(0);
    assert_eq!(labels.len(), 2);
    assert_eq!(s.profile.strings.get(labels[0].str), "parse");
    assert_eq!(labels[1].num, 48);
    assert_eq!(s.profile.strings.get(labels[1].unit), "bytes");
}
