//! Object sizes as a Go heap profile records them (the `bytes` label), and
//! the sizes of every object a Go map allocates, for both layouts.
//!
//! Sources, identical in Go 1.21–1.27 unless noted:
//! - `runtime/sizeclasses.go` (1.25+: `internal/runtime/gc/sizeclasses.go`):
//!   the 67 small size classes up to 32 KiB; larger objects take whole
//!   8 KiB pages.
//! - `runtime/malloc.go`: the profile records the whole slot
//!   (`span.elemsize`). Since Go 1.22 an object with pointers larger than
//!   512 bytes carries an 8-byte malloc header inside its slot, so its slot
//!   is the class of size+8; objects over 32760 bytes are large (no header).
//!   Pointer-free objects under 16 bytes share 16-byte tiny blocks.
//! - classic maps, `runtime/map.go` (1.21–1.23; `map_noswiss.go` in 1.24 and
//!   1.25 with `GOEXPERIMENT=noswissmap`): `hmap` 48 B, `mapextra` 24 B; a
//!   bucket is 8 tophash bytes, 8 keys, 8 values (keys or values over 128 B
//!   stored as pointers) and an overflow pointer; `makeBucketArray(B)` holds
//!   2^B buckets plus 2^(B-4) preallocated overflow buckets when B >= 4,
//!   allocated as one array (`newarray`), rounded to its size class. A
//!   bucket type with no pointer in keys or values is pointer-free (the
//!   overflow pointers are kept alive through `mapextra.overflow`, a
//!   `[]*bmap` that grows by append).
//! - Swiss tables, `internal/runtime/maps` (1.24+): `Map` 48 B, `table`
//!   32 B, a group is an 8-byte control word plus 8 slots (1.27's
//!   `GOEXPERIMENT=mapsplitgroup` stores keys and values apart: same sizes up
//!   to padding); a table holds 8..1024 slots, so 1..128 groups, always a
//!   power of two (`newGroups` -> `newarray`); a map with more than 1024
//!   slots splits into tables under a directory `[]*table` (8 B per entry,
//!   doubling). A small map (at most 8 entries) is a lone group.

/// Bytes of each small size class (index 0 unused), the same table in every
/// Go release 1.21–1.27.
pub const CLASS_TO_SIZE: [u32; 68] = [
    0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448,
    480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096,
    4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072,
    20480, 21760, 24576, 27264, 28672, 32768,
];

/// Largest small object.
pub const MAX_SMALL: u64 = 32768;
/// Page size: large objects take whole pages.
pub const PAGE: u64 = 8192;
/// The classic map header (`runtime.hmap`) and the Swiss `maps.Map`.
pub const HEADER: u64 = 48;
/// The classic header of Go 1.24–1.25 built with `GOEXPERIMENT=noswissmap`
/// (`hmap` gained `clearSeq`: 56 bytes, in the 64-byte class).
pub const HEADER_NOSWISS: u64 = 64;
/// `runtime.mapextra` (classic maps with overflow buckets).
pub const MAPEXTRA: u64 = 24;
/// A Swiss `maps.table`.
pub const TABLE: u64 = 32;
/// Largest classic B considered (2^40 buckets is far beyond any heap).
pub const MAX_B: u32 = 40;
/// Swiss tables hold at most 2^7 groups (1024 slots).
pub const MAX_GROUP_LOG: u32 = 7;

/// The smallest size class holding `n` bytes, or whole pages above 32 KiB.
pub fn size_class(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    if n <= MAX_SMALL {
        let i = CLASS_TO_SIZE.partition_point(|&c| (c as u64) < n);
        return CLASS_TO_SIZE.get(i).map_or(MAX_SMALL, |&c| c as u64);
    }
    n.div_ceil(PAGE).saturating_mul(PAGE)
}

/// How an object is allocated, which decides its recorded size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alloc {
    /// No pointers (any Go release).
    Noscan,
    /// With pointers, Go 1.21: no malloc header.
    PtrNoHeader,
    /// With pointers, Go 1.22+: an 8-byte header above 512 bytes.
    PtrHeader,
}

