// What exec and attach have in common, whatever carries them (SPDY from the apiserver, or a
// WebSocket channel protocol straight from a client) and whatever runs them (CCI): the request as
// the kubelet reads it from its URL, the caller's streams, and how the outcome is told back.
import type { V1Status } from '@kubernetes/client-node';
import type { Readable, Writable } from 'node:stream';

export interface TerminalSize {
  width: number;
  height: number;
}

export interface RemoteCommandRequest {
  kind: 'exec' | 'attach';
  namespace: string;
  pod: string;
  container: string;
  /** The command's argv (exec only). */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  /** Never with a TTY: a terminal has one output stream. */
  stderr: boolean;
  tty: boolean;
}

/** The caller's side of a running command. Absent streams were not asked for. */
export interface RemoteCommandIO {
  /** Ends when the caller closes its input. */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Object mode: TerminalSize, each time the caller's terminal changes size. */
  resize?: Readable;
  /** Aborted when the caller goes away. */
  signal: AbortSignal;
}

/** How a command ended: with an exit code, or not run at all (the reason, as the caller sees it). */
export type RemoteCommandOutcome = { exitCode: number } | { failure: string };

/** What a session is told when the runtime stops under it (the status makes kubectl fail). */
export const STOPPING = 'the virtual node is stopping its kubelet API; run the command again';

/**
 * Runs the command until it ends, its caller goes away (`gone`) or the server stops (`stopping`),
 * which ends it with a failure the caller is still told about.
 */
export async function runCommand(
  commands: ContainerCommands,
  request: RemoteCommandRequest,
  io: (signal: AbortSignal) => RemoteCommandIO,
  gone: AbortSignal,
  stopping: AbortSignal,
): Promise<RemoteCommandOutcome> {
  const either = new AbortController(); // AbortSignal.any needs Node 20.3
  const abort = () => either.abort();
  for (const signal of [gone, stopping]) {
    if (signal.aborted) either.abort();
    else signal.addEventListener('abort', abort, { once: true });
  }
  const signal = either.signal;
  let outcome: RemoteCommandOutcome;
  try {
    outcome = await commands.run(request, io(signal));
  } catch (error) {
    outcome = { failure: (error as Error).message };
  } finally {
    // `stopping` is the server's, shared by every session: each leaves it as it found it.
    for (const s of [gone, stopping]) s.removeEventListener('abort', abort);
  }
  return stopping.aborted ? { failure: STOPPING } : outcome;
}

/** What runs commands in containers (CCI, for burst pods). */
export interface ContainerCommands {
  run(request: RemoteCommandRequest, io: RemoteCommandIO): Promise<RemoteCommandOutcome>;
}

/** The kubelet's URL for exec/attach: /{exec,attach}/{namespace}/{pod}[/{uid}]/{container}. */
export function parseRemoteCommandUrl(rawUrl: string): RemoteCommandRequest | undefined {
  const url = new URL(rawUrl, 'https://kubelet');
  const match = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/(?:[^/]+\/)?([^/]+)\/?$/.exec(url.pathname);
  if (!match) return undefined;
  const [, kind, namespace, pod, container] = match;
  const flag = (name: string) => ['1', 'true'].includes(url.searchParams.get(name) ?? '');
  const tty = flag('tty');
  return {
    kind: kind as 'exec' | 'attach',
    namespace: decodeURIComponent(namespace ?? ''),
    pod: decodeURIComponent(pod ?? ''),
    container: decodeURIComponent(container ?? ''),
    command: url.searchParams.getAll('command'),
    stdin: flag('input'),
    stdout: flag('output'),
    stderr: flag('error') && !tty,
    tty,
  };
}

/**
 * The outcome as the v4 channel protocols carry it on the error channel: a metav1.Status, with a
 * non-zero exit code as reason NonZeroExitCode and an ExitCode cause, which kubectl turns into its
 * own exit code.
 */
export function outcomeStatus(request: RemoteCommandRequest, outcome: RemoteCommandOutcome): V1Status {
  if ('failure' in outcome)
    return { metadata: {}, status: 'Failure', message: outcome.failure, reason: 'InternalError', code: 500 };
  if (outcome.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${request.command.join(' ')}], exit code ${outcome.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
  };
}

/** Terminal sizes as clients send them: JSON objects {"Width":…,"Height":…}, one per line. */
export function parseTerminalSizes(text: string): TerminalSize[] {
  const sizes: TerminalSize[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as { Width?: number; Height?: number };
      sizes.push({ width: value.Width ?? 0, height: value.Height ?? 0 });
    } catch {
      // a malformed size is ignored, as the kubelet does
    }
  }
  return sizes;
}
