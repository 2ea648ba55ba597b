// The gopherlens page: one user of mount() (ui/mount.js) filling the
// window, plus what only the page does: `?maxInflate=MIB` (README "Memory
// bounds"), offline use after the first visit (offline.js, in the static
// build) and, inside an iframe, the postMessage protocol (frame.js).
// Test hooks go on <html> (data-*), as the browser tests expect.

import { mount } from './gopherlens.js';
import { startFrame } from './frame.js';
import { registerOffline } from './offline.js';

const root = document.documentElement;

// `?maxInflate=MIB` raises how far gzip data may inflate; 0 or absent: the
// core's default.
const mib = Number(new URLSearchParams(location.search).get('maxInflate'));
const maxInflate = Number.isFinite(mib) && mib > 0 ? Math.min(mib, 1024) * 1048576 : 0;

const handle = mount(document.getElementById('app'), { hooks: root, options: { maxInflate } });

if (window.parent !== window) startFrame(handle, document.getElementById('app'));

registerOffline();

root.dataset.ready = '1';
