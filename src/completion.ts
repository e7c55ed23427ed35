// Shell completion scripts for `vkctl completion bash|zsh|fish`, written from the commands and
// flags oclif knows (its manifest). Each script holds the whole table, so a TAB runs no vkctl
// (starting node takes longer than a keypress should). Each shell gets the same four lookups:
//   known ID        whether ID ("proxy", "proxy:stop") is a command or a topic
//   commands ID     the subcommands under ID ("" for the root)
//   flags ID        ID's flags
//   values "ID FLAG"  the values FLAG takes (json yaml for -o); nothing printed for a free value
//                   (the shell then completes file names); fails when FLAG takes no value
// and walks the words before the cursor the same way: each word that extends the command found so
// far to a known ID extends it; flags, their values and arguments are passed over.

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface CompletionFlag {
  name: string;
  char?: string;
  /** Whether it takes a value (an oclif "option" flag). */
  takesValue: boolean;
  allowNo?: boolean;
  options?: readonly string[];
}

export interface CompletionCommand {
  /** oclif's id: words joined by ":" ("proxy:stop"). */
  id: string;
  flags: readonly CompletionFlag[];
}

interface Table {
  /** Every command and topic id. */
  known: string[];
  /** Parent id ("" for the root) → its subcommands' last words. */
  commands: Map<string, string[]>;
  /** Command id ("" for the root) → its flags' spellings. */
  flags: Map<string, string[]>;
  /** "ID FLAG" → the values it takes ([] for a free value). */
  values: Map<string, readonly string[]>;
}

// Names go into case patterns and word lists unquoted: only such characters are let through.
const SAFE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

function table(commands: readonly CompletionCommand[], rootFlags: readonly string[]): Table {
  const known = new Set<string>();
  const children = new Map<string, Set<string>>();
  const flags = new Map<string, string[]>([['', [...rootFlags]]]);
  const values = new Map<string, readonly string[]>();
  for (const command of commands) {
    if (!SAFE.test(command.id)) continue;
    const words = command.id.split(':');
    // Each prefix is a topic ("provider") under its own parent.
    words.forEach((word, i) => {
      const parent = words.slice(0, i).join(':');
      known.add(words.slice(0, i + 1).join(':'));
      if (!children.has(parent)) children.set(parent, new Set());
      children.get(parent)?.add(word);
    });
    const spellings: string[] = ['--help', '-h'];
    for (const flag of command.flags) {
      if (!SAFE.test(flag.name)) continue;
      const names = [`--${flag.name}`, ...(flag.char ? [`-${flag.char}`] : [])];
      spellings.push(...names);
      if (flag.allowNo) spellings.push(`--no-${flag.name}`);
      if (!flag.takesValue) continue;
      const options = (flag.options ?? []).filter((o) => SAFE.test(o));
      for (const name of names) values.set(`${command.id} ${name}`, options);
    }
    flags.set(command.id, spellings);
  }
  return {
    known: [...known].sort(),
    commands: new Map([...children].map(([id, words]) => [id, [...words].sort()])),
    flags,
    values,
  };
}

/** Case arms of a shell's `case`: one pattern list per distinct answer, so the script stays short. */
function arms(entries: Iterable<[string, string]>): [string[], string][] {
  const byAnswer = new Map<string, string[]>();
  for (const [key, answer] of entries) byAnswer.set(answer, [...(byAnswer.get(answer) ?? []), key]);
  return [...byAnswer].map(([answer, keys]) => [keys, answer]);
}

const quote = (key: string) => `'${key}'`;

function shCase(name: string, entries: Iterable<[string, string]>, otherwise: string): string {
  const lines = arms(entries).map(([keys, answer]) => `    ${keys.map(quote).join('|')}) ${answer} ;;`);
  return [`${name}() {`, '  case "$1" in', ...lines, `    *) ${otherwise} ;;`, '  esac', '}'].join('\n');
}

function fishSwitch(name: string, entries: Iterable<[string, string]>, otherwise: string): string {
  const lines = arms(entries).flatMap(([keys, answer]) => [
    `    case ${keys.map(quote).join(' ')}`,
    `      ${answer}`,
  ]);
  return [
    `function ${name}`,
    '  switch "$argv[1]"',
    ...lines,
    "    case '*'",
    `      ${otherwise}`,
    '  end',
    'end',
  ].join('\n');
}

