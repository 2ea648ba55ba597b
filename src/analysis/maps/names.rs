//! What a frame's function name says about maps.
//!
//! Heap profiles lose the runtime frames (`runtime.*`, and since Go 1.24
//! `internal/runtime/*`): pprof hides them. What survives above the user
//! line are library frames that implement maps outside the runtime:
//! `maps.clone`/`maps.Clone[...]`, `reflect.makemap`/`MakeMap*`,
//! `reflect.mapassign*`/`Value.SetMapIndex`, `sync.(*Map).*` and
//! `internal/sync.*` (the HashTrieMap behind sync.Map since Go 1.24), and
//! `pkg.map.init.N` (the outlined initialiser of a large map literal, the
//! site itself). CPU profiles and execution traces keep the runtime frames,
//! which name the map operation exactly.

/// The line creates a map (makemap, NewMap, reflect.MakeMap, map literal).
pub const CREATE: u8 = 1;
/// The line writes a map (assign, delete, clear).
pub const WRITE: u8 = 2;
/// The line makes a map grow (hashGrow, evacuate, table rehash/split).
pub const GROW: u8 = 4;
/// The line allocates overflow buckets (classic maps).
pub const OVERFLOW: u8 = 8;
/// The line clones a map (maps.Clone).
pub const CLONE: u8 = 16;
/// The line stores into a sync.Map.
pub const SYNC: u8 = 32;
/// The line reads a map (no allocation; never evidence by itself).
pub const READ: u8 = 64;
/// Flags that show the line allocates for a map.
pub const ALLOCATING: u8 = CREATE | WRITE | GROW | OVERFLOW | CLONE | SYNC;

/// Whether `name` is a runtime function, hidden from heap profiles.
pub fn is_runtime(name: &str) -> bool {
    name.starts_with("runtime.") || name.starts_with("internal/runtime/")
}

/// Map flags of a runtime function (`runtime.*` or
/// `internal/runtime/maps.*`); 0 for everything else.
pub fn runtime_flags(name: &str) -> u8 {
    let rest = if let Some(r) = name.strip_prefix("runtime.") {
        r
    } else if let Some(r) = name.strip_prefix("internal/runtime/maps.") {
        // Everything in the Swiss-table package is map code.
        return swiss_flags(r);
    } else {
        return 0;
    };
    let has = |p: &str| rest.contains(p);
    if has("makemap") || rest.starts_with("reflect_makemap") {
        CREATE
    } else if has("mapclone") || has("maps_clone") {
        CLONE
    } else if has("newoverflow") {
        OVERFLOW | WRITE
    } else if has("hashGrow") || has("growWork") || has("evacuate") {
        GROW | WRITE
    } else if has("mapassign") || has("mapdelete") || has("mapclear") {
        WRITE
    } else if has("mapaccess") || has("mapiter") {
        READ
    } else if rest.starts_with("(*hmap).") || rest.starts_with("(*bmap).") {
        WRITE
    } else {
        0
    }
}

/// A runtime frame that only Swiss tables have: any function of
/// `internal/runtime/maps` (Go 1.24+ without `GOEXPERIMENT=noswissmap`).
pub const LAYOUT_SWISS: u8 = 1;
/// A runtime frame that only classic `hmap` maps have (Go 1.21–1.23, and
/// 1.24–1.25 with `GOEXPERIMENT=noswissmap`): `runtime.hashGrow`,
/// `runtime.growWork*`, `runtime.evacuate*`, `runtime.makeBucketArray`,
/// `runtime.(*hmap).*`, `runtime.(*bmap).*`, ...
pub const LAYOUT_CLASSIC: u8 = 2;

