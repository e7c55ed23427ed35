// Answers of the kubelet API that come from the pods bound to the node, as the kubelet gives them:
// /runningpods/, the refusal of a previous log that does not exist, and port-forward, which CCI
// does not serve.
import type { Duplex } from 'node:stream';
import type { V1Container, V1ContainerStatus, V1Pod, V1PodList, V1Status } from '@kubernetes/client-node';

/**
 * The kubelet's /runningpods/: a v1 PodList of the pods with a running container, each as the
 * kubelet's runtime sees it (name, namespace, uid, and only its running containers' names and
 * images; no status). The running containers are those CCI reports running on the cluster's pod.
 */
export function runningPodList(pods: readonly V1Pod[]): V1PodList {
  const items: V1Pod[] = [];
  for (const pod of pods) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const running = statuses
      .filter((s) => s.state?.running)
      .map((s): V1Container => ({
        name: s.name,
        image: specs.find((c) => c.name === s.name)?.image ?? s.image,
      }));
    if (running.length === 0) continue;
    const { name, namespace, uid } = pod.metadata ?? {};
    items.push({ metadata: { name, namespace, uid }, spec: { containers: running }, status: {} });
  }
  return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items };
}

/** The kubelet's values of a boolean query parameter that mean true (Go's strconv.ParseBool). */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

export const isTrue = (value: string | null | undefined) => value !== null && TRUE.has(value ?? '');

/**
 * Why the kubelet would refuse `previous` logs of the container, in its words (answered with 400,
 * which `kubectl logs --previous` prints as `Error from server (BadRequest): …`), or undefined when
 * there is a terminated run before the current one. The pod's status is CCI's, written onto it.
 */
export function previousLogRefusal(pod: V1Pod, container: string): string | undefined {
  const name = pod.metadata?.name ?? '';
  const statuses: V1ContainerStatus[] = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  const status = statuses.find((s) => s.name === container);
  if (!status) return `container "${container}" in pod "${name}" is not available`;
  if (!status.lastState?.terminated)
    return `previous terminated container "${container}" in pod "${name}" not found`;
  return undefined;
}

/**
 * Port-forward is not in CCI's documented API (its v1 resource list has pods/exec and pods/log, no
 * pods/portforward), so there is nothing to forward to. The refusal is a Status, which kubectl
 * shows as `error upgrading connection: <message>`: the apiserver hands a kubelet's failed upgrade
 * back to kubectl as it is, and client-go decodes a Status body into its message (a plain body
 * would come out as `unable to upgrade connection: …`).
 */
export const PORT_FORWARD_REFUSAL: V1Status = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message:
    'port-forward is not supported for pods on CCI (CCI’s API serves no pods/portforward); reach the pod at its IP or through a Service, or use kubectl exec',
  code: 501,
};

/** A Status as the answer to an upgrade request (before any upgrade), then the connection's end. */
export function rawStatus(socket: Duplex, status: V1Status): void {
  const body = JSON.stringify(status);
  const code = status.code ?? 500;
  socket.end(
    `HTTP/1.1 ${code} ${code === 501 ? 'Not Implemented' : 'Error'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