impl Alloc {
    pub const ALL: [Alloc; 3] = [Alloc::Noscan, Alloc::PtrNoHeader, Alloc::PtrHeader];
    /// Whether the type holds pointers.
    pub fn pointers(self) -> bool {
        self != Alloc::Noscan
    }
}

/// The size a heap profile records for an allocation of `raw` bytes.
pub fn recorded(raw: u64, a: Alloc) -> u64 {
    if raw == 0 {
        return 0;
    }
    let large = match a {
        Alloc::PtrNoHeader => raw > MAX_SMALL,
        // Go 1.22+ treats everything above 32 KiB - 8 as large.
        Alloc::Noscan | Alloc::PtrHeader => raw > MAX_SMALL - 8,
    };
    if large {
        return raw.div_ceil(PAGE).saturating_mul(PAGE);
    }
    match a {
        Alloc::Noscan if raw < 16 => 16,
        Alloc::PtrHeader if raw > 512 => size_class(raw + 8),
        _ => size_class(raw),
    }
}

/// The raw sizes `r` with `recorded(r, a) == z`, as `(lo, hi)` inclusive, or
/// `None` when no allocation records as `z`.
pub fn raw_range(z: u64, a: Alloc) -> Option<(u64, u64)> {
    if z == 0 {
        return None;
    }
    // recorded() is monotone in raw: binary-search both ends.
    let first_at_least = |target: u64| {
        let (mut lo, mut hi) = (1u64, z.saturating_add(1));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if recorded(mid, a) >= target {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    };
    let lo = first_at_least(z);
    if lo > z || recorded(lo, a) != z {
        return None;
    }
    let hi = first_at_least(z.saturating_add(1)).saturating_sub(1);
    Some((lo, hi.min(z)))
}

/// Buckets in a classic bucket array of size parameter `b_log`.
pub fn classic_buckets(b_log: u32) -> u64 {
    let base = 1u64 << b_log.min(62);
    if b_log >= 4 {
        base + (1u64 << (b_log - 4).min(62))
    } else {
        base
    }
}

/// Recorded size of a classic bucket array (B = `b_log`) of `bucket`-byte
/// buckets. B = 0 is the lone first bucket; it is also the size of an
/// overflow bucket.
pub fn classic_array(bucket: u64, b_log: u32, a: Alloc) -> u64 {
    recorded(bucket.saturating_mul(classic_buckets(b_log)), a)
}

/// Recorded size of a Swiss groups array of 2^`log` groups of `group` bytes.
pub fn swiss_groups(group: u64, log: u32, a: Alloc) -> u64 {
    recorded(group.saturating_mul(1u64 << log.min(62)), a)
}

/// Recorded size of a Swiss directory of 2^`log` table pointers (Go 1.24+,
/// so with the malloc header rule).
pub fn swiss_dir(log: u32) -> u64 {
    recorded(8u64.saturating_mul(1u64 << log.min(62)), Alloc::PtrHeader)
}

/// Entries a classic map of 2^B buckets holds before it grows (load 6.5).
pub fn classic_capacity(b_log: u32) -> u64 {
    (13u64 << b_log.min(60)) / 2
}

/// Entries a Swiss table of `groups` groups holds before it grows (7/8 of
/// its slots; a lone group holds 8).
pub fn swiss_capacity(groups: u64) -> u64 {
    if groups <= 1 {
        8
    } else {
        groups * 8 * 7 / 8
    }
}

/// Go's append capacity growth (`runtime.nextslicecap`, Go 1.20+).
fn next_cap(new_len: u64, old_cap: u64) -> u64 {
    let double = old_cap.saturating_mul(2);
    if new_len > double {
        return new_len;
    }
    if old_cap < 256 {
        return double;
    }
    let mut c = old_cap;
    for _ in 0..64 {
        c = c.saturating_add((c + 3 * 256) >> 2);
        if c >= new_len {
            break;
        }
    }
    c
}

/// `runtime.roundupsize`: the usable bytes of the slot `raw` gets.
fn usable(raw: u64, a: Alloc) -> u64 {
    let r = recorded(raw, a);
    if a == Alloc::PtrHeader && raw > 512 && raw <= MAX_SMALL - 8 {
        r - 8
    } else {
        r
    }
}

/// Recorded sizes of the backing arrays of a slice of `elem`-byte elements
/// grown one append at a time from empty, up to `limit` bytes.
pub fn append_chain(elem: u64, a: Alloc, limit: u64, out: &mut Vec<u64>) {
    out.clear();
    if elem == 0 {
        return;
    }
    let mut cap = 0u64;
    for _ in 0..200 {
        let new_cap = next_cap(cap + 1, cap);
        let mem = usable(new_cap.saturating_mul(elem), a);
        let size = recorded(new_cap.saturating_mul(elem), a);
        if size > limit {
            break;
        }
        out.push(size);
        let c = (mem / elem).max(new_cap);
        if c <= cap {
            break;
        }
        cap = c;
    }
}

/// Whether every size in `z` (sorted, distinct) is a backing array of one
/// plain slice or buffer under one allocation rule: doubled by hand or
/// grown by append (see [`doubling_explains`], [`append_explains`]). Map
/// arrays that such a sequence explains are no evidence of a map.
pub fn plain_growth_explains(z: &[u64]) -> bool {
    z.len() <= 1 || doubling_explains(z) || append_explains(z)
}

/// Whether `z` (sorted, distinct) is `e * 2^j` bytes for one element size
/// `e` under one allocation rule: a buffer doubled by hand, a slice before
/// 256 elements, Swiss-table groups, classic bucket arrays on one side of
/// 2^4 buckets.
pub fn doubling_explains(z: &[u64]) -> bool {
    if z.len() <= 1 {
        return true;
    }
    for a in Alloc::ALL {
        let ranges: Option<Vec<(u64, u64)>> = z.iter().map(|&s| raw_range(s, a)).collect();
        let Some(ranges) = ranges else { continue };
        let (lo0, hi0) = ranges[0];
        for j0 in 0..40u32 {
            let d = 1u64 << j0;
            let (elo, ehi) = (lo0.div_ceil(d), hi0 / d);
            if ehi == 0 {
                break;
            }
            for e in elo.max(1)..=ehi {
                // The largest e * 2^j not above hi must reach lo.
                let fits = ranges.iter().all(|&(lo, hi)| {
                    if hi < e {
                        return false;
                    }
                    let j = 63 - (hi / e).leading_zeros();
                    e.checked_shl(j).is_some_and(|v| v >= lo && v <= hi)
                });
                if fits {
                    return true;
                }
            }
        }
    }
    false
}

/// Whether `z` (sorted, distinct) is a run of Go's append growth for one
/// element size from any starting capacity (`make([]T, 0, n)` then
/// appends; from empty included): after an array of usable size M the
/// capacity is M / e whatever came before, so the run from the smallest
/// size on is fixed by `e`.
pub fn append_explains(z: &[u64]) -> bool {
    let Some(&zmin) = z.first() else {
        return true;
    };
    if z.len() == 1 {
        return true;
    }
    for a in Alloc::ALL {
        if raw_range(zmin, a).is_none() {
            continue;
        }
        let mem0 = if a == Alloc::PtrHeader && zmin > 512 && zmin <= MAX_SMALL { zmin - 8 } else { zmin };
        // Elements up to 64 KiB (bigger ones make no growth sequences worth
        // telling from map arrays, and this bounds the work).
        for e in 1..=mem0.min(1 << 16) {
            let mut cap = mem0 / e;
            let mut next = 1usize;
            for _ in 0..200 {
                let Some(&want) = z.get(next) else { break };
                let new_cap = next_cap(cap + 1, cap);
                let raw = new_cap.saturating_mul(e);
                let size = recorded(raw, a);
                if size > want {
                    break;
                }
                if size == want {
                    next += 1;
                }
                let c = usable(raw, a) / e;
                if c <= cap {
                    break;
                }
                cap = c;
            }
            if next >= z.len() {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_headers() {
        assert_eq!(size_class(1), 8);
        assert_eq!(size_class(49), 64);
        assert_eq!(size_class(32768), 32768);
        assert_eq!(size_class(32769), 40960);
        assert_eq!(recorded(832, Alloc::PtrHeader), 896);
        assert_eq!(recorded(1664, Alloc::PtrHeader), 1792);
        assert_eq!(recorded(1024, Alloc::PtrHeader), 1152);
        assert_eq!(recorded(1024, Alloc::PtrNoHeader), 1024);
        assert_eq!(recorded(512, Alloc::PtrHeader), 512);
        assert_eq!(recorded(8, Alloc::Noscan), 16);
        assert_eq!(recorded(8, Alloc::PtrHeader), 8);
    }

    #[test]
    fn classic_arrays_match_measured_profiles() {
        // map[int64]int64 (144-byte pointer-free buckets), measured with Go 1.21.
        let got: Vec<u64> = (0..12).map(|b| classic_array(144, b, Alloc::Noscan)).collect();
        assert_eq!(got, [144, 288, 576, 1152, 2688, 5376, 10240, 20480, 40960, 81920, 163840, 319488]);
        // map[string]*T (208-byte buckets with pointers), Go 1.21 and 1.22+.
        let got: Vec<u64> = (0..10).map(|b| classic_array(208, b, Alloc::PtrHeader)).collect();
        assert_eq!(got, [208, 416, 896, 1792, 4096, 8192, 14336, 28672, 57344, 114688]);
    }

    #[test]
    fn swiss_groups_match_measured_profiles() {
        // map[string]*T on Go 1.24: 200-byte groups with pointers.
        let got: Vec<u64> = (0..=7).map(|j| swiss_groups(200, j, Alloc::PtrHeader)).collect();
        assert_eq!(got, [208, 416, 896, 1792, 3456, 6528, 13568, 27264]);
        // map[int64]int64: 136-byte pointer-free groups.
        let got: Vec<u64> = (0..=7).map(|j| swiss_groups(136, j, Alloc::Noscan)).collect();
        assert_eq!(got, [144, 288, 576, 1152, 2304, 4864, 9472, 18432]);
        assert_eq!(swiss_dir(0), 8);
        assert_eq!(swiss_dir(3), 64);
    }

    #[test]
    fn raw_ranges() {
        assert_eq!(raw_range(896, Alloc::PtrHeader), Some((761, 888)));
        assert_eq!(raw_range(896, Alloc::Noscan), Some((769, 896)));
        assert_eq!(raw_range(40960, Alloc::Noscan), Some((32769, 40960)));
        assert_eq!(raw_range(32768, Alloc::Noscan), Some((28673, 32768)));
        assert_eq!(raw_range(100, Alloc::Noscan), None);
    }

    #[test]
    fn plain_growth_null_model() {
        // A slice of 144-byte structs grown by append.
        let mut chain = Vec::new();
        append_chain(144, Alloc::Noscan, 1 << 20, &mut chain);
        assert_eq!(&chain[..6], &[144, 288, 576, 1152, 2304, 4864]);
        assert!(plain_growth_explains(&chain));
        // Power-of-two buffers.
        assert!(plain_growth_explains(&[4096, 8192, 16384, 32768]));
        // A classic map's arrays across B = 3..5 have the 17/16 kink.
        let map: Vec<u64> = (0..7).map(|b| classic_array(144, b, Alloc::Noscan)).collect();
        assert!(!plain_growth_explains(&map));
        let map: Vec<u64> = (0..9).map(|b| classic_array(208, b, Alloc::PtrHeader)).collect();
        assert!(!plain_growth_explains(&map));
        // Above the kink alone, the arrays double: no evidence.
        let map: Vec<u64> = (5..9).map(|b| classic_array(208, b, Alloc::PtrHeader)).collect();
        assert!(plain_growth_explains(&map));
    }
}
