/**
 * `bellflower sync [--watch]`: the edit loop on a development stack, as `cdk watch --hotswap` and
 * `sam sync --watch` do it: build the tree, update only the functions whose code changed and the
 * state machine when its definition changed, without CloudFormation (see
 * `lib/deployment/sync.ts`). Refused on production; every run says the stacks are drifted until
 * the next `deploy --publish`. `--watch` syncs again after each change of the sources until
 * Ctrl-C (exit 130), which lets a sync under way finish first.
 */
import { Option } from 'commander';
import { type BellflowerCommand, type EnvironmentFlags, numberArgument, withEnvironmentOptions } from './cli/command';
import type { SyncResult } from './lib/deployment/sync';

/** The lines a sync prints on stdout: each updated resource, or that everything is up to date. */
export function syncLines(result: SyncResult, seconds: number): string[] {
  const updated = result.changes.filter((change) => change.action === 'updated');
  if (updated.length === 0) {
    return [`up to date: the ${result.changes.length - 1} functions and the state machine already run the tree (checked in ${seconds.toFixed(1)} s)`];
  }
  return [
    ...updated.map((change) => `updated ${change.what}: ${change.resource} (${((change.ms ?? 0) / 1000).toFixed(1)} s)`),
    `synced ${updated.length} of ${result.changes.length} in ${seconds.toFixed(1)} s; ${result.changes.length - updated.length} up to date`,
  ];
}

/** `bellflower sync`. */
export const command: BellflowerCommand<EnvironmentFlags & { watch?: boolean; debounce: number }> = {
  name: 'sync',
  options: (command) =>
    withEnvironmentOptions(
      command.description(
        "Build the tree and update, on a development stack, only the functions whose code changed and the state machine when its definition changed (no CloudFormation: the stacks drift until the next deploy --publish)",
      ),
    )
      .option('--watch', 'sync again after each change of handlers/, asl/ or templates/ until Ctrl-C')
      .addOption(new Option('--debounce <ms>', 'quiet time after a change before a watching sync starts').argParser(numberArgument('--debounce', { min: 0, integer: true, unit: 'milliseconds' })).default(300))
      .addHelpText(
        'after',
        [
          '',
          'Refused on a production environment (prod). Each updated function waits until Lambda',
          'says its update is Successful. What was synced is recorded in dist/sync/<env>.json:',
          'deploy refuses to leave synced code running while CloudFormation sees no change, and',
          'removes the record once both stacks are deployed.',
        ].join('\n'),
      ),
  run: async ({ flags }) => {
    const { commandContext } = await import('./cli/context');
    const { driftNotice, findSyncTargets, refuseProduction, syncEnvironment } = await import('./lib/deployment/sync');
    const { buildArtifacts, environmentBuildOptions } = await import('./lib/deployment/publish');
    const { InterruptedError, messageOf } = await import('./lib/core/errors');
    // A production environment is refused from its configuration alone, before any AWS call.
    const context = await commandContext(flags, { refuse: refuseProduction });
    const { config, clients, distDir, reporter } = context;
    const targets = await findSyncTargets(clients.cloudFormation, config);
    reporter.info(driftNotice(config));
    const once = async (): Promise<void> => {
      const started = Date.now();
      const result = await syncEnvironment({ config, clients, distDir, reporter, targets, build: () => buildArtifacts(environmentBuildOptions(config, distDir)) });
      for (const line of syncLines(result, (Date.now() - started) / 1000)) console.log(line);
    };
    if (!flags.watch) {
      await once();
      return;
    }
    // Watching, a failed sync (a build error in a half-edited file, a refused call) is said and the
    // watch goes on, the first one included, as `cdk watch` does.
    const attempt = () => once().catch((error: unknown) => console.error(`sync: ${messageOf(error)}`));
    const { SOURCE_FOLDERS, watchSources } = await import('./lib/build/watch-sources');
    await new Promise<never>((_resolve, reject) => {
      let running: Promise<void> | undefined;
      let again = false;
      let stopping = false;
      const run = (): void => {
        if (running) {
          again = true;
          return;
        }
        running = attempt().finally(() => {
          running = undefined;
          if (stopping) finish();
          else if (again) {
            again = false;
            run();
          }
        });
      };
      const watcher = watchSources({
        debounceMs: flags.debounce,
        onChange: (paths) => {
          console.log(`changed: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`);
          run();
        },
      });
      const finish = (): void => {
        process.off('SIGINT', interrupt);
        reject(new InterruptedError('stopped watching; no sync was left half-done'));
      };
      const interrupt = (): void => {
        if (stopping) process.exit(130);
        stopping = true;
        watcher.close();
        if (running) console.error('\nfinishing the sync under way (Ctrl-C again to quit at once)');
        else finish();
      };
      process.on('SIGINT', interrupt);
      console.log(`watching ${SOURCE_FOLDERS.map((folder) => `${folder}/`).join(', ')} (Ctrl-C to stop)`);
      // The first sync runs once the watch has begun: an edit made during it is synced after it.
      run();
    });
  },
};
