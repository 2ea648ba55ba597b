// Sortable top table (flat, flat%, sum%, cum, cum%, name), as `pprof -top`,
// and the same component with a comparison's columns (base, current,
// change, change %): one table, two column sets.
// Function names come from the dropped file: they are only ever set as
// text, never as markup.

import { formatValue, formatPercent } from '../base/format.js';

// Each column: its header, the row field it sorts by (none: not sortable)
// and its cell's text, from the row, the table's data and the running sum
// of flat down the rows.
const TOP_COLUMNS = [
  { key: 'flat', label: 'flat', field: 'flat', title: 'Value of samples with this function as the leaf', cell: (r, t) => formatValue(r.flat, t.unit) },
  { key: 'flatPct', label: 'flat%', field: 'flat', title: 'flat as a percentage of the whole profile', cell: (r, t) => formatPercent(r.flat, t.total) },
  { key: 'sumPct', label: 'sum%', title: 'Running sum of flat% down the table', cell: (r, t, sum) => formatPercent(sum, t.total) },
  { key: 'cum', label: 'cum', field: 'cum', title: 'Value of samples with this function anywhere on the stack', cell: (r, t) => formatValue(r.cum, t.unit) },
  { key: 'cumPct', label: 'cum%', field: 'cum', title: 'cum as a percentage of the whole profile', cell: (r, t) => formatPercent(r.cum, t.total) },
];

const signed = (v, unit) => (v > 0 ? '+' : '') + formatValue(v, unit);
const DIFF_COLUMNS = [
  { key: 'base', label: 'base', field: 'base_cum', title: 'cum in the base profile', cell: (r, t) => formatValue(r.base_cum, t.unit) },
  { key: 'current', label: 'current', field: 'current_cum', title: 'cum in this profile', cell: (r, t) => formatValue(r.current_cum, t.unit) },
  { key: 'delta', label: 'delta', field: 'cum', title: 'current − base of cum (pprof -diff_base: the cum column)', cell: (r, t) => signed(r.cum, t.unit) },
  {
    key: 'deltaPct', label: 'delta %', field: 'cum_change', title: 'delta as a percentage of the base\'s cum (new: the base has none)',
    cell: (r) => (r.cum_change === null || r.cum_change === undefined ? (r.cum ? 'new' : '') : `${r.cum_change > 0 ? '+' : ''}${(r.cum_change * 100).toFixed(1)}%`),
  },
  { key: 'flatDelta', label: 'flat delta', field: 'flat', title: 'current − base of flat', cell: (r, t) => signed(r.flat, t.unit) },
];
const NAME = { key: 'name', label: 'name', field: 'name', text: true, title: 'Function' };
export const TABLE_COLUMNS = { top: [...TOP_COLUMNS, NAME], diff: [...DIFF_COLUMNS, NAME] };
const PAGE = 500;

