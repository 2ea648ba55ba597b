//! The one error type of gopherlens. Every variant says what is wrong with the
//! input in words a user can act on; the caller prefixes the file name.

use std::fmt;

/// Everything that can go wrong while reading or querying a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The input has no bytes at all.
    Empty,
    /// The bytes are not any format gopherlens reads; `what` names what they
    /// look like instead (a PNG image, JSON, plain text, ...).
    UnknownFormat { what: String },
    /// A gzip stream ends before its last member is complete.
    TruncatedGzip,
    /// A gzip stream is damaged (bad header, bad deflate data, checksum).
    BadGzip { detail: String },
    /// Decompressed data would exceed the memory bound.
    TooLarge { limit: u64 },
    /// Gzip data inflates to more than the bound the user may raise
    /// (`formats::Limits`); `default` if that was the default bound.
    InflateLimit { limit: u64, default: bool },
    /// A profile whose samples' stacks, with every location expanded to its
    /// inlined lines, hold more frames than a file of its size can
    /// genuinely mean (see `pprof::max_frames`): a crafted memory bomb.
    TooManyFrames { limit: u64 },
    /// A protobuf varint runs past 10 bytes or past the end of its message.
    BadVarint { offset: usize },
    /// A protobuf field or message is cut short or malformed.
    BadProtobuf { offset: usize, detail: String },
    /// A string-table index points outside the table.
    BadStringIndex { index: i64, len: usize, field: &'static str },
    /// An id refers to a location, function or mapping the profile lacks.
    UnknownId { kind: &'static str, id: u64 },
    /// The profile decodes but breaks a rule of profile.proto.
    InvalidProfile { detail: String },
    /// A sample type was requested that the profile does not have.
    UnknownSampleType { requested: String, available: Vec<String> },
    /// A query named a node that the call tree does not have.
    UnknownNode { node: u32 },
    /// A Go execution trace whose header names a format version gopherlens
    /// does not read (`version` is "1.N" as in the header).
    UnsupportedTraceVersion { version: String },
    /// A Go execution trace breaks its format; `offset` is the byte where the
    /// bad batch (or the header) starts.
    BadTrace { offset: u64, detail: String },
    /// A Go execution trace ends before even its first generation is
    /// complete, so nothing can be shown. (A trace cut later still decodes,
    /// up to its last complete generation, with a warning.)
    TruncatedTrace { detail: String },
    /// The map analysis (or its base/snapshot input) needs a Go heap
    /// profile; `found` lists the sample types this profile has.
    NotHeapProfile { found: Vec<String> },
    /// Text that was read as a `GODEBUG=gctrace=1` log but has no `gc N @…`
    /// line: `lines` lines of text, of which `bad` start like a gc line but
    /// do not parse.
    NoGcLines { lines: usize, bad: usize },
    /// The GC view needs an execution trace or a gctrace log; this is
    /// another kind of file (`format` as in `info`).
    NotGcInput { format: String },
    /// An executable without Go's symbol table (`.gopclntab`): not built
    /// by the Go toolchain (or by gccgo).
    NotGoBinary,
    /// An executable gopherlens does not read: not 64-bit little-endian
    /// ELF for amd64/arm64, or built by a Go release before 1.20.
    UnsupportedBinary { detail: String },
    /// A Go executable whose headers or symbol table are damaged.
    BadBinary { detail: String },
    /// A filter option (`focus`, `ignore`, `hide`, `show`, `show_from`,
    /// `prune_from`) whose regular expression does not parse.
    BadRegex { option: &'static str, detail: String },
    /// A call-tree transform is malformed (`analysis::transform`).
    BadTransform { detail: String },
    /// The file could not be read (an I/O error while streaming it).
    Read { detail: String },
    /// A granularity pprof does not have, or one the model cannot give
    /// (`addresses`).
    UnknownGranularity { requested: String },
    /// Profiles that cannot be merged or compared (pprof's `compatible`):
    /// different period types, no sample type in common, a sample type in
    /// different units, or a base of other sample types than the profile
    /// for `normalize`.
    Incompatible { detail: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Empty => write!(f, "the file is empty (0 bytes)"),
            Error::UnknownFormat { what } => write!(
                f,
                "not a Go profile: the content looks like {what}; expected a pprof profile (profile.proto, gzipped or raw), a Go execution trace or a GODEBUG=gctrace=1 log"
            ),
            Error::TruncatedGzip => write!(f, "the gzip data is truncated (the download or copy was cut short)"),
            Error::BadGzip { detail } => write!(f, "the gzip data is corrupt: {detail}"),
            Error::TooLarge { limit } => write!(
                f,
                "the profile decompresses to more than {} MiB, the most gopherlens will hold in memory",
                limit >> 20
            ),
            Error::InflateLimit { limit, default } => write!(
                f,
                "the gzip data inflates to more than {} MiB{}, which gopherlens takes for a decompression bomb; if the file is genuine, raise the bound: `gopherlens --max-inflate MIB ...` on the command line, `?maxInflate=MIB` in the page's address, or `open(file, {{maxInflate: bytes}})` in JavaScript (at most 1024 MiB)",
                limit >> 20,
                if *default { " (the default bound: 64 times the compressed size, at least 64 MiB)" } else { " (the bound that was set)" }
            ),
            Error::TooManyFrames { limit } => write!(
                f,
                "the profile's stacks expand to more than {limit} frames (2 per byte of the file, plus 262,144): its locations are crafted to multiply, not a profile any Go program writes"
            ),
            Error::BadVarint { offset } => {
                write!(f, "corrupt profile data: bad varint at byte {offset} of the decompressed profile")
            }
            Error::BadProtobuf { offset, detail } => {
                write!(f, "corrupt profile data at byte {offset} of the decompressed profile: {detail}")
            }
            Error::BadStringIndex { index, len, field } => write!(
                f,
                "corrupt profile: {field} refers to string {index}, but the string table has {len} entries"
            ),
            Error::UnknownId { kind, id } => {
                write!(f, "corrupt profile: reference to {kind} id {id}, which the profile does not define")
            }
            Error::InvalidProfile { detail } => write!(f, "invalid profile: {detail}"),
            Error::UnknownSampleType { requested, available } => write!(
                f,
                "sample type {requested:?} not found; the profile has: {}",
                available.join(", ")
            ),
            Error::UnknownNode { node } => write!(f, "no call-tree node {node}"),
            Error::NotHeapProfile { found } => write!(
                f,
                "not a heap profile: the map analysis needs the sample types alloc_space or inuse_space (a Go heap or allocs profile); this profile has: {}",
                if found.is_empty() { "no sample types".to_string() } else { found.join(", ") }
            ),
            Error::NoGcLines { lines, bad } => {
                write!(f, "not a GODEBUG=gctrace=1 log: none of its {lines} lines of text is a GC line like \"gc 1 @0.012s 2%: 0.01+1.2+0.02 ms clock, ...\"")?;
                if *bad > 0 {
                    write!(f, " ({bad} start like one but are cut short or garbled)")?;
                }
                Ok(())
            }
            Error::NotGcInput { format } => write!(
                f,
                "the GC analysis needs a Go execution trace or a GODEBUG=gctrace=1 log; this is a {format} profile"
            ),
            Error::NotGoBinary => write!(
                f,
                "not a Go binary: this ELF executable has no Go symbol table (.gopclntab); the map join needs the Go program that wrote the heap profile"
            ),
            Error::UnsupportedBinary { detail } => write!(f, "unsupported executable: {detail}"),
            Error::BadBinary { detail } => {
                write!(f, "damaged Go binary: {detail} (is the file truncated, or not the executable itself?)")
            }
            Error::UnsupportedTraceVersion { version } => write!(
                f,
                "this Go execution trace is in the go {version} format, which gopherlens does not read; \
                 it reads traces written by Go 1.11 to Go 1.27 (formats 1.11, 1.19, 1.21, 1.22, 1.23, 1.25, 1.26)"
            ),
            Error::BadTrace { offset, detail } => {
                write!(f, "corrupt Go execution trace (at byte {offset}): {detail}")
            }
            Error::BadRegex { option, detail } => write!(f, "parsing {option} regexp: {detail}"),
            Error::BadTransform { detail } => write!(f, "bad transform: {detail}"),
            Error::Read { detail } => write!(f, "could not read the file: {detail}"),
            Error::UnknownGranularity { requested } => write!(
                f,
                "unknown granularity {requested:?}: use functions, filefunctions, files or lines (addresses is not available: the model keeps no addresses)"
            ),
            Error::Incompatible { detail } => write!(f, "the profiles cannot be merged or compared: {detail}"),
            Error::TruncatedTrace { detail } => write!(
                f,
                "the Go execution trace is truncated before its first generation is complete ({detail}); \
                 the download or copy was probably cut short"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Result with the gopherlens [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
