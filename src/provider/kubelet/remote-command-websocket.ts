// Exec and attach over the WebSocket channel protocols, for clients that reach the kubelet port
// with WebSockets (an apiserver that proxies them through, or a direct client). Each binary message
// starts with its channel: 0 stdin, 1 stdout, 2 stderr, 3 error (the outcome Status), 4 resize.
// v5.channel.k8s.io adds channel 255, "close": [255, 0] closes stdin, which v4 cannot say.
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  outcomeStatus,
  parseTerminalSizes,
  runCommand,
  type ContainerCommands,
  type RemoteCommandIO,
  type RemoteCommandRequest,
} from './remote-command.js';
import { rawHttpError } from './remote-command-spdy.js';

export const WEBSOCKET_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
export const enum Channel {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
  Error = 3,
  Resize = 4,
  Close = 255,
}

export function wantsWebSocket(req: IncomingMessage): boolean {
  return /^websocket$/i.test(req.headers.upgrade ?? '');
}

const sockets = new WebSocketServer({
  noServer: true,
  handleProtocols: (offered) => WEBSOCKET_PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

/** Writes to a channel; once the socket is closing, output has nowhere to go and is dropped. */
function channelWriter(ws: WebSocket, channel: Channel): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (ws.readyState !== ws.OPEN) return callback();
      ws.send(Buffer.concat([Buffer.from([channel]), chunk]), () => callback());
    },
  });
}

/** Ends a writer and resolves once what was written to it has been handed to the socket. */
const finished = (stream: Writable | undefined) =>
  new Promise<void>((resolve) => (stream ? stream.end(() => resolve()) : resolve()));

function ioOf(ws: WebSocket, request: RemoteCommandRequest, signal: AbortSignal): RemoteCommandIO {
  const io: RemoteCommandIO = { signal };
  const stdin = request.stdin ? new PassThrough() : undefined;
  const resize = request.tty ? new PassThrough({ objectMode: true }) : undefined;
  ws.on('message', (message: Buffer) => {
    const channel = message[0];
    const data = message.subarray(1);
    if (channel === Channel.Stdin) {
      if (stdin && !stdin.writableEnded) stdin.write(data);
    } else if (channel === Channel.Resize)
      for (const size of parseTerminalSizes(data.toString())) resize?.write(size);
    else if (channel === Channel.Close && data[0] === Channel.Stdin) stdin?.end();
  });
  ws.once('close', () => {
    stdin?.end();
    resize?.end();
  });
  if (stdin) io.stdin = stdin;
  if (resize) io.resize = resize;
  if (request.stdout) io.stdout = channelWriter(ws, Channel.Stdout);
  if (request.stderr) io.stderr = channelWriter(ws, Channel.Stderr);
  return io;
}

export function serveWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  request: RemoteCommandRequest,
  commands: ContainerCommands,
  stopping: AbortSignal,
): void {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  if (!WEBSOCKET_PROTOCOLS.some((p) => offered.includes(p))) {
    rawHttpError(
      socket,
      400,
      'Bad Request',
      `unsupported WebSocket protocol: client offers [${offered.join(', ')}], this kubelet speaks ${WEBSOCKET_PROTOCOLS.join(', ')}`,
    );
    return;
  }
  sockets.handleUpgrade(req, socket, head, (ws) => {
    const gone = new AbortController();
    ws.once('close', () => gone.abort());
    ws.on('error', () => ws.terminate());
    let io: RemoteCommandIO | undefined;
    void runCommand(
      commands,
      request,
      (signal) => (io = ioOf(ws, request, signal)),
      gone.signal,
      stopping,
    ).then(async (outcome) => {
      // All output before the status: the client stops reading at the status.
      await Promise.all([finished(io?.stdout), finished(io?.stderr)]);
      if (ws.readyState !== ws.OPEN) return;
      const status = JSON.stringify(outcomeStatus(request, outcome));
      ws.send(Buffer.concat([Buffer.from([Channel.Error]), Buffer.from(status)]), () => ws.close(1000));
    });
  });
}
