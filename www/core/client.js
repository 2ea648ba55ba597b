// gopherlens public JavaScript API (ES module, no dependencies).
//
//   import { open } from './gopherlens.js';   (re-exported from this module)
//   const s = await open(fileOrBytes, { name: 'heap.pb.gz', onProgress: (f, phase) => {} });
//   const info = await s.info();          // same object as `gopherlens info --json`
//   const top = await s.top({ nodecount: 20 });   // same as `gopherlens top --json`
//   const fl = await s.flame({ root: 0, minWidth: 0.001 });
//   const m = await heap.maps({ cpu: [cpuSession], limit: 300 });
//                                         // same as `gopherlens maps HEAP --cpu CPU --limit 300 --json`
//   const gc = await s.gc();              // same as `gopherlens gc --json` (trace or gctrace log)
//   const b = await s.binary();           // same as `gopherlens binary --json` (a Go executable)
//   const tl = await s.timeline();        // GC timeline columns (typed arrays)
//   const pk = await s.peek({ regex: 'main\\.f' });   // same as `gopherlens peek FILE REGEX --json`
//   const tg = await s.tags({ filters: { tagfocus: 'phase=compute' } });   // same as `gopherlens tags FILE --tagfocus phase=compute --json`
//   const d = await compare([heap], [snap1], { diff: true });
//                                         // a new Session: `gopherlens top heap --diff-base snap1`
//   const dt = await d.diffTop();         // base, current and change per function
//   s.close();
//
// maps(options) analyses a heap profile's map retention (README "Map
// retention" documents every field of the result). Options, all optional:
//   limit      keep at most this many sites (0, the default: all)
//   paths      call paths listed per map site (default 5)
//   allPaths   list call paths for every site, not only map sites
//   mapsFirst  order the map sites before all others (then `limit` keeps
//              them first); default false, the CLI's --maps-first
//   cpu        [Session...] CPU profiles (or traces) of the same program
//              to join: lines they show running map code get exact evidence
//   binary     [Session...] the Go executable that wrote the profile (an
//              opened ELF file, --binary): every line whose code calls a
//              runtime map function gets exact evidence
//   base       Session: a base heap profile to subtract (--base)
//   snapshots  [Session...] earlier heap profiles of the same process,
//              oldest first: each site gets a trend
// The result is the very object `gopherlens maps SNAPSHOT... HEAP --cpu CPU
// --base BASE --json` prints (parsed with parseExact). A big profile has
// tens of thousands of sites: pass a limit unless you need them all.
//
// All decoding and analysis runs in one shared module Web Worker
// (worker.js, found next to this file), holding every open profile; it
// streams each file from a Blob (a File is one; bytes given as an
// ArrayBuffer or typed array are copied into one, and a whole ArrayBuffer
// passed in is detached afterwards unless { transfer: false }). The Blob is
// kept so that a file that crashes the core costs no other: see "One file
// never costs another" below. Nothing is sent anywhere but to that worker.
//
// Errors reject with an Error whose message is the core's: "NAME: what is
// wrong".

export { parseExact } from './json.js';
import { workerSource } from '../assets.js';

// One file never costs another: when the worker's WebAssembly core traps
// (a decoder bug, out of memory), only the request that trapped fails. The
// worker is replaced, every open session is reopened in the new one from
// the Blob it was opened from (kept here; a File is a handle on disk, an
// ArrayBuffer was copied into a Blob), and every other request in flight is
// sent again. Sessions keep working under the same object; nothing the
// caller holds changes.

let worker = null;
let generation = 0; // bumped whenever the worker is replaced
let nextId = 1;
// id -> {resolve, reject, onProgress, op, session, args, transfer}
const pending = new Map();
const live = new Set(); // open Session objects, to reopen after a trap
let recovering = null; // a Promise while sessions are being reopened

