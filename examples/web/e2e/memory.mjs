// Streams 200 MB from Chromium to the web app's Rust (the file picker: a sparse file on disk,
// read by Chromium as a File and pulled by Rust through DotNet.createJSStreamReference), for
// examples/tests/stream_memory.rs, which samples the server's resident memory meanwhile.
// Protocol on stdio: prints `warm` after a small warm-up upload, waits for `go` on stdin,
// uploads, then prints `result <what the page shows>`.
// Usage: PLAYWRIGHT_CORE=… node memory.mjs http://127.0.0.1:PORT
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const base = process.argv[2];
if (!base) throw new Error('usage: node memory.mjs <base url>');
const { chromium } = await import(process.env.PLAYWRIGHT_CORE ?? 'playwright-core');

const profile = mkdtempSync(join(tmpdir(), 'memory-chromium-'));
const sparseFile = (name, size) => {
  const path = join(profile, name);
  const file = openSync(path, 'w');
  ftruncateSync(file, size);
  closeSync(file);
  return path;
};
const input = createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();

const context = await chromium.launchPersistentContext(join(profile, 'user-data'), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(`${base}/`);
  await page.locator('#status', { hasText: 'connected' }).waitFor();
  const upload = async (path) => {
    await page.locator('#sample-11-upload').evaluate((element) => { element.dataset.state = 'idle'; });
    await page.setInputFiles('#sample-11-upload [data-file]', path);
    await page.locator('#sample-11-upload:is([data-state="done"], [data-state="failed"])').waitFor({ timeout: 300000 });
    return (await page.textContent('#sample-11-upload [data-result]')).trim();
  };
  await upload(sparseFile('warm-up.bin', 2 * 1024 * 1024));
  console.log('warm');
  const go = await lines.next();
  input.close();
  if (go.value !== 'go') throw new Error(`expected "go", got ${JSON.stringify(go.value)}`);
  console.log(`result ${await upload(sparseFile('big.bin', 200 * 1024 * 1024))}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