/** The lookups, in `sh` syntax (bash and zsh read it alike) or fish's. */
function lookups(t: Table, fish: boolean): string {
  const say = (words: readonly string[]) =>
    words.length === 0 ? 'return 0' : `printf '%s\\n' ${words.join(' ')}`;
  const define = fish ? fishSwitch : shCase;
  return [
    define(
      '__vkctl_known',
      t.known.map((id) => [id, 'return 0']),
      'return 1',
    ),
    define(
      '__vkctl_commands',
      [...t.commands].map(([id, words]) => [id, say(words)]),
      'return 0',
    ),
    define(
      '__vkctl_flags',
      [...t.flags].map(([id, words]) => [id, say(words)]),
      'return 0',
    ),
    define(
      '__vkctl_values',
      [...t.values].map(([key, words]) => [key, say(words)]),
      'return 1',
    ),
  ].join('\n\n');
}

const BASH = `
# The command the words before the cursor name: "" (the root), "status", "proxy:stop"...
__vkctl_command() {
  local command="" word next i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    next="\${command:+$command:}$word"
    __vkctl_known "$next" && command="$next"
  done
  printf '%s' "$command"
}

__vkctl_complete() {
  local current="\${COMP_WORDS[COMP_CWORD]}" previous="\${COMP_WORDS[COMP_CWORD-1]}"
  local command values
  command="$(__vkctl_command)"
  COMPREPLY=()
  # A flag's value: its options, or (for a free value) file names, which -o default gives.
  if ((COMP_CWORD > 1)) && values="$(__vkctl_values "$command $previous")"; then
    [[ -n "$values" ]] && COMPREPLY=($(compgen -W "$values" -- "$current"))
    return 0
  fi
  # Word splitting, not mapfile, which bash 3 (macOS's) lacks: no name holds a space or a glob.
  if [[ "$current" == -* ]]; then
    COMPREPLY=($(compgen -W "$(__vkctl_flags "$command")" -- "$current"))
  else
    COMPREPLY=($(compgen -W "$(__vkctl_commands "$command")" -- "$current"))
  fi
}

complete -o default -F __vkctl_complete vkctl
`;

// Loaded either way zsh allows: sourced (compdef registers it), or autoloaded from $fpath as _vkctl,
// where the file's body runs at each completion and so completes at once.
const ZSH = `
__vkctl_complete() {
  local command="" word next i values
  local current="\${words[CURRENT]}" previous="\${words[CURRENT-1]}"
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    [[ "$word" == -* ]] && continue
    next="\${command:+$command:}$word"
    __vkctl_known "$next" && command="$next"
  done
  if ((CURRENT > 2)) && values="$(__vkctl_values "$command $previous")"; then
    if [[ -n "$values" ]]; then compadd -- \${(f)values}; else _files; fi
    return
  fi
  if [[ "$current" == -* ]]; then
    values="$(__vkctl_flags "$command")"
    [[ -n "$values" ]] && compadd -- \${(f)values}
  else
    values="$(__vkctl_commands "$command")"
    if [[ -n "$values" ]]; then compadd -- \${(f)values}; else _files; fi
  fi
}

if [[ "\${funcstack[1]}" == _vkctl ]]; then
  __vkctl_complete "$@"
else
  compdef __vkctl_complete vkctl
fi
`;

const FISH = `
# The command the words before the cursor name: "" (the root), "status", "proxy:stop"...
function __vkctl_command
  set -l command ''
  for word in (commandline -opc)[2..-1]
    string match -q -- '-*' $word; and continue
    set -l next $word
    test -n "$command"; and set next "$command:$word"
    __vkctl_known $next; and set command $next
  end
  printf '%s' $command
end

function __vkctl_complete
  set -l words (commandline -opc)
  set -l current (commandline -ct)
  set -l command (__vkctl_command)
  if test (count $words) -gt 1
    set -l values (__vkctl_values "$command $words[-1]")
    if test $status -eq 0
      if test (count $values) -gt 0
        printf '%s\\n' $values
      else
        __fish_complete_path $current
      end
      return
    end
  end
  if string match -q -- '-*' $current
    __vkctl_flags $command
  else
    __vkctl_commands $command
  end
end

complete -c vkctl -f -a '(__vkctl_complete)'
`;

/** The completion script for `shell`, from the commands and the root's own flags. */
export function completionScript(
  shell: Shell,
  commands: readonly CompletionCommand[],
  rootFlags: readonly string[],
): string {
  const t = table(commands, rootFlags);
  const header = `${shell === 'zsh' ? '#compdef vkctl\n' : ''}# ${shell} completion for vkctl: see \`vkctl completion --help\``;
  const body = { bash: BASH, zsh: ZSH, fish: FISH }[shell];
  return `${header}\n\n${lookups(t, shell === 'fish')}\n${body}`;
}