/// Which map layout a runtime frame proves the binary uses:
/// [`LAYOUT_SWISS`], [`LAYOUT_CLASSIC`] or 0 (no runtime map frame, or one
/// both layouts have, such as `runtime.mapassign_fast64` or
/// `runtime.makemap_small`, which Swiss builds keep as linknamed entry
/// points).
pub fn runtime_layout(name: &str) -> u8 {
    if name.starts_with("internal/runtime/maps.") {
        return LAYOUT_SWISS;
    }
    let Some(rest) = name.strip_prefix("runtime.") else { return 0 };
    const CLASSIC: [&str; 9] = [
        "hashGrow",
        "growWork",
        "evacuate",
        "makeBucketArray",
        "(*hmap).",
        "(*bmap).",
        "advanceEvacuationMark",
        "bucketEvacuated",
        "tooManyOverflowBuckets",
    ];
    if CLASSIC.iter().any(|p| rest.starts_with(p)) {
        LAYOUT_CLASSIC
    } else {
        0
    }
}

fn swiss_flags(rest: &str) -> u8 {
    // `runtime_mapassign_faststr`, ...: the runtime's entry points, which
    // the package implements and linknames into the runtime.
    if let Some(r) = rest.strip_prefix("runtime_") {
        return runtime_flags(&format!("runtime.{r}"));
    }
    let has = |p: &str| rest.contains(p);
    if rest.starts_with("NewMap") || rest.starts_with("NewEmptyMap") {
        CREATE
    } else if has(").Clone") {
        CLONE
    } else if has("growTo") || has(").rehash") || has(").grow") || has(").split") || has("installTableSplit") {
        GROW | WRITE
    } else if has("PutSlot") || has("putSlot") || has(").Delete") || has(").Clear") || has("uncheckedPut") {
        WRITE
    } else if has(").Get") || has(").get") || has("Iter") {
        READ
    } else {
        // newTable, newGroups, newarray, ctrlGroup helpers: shared by
        // creation, growth and lookups; the frames around them decide.
        0
    }
}

/// Map flags of a library frame that implements a map outside the runtime,
/// or 0. Such frames sit between the allocation and the user line, and the
/// analysis skips them to find the user's site.
pub fn library_flags(name: &str) -> u8 {
    let base = name.split('[').next().unwrap_or(name);
    match base {
        "maps.clone" | "maps.Clone" => CLONE,
        "maps.Copy" | "maps.Insert" => WRITE,
        "maps.Collect" => CREATE | WRITE,
        "reflect.makemap" | "reflect.MakeMap" | "reflect.MakeMapWithSize" => CREATE,
        "reflect.Value.SetMapIndex" | "reflect.mapclear" | "reflect.Value.Clear" => WRITE,
        _ if base.starts_with("reflect.mapassign") || base.starts_with("reflect.mapdelete") => WRITE,
        _ if base.starts_with("sync.(*Map).") || base == "sync.newEntry" || base.starts_with("sync.(*entry).") => SYNC,
        _ if base.starts_with("internal/sync.") => SYNC,
        _ => 0,
    }
}