function startWorker() {
  const src = workerSource();
  const w = new Worker(src.url, { type: src.type, name: 'gopherlens' });
  const gen = ++generation;
  w.onmessage = (ev) => {
    if (gen !== generation) return; // a replaced worker's last words
    const msg = ev.data;
    const p = pending.get(msg.id);
    if (!p) return;
    if (msg.progress) {
      if (p.onProgress) {
        try {
          p.onProgress(msg.progress[0], msg.progress[1]);
        } catch (e) {
          setTimeout(() => { throw e; });
        }
      }
      return;
    }
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(msg.error));
    if (msg.fatal) replaceWorker(gen);
  };
  w.onerror = (ev) => {
    ev.preventDefault();
    if (gen !== generation) return;
    // The worker died without saying which request killed it: the oldest
    // in flight was running (requests run in order).
    const first = Math.min(...pending.keys());
    const p = pending.get(first);
    if (p) {
      pending.delete(first);
      const what = p.args && p.args.name ? `${p.args.name}: ` : p.session ? `${p.session.name}: ` : '';
      p.reject(new Error(`${what}gopherlens worker failed: ${ev.message || 'could not start (is worker.js served?)'}`));
    }
    replaceWorker(gen);
  };
  w.onmessageerror = () => {
    if (gen === generation) replaceWorker(gen);
  };
  return w;
}

// Drops a broken worker, reopens every live session in a new one, then
// sends again whatever else was in flight.
function replaceWorker(gen) {
  if (gen !== generation || !worker) return;
  worker.terminate();
  worker = null;
  const again = [...pending.entries()];
  pending.clear();
  const sessions = [...live];
  recovering = (async () => {
    ensureWorker();
    for (const s of sessions) {
      if (s.closed) continue;
      try {
        await s._reopen();
      } catch (e) {
        s._lose(e);
      }
    }
  })();
  recovering.then(() => {
    recovering = null;
    for (const [, p] of again) {
      if (p.session && p.session.lost) {
        p.reject(new Error(`${p.session.name}: the profile could not be reopened after an internal error; open it again`));
        continue;
      }
      post(p);
    }
  });
}

function ensureWorker() {
  if (!worker) worker = startWorker();
  return generation;
}

function post(p) {
  ensureWorker();
  const id = nextId++;
  pending.set(id, p);
  const sid = p.session ? p.session._sid : undefined;
  const args = typeof p.args === 'function' ? p.args() : p.args;
  worker.postMessage({ id, op: p.op, sid, args }, p.transfer || []);
}

// Sends one request; waits first if sessions are being reopened.
async function call(op, session, args, transfer = [], onProgress = null) {
  while (recovering) await recovering;
  return new Promise((resolve, reject) => {
    post({ resolve, reject, onProgress, op, session, args, transfer });
  });
}

// What open() keeps and sends: always a Blob, so that the worker streams
// it (one path) and a replacement worker can read it again.
function toBlob(bytes, transfer) {
  if (typeof Blob !== 'undefined' && bytes instanceof Blob) return { blob: bytes, detach: [] };
  let u8;
  if (bytes instanceof ArrayBuffer) u8 = new Uint8Array(bytes);
  else if (ArrayBuffer.isView(bytes)) u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  else throw new TypeError('gopherlens.open: bytes must be an ArrayBuffer, a typed array or a Blob');
  const blob = new Blob([u8]);
  // The bytes now live in the Blob; a transferred buffer is detached as the
  // caller was promised (whole buffers only, as before).
  const whole = u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength;
  const detach = transfer && whole && u8.buffer instanceof ArrayBuffer ? [u8.buffer] : [];
  return { blob, detach };
}

/**
 * Starts the worker and compiles the WebAssembly core ahead of the first
 * file, so opening one does not pay for it. Optional; resolves when ready.
 */
export function preload() {
  return call('ping', null, {});
}

/**
 * Bytes of WebAssembly memory the core holds now (wasm memory grows and
 * never shrinks, so this is the most it has needed since the worker
 * started; it starts afresh if the worker was replaced). For monitoring.
 */
