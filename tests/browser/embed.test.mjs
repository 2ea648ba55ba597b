// Embedding, three ways, one UI (README "Embedding"): a portal page on
// gopherlens' origin mounts the UI twice with mount() and once as
// <gopher-lens>, each showing the profile it was handed; destroy() leaves
// no listener, element or style behind; a portal on another origin embeds
// the page in an iframe and loads a profile by postMessage, while the same
// portal on an origin the deployment does not list is ignored.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WWW, FIXTURES, startPortal, launchBrowser, fixture, cli } from './harness.mjs';

const TRACE = path.join(FIXTURES, 'trace/churn/go1.26.trace');

let site; // gopherlens' origin: host.html, gopherlens/ (www), profiles/
let portal; // another origin: portal.html
let sites;
let br;

before(async () => {
  // gopherlens deployed under /gopherlens/ (www/ itself), with a configuration of its own.
  sites = await startPortal((dir) => {
    fs.mkdirSync(dir);
    for (const e of fs.readdirSync(WWW)) fs.symlinkSync(path.resolve(WWW, e), path.join(dir, e));
  });
  ({ site, portal } = sites);
  fs.mkdirSync(path.join(sites.dir, 'profiles'));
  fs.copyFileSync(fixture('heap').file, path.join(sites.dir, 'profiles/heap.pb.gz'));
  br = await launchBrowser();
});

after(async () => {
  await br?.close();
  await sites?.close();
});

