//! Several profiles as one, as `go tool pprof` makes them: `pprof a b c`
//! merges (profile.Merge), `-base B` subtracts, `-diff_base B` subtracts
//! keeping the base's samples apart (labelled `pprof::base=true`, and the
//! report's total is then the base's), `-normalize` first scales the
//! profile to the base's totals. Pure functions from profiles to a new one;
//! the call tree and every query then work on it unchanged.
//!
//! A merged sample is keyed as pprof keys it: its frames (function, line,
//! inlined or not, and the location's address relative to its mapping)
//! and its labels. (pprof also lines up mappings of one file loaded at
//! different addresses; relative addresses do the same.)

use super::tags;
use crate::model::{FrameId, Label, Lists, Profile, StrId, ValueType};
use crate::{Error, Result};
use rustc_hash::FxHashMap;

/// The label pprof puts on a `-diff_base` base's samples.
pub const BASE_LABEL: &str = "pprof::base";

/// What to compare `sources` (merged) against, as pprof's flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compare {
    /// `-diff_base` (true) or `-base` (false).
    pub diff: bool,
    /// `-normalize`: scale the profile to the base's totals first.
    pub normalize: bool,
}

/// pprof's `fetchProfiles`: the sources merged, then, with `bases`, the
/// bases merged, labelled (diff), the sources normalized to them (if
/// asked), negated and merged in.
pub fn compare(sources: &[&Profile], bases: &[&Profile], how: Compare) -> Result<Profile> {
    let p = combine(sources)?;
    if bases.is_empty() {
        return Ok(p);
    }
    compare_combined(p, combine(bases)?, how)
}

/// [`compare`] of the profile `p` with the base `b`, each already
/// combined from its inputs ([`combine`], or [`add`] one at a time).
pub fn compare_combined(mut p: Profile, mut b: Profile, how: Compare) -> Result<Profile> {
    if how.diff {
        set_label(&mut b, BASE_LABEL, "true");
    }
    if how.normalize {
        normalize(&mut p, &b)?;
    }
    let n = b.sample_types.len();
    scale_n(&mut b, &vec![-1.0; n]);
    merge(&[&p, &b], true)
}

/// pprof's `combineProfiles`: one profile as it is (pprof merges nothing
/// then), several merged.
pub fn combine(ps: &[&Profile]) -> Result<Profile> {
    merge(ps, ps.len() > 1)
}

/// [`combine`] one input at a time: `acc` (None before the first) with
/// `p` added. Merging in pairs sums and drops as merging all at once does.
pub fn add(acc: Option<Profile>, p: &Profile) -> Result<Profile> {
    match acc {
        None => merge(&[p], false),
        Some(a) => merge(&[&a, p], true),
    }
}

