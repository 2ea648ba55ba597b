//! wasm-bindgen surface: a thin wrapper over [`Session`]. Summaries cross as
//! JSON text (the very bytes the CLI prints); layouts cross as
//! typed-array views over wasm memory, which JS must copy (`.slice()`)
//! before the next call into wasm (a memory growth detaches them).

use crate::analysis::filter::{FilterText, Filters, Matched};
use crate::layout::flame::FlameLayout;
use crate::Session;
use wasm_bindgen::prelude::*;

/// JSON text, exactly what the CLI prints (the fallback of [`to_js`]).
fn to_json<T: serde::Serialize>(v: &T) -> Result<String, JsError> {
    serde_json::to_string(v).map_err(|e| JsError::new(&e.to_string()))
}

/// Results other than layouts cross as JS values built by
/// serde-wasm-bindgen: 3–4× faster than JSON text parsed in JS on the
/// biggest results (bench/boundary.sh; README "Design notes"), and no copy
/// of the text in wasm memory. Its large-number option would make every
/// 64-bit integer a BigInt; the API's contract is Numbers, and BigInt only
/// beyond 2^53 (a profile's time_ns). So: Numbers, and when some integer
/// does not fit one (the serializer refuses it), the JSON text instead,
/// which the worker parses with www/core/json.js's parseExact (BigInt for
/// those integers alone). Either way JS sees the CLI's `--json` object.
fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    let s = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    match v.serialize(&s) {
        Ok(js) => Ok(js),
        Err(_) => to_json(v).map(JsValue::from),
    }
}

/// One decoded profile held in wasm memory.
#[wasm_bindgen]
pub struct WasmSession {
    name: String,
    inner: Session,
    layout: FlameLayout,
    /// The last filtered view asked for (queries with the same filters
    /// reuse it; other filters replace it).
    view: Option<(FilterText, Session, Matched)>,
}

#[wasm_bindgen]
impl WasmSession {
    fn err(&self, e: crate::Error) -> JsError {
        JsError::new(&format!("{}: {e}", self.name))
    }

    /// The session a query with `filters` (JSON of pprof's filter options,
    /// `{"focus": "main\\.", ...}`; absent or `{}` for none) goes to.
    fn session(&mut self, filters: Option<String>) -> Result<&mut Session, JsError> {
        let text: FilterText = match filters.as_deref().map(str::trim) {
            None | Some("") => FilterText::default(),
            Some(j) => serde_json::from_str(j)
                .map_err(|e| JsError::new(&format!("{}: bad filter options: {e}", self.name)))?,
        };
        if text == FilterText::default() {
            return Ok(&mut self.inner);
        }
        if !matches!(&self.view, Some((t, _, _)) if *t == text) {
            let f = Filters::parse(&text).map_err(|e| self.err(e))?;
            let (s, matched) = self.inner.with_filters(&f);
            self.view = Some((text, s, matched));
        }
        match &mut self.view {
            Some((_, s, _)) => Ok(s),
            None => Ok(&mut self.inner),
        }
    }

    /// Which of `filters` matched anything, as JSON (`{"focus": true, ...}`;
    /// pprof says "Focus expression matched no samples" for the others).
    pub fn filter_matches(&mut self, filters: Option<String>) -> Result<JsValue, JsError> {
        self.session(filters)?;
        let m = self.view.as_ref().map(|v| v.2).unwrap_or_default();
        to_js(&m)
    }

