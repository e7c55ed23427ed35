// Whether vkctl colours what it prints. The one place that decides, so doctor, validate and any
// later coloured output agree with each other and with the conventions users set once for all their
// tools: https://no-color.org (NO_COLOR), FORCE_COLOR (as Node and chalk read it), TERM=dumb.

export interface ColorInputs {
  /** --color / --no-color; undefined when neither was given. */
  flag?: boolean;
  env: NodeJS.ProcessEnv;
  /** Whether the output goes to a terminal. */
  isTTY: boolean;
}

/**
 * The command line wins, then FORCE_COLOR (Node gives it precedence over NO_COLOR too), then
 * NO_COLOR, then TERM=dumb; otherwise colour goes to a terminal only.
 */
export function colorEnabled({ flag, env, isTTY }: ColorInputs): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  // FORCE_COLOR= and FORCE_COLOR=1..3 force colour on; 0 and false force it off.
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}
