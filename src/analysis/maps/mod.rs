//! Map retention: which Go maps hold the heap.
//!
//! A Go heap profile has lost the runtime frames that would name map code
//! (pprof hides `runtime.*` and, since Go 1.24, `internal/runtime/*`), so
//! the analysis works from what survives:
//!
//! 1. [`sites`] groups the heap samples by allocation site (function +
//!    file:line, after the library frames that implement maps) with each
//!    site's object-size histogram (the `bytes` label) and call paths.
//! 2. [`classify`] decides each site's kind with an evidence level: exact
//!    (a surviving map frame — [`names`] — or a CPU-profile line joined in
//!    [`join`]), sizes (the sizes fit a map layout's formulas — [`sizes`] —
//!    in a way plain objects do not), or none.
//! 3. [`findings`] puts what the numbers mean into words.

pub mod classify;
pub mod findings;
pub mod join;
pub mod names;
pub mod sites;
pub mod sizes;

pub use join::{LineInfo, MapsInputs};

use crate::analysis::calltree::CallTree;
use crate::model::Profile;
use crate::report::{MapEstimate, MapPath, MapSite, MapSizeRow, MapValues, Maps, MapsBinary, MapsCpu, MapsSummary};
use crate::Result;
use classify::{Fit, Signature};
use sites::{Site, Values};

/// Options of [`analyze`] (JSON: `{"limit": 0, "paths": 5, "all_paths": false, "maps_first": false}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct MapsOptions {
    /// Keep at most this many sites (0: all).
    pub limit: usize,
    /// Call paths listed per site.
    pub paths: usize,
    /// List call paths for every site, not only for map sites (a big
    /// profile has tens of thousands of sites with deep stacks).
    pub all_paths: bool,
    /// Order the map sites (map kinds) before every other site, so that
    /// `limit` keeps the map sites first (the page asks for a bounded
    /// number of sites of profiles with tens of thousands).
    pub maps_first: bool,
}

impl Default for MapsOptions {
    fn default() -> Self {
        MapsOptions { limit: 0, paths: 5, all_paths: false, maps_first: false }
    }
}

fn values(v: &Values) -> MapValues {
    MapValues {
        alloc_objects: v.alloc_objects,
        alloc_space: v.alloc_space,
        inuse_objects: v.inuse_objects,
        inuse_space: v.inuse_space,
    }
}

/// retained (at least 15% of what was allocated is in use), transient
/// (under 5%), mixed in between, unknown when nothing was allocated.
pub fn verdict(v: &Values) -> (&'static str, f64) {
    if v.alloc_space <= 0 {
        return (if v.inuse_space > 0 { "retained" } else { "unknown" }, 0.0);
    }
    let r = v.inuse_space as f64 / v.alloc_space as f64;
    let verdict = if r >= 0.15 {
        "retained"
    } else if r < 0.05 {
        "transient"
    } else {
        "mixed"
    };
    (verdict, r)
}

fn is_map_kind(kind: &str) -> bool {
    kind.starts_with("map-") || kind == "sync-map"
}

/// The decision for one site.
struct Decision {
    kind: &'static str,
    evidence: &'static str,
    detail: Vec<String>,
    fit: Option<Fit>,
}

/// A site's best fits under each layout: `[classic, swiss]`, each
/// `(with a signature, any)`.
type Fits = [(Option<Fit>, Option<Fit>); 2];

fn fits_of(site: &Site, rate: i64, memo: &mut classify::Memo) -> Fits {
    let exact = rate == 1;
    [
        classify::fit(site, exact, memo, classify::Allowed { classic: true, swiss: false }),
        classify::fit(site, exact, memo, classify::Allowed { classic: false, swiss: true }),
    ]
}

/// One binary uses one map layout: the sites that only one layout explains
/// vote, weighted by the bytes their arrays explain. A clear winner (4x the
/// other's weight) is the only layout used afterwards.
fn vote(fits: &[Fits]) -> classify::Allowed {
    let (mut classic, mut swiss) = (0i64, 0i64);
    for f in fits {
        match (&f[0].0, &f[1].0) {
            (Some(c), None) => classic = classic.saturating_add(c.score.max(1)),
            (None, Some(s)) => swiss = swiss.saturating_add(s.score.max(1)),
            _ => {}
        }
    }
    if classic > 0 && classic >= swiss.saturating_mul(4) {
        classify::Allowed { classic: true, swiss: false }
    } else if swiss > 0 && swiss >= classic.saturating_mul(4) {
        classify::Allowed { classic: false, swiss: true }
    } else {
        classify::Allowed::BOTH
    }
}