    /// `gopherlens info --json`, as JSON text.
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.info())
    }

    /// Same shape as `gopherlens top --json`; `root` restricts to a call-tree
    /// subtree (0: whole profile); `nodecount` 0 means all rows.
    /// `filters`: see [`WasmSession::session`] (`--focus` … of the CLI);
    /// `granularity`: pprof's (`functions` when absent; `--granularity`);
    /// `nodecount`, `nodefraction`: pprof's trimming (0: none).
    pub fn top(
        &mut self,
        sample_index: Option<String>,
        nodecount: u32,
        root: u32,
        filters: Option<String>,
        granularity: Option<String>,
        nodefraction: f64,
    ) -> Result<JsValue, JsError> {
        let g = crate::analysis::top::Granularity::parse(granularity.as_deref().unwrap_or(""))
            .map_err(|e| self.err(e))?;
        let nf = if nodefraction.is_finite() && nodefraction > 0.0 { nodefraction } else { 0.0 };
        let r = self.session(filters)?.top_at(sample_index.as_deref(), nodecount as usize, root, g, nf);
        to_js(&r.map_err(|e| self.err(e))?)
    }

    /// The top table in step with view `kind` ([`crate::layout::views::Kind`]
    /// names) zoomed at `root`, a node id of that view's tree (the
    /// sandwich's function: `function`): `Session::top_in_view`.
    pub fn top_view(
        &mut self,
        kind: &str,
        sample_index: Option<String>,
        root: u32,
        filters: Option<String>,
        function: Option<String>,
        granularity: Option<String>,
    ) -> Result<JsValue, JsError> {
        use crate::layout::views;
        let k = views::Kind::parse(kind).ok_or_else(|| JsError::new(&format!("{}: unknown view {kind:?}", self.name)))?;
        let g = crate::analysis::top::Granularity::parse(granularity.as_deref().unwrap_or(""))
            .map_err(|e| self.err(e))?;
        let o = views::Options { root, function: function.as_deref(), ..Default::default() };
        let r = self.session(filters)?.top_in_view(sample_index.as_deref(), k, &o, g);
        to_js(&r.map_err(|e| self.err(e))?)
    }

    /// Function names, indexed by function id.
    pub fn func_names(&self) -> Vec<String> {
        let p = &self.inner.profile;
        p.funcs.name.iter().map(|&s| p.strings.get(s).to_string()).collect()
    }

    /// Function source files, indexed by function id.
    pub fn func_files(&self) -> Vec<String> {
        let p = &self.inner.profile;
        p.funcs.file.iter().map(|&s| p.strings.get(s).to_string()).collect()
    }

    /// Lays out the flame graph; returns the number of nodes. Read the
    /// columns with the `layout_*` views right after.
    /// With `filters`, node ids are those of the filtered view's tree.
    pub fn flame(
        &mut self,
        sample_index: Option<String>,
        root: u32,
        min_width: f64,
        filters: Option<String>,
    ) -> Result<u32, JsError> {
        let r = self.session(filters)?.flame(sample_index.as_deref(), root, min_width);
        self.layout = r.map_err(|e| self.err(e))?;
        Ok(self.layout.len() as u32)
    }

    pub fn layout_node(&self) -> js_sys::Uint32Array {
        // SAFETY: a view over a live Vec; JS copies it before wasm runs again.
        unsafe { js_sys::Uint32Array::view(&self.layout.node) }
    }
    pub fn layout_x(&self) -> js_sys::Float64Array {
        unsafe { js_sys::Float64Array::view(&self.layout.x) }
    }
    pub fn layout_width(&self) -> js_sys::Float64Array {
        unsafe { js_sys::Float64Array::view(&self.layout.width) }
    }
    pub fn layout_depth(&self) -> js_sys::Uint32Array {
        unsafe { js_sys::Uint32Array::view(&self.layout.depth) }
    }
    pub fn layout_func(&self) -> js_sys::Uint32Array {
        unsafe { js_sys::Uint32Array::view(&self.layout.func) }
    }
    pub fn layout_line(&self) -> js_sys::Uint32Array {
        unsafe { js_sys::Uint32Array::view(&self.layout.line) }
    }
    pub fn layout_self(&self) -> js_sys::Float64Array {
        unsafe { js_sys::Float64Array::view(&self.layout.self_) }
    }
    pub fn layout_total(&self) -> js_sys::Float64Array {
        unsafe { js_sys::Float64Array::view(&self.layout.total) }
    }
    pub fn layout_root_total(&self) -> f64 {
        self.layout.root_total
    }
    pub fn layout_max_depth(&self) -> u32 {
        self.layout.max_depth
    }

    /// Value under `root` of samples with any function whose byte in
    /// `func_mask` (indexed by function id) is non-zero, each sample once.
    pub fn matched_total(
        &mut self,
        sample_index: Option<String>,
        root: u32,
        func_mask: &[u8],
        filters: Option<String>,
    ) -> Result<f64, JsError> {
        let r = self
            .session(filters)?
            .matched_total(sample_index.as_deref(), root, |f| func_mask.get(f.idx()).is_some_and(|&b| b != 0));
        Ok(r.map_err(|e| self.err(e))? as f64)
    }
}

