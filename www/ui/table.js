// Sortable top table (flat, flat%, sum%, cum, cum%, name), as `pprof -top`.
// Function names come from the dropped file: they are only ever set as
// text, never as markup.

import { formatValue, formatPercent } from '../base/format.js';

const COLUMNS = [
  { key: 'flat', label: 'flat', numeric: true, title: 'Value of samples with this function as the leaf' },
  { key: 'flatPct', label: 'flat%', numeric: true, title: 'flat as a percentage of the whole profile' },
  { key: 'sumPct', label: 'sum%', numeric: true, sortable: false, title: 'Running sum of flat% down the table' },
  { key: 'cum', label: 'cum', numeric: true, title: 'Value of samples with this function anywhere on the stack' },
  { key: 'cumPct', label: 'cum%', numeric: true, title: 'cum as a percentage of the whole profile' },
  { key: 'name', label: 'name', numeric: false, title: 'Function' },
];
const SORT_FIELD = { flat: 'flat', flatPct: 'flat', cum: 'cum', cumPct: 'cum', name: 'name' };
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
    this.sortKey = 'flat';
    this.sortDesc = true;
    this.limit = PAGE;
    this.selected = null;
    table.replaceChildren();
    this.caption = table.createCaption();
    const thead = table.createTHead();
    const hr = thead.insertRow();
    this.headers = new Map();
    for (const c of COLUMNS) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.className = c.numeric ? 'num' : 'name';
      th.dataset.key = c.key;
      th.title = c.title;
      if (c.sortable === false) {
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
    this.tbody = table.createTBody();
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

  sortBy(key) {
    const field = SORT_FIELD[key];
    if (!field) return;
    if (SORT_FIELD[this.sortKey] === field) this.sortDesc = !this.sortDesc;
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
    const field = SORT_FIELD[this.sortKey];
    const dir = this.sortDesc ? -1 : 1;
    if (field === 'name') {
      rows.sort((a, b) => dir * (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } else if (!(field === 'flat' && this.sortDesc)) {
      // The core's order is flat descending (ties as pprof); keep it for that.
      rows.sort((a, b) => dir * (a[field] - b[field]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return rows;
  }

  render() {
    for (const [key, th] of this.headers) {
      const active = SORT_FIELD[key] && key === this.sortKey;
      th.classList.toggle('sorted', !!active);
      th.classList.toggle('desc', !!active && this.sortDesc);
      if (active) th.setAttribute('aria-sort', this.sortDesc ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
    const t = this.data;
    if (!t) return;
    const rows = this.sortedRows();
    const shownFlat = rows.reduce((s, r) => s + r.flat, 0);
    this.caption.textContent =
      `${rows.length} function${rows.length === 1 ? '' : 's'}${this.scope ? ' ' + this.scope : ''} · ` +
      `${formatValue(shownFlat, t.unit)} of ${formatValue(t.total, t.unit)} total (${t.sample_type})`;
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
      if (r.name === this.selected) tr.className = 'selected';
      const cells = [
        formatValue(r.flat, t.unit),
        formatPercent(r.flat, t.total),
        formatPercent(sum, t.total),
        formatValue(r.cum, t.unit),
        formatPercent(r.cum, t.total),
      ];
      for (const c of cells) {
        const td = document.createElement('td');
        td.className = 'num';
        td.textContent = c;
        tr.append(td);
      }
      const td = document.createElement('td');
      td.className = 'name';
      td.textContent = r.name;
      td.title = r.name;
      tr.append(td);
      frag.append(tr);
    }
    if (rows.length > n) {
      const tr = document.createElement('tr');
      tr.className = 'more';
      const td = document.createElement('td');
      td.colSpan = COLUMNS.length;
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
      td.colSpan = COLUMNS.length;
      td.textContent = 'No samples here for this sample type.';
      tr.append(td);
      frag.append(tr);
    }
    this.tbody.replaceChildren(frag);
  }
}