/// The profiles as one (pprof's `CompatibilizeSampleTypes` then `Merge`):
/// the sample types all have (in the first's order); samples of the same
/// frames and labels summed and samples whose values are all zero dropped
/// when `merge_samples` (else every sample kept as it is).
pub fn merge(ps: &[&Profile], merge_samples: bool) -> Result<Profile> {
    let first = *ps.first().ok_or_else(|| Error::Incompatible { detail: "no profiles to merge".into() })?;
    let kinds: Vec<&str> = (0..first.sample_types.len()).map(|t| first.sample_type_name(t)).collect();
    let common: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|k| ps.iter().all(|p| (0..p.sample_types.len()).any(|t| p.sample_type_name(t) == *k)))
        .collect();
    if common.is_empty() {
        return Err(Error::Incompatible { detail: "the profiles have no sample type in common".into() });
    }
    let vt = |p: &Profile, v: Option<ValueType>| v.map(|v| (p.strings.get(v.kind).to_string(), p.strings.get(v.unit).to_string()));
    let period = vt(first, first.period_type);
    // Where each profile's values of each common type are.
    let mut columns: Vec<Vec<usize>> = Vec::with_capacity(ps.len());
    for p in ps {
        if vt(p, p.period_type) != period {
            return Err(Error::Incompatible {
                detail: format!("incompatible period types {} and {}", show(&period), show(&vt(p, p.period_type))),
            });
        }
        let mut cols = Vec::with_capacity(common.len());
        for (k, kind) in common.iter().enumerate() {
            let t = (0..p.sample_types.len()).find(|&t| p.sample_type_name(t) == *kind).unwrap_or(0);
            let unit = p.strings.get(p.sample_types[t].unit);
            let t0 = (0..first.sample_types.len()).find(|&t| first.sample_type_name(t) == *kind).unwrap_or(k);
            let unit0 = first.strings.get(first.sample_types[t0].unit);
            if unit != unit0 {
                return Err(Error::Incompatible {
                    detail: format!("sample type {kind} is in {unit0} in one profile and in {unit} in another"),
                });
            }
            cols.push(t);
        }
        columns.push(cols);
    }

    let mut out = Profile::new(first.format);
    for kind in &common {
        let t = (0..first.sample_types.len()).find(|&t| first.sample_type_name(t) == *kind).unwrap_or(0);
        let unit = first.strings.get(first.sample_types[t].unit);
        out.sample_types.push(ValueType { kind: out.strings.intern(kind), unit: out.strings.intern(unit) });
    }
    let default = first.sample_type_name(first.default_sample_type);
    out.default_sample_type = common.iter().position(|k| *k == default).unwrap_or(0);
    out.period_type = period.as_ref().map(|(k, u)| ValueType { kind: out.strings.intern(k), unit: out.strings.intern(u) });
    // combineHeaders: the earliest time (its quirk: a 0 is replaced by the
    // next profile's), the durations summed, the largest period.
    for p in ps {
        if out.time_ns == 0 || p.time_ns < out.time_ns {
            out.time_ns = p.time_ns;
        }
        out.duration_ns = out.duration_ns.wrapping_add(p.duration_ns);
        out.period = out.period.max(p.period);
        for &c in &p.comments {
            let c = out.strings.intern(p.strings.get(c));
            if !out.comments.contains(&c) {
                out.comments.push(c);
            }
        }
    }
    out.drop_frames = out.strings.intern(first.strings.get(first.drop_frames));
    out.keep_frames = out.strings.intern(first.strings.get(first.keep_frames));

    let n_types = common.len();
    let mut lists: FxHashMap<Box<[FrameId]>, u32> = FxHashMap::default();
    let mut samples: FxHashMap<(u32, Box<[Label]>), usize> = FxHashMap::default();
    out.lists = Lists { start: vec![0], frames: Vec::new() };
    out.samples.clear();
    let mut frames: Vec<FrameId> = Vec::new();
    for (p, cols) in ps.iter().zip(&columns) {
        let strs: Vec<StrId> = (0..p.strings.len() as u32).map(|i| out.strings.intern(p.strings.get(StrId(i)))).collect();
        let s = |id: StrId| strs.get(id.idx()).copied().unwrap_or(StrId(0));
        for m in &p.mappings {
            let m = crate::model::Mapping { filename: s(m.filename), build_id: s(m.build_id), ..m.clone() };
            if !out.mappings.contains(&m) {
                out.mappings.push(m);
            }
        }
        let funcs: Vec<_> = (0..p.funcs.len())
            .map(|f| {
                out.funcs.intern(
                    s(p.funcs.name[f]),
                    s(p.funcs.system_name[f]),
                    s(p.funcs.file[f]),
                    p.funcs.start_line[f],
                )
            })
            .collect();
        let frame_ids: Vec<FrameId> = (0..p.frames.len())
            .map(|f| {
                let func = funcs[p.frames.func[f].idx()];
                let inline = p.frames.inline.get(f).copied().unwrap_or(false);
                out.frames.intern_at(func, p.frames.line[f], inline, p.frames.addr.get(f).copied().unwrap_or(0))
            })
            .collect();
        // Each of this profile's lists, as a list of the merged one.
        let mut list_of: Vec<u32> = vec![u32::MAX; p.lists.len()];
        let mut labels: Vec<Label> = Vec::new();
        for i in 0..p.samples.len() {
            let values: Vec<i64> = cols.iter().map(|&t| p.value(i, t)).collect();
            if merge_samples && values.iter().all(|&v| v == 0) {
                continue;
            }
            let src = p.samples.list.get(i).copied().unwrap_or(u32::MAX);
            let list = match list_of.get(src as usize) {
                Some(&l) if l != u32::MAX => l,
                _ => {
                    frames.clear();
                    frames.extend(p.sample_frames(i).iter().map(|f| frame_ids[f.idx()]));
                    let l = match lists.get(frames.as_slice()) {
                        Some(&l) => l,
                        None => {
                            out.lists.frames.extend_from_slice(&frames);
                            let l = out.lists.close();
                            lists.insert(frames.clone().into_boxed_slice(), l);
                            l
                        }
                    };
                    if let Some(slot) = list_of.get_mut(src as usize) {
                        *slot = l;
                    }
                    l
                }
            };
            labels.clear();
            labels.extend(p.samples.labels_of(i).iter().map(|l| Label { key: s(l.key), str: s(l.str), num: l.num, unit: s(l.unit) }));
            if merge_samples {
                // pprof's sampleKey: string labels then numeric ones, each
                // by key, a key's values in their order.
                labels.sort_by_key(|l| (tags::is_numeric(l), l.key));
                let key = (list, labels.clone().into_boxed_slice());
                if let Some(&j) = samples.get(&key) {
                    for (k, v) in values.iter().enumerate() {
                        let at = j * n_types + k;
                        out.samples.values[at] = out.samples.values[at].wrapping_add(*v);
                    }
                    continue;
                }
                samples.insert(key, out.samples.list.len());
            }
            out.samples.list.push(list);
            out.samples.values.extend_from_slice(&values);
            out.samples.labels.extend_from_slice(&labels);
            out.samples.label_start.push(out.samples.labels.len() as u32);
        }
    }
    if merge_samples {
        // Merge drops the samples that summed to zero.
        retain_samples(&mut out, |vals| vals.iter().any(|&v| v != 0));
    }
    out.source_locations = out.frames.len();
    out.source_functions = out.funcs.len();
    Ok(out)
}

