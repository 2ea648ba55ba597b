// The Maps tab: which Go maps hold the heap (README "Map retention").
//
// For the current heap profile it runs session.maps() joined with every
// loaded CPU profile (each can be left out), optionally a base heap profile
// and earlier heap snapshots the user picks, and shows the header, the
// findings, and the retention table (sortable, filterable, rows expand to
// their call paths; a click on a row focuses the flame graph on the site's
// function). CSV and JSON export are built in the page (Blob downloads).
//
// The core is asked for a bounded number of sites, map sites first
// (`mapsFirst`), and more on demand: a big profile has tens of thousands.
//
// Test hooks: after every render <html data-maps-rows="N"> (site rows in the
// DOM), data-maps-findings, data-maps-sites (sites received), data-maps-renders
// (a counter) and a "gopherlens:maps" event {rows, findings, sites, file};
// site rows carry data-kind, data-evidence, data-function, data-file,
// data-line and the four values.

import { formatValue } from '../base/format.js';
import { h } from '../base/dom.js';
import { Latest } from '../core/latest.js';

/** Sites requested at first; each "Load more" doubles the number. */
export const MAPS_LIMIT = 300;
/** Call paths requested per map site (a deep profile's paths dominate the JSON). */
export const MAPS_PATHS = 3;
/** Site rows put in the DOM at most. */
const MAX_ROWS = 500;
/** Findings listed at most. */
const MAX_FINDINGS = 200;
const EVIDENCE_RANK = { exact: 3, sizes: 2, none: 1 };
// The SVG namespace, from the HTML parser (www/ names no URL at all: tests/browser/offline.test.mjs).
const SVG = (() => {
  const t = document.createElement('template');
  t.innerHTML = '<svg></svg>';
  return t.content.firstChild.namespaceURI;
})();


const isMapKind = (kind) => kind.startsWith('map-') || kind === 'sync-map';
const siteKey = (s) => `${s.function}\u0000${s.file}:${s.line}`;
const num = (v) => Number(v); // i64 values beyond 2^53 arrive as BigInt
const bytes = (v) => formatValue(num(v), 'bytes');
const count = (v) => formatValue(num(v), 'count');


function isHeap(p) {
  return p.info.format === 'pprof' && p.info.sample_types.some((st) => st.type === 'inuse_space' || st.type === 'alloc_space');
}

/** A stack profile whose stacks keep runtime frames: CPU profiles, traces. */
function isCpu(p) {
  return !isHeap(p) && p.info.format !== 'gctrace' && p.info.format !== 'go-binary' &&
    p.info.sample_types.some((st) => st.type === 'cpu' || st.type === 'samples');
}

/** A Go executable (ELF), joined for the lines that call map code. */
function isBinary(p) {
  return p.info.format === 'go-binary';
}

/** Oldest first: by the profile's time, then by load order. */
function byTime(a, b) {
  const ta = Number(a.info.time_ns || 0);
  const tb = Number(b.info.time_ns || 0);
  return ta !== tb ? ta - tb : Number(a.key) - Number(b.key);
}

function rateText(rate) {
  const r = num(rate);
  if (r === 1) return 'every allocation recorded (MemProfileRate=1)';
  if (r > 1) return `one sample per ${bytes(r)} allocated on average (MemProfileRate=${r})`;
  return 'sample rate unknown';
}

function estimateText(e) {
  if (!e || !e.layout) return '';
  const parts = [];
  const unit = e.layout === 'classic' ? 'bucket' : 'group';
  if (e.bucket_size !== null) parts.push(`${unit} ${e.bucket_size} B`);
  else if (e.alternatives.length) parts.push(`${unit} ${e.alternatives.join('|')} B`);
  if (e.buckets !== null) parts.push(`${count(e.buckets)} buckets`);
  if (e.tables !== null) parts.push(`${count(e.tables)} tables`);
  if (e.groups !== null) parts.push(`${count(e.groups)} groups`);
  if (e.capacity !== null) parts.push(`cap ${count(e.capacity)}`);
  if (e.maps !== null) parts.push(`${count(e.maps)} maps`);
  if (e.old_array_alive) parts.push('old array alive');
  return `${e.layout}: ${parts.join(', ')}`;
}

/** The last two parts of a source path (the whole path is the cell's title). */
function shortFile(file) {
  const parts = file.split('/');
  return parts.length > 2 ? `…/${parts.slice(-2).join('/')}` : file;
}

