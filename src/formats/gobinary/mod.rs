//! Go executables: which source lines call the runtime's map functions.
//!
//! A heap profile has lost the runtime frames (pprof hides them), so a map
//! of at most 8 entries — a 48-byte header and one bucket or group, sizes
//! any struct has — cannot be told from a plain object by the profile
//! alone. The binary that wrote the profile can: its machine code calls
//! `runtime.makemap_small`, `runtime.mapassign_faststr`, ... at exactly the
//! lines that create or write maps. This module reads that from the binary:
//!
//! 1. [`elf`] finds the sections of a 64-bit little-endian ELF file
//!    (linux/amd64, linux/arm64).
//! 2. [`pclntab`] reads Go's own symbol table, which even stripped
//!    (`-ldflags=-s -w`) binaries keep: function names, entries, and the
//!    pc → file, line and inline-tree tables.
//! 3. Every direct call (amd64 `CALL rel32`, arm64 `BL`) whose target is
//!    exactly the entry of a runtime map function that allocates is
//!    attributed to the logical function (through the inline tree) and
//!    file:line of the call instruction: the key a heap profile's sites use.

pub mod elf;
pub mod pclntab;

use crate::analysis::maps::names;
use crate::{Error, Result};
use elf::{u32le, u64le, Elf, EM_AARCH64};
use pclntab::{Cursor, Pcln};
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

/// More call sites than this are not kept (a binary has a few thousand).
const MAX_CALLS: usize = 1 << 20;
/// Nor more than this many bytes of names in them.
const MAX_OUTPUT: usize = 64 << 20;

pub(crate) fn bad(detail: &str) -> Error {
    Error::BadBinary { detail: detail.to_string() }
}
pub(crate) fn unsupported(detail: &str) -> Error {
    Error::UnsupportedBinary { detail: detail.to_string() }
}

/// One call from a source line to a runtime map function.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct MapCall {
    /// The logical function (after inlining), named as in the symbol table
    /// and in heap profiles (instances of generic functions by shape:
    /// `main.index[go.shape.int]`).
    pub function: String,
    pub file: String,
    pub line: i64,
    /// The runtime function called, e.g. `runtime.makemap_small`.
    pub callee: String,
}

/// What a Go binary says about maps.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GoBinary {
    /// "amd64" or "arm64".
    pub arch: &'static str,
    /// The GNU build ID (hex), which Go heap profiles record in their
    /// main mapping: it tells whether this binary wrote the profile.
    pub gnu_build_id: Option<String>,
    /// The Go build ID (`go tool buildid`).
    pub go_build_id: Option<String>,
    /// Functions in the symbol table.
    pub functions: usize,
    /// The map layout compiled in: true Swiss tables, false classic
    /// `hmap`, None when the binary has no map code that names one.
    pub swiss: Option<bool>,
    /// Whether inlined calls could be attributed to the inlined function
    /// (the inline tree was found); without it, the caller is named.
    pub inlining: bool,
    /// Every call site of a runtime map function that allocates, sorted.
    pub calls: Vec<MapCall>,
}

/// Whether `data` starts like an executable gopherlens may read or should
/// name (ELF, Mach-O, PE).
pub fn looks_like_binary(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
        || data.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || data.starts_with(&[0xce, 0xfa, 0xed, 0xfe])
        || data.starts_with(b"MZ")
}

/// Reads a Go executable, gunzipped first if need be (the content decides,
/// as for every input: [`super::open_full`]); any other file is refused,
/// naming what it is.
pub fn open(data: &[u8]) -> Result<GoBinary> {
    let format = match super::open_full(data, &mut |_, _| {})? {
        super::Opened::Binary(b) => return Ok(*b),
        super::Opened::Profile(p) => p.format,
        super::Opened::Trace(_) => crate::model::Format::Trace,
        super::Opened::GcLog(_) => crate::model::Format::GcTrace,
    };
    Err(not_a_binary(format))
}

/// The error for a file that opened as something else than an executable.
pub fn not_a_binary(format: crate::model::Format) -> Error {
    unsupported(&format!("this is a {} file, not a Go executable", format.name()))
}

