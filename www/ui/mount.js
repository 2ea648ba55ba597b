// The gopherlens UI, mountable anywhere: mount(element, options) renders
// every tab (flame graph and top table, Maps, GC, Binary) into element's
// shadow root and returns a handle. The page (page.js), <gopher-lens>
// (element.js) and the iframe mode (frame.js) are all users of it. All
// profile work happens in the worker behind core/client.js; this file only
// keeps small state and typed arrays.
//
// Nothing leaks into the host page: the DOM and styles live in the shadow
// root, there are no globals, every listener outside the shadow root (on
// the host element) is removed by destroy(), and so are the observers and
// timers. Several mounts in one page are independent; they share the one
// worker (each closes its own profiles).
//
// Test hooks (kept stable for tests/browser and bench/), on options.hooks
// (default: the .gl-root element in the shadow root, so the host element
// carries nothing; the page passes <html>): after every flame
// draw, data-flame-nodes data-flame-draws and a "gopherlens:drawn" event
// {nodes, file, sampleType}; after every table update, data-table-updates /
// data-table-root / data-table-sample-type and a "gopherlens:table" event;
// errors set data-last-error. The events are dispatched on the host
// element and bubble out of the shadow root (composed).

import { open, compare, preload } from '../core/client.js';
import { addStyles } from '../assets.js';
import { FlameGraph, colorsByPackage, DIFF_PALETTES, diffColor } from '../views/flame.js';
import { TopTable } from './table.js';
import { PeekPanel } from '../views/peek.js';
import { LabelsPanel } from '../views/labels.js';
import { Latest } from '../core/latest.js';
import { TransformsBar, cleanTransforms } from './transforms.js';
import { formatValue, formatPercent, formatDuration } from '../base/format.js';
import { MapsTab } from '../views/maps.js';
import { GcTab } from '../views/gc.js';
import { BinaryTab } from '../views/binary.js';

/** The views a mount shows, by name (setView, the view option, the view attribute). */
export const VIEWS = ['flame', 'maps', 'gc', 'binary'];
const THEMES = ['auto', 'light', 'dark'];

// The UI's markup: static, no profile data (that is only ever set as text).
const MARKUP = `
<div class="gl-root" data-theme="auto">
<header class="topbar">
  <div class="brand" title="gopherlens: everything runs in this tab; nothing you open leaves the browser"><span class="logo" aria-hidden="true"></span>gopherlens</div>
  <div class="controls">
    <label class="field" for="profiles">Profile</label>
    <select id="profiles" disabled aria-label="Loaded profiles"></select>
    <button id="close-profile" type="button" class="icon" title="Close this profile" aria-label="Close this profile" disabled>×</button>
    <label class="field" for="sample-type">Sample</label>
    <select id="sample-type" disabled aria-label="Sample type"></select>
    <input id="search" type="search" placeholder="Search functions (regexp)" aria-label="Search functions" spellcheck="false" autocomplete="off" disabled>
    <span id="match" class="match" aria-live="polite"></span>
  </div>
  <label class="button primary" for="file-input" tabindex="0" role="button">Open profiles…</label>
  <input id="file-input" type="file" multiple class="visually-hidden" tabindex="-1">
</header>
<div id="error" class="banner error" role="alert" hidden>
  <span id="error-text"></span>
  <button id="error-close" type="button" class="icon" aria-label="Dismiss">×</button>
</div>
<div id="progress" class="banner progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" hidden>
  <span id="progress-text"></span>
  <div class="bar"><div id="progress-fill" class="fill"></div></div>
</div>
<main>
  <section id="empty" class="empty">
    <div class="empty-card">
      <h1>Inspect a Go profile</h1>
      <p>Drop <code>heap.pb.gz</code>, a CPU profile or any pprof file here, or
        <label class="link" for="file-input" tabindex="0" role="button">choose files</label>.</p>
      <p class="muted">Also: Go execution traces and <code>GODEBUG=gctrace=1</code> logs (GC tab), and the Go binary that wrote a heap profile (Maps tab: exact evidence for every map line).</p>
      <p class="muted">Profiles are decoded in this tab with WebAssembly. Nothing you open is uploaded or sent anywhere.</p>
    </div>
  </section>
  <section id="view" class="view" hidden>
    <div class="tabs" role="tablist" aria-label="Views">
      <button type="button" role="tab" id="tab-btn-flame" data-tab="flame" aria-controls="tab-flame" aria-selected="true">Flame graph</button>
      <button type="button" role="tab" id="tab-btn-maps" data-tab="maps" aria-controls="tab-maps" aria-selected="false" disabled title="Maps: open a heap profile">Maps</button>
      <button type="button" role="tab" id="tab-btn-gc" data-tab="gc" aria-controls="tab-gc" aria-selected="false" disabled title="GC: open an execution trace or a gctrace log">GC</button>
      <button type="button" role="tab" id="tab-btn-binary" data-tab="binary" aria-controls="tab-binary" aria-selected="false" disabled title="Binary: open a Go executable">Binary</button>
      <div id="summary" class="summary"></div>
    </div>
    <div id="tab-flame" class="tabpanel" role="tabpanel" aria-labelledby="tab-btn-flame">
      <div class="viewbar">
        <nav id="breadcrumb" class="breadcrumb" aria-label="Zoom path"></nav>
        <div class="view-controls">
          <div id="view-modes" class="view-modes" role="group" aria-label="Flame view">
            <button type="button" data-mode="icicle" aria-pressed="true" title="Call tree, root on top (keys: / search, arrows move, Enter zoom, + and - zoom in and out, Escape reset)">Icicle</button>
            <button type="button" data-mode="flame" aria-pressed="false" title="Call tree, root at the bottom">Flame</button>
            <button type="button" data-mode="inverted" aria-pressed="false" title="Bottom-up: the functions where samples end (their flat value), callers below">Inverted</button>
            <button type="button" data-mode="sandwich" aria-pressed="false" title="One function: its callers above, its callees below (pick it in the table)">Sandwich</button>
          </div>
          <label class="left-heavy" title="Order siblings by value, largest first (else by name)"><input type="checkbox" id="left-heavy" checked> left-heavy</label>
          <label class="granularity" title="What a row of the table is (pprof -functions, -filefunctions, -files, -lines); the graphs stay by function">table by <select id="granularity">
            <option value="functions">function</option>
            <option value="filefunctions">function and file</option>
            <option value="files">file</option>
            <option value="lines">line</option>
          </select></label>
        </div>
        <details id="compare" class="filters compare">
          <summary>Compare</summary>
          <form id="compare-form" class="filter-grid" autocomplete="off">
            <label for="compare-base" title="another loaded profile of the same kind">with</label><select id="compare-base"></select>
            <label for="compare-mode">as</label>
            <select id="compare-mode">
              <option value="diff_base" title="pprof -diff_base: what changed from the base (a diff flame graph and table)">diff against it (-diff_base)</option>
              <option value="base" title="pprof -base: the base subtracted">subtract it (-base)</option>
              <option value="merge" title="both profiles as one (replicas of one service)">merge with it</option>
            </select>
            <label for="compare-normalize" title="scale this profile to the base's totals first (pprof -normalize)">normalize</label><input type="checkbox" id="compare-normalize">
            <div class="filter-actions"><button type="submit" id="compare-go">Compare</button><span id="compare-note" class="filter-note" aria-live="polite"></span></div>
          </form>
        </details>
        <details id="filters" class="filters">
          <summary>Filters<span id="filter-count" class="filter-count"></span></summary>
          <form id="filter-form" class="filter-grid" autocomplete="off">
            <label for="filter-focus" title="keep samples through a frame matching this regexp (pprof -focus)">focus</label><input id="filter-focus" data-key="focus" spellcheck="false">
            <label for="filter-ignore" title="drop samples through a frame matching this regexp (pprof -ignore)">ignore</label><input id="filter-ignore" data-key="ignore" spellcheck="false">
            <label for="filter-hide" title="remove matching frames (pprof -hide)">hide</label><input id="filter-hide" data-key="hide" spellcheck="false">
            <label for="filter-show" title="keep only matching frames (pprof -show)">show</label><input id="filter-show" data-key="show" spellcheck="false">
            <label for="filter-show_from" title="drop the callers of the first match from the root (pprof -show_from)">show_from</label><input id="filter-show_from" data-key="show_from" spellcheck="false">
            <label for="filter-prune_from" title="drop the callees of the match nearest the leaf (pprof -prune_from)">prune_from</label><input id="filter-prune_from" data-key="prune_from" spellcheck="false">
            <label for="filter-tagfocus" title="keep samples whose labels match: key=regexp,… or a range such as bytes=64kb: (pprof -tagfocus)">tagfocus</label><input id="filter-tagfocus" data-key="tagfocus" spellcheck="false">
            <label for="filter-tagignore" title="drop samples whose labels match (pprof -tagignore)">tagignore</label><input id="filter-tagignore" data-key="tagignore" spellcheck="false">
            <div class="filter-actions"><button type="submit">Apply</button><button type="button" id="filter-clear">Clear</button><span id="filter-note" class="filter-note" aria-live="polite"></span></div>
          </form>
        </details>
      </div>
      <div id="diff-bar" class="diff-bar" hidden>
        <span class="diff-legend" aria-hidden="true"><span>shrank</span><span id="diff-scale" class="diff-scale"></span><span>grew</span></span>
        <span class="muted">width: the larger of base and current</span>
        <label>colours <select id="diff-palette" aria-label="Diff colours">
          <option value="red-green">red / green</option>
          <option value="orange-blue">orange / blue (colour-blind safe)</option>
        </select></label>
      </div>
      <div id="transforms"></div>
      <div id="sandwich-head" class="sandwich-head" aria-live="polite" hidden></div>
      <div id="callers-wrap" class="flame-wrap callers-wrap" hidden>
        <canvas id="flame-callers" tabindex="0" aria-label="Callers of the sandwich function (its root at the bottom): click to zoom; keyboard as in the flame graph"></canvas>
      </div>
      <div id="flame-wrap" class="flame-wrap">
        <canvas id="flame" tabindex="0" aria-label="Flame graph: click a frame to zoom, click an ancestor to zoom out; keyboard: arrows move, Enter zooms, Escape zooms out"></canvas>
        <div id="flame-hover" class="flame-hover" hidden></div>
      </div>
      <div class="table-wrap">
        <table id="top-table" class="top-table"></table>
      </div>
      <div id="peek" class="table-wrap peek" aria-live="polite" hidden></div>
      <div id="labels" class="table-wrap peek labels" aria-live="polite" hidden></div>
    </div>
    <div id="tab-maps" class="tabpanel" role="tabpanel" aria-labelledby="tab-btn-maps" hidden></div>
    <div id="tab-gc" class="tabpanel" role="tabpanel" aria-labelledby="tab-btn-gc" hidden></div>
    <div id="tab-binary" class="tabpanel binary-panel" role="tabpanel" aria-labelledby="tab-btn-binary" hidden></div>
  </section>
</main>
<div id="tooltip" class="tooltip" role="tooltip" hidden></div>
<div id="drop-overlay" class="drop-overlay" hidden><div>Drop Go profiles to open them</div></div>
</div>`;

