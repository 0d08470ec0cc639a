// The host side of streams (docs/protocol.md, "Streams"), shared by the embedded QuickJS host
// and the WebSocket host's connect.js. It uses only what every client has — DotNet.invokeMethodAsync
// and the dispatcher's supplyDotNetStream — so it serves ours and Microsoft's alike.

/**
 * The functions a host installs as `window.jsinvokable`.
 * @param {{ invokeMethodAsync: Function }} DotNet the loaded client's namespace
 * @param {{ supplyDotNetStream: Function }} dispatcher the dispatcher the host attached
 */
export function hostStreamFunctions(DotNet, dispatcher) {
  return {
    // Reads `count` bytes at `offset` of data offered with DotNet.createJSStreamReference (a
    // Blob, a File, or a typed array) as an array of Uint8Arrays of `chunkSize` bytes (the
    // last may be shorter): the chunk function of Rust's stream readers
    // (RuntimeOptions::stream_chunk_function).
    async readStreamChunks(data, offset, count, chunkSize) {
      const whole =
        data instanceof Blob
          ? new Uint8Array(await data.slice(offset, offset + count).arrayBuffer())
          : new Uint8Array(data.buffer, data.byteOffset + offset, count);
      const chunks = [];
      for (let at = 0; at < count; at += chunkSize) chunks.push(whole.subarray(at, Math.min(at + chunkSize, count)).slice());
      return chunks;
    },

    // Sets up a stream Rust sends ({"__dotNetStream": id}; RuntimeOptions::stream_supply_function):
    // a pull-based ReadableStream whose pulls call the runtime's built-in ReadDotNetStream (a
    // batch of chunks, null at the end), handed to the client. Nothing is read until the page
    // reads.
    supplyDotNetStream(id) {
      const call = (identifier, ...args) => DotNet.invokeMethodAsync('jsinvokable', identifier, id, ...args);
      // Two reads are kept asked for (reads are numbered, so Rust serves them in order): the
      // next batch is on its way while one is consumed. The read asked for after the end
      // fails, unseen.
      let reads = 0;
      let ended = false;
      const asked = [];
      const fill = () => {
        while (!ended && asked.length < 2) {
          const read = call('ReadDotNetStream', reads++);
          read.catch(() => {});
          asked.push(read);
        }
      };
      const stream = new ReadableStream(
        {
          async pull(controller) {
            fill();
            const chunks = await asked.shift();
            if (chunks === null) {
              ended = true;
              controller.close();
              return;
            }
            fill();
            for (const chunk of chunks) controller.enqueue(chunk);
          },
          cancel() {
            return call('CancelDotNetStream').then(() => {}, () => {});
          },
        },
        { highWaterMark: 0 },
      );
      dispatcher.supplyDotNetStream(id, stream);
    },
  };
}
