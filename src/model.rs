//! One interned, columnar model that every input format fills: strings,
//! functions, frames and stacks (prefix + frame) as tables addressed by `u32`
//! ids, plus the sample table. Analyses and layouts read only this.

use rustc_hash::FxHashMap;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            /// The id as a table index.
            #[inline]
            pub fn idx(self) -> usize { self.0 as usize }
        }
    };
}

id_type!(/// Index into [`Strings`].
    StrId);
id_type!(/// Index into [`Functions`].
    FuncId);
id_type!(/// Index into [`Frames`].
    FrameId);
/// Index into [`Stacks`]. Stored as index + 1 in a `NonZeroU32`, so that
/// `Option<StackId>` (every stack's prefix, every sample's leaf) takes 4
/// bytes, not 8: millions of stacks are common in large profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StackId(std::num::NonZeroU32);

impl StackId {
    /// The stack with table index `i` (`i < u32::MAX`).
    #[inline]
    pub fn new(i: u32) -> Self {
        StackId(std::num::NonZeroU32::MIN.saturating_add(i))
    }
    /// The id as a table index.
    #[inline]
    pub fn idx(self) -> usize {
        self.0.get() as usize - 1
    }
    /// The id as a u32 table index.
    #[inline]
    pub fn index(self) -> u32 {
        self.0.get() - 1
    }
}

/// Interned strings. Id 0 is always the empty string.
#[derive(Debug, Clone)]
pub struct Strings {
    strs: Vec<Box<str>>,
    index: FxHashMap<Box<str>, StrId>,
}

impl Default for Strings {
    fn default() -> Self {
        let mut s = Strings { strs: Vec::new(), index: FxHashMap::default() };
        s.intern("");
        s
    }
}

impl Strings {
    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> StrId {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = StrId(self.strs.len() as u32);
        self.strs.push(s.into());
        self.index.insert(s.into(), id);
        id
    }
    /// The string behind `id`.
    pub fn get(&self, id: StrId) -> &str {
        self.strs.get(id.idx()).map(|s| &**s).unwrap_or("")
    }
    /// The id of `s` if it was interned.
    pub fn lookup(&self, s: &str) -> Option<StrId> {
        self.index.get(s).copied()
    }
    /// Number of strings.
    pub fn len(&self) -> usize {
        self.strs.len()
    }
    /// Whether only the empty string is present.
    pub fn is_empty(&self) -> bool {
        self.strs.len() <= 1
    }
}

/// Function table (one row per distinct name+system name+file+start line).
#[derive(Debug, Default, Clone)]
pub struct Functions {
    pub name: Vec<StrId>,
    pub system_name: Vec<StrId>,
    pub file: Vec<StrId>,
    pub start_line: Vec<i64>,
    index: FxHashMap<(StrId, StrId, StrId, i64), FuncId>,
}

impl Functions {
    /// The id of this function, adding it if new.
    pub fn intern(&mut self, name: StrId, system_name: StrId, file: StrId, start_line: i64) -> FuncId {
        let key = (name, system_name, file, start_line);
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = FuncId(self.name.len() as u32);
        self.name.push(name);
        self.system_name.push(system_name);
        self.file.push(file);
        self.start_line.push(start_line);
        self.index.insert(key, id);
        id
    }
    /// Number of functions.
    pub fn len(&self) -> usize {
        self.name.len()
    }
    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.name.is_empty()
    }
}

/// Frame table: a function at a line. Inlined calls are separate frames,
/// and a line reached inlined (a line of a location other than its last,
/// the function the others were inlined into) is a different frame from the
/// same line reached by a real call: pprof marks the call edge into it
/// `(inline)` (in `-peek`, and `(inline)`/`(partial-inline)` in `-top`).
/// A pprof frame also keeps its location's address (relative to its
/// mapping): pprof merges profiles (`-base`) by location, so two call
/// sites on one line stay apart there as here. Every query names frames by
/// function, file and line, so the address splits nothing they show.
#[derive(Debug, Default, Clone)]
pub struct Frames {
    pub func: Vec<FuncId>,
    pub line: Vec<i64>,
    /// Whether this frame was inlined into its caller's frame.
    pub inline: Vec<bool>,
    /// The location's address, relative to its mapping (0 in traces).
    pub addr: Vec<u64>,
    index: FxHashMap<(FuncId, i64, bool, u64), FrameId>,
}

