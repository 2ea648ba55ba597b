//! Which layout, if any, explains a site's object sizes, and what kind of
//! site that makes it.
//!
//! A hypothesis is a layout (classic or Swiss), a bucket/group size (a
//! multiple of 8) and an allocation rule ([`Alloc`]). An inverted index maps
//! every recorded size to the (hypothesis, level) pairs whose bucket array
//! or groups array has that size. A hypothesis only counts as evidence when
//! a *signature* holds, one that plain objects do not produce:
//!
//! - classic growth: bucket arrays on both sides of 2^4 buckets (below,
//!   arrays of 2^B buckets; from B = 4 on, 2^B + 2^(B-4): the 17/16 kink),
//!   at least two below and one above, that no plain slice or doubled
//!   buffer explains ([`sizes::plain_growth_explains`]); with every
//!   allocation recorded (rate 1), the levels must also be contiguous.
//! - classic creation with a hint: a 48-byte header, a 24-byte mapextra and
//!   an array of 2^4 or more buckets at the same line (with rate 1, at least
//!   as many headers and mapextras as such arrays).
//! - Swiss growth: groups arrays of two or more table sizes with the 32-byte
//!   tables that come with them (and the 8-byte directory when a small map
//!   became a table); with rate 1 the counts must add up: one table per
//!   array, plus at most one 4-entry directory per 2-entry one.
//! - Swiss creation with a hint: a directory of d tables, d tables and d
//!   groups arrays per directory (with rate 1, exactly), plus the header.
//!
//! A lone 48-byte header, or a lone bucket or group, is any struct's size:
//! such sites stay `unknown` unless frames or a CPU join say more.

use super::names;
use super::sites::Site;
use super::sizes::{self, Alloc, HEADER, HEADER_NOSWISS, MAPEXTRA, MAX_B, MAX_GROUP_LOG, TABLE};
use crate::report::MapEstimate;
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// A map layout hypothesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub swiss: bool,
    /// Bytes of one bucket (classic) or group (swiss).
    pub unit: u64,
    pub alloc: Alloc,
}

impl Layout {
    /// Recorded size of the array at `level` (classic: 2^level buckets plus
    /// the preallocated overflow; swiss: 2^level groups).
    pub fn array(&self, level: u32) -> u64 {
        if self.swiss {
            sizes::swiss_groups(self.unit, level, self.alloc)
        } else {
            sizes::classic_array(self.unit, level, self.alloc)
        }
    }
    fn max_level(&self) -> u32 {
        if self.swiss {
            MAX_GROUP_LOG
        } else {
            MAX_B
        }
    }
}

/// Which layouts a profile may use: one binary has one map implementation,
/// so [`super::analyze`] first lets the sites vote, then fits again with
/// the winner only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    pub classic: bool,
    pub swiss: bool,
}

impl Allowed {
    pub const BOTH: Allowed = Allowed { classic: true, swiss: true };
    fn admits(&self, l: &Layout) -> bool {
        if l.swiss {
            self.swiss
        } else {
            self.classic
        }
    }
}

/// Whether a map of this layout can grow to `level`: a key of k bytes has
/// at most 2^(8k) values, and k is at most the key+value bytes of a slot.
fn reachable(l: &Layout, level: u32) -> bool {
    let kv = if l.swiss { (l.unit - 8) / 8 } else { (l.unit - 16) / 8 };
    if kv >= 4 {
        return true;
    }
    let max_entries = 1u64 << (8 * kv);
    if level == 0 {
        return true;
    }
    // Growing into `level` needs more entries than the level below holds.
    let below = if l.swiss { 7u64 << (level - 1) } else { (13u64 << (level - 1)) / 2 };
    max_entries > below
}

/// Which signature matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    Grow,
    Create,
}

