import { Args } from '@oclif/core';
import { VkctlCommand } from '../command-base.js';
import { completionScript, SHELLS, type CompletionCommand } from '../completion.js';

export default class Completion extends VkctlCommand {
  static override summary = 'Print the shell completion script for bash, zsh or fish';
  static override description = `Completes commands, flags, and the values of flags that have a fixed set (-o json|yaml, --log-level); file names elsewhere. Load it in each new shell:

bash: add to ~/.bashrc: source <(vkctl completion bash)
  or, for every user: vkctl completion bash > /etc/bash_completion.d/vkctl
zsh: add to ~/.zshrc, after compinit: source <(vkctl completion zsh)
  or: vkctl completion zsh > "\${fpath[1]}/_vkctl" and start a new shell
fish: vkctl completion fish > ~/.config/fish/completions/vkctl.fish`;
  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_vkctl"',
    '<%= config.bin %> completion fish > ~/.config/fish/completions/vkctl.fish',
  ];

  static override args = {
    shell: Args.string({ description: 'the shell', options: [...SHELLS], required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    const shell = SHELLS.find((s) => s === args.shell) ?? 'bash';
    const commands: CompletionCommand[] = this.config.commands
      .filter((command) => !command.hidden)
      .map((command) => ({
        id: command.id,
        flags: Object.values(command.flags)
          .filter((flag) => !flag.hidden)
          .map((flag) => ({
            name: flag.name,
            char: flag.char,
            takesValue: flag.type === 'option',
            allowNo: flag.type === 'boolean' && flag.allowNo,
            options: flag.type === 'option' ? flag.options : undefined,
          })),
      }));
    const rootFlags = ['--help', '-h', '--version', '-v'];
    this.log(completionScript(shell, commands, rootFlags).trimEnd());
  }
}
