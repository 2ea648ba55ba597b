//! The JSON shapes shared by the CLI (`--json`) and the JS API. One set of
//! structs, serialised by serde_json natively and serde-wasm-bindgen in wasm,
//! so both always agree.

use serde::Serialize;

/// `gopherlens info` / `session.info()`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Info {
    pub format: String,
    pub sample_types: Vec<SampleTypeInfo>,
    pub default_sample_type: String,
    pub period_type: Option<TypeUnit>,
    pub period: i64,
    pub time_ns: i64,
    pub duration_ns: i64,
    /// Samples in the file.
    pub samples: usize,
    /// Location records in the file.
    pub locations: usize,
    /// Function records in the file.
    pub functions: usize,
    /// For a Go executable (format "go-binary"): what it says about maps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<BinaryInfo>,
}

/// `info` of a Go executable.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BinaryInfo {
    /// "amd64" or "arm64".
    pub arch: String,
    /// The map layout compiled in: "classic", "swiss", or null.
    pub layout: Option<String>,
    /// The GNU build ID, which heap profiles record for their binary.
    pub gnu_build_id: Option<String>,
    /// Calls to runtime map functions that allocate.
    pub map_calls: usize,
    /// Distinct source lines making them.
    pub map_lines: usize,
    /// Whether calls in inlined code are named by the inlined function.
    pub inlining: bool,
}

/// A sample type with its total (sum of |value| over samples, as pprof).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SampleTypeInfo {
    #[serde(rename = "type")]
    pub kind: String,
    pub unit: String,
    pub total: i64,
}

/// A measured quantity and its unit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TypeUnit {
    #[serde(rename = "type")]
    pub kind: String,
    pub unit: String,
}

/// `gopherlens top` / `session.top()`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Top {
    pub sample_type: String,
    pub unit: String,
    pub total: i64,
    pub rows: Vec<TopRow>,
}

/// One function's flat and cum value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TopRow {
    pub name: String,
    pub flat: i64,
    pub cum: i64,
    /// pprof's `(inline)` / `(partial-inline)` after the name in `-top`:
    /// "inline" when every call into the node was inlined, "partial-inline"
    /// when some were; empty (and left out of the JSON) otherwise, and
    /// unless asked for ([`crate::Session::label_inline`]).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub inline: String,
}

/// `gopherlens top --diff-base B --table --json` / `session.diffTop()`:
/// each row's values in the profile and in its `-diff_base` base, and the
/// change (`flat`, `cum`: what `-top` shows). Rows in `-top`'s order, then
/// the rows whose change is 0 and 0 (which `-top` leaves out), by name.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiffTop {
    pub sample_type: String,
    pub unit: String,
    /// The base's total (pprof's percentages with -diff_base are of it).
    pub total: i64,
    pub rows: Vec<DiffRow>,
}

/// One row of [`DiffTop`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiffRow {
    pub name: String,
    pub base_flat: i64,
    pub base_cum: i64,
    pub flat: i64,
    pub cum: i64,
    /// cum in the profile (base_cum + cum).
    pub current_cum: i64,
    /// cum's change relative to base_cum (null when base_cum is 0).
    pub cum_change: Option<f64>,
}

/// `gopherlens peek --json` / `session.peek()`: pprof's `-peek REGEX`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Peek {
    pub sample_type: String,
    pub unit: String,
    pub total: i64,
    pub rows: Vec<crate::analysis::peek::PeekRow>,
}

/// `gopherlens tags --json` / `session.tags()`: pprof's `-tags`, every
/// label key with its values and their weights ([`crate::analysis::labels`]).
/// `output_unit` is pprof's `-unit` the numeric values are printed in.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tags {
    pub sample_type: String,
    pub unit: String,
    pub total: i64,
    pub output_unit: String,
    pub keys: Vec<crate::analysis::labels::TagKey>,
}

/// `gopherlens maps --json` / `session.maps()`: which Go maps hold the heap.
/// Every field is documented in README.md, section "Map retention".
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Maps {
    /// `runtime.MemProfileRate` of the heap profile (its period); 1 means
    /// every allocation was recorded, 0 unknown.
    pub sample_rate: i64,
    /// Heap profiles in the trend (earlier snapshots plus this one).
    pub snapshots: usize,
    /// Whether a base profile was subtracted (`base`/`delta` per site).
    pub base: bool,
    pub cpu: MapsCpu,
    pub binary: MapsBinary,
    pub summary: MapsSummary,
    pub sites: Vec<MapSite>,
}

