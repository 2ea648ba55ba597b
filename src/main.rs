//! `gopherlens` command line: the same core as the web page, for scripts.

use gopherlens::report::Top;
use gopherlens::Session;
use std::process::ExitCode;

/// `println!` that ends the program quietly when stdout is closed (as
/// `gopherlens ... | head` does) instead of panicking.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write;
        if writeln!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

const USAGE: &str = "usage:
  gopherlens info FILE [--json]
  gopherlens top FILE... [--sample-index NAME|N] [--nodecount N] [--profile KIND] [--granularity G] [FILTERS] [TRANSFORMS] [COMPARE] [--inline] [--json]
  gopherlens peek FILE... REGEX [--sample-index NAME|N] [--profile KIND] [--granularity G] [FILTERS] [TRANSFORMS] [COMPARE] [--json]
  gopherlens tags FILE... [--sample-index NAME|N] [--unit U] [FILTERS] [TRANSFORMS] [COMPARE] [--json]
  gopherlens gc TRACE|GCTRACE_LOG [--json]
  gopherlens maps HEAP... [--cpu CPU]... [--binary BIN] [--base BASE] [--limit N] [--paths N] [--all-paths] [--maps-first] [--json]
  gopherlens binary BIN [--json]

FILE is a Go pprof profile (gzipped or raw profile.proto) or a Go execution
trace (its CPU samples; --profile cpu|assist|sync|sched|syscall|net picks
another stack profile of a TRACE, as `go tool trace -pprof=KIND`).
gc: the GC cycles, stop-the-world pauses, mark assists and minimum mutator
utilisation of a TRACE, or the GC cycles of a GODEBUG=gctrace=1 log.
maps: the map retention table of the last HEAP profile; earlier HEAPs are
snapshots of the same program (oldest first, for trends), --cpu joins CPU
profiles (exact evidence by source line), --binary joins the Go program that
wrote HEAP (its calls to runtime map functions: exact evidence for every map
line), --base subtracts a base heap profile (-diff_base semantics).
FILTERS, as `go tool pprof` means them (regular expressions matched against
function and file names): --focus RE keeps samples through a match, --ignore
RE drops them, --hide RE removes matching frames, --show RE keeps only
those, --show-from RE drops the callers of the first match from the root,
--prune-from RE drops the callees of the match closest to the leaf;
--tagfocus/--tagignore [KEY=]RE,...|[KEY=]RANGE keep/drop samples by label
(RANGE as pprof's: 64kb, 64kb:, :64kb, 1kb:1mb), --tagshow/--taghide RE
keep/drop labels by key.
TRANSFORMS, the Firefox Profiler's, after the filters in the order given
(repeatable; NAME is a function's name as the table shows it):
--merge-function NAME removes its frames (its time goes to its callers),
--collapse-recursion NAME makes its recursive frames one (indirect too),
--collapse-direct-recursion NAME only directly recursive ones,
--collapse-package PKG makes consecutive frames of a Go package one frame
named PKG, --focus-function NAME drops samples without it and its callers,
--drop-function NAME drops samples with it.
--nodecount N and --nodefraction F trim the table as pprof's -top does:
rows with |cum| under F of the total flat go, then all but the first N
(0 and 0: every row; pprof's own -top default is --nodefraction 0.005).
--granularity functions (default), filefunctions, files or lines (also
--lines and so on), as pprof's: rows named `main.f`, `main.f main.go`,
`main.go`, `main.f main.go:12`.
Several FILEs are merged into one profile (pprof's merge: the sample types
they share). COMPARE, as pprof's flags: --base BASE subtracts BASE,
--diff-base BASE subtracts it keeping its samples apart (percentages of
BASE's total), --normalize first scales FILE to BASE's totals (given
twice, the last --base counts, as in pprof).
peek: pprof's -peek: each function matching REGEX with its callers above
and callees below, and the value through each call ((inline): the call was inlined).
--inline adds pprof's (inline)/(partial-inline) of each row to top --json.
tags: pprof's -tags: every label key of the samples the filters keep, each
value with its weight (--unit: pprof's -unit for numeric label values and
the text's weights; default minimum).
binary: the source lines of a Go executable (ELF, amd64/arm64) that call the
runtime's map functions.
--max-inflate MIB raises (or lowers) how far gzip data may inflate: by
default 64 times its size, at least 64 MiB (at most 1024).
--json prints the same JSON shapes as the JavaScript API (www/gopherlens.js).";

struct Args {
    cmd: String,
    files: Vec<String>,
    json: bool,
    sample_index: Option<String>,
    nodecount: usize,
    profile: Option<String>,
    cpu: Vec<String>,
    binary: Vec<String>,
    base: Option<String>,
    limit: usize,
    paths: usize,
    all_paths: bool,
    maps_first: bool,
    filters: gopherlens::analysis::filter::FilterText,
    granularity: String,
    nodefraction: f64,
    /// top/peek: `--base` (pprof's -base; the last one given).
    bases: Vec<String>,
    /// top/peek: `--diff-base` (pprof's -diff_base; the last one given).
    diff_bases: Vec<String>,
    normalize: bool,
    inline: bool,
    /// tags: pprof's `-unit` (empty: minimum).
    unit: String,
}

/// `--max-inflate`, set once by `parse_args`.
static LIMITS: std::sync::OnceLock<gopherlens::formats::Limits> = std::sync::OnceLock::new();

fn limits() -> gopherlens::formats::Limits {
    LIMITS.get().copied().unwrap_or_default()
}

/// Gunzips `data` under the user's inflate bound.
fn gunzip(data: &[u8]) -> gopherlens::Result<Vec<u8>> {
    let l = limits();
    gopherlens::formats::gzip::gunzip(data, l.inflate_limit(data.len()), &mut |_| {}).map_err(|e| l.explain(e))
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().ok_or("missing command")?;
    if matches!(cmd.as_str(), "-h" | "--help" | "help") {
        return Err(String::new());
    }
    let mut a = Args {
        cmd,
        files: Vec::new(),
        json: false,
        sample_index: None,
        nodecount: 0,
        profile: None,
        cpu: Vec::new(),
        binary: Vec::new(),
        base: None,
        limit: 0,
        paths: 5,
        all_paths: false,
        maps_first: false,
        filters: Default::default(),
        granularity: String::new(),
        nodefraction: 0.0,
        bases: Vec::new(),
        diff_bases: Vec::new(),
        normalize: false,
        inline: false,
        unit: String::new(),
    };
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| inline.clone().or_else(|| it.next()).ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--json" => a.json = true,
            "--sample-index" | "--sample_index" => a.sample_index = Some(value("--sample-index")?),
            "--nodecount" => {
                a.nodecount = value("--nodecount")?.parse().map_err(|_| "--nodecount takes a whole number")?
            }
            "--profile" => a.profile = Some(value("--profile")?),
            "--cpu" => a.cpu.push(value("--cpu")?),
            "--binary" => a.binary.push(value("--binary")?),
            "--all-paths" => a.all_paths = true,
            "--maps-first" => a.maps_first = true,
            // As pprof's: given twice, the last counts.
            "--base" => {
                let v = value("--base")?;
                a.base = Some(v.clone());
                a.bases = vec![v];
            }
            "--diff-base" | "--diff_base" => a.diff_bases = vec![value("--diff-base")?],
            "--normalize" => a.normalize = true,
            "--inline" => a.inline = true,
            "--unit" => a.unit = value("--unit")?,
            "--limit" => a.limit = value("--limit")?.parse().map_err(|_| "--limit takes a whole number")?,
            "--max-inflate" => {
                let mib: usize =
                    value("--max-inflate")?.parse().map_err(|_| "--max-inflate takes a whole number of MiB")?;
                let _ = LIMITS.set(gopherlens::formats::Limits { max_inflate: Some(mib.saturating_mul(1 << 20)) });
            }
            "--granularity" => a.granularity = value("--granularity")?,
            "--nodefraction" => {
                a.nodefraction = value("--nodefraction")?
                    .parse()
                    .ok()
                    .filter(|f: &f64| f.is_finite() && *f >= 0.0)
                    .ok_or("--nodefraction takes a fraction such as 0.005")?
            }
            "--functions" | "--filefunctions" | "--files" | "--lines" => a.granularity = flag[2..].to_string(),
            "--focus" => a.filters.focus = value("--focus")?,
            "--ignore" => a.filters.ignore = value("--ignore")?,
            "--hide" => a.filters.hide = value("--hide")?,
            "--show" => a.filters.show = value("--show")?,
            "--show-from" | "--show_from" => a.filters.show_from = value("--show-from")?,
            "--prune-from" | "--prune_from" => a.filters.prune_from = value("--prune-from")?,
            "--tagfocus" => a.filters.tagfocus = value("--tagfocus")?,
            "--tagignore" => a.filters.tagignore = value("--tagignore")?,
            "--tagshow" => a.filters.tagshow = value("--tagshow")?,
            "--taghide" => a.filters.taghide = value("--taghide")?,
            f if transform_kind(f).is_some() => {
                let kind = transform_kind(f).ok_or("")?;
                let func = value(f)?;
                a.filters.transforms.push(gopherlens::analysis::transform::Transform { kind, func });
            }
            "--paths" => a.paths = value("--paths")?.parse().map_err(|_| "--paths takes a whole number")?,
            "-h" | "--help" => return Err(String::new()),
            f if f.starts_with('-') && f.len() > 1 => return Err(format!("unknown option {f}")),
            _ => a.files.push(arg),
        }
    }
    Ok(a)
}

fn load_binary(path: &str) -> Result<gopherlens::formats::gobinary::GoBinary, String> {
    let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    gopherlens::formats::gobinary::open(&data).map_err(|e| format!("{path}: {e}"))
}

/// Opens a file through the streaming loader, as the page does: read in
/// pieces, sniffed before anything is allocated for it.
fn load(path: &str) -> Result<Session, String> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |e: std::io::Error| format!("{path}: {e}");
    let mut f = std::fs::File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    let mut loader = gopherlens::formats::loader::Loader::new(size.min(usize::MAX as u64) as usize, limits());
    if size >= 18 {
        let mut tail = [0u8; 4];
        f.seek(SeekFrom::End(-4)).and_then(|_| f.read_exact(&mut tail)).map_err(io)?;
        loader.set_tail(tail);
        f.seek(SeekFrom::Start(0)).map_err(io)?;
    }
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 || !loader.push(&buf[..n]) {
            break;
        }
    }
    drop(buf);
    let opened = loader.finish(&mut |_, _| {}).map_err(|e| format!("{path}: {e}"))?;
    Ok(Session::from_opened(opened, &mut |_, _| {}))
}

/// Reads and decodes an execution trace (raw or gzipped).
/// The raw bytes of a trace file (gunzipped if need be).
fn read_trace(path: &str) -> Result<Vec<u8>, String> {
    use gopherlens::formats::{gzip, trace};
    let mut data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if gzip::is_gzip(&data) {
        data = gunzip(&data).map_err(|e| format!("{path}: {e}"))?;
    }
    if !trace::looks_like_trace(&data) {
        return Err(format!("{path}: not a Go execution trace"));
    }
    Ok(data)
}

/// An uncompressed execution trace, opened to be read in pieces (never held
/// whole); None for anything else (gzipped traces are inflated whole).
fn raw_trace_file(path: &str) -> Result<Option<(std::fs::File, u64)>, String> {
    use std::io::{Read, Seek};
    let io = |e: std::io::Error| format!("{path}: {e}");
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]).map_err(io)? {
            0 => break,
            k => n += k,
        }
    }
    if !gopherlens::formats::trace::looks_like_trace(&head[..n]) {
        return Ok(None);
    }
    f.rewind().map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    Ok(Some((f, size)))
}

