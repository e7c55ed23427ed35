// The real kubectl, as a user runs it: a kubeconfig, arguments, optionally stdin; its exit code
// and output come back as they are.
import { runProcess, type CliResult } from './run-cli.js';

export function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<CliResult> {
  return runProcess('kubectl', ['--kubeconfig', kubeconfig, ...args], { input: stdin });
}

/** Any other program (e.g. `script`, to give kubectl a terminal). */
export function runCommand(command: string, args: string[], stdin?: string): Promise<CliResult> {
  return runProcess(command, args, { input: stdin });
}
