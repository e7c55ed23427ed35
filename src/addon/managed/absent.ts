// vkctl's own install beside Huawei's managed add-on installed in the console (no vkctl record says
// so): both would burst the cluster's pods, so install refuses, as install --managed refuses vkctl's
// own runtime. Part of install itself, not only of preflight, so that skipping the checks does not
// skip it. When CCE cannot be asked, install goes on with a warning: preflight (when run) has already
// said why CCE is out of reach, and skipping the checks is the user's choice to go on without it.
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import { addonStatusLine } from '../../cloud/cce-addons.js';
import { isNotFound } from '../../cloud/http.js';
import type { CloudSession } from '../../cloud/session.js';
import { firstLine, StateError } from '../../errors.js';

/** Throws when CCE has the managed add-on in the cluster; a warning when CCE could not be asked. */
export async function refuseManagedAddon(session: () => CloudSession): Promise<string[]> {
  let found;
  try {
    const cloud = session();
    found = await (await cloud.cce()).addon.find(cloud.clusterId, MANAGED_ADDON_TEMPLATE);
  } catch (error) {
    // CCE does not know the cluster: then it has no add-on in it either.
    if (isNotFound(error)) return [];
    return [
      `could not ask CCE whether Huawei's ${MANAGED_ADDON_TEMPLATE} add-on is installed: ${firstLine(error)}`,
    ];
  }
  if (!found) return [];
  throw new StateError(
    `Huawei's ${MANAGED_ADDON_TEMPLATE} add-on ${found.spec.version} is installed in this cluster (CCE instance ${found.metadata.uid}, ${addonStatusLine(found)}): uninstall it (CCE console: Add-ons) before installing vkctl's own runtime`,
    // install --managed adopts it as it is.
    { advice: { override: { option: 'managed', effect: 'to adopt it instead' } } },
  );
}