impl Frames {
    /// The id of this frame (reached by a real call), adding it if new.
    pub fn intern(&mut self, func: FuncId, line: i64) -> FrameId {
        self.intern_at(func, line, false, 0)
    }
    /// The id of this frame of a location at `addr`, inlined into its
    /// caller or not, adding it if new.
    pub fn intern_at(&mut self, func: FuncId, line: i64, inline: bool, addr: u64) -> FrameId {
        let key = (func, line, inline, addr);
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = FrameId(self.func.len() as u32);
        self.func.push(func);
        self.line.push(line);
        self.inline.push(inline);
        self.addr.push(addr);
        self.index.insert(key, id);
        id
    }
    /// Number of frames.
    pub fn len(&self) -> usize {
        self.func.len()
    }
    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.func.is_empty()
    }
}

/// Stack table: each stack is its caller's stack (`prefix`) plus one frame.
/// A prefix always has a smaller id than the stacks built on it, so one
/// backwards pass over the table propagates values from leaves to roots.
#[derive(Debug, Default)]
pub struct Stacks {
    pub prefix: Vec<Option<StackId>>,
    pub frame: Vec<FrameId>,
    /// The intern index: open addressing (linear probing) over the two
    /// columns themselves, a slot holding a stack's index + 1 (0: empty).
    /// Four bytes a slot at most 60% full, where a hash map of (key → id)
    /// entries took 16–26 bytes a stack and twice that while it rehashed:
    /// 107 MB of the 193 MiB `gopherlens gc` needed for bench/'s stacks
    /// trace (42 MB, millions of distinct stacks).
    table: Vec<u32>,
    /// 64 − log2(table.len()): the hash's top bits pick the slot.
    shift: u32,
}

