// Canvas flame graph: root on top (icicle), or flipped with the root at the
// bottom (flame). Works straight from the layout columns the worker sends
// (typed arrays), whichever tree they hold (call tree, inverted, sandwich);
// keeps no per-node objects.

export const ROW_HEIGHT = 18;
const FONT_PX = 12;
const FONT = `${FONT_PX}px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif`;
const LABEL_MIN_PX = 22;
// The canvas is at most as tall as its panel can show (the panel scrolls
// over a spacer and the visible rows are redrawn): a stack 100,000 frames
// deep is 1.8M CSS pixels, and even the 32,000 px browsers allow cost
// 180 MB of backing store.
const VIEW_FRACTION = 0.6; // of the window's height, if the panel has no max-height
const NO_FUNC = 0xffffffff;

const COLOR_ROOT = '#c9ced6';
const COLOR_SEARCH = '#d567e0';
const COLOR_SELECTED = '#3f8ff0';
// Go map runtime code (classic maps and Swiss tables): one distinct,
// saturated teal so map work stands out in every profile.
export const COLOR_MAP = '#12a594';
const TEXT_DARK = '#1d2026';
const TEXT_LIGHT = '#ffffff';

// Diff flame graphs (a layout with baseTotal): the colour says which way a
// node changed and how much, relative to the larger of its two values
// (sqrt, so small changes still show). pprof's red for growth and green
// for shrinking, or the Okabe–Ito orange and blue, told apart with any
// colour vision.
export const DIFF_PALETTES = {
  'red-green': { grew: [214, 39, 40], shrank: [44, 160, 44] },
  'orange-blue': { grew: [230, 159, 0], shrank: [0, 114, 178] },
};
const DIFF_NEUTRAL = [214, 217, 222];
/** The fill of a node whose value went from `base` to `cur`. */
export function diffColor(cur, base, palette) {
  const pal = DIFF_PALETTES[palette] || DIFF_PALETTES['red-green'];
  const m = Math.max(Math.abs(cur), Math.abs(base));
  const r = m > 0 ? (cur - base) / m : 0;
  const end = r >= 0 ? pal.grew : pal.shrank;
  const t = Math.sqrt(Math.min(1, Math.abs(r)));
  const c = DIFF_NEUTRAL.map((n, k) => Math.round(n + (end[k] - n) * t));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** The package part of a Go function name ("net/http.(*Server).Serve" → "net/http"). */
export function packageOf(name) {
  let s = name;
  const br = s.indexOf('[');
  if (br >= 0) s = s.slice(0, br);
  const slash = s.lastIndexOf('/');
  const dot = s.indexOf('.', slash + 1);
  return dot > 0 ? s.slice(0, dot) : s;
}

/** The name without its import path ("net/http.(*Server).Serve" → "http.(*Server).Serve"). */
export function shortName(name) {
  const br = name.indexOf('[');
  const head = br >= 0 ? name.slice(0, br) : name;
  const slash = head.lastIndexOf('/');
  return slash >= 0 ? name.slice(slash + 1) : name;
}

/** Runtime functions that implement Go maps (mapassign, hashGrow, Swiss tables, ...). */
export const MAP_FRAME_RE = /^runtime\.(mapassign|mapaccess|mapdelete|makemap|hashGrow|growWork|evacuate|mapiter|mapclear|mapinit|mapclone|mapKeyError|makeBucketArray|advanceEvacuationMark|bucketEvacuated|tophash|overLoadFactor|tooManyOverflowBuckets|newoverflow|(\(\*hmap\)|\(\*bmap\))\.)|^internal\/runtime\/maps\./;

/** A mask (Uint8Array by function id) of the map runtime frames among `names`. */
export function mapFrameMask(names) {
  const m = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) if (MAP_FRAME_RE.test(names[i])) m[i] = 1;
  return m;
}

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

// Pastel fills, light enough for dark text, far enough apart to tell
// packages apart; blues and purples are kept for the selection and search
// highlights.
const PALETTE = [
  'hsl(28 85% 72%)', 'hsl(48 85% 66%)', 'hsl(95 50% 66%)', 'hsl(8 75% 76%)', 'hsl(160 45% 66%)',
  'hsl(38 70% 78%)', 'hsl(70 55% 64%)', 'hsl(18 80% 68%)', 'hsl(130 40% 72%)', 'hsl(58 70% 74%)',
  'hsl(180 35% 70%)', 'hsl(0 60% 80%)', 'hsl(110 45% 80%)', 'hsl(33 60% 62%)', 'hsl(80 40% 76%)',
  'hsl(145 35% 60%)', 'hsl(45 55% 84%)', 'hsl(12 55% 66%)',
];