/// The GC report of an execution trace or a gctrace log (raw or gzipped).
fn load_gc(path: &str) -> Result<gopherlens::report::Gc, String> {
    use gopherlens::formats::{self, gctrace, gzip, Kind};
    if let Some((mut f, size)) = raw_trace_file(path)? {
        // Streamed from the file: memory holds one generation, not the file.
        let a = gopherlens::analysis::trace_stream::analyze_reader(&mut f, size, &mut |_| {});
        return Ok(a.map_err(|e| format!("{path}: {e}"))?.gc);
    }
    let mut data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if gzip::is_gzip(&data) {
        data = gunzip(&data).map_err(|e| format!("{path}: {e}"))?;
    }
    let at = |e: gopherlens::Error| format!("{path}: {e}");
    match formats::sniff(&data) {
        // Streamed: the trace's events are never all in memory.
        Ok(Kind::Trace) => Ok(gopherlens::analysis::trace_stream::analyze_stream(&data, &mut |_| {}).map_err(at)?.gc),
        Ok(Kind::GcTrace) => Ok(gctrace::parse(&data).map_err(at)?.report()),
        Ok(Kind::Pprof) => Err(at(gopherlens::Error::NotGcInput { format: "pprof".into() })),
        Ok(Kind::Binary) => Err(at(gopherlens::Error::NotGcInput { format: "go-binary".into() })),
        Ok(Kind::Gzip) => Err(at(gopherlens::Error::UnknownFormat { what: "gzip data inside gzip data".into() })),
        // Text: say why it is not a gctrace log.
        Err(gopherlens::Error::UnknownFormat { what }) if what.starts_with("plain text") => {
            Err(at(gctrace::parse(&data).err().unwrap_or(gopherlens::Error::UnknownFormat { what })))
        }
        Err(e) => Err(at(e)),
    }
}