/** pprof's sample filter options, as the core and the URL name them. */
export const FILTER_KEYS = ['focus', 'ignore', 'hide', 'show', 'show_from', 'prune_from', 'tagfocus', 'tagignore', 'tagshow', 'taghide'];

/** The set filter options of `f` (strings; unknown keys and empty values dropped), in FILTER_KEYS order. */
function cleanFilters(f) {
  const out = {};
  if (f && typeof f === 'object') {
    for (const k of FILTER_KEYS) {
      if (f[k] !== undefined && f[k] !== null && String(f[k]) !== '') out[k] = String(f[k]);
    }
    const tr = cleanTransforms(f.transforms); // README "Transforms"
    if (tr.length) out.transforms = tr;
  }
  return out;
}

/** The flame tab's views (README "Views"): icicle is the default. */
export const FLAME_VIEWS = ['icicle', 'flame', 'inverted', 'sandwich'];

/** A flame view {view, leftHeavy, func} from anything (defaults: icicle, left-heavy, no function). */
function cleanFlameView(v) {
  const o = v && typeof v === 'object' ? v : {};
  return {
    view: FLAME_VIEWS.includes(o.view) ? o.view : 'icicle',
    leftHeavy: o.leftHeavy === undefined || o.leftHeavy === null ? true : !!o.leftHeavy,
    func: o.func === undefined || o.func === null || o.func === '' ? null : String(o.func),
  };
}

// Elements holding a mount now (a second mount on one would fight the first).
const mounted = new WeakSet();

/**
 * Renders the gopherlens UI into `element` (its shadow root).
 * @param {Element} element  the host: any element that can have a shadow root (div, section, a custom element…)
 * @param {{files?: Iterable<Blob|ArrayBuffer|ArrayBufferView|{name: string, bytes: Blob|ArrayBuffer|ArrayBufferView}>,
 *          view?: string, options?: {sampleIndex?: string, maxInflate?: number, filters?: object},
 *          theme?: 'auto'|'light'|'dark', hooks?: HTMLElement}} [init]
 */
