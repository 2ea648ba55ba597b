#!/usr/bin/env node
// Builds the deployable forms of www/ (node >= 18, built-ins only):
//
//   node tools/dist.mjs [--www DIR] [--out DIR]      (defaults: www, dist)
//
//   OUT/index.html, gopherlens.js, element.js, sw.js   stable names (no-cache)
//   OUT/assets/NAME.HASH.EXT   everything they reach, named by content hash
//                              (immutable), referenced by relative paths so
//                              the site works under any sub-path
//   OUT/_headers, OUT/nginx.conf.example               example server headers
//   OUT/gopherlens.html        the whole app in one file (works from file://)
//   OUT/SIZES.json             raw and gzip -9 sizes of both
//
// Fails (exit 1) on a missing file, a reference cycle, a bare or absolute
// specifier, or import/export syntax the single-file bundler cannot rewrite.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';

class DistError extends Error {}
const fail = (msg) => { throw new DistError(msg); };

const STABLE = ['index.html', 'gopherlens.js', 'element.js'];
const MIME = {
  '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.html': 'text/html',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon', '.jpg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.txt': 'text/plain',
};
const sha256 = (data) => crypto.createHash('sha256').update(data).digest();
const isJs = (f) => /\.m?js$/.test(f);
const posix = (p) => p.split(path.sep).join('/');

// ------------------------------------------------------------ JS scanning
//
// A small lexer, enough to tell code from comments, strings, templates and
// regular expressions. `blank` is the source with comments turned into
// spaces and every string, template and regexp body into filler of the same
// length, so patterns run on `blank` only ever match code, and a match's
// offsets are the original's.

const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void',
  'throw', 'instanceof', 'yield', 'await']);

function scanJs(src, file) {
  const out = src.split('');
  const fill = (a, b) => { for (let i = a; i < b; i++) if (out[i] !== '\n') out[i] = ' '; };
  const fillX = (a, b) => { for (let i = a; i < b; i++) if (out[i] !== '\n') out[i] = 'x'; };
  const strings = new Map(); // start offset (the quote) -> decoded value
  const stack = []; // 'b' (brace) or 't' (inside a template's ${ })
  let i = 0;
  let last = ''; // kind of the last significant token: '', 'word:NAME', 'num', or a punctuator
  const n = src.length;
  const template = () => { // at a backtick or just after a '}' closing ${ }
    const start = i;
    for (;;) {
      if (i >= n) fail(`${file}: unterminated template literal`);
      const c = src[i];
      if (c === '\\') { i += 2; continue; }
      if (c === '`') { fillX(start, i); i++; last = 'str'; return; }
      if (c === '$' && src[i + 1] === '{') { fillX(start, i); i += 2; stack.push('t'); last = '{'; return; }
      i++;
    }
  };
  while (i < n) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      const e = src.indexOf('\n', i);
      const end = e < 0 ? n : e;
      fill(i, end); i = end; continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      if (e < 0) fail(`${file}: unterminated comment`);
      fill(i, e + 2); i = e + 2; continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let v = '';
      i++;
      for (;;) {
        if (i >= n || src[i] === '\n') fail(`${file}: unterminated string at offset ${start}`);
        if (src[i] === '\\') { v += src.slice(i, i + 2); i += 2; continue; }
        if (src[i] === c) break;
        v += src[i++];
      }
      fillX(start + 1, i);
      i++;
      strings.set(start, v);
      last = 'str';
      continue;
    }
    if (c === '`') { i++; template(); continue; }
    if (c === '/') {
      const regexOk = last === '' || (last.startsWith('word:') ? REGEX_AFTER_WORD.has(last.slice(5))
        : last !== 'num' && last !== 'str' && last !== ')' && last !== ']' && last !== '}');
      if (regexOk) {
        const start = i;
        let cls = false;
        i++;
        for (;;) {
          if (i >= n || src[i] === '\n') fail(`${file}: unterminated regular expression at offset ${start}`);
          const d = src[i];
          if (d === '\\') { i += 2; continue; }
          if (d === '[') cls = true;
          else if (d === ']') cls = false;
          else if (d === '/' && !cls) break;
          i++;
        }
        fillX(start + 1, i);
        i++;
        while (i < n && /[a-z]/i.test(src[i])) i++;
        last = 'str';
        continue;
      }
    }
    if (/[\p{ID_Start}$_\\]/u.test(c)) {
      let j = i + 1;
      while (j < n && /[\p{ID_Continue}$\u200c\u200d\\]/u.test(src[j])) j++;
      last = 'word:' + src.slice(i, j);
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1]))) {
      let j = i + 1;
      while (j < n && /[0-9a-zA-Z_.]/.test(src[j])) j++;
      last = 'num';
      i = j;
      continue;
    }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '{') stack.push('b');
    if (c === '}') {
      const top = stack.pop();
      if (top === 't') { i++; template(); continue; }
    }
    last = c;
    i++;
  }
  return { blank: out.join(''), strings };
}

// A string literal in `blank` (its offsets give the value through `strings`).
const SQ = String.raw`(?<q>['"])x*\k<q>`;
const ID = String.raw`[\p{ID_Start}$_][\p{ID_Continue}$]*`;
const NOT_AFTER = String.raw`(?<![\p{ID_Continue}$.])`;

