import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The cores this process may run on (Linux; `taskset -c 0` makes it "0"), or undefined elsewhere. */
function cpusAllowed(): string | undefined {
  try {
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** The machine a bench result was measured on, recorded with every result file. */
export function benchMachine() {
  return {
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    cpusAllowed: cpusAllowed(),
  };
}
