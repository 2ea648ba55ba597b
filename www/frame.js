// gopherlens in an iframe: the page takes profiles by postMessage, only
// from the origins its deployment lists, and answers with a small,
// versioned protocol (README "Iframe protocol"). Every message is a plain
// object {gopherlens: 1, type, ...}; anything else, and every message from
// an origin not listed or from a window other than the parent, is ignored.
//
//   host → frame  {type: 'load', id?, name, bytes: ArrayBuffer | typed array | Blob}
//                 {type: 'set-view', view}      'flame' | 'maps' | 'gc' | 'binary'
//                 {type: 'set-theme', theme}    'auto' | 'light' | 'dark'
//                 {type: 'set-options', sampleIndex?, granularity?, filters?, flameView?}
//                                               pprof's options (README "Views", "Filters"):
//                                               filters {focus, ignore, …}, flameView {view, leftHeavy, func}
//                 {type: 'ping'}                answered by 'ready'
//   frame → host  {type: 'ready', version: 1, views}
//                 {type: 'loaded', id, name, format}
//                 {type: 'error', id?, message}
//                 {type: 'view-changed', view}
//
// Allowed origins: the page's #app element's data-allow-origins attribute
// (space-separated origins, each scheme://host[:port]),
// else "allowOrigins" of gopherlens.config.json beside the page. Only exact
// origins count (scheme://host[:port]); "*" is refused on purpose.

import { VIEWS } from './gopherlens.js';

export const PROTOCOL_VERSION = 1;

/** Origins from a list of strings: exact http(s) origins only. */
export function parseOrigins(list) {
  const out = new Set();
  for (const s of list || []) {
    if (typeof s !== 'string') continue;
    try {
      const u = new URL(s);
      if ((u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s.replace(/\/$/, '')) out.add(u.origin);
    } catch {
      // not a URL: ignored
    }
  }
  return out;
}

async function allowedOrigins(app) {
  const attr = app.dataset.allowOrigins;
  if (attr !== undefined) return parseOrigins(attr.split(/\s+/).filter(Boolean));
  if (!/^https?:$/.test(location.protocol)) return new Set();
  try {
    const r = await fetch(new URL('gopherlens.config.json', document.baseURI), { cache: 'no-store', credentials: 'same-origin' });
    if (!r.ok) return new Set();
    const cfg = await r.json();
    return parseOrigins(cfg && cfg.allowOrigins);
  } catch {
    return new Set();
  }
}

/** Starts the protocol for the page's mount `handle`. */
export async function startFrame(handle, app) {
  const origins = await allowedOrigins(app);
  document.documentElement.dataset.frameOrigins = String(origins.size);
  if (!origins.size) return;
  const send = (msg, origin) => {
    const m = { gopherlens: PROTOCOL_VERSION, ...msg };
    if (origin) window.parent.postMessage(m, origin);
    // To every listed origin: the browser delivers it only if the parent is one.
    else for (const o of origins) window.parent.postMessage(m, o);
  };
  window.addEventListener('message', (ev) => {
    if (ev.source !== window.parent || !origins.has(ev.origin)) return;
    const m = ev.data;
    if (!m || typeof m !== 'object' || !('gopherlens' in m)) return;
    if (m.gopherlens !== PROTOCOL_VERSION) {
      send({ type: 'error', id: m.id, message: `gopherlens: protocol version ${m.gopherlens} is not supported (this page speaks ${PROTOCOL_VERSION})` }, ev.origin);
      return;
    }
    handleMessage(m, ev.origin).catch((e) => send({ type: 'error', id: m.id, message: e && e.message ? e.message : String(e) }, ev.origin));
  });
  async function handleMessage(m, origin) {
    switch (m.type) {
      case 'ping':
        send({ type: 'ready', version: PROTOCOL_VERSION, views: VIEWS }, origin);
        return;
      case 'load': {
        const bytes = m.bytes;
        const ok = bytes instanceof Blob || bytes instanceof ArrayBuffer || ArrayBuffer.isView(bytes);
        if (!ok) throw new Error('load: bytes must be an ArrayBuffer, a typed array or a Blob');
        const name = typeof m.name === 'string' && m.name ? m.name : 'profile';
        const [r] = await handle.add([{ name, bytes }]);
        if (r.ok) send({ type: 'loaded', id: m.id, name, format: r.format }, origin);
        else send({ type: 'error', id: m.id, message: r.error }, origin);
        return;
      }
      case 'set-view':
        handle.setView(m.view);
        return;
      case 'set-theme':
        handle.setTheme(m.theme);
        return;
      case 'set-options': {
        const o = {};
        if (typeof m.sampleIndex === 'string') o.sampleIndex = m.sampleIndex;
        if (typeof m.granularity === 'string') o.granularity = m.granularity;
        handle.setOptions(o);
        if (m.filters && typeof m.filters === 'object') await handle.setFilters(m.filters);
        if (m.flameView && typeof m.flameView === 'object') await handle.setFlameView(m.flameView);
        return;
      }
      default:
        throw new Error(`gopherlens: unknown message type ${JSON.stringify(m.type)}`);
    }
  }
  handle.on('view-changed', ({ view }) => send({ type: 'view-changed', view }));
  send({ type: 'ready', version: PROTOCOL_VERSION, views: VIEWS });
}