fn show(v: &Option<(String, String)>) -> String {
    match v {
        Some((k, u)) => format!("{k}/{u}"),
        None => "none".into(),
    }
}

/// Keeps the samples whose values `keep` accepts.
fn retain_samples(p: &mut Profile, mut keep: impl FnMut(&[i64]) -> bool) {
    let n = p.sample_types.len().max(1);
    let s = &mut p.samples;
    let (mut w, mut lw) = (0usize, 0usize);
    let mut starts = vec![0u32];
    for i in 0..s.list.len() {
        if !keep(&s.values[i * n..(i + 1) * n]) {
            continue;
        }
        s.list[w] = s.list[i];
        s.values.copy_within(i * n..(i + 1) * n, w * n);
        let (a, b) = (s.label_start[i] as usize, s.label_start[i + 1] as usize);
        s.labels.copy_within(a..b, lw);
        lw += b - a;
        starts.push(lw as u32);
        w += 1;
    }
    s.list.truncate(w);
    s.values.truncate(w * n);
    s.labels.truncate(lw);
    s.label_start = starts;
}

/// pprof's `ScaleN`: each value of a type whose ratio is not 1 becomes
/// `round(v × ratio)`; a sample is dropped when every such value is then 0
/// (its other values do not keep it).
pub fn scale_n(p: &mut Profile, ratios: &[f64]) {
    if ratios.iter().all(|&r| r == 1.0) {
        return;
    }
    let n = p.sample_types.len();
    let mut keep = vec![false; p.samples.list.len()];
    for (i, k) in keep.iter_mut().enumerate() {
        for (t, &r) in ratios.iter().enumerate().take(n) {
            if r != 1.0 {
                let v = &mut p.samples.values[i * n + t];
                *v = (*v as f64 * r).round() as i64;
                *k |= *v != 0;
            }
        }
    }
    let mut i = 0;
    retain_samples(p, |_| {
        i += 1;
        keep[i - 1]
    });
}

/// pprof's `Normalize`: scales `p` so that each sample type sums (signed)
/// to what it does in `base`.
pub fn normalize(p: &mut Profile, base: &Profile) -> Result<()> {
    let types = |q: &Profile| -> Vec<(String, String)> {
        q.sample_types.iter().map(|v| (q.strings.get(v.kind).to_string(), q.strings.get(v.unit).to_string())).collect()
    };
    if types(p) != types(base) {
        return Err(Error::Incompatible {
            detail: "normalize needs a base of the same sample types as the profile".into(),
        });
    }
    let sums = |q: &Profile| -> Vec<i64> {
        (0..q.sample_types.len())
            .map(|t| (0..q.samples.len()).fold(0i64, |a, i| a.wrapping_add(q.value(i, t))))
            .collect()
    };
    let (src, b) = (sums(p), sums(base));
    let ratios: Vec<f64> = src.iter().zip(&b).map(|(&s, &b)| if s == 0 { 0.0 } else { b as f64 / s as f64 }).collect();
    scale_n(p, &ratios);
    Ok(())
}

/// pprof's `SetLabel`: every sample's string label `key` is `value`.
pub fn set_label(p: &mut Profile, key: &str, value: &str) {
    let (k, v) = (p.strings.intern(key), p.strings.intern(value));
    let s = &mut p.samples;
    let mut labels = Vec::with_capacity(s.labels.len() + s.list.len());
    let mut starts = vec![0u32];
    for i in 0..s.list.len() {
        let (a, b) = (s.label_start[i] as usize, s.label_start[i + 1] as usize);
        labels.extend(s.labels[a..b].iter().filter(|l| !(l.key == k && !tags::is_numeric(l))).copied());
        labels.push(Label { key: k, str: v, num: 0, unit: StrId(0) });
        starts.push(labels.len() as u32);
    }
    s.labels = labels;
    s.label_start = starts;
}

/// The (key, value) string ids of `pprof::base=true` in `p`, if it has
/// them: samples carrying that label are a `-diff_base` base's (pprof's
/// `DiffBaseSample`), and the report's total is then theirs.
pub fn diff_base_label(p: &Profile) -> Option<(StrId, StrId)> {
    Some((p.strings.lookup(BASE_LABEL)?, p.strings.lookup("true")?))
}