/// The joined CPU (or trace) stacks.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MapsCpu {
    /// Stack profiles joined.
    pub profiles: usize,
    /// Their samples.
    pub samples: u64,
    /// Source lines with map code (create, write, grow, clone, sync.Map)
    /// directly above them in some sample.
    pub map_lines: usize,
}

/// The joined Go binaries.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MapsBinary {
    /// Binaries joined.
    pub binaries: usize,
    /// Their calls to runtime map functions that allocate.
    pub map_calls: usize,
    /// Why a binary may not be the one that wrote the heap profile (its
    /// build ID differs from the profile's main mapping).
    pub warnings: Vec<String>,
}

/// Totals over all sites.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MapsSummary {
    /// Sites in `sites` before `limit`.
    pub sites: usize,
    /// Of those, sites whose kind is a map kind.
    pub map_sites: usize,
    pub alloc_space: i64,
    pub inuse_space: i64,
    /// alloc/inuse space of the map sites.
    pub map_alloc_space: i64,
    pub map_inuse_space: i64,
    /// Map layout the size fits point to: "classic", "swiss", "mixed", or
    /// null when no site's sizes fit.
    pub layout: Option<String>,
}

/// One allocation site (function + file:line).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MapSite {
    pub function: String,
    pub file: String,
    pub line: i64,
    /// map-create, map-grow, map-overflow, map-clone, sync-map, not-map or
    /// unknown.
    pub kind: String,
    /// exact, sizes or none.
    pub evidence: String,
    /// The evidence in words, one item per fact.
    pub evidence_detail: Vec<String>,
    /// retained, transient, mixed, or unknown (nothing allocated).
    pub verdict: String,
    pub alloc_objects: i64,
    pub alloc_space: i64,
    pub inuse_objects: i64,
    pub inuse_space: i64,
    /// inuse_space / alloc_space (0 when nothing was allocated).
    pub retention: f64,
    pub estimate: MapEstimate,
    /// Plain-word findings; `finding_codes` names each one.
    pub findings: Vec<String>,
    pub finding_codes: Vec<String>,
    /// Object-size histogram from the `bytes` labels.
    pub sizes: Vec<MapSizeRow>,
    /// The heaviest call paths to the site (at most `paths` of them).
    pub paths: Vec<MapPath>,
    /// Call paths in all.
    pub paths_total: usize,
    /// The site in the base profile (null without a base).
    pub base: Option<MapValues>,
    /// This profile minus the base (null without a base).
    pub delta: Option<MapValues>,
    /// One point per heap snapshot, oldest first, this profile last; empty
    /// with a single heap profile.
    pub trend: Vec<MapValues>,
}

/// The four values of a heap site.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default)]
pub struct MapValues {
    pub alloc_objects: i64,
    pub alloc_space: i64,
    pub inuse_objects: i64,
    pub inuse_space: i64,
}

/// The map shape that the site's object sizes pin down; fields are null
/// when the sizes do not pin them down.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct MapEstimate {
    /// "classic" (hmap, Go 1.21–1.23) or "swiss" (Go 1.24+).
    pub layout: Option<String>,
    /// The Go releases whose allocator gives these sizes.
    pub go_versions: Option<String>,
    /// Bytes of one bucket (classic) or group (swiss) before size-class
    /// rounding.
    pub bucket_size: Option<u64>,
    /// Key + value bytes of one slot, padding included.
    pub kv_size: Option<u64>,
    /// Whether keys or values hold pointers.
    pub pointers: Option<bool>,
    /// Other bucket/group sizes that fit the sizes equally well.
    pub alternatives: Vec<u64>,
    /// log2 of the buckets (classic) or groups per table (swiss) of every
    /// array allocated here.
    pub levels: Vec<u32>,
    /// Classic: buckets in the largest array in use (the largest map seen).
    pub buckets: Option<u64>,
    /// Swiss: groups in use, all tables together.
    pub groups: Option<u64>,
    /// Swiss: tables in use.
    pub tables: Option<u64>,
    /// Entries the in-use arrays hold before they grow, all maps at the site
    /// together (classic: 6.5 per bucket of every in-use array, old arrays
    /// being evacuated not counted; swiss: 7/8 of the slots of all in-use
    /// tables). Scaled estimates in a sampled profile, like the bytes.
    pub capacity: Option<u64>,
    /// Maps in use made here (map headers in use).
    pub maps: Option<u64>,
    /// Classic: arrays of 2^B and 2^(B-1) buckets are both in use: a map
    /// grew and its old array is not yet evacuated.
    pub old_array_alive: bool,
    /// Bytes of the objects that fit the map layout.
    pub map_alloc_space: i64,
    pub map_inuse_space: i64,
}

