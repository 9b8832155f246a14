/**
 * `npm run bench [-- --runs <n>] [--slow-runs <n>] [--npm-test]`: the figures of issue 13 in one
 * run, each against its peer, interleaved (A, B, A, B, ...) so that the load of the shared
 * machine affects both sides alike; medians of wall and CPU time (user + system of the process
 * and its children). Reports, never asserts.
 *
 * 1. Commands: `bellflower synth` from the prebuilt bundle (`node bin/bellflower.mjs synth`, and through
 *    `npm run -s synth`) against an equivalent CDK app (bench/cdk-app: `node app.mjs` with
 *    `CDK_VALIDATION=false`, and `npx cdk synth -q` with CDK's default validation); `--version`
 *    and `--help` against a bare `node -e ''`.
 * 2. Publish of an unchanged tree against `aws cloudformation package` of the same artifacts, both
 *    against one moto_server on 127.0.0.1; bytes sent again after a rebuild.
 * 3. Handler zips and cold start: source map inside (before), beside (now), see bench/handlers.ts.
 * 4. Tests: the type-check before (one program with the cdk-nag test) and now (two programs); the
 *    cdk-nag check with CDK's built-in validation (before) and without (now); with `--npm-test`,
 *    the whole `npm test` (wall time and peak memory).
 * 5. The README's invocation (`bellflower`, node_modules/.bin on the PATH) and `npx bellflower`
 *    over `node bin/bellflower.mjs`, see bench/invocation.ts.
 * 6. The edit loop: `bellflower sync` after a one-line handler change, on the emulator (bench/edit-loop.ts).
 *
 * The publish part writes the project's dist/ as `npm run publish` does (config/devl.json, moto's
 * endpoint, a bench configuration in place of the shipped example); dist/manifests/devl.json is put
 * back as it was.
 */
import { Command } from 'commander';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { unzipSync } from 'fflate';
import { stringify } from 'yaml';
import { loadConfig } from '../scripts/lib/core/config';
import { synthesize } from '../scripts/lib/build/synth';
import { codePath, HANDLERS, STATE_MACHINE_PATH, TEMPLATE_PATHS, type HandlerName } from '../templates/layout';
import { freePort } from '../test/support/moto';
import { measureEditLoop } from './edit-loop';
import { measureHandlers, printHandlerFigures } from './handlers';
import { measureInvocation, printInvocation } from './invocation';
import { formatMiB, formatMs, interleave, printTable, ratio, timeCommand, type Sample, type Summary } from './measure';

// The SDK's notice that its 2027 releases need Node 22 would interleave with the tables.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CDK_APP = join(ROOT, 'bench', 'cdk-app');
const DIST = join(ROOT, 'dist');
const node = (script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}) => (): Sample =>
  timeCommand(process.execPath, [script, ...args], { cwd: ROOT, env: { ...process.env, ...env } });

const row = (label: string, summary: Summary): string[] => [label, formatMs(summary.wallMs), formatMs(summary.cpuMs)];
const ratioRow = (label: string, a: Summary, b: Summary, goal: string): string[] => [
  label,
  ratio(a.wallMs, b.wallMs),
  ratio(a.cpuMs, b.cpuMs),
  goal,
];

/** A section: each command's medians, then the ratios with their goals. */
function printSection(title: string, commands: readonly (readonly [string, Summary])[], ratios: readonly string[][]): void {
  console.log(`\n## ${title}\n`);
  printTable(['command', 'wall', 'CPU'], commands.map(([label, summary]) => row(label, summary)));
  console.log('');
  printTable(['ratio', 'wall', 'CPU', 'goal'], ratios);
}

