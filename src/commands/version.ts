import { Flags } from '@oclif/core';
import { versionText } from '../addon/present.js';
import type { AddonVersion, RuntimeVersion, ServerVersions } from '../addon/versions.js';
import { jsonFlag, kubeFlags, kubeSettings, VkctlCommand } from '../command-base.js';

interface ClientVersion {
  version: string;
  platform: string;
  nodejs: string;
}

interface Versions {
  clientVersion: ClientVersion;
  addonVersion?: AddonVersion;
  runtimeVersion?: RuntimeVersion;
}

export default class Version extends VkctlCommand {
  static override summary = 'Show the versions of this CLI, the installed add-on and its running runtime';
  static override description =
    'The add-on’s version is its latest release record’s; the runtime’s is what the running runtime reports on its virtual node. Without the cluster (--client, or when it cannot be reached) only the CLI’s version is known; an unreachable cluster exits 1 after printing it, as kubectl version does.';
  static override examples = [
    '<%= config.bin %> version',
    '<%= config.bin %> version --client',
    '<%= config.bin %> version -o yaml -n vkctl-system',
  ];

  static override flags = {
    client: Flags.boolean({ description: 'the CLI’s version only; no cluster access' }),
    ...jsonFlag,
    ...kubeFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    const client: ClientVersion = {
      version: this.config.version,
      platform: `${this.config.platform}-${this.config.arch}`,
      nodejs: process.version,
    };
    if (flags.client) {
      this.show(client, undefined, flags);
      return;
    }
    // Loaded only to ask the cluster: --client stays as quick as --version.
    const { serverVersions } = await import('../addon/versions.js');
    let server: ServerVersions;
    try {
      server = await serverVersions(kubeSettings(flags), flags.namespace);
    } catch (error) {
      // What is known is still said; the error follows as any command's does (one line, exit 1).
      this.show(client, undefined, flags);
      throw error;
    }
    this.show(client, server, flags);
  }

  /** The versions known: the client's, and the cluster's when it was asked (`server`). */
  private show(
    client: ClientVersion,
    server: ServerVersions | undefined,
    flags: { json: boolean; namespace: string },
  ): void {
    if (flags.json) {
      const versions: Versions = {
        clientVersion: client,
        addonVersion: server?.addon,
        runtimeVersion: server?.runtime,
      };
      this.printData(versions);
      return;
    }
    this.log(versionText(client.version, server, flags.namespace));
  }
}