impl Stacks {
    #[inline]
    fn slot(&self, prefix: Option<StackId>, frame: FrameId) -> usize {
        let p = prefix.map_or(0u64, |p| p.index() as u64 + 1);
        let key = (p << 32) | frame.0 as u64;
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Doubles the index (or makes the first one) and re-enters every stack.
    fn grow(&mut self) {
        let cap = (self.table.len() * 2).max(1024);
        self.table = vec![0u32; cap];
        self.shift = 64 - cap.trailing_zeros();
        let mask = cap - 1;
        for i in 0..self.frame.len() {
            let mut at = self.slot(self.prefix[i], self.frame[i]);
            while self.table[at] != 0 {
                at = (at + 1) & mask;
            }
            self.table[at] = i as u32 + 1;
        }
    }

    /// The id of `prefix` + `frame`, adding it if new.
    #[inline]
    pub fn intern(&mut self, prefix: Option<StackId>, frame: FrameId) -> StackId {
        if (self.frame.len() + 1) * 5 > self.table.len() * 3 {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let mut at = self.slot(prefix, frame);
        loop {
            let s = self.table[at];
            if s == 0 {
                let id = StackId::new(self.frame.len() as u32);
                self.prefix.push(prefix);
                self.frame.push(frame);
                self.table[at] = id.index() + 1;
                return id;
            }
            let j = (s - 1) as usize;
            if self.frame[j] == frame && self.prefix[j] == prefix {
                return StackId::new(j as u32);
            }
            at = (at + 1) & mask;
        }
    }
    /// Number of stacks.
    pub fn len(&self) -> usize {
        self.frame.len()
    }
    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.frame.is_empty()
    }
    /// Drops the intern index once no more stacks will be added.
    pub fn freeze(&mut self) {
        self.table = Vec::new();
        self.shift = 0;
    }
}

/// Every sample's stack as a list of frames, root first, lists one after
/// another in one column: the sample-major form the call tree, the top table
/// and the maps analysis read. Four bytes per frame whatever the profile's
/// shape; a stack table (prefix + frame per distinct prefix) grows with the
/// number of distinct prefixes instead, which for stacks that share little
/// is close to one entry per frame, at twice the size.
#[derive(Debug, Default)]
pub struct Lists {
    /// List `l` is `frames[start[l]..start[l + 1]]`; `start[0] == 0`.
    pub start: Vec<u32>,
    pub frames: Vec<FrameId>,
}

impl Lists {
    /// Number of lists.
    #[inline]
    pub fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The frames of list `l`, root first.
    #[inline]
    pub fn get(&self, l: u32) -> &[FrameId] {
        let l = l as usize;
        match (self.start.get(l), self.start.get(l + 1)) {
            (Some(&a), Some(&b)) => self.frames.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
    /// Number of frames of list `l`.
    #[inline]
    pub fn depth(&self, l: u32) -> u32 {
        let l = l as usize;
        match (self.start.get(l), self.start.get(l + 1)) {
            (Some(&a), Some(&b)) => b - a,
            _ => 0,
        }
    }
    /// Ends the list being built (its frames were pushed to `frames`).
    #[inline]
    pub fn close(&mut self) -> u32 {
        if self.start.is_empty() {
            self.start.push(0);
        }
        self.start.push(self.frames.len() as u32);
        (self.start.len() - 2) as u32
    }
}

/// A sample type: what is measured and in which unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueType {
    pub kind: StrId,
    pub unit: StrId,
}

/// One label on a sample: a string value, or a number with an optional unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label {
    pub key: StrId,
    /// String value (`StrId(0)` for numeric labels).
    pub str: StrId,
    pub num: i64,
    pub unit: StrId,
}

/// Sample table: a stack, one value per sample type, and labels.
#[derive(Debug, Default)]
pub struct Samples {
    /// Leaf stack of each sample in the stack table (`None` for an empty
    /// stack), for formats whose events point at stacks (traces); the pprof
    /// decoder builds no stack table and leaves this empty.
    pub stack: Vec<Option<StackId>>,
    /// The list (in [`Profile::lists`]) of each sample's frames: every format.
    pub list: Vec<u32>,
    /// Row-major: `values[i * n_types + t]`.
    pub values: Vec<i64>,
    /// Labels of sample `i` are `labels[label_start[i]..label_start[i + 1]]`.
    pub label_start: Vec<u32>,
    pub labels: Vec<Label>,
}

impl Samples {
    /// Drops every sample (keeping the allocations), ready to be refilled.
    pub fn clear(&mut self) {
        self.stack.clear();
        self.list.clear();
        self.values.clear();
        self.labels.clear();
        self.label_start.clear();
        self.label_start.push(0);
    }
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.stack.len().max(self.list.len())
    }
    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The labels of sample `i`.
    pub fn labels_of(&self, i: usize) -> &[Label] {
        let a = self.label_start.get(i).copied().unwrap_or(0) as usize;
        let b = self.label_start.get(i + 1).copied().unwrap_or(a as u32) as usize;
        self.labels.get(a..b).unwrap_or(&[])
    }
}

/// A mapped binary (from pprof mappings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub memory_start: u64,
    pub memory_limit: u64,
    pub file_offset: u64,
    pub filename: StrId,
    pub build_id: StrId,
}

/// Which input format a profile came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pprof,
    /// A Go execution trace: the samples are its CPU samples.
    Trace,
    /// A `GODEBUG=gctrace=1` log: no samples, only GC cycles.
    GcTrace,
    /// A Go executable: no samples, only the lines that call map code.
    GoBinary,
}

impl Format {
    /// The name used in JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pprof => "pprof",
            Format::Trace => "trace",
            Format::GcTrace => "gctrace",
            Format::GoBinary => "go-binary",
        }
    }
}

/// A decoded profile in the interned model.
#[derive(Debug)]
pub struct Profile {
    pub format: Format,
    pub strings: Strings,
    pub funcs: Functions,
    pub frames: Frames,
    pub stacks: Stacks,
    /// The samples' frame lists (see [`Lists`]).
    pub lists: Lists,
    pub samples: Samples,
    pub sample_types: Vec<ValueType>,
    /// Index into `sample_types` of the type viewers show first.
    pub default_sample_type: usize,
    pub period_type: Option<ValueType>,
    pub period: i64,
    pub time_ns: i64,
    pub duration_ns: i64,
    pub mappings: Vec<Mapping>,
    pub comments: Vec<StrId>,
    pub drop_frames: StrId,
    pub keep_frames: StrId,
    /// Counts of the source records, as stored in the file.
    pub source_locations: usize,
    pub source_functions: usize,
}