export class TopTable {
  /**
   * @param {HTMLTableElement} table
   * @param {{onSelect?: (name: string|null) => void}} handlers
   */
  constructor(table, { onSelect } = {}) {
    this.table = table;
    this.onSelect = onSelect;
    this.data = null;
    this.limit = PAGE;
    this.selected = null;
    table.replaceChildren();
    this.caption = table.createCaption();
    this.thead = table.createTHead();
    this.tbody = table.createTBody();
    this.setColumns('top');
    this.tbody.addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr');
      if (!tr || !this.tbody.contains(tr)) return;
      if (tr.classList.contains('more')) {
        this.limit = Infinity;
        this.render();
        return;
      }
      const name = tr.dataset.name;
      if (name === undefined) return;
      this.setSelected(this.selected === name ? null : name);
      if (this.onSelect) this.onSelect(this.selected);
    });
  }

  /** 'top' (pprof's -top columns) or 'diff' (a comparison's). */
  setColumns(kind) {
    if (this.kind === kind) return;
    this.kind = kind;
    this.columns = TABLE_COLUMNS[kind];
    // A comparison opens on its largest changes.
    this.sortKey = kind === 'diff' ? 'delta' : this.columns[0].key;
    this.sortDesc = true;
    this.table.dataset.columns = kind;
    const hr = document.createElement('tr');
    this.headers = new Map();
    for (const c of this.columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.className = c.text ? 'name' : 'num';
      th.dataset.key = c.key;
      th.title = c.title;
      if (!c.field) {
        th.textContent = c.label;
      } else {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = c.label;
        b.addEventListener('click', () => this.sortBy(c.key));
        th.append(b);
      }
      hr.append(th);
      this.headers.set(c.key, th);
    }
    this.thead.replaceChildren(hr);
  }

  #field(key) {
    const c = this.columns.find((x) => x.key === key);
    return c ? c.field : undefined;
  }

  sortBy(key) {
    const field = this.#field(key);
    if (!field) return;
    if (this.#field(this.sortKey) === field) this.sortDesc = !this.sortDesc;
    else this.sortDesc = field !== 'name';
    this.sortKey = key;
    this.render();
  }

  /** top: {sample_type, unit, total, rows}; `scope` describes what the rows cover. */
  setData(top, scope = '') {
    this.data = top;
    this.scope = scope;
    this.limit = PAGE;
    this.render();
  }

  clear() {
    this.data = null;
    this.caption.textContent = '';
    this.tbody.replaceChildren();
  }

  setSelected(name) {
    this.selected = name;
    for (const tr of this.tbody.rows) {
      tr.classList.toggle('selected', name !== null && tr.dataset.name === name);
    }
  }

  sortedRows() {
    const rows = this.data.rows.slice();
    const field = this.#field(this.sortKey);
    const dir = this.sortDesc ? -1 : 1;
    const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    if (field === 'name') {
      rows.sort((a, b) => dir * byName(a, b));
    } else if (this.kind === 'diff') {
      // A change sorts by its size (the largest growth or shrink first);
      // the base and current columns by value; no change % last.
      const v = (r) => r[field] ?? -Infinity;
      const key = field === 'cum' || field === 'flat' || field === 'cum_change' ? (r) => Math.abs(v(r)) : v;
      rows.sort((a, b) => dir * (key(a) - key(b)) || byName(a, b));
    } else if (!(field === 'flat' && this.sortDesc)) {
      // The core's order is flat descending (ties as pprof); keep it for that.
      rows.sort((a, b) => dir * (a[field] - b[field]) || byName(a, b));
    }
    return rows;
  }

  render() {
    for (const [key, th] of this.headers) {
      const active = this.#field(key) && key === this.sortKey;
      th.classList.toggle('sorted', !!active);
      th.classList.toggle('desc', !!active && this.sortDesc);
      if (active) th.setAttribute('aria-sort', this.sortDesc ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
    const t = this.data;
    if (!t) return;
    const rows = this.sortedRows();
    const shownFlat = rows.reduce((s, r) => s + r.flat, 0);
    const count = `${rows.length} function${rows.length === 1 ? '' : 's'}${this.scope ? ' ' + this.scope : ''}`;
    this.caption.textContent = this.kind === 'diff'
      // pprof's total of a diff_base view is the base's.
      ? `${count} · change ${signed(shownFlat, t.unit)} against a base of ${formatValue(t.total, t.unit)} (${t.sample_type})`
      : `${count} · ${formatValue(shownFlat, t.unit)} of ${formatValue(t.total, t.unit)} total (${t.sample_type})`;
    const frag = document.createDocumentFragment();
    const n = Math.min(rows.length, this.limit);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      sum += r.flat;
      const tr = document.createElement('tr');
      tr.tabIndex = 0;
      tr.dataset.name = r.name;
      tr.dataset.flat = String(r.flat);
      tr.dataset.cum = String(r.cum);
      if (this.kind === 'diff') {
        tr.dataset.base = String(r.base_cum);
        tr.dataset.current = String(r.current_cum);
        tr.classList.toggle('grew', r.cum > 0);
        tr.classList.toggle('shrank', r.cum < 0);
      }
      if (r.name === this.selected) tr.classList.add('selected');
      for (const c of this.columns) {
        const td = document.createElement('td');
        if (c.text) {
          td.className = 'name';
          td.textContent = r.name;
          td.title = r.name;
        } else {
          td.className = 'num';
          td.textContent = c.cell(r, t, sum);
        }
        tr.append(td);
      }
      frag.append(tr);
    }
    if (rows.length > n) {
      const tr = document.createElement('tr');
      tr.className = 'more';
      const td = document.createElement('td');
      td.colSpan = this.columns.length;
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = `Show all ${rows.length} rows (${rows.length - n} more)`;
      td.append(b);
      tr.append(td);
      frag.append(tr);
    }
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      tr.className = 'empty';
      const td = document.createElement('td');
      td.colSpan = this.columns.length;
      td.textContent = 'No samples here for this sample type.';
      tr.append(td);
      frag.append(tr);
    }
    this.tbody.replaceChildren(frag);
  }
}
