// How the emulator "runs" a container: deterministically, without running anything. A container
// whose command is `sh -c "<script>"` (or bash) runs the script's `echo`, `sleep N` and `exit N`
// statements, separated by `;`, `&&` or new lines, then exits 0; `echo` expands `$VAR` and `${VAR}`
// from the container's environment (not inside single quotes). Any other container is a server:
// it runs until stopped and writes a numbered log line every `tickMs`.
import type { V1Container } from '@kubernetes/client-node';

export type Statement =
  | { kind: 'echo'; text: string; expand: boolean }
  | { kind: 'sleep'; seconds: number }
  | { kind: 'exit'; code: number };

function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

/** The statements of a container's script, or undefined for a long-running server. */
export function containerScript(container: V1Container): Statement[] | undefined {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  const shell = argv[0]?.split('/').pop();
  if (!shell || !['sh', 'bash', 'ash'].includes(shell) || argv[1] !== '-c' || argv[2] === undefined)
    return undefined;
  const statements: Statement[] = [];
  for (const raw of argv[2].split(/;|&&|\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const [word, ...rest] = line.split(/\s+/);
    const arg = rest.join(' ');
    if (word === 'echo')
      statements.push({ kind: 'echo', text: unquote(arg), expand: !arg.trim().startsWith("'") });
    else if (word === 'sleep') statements.push({ kind: 'sleep', seconds: Number(arg) || 0 });
    else if (word === 'exit') statements.push({ kind: 'exit', code: Number(arg) || 0 });
    else if (word === 'true') continue;
    else if (word === 'false') statements.push({ kind: 'exit', code: 1 });
    else statements.push({ kind: 'echo', text: `emulator: not executed: ${line}`, expand: false });
  }
  return statements;
}

/**
 * Whether the container runs `vkctl proxy`: `vkctl proxy …` as its command, or args starting with
 * `proxy` and no command, the image's entrypoint being vkctl (as the add-on's image's is; the
 * emulator has no images to look into). It runs as a server: until stopped.
 */
export function runsProxy(container: V1Container): boolean {
  const [first, second] = [...(container.command ?? []), ...(container.args ?? [])];
  if (container.command?.length) return first?.split('/').pop() === 'vkctl' && second === 'proxy';
  return first === 'proxy';
}

export interface RunningContainer {
  /** Resolves with the exit code. */
  exited: Promise<number>;
  stop(): void;
}

/**
 * Runs a container's script (or server loop), writing log lines through `log`. stop() ends it as
 * SIGTERM would: a server exits 0 at once, a script exits 143.
 */
export function runContainer(
  container: V1Container,
  log: (line: string) => void,
  tickMs: number,
  env: Record<string, string> = {},
): RunningContainer {
  const script = containerScript(container);
  let stopped = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const exited = (async () => {
    if (!script) {
      for (let tick = 1; !stopped; tick++) {
        log(`${container.name}: tick ${tick}`);
        await pause(tickMs);
      }
      return 0;
    }
    for (const statement of script) {
      if (stopped) return 143;
      if (statement.kind === 'echo')
        log(
          statement.expand
            ? statement.text.replace(
                /\$\{(\w+)\}|\$(\w+)/g,
                (_, a?: string, b?: string) => env[a ?? b ?? ''] ?? '',
              )
            : statement.text,
        );
      else if (statement.kind === 'sleep') await pause(statement.seconds * 1000);
      else return statement.code;
    }
    return stopped ? 143 : 0;
  })();
  return {
    exited,
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
