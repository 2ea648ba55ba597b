//! pprof `profile.proto` (raw; gzip is removed by the caller) into the model.
//!
//! Two passes over the top-level fields: Go writes the string table, the
//! locations and the functions *after* the samples, so the first pass reads
//! everything but samples and the second interns samples one at a time.

pub mod proto;
mod prune;
pub mod wire;

use crate::model::{Format, FrameId, FuncId, Label, Mapping, Profile, StrId, ValueType};
use crate::{Error, Result};
use prost::Message;
use rustc_hash::FxHashMap;
use wire::{Field, Fields, Value};

/// Cheap check used by content sniffing: does `data` start like a profile?
/// The first field must be a profile.proto field with its proper wire type,
/// and the first few fields must parse.
pub fn looks_like_pprof(data: &[u8]) -> bool {
    looks_like_pprof_head(data, false)
}

/// Like [`looks_like_pprof`] for the first bytes of a longer input
/// (`truncated`): a field cut by the end of `data` counts as well formed,
/// since the rest of it has not arrived yet.
pub fn looks_like_pprof_head(data: &[u8], truncated: bool) -> bool {
    let mut pos = 0usize;
    for _ in 0..4 {
        if pos == data.len() {
            return true;
        }
        // A varint the end of `data` cuts: every byte left has its high bit.
        let cut = |from: usize| truncated && data.len() - from < 10 && data[from..].iter().all(|b| b & 0x80 != 0);
        let key_at = pos;
        let Ok(key) = wire::read_varint(data, &mut pos) else { return cut(key_at) };
        let (number, wire_type) = (key >> 3, key & 7);
        let wire_ok = match number {
            1..=6 | 11 => wire_type == 2,
            7..=10 | 12 | 14 | 15 => wire_type == 0,
            13 => wire_type == 0 || wire_type == 2,
            _ => false,
        };
        if !wire_ok {
            return false;
        }
        let start = pos;
        let Ok(v) = wire::read_varint(data, &mut pos) else { return cut(start) };
        if wire_type == 2 {
            match pos.checked_add(v as usize).filter(|&e| e <= data.len()) {
                Some(end) => pos = end,
                None => return truncated,
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
    /// Bytes of all sample messages.
    sample_bytes: usize,
    locations_len: usize,
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
        sample_bytes: 0,
        locations_len: 0,
    };
    for f in Fields::new(data) {
        let f = f?;
        match f.number {
            1 => t.sample_types.push(decode_msg(&f, "sample type")?),
            2 => {
                t.n_samples += 1;
                if let Value::Bytes(b) = f.value {
                    t.sample_bytes += b.len();
                }
            }
            3 => t.mappings.push(decode_msg(&f, "mapping")?),
            4 => t.locations.push(decode_msg(&f, "location")?),
            5 => t.functions.push(decode_msg(&f, "function")?),
            6 => match f.value {
                Value::Bytes(b) => t.raw_strings.push(String::from_utf8_lossy(b).into_owned()),
                _ => {
                    return Err(Error::BadProtobuf {
                        offset: f.offset,
                        detail: "string table entry has the wrong wire type".into(),
                    })
                }
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
                        t.comments.push(
                            wire::read_varint(b, &mut p).map_err(|_| Error::BadVarint { offset: f.offset })? as i64,
                        );
                    }
                }
                _ => {
                    return Err(Error::BadProtobuf {
                        offset: f.offset,
                        detail: "comment has the wrong wire type".into(),
                    })
                }
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
        usize::try_from(index).ok().and_then(|i| self.0.get(i).copied()).ok_or_else(|| Error::BadStringIndex {
            index,
            len: self.0.len(),
            field,
        })
    }
}

/// Decodes a raw (not gzipped) profile.proto into the model.
pub fn parse(data: &[u8]) -> Result<Profile> {
    parse_with_progress(data, &mut |_| {})
}

/// Like [`parse`], reporting the fraction done to `progress`.
pub fn parse_with_progress(data: &[u8], progress: &mut dyn FnMut(f64)) -> Result<Profile> {
    Ok(decode(data, progress)?.finish(progress))
}

/// Decodes the profile; [`Pending::finish`] hands it over
/// once `data` is no longer needed.
pub fn decode(data: &[u8], progress: &mut dyn FnMut(f64)) -> Result<Pending> {
    if data.is_empty() {
        return Err(Error::Empty);
    }
    let mut t = first_pass(data)?;
    crate::mem_mark("pprof: first pass");
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
        p.period_type =
            Some(ValueType { kind: s.get(pt.r#type, "period type")?, unit: s.get(pt.unit, "period unit")? });
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
        let objfile = mapping_ids.get(&loc.mapping_id).map_or(StrId(0), |&m| p.mappings[m].filename);
        for l in &loc.line {
            let func = if l.function_id == 0 {
                unsymbolized(&mut p, loc.address, objfile)
            } else {
                *func_ids.get(&l.function_id).ok_or(Error::UnknownId { kind: "function", id: l.function_id })?
            };
            lines.push((func, l.line));
        }
        if lines.is_empty() {
            lines.push((unsymbolized(&mut p, loc.address, objfile), 0));
        }
        let (action, first_kept) = pruner.location(&p, &lines);
        let start = loc_frames.len() as u32;
        // Caller first: the location's last line is the function the
        // others were inlined into.
        let addr = match mapping_ids.get(&loc.mapping_id) {
            Some(&m) => loc.address.wrapping_sub(p.mappings[m].memory_start).wrapping_add(p.mappings[m].file_offset),
            None => loc.address,
        };
        for (k, &(func, line)) in lines[first_kept..].iter().rev().enumerate() {
            loc_frames.push(p.frames.intern_at(func, line, k > 0, addr));
        }
        loc_index.insert(loc.id, loc_range.len() as u32);
        loc_range.push((start, loc_frames.len() as u32));
        loc_prune.push(action);
    }
    t.locations_len = t.locations.len();
    crate::mem_mark("pprof: locations done");
    drop(t.locations);
    drop(t.functions);

    // Second pass: samples, decoded by hand into reused buffers (no
    // allocation per sample). Each distinct location list becomes one frame
    // list, root first, in the model's sample-major column (`Profile::lists`):
    // four bytes per frame, no stack table, nothing built per prefix.
    let n_types = p.sample_types.len();
    let n = t.n_samples;
    // Each value costs at least one input byte, so this bounds the
    // reservation by the input even when the type count is hostile.
    p.samples.values.reserve_exact(n.saturating_mul(n_types).min(data.len()));
    p.samples.label_start.reserve_exact(n + 1);
    // Go puts one label (`bytes`) on every heap sample; a label costs at
    // least 4 bytes of the sample messages. Reserved for the same reason
    // as the frames column below.
    p.samples.labels.reserve_exact(n.min(t.sample_bytes / 4));
    p.samples.label_start.push(0);
    p.samples.list.reserve_exact(n);
    p.lists.start.push(0);
    // Node ids are frame positions + 1 (analysis::calltree): below u32::MAX.
    let frame_cap = max_frames(data.len()).min(u32::MAX as usize - 1);
    // The frames column is reserved once, for up to one frame per two bytes
    // of sample messages (a location id takes a byte or more and every
    // sample has values: genuine profiles stay under that; past it the
    // column grows as usual). Pages never written cost no resident memory,
    // in wasm as natively, while growing by doubling writes each frame up to
    // twice and leaves the freed halves as holes (wasm memory never shrinks).
    p.lists.frames.reserve_exact((t.sample_bytes / 2).min(frame_cap));
    // Go writes one sample per (stack, object size), so many samples repeat
    // an earlier location list: each distinct list (keyed by its packed
    // bytes) is laid out once.
    let mut lists: FxHashMap<&[u8], u32> = FxHashMap::default();
    // One entry per distinct list, at most one per sample: reserving that
    // saves the rehashes of growing (5% of the decode).
    lists.reserve(n.min(data.len() / 4));
    // Go numbers locations 1..n: index them directly when ids are dense.
    let dense = loc_index.len() == t.locations_len && loc_index.keys().all(|&id| id as usize <= t.locations_len);
    let mut dense_index: Vec<u32> = Vec::new();
    if dense {
        dense_index = vec![u32::MAX; t.locations_len + 1];
        for (&id, &i) in &loc_index {
            dense_index[id as usize] = i;
        }
    }
    // The fast path: dense ids and no frames to prune (Go's profiles). One
    // lookup per location id: the frame itself for a location of one line
    // (most); for two or three lines (inlined calls), a flag, the count and
    // where its frames start in `loc_frames`; else a flag and an index into
    // `loc_range`. Three lookups into tables of a few MB (ids → index →
    // range → frames) cost a cache miss each on profiles with 200k
    // locations; this one table is a quarter.
    const MULTI: u32 = 1 << 31;
    const OFFSET: u32 = (1 << 29) - 1;
    let fast =
        dense && pruner.is_trivial() && loc_frames.len() < OFFSET as usize && loc_range.len() < OFFSET as usize;
    let mut direct: Vec<u32> = Vec::new();
    if fast {
        direct = dense_index
            .iter()
            .map(|&i| match loc_range.get(i as usize) {
                Some(&(a, b)) if b == a + 1 => loc_frames[a as usize].0,
                Some(&(a, b)) if b == a + 2 || b == a + 3 => MULTI | (b - a) << 29 | a,
                Some(_) => MULTI | i,
                None => u32::MAX,
            })
            .collect();
    }
    let step = (n / 100).max(1);
    let mut buf = SampleBuf::default();
    let mut locs: Vec<u32> = Vec::new();
    let mut done = 0usize;
    for f in Fields::new(data) {
        let f = f?;
        if f.number != 2 {
            continue;
        }
        let Value::Bytes(body) = f.value else {
            return Err(Error::BadProtobuf { offset: f.offset, detail: "sample has the wrong wire type".into() });
        };
        let (packed, decoded) = buf.decode(body, f.data_offset, fast)?;
        // A new list whose ids were left packed: decoded straight into
        // frames, leaf first (each location's frames reversed), then the
        // list is reversed whole. An unknown id is reported after the value
        // count, as the general path below orders its checks.
        let mut unknown = None;
        let hit = packed.and_then(|(b, _)| lists.get(b)).copied();
        let from = p.lists.frames.len();
        if hit.is_none() && !decoded {
            let (b, off) = packed.unwrap_or((&[], 0));
            let frames = &mut p.lists.frames;
            let mut too_many = false;
            wire::read_packed(b, |id| match direct.get(id as usize).copied().unwrap_or(u32::MAX) {
                u32::MAX => {
                    unknown.get_or_insert(id);
                }
                d if d < MULTI => {
                    if frames.len() >= frame_cap {
                        too_many = true;
                    } else {
                        frames.push(FrameId(d));
                    }
                }
                d if d & !MULTI > OFFSET => {
                    // Two or three lines, callee first in the list being built.
                    let (k, a) = ((d >> 29 & 3) as usize, (d & OFFSET) as usize);
                    if frames.len() + k > frame_cap {
                        too_many = true;
                    } else if !too_many {
                        frames.extend(loc_frames[a..a + k].iter().rev());
                    }
                }
                d => {
                    let (a, e) = loc_range[(d & !MULTI) as usize];
                    if frames.len() + (e - a) as usize > frame_cap {
                        too_many = true;
                    } else if !too_many {
                        frames.extend(loc_frames[a as usize..e as usize].iter().rev());
                    }
                }
            })
            .map_err(|q| Error::BadVarint { offset: off + q })?;
            if too_many && unknown.is_none() {
                return Err(Error::TooManyFrames { limit: frame_cap as u64 });
            }
            frames[from..].reverse();
        }
        if buf.values.len() != n_types {
            return Err(Error::InvalidProfile {
                detail: format!(
                    "sample {} has {} values but the profile has {} sample types",
                    done,
                    buf.values.len(),
                    n_types
                ),
            });
        }
        if let Some(list) = hit {
            p.samples.list.push(list);
        } else if !decoded {
            if let Some(id) = unknown {
                return Err(Error::UnknownId { kind: "location", id });
            }
            let list = p.lists.close();
            p.samples.list.push(list);
            if let Some((b, _)) = packed {
                lists.insert(b, list);
            }
        } else {
            locs.clear();
            for &id in &buf.locations {
                let i = if dense {
                    dense_index.get(id as usize).copied().filter(|&i| i != u32::MAX)
                } else {
                    loc_index.get(&id).copied()
                };
                locs.push(i.ok_or_else(|| Error::UnknownId { kind: "location", id })?);
            }
            // locs is leaf first; the pruner cuts it root-side as pprof does.
            let (lo, hi) = pruner.sample_range(&locs, &loc_prune);
            for &l in locs[lo..hi].iter().rev() {
                let (a, b) = loc_range[l as usize];
                if p.lists.frames.len() + (b - a) as usize > frame_cap {
                    return Err(Error::TooManyFrames { limit: frame_cap as u64 });
                }
                p.lists.frames.extend_from_slice(&loc_frames[a as usize..b as usize]);
            }
            let list = p.lists.close();
            p.samples.list.push(list);
            if let Some((b, _)) = packed {
                lists.insert(b, list);
            }
        }
        p.samples.values.extend_from_slice(&buf.values);
        for l in &buf.labels {
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
            progress(0.9 * done as f64 / n as f64);
        }
    }
    drop(lists);
    // Not shrunk: giving back the last doubling's spare capacity would copy
    // the whole column (in wasm, whose memory never shrinks, old and new
    // copy together set the high-water mark: 210 MiB instead of 178 on
    // bench/'s low-sharing profile, measured with bench/wasm-memory.sh).
    crate::mem_mark("pprof: samples decoded");
    Ok(Pending { profile: p })
}

/// A decoded profile not handed over yet: the caller may free the
/// decompressed input first, which lowers the peak memory.
pub struct Pending {
    profile: Profile,
}

/// The most frames the distinct location lists of a profile of `input`
/// bytes may lay out. Each location id in a sample costs at least one input
/// byte, but a location expands to one frame per line, so a small file can
/// ask for a product of the two (one location of 10,000 lines referenced
/// 10,000 times is 100 million frames from 50 KB). Real profiles lay out
/// fewer frames than they have bytes (measured on every fixture and on the
/// benchmark profiles: under 0.3 per byte, and Go records at most 128 frames per sample); 2 per byte plus 256 Ki
/// keeps every genuine profile and bounds memory by the input.
pub fn max_frames(input: usize) -> usize {
    input.saturating_mul(2).saturating_add(1 << 18)
}

impl Pending {
    /// The finished profile. (The stacks of a profile are its frame lists,
    /// already built: nothing is left to do but hand it over.)
    pub fn finish(self, progress: &mut dyn FnMut(f64)) -> Profile {
        progress(1.0);
        self.profile
    }
}

/// What [`SampleBuf::decode`] returns: the packed location bytes (and their
/// absolute offset) when they are the sample's only location field, and
/// whether they were decoded into `locations`.
type Decoded<'a> = (Option<(&'a [u8], usize)>, bool);

/// One sample's fields, decoded into buffers reused across samples.
#[derive(Default)]
struct SampleBuf {
    locations: Vec<u64>,
    values: Vec<i64>,
    labels: Vec<proto::Label>,
}

impl SampleBuf {
    /// Decodes a Sample message at absolute offset `base`; repeated scalars
    /// may be packed or not, as protobuf allows.
    /// Returns the packed location-id bytes when the sample has exactly one
    /// packed location field (as every Go profile does): a key for the list.
    ///
    /// With `defer`, a sample whose only location field is packed (every Go
    /// profile's) has its ids left undecoded (`self.locations` empty, the
    /// second value `false`): the caller looks the bytes up first and
    /// decodes them straight into frames only when new. Returns the packed
    /// bytes' absolute offset too.
    fn decode<'a>(&mut self, body: &'a [u8], base: usize, defer: bool) -> Result<Decoded<'a>> {
        self.locations.clear();
        self.values.clear();
        self.labels.clear();
        let rebase = |e: Error| match e {
            Error::BadVarint { offset } => Error::BadVarint { offset: base + offset },
            Error::BadProtobuf { offset, detail } => {
                Error::BadProtobuf { offset: base + offset, detail: format!("sample: {detail}") }
            }
            e => e,
        };
        let mut packed: Option<(&'a [u8], usize)> = None;
        let mut location_fields = 0;
        // The deferred packed field, decoded after all if another comes.
        let mut pending: Option<(&'a [u8], usize)> = None;
        for f in Fields::new(body) {
            let f = f.map_err(rebase)?;
            if f.number == 1 {
                location_fields += 1;
                if let Some((b, off)) = pending.take() {
                    wire::read_packed(b, |v| self.locations.push(v))
                        .map_err(|q| Error::BadVarint { offset: base + off + q })?;
                }
                if let Value::Bytes(b) = f.value {
                    packed = Some((b, base + f.data_offset));
                    if defer && location_fields == 1 {
                        pending = Some((b, f.data_offset));
                        continue;
                    }
                }
            }
            match (f.number, &f.value) {
                (1, Value::Varint(v)) => self.locations.push(*v),
                (2, Value::Varint(v)) => self.values.push(*v as i64),
                (1 | 2, Value::Bytes(b)) => {
                    let r = if f.number == 1 {
                        wire::read_packed(b, |v| self.locations.push(v))
                    } else {
                        wire::read_packed(b, |v| self.values.push(v as i64))
                    };
                    r.map_err(|q| Error::BadVarint { offset: base + f.data_offset + q })?;
                }
                (3, Value::Bytes(b)) => match fast_label(b) {
                    Some(l) => self.labels.push(l),
                    // Anything unusual: prost decodes it (and words the error).
                    None => self.labels.push(decode_msg(
                        &Field { offset: base + f.offset, data_offset: base + f.data_offset, ..f },
                        "sample label",
                    )?),
                },
                (1..=3, _) => {
                    return Err(Error::BadProtobuf {
                        offset: base + f.offset,
                        detail: format!("sample field {} has the wrong wire type", f.number),
                    })
                }
                _ => {}
            }
        }
        Ok((packed.filter(|_| location_fields == 1), pending.is_none()))
    }
}

/// A Label message whose fields are all well-formed varints (what Go
/// writes), decoded without prost's per-message overhead; `None` for
/// anything else, which prost then decodes (or rejects) as before.
#[inline]
fn fast_label(b: &[u8]) -> Option<proto::Label> {
    let mut l = proto::Label::default();
    for f in Fields::new(b) {
        match f.ok()? {
            Field { number: 1, value: Value::Varint(v), .. } => l.key = v as i64,
            Field { number: 2, value: Value::Varint(v), .. } => l.str = v as i64,
            Field { number: 3, value: Value::Varint(v), .. } => l.num = v as i64,
            Field { number: 4, value: Value::Varint(v), .. } => l.num_unit = v as i64,
            Field { number: 1..=4, .. } => return None,
            _ => {}
        }
    }
    Some(l)
}

/// A function standing for an address without symbol information, named as
/// pprof prints such locations.
/// The function standing for a location (or line) without symbols, named
/// as `go tool pprof` names it at function granularity: `[` the base name
/// of its mapping's file `]` (`[libc.so.6]`, `[server]`), or `<unknown>`
/// when the mapping has no file. pprof then drops the address, so all of a
/// mapping's unsymbolized locations are one function; the address is kept
/// as the system name (each location stays its own row in the table of
/// functions, for symbolizing from the binary later).
fn unsymbolized(p: &mut Profile, address: u64, objfile: StrId) -> FuncId {
    let file = p.strings.get(objfile);
    let name = if file.is_empty() {
        "<unknown>".to_string()
    } else {
        // Go's filepath.Base (on Unix, where pprof runs).
        let t = file.trim_end_matches('/');
        let base = if t.is_empty() { "/" } else { t.rsplit('/').next().unwrap_or(t) };
        format!("[{base}]")
    };
    let name = p.strings.intern(&name);
    let addr = p.strings.intern(&format!("{address:016x}"));
    p.funcs.intern(name, addr, StrId(0), 0)
}