/**
 * Every module reference and import/export statement of a JS file:
 * [{kind, start, end, specStart, spec, ...}] in source order. kind:
 * import (side effect, default, namespace, named), reexport, dynamic, url
 * (new URL('…', import.meta.url)), export-local, export-decl, export-default.
 */
function parseModule(src, file) {
  const { blank, strings } = scanJs(src, file);
  const found = [];
  const add = (re, make) => {
    for (const m of blank.matchAll(re)) found.push({ start: m.index, end: m.index + m[0].length, ...make(m) });
  };
  const tail = String.raw`[ \t]*;?`;
  add(new RegExp(String.raw`${NOT_AFTER}import\s*${SQ}${tail}`, 'gu'), (m) => ({ kind: 'import', ...specAtNamed(m) }));
  add(new RegExp(String.raw`${NOT_AFTER}import\s+(?<def>${ID})\s*(?:,\s*(?:\{(?<named>[^}]*)\}|\*\s*as\s+(?<ns2>${ID})))?\s*from\s*${SQ}${tail}`, 'gu'),
    (m) => ({ kind: 'import', def: m.groups.def, named: m.groups.named, ns: m.groups.ns2, ...specAtNamed(m) }));
  add(new RegExp(String.raw`${NOT_AFTER}import\s*\*\s*as\s+(?<ns>${ID})\s*from\s*${SQ}${tail}`, 'gu'),
    (m) => ({ kind: 'import', ns: m.groups.ns, ...specAtNamed(m) }));
  add(new RegExp(String.raw`${NOT_AFTER}import\s*\{(?<named>[^}]*)\}\s*from\s*${SQ}${tail}`, 'gu'),
    (m) => ({ kind: 'import', named: m.groups.named, ...specAtNamed(m) }));
  add(new RegExp(String.raw`${NOT_AFTER}export\s*\{(?<named>[^}]*)\}\s*from\s*${SQ}${tail}`, 'gu'),
    (m) => ({ kind: 'reexport', named: m.groups.named, ...specAtNamed(m) }));
  add(new RegExp(String.raw`${NOT_AFTER}export\s*\*\s*(?:as\s+(?<as>${ID})\s*)?from\s*${SQ}${tail}`, 'gu'),
    (m) => ({ kind: 'reexport', star: true, as: m.groups.as, ...specAtNamed(m) }));
  add(new RegExp(String.raw`${NOT_AFTER}export\s*\{(?<named>[^}]*)\}(?!\s*from\b)${tail}`, 'gu'),
    (m) => ({ kind: 'export-local', named: m.groups.named }));
  add(new RegExp(String.raw`${NOT_AFTER}export\s+(?:default\s+)?(?<what>async\s+function\s*\*?|function\s*\*?|class)\s*(?<name>${ID})?`, 'gu'),
    (m) => ({ kind: 'export-decl', default: /^export\s+default/.test(m[0]), name: m.groups.name,
      keywordEnd: m.index + m[0].indexOf(m.groups.what.split(/\s/)[0]) }));
  add(new RegExp(String.raw`${NOT_AFTER}export\s+(?<what>const|let|var)\s+(?<name>${ID}|[{[])`, 'gu'),
    (m) => ({ kind: 'export-var', names: [m.groups.name, ...moreDeclarators(blank, m.index + m[0].length, file)],
      keywordEnd: m.index + m[0].indexOf(m.groups.what) }));
  add(new RegExp(String.raw`${NOT_AFTER}export\s+default\b(?!\s+(?:async\s+function|function|class)\b)`, 'gu'),
    () => ({ kind: 'export-default' }));
  add(new RegExp(String.raw`${NOT_AFTER}import\s*\(\s*(?:${SQ}\s*\))?`, 'gu'),
    (m) => (m.groups.q ? { kind: 'dynamic', ...specAtNamed(m) } : { kind: 'dynamic-expr' }));
  add(new RegExp(String.raw`${NOT_AFTER}new\s+URL\s*\(\s*${SQ}\s*,\s*import\s*\.\s*meta\s*\.\s*url\s*\)`, 'gu'),
    (m) => ({ kind: 'url', ...specAtNamed(m) }));
  add(new RegExp(String.raw`${NOT_AFTER}import\s*\.\s*meta\b(?:\s*\.\s*url\b)?`, 'gu'), (m) => ({ kind: 'meta', url: /url$/.test(m[0]) }));

  function specAtNamed(m) {
    // The specifier is the last quoted literal of the match.
    const q = m.groups.q;
    const close = m[0].lastIndexOf(q);
    const open = m[0].lastIndexOf(q, close - 1);
    const at = m.index + open;
    if (!strings.has(at)) fail(`${file}: could not read a module specifier at offset ${at}`);
    return { specStart: at, spec: strings.get(at) };
  }

  // Overlaps: a longer match wins (an import statement over the bare
  // `import(`-less forms, a new URL(…) over its import.meta inside).
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept = [];
  for (const f of found) {
    const prev = kept[kept.length - 1];
    if (prev && f.start < prev.end) {
      if (f.kind === 'meta' && prev.kind === 'url') continue;
      if (f.kind === 'export-default' || f.kind === 'export-decl' || f.kind === 'export-var') {
        if (prev.kind.startsWith('export')) continue;
      }
      if (f.start === prev.start && f.end <= prev.end) continue;
      if (f.end <= prev.end) continue;
      fail(`${file}: overlapping module syntax at offset ${f.start}`);
    }
    kept.push(f);
  }
  return { items: kept, blank };
}

