// The GC tab: what the garbage collector did during an execution trace (or
// what a GODEBUG=gctrace=1 log says it did). Rust computes (session.gc(),
// session.timeline()), this draws:
//
//   - a timeline (uPlot): heap in use and heap goal, live goroutines (right
//     axis), mark-assist density (filled, bottom), GC cycles as bands and
//     stop-the-world phases as red markers. Drag to zoom, double-click to
//     reset, shift+drag or the mouse wheel to pan (ctrl/alt+wheel zooms).
//   - the per-cycle table; hovering a band highlights its row and the other
//     way round; clicking a row zooms the timeline to that cycle.
//   - the other stop-the-world phases and the MMU chart (log window size vs
//     minimum mutator utilisation); a gctrace log has no MMU.
//
// Test hooks: <html data-gc-cycles="N" data-gc-ready="count of renders"
// data-gc-file="name" data-gc-hover="n">, event "gopherlens:gc" {file,
// cycles}; the timeline element has gcTest.bandPoint(n) → {x, y} (client
// pixels of the middle of cycle n's band).

import uPlot from '../vendor/uPlot.esm.js';
import { formatValue } from '../base/format.js';
import { Latest } from '../core/latest.js';

const MiB = 1048576;

const COLORS = {
  heap: '#2f6fde',
  goal: '#d9822b',
  goroutines: '#7a5cc7',
  assist: 'rgba(214, 69, 65, 0.35)',
  assistLine: 'rgba(214, 69, 65, 0.8)',
  band: 'rgba(18, 165, 148, 0.10)',
  bandHover: 'rgba(18, 165, 148, 0.30)',
  stw: '#d64541',
  stwOther: '#8a4fb8',
  mmu: '#2f6fde',
  mmuFixed: '#12a594',
};


function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// Axis, grid and tick colours of the theme in force (light, dark or the
// host's --gl-* properties), read where the chart is drawn.
function themed(where, axes) {
  const cs = getComputedStyle(where);
  const text = cs.getPropertyValue('--muted').trim() || '#68707d';
  const rule = cs.getPropertyValue('--rule').trim() || '#eef0f3';
  return axes.map((a) => ({ stroke: text, ...a, grid: { stroke: rule, width: 1, ...(a.grid || {}) }, ticks: { stroke: rule, width: 1, ...(a.ticks || {}) } }));
}

const num = (v) => (v === null || v === undefined ? null : Number(v));
const ms = (ns) => formatValue(Math.round(Number(ns)), 'ns');
const mb = (b) => (b === null || b === undefined ? '–' : `${(Number(b) / MiB).toFixed(1)} MB`);

/** "GC sweep termination" → "sweep term." (the full reason is in the cell's title). */
function shortReason(r) {
  return r.replace(/^GC /, '').replace(/termination$/, 'term.');
}

/** Forward-fills step series onto the union of their times (uPlot wants one x). */
export function alignSteps(series, endNs) {
  const xs = new Set([0, endNs]);
  for (const [t] of series) for (let i = 0; i < t.length; i++) xs.add(t[i]);
  const x = Float64Array.from(xs).sort();
  const out = [Array.from(x, (v) => v / 1e6)];
  for (const [t, v, scale = 1] of series) {
    const col = new Array(x.length);
    let j = -1;
    for (let i = 0; i < x.length; i++) {
      while (j + 1 < t.length && t[j + 1] <= x[i]) j++;
      col[i] = j < 0 ? null : v[j] * scale;
    }
    out.push(col);
  }
  return out;
}

export class GcTab {
  /** @param {HTMLElement} panel  @param {object} ctx  see tabCtx in ui/mount.js */
  constructor(panel, ctx) {
    this.panel = panel;
    this.ctx = ctx;
    this.cache = new Map(); // profile entry -> Promise<{gc, tl}>
    this.shown = null; // profile entry on screen
    this.asks = new Latest(); // core/latest.js: stale answers dropped
    this.plot = null;
    this.mmuPlot = null;
    this.hover = -1; // index into gc.cycles
    this.renders = 0;
    this.resizeObs = new ResizeObserver(() => this.resize());
    this.resizeObs.observe(panel);
  }