/// A hypothesis that explains some of a site's sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub layout: Layout,
    /// Bit `l` set: the array at level `l` is among the site's sizes.
    pub levels: u64,
    pub signature: Option<Signature>,
    /// How the sizes fit, in words.
    pub detail: String,
    /// Alloc bytes of the arrays.
    pub score: i64,
    /// Other units that fit with the same signature and score.
    pub alternatives: Vec<u64>,
    /// Whether a variant with and one without pointers fit equally.
    pub pointers_ambiguous: bool,
    /// Whether another unit explains the same sizes equally well at other
    /// levels (only fits without a signature: a signature pins the levels):
    /// the sizes then say nothing about the shape, only the layout.
    pub shape_ambiguous: bool,
}

struct Index {
    hyps: Vec<Layout>,
    by_size: FxHashMap<u64, Vec<(u32, u8)>>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut hyps = Vec::new();
        // Classic buckets: 16 + 8*(key+value) bytes, key and value at most
        // 128 bytes each (bigger ones are stored as pointers); with
        // pointers, key+value is at least 8.
        for unit in (16..=2064u64).step_by(8) {
            for a in Alloc::ALL {
                if a.pointers() && unit < 80 {
                    continue;
                }
                hyps.push(Layout { swiss: false, unit, alloc: a });
            }
        }
        // Swiss groups: 8 + 8*slot, a slot at least 2 bytes (a 1-byte key
        // with an empty value is padded); with pointers at least 8. Swiss
        // tables exist from Go 1.24, so pointer groups follow the header rule.
        for unit in (24..=2056u64).step_by(8) {
            for a in [Alloc::Noscan, Alloc::PtrHeader] {
                if a.pointers() && unit < 72 {
                    continue;
                }
                hyps.push(Layout { swiss: true, unit, alloc: a });
            }
        }
        let mut by_size: FxHashMap<u64, Vec<(u32, u8)>> = FxHashMap::default();
        for (h, l) in hyps.iter().enumerate() {
            for level in 0..=l.max_level() {
                let s = l.array(level);
                if s > 1 << 40 {
                    break;
                }
                by_size.entry(s).or_default().push((h as u32, level as u8));
            }
        }
        Index { hyps, by_size }
    })
}

/// Memo of the plain-growth null model, by size set.
#[derive(Default)]
pub struct Memo {
    null: FxHashMap<Vec<u64>, bool>,
}

impl Memo {
    fn plain(&mut self, z: Vec<u64>) -> bool {
        if let Some(&r) = self.null.get(&z) {
            return r;
        }
        let r = sizes::plain_growth_explains(&z);
        self.null.insert(z, r);
        r
    }
}

fn levels_of(mask: u64) -> impl Iterator<Item = u32> {
    (0..64u32).filter(move |l| mask & (1u64 << l) != 0)
}

fn contiguous(mask: u64) -> bool {
    if mask == 0 {
        return false;
    }
    let m = mask >> mask.trailing_zeros();
    m & m.wrapping_add(1) == 0
}

fn span(mask: u64) -> (u32, u32) {
    (mask.trailing_zeros(), 63 - mask.leading_zeros())
}

fn present(site: &Site, bytes: u64) -> bool {
    site.count(bytes) > 0
}

fn classic_grow(site: &Site, l: &Layout, mask: u64, exact: bool, memo: &mut Memo, budget: &mut u32) -> Option<String> {
    // Five levels or more, contiguous, across the 2^4 kink. A sampled
    // profile needs six, two past the kink: it records a gap-free run only
    // where maps grow over and over (churn), and short runs of everyday
    // sizes (64, 128, 256, ...) turn up by chance at lines that allocate
    // buffers of any size.
    let below = (mask & 0xF).count_ones();
    let above = (mask >> 4).count_ones();
    let (min_above, min_levels) = if exact { (1, 5) } else { (2, 6) };
    if below < 2 || above < min_above || mask.count_ones() < min_levels || !contiguous(mask) {
        return None;
    }
    // With every allocation recorded, growth here starts from the first
    // bucket (or from the second array, when the first bucket came from the
    // stack or another line).
    if exact && mask.trailing_zeros() > 1 {
        return None;
    }
    if !reachable(l, span(mask).1) {
        return None;
    }
    // The first growth into 2^4 buckets brings a mapextra (hashGrow, or
    // earlier createOverflow) for each map. (Counts per level need not fall
    // with B: a map with many overflow buckets grows "sideways" into a new
    // array of the same size.)
    if exact && site.count(MAPEXTRA) < 1 {
        return None;
    }
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    let z: Vec<u64> = levels_of(mask).map(|b| l.array(b)).collect();
    if memo.plain(z) {
        return None;
    }
    let (lo, hi) = span(mask);
    let extra = if present(site, MAPEXTRA) { ", with 24-byte mapextra" } else { "" };
    Some(format!(
        "sizes: {} bucket arrays of 2^{lo}..2^{hi} {}-byte buckets (2^B + 2^(B-4) buckets from 2^4 on){extra}; no plain slice or doubled buffer gives these sizes",
        mask.count_ones(),
        l.unit
    ))
}