/** Names declared after the first in `export const a = 1, b = 2`: scans the statement at depth 0. */
function moreDeclarators(blank, i, file) {
  const names = [];
  let depth = 0;
  const cont = /[=,+\-*/%&|^<>?:(.!~]/;
  for (; i < blank.length; i++) {
    const c = blank[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && c === ';') break;
    else if (depth === 0 && c === ',') {
      const m = blank.slice(i + 1).match(new RegExp(String.raw`^\s*(${ID}|[{[])`, 'u'));
      if (!m) fail(`${file}: cannot read a declarator at offset ${i}`);
      names.push(m[1]);
    } else if (depth === 0 && c === '\n') {
      const before = blank.slice(0, i).trimEnd().slice(-1);
      const after = blank.slice(i).trimStart()[0];
      if (!cont.test(before) && !(after && cont.test(after))) break;
    }
  }
  return names;
}

// ---------------------------------------------------------------- the graph

/** Resolves `spec` written in `from` (a path relative to www) to a path relative to www. */
function resolveRef(root, from, spec, kind) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec) || spec.startsWith('//')) return null; // another scheme: not ours
  if (spec.startsWith('/')) fail(`${from}: absolute reference "${spec}" breaks sub-path deployments; use a relative one`);
  if (kind !== 'url' && kind !== 'css' && kind !== 'html' && !spec.startsWith('./') && !spec.startsWith('../')) {
    fail(`${from}: bare module specifier "${spec}" (only relative ones are supported)`);
  }
  const clean = spec.replace(/[?#].*$/, '');
  const rel = posix(path.normalize(path.join(path.dirname(from), clean)));
  if (rel.startsWith('../')) fail(`${from}: "${spec}" points outside ${root}`);
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) fail(`${from}: "${spec}" names a missing file (${rel})`);
  return rel;
}

const CSS_URL = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]+))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/g;
/** References of a CSS file: [{start, end, spec, quote}] (start/end: the whole url(…) or @import string). */
function cssRefs(text) {
  const stripped = text.replace(/\/\*[\s\S]*?\*\//g, (c) => ' '.repeat(c.length));
  const out = [];
  for (const m of stripped.matchAll(CSS_URL)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5];
    if (spec.startsWith('data:') || spec.startsWith('#')) continue;
    out.push({ start: m.index, end: m.index + m[0].length, spec, isImport: m[0].startsWith('@import') });
  }
  return out;
}

const HTML_ATTR = /\s(src|href)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
/** References of an HTML file: [{start, end (of the value), spec}]. */
function htmlRefs(text) {
  const stripped = text.replace(/<!--[\s\S]*?-->/g, (c) => ' '.repeat(c.length));
  const out = [];
  for (const m of stripped.matchAll(HTML_ATTR)) {
    const spec = m[2] ?? m[3];
    if (spec === '' || spec.startsWith('#') || spec.startsWith('data:') || spec.startsWith('blob:')) continue;
    const valueStart = m.index + m[0].length - spec.length - 1;
    out.push({ start: valueStart, end: valueStart + spec.length, spec });
  }
  return out;
}

/** Reads `rel` and lists its references: {text|bytes, refs: [{start, end, target}]} */
function loadFile(root, rel, cache) {
  if (cache.has(rel)) return cache.get(rel);
  const abs = path.join(root, rel);
  const bytes = fs.readFileSync(abs);
  let node;
  if (isJs(rel)) {
    const text = bytes.toString('utf8');
    const { items } = parseModule(text, rel);
    const refs = [];
    for (const it of items) {
      if (it.kind === 'dynamic-expr') fail(`${rel}: import() of a computed specifier cannot be followed (offset ${it.start})`);
      if (it.spec === undefined) continue;
      const target = resolveRef(root, rel, it.spec, it.kind);
      if (target === null) {
        if (it.kind !== 'url') fail(`${rel}: module specifier "${it.spec}" is not a relative file`);
        continue;
      }
      refs.push({ start: it.specStart + 1, end: it.specStart + 1 + it.spec.length, target, kind: it.kind });
    }
    node = { rel, text, refs, items };
  } else if (rel.endsWith('.css') || rel.endsWith('.html')) {
    const kind = rel.endsWith('.css') ? 'css' : 'html';
    const text = bytes.toString('utf8');
    const refs = [];
    for (const r of (kind === 'css' ? cssRefs : htmlRefs)(text)) {
      const target = resolveRef(root, rel, r.spec, kind);
      if (target === null) { console.warn(`dist: ${rel}: leaves "${r.spec}" as it is (not a local file)`); continue; }
      refs.push({ ...r, target, kind });
    }
    node = { rel, text, refs };
  } else {
    node = { rel, bytes, refs: [] };
  }
  cache.set(rel, node);
  return node;
}

// ------------------------------------------------------- a. the static site

