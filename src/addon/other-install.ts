// One vkctl per cluster: its webhook, ClusterRoles and their bindings have fixed names, so a second
// install in another namespace would take them over (the first runtime losing its rights) and its
// uninstall would delete what both share, the CCI namespace included. The webhook says where the
// installed one lives (its Service's namespace).
import { AdmissionregistrationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { WEBHOOK_CONFIGURATION } from '../shared/names.js';
import { isNotFound } from '../kube/errors.js';

/** The namespace of a vkctl installed elsewhere than `namespace`, or undefined. */
export async function otherInstallNamespace(kc: KubeConfig, namespace: string): Promise<string | undefined> {
  const webhook = await kc
    .makeApiClient(AdmissionregistrationV1Api)
    .readMutatingWebhookConfiguration({ name: WEBHOOK_CONFIGURATION })
    .catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
  const owner = webhook?.webhooks?.[0]?.clientConfig.service?.namespace;
  return owner && owner !== namespace ? owner : undefined;
}

export function otherInstallMessage(owner: string): string {
  return `vkctl is already installed in namespace ${owner} (one per cluster: its webhook and cluster roles have fixed names); upgrade or uninstall it there`;
}
