// Value formatting as pprof (and the gopherlens CLI, src/units.rs) prints it:
// bytes in B/kB/MB/GB/TB (steps of 1024), nanoseconds as ns/us/ms/s,
// anything else (counts) as a plain number.

const BYTES = [[1, 'B'], [1024, 'kB'], [1048576, 'MB'], [1073741824, 'GB'], [1099511627776, 'TB']];
const NANOS = [[1, 'ns'], [1e3, 'us'], [1e6, 'ms'], [1e9, 's']];

function trim(x) {
  return x.toFixed(2).replace(/\.?0+$/, '');
}

function scaled(v, steps) {
  const a = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  for (let i = steps.length - 1; i >= 0; i--) {
    if (a >= steps[i][0]) return sign + trim(a / steps[i][0]) + steps[i][1];
  }
  return sign + String(a) + steps[0][1];
}

/** Formats value `v` measured in `unit` for people. */
export function formatValue(v, unit) {
  switch (unit) {
    case 'bytes': case 'byte': case 'B':
      return scaled(v, BYTES);
    case 'nanoseconds': case 'nanosecond': case 'ns':
      return scaled(v, NANOS);
    default:
      return Number.isInteger(v) ? String(v) : trim(v);
  }
}

/** `part` as a percentage of `whole`, two decimals ("12.34%"). */
export function formatPercent(part, whole) {
  if (!whole) return '0.00%';
  return (100 * part / whole).toFixed(2) + '%';
}

/** A duration in nanoseconds, for the summary line. */
export function formatDuration(ns) {
  return scaled(ns, NANOS);
}