/// The layouts allowed in the whole profile: the runtime frames of the
/// joined stacks decide when they name one layout (`internal/runtime/maps.*`
/// only exists with Swiss tables; `runtime.hashGrow`, `runtime.evacuate*`,
/// ... only with classic maps); otherwise the sites' sizes vote.
fn allowed_layouts(inputs: &MapsInputs, fits: &[Fits]) -> classify::Allowed {
    match inputs.layout() {
        Some(true) => classify::Allowed { classic: false, swiss: true },
        Some(false) => classify::Allowed { classic: true, swiss: false },
        None => vote(fits),
    }
}

/// The layouts allowed at `site`: the ones the runtime frames above its
/// line name, when they name exactly one, else the profile's.
fn site_allowed(inputs: &MapsInputs, site: &Site, profile: classify::Allowed) -> classify::Allowed {
    let layout = inputs.line(&site.func, &site.file, site.line).map_or(0, |i| i.layout);
    if layout == names::LAYOUT_SWISS {
        classify::Allowed { classic: false, swiss: true }
    } else if layout == names::LAYOUT_CLASSIC {
        classify::Allowed { classic: true, swiss: false }
    } else {
        profile
    }
}

/// The fits allowed by the vote: `(with a signature, any)`.
fn pick(f: Fits, allowed: classify::Allowed) -> (Option<Fit>, Option<Fit>) {
    let [c, s] = f;
    let better = |a: Option<Fit>, b: Option<Fit>| match (a, b) {
        (Some(a), Some(b)) => Some(if b.score > a.score { b } else { a }),
        (a, b) => a.or(b),
    };
    match (allowed.classic, allowed.swiss) {
        (true, false) => c,
        (false, true) => s,
        _ => (better(c.0, s.0), better(c.1, s.1)),
    }
}

fn decide(site: &Site, fits: (Option<Fit>, Option<Fit>), inputs: &MapsInputs, rate: i64) -> Decision {
    let (best, any) = fits;
    // What joined CPU stacks and binaries say about this line.
    let joined = inputs.line(&site.func, &site.file, site.line).filter(|i| i.flags & names::ALLOCATING != 0);
    let mut detail = Vec::new();
    let mut exact_kind = None;
    if let Some((k, d)) = classify::frame_kind(site) {
        exact_kind = Some(k);
        detail.push(d);
    }
    if let Some(c) = joined {
        if c.map_samples > 0 {
            detail.push(format!(
                "CPU: {} of {} samples at this line run map code above it: {}",
                c.map_samples,
                c.samples,
                c.funcs.join(", ")
            ));
        }
        if !c.calls.is_empty() {
            detail.push(format!("binary: this line calls {}", c.calls.join(", ")));
        }
        if exact_kind.is_none() {
            exact_kind = names::kind_of(c.flags);
        }
    }
    if let Some(k) = exact_kind {
        let mut kind = k;
        // The runtime frames a CPU profile caught may be the writes only.
        if kind == "map-grow" && best.is_none() && classify::makes_maps(site, rate) {
            kind = "map-create";
            detail
                .push("sizes: map headers made one for one with another object: the line also creates the maps".into());
        }
        // A classic map's write allocates lone buckets for two reasons: the
        // first bucket of a map made without a size, or an overflow bucket.
        // When the binary shows this function makes its maps with a size
        // hint only, they had their buckets from the start.
        let lone = || {
            let mut objs = site.sizes.iter().filter(|r| r.v.alloc_objects > 0).map(|r| r.bytes);
            let first = objs.next();
            first.is_some_and(|b| b != 0 && b != sizes::HEADER && objs.all(|x| x == b))
        };
        if kind == "map-grow"
            && best.is_none()
            && joined.is_some_and(|c| c.flags & (names::GROW | names::CREATE) == 0)
            && inputs.layout() == Some(false)
            && inputs.makes_maps_with_hint_only(&site.func)
            && lone()
        {
            kind = "map-overflow";
            detail.push(
                "binary: this function makes its maps with a size hint only (runtime.makemap), so they have their \
                 buckets from the start: the lone buckets this write allocates are overflow buckets"
                    .into(),
            );
        }
        if let Some(f) = &best {
            detail.push(f.detail.clone());
            if kind == "map-overflow" && f.signature == Some(Signature::Grow) {
                kind = "map-grow";
            }
        }
        let fit = if kind == "sync-map" { None } else { best.or(any) };
        return Decision { kind, evidence: "exact", detail, fit };
    }
    if let Some(f) = best {
        detail.push(f.detail.clone());
        let kind = match f.signature {
            Some(Signature::Create) => "map-create",
            _ => "map-grow",
        };
        return Decision { kind, evidence: "sizes", detail, fit: Some(f) };
    }
    if let Some(d) = classify::plain_slice(site) {
        detail.push(d);
        return Decision { kind: "not-map", evidence: "sizes", detail, fit: None };
    }
    Decision { kind: "unknown", evidence: "none", detail, fit: None }
}