function buildSite(root, out) {
  const nodes = new Map();
  const roots = STABLE.filter((f) => fs.existsSync(path.join(root, f)));
  if (!roots.includes('index.html')) fail(`${root}/index.html is missing`);
  // Reachability (breadth first from the stable names).
  const queue = [...roots];
  const seen = new Set(queue);
  while (queue.length) {
    const n = loadFile(root, queue.shift(), nodes);
    for (const r of n.refs) if (!seen.has(r.target)) { seen.add(r.target); queue.push(r.target); }
  }
  const stable = new Set(roots);
  const outName = new Map(); // rel -> output path relative to OUT
  const outData = new Map(); // output path -> Buffer
  for (const r of roots) outName.set(r, r);
  const state = new Map(); // rel -> 'visiting' | 'done'

  const rewrite = (n, selfOut) => {
    if (!n.refs.length) return n.bytes ?? Buffer.from(n.text, 'utf8');
    let s = '';
    let at = 0;
    for (const r of [...n.refs].sort((a, b) => a.start - b.start)) {
      let to = posix(path.relative(path.dirname(selfOut), name(r.target, n.rel)));
      if (r.kind !== 'css' && r.kind !== 'html' && !to.startsWith('.')) to = './' + to;
      if (r.kind === 'css') to = r.isImport ? `@import "${to}"` : `url("${to}")`;
      s += n.text.slice(at, r.start) + to;
      at = r.end;
    }
    return Buffer.from(s + n.text.slice(at), 'utf8');
  };
  // Leaves first: a file's name needs the names of everything it names.
  function name(rel, from) {
    if (stable.has(rel)) return rel;
    if (outName.has(rel)) return outName.get(rel);
    if (state.get(rel) === 'visiting') fail(`reference cycle through ${rel} (from ${from}): content hashes need an acyclic graph`);
    state.set(rel, 'visiting');
    const n = nodes.get(rel);
    const data = rewrite(n, 'assets/x');
    const ext = path.extname(rel);
    const o = `assets/${path.basename(rel, ext)}.${sha256(data).toString('hex').slice(0, 10)}${ext}`;
    state.set(rel, 'done');
    outName.set(rel, o);
    outData.set(o, data);
    return o;
  }
  for (const rel of seen) if (!stable.has(rel)) name(rel, '(root)');
  for (const r of roots) outData.set(r, rewrite(nodes.get(r), r));

  // The page names its service worker (offline.js registers it).
  let html = outData.get('index.html').toString('utf8');
  const meta = '<meta name="gopherlens-offline" content="sw.js">';
  if (!/<\/head>/i.test(html)) fail('index.html has no </head>');
  html = html.replace(/([ \t]*)<\/head>/i, (_, ws) => `${ws}${meta}\n${ws}</head>`);
  outData.set('index.html', Buffer.from(html, 'utf8'));

  const precache = [...outData.keys()].sort((a, b) => (stable.has(b) - stable.has(a)) || a.localeCompare(b));
  const version = sha256(precache.map((f) => `${f} ${sha256(outData.get(f)).toString('hex')}`).join('\n'))
    .toString('hex').slice(0, 10);
  outData.set('sw.js', Buffer.from(serviceWorker(precache, version), 'utf8'));

  for (const [f, data] of outData) {
    fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
    fs.writeFileSync(path.join(out, f), data);
  }
  return { files: [...outData.keys()], outData, version, stable: [...stable, 'sw.js'] };
}

// ------------------------------------------------------ b. the service worker

function serviceWorker(precache, version) {
  return `// gopherlens service worker (generated by tools/dist.mjs): the deployment
// works offline once visited. One cache per scope and version, so two
// deployments under different sub-paths of one origin never evict each other.
'use strict';
const VERSION = ${JSON.stringify(version)};
const FILES = ${JSON.stringify(precache, null, 1)};
const SCOPE = self.registration.scope;
const CACHE = 'gopherlens ' + SCOPE + ' ' + VERSION;
const INDEX = new URL('index.html', SCOPE).href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // no-cache: the stable names must not come from a stale HTTP cache.
    await cache.addAll(FILES.map((f) => new Request(new URL(f, self.location.href), { cache: 'no-cache' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      const [app, scope, version] = name.split(' ');
      if (app === 'gopherlens' && scope === SCOPE && version !== VERSION) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || !req.url.startsWith(SCOPE)) return; // other origins and paths: untouched
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const url = new URL(req.url);
    const bare = url.origin + url.pathname;
    const hit = req.mode === 'navigate' && (bare === SCOPE || bare === INDEX)
      ? await cache.match(INDEX)
      : await cache.match(req);
    return hit || fetch(req);
  })());
});
`;
}

// ---------------------------------------------------------- d. the headers

function pageCsp(html) {
  const m = html.match(/<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=(?:"([^"]*)"|'([^']*)')/i);
  if (!m) fail('index.html has no Content-Security-Policy <meta>');
  return (m[1] ?? m[2]).replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').trim().replace(/;\s*$/, '');
}

const PERMISSIONS = 'accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), ' +
  'hid=(), magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), serial=(), usb=()';

function securityHeaders(csp) {
  return [
    ['Content-Security-Policy', `${csp}; frame-ancestors 'self'`],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Permissions-Policy', PERMISSIONS],
  ];
}

