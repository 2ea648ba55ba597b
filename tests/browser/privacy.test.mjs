// Nothing leaves the browser, in each of the four ways gopherlens runs:
// the hosted page (the static build, service worker included), the single
// file from file://, embedded in a portal page (mount() and <gopher-lens>)
// and in an iframe of a portal on another origin. Each visit opens every
// kind of file (heap, CPU, trace, gctrace log, Go binary): dropped on the
// hosted page, chosen with the file picker in the single file and the
// mount, handed to <gopher-lens>, posted to the iframe. It switches every
// tab of every profile and exports the Maps table. Every request is
// recorded (the pages', their workers' and the service worker's) and the
// test fails on any request to another origin, any request that is not a
// GET without a body, and any request whose URL or body carries bytes of
// the files opened.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, WWW, FIXTURES, fixture, scratchDir, startPortal, launchBrowser, dropFiles } from './harness.mjs';

const FILES = [
  fixture('heap').file,
  fixture('cpu').file,
  path.join(FIXTURES, 'trace/churn/go1.26.trace'),
  path.join(FIXTURES, 'trace/gc/gctrace/go1.23.gctrace'),
  path.join(FIXTURES, 'maps/profiles/go1.22/closures/program.gz'),
];

let dist;
let sites; // host.html and gopherlens/ (the static build) at `site`, portal.html at `portal`
let site;
let portal;
let br;

before(async () => {
  dist = path.join(scratchDir(), 'privacy-dist');
  execFileSync(process.execPath, [path.join(ROOT, 'tools/dist.mjs'), '--www', WWW, '--out', dist], { stdio: 'pipe' });
  sites = await startPortal((dir) => fs.cpSync(dist, dir, { recursive: true }));
  ({ site, portal } = sites);
  br = await launchBrowser();
});

after(async () => {
  await br?.close();
  await sites?.close();
});

/** Byte strings of the files opened, as they could appear in a URL or a body. */
function secrets() {
  const out = [];
  for (const f of FILES) {
    const b = fs.readFileSync(f);
    for (const at of [0, b.length >> 1, Math.max(0, b.length - 24)]) {
      const w = b.subarray(at, at + 24);
      out.push({ file: path.basename(f), bytes: w, text: [w.toString('base64'), w.toString('hex'), encodeURIComponent(w.toString('latin1'))] });
    }
  }
  return out;
}

/** Records every request of the context until stop(); `allowed(url)` says which are the page's own. */
function recorder(context, allowed) {
  const seen = [];
  const on = (r) => seen.push({ url: r.url(), method: r.method(), body: r.postDataBuffer(), sw: !!(r.serviceWorker && r.serviceWorker()) });
  context.on('request', on);
  return {
    seen,
    stop: () => context.off('request', on),
    check() {
      const bad = [];
      const keys = secrets();
      for (const r of seen) {
        if (!allowed(r.url)) bad.push(`another origin: ${r.method} ${r.url}`);
        if (r.method !== 'GET') bad.push(`not a GET: ${r.method} ${r.url}`);
        if (r.body && r.body.length) bad.push(`a body (${r.body.length} B): ${r.url}`);
        for (const k of keys) {
          if (r.body && r.body.includes(k.bytes)) bad.push(`bytes of ${k.file} in the body of ${r.url}`);
          if (k.text.some((t) => r.url.includes(t))) bad.push(`bytes of ${k.file} in ${r.url.slice(0, 120)}`);
        }
      }
      assert.deepEqual(bad, []);
      assert.ok(seen.length > 0, 'requests were recorded');
    },
  };
}

async function newPage() {
  const page = await br.context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => { if (m.type() === 'error' && /CSP violation/.test(m.text())) problems.push(m.text()); });
  return { page, problems };
}

/**
 * The full visit of one mount: `frame` (a Page or Frame), `host` the CSS
 * selector of its host element, `hooks` that of the element carrying its
 * data-* hooks, `load(files)` opens the files in it.
 */