fn path_frames(p: &Profile, sp: &sites::SitePath) -> Vec<String> {
    let frames = p.lists.get(sp.list);
    frames[..(sp.depth as usize).min(frames.len())]
        .iter()
        .map(|&frame| {
            let func = p.frames.func[frame.idx()];
            let file = p.strings.get(p.funcs.file[func.idx()]);
            format!("{} {}:{}", p.strings.get(p.funcs.name[func.idx()]), file, p.frames.line[frame.idx()])
        })
        .collect()
}

/// The call-tree node of the site frame on path `sp` (materialized now).
fn site_node(p: &Profile, tree: &CallTree, sp: &sites::SitePath) -> u32 {
    tree.node_at(p, sp.list, sp.depth)
}

struct Ctx<'a> {
    inputs: &'a MapsInputs,
    opts: &'a MapsOptions,
    memo: classify::Memo,
}

/// Builds the report row of `site`; `current` is the profile and tree the
/// site's paths refer to (None for a site only the base has).
fn site_row(
    ctx: &mut Ctx,
    site: &Site,
    rate: i64,
    fits: (Option<Fit>, Option<Fit>),
    current: Option<(&Profile, &CallTree)>,
    now: &Values,
) -> (MapSite, Option<bool>) {
    let d = decide(site, fits, ctx.inputs, rate);
    let mut detail = d.detail;
    if current.is_none() {
        detail.push("classified from the base profile: this profile allocates nothing at this line".into());
    }
    let (verdict, retention) = verdict(now);
    let mut estimate = match &d.fit {
        Some(f) => classify::estimate(site, f),
        None => MapEstimate::default(),
    };
    if d.fit.is_none() && d.evidence == "exact" && is_map_kind(d.kind) {
        estimate.map_alloc_space = site.total.alloc_space;
        estimate.map_inuse_space = site.total.inuse_space;
    }
    let key = site.key();
    let base = ctx.inputs.base.as_ref().map(|b| b.get(&key).map_or_else(Values::default, |s| s.total));
    let delta = base.map(|b| now.minus(&b));
    let trend: Vec<MapValues> = if ctx.inputs.snapshots.is_empty() {
        Vec::new()
    } else {
        ctx.inputs
            .snapshots
            .iter()
            .map(|t| t.get(&key).map_or_else(MapValues::default, |s| values(&s.total)))
            .chain(std::iter::once(values(now)))
            .collect()
    };
    let delta_v = delta.map(|x| values(&x));
    let found = findings::findings(&findings::Facts {
        site,
        kind: d.kind,
        evidence: d.evidence,
        verdict,
        fit: d.fit.as_ref(),
        estimate: &estimate,
        trend: &trend,
        delta: delta_v.as_ref(),
        sampled: rate != 1,
    });
    let sizes = if current.is_some() {
        site.sizes
            .iter()
            .map(|r| MapSizeRow {
                bytes: r.bytes,
                alloc_objects: r.v.alloc_objects,
                alloc_space: r.v.alloc_space,
                inuse_objects: r.v.inuse_objects,
                inuse_space: r.v.inuse_space,
                role: d.fit.as_ref().and_then(|f| classify::role(site, f, r.bytes)).unwrap_or_default(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let paths = match current {
        Some(_) if !ctx.opts.all_paths && !is_map_kind(d.kind) => Vec::new(),
        Some((p, tree)) => site
            .paths
            .iter()
            .take(ctx.opts.paths)
            .map(|sp| MapPath {
                frames: path_frames(p, sp),
                node: site_node(p, tree, sp),
                alloc_objects: sp.v.alloc_objects,
                alloc_space: sp.v.alloc_space,
                inuse_objects: sp.v.inuse_objects,
                inuse_space: sp.v.inuse_space,
            })
            .collect(),
        None => Vec::new(),
    };
    let layout = d.fit.as_ref().map(|f| f.layout.swiss);
    let row = MapSite {
        function: site.func.clone(),
        file: site.file.clone(),
        line: site.line,
        kind: d.kind.to_string(),
        evidence: d.evidence.to_string(),
        evidence_detail: detail,
        verdict: verdict.to_string(),
        alloc_objects: now.alloc_objects,
        alloc_space: now.alloc_space,
        inuse_objects: now.inuse_objects,
        inuse_space: now.inuse_space,
        retention,
        estimate,
        finding_codes: found.iter().map(|(c, _)| c.to_string()).collect(),
        findings: found.into_iter().map(|(_, t)| t).collect(),
        sizes,
        paths_total: if current.is_some() { site.paths.len() } else { 0 },
        paths,
        base: base.map(|b| values(&b)),
        delta: delta_v,
        trend,
    };
    (row, if is_map_kind(d.kind) { layout } else { None })
}

/// The map retention table of heap profile `heap` (whose call tree is
/// `tree`), with `inputs` joined.
/// A joined binary whose GNU build ID differs from the one the heap profile
/// recorded for its main binary (its first mapping) did not write it.
fn build_id_warnings(heap: &Profile, inputs: &MapsInputs) -> Vec<String> {
    let recorded = heap.mappings.first().map(|m| heap.strings.get(m.build_id)).unwrap_or("");
    let mut out = Vec::new();
    for (id, _) in &inputs.binaries {
        if let Some(id) = id {
            if !recorded.is_empty() && id != recorded {
                out.push(format!(
                    "a joined binary has build ID {id}, but the heap profile was written by build {recorded}: \
                     its source lines may not be the profile's, so its evidence may be wrong"
                ));
            }
        }
    }
    out
}

pub fn analyze(heap: &Profile, tree: &CallTree, inputs: &MapsInputs, opts: &MapsOptions) -> Result<Maps> {
    let table = sites::collect(heap)?;
    let mut ctx = Ctx { inputs, opts, memo: classify::Memo::default() };
    let fits: Vec<Fits> = table.sites.iter().map(|s| fits_of(s, table.sample_rate, &mut ctx.memo)).collect();
    let allowed = allowed_layouts(inputs, &fits);
    let mut rows: Vec<(MapSite, Option<bool>)> = Vec::with_capacity(table.sites.len());
    for (site, f) in table.sites.iter().zip(fits) {
        let a = site_allowed(inputs, site, allowed);
        rows.push(site_row(&mut ctx, site, table.sample_rate, pick(f, a), Some((heap, tree)), &site.total));
    }
    if let Some(base) = &inputs.base {
        for site in &base.sites {
            if table.get(&site.key()).is_none() {
                let f = fits_of(site, base.sample_rate, &mut ctx.memo);
                let a = site_allowed(inputs, site, allowed);
                rows.push(site_row(&mut ctx, site, base.sample_rate, pick(f, a), None, &Values::default()));
            }
        }
    }
    let maps_first = opts.maps_first;
    rows.sort_by(|(a, _), (b, _)| {
        let group =
            if maps_first { is_map_kind(&b.kind).cmp(&is_map_kind(&a.kind)) } else { std::cmp::Ordering::Equal };
        group
            .then(b.inuse_space.cmp(&a.inuse_space))
            .then(b.alloc_space.cmp(&a.alloc_space))
            .then_with(|| a.function.cmp(&b.function))
            .then(a.line.cmp(&b.line))
            .then_with(|| a.file.cmp(&b.file))
    });
    let mut summary = MapsSummary {
        sites: rows.len(),
        map_sites: 0,
        alloc_space: 0,
        inuse_space: 0,
        map_alloc_space: 0,
        map_inuse_space: 0,
        layout: None,
    };
    let (mut classic, mut swiss) = (0usize, 0usize);
    for (r, layout) in &rows {
        summary.alloc_space = summary.alloc_space.wrapping_add(r.alloc_space);
        summary.inuse_space = summary.inuse_space.wrapping_add(r.inuse_space);
        if is_map_kind(&r.kind) {
            summary.map_sites += 1;
            summary.map_alloc_space = summary.map_alloc_space.wrapping_add(r.alloc_space);
            summary.map_inuse_space = summary.map_inuse_space.wrapping_add(r.inuse_space);
        }
        match layout {
            Some(true) => swiss += 1,
            Some(false) => classic += 1,
            None => {}
        }
    }
    summary.layout = match (classic, swiss) {
        // Runtime frames of the joined stacks prove the layout.
        _ if inputs.layout().is_some() => Some(if inputs.layout() == Some(true) { "swiss" } else { "classic" }.into()),
        (0, 0) => None,
        (_, 0) => Some("classic".into()),
        (0, _) => Some("swiss".into()),
        _ => Some("mixed".into()),
    };
    let mut sites: Vec<MapSite> = rows.into_iter().map(|(r, _)| r).collect();
    if opts.limit > 0 {
        sites.truncate(opts.limit);
    }
    Ok(Maps {
        sample_rate: table.sample_rate,
        snapshots: if inputs.snapshots.is_empty() { 1 } else { inputs.snapshots.len() + 1 },
        base: inputs.base.is_some(),
        cpu: MapsCpu {
            profiles: inputs.stack_profiles,
            samples: inputs.stack_samples,
            map_lines: inputs.lines.values().filter(|l| l.map_samples > 0).count(),
        },
        binary: MapsBinary {
            binaries: inputs.binaries.len(),
            map_calls: inputs.binary_calls,
            warnings: build_id_warnings(heap, inputs),
        },
        summary,
        sites,
    })
}
