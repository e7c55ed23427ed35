// An unknown command: one line on stderr and exit 2, as every usage error, with the nearest command
// when one is near ("vkctl stauts" → status), as kubectl suggests. oclif runs this hook only then,
// so it costs the other commands nothing.
import type { Hook } from '@oclif/core/hooks';
import { nearest } from '../suggest.js';

// Not async (nothing to wait for); oclif awaits what a hook returns, and exit() throws before that.
const hook: Hook.CommandNotFound = function ({ id, config }) {
  // oclif joins the words it was given with ":" ("provider rnu" → provider:rnu).
  const spoken = (commandId: string) => commandId.replace(/:/g, ' ');
  const known = [...config.commandIDs, ...config.topics.map((t) => t.name)];
  const near = nearest(id, [...new Set(known)]);
  const suggestion = near ? `; did you mean ${spoken(near)}?` : '';
  process.stderr.write(`Error: command ${spoken(id)} not found${suggestion} (see vkctl --help)\n`);
  this.exit(2);
  return Promise.resolve();
};

export default hook;
