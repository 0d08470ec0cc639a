// @ts-check
// The page's wiring: what the seed's Razor components render, in plain JavaScript. The seed's
// own functions (seed.js) are used as written; alerts are shown in the page. Type-checked with
// `tsc --strict` against the declarations of `seed-tour --emit-dts` (examples/tests/typescript.rs):
// the JSDoc casts below say which elements index.html holds.

// window.DotNet, ready to call Rust: the server's /interop.js for its mode (over a WebSocket, or
// Rust in the page, whose module has started when this import completes).
import '/interop.js';

const alerts = /** @type {HTMLElement} */ (document.getElementById('alerts'));
window.alert = (message) => {
  const item = document.createElement('li');
  item.textContent = String(message);
  alerts.append(item);
};

/** @param {string | number} id */
const section = (id) => /** @type {HTMLElement} */ (document.getElementById(`sample-${id}`));
/** @type {(id: string | number, selector: string) => HTMLElement} */
const within = (id, selector) => /** @type {HTMLElement} */ (section(id).querySelector(selector));
/** @param {string | number} id @param {string} text */
const show = (id, text) => { within(id, '[data-result]').textContent = text; };
/** @param {string | number} id */
const nameIn = (id) => /** @type {HTMLInputElement} */ (within(id, '[data-name]')).value;
/** @type {<I extends DotNet.StaticIdentifier<'BlazorSample'>>(identifier: I, ...args: DotNet.StaticArgs<'BlazorSample', I>) => Promise<DotNet.StaticResult<'BlazorSample', I>>} */
const call = (identifier, ...args) => DotNet.invokeMethodAsync('BlazorSample', identifier, ...args);
/** @param {string | number} id @param {Promise<unknown>} promise */
const report = (id, promise) => promise.then((value) => show(id, typeof value === 'string' ? value : JSON.stringify(value)), (error) => show(id, `error: ${error.message}`));

// Sample 1 logs to the console, as the seed does; the page shows the console line too.
const log = console.log.bind(console);
console.log = (/** @type {unknown[]} */ ...values) => {
  log(...values);
  if (values.length === 1 && Array.isArray(values[0])) show(1, JSON.stringify(values[0]));
};

const actions = {
  async differentMethodName() {
    const value = await call('DifferentMethodName');
    let sync;
    try { sync = JSON.stringify(DotNet.invokeMethod('BlazorSample', 'DifferentMethodName')); } catch (error) { sync = /** @type {Error} */ (error).message; }
    show(2, `${JSON.stringify(value)} (invokeMethod: ${sync})`);
  },
  sayHello1: () => report(3, call('TriggerDotNetInstanceMethod', nameIn(3))),
  sayHello2: () => report(4, call('TriggerSayHello2', nameIn(4))),
  async invokeInterop() {
    // The seed's syncInterop is OperatingSystem.IsBrowser(): synchronous calls too when Rust
    // runs in the page; a network connection cannot serve them.
    const values = await call('InvokeInterop', Boolean(/** @type {any} */ (window).rustInPage));
    within(6, '[data-value="genericType1"]').textContent = values.genericType1;
    within(6, '[data-value="genericType2"]').textContent = String(values.genericType2);
  },
  jsFunction: () => report(8, call('TriggerJsFunction')),
  isolation: () => report(12, call('UseIsolatedModule', './scripts/isolation.js', nameIn(3))),
  async circular() {
    /** @type {{ name: string, self?: object }} */
    const value = { name: 'loop' };
    value.self = value;
    // @ts-expect-error sample 13 sends a circular object where bytes are expected, on purpose
    await report(13, call('ReceiveByteArray', value));
  },
  // @ts-expect-error sample 14 sends 2 MiB of text where bytes are expected, on purpose
  // Over a WebSocket the message is over the server's limit; in the page there is no message
  // limit, and the text (base64, as .NET reads a byte[] from JSON) arrives: its length is shown.
  oversized: () => report(14, call('ReceiveByteArray', 'x'.repeat(2 * 1024 * 1024)).then((text) => `received ${text.length} characters`)),
  streamToFile: () => showStream(11, 'file.txt', call('StreamToFile', false)),
  streamWithDefaultLimit: () => showStream(11, 'file.txt', call('StreamToFile', true)),
  async download() {
    const length = Number(/** @type {HTMLInputElement} */ (within('11-download', '[data-length]')).value);
    show('11-download', 'downloading…');
    try {
      const data = await call('DownloadStream', length);
      const buffer = await data.arrayBuffer();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
      const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
      show('11-download', `${buffer.byteLength} bytes, sha256 ${hex}`);
    } catch (error) {
      show('11-download', `error: ${/** @type {Error} */ (error).message}`);
    }
  },
};

