// The wasm host's benchmark in Node.js (scripts/wasm-bench.sh builds the release app and runs
// it): each #[jsinvokable] call against a bare wasm-bindgen export doing the same serde work,
// in the same run, paired: every round times each pair back to back, and the ratio printed is
// the median over the rounds.
//
//   node node.mjs <bindgen output dir> <crate name> <client module> [rounds]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [outDir, crateName, clientPath, roundsText = '7'] = process.argv.slice(2);
const rounds = Number(roundsText);

globalThis.window = globalThis;
const { DotNet } = await import(pathToFileURL(clientPath).href);
globalThis.DotNet = DotNet;
const app = await import(pathToFileURL(join(outDir, `${crateName}.js`)).href);
app.initSync({ module: readFileSync(join(outDir, `${crateName}_bg.wasm`)) });

const point = { x: 1.5, y: -2.25, label: 'a label long enough to make the JSON object about 100 bytes' };
const mebibyte = new Uint8Array(1 << 20).map((_, index) => (index * 7) & 255);

// Each case: [name, ours, baseline, iterations, target]; a function returns a value (or a promise
// of one) so the work cannot be skipped. `ratio ≤ target` (or ≥ for the byte arrays) is checked.
const cases = [
  ['sync static, trivial', () => DotNet.invokeMethod('WasmApp', 'ReturnArray'),
    () => JSON.parse(app.bareReturnArray(JSON.stringify([]))), 20000, 2],
  ['sync static, ~100-byte JSON object', () => DotNet.invokeMethod('WasmApp', 'Double', point),
    () => JSON.parse(app.bareDouble(JSON.stringify([point]))), 20000, 2],
  ['async static vs awaited resolved promise', () => DotNet.invokeMethodAsync('WasmApp', 'ReturnArray'),
    () => Promise.resolve(JSON.parse(app.bareReturnArray(JSON.stringify([])))), 20000, 3],
  ['1 MiB: ByteArray vs base64 string', () => DotNet.invokeMethod('WasmApp', 'SumBytes', mebibyte),
    () => JSON.parse(app.bareSumBase64(Buffer.from(mebibyte).toString('base64'))), 50, 1 / 5],
];

async function time(call, iterations) {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    let value = call();
    if (value instanceof Promise) value = await value;
    sink += Array.isArray(value) ? value.length : 1;
  }
  const elapsed = Number(process.hrtime.bigint() - started);
  if (sink === 0) throw new Error('nothing was returned');
  return elapsed / iterations;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = [];
for (const [name, ours, baseline, iterations, target] of cases) {
  // Warm up both.
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
  results.push({ name, ratio, range: [Math.min(...ratios), Math.max(...ratios)], ours: median(oursNs), baseline: median(baselineNs), target, met });
}
for (const { name, ratio, range, ours, baseline, target, met } of results) {
  const targetText = target >= 1 ? `target <= ${target}x` : `target: >= ${1 / target}x faster`;
  const speed = target >= 1 ? `${ratio.toFixed(2)}x the bare export` : `${(1 / ratio).toFixed(1)}x faster than base64`;
  console.log(`${name}: ${speed} (median of ${rounds}; range ${range[0].toFixed(2)}-${range[1].toFixed(2)}); ` +
    `${(ours / 1000).toFixed(2)} us vs ${(baseline / 1000).toFixed(2)} us per call; ${targetText}: ${met ? 'met' : 'NOT met'}`);
}
