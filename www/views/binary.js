// The Binary tab: what a Go executable says about maps — the source lines
// whose code calls the runtime's map functions (session.binary(), the same
// object as `gopherlens binary FILE --json`). The Maps tab joins these
// lines to the program's heap profiles for exact evidence.

import { h } from '../base/dom.js';
import { Latest } from '../core/latest.js';

const MAX_ROWS = 2000;

export class BinaryTab {
  /** @param {HTMLElement} panel  @param {object} ctx  see tabCtx in ui/mount.js */
  constructor(panel, ctx) {
    this.panel = panel;
    this.ctx = ctx;
    this.cache = new Map(); // profile entry -> Promise<binary>
    this.filter = '';
    this.asks = new Latest(); // core/latest.js: stale answers dropped
  }

  /** Whether profile p (a ui/mount.js profile entry) can be shown here. */
  applies(p) {
    return p.info.format === 'go-binary';
  }

  async show(p) {
    let data = this.cache.get(p);
    if (!data) {
      data = p.session.binary();
      this.cache.set(p, data);
      data.catch(() => this.cache.delete(p));
    }
    const a = await this.asks.ask(() => data);
    if (!a.current) return;
    if (a.ok) {
      this.render(p, a.value);
      return;
    }
    this.panel.replaceChildren(h('div', { class: 'muted', text: 'Nothing to show for this file.' }));
    this.ctx.reportError(a.error);
  }

  hide() {
    this.asks.cancel();
  }

  forget(p) {
    this.cache.delete(p);
  }

  render(p, b) {
    const layout = b.swiss === true ? 'Swiss tables (Go 1.24+)' : b.swiss === false ? 'classic hmap buckets' : 'unknown';
    const facts = [
      ['Executable', `${b.arch}, ${b.functions} functions`],
      ['Map layout', layout],
      ['GNU build ID', b.gnu_build_id || 'none (Go before 1.24 writes none, nor into heap profiles)'],
      ['Inlined code', b.inlining ? 'named by the inlined function (inline tree read)' : 'named by its caller (inline tree not found)'],
      ['Map calls', `${b.calls.length} calls to runtime map functions that allocate`],
    ];
    const filter = h('input', { type: 'search', id: 'binary-filter', class: 'binary-filter', placeholder: 'Filter (function, file, callee)…', 'aria-label': 'Filter the calls' });
    filter.value = this.filter;
    const tbody = h('tbody');
    const count = h('span', { class: 'muted' });
    const fill = () => {
      const q = this.filter.toLowerCase();
      const rows = b.calls.filter((c) => !q || `${c.function} ${c.file}:${c.line} ${c.callee}`.toLowerCase().includes(q));
      tbody.replaceChildren(...rows.slice(0, MAX_ROWS).map((c) => h('tr', { class: 'call' },
        h('td', { class: 'name', text: c.function }),
        h('td', { title: c.file, text: `${c.file}:${c.line}` }),
        h('td', { class: 'callee', text: c.callee }))));
      count.textContent = rows.length > MAX_ROWS ? `${MAX_ROWS} of ${rows.length} calls shown` : `${rows.length} of ${b.calls.length} calls`;
      this.ctx.hooks.dataset.binaryRows = String(Math.min(rows.length, MAX_ROWS));
    };
    filter.addEventListener('input', () => {
      this.filter = filter.value;
      fill();
    });
    this.panel.replaceChildren(
      h('div', { class: 'maps-head' }, h('dl', {}, facts.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]))),
      h('p', { class: 'muted', text: 'Open a heap profile of this program: the Maps tab joins these lines to it, and every heap site on one of them gets exact evidence (small maps included, which a heap profile alone cannot show).' }),
      h('div', { class: 'binary-bar' }, filter, count),
      h('div', { class: 'binary-table-wrap' }, h('table', { id: 'binary-table', class: 'top-table' },
        h('thead', {}, h('tr', {}, h('th', { text: 'Function' }), h('th', { text: 'File:line' }), h('th', { text: 'Calls' }))),
        tbody)),
    );
    fill();
  }
}
