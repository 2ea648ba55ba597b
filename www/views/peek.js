// The selected function's callers and callees, as `go tool pprof -peek`
// lists them (session.peek(): the core computes the edges; this only
// draws them). Callers above the function's own row, callees below, each
// edge with its weight and share of the function's cum; a click on a
// caller or callee selects that function.
// Names come from the dropped file: set as text only, never as markup.

import { formatValue, formatPercent } from '../base/format.js';
import { Latest } from '../core/latest.js';

/** A regular expression matching exactly `name` (pprof's -peek takes one). */
export function exactName(name) {
  return `^${name.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`;
}

export class PeekPanel {
  /**
   * @param {HTMLElement} box the panel (hidden while nothing is selected)
   * @param {{onSelect?: (name: string) => void, onError?: (e: Error) => void}} handlers
   */
  constructor(box, { onSelect, onError } = {}) {
    this.box = box;
    this.onSelect = onSelect;
    this.onError = onError;
    this.asks = new Latest();
    this.head = document.createElement('div');
    this.head.className = 'peek-head';
    this.table = document.createElement('table');
    this.table.className = 'top-table peek-table';
    box.replaceChildren(this.head, this.table);
    this.table.addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr[data-name]');
      if (tr && tr.dataset.role !== 'self' && this.onSelect) this.onSelect(tr.dataset.name);
    });
  }

  hide() {
    this.asks.cancel();
    this.box.hidden = true;
  }

  /** Shows `name`'s callers and callees in `session` (a stale answer is dropped). */
  async show(session, name, { sampleIndex, filters, granularity } = {}) {
    const a = await this.asks.ask(() => session.peek({ sampleIndex, filters, granularity, regex: exactName(name) }));
    if (!a.current) return;
    if (a.ok) this.render(name, a.value);
    else if (this.onError) this.onError(a.error);
  }

  render(name, r) {
    const row = r.rows.find((x) => x.name === name);
    this.box.hidden = false;
    this.box.dataset.func = name;
    if (!row) {
      this.head.textContent = `${name}: no samples here`;
      this.table.replaceChildren();
      this.box.dataset.callers = '0';
      this.box.dataset.callees = '0';
      return;
    }
    this.head.textContent = `Callers and callees of ${name} (pprof -peek) · flat ${formatValue(row.flat, r.unit)} · cum ${formatValue(row.cum, r.unit)}`;
    const tb = document.createElement('tbody');
    const add = (role, n, value, share, inline) => {
      const tr = document.createElement('tr');
      tr.dataset.name = n;
      tr.dataset.role = role;
      tr.dataset.value = String(value);
      if (role !== 'self') tr.tabIndex = 0;
      tr.className = role;
      const cells = [role === 'caller' ? 'called from' : role === 'callee' ? 'calls' : 'function', formatValue(value, r.unit), share];
      for (const c of cells) {
        const td = document.createElement('td');
        td.className = 'num';
        td.textContent = c;
        tr.append(td);
      }
      const td = document.createElement('td');
      td.className = 'name';
      td.textContent = inline ? `${n} (inline)` : n;
      td.title = n;
      tr.append(td);
      tb.append(tr);
    };
    for (const e of row.callers) add('caller', e.name, e.weight, formatPercent(e.weight, row.cum), e.inline);
    add('self', row.name, row.cum, formatPercent(row.cum, r.total), false);
    for (const e of row.callees) add('callee', e.name, e.weight, formatPercent(e.weight, row.cum), e.inline);
    this.table.replaceChildren(tb);
    this.box.dataset.callers = String(row.callers.length);
    this.box.dataset.callees = String(row.callees.length);
  }
}
