//! A loaded profile and the analyses computed from it, cached per sample
//! type. The CLI and the wasm bindings are thin wrappers around this, so they
//! answer with the same numbers in the same shapes.

use crate::analysis::calltree::CallTree;
use crate::analysis::filter::{self, Filters, Matched};
use crate::analysis::gc;
use crate::analysis::maps::{self, MapsInputs, MapsOptions};
use crate::analysis::merge;
use crate::analysis::timeline::Timeline;
use crate::analysis::top;
use crate::analysis::transform;
use crate::formats::gctrace::GcLog;
use crate::formats::trace::Trace;
use crate::formats::Opened;
use crate::layout::flame::{self, FlameLayout};
use crate::model::{FuncId, Profile};
use crate::report::{DiffRow, DiffTop, Gc, Info, Maps, Peek, SampleTypeInfo, Top, TopRow, TypeUnit};
use crate::{Error, Result};

/// A profile ready for queries.
pub struct Session {
    pub profile: Profile,
    /// The call tree, materialized as queries ask (see [`CallTree`]).
    pub tree: CallTree,
    /// The GC views of an execution trace or a gctrace log (the trace's
    /// events themselves are not kept).
    pub gc: Option<GcViews>,
    /// What a Go executable says about maps (format "go-binary").
    pub binary: Option<Box<crate::formats::gobinary::GoBinary>>,
    /// After [`Session::filtered`]: the totals per sample type of all the
    /// samples, before filtering. pprof reports percentages of those (its
    /// default, `relative_percentages` off), so `total` does too.
    pub unfiltered_totals: Option<Vec<i64>>,
}

/// What the GC tab shows: the `gopherlens gc` report and the timeline.
#[derive(Debug, Clone)]
pub struct GcViews {
    pub gc: Gc,
    pub timeline: Timeline,
}

/// The GC views of a decoded trace: its GC report and timeline (with the
/// report's cycles and STW phases added).
pub fn trace_views(t: &Trace) -> GcViews {
    let gc = gc::analyze(t);
    let mut timeline = Timeline::of_trace(t);
    timeline.add_gc(&gc);
    GcViews { gc, timeline }
}

/// A node's name: the interned name at function granularity, else the made one.
fn node_name<'a>(p: &'a Profile, made: &'a Option<Vec<String>>, k: u32) -> &'a str {
    match made {
        Some(names) => names.get(k as usize).map_or("", String::as_str),
        None => p.strings.get(crate::model::StrId(k)),
    }
}

/// The GC views of a gctrace log.
pub fn gclog_views(log: &GcLog) -> GcViews {
    let gc = log.report();
    let timeline = Timeline::of_cycles(&gc);
    GcViews { gc, timeline }
}

impl Session {
    /// Decodes `data` (any supported format) and builds the call tree.
    pub fn open(data: &[u8]) -> Result<Self> {
        Self::open_with_progress(data, &mut |_, _| {})
    }

    /// Like [`Session::open`], reporting `(fraction, phase)` to `progress`.
    pub fn open_with_progress(data: &[u8], progress: &mut dyn FnMut(f64, &str)) -> Result<Self> {
        let opened = crate::formats::open_full(data, progress)?;
        Ok(Self::from_opened(opened, progress))
    }

    /// Like [`Session::open_with_progress`], freeing `data` once decompressed.
    pub fn open_owned(data: Vec<u8>, progress: &mut dyn FnMut(f64, &str)) -> Result<Self> {
        let opened = crate::formats::open_full_owned(data, progress)?;
        Ok(Self::from_opened(opened, progress))
    }

    /// Opens what a gzip file decompressed to (see [`crate::formats::open_full_gunzipped`]).
    pub fn open_gunzipped(raw: Vec<u8>, progress: &mut dyn FnMut(f64, &str)) -> Result<Self> {
        let opened = crate::formats::open_full_gunzipped(raw, progress)?;
        Ok(Self::from_opened(opened, progress))
    }

