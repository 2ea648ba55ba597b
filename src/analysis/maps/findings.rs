//! Findings in plain words, each with the numbers behind it.

use super::classify::{Fit, Signature};
use super::sites::Site;
use super::sizes::HEADER;
use crate::report::{MapEstimate, MapValues};
use crate::units;

/// What the findings of one site are computed from.
pub struct Facts<'a> {
    pub site: &'a Site,
    pub kind: &'a str,
    pub evidence: &'a str,
    pub verdict: &'a str,
    pub fit: Option<&'a Fit>,
    pub estimate: &'a MapEstimate,
    pub trend: &'a [MapValues],
    pub delta: Option<&'a MapValues>,
    /// Whether the heap profile is sampled (its counts are scaled estimates).
    pub sampled: bool,
}

/// The room the estimate gives, in words: all maps at the site together
/// (the in-use arrays, as the bytes count them), and for classic maps the
/// largest map seen.
fn room(e: &MapEstimate, sampled: bool) -> Option<String> {
    let c = e.capacity?;
    let scaled = if sampled { ", estimated from sampled counts" } else { "" };
    Some(match (e.buckets, e.tables) {
        (Some(bk), _) => format!(
            "room for about {c} entries in all the bucket arrays in use together{scaled}; the largest map seen has 2^{} buckets, room for about {} entries per map",
            bk.trailing_zeros(),
            super::sizes::classic_capacity(bk.trailing_zeros())
        ),
        (None, Some(tb)) => format!("room for about {c} entries in the {tb} table(s) in use together{scaled}"),
        _ => format!("room for about {c} entries{scaled}"),
    })
}

fn b(v: i64) -> String {
    units::format(v, "bytes")
}

fn is_map(kind: &str) -> bool {
    kind.starts_with("map-") || kind == "sync-map"
}

