// The host side of streams (host-streams.js), as both hosts install it: chunking of every data
// shape, and the pull-based stream of a Rust stream with two reads asked for at a time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostStreamFunctions } from "../host-streams.js";

const bytes = Uint8Array.from({ length: 10 }, (_, i) => i);

test("readStreamChunks cuts every data shape into chunks of the asked size, copies included", async () => {
  const { readStreamChunks } = hostStreamFunctions({}, {});
  const view = new Uint8Array(bytes.buffer, 2, 6); // bytes 2..8
  for (const [data, offset, expected] of [
    [bytes, 1, [[1, 2, 3, 4], [5, 6, 7, 8], [9]]],
    [view, 0, [[2, 3, 4, 5], [6, 7]]],
    [new Blob([bytes]), 1, [[1, 2, 3, 4], [5, 6, 7, 8], [9]]],
  ]) {
    const count = expected.flat().length;
    const chunks = await readStreamChunks(data, offset, count, 4);
    assert.deepEqual(chunks.map((chunk) => [...chunk]), expected);
    for (const chunk of chunks) assert.ok(chunk instanceof Uint8Array);
  }
  // The chunks are copies: changing the source afterwards changes nothing.
  const source = Uint8Array.from([1, 2, 3]);
  const [copy] = await readStreamChunks(source, 0, 3, 3);
  source[0] = 9;
  assert.deepEqual([...copy], [1, 2, 3]);
});

test("supplyDotNetStream reads numbered batches two ahead, ends at null and cancels", async () => {
  const calls = [];
  const batches = [[Uint8Array.of(1, 2), Uint8Array.of(3)], [Uint8Array.of(4)], null];
  const DotNet = {
    invokeMethodAsync(assembly, identifier, id, ...args) {
      calls.push([assembly, identifier, id, ...args]);
      if (identifier === "ReadDotNetStream") {
        const [seq] = args;
        return seq < batches.length ? Promise.resolve(batches[seq]) : Promise.reject(new Error("after the end"));
      }
      return Promise.resolve(null);
    },
  };
  const supplied = [];
  const dispatcher = { supplyDotNetStream: (id, stream) => supplied.push([id, stream]) };
  const { supplyDotNetStream } = hostStreamFunctions(DotNet, dispatcher);

  supplyDotNetStream(7);
  assert.equal(supplied.length, 1);
  const [id, stream] = supplied[0];
  assert.equal(id, 7);
  assert.deepEqual(calls, [], "nothing is read before the page reads");
  const read = [];
  for await (const chunk of stream) read.push(...chunk);
  assert.deepEqual(read, [1, 2, 3, 4]);
  assert.deepEqual(
    calls.map(([assembly, identifier, streamId, seq]) => [assembly, identifier, streamId, seq]),
    [0, 1, 2, 3].map((seq) => ["jsinvokable", "ReadDotNetStream", 7, seq]),
  );

  calls.length = 0;
  supplyDotNetStream(8);
  const [, second] = supplied[1];
  await second.cancel("done");
  assert.deepEqual(calls, [["jsinvokable", "CancelDotNetStream", 8]]);
});