#[wasm_bindgen]
impl WasmSession {
    /// `gopherlens gc FILE --json`, as JSON text (an execution trace or a
    /// gctrace log; other profiles fail).
    pub fn gc(&self) -> Result<JsValue, JsError> {
        let g = self.inner.gc().map_err(|e| self.err(e))?;
        to_js(g)
    }

    /// `gopherlens binary FILE --json`, as JSON text: the calls of a Go
    /// executable to runtime map functions (other files fail).
    pub fn binary(&self) -> Result<JsValue, JsError> {
        match &self.inner.binary {
            Some(b) => to_js(b),
            None => Err(self.err(crate::formats::gobinary::not_a_binary(self.inner.profile.format))),
        }
    }

    /// One float column of the GC timeline, as a view over wasm memory
    /// (copy it before calling into wasm again): heap_t, heap_v, goal_t,
    /// goal_v, goroutines_t, goroutines_v, assist_t, assist_v, cycle_start,
    /// cycle_end, stw_start, stw_dur.
    pub fn timeline_f64(&self, column: &str) -> Result<js_sys::Float64Array, JsError> {
        let t = self.inner.timeline().map_err(|e| self.err(e))?;
        let v: &[f64] = match column {
            "heap_t" => &t.heap_t,
            "heap_v" => &t.heap_v,
            "goal_t" => &t.goal_t,
            "goal_v" => &t.goal_v,
            "goroutines_t" => &t.goroutines_t,
            "goroutines_v" => &t.goroutines_v,
            "assist_t" => &t.assist_t,
            "assist_v" => &t.assist_v,
            "cycle_start" => &t.cycle_start,
            "cycle_end" => &t.cycle_end,
            "stw_start" => &t.stw_start,
            "stw_dur" => &t.stw_dur,
            other => return Err(JsError::new(&format!("no timeline column {other:?}"))),
        };
        // SAFETY: a view over a live Vec; JS copies it before wasm runs again.
        Ok(unsafe { js_sys::Float64Array::view(v) })
    }

    /// The GC cycle numbers (`n`) of the timeline's cycle bands.
    pub fn timeline_cycle_n(&self) -> Result<js_sys::Uint32Array, JsError> {
        let t = self.inner.timeline().map_err(|e| self.err(e))?;
        Ok(unsafe { js_sys::Uint32Array::view(&t.cycle_n) })
    }

    /// 1 for each stop-the-world phase that belongs to a GC cycle.
    pub fn timeline_stw_gc(&self) -> Result<js_sys::Uint8Array, JsError> {
        let t = self.inner.timeline().map_err(|e| self.err(e))?;
        Ok(unsafe { js_sys::Uint8Array::view(&t.stw_gc) })
    }

    /// [duration_ns, assist_bucket_ns] of the timeline.
    pub fn timeline_scalars(&self) -> Result<Vec<f64>, JsError> {
        let t = self.inner.timeline().map_err(|e| self.err(e))?;
        Ok(vec![t.duration_ns as f64, t.assist_bucket_ns])
    }
}

/// What `WasmSession::maps_joined` joins to a heap profile: CPU profiles,
/// a base heap profile and earlier heap snapshots, each taken from another
/// loaded session (their digests are copied in; the sessions stay usable).
#[wasm_bindgen]
pub struct WasmMapsInputs {
    inner: crate::analysis::maps::MapsInputs,
}

impl Default for WasmMapsInputs {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl WasmMapsInputs {
    /// No joined inputs.
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmMapsInputs {
        WasmMapsInputs { inner: crate::analysis::maps::MapsInputs::new() }
    }

