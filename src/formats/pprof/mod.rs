//! pprof `profile.proto` (raw; gzip is removed by the caller) into the model.
//!
//! Two passes over the top-level fields: Go writes the string table, the
//! locations and the functions *after* the samples, so the first pass reads
//! everything but samples and the second interns samples one at a time.

pub mod proto;
mod prune;
pub mod wire;

use crate::model::{Format, FrameId, FuncId, Label, Mapping, Profile, StackId, StrId, ValueType};
use crate::{Error, Result};
use prost::Message;
use rustc_hash::FxHashMap;
use wire::{Field, Fields, Value};

/// Cheap check used by content sniffing: does `data` start like a profile?
/// The first field must be a profile.proto field with its proper wire type,
/// and the first few fields must parse.
pub fn looks_like_pprof(data: &[u8]) -> bool {
    let mut fields = Fields::new(data);
    for _ in 0..4 {
        match fields.next() {
            None => return true,
            Some(Err(_)) => return false,
            Some(Ok(f)) => {
                let wire_ok = match f.number {
                    1..=6 | 11 => matches!(f.value, Value::Bytes(_)),
                    7..=10 | 12 | 14 | 15 => matches!(f.value, Value::Varint(_)),
                    13 => matches!(f.value, Value::Varint(_) | Value::Bytes(_)),
                    _ => false,
                };
                if !wire_ok {
                    return false;
                }
            }
        }
    }
    true
}

fn decode_msg<M: Message + Default>(f: &Field, what: &str) -> Result<M> {
    match f.value {
        Value::Bytes(b) => M::decode(b).map_err(|e| {
            // prost does not say where; find a bad varint ourselves so the
            // message can point at it.
            if let Some(offset) = wire::find_bad_varint(b, f.data_offset, 2) {
                return Error::BadVarint { offset };
            }
            Error::BadProtobuf {
                offset: f.offset,
                detail: format!("{what}: {}", e.to_string().trim_start_matches("failed to decode Protobuf message: ")),
            }
        }),
        _ => Err(Error::BadProtobuf { offset: f.offset, detail: format!("{what} has the wrong wire type") }),
    }
}

fn varint_field(f: &Field, what: &str) -> Result<i64> {
    match f.value {
        Value::Varint(v) => Ok(v as i64),
        _ => Err(Error::BadProtobuf { offset: f.offset, detail: format!("{what} has the wrong wire type") }),
    }
}

/// Everything but the samples, from the first pass.
struct Tables {
    strings: Vec<StrId>,
    raw_strings: Vec<String>,
    sample_types: Vec<proto::ValueType>,
    mappings: Vec<proto::Mapping>,
    locations: Vec<proto::Location>,
    functions: Vec<proto::Function>,
    drop_frames: i64,
    keep_frames: i64,
    time_nanos: i64,
    duration_nanos: i64,
    period_type: Option<proto::ValueType>,
    period: i64,
    comments: Vec<i64>,
    default_sample_type: i64,
    n_samples: usize,
}

fn first_pass(data: &[u8]) -> Result<Tables> {
    let mut t = Tables {
        strings: Vec::new(),
        raw_strings: Vec::new(),
        sample_types: Vec::new(),
        mappings: Vec::new(),
        locations: Vec::new(),
        functions: Vec::new(),
        drop_frames: 0,
        keep_frames: 0,
        time_nanos: 0,
        duration_nanos: 0,
        period_type: None,
        period: 0,
        comments: Vec::new(),
        default_sample_type: 0,
        n_samples: 0,
    };
    for f in Fields::new(data) {
        let f = f?;
        match f.number {
            1 => t.sample_types.push(decode_msg(&f, "sample type")?),
            2 => t.n_samples += 1,
            3 => t.mappings.push(decode_msg(&f, "mapping")?),
            4 => t.locations.push(decode_msg(&f, "location")?),
            5 => t.functions.push(decode_msg(&f, "function")?),
            6 => match f.value {
                Value::Bytes(b) => t.raw_strings.push(String::from_utf8_lossy(b).into_owned()),
                _ => return Err(Error::BadProtobuf { offset: f.offset, detail: "string table entry has the wrong wire type".into() }),
            },
            7 => t.drop_frames = varint_field(&f, "drop_frames")?,
            8 => t.keep_frames = varint_field(&f, "keep_frames")?,
            9 => t.time_nanos = varint_field(&f, "time_nanos")?,
            10 => t.duration_nanos = varint_field(&f, "duration_nanos")?,
            11 => t.period_type = Some(decode_msg(&f, "period type")?),
            12 => t.period = varint_field(&f, "period")?,
            13 => match f.value {
                Value::Varint(v) => t.comments.push(v as i64),
                Value::Bytes(b) => {
                    let mut p = 0;
                    while p < b.len() {
                        t.comments.push(wire::read_varint(b, &mut p).map_err(|_| Error::BadVarint { offset: f.offset })? as i64);
                    }
                }
                _ => return Err(Error::BadProtobuf { offset: f.offset, detail: "comment has the wrong wire type".into() }),
            },
            14 => t.default_sample_type = varint_field(&f, "default_sample_type")?,
            _ => {} // unknown fields (doc_url, future additions) are skipped
        }
    }
    Ok(t)
}