  /** Whether profile p (a ui/mount.js profile entry) can be shown here. */
  applies(p) {
    return p.info.format === 'trace' || p.info.format === 'gctrace';
  }

  /** The tab became visible, or the current profile changed while visible. */
  async show(p) {
    if (this.shown === p && this.plot) {
      this.resize();
      return;
    }
    let data = this.cache.get(p);
    if (!data) {
      data = Promise.all([p.session.gc(), p.session.timeline()]).then(([gc, tl]) => ({ gc, tl }));
      this.cache.set(p, data);
      data.catch(() => this.cache.delete(p));
    }
    if (!this.shown || this.shown !== p) {
      this.destroy();
      this.panel.replaceChildren(el('div', 'gc-loading muted', `Analysing the GC of ${p.name}…`));
    }
    const a = await this.asks.ask(() => data);
    if (!a.current) return;
    if (a.ok) {
      this.render(p, a.value.gc, a.value.tl);
      return;
    }
    this.panel.replaceChildren(el('div', 'gc-loading muted', 'No GC view for this file.'));
    this.ctx.reportError(a.error);
  }

  /** The colour scheme changed: the charts are drawn again in its colours. */
  restyle() {
    const p = this.shown;
    if (!p || !this.plot) return;
    this.destroy();
    this.show(p);
  }

  /** The tab was hidden. */
  hide() {
    this.asks.cancel();
  }

  /** Profile p was closed: drop anything kept for it. */
  forget(p) {
    this.cache.delete(p);
    if (this.shown === p) {
      this.destroy();
      this.shown = null;
      this.panel.replaceChildren();
    }
  }

  destroy() {
    if (this.plot) this.plot.destroy();
    if (this.mmuPlot) this.mmuPlot.destroy();
    this.plot = null;
    this.mmuPlot = null;
    this.hover = -1;
    delete this.ctx.hooks.dataset.gcHover;
  }

  /** The mount is going away: nothing of this tab may stay behind. */
  dispose() {
    this.destroy();
    this.resizeObs.disconnect();
  }

  resize() {
    if (this.panel.hidden) return;
    if (this.plot && this.timelineEl) {
      const w = this.timelineEl.clientWidth;
      if (w > 0 && w !== this.plot.width) this.plot.setSize({ width: w, height: this.plot.height });
    }
    if (this.mmuPlot && this.mmuEl) {
      const w = this.mmuEl.clientWidth;
      if (w > 0 && w !== this.mmuPlot.width) this.mmuPlot.setSize({ width: w, height: this.mmuPlot.height });
    }
  }

  render(p, gc, tl) {
    this.destroy();
    this.shown = p;
    this.gc = gc;
    this.tl = tl;
    this.isLog = p.info.format === 'gctrace';
    const view = el('div', 'gc-view');

    view.append(this.summary(gc));
    if (gc.warnings.length) {
      const ul = el('ul', 'gc-warnings');
      for (const w of gc.warnings) ul.append(el('li', '', w));
      view.append(ul);
    }

    const tbox = el('section', 'gc-box gc-timeline-box');
    const head = el('div', 'gc-box-head');
    head.append(el('h3', '', 'Timeline'),
      el('span', 'muted', 'drag to zoom · double-click to reset · shift+drag or wheel to pan · ctrl+wheel to zoom'));
    this.timelineEl = el('div', 'gc-timeline');
    tbox.append(head, this.timelineEl);
    view.append(tbox);

    const lower = el('div', 'gc-lower');
    const tableBox = el('section', 'gc-box gc-table-box');
    tableBox.append(el('h3', '', `GC cycles (${gc.cycles.length})`));
    const wrap = el('div', 'gc-table-wrap');
    wrap.append(this.table(gc));
    tableBox.append(wrap);
    const side = el('div', 'gc-side');
    const mmuBox = el('section', 'gc-box gc-mmu-box');
    mmuBox.append(el('h3', '', 'Minimum mutator utilisation'));
    this.mmuEl = el('div', 'gc-mmu');
    mmuBox.append(this.mmuEl);
    side.append(mmuBox, this.otherStw(gc));
    lower.append(tableBox, side);
    view.append(lower);
    this.panel.replaceChildren(view);

    this.plot = this.timeline(gc, tl);
    this.mmuPlot = this.mmu(gc, mmuBox);

    this.renders++;
    const d = this.ctx.hooks.dataset;
    d.gcCycles = String(gc.cycles.length);
    d.gcFile = p.name;
    d.gcReady = String(this.renders);
    this.ctx.emit('gopherlens:gc', { file: p.name, cycles: gc.cycles.length });
  }