fn classic_create(site: &Site, l: &Layout, mask: u64, exact: bool) -> Option<String> {
    // Only with every allocation recorded: 48 + 24 + one array is also what
    // a slice of 24-byte elements leaves (24, 48, 96, ...), so the site must
    // hold nothing else, in matching counts.
    // A map that does not escape has its header on the stack and leaves
    // only a mapextra and an array: any line that allocates a 24-byte
    // struct and a buffer per call looks the same, so the header is required.
    if !exact || !present(site, MAPEXTRA) || mask >> 4 == 0 {
        return None;
    }
    let big: i64 = levels_of(mask).filter(|&b| b >= 4).map(|b| site.count(l.array(b))).sum();
    let small: i64 = levels_of(mask).filter(|&b| b < 4).map(|b| site.count(l.array(b))).sum();
    if site.count(MAPEXTRA) != big {
        return None;
    }
    // hmap is 48 bytes, 64 with GOEXPERIMENT=noswissmap in Go 1.24-1.25.
    for header in [HEADER, HEADER_NOSWISS] {
        if !pure(site, |b| b == header || b == MAPEXTRA || levels_of(mask).any(|lv| l.array(lv) == b)) {
            continue;
        }
        let headers = site.count(header);
        if headers != big + small {
            continue;
        }
        return Some(format!(
            "sizes: only map headers ({header} B), mapextras (24 B) and {} array(s) of {} made at this line, one of each per map (make with a size hint of 2^4 buckets or more)",
            big + small,
            levels_of(mask).map(|lv| crate::units::format(l.array(lv) as i64, "bytes")).collect::<Vec<_>>().join(", ")
        ));
    }
    None
}

/// Whether the sizes allocated at `site` that fail `ok` hold at most 1% of
/// its bytes: the runtime allocates a few objects of its own at any busy
/// line (a 96-byte sudog when an allocation waits for the GC), while a
/// slice grown by append leaves a geometric series whose smaller steps are
/// half of the bytes.
fn pure(site: &Site, ok: impl Fn(u64) -> bool) -> bool {
    let other: i64 =
        site.sizes.iter().filter(|r| r.v.alloc_objects > 0 && !ok(r.bytes)).map(|r| r.v.alloc_space.max(0)).sum();
    other.saturating_mul(100) <= site.total.alloc_space.max(0)
}

