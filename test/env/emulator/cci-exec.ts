// CCI's exec and attach, as a Kubernetes 1.19 apiserver serves them (CCI's API level,
// ../shared/reference/huawei-cloud-2.md §1): a WebSocket upgrade on the pod's subresource, handed on
// to 1.19's streaming server (kubernetes pkg/kubelet/cri/streaming/remotecommand/websocket.go over
// k8s.io/apiserver pkg/util/wsstream/conn.go), which speaks the channel protocols up to
// v4.channel.k8s.io. Exec runs exec-shell.ts; attach follows the container's output (its log) and
// feeds each line of stdin into it as `stdin: <line>`.
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { V1Pod, V1Status } from '@kubernetes/client-node';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CciRuntime } from './cci-runtime.js';
import { runExec } from './exec-shell.js';

/**
 * The subprotocols 1.19's streaming server registers, and how each reports the outcome on the error
 * channel (websocket.go at 1.19): v4 sends a metav1.Status as JSON, Success included, a non-zero exit
 * as reason NonZeroExitCode; the older protocol (and no subprotocol at all) sends only a failure's
 * message, as text. Not here:
 * - v5.channel.k8s.io, whose channel 255 closes stdin: it came with Kubernetes 1.29 (kubernetes#119157;
 *   feature gate TranslateStreamCloseWebsocketRequests, alpha in 1.29, on by default from 1.30, per
 *   kubernetes/website feature-gates/TranslateStreamCloseWebsocketRequests.md);
 * - v2/v3.channel.k8s.io: SPDY protocol names, never WebSocket ones;
 * - base64.channel.k8s.io and v4.base64.channel.k8s.io: 1.19 serves them, the emulator does not
 *   model them and refuses them (the stricter side; vkctl does not use them).
 */
const SERVED: Record<string, 'v1' | 'v4'> = { '': 'v1', 'channel.k8s.io': 'v1', 'v4.channel.k8s.io': 'v4' };
const KNOWN_TO_1_19 = [...Object.keys(SERVED), 'base64.channel.k8s.io', 'v4.base64.channel.k8s.io'];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;

const sockets = new WebSocketServer({
  noServer: true,
  // Only called once negotiate() has found the protocol; ws omits the header when none was offered.
  handleProtocols: (offered) => [...offered].find((p) => Object.hasOwn(SERVED, p)) ?? false,
});

/**
 * wsstream's handshake: the client's offers in the client's order, the first one the server knows
 * wins; no offer at all means "" (binary, v1 encoding). Undefined: nothing offered is known.
 */
function negotiate(req: IncomingMessage): string | undefined {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (offered.length === 0) return '';
  return offered.find((p) => KNOWN_TO_1_19.includes(p));
}

export interface ExecTarget {
  pod: V1Pod;
  container: string;
  env: Record<string, string>;
}

/** An error before the upgrade, as CCI answers any: a Status, with CCI's errorCode when it has one. */
export function rejectUpgrade(
  socket: Duplex,
  code: number,
  reason: string,
  message: string,
  errorCode?: string,
): void {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message,
    reason,
    code,
    ...(errorCode ? { errorCode } : {}),
  });
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

function exitStatus(code: number): V1Status {
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
  const protocol = negotiate(req);
  const encoding = protocol === undefined ? undefined : SERVED[protocol];
  if (protocol === undefined) {
    // golang.org/x/net/websocket, under wsstream: a failed Handshake is a bare 403, no body.
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    return;
  }
  if (!encoding) {
    socket.end(`HTTP/1.1 403 Forbidden\r\n\r\nthe emulator does not model ${protocol}`);
    return;
  }
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
      // No way to close stdin short of closing the connection: wsstream drops frames for channels
      // past its five (a v5 client's [255, 0] included) and an empty stdin frame writes nothing.
      if (message[0] === STDIN) {
        if (stdin && !stdin.writableEnded) stdin.write(data);
      } else if (message[0] === RESIZE) {
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
    // websocket.go: "Send an empty message to the lowest writable channel to notify the client the
    // connection is established" (stdout, else stderr, else the error channel).
    ws.send(Buffer.from([stdout ? STDOUT : stderr ? STDERR : ERROR]));
    const finish = (code: number) => {
      if (ws.readyState !== ws.OPEN) return;
      const status = exitStatus(code);
      // v4: the Status as JSON. Older: nothing for success, a failure's message as text.
      let text = JSON.stringify(status);
      if (encoding === 'v1') text = status.status === 'Success' ? '' : (status.message ?? '');
      if (!text) return ws.close(1000);
      ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(text)]), () => ws.close(1000));
    };
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
        proxy: runtime.proxyControl(target.pod.metadata?.uid ?? '', target.container),
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
