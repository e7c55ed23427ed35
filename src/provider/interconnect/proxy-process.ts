// The proxy as a process: it runs until it is told to stop, in one of two ways.
// - `vkctl proxy stop` (the pod's app containers are done) ends it at once: it closes its listeners
//   and exits 0.
// - SIGTERM (the pod is being deleted) reaches every container at the same time, and the app's own
//   shutdown may still talk to cluster Services: the proxy keeps serving for the shutdown delay
//   first (a native sidecar would have been stopped after the app; on 1.19 this short delay is the
//   nearest thing). A second SIGTERM, or SIGINT, ends it at once.
import type { Logger } from '../logger.js';
import { runProxy, type ProxyOptions } from './proxy.js';

export async function runProxyUntilStopped(
  options: Omit<ProxyOptions, 'control'> & { controlSocket: string },
  shutdownDelayMs: number,
  log: Logger,
): Promise<'stopped' | 'stopped-while-starting'> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGTERM', () => {
    log.info('asked to stop: serving a little longer for the app’s own shutdown', {
      seconds: shutdownDelayMs / 1000,
    });
    setTimeout(stop, shutdownDelayMs).unref();
    process.once('SIGTERM', stop);
  });
  process.once('SIGINT', stop);
  const starting = runProxy({ ...options, control: { socket: options.controlSocket, onStopRequest: stop } });
  const proxy = await Promise.race([starting, stopped.then(() => undefined)]);
  // Asked to stop before the Services were listed (the apiserver may be out of reach): nothing is
  // being served that needs an orderly close, but the start still pending holds the process open.
  if (!proxy) return 'stopped-while-starting';
  await stopped;
  await proxy.stop();
  return 'stopped';
}
