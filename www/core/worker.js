// gopherlens worker: owns the WebAssembly core and every open profile.
// One module worker is shared by all sessions of a page (see client.js
// for the protocol). Requests are handled strictly in arrival order; each
// answer carries the request id.
//
//   in:  {id, op, sid?, args}
//   out: {id, ok: true, result} | {id, ok: false, error, fatal?}
//        {id, progress: [fraction, phase]}   (while "open" runs)
//
// Layout columns and other typed arrays are copied out of wasm memory and
// their buffers transferred, so nothing crosses by structured clone that
// could be large except top() rows and function names.

import { parseExact } from './json.js';

// A result of the core: a JS value built by serde-wasm-bindgen, or, when
// it holds an integer beyond 2^53, the JSON text, parsed keeping those
// exact (BigInt). README "Design notes", results across the boundary.
const exact = (r) => (typeof r === 'string' ? parseExact(r) : r);
import * as glue from '../pkg/gopherlens.js';
import { wasmSource } from './wasm-source.js';

let wasmCore = null; // the wasm-bindgen glue module, once initialised
let wasmMemory = null; // its WebAssembly.Memory (which never shrinks)
let ready = null;
let broken = null; // set after a trap: the wasm instance must not be used again
const sessions = new Map(); // sid -> WasmSession
const names = new Map(); // sid -> name given to open()
let nextSid = 1;

function load() {
  if (!ready) {
    ready = (async () => {
      const exports = await glue.default({ module_or_path: wasmSource() });
      wasmMemory = exports.memory;
      wasmCore = glue;
    })().catch((e) => {
      ready = null; // let a later request try again
      throw new Error(`could not load the gopherlens WebAssembly core: ${e && e.message ? e.message : e}`);
    });
  }
  return ready;
}

function session(sid) {
  const s = sessions.get(sid);
  if (!s) throw new Error(`no open profile with id ${sid} (it was closed)`);
  return s;
}

// Option<String> on the Rust side: '' and null both mean the default type.
function sampleIndexArg(v) {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

// A File or Blob is streamed into a buffer of its exact size in wasm
// memory: neither thread ever holds a second whole copy in JS.
async function loadBlob(blob, maxInflate, progress) {
  // maxInflate: bytes (0: the default bound); the core takes MiB.
  const loader = new wasmCore.WasmLoader(blob.size, maxInflate > 0 ? maxInflate / 1048576 : 0);
  let got = 0;
  try {
    // A gzip file ends with the size it decompresses to: read it first so
    // the core allocates the output once (it decompresses while reading).
    if (blob.size >= 18) loader.set_tail(new Uint8Array(await blob.slice(blob.size - 4).arrayBuffer()));
    const reader = blob.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += value.length;
      if (!loader.push(value)) {
        reader.cancel().catch(() => {});
        break; // over the bound or broken gzip data: finish() says so
      }
      if (blob.size > 0) progress(Math.min(got / blob.size, 1), loader.is_gzip() ? 'decompressing' : 'reading');
    }
  } catch (e) {
    loader.free();
    throw e;
  }
  return loader;
}

// The last layout's columns. Views over wasm memory: copy each right away
// (a later allocation may grow memory and detach them), then hand the
// copies over.
function layoutColumns(s) {
  const node = s.layout_node().slice();
  const x = s.layout_x().slice();
  const width = s.layout_width().slice();
  const depth = s.layout_depth().slice();
  const func = s.layout_func().slice();
  const line = s.layout_line().slice();
  const self_ = s.layout_self().slice();
  const total = s.layout_total().slice();
  const [focusFlat, focusCum] = s.layout_focus();
  // Diff layouts only (empty otherwise): the base's values per node.
  const baseSelf = s.layout_base_self();
  const baseTotal = s.layout_base_total();
  const result = {
    node, x, width, depth, func, line, self: self_, total,
    rootTotal: s.layout_root_total(),
    maxDepth: s.layout_max_depth(),
    focusFlat, focusCum,
  };
  const transfer = [node, x, width, depth, func, line, self_, total].map((a) => a.buffer);
  if (baseTotal.length) {
    Object.assign(result, { baseSelf, baseTotal });
    transfer.push(baseSelf.buffer, baseTotal.buffer);
  }
  return { result, transfer };
}