/// Whether the site allocates map headers (48 bytes, or 64 for classic
/// maps of Go 1.24-1.25 with noswissmap) one for one with objects of
/// another size: a line that makes small maps and writes their first
/// bucket or group (`m := map[string]int{"a": 1}`). Used only where frames
/// or a CPU join already prove the line runs map code. With sampling
/// (`rate` bytes per sample) the counts are pprof's estimates from a few
/// samples each, so they need only agree within half, or within three
/// standard errors of the samples' Poisson noise when that is wider.
pub fn makes_maps(site: &Site, rate: i64) -> bool {
    let exact = rate == 1;
    let all = site.total.alloc_objects.max(1);
    // Samples behind an estimated count of objects of `size` bytes (pprof
    // divided each by 1 - e^(-size/rate)).
    let samples = |count: i64, size: u64| count as f64 * (1.0 - (-(size as f64) / rate.max(1) as f64).exp());
    [HEADER, HEADER_NOSWISS].iter().any(|&h| {
        let hc = site.count(h);
        // Headers are a good share of what the line allocates (one per map).
        hc >= 2
            && hc.saturating_mul(10) >= all
            && site.sizes.iter().any(|r| {
                let c = r.v.alloc_objects;
                r.bytes != h
                    && r.bytes >= 24
                    && c > 0
                    && if exact {
                        c == hc
                    } else {
                        let noise = 3.0 * (1.0 / samples(hc, h).max(1.0) + 1.0 / samples(c, r.bytes).max(1.0)).sqrt();
                        (c as f64 / hc as f64 - 1.0).abs() <= noise.max(0.5)
                    }
            })
    })
}

/// Swiss companions whose size a groups array must not share, or counts
/// mix.
fn swiss_collides(l: &Layout, mask: u64) -> bool {
    levels_of(mask).any(|j| {
        let s = l.array(j);
        s == TABLE || s == HEADER || (j >= 1 && (s == 8 || s == 16))
    })
}

fn swiss_grow(site: &Site, l: &Layout, mask: u64, exact: bool) -> Option<String> {
    // Groups arrays double like any slice: the evidence is in the counts of
    // tables and directories, which only MemProfileRate=1 records.
    let tables = mask & !1;
    if !exact || tables.count_ones() < 2 || !present(site, TABLE) || swiss_collides(l, mask) {
        return None;
    }
    // Growth from a small map passes through 2 groups, with the 8-byte
    // directory made when the small map became a table.
    let to_table = tables & 2 != 0;
    if !to_table || !present(site, sizes::swiss_dir(0)) || !reachable(l, span(tables).1) {
        return None;
    }
    if exact {
        if !contiguous(tables) {
            return None;
        }
        let t: i64 = levels_of(tables).map(|j| site.count(l.array(j))).sum();
        let (c32, c16) = (site.count(TABLE), site.count(16));
        // A groups array may share its size with a big directory (1152 B
        // and up: 128 tables or more); at most one such directory per map
        // that became a table.
        // Such directories only come after splits of full tables (2^7
        // groups): without those, no slack.
        let split = tables & (1 << MAX_GROUP_LOG) != 0 && site.count(l.array(MAX_GROUP_LOG)) >= 2;
        let dir_like = if split {
            levels_of(tables).filter(|&j| (7..=16).any(|k| sizes::swiss_dir(k) == l.array(j))).count() as i64
        } else {
            0
        };
        let slack = dir_like.saturating_mul(site.count(sizes::swiss_dir(0)).max(0));
        if c32 < t.saturating_sub(slack) || c32 > t.saturating_add(c16) {
            return None;
        }
        if to_table && site.count(sizes::swiss_dir(0)) < site.count(l.array(1)) {
            return None;
        }
    }
    let (lo, hi) = span(tables);
    Some(format!(
        "sizes: groups arrays of 2^{lo}..2^{hi} {}-byte groups, each with its 32-byte table, and the 8-byte directory of a small map turned into a table",
        l.unit
    ))
}

fn swiss_create(site: &Site, l: &Layout, mask: u64, exact: bool) -> Option<String> {
    // Only with every allocation recorded, and nothing else at the line: a
    // pointer slice grown by append also leaves 8, 16, 32, ... bytes.
    let tables = mask & !1;
    if !exact || tables == 0 || mask & 1 != 0 || !present(site, TABLE) || swiss_collides(l, mask) {
        return None;
    }
    for k in 0..=16u32 {
        let ds = sizes::swiss_dir(k);
        if !present(site, ds) {
            continue;
        }
        let d = 1i64 << k;
        if !pure(site, |b| b == HEADER || b == TABLE || b == ds || levels_of(tables).any(|j| l.array(j) == b)) {
            continue;
        }
        let m = site.count(ds);
        let t: i64 = levels_of(tables).map(|j| site.count(l.array(j))).sum();
        if t != d.saturating_mul(m) || site.count(TABLE) != t {
            continue;
        }
        if present(site, HEADER) && site.count(HEADER) != m {
            continue;
        }
        return Some(format!(
            "sizes: only {}a directory of {d} table(s) ({}), {d} table(s) (32 B) and {d} groups array(s) per directory made at this line, in these proportions (make with a size hint)",
            if present(site, HEADER) { "map headers (48 B), " } else { "" },
            crate::units::format(ds as i64, "bytes")
        ));
    }
    None
}

