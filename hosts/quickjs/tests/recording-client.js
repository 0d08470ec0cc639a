// One release of Microsoft's client (MICROSOFT_CLIENT, replaced with its path by
// tests/client_lines.rs), attached to the real host through a recorder. globalThis.wireOrder
// lists, in order, what the client sent that the matching of byte arrays depends on:
// ['bytes', index] for sendByteArray and ['end', handle] for endInvokeJSFromDotNet.
import { DotNet as Microsoft } from 'MICROSOFT_CLIENT';

globalThis.wireOrder = [];

export const DotNet = {
  ...Microsoft,
  attachDispatcher(host) {
    const order = globalThis.wireOrder;
    const recorded = Object.create(host);
    recorded.sendByteArray = (index, bytes) => {
      order.push(['bytes', index]);
      return host.sendByteArray(index, bytes);
    };
    recorded.endInvokeJSFromDotNet = (handle, succeeded, tripleJson) => {
      order.push(['end', handle]);
      return host.endInvokeJSFromDotNet(handle, succeeded, tripleJson);
    };
    return Microsoft.attachDispatcher(recorded);
  },
};
