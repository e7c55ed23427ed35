// How a failure reads on the command line: the command layer's half of errors.ts's OptionAdvice.
// The layers below name an action's options (skipChecks, force, region); here each becomes the
// running command's flag, and is left out where that command has no such flag. This file and
// command-base.ts (with src/commands) spell vkctl's flags; eslint.config.js holds the layers below
// to that, except check hints (a whole command line to run) and the command lines vkctl runs
// itself (the proxy sidecar's), which say so where they are.
import type { CheckResult } from './checks/check.js';
import { firstLine, VkctlError, type OptionAdvice } from './errors.js';
import { kubeApiMessage } from './kube/api-error.js';

/** The flag that gives `option` on this command ("--skip-checks"), or undefined where it has none. */
export type FlagOf = (option: string) => string | undefined;

/** skipChecks → --skip-checks, when the command has that flag. */
export function flagSpeller(flagNames: Iterable<string>): FlagOf {
  const names = new Set(flagNames);
  return (option) => {
    const kebab = option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return names.has(kebab) ? `--${kebab}` : undefined;
  };
}

/**
 * The message with its advice spelled for this command: "--set: expected key=value", "…; give
 * --region or HUAWEICLOUD_SDK_REGION", "…; pass --force to downgrade".
 */
export function withAdvice(message: string, advice: OptionAdvice | undefined, flagOf: FlagOf): string {
  if (!advice) return message;
  let line = message;
  const flag = advice.option === undefined ? undefined : flagOf(advice.option);
  if (flag) line = `${flag}: ${line}`;
  const ways = (advice.missing ?? [])
    .map(({ option, env }) =>
      [option === undefined ? undefined : flagOf(option), env].filter(Boolean).join(' or '),
    )
    .filter((way) => way);
  if (ways.length > 0) line += `; give ${ways.join(', ')}`;
  const override = advice.override && flagOf(advice.override.option);
  if (override) line += `; pass ${override} ${advice.override?.effect}`;
  return line;
}

/** Check results with their messages' advice spelled for the command that shows them. */
export function adviseResults(results: readonly CheckResult[], flagOf: FlagOf): CheckResult[] {
  return results.map(({ advice, ...result }) =>
    advice ? { ...result, message: withAdvice(result.message, advice, flagOf) } : result,
  );
}

/** The one line a failed command prints after "Error: ". */
export function failureLine(error: Error, flagOf: FlagOf): string {
  // node-fetch (under client-node) names the whole request URL; the server and the reason suffice.
  const unreachable = /^request to (https?:\/\/[^/\s]+)\S* failed, reason: (.*)$/.exec(error.message);
  // A request cut off by --request-timeout (client-node's fetch reports an AbortError).
  const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
  const message = unreachable
    ? `cannot reach the Kubernetes API at ${unreachable[1]}: ${unreachable[2]}`
    : timedOut
      ? `no answer from the Kubernetes API within ${flagOf('requestTimeout') ?? 'the request timeout'}`
      : (kubeApiMessage(error) ?? error.message);
  const advice = error instanceof VkctlError ? error.advice : undefined;
  return withAdvice(firstLine(message), advice, flagOf);
}