/// The best hypothesis with a signature among the `allowed` layouts, and the
/// best by array bytes among those that explain at least two sizes (for
/// estimates when frames or a CPU join already prove a map).
pub fn fit(site: &Site, exact: bool, memo: &mut Memo, allowed: Allowed) -> (Option<Fit>, Option<Fit>) {
    let idx = index();
    // Per hypothesis: the levels whose array size the site has, and their
    // alloc bytes (each size is one row, and one level of a hypothesis).
    let mut masks: FxHashMap<u32, (u64, i64)> = FxHashMap::default();
    for row in &site.sizes {
        if row.v.alloc_objects <= 0 && row.v.inuse_objects <= 0 {
            continue;
        }
        if let Some(list) = idx.by_size.get(&row.bytes) {
            for &(h, l) in list {
                if allowed.admits(&idx.hyps[h as usize]) {
                    let e = masks.entry(h).or_default();
                    e.0 |= 1u64 << l;
                    e.1 = e.1.saturating_add(row.v.alloc_space.max(0));
                }
            }
        }
    }
    let mut cands: Vec<(i64, u32, u64)> = masks.into_iter().map(|(h, (mask, score))| (score, h, mask)).collect();
    // Most bytes first; then more levels, then the lowest first level (a
    // map grown from empty starts at one bucket or group: with half the
    // unit, every level would shift by one and the first go missing).
    // A total order (ties end on the hypothesis index): unstable is exact.
    cands.sort_unstable_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.2.count_ones().cmp(&a.2.count_ones()))
            .then(a.2.trailing_zeros().cmp(&b.2.trailing_zeros()))
            .then(a.1.cmp(&b.1))
    });
    let mut budget = 24u32;
    let mut best: Option<Fit> = None;
    let mut any: Option<Fit> = None;
    for &(score, h, mask) in &cands {
        let l = idx.hyps[h as usize];
        if let Some(b) = &mut best {
            if score < b.score {
                break;
            }
            // Equal fits with another unit (or pointer-ness) make the
            // estimate ambiguous.
            let same_shape =
                mask.count_ones() == b.levels.count_ones() && mask.trailing_zeros() == b.levels.trailing_zeros();
            let new_unit = l.unit != b.layout.unit && !b.alternatives.contains(&l.unit) && b.alternatives.len() < 6;
            let new_ptr =
                l.unit == b.layout.unit && l.alloc.pointers() != b.layout.alloc.pointers() && !b.pointers_ambiguous;
            if same_shape && l.swiss == b.layout.swiss && (new_unit || new_ptr) {
                let sig = signature(site, &l, mask, exact, memo, &mut budget);
                if sig.map(|s| s.0) == b.signature {
                    if new_unit {
                        b.alternatives.push(l.unit);
                    } else {
                        b.pointers_ambiguous = true;
                    }
                }
            }
            continue;
        }
        // Without a signature, a fit only describes a map that frames or
        // a CPU join prove: it needs a growth history of 3 sizes or more
        // that holds at least half the site's bytes. Other units that
        // explain the same bytes make it ambiguous (a few sizes fit many
        // units: 4864, 9472 and 18432 bytes are 2^5..2^7 groups of 136 or
        // 144 bytes as well as 2^4..2^6 of 272).
        let candidate = mask.count_ones() >= 3 && score.saturating_mul(2) >= site.total.alloc_space;
        match &mut any {
            None if candidate => {
                any = Some(Fit {
                    layout: l,
                    levels: mask,
                    signature: None,
                    detail: String::new(),
                    score,
                    alternatives: vec![],
                    pointers_ambiguous: false,
                    shape_ambiguous: false,
                });
            }
            Some(a) if candidate && score == a.score && l.swiss == a.layout.swiss => {
                if mask != a.levels {
                    a.shape_ambiguous = true;
                }
                if l.unit != a.layout.unit {
                    if !a.alternatives.contains(&l.unit) && a.alternatives.len() < 6 {
                        a.alternatives.push(l.unit);
                    }
                } else if l.alloc.pointers() != a.layout.alloc.pointers() {
                    a.pointers_ambiguous = true;
                }
            }
            _ => {}
        }
        if let Some((sig, detail)) = signature(site, &l, mask, exact, memo, &mut budget) {
            let f = Fit {
                layout: l,
                levels: mask,
                signature: Some(sig),
                detail,
                score,
                alternatives: vec![],
                pointers_ambiguous: false,
                shape_ambiguous: false,
            };
            if specific(site, &f, exact) {
                best = Some(f);
            }
        }
    }
    if let Some(b) = &best {
        any = Some(b.clone());
    }
    (best, any)
}

