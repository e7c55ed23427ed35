// The kubelet API as the runtime runs it: a serving certificate (given, or issued by the cluster
// through a kubelet-serving CSR, else by the add-on's CA) and, for an issued one, its renewal, which
// swaps the next certificate into the running server; exec, attach and stats over CCI; the pods
// from the pod controller's cache.
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { CciBackend } from '../cci-backend.js';
import type { KubeletServing } from '../config.js';
import type { Logger } from '../logger.js';
import { CciContainerCommands } from './cci-commands.js';
import { DEFAULT_VALIDITY_SECONDS, obtainServingCertificate } from './serving-cert.js';
import { keepServingCertificateFresh } from './serving-cert-rotation.js';
import { startKubeletServer } from './server.js';
import { PodStatsSource } from './stats.js';

export interface KubeletApiOptions {
  kc: KubeConfig;
  serving: KubeletServing;
  nodeName: string;
  /** The node's address, named in a certificate the cluster issues. */
  address: string;
  /** 0 picks one. */
  port: number;
  /** Where to listen when `serving.host` does not say; every interface when absent. */
  bindAddress?: string;
  cci: CciBackend;
  cciNamespace: string;
  /** The pods bound to the node (none before the pod controller runs). */
  pods: () => readonly V1Pod[];
  log: Logger;
}

export interface KubeletApi {
  port: number;
  stop(): Promise<void>;
}

export async function startKubeletApi(options: KubeletApiOptions): Promise<KubeletApi> {
  const { kc, serving, nodeName, cci, cciNamespace, log } = options;
  // Without a given certificate the cluster issues one (a kubelet-serving CSR), else the add-on's CA.
  const obtain =
    serving.cert && serving.key
      ? undefined
      : () =>
          obtainServingCertificate({
            kc,
            nodeName,
            address: options.address,
            validitySeconds: serving.validitySeconds ?? DEFAULT_VALIDITY_SECONDS,
            fallbackCa: serving.fallbackCa,
            log,
          });
  const issued = obtain ? await obtain() : undefined;
  const server = await startKubeletServer({
    ...serving,
    cert: issued?.cert ?? serving.cert ?? '',
    key: issued?.key ?? serving.key ?? '',
    kc,
    nodeName,
    cci,
    cciNamespace,
    commands: new CciContainerCommands(cci, cciNamespace, log),
    stats: new PodStatsSource(cci, cciNamespace, nodeName, options.pods),
    port: options.port,
    host: serving.host ?? options.bindAddress,
    pods: options.pods,
    log,
  });
  const stopRotation =
    issued && obtain
      ? keepServingCertificateFresh({
          renewAt: serving.renewAt ?? 0.8,
          current: issued,
          obtain,
          install: (next) => server.replaceCertificate(next.cert, next.key),
          log,
        })
      : undefined;
  return {
    port: server.port,
    stop: async () => {
      stopRotation?.();
      await server.stop();
    },
  };
}
