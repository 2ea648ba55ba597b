// Offline use of a deployed static build: registers the service worker the
// build names in <meta name="gopherlens-offline" content="sw.js">.
// www/ served as it is has no such meta, so development registers nothing
// (no stale cache while editing); neither does the single file (file://).

/**
 * Registers the build's service worker, scoped to the directory holding it
 * (so deployments under different sub-paths of one origin stay apart).
 * Resolves to the registration, or null when there is nothing to register.
 */
export function registerOffline() {
  const meta = document.querySelector('meta[name="gopherlens-offline"]');
  if (!meta || !meta.content) return Promise.resolve(null);
  if (location.protocol !== 'https:' && location.protocol !== 'http:') return Promise.resolve(null);
  // Absent in insecure contexts (plain http other than localhost).
  if (!('serviceWorker' in navigator) || !navigator.serviceWorker) return Promise.resolve(null);
  const url = new URL(meta.content, document.baseURI);
  return navigator.serviceWorker.register(url, { scope: new URL('./', url).href }).catch((e) => {
    // Offline use is a bonus: the page works without it.
    console.warn(`gopherlens: offline use unavailable: ${e && e.message ? e.message : e}`);
    return null;
  });
}
