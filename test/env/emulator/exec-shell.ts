// What the emulator runs for an exec into a CCI container: a small, deterministic stand-in for a
// shell, so streams and exit codes can be tested. Commands: echo (expands $VAR), env, cat FILE
// (files mounted from ConfigMaps and Secrets; without a file it copies stdin to stdout), printf
// %s, true, false, exit N, sleep N, stty size (the last terminal size), and sh -c "a; b && c". A
// shell without -c reads its statements from stdin, one per line. In a container that runs the
// interconnect proxy, `vkctl proxy wait` and `vkctl proxy stop` (which makes the container exit 0).
// Anything else: "not found", 127.
import type { Readable, Writable } from 'node:stream';

export interface ShellContext {
  env: Record<string, string>;
  readFile(path: string): Promise<string | undefined>;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** The latest terminal size, if a terminal is attached. */
  terminalSize(): Promise<{ width: number; height: number } | undefined>;
  signal: AbortSignal;
  /** The proxy of the container, when it runs `vkctl proxy` (the runtime models it). */
  proxy?: ProxyControl;
}

export interface ProxyControl {
  /** `vkctl proxy wait`: 0 once the proxy serves. */
  wait(): Promise<number>;
  /** `vkctl proxy stop`: the proxy, and so its container, exits 0. */
  stop(): number;
}

/** Splits a statement into words: whitespace separates, single and double quotes group. */
export function words(statement: string): { word: string; expand: boolean }[] {
  const out: { word: string; expand: boolean }[] = [];
  const pattern = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const match of statement.matchAll(pattern)) {
    if (match[1] !== undefined) out.push({ word: match[1], expand: false });
    else out.push({ word: match[2] ?? match[3] ?? '', expand: true });
  }
  return out;
}

function expand(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_all, braced?: string, bare?: string) => env[braced ?? bare ?? ''] ?? '',
  );
}

const write = (stream: Writable | undefined, text: string | Buffer) =>
  new Promise<void>((resolve) => (stream ? stream.write(text, () => resolve()) : resolve()));

/** Thrown by `exit N` to end the whole shell. */
class ShellExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

async function runStatement(argv: string[], ctx: ShellContext): Promise<number> {
  const [name = '', ...args] = argv;
  switch (name) {
    case 'echo':
      await write(ctx.stdout, `${args.join(' ')}\n`);
      return 0;
    case 'printf':
      await write(ctx.stdout, args.slice(1).join(''));
      return 0;
    case 'env':
      await write(
        ctx.stdout,
        Object.entries(ctx.env)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
      );
      return 0;
    case 'cat': {
      if (args.length === 0) {
        if (ctx.stdin) for await (const chunk of ctx.stdin) await write(ctx.stdout, chunk as Buffer);
        return 0;
      }
      let code = 0;
      for (const path of args) {
        const text = await ctx.readFile(path);
        if (text === undefined) {
          await write(ctx.stderr ?? ctx.stdout, `cat: ${path}: No such file or directory\n`);
          code = 1;
        } else await write(ctx.stdout, text);
      }
      return code;
    }
    case 'true':
      return 0;
    case 'false':
      return 1;
    case 'exit':
      throw new ShellExit(Number(args[0] ?? 0) || 0);
    case 'sleep':
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          ctx.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, (Number(args[0]) || 0) * 1000);
        ctx.signal.addEventListener('abort', done, { once: true });
      });
      return 0;
    case 'stty': {
      const size = await ctx.terminalSize();
      if (args[0] !== 'size' || !size) {
        await write(ctx.stderr ?? ctx.stdout, 'stty: standard input: Not a tty\n');
        return 1;
      }
      await write(ctx.stdout, `${size.height} ${size.width}\n`);
      return 0;
    }
    case 'vkctl':
      if (ctx.proxy && args[0] === 'proxy' && args[1] === 'stop') return ctx.proxy.stop();
      if (ctx.proxy && args[0] === 'proxy' && args[1] === 'wait') return ctx.proxy.wait();
      await write(ctx.stderr ?? ctx.stdout, `sh: ${name}: not found\n`);
      return 127;
    case 'sh':
    case 'bash':
    case '/bin/sh':
    case '/bin/bash':
      if (args[0] === '-c') return runScript(args[1] ?? '', ctx);
      return runInteractive(ctx);
    default:
      await write(ctx.stderr ?? ctx.stdout, `sh: ${name}: not found\n`);
      return 127;
  }
}

/** Statements separated by `;`, new lines or `&&` (which stops at the first failure). */
async function runScript(script: string, ctx: ShellContext): Promise<number> {
  let code = 0;
  for (const line of script.split(/;|\n/)) {
    for (const statement of line.split('&&')) {
      const argv = words(statement).map((w) => (w.expand ? expand(w.word, ctx.env) : w.word));
      if (argv.length === 0) continue;
      code = await runStatement(argv, ctx);
      if (code !== 0) break;
    }
  }
  return code;
}

/** A shell reading statements from stdin: each line runs when it is complete (a terminal sends \r). */
async function runInteractive(ctx: ShellContext): Promise<number> {
  let pending = '';
  let code = 0;
  for await (const chunk of ctx.stdin ?? []) {
    pending += (chunk as Buffer).toString('utf8');
    let end = pending.search(/[\r\n]/);
    while (end >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      code = await runScript(line, { ...ctx, stdin: undefined });
      end = pending.search(/[\r\n]/);
    }
  }
  return pending.trim() ? runScript(pending, { ...ctx, stdin: undefined }) : code;
}

/** Runs an exec's argv; resolves with its exit code. */
export async function runExec(argv: string[], ctx: ShellContext): Promise<number> {
  try {
    return await runStatement(argv, ctx);
  } catch (error) {
    if (error instanceof ShellExit) return error.code;
    throw error;
  }
}
