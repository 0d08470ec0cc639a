// Imported first by every test file: the client registers `window` as JS object 0 when it
// loads, so `window` must exist before the module body runs (ES imports are hoisted, hence a
// separate module imported before the client).
if (typeof globalThis.window === "undefined") {
    globalThis.window = globalThis;
}
