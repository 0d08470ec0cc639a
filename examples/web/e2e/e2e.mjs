// Browser end-to-end test of the web app: headless Debian Chromium driven by playwright-core.
// Usage: PLAYWRIGHT_CORE=/path/to/node_modules/playwright-core/index.mjs node e2e.mjs http://127.0.0.1:PORT
// Clicks every sample, checks every visible result, checks error cases with page.evaluate,
// and fails on any console error the page did not expect. Exits non-zero on the first failure.
//
// E2E_IN_PAGE=1: the app serves Rust in the page (blazor-sample --wasm): the sync calls a
// network refuses must work, and no WebSocket may open. E2E_CLIENT=microsoft: the page loads
// Microsoft's client (blazor-sample --client), which has no invokeMethodWithSignalAsync.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.argv[2];
if (!base) throw new Error('usage: node e2e.mjs <base url>');
const inPage = process.env.E2E_IN_PAGE === '1';
const microsoftClient = process.env.E2E_CLIENT === 'microsoft';
const ready = inPage ? 'running in the page' : 'connected';
console.log(`# mode: ${inPage ? 'Rust in the page' : 'WebSocket'}, client: ${microsoftClient ? "Microsoft's" : 'ours'}`);
const { chromium } = await import(process.env.PLAYWRIGHT_CORE ?? 'playwright-core');