    /// Joins the stacks of a CPU profile (or any profile whose stacks keep
    /// runtime frames): lines with map code above them get exact evidence.
    pub fn add_cpu(&mut self, s: &WasmSession) {
        self.inner.add_cpu(&s.inner.profile);
    }

    /// Joins a Go executable (`gopherlens maps --binary`): every line that
    /// calls a runtime map function gets exact evidence.
    pub fn add_binary(&mut self, s: &WasmSession) -> Result<(), JsError> {
        match &s.inner.binary {
            Some(b) => {
                self.inner.add_binary(b);
                Ok(())
            }
            None => Err(s.err(crate::formats::gobinary::not_a_binary(s.inner.profile.format))),
        }
    }

    /// Sets the base heap profile (`gopherlens maps --base`).
    pub fn set_base(&mut self, s: &WasmSession) -> Result<(), JsError> {
        self.inner.set_base(&s.inner.profile).map_err(|e| s.err(e))
    }

    /// Adds an earlier heap snapshot of the same program; call oldest first.
    pub fn add_snapshot(&mut self, s: &WasmSession) -> Result<(), JsError> {
        self.inner.add_snapshot(&s.inner.profile).map_err(|e| s.err(e))
    }
}

#[wasm_bindgen]
impl WasmSession {
    /// `gopherlens maps FILE --json`, as JSON text. `options` is JSON text
    /// `{"limit": 0, "paths": 5}` (fields optional; None: defaults).
    pub fn maps(&self, options: Option<String>) -> Result<JsValue, JsError> {
        self.maps_joined(&WasmMapsInputs::new(), options)
    }

    /// Like `maps`, with CPU profiles, a base and snapshots joined
    /// (`gopherlens maps SNAPSHOT... FILE --cpu CPU --base BASE --json`).
    pub fn maps_joined(&self, inputs: &WasmMapsInputs, options: Option<String>) -> Result<JsValue, JsError> {
        let opts: crate::analysis::maps::MapsOptions = match options.as_deref().map(str::trim) {
            None | Some("") => Default::default(),
            Some(text) => serde_json::from_str(text).map_err(|e| JsError::new(&format!("maps options: {e}")))?,
        };
        let m = self.inner.maps(&inputs.inner, &opts).map_err(|e| self.err(e))?;
        to_js(&m)
    }
}

/// Collects a file pushed in chunks (the worker streams every File or Blob
/// into it), so the file's bytes exist once, here, and not also as a JS
/// ArrayBuffer: [`crate::formats::loader::Loader`], which sniffs before it
/// allocates and bounds everything by the file's size.
#[wasm_bindgen]
pub struct WasmLoader {
    inner: crate::formats::loader::Loader,
}

#[wasm_bindgen]
impl WasmLoader {
    /// `expected` is the file size; `max_inflate_mib` the gzip inflate bound
    /// in MiB (0: the default, see `formats::Limits`).
    #[wasm_bindgen(constructor)]
    pub fn new(expected: f64, max_inflate_mib: f64) -> WasmLoader {
        let expected = if expected.is_finite() && expected > 0.0 { expected.min(usize::MAX as f64) as usize } else { 0 };
        let max_inflate = (max_inflate_mib.is_finite() && max_inflate_mib > 0.0)
            .then(|| (max_inflate_mib.min(4096.0) * (1u64 << 20) as f64) as usize);
        let limits = crate::formats::Limits { max_inflate };
        WasmLoader { inner: crate::formats::loader::Loader::new(expected, limits) }
    }

    /// The last 4 bytes of the file, read ahead: for gzip data, the size it
    /// claims to decompress to (ISIZE), believed up to a small multiple.
    pub fn set_tail(&mut self, tail: &[u8]) {
        if let Ok(t) = <[u8; 4]>::try_from(tail) {
            self.inner.set_tail(t);
        }
    }

    /// Whether the data is gzip, decompressed while it arrives.
    pub fn is_gzip(&self) -> bool {
        self.inner.is_gzip()
    }