  summary(gc) {
    const parts = [];
    if (this.isLog) parts.push(`GODEBUG=gctrace=1 log, ${gc.events} gc lines`);
    else parts.push(`go ${gc.go_version} trace`);
    parts.push(`${gc.cycles.length} GC cycles`);
    const frac = `GC CPU ${(100 * gc.gc_cpu_fraction).toFixed(1)}%`;
    parts.push(this.isLog ? `${frac} (since the program started, as the log's last line says)` : frac);
    parts.push(`longest pause ${ms(gc.longest_pause_ns)}`);
    if (!this.isLog && gc.longest_gc_pause_ns !== gc.longest_pause_ns) parts.push(`longest GC pause ${ms(gc.longest_gc_pause_ns)}`);
    if (gc.gomaxprocs) parts.push(`GOMAXPROCS ${gc.gomaxprocs}`);
    parts.push(`${this.isLog ? 'span' : 'duration'} ${ms(gc.duration_ns)}`);
    return el('div', 'gc-summary', parts.join(' · '));
  }

  table(gc) {
    const t = el('table', 'gc-table');
    const cols = [
      ['n', 'GC', 'num'], ['start', 'start', 'num'], ['dur', 'duration', 'num'], ['mark', 'mark', 'num'],
      ['stw', 'stop-the-world', 'stw'], ['assists', this.isLog ? 'assist CPU' : 'assists', 'num'],
      ['heap', 'heap start → end', 'num'], ['goal', 'goal', 'num'], ['procs', 'P', 'num'],
      ['stack', 'top assisting stack', 'name'],
    ].filter(([key]) => !(this.isLog && key === 'stack')); // a log has no stacks
    const thead = el('thead');
    const hr = el('tr');
    for (const [key, label, cls] of cols) {
      const th = el('th', cls, label);
      th.dataset.col = key;
      hr.append(th);
    }
    thead.append(hr);
    const tbody = el('tbody');
    this.rows = [];
    gc.cycles.forEach((c, i) => {
      const tr = el('tr');
      tr.dataset.n = String(c.n);
      tr.setAttribute('aria-selected', 'false');
      const start = num(c.start_ns);
      const end = num(c.end_ns);
      const cells = {
        n: String(c.n),
        start: start === null ? 'before' : ms(start),
        dur: start === null || end === null ? '–' : ms(end - start),
        mark: ms(c.mark_ns),
        stw: c.stw.map((s) => `${shortReason(s.reason)} ${ms(s.duration_ns)}`).join(' + ') || '–',
        assists: this.isLog ? ms(c.assist_ns) : `${c.assist_count} / ${ms(c.assist_ns)}`,
        heap: `${mb(c.heap_live_start)} → ${mb(c.heap_live_end)}`,
        goal: mb(c.heap_goal),
        procs: c.gomaxprocs === null ? '–' : String(c.gomaxprocs),
        stack: c.top_assists.length ? c.top_assists[0].frames.find((f) => !f.startsWith('runtime.')) || c.top_assists[0].frames[0] || '' : '',
      };
      for (const [key, , cls] of cols) {
        const td = el('td', cls, cells[key]);
        td.dataset.col = key;
        if (key === 'stack' && c.top_assists.length) {
          td.title = c.top_assists.map((a) => `${a.count}× ${ms(a.ns)}\n  ${a.frames.join('\n  ')}`).join('\n\n');
        }
        if (key === 'stw') td.title = c.stw.map((s) => `${s.reason}: ${ms(s.duration_ns)} at ${ms(s.start_ns)}`).join('\n');
        tr.append(td);
      }
      tr.addEventListener('mouseenter', () => this.setHover(i, 'row'));
      tr.addEventListener('mouseleave', () => this.setHover(-1, 'row'));
      tr.tabIndex = 0;
      tr.addEventListener('click', () => this.zoomToCycle(i));
      tbody.append(tr);
      this.rows.push(tr);
    });
    if (!gc.cycles.length) {
      const tr = el('tr', 'empty');
      const td = el('td', '', 'No GC cycle in this file.');
      td.colSpan = cols.length;
      tr.append(td);
      tbody.append(tr);
    }
    t.append(thead, tbody);
    return t;
  }

