// Exec and attach in CCI pods. CCI's API is Kubernetes' own, so a pod's exec and attach are its
// WebSocket subresources, signed with AK/SK like every CCI call, in the channel protocols.
//
// Only v4.channel.k8s.io is offered. CCI's API is at Kubernetes 1.19
// (../shared/reference/huawei-cloud-2.md §1), whose streaming server knows channel.k8s.io and
// v4.channel.k8s.io (and their base64 forms); v5.channel.k8s.io came with 1.29. v4 is the oldest
// that reports exit codes, and a server that cannot speak it refuses the handshake (a clear error)
// instead of settling on a protocol without them. Offering v5 as well would change nothing on CCI
// (the client's order decides, and 1.19 skips what it does not know) and would add a path no CCI
// 1.0 can take.
//
// What v4 cannot say: that stdin is closed (kubernetes#89899). When the caller closes stdin, CCI is
// not told; the command keeps an open stdin, and the session ends when the command ends (or when
// the caller goes away). `kubectl exec -i … -- sh` with `exit` in its input ends; `… -- cat` does
// not end by itself.
import { cciErrorLine } from '../../cloud/cci-error-codes.js';
import type { Writable } from 'node:stream';
import WebSocket from 'ws';
import type { CciBackend } from '../cci-backend.js';
import type { Logger } from '../logger.js';
import { cciPodName } from '../translate.js';
import {
  type ContainerCommands,
  type RemoteCommandIO,
  type RemoteCommandOutcome,
  type RemoteCommandRequest,
  type TerminalSize,
} from './remote-command.js';
import { Channel } from './remote-command-websocket.js';

const CCI_WEBSOCKET_PROTOCOL = 'v4.channel.k8s.io';

interface Status {
  status?: string;
  message?: string;
  reason?: string;
  errorCode?: string;
  details?: { name?: string; causes?: { reason?: string; message?: string }[] };
}

function parseStatus(text: string): Status | undefined {
  try {
    return JSON.parse(text) as Status;
  } catch {
    return undefined;
  }
}

/** The exit code a Status from the error channel carries (the v4 protocols' encoding). */
export function outcomeOfStatus(text: string): RemoteCommandOutcome {
  if (!text) return { exitCode: 0 };
  const status = parseStatus(text);
  if (!status) return { failure: text };
  if (status.status === 'Success') return { exitCode: 0 };
  if (status.reason === 'NonZeroExitCode') {
    const code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
    if (Number.isInteger(code)) return { exitCode: code };
  }
  return { failure: status.message ?? text };
}

/**
 * Why CCI refused the upgrade, as the caller should read it. Attach is not in CCI's documented API:
 * a 404 that is Kubernetes' own (no CCI errorCode, no object named) says CCI does not serve it.
 */
export function refusal(kind: RemoteCommandRequest['kind'], httpStatus: number, body: string): string {
  const status = parseStatus(body);
  const said = status?.message ?? body.trim();
  if (kind === 'attach' && httpStatus === 404 && !status?.errorCode && !status?.details?.name)
    return (
      `CCI does not serve attach (it answered 404${said ? `: ${said}` : ''}); ` +
      'kubectl logs -f follows a container’s output, kubectl exec runs a command in it'
    );
  if (status?.message)
    return status.errorCode
      ? (cciErrorLine(status.errorCode, status.message) ?? `${status.message} (CCI ${status.errorCode})`)
      : status.message;
  return `CCI refused the ${kind} WebSocket with HTTP ${httpStatus}${said ? `: ${said}` : ''}`;
}

export class CciContainerCommands implements ContainerCommands {
  constructor(
    private readonly cci: CciBackend,
    private readonly cciNamespace: string,
    private readonly log?: Logger,
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
    const pod = `${request.namespace}/${request.pod}`;
    return new Promise((resolve) => {
      const ws = new WebSocket(url, [CCI_WEBSOCKET_PROTOCOL], { headers, handshakeTimeout: 30_000 });
      let status = '';
      let settled = false;
      const behind = new Set<Writable>();
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
          settle({ failure: refusal(request.kind, res.statusCode ?? 0, body) });
          ws.terminate();
        });
      });
      ws.on('open', () => {
        this.log?.debug(`CCI ${request.kind} connected`, { pod, protocol: ws.protocol });
        io.stdin?.on('data', (data: Buffer) => send(Channel.Stdin, data));
        io.stdin?.once('end', () =>
          this.log?.debug('the caller closed stdin; v4 cannot tell CCI, the command keeps reading', {
            pod,
            kind: request.kind,
          }),
        );
        io.resize?.on('data', (size: TerminalSize) =>
          send(Channel.Resize, Buffer.from(JSON.stringify({ Width: size.width, Height: size.height }))),
        );
      });
      ws.on('message', (message: Buffer) => {
        const data = message.subarray(1);
        const output =
          message[0] === Channel.Stdout ? io.stdout : message[0] === Channel.Stderr ? io.stderr : undefined;
        // 1.19 opens with an empty message on the first output channel: nothing to pass on.
        if (data.length === 0) return;
        // The caller reads slower than CCI writes: stop reading from CCI until it catches up (frames
        // already read still arrive while paused; one wait per output is enough).
        if (output && !output.write(data)) {
          ws.pause();
          if (!behind.has(output)) {
            behind.add(output);
            output.once('drain', () => {
              behind.delete(output);
              if (behind.size === 0) ws.resume();
            });
          }
        } else if (message[0] === Channel.Error) status += data.toString('utf8');
      });
      ws.on('error', (error) => settle({ failure: `CCI ${request.kind} failed: ${error.message}` }));
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