/** 1. How fast the commands start: synth and --version against the CDK peers and the command before. */
async function commands(runs: number, work: string): Promise<void> {
  // CDK's notices and version check would reach the network: off, so that only synthesis is timed.
  const cdkEnv = { CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };
  const results = await interleave(runs, {
    bundle: node('bin/bellflower.mjs', ['synth', '--out', join(work, 'bundle')]),
    npm: () => timeCommand('npm', ['run', '-s', 'synth', '--', '--out', join(work, 'npm')], { cwd: ROOT }),
    cdkApp: node(join(CDK_APP, 'app.mjs'), [], { CDK_VALIDATION: 'false', CDK_OUTDIR: join(work, 'cdk-app') }),
    cdkSynth: () =>
      timeCommand('npx', ['cdk', 'synth', '-q', '--no-notices', '-o', join(work, 'cdk-synth')], {
        cwd: CDK_APP,
        env: { ...process.env, ...cdkEnv },
      }),
    version: node('bin/bellflower.mjs', ['--version']),
    help: node('bin/bellflower.mjs', ['--help']),
    bare: () => timeCommand(process.execPath, ['-e', ''], { cwd: ROOT }),
  });
  printSection(
    `1. Commands start without compiling TypeScript (median of ${runs} interleaved runs)`,
    [
      ['`bellflower synth` (`node bin/bellflower.mjs synth`, the prebuilt bundle)', results.bundle],
      ['`npm run -s synth` (bundle)', results.npm],
      ['`node app.mjs`, CDK app, CDK_VALIDATION=false', results.cdkApp],
      ['`npx cdk synth -q`, same app', results.cdkSynth],
      ['`bellflower --version`', results.version],
      ['`bellflower --help`', results.help],
      ["`node -e ''` (bare interpreter)", results.bare],
    ],
    [
      ratioRow('bellflower synth / CDK app', results.bundle, results.cdkApp, '<= 0.3'),
      ratioRow('npm run synth / CDK app', results.npm, results.cdkApp, ''),
      ratioRow('npm run synth / cdk synth', results.npm, results.cdkSynth, '<= 0.1'),
      ratioRow('bellflower synth / cdk synth', results.bundle, results.cdkSynth, '<= 0.1'),
      ratioRow("bellflower --help / node -e ''", results.help, results.bare, '<= 1.3'),
      ['--version CPU', '', formatMs(results.version.cpuMs), '< 150 ms'],
    ],
  );
}

/** Objects of a bucket: key -> size and last-modified time, to count what a run sent. */
async function listing(s3: S3Client, bucket: string): Promise<Map<string, { size: number; modified: string }>> {
  const objects = new Map<string, { size: number; modified: string }>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      objects.set(object.Key ?? '', { size: object.Size ?? 0, modified: object.LastModified?.toISOString() ?? '' });
    }
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

/** Bytes of the objects that are new or were written again between two listings. */
function bytesWritten(before: Map<string, { size: number; modified: string }>, after: Map<string, { size: number; modified: string }>): number {
  let bytes = 0;
  for (const [key, object] of after) {
    const old = before.get(key);
    if (!old || old.modified !== object.modified) bytes += object.size;
  }
  return bytes;
}

/** A template for `aws cloudformation package` naming the same artifacts as a publish (local paths). */
function peerTemplate(code: Readonly<Record<HandlerName, string>>): string {
  const role = 'arn:aws:iam::123456789012:role/peer';
  const resources: Record<string, unknown> = {};
  for (const handler of Object.keys(HANDLERS) as HandlerName[]) {
    resources[`${handler}Function`] = {
      Type: 'AWS::Lambda::Function',
      Properties: { Code: code[handler], Handler: 'index.handler', Runtime: 'nodejs22.x', Role: role },
    };
  }
  for (const [name, path] of Object.entries(TEMPLATE_PATHS)) {
    if (name !== 'root') resources[`${name}Stack`] = { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: join(DIST, path) } };
  }
  resources.StateMachine = {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: { DefinitionS3Location: join(DIST, STATE_MACHINE_PATH), RoleArn: role },
  };
  return stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources });
}

/**
 * moto_server on a free loopback port, its output discarded. (test/support/moto.ts keeps its
 * stderr in a pipe read by the event loop, which the synchronous runs here would block: moto logs
 * every request, fills the pipe and stops answering.)
 */