    /// Appends bytes; returns false once loading cannot go on (not a format
    /// gopherlens reads, over a bound, broken gzip data): finish() says why.
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        self.inner.push(chunk)
    }

    /// Decodes what was pushed, exactly as [`WasmSession::new`] would.
    pub fn finish(self, name: &str, progress: Option<js_sys::Function>) -> Result<WasmSession, JsError> {
        let mut report = |f: f64, phase: &str| {
            if let Some(cb) = &progress {
                let _ = cb.call2(&JsValue::NULL, &JsValue::from_f64(f), &JsValue::from_str(phase));
            }
        };
        let opened = self.inner.finish(&mut report).map_err(|e| JsError::new(&format!("{name}: {e}")))?;
        let inner = Session::from_opened(opened, &mut report);
        Ok(WasmSession { name: name.to_string(), inner, layout: FlameLayout::default(), view: None })
    }
}

/// Live and peak heap bytes, for measuring where the memory goes (build with
/// `--features memstats`; bench/ uses it). Counts what the allocator hands
/// out, so the difference to `memory.buffer.byteLength` is fragmentation.
/// Several loaded profiles as one (pprof's merge), compared with a base
/// when one is given: add the sources and bases, then `finish`. The
/// sessions added stay as they are (their profiles are copied in).
#[wasm_bindgen]
#[derive(Default)]
pub struct WasmCompare {
    sources: Option<crate::model::Profile>,
    bases: Option<crate::model::Profile>,
    error: Option<String>,
}

#[wasm_bindgen]
impl WasmCompare {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmCompare {
        WasmCompare::default()
    }

    fn add(acc: &mut Option<crate::model::Profile>, error: &mut Option<String>, s: &WasmSession) {
        if error.is_some() {
            return;
        }
        match crate::analysis::merge::add(acc.take(), &s.inner.profile) {
            Ok(p) => *acc = Some(p),
            Err(e) => *error = Some(format!("{}: {e}", s.name)),
        }
    }

    /// Adds a profile to merge.
    pub fn add_source(&mut self, s: &WasmSession) {
        Self::add(&mut self.sources, &mut self.error, s);
    }

    /// Adds a profile to the base (several: merged).
    pub fn add_base(&mut self, s: &WasmSession) {
        Self::add(&mut self.bases, &mut self.error, s);
    }

    /// The merged (and compared) session, named `name`: with a base,
    /// `diff` is `-diff_base` (else `-base`), `normalize` pprof's.
    pub fn finish(self, name: &str, diff: bool, normalize: bool) -> Result<WasmSession, JsError> {
        if let Some(e) = self.error {
            return Err(JsError::new(&e));
        }
        let p = self.sources.ok_or_else(|| JsError::new(&format!("{name}: no profiles to merge")))?;
        let how = crate::analysis::merge::Compare { diff, normalize };
        let p = match self.bases {
            Some(b) => crate::analysis::merge::compare_combined(p, b, how),
            None => Ok(p),
        };
        let p = p.map_err(|e| JsError::new(&format!("{name}: {e}")))?;
        Ok(WasmSession { name: name.to_string(), inner: Session::from_profile(p), layout: FlameLayout::default(), view: None })
    }
}

// pprof's peek and the comparison table: kept apart from the rest.
#[wasm_bindgen]
impl WasmSession {
    /// `gopherlens peek --json`: pprof's `-peek REGEX` (`regex` as Go's
    /// regexp syntax) at `granularity`, under `root`, with `filters`.
    pub fn peek(
        &mut self,
        sample_index: Option<String>,
        regex: &str,
        root: u32,
        filters: Option<String>,
        granularity: Option<String>,
    ) -> Result<JsValue, JsError> {
        let g = crate::analysis::top::Granularity::parse(granularity.as_deref().unwrap_or(""))
            .map_err(|e| self.err(e))?;
        let rx = regex_lite::Regex::new(regex)
            .map_err(|e| self.err(crate::Error::BadRegex { option: "peek", detail: e.to_string() }))?;
        let r = self.session(filters)?.peek(sample_index.as_deref(), &rx, root, g);
        to_js(&r.map_err(|e| self.err(e))?)
    }

