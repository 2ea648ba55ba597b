// One way to ask the worker and drop stale answers. Every view asks for
// what it shows through a Latest of its own: only the answer to its newest
// request (and only while `valid()` still holds: the same profile on
// screen, say) is current; an older one, or an error of an older one, is
// not shown. The request itself runs to the end either way (the worker
// answers in order).
//
//   const flameAsk = new Latest();
//   const a = await flameAsk.ask(() => session.layout(...), () => p === current);
//   if (!a.current) return;             // a newer request or another profile
//   if (!a.ok) return reportError(a.error);
//   draw(a.value);

export class Latest {
  #n = 0;

  /**
   * Runs `request()`; resolves (never rejects) to {current, ok, value,
   * error}: `current` false if another ask() or cancel() came after this
   * one, or `valid()` no longer holds.
   * @template T
   * @param {() => Promise<T>|T} request
   * @param {() => boolean} [valid]
   * @returns {Promise<{current: boolean, ok: boolean, value?: T, error?: Error}>}
   */
  async ask(request, valid = () => true) {
    const n = ++this.#n;
    const current = () => n === this.#n && valid();
    try {
      const value = await request();
      return { current: current(), ok: true, value };
    } catch (error) {
      return { current: current(), ok: false, error };
    }
  }

  /** Makes every answer still awaited stale (the view was hidden or cleared). */
  cancel() {
    this.#n++;
  }
}