async function startQuietMoto(): Promise<{ endpoint: string; stop: () => void }> {
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', endpoint.split(':').pop() ?? ''], { stdio: 'ignore' });
  const stop = (): void => void child.kill('SIGTERM');
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    if (attempt > 300 || child.exitCode !== null) {
      stop();
      throw new Error(`moto_server did not start on ${endpoint}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** 2. Publish of an unchanged tree against `aws cloudformation package`, one moto_server for both. */
async function publishUnchanged(runs: number, work: string): Promise<void> {
  const moto = await startQuietMoto();
  const manifestFile = join(DIST, 'manifests', 'devl.json');
  // publish refuses the shipped example values: a configuration of the bench's own.
  const configDir = join(work, 'config');
  mkdirSync(configDir, { recursive: true });
  const shipped = JSON.parse(readFileSync(join(ROOT, 'config', 'devl.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    join(configDir, 'devl.json'),
    JSON.stringify({ ...shipped, artifactBucket: 'bellflower-bench-artifacts', kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', subscriptionEmail: 'bench@bellflower.test' }),
  );
  const savedManifest = existsSync(manifestFile) ? readFileSync(manifestFile) : undefined;
  try {
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const bucket = loadConfig({ env: 'devl', configDir, parameters: [] }).artifactBucket;
    const peerBucket = 'bellflower-bench-peer';
    await s3.send(new CreateBucketCommand({ Bucket: peerBucket }));
    // A bound on each run, so that a stuck emulator fails the bench instead of hanging it.
    const timeout = 120_000;
    const publishCommand = (): Sample => timeCommand(process.execPath, ['bin/bellflower.mjs', 'publish', '--config-dir', configDir], { cwd: ROOT, env, timeout });
    // The first publish builds and uploads everything; what is timed below is the unchanged tree.
    publishCommand();
    const zips = Object.fromEntries((Object.keys(HANDLERS) as HandlerName[]).map((handler) => [handler, join(DIST, codePath(handler))])) as Record<
      HandlerName,
      string
    >;
    writeFileSync(join(work, 'peer.yaml'), peerTemplate(zips));
    const packageCommand = (template: string) => (): Sample =>
      timeCommand('aws', ['cloudformation', 'package', '--template-file', template, '--s3-bucket', peerBucket, '--output-template-file', join(work, 'packaged.yaml')], {
        cwd: work,
        env,
        timeout,
      });
    const results = await interleave(runs, {
      publish: publishCommand,
      npm: () => timeCommand('npm', ['run', '-s', 'publish', '--', '--config-dir', configDir], { cwd: ROOT, env, timeout }),
      awsPackage: packageCommand(join(work, 'peer.yaml')),
    });

    // After a rebuild: publish rebuilds from scratch (no cache, every file written again)...
    const ownBefore = await listing(s3, bucket);
    timeCommand(process.execPath, ['bin/bellflower.mjs', 'build', '--force'], { cwd: ROOT, env });
    timeCommand(process.execPath, ['bin/bellflower.mjs', 'synth'], { cwd: ROOT, env });
    const rebuilt = publishCommand().stdout.trim();
    const ownBytes = bytesWritten(ownBefore, await listing(s3, bucket));
    // ... and awscli packages the handler folders, as its users do, extracted again (new mtimes).
    const folders = (): Record<HandlerName, string> => {
      const dirs = {} as Record<HandlerName, string>;
      for (const handler of Object.keys(HANDLERS) as HandlerName[]) {
        const dir = join(work, 'peer-src', handler);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        for (const [file, content] of Object.entries(unzipSync(new Uint8Array(readFileSync(zips[handler]))))) writeFileSync(join(dir, file), content);
        dirs[handler] = dir;
      }
      return dirs;
    };
    writeFileSync(join(work, 'peer-folders.yaml'), peerTemplate(folders()));
    packageCommand(join(work, 'peer-folders.yaml'))();
    const peerBefore = await listing(s3, peerBucket);
    // Zip timestamps have a resolution of two seconds.
    await new Promise((done) => setTimeout(done, 2100));
    folders();
    packageCommand(join(work, 'peer-folders.yaml'))();
    const peerBytes = bytesWritten(peerBefore, await listing(s3, peerBucket));

    printSection(
      `2. Publish of an unchanged tree, same moto S3 (median of ${runs} interleaved runs)`,
      [
        ['`bellflower publish`', results.publish],
        ['`npm run -s publish`', results.npm],
        ['`aws cloudformation package`, same zips, templates, definition', results.awsPackage],
      ],
      [
        ratioRow('publish / aws cloudformation package', results.publish, results.awsPackage, '<= 0.8'),
        ratioRow('npm run publish / aws cloudformation package', results.npm, results.awsPackage, '<= 0.8'),
      ],
    );
    console.log('');
    printTable(
      ['after a rebuild', 'bytes sent again'],
      [
        ['publish (`npm run build -- --force`, `npm run synth`)', `${ownBytes} (${rebuilt.replace(/^.*\((\d+ uploaded, \d+ unchanged)\).*$/s, '$1')})`],
        ['aws cloudformation package (handler folders extracted again)', String(peerBytes)],
      ],
    );
  } finally {
    if (savedManifest) writeFileSync(manifestFile, savedManifest);
    else rmSync(manifestFile, { force: true });
    moto.stop();
  }
}

/** 4. The test run: type-check and cdk-nag before and now; the whole `npm test` when asked. */
async function tests(runs: number, work: string, npmTest: boolean): Promise<void> {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  // The configuration before: one program, the cdk-nag test in it.
  const main = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
  const before = join(work, 'tsconfig.before.json');
  writeFileSync(
    before,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { typeRoots: [join(ROOT, 'node_modules', '@types')] },
      include: main.include.map((path) => join(ROOT, path)),
      exclude: [join(ROOT, 'node_modules'), join(ROOT, 'dist')],
    }),
  );
  const typeCheck = await interleave(
    runs,
    {
      before: () => timeCommand(tsc, ['--noEmit', '-p', before], { cwd: ROOT, peakMemory: true }),
      now: () => timeCommand('npm', ['run', '-s', 'typecheck'], { cwd: ROOT, peakMemory: true }),
    },
    { warmUp: false },
  );
  const dist = join(work, 'nag-dist');
  await synthesize({ outDir: dist });
  const nag = (validation: 'on' | 'off') => (): Sample => {
    const result = spawnSync(process.execPath, [join(CDK_APP, 'nag.mjs'), dist, validation, ...Object.values(TEMPLATE_PATHS)], { cwd: ROOT, encoding: 'utf8' });
    const { ms } = JSON.parse(result.stdout) as { ms: number };
    return { wallMs: ms, cpuMs: undefined, stdout: result.stdout };
  };
  const cdkNag = await interleave(runs, { validated: nag('on'), now: nag('off') }, { warmUp: false });
  console.log(`\n## 4. Tests (median of ${runs} interleaved runs)\n`);
  printTable(
    ['step', 'wall', 'CPU', 'peak memory'],
    [
      [...row('type-check before: `tsc --noEmit`, one program with the cdk-nag test', typeCheck.before), formatMiB(typeCheck.before.peakKiB)],
      [...row('type-check now: `npm run typecheck`, the two programs side by side', typeCheck.now), formatMiB(typeCheck.now.peakKiB)],
      [...row('cdk-nag synthesis before: CDK validation on', cdkNag.validated), ''],
      [...row('cdk-nag synthesis now: validation off (cfn-lint checks the same)', cdkNag.now), ''],
    ],
  );
  console.log('');
  printTable(
    ['ratio', 'wall', 'CPU'],
    [
      ['type-check now / before', ratio(typeCheck.now.wallMs, typeCheck.before.wallMs), ratio(typeCheck.now.cpuMs, typeCheck.before.cpuMs)],
      ['cdk-nag synthesis now / before', ratio(cdkNag.now.wallMs, cdkNag.validated.wallMs), ''],
    ],
  );
  if (npmTest) {
    const whole = timeCommand('npm', ['test'], { cwd: ROOT, peakMemory: true });
    console.log(`\n\`npm test\`: ${formatMs(whole.wallMs)} wall, ${formatMs(whole.cpuMs)} CPU, peak ${formatMiB(whole.peakKiB)}`);
  }
}

await new Command('bench')
  .description('The figures of issue 13 against their peers, in one run')
  .option('--runs <n>', 'interleaved runs of each command', '5')
  .option('--slow-runs <n>', 'runs of the type-check and cdk-nag comparisons', '2')
  .option('--handler-runs <n>', 'fresh processes per handler and variant', '7')
  .option('--npm-test', 'also time the whole npm test once (minutes)')
  .action(async (options: { runs: string; slowRuns: string; handlerRuns: string; npmTest?: boolean }) => {
    const work = mkdtempSync(join(tmpdir(), 'bellflower-bench-'));
    try {
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      console.log(`# npm run bench: node ${process.version}, load average ${load}`);
      await commands(Number(options.runs), work);
      await publishUnchanged(Number(options.runs), work);
      console.log('\n## 3. Handler zips\n');
      printHandlerFigures(await measureHandlers(Number(options.handlerRuns)), Number(options.handlerRuns));
      await tests(Number(options.slowRuns), work, options.npmTest ?? false);
      printInvocation(await measureInvocation(Number(options.runs)), Number(options.runs));
      await measureEditLoop(Number(options.runs));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  })
  .parseAsync()
  .catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