/** A page of the browser with its requests, errors and CSP violations recorded. */
async function openPage(url) {
  const page = await br.context.newPage();
  const requests = [];
  const problems = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP ${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(url);
  return { page, requests, problems };
}

const b64 = (file) => fs.readFileSync(file).toString('base64');

/** Waits until host `sel` (in the light DOM) has drawn a flame graph of `file`. */
async function waitFlame(page, sel) {
  await page.waitForFunction((sel) => {
    const h = document.querySelector(sel);
    const d = h && h.shadowRoot && h.shadowRoot.querySelector('.gl-root');
    return d && Number(d.dataset.flameDraws || 0) > 0 && Number(d.dataset.flameNodes || 0) > 0;
  }, sel, { timeout: 30000 });
}

/** The top table rows {name, flat} of the mount in host `sel`. */
const rows = (page, sel) => page.evaluate((sel) =>
  Array.from(document.querySelector(sel).shadowRoot.querySelectorAll('#top-table tbody tr[data-name]'),
    (tr) => ({ name: tr.dataset.name, flat: Number(tr.dataset.flat) })), sel);

test('mount() twice and <gopher-lens> in one page: each shows the profile it was handed, independently', { timeout: 90000 }, async () => {
  const heap = fixture('heap');
  const cpu = fixture('cpu');
  const { page, requests, problems } = await openPage(`${site.origin}/host.html`);
  try {
    await page.evaluate(async ({ heap, cpu }) => {
      const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const { mount } = await import('./gopherlens/gopherlens.js');
      await import('./gopherlens/element.js');
      const one = mount(document.getElementById('one'), { files: [{ name: 'heap.pb.gz', bytes: bytes(heap) }] });
      const two = mount(document.getElementById('two'), { files: [new File([bytes(cpu)], 'cpu.pb.gz')], theme: 'dark' });
      const views = [];
      one.on('view-changed', (d) => views.push(['one', d.view]));
      two.on('view-changed', (d) => views.push(['two', d.view]));
      const el = document.createElement('gopher-lens');
      el.setAttribute('src', '../profiles/heap.pb.gz'.replace('../', '/'));
      el.setAttribute('sample-index', 'alloc_space');
      document.getElementById('three').append(el);
      // Kept on the element, where the test reads them (no globals).
      document.getElementById('one').handle = one;
      document.getElementById('two').handle = two;
      document.getElementById('two').views = views;
    }, { heap: b64(heap.file), cpu: b64(cpu.file) });
    await waitFlame(page, '#one');
    await waitFlame(page, '#two');
    await waitFlame(page, 'gopher-lens');
    // Each table is the CLI's top of its own profile (and sample type).
    const top = (file, si) => cli('top', file, ...(si ? ['--sample-index', si] : [])).rows.map((r) => r.name);
    assert.deepEqual((await rows(page, '#one')).map((r) => r.name), top(heap.file));
    assert.deepEqual((await rows(page, '#two')).map((r) => r.name), top(cpu.file));
    assert.deepEqual((await rows(page, 'gopher-lens')).map((r) => r.name), top(heap.file, 'alloc_space'));
    assert.equal(await page.evaluate(() => document.querySelector('gopher-lens').shadowRoot.querySelector('.gl-root').dataset.sampleType), 'alloc_space');
    // The element's flame-view and granularity attributes apply (the
    // table by line is the CLI's -top -lines).
    await page.evaluate(() => {
      const el = document.querySelector('gopher-lens');
      el.setAttribute('granularity', 'lines');
      el.setAttribute('flame-view', 'inverted');
    });
    const lines = cli('top', heap.file, '--sample-index', 'alloc_space', '--granularity', 'lines').rows.map((r) => r.name);
    await page.waitForFunction((n) => {
      const r = document.querySelector('gopher-lens').shadowRoot;
      const d = r.querySelector('.gl-root').dataset;
      return d.flameView === 'inverted' && d.granularity === 'lines' && r.querySelectorAll('#top-table tbody tr[data-name]').length === n;
    }, lines.length, { timeout: 20000 });
    assert.deepEqual((await rows(page, 'gopher-lens')).map((r) => r.name), lines);
    // Switching one mount's view leaves the others alone.
    await page.evaluate(() => document.getElementById('one').handle.setView('maps'));
    await page.waitForFunction(() => Number(document.getElementById('one').shadowRoot.querySelector('.gl-root').dataset.mapsRenders || 0) > 0, null, { timeout: 30000 });
    const tabs = await page.evaluate(() => ['#one', '#two', 'gopher-lens'].map((s) => document.querySelector(s).shadowRoot.querySelector('.gl-root').dataset.tab || 'flame'));
    assert.deepEqual(tabs, ['maps', 'flame', 'flame']);
    // The host elements carry nothing of the mounts (their state stays in the shadow roots).
    const attrs = await page.evaluate(() => ['#one', '#two'].map((s) => document.querySelector(s).getAttributeNames().sort()));
    assert.deepEqual(attrs, [['class', 'id'], ['class', 'id']]);
    // A trace added to the second mount opens its GC tab there only.
    await page.evaluate(async (t) => {
      const two = document.getElementById('two').handle;
      await two.add([{ name: 'churn.trace', bytes: Uint8Array.from(atob(t), (c) => c.charCodeAt(0)) }]);
      two.setView('gc');
    }, b64(TRACE));
    await page.waitForFunction(() => Number(document.getElementById('two').shadowRoot.querySelector('.gl-root').dataset.gcCycles || 0) > 0, null, { timeout: 30000 });
    assert.deepEqual(await page.evaluate(() => document.getElementById('two').views), [['one', 'maps'], ['two', 'gc']]);
    // 1024 px panels: neither the Maps tab (#one) nor the GC tab (#two) sticks out sideways.
    const wide = await page.evaluate(() => ['#one', '#two'].map((s) => {
      const r = document.querySelector(s).shadowRoot.querySelector('.gl-root');
      return r.scrollWidth - r.clientWidth;
    }));
    assert.deepEqual(wide, [0, 0], 'overflow of the Maps and GC tabs in 1024 px panels');
    assert.equal(await page.evaluate(() => document.getElementById('two').handle.profiles.length), 2);
    assert.equal(await page.evaluate(() => document.getElementById('one').handle.profiles.length), 1);
    // Styles stay on their side: the host's rules do not reach the UI, the UI's do not reach the host.
    const style = await page.evaluate(() => {
      const b = document.getElementById('one').shadowRoot.querySelector('button');
      return { uiBorder: getComputedStyle(b).borderTopWidth, uiFont: getComputedStyle(b).fontFamily,
        hostFont: getComputedStyle(document.querySelector('.portal-text')).fontSize, hostColor: getComputedStyle(document.body).color };
    });
    assert.notEqual(style.uiBorder, '5px');
    assert.doesNotMatch(style.uiFont, /^serif$/);
    assert.equal(style.hostFont, '20px');
    assert.equal(style.hostColor, 'rgb(200, 0, 0)');
    // The dark mount has dark colours; the light ones not.
    const bg = await page.evaluate(() => ['#one', '#two'].map((s) =>
      getComputedStyle(document.querySelector(s).shadowRoot.querySelector('.gl-root')).backgroundColor));
    assert.notEqual(bg[0], bg[1]);
    // "auto" follows the system's scheme when it flips; the host's --gl-* win over either.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.getElementById('one').shadowRoot.querySelector('.gl-root').dataset.scheme === 'dark');
    const flipped = await page.evaluate(() => {
      const bgOf = (s) => getComputedStyle(document.querySelector(s).shadowRoot.querySelector('.gl-root')).backgroundColor;
      const before = [bgOf('#one'), bgOf('#two')];
      document.getElementById('two').style.setProperty('--gl-bg', 'rgb(1, 2, 3)');
      return [...before, bgOf('#two')];
    });
    assert.equal(flipped[0], flipped[1], 'an auto mount in a dark system looks like a dark one');
    assert.equal(flipped[2], 'rgb(1, 2, 3)');
    await page.emulateMedia({ colorScheme: 'light' });
    // A 1024 px panel: nothing of the UI sticks out sideways.
    const overflow = await page.evaluate(() => {
      const r = document.getElementById('one').shadowRoot.querySelector('.gl-root');
      return r.scrollWidth - r.clientWidth;
    });
    assert.ok(overflow <= 0, `the UI overflows its 1024 px panel by ${overflow} px`);
    // <gopher-lens> moved in the page keeps its profile; removed, it lets it go.
    const moved = await page.evaluate(async () => {
      const el = document.querySelector('gopher-lens');
      document.getElementById('one').after(el);
      await new Promise((r) => setTimeout(r, 50));
      const kept = el.handle ? el.handle.profiles.length : -1;
      el.remove();
      await new Promise((r) => setTimeout(r, 50));
      return { kept, after: el.handle, children: el.shadowRoot.childNodes.length };
    });
    assert.deepEqual(moved, { kept: 1, after: null, children: 0 });
    assert.deepEqual(problems, []);
    assert.ok(requests.every((u) => u.startsWith(site.origin + '/') || u.startsWith('blob:') || u.startsWith('data:')), requests.join('\n'));
  } finally {
    await page.close();
  }
});

test('<gopher-lens src> takes only same-origin URLs: another origin is refused without a request', { timeout: 60000 }, async () => {
  const { page, requests } = await openPage(`${site.origin}/host.html`);
  try {
    const foreign = `${portal.origin}/profiles/heap.pb.gz`;
    await page.evaluate(async (src) => {
      await import('./gopherlens/element.js');
      const el = document.createElement('gopher-lens');
      el.addEventListener('gopherlens:error', (e) => { el.dataset.error = e.detail.message; });
      el.setAttribute('src', src);
      document.getElementById('three').append(el);
    }, foreign);
    await page.waitForFunction(() => document.querySelector('gopher-lens').dataset.error, null, { timeout: 20000 });
    const msg = await page.evaluate(() => document.querySelector('gopher-lens').dataset.error);
    assert.match(msg, /same-origin/);
    assert.ok(!requests.some((u) => u.startsWith(portal.origin)), 'nothing was requested from the other origin');
  } finally {
    await page.close();
  }
});

test('destroy() leaves no listener, element, style or global behind', { timeout: 60000 }, async () => {
  const { page } = await openPage(`${site.origin}/host.html`);
  try {
    const cdp = await br.context.newCDPSession(page);
    // Which script added each listener: only the page's own scripts count
    // (Playwright's injected script listens on window for its own ends).
    const scripts = new Map();
    cdp.on('Debugger.scriptParsed', (e) => scripts.set(e.scriptId, e.url));
    await cdp.send('Debugger.enable');
    // Event listeners on window, document and the host element, as DevTools sees them.
    const listeners = async () => {
      const out = {};
      for (const [k, expr] of [['window', 'window'], ['document', 'document'], ['host', "document.getElementById('one')"], ['body', 'document.body']]) {
        const { result } = await cdp.send('Runtime.evaluate', { expression: expr });
        const { listeners: ls } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
        out[k] = ls.filter((l) => (scripts.get(l.scriptId) || '').startsWith(site.origin))
          .map((l) => `${l.type} ${scripts.get(l.scriptId).slice(site.origin.length)}:${l.lineNumber}`).sort();
      }
      return out;
    };
    const snapshot = () => page.evaluate(() => ({
      globals: Object.keys(window).sort(),
      head: document.head.innerHTML,
      body: document.body.children.length,
      sheets: document.styleSheets.length,
      adopted: document.adoptedStyleSheets.length,
    }));
    const heap = fixture('heap');
    // Import first: the module may keep its worker (shared, not the mount's).
    await page.evaluate(async () => { await import('./gopherlens/gopherlens.js'); });
    const before0 = { l: await listeners(), s: await snapshot() };
    await page.evaluate(async (h) => {
      const { mount } = await import('./gopherlens/gopherlens.js');
      const host = document.getElementById('one');
      host.handle = mount(host, { files: [{ name: 'heap.pb.gz', bytes: Uint8Array.from(atob(h), (c) => c.charCodeAt(0)) }] });
    }, b64(heap.file));
    await waitFlame(page, '#one');
    // Use it: every tab that applies, search, a zoom, keyboard. Driven
    // from the page (Playwright's own clicks add listeners to window).
    const ui = (fn) => page.evaluate(fn);
    await ui(() => document.getElementById('one').shadowRoot.getElementById('tab-btn-maps').click());
    await page.waitForFunction(() => Number(document.getElementById('one').shadowRoot.querySelector('.gl-root').dataset.mapsRenders || 0) > 0, null, { timeout: 30000 });
    await ui(() => {
      const r = document.getElementById('one').shadowRoot;
      r.getElementById('tab-btn-flame').click();
      const s = r.getElementById('search');
      s.value = 'main';
      s.dispatchEvent(new Event('input', { bubbles: true }));
      const c = r.getElementById('flame');
      c.focus();
      for (const key of ['ArrowDown', 'ArrowDown', 'Enter']) c.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true }));
    });
    await page.waitForFunction(() => document.getElementById('one').shadowRoot.querySelector('.gl-root').dataset.flameRoot !== '0', null, { timeout: 20000 });
    const during = await listeners();
    assert.ok(during.host.length > 0 || during.window.length >= before0.l.window.length, 'the mount listens while mounted');
    await page.evaluate(() => {
      const host = document.getElementById('one');
      host.handle.destroy();
      delete host.handle;
    });
    const after0 = { l: await listeners(), s: await snapshot() };
    assert.deepEqual(after0.l, before0.l, 'listeners after destroy()');
    assert.deepEqual(after0.s, before0.s, 'page state after destroy()');
    assert.equal(await page.evaluate(() => document.getElementById('one').shadowRoot.childNodes.length), 0);
    assert.equal(await page.evaluate(() => document.getElementById('one').shadowRoot.adoptedStyleSheets.length), 0);
    // The element can hold a new mount afterwards.
    await page.evaluate(async () => {
      const { mount } = await import('./gopherlens/gopherlens.js');
      mount(document.getElementById('one')).destroy();
    });
  } finally {
    await page.close();
  }
});

