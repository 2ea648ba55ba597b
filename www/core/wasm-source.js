// Where the worker finds the WebAssembly core: beside the glue, when served
// (the static build rewrites this URL to the hashed name). The single-file
// build replaces this module with one holding the bytes inline.
export function wasmSource() {
  return new URL('../pkg/gopherlens_bg.wasm', import.meta.url);
}
