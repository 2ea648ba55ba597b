// Exact JSON: integers beyond 2^53 (a profile's time_ns, say) become BigInt
// instead of silently losing digits, so `info()`/`top()` hold the exact
// integers stored in the profile. Used by the worker on the core's JSON
// text, and by anyone comparing with `gopherlens ... --json` output.

const BIG = '\u0000big:';

// A JSON string (skipped as a whole), or a run of 16+ digits that is a whole
// number token (not part of a fraction or exponent).
const TOKENS = /("(?:[^"\\]|\\.)*")|(?<![.\deE+-])(-?\d{16,})(?![.\deE])/g;

export function parseExact(text) {
  let marked = false;
  const safe = text.replace(TOKENS, (m, str, num) => {
    if (str !== undefined || Number.isSafeInteger(Number(num))) return m;
    marked = true;
    return `"\\u0000big:${num}"`; // decodes to BIG + digits
  });
  if (!marked) return JSON.parse(text);
  return JSON.parse(safe, (_, v) => (typeof v === 'string' && v.startsWith(BIG) ? BigInt(v.slice(BIG.length)) : v));
}
