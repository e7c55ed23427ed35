// The virtual node's kubelet API, on the port the node advertises (daemonEndpoints), over TLS. It
// asks for client certificates (checked against the cluster's CA) and accepts bearer tokens; every
// request passes KubeletAccess first. Served: /healthz, /pods (the pods bound to the node),
// /containerLogs/{namespace}/{pod}/{container}, streamed from CCI's pod log API with the kubelet's
// parameters (follow, tailLines, sinceSeconds, sinceTime, timestamps, limitBytes, previous), and
// /exec and /attach as upgrades (SPDY/3.1 or WebSocket), run in CCI, /stats/summary and
// /metrics/resource from CCI's pod metrics (without usage where CCI serves none, see stats.ts), and
// /runningpods/. /portForward is answered with why CCI cannot (pod-views.ts).
import { LISTENER_OPTIONS, TLS_OPTIONS } from '../listener-limits.js';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { CciBackend } from '../cci-backend.js';
import { CloudApiError } from '../../cloud/http.js';
import { errorText, type Logger } from '../logger.js';
import { cciPodName } from '../translate.js';
import { KubeletAccess } from './access.js';
import { copyLog } from './log-copy.js';
import { isTrue, PORT_FORWARD_REFUSAL, previousLogRefusal, rawStatus, runningPodList } from './pod-views.js';
import { renderResourceMetrics } from './resource-metrics.js';
import type { PodStatsSource } from './stats.js';
import { parseRemoteCommandUrl, type ContainerCommands } from './remote-command.js';
import { rawHttpError, serveSpdy, wantsSpdy } from './remote-command-spdy.js';
import { serveWebSocket, wantsWebSocket } from './remote-command-websocket.js';

export interface KubeletServerOptions {
  kc: KubeConfig;
  nodeName: string;
  cci: CciBackend;
  cciNamespace: string;
  /** The serving certificate and key (PEM). */
  cert: string;
  key: string;
  /** The cluster's CA (PEM), to verify client certificates. */
  clientCa: string;
  port: number;
  /** The address to listen on; every interface when absent. */
  host?: string;
  /** Runs exec and attach (in CCI). */
  commands: ContainerCommands;
  /** Usage of the node's pods (from CCI's metrics). */
  stats: PodStatsSource;
  /** The pods bound to the node, from the pod controller's cache. */
  pods: () => readonly V1Pod[];
  log: Logger;
}

/** How long open exec/attach sessions get to hear that the server stops. */
const SESSION_WIND_DOWN_MS = 2000;

export interface RunningKubeletServer {
  port: number;
  /** Serves new connections with another certificate (rotation); open ones keep theirs. */
  replaceCertificate(cert: string, key: string): void;
  stop(): Promise<void>;
}

const LOG_PARAMETERS = [
  'follow',
  'tailLines',
  'sinceSeconds',
  'sinceTime',
  'timestamps',
  'limitBytes',
  'previous',
];

function send(res: ServerResponse, status: number, body: string | object): void {
  const json = typeof body !== 'string';
  res.writeHead(status, { 'Content-Type': json ? 'application/json' : 'text/plain' });
  res.end(json ? JSON.stringify(body) : body);
}

const boundPod = (options: KubeletServerOptions, namespace: string, name: string) =>
  options.pods().find((p) => p.metadata?.namespace === namespace && p.metadata?.name === name);

/** The port-forward paths: /portForward/{namespace}/{pod}[/{uid}]. */
const PORT_FORWARD = /^\/portForward\/([^/]+)\/([^/]+)(?:\/[^/]+)?\/?$/;

/**
 * Why a pod's container is not this node's to serve, or undefined when it is: a kubelet serves only
 * the pods bound to it, and so does this one, whatever else the CCI namespace holds (another
 * virtual node's pods share it) or the caller names. Without `container`, the pod alone.
 */
function notOnThisNode(
  options: KubeletServerOptions,
  namespace: string,
  name: string,
  container?: string,
): string | undefined {
  const pod = boundPod(options, namespace, name);
  if (!pod) return `pod ${namespace}/${name} is not on node ${options.nodeName}`;
  if (container === undefined) return undefined;
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  if (!containers.some((c) => c.name === container))
    return `container ${container} is not in pod ${namespace}/${name}`;
  return undefined;
}