impl Profile {
    /// An empty profile of the given format.
    pub fn new(format: Format) -> Self {
        Profile {
            format,
            strings: Strings::default(),
            funcs: Functions::default(),
            frames: Frames::default(),
            stacks: Stacks::default(),
            lists: Lists::default(),
            samples: Samples::default(),
            sample_types: Vec::new(),
            default_sample_type: 0,
            period_type: None,
            period: 0,
            time_ns: 0,
            duration_ns: 0,
            mappings: Vec::new(),
            comments: Vec::new(),
            drop_frames: StrId(0),
            keep_frames: StrId(0),
            source_locations: 0,
            source_functions: 0,
        }
    }

    /// A profile with this one's tables (strings, functions, frames, sample
    /// types and header) and other samples: what a transform of the samples
    /// returns (filters; their lists use this profile's frame ids). The
    /// stack table is not copied (a derived profile has lists only).
    pub fn derived(&self, lists: Lists, samples: Samples) -> Profile {
        Profile {
            format: self.format,
            strings: self.strings.clone(),
            funcs: self.funcs.clone(),
            frames: self.frames.clone(),
            stacks: Stacks::default(),
            lists,
            samples,
            sample_types: self.sample_types.clone(),
            default_sample_type: self.default_sample_type,
            period_type: self.period_type,
            period: self.period,
            time_ns: self.time_ns,
            duration_ns: self.duration_ns,
            mappings: self.mappings.clone(),
            comments: self.comments.clone(),
            drop_frames: self.drop_frames,
            keep_frames: self.keep_frames,
            source_locations: self.source_locations,
            source_functions: self.source_functions,
        }
    }

    /// The name of sample type `t`.
    pub fn sample_type_name(&self, t: usize) -> &str {
        self.sample_types.get(t).map_or("", |v| self.strings.get(v.kind))
    }

    /// Resolves a sample type given by name or by index (as `-sample_index`
    /// does); `None` gives the default.
    pub fn sample_index(&self, requested: Option<&str>) -> crate::Result<usize> {
        let Some(req) = requested.filter(|r| !r.is_empty()) else {
            return Ok(self.default_sample_type);
        };
        if let Some(t) = (0..self.sample_types.len()).find(|&t| self.sample_type_name(t) == req) {
            return Ok(t);
        }
        if let Ok(i) = req.parse::<usize>() {
            if i < self.sample_types.len() {
                return Ok(i);
            }
        }
        Err(crate::Error::UnknownSampleType {
            requested: req.to_string(),
            available: (0..self.sample_types.len()).map(|t| self.sample_type_name(t).to_string()).collect(),
        })
    }

    /// Fills [`Profile::lists`] and `samples.list` from the stack table, for
    /// formats that build one (traces); one list per distinct leaf stack, in
    /// order of first use. Nothing to do when the lists are there already.
    pub fn lists_from_stacks(&mut self) {
        if self.samples.list.len() == self.samples.len() && (!self.lists.is_empty() || self.samples.is_empty()) {
            return;
        }
        let mut lists = Lists { start: vec![0], frames: Vec::new() };
        let mut of_leaf: FxHashMap<Option<StackId>, u32> = FxHashMap::default();
        let mut list = Vec::with_capacity(self.samples.stack.len());
        for &leaf in &self.samples.stack {
            let l = *of_leaf.entry(leaf).or_insert_with(|| {
                let from = lists.frames.len();
                let mut s = leaf;
                // A prefix always has a smaller id: the walk ends.
                while let Some(id) = s {
                    let Some(&f) = self.stacks.frame.get(id.idx()) else { break };
                    lists.frames.push(f);
                    s = self.stacks.prefix.get(id.idx()).copied().flatten().filter(|p| p.idx() < id.idx());
                }
                lists.frames[from..].reverse();
                lists.close()
            });
            list.push(l);
        }
        self.lists = lists;
        self.samples.list = list;
    }

    /// The frames of sample `i`, root first.
    #[inline]
    pub fn sample_frames(&self, i: usize) -> &[FrameId] {
        self.samples.list.get(i).map_or(&[], |&l| self.lists.get(l))
    }

    /// The value of sample `i` for type `t`.
    #[inline]
    pub fn value(&self, i: usize, t: usize) -> i64 {
        self.samples.values[i * self.sample_types.len() + t]
    }
}
