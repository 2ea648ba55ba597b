//! Just enough of ELF to find a Go binary's sections: 64-bit little-endian
//! files (linux/amd64, linux/arm64), section headers only.

use super::{bad, unsupported};
use crate::Result;

pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;
const SHT_NOBITS: u32 = 8;
const SHT_NOTE: u32 = 7;
/// More sections than any Go binary has; bounds the header walk.
const MAX_SECTIONS: usize = 4096;

/// One section header.
#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    pub kind: u32,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
}

/// The parsed headers of an ELF file.
#[derive(Debug)]
pub struct Elf<'a> {
    pub data: &'a [u8],
    pub machine: u16,
    pub sections: Vec<Section>,
}

pub fn u16le(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(at..at.checked_add(2)?)?.try_into().ok()?))
}
pub fn u32le(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at.checked_add(4)?)?.try_into().ok()?))
}
pub fn u64le(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

impl<'a> Elf<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        if data.len() < 64 || !data.starts_with(b"\x7fELF") {
            return Err(bad("the ELF header is cut short"));
        }
        if data[4] != 2 {
            return Err(unsupported("a 32-bit ELF executable; gopherlens reads 64-bit Go binaries (amd64, arm64)"));
        }
        if data[5] != 1 {
            return Err(unsupported(
                "a big-endian ELF executable; gopherlens reads little-endian Go binaries (amd64, arm64)",
            ));
        }
        let machine = u16le(data, 0x12).unwrap_or(0);
        if machine != EM_X86_64 && machine != EM_AARCH64 {
            return Err(unsupported(&format!(
                "an ELF executable for machine {machine}; gopherlens reads Go binaries for amd64 and arm64"
            )));
        }
        let shoff = u64le(data, 0x28).and_then(|v| usize::try_from(v).ok()).unwrap_or(usize::MAX);
        let shentsize = u16le(data, 0x3a).unwrap_or(0) as usize;
        let shnum = u16le(data, 0x3c).unwrap_or(0) as usize;
        let shstrndx = u16le(data, 0x3e).unwrap_or(0) as usize;
        if shnum == 0 || shentsize < 64 || shnum > MAX_SECTIONS {
            return Err(bad(&format!(
                "{shnum} section headers of {shentsize} bytes: the section table is missing or damaged"
            )));
        }
        let end = shnum.checked_mul(shentsize).and_then(|n| n.checked_add(shoff));
        if end.is_none_or(|e| e > data.len()) {
            return Err(bad("the section table lies past the end of the file (is the file truncated?)"));
        }
        let mut raw = Vec::with_capacity(shnum);
        for i in 0..shnum {
            let h = shoff + i * shentsize;
            raw.push((
                u32le(data, h).unwrap_or(0),
                Section {
                    name: String::new(),
                    kind: u32le(data, h + 4).unwrap_or(0),
                    addr: u64le(data, h + 16).unwrap_or(0),
                    offset: u64le(data, h + 24).unwrap_or(0),
                    size: u64le(data, h + 32).unwrap_or(0),
                },
            ));
        }
        let strtab = raw.get(shstrndx).map(|(_, s)| s.clone());
        if let Some(st) = &strtab {
            if st.offset.checked_add(st.size).is_none_or(|e| e > data.len() as u64) {
                return Err(bad("the section names lie past the end of the file (is the file truncated?)"));
            }
        }
        let mut sections = Vec::with_capacity(shnum);
        for (name_off, mut s) in raw {
            if let Some(st) = &strtab {
                // Checked above: the names lie within the file.
                let start = usize::try_from(st.offset.saturating_add(name_off as u64)).unwrap_or(usize::MAX);
                let stop = usize::try_from(st.offset.saturating_add(st.size)).unwrap_or(usize::MAX);
                if let Some(bytes) = data.get(start..stop.min(data.len())) {
                    let bytes = &bytes[..bytes.len().min(256)];
                    let n = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                    s.name = String::from_utf8_lossy(&bytes[..n]).into_owned();
                }
            }
            sections.push(s);
        }
        Ok(Elf { data, machine, sections })
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The file bytes of a section (empty for NOBITS), or None when they lie
    /// outside the file.
    pub fn bytes(&self, s: &Section) -> Option<&'a [u8]> {
        if s.kind == SHT_NOBITS {
            return Some(&[]);
        }
        let start = usize::try_from(s.offset).ok()?;
        let end = start.checked_add(usize::try_from(s.size).ok()?)?;
        self.data.get(start..end)
    }

    /// The section whose file bytes hold file offset `off`, and those bytes.
    pub fn section_at_offset(&self, off: usize) -> Option<(&Section, &'a [u8])> {
        self.sections.iter().find_map(|s| {
            let b = self.bytes(s)?;
            let start = usize::try_from(s.offset).ok()?;
            (s.kind != SHT_NOBITS && s.addr != 0 && off >= start && off - start < b.len()).then_some((s, b))
        })
    }

    /// The section whose file bytes hold virtual address `addr`.
    pub fn section_at(&self, addr: u64) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind != SHT_NOBITS && s.addr != 0 && addr >= s.addr && addr - s.addr < s.size)
    }

    /// The build IDs in the note sections: (GNU build ID as hex, Go build ID).
    pub fn build_ids(&self) -> (Option<String>, Option<String>) {
        let (mut gnu, mut go) = (None, None);
        let mut seen: Vec<(u64, u64)> = Vec::new();
        for s in self.sections.iter().filter(|s| s.kind == SHT_NOTE).take(64) {
            // Sections may alias one file range: read each range once.
            if seen.contains(&(s.offset, s.size)) {
                continue;
            }
            seen.push((s.offset, s.size));
            let Some(d) = self.bytes(s) else { continue };
            let mut at = 0usize;
            // Each note: namesz, descsz, type, name (4-aligned), desc (4-aligned).
            for _ in 0..64 {
                if gnu.is_some() && go.is_some() {
                    return (gnu, go);
                }
                let (Some(namesz), Some(descsz), Some(kind)) =
                    (u32le(d, at), u32le(d, at.saturating_add(4)), u32le(d, at.saturating_add(8)))
                else {
                    break;
                };
                let (namesz, descsz) = (namesz as usize, descsz as usize);
                let name_at = at.saturating_add(12);
                let desc_at = name_at.saturating_add(namesz.saturating_add(3) & !3);
                let next = desc_at.saturating_add(descsz.saturating_add(3) & !3);
                let (Some(name), Some(desc)) =
                    (d.get(name_at..name_at.saturating_add(namesz)), d.get(desc_at..desc_at.saturating_add(descsz)))
                else {
                    break;
                };
                let name = name.split(|&b| b == 0).next().unwrap_or(&[]);
                if name == b"GNU" && kind == 3 && gnu.is_none() {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let desc = &desc[..desc.len().min(64)];
                    gnu = Some(
                        desc.iter()
                            .flat_map(|b| [HEX[(b >> 4) as usize] as char, HEX[(b & 15) as usize] as char])
                            .collect(),
                    );
                } else if name == b"Go" && kind == 4 && go.is_none() {
                    go = Some(String::from_utf8_lossy(&desc[..desc.len().min(256)]).into_owned());
                }
                at = next;
            }
        }
        (gnu, go)
    }
}