/// `(code, text)` pairs, most important first.
pub fn findings(f: &Facts) -> Vec<(&'static str, String)> {
    let s = f.site;
    let t = &s.total;
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let ev = match f.evidence {
        "exact" => "exact evidence",
        "sizes" => "evidence: object sizes",
        _ => "no evidence",
    };
    let levels = f.fit.map_or(0, |fit| fit.levels.count_ones());
    let swiss = f.fit.is_some_and(|fit| fit.layout.swiss);
    if f.kind == "map-grow" && f.verdict == "retained" {
        let shape = match (f.fit, f.estimate.levels.first(), f.estimate.levels.last()) {
            (Some(_), Some(lo), Some(hi)) if levels >= 2 => format!(
                "arrays of 2^{lo} to 2^{hi} {} were allocated here as the map doubled ({levels} sizes); ",
                if swiss { "groups per table" } else { "buckets" }
            ),
            _ => String::new(),
        };
        let cap = room(f.estimate, f.sampled).map_or(String::new(), |r| format!(" ({r})"));
        out.push((
            "grown-retained",
            format!(
                "Grown and retained: {shape}{} of {} allocated at this line is still in use{cap}. Go maps never shrink, not even after delete or clear: the memory stays until the map itself is dropped ({ev}).",
                b(t.inuse_space),
                b(t.alloc_space)
            ),
        ));
    }
    if f.estimate.old_array_alive {
        let top = f.estimate.levels.iter().copied().filter(|&l| l >= 1).max().unwrap_or(1);
        out.push((
            "old-array-alive",
            format!(
                "Old bucket array still alive: arrays of 2^{top} and 2^{} buckets are both in use. A classic map (Go <= 1.23) keeps its old array until every old bucket has been evacuated, and evacuation only happens on writes: a map that grew and has not been written since holds both (evidence: object sizes in use).",
                top - 1
            ),
        ));
    }
    if is_map(f.kind) && f.kind != "sync-map" && f.verdict == "retained" {
        // Small maps: the in-use map bytes are headers and lone buckets/groups.
        let (small_objs, small_bytes, map_bytes) = match f.fit {
            Some(fit) => {
                let mut so = 0i64;
                let mut sb = 0i64;
                let mut mb = 0i64;
                for r in &s.sizes {
                    let Some(role) = super::classify::role(s, fit, r.bytes) else { continue };
                    mb += r.v.inuse_space;
                    if r.bytes == HEADER || role.starts_with("lone bucket") || role.starts_with("small-map") {
                        so += r.v.inuse_objects;
                        sb += r.v.inuse_space;
                    }
                }
                (so, sb, mb)
            }
            // No layout fits: the most numerous size in use stands for the
            // maps if it is small (a lone header, bucket or group) and holds
            // most of what is in use.
            None => match s.sizes.iter().max_by_key(|r| r.v.inuse_objects) {
                Some(r) if r.bytes <= 2304 && r.v.inuse_space * 2 >= t.inuse_space => {
                    (r.v.inuse_objects, r.v.inuse_space, t.inuse_space)
                }
                _ => (0, 0, 0),
            },
        };
        if small_objs >= 64 && small_bytes * 2 >= map_bytes {
            // A write that only gave small maps their first bucket or group
            // did not grow them: say "small maps", not "grown".
            if levels < 2 {
                out.retain(|(code, _)| *code != "grown-retained");
            }
            out.push((
                "many-small-maps",
                format!(
                    "Many small maps retained: {small_objs} map objects made here ({}) are still alive, each a header or a single bucket/group. Maps captured by closures or stored in long-lived structures keep all of them; a slice or one shared map would be smaller ({ev}).",
                    b(small_bytes)
                ),
            ));
        }
    }
    if is_map(f.kind) && f.verdict == "transient" && t.alloc_objects >= 10 {
        out.push((
            "transient-churn",
            format!(
                "Transient churn: {} allocated in {} objects at this line, {} still in use. Short-lived maps cost allocation and GC work rather than memory: size them with make(map, n) or reuse one with clear(m) ({ev}).",
                b(t.alloc_space),
                t.alloc_objects,
                b(t.inuse_space)
            ),
        ));
    }
    if f.kind == "sync-map" {
        out.push((
            "sync-map-growth",
            format!(
                "sync.Map: {} in use of {} allocated by its internals for this line (entries, and the read and dirty maps before Go 1.24, the hash-trie nodes since). A sync.Map keeps every key until it is deleted ({ev}).",
                b(t.inuse_space),
                b(t.alloc_space)
            ),
        ));
    }
    if f.kind == "map-create" {
        if super::names::is_map_literal_init(&s.func) {
            out.push((
                "map-literal",
                format!(
                    "Large map literal: built once by {} with room for every entry; {} in use for the life of the program ({ev}).",
                    s.func,
                    b(t.inuse_space)
                ),
            ));
        } else if f.fit.is_some_and(|fit| fit.signature == Some(Signature::Create)) {
            let room = match (room(f.estimate, f.sampled), f.estimate.tables) {
                (Some(r), _) => r,
                (None, Some(tb)) => format!("{tb} table(s) in use, sized from the hint"),
                _ if swiss => "tables sized from the hint".to_string(),
                _ => "a bucket array sized from the hint".to_string(),
            };
            out.push((
                "hinted-make",
                format!(
                    "Made with a size hint, allocated up front: {room}; {} of {} still in use ({ev}).",
                    b(t.inuse_space),
                    b(t.alloc_space)
                ),
            ));
        }
    }
    if f.kind == "map-clone" {
        out.push((
            "clone",
            format!(
                "maps.Clone copies the source's whole bucket array or tables, at their grown size even if the source had deletions: {} in use ({ev}).",
                b(t.inuse_space)
            ),
        ));
    }
    if let Some(fit) = f.fit {
        let map = f.estimate.map_alloc_space;
        if is_map(f.kind) && t.alloc_space > 0 && map > 0 && (map as f64) < 0.8 * t.alloc_space as f64 {
            let others: Vec<String> = s
                .sizes
                .iter()
                .filter(|r| super::classify::role(s, fit, r.bytes).is_none() && r.v.alloc_objects > 0)
                .take(6)
                .map(|r| b(r.bytes as i64))
                .collect();
            out.push((
                "mixed-line",
                format!(
                    "Only {:.0}% of the bytes allocated here fit the map layout; the rest ({}) are other objects made on the same line.",
                    100.0 * map as f64 / t.alloc_space as f64,
                    others.join(", ")
                ),
            ));
        }
    }
    if f.trend.len() >= 2 {
        let v: Vec<i64> = f.trend.iter().map(|p| p.inuse_space).collect();
        let first = v[0];
        let last = v[v.len() - 1];
        if v.windows(2).all(|w| w[1] > w[0]) && (last as f64) > 1.1 * first as f64 {
            let pts: Vec<String> = v.iter().map(|&x| b(x)).collect();
            out.push((
                "growing",
                format!(
                    "In use grows in every snapshot: {}. Something keeps adding to what this line allocates.",
                    pts.join(" -> ")
                ),
            ));
        }
    }
    if let Some(d) = f.delta {
        if d.inuse_space != 0 || d.alloc_space != 0 {
            let sign = |x: i64| if x >= 0 { format!("+{}", b(x)) } else { format!("-{}", b(-x)) };
            out.push((
                "since-base",
                format!("Since the base profile: {} in use, {} allocated.", sign(d.inuse_space), sign(d.alloc_space)),
            ));
        }
    }
    if f.kind == "unknown" && t.alloc_objects >= 2 {
        let distinct: Vec<u64> = s.sizes.iter().filter(|r| r.v.alloc_objects > 0).map(|r| r.bytes).collect();
        if distinct.len() == 1 && distinct[0] == HEADER {
            out.push((
                "ambiguous-size",
                "Only 48-byte objects: a map header has this size, as has any 48-byte struct, so the heap profile alone cannot tell. Join a CPU profile of the same program to decide.".to_string(),
            ));
        }
    }
    out
}
