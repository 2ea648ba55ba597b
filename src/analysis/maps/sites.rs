//! Heap samples grouped by allocation site: the function, file and line of
//! the frame that allocated, after skipping the frames that implement maps
//! outside the runtime (maps.clone, reflect.mapassign, sync.Map, ...; see
//! [`super::names`]) and any runtime frame pprof kept. Each site keeps its
//! object-size histogram (from the `bytes` label Go puts on every heap
//! sample) and the call paths that lead to it.

use super::names;
use crate::model::{FrameId, Profile, StrId};
use crate::{Error, Result};
use rustc_hash::FxHashMap;

/// The four values of a Go heap sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Values {
    pub alloc_objects: i64,
    pub alloc_space: i64,
    pub inuse_objects: i64,
    pub inuse_space: i64,
}

impl Values {
    /// Adds `o` (wrapping, as pprof's int64 sums).
    pub fn add(&mut self, o: &Values) {
        self.alloc_objects = self.alloc_objects.wrapping_add(o.alloc_objects);
        self.alloc_space = self.alloc_space.wrapping_add(o.alloc_space);
        self.inuse_objects = self.inuse_objects.wrapping_add(o.inuse_objects);
        self.inuse_space = self.inuse_space.wrapping_add(o.inuse_space);
    }
    /// `self - o`, as `-diff_base` computes it.
    pub fn minus(&self, o: &Values) -> Values {
        Values {
            alloc_objects: self.alloc_objects.wrapping_sub(o.alloc_objects),
            alloc_space: self.alloc_space.wrapping_sub(o.alloc_space),
            inuse_objects: self.inuse_objects.wrapping_sub(o.inuse_objects),
            inuse_space: self.inuse_space.wrapping_sub(o.inuse_space),
        }
    }
}

/// Objects of one recorded size at a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRow {
    /// The recorded object size (`bytes` label); 0 when unknown.
    pub bytes: u64,
    pub v: Values,
}

/// One allocation site.
#[derive(Debug, Clone)]
pub struct Site {
    pub func: String,
    pub file: String,
    pub line: i64,
    /// Map flags ([`names`]) of the frames between the allocation and the
    /// site, over all the site's samples.
    pub flags: u8,
    /// Those frames' function names (distinct, at most 8).
    pub via: Vec<String>,
    pub total: Values,
    /// Size histogram, by size ascending.
    pub sizes: Vec<SizeRow>,
    /// Call paths: the stack whose last frame is the site frame, with the
    /// values of the samples through it. Only meaningful for the profile
    /// the table was built from.
    pub paths: Vec<SitePath>,
}

/// A call path to a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SitePath {
    /// The path is the first `depth` frames of list `list` (the first list
    /// seen through it), the site frame last.
    pub list: u32,
    pub depth: u32,
    pub v: Values,
}

impl Site {
    /// Values of objects of `bytes` bytes (zero when none).
    pub fn at(&self, bytes: u64) -> Values {
        self.sizes.binary_search_by_key(&bytes, |r| r.bytes).map_or_else(|_| Values::default(), |i| self.sizes[i].v)
    }
    /// Objects allocated of `bytes` bytes.
    pub fn count(&self, bytes: u64) -> i64 {
        self.at(bytes).alloc_objects
    }
    /// The key sites are joined by across profiles.
    pub fn key(&self) -> String {
        site_key(&self.func, &self.file, self.line)
    }
}

/// The key of a function + file + line, for joins across profiles.
pub fn site_key(func: &str, file: &str, line: i64) -> String {
    format!("{func}\u{0}{file}\u{0}{line}")
}

/// Sites of one heap profile.
#[derive(Debug, Clone, Default)]
pub struct SiteTable {
    pub sites: Vec<Site>,
    /// `runtime.MemProfileRate` when the profile was written (its period),
    /// 0 when unknown.
    pub sample_rate: i64,
    index: FxHashMap<String, usize>,
}

impl SiteTable {
    /// The site with this key.
    pub fn get(&self, key: &str) -> Option<&Site> {
        self.index.get(key).and_then(|&i| self.sites.get(i))
    }
}

/// Indices of the four heap sample types.
struct HeapTypes {
    alloc_objects: Option<usize>,
    alloc_space: Option<usize>,
    inuse_objects: Option<usize>,
    inuse_space: Option<usize>,
}

fn heap_types(p: &Profile) -> Result<HeapTypes> {
    let find = |name: &str| (0..p.sample_types.len()).find(|&t| p.sample_type_name(t) == name);
    let t = HeapTypes {
        alloc_objects: find("alloc_objects"),
        alloc_space: find("alloc_space"),
        inuse_objects: find("inuse_objects"),
        inuse_space: find("inuse_space"),
    };
    if t.alloc_space.is_none() && t.inuse_space.is_none() {
        return Err(Error::NotHeapProfile {
            found: (0..p.sample_types.len()).map(|t| p.sample_type_name(t).to_string()).collect(),
        });
    }
    Ok(t)
}

/// Whether `p` is a Go heap profile (has alloc_space or inuse_space).
pub fn is_heap(p: &Profile) -> bool {
    heap_types(p).is_ok()
}

