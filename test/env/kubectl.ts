// The real kubectl, as a user runs it: a kubeconfig, arguments, optionally stdin; its exit code
// and output come back as they are.
import { spawn } from 'node:child_process';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<KubectlResult> {
  return runCommand('kubectl', ['--kubeconfig', kubeconfig, ...args], stdin);
}

export function runCommand(command: string, args: string[], stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