    /// `gopherlens tags --json`: pprof's `-tags` of the samples `filters`
    /// keep, numeric values printed in `unit` (pprof's `-unit`; absent:
    /// `minimum`), numeric labels in the units of the unfiltered profile
    /// (as pprof reads them before filtering).
    pub fn tags(
        &mut self,
        sample_index: Option<String>,
        filters: Option<String>,
        unit: Option<String>,
    ) -> Result<JsValue, JsError> {
        let units = crate::analysis::tags::NumUnits::of_profile(&self.inner.profile);
        let r = self.session(filters)?.tags(sample_index.as_deref(), unit.as_deref().unwrap_or(""), Some(&units));
        to_js(&r.map_err(|e| self.err(e))?)
    }

    /// `session.diffTop()`: the comparison table of a `-diff_base` session
    /// (base, change, current, relative change per row).
    pub fn diff_top(
        &mut self,
        sample_index: Option<String>,
        filters: Option<String>,
        granularity: Option<String>,
    ) -> Result<JsValue, JsError> {
        let g = crate::analysis::top::Granularity::parse(granularity.as_deref().unwrap_or(""))
            .map_err(|e| self.err(e))?;
        let r = self.session(filters)?.diff_top(sample_index.as_deref(), g);
        to_js(&r.map_err(|e| self.err(e))?)
    }
}

#[cfg(feature = "memstats")]
pub(crate) mod memstats {
    use crate::memcount;
    use wasm_bindgen::prelude::*;

    #[global_allocator]
    static A: memcount::Counting = memcount::Counting;

    #[wasm_bindgen]
    pub fn mem_live() -> f64 {
        memcount::live() as f64
    }
    #[wasm_bindgen]
    pub fn mem_peak() -> f64 {
        memcount::peak() as f64
    }
    /// Allocates and frees `n` bytes `times` times (allocator probe).
    #[wasm_bindgen]
    pub fn mem_probe(n: usize, times: u32) {
        for _ in 0..times {
            let v: Vec<u8> = Vec::with_capacity(n);
            std::hint::black_box(&v);
        }
    }
    static MARKS: std::sync::Mutex<Vec<(&'static str, usize, usize, usize)>> = std::sync::Mutex::new(Vec::new());
    /// Records (label, live, peak, heap) now.
    pub fn mark(label: &'static str) {
        let heap = core::arch::wasm32::memory_size(0) * 65536;
        if let Ok(mut m) = MARKS.lock() {
            m.push((label, memcount::live(), memcount::peak(), heap));
        }
    }
    /// The recorded marks, one per line, in MiB.
    #[wasm_bindgen]
    pub fn mem_marks() -> String {
        let m = MARKS.lock().map(|m| m.clone()).unwrap_or_default();
        let f = |b: usize| b as f64 / 1048576.0;
        m.iter()
            .map(|(l, a, p, h)| format!("{l:<28} live {:7.1} peak {:7.1} heap {:7.1}\n", f(*a), f(*p), f(*h)))
            .collect()
    }
    #[wasm_bindgen]
    pub fn mem_reset_peak() {
        memcount::reset_peak();
    }
}

// The flame tab's views, kept apart from the rest of the bindings.
#[wasm_bindgen]
impl WasmSession {
    /// Lays out view `kind` (`flame`/`icicle`, `inverted`,
    /// `sandwich-callers`, `sandwich-callees`); returns the number of
    /// nodes, read with the `layout_*` views right after (as
    /// [`WasmSession::flame`]). `left_heavy` orders siblings by total
    /// (else by name); `function` names the sandwich's function; `root`
    /// is a node id of that view's tree (0: the top); `filters` as
    /// everywhere.
    #[allow(clippy::too_many_arguments)]
    pub fn layout_view(
        &mut self,
        kind: &str,
        sample_index: Option<String>,
        root: u32,
        min_width: f64,
        filters: Option<String>,
        left_heavy: bool,
        function: Option<String>,
        diff: bool,
    ) -> Result<u32, JsError> {
        use crate::layout::{flame::Order, views};
        let k = views::Kind::parse(kind).ok_or_else(|| JsError::new(&format!("{}: unknown view {kind:?}", self.name)))?;
        let o = views::Options {
            root,
            min_width,
            order: if left_heavy { Order::Total } else { Order::Name },
            function: function.as_deref(),
            diff,
        };
        let r = self.session(filters)?.layout(sample_index.as_deref(), k, &o);
        self.layout = r.map_err(|e| self.err(e))?;
        Ok(self.layout.len() as u32)
    }

