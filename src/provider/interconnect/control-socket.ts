// How `vkctl proxy wait` and `vkctl proxy stop` reach the running proxy: a unix socket in the proxy
// container's own filesystem (the app containers of the pod share its network, so a TCP port on
// 127.0.0.1 would let any of them stop the proxy; its filesystem they cannot see). One line in, one
// line out: `status` answers `starting` (DNS is served, the Services are still being listed) or
// `ready`; `stop` answers `stopping` and the proxy then exits 0.
import { rmSync, statSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type ProxyState = 'starting' | 'ready';

/** The longest command line (`status`, `stop`) with room to spare. */
const MAX_COMMAND_BYTES = 64;
const CONTROL_IDLE_MS = 5000;

/** Under the container's temporary directory ($TMPDIR, /tmp): never shared with the app containers. */
export function defaultControlSocket(): string {
  return path.join(os.tmpdir(), 'vkctl-proxy.sock');
}

export interface ControlServer {
  close(): Promise<void>;
}

export interface ControlHandlers {
  state(): ProxyState;
  /** Asked to stop: the proxy shuts down and exits 0. */
  stop(): void;
}

/** Listens on `file`, replacing a socket left behind by a proxy that did not shut down. */
export async function serveControl(file: string, handlers: ControlHandlers): Promise<ControlServer> {
  if (statSync(file, { throwIfNoEntry: false })?.isSocket()) rmSync(file);
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    socket.setEncoding('utf8');
    // One short command per connection, within a few seconds: nothing a caller sends can grow or
    // hold the proxy's memory, or run a command twice.
    socket.setTimeout(CONTROL_IDLE_MS, () => socket.destroy());
    let line = '';
    socket.on('error', () => socket.destroy());
    const onData = (chunk: string) => {
      line += chunk;
      if (!line.includes('\n')) {
        if (line.length > MAX_COMMAND_BYTES) socket.end('command too long\n');
        return;
      }
      socket.off('data', onData);
      const command = line.slice(0, line.indexOf('\n')).trim();
      if (command === 'status') socket.end(`${handlers.state()}\n`);
      else if (command === 'stop') {
        socket.end('stopping\n');
        handlers.stop();
      } else socket.end(`unknown command ${JSON.stringify(command.slice(0, MAX_COMMAND_BYTES))}\n`);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => resolve());
  });
  chmodSync(file, 0o600);
  return {
    // A client that never finishes its line must not hold the proxy's shutdown; an answer being
    // written (`stopping`) still goes out first.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of connections) socket.destroySoon();
      }),
  };
}

/** Sends one command; the answer's line, or undefined when no proxy listens there. */
export function askProxy(
  file: string,
  command: 'status' | 'stop',
  timeoutMs = 5000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(file);
    const done = (value: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => done(answer.trim() || undefined));
    socket.on('error', () => done(undefined));
  });
}

export type WaitOutcome = { kind: 'ready' } | { kind: 'dnsOnly' } | { kind: 'absent' };

/**
 * Polls the proxy until it is ready or `timeoutMs` has passed. At the deadline, a proxy that serves
 * DNS but has not listed the Services yet counts as dnsOnly (the app may start: outside names
 * resolve, cluster names follow once listed), one that does not answer as absent.
 */
export async function waitForProxy(file: string, timeoutMs: number, pollMs = 100): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await askProxy(file, 'status', Math.max(100, Math.min(2000, deadline - Date.now())));
    if (state === 'ready') return { kind: 'ready' };
    if (Date.now() >= deadline) return state === 'starting' ? { kind: 'dnsOnly' } : { kind: 'absent' };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
