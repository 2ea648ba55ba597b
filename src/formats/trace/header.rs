//! The 16-byte header every Go execution trace starts with:
//! `go 1.N trace` padded with NUL bytes. N picks the layout.

use crate::{Error, Result};

/// Length of the header; events start right after it.
pub const HEADER_LEN: usize = 16;

/// The format version named in the header (`go 1.N trace`): not always the
/// Go release that wrote the file (Go 1.24 writes 1.23, Go 1.27 writes 1.26).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u8);

impl Version {
    pub const GO111: Version = Version(11);
    pub const GO119: Version = Version(19);
    pub const GO121: Version = Version(21);
    pub const GO122: Version = Version(22);
    pub const GO123: Version = Version(23);
    pub const GO125: Version = Version(25);
    pub const GO126: Version = Version(26);

    /// Every version gopherlens reads.
    pub const ALL: [Version; 7] = [
        Version::GO111,
        Version::GO119,
        Version::GO121,
        Version::GO122,
        Version::GO123,
        Version::GO125,
        Version::GO126,
    ];

    /// The v1 layout (Go 1.11–1.21: one stream of per-P batches) rather
    /// than v2 (Go 1.22+: self-contained generations).
    pub fn is_v1(self) -> bool {
        self.0 < 22
    }

    /// "1.26" and so on.
    pub fn name(self) -> String {
        format!("1.{}", self.0)
    }
}

/// Does `data` start like a trace header (`go 1.` digits ` trace`)?
/// Unsupported versions still count: [`read_header`] then says which.
pub fn looks_like_trace(data: &[u8]) -> bool {
    parse_minor(data).is_some()
}

/// `(minor, end of " trace")` from a header-shaped prefix.
fn parse_minor(data: &[u8]) -> Option<(u32, usize)> {
    let rest = data.strip_prefix(b"go 1.")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let minor = std::str::from_utf8(rest.get(..digits)?).ok()?.parse().ok()?;
    let after = rest.get(digits..)?;
    if !after.starts_with(b" trace") {
        return None;
    }
    Some((minor, 5 + digits + 6))
}

/// Reads the header: the version, or an error naming what is wrong.
pub fn read_header(data: &[u8]) -> Result<Version> {
    if data.is_empty() {
        return Err(Error::Empty);
    }
    let Some((minor, end)) = parse_minor(data) else {
        return Err(Error::BadTrace {
            offset: 0,
            detail: "the file does not start with a Go execution trace header (\"go 1.N trace\")".into(),
        });
    };
    let padding_ok = end <= HEADER_LEN
        && data.len() >= HEADER_LEN
        && data.get(end..HEADER_LEN).is_some_and(|pad| pad.iter().all(|&b| b == 0));
    if !padding_ok {
        if data.len() < HEADER_LEN {
            return Err(Error::TruncatedTrace { detail: "the file ends inside the 16-byte header".into() });
        }
        return Err(Error::BadTrace {
            offset: 0,
            detail: "the trace header is not padded with NUL bytes to 16 bytes".into(),
        });
    }
    match u8::try_from(minor).ok().map(Version) {
        Some(v) if Version::ALL.contains(&v) => Ok(v),
        _ => Err(Error::UnsupportedTraceVersion { version: format!("1.{minor}") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(read_header(b"go 1.26 trace\0\0\0rest"), Ok(Version::GO126));
        assert_eq!(read_header(b"go 1.11 trace\0\0\0"), Ok(Version::GO111));
        assert!(matches!(read_header(b"go 1.24 trace\0\0\0"), Err(Error::UnsupportedTraceVersion { .. })));
        assert!(matches!(read_header(b"go 1.5 trace\0\0\0\0"), Err(Error::UnsupportedTraceVersion { .. })));
        assert!(matches!(read_header(b"go 1.26 trace\0"), Err(Error::TruncatedTrace { .. })));
        assert!(matches!(read_header(b"go 1.26 trace\0\0x"), Err(Error::BadTrace { .. })));
        assert!(matches!(read_header(b"hello"), Err(Error::BadTrace { .. })));
        assert!(looks_like_trace(b"go 1.99 trace"));
        assert!(!looks_like_trace(b"go 1.x trace"));
        assert_eq!(Version::GO123.name(), "1.23");
    }
}