    /// The base's self and total per node of the last layout (a diff
    /// layout; empty otherwise).
    pub fn layout_base_self(&self) -> js_sys::Float64Array {
        js_sys::Float64Array::from(&self.layout.base_self[..])
    }
    pub fn layout_base_total(&self) -> js_sys::Float64Array {
        js_sys::Float64Array::from(&self.layout.base_total[..])
    }

    /// The sandwich function's [flat, cum] of the last layout (0 for others).
    pub fn layout_focus(&self) -> Vec<f64> {
        vec![self.layout.focus_flat, self.layout.focus_cum]
    }
}

/// bench/boundary.sh only (feature `boundary-bench`): the biggest results
/// computed once, then handed to JS either as the JSON text the product
/// uses or as JS values built by serde-wasm-bindgen (integers beyond 2^53
/// as BigInt), so the two ways across the boundary are timed alone.
#[cfg(feature = "boundary-bench")]
mod boundary_bench {
    use super::*;
    use serde::Serialize;

    #[wasm_bindgen]
    #[derive(Default)]
    pub struct BoundaryBench {
        top: Option<crate::report::Top>,
        maps: Option<crate::report::Maps>,
    }

    // `big`: every 64-bit integer as a BigInt (the large-number option);
    // else Numbers, an error beyond 2^53 (the default).
    fn value<T: Serialize>(v: &T, big: bool) -> Result<JsValue, JsError> {
        let s = serde_wasm_bindgen::Serializer::new()
            .serialize_large_number_types_as_bigints(big)
            .serialize_maps_as_objects(true)
            .serialize_missing_as_null(true);
        v.serialize(&s).map_err(|e| JsError::new(&e.to_string()))
    }

    #[wasm_bindgen]
    impl BoundaryBench {
        #[wasm_bindgen(constructor)]
        pub fn new() -> BoundaryBench {
            BoundaryBench::default()
        }
        /// Computes the full top table (every row) of `s`.
        pub fn load_top(&mut self, s: &mut WasmSession, sample_index: Option<String>) -> Result<u32, JsError> {
            let t = s.inner.top(sample_index.as_deref(), 0, 0).map_err(|e| s.err(e))?;
            let n = t.rows.len() as u32;
            self.top = Some(t);
            Ok(n)
        }
        /// Computes `s`'s maps result, the first `limit` sites.
        pub fn load_maps(&mut self, s: &WasmSession, limit: usize) -> Result<u32, JsError> {
            let opts = crate::analysis::maps::MapsOptions { limit, ..Default::default() };
            let m = s.inner.maps(&crate::analysis::maps::MapsInputs::new(), &opts).map_err(|e| s.err(e))?;
            let n = m.sites.len() as u32;
            self.maps = Some(m);
            Ok(n)
        }
        pub fn top_json(&self) -> Result<String, JsError> {
            to_json(self.top.as_ref().ok_or_else(|| JsError::new("no top"))?)
        }
        pub fn top_value(&self, big: bool) -> Result<JsValue, JsError> {
            value(self.top.as_ref().ok_or_else(|| JsError::new("no top"))?, big)
        }
        pub fn maps_json(&self) -> Result<String, JsError> {
            to_json(self.maps.as_ref().ok_or_else(|| JsError::new("no maps"))?)
        }
        pub fn maps_value(&self, big: bool) -> Result<JsValue, JsError> {
            value(self.maps.as_ref().ok_or_else(|| JsError::new("no maps"))?, big)
        }
    }
}
