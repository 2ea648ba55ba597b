// gopherlens public JavaScript API (ES module, no dependencies).
//
//   import { open } from './gopherlens.js';
//   const s = await open(fileOrBytes, { name: 'heap.pb.gz', onProgress: (f, phase) => {} });
//   const info = await s.info();          // same object as `gopherlens info --json`
//   const top = await s.top({ nodecount: 20 });   // same as `gopherlens top --json`
//   const fl = await s.flame({ root: 0, minWidth: 0.001 });
//   const m = await heap.maps({ cpu: [cpuSession], limit: 300 });
//                                         // same as `gopherlens maps HEAP --cpu CPU --limit 300 --json`
//   const gc = await s.gc();              // same as `gopherlens gc --json` (trace or gctrace log)
//   const b = await s.binary();           // same as `gopherlens binary --json` (a Go executable)
//   const tl = await s.timeline();        // GC timeline columns (typed arrays)
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
// (worker.js, found next to this file), holding every open profile. The
// bytes given to open() are transferred to it without copying: an
// ArrayBuffer passed in (or the buffer of a Uint8Array covering it whole)
// is detached afterwards; pass { transfer: false } to keep it usable.
// Nothing is sent anywhere but to that worker.
//
// Errors reject with an Error whose message is the core's: "NAME: what is
// wrong".

export { parseExact } from './json.js';
const workerUrl = new URL('./worker.js', import.meta.url);

let worker = null;
let generation = 0; // bumped whenever the worker is replaced
let nextId = 1;
const pending = new Map(); // id -> {resolve, reject, onProgress}

function startWorker() {
  const w = new Worker(workerUrl, { type: 'module', name: 'gopherlens' });
  const gen = ++generation;
  w.onmessage = (ev) => {
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
    if (msg.fatal) restartWorker(gen, msg.error);
  };
  w.onerror = (ev) => {
    ev.preventDefault();
    restartWorker(gen, `gopherlens worker failed: ${ev.message || 'could not start (is worker.js served?)'}`);
  };
  w.onmessageerror = () => restartWorker(gen, 'gopherlens worker: a message could not be decoded');
  return w;
}

// Drops a broken worker; every open session belonged to it and is gone.
function restartWorker(gen, message) {
  if (gen !== generation || !worker) return;
  worker.terminate();
  worker = null;
  generation++;
  for (const [id, p] of pending) {
    pending.delete(id);
    p.reject(new Error(message));
  }
}

function ensureWorker() {
  if (!worker) worker = startWorker();
  return generation;
}

function call(op, sid, args, transfer = [], onProgress = null) {
  ensureWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    worker.postMessage({ id, op, sid, args }, transfer);
  });
}

async function toTransferable(bytes, transfer) {
  if (typeof Blob !== 'undefined' && bytes instanceof Blob) {
    return bytes; // the worker streams it; no copy on this thread
  }
  if (bytes instanceof ArrayBuffer) {
    return transfer ? bytes : bytes.slice(0);
  }
  if (ArrayBuffer.isView(bytes)) {
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    if (transfer && whole && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
    const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return u8.slice().buffer;
  }
  throw new TypeError('gopherlens.open: bytes must be an ArrayBuffer, a typed array or a Blob');
}

/**
 * Starts the worker and compiles the WebAssembly core ahead of the first
 * file, so opening one does not pay for it. Optional; resolves when ready.
 */
export function preload() {
  return call('ping', undefined, {});
}

/**
 * Opens a profile. Resolves to a Session; rejects with "NAME: what is wrong".
 * @param {ArrayBuffer|ArrayBufferView|Blob} bytes
 * @param {{name?: string, onProgress?: (fraction: number, phase: string) => void, transfer?: boolean}} [options]
 */
export async function open(bytes, { name, onProgress, transfer = true } = {}) {
  if (name === undefined || name === null || name === '') {
    name = typeof File !== 'undefined' && bytes instanceof File ? bytes.name : 'profile';
  }
  const buf = await toTransferable(bytes, transfer);
  const gen = ensureWorker();
  const sid = await call('open', undefined, { bytes: buf, name: String(name) }, buf instanceof ArrayBuffer ? [buf] : [], onProgress || null);
  return new Session(sid, String(name), gen);
}

/** One open profile, living in the worker. */
export class Session {
  #sid;
  #gen;
  #closed = false;
  #functions = null;

  constructor(sid, name, gen) {
    this.#sid = sid;
    this.#gen = gen;
    /** The name given to open() (used in error messages). */
    this.name = name;
  }

  #call(op, args, transfer) {
    if (this.#closed) return Promise.reject(new Error(`${this.name}: the profile was closed`));
    if (this.#gen !== generation) {
      return Promise.reject(new Error(`${this.name}: the profile was unloaded after an internal error; open it again`));
    }
    return call(op, this.#sid, args, transfer);
  }

  /** Same object as `gopherlens info --json`. */
  info() {
    return this.#call('info', {});
  }

  /**
   * Same shape as `gopherlens top --json`: {sample_type, unit, total, rows: [{name, flat, cum}]}.
   * root restricts to the call-tree subtree under that node (0: everything);
   * nodecount 0 means all rows.
   */
  top({ sampleIndex, nodecount = 0, root = 0 } = {}) {
    return this.#call('top', { sampleIndex, nodecount, root });
  }

  /**
   * Flame-graph layout zoomed at node `root`: typed-array columns
   * {node, x, width, depth, func, line, self, total} (one entry per laid-out
   * node; x and width in value units) plus rootTotal and maxDepth. The
   * ancestors of the zoom root come first, at full width. Nodes narrower
   * than minWidth × rootTotal are left out.
   */
  flame({ sampleIndex, root = 0, minWidth = 0 } = {}) {
    return this.#call('flame', { sampleIndex, root, minWidth });
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
    const sid = (what, s) => {
      if (!(s instanceof Session)) throw new TypeError(`maps: ${what} must be a Session`);
      if (s.#closed) throw new Error(`${s.name}: the profile was closed`);
      if (s.#gen !== this.#gen) throw new Error(`${s.name}: the profile was unloaded after an internal error; open it again`);
      return s.#sid;
    };
    let args;
    try {
      count('limit', limit);
      count('paths', paths);
      if (allPaths !== undefined) opts.all_paths = !!allPaths;
      if (mapsFirst !== undefined) opts.maps_first = !!mapsFirst;
      args = {
        options: JSON.stringify(opts),
        cpu: Array.from(cpu || [], (s) => sid('cpu', s)),
        binary: Array.from(binary || [], (s) => sid('binary', s)),
        base: base === null || base === undefined ? null : sid('base', base),
        snapshots: Array.from(snapshots || [], (s) => sid('snapshots', s)),
      };
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#call('maps', args);
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
  matchedTotal({ sampleIndex, root = 0, funcMask } = {}) {
    let buf;
    if (funcMask instanceof ArrayBuffer) buf = funcMask.slice(0);
    else if (ArrayBuffer.isView(funcMask)) buf = new Uint8Array(funcMask.buffer, funcMask.byteOffset, funcMask.byteLength).slice().buffer;
    else buf = new ArrayBuffer(0);
    return this.#call('matchedTotal', { sampleIndex, root, funcMask: buf }, [buf]);
  }

  /** Frees the profile in the worker. Later calls reject. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#functions = null;
    if (this.#gen === generation && worker) call('close', this.#sid, {}).catch(() => {});
  }

  get closed() {
    return this.#closed;
  }

  /** True once the worker holding this profile failed (see close()); open the file again. */
  get lost() {
    return this.#gen !== generation;
  }
}