/// Whether the fit leaves little of the site unexplained: at most 3 other
/// sizes (1 in a sampled profile; not counting, with exact counts, up to
/// two sizes of the runtime's own stray objects: at most 8 of a size, under
/// 1% of the bytes, such as the 96-byte sudog of an allocation that waited
/// for the GC) holding at most half the bytes. A line that
/// allocates objects of every size (a byte-buffer helper, fmt) contains some
/// map-like progression by chance; a line that grows a map allocates its
/// arrays and a few kinds of entries.
fn specific(site: &Site, fit: &Fit, exact: bool) -> bool {
    let total = site.total.alloc_space.max(0);
    let mut others = 0usize;
    let mut strays = 0usize;
    let mut other_bytes = 0i64;
    for r in &site.sizes {
        if r.v.alloc_objects <= 0 || role(site, fit, r.bytes).is_some() {
            continue;
        }
        other_bytes = other_bytes.saturating_add(r.v.alloc_space.max(0));
        // (Only with exact counts: a sampled big object also counts 1.)
        let stray = exact && r.v.alloc_objects <= 8 && r.v.alloc_space.max(0).saturating_mul(100) <= total;
        if stray && strays < 2 {
            strays += 1;
        } else {
            others += 1;
        }
    }
    others <= if exact { 3 } else { 1 } && other_bytes.saturating_mul(2) <= total
}

fn signature(
    site: &Site,
    l: &Layout,
    mask: u64,
    exact: bool,
    memo: &mut Memo,
    budget: &mut u32,
) -> Option<(Signature, String)> {
    if l.swiss {
        swiss_grow(site, l, mask, exact)
            .map(|d| (Signature::Grow, d))
            .or_else(|| swiss_create(site, l, mask, exact).map(|d| (Signature::Create, d)))
    } else {
        classic_grow(site, l, mask, exact, memo, budget)
            .map(|d| (Signature::Grow, d))
            .or_else(|| classic_create(site, l, mask, exact).map(|d| (Signature::Create, d)))
    }
}

