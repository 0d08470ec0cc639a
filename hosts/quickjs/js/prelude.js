// What a browser page has and QuickJS lacks, installed before any client loads.
// The two natives are taken out of the global scope right away.
(() => {
  const g = globalThis;
  const print = g.__jsinvokable_print;
  const alertNative = g.__jsinvokable_alert;
  const baseURI = g.__jsinvokable_base_uri;
  delete g.__jsinvokable_print;
  delete g.__jsinvokable_alert;
  delete g.__jsinvokable_base_uri;

  g.window = g;

  const format = (value) => {
    if (typeof value === 'string') return value;
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
    try {
      const json = JSON.stringify(value);
      return json === undefined ? String(value) : json;
    } catch {
      return String(value);
    }
  };
  const logger = (level) => (...values) => print(level, values.map(format).join(' '));
  g.console = {
    log: logger('log'),
    info: logger('info'),
    debug: logger('debug'),
    warn: logger('warn'),
    error: logger('error'),
  };

  g.alert = (message) => alertNative(message === undefined ? '' : String(message));

  g.document = { baseURI };

  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
  g.URL = class URL {
    constructor(url, base) {
      url = String(url);
      if (scheme.test(url)) {
        this.href = url;
        return;
      }
      if (base === undefined) throw new TypeError(`Invalid URL: ${url}`);
      const match = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*)(\/.*)?$/.exec(String(base));
      if (!match) throw new TypeError(`Invalid base URL: ${base}`);
      const origin = match[1];
      const basePath = match[2] || '/';
      const path = url.startsWith('/') ? url : basePath.slice(0, basePath.lastIndexOf('/') + 1) + url;
      const segments = [];
      for (const segment of path.split('/').slice(1)) {
        if (segment === '..') segments.pop();
        else if (segment !== '.') segments.push(segment);
      }
      this.href = `${origin}/${segments.join('/')}`;
    }
    toString() {
      return this.href;
    }
  };

  const bytesOf = (part) => {
    if (part instanceof Uint8Array) return part;
    if (part instanceof ArrayBuffer) return new Uint8Array(part);
    if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    if (part instanceof Blob) return part._bytes;
    const text = String(part);
    const bytes = [];
    for (const ch of unescape(encodeURIComponent(text))) bytes.push(ch.charCodeAt(0));
    return new Uint8Array(bytes);
  };
  g.Blob = class Blob {
    constructor(parts = [], options = {}) {
      const chunks = Array.from(parts, bytesOf);
      const size = chunks.reduce((total, chunk) => total + chunk.length, 0);
      this._bytes = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        this._bytes.set(chunk, offset);
        offset += chunk.length;
      }
      this.type = options.type ? String(options.type) : '';
    }
    get size() {
      return this._bytes.length;
    }
    slice(start = 0, end = this.size, type = '') {
      return new Blob([this._bytes.slice(start, end)], { type });
    }
    async arrayBuffer() {
      return this._bytes.slice().buffer;
    }
  };

  // Reads `count` bytes at `offset` of data offered with DotNet.createJSStreamReference: the
  // chunk function Rust's stream readers call (RuntimeOptions::stream_chunk_function).
  g.jsinvokable = Object.freeze({
    async readStreamChunk(data, offset, count) {
      if (data instanceof Blob) return new Uint8Array(await data.slice(offset, offset + count).arrayBuffer());
      return new Uint8Array(data.buffer, data.byteOffset + offset, count).slice();
    },
  });

  g.Response = class Response {
    constructor(body) {
      this._body = body;
    }
    async arrayBuffer() {
      const body = this._body;
      if (body === null || body === undefined) return new ArrayBuffer(0);
      if (body instanceof Blob) return body.arrayBuffer();
      if (typeof body.getReader !== 'function') return bytesOf(body).slice().buffer;
      const reader = body.getReader();
      const chunks = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(bytesOf(value));
      }
      return new Blob(chunks)._bytes.buffer;
    }
  };
})();
