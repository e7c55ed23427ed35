import os from 'node:os';

/** The machine a bench result was measured on, recorded with every result file. */
export function benchMachine() {
  return {
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
  };
}
