// A signal for one watch, aborted when the runtime stops or when that watch is over. fetch (undici)
// leaves its 'abort' listener on the signal it was given until the request is garbage-collected, so
// a long-lived signal handed to every relist gathers one listener per watch ever opened, and Node
// warns (MaxListenersExceededWarning) at the 11th. Each watch gets its own signal instead; the
// long-lived one holds one listener per open watch, removed when the watch ends.
export interface WatchSignal {
  signal: AbortSignal;
  /** The watch is over: aborts its signal (anything still open on it closes) and unlinks it. */
  release(): void;
}

export function watchSignal(stopping: AbortSignal): WatchSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (stopping.aborted) controller.abort();
  else stopping.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      stopping.removeEventListener('abort', abort);
      controller.abort();
    },
  };
}