export function mount(element, { files = [], view = null, options = {}, theme = 'auto', hooks: hookTarget = null, flameView: initialFlameView = null } = {}) {
  if (!(element instanceof Element)) throw new TypeError('gopherlens.mount: element must be an Element');
  if (mounted.has(element)) throw new Error('gopherlens.mount: this element already holds a mount (destroy() it first)');
  // A shadow root cannot be removed: a later mount on the same element reuses it.
  const shadow = element.shadowRoot || element.attachShadow({ mode: 'open' });
  shadow.replaceChildren();
  addStyles(shadow);
  const tpl = document.createElement('template');
  tpl.innerHTML = MARKUP;
  shadow.append(tpl.content);
  mounted.add(element);
  const container = shadow.querySelector('.gl-root');
  // Test hooks stay inside the shadow root unless the caller (the page) asks.
  const hooks = hookTarget || container;

  // Listeners outside the shadow tree are recorded, to be removed by destroy().
  const unlisten = [];
  const listen = (target, type, fn, opts) => {
    target.addEventListener(type, fn, opts);
    unlisten.push(() => target.removeEventListener(type, fn, opts));
  };
  const subscribers = new Map(); // handle.on(): event name -> Set of functions
  const emit = (type, detail) => {
    for (const fn of subscribers.get(type) || []) {
      try { fn(detail); } catch (e) { setTimeout(() => { throw e; }); }
    }
  };
  const emitDom = (type, detail) => element.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  let destroyed = false;
  let maxInflate = Number(options.maxInflate) || 0;
  let wantedView = VIEWS.includes(view) ? view : null;
  let wantedSampleIndex = options.sampleIndex ? String(options.sampleIndex) : null;

  const $ = (id) => shadow.getElementById(id);
  const el = {
    fileInput: $('file-input'),
    profiles: $('profiles'),
    closeProfile: $('close-profile'),
    sampleType: $('sample-type'),
    search: $('search'),
    match: $('match'),
    error: $('error'),
    errorText: $('error-text'),
    errorClose: $('error-close'),
    progress: $('progress'),
    progressText: $('progress-text'),
    progressFill: $('progress-fill'),
    empty: $('empty'),
    view: $('view'),
    breadcrumb: $('breadcrumb'),
    summary: $('summary'),
    flameWrap: $('flame-wrap'),
    canvas: $('flame'),
    hover: $('flame-hover'),
    table: $('top-table'),
    tooltip: $('tooltip'),
    tabButtons: Array.from(shadow.querySelectorAll('.tabs [role="tab"]')),
    panels: { flame: $('tab-flame'), maps: $('tab-maps'), gc: $('tab-gc'), binary: $('tab-binary') },
    dropOverlay: $('drop-overlay'),
    filters: $('filters'),
    filterForm: $('filter-form'),
    filterInputs: Array.from(shadow.querySelectorAll('#filter-form input[data-key]')),
    filterClear: $('filter-clear'),
    filterNote: $('filter-note'),
    filterCount: $('filter-count'),
    viewModes: Array.from(shadow.querySelectorAll('#view-modes button')),
    leftHeavy: $('left-heavy'),
    sandwichHead: $('sandwich-head'),
    callersWrap: $('callers-wrap'),
    callersCanvas: $('flame-callers'),
    compare: $('compare'),
    compareForm: $('compare-form'),
    compareBase: $('compare-base'),
    compareMode: $('compare-mode'),
    compareNormalize: $('compare-normalize'),
    compareNote: $('compare-note'),
    diffBar: $('diff-bar'),
    diffScale: $('diff-scale'),
    diffPalette: $('diff-palette'),
    granularity: $('granularity'),
  };

  /**
   * A loaded profile: {key, name, label, session, info, funcs: {names, files},
   * colors, sampleType, root, layout}.
   */
  const profiles = [];
  let current = null;
  let nextKey = 1;
  let flameDraws = 0;
  let tableUpdates = 0;
  // Each view's requests to the worker (core/latest.js: stale answers dropped).
  const flameAsk = new Latest();
  const tableAsk = new Latest();
  const matchAsk = new Latest();
  let drawnWidth = 0;
  let drawnRatio = 0;
  const search = { text: '', re: null };
  let selectedName = null;
  // pprof's sample filters (README "Filters"), for every profile: the core
  // applies them (a view never filters in JS); keys as pprof names them.
  let filters = cleanFilters(options.filters);
  // The flame tab's view (README "Views"), for every profile: which tree,
  // left-heavy or by name, the sandwich's function. The core lays each out.
  let fview = cleanFlameView(initialFlameView || options.flameView);
  // pprof's granularity of the table and peek rows (the graphs are by
  // function): 'functions', 'filefunctions', 'files' or 'lines'.
  const GRANULARITIES = ['functions', 'filefunctions', 'files', 'lines'];
  let granularity = GRANULARITIES.includes(options.granularity) ? options.granularity : 'functions';
  el.granularity.value = granularity;
  hooks.dataset.granularity = granularity;
  function setGranularity(g) {
    const next = GRANULARITIES.includes(g) ? g : 'functions';
    if (next === granularity) return;
    granularity = next;
    el.granularity.value = next;
    hooks.dataset.granularity = next;
    // A selected row's name is of the old granularity.
    selectedName = null;
    table.setSelected(null);
    peek.hide();
    emit('granularity', { granularity });
    refreshTable();
  }
  el.granularity.addEventListener('change', () => setGranularity(el.granularity.value));

  const flame = new FlameGraph(el.canvas, { onClick: (i) => clickNode(i, 'main'), onHover: (i, ev) => hover(i, ev, 'main'), hooks });
  // The sandwich's callers, drawn flipped above its callees (the main canvas).
  const callersFlame = new FlameGraph(el.callersCanvas, { onClick: (i) => clickNode(i, 'callers'), onHover: (i, ev) => hover(i, ev, 'callers'), hooks: { dataset: {} } });
  callersFlame.setFlipped(true);
  const table = new TopTable(el.table, { onSelect: selectFunction });
  // The selected function's callers and callees (pprof's -peek); a click
  // on one selects it.
  const peek = new PeekPanel(shadow.getElementById('peek'), {
    onSelect: (name) => { table.setSelected(name); selectFunction(name); },
    onError: (e) => reportError(e),
  });
  // The profile's labels (pprof's -tags); a click on a value sets the
  // tagfocus filter that keeps its samples (the core says which).
  const labels = new LabelsPanel(shadow.getElementById('labels'), {
    onFocus: (tagfocus) => setFilters({ ...filters, tagfocus }),
    onError: (e) => reportError(e),
  });
  function refreshLabels() {
    const p = current;
    if (!p || !p.info.sample_types.length) labels.hide();
    else labels.show(p.session, { sampleIndex: p.sampleType, filters });
  }
  function refreshPeek() {
    const p = current;
    if (!p || selectedName === null || !p.info.sample_types.length) peek.hide();
    else peek.show(p.session, selectedName, { sampleIndex: p.sampleType, filters, granularity });
  }

  // ------------------------------------------------------------------ tabs
  //
  // The flame graph tab works for every profile; the Maps and GC tabs are
  // separate modules (views/maps.js, views/gc.js, views/binary.js) that see the page through `tabCtx`
  // and say with applies(p) which loaded profiles they can show.
  // <html data-tab> names the tab on screen.

  const tabCtx = {
    profiles: () => profiles.slice(),
    current: () => current,
    reportError: (e) => reportError(e),
    /** Shows function `name` of profile `p` in the flame graph: selects it and highlights its frames. */
    focusFunction: (p, name) => focusFunction(p, name),
    /** Selects profile p (a profiles() entry) without changing the tab. */
    selectProfile: (p) => selectProfile(p),
    /** The element whose data-* attributes carry the test hooks. */
    hooks,
    /** Dispatches a DOM event on the host element (bubbles out of the shadow root). */
    emit: emitDom,
  };
  const tabs = {
    maps: new MapsTab(el.panels.maps, tabCtx),
    gc: new GcTab(el.panels.gc, tabCtx),
    binary: new BinaryTab(el.panels.binary, tabCtx),
  };
  let activeTab = 'flame';

  function renderTabs() {
    for (const b of el.tabButtons) {
      const name = b.dataset.tab;
      const ok = name === 'flame' ? !!current && current.info.format !== 'gctrace' && current.info.format !== 'go-binary' : !!current && tabs[name].applies(current);
      b.disabled = !ok;
    }
    // A tab that no longer applies gives way to the first one that does.
    const btn = el.tabButtons.find((b) => b.dataset.tab === activeTab);
    if (!current || (btn && btn.disabled)) {
      const first = el.tabButtons.find((b) => !b.disabled);
      showTab(first ? first.dataset.tab : 'flame');
    } else if (activeTab !== 'flame') {
      tabs[activeTab].show(current);
    }
  }

  function showTab(name) {
    const changed = name !== activeTab;
    if (changed) emit('view-changed', { view: name });
    if (changed && activeTab !== 'flame') tabs[activeTab].hide();
    activeTab = name;
    for (const b of el.tabButtons) b.setAttribute('aria-selected', String(b.dataset.tab === name));
    for (const [k, panel] of Object.entries(el.panels)) panel.hidden = k !== name;
    hooks.dataset.tab = name;
    if (name === 'flame') {
      if (changed && current && current.layout) drawFlame();
    } else if (current) {
      tabs[name].show(current);
    }
  }

  for (const b of el.tabButtons) b.addEventListener('click', () => { if (!b.disabled) showTab(b.dataset.tab); });

  async function focusFunction(p, name) {
    if (p !== current) await selectProfile(p);
    showTab('flame');
    el.search.value = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
    applySearch();
    selectedName = name;
    table.setSelected(name);
    flame.setMasks(flame.searchMask, nameMask(name));
    drawFlame();
    hooks.dataset.focus = name;
  }

  // ---------------------------------------------------------------- errors

  function showError(message) {
    el.errorText.textContent = message;
    el.error.hidden = false;
    hooks.dataset.lastError = message;
  }

  /** Shows an error from a profile operation; drops profiles the worker lost. */
  function reportError(e) {
    const message = e && e.message ? e.message : String(e);
    showError(message);
    emit('error', { message });
    const lost = profiles.filter((p) => p.session.lost);
    if (!lost.length) return;
    for (const p of lost) profiles.splice(profiles.indexOf(p), 1);
    if (current && current.session.lost) {
      current = null;
      if (profiles.length) selectProfile(profiles[0]);
      else showEmpty();
    } else {
      renderProfileList();
    }
  }

  function hideError() {
    el.error.hidden = true;
  }

  el.errorClose.addEventListener('click', hideError);

  // -------------------------------------------------------------- progress

  let progressTimer = 0;
  let progressState = null;

  function setProgress(name, fraction, phase) {
    progressState = { name, fraction, phase };
    // Small files finish before anyone could read a progress bar.
    if (el.progress.hidden && !progressTimer) {
      progressTimer = setTimeout(() => {
        progressTimer = 0;
        if (progressState) {
          el.progress.hidden = false;
          renderProgress();
        }
      }, 120);
    }
    if (!el.progress.hidden) renderProgress();
  }

  // Each phase of opening a file covers a slice of one overall bar.
  const PHASES = {
    reading: [0, 0.05],
    decompressing: [0.05, 0.35],
    decoding: [0.35, 0.92],
    'building call tree': [0.92, 1],
  };

  function renderProgress() {
    const { name, fraction, phase } = progressState;
    const f = Math.max(0, Math.min(1, fraction));
    const [a, b] = PHASES[phase] || [0, 1];
    const pct = Math.round((a + (b - a) * f) * 100);
    el.progressText.textContent = `Opening ${name} — ${phase}…`;
    el.progressFill.style.width = `${pct}%`;
    el.progress.setAttribute('aria-valuenow', String(pct));
    el.progress.setAttribute('aria-valuetext', `${phase} ${pct}%`);
  }

  function endProgress() {
    progressState = null;
    clearTimeout(progressTimer);
    progressTimer = 0;
    el.progress.hidden = true;
  }

  // --------------------------------------------------------------- loading

  let loading = Promise.resolve();

  /**
   * Opens files one after another; each failure is reported on its own.
   * Resolves to one {name, ok, format?, error?} per file, in order.
   */
  function loadFiles(files) {
    const list = Array.from(files || [], toEntry);
    const outcomes = list.map((f) => (loading = loading.then(() => loadFile(f))));
    return Promise.all(outcomes);
  }

  // What mount() and add() accept: a File (named), a Blob or bytes
  // ("profile"), or {name, bytes}.
  function toEntry(f) {
    if (f && typeof f === 'object' && !(f instanceof Blob) && !(f instanceof ArrayBuffer) && !ArrayBuffer.isView(f) && 'bytes' in f) {
      return { name: String(f.name || 'profile'), data: f.bytes };
    }
    return { name: (typeof File !== 'undefined' && f instanceof File && f.name) || 'profile', data: f };
  }

  async function loadFile({ name, data }) {
    if (destroyed) return { name, ok: false, error: `${name}: the view was destroyed` };
    setProgress(name, 0, 'reading');
    let session = null;
    try {
      // A File goes to the worker as it is, which streams it into wasm memory.
      session = await open(data, { name, maxInflate, transfer: false, onProgress: (f, phase) => setProgress(name, f, phase) });
      const p = await addProfile(session, name);
      session = null; // the list owns it now
      await selectProfile(p);
      const info = p.info;
      if (wantedView && !destroyed) {
        const btn = el.tabButtons.find((x) => x.dataset.tab === wantedView);
        if (btn && !btn.disabled) {
          showTab(wantedView);
          wantedView = null;
        }
      }
      emit('loaded', { name, format: info.format });
      return { name, ok: true, format: info.format };
    } catch (e) {
      if (session) session.close();
      const msg = e && e.message ? e.message : String(e);
      const error = msg.startsWith(name + ':') ? msg : `${name}: ${msg}`;
      if (!destroyed) reportError(new Error(error));
      return { name, ok: false, error };
    } finally {
      if (!destroyed) endProgress();
    }
  }

  // A new entry of the profile list for an open session (a file, or a
  // comparison of loaded ones: `extra` says which); select it next.
  async function addProfile(session, name, extra = {}) {
    const [info, funcs] = await Promise.all([session.info(), session.functions()]);
    if (destroyed) throw new Error('the view was destroyed');
    const same = profiles.filter((p) => p.name === name).length;
    const p = {
      key: String(nextKey++),
      name,
      label: same ? `${name} (${same + 1})` : name,
      session,
      info,
      funcs,
      colors: colorsByPackage(funcs.names),
      sampleType: info.sample_types.some((st) => st.type === wantedSampleIndex) ? wantedSampleIndex : info.default_sample_type,
      root: 0,
      invRoot: 0,
      calleesRoot: 0,
      callersRoot: 0,
      layout: null,
      callersLayout: null,
      top: null,
      diff: false,
      ...extra,
    };
    profiles.push(p);
    return p;
  }

  el.fileInput.addEventListener('change', () => {
    const files = Array.from(el.fileInput.files || []);
    el.fileInput.value = ''; // choosing the same file again still fires "change"
    loadFiles(files);
  });

  let dragDepth = 0;
  const hasFiles = (ev) => ev.dataTransfer && Array.from(ev.dataTransfer.types || []).includes('Files');
  listen(container, 'dragenter', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    dragDepth++;
    el.dropOverlay.hidden = false;
  });
  listen(container, 'dragover', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
  });
  listen(container, 'dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) el.dropOverlay.hidden = true;
  });
  listen(container, 'drop', (ev) => {
    ev.preventDefault();
    dragDepth = 0;
    el.dropOverlay.hidden = true;
    if (ev.dataTransfer && ev.dataTransfer.files.length) loadFiles(ev.dataTransfer.files);
  });

  // -------------------------------------------------------------- profiles

  function renderProfileList() {
    const opts = profiles.map((p) => {
      const o = document.createElement('option');
      o.value = p.key;
      o.textContent = p.label;
      return o;
    });
    el.profiles.replaceChildren(...opts);
    el.profiles.disabled = profiles.length === 0;
    el.closeProfile.disabled = profiles.length === 0;
    if (current) el.profiles.value = current.key;
    hooks.dataset.profiles = String(profiles.length);
    renderCompare();
  }

  function renderSampleTypes() {
    const p = current;
    const opts = p.info.sample_types.map((st) => {
      const o = document.createElement('option');
      o.value = st.type;
      o.textContent = `${st.type} (${st.unit})`;
      return o;
    });
    el.sampleType.replaceChildren(...opts);
    el.sampleType.value = p.sampleType;
    el.sampleType.disabled = opts.length < 2;
  }

  function sampleTypeInfo(p) {
    return p.info.sample_types.find((st) => st.type === p.sampleType) || { type: p.sampleType, unit: '', total: 0 };
  }

  function renderSummary() {
    const p = current;
    if (p.info.format === 'gctrace') {
      // A log has GC cycles, no samples: the GC tab says the rest.
      el.summary.textContent = 'GODEBUG=gctrace=1 log · no stacks (open an execution trace for flame graphs and MMU)';
      return;
    }
    if (p.info.format === 'go-binary') {
      // An executable has no samples: it is joined in the Maps tab.
      const b = p.info.binary;
      el.summary.textContent = `Go binary · ${b.arch} · ${b.layout ? `${b.layout} maps` : 'map layout unknown'} · ` +
        `${b.map_lines} source lines call map code`;
      return;
    }
    const st = sampleTypeInfo(p);
    const parts = [
      p.info.format,
      `${st.type} total ${formatValue(st.total, st.unit)}`,
      `${p.info.samples} samples`,
      `${p.info.functions} functions`,
    ];
    // Integers beyond 2^53 arrive as BigInt (see json.js): Number() for display.
    if (p.info.duration_ns > 0) parts.push(`duration ${formatDuration(Number(p.info.duration_ns))}`);
    if (p.info.time_ns > 0) {
      const d = new Date(Number(p.info.time_ns) / 1e6);
      if (!Number.isNaN(d.getTime())) parts.push(d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
    }
    el.summary.textContent = parts.join(' · ');
  }

  async function selectProfile(p) {
    current = p;
    renderProfileList();
    el.empty.hidden = true;
    el.view.hidden = false;
    el.search.disabled = false;
    renderSampleTypes();
    renderSummary();
    compileSearch();
    selectedName = null;
    table.setSelected(null);
    flame.setMasks(maskFor(search.re), null);
    renderTabs();
    await refreshAll();
    noteMatches(p);
  }

  function closeCurrent() {
    const p = current;
    if (!p) return;
    for (const t of Object.values(tabs)) t.forget(p);
    p.session.close();
    const i = profiles.indexOf(p);
    profiles.splice(i, 1);
    current = null;
    if (profiles.length) {
      selectProfile(profiles[Math.min(i, profiles.length - 1)]);
    } else {
      showEmpty();
    }
  }

  function showEmpty() {
    current = null;
    renderProfileList();
    el.view.hidden = true;
    el.empty.hidden = false;
    el.sampleType.replaceChildren();
    el.sampleType.disabled = true;
    el.search.disabled = true;
    el.match.textContent = '';
    el.match.classList.remove('hit');
    hideTooltip();
    flame.clear();
    table.clear();
    labels.hide();
    renderTabs();
  }

  el.profiles.addEventListener('change', () => {
    const p = profiles.find((q) => q.key === el.profiles.value);
    if (p && p !== current) selectProfile(p);
  });
  el.closeProfile.addEventListener('click', closeCurrent);

  el.sampleType.addEventListener('change', () => {
    if (!current) return;
    current.sampleType = el.sampleType.value;
    // Chosen here, it is wanted for the files opened next too (and the
    // page keeps it in the fragment: `si`).
    wantedSampleIndex = current.sampleType;
    renderSummary();
    refreshAll();
    emit('sample-index', { sampleIndex: current.sampleType });
  });

  // ---------------------------------------------------------- comparison
  //
  // pprof's -diff_base and -base, and merging (README "Comparing
  // profiles"): the core builds a new session from loaded ones, which
  // joins the profile list as a file does. A diff_base comparison is drawn
  // as a diff flame graph (layout({diff: true})) and tabulated by
  // diffTop(); the other two are profiles like any other.

  const comparable = (p) => p && p.info.format === 'pprof';
  let diffPalette = 'red-green';

  function renderCompare() {
    const p = current;
    const others = comparable(p) ? profiles.filter((q) => q !== p && comparable(q)) : [];
    const keep = el.compareBase.value;
    el.compareBase.replaceChildren(...others.map((q) => {
      const o = document.createElement('option');
      o.value = q.key;
      o.textContent = q.label;
      return o;
    }));
    if (others.some((q) => q.key === keep)) el.compareBase.value = keep;
    el.compare.hidden = !comparable(p);
    $('compare-go').disabled = others.length === 0;
    el.compareNormalize.disabled = el.compareMode.value === 'merge';
    if (!others.length) el.compareNote.textContent = 'open another profile to compare with';
    else if (el.compareNote.textContent.startsWith('open another')) el.compareNote.textContent = '';
    el.diffBar.hidden = !(p && p.diff);
    hooks.dataset.diff = p && p.diff ? '1' : '0';
  }

  function renderDiffScale() {
    const stops = [-1, -0.5, -0.1, 0, 0.1, 0.5, 1].map((r, i, a) =>
      `${diffColor(r >= 0 ? 1 : 1 + r, r >= 0 ? 1 - r : 1, diffPalette)} ${Math.round((100 * i) / (a.length - 1))}%`);
    el.diffScale.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
  }

  async function runCompare() {
    const p = current;
    const b = profiles.find((q) => q.key === el.compareBase.value);
    if (!p || !b) return;
    const mode = el.compareMode.value;
    const normalize = mode !== 'merge' && el.compareNormalize.checked;
    const name = mode === 'merge'
      ? `${p.label} + ${b.label}`
      : `${p.label} vs ${b.label} (${mode === 'diff_base' ? 'diff_base' : 'base'}${normalize ? ', normalized' : ''})`;
    el.compareNote.textContent = 'comparing…';
    let s = null;
    try {
      s = mode === 'merge'
        ? await compare([p.session, b.session], [], { name })
        : await compare([p.session], [b.session], { diff: mode === 'diff_base', normalize, name });
      const q = await addProfile(s, name, { diff: mode === 'diff_base', compared: { source: p.key, base: b.key, mode, normalize } });
      s = null;
      if (q.info.sample_types.some((st) => st.type === p.sampleType)) q.sampleType = p.sampleType;
      el.compareNote.textContent = '';
      el.compare.open = false;
      await selectProfile(q);
      emit('compared', { name, mode, normalize });
    } catch (e) {
      if (s) s.close();
      el.compareNote.textContent = '';
      reportError(e);
    }
  }

  el.compareMode.addEventListener('change', renderCompare);
  el.compareForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    runCompare();
  });
  el.diffPalette.addEventListener('change', () => {
    diffPalette = DIFF_PALETTES[el.diffPalette.value] ? el.diffPalette.value : 'red-green';
    flame.setDiffPalette(diffPalette);
    callersFlame.setDiffPalette(diffPalette);
    renderDiffScale();
    hooks.dataset.diffPalette = diffPalette;
    drawFlame();
  });
  flame.setDiffPalette(diffPalette);
  callersFlame.setDiffPalette(diffPalette);
  renderDiffScale();

  // ------------------------------------------------------------ filters

  function renderFilters() {
    for (const input of el.filterInputs) input.value = filters[input.dataset.key] || '';
    const n = Object.keys(filters).length;
    el.filterCount.textContent = n ? ` (${n})` : '';
    hooks.dataset.filters = JSON.stringify(filters);
    if (transformsBar) transformsBar.render();
  }

  // Zoom roots are node ids of a profile's (filtered) tree: they do not
  // carry over to other filters.
  async function setFilters(next) {
    const clean = cleanFilters(next);
    if (JSON.stringify(clean) === JSON.stringify(filters)) return;
    filters = clean;
    for (const p of profiles) resetZooms(p);
    renderFilters();
    emit('filters', { ...filters });
    el.filterNote.textContent = '';
    el.filterNote.classList.remove('invalid');
    if (!current) return;
    await refreshAll();
    noteMatches(current);
  }

  async function noteMatches(p) {
    if (!Object.keys(filters).length) return;
    try {
      const m = await p.session.filterMatches(filters);
      if (p !== current) return;
      const none = Object.keys(filters).filter((k) => k !== 'prune_from' && m[k] === false);
      el.filterNote.textContent = none.length ? `${none.join(', ')} matched no samples` : '';
    } catch (e) {
      if (p !== current) return;
      el.filterNote.textContent = e && e.message ? e.message.replace(/^[^:]*: /, '') : String(e);
      el.filterNote.classList.add('invalid');
    }
  }

  el.filterForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    // Options without a field here (tagshow, taghide: from the address) stay.
    const next = { ...filters };
    for (const input of el.filterInputs) next[input.dataset.key] = input.value;
    setFilters(next);
  });
  el.filterClear.addEventListener('click', () => setFilters({}));
  // The call-tree transforms (ui/transforms.js): part of the filters.
  const transformsBar = new TransformsBar($('transforms'), {
    selected: () => (fview.view === 'sandwich' && fview.func) || selectedName,
    get: () => cleanTransforms(filters.transforms),
    set: (list) => setFilters({ ...filters, transforms: list }),
  });
  renderFilters();
  if (Object.keys(filters).length) el.filters.open = true;

  // ------------------------------------------------------ flame and table

  function refreshAll() {
    refreshPeek();
    refreshLabels();
    return Promise.all([refreshFlame(), refreshTable(), refreshMatch()]);
  }

  function flameWidth() {
    // Content width of the scroll box (its padding is 6px a side).
    return Math.max(100, el.flameWrap.clientWidth - 12);
  }

  async function refreshFlame() {
    const p = current;
    if (!p) return;
    const width = flameWidth();
    const v = fview;
    const a = await flameAsk.ask(async () => {
      const common = { sampleIndex: p.sampleType, minWidth: 0.5 / width, filters, leftHeavy: v.leftHeavy, diff: p.diff };
      if (v.view !== 'sandwich') {
        const kind = v.view === 'inverted' ? 'inverted' : 'flame';
        return { layout: await p.session.layout({ ...common, kind, root: mainRoot(p) }), callers: null };
      }
      const func = sandwichFunc(p);
      return {
        layout: await p.session.layout({ ...common, kind: 'sandwich-callees', root: p.calleesRoot, func }),
        callers: await p.session.layout({ ...common, kind: 'sandwich-callers', root: p.callersRoot, func }),
      };
    }, () => p === current);
    if (!a.current) return;
    if (!a.ok) {
      reportError(a.error);
      return;
    }
    const { layout, callers } = a.value;
    {
      // The cursor stays on its node if the new layout has it (a
      // relayout for a new width keeps it; another view drops it).
      if (cursor >= 0) {
        const old = cursorPane === 'callers' ? p.callersLayout : p.layout;
        const node = old && cursor < old.node.length && p.layoutView === v.view ? old.node[cursor] : -1;
        const nl = cursorPane === 'callers' ? callers : layout;
        cursor = node >= 0 && nl ? nl.node.indexOf(node) : -1;
      }
      p.layout = layout;
      p.callersLayout = callers;
      p.layoutView = v.view;
      flame.setFlipped(v.view === 'flame');
      flame.setData(layout, p.funcs.names, p.colors, mainRoot(p));
      if (callers) callersFlame.setData(callers, p.funcs.names, p.colors, p.callersRoot);
      renderBreadcrumb();
      renderSandwichHead();
      drawFlame();
    }
  }

  function drawFlame() {
    const p = current;
    if (!p || !p.layout) return;
    const width = flameWidth();
    drawnWidth = width;
    drawnRatio = window.devicePixelRatio;
    const sandwich = !!p.callersLayout && fview.view === 'sandwich';
    el.callersWrap.hidden = !sandwich;
    const callersNodes = sandwich ? callersFlame.draw(width) : 0;
    const nodes = flame.draw(width);
    hideHover();
    flameDraws++;
    hooks.dataset.flameNodes = String(nodes);
    hooks.dataset.callersNodes = String(callersNodes);
    hooks.dataset.flameDraws = String(flameDraws);
    hooks.dataset.flameRoot = String(mainRoot(p));
    hooks.dataset.flameView = p.layoutView || 'icicle';
    hooks.dataset.sampleType = p.sampleType;
    emitDom('gopherlens:drawn', { nodes, file: p.name, sampleType: p.sampleType });
  }

  async function refreshTable() {
    const p = current;
    if (!p) return;
    // The table follows every view's zoom (the samples under the zoomed
    // node of that view's tree; the sandwich: under its callees' zoom,
    // every stack through the function at the top). A diff_base
    // comparison's table covers the whole view (base, current and change
    // per function, as diffTop() gives them).
    // At the sandwich's top the table is the whole profile's, to pick
    // another function from.
    const v = fview.view;
    const callers = v === 'sandwich' && p.tablePane === 'callers';
    let view = null;
    let root = p.root;
    if (!callTreeView()) {
      root = v === 'inverted' ? p.invRoot : callers ? p.callersRoot : p.calleesRoot;
      view = v === 'inverted' ? { kind: 'inverted' } : { kind: callers ? 'sandwich-callers' : 'sandwich-callees', func: sandwichFunc(p) };
      if (!root) view = null;
    }
    if (p.diff) root = 0;
    const a = await tableAsk.ask(() => (p.diff
      ? p.session.diffTop({ sampleIndex: p.sampleType, filters, granularity })
      : p.session.top({ sampleIndex: p.sampleType, root, filters, granularity, view })), () => p === current);
    if (!a.current) return;
    if (!a.ok) {
      reportError(a.error);
      return;
    }
    const top = a.value;
    {
      p.top = top;
      const scope = root ? `under ${nodeName(p, root, callers ? p.callersLayout : p.layout)}` : '';
      table.setColumns(p.diff ? 'diff' : 'top');
      table.setData(top, scope);
      if (selectedName !== null) table.setSelected(selectedName);
      tableUpdates++;
      hooks.dataset.tableUpdates = String(tableUpdates);
      hooks.dataset.tableRoot = String(root);
      hooks.dataset.tableSampleType = top.sample_type;
      emitDom('gopherlens:table', { rows: top.rows.length, root, file: p.name, sampleType: top.sample_type });
      // A sandwich waiting for a function takes the table's first row.
      if (fview.view === 'sandwich' && fview.func === null && top.rows.length) refreshFlame();
    }
  }

  function nodeName(p, node, L = p.layout) {
    if (!L) return `node ${node}`;
    const i = L.node.indexOf(node);
    if (i < 0) return `node ${node}`;
    const f = L.func[i];
    return f === 0xffffffff ? 'root' : p.funcs.names[f];
  }

  let resizeTimer = 0;
  const resizeObserver = new ResizeObserver(() => {
    if (!current || !current.layout || el.view.hidden) return;
    const w = flameWidth();
    if (w === drawnWidth && window.devicePixelRatio === drawnRatio) return;
    drawFlame(); // rescale what we have now, lay out again for the new width shortly
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(refreshFlame, 150);
  });
  resizeObserver.observe(el.flameWrap);

  // A change of devicePixelRatio (zoom, another monitor) needs a sharper or
  // smaller backing store, at the same CSS size.
  let ratioQuery = null;
  function watchPixelRatio() {
    if (ratioQuery) ratioQuery.removeEventListener('change', onRatio);
    ratioQuery = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    ratioQuery.addEventListener('change', onRatio);
  }
  function onRatio() {
    if (current && current.layout && !el.view.hidden) drawFlame();
    watchPixelRatio();
  }
  watchPixelRatio();

  // ------------------------------------------------------------------ zoom

  // Zoom roots per view: p.root is the call tree's (flame, icicle; the
  // table follows it), the others are node ids of their own trees.
  function callTreeView() {
    return fview.view === 'icicle' || fview.view === 'flame';
  }

  function mainRoot(p) {
    if (callTreeView()) return p.root;
    return (fview.view === 'inverted' ? p.invRoot : p.calleesRoot) || 0;
  }

  function zoomTo(node, pane = 'main') {
    const p = current;
    if (!p) return;
    hideTooltip();
    // The table follows the zoom of the pane zoomed last.
    if (pane === 'callers') {
      if (node === p.callersRoot) return;
      p.callersRoot = node;
      p.tablePane = 'callers';
    } else if (callTreeView()) {
      if (node === p.root) return;
      p.root = node;
    } else {
      if (node === mainRoot(p)) return;
      if (fview.view === 'inverted') p.invRoot = node;
      else p.calleesRoot = node;
      p.tablePane = 'main';
    }
    refreshAll();
  }

  function paneLayout(pane) {
    return pane === 'callers' ? current.callersLayout : current.layout;
  }

  function zoomToIndex(i, pane = 'main') {
    if (!current || !paneLayout(pane)) return;
    zoomTo(paneLayout(pane).node[i], pane);
  }

  /** A click on a box: zooms there and selects its function (the table row too). */
  function clickNode(i, pane) {
    if (!current || !paneLayout(pane)) return;
    noteSelection(layoutName(paneLayout(pane), i));
    zoomToIndex(i, pane);
  }

  function layoutName(L, i) {
    const f = L.func[i];
    return f === 0xffffffff ? null : current.funcs.names[f];
  }

  /** The function selected in a view: its table row is highlighted and scrolled to. */
  function noteSelection(name) {
    if (name === null || name === undefined) return;
    selectedName = name;
    table.setSelected(name);
    hooks.dataset.selected = name;
    const row = Array.from(el.table.tBodies[0]?.rows || []).find((tr) => tr.dataset.name === name);
    if (row && row.scrollIntoView) row.scrollIntoView({ block: 'nearest' });
  }

  /** Resets every view's zoom of profile p. */
  function resetZooms(p) {
    p.root = 0;
    p.invRoot = 0;
    p.calleesRoot = 0;
    p.callersRoot = 0;
  }

  // ------------------------------------------------------ flame views

  /** The sandwich's function: the one asked for, else the selected one, else the table's first row. */
  function sandwichFunc(p) {
    if (fview.func === null) {
      const name = selectedName || (p.top && p.top.rows.length ? p.top.rows[0].name : null);
      if (name !== null) {
        fview = { ...fview, func: name };
        renderViewControls();
        emit('flame-view', { ...fview });
      }
    }
    return fview.func;
  }

  function renderViewControls() {
    for (const b of el.viewModes) b.setAttribute('aria-pressed', String(b.dataset.mode === fview.view));
    el.leftHeavy.checked = fview.leftHeavy;
    hooks.dataset.flameViewWanted = fview.view;
    hooks.dataset.leftHeavy = fview.leftHeavy ? '1' : '0';
    hooks.dataset.sandwichFunc = fview.func || '';
  }

  function renderSandwichHead() {
    const p = current;
    const on = fview.view === 'sandwich' && p && p.layout;
    el.sandwichHead.hidden = !on;
    if (!on) return;
    const st = sampleTypeInfo(p);
    const name = fview.func;
    el.sandwichHead.dataset.func = name || '';
    el.sandwichHead.dataset.flat = String(p.layout.focusFlat);
    el.sandwichHead.dataset.cum = String(p.layout.focusCum);
    if (name === null) {
      el.sandwichHead.textContent = 'Sandwich: pick a function in the table below';
      return;
    }
    const fn = document.createElement('strong');
    fn.textContent = name;
    fn.title = name;
    el.sandwichHead.replaceChildren('Sandwich of ', fn,
      ` · flat ${formatValue(p.layout.focusFlat, st.unit)} (${formatPercent(p.layout.focusFlat, st.total)})` +
      ` · cum ${formatValue(p.layout.focusCum, st.unit)} (${formatPercent(p.layout.focusCum, st.total)})` +
      ' · callers above, callees below');
  }

  /** Sets the flame view ({view, leftHeavy, func}, fields optional); emits 'flame-view'. */
  async function setFlameView(next = {}) {
    const merged = cleanFlameView({ ...fview, ...next });
    if (JSON.stringify(merged) === JSON.stringify(fview)) return;
    const funcChanged = merged.func !== fview.func;
    const viewChanged = merged.view !== fview.view;
    fview = merged;
    if (funcChanged) for (const p of profiles) { p.calleesRoot = 0; p.callersRoot = 0; }
    renderViewControls();
    emit('flame-view', { ...fview });
    if (!current) return;
    // The table follows the call tree's zoom only in the call tree's views.
    if (viewChanged) await refreshAll();
    else await refreshFlame();
  }

  for (const b of el.viewModes) b.addEventListener('click', () => setFlameView({ view: b.dataset.mode }));
  el.leftHeavy.addEventListener('change', () => setFlameView({ leftHeavy: el.leftHeavy.checked }));
  renderViewControls();

  function renderBreadcrumb() {
    const p = current;
    const L = p.layout;
    const items = [];
    const reset = document.createElement('button');
    reset.type = 'button';
    reset.className = 'reset';
    reset.textContent = 'Reset zoom';
    const root = mainRoot(p);
    reset.disabled = root === 0 && !p.callersRoot;
    reset.addEventListener('click', resetView);
    items.push(reset);
    const last = Math.max(0, L.node.indexOf(root));
    for (let i = 0; i <= last; i++) {
      if (i > 0) {
        const sep = document.createElement('span');
        sep.className = 'sep';
        sep.textContent = '›';
        items.push(sep);
      }
      const b = document.createElement('button');
      b.type = 'button';
      const f = L.func[i];
      const name = f === 0xffffffff ? 'root' : p.funcs.names[f];
      b.textContent = name;
      b.title = name;
      const node = L.node[i];
      b.dataset.node = String(node);
      if (i === last) b.setAttribute('aria-current', 'true');
      else b.addEventListener('click', () => zoomTo(node));
      items.push(b);
    }
    el.breadcrumb.replaceChildren(...items);
  }

  // -------------------------------------------------------- hover tooltip

  function hideHover() {
    el.hover.hidden = true;
  }

  function hideTooltip() {
    el.tooltip.hidden = true;
    hideHover();
  }

  function hover(i, ev, pane = 'main') {
    const p = current;
    const L = p ? paneLayout(pane) : null;
    if (i < 0 || !L) {
      hideTooltip();
      return;
    }
    const st = sampleTypeInfo(p);
    const f = L.func[i];
    const isRoot = f === 0xffffffff;
    const name = isRoot ? 'root' : p.funcs.names[f];
    const file = isRoot ? '' : p.funcs.files[f];
    const line = L.line[i];
    const fn = document.createElement('div');
    fn.className = 'fn';
    fn.textContent = name;
    const parts = [fn];
    if (file) {
      const fl = document.createElement('div');
      fl.className = 'file';
      fl.textContent = line ? `${file}:${line}` : file;
      parts.push(fl);
    }
    const dl = document.createElement('dl');
    const rows = L.baseTotal
      // A diff layout: both profiles' values and the change (percent of
      // the base's total, pprof's total of a diff_base view).
      ? [['base', L.baseTotal[i]], ['current', L.total[i]], ['delta', L.total[i] - L.baseTotal[i], true],
        ['self delta', L.self[i] - L.baseSelf[i], true]]
      : [['self', L.self[i]], ['total', L.total[i]]];
    for (const [k, v, signed] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      let text = `${signed && v > 0 ? '+' : ''}${formatValue(v, st.unit)} (${formatPercent(v, st.total)})`;
      if (k === 'delta' && L.baseTotal[i] !== 0) text += ` · ${v > 0 ? '+' : ''}${((100 * v) / L.baseTotal[i]).toFixed(1)}% of base`;
      dd.textContent = text;
      dl.append(dt, dd);
    }
    parts.push(dl);
    const hint = document.createElement('div');
    hint.className = 'hint';
    const root = pane === 'callers' ? p.callersRoot : mainRoot(p);
    hint.textContent = L.node[i] === root ? (root ? 'zoom root · click an ancestor to zoom out' : 'whole view') : 'click to zoom';
    parts.push(hint);
    el.tooltip.replaceChildren(...parts);
    el.tooltip.hidden = false;
    // Keep the tooltip inside the window.
    const pad = 14;
    const tw = el.tooltip.offsetWidth;
    const th = el.tooltip.offsetHeight;
    let x = ev.clientX + pad;
    let y = ev.clientY + pad;
    if (x + tw > window.innerWidth - 4) x = Math.max(4, ev.clientX - tw - pad);
    if (y + th > window.innerHeight - 4) y = Math.max(4, ev.clientY - th - pad);
    el.tooltip.style.left = `${x}px`;
    el.tooltip.style.top = `${y}px`;
    // Outline the box under the pointer.
    // In the panel's scrolled coordinates (the canvas is sticky: where it
    // sits in them depends on the scroll).
    // (The outline lives in the main panel: none for the callers'.)
    if (pane === 'callers') return;
    const b = flame.box(i);
    const cr = el.canvas.getBoundingClientRect();
    const wr = el.flameWrap.getBoundingClientRect();
    const wrap = el.flameWrap;
    el.hover.style.left = `${cr.left - wr.left - wrap.clientLeft + wrap.scrollLeft + b.x}px`;
    el.hover.style.top = `${cr.top - wr.top - wrap.clientTop + wrap.scrollTop + b.y}px`;
    el.hover.style.width = `${Math.max(2, b.w)}px`;
    el.hover.style.height = `${b.h}px`;
    el.hover.hidden = false;
  }

  el.flameWrap.addEventListener('scroll', hideTooltip);

  // ----------------------------------------------- search and selection

  function compileSearch() {
    const text = search.text;
    el.search.classList.remove('invalid');
    if (!text) {
      search.re = null;
      return;
    }
    // Smart case: all lower case matches either case.
    const flags = text === text.toLowerCase() ? 'i' : '';
    try {
      search.re = new RegExp(text, flags);
    } catch {
      // Not a valid regexp: match it as plain text.
      search.re = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags);
      el.search.classList.add('invalid');
    }
  }

  function maskFor(re) {
    if (!re || !current) return null;
    const names = current.funcs.names;
    const mask = new Uint8Array(names.length);
    for (let i = 0; i < names.length; i++) if (re.test(names[i])) mask[i] = 1;
    return mask;
  }

  function nameMask(name) {
    if (name === null || !current) return null;
    const names = current.funcs.names;
    const mask = new Uint8Array(names.length);
    for (let i = 0; i < names.length; i++) if (names[i] === name) mask[i] = 1;
    return mask;
  }

  let searchTimer = 0;
  el.search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(applySearch, 120);
  });
  el.search.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      el.search.value = '';
      clearTimeout(searchTimer);
      applySearch();
    } else if (ev.key === 'Enter') {
      clearTimeout(searchTimer);
      applySearch();
    }
  });

  function applySearch() {
    if (el.search.value === search.text) return;
    search.text = el.search.value;
    compileSearch();
    if (!current) return;
    flame.setMasks(maskFor(search.re), nameMask(selectedName));
    callersFlame.setMasks(flame.searchMask, flame.selectedMask);
    drawFlame();
    refreshMatch();
  }

  async function refreshMatch() {
    const p = current;
    if (!p || !search.re) {
      matchAsk.cancel();
      el.match.textContent = '';
      el.match.classList.remove('hit');
      return;
    }
    const mask = flame.searchMask || maskFor(search.re);
    const a = await matchAsk.ask(() => p.session.matchedTotal({ sampleIndex: p.sampleType, root: callTreeView() ? p.root : 0, funcMask: mask, filters }),
      () => p === current);
    if (!a.current) return;
    if (!a.ok) {
      reportError(a.error);
      return;
    }
    const total = a.value;
    const st = sampleTypeInfo(p);
    el.match.textContent = `matched: ${formatValue(total, st.unit)} (${formatPercent(total, st.total)} of total)`;
    el.match.classList.toggle('hit', total > 0);
  }

  function selectFunction(name) {
    selectedName = name;
    const mask = nameMask(name);
    flame.setMasks(flame.searchMask, mask);
    callersFlame.setMasks(flame.searchMask, mask);
    if (name !== null) hooks.dataset.selected = name;
    refreshPeek();
    // In the sandwich, a row picks its function.
    if (fview.view === 'sandwich' && name !== null && name !== fview.func) setFlameView({ func: name });
    else drawFlame();
  }

  listen(container, 'keydown', (ev) => {
    if (ev.key === 'Escape') {
      hideTooltip();
      hideError();
    }
    // Rows that act on click (tables of every tab) act on Enter and Space
    // too, and so do the labels that open the file picker.
    if ((ev.key === 'Enter' || ev.key === ' ') && ev.target instanceof Element && ev.target.matches('tr[tabindex], label[for="file-input"]')) {
      ev.preventDefault();
      if (ev.target.matches('label')) el.fileInput.click();
      else ev.target.click();
    }
    // The tab list: Left/Right move to the previous/next tab that applies.
    if ((ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') && el.tabButtons.includes(ev.target)) {
      const on = el.tabButtons.filter((b) => !b.disabled);
      const i = on.indexOf(ev.target);
      const next = on[(i + (ev.key === 'ArrowRight' ? 1 : on.length - 1)) % on.length];
      if (next && next !== ev.target) {
        ev.preventDefault();
        next.focus();
        showTab(next.dataset.tab);
      }
    }
  });


  // -------------------------------------------------------------- keyboard
  //
  // A graph takes the keyboard when focused (README "Views"): arrows move
  // a cursor frame in the direction drawn (towards the root is up in an
  // icicle, down in a flame graph and in the sandwich's callers; left/right
  // its neighbours) and select its function in the table, Enter zooms to
  // it, + zooms one level in (towards the cursor), - one level out, Escape
  // resets zoom and selection. "/" anywhere in the UI focuses the search.
  let cursor = -1; // layout index of the keyboard cursor
  let cursorPane = 'main';
  const panes = { main: { fg: flame, canvas: el.canvas, wrap: el.flameWrap }, callers: { fg: callersFlame, canvas: el.callersCanvas, wrap: el.callersWrap } };

  function resetView() {
    const p = current;
    if (!p) return;
    cursor = -1;
    delete hooks.dataset.flameCursor;
    hideTooltip();
    if (callTreeView()) {
      const zoomed = p.root !== 0;
      p.root = 0;
      if (zoomed) refreshAll();
    } else {
      const zoomed = mainRoot(p) !== 0 || p.callersRoot !== 0;
      p.invRoot = 0;
      p.calleesRoot = 0;
      p.callersRoot = 0;
      if (zoomed) refreshFlame();
    }
  }

  function onGraphKey(ev, pane) {
    const p = current;
    const L = p ? paneLayout(pane) : null;
    if (!L) return;
    const { fg } = panes[pane];
    const root = pane === 'callers' ? p.callersRoot : mainRoot(p);
    const rootIndex = Math.max(0, L.node.indexOf(root));
    const flipped = fg.flipped;
    const dir = { ArrowUp: flipped ? 'down' : 'up', ArrowDown: flipped ? 'up' : 'down', ArrowLeft: 'left', ArrowRight: 'right' }[ev.key];
    const here = cursorPane === pane && cursor >= 0 && cursor < L.node.length ? cursor : -1;
    if (dir) {
      ev.preventDefault();
      const next = here < 0 ? rootIndex : fg.neighbour(here, dir);
      if (next >= 0) showCursor(next, pane);
    } else if (ev.key === 'Enter' && here >= 0) {
      ev.preventDefault();
      zoomToIndex(here, pane);
    } else if (ev.key === '+' || ev.key === '=') {
      ev.preventDefault();
      // One level in: the root's child on the way to the cursor, else its widest (leftmost) child.
      let i = here;
      if (i >= 0 && L.depth[i] > L.depth[rootIndex]) {
        while (i >= 0 && L.depth[i] > L.depth[rootIndex] + 1) i = fg.neighbour(i, 'up');
      } else {
        i = fg.neighbour(rootIndex, 'down');
      }
      if (i >= 0) zoomToIndex(i, pane);
    } else if (ev.key === '-' || ev.key === '_') {
      ev.preventDefault();
      // The path above the zoom root comes first in the layout.
      if (root !== 0) zoomToIndex(rootIndex > 0 ? rootIndex - 1 : 0, pane);
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      resetView();
    }
  }
  el.canvas.addEventListener('keydown', (ev) => onGraphKey(ev, 'main'));
  el.callersCanvas.addEventListener('keydown', (ev) => onGraphKey(ev, 'callers'));
  el.canvas.addEventListener('blur', () => { cursor = -1; hideTooltip(); });
  el.callersCanvas.addEventListener('blur', () => { cursor = -1; hideTooltip(); });
  listen(container, 'keydown', (ev) => {
    const t = ev.target;
    if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey || el.search.disabled) return;
    if (t instanceof Element && t.matches('input, textarea, select, [contenteditable]')) return;
    ev.preventDefault();
    el.search.focus();
    el.search.select();
  });

  function showCursor(i, pane = 'main') {
    cursor = i;
    cursorPane = pane;
    const L = paneLayout(pane);
    const { fg, canvas, wrap } = panes[pane];
    hooks.dataset.flameCursor = String(L.node[i]);
    hooks.dataset.cursorPane = pane;
    noteSelection(layoutName(L, i));
    const b = fg.box(i);
    // Scroll the frame into view, then show it as the pointer would.
    const top = b.y + fg.scrollTop;
    if (top < wrap.scrollTop || top + b.h > wrap.scrollTop + wrap.clientHeight) wrap.scrollTop = Math.max(0, top - wrap.clientHeight / 2);
    const cr = canvas.getBoundingClientRect();
    const nb = fg.box(i);
    hover(i, { clientX: cr.left + nb.x + Math.min(nb.w / 2, 40), clientY: cr.top + nb.y + nb.h / 2 }, pane);
  }

  // ------------------------------------------------------------ the handle

  // The theme asked for, and the scheme in force: "auto" follows the
  // system's, and a flip redraws what is on screen.
  const darkQuery = matchMedia('(prefers-color-scheme: dark)');
  function applyScheme() {
    const t = container.dataset.theme;
    const scheme = t === 'dark' || (t === 'auto' && darkQuery.matches) ? 'dark' : 'light';
    if (container.dataset.scheme === scheme) return;
    container.dataset.scheme = scheme;
    // Canvas and charts read their colours from the theme's properties.
    if (current && current.layout && activeTab === 'flame') drawFlame();
    else if (current && activeTab !== 'flame' && tabs[activeTab].restyle) tabs[activeTab].restyle();
  }
  darkQuery.addEventListener('change', applyScheme);
  function setTheme(t) {
    container.dataset.theme = THEMES.includes(t) ? t : 'auto';
    applyScheme();
  }
  setTheme(theme);

  function setView(name) {
    if (!VIEWS.includes(name)) throw new TypeError(`gopherlens: unknown view "${name}" (one of ${VIEWS.join(', ')})`);
    const btn = el.tabButtons.find((x) => x.dataset.tab === name);
    if (btn && !btn.disabled) {
      wantedView = null;
      showTab(name);
    } else {
      wantedView = name; // shown when a profile it applies to is opened
    }
  }

  function setOptions(opts = {}) {
    if (opts.maxInflate !== undefined) maxInflate = Number(opts.maxInflate) || 0;
    if (opts.granularity !== undefined) setGranularity(opts.granularity || 'functions');
    if (opts.sampleIndex !== undefined) {
      wantedSampleIndex = opts.sampleIndex ? String(opts.sampleIndex) : null;
      if (current && current.info.sample_types.some((st) => st.type === wantedSampleIndex) && current.sampleType !== wantedSampleIndex) {
        current.sampleType = wantedSampleIndex;
        el.sampleType.value = wantedSampleIndex;
        renderSummary();
        refreshAll();
      }
    }
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    for (const off of unlisten.splice(0)) off();
    resizeObserver.disconnect();
    if (ratioQuery) ratioQuery.removeEventListener('change', onRatio);
    darkQuery.removeEventListener('change', applyScheme);
    clearTimeout(resizeTimer);
    clearTimeout(searchTimer);
    clearTimeout(progressTimer);
    tabs.gc.dispose();
    for (const p of profiles.splice(0)) p.session.close();
    current = null;
    subscribers.clear();
    shadow.replaceChildren();
    shadow.adoptedStyleSheets = [];
    mounted.delete(element);
  }

  const handle = {
    /** Opens more profiles; resolves to one {name, ok, format?, error?} per file. */
    add: (more) => (destroyed ? Promise.reject(new Error('gopherlens: the view was destroyed')) : loadFiles(more)),
    setView,
    setOptions,
    setTheme,
    /** Sets pprof's sample filters for every profile ({focus, ignore, hide, show, show_from, prune_from}; {} clears). */
    setFilters: (f) => (destroyed ? Promise.resolve() : setFilters(f)),
    /** The filters in force. */
    get filters() { return { ...filters }; },
    /** Sets the flame tab's view: {view: 'icicle'|'flame'|'inverted'|'sandwich', leftHeavy, func} (fields optional). */
    setFlameView: (v) => (destroyed ? Promise.resolve() : setFlameView(v)),
    /** The flame tab's view in force: {view, leftHeavy, func}. */
    get flameView() { return { ...fview }; },
    /** Shows `message` in the error banner (and emits 'error'), as a file that failed would. */
    showError: (message) => { if (!destroyed) reportError(new Error(String(message))); },
    /** The view on screen. */
    get view() { return activeTab; },
    /** Names of the open profiles, in the order opened. */
    get profiles() { return profiles.map((p) => p.label); },
    /** Subscribes to 'view-changed' {view}, 'loaded' {name, format}, 'error' {message}, 'filters' {focus, …} or 'flame-view' {view, leftHeavy, func}; returns an unsubscribe function. */
    on(type, fn) {
      if (!subscribers.has(type)) subscribers.set(type, new Set());
      subscribers.get(type).add(fn);
      return () => handle.off(type, fn);
    },
    off(type, fn) {
      const set = subscribers.get(type);
      if (set) set.delete(fn);
    },
    destroy,
  };

  // Compile the core while the user picks a file; a failure here resurfaces,
  // with its message, when a file is opened.
  preload().catch(() => {});
  if (files && (files[Symbol.iterator] || files.length)) {
    const list = Array.from(files);
    if (list.length) loadFiles(list);
  }
  return handle;
}