export function coreMemory() {
  return call('memory', null, {});
}

/**
 * Opens a profile. Resolves to a Session; rejects with "NAME: what is wrong".
 * maxInflate: the most bytes gzip data may inflate to (default: 64 times
 * its size, at least 64 MiB; at most 1 GiB), for a genuine file that
 * inflates further (README "Memory bounds").
 * @param {ArrayBuffer|ArrayBufferView|Blob} bytes
 * @param {{name?: string, onProgress?: (fraction: number, phase: string) => void, transfer?: boolean, maxInflate?: number}} [options]
 */
export async function open(bytes, { name, onProgress, transfer = true, maxInflate = 0 } = {}) {
  if (name === undefined || name === null || name === '') {
    name = typeof File !== 'undefined' && bytes instanceof File ? bytes.name : 'profile';
  }
  const { blob, detach } = toBlob(bytes, transfer);
  const args = { bytes: blob, name: String(name), maxInflate: Number(maxInflate) || 0 };
  const sid = await call('open', null, args, detach, onProgress || null);
  const s = new Session(sid, String(name), args);
  live.add(s);
  return s;
}

/**
 * Several open profiles as one new Session (README "Comparing profiles"):
 * `sources` merged (pprof's merge of several files: one type, common
 * sample types), then, with `bases` (merged too), compared with them:
 * `diff: true` is pprof's `-diff_base` (the base's samples kept, negated
 * and labelled `pprof::base=true`: draw it with layout({diff: true}),
 * tabulate it with diffTop()), else `-base` (subtracted); `normalize`
 * scales the sources to the base's totals first (pprof's -normalize). The inputs stay open and
 * unchanged; the result is a session like any other (close it when done).
 * @param {Session[]} sources
 * @param {Session[]} [bases]
 * @param {{diff?: boolean, normalize?: boolean, name?: string}} [options]
 */
export async function compare(sources, bases = [], { diff = false, normalize = false, name } = {}) {
  const list = (xs, what) => {
    const a = Array.from(xs || []);
    for (const x of a) if (!(x instanceof Session)) throw new TypeError(`gopherlens.compare: ${what} must be Sessions`);
    return a;
  };
  const src = list(sources, 'sources');
  const base = list(bases, 'bases');
  if (!src.length) throw new TypeError('gopherlens.compare: no sources');
  if (name === undefined || name === null || name === '') {
    name = src.map((x) => x.name).join(' + ') + (base.length ? ` vs ${base.map((x) => x.name).join(' + ')}` : '');
  }
  for (const x of [...src, ...base]) x._usable();
  const recipe = { compare: { sources: src, bases: base, diff: !!diff, normalize: !!normalize, name: String(name) } };
  const sid = await call('compare', null, compareArgs(recipe.compare));
  const s = new Session(sid, String(name), recipe);
  live.add(s);
  return s;
}

// A compare request's arguments, read when it is sent: the inputs' ids
// are those of the worker at hand (they change when it is replaced).
function compareArgs(c) {
  return () => ({
    sources: c.sources.map((x) => x._sid), bases: c.bases.map((x) => x._sid),
    diff: c.diff, normalize: c.normalize, name: c.name,
  });
}

/**
 * pprof's sample filters as the core takes them: JSON of {focus, ignore,
 * hide, show, show_from, prune_from, tagfocus, tagignore, tagshow, taghide}
 * (pprof's meanings, README "Filters") and transforms [{kind, func}, ...]
 * (README "Transforms"), '' for none. Unknown keys are
 * refused by the core.
 */
function filterText(filters) {
  if (filters === undefined || filters === null) return '';
  const out = {};
  for (const [k, v] of Object.entries(filters)) {
    if (Array.isArray(v)) {
      if (v.length) out[k] = v; // transforms: [{kind, func}, ...] (README "Transforms")
    } else if (v !== undefined && v !== null && v !== '') out[k] = String(v);
  }
  return Object.keys(out).length ? JSON.stringify(out) : '';
}

