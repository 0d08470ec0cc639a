// The conformance suite's JS client with Microsoft's npm client in it (tests/conformance.rs
// writes this file next to an installed copy, with MICROSOFT_CLIENT and CLIENT_WIRE replaced by
// their paths). The wire client itself is interop-testkit/js/client-wire.js, shared with the
// wasm host's conformance; here its state is `globalThis` (one client per engine).
import { DotNet as Microsoft } from 'MICROSOFT_CLIENT';
import { clientWire } from 'CLIENT_WIRE';

export const DotNet = clientWire(Microsoft, globalThis);
