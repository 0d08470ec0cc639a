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

  // A minimal pull-based ReadableStream (QuickJS has none): a default reader, cancel, async
  // iteration. Only `pull` is called to fill it, once per read that finds the queue empty.
  if (typeof g.ReadableStream === 'undefined') {
    g.ReadableStream = class ReadableStream {
      constructor(source = {}) {
        this._source = source;
        this._queue = [];
        this._state = 'readable';
        this._error = undefined;
        this._reader = null;
        this._reading = Promise.resolve();
        const stream = this;
        this._controller = {
          enqueue(chunk) {
            if (stream._state === 'readable') stream._queue.push(chunk);
          },
          close() {
            if (stream._state === 'readable') stream._state = 'closed';
          },
          error(error) {
            if (stream._state !== 'readable') return;
            stream._state = 'errored';
            stream._error = error;
            stream._queue.length = 0;
          },
          get desiredSize() {
            return stream._state === 'readable' ? 0 : null;
          },
        };
        if (typeof source.start === 'function') source.start(this._controller);
      }
      get locked() {
        return this._reader !== null;
      }
      getReader() {
        if (this._reader) throw new TypeError('ReadableStream is locked to a reader');
        const stream = this;
        this._reader = {
          read: () => stream._read(),
          cancel: (reason) => stream.cancel(reason),
          releaseLock: () => {
            stream._reader = null;
          },
          get closed() {
            return stream._reading.then(() => undefined);
          },
        };
        return this._reader;
      }
      // Reads run one after another, as with a browser's default reader.
      _read() {
        const next = this._reading.then(() => this._readNow());
        this._reading = next.catch(() => {});
        return next;
      }
      async _readNow() {
        for (;;) {
          if (this._queue.length > 0) return { done: false, value: this._queue.shift() };
          if (this._state === 'closed') return { done: true, value: undefined };
          if (this._state === 'errored') throw this._error;
          if (typeof this._source.pull !== 'function') {
            throw new TypeError('This minimal ReadableStream needs a pull source');
          }
          try {
            await this._source.pull(this._controller);
          } catch (error) {
            this._controller.error(error);
          }
        }
      }
      async cancel(reason) {
        if (this._state !== 'readable') return;
        this._state = 'closed';
        this._queue.length = 0;
        if (typeof this._source.cancel === 'function') await this._source.cancel(reason);
      }
      async *[Symbol.asyncIterator]() {
        const reader = this.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          reader.releaseLock();
        }
      }
    };
  }

  // DOMException, Event, EventTarget, AbortController and AbortSignal, as a browser has them
  // (QuickJS has none), for `invokeMethodWithSignalAsync`: listeners (functions or objects
  // with `handleEvent`, each once, `once` honoured), `onabort`, `abort(reason)` with an
  // `AbortError` DOMException by default, `throwIfAborted`, `AbortSignal.abort` and
  // `AbortSignal.any`.
  if (typeof g.DOMException === 'undefined') {
    g.DOMException = class DOMException extends Error {
      constructor(message = '', name = 'Error') {
        super(String(message));
        Object.defineProperty(this, 'name', { value: String(name), configurable: true, writable: true });
      }
    };
  }
  if (typeof g.Event === 'undefined') {
    g.Event = class Event {
      constructor(type) {
        this.type = String(type);
        this.target = null;
        this.currentTarget = null;
      }
    };
  }
  if (typeof g.EventTarget === 'undefined') {
    const listenersOf = new WeakMap();
    g.EventTarget = class EventTarget {
      constructor() {
        listenersOf.set(this, []);
      }
      addEventListener(type, listener, options) {
        if (listener === null || listener === undefined) return;
        const list = listenersOf.get(this);
        const once = typeof options === 'object' && options !== null && Boolean(options.once);
        if (list.some((entry) => entry.type === type && entry.listener === listener)) return;
        list.push({ type: String(type), listener, once });
      }
      removeEventListener(type, listener) {
        const list = listenersOf.get(this);
        const index = list.findIndex((entry) => entry.type === type && entry.listener === listener);
        if (index >= 0) list.splice(index, 1);
      }
      dispatchEvent(event) {
        event.target = this;
        event.currentTarget = this;
        const list = listenersOf.get(this);
        for (const entry of list.filter((entry) => entry.type === event.type)) {
          if (!list.includes(entry)) continue;
          if (entry.once) this.removeEventListener(entry.type, entry.listener);
          try {
            if (typeof entry.listener === 'function') entry.listener.call(this, event);
            else entry.listener.handleEvent(event);
          } catch (error) {
            g.console.error(error);
          }
        }
        return true;
      }
    };
  }
  if (typeof g.AbortController === 'undefined') {
    const signalAbort = (signal, reason) => {
      if (signal._aborted) return;
      signal._aborted = true;
      signal._reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
      const event = new Event('abort');
      if (typeof signal.onabort === 'function') {
        try {
          signal.onabort.call(signal, event);
        } catch (error) {
          g.console.error(error);
        }
      }
      signal.dispatchEvent(event);
    };
    let constructing = false;
    g.AbortSignal = class AbortSignal extends EventTarget {
      constructor() {
        if (!constructing) throw new TypeError('Illegal constructor');
        super();
        this._aborted = false;
        this._reason = undefined;
        this.onabort = null;
      }
      get aborted() {
        return this._aborted;
      }
      get reason() {
        return this._reason;
      }
      throwIfAborted() {
        if (this._aborted) throw this._reason;
      }
      static abort(reason) {
        const signal = newSignal();
        signalAbort(signal, reason);
        return signal;
      }
      static any(signals) {
        const signal = newSignal();
        for (const source of signals) {
          if (source.aborted) {
            signalAbort(signal, source.reason);
            return signal;
          }
        }
        for (const source of signals) {
          source.addEventListener('abort', () => signalAbort(signal, source.reason), { once: true });
        }
        return signal;
      }
    };
    const newSignal = () => {
      constructing = true;
      try {
        return new AbortSignal();
      } finally {
        constructing = false;
      }
    };
    g.AbortController = class AbortController {
      constructor() {
        this._signal = newSignal();
      }
      get signal() {
        return this._signal;
      }
      abort(reason) {
        signalAbort(this._signal, reason);
      }
    };
  }

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
