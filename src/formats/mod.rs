//! Input formats. Each module turns bytes into the model behind one signature,
//! `parse(&[u8]) -> Result<Profile>`; [`open`] sniffs the content (never the
//! file name) to pick one.

pub mod gctrace;
pub mod gobinary;
pub mod gzip;
pub mod loader;
pub mod pprof;
pub mod trace;

use crate::model::Profile;
use crate::{Error, Result};

/// Decompressed data larger than this is refused: wasm32 has 4 GiB in all.
pub const MAX_DECOMPRESSED: usize = 1 << 30;

/// An uncompressed execution trace may be larger: it is analysed while it
/// is decoded, so memory holds the file plus about one generation's events
/// (the most a wasm32 `Vec<u8>` can hold: 2 GiB less a byte).
pub const MAX_TRACE: usize = (1 << 31) - 1;

/// Limits a user may change. Only one so far: how far gzip data may
/// inflate. Everything else is bounded by the input's own size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes gzip data may inflate to; `None`: the default,
    /// [`DEFAULT_INFLATE_RATIO`] × the compressed size but at least
    /// [`DEFAULT_INFLATE_MIN`]. Never more than [`MAX_DECOMPRESSED`]. Set by
    /// `gopherlens --max-inflate MIB`, `open(file, {maxInflate})` in
    /// JavaScript, or `?maxInflate=MIB` in the page's address.
    pub max_inflate: Option<usize>,
}

/// Genuine Go profiles inflate 3–10× (a heap profile of many identical
/// samples up to ~40×); far more is a decompression bomb until the user says
/// otherwise ([`Limits::max_inflate`]).
pub const DEFAULT_INFLATE_RATIO: usize = 64;
/// Small files may always inflate to this much.
pub const DEFAULT_INFLATE_MIN: usize = 64 << 20;

impl Limits {
    /// The most gzip data of `compressed` bytes may inflate to.
    pub fn inflate_limit(&self, compressed: usize) -> usize {
        let default = compressed.saturating_mul(DEFAULT_INFLATE_RATIO).max(DEFAULT_INFLATE_MIN);
        self.max_inflate.unwrap_or(default).min(MAX_DECOMPRESSED)
    }

    /// Turns the gzip layer's "over the limit" into an error that says how
    /// to raise it, unless the limit was already the absolute one.
    pub fn explain(&self, e: Error) -> Error {
        match e {
            Error::TooLarge { limit } if (limit as usize) < MAX_DECOMPRESSED => {
                Error::InflateLimit { limit, default: self.max_inflate.is_none() }
            }
            e => e,
        }
    }
}

/// What the bytes are, by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gzip,
    Pprof,
    /// A Go execution trace (`go 1.N trace` header).
    Trace,
    /// A `GODEBUG=gctrace=1` log (text with `gc N @...` lines).
    GcTrace,
    /// An executable (ELF, or a Mach-O/PE one to refuse by name): the Go
    /// program that wrote a heap profile, joined by the map analysis.
    Binary,
}

/// What a file decodes to.
pub enum Opened {
    Profile(Profile),
    /// An execution trace, analysed while it was decoded (its events are
    /// not kept): all its stack profiles, its GC report and timeline.
    Trace(Box<crate::analysis::trace_stream::OpenedTrace>),
    GcLog(gctrace::GcLog),
    Binary(Box<gobinary::GoBinary>),
}

/// Decides what `data` holds, or says what it looks like instead.
pub fn sniff(data: &[u8]) -> Result<Kind> {
    if data.is_empty() {
        return Err(Error::Empty);
    }
    if gzip::is_gzip(data) {
        return Ok(Kind::Gzip);
    }
    if gobinary::looks_like_binary(data) {
        return Ok(Kind::Binary);
    }
    if trace::looks_like_trace(data) {
        return Ok(Kind::Trace);
    }
    if gctrace::looks_like_gctrace(data) {
        return Ok(Kind::GcTrace);
    }
    if pprof::looks_like_pprof(data) {
        return Ok(Kind::Pprof);
    }
    Err(Error::UnknownFormat { what: describe(data) })
}

/// Like [`sniff`] for the first bytes of a longer input (`partial`): a
/// profile field cut by the end of `head` is not held against it.
pub fn sniff_head(head: &[u8], partial: bool) -> Result<Kind> {
    match sniff(head) {
        Err(Error::UnknownFormat { .. }) if partial && pprof::looks_like_pprof_head(head, true) => Ok(Kind::Pprof),
        r => r,
    }
}

