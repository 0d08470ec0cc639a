// A stand-in JS client for the conformance suite (tests/conformance.rs). It keeps the raw host
// object, so the test can call Rust with exact strings, and records every dispatcher call Rust
// makes on `globalThis` (interop-testkit/js/wire-recording.js).
import { recordingDispatcher } from '../../../interop-testkit/js/wire-recording.js';

const dispatcher = recordingDispatcher(globalThis);

export const DotNet = {
  attachDispatcher(host) {
    globalThis.rawHost = host;
    return dispatcher;
  },
};