async function visit(frame, host, hooks, load) {
  const page = typeof frame.page === 'function' ? frame.page() : frame;
  await load(FILES);
  // The mount's data-* hooks: on <html> for the page, else inside the host's shadow root.
  const ds = () => frame.evaluate((h) => ({ ...(h === 'html' ? document.documentElement : document.querySelector(h).shadowRoot.querySelector('.gl-root')).dataset }), hooks);
  await frame.waitForFunction(({ h, n }) => Number((h === 'html' ? document.documentElement : document.querySelector(h).shadowRoot.querySelector('.gl-root')).dataset.profiles || 0) === n, { h: hooks, n: FILES.length }, { timeout: 60000 });
  const keys = await frame.$$eval(`${host} #profiles option`, (os) => os.map((o) => o.value));
  assert.equal(keys.length, FILES.length);
  let exported = 0;
  for (const key of keys) {
    await frame.selectOption(`${host} #profiles`, key);
    for (const tab of ['flame', 'maps', 'gc', 'binary']) {
      const btn = `${host} #tab-btn-${tab}`;
      if (await frame.isDisabled(btn)) continue;
      const before = await ds();
      await frame.click(btn);
      await frame.waitForFunction(({ h, tab, before }) => {
        const d = (h === 'html' ? document.documentElement : document.querySelector(h).shadowRoot.querySelector('.gl-root')).dataset;
        if (d.tab !== tab && !(tab === 'flame' && (d.tab || 'flame') === 'flame')) return false;
        if (tab === 'maps') return d.mapsRenders !== before.mapsRenders || d.mapsRows !== undefined;
        if (tab === 'gc') return Number(d.gcCycles || 0) > 0 || d.gcReady !== before.gcReady;
        if (tab === 'binary') return Number(d.binaryRows || 0) > 0;
        return Number(d.flameNodes || 0) > 0;
      }, { h: hooks, tab, before }, { timeout: 60000 });
      if (tab === 'maps' && !exported) {
        for (const b of ['maps-export-csv', 'maps-export-json']) {
          const [dl] = await Promise.all([page.waitForEvent('download'), frame.click(`${host} #${b}`)]);
          assert.match(dl.suggestedFilename(), /\.maps\.(csv|json)$/);
          exported++;
        }
      }
    }
  }
  assert.equal(exported, 2, 'both exports ran');
}

const fileInput = (frame, host) => (files) => frame.setInputFiles(`${host} #file-input`, files);
const asBase64 = (files) => files.map((f) => ({ name: path.basename(f), b64: fs.readFileSync(f).toString('base64') }));

/**
 * One visit in a fresh page: `allowed(url)` says which requests are the
 * mode's own; fn(page) does the visit. Fails on any request check and any
 * CSP violation or uncaught error.
 */
async function inMode(allowed, fn) {
  const { page, problems } = await newPage();
  const rec = recorder(br.context, allowed);
  try {
    await fn(page);
    rec.check();
    assert.deepEqual(problems, []);
  } finally {
    rec.stop();
    await page.close();
  }
}

const local = (u) => /^(data|blob):/.test(u);

test('the hosted page (static build, service worker): nothing leaves the browser', { timeout: 180000 }, async () => {
  await inMode((u) => u.startsWith(`${site.origin}/gopherlens/`) || local(u), async (page) => {
    await page.goto(`${site.origin}/gopherlens/`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await visit(page, '#app', 'html', (files) => dropFiles(page, files));
  });
});

test('the single file from file://: no request at all but the file itself, data: and blob:', { timeout: 180000 }, async () => {
  const url = pathToFileURL(path.join(dist, 'gopherlens.html')).href;
  await inMode((u) => u === url || local(u), async (page) => {
    await page.goto(url);
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await visit(page, '#app', 'html', fileInput(page, '#app'));
  });
});

test('embedded in a portal page (mount() and <gopher-lens>): nothing leaves the browser', { timeout: 180000 }, async () => {
  await inMode((u) => u.startsWith(`${site.origin}/`) || local(u), async (page) => {
    await page.goto(`${site.origin}/host.html`);
    await page.evaluate(async () => {
      const { mount } = await import('./gopherlens/gopherlens.js');
      await import('./gopherlens/element.js');
      mount(document.getElementById('one'));
      document.getElementById('two').append(document.createElement('gopher-lens'));
    });
    // The custom element is handed Files through its files property.
    const setFiles = async (files) => {
      await page.evaluate((list) => {
        document.querySelector('gopher-lens').files = list.map(({ name, b64 }) => new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
      }, asBase64(files));
    };
    await visit(page, '#one', '#one', fileInput(page, '#one'));
    await visit(page, 'gopher-lens', 'gopher-lens', setFiles);
  });
});

test('in an iframe of a portal on another origin, fed by postMessage: nothing leaves the browser', { timeout: 180000 }, async () => {
  const own = (u) => u.startsWith(`${portal.origin}/portal.html`) || u.startsWith(`${site.origin}/gopherlens/`) || local(u);
  await inMode(own, async (page) => {
    await page.goto(`${portal.origin}/portal.html`);
    await page.evaluate((src) => {
      const f = document.createElement('iframe');
      f.src = src;
      f.width = '1024';
      f.height = '760';
      document.body.append(f);
    }, `${site.origin}/gopherlens/`);
    let frame = null;
    for (let i = 0; i < 100 && !frame; i++) {
      frame = page.frames().find((f) => f.url().startsWith(site.origin));
      if (!frame) await page.waitForTimeout(100);
    }
    await frame.waitForFunction(() => document.documentElement.dataset.frameOrigins === '1', null, { timeout: 20000 });
    const load = async (files) => {
      await page.evaluate((list) => {
        const w = document.querySelector('iframe').contentWindow;
        for (const { name, b64 } of list) {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          w.postMessage({ gopherlens: 1, type: 'load', name, bytes: bytes.buffer }, '*', [bytes.buffer]);
        }
      }, asBase64(files));
    };
    await visit(frame, '#app', 'html', load);
  });
});
