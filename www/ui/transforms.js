// The Firefox Profiler's call-tree transforms (README "Transforms"): the
// list the core applies after pprof's filters (filters.transforms, each
// {kind, func}), its text form for the address's fragment (`tr=`), and the
// page's bar: buttons that apply one to the selected function, and the
// applied ones as breadcrumbs, each with a × that removes it.

/** The transforms, in the order the bar offers them: kind, fragment key, label. */
export const TRANSFORMS = [
  { kind: 'merge-function', key: 'mf', label: 'Merge function', title: 'Remove its frames from every stack: its time goes to its callers' },
  { kind: 'collapse-recursion', key: 'rec', label: 'Collapse recursion', title: 'Its recursive calls, direct or not, become one frame' },
  { kind: 'collapse-direct-recursion', key: 'drec', label: 'Collapse direct recursion', title: 'Only its direct recursive calls become one frame' },
  { kind: 'collapse-package', key: 'cp', label: 'Collapse package', title: "Consecutive frames of its Go package become one frame named by the package" },
  { kind: 'focus-function', key: 'ff', label: 'Focus function', title: 'Keep only the samples through it, from it down' },
  { kind: 'drop-function', key: 'df', label: 'Drop function', title: 'Drop the samples through it' },
];
const BY_KIND = new Map(TRANSFORMS.map((t) => [t.kind, t]));
const BY_KEY = new Map(TRANSFORMS.map((t) => [t.key, t]));

/** A Go function's package: its name up to the first `.` after the last `/`, generic brackets aside (null if none). */
export function packageOf(name) {
  const b = name.indexOf('[');
  const plain = b < 0 ? name : name.slice(0, b);
  const dot = plain.indexOf('.', plain.lastIndexOf('/') + 1);
  return dot > 0 ? name.slice(0, dot) : null;
}

/** The valid transforms of `list` ({kind, func} with a known kind and a name), copied. */
export function cleanTransforms(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((t) => t && BY_KIND.has(t.kind) && typeof t.func === 'string' && t.func !== '')
    .map((t) => ({ kind: t.kind, func: t.func }));
}

/**
 * The fragment's text of a list: `key:NAME` joined by `~` (Firefox's
 * separator), NAME with `%` and `~` escaped, so any Go name survives
 * (URLSearchParams then encodes the whole value).
 */
export function encodeTransforms(list) {
  return cleanTransforms(list)
    .map((t) => `${BY_KIND.get(t.kind).key}:${t.func.replace(/%/g, '%25').replace(/~/g, '%7E')}`)
    .join('~');
}

/** The list of a fragment's text (encodeTransforms' inverse; malformed items are skipped). */
export function decodeTransforms(text) {
  const out = [];
  for (const item of String(text || '').split('~')) {
    const i = item.indexOf(':');
    const t = i > 0 ? BY_KEY.get(item.slice(0, i)) : undefined;
    if (!t) continue;
    try {
      const func = decodeURIComponent(item.slice(i + 1));
      if (func) out.push({ kind: t.kind, func });
    } catch { /* a malformed escape: skipped */ }
  }
  return out;
}

/**
 * The bar in `box`: `selected()` gives the function the actions apply to
 * (null: none), `get()` the transforms in force, `set(list)` replaces them.
 */
export class TransformsBar {
  constructor(box, { selected, get, set }) {
    this.box = box;
    this.get = get;
    const actions = document.createElement('span');
    actions.className = 'tr-actions';
    actions.setAttribute('role', 'group');
    actions.setAttribute('aria-label', 'Transforms of the selected function');
    this.note = document.createElement('span');
    this.note.className = 'tr-note';
    this.note.setAttribute('aria-live', 'polite');
    for (const t of TRANSFORMS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.kind = t.kind;
      b.textContent = t.label;
      b.title = `${t.title} (the selected function)`;
      b.addEventListener('click', () => {
        const name = selected();
        const func = name && t.kind === 'collapse-package' ? packageOf(name) : name;
        if (!func) {
          this.note.textContent = name ? `${name} has no Go package` : 'Select a function first (click a frame or a table row)';
          return;
        }
        this.note.textContent = '';
        set([...this.get(), { kind: t.kind, func }]);
      });
      actions.append(b);
    }
    this.crumbs = document.createElement('nav');
    this.crumbs.className = 'tr-crumbs';
    this.crumbs.setAttribute('aria-label', 'Applied transforms');
    this.crumbs.addEventListener('click', (ev) => {
      const x = ev.target.closest('button[data-index]');
      if (!x) return;
      const list = this.get();
      list.splice(Number(x.dataset.index), 1);
      set(list);
    });
    box.classList.add('transforms');
    box.replaceChildren(actions, this.crumbs, this.note);
    this.render();
  }

  /** Shows the transforms in force as breadcrumbs. */
  render() {
    const list = this.get();
    this.box.dataset.transforms = encodeTransforms(list);
    const items = list.map((t, i) => {
      const c = document.createElement('span');
      c.className = 'tr-crumb';
      c.dataset.kind = t.kind;
      c.textContent = `${BY_KIND.get(t.kind).label}: ${t.func}`;
      const x = document.createElement('button');
      x.type = 'button';
      x.dataset.index = String(i);
      x.textContent = '×';
      x.title = 'Remove this transform';
      x.setAttribute('aria-label', `Remove ${BY_KIND.get(t.kind).label} ${t.func}`);
      c.append(x);
      return c;
    });
    if (items.length) {
      const all = document.createElement('span');
      all.textContent = 'Transforms:';
      items.unshift(all);
    }
    this.crumbs.replaceChildren(...items);
  }
}