/// What objects of `bytes` bytes at `site` are under `fit`, or None.
pub fn role(site: &Site, fit: &Fit, bytes: u64) -> Option<String> {
    let l = &fit.layout;
    if let Some(level) = levels_of(fit.levels).find(|&lv| l.array(lv) == bytes) {
        if fit.shape_ambiguous {
            // Which level this is depends on the unit, which is not known.
            return Some(if l.swiss { "groups array" } else { "bucket array" }.to_string());
        }
        return Some(match (l.swiss, level) {
            (false, 0) => "lone bucket (first bucket or overflow bucket)".to_string(),
            (false, b) => format!("bucket array 2^{b}"),
            (true, 0) => "small-map group".to_string(),
            (true, j) => format!("groups array 2^{j}"),
        });
    }
    if bytes == HEADER || (!l.swiss && bytes == HEADER_NOSWISS && fit.signature == Some(Signature::Create)) {
        return Some("map header".into());
    }
    if l.swiss {
        if bytes == TABLE {
            return Some("table".into());
        }
        // Directories: one per map and doubling; never more than tables.
        if bytes <= 4096
            && (0..=9).any(|k| sizes::swiss_dir(k) == bytes)
            && site.count(bytes) <= site.count(TABLE).max(1)
        {
            return Some("table directory".into());
        }
    } else {
        if bytes == MAPEXTRA {
            return Some("mapextra".into());
        }
        // Pointer-free buckets keep their overflow buckets alive through a
        // []*bmap that grows by append.
        // The list grows by append from one pointer: its sizes run 8, 16,
        // 32, ... up to this one, all present, no more often than arrays.
        let arrays: i64 = levels_of(fit.levels).map(|lv| site.count(l.array(lv))).sum();
        if l.alloc == Alloc::Noscan && fit.signature == Some(Signature::Grow) && site.count(bytes) <= arrays {
            let mut chain = Vec::new();
            for a in [Alloc::PtrHeader, Alloc::PtrNoHeader] {
                sizes::append_chain(8, a, bytes, &mut chain);
                if chain.last() == Some(&bytes) && chain.iter().all(|&c| present(site, c)) {
                    return Some("overflow list ([]*bmap)".into());
                }
            }
        }
    }
    None
}

/// The Go releases whose allocator produces `fit`'s sizes.
fn go_versions(fit: &Fit) -> String {
    const NOSWISS: &str = " (1.24-1.25 with GOEXPERIMENT=noswissmap)";
    let l = &fit.layout;
    if l.swiss {
        return "1.24+".into();
    }
    let differs = |a: Alloc, b: Alloc| {
        levels_of(fit.levels).any(|lv| {
            let raw = l.unit.saturating_mul(sizes::classic_buckets(lv));
            sizes::recorded(raw, a) != sizes::recorded(raw, b)
        })
    };
    match l.alloc {
        Alloc::Noscan => format!("1.21-1.23{NOSWISS}"),
        Alloc::PtrNoHeader if differs(Alloc::PtrNoHeader, Alloc::PtrHeader) => "1.21".into(),
        Alloc::PtrHeader if differs(Alloc::PtrNoHeader, Alloc::PtrHeader) => format!("1.22-1.23{NOSWISS}"),
        _ => format!("1.21-1.23{NOSWISS}"),
    }
}