function headersFiles(out, csp, stable) {
  const sec = securityHeaders(csp);
  const ind = (hs) => hs.map(([k, v]) => `  ${k}: ${v}`).join('\n');
  const netlify = `# Netlify / Cloudflare Pages headers for the gopherlens static build
# (generated by tools/dist.mjs; paths are relative to the site root: prefix
# them with the sub-path if the build is deployed under one).
#
# The CSP is index.html's own (also sent as a header because the worker
# ignores <meta>), plus frame-ancestors: to embed gopherlens in a portal's
# iframe, add the portal's origin there, e.g. frame-ancestors 'self' https://portal.example.
/*
${ind(sec)}

# Content-hashed: a new build gives new names, so these never change.
/assets/*
  Cache-Control: public, max-age=31536000, immutable

# Stable names: always revalidated, so a new build is seen at once.
/
  Cache-Control: no-cache
${stable.map((f) => `/${f}\n  Cache-Control: no-cache`).join('\n')}

# The single-file build is a download: opened from disk it carries its own
# CSP (this site's would block its inline script).
/gopherlens.html
  Content-Disposition: attachment; filename="gopherlens.html"
`;
  const ng = (hs, pad) => hs.map(([k, v]) => `${pad}add_header ${k} ${JSON.stringify(v)} always;`).join('\n');
  const nginx = `# nginx: gopherlens static build under /profiling/gopherlens/
# (generated by tools/dist.mjs; put the dist/ directory at the alias path).
# add_header in a nested location replaces the outer ones, hence the repeats.
# The CSP is index.html's own plus frame-ancestors: to embed gopherlens in a
# portal's iframe, add the portal's origin, e.g. frame-ancestors 'self' https://portal.example.
location /profiling/gopherlens/ {
    alias /srv/gopherlens/dist/;
    index index.html;
    # types{} replaces nginx's whole table here, so list every type served.
    types {
        text/html html;
        text/javascript js mjs;
        text/css css;
        application/wasm wasm;
        application/json json;
        image/png png;
        image/svg+xml svg;
    }
    default_type application/octet-stream;
    # Stable names: always revalidated, so a new build is seen at once.
    add_header Cache-Control "no-cache" always;
${ng(sec, '    ')}

    # Content-hashed: a new build gives new names, so these never change.
    location /profiling/gopherlens/assets/ {
        alias /srv/gopherlens/dist/assets/;
        add_header Cache-Control "public, max-age=31536000, immutable" always;
${ng(sec, '        ')}
    }

    # The single-file build is a download (opened from disk it has its own CSP).
    location = /profiling/gopherlens/gopherlens.html {
        alias /srv/gopherlens/dist/gopherlens.html;
        add_header Content-Disposition 'attachment; filename="gopherlens.html"' always;
${ng(sec, '        ')}
    }
}
`;
  fs.writeFileSync(path.join(out, '_headers'), netlify);
  fs.writeFileSync(path.join(out, 'nginx.conf.example'), nginx);
}

// ------------------------------------------------------ e. the single file

const dataUrl = (rel, bytes) => `data:${MIME[path.extname(rel)] || 'application/octet-stream'};base64,${bytes.toString('base64')}`;

/** CSS text with every local url(…) made a data: URL (nested CSS too). */
function inlineCss(root, rel, seen = new Set()) {
  if (seen.has(rel)) fail(`CSS reference cycle through ${rel}`);
  seen.add(rel);
  const text = fs.readFileSync(path.join(root, rel), 'utf8');
  let s = '';
  let at = 0;
  for (const r of cssRefs(text)) {
    const target = resolveRef(root, rel, r.spec, 'css');
    if (target === null) continue;
    if (r.isImport) fail(`${rel}: @import is not supported by the single-file build (inline the sheet instead)`);
    const data = target.endsWith('.css')
      ? Buffer.from(inlineCss(root, target, new Set(seen)), 'utf8')
      : fs.readFileSync(path.join(root, target));
    s += text.slice(at, r.start) + `url("${dataUrl(target, data)}")`;
    at = r.end;
  }
  return s + text.slice(at);
}

/**
 * Bundles the module graph from `entries` into one classic script: every
 * module a function in a table, its imports lookups in that table (deps
 * evaluated first, in import order), its exports getters on a namespace
 * object. `replace` maps a path to module source used instead of the file;
 * `meta` is what import.meta.url becomes; `onUrl(target, from)` returns the
 * expression for new URL('…', import.meta.url) (null: keep, with `meta`).
 */
