// Exec and attach over SPDY/3.1, the way the apiserver calls kubelets (it translates kubectl's
// WebSockets into this): upgrade, agree on v4.channel.k8s.io, wait for the client's streams, run
// the command, then write the outcome as a Status on the error stream and close.
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable } from 'node:stream';
import type { Duplex } from 'node:stream';
import {
  outcomeStatus,
  parseTerminalSizes,
  runCommand,
  type ContainerCommands,
  type RemoteCommandIO,
  type RemoteCommandRequest,
} from './remote-command.js';
import { SpdySession, type SpdyStream } from './spdy.js';

export const SPDY_PROTOCOL = 'v4.channel.k8s.io';
/** How long the client has to open its streams after the upgrade (the kubelet's default). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

export function wantsSpdy(req: IncomingMessage): boolean {
  return /^spdy\/3\.1$/i.test(req.headers.upgrade ?? '');
}

export function rawHttpError(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/** The streams a client opens for `request` (the kubelet's count for v3 and later). */
function expectedStreamTypes(request: RemoteCommandRequest): string[] {
  return [
    'error',
    ...(request.stdin ? ['stdin'] : []),
    ...(request.stdout ? ['stdout'] : []),
    ...(request.stderr ? ['stderr'] : []),
    ...(request.tty ? ['resize'] : []),
  ];
}

function waitForStreams(
  session: SpdySession,
  expected: string[],
): Promise<Map<string, SpdyStream> | undefined> {
  return new Promise((resolve) => {
    const streams = new Map<string, SpdyStream>();
    const timer = setTimeout(() => done(undefined), STREAM_CREATION_TIMEOUT_MS);
    const done = (result: Map<string, SpdyStream> | undefined) => {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
      resolve(result);
    };
    const onStream = (stream: SpdyStream) => {
      if (stream.type) streams.set(stream.type, stream);
      if (expected.every((type) => streams.has(type))) done(streams);
    };
    const onClose = () => done(undefined);
    session.on('stream', onStream);
    session.on('close', onClose);
  });
}

/** Writes to a stream, as fast as the connection to the apiserver takes it. */
function writerTo(stream: SpdyStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (stream.write(chunk)) callback();
      else stream.once('drain', () => callback());
    },
  });
}

const finished = (writer: Writable | undefined) =>
  new Promise<void>((resolve) => (writer ? writer.end(() => resolve()) : resolve()));

/** The caller's streams as the command's IO. */
function ioOf(streams: Map<string, SpdyStream>, signal: AbortSignal): RemoteCommandIO {
  const io: RemoteCommandIO = { signal };
  const stdin = streams.get('stdin');
  if (stdin) io.stdin = stdin.incoming;
  const stdout = streams.get('stdout');
  if (stdout) io.stdout = writerTo(stdout);
  const stderr = streams.get('stderr');
  if (stderr) io.stderr = writerTo(stderr);
  const resize = streams.get('resize');
  if (resize) {
    const sizes = new PassThrough({ objectMode: true });
    let pending = '';
    resize.incoming.on('data', (data: Buffer) => {
      pending += data.toString('utf8');
      const end = pending.lastIndexOf('\n');
      if (end < 0) return;
      for (const size of parseTerminalSizes(pending.slice(0, end))) sizes.write(size);
      pending = pending.slice(end + 1);
    });
    resize.incoming.once('end', () => sizes.end());
    io.resize = sizes;
  }
  return io;
}

export async function serveSpdy(
  req: IncomingMessage,
  socket: Duplex,
  request: RemoteCommandRequest,
  commands: ContainerCommands,
  stopping: AbortSignal,
): Promise<void> {
  const offered = String(req.headers['x-stream-protocol-version'] ?? '')
    .split(',')
    .map((p) => p.trim());
  if (!offered.includes(SPDY_PROTOCOL)) {
    rawHttpError(
      socket,
      403,
      'Forbidden',
      `unsupported stream protocol: client offers [${offered.join(', ')}], this kubelet speaks ${SPDY_PROTOCOL}`,
    );
    return;
  }
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${SPDY_PROTOCOL}\r\n\r\n`,
  );
  const session = new SpdySession(socket);
  session.on('error', () => socket.destroy());
  const gone = new AbortController();
  session.once('close', () => gone.abort());
  const streams = await waitForStreams(session, expectedStreamTypes(request));
  if (!streams) {
    session.close();
    return;
  }
  let io: RemoteCommandIO | undefined;
  const outcome = await runCommand(
    commands,
    request,
    (signal) => (io = ioOf(streams, signal)),
    gone.signal,
    stopping,
  );
  await Promise.all([finished(io?.stdout), finished(io?.stderr)]);
  streams.get('stdout')?.end();
  streams.get('stderr')?.end();
  streams.get('error')?.end(JSON.stringify(outcomeStatus(request, outcome)));
  session.close();
}
