//! Go's runtime symbol table (`.gopclntab`) in the format of Go 1.20 and
//! later (magic 0xfffffff1; Go 1.18–1.19 used another `_func` record and
//! inline tree, and are refused with a clear error). Facts from
//! `runtime/symtab.go` (`pcHeader`, `_func`, `step`) and
//! `internal/abi/symtab.go`.
//!
//! Every offset is checked (also with wasm32's 32-bit `usize`): a damaged
//! table gives None, never a panic. Pc-value tables are read by forward-only
//! [`Cursor`]s that share one step budget, so a crafted file cannot make the
//! work grow faster than its size.

use super::elf::{u32le, u64le};
use super::{bad, unsupported};
use crate::Result;

const MAGIC_120: u32 = 0xffff_fff1;
/// `_func` fields before its pcdata offsets.
const FUNC_FIXED: usize = 44;
/// pcdata index of the inline tree index (`abi.PCDATA_InlTreeIndex`).
pub const PCDATA_INL_TREE_INDEX: usize = 2;
/// funcdata index of the inline tree (`abi.FUNCDATA_InlTree`).
pub const FUNCDATA_INL_TREE: usize = 3;
/// Longest name or file name read (Go's longest are a few hundred bytes,
/// generic instantiations included).
pub const MAX_NAME: usize = 4096;

/// The header and tables of a pclntab.
#[derive(Debug)]
pub struct Pcln<'a> {
    data: &'a [u8],
    /// Bytes per instruction unit (1 on amd64, 4 on arm64).
    pub quantum: u64,
    pub nfunc: usize,
    /// The text start the header records (0 since Go 1.26: read moduledata).
    pub text_start: u64,
    pub funcname_off: usize,
    cu_off: usize,
    filetab_off: usize,
    pctab_off: usize,
    pcln_off: usize,
}

/// One function's record.
#[derive(Debug, Clone, Copy)]
pub struct Func {
    /// Entry, as an offset from the start of text.
    pub entry_off: u32,
    pub name_off: u32,
    pub pcfile: u32,
    pub pcln: u32,
    pub cu_off: u32,
    /// Offset of the inline-tree-index pc-value table (0: none).
    pub inl_index: u32,
    /// Offset of the inline tree from `go:func.*` (None: none).
    pub inl_tree: Option<u32>,
}