/// String-table lookup with a range check.
struct StrMap<'a>(&'a [StrId]);
impl StrMap<'_> {
    #[inline]
    fn get(&self, index: i64, field: &'static str) -> Result<StrId> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.0.get(i).copied())
            .ok_or(Error::BadStringIndex { index, len: self.0.len(), field })
    }
}

/// Decodes a raw (not gzipped) profile.proto into the model.
pub fn parse(data: &[u8]) -> Result<Profile> {
    parse_with_progress(data, &mut |_| {})
}

/// Like [`parse`], reporting the fraction of samples done to `progress`.
pub fn parse_with_progress(data: &[u8], progress: &mut dyn FnMut(f64)) -> Result<Profile> {
    if data.is_empty() {
        return Err(Error::Empty);
    }
    let mut t = first_pass(data)?;
    let mut p = Profile::new(Format::Pprof);

    if let Some(first) = t.raw_strings.first() {
        if !first.is_empty() {
            return Err(Error::InvalidProfile { detail: "string_table[0] must be the empty string".into() });
        }
    } else {
        t.raw_strings.push(String::new());
    }
    t.strings = t.raw_strings.iter().map(|s| p.strings.intern(s)).collect();
    let raw_strings = std::mem::take(&mut t.raw_strings);
    let s = StrMap(&t.strings);

    for vt in &t.sample_types {
        p.sample_types.push(ValueType { kind: s.get(vt.r#type, "sample type")?, unit: s.get(vt.unit, "sample unit")? });
    }
    if p.sample_types.is_empty() && t.n_samples > 0 {
        return Err(Error::InvalidProfile { detail: "the profile has samples but no sample types".into() });
    }
    p.default_sample_type = p.sample_types.len().saturating_sub(1);
    if t.default_sample_type != 0 {
        let want = s.get(t.default_sample_type, "default_sample_type")?;
        if let Some(i) = p.sample_types.iter().position(|v| v.kind == want) {
            p.default_sample_type = i;
        }
    }
    if let Some(pt) = t.period_type {
        p.period_type = Some(ValueType { kind: s.get(pt.r#type, "period type")?, unit: s.get(pt.unit, "period unit")? });
    }
    p.period = t.period;
    p.time_ns = t.time_nanos;
    p.duration_ns = t.duration_nanos;
    p.drop_frames = s.get(t.drop_frames, "drop_frames")?;
    p.keep_frames = s.get(t.keep_frames, "keep_frames")?;
    p.comments = t.comments.iter().map(|&c| s.get(c, "comment")).collect::<Result<_>>()?;
    p.source_locations = t.locations.len();
    p.source_functions = t.functions.len();

    let mut mapping_ids: FxHashMap<u64, usize> = FxHashMap::default();
    for m in &t.mappings {
        if m.id == 0 {
            return Err(Error::InvalidProfile { detail: "mapping with id 0".into() });
        }
        mapping_ids.insert(m.id, p.mappings.len());
        p.mappings.push(Mapping {
            memory_start: m.memory_start,
            memory_limit: m.memory_limit,
            file_offset: m.file_offset,
            filename: s.get(m.filename, "mapping file name")?,
            build_id: s.get(m.build_id, "mapping build id")?,
        });
    }

    let mut func_ids: FxHashMap<u64, FuncId> = FxHashMap::default();
    for f in &t.functions {
        if f.id == 0 {
            return Err(Error::InvalidProfile { detail: "function with id 0".into() });
        }
        let id = p.funcs.intern(
            s.get(f.name, "function name")?,
            s.get(f.system_name, "function system name")?,
            s.get(f.filename, "function file name")?,
            f.start_line,
        );
        func_ids.insert(f.id, id);
    }

    // Each location expands to its frames, caller first (lines reversed).
    let pruner = prune::Pruner::new(&raw_strings, t.drop_frames, t.keep_frames)?;
    drop(raw_strings);
    let mut loc_index: FxHashMap<u64, u32> = FxHashMap::default();
    let mut loc_frames: Vec<FrameId> = Vec::new();
    let mut loc_range: Vec<(u32, u32)> = Vec::with_capacity(t.locations.len());
    let mut loc_prune: Vec<prune::Action> = Vec::with_capacity(t.locations.len());
    for loc in &t.locations {
        if loc.id == 0 {
            return Err(Error::InvalidProfile { detail: "location with id 0".into() });
        }
        if loc.mapping_id != 0 && !mapping_ids.contains_key(&loc.mapping_id) {
            return Err(Error::UnknownId { kind: "mapping", id: loc.mapping_id });
        }
        let mut lines: Vec<(FuncId, i64)> = Vec::with_capacity(loc.line.len().max(1));
        for l in &loc.line {
            let func = if l.function_id == 0 {
                unsymbolized(&mut p, loc.address)
            } else {
                *func_ids.get(&l.function_id).ok_or(Error::UnknownId { kind: "function", id: l.function_id })?
            };
            lines.push((func, l.line));
        }
        if lines.is_empty() {
            lines.push((unsymbolized(&mut p, loc.address), 0));
        }
        let (action, first_kept) = pruner.location(&p, &lines);
        let start = loc_frames.len() as u32;
        for &(func, line) in lines[first_kept..].iter().rev() {
            loc_frames.push(p.frames.intern(func, line));
        }
        loc_index.insert(loc.id, loc_range.len() as u32);
        loc_range.push((start, loc_frames.len() as u32));
        loc_prune.push(action);
    }
    drop(t.locations);
    drop(t.functions);

    // Second pass: samples.
    let n_types = p.sample_types.len();
    let n = t.n_samples;
    // Each value costs at least one input byte, so this bounds the
    // reservation by the input even when the type count is hostile.
    p.samples.stack.reserve_exact(n);
    p.samples.values.reserve_exact(n.saturating_mul(n_types).min(data.len()));
    p.samples.label_start.reserve_exact(n + 1);
    p.samples.label_start.push(0);
    let step = (n / 100).max(1);
    let mut locs: Vec<u32> = Vec::new();
    let mut done = 0usize;
    for f in Fields::new(data) {
        let f = f?;
        if f.number != 2 {
            continue;
        }
        let sample: proto::Sample = decode_msg(&f, "sample")?;
        if sample.value.len() != n_types {
            return Err(Error::InvalidProfile {
                detail: format!(
                    "sample {} has {} values but the profile has {} sample types",
                    done,
                    sample.value.len(),
                    n_types
                ),
            });
        }
        locs.clear();
        for &id in &sample.location_id {
            locs.push(*loc_index.get(&id).ok_or(Error::UnknownId { kind: "location", id })?);
        }
        // locs is leaf first; the pruner cuts it root-side as pprof does.
        let (lo, hi) = pruner.sample_range(&locs, &loc_prune);
        let mut stack: Option<StackId> = None;
        for &li in locs[lo..hi].iter().rev() {
            let (a, b) = loc_range[li as usize];
            for &fr in &loc_frames[a as usize..b as usize] {
                stack = Some(p.stacks.intern(stack, fr));
            }
        }
        p.samples.stack.push(stack);
        p.samples.values.extend_from_slice(&sample.value);
        for l in &sample.label {
            p.samples.labels.push(Label {
                key: s.get(l.key, "label key")?,
                str: s.get(l.str, "label value")?,
                num: l.num,
                unit: s.get(l.num_unit, "label unit")?,
            });
        }
        p.samples.label_start.push(p.samples.labels.len() as u32);
        done += 1;
        if done % step == 0 {
            progress(done as f64 / n as f64);
        }
    }
    p.stacks.freeze();
    progress(1.0);
    Ok(p)
}

/// A function standing for an address without symbol information, named as
/// pprof prints such locations.
fn unsymbolized(p: &mut Profile, address: u64) -> FuncId {
    let name = p.strings.intern(&format!("{address:016x}"));
    p.funcs.intern(name, StrId(0), StrId(0), 0)
}