/// A short description of unrecognised content for error messages.
pub fn describe(data: &[u8]) -> String {
    const MAGICS: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"BZh", "bzip2-compressed data"),
        (b"\xfd7zXZ\x00", "xz-compressed data"),
        (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
        (b"\x7fELF", "an ELF executable"),
        (b"go 1.", "text starting like a Go execution trace header, but not one"),
    ];
    for (magic, what) in MAGICS {
        if data.starts_with(magic) {
            return what.to_string();
        }
    }
    let head = &data[..data.len().min(512)];
    let text = std::str::from_utf8(head)
        .map(|s| s.to_string())
        .unwrap_or_else(|e| String::from_utf8_lossy(&head[..e.valid_up_to()]).into_owned());
    let printable = !text.is_empty() && text.chars().all(|c| !c.is_control() || c.is_whitespace());
    let t = text.trim_start();
    if printable && (t.starts_with('{') || t.starts_with('[')) {
        return "JSON text".into();
    }
    if printable && t.starts_with('<') {
        return "HTML or XML text".into();
    }
    if printable && t.starts_with("heap profile:") {
        return "a legacy text heap profile (debug=1), which is not supported yet".into();
    }
    if printable && t.starts_with("goroutine profile:") {
        return "a text goroutine profile (debug=1), which is not supported yet".into();
    }
    if printable {
        let first = t.lines().next().unwrap_or("");
        let first: String = first.chars().take(40).collect();
        return format!("plain text (starting {first:?})");
    }
    "binary data of an unknown kind".into()
}

/// Sniffs, decompresses and decodes `data` into the model.
pub fn open(data: &[u8]) -> Result<Profile> {
    open_with_progress(data, &mut |_, _| {})
}

/// Like [`open`], reporting `(fraction, phase)` to `progress`.
pub fn open_with_progress(data: &[u8], progress: &mut dyn FnMut(f64, &str)) -> Result<Profile> {
    open_input(Input::Borrowed(data), progress)
}

/// Like [`open_with_progress`], taking ownership so the input can be freed
/// as soon as it is decompressed (what the page does: it lowers the peak).
pub fn open_owned(data: Vec<u8>, progress: &mut dyn FnMut(f64, &str)) -> Result<Profile> {
    open_input(Input::Owned(data), progress)
}

enum Input<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

fn open_input(input: Input, progress: &mut dyn FnMut(f64, &str)) -> Result<Profile> {
    Ok(match open_any(input, progress)? {
        Opened::Profile(p) => p,
        Opened::Trace(t) => t.analysis.profile,
        Opened::GcLog(_) => gctrace_profile(),
        Opened::Binary(_) => empty_profile(crate::model::Format::GoBinary),
    })
}

/// Like [`open_with_progress`], keeping what the format has beyond the
/// profile (a trace's events, a gctrace log's cycles).
pub fn open_full(data: &[u8], progress: &mut dyn FnMut(f64, &str)) -> Result<Opened> {
    open_any(Input::Borrowed(data), progress)
}

/// Like [`open_owned`], keeping what the format has beyond the profile.
pub fn open_full_owned(data: Vec<u8>, progress: &mut dyn FnMut(f64, &str)) -> Result<Opened> {
    open_any(Input::Owned(data), progress)
}

/// The (empty) profile that stands for a gctrace log: format "gctrace",
/// one sample type and no samples, so every profile query answers.
pub fn gctrace_profile() -> Profile {
    empty_profile(crate::model::Format::GcTrace)
}

/// A profile of `format` with one sample type and no samples.
pub fn empty_profile(format: crate::model::Format) -> Profile {
    let mut p = Profile::new(format);
    let kind = p.strings.intern("samples");
    let unit = p.strings.intern("count");
    p.sample_types.push(crate::model::ValueType { kind, unit });
    p.samples.label_start.push(0);
    p.stacks.freeze();
    p
}

/// Like [`open_full_owned`] for what a gzip file decompressed to (the page
/// decompresses while it reads the file, see [`gzip::GunzipStream`]).
pub fn open_full_gunzipped(raw: Vec<u8>, progress: &mut dyn FnMut(f64, &str)) -> Result<Opened> {
    open_gunzipped(raw, progress)
}

/// Decodes the contents of a gzip file, freeing them before the stack table
/// is built.
fn open_gunzipped(raw: Vec<u8>, progress: &mut dyn FnMut(f64, &str)) -> Result<Opened> {
    let pending = match sniff(&raw) {
        Ok(Kind::Pprof) => pprof::decode(&raw, &mut |f| progress(f, "decoding"))?,
        Ok(Kind::Trace) => return open_trace(&raw, progress),
        Ok(Kind::GcTrace) => return Ok(Opened::GcLog(gctrace::parse(&raw)?)),
        Ok(Kind::Binary) => return Ok(Opened::Binary(Box::new(gobinary::parse(&raw)?))),
        Ok(Kind::Gzip) => return Err(Error::UnknownFormat { what: "gzip data inside gzip data".into() }),
        Err(Error::Empty) => {
            return Err(Error::InvalidProfile { detail: "the gzip data decompresses to nothing".into() })
        }
        Err(Error::UnknownFormat { what }) => {
            return Err(Error::UnknownFormat { what: format!("gzip-compressed {what}") })
        }
        Err(e) => return Err(e),
    };
    drop(raw);
    crate::mem_mark("decoded, raw freed");
    let p = pending.finish(&mut |f| progress(f, "decoding"));
    crate::mem_mark("stacks built");
    Ok(Opened::Profile(p))
}