/// Reads a Go executable.
pub fn parse(data: &[u8]) -> Result<GoBinary> {
    if data.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]) || data.starts_with(&[0xce, 0xfa, 0xed, 0xfe]) {
        return Err(unsupported("a Mach-O (macOS) executable; gopherlens reads Linux (ELF) Go binaries"));
    }
    if data.starts_with(b"MZ") {
        return Err(unsupported("a Windows (PE) executable; gopherlens reads Linux (ELF) Go binaries"));
    }
    let elf = Elf::parse(data)?;
    let (pcln_addr, pcln_bytes) = find_pclntab(&elf)?;
    let pcln = Pcln::parse(pcln_bytes)?;
    let module = find_moduledata(&elf, pcln_addr, pcln.funcname_off as u64);
    let text = match &module {
        Some(m) => m.text,
        None if pcln.text_start != 0 => pcln.text_start,
        // Since Go 1.26 only the moduledata records where Go's code starts
        // (with external linking, not where .text does).
        None => return Err(bad("the runtime's module data (where Go's code starts) was not found")),
    };
    let text_sec = elf.section_at(text).ok_or_else(|| bad("the code section named by the symbol table is missing"))?;
    let code = elf.bytes(text_sec).ok_or_else(|| bad("the code section lies past the end of the file"))?;
    let gofunc = module.as_ref().and_then(|m| pick_gofunc(&elf, &pcln, &m.gofunc_candidates));
    let arm64 = elf.machine == EM_AARCH64;

    // Entries of the runtime map functions that allocate, and the layout
    // the runtime's map functions show.
    let mut callees: FxHashMap<u64, &str> = FxHashMap::default();
    let (mut swiss, mut classic) = (false, false);
    for i in 0..pcln.nfunc {
        let Some(f) = pcln.func(i) else {
            return Err(bad(&format!("function record {i} lies outside the symbol table")));
        };
        let Some(name) = pcln.name(f.name_off) else { continue };
        if !names::is_runtime(name) {
            continue;
        }
        match names::runtime_layout(name) {
            names::LAYOUT_SWISS => swiss = true,
            names::LAYOUT_CLASSIC => classic = true,
            _ => {}
        }
        let Some((lo, _)) = pcln.range(i) else { continue };
        if names::runtime_flags(name) & names::ALLOCATING != 0 {
            if let Some(entry) = text.checked_add(lo as u64) {
                callees.insert(entry, name);
            }
        }
    }

    let mut calls = BTreeSet::new();
    let mut out_bytes = 0usize;
    // Steps of pc-value tables, for the whole file: each table is read
    // forward once per function that calls map code, and tables may be
    // shared, so a bound proportional to the file keeps crafted ones linear.
    let mut budget = pcln.size().saturating_mul(4).saturating_add(1 << 16);
    let mut scanned_to = 0u32;
    for i in 0..pcln.nfunc {
        let Some(f) = pcln.func(i) else { continue };
        let Some(name) = pcln.name(f.name_off) else { continue };
        if names::is_runtime(name) {
            continue;
        }
        // The function table's entries are sorted, so the bodies scanned
        // add up to the code at most once, whatever the records say.
        let Some((lo, hi)) = pcln.range(i) else { continue };
        if lo < scanned_to {
            continue;
        }
        scanned_to = hi;
        let (Some(entry), Some(end)) = (text.checked_add(lo as u64), text.checked_add(hi as u64)) else { continue };
        let (Some(from), Some(to)) = (entry.checked_sub(text_sec.addr), end.checked_sub(text_sec.addr)) else {
            continue;
        };
        let (Ok(from), Ok(to)) = (usize::try_from(from), usize::try_from(to)) else { continue };
        let Some(body) = code.get(from..to.min(code.len())) else { continue };
        // Calls come in increasing code order: the tables are read forward.
        let (mut lines, mut files, mut inl) =
            (Cursor::new(&pcln, f.pcln), Cursor::new(&pcln, f.pcfile), Cursor::new(&pcln, f.inl_index));
        let mut hit = |off: usize, target: u64| {
            let Some(&callee) = callees.get(&target) else { return };
            let pc = off as u64;
            let (Some(line), Some(file)) = (lines.value(&pcln, pc, &mut budget), files.value(&pcln, pc, &mut budget))
            else {
                return;
            };
            let Some(file) = pcln.file(f.cu_off, file) else { return };
            let ix = inl.value(&pcln, pc, &mut budget);
            let logical = inlined_name(&pcln, &f, ix, gofunc).unwrap_or(name);
            if names::is_runtime(logical) || calls.len() >= MAX_CALLS || out_bytes > MAX_OUTPUT {
                return;
            }
            let call = MapCall {
                function: logical.to_string(),
                file: file.to_string(),
                line: line as i64,
                callee: callee.to_string(),
            };
            let size = call.function.len() + call.file.len() + call.callee.len();
            if calls.insert(call) {
                out_bytes += size;
            }
        };
        if arm64 {
            for (k, w) in body.chunks_exact(4).enumerate() {
                let w = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                if w & 0xfc00_0000 == 0x9400_0000 {
                    let imm = (((w & 0x03ff_ffff) << 6) as i32 >> 6) as i64 * 4;
                    hit(4 * k, entry.wrapping_add(4 * k as u64).wrapping_add_signed(imm));
                }
            }
        } else {
            for k in 0..body.len().saturating_sub(4) {
                if body[k] == 0xe8 {
                    let rel = i32::from_le_bytes([body[k + 1], body[k + 2], body[k + 3], body[k + 4]]) as i64;
                    hit(k, entry.wrapping_add(k as u64 + 5).wrapping_add_signed(rel));
                }
            }
        }
    }
    let (gnu_build_id, go_build_id) = elf.build_ids();
    Ok(GoBinary {
        arch: if arm64 { "arm64" } else { "amd64" },
        gnu_build_id,
        go_build_id,
        functions: pcln.nfunc,
        swiss: match (swiss, classic) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        },
        inlining: gofunc.is_some(),
        calls: calls.into_iter().collect(),
    })
}

