// The profile's labels, as `go tool pprof -tags` lists them
// (session.tags(): the core groups and sorts them and gives each value the
// tagfocus filter that keeps its samples; this only draws them): every
// label key with its total, then its values with their weights. A click
// (or Enter/Space) on a value hands its tagfocus to onFocus (the page's
// filters: `tf` in the fragment); a click on the value in force hands ''
// (clears it). Hidden for a profile without labels.
// Keys and values come from the dropped file: set as text only.

import { formatValue, formatPercent } from '../base/format.js';
import { Latest } from '../core/latest.js';

export class LabelsPanel {
  /**
   * @param {HTMLElement} box the panel
   * @param {{onFocus?: (tagfocus: string) => void, onError?: (e: Error) => void}} handlers
   */
  constructor(box, { onFocus, onError } = {}) {
    this.box = box;
    this.onFocus = onFocus;
    this.onError = onError;
    this.asks = new Latest();
    this.shown = null; // what is on screen: [session, sampleIndex, filters]
    this.head = document.createElement('div');
    this.head.className = 'peek-head';
    this.table = document.createElement('table');
    this.table.className = 'top-table labels-table';
    box.replaceChildren(this.head, this.table);
    const pick = (tr) => {
      if (this.onFocus) this.onFocus(tr.classList.contains('active') ? '' : tr.dataset.focus);
    };
    this.table.addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr[data-focus]');
      if (tr) pick(tr);
    });
    this.table.addEventListener('keydown', (ev) => {
      const tr = ev.target.closest('tr[data-focus]');
      if (!tr || (ev.key !== 'Enter' && ev.key !== ' ')) return;
      ev.preventDefault();
      pick(tr);
    });
  }

  hide() {
    this.asks.cancel();
    this.shown = null;
    this.box.hidden = true;
  }

  /** Shows the labels of `session`'s samples that `filters` keep (asked again only when one of them changed). */
  async show(session, { sampleIndex, filters = {} } = {}) {
    const key = [session, sampleIndex, JSON.stringify(filters)];
    if (this.shown && this.shown.every((x, i) => x === key[i])) return;
    const a = await this.asks.ask(() => session.tags({ sampleIndex, filters }));
    if (!a.current) return;
    if (!a.ok) {
      this.hide();
      if (this.onError) this.onError(a.error);
      return;
    }
    this.shown = key;
    this.render(a.value, filters.tagfocus || '');
  }

  render(r, tagfocus) {
    this.box.hidden = !r.keys.length;
    this.box.dataset.keys = String(r.keys.length);
    this.head.textContent = `Labels (pprof -tags) · click a value to keep its samples (tagfocus)`;
    const tb = document.createElement('tbody');
    const cell = (tr, text, cls) => {
      const td = document.createElement('td');
      td.className = cls;
      td.textContent = text;
      tr.append(td);
    };
    for (const k of r.keys) {
      const tr = document.createElement('tr');
      tr.className = 'label-key';
      tr.dataset.key = k.key;
      tr.dataset.weight = String(k.total);
      cell(tr, formatValue(k.total, r.unit), 'num');
      cell(tr, formatPercent(k.total, r.total), 'num');
      cell(tr, `${k.key}:`, 'name');
      tb.append(tr);
      for (const v of k.values) {
        const row = document.createElement('tr');
        row.className = 'label-value';
        row.dataset.key = k.key;
        row.dataset.value = v.value;
        row.dataset.weight = String(v.weight);
        if (v.focus !== null) {
          row.dataset.focus = v.focus;
          row.tabIndex = 0;
          row.title = `tagfocus ${v.focus}`;
          if (v.focus === tagfocus) {
            row.classList.add('active');
            row.setAttribute('aria-pressed', 'true');
          }
        }
        cell(row, formatValue(v.weight, r.unit), 'num');
        cell(row, formatPercent(v.weight, r.total), 'num');
        cell(row, v.value, 'name');
        tb.append(row);
      }
    }
    this.table.replaceChildren(tb);
  }
}
