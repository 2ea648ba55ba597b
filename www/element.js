// <gopher-lens>: the gopherlens UI as a custom element, wrapping mount().
// Importing this module defines the element (once).
//
//   <script type="module" src="/static/gopherlens/element.js"></script>
//   <gopher-lens src="/profiles/heap.pb.gz" view="maps" sample-index="inuse_space" theme="dark"></gopher-lens>
//   document.querySelector('gopher-lens').files = [file, bytes, blob];
//
// Attributes: view, sample-index, theme (auto | light | dark), flame-view
// (icicle | flame | inverted | sandwich), granularity (functions |
// filefunctions | files | lines: the table's rows), src (a
// same-origin URL only: the element fetches it itself; any other origin is
// refused with an error, nothing is requested). The files property opens
// bytes, Blobs or Files (each assignment adds them). Events: the element
// dispatches "gopherlens:view-changed", "gopherlens:loaded" and
// "gopherlens:error" (CustomEvent, detail as handle.on()).

import { mount } from './gopherlens.js';

export class GopherLensElement extends HTMLElement {
  static get observedAttributes() { return ['view', 'sample-index', 'theme', 'src', 'flame-view', 'granularity']; }

  #handle = null;
  #pending = [];
  #fetched = null;

  connectedCallback() {
    if (this.#handle) return;
    const view = this.getAttribute('view');
    this.#handle = mount(this, {
      view: view || null,
      theme: this.getAttribute('theme') || 'auto',
      options: { sampleIndex: this.getAttribute('sample-index') || undefined, granularity: this.getAttribute('granularity') || undefined },
      flameView: this.hasAttribute('flame-view') ? { view: this.getAttribute('flame-view') } : null,
      files: this.#pending.splice(0),
    });
    for (const t of ['view-changed', 'loaded', 'error']) {
      this.#handle.on(t, (detail) => this.dispatchEvent(new CustomEvent(`gopherlens:${t}`, { detail })));
    }
    if (this.hasAttribute('src')) this.#load(this.getAttribute('src'));
  }

  disconnectedCallback() {
    // Moving the element in the document disconnects and reconnects it at
    // once: keep its profiles then; removed for good, it lets them go.
    queueMicrotask(() => {
      if (this.isConnected || !this.#handle) return;
      this.#handle.destroy();
      this.#handle = null;
      this.#fetched = null;
    });
  }

  attributeChangedCallback(name, old, value) {
    const h = this.#handle;
    if (!h || old === value) return;
    if (name === 'view' && value) h.setView(value);
    else if (name === 'sample-index') h.setOptions({ sampleIndex: value || null });
    else if (name === 'theme') h.setTheme(value || 'auto');
    else if (name === 'flame-view') h.setFlameView({ view: value || 'icicle' });
    else if (name === 'granularity') h.setOptions({ granularity: value || 'functions' });
    else if (name === 'src' && value) this.#load(value);
  }

  /** Opens bytes, Blobs or Files (an array, or one). */
  set files(list) {
    const arr = list === null || list === undefined ? [] : Array.isArray(list) ? list : [list];
    if (this.#handle) this.#handle.add(arr);
    else this.#pending.push(...arr);
  }

  /** The mount's handle (add, setView, setOptions, setTheme, on, destroy), while connected. */
  get handle() { return this.#handle; }

  async #load(src) {
    if (src === this.#fetched) return;
    this.#fetched = src;
    const h = this.#handle;
    let url;
    try {
      url = new URL(src, document.baseURI);
    } catch {
      url = null;
    }
    // Same origin only: a profile never comes from, nor goes to, elsewhere.
    if (!url || url.origin !== location.origin) {
      const message = `${src}: gopher-lens src must be a same-origin URL; fetch the profile yourself and set .files`;
      if (h) h.showError(message);
      return;
    }
    const name = decodeURIComponent(url.pathname.split('/').pop() || 'profile');
    try {
      const r = await fetch(url, { credentials: 'same-origin' });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const blob = await r.blob();
      if (this.#handle === h && h) await h.add([{ name, bytes: blob }]);
    } catch (e) {
      if (this.#handle === h && h) h.showError(`${name}: could not fetch ${src}: ${e && e.message ? e.message : e}`);
    }
  }
}

if (!customElements.get('gopher-lens')) customElements.define('gopher-lens', GopherLensElement);