/// Walks from the leaf of `frames` (root first) toward the root to the
/// site frame. Returns the number of frames up to and including the site
/// frame, and the map flags and names of the frames skipped.
fn locate(p: &Profile, frames: &[FrameId], via: &mut Vec<StrId>) -> (usize, u8) {
    let mut flags = 0u8;
    let mut fallback: Option<usize> = None;
    via.clear();
    for d in (1..=frames.len()).rev() {
        let frame = frames[d - 1];
        let func = p.frames.func[frame.idx()];
        let name_id = p.funcs.name[func.idx()];
        let name = p.strings.get(name_id);
        if names::is_runtime(name) {
            let f = names::runtime_flags(name);
            flags |= f;
            if f == 0 && fallback.is_none() && !names::is_malloc_plumbing(name) {
                fallback = Some(d);
            }
        } else {
            let f = names::library_flags(name);
            if f == 0 {
                return (d, flags);
            }
            flags |= f;
            if !via.contains(&name_id) && via.len() < 8 {
                via.push(name_id);
            }
            if fallback.is_none() {
                fallback = Some(d);
            }
        }
    }
    // Without a fallback the walk ended at the root frame.
    (fallback.unwrap_or(1), flags)
}

struct Building<'a> {
    func: StrId,
    file: StrId,
    line: i64,
    flags: u8,
    via: Vec<StrId>,
    total: Values,
    sizes: FxHashMap<u64, Values>,
    paths: FxHashMap<&'a [FrameId], SitePath>,
}

/// Groups the samples of heap profile `p` by site.
pub fn collect(p: &Profile) -> Result<SiteTable> {
    let t = heap_types(p)?;
    let bytes_key = p.strings.lookup("bytes");
    let get = |i: usize, t: Option<usize>| t.map_or(0, |t| p.value(i, t));
    let mut index: FxHashMap<(StrId, StrId, i64), usize> = FxHashMap::default();
    let mut building: Vec<Building> = Vec::new();
    let mut via: Vec<StrId> = Vec::new();
    for i in 0..p.samples.len() {
        let Some(&list) = p.samples.list.get(i) else { continue };
        let frames = p.lists.get(list);
        if frames.is_empty() {
            continue;
        }
        let v = Values {
            alloc_objects: get(i, t.alloc_objects),
            alloc_space: get(i, t.alloc_space),
            inuse_objects: get(i, t.inuse_objects),
            inuse_space: get(i, t.inuse_space),
        };
        let label = bytes_key.and_then(|k| p.samples.labels_of(i).iter().find(|l| l.key == k && l.str == StrId(0)));
        let size = match label {
            Some(l) if l.num > 0 => l.num as u64,
            _ if v.alloc_objects > 0 && v.alloc_space > 0 => (v.alloc_space / v.alloc_objects) as u64,
            _ if v.inuse_objects > 0 && v.inuse_space > 0 => (v.inuse_space / v.inuse_objects) as u64,
            _ => 0,
        };
        let (site_depth, flags) = locate(p, frames, &mut via);
        let frame = frames[site_depth - 1];
        let func = p.frames.func[frame.idx()];
        let key = (p.funcs.name[func.idx()], p.funcs.file[func.idx()], p.frames.line[frame.idx()]);
        let n = building.len();
        let idx = *index.entry(key).or_insert(n);
        if idx == n {
            building.push(Building {
                func: key.0,
                file: key.1,
                line: key.2,
                flags: 0,
                via: Vec::new(),
                total: Values::default(),
                sizes: FxHashMap::default(),
                paths: FxHashMap::default(),
            });
        }
        let b = &mut building[idx];
        b.flags |= flags;
        for &name in &via {
            if !b.via.contains(&name) && b.via.len() < 8 {
                b.via.push(name);
            }
        }
        b.total.add(&v);
        b.sizes.entry(size).or_default().add(&v);
        b.paths
            .entry(&frames[..site_depth])
            .or_insert(SitePath { list, depth: site_depth as u32, v: Values::default() })
            .v
            .add(&v);
    }
    let mut table = SiteTable {
        sites: Vec::with_capacity(building.len()),
        sample_rate: match p.period_type {
            Some(pt) if p.strings.get(pt.kind) == "space" => p.period,
            _ => 0,
        },
        index: FxHashMap::default(),
    };
    for b in building {
        let mut sizes: Vec<SizeRow> = b.sizes.into_iter().map(|(bytes, v)| SizeRow { bytes, v }).collect();
        sizes.sort_by_key(|r| r.bytes);
        let mut paths: Vec<SitePath> = b.paths.into_values().collect();
        paths.sort_by(|a, b| {
            b.v.inuse_space
                .cmp(&a.v.inuse_space)
                .then(b.v.alloc_space.cmp(&a.v.alloc_space))
                .then(a.depth.cmp(&b.depth))
                .then(a.list.cmp(&b.list))
        });
        let site = Site {
            func: p.strings.get(b.func).to_string(),
            file: p.strings.get(b.file).to_string(),
            line: b.line,
            flags: b.flags,
            via: b.via.iter().map(|&s| p.strings.get(s).to_string()).collect(),
            total: b.total,
            sizes,
            paths,
        };
        table.index.insert(site.key(), table.sites.len());
        table.sites.push(site);
    }
    Ok(table)
}
