// A container's log, copied from CCI's stream to the kubelet API's answer at the reader's pace: a
// chunk is read from CCI only once the answer has taken the one before (its 'drain' when its buffer
// was full), so a slow reader holds CCI's stream back instead of the log piling up in the runtime's
// memory. Not stream.pipeline: it destroys the answer when CCI's stream fails, where this ends it
// (the reader gets what was sent), and the answer here is an http.ServerResponse kept by the caller.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes every chunk of `log` to `out`, waiting for 'drain' when `out` is full; ends when `log`
 * does, fails, or `signal` aborts (the reader gone). Never throws; does not end `out`.
 */
export async function copyLog(
  log: AsyncIterable<Uint8Array>,
  out: Writable,
  signal: AbortSignal,
): Promise<void> {
  try {
    for await (const chunk of log) if (!out.write(chunk)) await once(out, 'drain', { signal });
  } catch {
    // the reader went away, or CCI ended the stream: either way the answer ends here
  }
}