/// Objects of one size at a site.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MapSizeRow {
    /// Size as recorded (after size-class rounding).
    pub bytes: u64,
    pub alloc_objects: i64,
    pub alloc_space: i64,
    pub inuse_objects: i64,
    pub inuse_space: i64,
    /// What these objects are in the map layout that fits ("bucket array
    /// 2^5", "map header", "table", ...), or "" when they fit none.
    pub role: String,
}

/// A call path to a site.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MapPath {
    /// "function file:line", root first, the site last.
    pub frames: Vec<String>,
    /// Call-tree node of the site's function on this path: pass it as the
    /// flame graph's root to focus on the site.
    pub node: u32,
    pub alloc_objects: i64,
    pub alloc_space: i64,
    pub inuse_objects: i64,
    pub inuse_space: i64,
}

/// `gopherlens gc TRACE --json`: what the garbage collector did during an
/// execution trace. Every field is documented in README.md, section
/// "Execution traces". Times are nanoseconds from the first event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Gc {
    /// Format version of the trace header ("1.26").
    pub go_version: String,
    pub events: usize,
    pub cpu_samples: usize,
    /// First to last event.
    pub duration_ns: i64,
    /// Largest GOMAXPROCS seen (0 if the trace has none).
    pub gomaxprocs: u64,
    /// Share of all Ps' time spent on GC (STW, background mark workers and
    /// mark assists, as in the MMU): 1 − mean mutator utilisation of the
    /// `mmu_fixed` accounting.
    pub gc_cpu_fraction: f64,
    /// Longest stop-the-world of any reason.
    pub longest_pause_ns: i64,
    /// Longest stop-the-world whose reason names the GC.
    pub longest_gc_pause_ns: i64,
    pub cycles: Vec<GcCycle>,
    /// Stop-the-world phases outside every cycle.
    pub other_stw: Vec<Stw>,
    /// What the MMU counts as GC time (Go's `go tool trace` MMU defaults).
    pub mmu_flags: Vec<String>,
    /// Minimum mutator utilisation per window size, exactly as Go's
    /// `go tool trace` computes it (windows longer than Go's utilisation
    /// function are clamped to it, as Go does).
    pub mmu: Vec<MmuPoint>,
    /// The same with each background mark worker run counted once (Go
    /// counts it again at every worker label, so its curve goes flat at 0
    /// after the first few cycles of a Go 1.22+ trace).
    pub mmu_fixed: Vec<MmuPoint>,
    /// The stacks that began mark assists, heaviest (by time) first.
    pub assist_stacks: Vec<AssistStack>,
    pub warnings: Vec<String>,
}

/// One GC cycle: a "GC concurrent mark phase" range of the trace.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcCycle {
    /// 1, 2, ... in trace order.
    pub n: usize,
    /// The runtime's GC sequence number from the trace.
    pub seq: u64,
    /// Start (GCBegin); null when the cycle was running when the trace began.
    pub start_ns: Option<i64>,
    /// End (GCEnd); null when the trace ended first.
    pub end_ns: Option<i64>,
    /// Concurrent mark: end of sweep termination to start of mark
    /// termination (start to end, clipped to the trace, without them).
    pub mark_ns: i64,
    /// Stop-the-world phases that began during the cycle (or around its
    /// start): sweep termination, mark termination and any other.
    pub stw: Vec<Stw>,
    /// Their total duration.
    pub stw_ns: i64,
    /// Mark assists that began during the cycle.
    pub assist_count: u64,
    /// Their total duration (running or waiting in the assist queue).
    pub assist_ns: i64,
    /// The heaviest assisting stacks of this cycle (at most 3).
    pub top_assists: Vec<AssistStack>,
    /// Live heap (HeapAlloc metric) when the cycle began.
    pub heap_live_start: Option<u64>,
    /// Live heap at the cycle's end (after mark termination: the marked heap).
    pub heap_live_end: Option<u64>,
    /// Heap goal of the cycle: in effect at the end of sweep termination.
    pub heap_goal: Option<u64>,
    /// Heap goal set at the end of the cycle, for the next one.
    pub heap_goal_next: Option<u64>,
    /// GOMAXPROCS when the cycle began.
    pub gomaxprocs: Option<u64>,
}

/// A stop-the-world phase.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stw {
    pub reason: String,
    pub start_ns: i64,
    /// To the end of the trace if it never ended.
    pub duration_ns: i64,
}

/// Minimum mutator utilisation for one window size.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct MmuPoint {
    pub window_ns: i64,
    pub util: f64,
}

/// A stack that began mark assists.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AssistStack {
    /// Function names, leaf first.
    pub frames: Vec<String>,
    pub count: u64,
    pub ns: i64,
}