    /// Wraps what [`crate::formats::open_full`] gave: a trace keeps its GC
    /// views and its stack profiles (CPU samples and the five of
    /// [`crate::analysis::trace_stream::SAMPLE_TYPES`]) as the profile; its
    /// events were never all in memory.
    pub fn from_opened(opened: Opened, progress: &mut dyn FnMut(f64, &str)) -> Self {
        let mut binary = None;
        let (profile, gc) = match opened {
            Opened::Profile(p) => (p, None),
            Opened::Binary(b) => {
                binary = Some(b);
                (crate::formats::empty_profile(crate::model::Format::GoBinary), None)
            }
            Opened::Trace(t) => {
                progress(1.0, "decoding");
                let t = *t;
                (t.analysis.profile, Some(GcViews { gc: t.analysis.gc, timeline: t.timeline }))
            }
            Opened::GcLog(log) => (crate::formats::gctrace_profile(), Some(gclog_views(&log))),
        };
        progress(1.0, "building call tree");
        let mut s = Self::from_profile(profile);
        s.gc = gc;
        s.binary = binary;
        s
    }

    /// The GC report (`gopherlens gc --json`) of a trace or gctrace log.
    pub fn gc(&self) -> Result<&Gc> {
        self.gc.as_ref().map(|v| &v.gc).ok_or_else(|| Error::NotGcInput { format: self.profile.format.name().into() })
    }

    /// The GC timeline of a trace or gctrace log.
    pub fn timeline(&self) -> Result<&Timeline> {
        self.gc
            .as_ref()
            .map(|v| &v.timeline)
            .ok_or_else(|| Error::NotGcInput { format: self.profile.format.name().into() })
    }

    /// The session of this profile with pprof's sample filters applied
    /// ([`crate::analysis::filter`]), then the call-tree transforms
    /// ([`crate::analysis::transform`]); the GC views and binary stay. Also
    /// says which filters matched anything.
    pub fn filtered(self, f: &Filters) -> (Self, Matched) {
        if f.is_empty() {
            return (self, Matched::default());
        }
        let totals = self.totals();
        let out = filter::apply(&self.profile, f);
        let matched = out.matched;
        let profile = transform::apply(out.into_profile(self.profile), &f.transforms);
        let mut s = Self::from_profile(profile);
        s.gc = self.gc;
        s.binary = self.binary;
        s.unfiltered_totals = Some(totals);
        (s, matched)
    }

    /// Like [`Session::filtered`], keeping this session: the filtered one
    /// has copies of the tables (function ids stay those of this one) and
    /// its own call tree, whose node ids are its own.
    pub fn with_filters(&self, f: &Filters) -> (Self, Matched) {
        let out = filter::apply(&self.profile, f);
        let matched = out.matched;
        let profile = transform::apply(self.profile.derived(out.lists, out.samples), &f.transforms);
        let mut s = Self::from_profile(profile);
        s.gc = self.gc.clone();
        s.unfiltered_totals = Some(self.totals());
        (s, matched)
    }

    fn totals(&self) -> Vec<i64> {
        (0..self.profile.sample_types.len()).map(|t| self.total(t)).collect()
    }

    /// Wraps an already decoded profile.
    pub fn from_profile(mut profile: Profile) -> Self {
        profile.lists_from_stacks();
        let tree = CallTree::build(&profile);
        crate::mem_mark("tree: root");
        Session { profile, tree, gc: None, binary: None, unfiltered_totals: None }
    }

    /// The value of the whole tree for sample type `t` (computing the
    /// samples' per-list values for that type, which every query needs).
    pub fn values(&mut self, t: usize) -> i64 {
        self.tree.total(&self.profile, t, 0)
    }

    /// Sum of |value| over all samples for sample type `t`, as pprof totals
    /// (for a filtered session, over the samples before filtering).
    pub fn total(&self, t: usize) -> i64 {
        if let Some(&v) = self.unfiltered_totals.as_ref().and_then(|u| u.get(t)) {
            return v;
        }
        let p = &self.profile;
        let all = (0..p.samples.len()).fold(0i64, |acc, i| acc.wrapping_add(p.value(i, t).wrapping_abs()));
        // pprof's computeTotal: with a -diff_base base in, the base's total.
        let Some((k, v)) = crate::analysis::merge::diff_base_label(p) else { return all };
        let base = (0..p.samples.len())
            .filter(|&i| p.samples.labels_of(i).iter().any(|l| l.key == k && l.str == v))
            .fold(0i64, |acc, i| acc.wrapping_add(p.value(i, t).wrapping_abs()));
        if base > 0 {
            base
        } else {
            all
        }
    }

