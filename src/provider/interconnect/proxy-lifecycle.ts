// The proxy is an ordinary container of the CCI pod (sidecar.ts), so by Kubernetes' rules the pod
// runs as long as it does: a Job's pod would never complete. Two things make the proxy invisible to
// the pod's outcome:
// - the cluster pod's status follows its app containers: the proxy is left out of its container
//   statuses, and once every app container has terminated for good (restartPolicy Never, or
//   OnFailure with exit code 0) its phase is Succeeded or Failed by their exit codes, as a kubelet
//   would decide it without the proxy (kubelet_pods.go getPhase), whatever the proxy does then;
// - the runtime then execs `vkctl proxy stop` in the proxy container (over CCI's exec, as
//   `kubectl exec` goes), which makes it exit 0, so CCI's pod ends too and frees what it holds.
//   Once per CCI pod; a failed attempt throws, and the pod controller's queue tries again later.
import { Writable } from 'node:stream';
import type { V1ContainerStatus, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import type { ContainerCommands } from '../kubelet/remote-command.js';
import type { Logger } from '../logger.js';
import { PROXY_CONTAINER, PROXY_STOP_COMMAND } from './sidecar.js';

const STOP_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 4096;
/**
 * Tries before giving up on stopping a proxy. The cluster pod is already Succeeded or Failed by
 * then (clusterPodStatus), so what is left is CCI's pod holding its resources until it is deleted;
 * retrying for ever would hold a reconcile worker for each such pod.
 */
const MAX_STOP_ATTEMPTS = 5;

const isProxy = (status: { name: string }) => status.name === PROXY_CONTAINER;

/** Whether a container has ended and, under the pod's restartPolicy, will not be started again. */
function doneForGood(status: V1ContainerStatus | undefined, restartPolicy: string): boolean {
  const terminated = status?.state?.terminated;
  if (!terminated) return false;
  return restartPolicy === 'Never' || (restartPolicy === 'OnFailure' && terminated.exitCode === 0);
}

/** The app containers' final exit codes, when every one of them is done for good; else undefined. */
function finalExitCodes(cciPod: V1Pod): number[] | undefined {
  const policy = cciPod.spec?.restartPolicy ?? 'Always';
  const apps = (cciPod.spec?.containers ?? []).filter((c) => !isProxy(c));
  const statuses = cciPod.status?.containerStatuses ?? [];
  const done = apps.map((c) => statuses.find((s) => s.name === c.name));
  if (apps.length === 0 || !done.every((s) => doneForGood(s, policy))) return undefined;
  return done.map((s) => s?.state?.terminated?.exitCode ?? 1);
}

/** What the cluster pod shows of its CCI pod's status: its own containers, its own phase. */
export function clusterPodStatus(
  cciPod: V1Pod,
): Pick<V1PodStatus, 'phase' | 'containerStatuses' | 'initContainerStatuses'> {
  const status = cciPod.status ?? {};
  const withProxy = (cciPod.spec?.containers ?? []).some(isProxy);
  const exitCodes = withProxy ? finalExitCodes(cciPod) : undefined;
  return {
    phase: exitCodes ? (exitCodes.every((c) => c === 0) ? 'Succeeded' : 'Failed') : status.phase,
    containerStatuses: status.containerStatuses?.filter((s) => !isProxy(s)),
    // Pods made while the proxy was a native sidecar have it here.
    initContainerStatuses: status.initContainerStatuses?.filter((s) => !isProxy(s)),
  };
}

/** Whether the proxy still runs though every app container of its pod is done for good. */
export function proxyOutlivesApps(cciPod: V1Pod): boolean {
  const proxy = cciPod.status?.containerStatuses?.find(isProxy);
  return Boolean(proxy?.state?.running) && finalExitCodes(cciPod) !== undefined;
}

/** Keeps the last few KiB of a command's output, for the reason when it fails: never more. */
function collector(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const kept = Buffer.concat([...chunks, chunk]);
      chunks.splice(
        0,
        chunks.length,
        kept.length > MAX_OUTPUT_BYTES ? kept.subarray(-MAX_OUTPUT_BYTES) : kept,
      );
      callback();
    },
  });
}

export class ProxyStopper {
  /** Pod key → the uid of the CCI pod whose proxy has been told to stop (or given up on). */
  private readonly stopped = new Map<string, string>();
  /** Pod key → failed tries for the CCI pod of that uid. */
  private readonly failures = new Map<string, { uid: string; count: number }>();

  constructor(
    private readonly commands: ContainerCommands,
    private readonly log: Logger,
  ) {}

  /**
   * Tells the proxy of the cluster pod `namespace/name` to exit once its app containers are done
   * for good; throws when that did not work, so that the caller tries again.
   */
  async stopWhenDone(namespace: string, name: string, cciPod: V1Pod): Promise<void> {
    const key = `${namespace}/${name}`;
    const uid = cciPod.metadata?.uid ?? '';
    if (!proxyOutlivesApps(cciPod) || this.stopped.get(key) === uid) return;
    const output: Buffer[] = [];
    const outcome = await this.commands.run(
      {
        kind: 'exec',
        namespace,
        pod: name,
        container: PROXY_CONTAINER,
        command: PROXY_STOP_COMMAND,
        stdin: false,
        stdout: true,
        stderr: true,
        tty: false,
      },
      { stdout: collector(output), stderr: collector(output), signal: AbortSignal.timeout(STOP_TIMEOUT_MS) },
    );
    if ('exitCode' in outcome && outcome.exitCode === 0) {
      this.stopped.set(key, uid);
      this.log.info('stopped the proxy: the pod’s app containers are done', { pod: key });
      return;
    }
    const reason =
      'failure' in outcome
        ? outcome.failure
        : `exit code ${outcome.exitCode}: ${Buffer.concat(output).toString('utf8').trim()}`;
    const tries = this.failures.get(key)?.uid === uid ? (this.failures.get(key)?.count ?? 0) + 1 : 1;
    this.failures.set(key, { uid, count: tries });
    const message = `could not stop the proxy of ${key}, whose app containers are done: ${reason}`;
    if (tries < MAX_STOP_ATTEMPTS) throw new Error(message);
    // The pod shows its outcome already; CCI's pod keeps the proxy until the pod is deleted.
    this.stopped.set(key, uid);
    this.log.warn(`${message}; gave up after ${tries} tries: CCI keeps the pod until it is deleted`, {
      pod: key,
    });
  }

  forget(key: string): void {
    this.stopped.delete(key);
    this.failures.delete(key);
  }
}