/** A fill colour per function id, by package: same package, same colour. */
export function colorsByPackage(names) {
  const byPkg = new Map();
  const out = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const pkg = packageOf(names[i]);
    let c = byPkg.get(pkg);
    if (c === undefined) {
      c = PALETTE[hash(pkg) % PALETTE.length];
      byPkg.set(pkg, c);
    }
    out[i] = c;
  }
  return out;
}

export class FlameGraph {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onClick?: (i: number) => void, onHover?: (i: number, ev: MouseEvent) => void}} handlers
   *   i is the layout index under the pointer, or -1.
   */
  constructor(canvas, { onClick, onHover, hooks } = {}) {
    this.hooks = hooks;
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.layout = null;
    this.names = [];
    this.colors = [];
    this.searchMask = null;
    this.selectedMask = null;
    this.rootIndex = 0; // layout index of the zoom root
    this.cssWidth = 0;
    this.cssHeight = 0;
    this.rowStart = new Uint32Array(1);
    this.rowIdx = new Uint32Array(0);
    this.labelCache = new Map();
    this.mapMask = null;
    this.legend = null;
    this.scrollTop = 0; // CSS px of the layout above the canvas's top row
    this.flipped = false; // root at the bottom
    this.toBottom = false; // scroll to the root (bottom) at the next draw
    const wrap = canvas.parentElement;
    if (wrap) {
      // A spacer after the (sticky) canvas gives the panel the layout's
      // whole height to scroll through.
      this.spacer = document.createElement('div');
      this.spacer.className = 'flame-spacer';
      canvas.after(this.spacer);
      canvas.style.position = 'sticky';
      canvas.style.top = '0';
      let queued = false;
      wrap.addEventListener('scroll', () => {
        if (queued) return;
        queued = true;
        requestAnimationFrame(() => {
          queued = false;
          if (this.layout && Math.round(wrap.scrollTop) !== this.scrollTop) this.draw(this.cssWidth);
        });
      });
    }
    canvas.addEventListener('click', (ev) => {
      const i = this.hit(ev);
      if (i >= 0 && onClick) onClick(i);
    });
    canvas.addEventListener('mousemove', (ev) => onHover && onHover(this.hit(ev), ev));
    canvas.addEventListener('mouseleave', (ev) => onHover && onHover(-1, ev));
  }

  /** Sets the layout to draw and the function table it refers to. */
  setData(layout, names, colors, rootNode) {
    if (this.flipped && (!this.layout || this.layout.maxDepth !== layout.maxDepth)) this.toBottom = true;
    this.layout = layout;
    this.names = names;
    this.colors = colors;
    this.rootIndex = Math.max(0, layout.node.indexOf(rootNode));
    this.labelCache.clear();
    if (this.mapNames !== names) {
      this.mapNames = names;
      this.mapMask = mapFrameMask(names);
    }
    // Index nodes by row for hit testing (counting sort by depth; within a
    // row the layout order is left to right).
    const n = layout.node.length;
    const rows = layout.maxDepth + 2;
    const start = new Uint32Array(rows + 1);
    for (let i = 0; i < n; i++) start[layout.depth[i] + 1]++;
    for (let r = 0; r < rows; r++) start[r + 1] += start[r];
    const fill = start.slice(0, rows);
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[fill[layout.depth[i]]++] = i;
    this.rowStart = start;
    this.rowIdx = idx;
  }

  clear() {
    this.layout = null;
  }

  /** Colours a diff layout's nodes by their change (a DIFF_PALETTES key). */
  setDiffPalette(palette) {
    this.diffPalette = palette;
  }

  /** Root at the bottom (flame) or at the top (icicle, the default). */
  setFlipped(flipped) {
    if (this.flipped !== !!flipped) this.toBottom = !!flipped;
    this.flipped = !!flipped;
  }

  /** The CSS y of row `depth` in the whole layout (before scrolling). */
  rowY(depth) {
    return this.flipped ? (this.layout.maxDepth - depth) * ROW_HEIGHT : depth * ROW_HEIGHT;
  }

  setMasks(searchMask, selectedMask) {
    this.searchMask = searchMask;
    this.selectedMask = selectedMask;
  }

  /** Layout index of the node under a mouse event, or -1. */
  hit(ev) {
    const L = this.layout;
    if (!L || L.rootTotal <= 0) return -1;
    const r = this.canvas.getBoundingClientRect();
    const px = ev.clientX - r.left;
    const py = ev.clientY - r.top + this.scrollTop;
    const r0 = Math.floor(py / ROW_HEIGHT);
    const row = this.flipped ? L.maxDepth - r0 : r0;
    if (row < 0 || row > L.maxDepth || px < 0 || px > this.cssWidth) return -1;
    const v = (px / this.cssWidth) * L.rootTotal;
    const slack = (1 / this.cssWidth) * L.rootTotal; // one pixel
    let best = -1;
    for (let k = this.rowStart[row]; k < this.rowStart[row + 1]; k++) {
      const i = this.rowIdx[k];
      const x0 = L.x[i];
      const x1 = x0 + L.width[i];
      if (v >= x0 && v < x1) return i;
      if (best < 0 && v >= x0 - slack && v < x1 + slack) best = i;
    }
    return best;
  }

  /**
   * The frame next to layout index i in direction dir (keyboard moves):
   * 'up' its caller, 'down' its leftmost callee, 'left'/'right' the nearest
   * frame of its row on that side; -1 if there is none.
   */
  neighbour(i, dir) {
    const L = this.layout;
    if (!L) return -1;
    const d = L.depth[i];
    const x0 = L.x[i];
    const x1 = x0 + L.width[i];
    const row = dir === 'up' ? d - 1 : dir === 'down' ? d + 1 : d;
    if (row < 0 || row > L.maxDepth) return -1;
    let best = -1;
    for (let k = this.rowStart[row]; k < this.rowStart[row + 1]; k++) {
      const j = this.rowIdx[k];
      if (j === i) continue;
      const a = L.x[j];
      const b = a + L.width[j];
      if (dir === 'up' && a <= x0 && b >= x1) return j;
      if (dir === 'down' && a >= x0 && a < x1 && (best < 0 || a < L.x[best])) best = j;
      if (dir === 'left' && b <= x0 && (best < 0 || a > L.x[best])) best = j;
      if (dir === 'right' && a >= x1 && (best < 0 || a < L.x[best])) best = j;
    }
    return best;
  }

  /** Box of layout index i in CSS pixels: {x, y, w, h}. */
  box(i) {
    const L = this.layout;
    const scale = this.cssWidth / L.rootTotal;
    return { x: L.x[i] * scale, y: this.rowY(L.depth[i]) - this.scrollTop, w: L.width[i] * scale, h: ROW_HEIGHT - 1 };
  }

  /** The most CSS pixels of canvas the panel `wrap` shows at once. */
  viewHeight(wrap) {
    let h = Math.floor(window.innerHeight * VIEW_FRACTION);
    if (wrap) {
      const cs = getComputedStyle(wrap);
      const max = parseFloat(cs.maxHeight);
      if (Number.isFinite(max)) {
        const px = (k) => parseFloat(cs[k]) || 0;
        h = Math.floor(max - px('paddingTop') - px('paddingBottom') - px('borderTopWidth') - px('borderBottomWidth'));
      }
    }
    return Math.max(ROW_HEIGHT * 4, h);
  }

  /** Canvas height in CSS pixels needed by the current layout. */
  heightFor(layout) {
    return layout ? (layout.maxDepth + 1) * ROW_HEIGHT + 1 : 0;
  }

  labelOf(i) {
    const f = this.layout.func[i];
    return f === NO_FUNC ? 'root' : this.names[f] ?? `?${f}`;
  }

  /** Fits `text` in `avail` px: the whole name, else without import path, else cut with "…". */
  fitLabel(ctx, f, text, avail) {
    const key = f;
    let entry = this.labelCache.get(key);
    if (!entry) {
      entry = { full: text, fullW: ctx.measureText(text).width, short: null, shortW: 0 };
      this.labelCache.set(key, entry);
    }
    if (entry.fullW <= avail) return entry.full;
    if (entry.short === null) {
      entry.short = shortName(text);
      entry.shortW = entry.short === text ? entry.fullW : ctx.measureText(entry.short).width;
    }
    if (entry.shortW <= avail) return entry.short;
    const s = entry.short;
    // Estimate from the average glyph width, then step back until it fits.
    let n = Math.floor((s.length * avail) / entry.shortW) - 1;
    while (n > 0) {
      const t = s.slice(0, n) + '…';
      if (ctx.measureText(t).width <= avail) return t;
      n--;
    }
    return '';
  }

  /** Draws the current layout at `cssWidth`; returns the number of boxes drawn. */
  draw(cssWidth) {
    const L = this.layout;
    const canvas = this.canvas;
    const dpr = Math.max(1, window.devicePixelRatio || 1);
    const full = this.heightFor(L) || ROW_HEIGHT;
    const wrap = canvas.parentElement;
    const cssHeight = Math.min(full, this.viewHeight(wrap));
    if (this.spacer) this.spacer.style.height = `${full - cssHeight}px`;
    if (this.toBottom && wrap && L) {
      // A flipped graph opens on its root, at the bottom.
      wrap.scrollTop = full - cssHeight;
      this.toBottom = false;
    }
    const scrolled = wrap ? Math.round(Math.min(wrap.scrollTop, full - cssHeight)) : 0;
    this.scrollTop = Math.max(0, scrolled);
    this.cssWidth = cssWidth;
    this.cssHeight = cssHeight;
    const bw = Math.max(1, Math.round(cssWidth * dpr));
    const bh = Math.max(1, Math.round(cssHeight * dpr));
    if (canvas.width !== bw) canvas.width = bw;
    if (canvas.height !== bh) canvas.height = bh;
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${cssHeight}px`;
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // The panel colour of the theme in force (light, dark or the host's).
    ctx.fillStyle = getComputedStyle(canvas).getPropertyValue('--panel').trim() || '#ffffff';
    ctx.fillRect(0, 0, cssWidth, cssHeight);
    if (!L || L.rootTotal <= 0 || L.node.length === 0) return 0;

    const scale = cssWidth / L.rootTotal;
    const rootDepth = L.depth[this.rootIndex];
    const search = this.searchMask;
    const selected = this.selectedMask;
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const textY = (ROW_HEIGHT - 1) / 2 + 0.5;
    let drawn = 0;
    let mapDrawn = 0;
    const n = L.node.length;
    const top = this.scrollTop;
    for (let i = 0; i < n; i++) {
      const d = L.depth[i];
      const y = this.rowY(d) - top;
      if (y >= cssHeight || y <= -ROW_HEIGHT) continue;
      const x = L.x[i] * scale;
      let w = L.width[i] * scale;
      if (w < 0.35) continue;
      const f = L.func[i];
      let fill;
      let light = false;
      if (f === NO_FUNC) fill = COLOR_ROOT;
      else if (selected && selected[f]) { fill = COLOR_SELECTED; light = true; }
      else if (search && search[f]) { fill = COLOR_SEARCH; light = true; }
      else if (L.baseTotal) fill = diffColor(L.total[i], L.baseTotal[i], this.diffPalette);
      else if (this.mapMask && this.mapMask[f]) { fill = COLOR_MAP; light = true; mapDrawn++; }
      else fill = this.colors[f] || COLOR_ROOT;
      // Ancestors of the zoom root are context: draw them faded.
      ctx.globalAlpha = d < rootDepth ? 0.55 : 1;
      ctx.fillStyle = fill;
      const gap = w > 3 ? 1 : 0;
      ctx.fillRect(x, y, Math.max(w - gap, 0.5), ROW_HEIGHT - 1);
      drawn++;
      if (w >= LABEL_MIN_PX) {
        const avail = w - 8;
        const label = this.fitLabel(ctx, f, this.labelOf(i), avail);
        if (label) {
          ctx.fillStyle = light ? TEXT_LIGHT : TEXT_DARK;
          ctx.fillText(label, x + 4, y + textY);
        }
      }
    }
    ctx.globalAlpha = 1;
    this.showLegend(mapDrawn);
    return drawn;
  }

  /** A one-line legend above the graph while map frames are on screen. */
  showLegend(mapDrawn) {
    const wrap = this.canvas.parentElement;
    if (!wrap) return;
    if (!this.legend) {
      this.legend = document.createElement('div');
      this.legend.className = 'flame-legend';
      const sw = document.createElement('span');
      sw.className = 'swatch map';
      const text = document.createElement('span');
      text.textContent = 'Go map runtime (runtime.mapassign*, hashGrow, internal/runtime/maps.*)';
      this.legend.append(sw, text);
      wrap.before(this.legend);
    }
    this.legend.hidden = mapDrawn === 0;
    if (this.hooks) this.hooks.dataset.flameMapFrames = String(mapDrawn);
  }
}