/** Messages the portal page received from the frame, in order. */
const received = (page) => page.evaluate(() => JSON.parse(document.body.dataset.messages || '[]'));

async function openPortal(origin) {
  const s = await openPage(`${origin}/portal.html`);
  await s.page.evaluate((src) => {
    const msgs = [];
    window.addEventListener('message', (e) => {
      msgs.push({ origin: e.origin, data: e.data });
      document.body.dataset.messages = JSON.stringify(msgs);
    });
    const f = document.createElement('iframe');
    f.src = src;
    f.width = '1024';
    f.height = '700';
    document.body.append(f);
  }, `${site.origin}/gopherlens/index.html`);
  return s;
}

test('iframe: a listed origin loads a profile by postMessage and hears ready, loaded, error and view-changed', { timeout: 90000 }, async () => {
  const heap = fixture('heap');
  const { page, problems } = await openPortal(portal.origin);
  try {
    await page.waitForFunction(() => JSON.parse(document.body.dataset.messages || '[]').some((m) => m.data.type === 'ready'), null, { timeout: 20000 });
    const [ready] = await received(page);
    assert.equal(ready.origin, site.origin);
    assert.deepEqual(ready.data, { gopherlens: 1, type: 'ready', version: 1, views: ['flame', 'maps', 'gc', 'binary'] });
    await page.evaluate((h) => {
      const f = document.querySelector('iframe').contentWindow;
      const bytes = Uint8Array.from(atob(h), (c) => c.charCodeAt(0));
      f.postMessage({ gopherlens: 1, type: 'load', id: 7, name: 'heap.pb.gz', bytes: bytes.buffer }, '*');
      f.postMessage({ gopherlens: 1, type: 'load', id: 8, name: 'notes.txt', bytes: new TextEncoder().encode('hello') }, '*');
    }, b64(heap.file));
    await page.waitForFunction(() => JSON.parse(document.body.dataset.messages || '[]').filter((m) => m.data.id === 8).length, null, { timeout: 30000 });
    const msgs = (await received(page)).map((m) => m.data);
    assert.deepEqual(msgs.find((m) => m.id === 7), { gopherlens: 1, type: 'loaded', id: 7, name: 'heap.pb.gz', format: 'pprof' });
    const err = msgs.find((m) => m.id === 8);
    assert.equal(err.type, 'error');
    assert.match(err.message, /^notes\.txt: /);
    // The frame draws what it was handed.
    const frame = page.frames().find((f) => f.url().startsWith(site.origin));
    await frame.waitForFunction(() => Number(document.documentElement.dataset.flameNodes || 0) > 0, null, { timeout: 20000 });
    const names = await frame.evaluate(() => Array.from(document.getElementById('app').shadowRoot.querySelectorAll('#top-table tbody tr[data-name]'), (tr) => tr.dataset.name));
    assert.deepEqual(names, cli('top', heap.file).rows.map((r) => r.name));
    // pprof's options by message: sample type, granularity, filters and the
    // flame view apply as in the page (the table is pprof's -top -lines).
    const post = (m) => page.evaluate((m) => document.querySelector('iframe').contentWindow.postMessage({ gopherlens: 1, ...m }, '*'), m);
    await post({ type: 'set-options', sampleIndex: 'alloc_space', granularity: 'lines', filters: { focus: 'main\\.' }, flameView: { view: 'inverted' } });
    await frame.waitForFunction(() => {
      const d = document.documentElement.dataset;
      return d.tableSampleType === 'alloc_space' && d.granularity === 'lines' && d.flameView === 'inverted' && JSON.parse(d.filters || '{}').focus === 'main\\.';
    }, null, { timeout: 20000 });
    await frame.waitForFunction((n) => document.getElementById('app').shadowRoot.querySelectorAll('#top-table tbody tr[data-name]').length === n,
      cli('top', heap.file, '--sample-index', 'alloc_space', '--granularity', 'lines', '--focus', 'main\\.').rows.length, { timeout: 20000 });
    const lines = await frame.evaluate(() => Array.from(document.getElementById('app').shadowRoot.querySelectorAll('#top-table tbody tr[data-name]'), (tr) => tr.dataset.name));
    assert.deepEqual(lines, cli('top', heap.file, '--sample-index', 'alloc_space', '--granularity', 'lines', '--focus', 'main\\.').rows.map((r) => r.name));
    await page.evaluate(() => document.querySelector('iframe').contentWindow.postMessage({ gopherlens: 1, type: 'set-view', view: 'maps' }, '*'));
    await page.waitForFunction(() => JSON.parse(document.body.dataset.messages || '[]').some((m) => m.data.type === 'view-changed' && m.data.view === 'maps'), null, { timeout: 20000 });
    // A version the page does not speak is answered with an error.
    await page.evaluate(() => document.querySelector('iframe').contentWindow.postMessage({ gopherlens: 2, type: 'ping', id: 9 }, '*'));
    await page.waitForFunction(() => JSON.parse(document.body.dataset.messages || '[]').some((m) => m.data.id === 9), null, { timeout: 20000 });
    assert.match((await received(page)).find((m) => m.data.id === 9).data.message, /protocol version 2 is not supported/);
    assert.ok((await received(page)).every((m) => m.origin === site.origin && m.data.gopherlens === 1));
    assert.deepEqual(problems.filter((p) => !/notes\.txt/.test(p)), []);
  } finally {
    await page.close();
  }
});

