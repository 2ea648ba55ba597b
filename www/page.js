// The gopherlens page: one user of mount() (ui/mount.js) filling the
// window, plus what only the page does: `?maxInflate=MIB` (README "Memory
// bounds"), offline use after the first visit (offline.js, in the static
// build) and, inside an iframe, the postMessage protocol (frame.js).
// Test hooks go on <html> (data-*), as the browser tests expect.

import { mount } from './gopherlens.js';
import { startFrame } from './frame.js';
import { registerOffline } from './offline.js';
import { encodeTransforms, decodeTransforms } from './ui/transforms.js';

const root = document.documentElement;

// `?maxInflate=MIB` raises how far gzip data may inflate; 0 or absent: the
// core's default.
const mib = Number(new URLSearchParams(location.search).get('maxInflate'));
const maxInflate = Number.isFinite(mib) && mib > 0 ? Math.min(mib, 1024) * 1048576 : 0;

// The view's options live in the address's fragment, never the data, so a
// colleague with the same file sees the same view: pprof's filters under
// pprof's short URL keys (f, i, h, s, sf, prunefrom, tf, ti, ts, th).
const FRAGMENT_KEYS = {
  focus: 'f', ignore: 'i', hide: 'h', show: 's', show_from: 'sf', prune_from: 'prunefrom',
  tagfocus: 'tf', tagignore: 'ti', tagshow: 'ts', taghide: 'th',
};
function filtersFromFragment() {
  const q = new URLSearchParams(location.hash.replace(/^#/, ''));
  const f = {};
  for (const [k, short] of Object.entries(FRAGMENT_KEYS)) if (q.get(short)) f[k] = q.get(short);
  // The call-tree transforms (README "Transforms"): tr=mf:NAME~rec:NAME…
  const tr = decodeTransforms(q.get('tr'));
  if (tr.length) f.transforms = tr;
  return f;
}
function writeFragment(filters) {
  const q = new URLSearchParams(location.hash.replace(/^#/, ''));
  for (const [k, short] of Object.entries(FRAGMENT_KEYS)) {
    if (filters[k]) q.set(short, filters[k]);
    else q.delete(short);
  }
  const tr = encodeTransforms(filters.transforms);
  if (tr) q.set('tr', tr);
  else q.delete('tr');
  const text = q.toString();
  history.replaceState(null, '', text ? `#${text}` : location.pathname + location.search);
}

// The flame tab's view (README "Views"): `view=flame|inverted|sandwich`
// (absent: icicle), `lh=0` (siblings by name; absent: left-heavy) and the
// sandwich's function `sw=NAME`.
function flameViewFromFragment() {
  const q = new URLSearchParams(location.hash.replace(/^#/, ''));
  return { view: q.get('view') || 'icicle', leftHeavy: q.get('lh') !== '0', func: q.get('sw') || null };
}
function writeFlameView(v) {
  const q = new URLSearchParams(location.hash.replace(/^#/, ''));
  const set = (k, val) => (val ? q.set(k, val) : q.delete(k));
  set('view', v.view === 'icicle' ? '' : v.view);
  set('lh', v.leftHeavy ? '' : '0');
  set('sw', v.func || '');
  const text = q.toString();
  history.replaceState(null, '', text ? `#${text}` : location.pathname + location.search);
}

// The sample type, pprof's `-sample_index`, as `si=NAME` (absent: the
// profile's default), and the table's granularity as `g=lines` (absent:
// functions).
const fromFragment = (key) => new URLSearchParams(location.hash.replace(/^#/, '')).get(key) || '';
function writeKey(key, value) {
  const q = new URLSearchParams(location.hash.replace(/^#/, ''));
  if (value) q.set(key, value);
  else q.delete(key);
  const text = q.toString();
  history.replaceState(null, '', text ? `#${text}` : location.pathname + location.search);
}

const handle = mount(document.getElementById('app'), {
  hooks: root,
  options: { maxInflate, filters: filtersFromFragment(), sampleIndex: fromFragment('si'), granularity: fromFragment('g') },
  flameView: flameViewFromFragment(),
});
handle.on('filters', writeFragment);
handle.on('flame-view', writeFlameView);
handle.on('sample-index', ({ sampleIndex }) => writeKey('si', sampleIndex));
handle.on('granularity', ({ granularity }) => writeKey('g', granularity === 'functions' ? '' : granularity));
window.addEventListener('hashchange', () => {
  handle.setFilters(filtersFromFragment());
  handle.setFlameView(flameViewFromFragment());
  const si = fromFragment('si');
  if (si) handle.setOptions({ sampleIndex: si });
  handle.setOptions({ granularity: fromFragment('g') || 'functions' });
});

if (window.parent !== window) startFrame(handle, document.getElementById('app'));

registerOffline();

root.dataset.ready = '1';