/// A file as a session: `--profile` picks a stack profile of a trace.
fn load_profile(path: &str, profile: Option<&str>) -> Result<Session, String> {
    match profile {
        None => load(path),
        Some(kind) => {
            let kinds = gopherlens::analysis::trace_profiles::KINDS;
            if !kinds.contains(&kind) {
                return Err(format!("--profile takes one of {}, not {kind:?}", kinds.join(", ")));
            }
            // Streamed: the trace's events are never all in memory, nor
            // (uncompressed) the file.
            let p = if let Some((mut f, size)) = raw_trace_file(path)? {
                gopherlens::analysis::trace_stream::profile_reader(&mut f, size, kind, &mut |_| {})
            } else {
                gopherlens::analysis::trace_stream::profile_stream(&read_trace(path)?, kind, &mut |_| {})
            };
            let p = p.map_err(|e| format!("{path}: {e}"))?;
            Ok(Session::from_profile(p))
        }
    }
}

fn print_gc(g: &gopherlens::report::Gc) {
    let ms = |ns: i64| ns as f64 / 1e6;
    let mb = |b: Option<u64>| b.map_or("?".to_string(), |b| format!("{:.1}", b as f64 / 1048576.0));
    let what = if g.go_version.is_empty() {
        format!("gctrace log: {} gc lines", g.events)
    } else {
        format!("go {} trace: {} events", g.go_version, g.events)
    };
    out!(
        "{what}, {:.3} ms, GOMAXPROCS {}, {} GC cycles, GC CPU {:.1}%, longest pause {:.3} ms",
        ms(g.duration_ns),
        g.gomaxprocs,
        g.cycles.len(),
        100.0 * g.gc_cpu_fraction,
        ms(g.longest_pause_ns)
    );
    out!(
        "{:>4} {:>10} {:>9} {:>9} {:>9} {:>7} {:>10}  heap MB start->end (goal)",
        "gc",
        "start ms",
        "mark ms",
        "stw ms",
        "assists",
        "",
        "assist ms"
    );
    for c in &g.cycles {
        out!(
            "{:>4} {:>10} {:>9.3} {:>9.3} {:>9} {:>7} {:>10.3}  {}->{} ({})",
            c.n,
            c.start_ns.map_or("-".to_string(), |s| format!("{:.3}", ms(s))),
            ms(c.mark_ns),
            ms(c.stw_ns),
            c.assist_count,
            "",
            ms(c.assist_ns),
            mb(c.heap_live_start),
            mb(c.heap_live_end),
            mb(c.heap_goal)
        );
    }
    for s in &g.other_stw {
        out!("other stop-the-world: {} at {:.3} ms for {:.3} ms", s.reason, ms(s.start_ns), ms(s.duration_ns));
    }
    let mmu = |v: &[gopherlens::report::MmuPoint]| -> String {
        v.iter().map(|p| format!("{}ms {:.3}", ms(p.window_ns), p.util)).collect::<Vec<_>>().join(", ")
    };
    out!("MMU ({}), as go tool trace: {}", g.mmu_flags.join("+"), mmu(&g.mmu));
    out!("MMU, each mark worker run counted once: {}", mmu(&g.mmu_fixed));
    for w in &g.warnings {
        out!("warning: {w}");
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), String> {
    let s = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    out!("{s}");
    Ok(())
}

fn print_top(t: &Top) {
    let f = |v: i64| gopherlens::units::format(v, &t.unit);
    let shown: i64 = t.rows.iter().map(|r| r.flat).sum();
    let pct = |v: i64| if t.total == 0 { 0.0 } else { 100.0 * v as f64 / t.total as f64 };
    out!("Showing nodes accounting for {}, {:.2}% of {} total ({})", f(shown), pct(shown), f(t.total), t.sample_type);
    out!("{:>12} {:>7} {:>7} {:>12} {:>7}", "flat", "flat%", "sum%", "cum", "cum%");
    let mut sum = 0i64;
    for r in &t.rows {
        sum += r.flat;
        out!(
            "{:>12} {:>6.2}% {:>6.2}% {:>12} {:>6.2}%  {}{}",
            f(r.flat),
            pct(r.flat),
            pct(sum),
            f(r.cum),
            pct(r.cum),
            r.name,
            if r.inline.is_empty() { String::new() } else { format!(" ({})", r.inline) }
        );
    }
}

fn run_maps(a: &Args) -> Result<(), String> {
    let Some((heap_path, earlier)) = a.files.split_last() else {
        return Err("maps takes at least one HEAP profile".into());
    };
    let mut inputs = gopherlens::analysis::maps::MapsInputs::new();
    for path in earlier {
        let s = load(path)?;
        inputs.add_snapshot(&s.profile).map_err(|e| format!("{path}: {e}"))?;
    }
    if let Some(path) = &a.base {
        let s = load(path)?;
        inputs.set_base(&s.profile).map_err(|e| format!("{path}: {e}"))?;
    }
    for path in &a.cpu {
        let s = load(path)?;
        inputs.add_cpu(&s.profile);
    }
    for path in &a.binary {
        inputs.add_binary(&load_binary(path)?);
    }
    let heap = load(heap_path)?;
    let opts = gopherlens::analysis::maps::MapsOptions {
        limit: a.limit,
        paths: a.paths,
        all_paths: a.all_paths,
        maps_first: a.maps_first,
    };
    let m = heap.maps(&inputs, &opts).map_err(|e| format!("{heap_path}: {e}"))?;
    if a.json {
        return print_json(&m);
    }
    print_maps(&m);
    Ok(())
}

fn print_maps(m: &gopherlens::report::Maps) {
    let f = |v: i64| gopherlens::units::format(v, "bytes");
    let rate = match m.sample_rate {
        1 => "1 (every allocation recorded)".to_string(),
        0 => "unknown".to_string(),
        r => format!("{r} bytes"),
    };
    out!(
        "heap sample rate: {rate}; {} sites, {} map sites holding {} in use of {} ({} allocated by them); layout: {}",
        m.summary.sites,
        m.summary.map_sites,
        f(m.summary.map_inuse_space),
        f(m.summary.inuse_space),
        f(m.summary.map_alloc_space),
        m.summary.layout.as_deref().unwrap_or("-")
    );
    if m.binary.binaries > 0 {
        out!("joined: {} Go binary(ies), {} calls to runtime map functions", m.binary.binaries, m.binary.map_calls);
    }
    for w in &m.binary.warnings {
        out!("warning: {w}");
    }
    if m.cpu.profiles > 0 {
        out!(
            "joined: {} CPU profile(s), {} samples, {} lines with map code",
            m.cpu.profiles,
            m.cpu.samples,
            m.cpu.map_lines
        );
    }
    out!("{:<13} {:<8} {:<10} {:>10} {:>10} {:>5}  site", "kind", "evidence", "verdict", "inuse", "alloc", "ret");
    let mut others = 0usize;
    for s in &m.sites {
        if !(s.kind.starts_with("map-") || s.kind == "sync-map") {
            others += 1;
            continue;
        }
        out!(
            "{:<13} {:<8} {:<10} {:>10} {:>10} {:>4.0}%  {} {}:{}",
            s.kind,
            s.evidence,
            s.verdict,
            f(s.inuse_space),
            f(s.alloc_space),
            100.0 * s.retention,
            s.function,
            s.file,
            s.line
        );
        for d in &s.evidence_detail {
            out!("    evidence: {d}");
        }
        for t in &s.findings {
            out!("    - {t}");
        }
    }
    if others > 0 {
        out!("({others} other sites are not-map or unknown; --json lists every site)");
    }
}

/// The profile `top` and `peek` read: the FILEs (merged, as pprof merges
/// several sources), compared with --base or --diff-base if given.
fn load_compared(a: &Args, files: &[String]) -> Result<(Session, String), String> {
    use gopherlens::analysis::merge::Compare;
    if !a.bases.is_empty() && !a.diff_bases.is_empty() {
        return Err("--base and --diff-base cannot both be given".into());
    }
    if a.normalize && a.bases.is_empty() && a.diff_bases.is_empty() {
        return Err("--normalize needs --base or --diff-base".into());
    }
    let label = files.join(" ");
    if files.len() == 1 && a.bases.is_empty() && a.diff_bases.is_empty() {
        return Ok((load_profile(&files[0], a.profile.as_deref())?, label));
    }
    let load_all = |paths: &[String]| -> Result<Vec<Session>, String> {
        paths.iter().map(|p| load_profile(p, a.profile.as_deref())).collect()
    };
    let sources = load_all(files)?;
    let bases = load_all(if a.bases.is_empty() { &a.diff_bases } else { &a.bases })?;
    let how = Compare { diff: !a.diff_bases.is_empty(), normalize: a.normalize };
    let s = Session::compare(&sources.iter().collect::<Vec<_>>(), &bases.iter().collect::<Vec<_>>(), how)
        .map_err(|e| format!("{label}: {e}"))?;
    Ok((s, label))
}

/// `gopherlens top FILE...` and `gopherlens peek FILE... REGEX`.
fn run_top(a: &Args) -> Result<(), String> {
    let (files, rx) = if a.cmd == "peek" {
        let Some((rx, files)) = a.files.split_last().filter(|(_, f)| !f.is_empty()) else {
            return Err("peek takes FILE... REGEX".into());
        };
        let rx = regex_lite::Regex::new(rx).map_err(|e| format!("parsing argument regexp {rx}: {e}"))?;
        (files, Some(rx))
    } else {
        if a.files.is_empty() {
            return Err("top takes at least one FILE".into());
        }
        (a.files.as_slice(), None)
    };
    let filters = gopherlens::analysis::filter::Filters::parse(&a.filters).map_err(|e| e.to_string())?;
    let granularity = gopherlens::analysis::top::Granularity::parse(&a.granularity).map_err(|e| e.to_string())?;
    let (s, file) = load_compared(a, files)?;
    for t in &filters.transforms {
        if !gopherlens::analysis::transform::names_anything(&s.profile, t) {
            eprintln!("gopherlens: {file}: --{} {}: the profile has no such function", t.kind.name(), t.func);
        }
    }
    let (mut s, matched) = s.filtered(&filters);
    // As pprof: a filter that matched nothing is said, not an error.
    for (set, hit, name) in [
        (filters.focus.is_some(), matched.focus, "focus"),
        (filters.ignore.is_some(), matched.ignore, "ignore"),
        (filters.hide.is_some(), matched.hide, "hide"),
        (filters.show.is_some(), matched.show, "show"),
        (filters.show_from.is_some(), matched.show_from, "show_from"),
        (filters.tagshow.is_some(), matched.tagshow, "tagshow"),
        (filters.taghide.is_some(), matched.taghide, "taghide"),
        (filters.tagfocus.is_some(), matched.tagfocus, "tagfocus"),
        (filters.tagignore.is_some(), matched.tagignore, "tagignore"),
    ] {
        if set && !hit {
            eprintln!("gopherlens: {file}: the {name} expression matched no samples");
        }
    }
    if let Some(rx) = rx {
        let p = s.peek(a.sample_index.as_deref(), &rx, 0, granularity).map_err(|e| format!("{file}: {e}"))?;
        if p.rows.is_empty() {
            // pprof's words, and its failure.
            return Err(format!("{file}: no matches found for regexp: {rx}"));
        }
        if a.json {
            return print_json(&p);
        }
        print_peek(&p);
        return Ok(());
    }
    let mut t = s
        .top_at(a.sample_index.as_deref(), a.nodecount, 0, granularity, a.nodefraction)
        .map_err(|e| format!("{file}: {e}"))?;
    if a.inline || !a.json {
        s.label_inline(&mut t, 0, granularity).map_err(|e| format!("{file}: {e}"))?;
    }
    if a.json {
        print_json(&t)
    } else {
        print_top(&t);
        Ok(())
    }
}

/// `gopherlens tags FILE...`: pprof's `-tags` of the samples the filters keep.
fn run_tags(a: &Args) -> Result<(), String> {
    if a.files.is_empty() {
        return Err("tags takes at least one FILE".into());
    }
    let filters = gopherlens::analysis::filter::Filters::parse(&a.filters).map_err(|e| e.to_string())?;
    let (s, file) = load_compared(a, &a.files)?;
    // pprof reads the numeric labels' units before it filters.
    let units = gopherlens::analysis::tags::NumUnits::of_profile(&s.profile);
    let (s, matched) = s.filtered(&filters);
    for name in matched.unmatched(&filters) {
        eprintln!("gopherlens: {file}: the {name} expression matched no samples");
    }
    let t = s.tags(a.sample_index.as_deref(), &a.unit, Some(&units)).map_err(|e| format!("{file}: {e}"))?;
    if a.json {
        return print_json(&t);
    }
    use std::io::Write;
    if std::io::stdout().write_all(gopherlens::analysis::labels::text(&t).as_bytes()).is_err() {
        std::process::exit(0);
    }
    Ok(())
}

fn print_peek(p: &gopherlens::report::Peek) {
    let f = |v: i64| gopherlens::units::format(v, &p.unit);
    let pct = |v: i64, of: i64| if of == 0 { 0.0 } else { 100.0 * v as f64 / of as f64 };
    out!("Type: {}", p.sample_type);
    out!("{:>12} {:>7} {:>7} {:>12} {:>7}   calls calls% + context", "flat", "flat%", "sum%", "cum", "cum%");
    let rule = "----------------------------------------------------------+-------------";
    let mut sum = 0i64;
    for r in &p.rows {
        out!("{rule}");
        let edge = |e: &gopherlens::analysis::peek::PeekEdge| {
            let inl = if e.inline { " (inline)" } else { "" };
            out!("{:>52} {:>6.2}% |   {}{inl}", f(e.weight), pct(e.weight, r.cum), e.name);
        };
        r.callers.iter().for_each(edge);
        sum += r.flat;
        out!(
            "{:>12} {:>6.2}% {:>6.2}% {:>12} {:>6.2}%                | {}",
            f(r.flat),
            pct(r.flat, p.total),
            pct(sum, p.total),
            f(r.cum),
            pct(r.cum, p.total),
            r.name
        );
        r.callees.iter().for_each(edge);
    }
    out!("{rule}");
}

fn run(a: Args) -> Result<(), String> {
    if a.cmd == "maps" {
        return run_maps(&a);
    }
    if a.cmd == "top" || a.cmd == "peek" {
        return run_top(&a);
    }
    if a.cmd == "tags" {
        return run_tags(&a);
    }
    let [file] = a.files.as_slice() else {
        return Err(format!("{} takes exactly one FILE", a.cmd));
    };
    match a.cmd.as_str() {
        "binary" => {
            let b = load_binary(file)?;
            if a.json {
                return print_json(&b);
            }
            let layout = match b.swiss {
                Some(true) => "Swiss tables",
                Some(false) => "classic hmap",
                None => "unknown",
            };
            out!("Go binary, {}, {} functions, map layout: {layout}", b.arch, b.functions);
            out!("GNU build ID: {}", b.gnu_build_id.as_deref().unwrap_or("none"));
            if !b.inlining {
                out!("(inline tree not found: calls in inlined code are named by their caller)");
            }
            for c in &b.calls {
                out!("{}:{}\t{}\t{}", c.file, c.line, c.function, c.callee);
            }
            Ok(())
        }
        "gc" => {
            let g = load_gc(file)?;
            if a.json {
                return print_json(&g);
            }
            print_gc(&g);
            Ok(())
        }
        "info" => {
            let s = load_profile(file, a.profile.as_deref())?;
            let info = s.info();
            if a.json {
                return print_json(&info);
            }
            out!("format: {}", info.format);
            if let Some(b) = &info.binary {
                out!(
                    "Go binary for {}, map layout {}, {} calls to runtime map functions on {} source lines; GNU build ID {}",
                    b.arch,
                    b.layout.as_deref().unwrap_or("unknown"),
                    b.map_calls,
                    b.map_lines,
                    b.gnu_build_id.as_deref().unwrap_or("none")
                );
                out!("(join it to a heap profile: gopherlens maps HEAP --binary {file})");
                return Ok(());
            }
            for st in &info.sample_types {
                let mark = if st.kind == info.default_sample_type { " (default)" } else { "" };
                out!("  {}/{}: total {}{}", st.kind, st.unit, gopherlens::units::format(st.total, &st.unit), mark);
            }
            if let Some(pt) = &info.period_type {
                out!("period: {} {}/{}", info.period, pt.kind, pt.unit);
            }
            out!("samples: {}  locations: {}  functions: {}", info.samples, info.locations, info.functions);
            Ok(())
        }
        other => Err(format!("unknown command {other:?}")),
    }
}

fn main() -> ExitCode {
    match parse_args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_empty() => {
            out!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gopherlens: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The call-tree transform a flag such as `--merge-function` names.
fn transform_kind(flag: &str) -> Option<gopherlens::analysis::transform::Kind> {
    flag.strip_prefix("--").and_then(gopherlens::analysis::transform::Kind::parse)
}