impl<'a> Pcln<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        let magic = u32le(data, 0).ok_or_else(|| bad("the Go symbol table (.gopclntab) is cut short"))?;
        if magic != MAGIC_120 {
            return Err(unsupported(&format!(
                "its Go symbol table has magic {magic:#x}, from a Go release before 1.20; gopherlens reads binaries built by Go 1.20 or later"
            )));
        }
        let quantum = data.get(6).copied().unwrap_or(0) as u64;
        let ptr = data.get(7).copied().unwrap_or(0);
        if ptr != 8 {
            return Err(unsupported("a 32-bit Go binary; gopherlens reads 64-bit Go binaries (amd64, arm64)"));
        }
        if quantum != 1 && quantum != 4 {
            return Err(bad(&format!("the Go symbol table names an instruction size of {quantum}")));
        }
        let word = |i: usize| u64le(data, 8 + 8 * i).and_then(|v| usize::try_from(v).ok()).unwrap_or(usize::MAX);
        // nfunc, nfiles, textStart, funcnameOffset, cuOffset, filetabOffset,
        // pctabOffset, pclnOffset.
        let p = Pcln {
            data,
            quantum,
            nfunc: word(0),
            text_start: u64le(data, 24).unwrap_or(0),
            funcname_off: word(3),
            cu_off: word(4),
            filetab_off: word(5),
            pctab_off: word(6),
            pcln_off: word(7),
        };
        let fits = |off: usize| off < data.len();
        if !(fits(p.funcname_off) && fits(p.cu_off) && fits(p.filetab_off) && fits(p.pctab_off) && fits(p.pcln_off)) {
            return Err(bad("the Go symbol table's header points past its end"));
        }
        // nfunc+1 (entry, funcoff) pairs (the last one ends the last
        // function) must fit after pclnOffset.
        if p.nfunc == 0 || p.nfunc >= (data.len() - p.pcln_off) / 8 {
            return Err(bad(&format!("the Go symbol table claims {} functions, more than it can hold", p.nfunc)));
        }
        Ok(p)
    }

    /// Bytes in the table.
    pub fn size(&self) -> usize {
        self.data.len()
    }

    /// The i-th function table entry (entry offset, record offset).
    fn ftab(&self, i: usize) -> Option<(u32, usize)> {
        let at = self.pcln_off.checked_add(i.checked_mul(8)?)?;
        Some((u32le(self.data, at)?, u32le(self.data, at.checked_add(4)?)? as usize))
    }

    /// Function i's code, as offsets from text: from its entry to the next
    /// function's (the function table, sorted by entry).
    pub fn range(&self, i: usize) -> Option<(u32, u32)> {
        let (lo, _) = self.ftab(i)?;
        let (hi, _) = self.ftab(i + 1)?;
        (lo <= hi).then_some((lo, hi))
    }

    pub fn func(&self, i: usize) -> Option<Func> {
        let (_, off) = self.ftab(i)?;
        let r = self.pcln_off.checked_add(off)?;
        let d = self.data;
        // The fixed part must be there (then r + 44 does not overflow).
        d.get(r..r.checked_add(FUNC_FIXED)?)?;
        let npcdata = u32le(d, r + 28)? as usize;
        let nfuncdata = *d.get(r + 43)? as usize;
        let slot = |k: usize| r.checked_add(FUNC_FIXED)?.checked_add(k.checked_mul(4)?);
        let pcdata = |k: usize| if k < npcdata { u32le(d, slot(k)?) } else { Some(0) };
        let funcdata = |k: usize| {
            if k < nfuncdata {
                u32le(d, slot(npcdata.checked_add(k)?)?).filter(|&v| v != u32::MAX)
            } else {
                None
            }
        };
        Some(Func {
            entry_off: u32le(d, r)?,
            name_off: u32le(d, r + 4)?,
            pcfile: u32le(d, r + 20)?,
            pcln: u32le(d, r + 24)?,
            cu_off: u32le(d, r + 32)?,
            inl_index: pcdata(PCDATA_INL_TREE_INDEX)?,
            inl_tree: funcdata(FUNCDATA_INL_TREE),
        })
    }

    fn cstr(&self, at: usize) -> Option<&'a str> {
        let rest = self.data.get(at..)?;
        let n = rest.iter().take(MAX_NAME).position(|&b| b == 0)?;
        std::str::from_utf8(&rest[..n]).ok()
    }

    /// A function name by its offset in the name table.
    pub fn name(&self, off: u32) -> Option<&'a str> {
        self.cstr(self.funcname_off.checked_add(off as usize)?)
    }

    /// Whether `off` is where a name of the function-name table starts
    /// (the table runs up to the compilation-unit table that follows it).
    pub fn is_name_start(&self, off: u32) -> bool {
        let off = off as usize;
        let len = self.cu_off.saturating_sub(self.funcname_off);
        off < len
            && (off == 0 || self.funcname_off.checked_add(off - 1).and_then(|i| self.data.get(i)) == Some(&0))
            && self.name(off as u32).is_some_and(|n| !n.is_empty())
    }

    /// File `index` of the compilation unit at `cu_off`.
    pub fn file(&self, cu_off: u32, index: i32) -> Option<&'a str> {
        let i = usize::try_from(index).ok()?;
        let at = self.cu_off.checked_add((cu_off as usize).checked_add(i)?.checked_mul(4)?)?;
        let off = u32le(self.data, at)?;
        if off == u32::MAX {
            return None;
        }
        self.cstr(self.filetab_off.checked_add(off as usize)?)
    }
}

/// Reads one pc-value table forward (Go's `step`): the value for code
/// offsets that never decrease from one call to the next, as the call
/// scan visits them.
#[derive(Debug, Clone)]
pub struct Cursor {
    /// Next step's byte in the pclntab; None when the table has ended.
    at: Option<usize>,
    val: i32,
    /// The current value holds for offsets below `end`.
    end: u64,
    first: bool,
}

impl Cursor {
    /// A cursor on the table at `table` (0: no table, every value None).
    pub fn new(p: &Pcln, table: u32) -> Cursor {
        let at = if table == 0 { None } else { p.pctab_off.checked_add(table as usize) };
        Cursor { at, val: -1, end: 0, first: true }
    }

    /// The value at code offset `pc` (bytes from the function's entry), or
    /// None past the table's end, on damage, or once `budget` (steps, shared
    /// by every cursor of a file) runs out.
    pub fn value(&mut self, p: &Pcln, pc: u64, budget: &mut usize) -> Option<i32> {
        while pc >= self.end {
            let at = self.at?;
            if *budget == 0 {
                self.at = None;
                return None;
            }
            *budget -= 1;
            // A zero byte after the first step ends the table.
            if *p.data.get(at)? == 0 && !self.first {
                self.at = None;
                return None;
            }
            let Some((uv, n)) = varint(p.data, at) else {
                self.at = None;
                return None;
            };
            self.val = self.val.wrapping_add((-((uv & 1) as i32)) ^ ((uv >> 1) as i32));
            let Some((pcd, m)) = at.checked_add(n).and_then(|a| varint(p.data, a)) else {
                self.at = None;
                return None;
            };
            self.at = at.checked_add(n + m);
            self.end = self.end.saturating_add(pcd as u64 * p.quantum);
            self.first = false;
        }
        Some(self.val)
    }
}

/// An unsigned LEB128 of at most 32 bits at `at`: (value, bytes read).
fn varint(d: &[u8], at: usize) -> Option<(u32, usize)> {
    let mut v = 0u32;
    for i in 0..5 {
        let b = *d.get(at.checked_add(i)?)?;
        v |= ((b & 0x7f) as u32) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}