function pct(x) {
  return `${(100 * x).toFixed(1)}%`;
}

/** Inline SVG sparkline of in-use bytes over the snapshots. */
function sparkline(trend) {
  const W = 84;
  const H = 20;
  const vals = trend.map((t) => num(t.inuse_space));
  const max = Math.max(...vals, 1);
  const step = vals.length > 1 ? (W - 4) / (vals.length - 1) : 0;
  const pts = vals.map((v, i) => [2 + i * step, H - 2 - (v / max) * (H - 4)]);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'maps-spark');
  svg.setAttribute('role', 'img');
  const label = `in use per snapshot, oldest first: ${vals.map((v) => bytes(v)).join(' → ')}`;
  svg.setAttribute('aria-label', label);
  const title = document.createElementNS(SVG, 'title');
  title.textContent = label;
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#2f6fde');
  line.setAttribute('stroke-width', '1.5');
  const [lx, ly] = pts[pts.length - 1];
  const dot = document.createElementNS(SVG, 'circle');
  dot.setAttribute('cx', lx.toFixed(1));
  dot.setAttribute('cy', ly.toFixed(1));
  dot.setAttribute('r', '2');
  dot.setAttribute('fill', '#2f6fde');
  svg.append(title, line, dot);
  return svg;
}

// Columns of the retention table. `get` gives the sort key; `num` columns
// sort descending on the first click.
const COLUMNS = [
  { key: 'function', label: 'Function', cls: 'name', get: (s) => s.function },
  { key: 'where', label: 'File:line', cls: 'where', get: (s) => `${s.file}:${String(s.line).padStart(8, '0')}` },
  { key: 'kind', label: 'Kind', get: (s) => s.kind },
  { key: 'evidence', label: 'Evidence', get: (s) => EVIDENCE_RANK[s.evidence] || 0, num: true },
  { key: 'verdict', label: 'Verdict', get: (s) => s.verdict },
  { key: 'alloc_objects', label: 'Alloc objs', num: true, get: (s) => num(s.alloc_objects), fmt: (s) => count(s.alloc_objects) },
  { key: 'alloc_space', label: 'Alloc space', num: true, get: (s) => num(s.alloc_space), fmt: (s) => bytes(s.alloc_space) },
  { key: 'inuse_objects', label: 'In-use objs', num: true, get: (s) => num(s.inuse_objects), fmt: (s) => count(s.inuse_objects) },
  { key: 'inuse_space', label: 'In-use space', num: true, get: (s) => num(s.inuse_space), fmt: (s) => bytes(s.inuse_space) },
  { key: 'retention', label: 'Retained', num: true, get: (s) => s.retention, fmt: (s) => pct(s.retention) },
  { key: 'delta', label: 'Δ in use', num: true, when: (m) => m.base, get: (s) => (s.delta ? num(s.delta.inuse_space) : 0), fmt: (s) => (s.delta ? bytes(s.delta.inuse_space) : '') },
  { key: 'trend', label: 'Trend', num: true, when: (m) => m.snapshots > 1, get: (s) => trendGrowth(s.trend) },
  { key: 'estimate', label: 'Estimate', cls: 'estimate', get: (s) => estimateText(s.estimate) },
];

function trendGrowth(trend) {
  if (trend.length < 2) return 0;
  return num(trend[trend.length - 1].inuse_space) - num(trend[0].inuse_space);
}

// ------------------------------------------------------------ export

/** JSON text of the result, integers beyond 2^53 (BigInt) written exactly. */
export function toJsonText(value) {
  const MARK = '\u0000big:';
  const text = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? MARK + v.toString() : v), 1);
  return text.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

