/** `npm run deploy`: preflight, cross stack, root stack (change sets), outputs in dist/outputs/<env>.json. */
import { Command } from 'commander';
import { commandContext, withCommonOptions, type CommonFlags } from './lib/cli';
import { run } from './lib/command';
import { deploy } from './lib/deploy';

const program = withCommonOptions(
  new Command('deploy').description('Deploy the cross stack, then the root stack, from the last publish'),
)
  .option('--replace-failed', 'delete and re-create a stack left in ROLLBACK_COMPLETE', false)
  .action((flags: CommonFlags & { replaceFailed: boolean }) =>
    run('deploy', async () => {
      const { config, clients, distDir, reporter } = commandContext(flags);
      const result = await deploy({ config, clients, distDir, reporter, replaceFailed: flags.replaceFailed });
      for (const [key, value] of Object.entries(result.outputs)) console.log(`${key} = ${value}`);
      if (result.outputsFile) console.log(`outputs written to ${result.outputsFile}`);
    }),
  );

await program.parseAsync();
