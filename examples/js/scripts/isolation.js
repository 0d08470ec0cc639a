// A JavaScript module for the isolation sample: nothing here becomes a global. Rust imports it
// through the built-in "import" identifier and calls its exports on the module reference.

export function greet(name) {
  return `Hello from a JS module, ${name}!`;
}

export function callRust(dotNetHelper) {
  return dotNetHelper.invokeMethodAsync('GetHelloMessage');
}
