// The GC tab: GC cycles, pauses, assists and MMU of an execution trace or a gctrace log.
// Placeholder until the tab is built; the page wiring (app.js) is final.

export class GcTab {
  /** @param {HTMLElement} panel  @param {object} ctx  see tabCtx in app.js */
  constructor(panel, ctx) {
    this.panel = panel;
    this.ctx = ctx;
  }

  /** Whether profile p (an app.js profile entry) can be shown here. */
  applies(p) {
    return p.info.format === 'trace' || p.info.format === 'gctrace';
  }

  /** The tab became visible, or the current profile changed while visible. */
  async show(p) {
    this.panel.textContent = `GC of ${p.name}`;
  }

  /** The tab was hidden. */
  hide() {}

  /** Profile p was closed: drop anything kept for it. */
  forget(p) {}
}
