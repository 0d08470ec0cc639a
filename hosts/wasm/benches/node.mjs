// The wasm host's benchmark in Node.js (scripts/wasm-bench.sh builds the release app and runs
// it): the cases of cases.mjs, paired ratios, median over the rounds.
//
//   node node.mjs <bindgen output dir> <crate name> <client module> [rounds]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchCases, runBench } from './cases.mjs';

const [outDir, crateName, clientPath, roundsText = '7'] = process.argv.slice(2);

globalThis.window = globalThis;
const { DotNet } = await import(pathToFileURL(clientPath).href);
globalThis.DotNet = DotNet;
const app = await import(pathToFileURL(join(outDir, `${crateName}.js`)).href);
app.initSync({ module: readFileSync(join(outDir, `${crateName}_bg.wasm`)) });

const toBase64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
for (const line of await runBench(benchCases(DotNet, app, toBase64), Number(roundsText))) console.log(line);