const CSV_FIELDS = [
  ['function', (s) => s.function], ['file', (s) => s.file], ['line', (s) => s.line],
  ['kind', (s) => s.kind], ['evidence', (s) => s.evidence], ['verdict', (s) => s.verdict],
  ['alloc_objects', (s) => s.alloc_objects], ['alloc_space', (s) => s.alloc_space],
  ['inuse_objects', (s) => s.inuse_objects], ['inuse_space', (s) => s.inuse_space],
  ['retention', (s) => s.retention],
  ['layout', (s) => s.estimate.layout], ['go_versions', (s) => s.estimate.go_versions],
  ['bucket_size', (s) => s.estimate.bucket_size], ['kv_size', (s) => s.estimate.kv_size],
  ['buckets', (s) => s.estimate.buckets], ['groups', (s) => s.estimate.groups], ['tables', (s) => s.estimate.tables],
  ['capacity', (s) => s.estimate.capacity], ['maps', (s) => s.estimate.maps],
  ['old_array_alive', (s) => s.estimate.old_array_alive],
  ['map_inuse_space', (s) => s.estimate.map_inuse_space],
  ['finding_codes', (s) => s.finding_codes.join(' ')],
  ['paths_total', (s) => s.paths_total],
  ['base_inuse_space', (s) => (s.base ? s.base.inuse_space : '')],
  ['delta_inuse_space', (s) => (s.delta ? s.delta.inuse_space : '')],
  ['trend_inuse_space', (s) => s.trend.map((t) => t.inuse_space).join(' ')],
];