/// The map shape `fit` pins down at `site`.
pub fn estimate(site: &Site, fit: &Fit) -> MapEstimate {
    let l = &fit.layout;
    let mut e = MapEstimate {
        layout: Some(if l.swiss { "swiss" } else { "classic" }.to_string()),
        go_versions: Some(go_versions(fit)),
        pointers: if fit.pointers_ambiguous { None } else { Some(l.alloc.pointers()) },
        levels: levels_of(fit.levels).collect(),
        ..MapEstimate::default()
    };
    // One array of one size fits many units (and levels): only the
    // layout is known.
    let single = fit.signature == Some(Signature::Create) && fit.levels.count_ones() == 1;
    if fit.shape_ambiguous {
        // Units at other levels fit as well: the layout is all the sizes
        // tell (see the alternatives), not the shape.
        e.levels.clear();
        e.alternatives = std::iter::once(l.unit).chain(fit.alternatives.iter().copied()).collect();
        e.alternatives.sort_unstable();
        for row in &site.sizes {
            if role(site, fit, row.bytes).is_some() {
                e.map_alloc_space = e.map_alloc_space.wrapping_add(row.v.alloc_space);
                e.map_inuse_space = e.map_inuse_space.wrapping_add(row.v.inuse_space);
            }
        }
        return e;
    }
    if single {
        e.levels.clear();
        e.pointers = None;
    } else if fit.alternatives.is_empty() {
        e.bucket_size = Some(l.unit);
        e.kv_size = Some(if l.swiss { (l.unit - 8) / 8 } else { (l.unit - 16) / 8 });
    } else {
        e.alternatives = std::iter::once(l.unit).chain(fit.alternatives.iter().copied()).collect();
    }
    for row in &site.sizes {
        if role(site, fit, row.bytes).is_some() {
            e.map_alloc_space = e.map_alloc_space.wrapping_add(row.v.alloc_space);
            e.map_inuse_space = e.map_inuse_space.wrapping_add(row.v.inuse_space);
        }
    }
    let inuse = |lv: u32| site.at(l.array(lv)).inuse_objects.max(0) as u64;
    let top = levels_of(fit.levels).filter(|&lv| inuse(lv) > 0).max();
    if l.swiss {
        let mut groups = 0u64;
        let mut tables = 0u64;
        let mut capacity = 0u64;
        for j in levels_of(fit.levels) {
            let n = inuse(j);
            groups = groups.saturating_add(n.saturating_mul(1 << j));
            capacity = capacity.saturating_add(n.saturating_mul(sizes::swiss_capacity(1 << j)));
            if j >= 1 {
                tables = tables.saturating_add(n);
            }
        }
        if single {
            e.tables = Some(site.at(TABLE).inuse_objects.max(0) as u64);
        } else if top.is_some() {
            e.groups = Some(groups);
            e.tables = Some(tables);
            e.capacity = Some(capacity);
        }
    } else if let (Some(b), false) = (top, single) {
        // The largest array in use: the largest map seen (one map's shape).
        e.buckets = Some(1u64 << b);
        // The old array is the level below the top, still in use (a lone
        // bucket in use is an overflow bucket, not an old array).
        e.old_array_alive = b >= 2 && fit.levels & (1 << (b - 1)) != 0 && inuse(b - 1) > 0 && inuse(b - 1) <= inuse(b);
        // Room in every array in use, all maps at the site together (as
        // the in-use bytes count them; scaled estimates in a sampled
        // profile), less the old arrays still being evacuated.
        let mut capacity = 0u64;
        for lv in levels_of(fit.levels) {
            let mut n = inuse(lv);
            if e.old_array_alive && lv + 1 == b {
                n = n.saturating_sub(inuse(b));
            }
            capacity = capacity.saturating_add(n.saturating_mul(sizes::classic_capacity(lv)));
        }
        e.capacity = Some(capacity);
    }
    if fit.signature == Some(Signature::Create) || present(site, HEADER) && fit.signature.is_some() {
        let h = site.at(HEADER).inuse_objects.max(0) as u64;
        if h > 0 {
            e.maps = Some(h);
        }
    }
    e
}

/// Whether the site's sizes are a slice grown by append past 256 elements
/// (×1.25 steps no map array takes) and nothing else.
pub fn plain_slice(site: &Site) -> Option<String> {
    let z: Vec<u64> = site.sizes.iter().filter(|r| r.v.alloc_objects > 0 && r.bytes > 0).map(|r| r.bytes).collect();
    if z.len() < 4 || site.sizes.iter().any(|r| r.bytes == 0 && r.v.alloc_objects > 0) {
        return None;
    }
    if sizes::append_explains(&z) && !sizes::doubling_explains(&z) {
        Some(format!(
            "sizes: all {} sizes are one slice grown by append (x2, then x1.25 past 256 elements); map arrays only double",
            z.len()
        ))
    } else {
        None
    }
}

/// The kind named by frame evidence at the site itself or above it.
pub fn frame_kind(site: &Site) -> Option<(&'static str, String)> {
    if names::is_map_literal_init(&site.func) {
        return Some(("map-create", format!("frame: {} is the outlined initialiser of a map literal", site.func)));
    }
    let kind = names::kind_of(site.flags & names::ALLOCATING)?;
    Some((kind, format!("frames above the site: {}", site.via.join(", "))))
}