// Sample 11: what Rust reports of a stream, {bytes, sha256} or {error}.
/** @param {string | number} id @param {string} name @param {Promise<DotNet.StreamOutcome>} promise */
async function showStream(id, name, promise) {
  show(id, 'streaming…');
  let text;
  try {
    const outcome = await promise;
    text = 'error' in outcome ? `error: ${outcome.error}` : `${name}: ${outcome.bytes} bytes, sha256 ${outcome.sha256}`;
  } catch (error) {
    text = `error: ${/** @type {Error} */ (error).message}`;
  }
  show(id, text);
  return !text.startsWith('error: ');
}

// The file picker: the chosen file is streamed to Rust, which drives the progress bar through
// reportUploadProgress while it reads. One upload at a time (the picker is disabled meanwhile),
// so every report belongs to the current one. data-state: idle, reading, done or failed.
const upload = section('11-upload');
const picker = /** @type {HTMLInputElement} */ (upload.querySelector('[data-file]'));
const progress = /** @type {HTMLProgressElement} */ (upload.querySelector('[data-progress]'));
const count = /** @type {HTMLElement} */ (upload.querySelector('[data-count]'));
/** @param {number} read @param {number} total */
const drawProgress = (read, total) => {
  progress.max = Math.max(total, 1);
  progress.value = read;
  count.textContent = `${read} / ${total} bytes`;
};
// What Rust calls while it reads.
/** @type {any} */ (window).reportUploadProgress = drawProgress;
picker.addEventListener('change', async () => {
  const file = /** @type {FileList} */ (picker.files)[0];
  if (!file) return;
  picker.disabled = true;
  upload.dataset.state = 'reading';
  drawProgress(0, file.size);
  let ok = false;
  try {
    ok = await showStream('11-upload', file.name, call('UploadFile', DotNet.createJSStreamReference(file)));
  } catch (error) {
    show('11-upload', `error: ${/** @type {Error} */ (error).message}`);
  }
  upload.dataset.state = ok ? 'done' : 'failed';
  picker.value = '';
  picker.disabled = false;
});

for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-action]'))) {
  button.addEventListener('click', () => actions[/** @type {keyof typeof actions} */ (button.dataset.action)]());
}

// Sample 9: four list items, each with its own helper.
const list = /** @type {HTMLElement} */ (document.getElementById('list-items'));
/** @param {DotNet.ListItemState[]} states */
const renderList = (states) => {
  list.replaceChildren(...states.map((state, index) => {
    const item = document.createElement('li');
    const text = document.createElement('span');
    text.textContent = `${state.message} `;
    item.append(text);
    if (state.buttonVisible) {
      const button = document.createElement('button');
      button.textContent = 'InteropCall';
      button.addEventListener('click', async () => renderList(await call('ClickListItem', index)));
      item.append(button);
    } else {
      item.className = 'done';
    }
    return item;
  }));
};
renderList(Array.from({ length: 4 }, () => ({ message: 'Select one of these list items.', buttonVisible: true })));

// Sample 5: the component hands itself to GreetingHelpers after its first render.
const greetingName = /** @type {HTMLInputElement} */ (document.getElementById('greeting-name'));
await call('SetUpGreetingHelpers');
await call('SetGreetingName', greetingName.value);
greetingName.addEventListener('input', () => call('SetGreetingName', greetingName.value));

/** @type {HTMLElement} */ (document.getElementById('status')).textContent =
  /** @type {any} */ (window).rustInPage ? 'running in the page' : 'connected';