/// A trace streamed through its analyses, generation by generation.
fn open_trace(data: &[u8], progress: &mut dyn FnMut(f64, &str)) -> Result<Opened> {
    let t = crate::analysis::trace_stream::open_trace(data, &mut |f| progress(f, "decoding"))?;
    crate::mem_mark("trace analysed");
    Ok(Opened::Trace(Box::new(t)))
}

fn open_any(input: Input, progress: &mut dyn FnMut(f64, &str)) -> Result<Opened> {
    open_limited(input, Limits::default(), progress)
}

/// Like [`open_full`] with `limits` other than the defaults.
pub fn open_full_with(data: &[u8], limits: Limits, progress: &mut dyn FnMut(f64, &str)) -> Result<Opened> {
    open_limited(Input::Borrowed(data), limits, progress)
}

fn open_limited(input: Input, limits: Limits, progress: &mut dyn FnMut(f64, &str)) -> Result<Opened> {
    let data: &[u8] = match &input {
        Input::Borrowed(d) => d,
        Input::Owned(v) => v,
    };
    let pending = match sniff(data)? {
        // Through the streaming loader, as the page reads a file: what
        // the data inflates to is sniffed as soon as its head is out.
        Kind::Gzip => return loader::open_in_pieces(data, 1 << 20, limits),
        Kind::Pprof => pprof::decode(data, &mut |f| progress(f, "decoding"))?,
        Kind::Trace => return open_trace(data, progress),
        Kind::GcTrace => return Ok(Opened::GcLog(gctrace::parse(data)?)),
        Kind::Binary => return Ok(Opened::Binary(Box::new(gobinary::parse(data)?))),
    };
    crate::mem_mark("decoded, raw freed");
    let p = pending.finish(&mut |f| progress(f, "decoding"));
    crate::mem_mark("stacks built");
    Ok(Opened::Profile(p))
}

/// The most memory opening a file may take, as `constant + per_byte ×
/// input` for each kind of content (README "Memory bounds" has the same
/// table, and tests/memory_bounds.rs checks that it does). The peak covers
/// opening the file and drawing every view of it (flame graph, zoomed
/// flame graph, top table): what `fuzz_one` runs. For gzip data the
/// bound is that of what it inflates to, plus the compressed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub kind: Kind,
    pub per_byte: usize,
    pub constant: usize,
}

/// Every file may take this much whatever its size (the page's baseline).
pub const BOUND_CONSTANT: usize = 64 << 20;

/// Per byte of (decompressed) input. pprof is the largest because a small
/// crafted file can ask for [`pprof::max_frames`] frames, each a stack, a
/// call-tree node and a laid-out box (about 170 bytes with two layouts
/// alive); genuine profiles measure 3–8 bytes per byte. Old (1.11–1.21)
/// traces are converted holding their events; newer ones stream.
pub const BOUNDS: [Bound; 5] = [
    Bound { kind: Kind::Pprof, per_byte: 512, constant: BOUND_CONSTANT },
    Bound { kind: Kind::Trace, per_byte: 128, constant: BOUND_CONSTANT },
    Bound { kind: Kind::GcTrace, per_byte: 16, constant: BOUND_CONSTANT },
    Bound { kind: Kind::Binary, per_byte: 16, constant: BOUND_CONSTANT },
    Bound { kind: Kind::Gzip, per_byte: 1 + gzip::HINT_RATIO, constant: 0 },
];

fn bound_of(kind: Kind, len: usize) -> usize {
    let b = BOUNDS.iter().find(|b| b.kind == kind).expect("every kind has a bound");
    b.constant.saturating_add(b.per_byte.saturating_mul(len))
}

/// The bound for `data` read as `kind` whatever it sniffs as (what a fuzz
/// target that calls one parser directly may use), or as what it is.
pub fn memory_bound_as(kind: Kind, data: &[u8]) -> usize {
    memory_bound(data).max(bound_of(kind, data.len()))
}

/// The bound for `data` (see [`BOUNDS`]). For gzip data this inflates it
/// (under the default [`Limits`]), so call it before arming a limit.
pub fn memory_bound(data: &[u8]) -> usize {
    match sniff(data) {
        Ok(Kind::Gzip) => {
            let limit = Limits::default().inflate_limit(data.len());
            let mut s = gzip::GunzipStream::new(limit, 0, data.len());
            let _ = s.push(data);
            let out = s.output();
            let inner = match sniff(out) {
                Ok(Kind::Gzip) | Err(_) => BOUND_CONSTANT,
                Ok(k) => bound_of(k, out.len()),
            };
            // The inflated bytes are held while they are decoded.
            inner.saturating_add(out.len()).saturating_add(bound_of(Kind::Gzip, data.len()))
        }
        Ok(k) => bound_of(k, data.len()),
        Err(_) => BOUND_CONSTANT,
    }
}
