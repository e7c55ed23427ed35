// Where the sandbox keeps its state (kubeconfig, logs, the pids to stop), and its shape.
import os from 'node:os';
import path from 'node:path';

export const SANDBOX_WORKERS = { count: 2, cpu: '2', memory: '4Gi' } as const;

export interface SandboxEnvironment {
  pid: number;
  kubeconfig: string;
  /** The environment variables that point vkctl at the sandbox (kubeconfig, emulator endpoints, keys). */
  vkctlEnv: Record<string, string>;
}

export interface SandboxState extends SandboxEnvironment {
  /** The runtime container's pid. */
  runtimePid?: number;
  /** Every container of the runtime's pod (the runtime and its approver), by name. */
  containerPids?: Record<string, number>;
}

export function sandboxDir(): string {
  return (
    process.env.VKCTL_SANDBOX_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'vkctl', 'sandbox')
  );
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