const ops = {
  // Loads the wasm core ahead of the first file (handle() awaits load()).
  ping() {
    return { result: true };
  },

  // Bytes of WebAssembly memory the core holds (it grows, never shrinks).
  memory() {
    return { result: wasmMemory ? wasmMemory.buffer.byteLength : 0 };
  },

  async open({ bytes, name, maxInflate = 0 }, id) {
    let lastF = -1;
    let lastPhase = '';
    let lastT = 0;
    const progress = (f, phase) => {
      // The core may report very often; forward at most ~1% steps, every
      // phase change and the end of each phase.
      const now = performance.now();
      if (phase !== lastPhase || f >= 1 || f - lastF >= 0.01 || now - lastT > 250) {
        lastF = f;
        lastPhase = phase;
        lastT = now;
        self.postMessage({ id, progress: [f, phase] });
      }
    };
    if (!(bytes instanceof Blob)) throw new Error(`${name}: open() takes a Blob`);
    const s = (await loadBlob(bytes, Number(maxInflate) || 0, progress)).finish(String(name), progress);
    const sid = nextSid++;
    sessions.set(sid, s);
    names.set(sid, String(name));
    return { result: sid };
  },

  info(_, __, sid) {
    return { result: exact(session(sid).info()) };
  },

  top({ sampleIndex, nodecount = 0, root = 0, filters = '', granularity = '', nodefraction = 0, view = null }, _, sid) {
    const s = session(sid);
    if (view && view.kind && view.kind !== 'flame' && view.kind !== 'icicle') {
      return { result: exact(s.top_view(String(view.kind), sampleIndexArg(sampleIndex), root >>> 0, filters || undefined,
        view.func === null || view.func === undefined ? undefined : String(view.func), granularity ? String(granularity) : undefined)) };
    }
    const json = s.top(sampleIndexArg(sampleIndex), nodecount >>> 0, root >>> 0, filters || undefined,
      granularity ? String(granularity) : undefined, Number(nodefraction) || 0);
    return { result: exact(json) };
  },

  filterMatches({ filters = '' }, _, sid) {
    return { result: exact(session(sid).filter_matches(filters || undefined)) };
  },

  functions(_, __, sid) {
    const s = session(sid);
    return { result: { names: s.func_names(), files: s.func_files() } };
  },

  flame({ sampleIndex, root = 0, minWidth = 0, filters = '' }, _, sid) {
    const s = session(sid);
    s.flame(sampleIndexArg(sampleIndex), root >>> 0, Number(minWidth) || 0, filters || undefined);
    return layoutColumns(s);
  },

  // Every view of the flame tab (README "Views"): the same columns.
  layout({ kind = 'flame', sampleIndex, root = 0, minWidth = 0, filters = '', leftHeavy = true, func = null, diff = false }, _, sid) {
    const s = session(sid);
    s.layout_view(String(kind), sampleIndexArg(sampleIndex), root >>> 0, Number(minWidth) || 0, filters || undefined,
      !!leftHeavy, func === null || func === undefined ? undefined : String(func), !!diff);
    return layoutColumns(s);
  },

  // pprof's -peek: callers and callees of the functions matching regex.
  peek({ sampleIndex, regex = '', root = 0, filters = '', granularity = '' }, _, sid) {
    const s = session(sid);
    return { result: exact(s.peek(sampleIndexArg(sampleIndex), String(regex), root >>> 0, filters || undefined,
      granularity ? String(granularity) : undefined)) };
  },

  // pprof's -tags: every label key with its values' weights.
  tags({ sampleIndex, filters = '', unit = '' }, _, sid) {
    const s = session(sid);
    return { result: exact(s.tags(sampleIndexArg(sampleIndex), filters || undefined, unit ? String(unit) : undefined)) };
  },

  // A diff_base comparison's table: base, current and change per row.
  diffTop({ sampleIndex, filters = '', granularity = '' }, _, sid) {
    const s = session(sid);
    return { result: exact(s.diff_top(sampleIndexArg(sampleIndex), filters || undefined,
      granularity ? String(granularity) : undefined)) };
  },

  // Several open sessions as one new one (README "Comparing profiles"):
  // sources merged, compared against bases (diff: -diff_base, else -base).
  compare({ sources = [], bases = [], diff = false, normalize = false, name = 'comparison' }) {
    const c = new wasmCore.WasmCompare();
    let s;
    try {
      for (const id of sources) c.add_source(session(id));
      for (const id of bases) c.add_base(session(id));
    } catch (e) {
      c.free();
      throw e;
    }
    s = c.finish(String(name), !!diff, !!normalize); // consumes c
    const sid = nextSid++;
    sessions.set(sid, s);
    names.set(sid, String(name));
    return { result: sid };
  },

  binary(_, __, sid) {
    return { result: exact(session(sid).binary()) };
  },

  gc(_, __, sid) {
    return { result: exact(session(sid).gc()) };
  },

  timeline(_, __, sid) {
    const s = session(sid);
    const out = {};
    // Views over wasm memory: copy each before the next call into wasm.
    for (const c of ['heap_t', 'heap_v', 'goal_t', 'goal_v', 'goroutines_t', 'goroutines_v', 'assist_t', 'assist_v',
      'cycle_start', 'cycle_end', 'stw_start', 'stw_dur']) {
      out[c.replace(/_(\w)/g, (_m, ch) => ch.toUpperCase())] = s.timeline_f64(c).slice();
    }
    out.cycleN = s.timeline_cycle_n().slice();
    out.stwGc = s.timeline_stw_gc().slice();
    const [durationNs, assistBucketNs] = s.timeline_scalars();
    const transfer = Object.values(out).map((a) => a.buffer);
    return { result: { ...out, durationNs, assistBucketNs }, transfer };
  },

  matchedTotal({ sampleIndex, root = 0, funcMask, filters = '' }, _, sid) {
    const mask = funcMask instanceof ArrayBuffer ? new Uint8Array(funcMask) : new Uint8Array(0);
    return { result: session(sid).matched_total(sampleIndexArg(sampleIndex), root >>> 0, mask, filters || undefined) };
  },

  // session.maps(): joins the other sessions' digests, then analyses.
  maps({ options, cpu = [], binary = [], base = null, snapshots = [] }, _, sid) {
    const s = session(sid);
    const inputs = new wasmCore.WasmMapsInputs();
    try {
      for (const id of snapshots) inputs.add_snapshot(session(id));
      if (base !== null && base !== undefined) inputs.set_base(session(base));
      for (const id of cpu) inputs.add_cpu(session(id));
      for (const id of binary) inputs.add_binary(session(id));
      return { result: exact(s.maps_joined(inputs, options || '{}')) };
    } finally {
      inputs.free();
    }
  },

  close(_, __, sid) {
    const s = sessions.get(sid);
    if (s) {
      sessions.delete(sid);
      names.delete(sid);
      s.free();
    }
    return { result: true };
  },
};

function errorMessage(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}

// Requests run one at a time, in arrival order, even when one awaits.
let queue = Promise.resolve();
self.onmessage = (ev) => {
  queue = queue.then(() => handle(ev));
};

async function handle(ev) {
  const { id, op, sid, args } = ev.data || {};
  try {
    if (broken) throw broken;
    const fn = ops[op];
    if (!fn) throw new Error(`unknown operation ${op}`);
    await load();
    if (broken) throw broken;
    const { result, transfer = [] } = await fn(args || {}, id, sid);
    self.postMessage({ id, ok: true, result }, transfer);
  } catch (e) {
    // A trap (panic, out of memory) leaves the wasm instance in an unknown
    // state: refuse further work; the page replaces the worker and reopens
    // every other open file in the new one (gopherlens.js).
    const fatal = e instanceof WebAssembly.RuntimeError || broken !== null;
    let message = errorMessage(e);
    if (e instanceof WebAssembly.RuntimeError) {
      const name = (args && args.name) || names.get(sid);
      message = `${name ? name + ': ' : ''}the decoder failed on this file (${message}: out of memory, or a bug); other open files are kept`;
      broken = new Error(message);
    }
    self.postMessage({ id, ok: false, error: message, fatal });
  }
}