/// The function inlined at index `ix` of `f`'s inline tree in
/// `go:func.*`: entries of 16 bytes (funcID, pad, nameOff, parentPc,
/// startLine; `runtime.inlinedCall`). None when not inlined (-1).
fn inlined_name<'a>(
    p: &Pcln<'a>,
    f: &pclntab::Func,
    ix: Option<i32>,
    gofunc: Option<(u64, u64, &[u8])>,
) -> Option<&'a str> {
    let (gofunc, sec_addr, sec) = gofunc?;
    let ix = u64::try_from(ix?).ok()?;
    let at = gofunc.checked_add(f.inl_tree? as u64)?.checked_add(ix.checked_mul(16)?)?.checked_sub(sec_addr)?;
    let at = usize::try_from(at).ok()?;
    p.name(u32le(sec, at.checked_add(4)?)?)
}

/// The address and bytes of the pclntab: the `.gopclntab` section, or for
/// binaries that keep it elsewhere (PIE: `.data.rel.ro`), the magic.
fn find_pclntab<'a>(elf: &Elf<'a>) -> Result<(u64, &'a [u8])> {
    if let Some(s) = elf.section(".gopclntab") {
        let b = elf.bytes(s).ok_or_else(|| bad("the .gopclntab section lies past the end of the file"))?;
        return Ok((s.addr, b));
    }
    // One pass over the file (sections may alias each other), trying at
    // most a few matches of the magic.
    let d = elf.data;
    let (mut k, mut tries) = (0usize, 0);
    while k + 8 <= d.len() && tries < 64 {
        if d[k..k + 4] == [0xf1, 0xff, 0xff, 0xff] && d[k + 4] == 0 && d[k + 5] == 0 && d[k + 7] == 8 {
            tries += 1;
            if let Some((s, bytes)) = elf.section_at_offset(k) {
                let into = k as u64 - s.offset;
                if let Some(addr) = s.addr.checked_add(into) {
                    return Ok((addr, &bytes[into as usize..]));
                }
            }
        }
        k += 8;
    }
    Err(Error::NotGoBinary)
}

#[derive(Debug, Clone)]
struct Module {
    text: u64,
    /// Words of the moduledata that may be `gofunc`: those pointing into
    /// the file.
    gofunc_candidates: Vec<u64>,
}

/// The runtime's `moduledata` for this binary: the word that points at the
/// pclntab, followed by the funcnametab slice (in `.go.module` since Go
/// 1.26, `.noptrdata` before). Its `text` field is the base of every entry
/// offset (the pclntab stopped recording it in Go 1.26), and `gofunc`
/// locates the inline trees. Fields after `text` move between releases (Go
/// 1.27 added three before `gofunc`), so [`pick_gofunc`] tries each.
fn find_moduledata(elf: &Elf, pcln_addr: u64, funcname_off: u64) -> Option<Module> {
    for name in [".go.module", ".noptrdata", ".data", ".data.rel.ro"] {
        let Some(s) = elf.section(name) else { continue };
        let Some(d) = elf.bytes(s) else { continue };
        let mut k = 0;
        while k + 16 <= d.len() {
            if u64le(d, k) == Some(pcln_addr) && u64le(d, k + 8) == pcln_addr.checked_add(funcname_off) {
                let word = |i: usize| u64le(d, k + 8 * i);
                let text = word(22)?;
                let gofunc_candidates =
                    (30..64).filter_map(word).filter(|&g| g != 0 && elf.section_at(g).is_some()).collect();
                return Some(Module { text, gofunc_candidates });
            }
            k += 8;
        }
    }
    None
}

/// The candidate that is `go:func.*`: the one at which the inline trees of
/// the first functions that have one (up to 64) all start with a valid
/// entry — zero padding and a name offset at the start of a function name.
fn pick_gofunc<'a>(elf: &Elf<'a>, p: &Pcln, candidates: &[u64]) -> Option<(u64, u64, &'a [u8])> {
    let trees: Vec<u32> = (0..p.nfunc).filter_map(|i| p.func(i)?.inl_tree).take(64).collect();
    if trees.is_empty() {
        return None;
    }
    candidates.iter().find_map(|&g| {
        let s = elf.section_at(g)?;
        let bytes = elf.bytes(s)?;
        let ok = trees.iter().all(|&t| {
            let at = g.checked_add(t as u64).and_then(|a| a.checked_sub(s.addr)).and_then(|a| usize::try_from(a).ok());
            let Some(at) = at.filter(|&a| a < usize::MAX - 8) else { return false };
            bytes.get(at + 1..at + 4) == Some(&[0, 0, 0][..])
                && u32le(bytes, at + 4).is_some_and(|off| p.is_name_start(off))
        });
        ok.then_some((g, s.addr, bytes))
    })
}
