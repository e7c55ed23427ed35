// Exec and attach in CCI pods. CCI's API is Kubernetes' own, so a pod's exec and attach are its
// WebSocket subresources, signed with AK/SK like every CCI call, in the channel protocols
// (v5.channel.k8s.io preferred: only it can tell CCI that stdin is closed).
// Unverified against the real CCI: that it serves v5; with v4, stdin stays open until the command ends.
import WebSocket from 'ws';
import type { CciBackend } from '../cci-backend.js';
import { cciPodName } from '../translate.js';
import {
  type ContainerCommands,
  type RemoteCommandIO,
  type RemoteCommandOutcome,
  type RemoteCommandRequest,
  type TerminalSize,
} from './remote-command.js';
import { Channel, WEBSOCKET_PROTOCOLS } from './remote-command-websocket.js';

/** The exit code a Status from the error channel carries (the v4 protocols' encoding). */
export function outcomeOfStatus(text: string): RemoteCommandOutcome {
  if (!text) return { exitCode: 0 };
  let status: {
    status?: string;
    message?: string;
    reason?: string;
    details?: { causes?: { reason?: string; message?: string }[] };
  };
  try {
    status = JSON.parse(text) as typeof status;
  } catch {
    return { failure: text };
  }
  if (status.status === 'Success') return { exitCode: 0 };
  if (status.reason === 'NonZeroExitCode') {
    const code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
    if (Number.isInteger(code)) return { exitCode: code };
  }
  return { failure: status.message ?? text };
}

export class CciContainerCommands implements ContainerCommands {
  constructor(
    private readonly cci: CciBackend,
    private readonly cciNamespace: string,
  ) {}

  run(request: RemoteCommandRequest, io: RemoteCommandIO): Promise<RemoteCommandOutcome> {
    const flag = (on: boolean) => String(on);
    const { url, headers } = this.cci.podUpgradeRequest(
      this.cciNamespace,
      cciPodName(request.namespace, request.pod),
      request.kind,
      {
        container: request.container,
        ...(request.kind === 'exec' ? { command: request.command } : {}),
        stdin: flag(request.stdin),
        stdout: flag(request.stdout),
        stderr: flag(request.stderr),
        tty: flag(request.tty),
      },
    );
    return new Promise((resolve) => {
      const ws = new WebSocket(url, WEBSOCKET_PROTOCOLS, { headers, handshakeTimeout: 30_000 });
      let status = '';
      let settled = false;
      const settle = (outcome: RemoteCommandOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const send = (channel: Channel, data: Buffer) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
      };
      const onAbort = () => ws.terminate();
      io.signal.addEventListener('abort', onAbort, { once: true });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          const message = outcomeOfStatus(body);
          settle('failure' in message ? message : { failure: `CCI ${res.statusCode ?? 0}: ${body}` });
          ws.terminate();
        });
      });
      ws.on('open', () => {
        io.stdin?.on('data', (data: Buffer) => send(Channel.Stdin, data));
        io.stdin?.once('end', () => {
          if (ws.protocol === 'v5.channel.k8s.io') send(Channel.Close, Buffer.from([Channel.Stdin]));
        });
        io.resize?.on('data', (size: TerminalSize) =>
          send(Channel.Resize, Buffer.from(JSON.stringify({ Width: size.width, Height: size.height }))),
        );
      });
      ws.on('message', (message: Buffer) => {
        const data = message.subarray(1);
        const output =
          message[0] === Channel.Stdout ? io.stdout : message[0] === Channel.Stderr ? io.stderr : undefined;
        // The caller reads slower than CCI writes: stop reading from CCI until it catches up.
        if (output && !output.write(data)) {
          ws.pause();
          output.once('drain', () => ws.resume());
        } else if (message[0] === Channel.Error) status += data.toString('utf8');
      });
      ws.on('error', (error) => settle({ failure: `CCI exec failed: ${error.message}` }));
      ws.on('close', (code) => {
        io.signal.removeEventListener('abort', onAbort);
        if (io.signal.aborted) return settle({ failure: 'the caller went away' });
        // No status and no orderly close: the connection broke, which is no exit code 0.
        if (!status && code !== 1000)
          return settle({ failure: `CCI closed the ${request.kind} connection (code ${code})` });
        settle(outcomeOfStatus(status));
      });
    });
  }
}
