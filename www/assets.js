// Where the UI finds its own files. Served (www/ or the static build), they
// sit beside these modules: the static build (tools/dist.mjs) renames each
// to its content hash and rewrites every `new URL('…', import.meta.url)`
// naming one. The single-file build replaces this module with one that
// carries them inline (a Blob worker, constructed style sheets), so that
// nothing is fetched at all.

/** The worker that owns the WebAssembly core, and how to start it. */
export function workerSource() {
  return { url: new URL('./core/worker.js', import.meta.url), type: 'module' };
}

/** Adds the UI's style sheets to a shadow root (one mount). */
export function addStyles(shadowRoot) {
  for (const href of [new URL('./ui/style.css', import.meta.url), new URL('./vendor/uPlot.min.css', import.meta.url)]) {
    const l = document.createElement('link');
    l.rel = 'stylesheet';
    l.href = href.href;
    shadowRoot.append(l);
  }
}
