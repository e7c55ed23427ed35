// CCI's exec and attach, as Kubernetes serves them: a WebSocket upgrade on the pod's subresource in
// the channel protocols (v5.channel.k8s.io or v4). Exec runs exec-shell.ts; attach follows the
// container's output (its log) and feeds each line of stdin into it as `stdin: <line>`.
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CciRuntime } from './cci-runtime.js';
import { runExec } from './exec-shell.js';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

const sockets = new WebSocketServer({
  noServer: true,
  handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

export interface ExecTarget {
  pod: V1Pod;
  container: string;
  env: Record<string, string>;
}

/** An error before the upgrade, as the apiserver answers it: a Status. */
export function rejectUpgrade(socket: Duplex, code: number, reason: string, message: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

function channel(ws: WebSocket, id: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      ws.send(Buffer.concat([Buffer.from([id]), chunk]), () => callback());
    },
  });
}

function exitStatus(code: number): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function serveCciRemoteCommand(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  kind: 'exec' | 'attach',
  target: ExecTarget,
  runtime: CciRuntime,
  readFile: (path: string) => Promise<string | undefined>,
): void {
  const query = new URL(req.url ?? '/', 'http://cci').searchParams;
  const flag = (name: string) => query.get(name) === 'true' || query.get(name) === '1';
  const tty = flag('tty');
  sockets.handleUpgrade(req, socket, head, (ws) => {
    const abort = new AbortController();
    const stdin = flag('stdin') ? new PassThrough() : undefined;
    let size: { width: number; height: number } | undefined;
    let sized: () => void = () => undefined;
    const firstSize = new Promise<void>((resolve) => (sized = resolve));
    ws.on('message', (message: Buffer) => {
      const data = message.subarray(1);
      if (message[0] === STDIN) {
        if (stdin && !stdin.writableEnded) stdin.write(data);
      } else if (message[0] === CLOSE && data[0] === STDIN) stdin?.end();
      else if (message[0] === RESIZE) {
        try {
          const parsed = JSON.parse(data.toString()) as { Width: number; Height: number };
          size = { width: parsed.Width, height: parsed.Height };
          sized();
        } catch {
          // a malformed size is ignored
        }
      }
    });
    ws.on('error', () => ws.terminate());
    ws.once('close', () => {
      abort.abort();
      stdin?.end();
    });
    const stdout = flag('stdout') ? channel(ws, STDOUT) : undefined;
    const stderr = flag('stderr') && !tty ? channel(ws, STDERR) : undefined;
    const finish = (code: number) =>
      ws.readyState === ws.OPEN &&
      ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(JSON.stringify(exitStatus(code)))]), () =>
        ws.close(1000),
      );
    if (kind === 'exec') {
      void runExec(query.getAll('command'), {
        env: target.env,
        readFile,
        stdin,
        stdout,
        stderr,
        // A terminal has a size from its start; the caller's first resize message says which.
        terminalSize: async () => {
          let timer: NodeJS.Timeout | undefined;
          if (tty)
            await Promise.race([firstSize, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
          clearTimeout(timer);
          return size;
        },
        signal: abort.signal,
      })
        .catch(() => 126)
        .then(finish);
      return;
    }
    const uid = target.pod.metadata?.uid ?? '';
    const stop = runtime.logs.follow(
      uid,
      target.container,
      (line) => stdout?.write(`${line.text}\n`),
      () => finish(0),
    );
    ws.once('close', stop);
    let pending = '';
    stdin?.on('data', (data: Buffer) => {
      pending += data.toString('utf8');
      const lines = pending.split(/\r?\n|\r/);
      pending = lines.pop() ?? '';
      for (const line of lines) runtime.logs.append(uid, target.container, `stdin: ${line}`);
    });
  });
}