    /// Summary of the profile.
    pub fn info(&self) -> Info {
        let p = &self.profile;
        Info {
            format: p.format.name().to_string(),
            sample_types: (0..p.sample_types.len())
                .map(|t| SampleTypeInfo {
                    kind: p.sample_type_name(t).to_string(),
                    unit: p.strings.get(p.sample_types[t].unit).to_string(),
                    total: self.total(t),
                })
                .collect(),
            default_sample_type: p.sample_type_name(p.default_sample_type).to_string(),
            period_type: p
                .period_type
                .map(|v| TypeUnit { kind: p.strings.get(v.kind).to_string(), unit: p.strings.get(v.unit).to_string() }),
            period: p.period,
            time_ns: p.time_ns,
            duration_ns: p.duration_ns,
            samples: p.samples.len(),
            // A trace has no location records: count the distinct frames
            // (function + line) and functions its stacks use instead.
            locations: if p.format == crate::model::Format::Trace { p.frames.len() } else { p.source_locations },
            functions: match &self.binary {
                Some(b) => b.functions,
                None if p.format == crate::model::Format::Trace => p.funcs.len(),
                None => p.source_functions,
            },
            binary: self.binary.as_ref().map(|b| crate::report::BinaryInfo {
                arch: b.arch.to_string(),
                layout: b.swiss.map(|s| if s { "swiss" } else { "classic" }.to_string()),
                gnu_build_id: b.gnu_build_id.clone(),
                map_calls: b.calls.len(),
                map_lines: {
                    let mut lines: Vec<(&str, i64)> = b.calls.iter().map(|c| (c.file.as_str(), c.line)).collect();
                    lines.dedup();
                    lines.len()
                },
                inlining: b.inlining,
            }),
        }
    }

    fn check_node(&self, node: u32) -> Result<()> {
        if self.tree.resolve(&self.profile, node).is_some() {
            Ok(())
        } else {
            Err(Error::UnknownNode { node })
        }
    }

    fn sample_type(&self, sample_index: Option<&str>) -> Result<usize> {
        if self.profile.sample_types.is_empty() {
            return Err(Error::InvalidProfile { detail: "the profile has no sample types".into() });
        }
        self.profile.sample_index(sample_index)
    }

    /// The top table (pprof `-top`, function granularity) for the subtree
    /// under `root` (0: the whole profile), at most `nodecount` rows (0: all).
    pub fn top(&mut self, sample_index: Option<&str>, nodecount: usize, root: u32) -> Result<Top> {
        self.top_at(sample_index, nodecount, root, top::Granularity::Functions, 0.0)
    }

    /// [`Session::top`] at pprof's granularity `g` (rows named as pprof
    /// names them: `main.f main.go:12` for lines), trimmed as pprof trims
    /// `-top` by `nodefraction` and `nodecount` ([`top::top_trimmed`]; 0
    /// and 0 keep every row).
    pub fn top_at(
        &mut self,
        sample_index: Option<&str>,
        nodecount: usize,
        root: u32,
        g: top::Granularity,
        nodefraction: f64,
    ) -> Result<Top> {
        let t = self.sample_type(sample_index)?;
        self.check_node(root)?;
        let (p, tree) = (&self.profile, &self.tree);
        Ok(self.top_report(t, g, |keys, n, made| {
            top::top_trimmed(p, tree, t, root, keys, n, |k| node_name(p, made, k), nodefraction, nodecount)
        }))
    }

    /// The top report of sample type `t` at granularity `g` whose rows
    /// `rows(frame nodes, node count, node names)` gives as (node, flat, cum).
    fn top_report(
        &self,
        t: usize,
        g: top::Granularity,
        rows: impl FnOnce(&[u32], usize, &Option<Vec<String>>) -> Vec<(u32, i64, i64)>,
    ) -> Top {
        let (keys, made) = self.nodes(g);
        let p = &self.profile;
        let n = made.as_ref().map_or(p.strings.len(), Vec::len);
        let rows = rows(&keys, n, &made)
            .into_iter()
            .map(|(k, flat, cum)| TopRow { name: node_name(p, &made, k).to_string(), flat, cum, inline: String::new() })
            .collect();
        Top {
            sample_type: p.sample_type_name(t).to_string(),
            unit: p.strings.get(p.sample_types[t].unit).to_string(),
            total: self.total(t),
            rows,
        }
    }

    /// Each frame's node at granularity `g` and, but at function
    /// granularity (where a node is the interned name itself), the nodes'
    /// names.
    fn nodes(&self, g: top::Granularity) -> (Vec<u32>, Option<Vec<String>>) {
        let p = &self.profile;
        if g == top::Granularity::Functions {
            (p.frames.func.iter().map(|f| p.funcs.name[f.idx()].0).collect(), None)
        } else {
            let (keys, names) = top::frame_nodes(p, g);
            (keys, Some(names))
        }
    }