  otherStw(gc) {
    const box = el('section', 'gc-box gc-other-stw');
    box.append(el('h3', '', `Other stop-the-world (${gc.other_stw.length})`));
    if (!gc.other_stw.length) {
      box.append(el('p', 'muted', this.isLog ? 'A gctrace log lists GC pauses only.' : 'None outside the GC cycles.'));
      return box;
    }
    const ul = el('ul');
    for (const s of gc.other_stw) ul.append(el('li', '', `${s.reason} at ${ms(s.start_ns)} for ${ms(s.duration_ns)}`));
    box.append(ul);
    return box;
  }

  /** Index of the cycle whose band holds time x (ms), or -1. */
  cycleAt(xMs) {
    const tl = this.tl;
    const ns = xMs * 1e6;
    // Bands are in time order; take the last one starting at or before ns.
    let lo = 0;
    let hi = tl.cycleStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tl.cycleStart[mid] <= ns) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    if (i >= 0 && ns <= tl.cycleEnd[i]) return this.cycleIndex(tl.cycleN[i]);
    return -1;
  }

  cycleIndex(n) {
    return this.gc.cycles.findIndex((c) => c.n === n);
  }

  setHover(i, from) {
    if (i === this.hover) return;
    const prev = this.rows && this.rows[this.hover];
    if (prev) {
      prev.classList.remove('hover');
      prev.setAttribute('aria-selected', 'false');
    }
    this.hover = i;
    const row = this.rows && this.rows[i];
    if (row) {
      row.classList.add('hover');
      row.setAttribute('aria-selected', 'true');
      if (from === 'band') row.scrollIntoView({ block: 'nearest' });
      this.ctx.hooks.dataset.gcHover = String(this.gc.cycles[i].n);
    } else {
      delete this.ctx.hooks.dataset.gcHover;
    }
    if (this.plot) this.plot.redraw(false, false);
  }

  zoomToCycle(i) {
    const c = this.gc.cycles[i];
    if (!this.plot || !c) return;
    const s = num(c.start_ns) ?? 0;
    const e = num(c.end_ns) ?? Number(this.tl.durationNs);
    const pad = Math.max((e - s) * 2, 1e5);
    this.plot.setScale('x', { min: Math.max(0, s - pad) / 1e6, max: Math.min(Number(this.tl.durationNs), e + pad) / 1e6 });
  }

  timeline(gc, tl) {
    const end = Math.max(Number(tl.durationNs), 1);
    const series = [[tl.heapT, tl.heapV, 1 / MiB], [tl.goalT, tl.goalV, 1 / MiB]];
    const hasG = tl.goroutinesT.length > 0;
    const hasA = tl.assistT.length > 0;
    if (hasG) series.push([tl.goroutinesT, tl.goroutinesV]);
    if (hasA) series.push([tl.assistT, tl.assistV]);
    const data = alignSteps(series, end);
    const stepped = uPlot.paths.stepped({ align: 1 });
    const s = [
      { label: 'time', value: (u, v) => (v === null ? '–' : `${v.toFixed(3)} ms`) },
      { label: 'heap in use', stroke: COLORS.heap, width: 1.5, paths: stepped, scale: 'mb', value: (u, v) => (v === null ? '–' : `${v.toFixed(2)} MB`), points: { show: false } },
      { label: 'heap goal', stroke: COLORS.goal, width: 1.5, dash: [6, 3], paths: stepped, scale: 'mb', value: (u, v) => (v === null ? '–' : `${v.toFixed(2)} MB`), points: { show: false } },
    ];
    if (hasG) s.push({ label: 'goroutines', stroke: COLORS.goroutines, width: 1, paths: stepped, scale: 'g', points: { show: false } });
    if (hasA) {
      s.push({
        label: 'assisting goroutines', stroke: COLORS.assistLine, fill: COLORS.assist, width: 1, paths: stepped, scale: 'a',
        points: { show: false }, value: (u, v) => (v === null ? '–' : v.toFixed(2)),
      });
    }
    const assistMax = hasA ? Math.max(0.01, ...tl.assistV) : 1;
    const self = this;
    const opts = {
      width: Math.max(300, this.timelineEl.clientWidth || 900),
      height: 300,
      cursor: { drag: { x: true, y: false, setScale: true }, points: { show: false } },
      scales: {
        x: { time: false },
        mb: { range: (u, min, max) => [0, Math.max(1, max) * 1.08] },
        g: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] },
        // Assists fill the lowest quarter of the plot.
        a: { range: () => [0, assistMax * 4] },
      },
      axes: themed(this.panel, [
        { label: 'ms', size: 40, values: (u, vals) => vals.map((v) => String(+v.toFixed(6))) },
        { scale: 'mb', label: 'heap (MB)', size: 56 },
        ...(hasG ? [{ scale: 'g', side: 1, label: 'goroutines', size: 56, grid: { show: false } }] : []),
      ]),
      series: s,
      hooks: {
        drawClear: [(u) => self.drawBands(u)],
        draw: [(u) => self.drawStw(u)],
        setCursor: [(u) => {
          const left = u.cursor.left;
          const i = left === undefined || left < 0 ? -1 : self.cycleAt(u.posToVal(left, 'x'));
          self.setHover(i, 'band');
        }],
      },
    };
    const u = new uPlot(opts, data, this.timelineEl);
    this.panZoom(u, end / 1e6);
    this.timelineEl.gcTest = {
      bandPoint: (n) => {
        const k = Array.prototype.indexOf.call(tl.cycleN, n);
        if (k < 0) return null;
        const mid = (Math.max(tl.cycleStart[k], u.scales.x.min * 1e6) + Math.min(tl.cycleEnd[k], u.scales.x.max * 1e6)) / 2 / 1e6;
        const r = u.over.getBoundingClientRect();
        return { x: r.left + u.valToPos(mid, 'x'), y: r.top + r.height / 2 };
      },
      scale: () => ({ min: u.scales.x.min, max: u.scales.x.max }),
    };
    return u;
  }

  drawBands(u) {
    const tl = this.tl;
    const c = u.ctx;
    const { left, top, width, height } = u.bbox;
    c.save();
    c.beginPath();
    c.rect(left, top, width, height);
    c.clip();
    const hoverN = this.hover >= 0 ? this.gc.cycles[this.hover].n : -1;
    for (let k = 0; k < tl.cycleStart.length; k++) {
      const x0 = u.valToPos(tl.cycleStart[k] / 1e6, 'x', true);
      const x1 = u.valToPos(tl.cycleEnd[k] / 1e6, 'x', true);
      if (x1 < left || x0 > left + width) continue;
      c.fillStyle = tl.cycleN[k] === hoverN ? COLORS.bandHover : COLORS.band;
      c.fillRect(x0, top, Math.max(x1 - x0, 1), height);
    }
    c.restore();
  }

  drawStw(u) {
    const tl = this.tl;
    const c = u.ctx;
    const { left, top, width, height } = u.bbox;
    const dpr = uPlot.pxRatio;
    c.save();
    c.beginPath();
    c.rect(left, top, width, height);
    c.clip();
    for (let k = 0; k < tl.stwStart.length; k++) {
      const x0 = u.valToPos(tl.stwStart[k] / 1e6, 'x', true);
      const x1 = u.valToPos((tl.stwStart[k] + tl.stwDur[k]) / 1e6, 'x', true);
      if (x1 < left || x0 > left + width) continue;
      c.fillStyle = tl.stwGc[k] ? COLORS.stw : COLORS.stwOther;
      c.globalAlpha = 0.85;
      c.fillRect(x0, top, Math.max(x1 - x0, 1.5 * dpr), 8 * dpr);
      c.globalAlpha = 0.22;
      c.fillRect(x0, top, Math.max(x1 - x0, 1 * dpr), height);
    }
    c.restore();
  }

  /** Shift+drag pans; the wheel pans (ctrl/alt/meta+wheel zooms around the pointer). */
  panZoom(u, endMs) {
    const clamp = (min, max) => {
      const span = Math.min(max - min, endMs);
      if (min < 0) [min, max] = [0, span];
      if (max > endMs) [min, max] = [endMs - span, endMs];
      return { min: Math.max(0, min), max };
    };
    u.root.addEventListener('mousedown', (ev) => {
      if (!ev.shiftKey || ev.button !== 0 || !u.over.contains(ev.target)) return;
      ev.stopPropagation();
      ev.preventDefault();
      const x0 = ev.clientX;
      const { min, max } = u.scales.x;
      const perPx = (max - min) / u.over.clientWidth;
      const move = (e) => u.setScale('x', clamp(min - (e.clientX - x0) * perPx, max - (e.clientX - x0) * perPx));
      const up = () => {
        window.removeEventListener('mousemove', move);
        window.removeEventListener('mouseup', up);
      };
      window.addEventListener('mousemove', move);
      window.addEventListener('mouseup', up);
    }, true);
    u.over.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const { min, max } = u.scales.x;
      const span = max - min;
      if (ev.ctrlKey || ev.altKey || ev.metaKey) {
        const at = u.posToVal(ev.offsetX, 'x');
        const f = ev.deltaY > 0 ? 1.25 : 0.8;
        const nmin = at - (at - min) * f;
        u.setScale('x', clamp(nmin, nmin + Math.max(span * f, 1e-6)));
      } else {
        const d = (Math.abs(ev.deltaX) > Math.abs(ev.deltaY) ? ev.deltaX : ev.deltaY) / u.over.clientWidth * span;
        u.setScale('x', clamp(min + d, max + d));
      }
    }, { passive: false });
  }

  mmu(gc, box) {
    if (this.isLog || !gc.mmu.length) {
      this.mmuEl.replaceWith(el('p', 'muted gc-no-mmu', this.isLog
        ? 'No MMU for a gctrace log: the minimum mutator utilisation needs the per-goroutine timing of an execution trace (go tool trace / runtime/trace).'
        : 'No MMU: the trace has no GC activity to measure.'));
      this.mmuEl = null;
      return null;
    }
    const pts = gc.mmu.filter((p) => Number(p.window_ns) > 0);
    const fixed = new Map(gc.mmu_fixed.map((p) => [Number(p.window_ns), p.util]));
    const x = pts.map((p) => Number(p.window_ns) / 1e6);
    const data = [x, pts.map((p) => p.util), pts.map((p) => fixed.get(Number(p.window_ns)) ?? null)];
    const u = new uPlot({
      width: Math.max(240, this.mmuEl.clientWidth || 360),
      height: 220,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, distr: 3 }, y: { range: [0, 1] } },
      axes: themed(this.panel, [
        { label: 'window (ms)', size: 40, values: (u, vals) => vals.map((v) => (v === null ? '' : String(+v.toPrecision(3)))) },
        { label: 'utilisation', size: 44, values: (u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) },
      ]),
      series: [
        { label: 'window', value: (u, v) => (v === null ? '–' : `${+v.toPrecision(4)} ms`) },
        { label: 'MMU (go tool trace)', stroke: COLORS.mmu, width: 1.5, value: (u, v) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`) },
        { label: 'each mark worker run once', stroke: COLORS.mmuFixed, width: 1.5, dash: [5, 3], value: (u, v) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`) },
      ],
    }, data, this.mmuEl);
    box.append(el('p', 'muted gc-note', `GC time counted: ${gc.mmu_flags.join(', ')}.`));
    return u;
  }
}
