// The Maps tab: which Go maps hold the heap (see README "Map retention").
// Placeholder until the tab is built; the page wiring (app.js) is final.

export class MapsTab {
  /** @param {HTMLElement} panel  @param {object} ctx  see tabCtx in app.js */
  constructor(panel, ctx) {
    this.panel = panel;
    this.ctx = ctx;
  }

  /** Whether profile p (an app.js profile entry) can be shown here. */
  applies(p) {
    return p.info.format === 'pprof' && p.info.sample_types.some((st) => st.type === 'inuse_space' || st.type === 'alloc_space');
  }

  /** The tab became visible, or the current profile changed while visible. */
  async show(p) {
    this.panel.textContent = `Maps of ${p.name}`;
  }

  /** The tab was hidden. */
  hide() {}

  /** Profile p was closed: drop anything kept for it. */
  forget(p) {}
}
