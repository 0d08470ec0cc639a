// The wasm host's benchmark cases and their timing, shared by the Node.js runner (node.mjs) and
// the Chromium page (browser.html): each #[jsinvokable] call against a bare wasm-bindgen export
// of the test app doing the same serde work, paired: every round times each pair back to back,
// and the ratio reported is the median over the rounds.

/// The cases, each `[name, ours, baseline, iterations, target]`: a function returns a value (or a
/// promise of one) so the work cannot be skipped; `ratio <= target` (or `>=` its inverse for the
/// byte arrays) is checked. `toBase64` turns a `Uint8Array` into a base64 string (the fastest
/// the environment has: Node's `Buffer`, the browser's `Uint8Array.prototype.toBase64`).
export function benchCases(DotNet, app, toBase64) {
  const point = { x: 1.5, y: -2.25, label: 'a label long enough to make the JSON object about 100 bytes' };
  const mebibyte = new Uint8Array(1 << 20).map((_, index) => (index * 7) & 255);
  return [
    ['sync static, trivial', () => DotNet.invokeMethod('WasmApp', 'ReturnArray'),
      () => JSON.parse(app.bareReturnArray(JSON.stringify([]))), 20000, 2],
    ['sync static, ~100-byte JSON object', () => DotNet.invokeMethod('WasmApp', 'Double', point),
      () => JSON.parse(app.bareDouble(JSON.stringify([point]))), 20000, 2],
    ['async static vs awaited resolved promise', () => DotNet.invokeMethodAsync('WasmApp', 'ReturnArray'),
      () => Promise.resolve(JSON.parse(app.bareReturnArray(JSON.stringify([])))), 20000, 3],
    ['1 MiB: ByteArray vs base64 string', () => DotNet.invokeMethod('WasmApp', 'SumBytes', mebibyte),
      () => JSON.parse(app.bareSumBase64(toBase64(mebibyte))), 50, 1 / 5],
  ];
}

/// The mean time of one call in nanoseconds over `iterations` calls.
async function time(call, iterations) {
  let sink = 0;
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    let value = call();
    if (value instanceof Promise) value = await value;
    sink += Array.isArray(value) ? value.length : 1;
  }
  const elapsed = performance.now() - started;
  if (sink === 0) throw new Error('nothing was returned');
  return (elapsed * 1e6) / iterations;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/// Runs every case for `rounds` paired rounds (after a warm-up of a tenth of the iterations) and
/// returns one line per case: the median ratio, its range, the median times and the target.
export async function runBench(cases, rounds) {
  const lines = [];
  for (const [name, ours, baseline, iterations, target] of cases) {
    await time(ours, iterations / 10);
    await time(baseline, iterations / 10);
    const ratios = [];
    const oursNs = [];
    const baselineNs = [];
    for (let round = 0; round < rounds; round++) {
      const a = await time(ours, iterations);
      const b = await time(baseline, iterations);
      oursNs.push(a);
      baselineNs.push(b);
      ratios.push(a / b);
    }
    const ratio = median(ratios);
    const met = ratio <= target;
    const [low, high] = [Math.min(...ratios), Math.max(...ratios)];
    // The byte arrays' case is read as "N times faster": its ratio and range are inverted.
    const range = target >= 1 ? `${low.toFixed(2)}-${high.toFixed(2)}` : `${(1 / high).toFixed(1)}-${(1 / low).toFixed(1)}`;
    const targetText = target >= 1 ? `target <= ${target}x` : `target: >= ${1 / target}x faster`;
    const speed = target >= 1 ? `${ratio.toFixed(2)}x the bare export` : `${(1 / ratio).toFixed(1)}x faster than base64`;
    lines.push(`${name}: ${speed} (median of ${rounds}; range ${range}); ` +
      `${(median(oursNs) / 1000).toFixed(2)} us vs ${(median(baselineNs) / 1000).toFixed(2)} us per call; ` +
      `${targetText}: ${met ? 'met' : 'NOT met'}`);
  }
  return lines;
}