/** One open profile, living in the worker. */
export class Session {
  #sid;
  #source; // open()'s arguments: the Blob, name and limits, to reopen
  #closed = false;
  #lost = null; // the error, if reopening after a trap failed
  #functions = null;

  constructor(sid, name, source) {
    this.#sid = sid;
    this.#source = source;
    /** The name given to open() (used in error messages). */
    this.name = name;
  }

  /** @internal the worker-side id, current after any reopening. */
  get _sid() {
    return this.#sid;
  }

  /** @internal reopens this profile in a replacement worker: a file
   * from its Blob, a comparison from its inputs (reopened before it, as
   * they were opened before it). */
  async _reopen() {
    const c = this.#source.compare;
    if (c && [...c.sources, ...c.bases].some((x) => x.lost || x.closed)) {
      throw new Error(`${this.name}: a profile it compares was closed or lost`);
    }
    const [op, args] = c ? ['compare', compareArgs(c)] : ['open', this.#source];
    this.#sid = await new Promise((resolve, reject) => {
      post({ resolve, reject, onProgress: null, op, session: null, args, transfer: [] });
    });
  }

  /** @internal throws if this session cannot be used as an input. */
  _usable() {
    if (this.#closed) throw new Error(`${this.name}: the profile was closed`);
    if (this.#lost) throw new Error(`${this.name}: the profile could not be reopened after an internal error; open it again`);
  }

  /** @internal reopening failed: the profile is gone. */
  _lose(e) {
    this.#lost = e;
    live.delete(this);
  }

  #call(op, args, transfer) {
    if (this.#closed) return Promise.reject(new Error(`${this.name}: the profile was closed`));
    if (this.#lost) {
      return Promise.reject(new Error(`${this.name}: the profile could not be reopened after an internal error; open it again`));
    }
    return call(op, this, args, transfer);
  }

  /** Same object as `gopherlens info --json`. */
  info() {
    return this.#call('info', {});
  }

  /**
   * Same shape as `gopherlens top --json`: {sample_type, unit, total, rows: [{name, flat, cum}]}.
   * root restricts to the call-tree subtree under that node (0: everything);
   * nodecount 0 means all rows, nodefraction drops rows whose |cum| is under
   * that fraction of the total flat (pprof's trimming); filters as pprof's (README "Filters");
   * granularity 'functions' (default), 'filefunctions', 'files' or 'lines'.
   * view {kind, func}: the table in step with that view of layout() ('inverted',
   * 'sandwich-callers', 'sandwich-callees' with the sandwich's func), root
   * then a node id of that view's tree (nodecount and nodefraction apply to
   * the call tree only).
   */
  top({ sampleIndex, nodecount = 0, root = 0, filters, granularity = '', nodefraction = 0, view = null } = {}) {
    return this.#call('top', {
      sampleIndex, nodecount, root, filters: filterText(filters), granularity: String(granularity || ''), nodefraction,
      view: view ? { kind: String(view.kind || 'flame'), func: view.func ?? null } : null,
    });
  }

  /**
   * Which of `filters` matched anything: {focus, ignore, hide, show,
   * show_from, prune_from} booleans (pprof says "Focus expression matched
   * no samples" of the others).
   */
  filterMatches(filters) {
    return this.#call('filterMatches', { filters: filterText(filters) });
  }

  /**
   * Flame-graph layout zoomed at node `root`: typed-array columns
   * {node, x, width, depth, func, line, self, total} (one entry per laid-out
   * node; x and width in value units) plus rootTotal and maxDepth. The
   * ancestors of the zoom root come first, at full width. Nodes narrower
   * than minWidth × rootTotal are left out.
   */
  flame({ sampleIndex, root = 0, minWidth = 0, filters } = {}) {
    return this.#call('flame', { sampleIndex, root, minWidth, filters: filterText(filters) });
  }

  /**
   * The layout of one view of the flame tab, the same columns as flame()
   * plus focusFlat/focusCum (the sandwich function's flat and cum, as
   * top() gives them; 0 for other views). kind: 'flame' (also 'icicle',
   * the same columns drawn flipped), 'inverted' (leaf functions first,
   * callers below), 'sandwich-callers' or 'sandwich-callees' (rooted at
   * function `func`, a name). leftHeavy (default true) orders siblings by
   * total, else by name. root is a node id of that view's own tree.
   */
  layout({ kind = 'flame', sampleIndex, root = 0, minWidth = 0, filters, leftHeavy = true, func = null, diff = false } = {}) {
    return this.#call('layout', { kind: String(kind), sampleIndex, root, minWidth, filters: filterText(filters), leftHeavy: !!leftHeavy, func, diff: !!diff });
  }

  /**
   * pprof's `-peek REGEX`: the same object as `gopherlens peek FILE REGEX
   * --json`, {sample_type, unit, total, rows: [{name, flat, cum, callers:
   * [{name, weight, inline}], callees: [...]}]} for every function matching
   * regex, in pprof's order.
   */
  peek({ sampleIndex, regex, root = 0, filters, granularity = '' } = {}) {
    return this.#call('peek', { sampleIndex, regex: String(regex ?? ''), root, filters: filterText(filters), granularity: String(granularity || '') });
  }

  /**
   * pprof's `-tags`: the same object as `gopherlens tags FILE --json`,
   * {sample_type, unit, total, output_unit, keys: [{key, total, values:
   * [{value, weight, focus}]}]}: every label key of the samples `filters`
   * keep, by name, its values by weight (numeric ones printed as pprof
   * prints them, in `unit`, pprof's -unit: 'minimum' by default). `focus`
   * is the tagfocus filter keeping exactly that value's samples (null when
   * there is none).
   */
  tags({ sampleIndex, filters, unit = '' } = {}) {
    return this.#call('tags', { sampleIndex, filters: filterText(filters), unit: String(unit || '') });
  }

  /**
   * A `diff_base` comparison's table (compare(…, {diff: true})): {sample_type,
   * unit, total, rows: [{name, base_flat, base_cum, flat, cum, current_cum,
   * cum_change}]}, flat and cum being the change (what top() gives, pprof's
   * -top of the diff), cum_change the change relative to the base's cum
   * (null where the base has none). Rejects for other sessions.
   */
  diffTop({ sampleIndex, filters, granularity = '' } = {}) {
    return this.#call('diffTop', { sampleIndex, filters: filterText(filters), granularity: String(granularity || '') });
  }

  /**
   * Map retention of this heap profile: the same object as
   * `gopherlens maps [SNAPSHOT...] HEAP [--cpu CPU]... [--binary BIN]... [--base BASE] --json`.
   * @param {{limit?: number, paths?: number, allPaths?: boolean, mapsFirst?: boolean,
   *          cpu?: Session[], binary?: Session[], base?: Session|null, snapshots?: Session[]}} [options]
   */
  maps({ limit, paths, allPaths, mapsFirst, cpu = [], binary = [], base = null, snapshots = [] } = {}) {
    const opts = {};
    const count = (name, v) => {
      if (v === undefined || v === null) return;
      if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`maps: ${name} must be a whole number >= 0`);
      opts[name] = v;
    };
    const check = (what, s) => {
      if (!(s instanceof Session)) throw new TypeError(`maps: ${what} must be a Session`);
      if (s.#closed) throw new Error(`${s.name}: the profile was closed`);
      if (s.#lost) throw new Error(`${s.name}: the profile could not be reopened after an internal error; open it again`);
      return s;
    };
    let joined;
    try {
      count('limit', limit);
      count('paths', paths);
      if (allPaths !== undefined) opts.all_paths = !!allPaths;
      if (mapsFirst !== undefined) opts.maps_first = !!mapsFirst;
      joined = {
        cpu: Array.from(cpu || [], (s) => check('cpu', s)),
        binary: Array.from(binary || [], (s) => check('binary', s)),
        base: base === null || base === undefined ? null : check('base', base),
        snapshots: Array.from(snapshots || [], (s) => check('snapshots', s)),
      };
    } catch (e) {
      return Promise.reject(e);
    }
    // The other sessions' ids are read when the request is sent: after a
    // trap they are those of the reopened sessions.
    const options = JSON.stringify(opts);
    return this.#call('maps', () => ({
      options,
      cpu: joined.cpu.map((s) => s.#sid),
      binary: joined.binary.map((s) => s.#sid),
      base: joined.base ? joined.base.#sid : null,
      snapshots: joined.snapshots.map((s) => s.#sid),
    }));
  }

  /**
   * What the garbage collector did, for an execution trace or a
   * GODEBUG=gctrace=1 log: the same object as `gopherlens gc FILE --json`,
   * {go_version, events, cpu_samples, duration_ns, gomaxprocs,
   * gc_cpu_fraction, longest_pause_ns, longest_gc_pause_ns, cycles: [...],
   * other_stw, mmu_flags, mmu, mmu_fixed, assist_stacks, warnings}
   * (README.md, "Execution traces"). Rejects for other profiles.
   */
  gc() {
    return this.#call('gc', {});
  }

  /**
   * What a Go executable says about maps: the same object as
   * `gopherlens binary FILE --json`, {arch, gnu_build_id, go_build_id,
   * functions, swiss, inlining, calls: [{function, file, line, callee}]}.
   * Rejects for profiles.
   */
  binary() {
    return this.#call('binary', {});
  }

  /**
   * The GC timeline of a trace or gctrace log, as Float64Array columns in
   * nanoseconds from the first event (step series: a value holds until the
   * next point; at most 10k points each, min/max kept per bucket):
   * {heapT, heapV, goalT, goalV, goroutinesT, goroutinesV, assistT, assistV
   * (goroutines assisting, averaged over buckets of assistBucketNs),
   * cycleStart, cycleEnd, cycleN (Uint32Array, the cycle's `n`),
   * stwStart, stwDur, stwGc (Uint8Array, 1 for GC pauses), durationNs,
   * assistBucketNs}. Rejects for other profiles.
   */
  timeline() {
    return this.#call('timeline', {});
  }

  /** {names, files}: function names and source files indexed by function id (cached). */
  functions() {
    if (!this.#functions) {
      this.#functions = this.#call('functions', {});
      this.#functions.catch(() => { this.#functions = null; });
    }
    return this.#functions;
  }

  /**
   * Value under `root` of the samples with any function whose byte in
   * funcMask (a Uint8Array indexed by function id) is non-zero; each sample
   * counts once. funcMask is copied, not detached.
   */
  matchedTotal({ sampleIndex, root = 0, funcMask, filters } = {}) {
    let buf;
    if (funcMask instanceof ArrayBuffer) buf = funcMask.slice(0);
    else if (ArrayBuffer.isView(funcMask)) buf = new Uint8Array(funcMask.buffer, funcMask.byteOffset, funcMask.byteLength).slice().buffer;
    else buf = new ArrayBuffer(0);
    // Not transferred: a request sent again after a trap needs it still.
    return this.#call('matchedTotal', { sampleIndex, root, funcMask: buf, filters: filterText(filters) });
  }

  /** Frees the profile in the worker. Later calls reject. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#functions = null;
    live.delete(this);
    if (!this.#lost) call('close', this, {}).catch(() => {});
  }

  get closed() {
    return this.#closed;
  }

  /**
   * True if the profile is gone: the worker failed and reopening the file
   * in a new one failed too (a file that opened once normally reopens).
   */
  get lost() {
    return this.#lost !== null;
  }
}
