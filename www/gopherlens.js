// gopherlens public JavaScript API (ES module, no dependencies, no globals).
//
//   import { open, mount } from './gopherlens.js';
//
// open(bytes | Blob | File, {name}) decodes a profile in the shared worker
// and resolves to a Session (core/client.js documents every method; the
// results are the CLI's --json objects); compare(sources, bases, {diff,
// normalize}) makes a new Session of loaded ones (pprof's merge, -base,
// -diff_base).
//
// mount(element, {files, view, options, theme}) renders the whole UI (every
// tab) into `element`'s shadow root and returns a handle:
//   handle.add(files)          open more profiles (bytes, Blobs, Files)
//   handle.setView(view)       'flame' | 'maps' | 'gc' | 'binary'
//   handle.setOptions(options) {sampleIndex, granularity}
//   handle.setTheme(theme)     'auto' | 'light' | 'dark'
//   handle.showError(message)  shows a message in its error banner
//   handle.on(event, fn)       'view-changed' {view}, 'loaded' {name, format},
//                              'error' {message}, 'filters' {…}, 'flame-view'
//                              {view, leftHeavy, func}, 'sample-index'
//                              {sampleIndex}, 'granularity' {granularity},
//                              'compared' {name, mode,
//                              normalize}; returns an unsubscribe function
//   handle.destroy()           closes its profiles, removes its DOM and listeners
// README "Embedding" has copy-paste examples, <gopher-lens> (element.js)
// and the iframe message protocol (frame.js).

export { open, compare, preload, coreMemory, Session, parseExact } from './core/client.js';
export { mount, VIEWS } from './ui/mount.js';
