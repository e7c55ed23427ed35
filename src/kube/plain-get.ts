// GETs against the apiserver without @kubernetes/client-node, for the commands that only read a few
// objects (status, history). Importing client-node takes about 0.8 s on the benchmark machine, even
// through deep imports: its KubeConfig (dist/config.js) imports the generated API's index, and with
// it every one of its 2,500 models (bench/results/startup.json has the figures). That alone is more
// than `vkctl status` should take in all.
// Only plain kubeconfigs take this path: one file, a cluster reached over https directly (a CA, or
// insecure-skip-tls-verify, and tls-server-name), a user with a bearer token and/or a client
// certificate. Everything else (exec and auth-provider plugins, token files, basic auth,
// impersonation, proxies, several existing KUBECONFIG files, in-cluster, anything malformed) gets undefined,
// and the caller uses client-node, which then also gives the usual errors. The file is parsed with
// js-yaml, the parser client-node uses, and read as client-node reads it (relative paths from the
// file's directory, a trailing slash off the server).
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { kubeconfigFiles } from './kubeconfig-files.js';
import type { KubeFlags } from './kubeconfig.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './request-timeout-default.js';

export interface PlainKube {
  /** The apiserver's URL, as the kubeconfig names it. */
  server: string;
  /** GET a path (with its query) and parse the JSON. Rejects on an HTTP error or no connection. */
  get<T>(apiPath: string): Promise<T>;
  /** Closes the kept-alive connection. */
  close(): void;
}

/** An HTTP error from the apiserver, with its status code. */
export class PlainGetError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

type Entry = Record<string, unknown>;

const USER_KEYS = new Set([
  'token',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'extensions',
]);
const CLUSTER_KEYS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);

/** The one kubeconfig file to read, when exactly one exists where kubectl would look. */
function kubeconfigFile(flags: KubeFlags): string | undefined {
  const found = kubeconfigFiles(flags.kubeconfig);
  return found?.files.length === 1 ? found.files[0] : undefined;
}

const isEntry = (value: unknown): value is Entry =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The named entries of a kubeconfig list, when every one has a name and its inner object. */
function namedEntries(list: unknown, inner: string, optionalInner = false): Map<string, Entry> | undefined {
  if (list === undefined || list === null) return new Map();
  if (!Array.isArray(list)) return undefined;
  const entries = new Map<string, Entry>();
  for (const item of list) {
    if (!isEntry(item) || typeof item.name !== 'string' || !item.name) return undefined;
    const value = item[inner] ?? (optionalInner ? {} : undefined);
    if (!isEntry(value)) return undefined;
    entries.set(item.name, value);
  }
  return entries;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

function fileOrData(dir: string, file: unknown, data: unknown): Buffer | undefined {
  const f = text(file);
  if (f) return readFileSync(path.isAbsolute(f) ? f : path.join(dir, f));
  const d = text(data);
  return d ? Buffer.from(d, 'base64') : undefined;
}

/** A client for plain GETs, or undefined when the kubeconfig needs client-node (see above). */
export function plainKube(flags: KubeFlags): PlainKube | undefined {
  try {
    const file = kubeconfigFile(flags);
    if (!file || !existsSync(file)) return undefined;
    const config = loadYaml(readFileSync(file, 'utf8'));
    if (!isEntry(config)) return undefined;
    const clusters = namedEntries(config.clusters, 'cluster');
    const users = namedEntries(config.users, 'user', true);
    const contexts = namedEntries(config.contexts, 'context');
    if (!clusters || !users || !contexts) return undefined;
    // client-node refuses these files as a whole, whichever context is used.
    if ([...clusters.values()].some((c) => !text(c.server))) return undefined;
    if ([...contexts.values()].some((c) => !text(c.cluster))) return undefined;
    const contextName = flags.context ?? text(config['current-context']);
    const context = contextName === undefined ? undefined : contexts.get(contextName);
    const cluster = context && clusters.get(String(context.cluster));
    const user = context && text(context.user) !== undefined ? users.get(String(context.user)) : undefined;
    if (!cluster || !user) return undefined;
    if (Object.keys(cluster).some((k) => !CLUSTER_KEYS.has(k))) return undefined;
    if (Object.keys(user).some((k) => !USER_KEYS.has(k))) return undefined;
    const server = String(cluster.server).replace(/\/$/, '');
    if (!server.startsWith('https://')) return undefined;
    const dir = path.dirname(file);
    const agent = new https.Agent({
      keepAlive: true,
      ca: fileOrData(dir, cluster['certificate-authority'], cluster['certificate-authority-data']),
      cert: fileOrData(dir, user['client-certificate'], user['client-certificate-data']),
      key: fileOrData(dir, user['client-key'], user['client-key-data']),
      // As client-node: left unset unless the kubeconfig says so (NODE_TLS_REJECT_UNAUTHORIZED applies).
      ...(cluster['insecure-skip-tls-verify'] === true ? { rejectUnauthorized: false } : {}),
      ...(text(cluster['tls-server-name']) ? { servername: text(cluster['tls-server-name']) } : {}),
    });
    const token = text(user.token);
    const headers = { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    return {
      server,
      get: <T>(apiPath: string) =>
        get<T>(agent, server, apiPath, headers, flags.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
      close: () => agent.destroy(),
    };
  } catch {
    return undefined;
  }
}

function get<T>(
  agent: https.Agent,
  server: string,
  apiPath: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      `${server}${apiPath}`,
      { agent, headers, signal: AbortSignal.timeout(timeoutMs) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const code = response.statusCode ?? 0;
          if (code >= 200 && code < 300) {
            try {
              resolve(JSON.parse(body) as T);
            } catch (error) {
              reject(
                new Error(`Kubernetes API: GET ${apiPath}: ${(error as Error).message}`, { cause: error }),
              );
            }
            return;
          }
          // A Kubernetes Status says why; anything else, the status line.
          let reason = response.statusMessage ?? '';
          try {
            const status = JSON.parse(body) as { message?: unknown };
            if (typeof status.message === 'string') reason = status.message;
          } catch {
            // not JSON
          }
          reject(new PlainGetError(`Kubernetes API: GET ${apiPath}: ${code} ${reason}`.trimEnd(), code));
        });
      },
    );
    // The same words as the commands' message for client-node's connection errors (command-base.ts).
    request.on('error', (error) =>
      reject(
        error.name === 'AbortError'
          ? new Error(
              `no answer from the Kubernetes API at ${new URL(server).origin} within ${timeoutMs / 1000} s`,
            )
          : new Error(`cannot reach the Kubernetes API at ${new URL(server).origin}: ${error.message}`),
      ),
    );
  });
}