function csvCell(v) {
  const t = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** CSV of `sites`: a header line, then one line per site. */
export function toCsv(sites) {
  const lines = [CSV_FIELDS.map(([k]) => k).join(',')];
  for (const s of sites) lines.push(CSV_FIELDS.map(([, f]) => csvCell(f(s))).join(','));
  return lines.join('\n') + '\n';
}

function download(panel, text, name, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  panel.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

function baseName(name) {
  return name.replace(/\.(pb\.gz|pprof|pb|gz|prof)$/i, '') || 'profile';
}

// --------------------------------------------------------------- the tab

export class MapsTab {
  /** @param {HTMLElement} panel  @param {object} ctx  see tabCtx in ui/mount.js */
  constructor(panel, ctx) {
    this.panel = panel;
    this.ctx = ctx;
    this.states = new Map(); // profile key -> per-profile state
    this.current = null;
    this.asks = new Latest(); // core/latest.js: stale answers dropped

    this.el = {};
    const e = this.el;
    e.inputs = h('div', { class: 'maps-inputs' });
    e.exportCsv = h('button', { type: 'button', class: 'maps-btn', id: 'maps-export-csv', text: 'Export CSV',
      title: 'The table rows matching the filter, in table order', onclick: () => this.exportCsv() });
    e.exportJson = h('button', { type: 'button', class: 'maps-btn', id: 'maps-export-json', text: 'Export JSON',
      title: 'The whole result, exactly as session.maps() / gopherlens maps --json', onclick: () => this.exportJson() });
    e.bar = h('div', { class: 'maps-bar' }, e.inputs, h('div', { class: 'maps-export' }, e.exportCsv, e.exportJson));
    e.status = h('div', { class: 'maps-status', 'aria-live': 'polite' });
    e.head = h('div', { class: 'maps-head' });
    e.findings = h('section', { class: 'maps-findings', 'aria-label': 'Findings' });
    e.filter = h('input', { type: 'search', id: 'maps-filter', placeholder: 'Filter sites (function, file, kind, evidence…)',
      'aria-label': 'Filter sites', spellcheck: 'false', autocomplete: 'off' });
    e.filter.addEventListener('input', () => {
      clearTimeout(this.filterTimer);
      this.filterTimer = setTimeout(() => this.setFilter(e.filter.value), 120);
    });
    e.mapsOnly = h('input', { type: 'checkbox', id: 'maps-only' });
    e.mapsOnly.addEventListener('change', () => {
      const st = this.state();
      if (!st) return;
      st.mapsOnly = e.mapsOnly.checked;
      st.mapsOnlyAuto = false;
      this.renderTable();
    });
    e.count = h('span', { class: 'maps-count muted' });
    e.tools = h('div', { class: 'maps-tools' }, e.filter,
      h('label', { class: 'maps-check' }, e.mapsOnly, ' map sites only'), e.count);
    e.table = h('table', { class: 'maps-table', id: 'maps-table' });
    e.tableWrap = h('div', { class: 'maps-table-wrap' }, e.table);
    e.more = h('div', { class: 'maps-more' });
    e.body = h('div', { class: 'maps-body' }, e.head, e.findings, e.tools, e.tableWrap, e.more);
    panel.replaceChildren(e.bar, e.status, e.body);
    panel.classList.add('maps-panel');
  }

  /** Whether profile p (a ui/mount.js profile entry) can be shown here. */
  applies(p) {
    return isHeap(p);
  }

  state(p = this.current) {
    if (!p) return null;
    let st = this.states.get(p.key);
    if (!st) {
      st = {
        cpuOff: new Set(), // keys of CPU profiles and binaries the user left out (new ones join)
        baseKey: null,
        snapKeys: new Set(),
        limit: MAPS_LIMIT,
        sort: { key: 'default', dir: 1 },
        filter: '',
        mapsOnly: false,
        mapsOnlyAuto: true, // map sites only when there are some, until the user decides
        expanded: new Set(),
        sig: '',
        result: null,
        error: null,
      };
      this.states.set(p.key, st);
    }
    return st;
  }

  /** The tab became visible, or the current profile changed while visible. */
  async show(p) {
    this.current = p;
    const st = this.state(p);
    this.el.filter.value = st.filter;
    this.renderInputs();
    await this.refresh();
  }

  /** The tab was hidden. */
  hide() {}

  /** Profile p was closed: drop anything kept for it. */
  forget(p) {
    this.states.delete(p.key);
    for (const st of this.states.values()) {
      st.cpuOff.delete(p.key);
      st.snapKeys.delete(p.key);
      if (st.baseKey === p.key) st.baseKey = null;
    }
    if (this.current === p) this.current = null;
  }

  /** What the analysis of the current profile joins: {cpu, binary, base, snapshots} (profile entries). */
  joined(p = this.current) {
    const st = this.state(p);
    const others = this.ctx.profiles().filter((q) => q !== p && !q.session.closed && !q.session.lost);
    const cpu = others.filter((q) => isCpu(q) && !st.cpuOff.has(q.key));
    const binary = others.filter((q) => isBinary(q) && !st.cpuOff.has(q.key));
    const base = others.find((q) => q.key === st.baseKey && isHeap(q)) || null;
    const snapshots = others.filter((q) => isHeap(q) && q !== base && st.snapKeys.has(q.key)).sort(byTime);
    return { cpu, binary, base, snapshots };
  }

  renderInputs() {
    const p = this.current;
    const st = this.state(p);
    const others = this.ctx.profiles().filter((q) => q !== p && !q.session.closed && !q.session.lost);
    const cpus = others.filter(isCpu);
    const bins = others.filter(isBinary);
    const heaps = others.filter(isHeap).sort(byTime);
    const changed = () => this.refresh();

    const cpuGroup = h('fieldset', { class: 'maps-group' }, h('legend', { text: 'Join CPU profiles' }));
    if (!cpus.length) {
      cpuGroup.append(h('span', { class: 'muted', text: 'none loaded — open a CPU profile of the same program for exact evidence' }));
    }
    for (const q of cpus) {
      const box = h('input', { type: 'checkbox', checked: !st.cpuOff.has(q.key), dataset: { key: q.key } });
      box.addEventListener('change', () => {
        if (box.checked) st.cpuOff.delete(q.key);
        else st.cpuOff.add(q.key);
        changed();
      });
      cpuGroup.append(h('label', { class: 'maps-check', title: q.name }, box, ` ${q.label}`));
    }

    const binGroup = h('fieldset', { class: 'maps-group' }, h('legend', { text: 'Join Go binary' }));
    if (!bins.length) {
      binGroup.append(h('span', { class: 'muted', text: 'none loaded — open the program that wrote the profile (Linux ELF, amd64/arm64) for exact evidence on every map line' }));
    }
    for (const q of bins) {
      const box = h('input', { type: 'checkbox', checked: !st.cpuOff.has(q.key), dataset: { key: q.key } });
      box.addEventListener('change', () => {
        if (box.checked) st.cpuOff.delete(q.key);
        else st.cpuOff.add(q.key);
        changed();
      });
      binGroup.append(h('label', { class: 'maps-check', title: q.name }, box, ` ${q.label}`));
    }

    const base = h('select', { id: 'maps-base', 'aria-label': 'Base heap profile' },
      h('option', { value: '', text: '(none)' }),
      heaps.map((q) => h('option', { value: q.key, text: q.label })));
    base.value = heaps.some((q) => q.key === st.baseKey) ? st.baseKey : '';
    base.disabled = !heaps.length;
    base.addEventListener('change', () => {
      st.baseKey = base.value || null;
      if (st.baseKey) st.snapKeys.delete(st.baseKey);
      this.renderInputs();
      changed();
    });
    const baseGroup = h('fieldset', { class: 'maps-group' }, h('legend', { text: 'Base' }), base);

    const snapGroup = h('fieldset', { class: 'maps-group' }, h('legend', { text: 'Earlier snapshots (trend)' }));
    if (!heaps.length) snapGroup.append(h('span', { class: 'muted', text: 'open earlier heap profiles of the process for a trend' }));
    for (const q of heaps) {
      const box = h('input', { type: 'checkbox', checked: st.snapKeys.has(q.key), disabled: q.key === st.baseKey, dataset: { key: q.key } });
      box.addEventListener('change', () => {
        if (box.checked) st.snapKeys.add(q.key);
        else st.snapKeys.delete(q.key);
        changed();
      });
      snapGroup.append(h('label', { class: 'maps-check', title: q.name }, box, ` ${q.label}`));
    }
    this.el.inputs.replaceChildren(cpuGroup, binGroup, baseGroup, snapGroup);
  }

  /** Recomputes if the joined inputs or the limit changed, then renders. */
  async refresh() {
    const p = this.current;
    if (!p) return;
    const st = this.state(p);
    const j = this.joined(p);
    const sig = JSON.stringify([j.cpu.map((q) => q.key), j.binary.map((q) => q.key), j.base && j.base.key, j.snapshots.map((q) => q.key), st.limit]);
    if (sig === st.sig && (st.result || st.error)) {
      this.render();
      return;
    }
    this.el.status.textContent = `Analysing ${p.label}…`;
    this.el.status.classList.remove('error');
    const a = await this.asks.ask(() => p.session.maps({
      limit: st.limit,
      paths: MAPS_PATHS,
      mapsFirst: true,
      cpu: j.cpu.map((q) => q.session),
      binary: j.binary.map((q) => q.session),
      base: j.base ? j.base.session : null,
      snapshots: j.snapshots.map((q) => q.session),
    }), () => p === this.current);
    // Kept for the profile even when stale (it is shown when p is again).
    if (!this.states.has(p.key)) return;
    st.sig = sig;
    st.result = a.ok ? a.value : null;
    st.error = a.ok ? null : (a.error && a.error.message ? a.error.message : String(a.error));
    if (a.ok && st.mapsOnlyAuto) st.mapsOnly = a.value.summary.map_sites > 0;
    if (!a.current) return;
    if (!a.ok) this.ctx.reportError(a.error);
    this.render();
  }

  render() {
    const p = this.current;
    const st = this.state(p);
    const m = st.result;
    this.el.status.textContent = st.error ? `Map analysis failed: ${st.error}` : '';
    this.el.status.classList.toggle('error', !!st.error);
    this.el.body.hidden = !m;
    this.el.exportCsv.disabled = !m;
    this.el.exportJson.disabled = !m;
    if (!m) {
      this.announce(0, 0, 0);
      return;
    }
    this.renderHead(m);
    this.renderFindings(m);
    this.el.mapsOnly.checked = st.mapsOnly;
    this.renderTable();
  }

  renderHead(m) {
    const s = m.summary;
    const facts = [
      ['Sampling', rateText(m.sample_rate)],
      ['Sites', `${count(s.sites)} allocation sites, ${count(s.map_sites)} of them map sites`],
      ['Maps hold', `${bytes(s.map_inuse_space)} of ${bytes(s.inuse_space)} in use (${pct(s.inuse_space ? num(s.map_inuse_space) / num(s.inuse_space) : 0)}), ` +
        `${bytes(s.map_alloc_space)} of ${bytes(s.alloc_space)} allocated`],
      ['Layout', s.layout ? `${s.layout}${s.layout === 'classic' ? ' (hmap buckets, Go ≤ 1.23 or noswissmap)' : s.layout === 'swiss' ? ' (Swiss tables, Go 1.24+)' : ''}` : 'no site\'s sizes fit a map layout'],
      ['Binary join', m.binary.binaries ? `${m.binary.binaries} Go binar${m.binary.binaries > 1 ? 'ies' : 'y'}, ${count(m.binary.map_calls)} calls to runtime map functions` : 'none'],
      ['CPU join', m.cpu.profiles ? `${m.cpu.profiles} profile${m.cpu.profiles > 1 ? 's' : ''}, ${count(m.cpu.samples)} samples, ${m.cpu.map_lines} source lines running map code` : 'none (evidence from frames and sizes only)'],
    ];
    for (const w of m.binary.warnings) facts.push(['Warning', w]);
    if (m.snapshots > 1) facts.push(['Snapshots', `${m.snapshots} heap profiles, oldest first (trend column)`]);
    if (m.base) facts.push(['Base', 'subtracted (Δ in use column)']);
    this.el.head.replaceChildren(h('dl', {}, facts.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])));
  }

  renderFindings(m) {
    const items = [];
    let total = 0;
    for (const site of m.sites) {
      site.findings.forEach((text, i) => {
        total++;
        if (items.length >= MAX_FINDINGS) return;
        const code = site.finding_codes[i] || '';
        const where = h('button', { type: 'button', class: 'maps-site-link', text: `${site.function} ${site.file}:${site.line}`,
          title: 'Show this function in the flame graph', onclick: () => this.focus(site) });
        const ev = h('div', { class: 'maps-evidence muted' },
          h('span', { class: `maps-badge ev-${site.evidence}`, text: site.evidence }), ' ',
          site.evidence_detail.length ? site.evidence_detail.join(' ') : 'no evidence beyond the numbers');
        items.push(h('li', { class: 'maps-finding', dataset: { code, kind: site.kind, evidence: site.evidence } },
          h('div', { class: 'maps-finding-head' }, h('span', { class: 'maps-code', text: code }), where),
          h('div', { class: 'maps-finding-text', text }), ev));
      });
    }
    const title = h('h3', { text: total ? `Findings (${total})` : 'Findings' });
    if (!total) {
      this.el.findings.replaceChildren(title, h('p', { class: 'muted', text: m.summary.map_sites ? 'Nothing notable about the map sites.' : 'No map sites found: no line is labelled a map without evidence (a CPU profile of the same program adds exact evidence).' }));
    } else {
      const more = total > items.length ? h('p', { class: 'muted', text: `${total - items.length} more findings in the table's rows and the export.` }) : null;
      this.el.findings.replaceChildren(title, h('ul', {}, items), more);
    }
    this.findingsShown = items.length;
  }

  setFilter(text) {
    const st = this.state();
    if (!st || st.filter === text) return;
    st.filter = text;
    this.renderTable();
  }

  /** The rows to show: filtered, then sorted. */
  rows() {
    const st = this.state();
    const m = st.result;
    const q = st.filter.trim().toLowerCase();
    let rows = m.sites.map((s, i) => ({ s, i }));
    if (st.mapsOnly) rows = rows.filter(({ s }) => isMapKind(s.kind));
    if (q) {
      rows = rows.filter(({ s }) => [s.function, `${s.file}:${s.line}`, s.kind, s.evidence, s.verdict, ...s.finding_codes]
        .some((t) => t.toLowerCase().includes(q)));
    }
    const { key, dir } = st.sort;
    const col = COLUMNS.find((c) => c.key === key);
    if (col) {
      rows.sort((a, b) => {
        const x = col.get(a.s);
        const y = col.get(b.s);
        const c = x < y ? -1 : x > y ? 1 : 0;
        return c * dir || a.i - b.i;
      });
    }
    return rows.map((r) => r.s);
  }

  renderTable() {
    const p = this.current;
    const st = this.state(p);
    const m = st.result;
    if (!m) return;
    const cols = COLUMNS.filter((c) => !c.when || c.when(m));
    const head = h('tr', {}, h('th', { class: 'expand', 'aria-label': 'Expand' }),
      cols.map((c) => {
        const sorted = st.sort.key === c.key;
        const th = h('th', { class: [c.num ? 'num' : '', c.cls || '', sorted ? 'sorted' : '', sorted && st.sort.dir < 0 ? 'desc' : ''].join(' ').trim(),
          'aria-sort': sorted ? (st.sort.dir < 0 ? 'descending' : 'ascending') : null, dataset: { col: c.key } },
        h('button', { type: 'button', text: c.label, title: 'Sort', onclick: () => this.sortBy(c) }));
        return th;
      }));
    const rows = this.rows();
    const shown = rows.slice(0, MAX_ROWS);
    const body = [];
    for (const s of shown) {
      const key = siteKey(s);
      const open = st.expanded.has(key);
      const toggle = h('button', { type: 'button', class: 'maps-expand', 'aria-expanded': String(open),
        'aria-label': open ? 'Hide details' : 'Show details and call paths', text: open ? '▾' : '▸' });
      toggle.addEventListener('click', (ev) => {
        ev.stopPropagation();
        if (st.expanded.has(key)) st.expanded.delete(key);
        else st.expanded.add(key);
        this.renderTable();
      });
      const cells = cols.map((c) => this.cell(c, s));
      const tr = h('tr', {
        class: ['site', isMapKind(s.kind) ? 'map' : '', open ? 'open' : ''].join(' ').trim(),
        title: `Show ${s.function} in the flame graph`,
        dataset: {
          kind: s.kind, evidence: s.evidence, verdict: s.verdict, function: s.function, file: s.file, line: String(s.line),
          allocObjects: String(s.alloc_objects), allocSpace: String(s.alloc_space),
          inuseObjects: String(s.inuse_objects), inuseSpace: String(s.inuse_space),
        },
      }, h('td', { class: 'expand' }, toggle), cells);
      tr.tabIndex = 0;
      tr.addEventListener('click', () => this.focus(s));
      body.push(tr);
      if (open) body.push(h('tr', { class: 'detail' }, h('td', { colspan: String(cols.length + 1) }, this.detail(s, m))));
    }
    if (!rows.length) {
      const why = st.mapsOnly && !m.sites.some((s) => isMapKind(s.kind))
        ? 'No map sites: untick "map sites only" to see every allocation site.'
        : 'No site matches the filter.';
      body.push(h('tr', { class: 'empty' }, h('td', { colspan: String(cols.length + 1), text: why })));
    }
    this.el.table.replaceChildren(h('thead', {}, head), h('tbody', {}, body));
    const mapRows = m.sites.filter((s) => isMapKind(s.kind)).length;
    this.el.count.textContent = (rows.length > shown.length
      ? `the first ${shown.length} of ${rows.length} matching sites shown (filter to narrow them down, or export them all)`
      : `${rows.length} of ${m.sites.length} sites shown`) + (st.mapsOnly ? ` (${mapRows} map sites)` : '');
    this.renderMore(m, st);
    this.announce(shown.length, this.findingsShown || 0, m.sites.length);
  }

  renderMore(m, st) {
    const total = m.summary.sites;
    if (m.sites.length >= total) {
      this.el.more.replaceChildren(h('span', { class: 'muted', text: `All ${count(total)} sites loaded.` }));
      return;
    }
    const next = Math.min(total, st.limit * 2);
    this.el.more.replaceChildren(
      h('span', { class: 'muted', text: `Loaded ${count(m.sites.length)} of ${count(total)} sites (every map site first, then the heaviest). ` }),
      h('button', { type: 'button', class: 'maps-btn', id: 'maps-more', text: `Load ${next - m.sites.length} more`,
        onclick: () => { st.limit *= 2; this.refresh(); } }));
  }

  cell(c, s) {
    switch (c.key) {
      case 'function':
        return h('td', { class: 'name', title: s.function, text: s.function });
      case 'where':
        return h('td', { class: 'where', title: `${s.file}:${s.line}`, text: `${shortFile(s.file)}:${s.line}` });
      case 'kind':
        return h('td', {}, h('span', { class: `maps-kind k-${s.kind}`, text: s.kind }));
      case 'evidence':
        return h('td', {}, h('span', { class: `maps-badge ev-${s.evidence}`, title: s.evidence_detail.join('\n'), text: s.evidence }));
      case 'verdict':
        return h('td', { class: `v-${s.verdict}`, text: s.verdict });
      case 'estimate': {
        const t = estimateText(s.estimate);
        return h('td', { class: 'estimate', title: s.estimate.go_versions ? `${t}\nGo ${s.estimate.go_versions}` : t, text: t });
      }
      case 'trend':
        return h('td', { class: 'trend' }, s.trend.length > 1 ? sparkline(s.trend) : '');
      default:
        return h('td', { class: 'num', dataset: { col: c.key }, text: c.fmt(s) });
    }
  }

  /** The expanded part of a row: evidence, findings, estimate, sizes, call paths. */
  detail(s, m) {
    const parts = [];
    const section = (title, ...content) => h('section', {}, h('h4', { text: title }), ...content);
    parts.push(section('Evidence', s.evidence_detail.length
      ? h('ul', {}, s.evidence_detail.map((t) => h('li', { text: t })))
      : h('p', { class: 'muted', text: 'None: the line is not labelled a map.' })));
    if (s.findings.length) {
      parts.push(section('Findings', h('ul', {}, s.findings.map((t, i) => h('li', {}, h('span', { class: 'maps-code', text: s.finding_codes[i] || '' }), ' ', t)))));
    }
    const e = s.estimate;
    if (e.layout) {
      const kv = [['layout', e.layout], ['Go', e.go_versions], ['bucket/group size', e.bucket_size !== null ? `${e.bucket_size} B` : null],
        ['key+value', e.kv_size !== null ? `${e.kv_size} B` : null], ['pointers', e.pointers === null ? null : String(e.pointers)],
        ['alternatives', e.alternatives.length ? e.alternatives.map((a) => `${a} B`).join(', ') : null],
        ['growth levels', e.levels.length ? e.levels.join(' ') : null], ['buckets', e.buckets], ['groups', e.groups], ['tables', e.tables],
        ['capacity', e.capacity], ['maps in use', e.maps], ['old array alive', e.old_array_alive ? 'yes' : null],
        ['map bytes', `${bytes(e.map_inuse_space)} in use of ${bytes(e.map_alloc_space)} allocated`]];
      parts.push(section('Estimate', h('dl', {}, kv.filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [h('dt', { text: k }), h('dd', { text: String(v) })]))));
    }
    if (s.sizes.length) {
      const rows = s.sizes.slice(0, 40).map((z) => h('tr', {},
        h('td', { class: 'num', text: `${z.bytes} B` }), h('td', { text: z.role || '' }),
        h('td', { class: 'num', text: count(z.alloc_objects) }), h('td', { class: 'num', text: bytes(z.alloc_space) }),
        h('td', { class: 'num', text: count(z.inuse_objects) }), h('td', { class: 'num', text: bytes(z.inuse_space) })));
      parts.push(section(`Object sizes (${s.sizes.length})`, h('div', { class: 'maps-sizes-wrap' }, h('table', { class: 'maps-sizes' },
        h('thead', {}, h('tr', {}, ['size', 'role', 'alloc objs', 'alloc', 'in-use objs', 'in use'].map((t) => h('th', { text: t })))),
        h('tbody', {}, rows)))));
    }
    if (s.base || s.delta) {
      const v = (x) => `${bytes(x.inuse_space)} in use, ${bytes(x.alloc_space)} allocated`;
      parts.push(section('Since base', h('p', { text: `base: ${v(s.base)}; change: ${v(s.delta)}` })));
    }
    if (s.trend.length > 1) {
      parts.push(section('Trend (in use per snapshot)', h('p', { text: s.trend.map((t) => bytes(t.inuse_space)).join(' → ') })));
    }
    const paths = s.paths.map((path) => h('li', { class: 'maps-path' },
      h('div', { class: 'maps-path-val', text: `${bytes(path.inuse_space)} in use · ${bytes(path.alloc_space)} allocated` }),
      h('ol', {}, path.frames.map((f) => h('li', { text: f })))));
    const note = s.paths_total > s.paths.length
      ? h('p', { class: 'muted', text: s.paths.length ? `The heaviest ${s.paths.length} of ${s.paths_total} call paths.` : `${s.paths_total} call paths (listed for map sites only).` })
      : null;
    parts.push(section('Call paths (root first)', paths.length ? h('ol', { class: 'maps-paths' }, paths) : null, note));
    return h('div', { class: 'maps-detail' }, parts);
  }

  sortBy(c) {
    const st = this.state();
    if (st.sort.key === c.key) st.sort = { key: c.key, dir: -st.sort.dir };
    else st.sort = { key: c.key, dir: c.num ? -1 : 1 };
    this.renderTable();
  }

  focus(site) {
    const p = this.current;
    if (!p) return;
    Promise.resolve(this.ctx.focusFunction(p, site.function)).catch((e) => this.ctx.reportError(e));
  }

  exportJson() {
    const p = this.current;
    const m = p && this.state(p).result;
    if (m) download(this.panel, toJsonText(m), `${baseName(p.name)}.maps.json`, 'application/json');
  }

  exportCsv() {
    const p = this.current;
    const m = p && this.state(p).result;
    if (m) download(this.panel, toCsv(this.rows()), `${baseName(p.name)}.maps.csv`, 'text/csv');
  }

  announce(rows, findings, sites) {
    this.renders = (this.renders || 0) + 1;
    const d = this.ctx.hooks.dataset;
    d.mapsRows = String(rows);
    d.mapsFindings = String(findings);
    d.mapsSites = String(sites);
    d.mapsRenders = String(this.renders);
    const p = this.current;
    this.ctx.emit('gopherlens:maps', { rows, findings, sites, file: p ? p.name : null });
  }
}
