/**
 * The edit loop through the binary on the emulator (`bellflower emulator`: moto with Bellflower's
 * patches): `bellflower sync [--watch]` after an edit, and `bellflower watch` showing the wait for
 * the answer. The stacks are published and deployed from this project, then a copy of the tree
 * (test/support/project-copy.ts) is edited as a user would and synced onto them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bellflower, type BellflowerRunOptions, type Result } from './support/bellflower-cli';
import { SHIPPED_EMULATOR_CONFIG as shipped, startEmulatorSession, type EmulatorSession } from './support/emulator-session';
import { copyProject, type ProjectCopy } from './support/project-copy';
import { requireTool } from './support/tools';

const REGION = String(shipped.region);
const FUNCTIONS = {
  processing: 'bellflower-processing-lambda-devl-us-east-1',
  integration: 'bellflower-integration-lambda-devl-us-east-1',
  s3Folders: 'bellflower-s3-folders-cr-devl-us-east-1',
  s3Notification: 'bellflower-s3-notify-cr-devl-us-east-1',
};
const STATE_MACHINE = `arn:aws:states:${REGION}:123456789012:stateMachine:bellflower-state-machine-devl-us-east-1`;

describe.runIf(requireTool('moto_server'))('the edit loop on the emulator: sync, and watch showing the wait', () => {
  let session: EmulatorSession;
  let workDir: string;
  let env: NodeJS.ProcessEnv;
  let tree: ProjectCopy;

  const inProject = (args: readonly string[]): Promise<Result> => bellflower(args, env);
  const inCopy = (args: readonly string[], options: BellflowerRunOptions = {}): Promise<Result> => bellflower(args, env, { ...options, root: tree.root });
  async function succeed(run: Promise<Result>): Promise<Result> {
    const result = await run;
    if (result.code !== 0) throw new Error(`exited ${result.code}: ${result.stderr.trim()}\n${result.stdout.trim()}`);
    return result;
  }
  /** CodeSha256 of each function, by handler. */
  async function codeHashes(): Promise<Record<string, string | undefined>> {
    const entries = await Promise.all(
      Object.entries(FUNCTIONS).map(async ([handler, name]) => [handler, (await session.clients.lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.CodeSha256] as const),
    );
    return Object.fromEntries(entries);
  }
  const definition = async () => JSON.parse((await session.clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: STATE_MACHINE }))).definition ?? '{}') as { TimeoutSeconds?: number };
  const syncRecord = () => join(workDir, 'dist', 'sync', 'devl.json');

  beforeAll(async () => {
    session = await startEmulatorSession('bellflower-sync-');
    ({ workDir, env } = session);
    writeFileSync(join(workDir, 'config', 'prod.json'), JSON.stringify({ ...shipped, production: true }, null, 2));
    tree = copyProject();
    await succeed(inProject(['deploy', '--publish', '--require-approval', 'never']));
  }, 180_000);

  afterAll(async () => {
    await session?.stop();
    tree?.remove();
  });

  it('says "up to date" after checking every function and the state machine, when the tree is the deployed one', async () => {
    const before = await codeHashes();
    const result = await succeed(inCopy(['sync']));
    expect(result.stdout).toMatch(/^up to date: the 4 functions and the state machine already run the tree \(checked in [\d.]+ s\)$/m);
    expect(result.stderr).toMatch(/drifted until the next `bellflower deploy --env devl --publish`/);
    expect(await codeHashes()).toEqual(before);
  }, 120_000);

  it('rejects a production environment, changing nothing', async () => {
    const before = await codeHashes();
    const result = await inCopy(['sync', '--env', 'prod']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sync: refused: prod is a production environment, .*use `bellflower deploy --env prod --publish`$/m);
    expect(await codeHashes()).toEqual(before);
  }, 60_000);

  it("updates only the edited function's code after a one-line change, and records it", async () => {
    const before = await codeHashes();
    tree.edit('handlers/processing/index.ts', 'export async function handler', "export const EDITED = 'one line';\nexport async function handler");
    const result = await succeed(inCopy(['sync']));
    expect(result.stdout).toMatch(new RegExp(`^updated the processing function's code: ${FUNCTIONS.processing} \\([\\d.]+ s\\)$`, 'm'));
    expect(result.stdout).toMatch(/^synced 1 of 5 in [\d.]+ s; 4 up to date$/m);
    const after = await codeHashes();
    expect(after.processing).not.toBe(before.processing);
    expect({ ...after, processing: undefined }).toEqual({ ...before, processing: undefined });
    const record = JSON.parse(readFileSync(syncRecord(), 'utf8')) as { artifacts: Record<string, { stackKey: string }> };
    expect(Object.keys(record.artifacts)).toEqual(['code/processing_lambda.zip']);
    expect(record.artifacts['code/processing_lambda.zip']!.stackKey).toMatch(/^bellflower\/code\/processing_lambda-[0-9a-f]{16}\.zip$/);
  }, 120_000);

  it('updates the state machine definition after a change in asl/, and no function', async () => {
    const before = await codeHashes();
    const timeout = (await definition()).TimeoutSeconds!;
    tree.edit('asl/state-machine.ts', 'export const EXECUTION_MARGIN_SECONDS = 3_600;', 'export const EXECUTION_MARGIN_SECONDS = 3_660;');
    const result = await succeed(inCopy(['sync']));
    expect(result.stdout).toMatch(new RegExp(`^updated the state machine definition: ${STATE_MACHINE} \\([\\d.]+ s\\)$`, 'm'));
    expect((await definition()).TimeoutSeconds).toBe(timeout + 60);
    // The placeholders were substituted as the root stack's DefinitionSubstitutions give them.
    expect(JSON.stringify(await definition())).not.toMatch(/\$\{/);
    expect(await codeHashes()).toEqual(before);
  }, 120_000);

  it('rejects a deploy that would leave synced code running (the published keys are unchanged), until a sync puts the tree back', async () => {
    // This project's tree is the published one: CloudFormation would see no change.
    const refused = await inProject(['deploy', '--require-approval', 'never']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^deploy: preflight: the processing function's code is what `bellflower sync` put there at .*this deploy would leave it.*Run `bellflower sync --env devl`/m);
    expect(refused.stderr).toMatch(/^deploy: preflight: the state machine definition is what `bellflower sync` put there/m);
    expect(refused.stderr).not.toMatch(/creating change set/);

    const restored = await succeed(inProject(['sync']));
    expect(restored.stdout).toMatch(/^synced 2 of 5 in/m);
    const deployed = await succeed(inProject(['deploy', '--require-approval', 'never']));
    expect(deployed.stderr).toMatch(/^bellflower-root-stack-devl: no changes$/m);
    expect(() => readFileSync(syncRecord())).toThrow(/ENOENT/);
  }, 180_000);

  it("syncs on each change with --watch, says a build error (the first sync's too) and goes on, and stops on Ctrl-C with exit 130 once the sync under way is done", async () => {
    // The copy's edits made earlier are put on the stacks first, so that only the watched edit remains.
    await succeed(inCopy(['sync']));
    const before = await codeHashes();
    const file = 'handlers/integration/index.ts';
    // Half-edited when the watch starts: its first sync fails, said, and the watch goes on.
    tree.edit(file, 'export async function handler', 'export const EDITED = ;\nexport async function handler');
    let fixed = false;
    let interrupted = false;
    let stdoutSoFar = '';
    let stderrSoFar = '';
    // Fixed once the first sync has failed and the watch has begun.
    const fixWhenWatching = () => {
      if (fixed || !/^watching handlers\/, asl\/, templates\/ \(Ctrl-C to stop\)$/m.test(stdoutSoFar)) return;
      if (!/^sync: esbuild failed for handler integration: .*index\.ts:\d+/m.test(stderrSoFar)) return;
      fixed = true;
      tree.edit(file, 'export const EDITED = ;', "export const EDITED = 'watched';");
    };
    const result = await inCopy(['sync', '--watch', '--debounce', '100'], {
      onStdout: (stdout, kill) => {
        stdoutSoFar = stdout;
        fixWhenWatching();
        if (!interrupted && /^updated the integration function's code/m.test(stdout)) {
          interrupted = true;
          kill('SIGINT');
        }
      },
      onStderr: (stderr) => {
        stderrSoFar = stderr;
        fixWhenWatching();
      },
      onStart: (kill) => setTimeout(() => kill('SIGKILL'), 60_000).unref(),
    });
    expect(fixed, result.stderr).toBe(true);
    expect(result.stdout).toMatch(/^watching handlers\/, asl\/, templates\/ \(Ctrl-C to stop\)$/m);
    expect(result.stdout).toMatch(/^changed: handlers\/integration\/index\.ts$/m);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/^sync: stopped watching; no sync was left half-done$/m);
    const after = await codeHashes();
    expect(after.integration).not.toBe(before.integration);
    expect({ ...after, integration: undefined }).toEqual({ ...before, integration: undefined });
  }, 180_000);

  it('shows the wait while an execution waits for its answer: the state, since when, the outbound folder, the timeout left; once in a pipe', async () => {
    const started = await inProject(['start-execution', '--input', '{"order":7}', '--wait', '60']);
    const arn = /^execution: (\S+)$/m.exec(started.stdout)?.[1];
    const id = /^execution id: (\S+)$/m.exec(started.stdout)?.[1];
    expect(id, started.stderr).toMatch(/^[0-9a-f-]{36}$/);
    let answered: Promise<Result> | undefined;
    const answer = () => void (answered ??= succeed(inProject(['respond', id!])));
    // Answered a few polls after the wait is shown (a pipe still gets the line once), or after 15 s
    // when it is never shown, so that the watch ends either way.
    let fallback = setTimeout(answer, 15_000);
    let shown = false;
    const watched = await bellflower(['watch', arn!, '--poll', '0.3'], env, {
      onStdout: (stdout) => {
        if (shown || !/^waiting in /m.test(stdout)) return;
        shown = true;
        clearTimeout(fallback);
        fallback = setTimeout(answer, 2_000);
      },
    });
    clearTimeout(fallback);
    await answered;
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout.split('\n').filter((line) => line.startsWith('waiting in '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^waiting in "Wait For Response" since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(\\d+s\\) for the answer to outbound/${id}/; times out in 9m \\d\\ds \\(TimeoutSeconds 600\\)$`),
    );
    expect(watched.stdout).not.toMatch(/\x1b/);
    expect(watched.stdout.indexOf(lines[0]!)).toBeLessThan(watched.stdout.indexOf('== SUCCEEDED'));
  }, 120_000);

  it('deploys the edited tree with deploy --publish, replacing what sync put there, saying so, and removing the record', async () => {
    const synced = await codeHashes();
    expect(JSON.parse(readFileSync(syncRecord(), 'utf8')).artifacts).toHaveProperty(['code/integration_lambda.zip']);
    const deployed = await succeed(inCopy(['deploy', '--publish', '--require-approval', 'never']));
    expect(deployed.stderr).toMatch(/^replaced what `bellflower sync` had put on the stacks with the published version: .*the integration function's code/m);
    expect(deployed.stderr).toMatch(/^bellflower-root-stack-devl: UPDATE_COMPLETE/m);
    expect(() => readFileSync(syncRecord())).toThrow(/ENOENT/);
    // CloudFormation now holds the code the functions run: the same bytes sync had put there.
    expect(await codeHashes()).toEqual(synced);
    expect((await succeed(inCopy(['sync']))).stdout).toMatch(/^up to date:/m);
  }, 180_000);
});