const profile = mkdtempSync(join(tmpdir(), 'e2e-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const consoleErrors = [];
let passed = 0;
const check = async (name, body) => {
  await body();
  passed += 1;
  console.log(`ok - ${name}`);
};
// A check that does not apply to this mode or client, with the reason.
const leftOut = (name, reason) => console.log(`# left out: ${name} (${reason})`);

try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  const sockets = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));
  await page.goto(`${base}/`);
  await page.locator('#status', { hasText: ready }).waitFor();

  const result = (id) => page.locator(`#sample-${id} [data-result]`);
  const expectText = async (locator, text) => {
    await locator.filter({ hasText: text }).first().waitFor({ timeout: 10000 });
    assert.equal((await locator.first().textContent()).trim(), text);
  };
  const alerts = page.locator('#alerts li');

  await check('1 ReturnArrayAsync', async () => {
    await page.click('#sample-1 button');
    await expectText(result(1), '[1,2,3]');
  });
  if (inPage) {
    await check('2 DifferentMethodName, and synchronously with invokeMethod in the page', async () => {
      await page.click('#sample-2 button');
      await expectText(result(2), '[1,2,3] (invokeMethod: [1,2,3])');
    });
    await check('sync calls in the page: values, not promises; objects; the reference errors', async () => {
      const outcome = await page.evaluate(() => {
        const attempt = (call) => { try { return call(); } catch (error) { return `error: ${error.message}`; } };
        const array = DotNet.invokeMethod('BlazorSample', 'DifferentMethodName');
        const helper = DotNet.invokeMethod('BlazorSample', 'CreateHelloHelper', 'Amy Pond');
        const message = helper.invokeMethod('GetHelloMessage');
        helper.dispose();
        return {
          array, promise: array instanceof Promise,
          message,
          disposed: attempt(() => helper.invokeMethod('GetHelloMessage')).replace(/'\d+'/, "'N'"),
          asyncMethod: attempt(() => DotNet.invokeMethod('BlazorSample', 'ReturnArrayAsync')),
          unknown: attempt(() => DotNet.invokeMethod('BlazorSample', 'NoSuchMethod')),
          nameSet: attempt(() => DotNet.invokeMethod('BlazorSample', 'SetGreetingName', 'River Song')),
        };
      });
      assert.deepEqual(outcome, {
        array: [1, 2, 3], promise: false,
        message: 'Hello, Amy Pond!',
        disposed: "error: There is no tracked object with id 'N'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')",
        asyncMethod: "error: The method 'ReturnArrayAsync' is async and cannot be invoked synchronously. Use invokeMethodAsync instead.",
        unknown: 'error: The assembly \'BlazorSample\' does not contain a public invokable method with [JSInvokableAttribute("NoSuchMethod")].',
        nameSet: true,
      });
    });
  } else {
    await check('2 DifferentMethodName; invokeMethod over a network is refused clearly', async () => {
      await page.click('#sample-2 button');
      await expectText(result(2), "[1,2,3] (invokeMethod: The call to 'DifferentMethodName' is synchronous, which a network connection cannot serve. Use invokeMethodAsync instead.)");
    });
  }
  await check('3 sayHello1 (JsInteropClasses3)', async () => {
    await page.fill('#sample-3 [data-name]', 'Amy Pond');
    await page.click('#sample-3 button');
    await expectText(result(3), 'Hello, Amy Pond!');
  });
  await check('4 sayHello2 with the typed name', async () => {
    await page.fill('#sample-4 [data-name]', 'Clara Oswald');
    await page.click('#sample-4 button');
    await expectText(result(4), 'Hello, Clara Oswald!');
  });
  await check('5 GreetingHelpers alerts with the typed name', async () => {
    await page.fill('#greeting-name', 'Martha Jones');
    await page.evaluate(() => DotNet.invokeMethodAsync('BlazorSample', 'SetGreetingName', 'Martha Jones'));
    await page.click('#sample-5 button:nth-of-type(1)');
    await expectText(alerts.nth(0), 'Message from .NET: "Hello, Martha Jones!"');
    await page.click('#sample-5 button:nth-of-type(2)');
    await expectText(alerts.nth(1), 'Message from .NET: "Welcome, Martha Jones!"');
  });
  await check(`6 GenericType values are the last numbers JS sent${inPage ? ' (syncInterop: invokeMethod too)' : ''}`, async () => {
    const sent = [];
    const listener = (message) => { if (message.text().startsWith('JS: invokeMethod')) sent.push(message.text()); };
    page.on('console', listener);
    await page.click('#sample-6 button');
    await page.locator('#sample-6 [data-value="genericType1"]', { hasNotText: 'string 0' }).waitFor();
    await page.locator('#sample-6 [data-value="genericType2"]', { hasNotText: /^0$/ }).waitFor();
    page.off('console', listener);
    const last = (pattern) => sent.map((line) => pattern.exec(line)).filter(Boolean).pop()[1];
    // In the page the seed's syncInterop is on: a synchronous Update comes last.
    const method = inPage ? 'invokeMethod:Update' : 'invokeMethodAsync:UpdateAsync';
    assert.equal(sent.filter((line) => line.startsWith('JS: invokeMethod:')).length, inPage ? 2 : 0, sent.join('\n'));
    assert.equal(await page.textContent('#sample-6 [data-value="genericType1"]'), last(new RegExp(`${method}\\('(string \\d+)'\\)`)));
    assert.equal(await page.textContent('#sample-6 [data-value="genericType2"]'), last(new RegExp(`${method}\\((\\d+)\\)`)));
  });
  await check('8 jsFunction calls and disposes back to back', async () => {
    await page.click('#sample-8 button');
    await expectText(result(8), '{"called":true,"disposed":true}');
  });
  await check('9 the clicked list item updates, the others do not', async () => {
    await page.click('#list-items li:nth-child(2) button');
    await page.locator('#list-items li:nth-child(2)', { hasText: 'UpdateMessage Called!' }).waitFor();
    assert.equal(await page.locator('#list-items li:nth-child(2) button').count(), 0);
    for (const index of [1, 3, 4]) {
      assert.equal((await page.textContent(`#list-items li:nth-child(${index}) span`)).trim(), 'Select one of these list items.');
      assert.equal(await page.locator(`#list-items li:nth-child(${index}) button`).count(), 1);
    }
  });
  await check('10 ReceiveByteArray', async () => {
    await page.click('#sample-10 button');
    await expectText(alerts.nth(2), "Everything's shiny, Captian. Not to fret.");
  });
  await check('11 streamToDotNet copied to file.txt (10,000,000 zero bytes)', async () => {
    await page.click('#sample-11 [data-action="streamToFile"]');
    await expectText(result(11), 'file.txt: 10000000 bytes, sha256 f5e02aa71e67f41d79023a128ca35bad86cf7b6656967bfe0884b3a3c4325eaf');
  });
  await check('11 the default limit refuses it', async () => {
    await page.click('#sample-11 [data-action="streamWithDefaultLimit"]');
    await expectText(result(11), "error: The incoming data stream of length 10000000 exceeds the maximum allowed length 512000. (Parameter 'maxAllowedSize')");
  });
  const upload = page.locator('#sample-11-upload');
  // Marks the picker idle, chooses `files`, and waits for the upload that follows to end.
  const uploadEnded = async (files) => {
    await upload.evaluate((element) => { element.dataset.state = 'idle'; });
    await page.setInputFiles('#sample-11-upload [data-file]', files);
    await page.locator('#sample-11-upload:is([data-state="done"], [data-state="failed"])').waitFor({ timeout: 30000 });
    return upload.getAttribute('data-state');
  };
  await check('11 a chosen file is streamed to Rust; Rust drives the progress bar and hashes it', async () => {
    const buffer = Buffer.alloc(3_000_000);
    for (let i = 0; i < buffer.length; i += 1) buffer[i] = (i * 31 + (i >>> 11)) & 0xff;
    const sha256 = createHash('sha256').update(buffer).digest('hex');
    // Records every report Rust sends, around the page's own function.
    await page.evaluate(() => {
      const draw = window.reportUploadProgress;
      window.progressReports = [];
      window.reportUploadProgress = (read, total) => { window.progressReports.push([read, total]); draw(read, total); };
    });
    assert.equal(await uploadEnded({ name: 'pattern.bin', mimeType: 'application/octet-stream', buffer }), 'done', await result('11-upload').textContent());
    assert.equal((await result('11-upload').textContent()).trim(), `pattern.bin: 3000000 bytes, sha256 ${sha256}`);
    const bar = await page.$eval('#sample-11-upload [data-progress]', (element) => [element.value, element.max]);
    assert.deepEqual(bar, [3_000_000, 3_000_000]);
    assert.equal((await page.textContent('#sample-11-upload [data-count]')).trim(), '3000000 / 3000000 bytes');
    const reports = await page.evaluate(() => window.progressReports);
    assert.ok(reports.length >= 2, `progress was reported while reading (${JSON.stringify(reports)})`);
    assert.ok(reports.every(([read, total], index) => total === 3_000_000 && read > (index ? reports[index - 1][0] : 0)), `reports grow: ${JSON.stringify(reports)}`);
    assert.deepEqual(reports.at(-1), [3_000_000, 3_000_000]);
  });
  await check('11 a file over the 256 MiB limit is refused before any byte moves', async () => {
    // A sparse file: Chromium gets its path, and Rust refuses it by its length alone.
    const path = join(profile, 'too-large.bin');
    const file = openSync(path, 'w');
    ftruncateSync(file, 256 * 1024 * 1024 + 1);
    closeSync(file);
    assert.equal(await uploadEnded(path), 'failed');
    assert.equal((await result('11-upload').textContent()).trim(), "error: The incoming data stream of length 268435457 exceeds the maximum allowed length 268435456. (Parameter 'maxAllowedSize')");
  });
  await check('11 a stream from Rust is read and hashed in the page', async () => {
    const length = 5_000_000;
    const expected = Buffer.alloc(length);
    for (let index = 0; index < length; index += 1) expected[index] = index % 251;
    const sha256 = createHash('sha256').update(expected).digest('hex');
    await page.fill('#sample-11-download [data-length]', String(length));
    await page.click('#sample-11-download [data-action="download"]');
    await expectText(result('11-download'), `${length} bytes, sha256 ${sha256}`);
  });
  await check('12 JS isolation: a module imported by Rust', async () => {
    await page.click('#sample-12 button');
    await expectText(result(12), 'Hello from a JS module, Rust! / Hello, Amy Pond!');
    assert.equal(await page.evaluate(() => typeof window.greet), 'undefined');
  });
  await check('13 a circular value is refused in the page', async () => {
    await page.click('#sample-13 button');
    await result(13).filter({ hasText: 'circular' }).waitFor();
  });
  await check(inPage ? '14 in the page no message limit applies: 2 MiB of base64 text arrive' : '14 a payload over the limit is refused; the page keeps working', async () => {
    await page.click('#sample-14 button');
    // 'xxxx' is base64 for C7 1C 71: Rust's lossy UTF-8 makes 3 characters of each 3 bytes.
    await expectText(result(14), inPage ? 'received 1572864 characters' : 'error: The message of 2097156 bytes exceeds the maximum message size of 1048576 bytes.');
    assert.deepEqual(await page.evaluate(() => DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync')), [1, 2, 3]);
  });
  await check('error texts reach the page verbatim', async () => {
    const texts = await page.evaluate(async () => {
      const attempt = async (promise) => { try { await promise; return 'no error'; } catch (error) { return error.message; } };
      const counter = await DotNet.invokeMethodAsync('BlazorSample', 'TriggerJsFunction');
      const disposed = await (async () => {
        const helper = await DotNet.invokeMethodAsync('BlazorSample', 'TriggerDotNetInstanceMethod', 'x');
        return helper;
      })();
      return [
        await attempt(DotNet.invokeMethodAsync('BlazorSample', 'NoSuchMethod')),
        await attempt(DotNet.invokeMethodAsync('NoSuchAssembly', 'ReturnArrayAsync')),
        await attempt(DotNet.invokeMethodAsync('BlazorSample', 'TriggerSayHello2')),
        JSON.stringify(counter),
        disposed,
      ];
    });
    assert.deepEqual(texts, [
      "The assembly 'BlazorSample' does not contain a public invokable method with [JSInvokableAttribute(\"NoSuchMethod\")].",
      "There is no loaded assembly with the name 'NoSuchAssembly'.",
      "The call to 'TriggerSayHello2' expects '1' parameters, but received '0'.",
      '{"called":true,"disposed":true}',
      'Hello, x!',
    ]);
  });
  await check('a disposed object answers with the unknown-id text', async () => {
    const text = await page.evaluate(async () => {
      const helper = await DotNet.invokeMethodAsync('BlazorSample', 'CreateHelloHelper', 'Donna Noble');
      const before = await helper.invokeMethodAsync('GetHelloMessage');
      if (before !== 'Hello, Donna Noble!') return `unexpected: ${before}`;
      helper.dispose();
      try { await helper.invokeMethodAsync('GetHelloMessage'); return 'no error'; } catch (error) { return error.message; }
    });
    assert.match(text, /^There is no tracked object with id '\d+'\. Perhaps the DotNetObjectReference instance was already disposed\. \(Parameter 'dotNetObjectId'\)$/);
  });

  if (microsoftClient) leftOut('an aborted call', "Microsoft's client has no invokeMethodWithSignalAsync");
  else await check(`an aborted call rejects at once, Rust is told${inPage ? '' : ', and a crossing completion is released'}`, async () => {
    const outcome = await page.evaluate(async () => {
      const settle = (promise) => promise.then(() => 'resolved', (error) => error.name);
      const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      const report = () => DotNet.invokeMethodAsync('BlazorSample', 'CancellationReport');
      const before = await report();
      const already = await settle(DotNet.invokeMethodWithSignalAsync(AbortSignal.abort(), 'BlazorSample', 'CountUntilCancelled'));
      const controller = new AbortController();
      const running = settle(DotNet.invokeMethodWithSignalAsync(controller.signal, 'BlazorSample', 'CountUntilCancelled'));
      await pause(50);
      controller.abort();
      // Settled in the microtasks after abort(), before any timer or frame.
      const first = await Promise.race([running, pause(0).then(() => 'not yet')]);
      let after = await report();
      for (let i = 0; i < 200 && after.dropped === before.dropped; i++) {
        await pause(10);
        after = await report();
      }
      // Rust answers at once; the page aborts before the answer arrives, and disposes the object.
      const crossing = new AbortController();
      const crossed = settle(DotNet.invokeMethodWithSignalAsync(crossing.signal, 'BlazorSample', 'CreateHelloHelper', 'Rose Tyler'));
      crossing.abort();
      const crossedName = await crossed;
      await pause(50);
      const next = await DotNet.invokeMethodAsync('BlazorSample', 'CreateHelloHelper', 'Rose Tyler');
      const orphan = new DotNet.DotNetObject(next._id - 1, next._callDispatcher);
      const orphanText = await orphan.invokeMethodAsync('GetHelloMessage').then((text) => text, (error) => error.message);
      next.dispose();
      return {
        already, first, signalled: after.signalled - before.signalled,
        dropped: after.dropped - before.dropped, crossedName, orphanText,
      };
    });
    // In the page a sync method's answer arrives inside the call, before abort() can run:
    // nothing crosses, and the page holds the live object.
    assert.deepEqual({ ...outcome, orphanText: undefined }, {
      already: 'AbortError', first: 'AbortError', signalled: 1, dropped: 1, crossedName: inPage ? 'resolved' : 'AbortError', orphanText: undefined,
    });
    if (inPage) assert.equal(outcome.orphanText, 'Hello, Rose Tyler!');
    else assert.match(outcome.orphanText, /^There is no tracked object with id '\d+'\. Perhaps the DotNetObjectReference instance was already disposed\./);
  });

  await check(`a reload ${inPage ? 'starts the module afresh' : 'opens a new connection'} with its own objects`, async () => {
    const before = await page.evaluate(async () => (await DotNet.invokeMethodAsync('BlazorSample', 'CreateHelloHelper', 'a'))._id);
    await page.reload();
    await page.locator('#status', { hasText: ready }).waitFor();
    const after = await page.evaluate(async () => (await DotNet.invokeMethodAsync('BlazorSample', 'CreateHelloHelper', 'b'))._id);
    assert.ok(before > 1, `ids grew on the first connection (${before})`);
    assert.ok(after < before, `a new connection numbers its objects afresh (${after} after ${before})`);
  });
  if (process.env.SERVER_PID && inPage) {
    await check('when the server goes away, the page keeps calling Rust', async () => {
      process.kill(Number(process.env.SERVER_PID));
      const outcome = await page.evaluate(async () => [
        DotNet.invokeMethod('BlazorSample', 'DifferentMethodName'),
        await DotNet.invokeMethodAsync('BlazorSample', 'TriggerDotNetInstanceMethod', 'Rory Williams'),
      ]);
      assert.deepEqual(outcome, [[1, 2, 3], 'Hello, Rory Williams!']);
    });
  } else if (process.env.SERVER_PID) {
    await check('when the server goes away, pending and later calls reject clearly', async () => {
      await page.evaluate(async () => {
        window.staleHelper = await DotNet.invokeMethodAsync('BlazorSample', 'CreateHelloHelper', 'c');
        window.neverAnswered = new Promise(() => {});
        window.sayHelloForever = () => window.neverAnswered;
      });
      const pending = page.evaluate(() => DotNet.invokeMethodAsync('BlazorSample', 'CallPageFunction', 'sayHelloForever').then(() => 'resolved', (error) => error.message));
      process.kill(Number(process.env.SERVER_PID));
      assert.equal(await pending.catch((error) => String(error)), 'The connection to the server was closed.');
      const later = await page.evaluate(async () => {
        const attempt = async (promise) => { try { await promise; return 'resolved'; } catch (error) { return error.message; } };
        return [
          await attempt(DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync')),
          await attempt(window.staleHelper.invokeMethodAsync('GetHelloMessage')),
        ];
      });
      assert.deepEqual(later, ['The connection to the server was closed.', 'The connection to the server was closed.']);
    });
  }

  if (inPage) {
    await check('no WebSocket was opened', async () => {
      assert.deepEqual(sockets, []);
    });
  } else {
    assert.ok(sockets.length >= 1, 'the page talks to Rust over a WebSocket');
  }

  const unexpected = consoleErrors.filter((text) => !/circular/i.test(text));
  assert.deepEqual(unexpected, [], 'no console errors');
  console.log(`${passed} passed, 0 failed`);
} catch (error) {
  // What the page reported helps explain the failure.
  if (consoleErrors.length) console.log(`# console errors of the page:\n${consoleErrors.join('\n')}`);
  throw error;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