function bundle(root, entries, { replace = {}, meta, onUrl }) {
  const ids = new Map(); // rel -> index
  const mods = [];
  const state = new Map();
  function add(rel, from) {
    if (ids.has(rel)) {
      if (state.get(rel) === 'visiting') fail(`module cycle through ${rel} (from ${from})`);
      return ids.get(rel);
    }
    const id = mods.length;
    ids.set(rel, id);
    mods.push(null);
    state.set(rel, 'visiting');
    mods[id] = transform(rel);
    state.set(rel, 'done');
    return id;
  }
  function transform(rel) {
    const src = replace[rel] ?? fs.readFileSync(path.join(root, rel), 'utf8');
    const { items } = parseModule(src, rel);
    const head = []; // imports, hoisted (ESM links them before the body runs)
    const getters = []; // [exported name, expression]
    const edits = []; // [start, end, text]
    const dep = (it) => {
      const target = resolveRef(root, rel, it.spec, it.kind);
      if (target === null) fail(`${rel}: "${it.spec}" is not a relative module`);
      if (!isJs(target)) fail(`${rel}: imports a non-JS file (${target})`);
      return add(target, rel);
    };
    const names = (list) => list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
      const m = s.match(new RegExp(String.raw`^(${ID}|default)(?:\s+as\s+(${ID}|default))?$`, 'u'));
      if (!m) fail(`${rel}: cannot read "${s}" in an import/export list`);
      return [m[1], m[2] ?? m[1]];
    });
    for (const it of items) {
      switch (it.kind) {
        case 'import': {
          const d = dep(it);
          const req = `__gl_req(${d})`;
          if (it.def && it.ns) head.push(`const ${it.ns} = ${req}, ${it.def} = ${it.ns}.default;`);
          else if (it.ns) head.push(`const ${it.ns} = ${req};`);
          if (it.def && !it.ns) head.push(`const ${it.def} = ${req}.default;`);
          if (it.named !== undefined) {
            const ns = names(it.named);
            head.push(ns.length ? `const { ${ns.map(([a, b]) => (a === b ? a : `${a}: ${b}`)).join(', ')} } = ${req};` : `${req};`);
          }
          if (!it.def && !it.ns && it.named === undefined) head.push(`${req};`);
          edits.push([it.start, it.end, '']);
          break;
        }
        case 'reexport': {
          const d = dep(it);
          head.push(`__gl_req(${d});`);
          if (it.star && it.as) getters.push([it.as, `__gl_req(${d})`]);
          else if (it.star) head.push(`__gl_star(__gl_exports, __gl_req(${d}));`);
          else for (const [a, b] of names(it.named)) getters.push([b, `__gl_req(${d})[${JSON.stringify(a)}]`]);
          edits.push([it.start, it.end, '']);
          break;
        }
        case 'export-local':
          for (const [a, b] of names(it.named)) getters.push([b, a]);
          edits.push([it.start, it.end, '']);
          break;
        case 'export-decl':
          if (it.name) {
            getters.push([it.default ? 'default' : it.name, it.name]);
            edits.push([it.start, it.keywordEnd, '']);
          } else {
            getters.push(['default', '__gl_default']);
            edits.push([it.start, it.keywordEnd, 'const __gl_default = ']);
          }
          break;
        case 'export-var': {
          for (const nm of it.names) {
            if (nm === '{' || nm === '[') fail(`${rel}: export of a destructuring declaration is not supported (offset ${it.start})`);
            getters.push([nm, nm]);
          }
          edits.push([it.start, it.keywordEnd, '']);
          break;
        }
        case 'export-default':
          getters.push(['default', '__gl_default']);
          edits.push([it.start, it.end, 'const __gl_default =']);
          break;
        case 'dynamic': {
          const d = dep(it);
          edits.push([it.start, it.end, `Promise.resolve().then(() => __gl_req(${d}))`]);
          break;
        }
        case 'dynamic-expr':
          fail(`${rel}: import() of a computed specifier cannot be bundled (offset ${it.start})`);
          break;
        case 'url': {
          const target = resolveRef(root, rel, it.spec, 'url');
          const expr = target === null ? null : onUrl(target, rel);
          if (expr !== null) edits.push([it.start, it.end, expr]);
          else {
            const m = src.slice(it.start, it.end).match(/import\s*\.\s*meta\s*\.\s*url/);
            const at = it.start + m.index;
            edits.push([at, at + m[0].length, meta]);
          }
          break;
        }
        case 'meta':
          if (!it.url) fail(`${rel}: import.meta other than import.meta.url is not supported (offset ${it.start})`);
          edits.push([it.start, it.end, meta]);
          break;
        default:
          fail(`${rel}: unhandled ${it.kind}`);
      }
    }
    edits.sort((a, b) => a[0] - b[0]);
    let body = '';
    let at = 0;
    for (const [s, e, t] of edits) { body += src.slice(at, s) + t; at = e; }
    body += src.slice(at);
    // Anything module-like left over is syntax this bundler did not rewrite.
    const { blank } = scanJs(body, rel);
    const left = blank.match(/^[ \t]*(import|export)\b(?!\s*\()/m) || blank.match(new RegExp(String.raw`${NOT_AFTER}import\s*\.\s*meta\b`, 'u'));
    if (left) {
      const line = blank.slice(0, left.index).split('\n').length;
      fail(`${rel}: line ~${line}: import/export syntax the single-file bundler does not handle: ${body.slice(left.index, left.index + 60).trim()}`);
    }
    const def = getters.length
      ? `__gl_def(__gl_exports, {${getters.map(([k, v]) => `${JSON.stringify(k)}: () => ${v}`).join(', ')}});\n` : '';
    return `// ${rel}\nfunction (__gl_exports) {\n${def}${head.join('\n')}\n${body}\n}`;
  }
  const entryIds = entries.map((e) => add(e, '(entry)'));
  return `(() => {
'use strict';
const __gl_def = (ns, getters) => { for (const k in getters) Object.defineProperty(ns, k, { enumerable: true, get: getters[k] }); };
const __gl_star = (ns, from) => { for (const k of Object.keys(from)) if (k !== 'default' && !(k in ns)) Object.defineProperty(ns, k, { enumerable: true, get: () => from[k] }); };
const __gl_mods = [
${mods.join(',\n')}
];
const __gl_cache = [];
function __gl_req(i) {
  let ns = __gl_cache[i];
  if (!ns) {
    ns = __gl_cache[i] = Object.create(null);
    Object.defineProperty(ns, Symbol.toStringTag, { value: 'Module' });
    __gl_mods[i](ns);
  }
  return ns;
}
${entryIds.map((i) => `__gl_req(${i});`).join('\n')}
})();
`;
}

