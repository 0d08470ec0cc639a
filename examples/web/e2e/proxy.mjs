// Pages spread over two instances of the web app behind nginx, for
// examples/tests/reverse_proxy.rs, which stops one instance meanwhile. Each page is a browser
// context of its own holding the cookie `page=N`, which nginx logs beside the instance that
// served the page's socket.
// Protocol on stdio:
// - opens pages 1 to 4; on each, makes an object (CreateHelloHelper) and starts two calls that
//   Rust answers only when the page lets it (CallPageFunction: Rust calls the page's `first` or
//   `second`, which return promises the page holds); prints `ready` once Rust is waiting on both;
// - on `release`: lets every page's `first` go and prints `held <JSON: each page's outcome>`;
// - on `stopped` (an instance has exited): lets every `second` go, then on each page makes a new
//   call and calls the object from before, opens pages 5 and 6, makes a call on each and prints
//   `pages <JSON: one entry per page>`.
// An outcome is the JSON of the value, or `rejected: <message>`.
// Usage: PLAYWRIGHT_CORE=… node proxy.mjs http://127.0.0.1:PORT
import { createInterface } from 'node:readline';

const base = process.argv[2];
if (!base) throw new Error('usage: node proxy.mjs <base url>');
const { chromium } = await import(process.env.PLAYWRIGHT_CORE ?? 'playwright-core');

const input = createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
const expectLine = async (word) => {
  const { value } = await lines.next();
  if (value !== word) throw new Error(`expected "${word}", got ${JSON.stringify(value)}`);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// A page of its own context (its own cookies), connected to the server through the proxy.
const openPage = async (number) => {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'page', value: String(number), url: base }]);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page ${number}: ${error}`));
  await page.goto(`${base}/`);
  await page.locator('#status', { hasText: 'connected' }).waitFor();
  return page;
};

// In the page: the outcome of a promise, as text.
const outcomes = () => {
  window.outcome = (promise) => promise.then((value) => JSON.stringify(value), (error) => `rejected: ${error.message}`);
};

try {
  const pages = await Promise.all([1, 2, 3, 4].map(openPage));
  await Promise.all(pages.map(async (page) => {
    await page.evaluate(outcomes);
    await page.evaluate(async () => {
      window.helper = await DotNet.invokeMethodAsync('BlazorSample', 'CreateHelloHelper', 'Rose Tyler');
      window.waited = 0;
      window.release = {};
      for (const name of ['first', 'second']) {
        const held = new Promise((resolve) => { window.release[name] = () => resolve(`${name} answered`); });
        window[name] = () => { window.waited += 1; return held; };
        window[`${name}Outcome`] = window.outcome(DotNet.invokeMethodAsync('BlazorSample', 'CallPageFunction', name));
      }
    });
    // Rust has called the page back: both calls are in flight in the server.
    await page.waitForFunction(() => window.waited === 2);
  }));
  console.log('ready');

  await expectLine('release');
  const held = await Promise.all(pages.map((page) => page.evaluate(() => {
    window.release.first();
    return window.firstOutcome;
  })));
  console.log(`held ${JSON.stringify(held)}`);

  await expectLine('stopped');
  input.close();
  const after = await Promise.all(pages.map((page) => page.evaluate(async () => {
    window.release.second();
    return {
      second: await window.secondOutcome,
      later: await window.outcome(DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync')),
      stale: await window.outcome(window.helper.invokeMethodAsync('GetHelloMessage')),
    };
  })));
  const opened = await Promise.all([5, 6].map(async (number) => {
    const page = await openPage(number);
    await page.evaluate(outcomes);
    return { later: await page.evaluate(() => window.outcome(DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync'))) };
  }));
  console.log(`pages ${JSON.stringify([...after, ...opened])}`);
} finally {
  await browser.close();
}
