// What the emulated CCE keeps of add-ons: templates with their versions, instances with the status
// transition they are in, and the knobs tests turn (how long a transition takes, which ones fail).
// Shapes follow the raw JSON of huaweicloudDocs/cce @99b4f7e `cn.zh-cn/API参考/创建AddonInstance.md`
// (InstanceSpec, AddonInstanceStatus, Versions, SupportVersions) and `查询AddonTemplates列表.md`
// (AddonTemplate, Templatespec).
import type { FaultHandle } from './faults.js';

/** 表10 SupportVersions: cluster versions are regular expressions, e.g. "v1.13.*". */
export interface AddonSupportVersion {
  clusterType: string;
  clusterVersion: string[];
}

/** 表9 Versions: one version of a template, with its install defaults (`input`). */
export interface AddonVersion {
  version: string;
  /** `basic` and `parameters{custom, flavor1..n}` (查询AddonTemplates列表.md's example; TF's data source). */
  input: { basic: Record<string, unknown>; parameters: Record<string, unknown> };
  stable: boolean;
  translate: Record<string, unknown>;
  supportVersions: AddonSupportVersion[] | null;
  creationTimestamp: string;
  updateTimestamp: string;
}

export interface AddonTemplate {
  kind: 'Addon';
  apiVersion: 'v3';
  metadata: { uid: string; name: string; creationTimestamp: string; updateTimestamp: string };
  spec: {
    type: 'helm' | 'static';
    require: boolean;
    labels: string[];
    logoURL: string;
    readmeURL: string;
    description: string;
    versions: AddonVersion[];
  };
}

/**
 * The statuses an instance reports: huaweicloud-sdk-go-v3 `model_addon_instance_status.go`
 * (REF §2.3). The emulator moves through installing, upgrading, deleting, running and the *Failed ones,
 * and ends in available, abnormal or unknown when a test injects it (AddonFailure.status).
 */
export type AddonStatus =
  | 'running'
  | 'abnormal'
  | 'installing'
  | 'installFailed'
  | 'upgrading'
  | 'upgradeFailed'
  | 'deleting'
  | 'deleteFailed'
  | 'deleteSuccess'
  | 'available'
  | 'rollbacking'
  | 'rollbackFailed'
  | 'unknown';

export interface AddonInstance {
  kind: 'Addon';
  apiVersion: 'v3';
  metadata: {
    uid: string;
    name: string;
    annotations?: Record<string, string>;
    creationTimestamp: string;
    updateTimestamp: string;
  };
  spec: {
    clusterID: string;
    version: string;
    addonTemplateName: string;
    addonTemplateType: string;
    addonTemplateLogo?: string;
    addonTemplateLabels?: string[];
    description: string;
    values: Record<string, unknown>;
  };
  status: {
    /** An AddonStatus (tests that put an instance in directly may write any string). */
    status: string;
    Reason: string;
    message: string;
    targetVersions?: string[] | null;
    /** The version running now (the whole Versions object in CCE's answers; tests may give less). */
    currentVersion: Partial<AddonVersion> & { version: string };
    isRollbackable?: boolean;
    previousVersion?: string;
  };
}

export type AddonOperation = 'install' | 'upgrade' | 'delete';

/** A transition under way: it settles once `until` has passed, the next time anyone looks. */
export interface AddonTransition {
  operation: AddonOperation;
  until: number;
  /** The version an upgrade moves to (spec.version already names it). */
  target?: AddonVersion;
  failure?: { reason: string; message: string; status?: AddonFailure['status'] };
}

export interface AddonEntry {
  projectId: string;
  addon: AddonInstance;
  /** Absent for an instance at rest (and for instances tests put in the map directly). */
  transition?: AddonTransition;
}

/**
 * An injected outcome: the next matching install, upgrade or delete ends in installFailed,
 * upgradeFailed or deleteFailed with this Reason and message, as CCE reports a failed Helm release;
 * or, with `status`, an install or upgrade ends in another status the SDK lists (REF §2.3:
 * available, "partially ready"; abnormal; unknown), so that a client's handling of each is tested.
 * Like faults.ts's faults: `times` matches (unlimited when absent), removable, counting its hits.
 */
export interface AddonFailure {
  operation: AddonOperation;
  /** The status the operation ends in instead of `<operation>Failed`. */
  status?: 'available' | 'abnormal' | 'unknown';
  template?: string;
  /** For install and upgrade: the version being installed or upgraded to. */
  version?: string;
  reason?: string;
  message?: string;
  times?: number;
}

export class AddonFaults {
  private failures: (AddonFailure & { hits: number })[] = [];

  add(failure: AddonFailure): FaultHandle {
    const active = { ...failure, hits: 0 };
    this.failures.push(active);
    return {
      remove: () => {
        this.failures = this.failures.filter((f) => f !== active);
      },
      get hits() {
        return active.hits;
      },
    };
  }

  clear(): void {
    this.failures = [];
  }

  /** The failure this operation meets, counted as a hit; CCE's words are the emulator's invention. */
  take(
    operation: AddonOperation,
    template: string,
    version: string,
  ): { reason: string; message: string; status?: AddonFailure['status'] } | undefined {
    const found = this.failures.find(
      (f) =>
        f.operation === operation &&
        (!f.template || f.template === template) &&
        (!f.version || f.version === version) &&
        (f.times === undefined || f.hits < f.times),
    );
    if (!found) return undefined;
    found.hits += 1;
    return {
      ...(found.status ? { status: found.status } : {}),
      reason: found.reason ?? `${operation} failed`,
      message:
        found.message ?? `release ${template} ${operation} failed: timed out waiting for the condition`,
    };
  }
}

/** How long each transition lasts before the instance settles (tests shorten or lengthen it). */
export interface AddonTimings {
  installMs: number;
  upgradeMs: number;
  deleteMs: number;
}

export const DEFAULT_ADDON_TIMINGS: AddonTimings = { installMs: 250, upgradeMs: 250, deleteMs: 250 };