function buildSingle(root, out) {
  const index = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  const ASSETS = 'assets.js';
  const WASM_SOURCE = 'core/wasm-source.js';
  // What assets.js names: the worker entry (JS) and the UI's style sheets.
  const assetsRefs = parseModule(fs.readFileSync(path.join(root, ASSETS), 'utf8'), ASSETS).items
    .filter((it) => it.kind === 'url').map((it) => resolveRef(root, ASSETS, it.spec, 'url'));
  const workerEntry = assetsRefs.find(isJs);
  if (!workerEntry) fail(`${ASSETS} names no worker module`);
  const sheets = assetsRefs.filter((r) => r.endsWith('.css'));
  const other = assetsRefs.filter((r) => r !== workerEntry && !sheets.includes(r));
  if (other.length) fail(`${ASSETS}: the single-file build does not know what to do with ${other.join(', ')}`);

  // The worker: one classic script; the wasm bytes inline (base64).
  const wasmRefs = parseModule(fs.readFileSync(path.join(root, WASM_SOURCE), 'utf8'), WASM_SOURCE).items
    .filter((it) => it.kind === 'url').map((it) => resolveRef(root, WASM_SOURCE, it.spec, 'url'));
  if (wasmRefs.length !== 1 || !wasmRefs[0].endsWith('.wasm')) fail(`${WASM_SOURCE} must name exactly one .wasm file`);
  const wasm = fs.readFileSync(path.join(root, wasmRefs[0]));
  const wasmModule = `const WASM = ${JSON.stringify(wasm.toString('base64'))};
export function wasmSource() {
  const s = atob(WASM);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
`;
  const workerSrc = bundle(root, [workerEntry], {
    replace: { [WASM_SOURCE]: wasmModule },
    meta: 'self.location.href',
    onUrl: () => null, // only the glue's default wasm path, unused: wasmSource() gives bytes
  });

  const assetsModule = `// The single-file build's assets.js (tools/dist.mjs): nothing is fetched.
const WORKER_SRC = ${JSON.stringify(workerSrc)};
const CSS = ${JSON.stringify(sheets.map((s) => inlineCss(root, s)))};
let workerUrl = null;
let sheets = null; // constructed once, shared by every mount
export function workerSource() {
  if (!workerUrl) workerUrl = URL.createObjectURL(new Blob([WORKER_SRC], { type: 'text/javascript' }));
  return { url: workerUrl, type: 'classic' };
}
export function addStyles(shadowRoot) {
  if (!sheets) sheets = CSS.map((text) => { const s = new CSSStyleSheet(); s.replaceSync(text); return s; });
  shadowRoot.adoptedStyleSheets = [...shadowRoot.adoptedStyleSheets, ...sheets];
}
`;

  // Other files a page module names by URL (e.g. a style sheet it links):
  // blob: URLs made on first use from inline copies.
  const inlineAssets = [];
  const needBlob = new Set();
  const onUrl = (target, from) => {
    if (isJs(target)) fail(`${from}: new URL('${target}', import.meta.url) names a module; the single-file build cannot inline it`);
    const data = target.endsWith('.css') ? Buffer.from(inlineCss(root, target), 'utf8') : fs.readFileSync(path.join(root, target));
    let k = inlineAssets.findIndex((a) => a.target === target);
    if (k < 0) { k = inlineAssets.length; inlineAssets.push({ target, data }); }
    needBlob.add(path.extname(target));
    return `__gl_url(${k})`;
  };

  // Page: module scripts in order, then what index.html links.
  const scripts = [...index.matchAll(/<script\b([^>]*)>\s*<\/script>/gi)];
  const entries = [];
  for (const m of scripts) {
    const src = m[1].match(/\ssrc=["']([^"']+)["']/);
    if (!src || !/type=["']module["']/.test(m[1])) fail(`index.html: only <script type="module" src="…"> is supported (${m[0]})`);
    entries.push(resolveRef(root, 'index.html', src[1], 'html'));
  }
  if (!entries.length) fail('index.html loads no module');
  if (/<script\b/i.test(index.replace(/<script\b[^>]*>\s*<\/script>/gi, ''))) fail('index.html: inline <script> is not supported');
  let pageSrc = bundle(root, entries, { replace: { [ASSETS]: assetsModule }, meta: 'location.href', onUrl });
  if (inlineAssets.length) {
    const table = inlineAssets.map((a) => `[${JSON.stringify(MIME[path.extname(a.target)] || 'application/octet-stream')}, ${JSON.stringify(a.data.toString('base64'))}]`);
    pageSrc = `const __gl_url = (() => {
  const assets = [${table.join(', ')}];
  const urls = [];
  return (k) => {
    if (!urls[k]) {
      const s = atob(assets[k][1]);
      const b = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
      urls[k] = URL.createObjectURL(new Blob([b], { type: assets[k][0] }));
    }
    return new URL(urls[k]);
  };
})();
${pageSrc}`;
  }
  // Inside <script>, "</script" would end it and "<!--" changes how it is parsed.
  pageSrc = pageSrc.replace(/<\/(script)/gi, '<\\/$1');
  if (/<!--/.test(pageSrc)) fail('the page bundle contains "<!--", which an inline <script> cannot hold safely');
  try { new Function(pageSrc); new Function(workerSrc); } catch (e) { fail(`the bundle does not parse: ${e.message}`); }

  // Page style sheets (linked from index.html) become one <style>.
  let html = index;
  const styles = [];
  html = html.replace(/[ \t]*<link\b[^>]*\brel=["']stylesheet["'][^>]*>\n?/gi, (tag) => {
    const href = tag.match(/\shref=["']([^"']+)["']/);
    if (!href) fail(`index.html: stylesheet link without href: ${tag}`);
    styles.push(inlineCss(root, resolveRef(root, 'index.html', href[1], 'html')));
    return '';
  });
  const styleText = styles.join('\n');
  if (/<\/style/i.test(styleText)) fail('page CSS contains "</style"');
  html = html.replace(/[ \t]*<script\b[^>]*>\s*<\/script>\n?/gi, '');
  // Every other local src/href (the favicon) becomes a data: URL.
  let s = '';
  let at = 0;
  for (const r of htmlRefs(html)) {
    const target = resolveRef(root, 'index.html', r.spec, 'html');
    if (target === null) continue;
    s += html.slice(at, r.start) + dataUrl(target, fs.readFileSync(path.join(root, target)));
    at = r.end;
  }
  html = s + html.slice(at);

  const b64hash = (t) => `'sha256-${sha256(Buffer.from(t, 'utf8')).toString('base64')}'`;
  const scriptText = `\n${pageSrc}`;
  const styleSrc = [styleText ? b64hash(styleText) : "'none'", ...(needBlob.has('.css') ? ['blob:'] : [])].join(' ');
  const csp = [
    "default-src 'none'",
    `script-src ${b64hash(scriptText)} 'wasm-unsafe-eval'`,
    `style-src ${styleSrc}`,
    'worker-src blob:',
    'img-src data: blob:',
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
  const cspRe = /<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>/i;
  if (!cspRe.test(html)) fail('index.html has no Content-Security-Policy <meta>');
  // (Function replacers: the inserted text holds "$" sequences.)
  html = html.replace(cspRe, () => `<meta http-equiv="Content-Security-Policy" content="${csp}">`);
  if (styleText) html = html.replace(/([ \t]*)<\/head>/i, (_, ws) => `${ws}<style>${styleText}</style>\n${ws}</head>`);
  if (!/<\/body>/i.test(html)) fail('index.html has no </body>');
  // At the end of <body>: runs after the document is parsed, as the module did.
  html = html.replace(/<\/body>/i, () => `<script>${scriptText}</script>\n</body>`);
  fs.writeFileSync(path.join(out, 'gopherlens.html'), html);
  return Buffer.from(html, 'utf8');
}

// -------------------------------------------------------------- f. the sizes

const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

function main(argv) {
  const args = { www: 'www', out: 'dist' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--www' || a === '--out') && argv[i + 1]) args[a.slice(2)] = argv[++i];
    else fail(`usage: node tools/dist.mjs [--www DIR] [--out DIR] (unknown argument ${a})`);
  }
  const root = path.resolve(args.www);
  const out = path.resolve(args.out);
  if (out === root || root.startsWith(out + path.sep)) fail(`--out ${out} would wipe the sources`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });

  const site = buildSite(root, out);
  headersFiles(out, pageCsp(fs.readFileSync(path.join(root, 'index.html'), 'utf8')), site.stable);
  const single = buildSingle(root, out);

  // A first visit loads every precached file and sw.js.
  let siteRaw = 0;
  let siteGz = 0;
  for (const f of site.files) {
    const b = fs.readFileSync(path.join(out, f));
    siteRaw += b.length;
    siteGz += gz(b);
  }
  const sizes = { site: { raw: siteRaw, gzip: siteGz }, single: { raw: single.length, gzip: gz(single) } };
  fs.writeFileSync(path.join(out, 'SIZES.json'), JSON.stringify(sizes, null, 2) + '\n');
  console.log(`dist: ${path.relative(process.cwd(), out) || '.'}/ (${site.files.length} files, version ${site.version})`);
  console.log(`  static site (first visit): ${siteRaw} B (${kib(siteRaw)}), gzip -9 ${siteGz} B (${kib(siteGz)})`);
  console.log(`  gopherlens.html:           ${sizes.single.raw} B (${kib(sizes.single.raw)}), gzip -9 ${sizes.single.gzip} B (${kib(sizes.single.gzip)})`);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof DistError)) throw e;
  console.error(`dist: ${e.message}`);
  process.exit(1);
}