    /// Fills in the `inline` of `top`'s rows (computed with the same
    /// arguments) as pprof labels them: one more pass over the samples'
    /// frames, so only when asked.
    pub fn label_inline(&mut self, top: &mut Top, root: u32, g: top::Granularity) -> Result<()> {
        let t = self.sample_type(Some(&top.sample_type))?;
        self.check_node(root)?;
        let (keys, made) = self.nodes(g);
        let p = &self.profile;
        let edges = crate::analysis::peek::edges(p, &self.tree, t, root, &keys);
        let labels = crate::analysis::peek::inline_label(&edges);
        let mut by_name: std::collections::HashMap<&str, &'static str> = std::collections::HashMap::new();
        for (k, l) in labels {
            by_name.insert(node_name(p, &made, k), l);
        }
        for r in &mut top.rows {
            r.inline = by_name.get(r.name.as_str()).copied().unwrap_or("").to_string();
        }
        Ok(())
    }

    /// pprof's `-peek REGEX` at granularity `g` under `root`: every node
    /// whose name matches `rx`, in `-top`'s order, with its callers and
    /// callees ([`crate::analysis::peek`]).
    pub fn peek(
        &mut self,
        sample_index: Option<&str>,
        rx: &regex_lite::Regex,
        root: u32,
        g: top::Granularity,
    ) -> Result<Peek> {
        let t = self.sample_type(sample_index)?;
        self.check_node(root)?;
        let total = self.total(t);
        let (keys, made) = self.nodes(g);
        let p = &self.profile;
        let name = |k: u32| node_name(p, &made, k);
        let n = made.as_ref().map_or(p.strings.len(), Vec::len);
        let rows = top::top_by(p, &self.tree, t, root, &keys, n, name);
        let edges = crate::analysis::peek::edges(p, &self.tree, t, root, &keys);
        let rows = crate::analysis::peek::peek(&rows, &edges, name, |s| rx.is_match(s));
        Ok(Peek {
            sample_type: p.sample_type_name(t).to_string(),
            unit: p.strings.get(p.sample_types[t].unit).to_string(),
            total,
            rows,
        })
    }

    /// pprof's `-tags` of this session's samples for a sample type
    /// ([`crate::analysis::labels`]), numeric values printed in
    /// `output_unit` (pprof's `-unit`; empty: `minimum`). `units`: the
    /// numeric labels' units of the profile before any filter (pprof
    /// identifies them before it filters); None: this profile's own.
    pub fn tags(
        &self,
        sample_index: Option<&str>,
        output_unit: &str,
        units: Option<&crate::analysis::tags::NumUnits>,
    ) -> Result<crate::report::Tags> {
        let t = self.sample_type(sample_index)?;
        let own;
        let units = match units {
            Some(u) => u,
            None => {
                own = crate::analysis::tags::NumUnits::of_profile(&self.profile);
                &own
            }
        };
        let output_unit = if output_unit.is_empty() { "minimum" } else { output_unit };
        let p = &self.profile;
        Ok(crate::report::Tags {
            sample_type: p.sample_type_name(t).to_string(),
            unit: p.strings.get(p.sample_types[t].unit).to_string(),
            total: self.total(t),
            output_unit: output_unit.to_string(),
            keys: crate::analysis::labels::report(p, t, units, output_unit),
        })
    }

    /// The comparison table of a `-diff_base` view ([`Session::compare`]
    /// with `diff`): each row's base value (the samples labelled
    /// `pprof::base=true`, negated back) next to its change. Fails on a
    /// profile that is not such a view.
    pub fn diff_top(&mut self, sample_index: Option<&str>, g: top::Granularity) -> Result<DiffTop> {
        if merge::diff_base_label(&self.profile).is_none() {
            return Err(Error::Incompatible { detail: "this profile is not compared with a base (diff_base)".into() });
        }
        let delta = self.top_at(sample_index, 0, 0, g, 0.0)?;
        let text = filter::FilterText { tagfocus: format!("{}=^true$", merge::BASE_LABEL), ..Default::default() };
        let (mut b, _) = self.with_filters(&Filters::parse(&text)?);
        let base = b.top_at(sample_index, 0, 0, g, 0.0)?;
        let mut by_name: std::collections::BTreeMap<String, (i64, i64)> =
            base.rows.iter().map(|r| (r.name.clone(), (r.flat.wrapping_neg(), r.cum.wrapping_neg()))).collect();
        let row = |name: &str, (bf, bc): (i64, i64), flat: i64, cum: i64| DiffRow {
            name: name.to_string(),
            base_flat: bf,
            base_cum: bc,
            flat,
            cum,
            current_cum: bc.wrapping_add(cum),
            cum_change: (bc != 0).then(|| cum as f64 / bc as f64),
        };
        let mut rows: Vec<DiffRow> =
            delta.rows.iter().map(|r| row(&r.name, by_name.remove(&r.name).unwrap_or((0, 0)), r.flat, r.cum)).collect();
        // Rows the base has whose change is 0 and 0 (a row only the
        // profile has changes by its value: it is in delta).
        let mut rest: Vec<DiffRow> = by_name.into_iter().map(|(n, b)| row(&n, b, 0, 0)).collect();
        rest.sort_by(|a, b| a.name.cmp(&b.name));
        rows.extend(rest);
        Ok(DiffTop { sample_type: delta.sample_type, unit: delta.unit, total: delta.total, rows })
    }