async function containerLogs(
  options: KubeletServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  [namespace, pod, container]: string[],
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://kubelet');
  const query: Record<string, string | undefined> = { container };
  for (const name of LOG_PARAMETERS) query[name] = url.searchParams.get(name) ?? undefined;
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  let body: AsyncIterable<Uint8Array>;
  try {
    body = await options.cci.podLog(
      options.cciNamespace,
      cciPodName(namespace ?? '', pod ?? ''),
      query,
      abort.signal,
    );
  } catch (error) {
    const status = error instanceof CloudApiError && error.status < 500 ? error.status : 502;
    send(res, status, errorText(error));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  await copyLog(body, res, abort.signal);
  res.end();
}

async function handle(
  options: KubeletServerOptions,
  access: KubeletAccess,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const decision = await access.check(req);
  if (!decision.allowed) {
    send(res, decision.status, decision.reason);
    return;
  }
  const path = new URL(req.url ?? '/', 'https://kubelet').pathname;
  const logs = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (req.method === 'GET' && logs) {
    const [namespace = '', pod = '', container = ''] = logs.slice(1);
    const unknown = notOnThisNode(options, namespace, pod, container);
    if (unknown) return send(res, 404, unknown);
    // A previous run CCI never had: the kubelet's error, not an empty log.
    const bound = boundPod(options, namespace, pod);
    const previous = isTrue(new URL(req.url ?? '/', 'https://kubelet').searchParams.get('previous'));
    const refusal = previous && bound ? previousLogRefusal(bound, container) : undefined;
    if (refusal) return send(res, 400, refusal);
    return containerLogs(options, req, res, [namespace, pod, container]);
  }
  const forward = PORT_FORWARD.exec(path);
  if (forward) {
    const unknown = notOnThisNode(options, forward[1] ?? '', forward[2] ?? '');
    return unknown ? send(res, 404, unknown) : send(res, 501, PORT_FORWARD_REFUSAL);
  }
  if (parseRemoteCommandUrl(req.url ?? '/'))
    return send(res, 400, 'exec and attach need an upgrade to SPDY/3.1 or a WebSocket');
  if (req.method === 'GET' && /^\/stats\/summary\/?$/.test(path)) {
    const summary = await options.stats.summary(options.log).catch((error: unknown) => error as Error);
    return summary instanceof Error
      ? send(res, 502, `CCI metrics: ${summary.message}`)
      : send(res, 200, summary);
  }
  if (req.method === 'GET' && path === '/metrics/resource') {
    const summary = await options.stats.summary(options.log).catch((error: unknown) => {
      options.log.warn('CCI metrics failed', { error: errorText(error) });
      return undefined;
    });
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    return res.end(renderResourceMetrics(summary));
  }
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, 'ok');
  if (req.method === 'GET' && path === '/pods')
    return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: options.pods() });
  if (req.method === 'GET' && /^\/runningpods\/?$/.test(path))
    return send(res, 200, runningPodList(options.pods()));
  send(res, 404, `${path}: not found`);
}

/** Exec and attach arrive as HTTP upgrades: SPDY/3.1 from the apiserver, or a WebSocket. */
async function handleUpgrade(
  options: KubeletServerOptions,
  access: KubeletAccess,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  stopping: AbortSignal,
): Promise<void> {
  const decision = await access.check(req);
  if (!decision.allowed) {
    rawHttpError(
      socket,
      decision.status,
      decision.status === 401 ? 'Unauthorized' : 'Forbidden',
      decision.reason,
    );
    return;
  }
  const forward = PORT_FORWARD.exec(new URL(req.url ?? '/', 'https://kubelet').pathname);
  if (forward) {
    const unknown = notOnThisNode(options, forward[1] ?? '', forward[2] ?? '');
    return unknown
      ? rawHttpError(socket, 404, 'Not Found', unknown)
      : rawStatus(socket, PORT_FORWARD_REFUSAL);
  }
  const request = parseRemoteCommandUrl(req.url ?? '/');
  if (!request) return rawHttpError(socket, 404, 'Not Found', `${req.url ?? ''}: not found`);
  if (request.kind === 'exec' && request.command.length === 0)
    return rawHttpError(
      socket,
      400,
      'Bad Request',
      'you must specify at least one command for the container',
    );
  if (!request.stdin && !request.stdout && !request.stderr)
    return rawHttpError(socket, 400, 'Bad Request', 'you must specify at least one of stdin, stdout, stderr');
  const unknown = notOnThisNode(options, request.namespace, request.pod, request.container);
  if (unknown) return rawHttpError(socket, 404, 'Not Found', unknown);
  options.log.info('remote command', {
    kind: request.kind,
    pod: `${request.namespace}/${request.pod}`,
    container: request.container,
    tty: request.tty,
  });
  if (wantsSpdy(req)) return serveSpdy(req, socket, request, options.commands, stopping);
  if (wantsWebSocket(req)) return serveWebSocket(req, socket, head, request, options.commands, stopping);
  rawHttpError(socket, 400, 'Bad Request', `unsupported upgrade: ${req.headers.upgrade ?? ''}`);
}

export async function startKubeletServer(options: KubeletServerOptions): Promise<RunningKubeletServer> {
  const access = new KubeletAccess(options.kc, options.nodeName);
  const server = https.createServer(
    {
      cert: options.cert,
      key: options.key,
      ca: options.clientCa,
      requestCert: true,
      rejectUnauthorized: false,
      ...TLS_OPTIONS,
      // Its routes read no request body (exec and attach are upgrades): only the time limits.
      ...LISTENER_OPTIONS,
    },
    (req, res) => {
      handle(options, access, req, res).catch((error: unknown) => {
        options.log.warn('kubelet API request failed', { path: req.url, error: errorText(error) });
        if (!res.headersSent) send(res, 500, errorText(error));
        else res.end();
      });
    },
  );
  // Upgraded connections (exec, attach) are no longer the server's: stop() ends them itself, first
  // telling each caller why (a failure status), then cutting what is left.
  const upgraded = new Set<Duplex>();
  const stopping = new AbortController();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    handleUpgrade(options, access, req, socket, head, stopping.signal).catch((error: unknown) => {
      options.log.warn('kubelet API upgrade failed', { path: req.url, error: errorText(error) });
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    replaceCertificate: (cert, key) =>
      server.setSecureContext({ cert, key, ca: options.clientCa, ...TLS_OPTIONS }),
    stop: async () => {
      stopping.abort();
      const deadline = Date.now() + SESSION_WIND_DOWN_MS;
      while (upgraded.size > 0 && Date.now() < deadline) await sleep(50);
      for (const socket of upgraded) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
