// The wasm host's benchmark in headless Chromium (scripts/wasm-bench.sh --browser): serves the
// repository on 127.0.0.1, opens browser.html in Debian's Chromium driven by playwright-core (as
// examples/web/e2e does), and runs the cases of cases.mjs there with the given client.
//
//   PLAYWRIGHT_CORE=.../playwright-core/index.mjs node browser.mjs \
//     <repository root> <bindgen output dir> <crate name> <client module> [rounds]
// (the paths under the repository root, relative to it)

import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';

const [root, outDir, crateName, clientPath, roundsText = '7'] = process.argv.slice(2);
const { chromium } = await import(process.env.PLAYWRIGHT_CORE ?? 'playwright-core');

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const base = resolve(root);
const server = createServer((request, response) => {
  const file = resolve(join(base, decodeURIComponent(new URL(request.url, 'http://x').pathname)));
  let found = false;
  try {
    found = (file === base || file.startsWith(base + sep)) && statSync(file).isFile();
  } catch {
    // Not there: 404 below.
  }
  if (!found) {
    response.writeHead(404).end();
    return;
  }
  // Cross-origin isolated, so that performance.now() has Chromium's finer resolution (5 us, not 100).
  response.writeHead(200, {
    'content-type': types[extname(file)] ?? 'application/octet-stream',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  });
  createReadStream(file).pipe(response);
});
await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
const origin = `http://127.0.0.1:${server.address().port}`;

const profile = mkdtempSync(join(tmpdir(), 'wasm-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(`${origin}/hosts/wasm/benches/browser.html`);
  await page.waitForFunction(() => window.benchReady === true);
  console.log(await page.evaluate(() => `${/Chrome\/\S+/.exec(navigator.userAgent)}, cross-origin isolated: ${crossOriginIsolated}`));
  const lines = await page.evaluate(([client, app, rounds]) => window.runWasmBench(client, app, rounds),
    [`/${clientPath}`, `/${outDir}/${crateName}.js`, Number(roundsText)]);
  for (const line of lines) console.log(line);
  if (errors.length > 0) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