    /// pprof's view of several profiles as one ([`merge::compare`]): the
    /// `sources` merged, and with `bases`, compared against them
    /// (`-diff_base` if `how.diff`, else `-base`; `-normalize`).
    pub fn compare(sources: &[&Session], bases: &[&Session], how: merge::Compare) -> Result<Session> {
        let s: Vec<&Profile> = sources.iter().map(|s| &s.profile).collect();
        let b: Vec<&Profile> = bases.iter().map(|s| &s.profile).collect();
        Ok(Self::from_profile(merge::compare(&s, &b, how)?))
    }

    /// Flame-graph layout zoomed at `root`.
    pub fn flame(&mut self, sample_index: Option<&str>, root: u32, min_width: f64) -> Result<FlameLayout> {
        let t = self.sample_type(sample_index)?;
        self.check_node(root)?;
        Ok(flame::layout(&self.profile, &self.tree, t, root, min_width))
    }

    /// The value under `root` of samples with a function for which
    /// `matches` holds anywhere on their stack (each sample once).
    pub fn matched_total(
        &mut self,
        sample_index: Option<&str>,
        root: u32,
        matches: impl Fn(FuncId) -> bool,
    ) -> Result<i64> {
        let t = self.sample_type(sample_index)?;
        self.check_node(root)?;
        Ok(self.tree.matched_total(&self.profile, t, root, matches))
    }

    /// The map retention table of this heap profile (`gopherlens maps`),
    /// with CPU profiles, a base profile and earlier snapshots from
    /// `inputs` joined. Fails if this is not a heap profile.
    pub fn maps(&self, inputs: &MapsInputs, opts: &MapsOptions) -> Result<Maps> {
        maps::analyze(&self.profile, &self.tree, inputs, opts)
    }
}

// The flame tab's views (flame, icicle, left-heavy, inverted, sandwich):
// one entry point, kept apart from the rest of the session.
impl Session {
    /// The layout of view `kind` ([`crate::layout::views`]) for a sample
    /// type: node ids in `o.root` are those of that view's own tree.
    pub fn layout(
        &mut self,
        sample_index: Option<&str>,
        kind: crate::layout::views::Kind,
        o: &crate::layout::views::Options,
    ) -> Result<FlameLayout> {
        let t = self.sample_type(sample_index)?;
        crate::layout::views::layout(&self.profile, &self.tree, t, kind, o)
    }

    /// The top table in step with view `kind` zoomed at `o.root` (the
    /// samples under that node, [`crate::layout::views::lists`]), at
    /// granularity `g`; for the call tree, [`Session::top_at`] under it.
    /// `total` stays the whole profile's, as pprof's.
    pub fn top_in_view(
        &mut self,
        sample_index: Option<&str>,
        kind: crate::layout::views::Kind,
        o: &crate::layout::views::Options,
        g: top::Granularity,
    ) -> Result<Top> {
        let Some(lists) = crate::layout::views::lists(&self.profile, kind, o)? else {
            return self.top_at(sample_index, 0, o.root, g, 0.0);
        };
        let t = self.sample_type(sample_index)?;
        let (p, tree) = (&self.profile, &self.tree);
        Ok(self.top_report(t, g, |keys, n, made| {
            tree.with_lists_and_totals(p, t, 0, |_, totals| {
                top::top_of_lists(p, &lists, totals, keys, n, |k| node_name(p, made, k))
            })
        }))
    }
}