test('iframe: a message from an origin not listed is ignored, and that origin hears nothing', { timeout: 60000 }, async () => {
  const heap = fixture('heap');
  // The same portal, under a name the deployment does not list.
  const other = portal.origin.replace('127.0.0.1', 'localhost');
  const { page } = await openPortal(other);
  try {
    const frame = await (async () => {
      for (let i = 0; i < 100; i++) {
        const f = page.frames().find((x) => x.url().startsWith(site.origin));
        if (f) return f;
        await page.waitForTimeout(100);
      }
      throw new Error('no frame');
    })();
    await frame.waitForFunction(() => document.documentElement.dataset.frameOrigins === '1', null, { timeout: 20000 });
    await page.evaluate((h) => {
      const f = document.querySelector('iframe').contentWindow;
      f.postMessage({ gopherlens: 1, type: 'load', id: 1, name: 'heap.pb.gz', bytes: Uint8Array.from(atob(h), (c) => c.charCodeAt(0)).buffer }, '*');
      f.postMessage({ gopherlens: 1, type: 'ping' }, '*');
    }, b64(heap.file));
    await page.waitForTimeout(3000);
    assert.equal(await frame.evaluate(() => document.documentElement.dataset.profiles || '0'), '0');
    assert.deepEqual(await received(page), []);
  } finally {
    await page.close();
  }
});
