// The GC report of a trace opened in headless Chromium, through the page's
// own API (the worker and loader the page's file input uses), for
// bench/trace.sh --huge: a trace of several GB, larger than wasm32 could
// hold, streamed from the File generation by generation.
//
//   node bench/trace-gc-browser.mjs FILE --json OUT.json
//
// OUT.json: {gc, openMs, wasmMemoryMB, rendererPeakSumMB}: `gc` is
// session.gc() (the shape of `gopherlens gc --json`), `openMs` the time
// open() took, `wasmMemoryMB` the worker's wasm memory afterwards (it never
// shrinks, so its peak), `rendererPeakSumMB` the largest sum of this
// Chromium's renderer processes' RSS, polled every 100 ms.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const [file, flag, out] = process.argv.slice(2);
if (!file || flag !== '--json' || !out) {
  console.error('usage: node bench/trace-gc-browser.mjs FILE --json OUT.json');
  process.exit(2);
}

function serve() {
  const proc = spawn('python3', [path.join(ROOT, 'tests/browser/serve.py'), '--quiet', '--port', '0', '--dir',
    path.join(ROOT, 'www'), '--exit-on-stdin-eof'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) resolve({ origin: m[1], close: () => proc.stdin.end() });
    });
    proc.once('exit', (c) => reject(new Error(`serve.py exited (${c})`)));
  });
}

// RSS of this Chromium's renderers: the processes whose command line has our marker.
function rendererRssMB(marker) {
  let sum = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer')) continue;
      if (!isDescendant(Number(pid), marker)) continue;
      const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
      if (m) sum += Number(m[1]) / 1024;
    } catch {
      // the process ended
    }
  }
  return sum * 1.048576; // MiB to MB
}

function isDescendant(pid, root) {
  for (let p = pid, i = 0; p > 1 && i < 64; i++) {
    if (p === root) return true;
    try {
      p = Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

const server = await serve();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
// The browser process: the newest chromium whose parent is this node process.
const rootPid = Number(execFileSync('pgrep', ['-n', '-P', String(process.pid), 'chromium']).toString().trim() || 0);
let peak = 0;
const poll = setInterval(() => { peak = Math.max(peak, rendererRssMB(rootPid)); }, 100);
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${server.origin}/index.html`);
  await page.evaluate(() => {
    const i = document.createElement('input');
    i.type = 'file';
    i.id = 'bench-trace';
    document.body.append(i);
  });
  // A local browser gets the path: the file is not copied into the page.
  await page.setInputFiles('#bench-trace', file);
  const r = await page.evaluate(async () => {
    const { open, coreMemory } = await import('./gopherlens.js');
    const f = document.getElementById('bench-trace').files[0];
    const t0 = performance.now();
    const s = await open(f, { name: f.name });
    const openMs = performance.now() - t0;
    const gc = await s.gc();
    const mem = await coreMemory();
    s.close();
    return { gc, openMs, wasmMemoryMB: mem / 1e6 };
  });
  r.rendererPeakSumMB = peak;
  fs.writeFileSync(out, JSON.stringify(r));
  console.error(`${path.basename(file)}: opened in ${(r.openMs / 1e3).toFixed(1)} s, wasm memory ${r.wasmMemoryMB.toFixed(0)} MB, renderers ${peak.toFixed(0)} MB, ${r.gc.cycles.length} GC cycles`);
} finally {
  clearInterval(poll);
  await browser.close();
  server.close();
}