/// Whether `name` is the outlined initialiser of a large map literal
/// (`pkg.map.init.N`, Go 1.21+).
pub fn is_map_literal_init(name: &str) -> bool {
    name.rsplit_once(".map.init.")
        .is_some_and(|(pkg, n)| !pkg.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Runtime allocation plumbing, skipped when a stack has only runtime
/// frames (pprof then keeps them all).
pub fn is_malloc_plumbing(name: &str) -> bool {
    matches!(
        name,
        "runtime.mallocgc"
            | "runtime.newobject"
            | "runtime.newarray"
            | "runtime.makeslice"
            | "runtime.makeslicecopy"
            | "runtime.growslice"
            | "runtime.profilealloc"
            | "runtime.mProf_Malloc"
            | "internal/runtime/maps.newarray"
            | "internal/runtime/maps.newobject"
    ) || name.starts_with("runtime.mallocgc")
}

/// Runtime functions that allocate for something other than a map (used to
/// describe CPU evidence).
pub fn is_plain_alloc(name: &str) -> bool {
    matches!(
        name,
        "runtime.newobject"
            | "runtime.makeslice"
            | "runtime.makeslicecopy"
            | "runtime.growslice"
            | "runtime.concatstrings"
            | "runtime.rawstring"
            | "runtime.rawbyteslice"
            | "runtime.slicebytetostring"
            | "runtime.stringtoslicebyte"
    ) || name.starts_with("runtime.convT")
        || name.starts_with("runtime.concatstring")
}

/// The kind a set of flags names, strongest first.
pub fn kind_of(flags: u8) -> Option<&'static str> {
    if flags & SYNC != 0 {
        Some("sync-map")
    } else if flags & CLONE != 0 {
        Some("map-clone")
    } else if flags & CREATE != 0 {
        Some("map-create")
    } else if flags & (WRITE | GROW) != 0 && flags & OVERFLOW != 0 && flags & GROW == 0 {
        Some("map-overflow")
    } else if flags & (WRITE | GROW | OVERFLOW) != 0 {
        Some("map-grow")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_names() {
        assert_eq!(runtime_flags("runtime.makemap_small"), CREATE);
        assert_eq!(runtime_flags("runtime.hashGrow"), GROW | WRITE);
        assert_eq!(runtime_flags("runtime.mapassign_faststr"), WRITE);
        assert_eq!(runtime_flags("runtime.(*hmap).newoverflow"), OVERFLOW | WRITE);
        assert_eq!(runtime_flags("internal/runtime/maps.(*table).rehash"), GROW | WRITE);
        assert_eq!(runtime_flags("internal/runtime/maps.NewEmptyMap"), CREATE);
        assert_eq!(runtime_flags("runtime.mapaccess1_fast64"), READ);
        assert_eq!(runtime_flags("runtime.mallocgc"), 0);
        assert_eq!(runtime_flags("main.f"), 0);
    }

    #[test]
    fn layout_names() {
        assert_eq!(runtime_layout("internal/runtime/maps.(*table).split"), LAYOUT_SWISS);
        assert_eq!(runtime_layout("internal/runtime/maps.newarray"), LAYOUT_SWISS);
        assert_eq!(runtime_layout("runtime.hashGrow"), LAYOUT_CLASSIC);
        assert_eq!(runtime_layout("runtime.evacuate_fast64"), LAYOUT_CLASSIC);
        assert_eq!(runtime_layout("runtime.growWork_faststr"), LAYOUT_CLASSIC);
        assert_eq!(runtime_layout("runtime.makeBucketArray"), LAYOUT_CLASSIC);
        assert_eq!(runtime_layout("runtime.(*hmap).newoverflow"), LAYOUT_CLASSIC);
        // Both layouts have these entry points.
        assert_eq!(runtime_layout("runtime.mapassign_fast64"), 0);
        assert_eq!(runtime_layout("runtime.makemap_small"), 0);
        assert_eq!(runtime_layout("runtime.mallocgc"), 0);
        assert_eq!(runtime_layout("main.hashGrow"), 0);
    }

    #[test]
    fn library_names() {
        assert_eq!(library_flags("maps.clone"), CLONE);
        assert_eq!(library_flags("maps.Clone[go.shape.map[string]int,go.shape.string,go.shape.int]"), CLONE);
        assert_eq!(library_flags("reflect.mapassign_faststr0"), WRITE);
        assert_eq!(library_flags("reflect.MakeMapWithSize"), CREATE);
        assert_eq!(library_flags("sync.(*Map).Swap"), SYNC);
        assert_eq!(library_flags("internal/sync.newEntryNode[go.shape.interface {},go.shape.interface {}]"), SYNC);
        assert_eq!(library_flags("sync.(*Pool).pinSlow"), 0);
        assert_eq!(library_flags("github.com/x/maps.Clone"), 0);
        assert!(is_map_literal_init("main.map.init.0"));
        assert!(is_map_literal_init("example.com/p.map.init.12"));
        assert!(!is_map_literal_init("main.map.init.x"));
    }
}
