/**
 * The `bellflower` binary as a user runs it (`node bin/bellflower.mjs`, what `npx bellflower`
 * starts), against moto on 127.0.0.1: exit codes, help, version, the AWS line, deployments found
 * from the stacks, `--json`, Ctrl-C.
 */
import { CreateStackCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
// The key policy bootstrap creates: deploy's preflight checks its root and CloudWatch statements.
import { keyPolicy } from '../templates/iam-contract';
import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMoto, type MotoServer } from '../test/support/moto';
import { requireTool } from '../test/support/tools';
import { bellflower, emulatorEnvironment, type Result } from '../test/support/bellflower-cli';
import { createAwsClients, type AwsClients } from './lib/core/aws';
import type { BellflowerConfig } from './lib/core/config';
import { publish, publishOptions } from './lib/deployment/publish';
import { describeStack } from './lib/deployment/stacks';
import { writeFakeBuild } from '../test/support/fake-build';
import { COMMANDS } from './cli/commands';
import { VERSION } from './program';

const ROOT = new URL('..', import.meta.url).pathname;

const lines = (text: string): string[] => text.split('\n').filter((line) => line.length > 0);

describe('bellflower without AWS', () => {
  it('ends quietly when the reader of its output has gone (`bellflower deploy --help | head -1`)', async () => {
    const { stderr, code } = await new Promise<Result>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/bellflower.mjs'), 'deploy', '--help'], { cwd: ROOT, env: { PATH: process.env.PATH, NO_COLOR: '1' } });
      // The reader closes the pipe before the help is written (as `head` does once it has its line).
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout: '', stderr }));
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('prints its version and its help, listing every command, with exit code 0', async () => {
    const [version, help] = await Promise.all([bellflower(['--version']), bellflower(['--help'])]);
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(help.code).toBe(0);
    for (const { name } of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted.');
  });

  it('fails a usage error with exit code 2 and commander\'s message, before anything runs', async () => {
    const results = await Promise.all([
      bellflower(['deplyo']),
      bellflower(['deploy', '--yes']),
      bellflower(['deploy', '--env', 'Staging']),
      bellflower(['watch']),
      bellflower([]),
      bellflower(['respond', '11111111-2222-3333-4444-555555555555', '--external-id', 'x']),
      // No credentials in this environment: the id is refused before they are looked for.
      bellflower(['respond', 'not-a-uuid']),
      bellflower(['respond', '11111111-2222-3333-4444-555555555555', '--body', '{}', '--heartbeat']),
    ]);
    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
    expect(results[0]!.stderr).toBe("error: unknown command 'deplyo'\n(Did you mean deploy?)\n");
    expect(results[1]!.stderr).toBe("error: unknown option '--yes'\n");
    expect(results[2]!.stderr).toBe(
      "error: option '-e, --env <env>' argument 'Staging' is invalid. --env \"Staging\" is not an environment name: 1 to 8 lowercase letters, digits and single hyphens, starting with a letter (e.g. dev, staging, prod-eu)\n",
    );
    expect(results[3]!.stderr).toBe("error: missing required argument 'execution'\n");
    expect(results[4]!.stderr).toMatch(/^Usage: bellflower <command> \[options\]/);
    expect(results[5]!.stderr).toBe('respond: --external-id needs --role-arn\n');
    expect(results[6]!.stderr).toBe('respond: "not-a-uuid" is not an execution id (a UUID such as 2f1c9a8e-3b7d-4e21-9c55-0d6a1b2c3d4e)\n');
    expect(results[7]!.stderr).toBe('respond: --body and --heartbeat cannot be combined: give one answer\n');
  });

  it('rejects an answer body that is not JSON, before looking for credentials (respond --body, --file)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bellflower-answer-')), 'answer.json');
    writeFileSync(file, '{"approved": tru');
    const id = '11111111-2222-3333-4444-555555555555';
    const [body, fromFile] = await Promise.all([bellflower(['respond', id, '--body', 'approved']), bellflower(['respond', id, '--file', file])]);
    expect([body.code, fromFile.code]).toEqual([1, 1]);
    expect(body.stderr).toMatch(/^respond: --body is not valid JSON \(the integration function refuses it\): /);
    expect(fromFile.stderr).toMatch(new RegExp(`^respond: --file ${file} is not valid JSON`));
    expect(body.stderr + fromFile.stderr).not.toMatch(/AWS account|credentials/);
  });

  it('refuses an execution input the definition cannot take before looking for credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bellflower-input-'));
    try {
      const file = join(dir, 'big.json');
      writeFileSync(file, JSON.stringify({ blob: 'x'.repeat(300_000) }));
      const [array, big, both] = await Promise.all([
        bellflower(['start-execution', '--input', '[1,2]']),
        bellflower(['start-execution', '--input-file', file]),
        bellflower(['start-execution', '--input', '{}', '--input-file', file]),
      ]);
      expect(array).toMatchObject({ code: 1, stderr: 'start-execution: --input must be a JSON object such as {"order": 42}, got an array\n' });
      expect(big.code).toBe(1);
      expect(big.stderr).toMatch(/^start-execution: StartExecution refuses the input \(InvalidExecutionInput\): it is 300,0\d\d bytes; Step Functions accepts at most 262,144 bytes \(256 KiB\)\n$/);
      expect(both.code).toBe(2);
      expect(both.stderr).toMatch(/option '--input-file <path>' cannot be used with option '--input <json>'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows a command\'s own help under the binary\'s name (also as `help <command>`)', async () => {
    const [direct, viaHelp] = await Promise.all([bellflower(['deploy', '--help']), bellflower(['help', 'deploy'])]);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toMatch(/^Usage: bellflower deploy \[options\]/);
    expect(direct.stdout).toContain('--require-approval <level>');
    expect(viaHelp).toEqual(direct);
  });

  it('fails an endpoint without a scheme with one line saying what to write', async () => {
    const result = await bellflower(['outputs'], { AWS_ENDPOINT_URL: 'localhost:4566', AWS_REGION: 'us-east-1' });
    expect(result.code).toBe(1);
    expect(lines(result.stderr).at(-1)).toBe(
      'outputs: AWS_ENDPOINT_URL "localhost:4566" is not an http(s) URL: write the scheme, e.g. http://localhost:4566 for a local emulator or https://localhost:4566',
    );
  });

  it('ends with exit code 130 on Ctrl-C while waiting for AWS', async () => {
    const server = createServer(() => undefined); // accepts, never answers
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const connected = new Promise<void>((resolve) => server.once('connection', () => resolve()));
      const result = await bellflower(['outputs'], { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, {
        onStart: (kill) => void connected.then(() => kill('SIGINT')),
      });
      expect(result.code).toBe(130);
      expect(lines(result.stderr).at(-1)).toBe('interrupted');
    } finally {
      server.close();
    }
  });
});

describe.runIf(requireTool('moto_server'))('bellflower against moto', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let stateMachineArn: string;
  let otherStateMachineArn: string;
  let fakeDist: string;
  const configDir = () => join(work, 'config');
  const distDir = () => join(work, 'dist');
  const outputsFile = () => join(distDir(), 'outputs', 'devl.json');
  const paths = () => ['--config-dir', configDir(), '--dist', distDir()];
  const executionId = '0f5ca9b4-6a55-4d3e-9b8f-3c3a4f1d2e10';

  beforeAll(async () => {
    moto = await startMoto();
    clients = createAwsClients(moto.clientConfig);
    work = mkdtempSync(join(tmpdir(), 'bellflower-cli-'));
    mkdirSync(configDir());
    const kmsKeyId = (await clients.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(keyPolicy({ accountId: '123456789012', partition: 'aws' })) }))).KeyMetadata!.KeyId!;
    await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/bellflower-devl', TargetKeyId: kmsKeyId }));
    const file = { artifactBucket: 'bellflower-artifacts-cli', kmsKeyAlias: 'bellflower-devl', kmsKeyId, subscriptionEmail: 'ops@bellflower.test' };
    writeFileSync(join(configDir(), 'devl.json'), JSON.stringify(file));
    // A published fake build (publish itself is tested in publish.test.ts) for deploy and diff.
    fakeDist = writeFakeBuild();
    const config = { ...file, environment: 'devl', region: 'us-east-1', keyPrefix: 'bellflower' } as BellflowerConfig;
    await publish(publishOptions({ config, clients, distDir: fakeDist, tlsOnlyPolicy: false }));
    env = emulatorEnvironment(work, moto.endpoint);
    const role = 'arn:aws:iam::123456789012:role/bellflower-sfn';
    const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
    const create = async (name: string) =>
      (await clients.sfn.send(new CreateStateMachineCommand({ name, definition, roleArn: role }))).stateMachineArn!;
    stateMachineArn = await create('bellflower-state-machine-devl-us-east-1');
    otherStateMachineArn = await create('given-on-the-command-line');
    const output = (value: string) => ({ Value: value });
    await clients.cloudFormation.send(
      new CreateStackCommand({
        StackName: 'bellflower-root-stack-devl',
        TemplateBody: JSON.stringify({
          Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
          Outputs: {
            BellflowerStepFunctionArn: output(stateMachineArn),
            BellflowerS3BucketName: output('bellflower-integration-devl-us-east-1'),
            BellflowerProcessingLambdaFunctionArn: output('arn:aws:lambda:us-east-1:123456789012:function:bellflower-processing-devl-us-east-1'),
            BellflowerIntegrationLambdaFunctionArn: output('arn:aws:lambda:us-east-1:123456789012:function:bellflower-integration-devl-us-east-1'),
          },
        }),
      }),
    );
    const group = '/aws/lambda/bellflower-integration-devl-us-east-1';
    await clients.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await clients.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's1' }));
    const now = Date.now();
    await clients.logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 's1',
        logEvents: [
          { timestamp: now - 2000, message: JSON.stringify({ level: 'INFO', message: 'outbound written', execution_id: executionId }) },
          { timestamp: now - 1000, message: JSON.stringify({ level: 'INFO', message: 'outbound written', execution_id: 'another-one' }) },
        ],
      }),
    );
  });
  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    if (fakeDist) rmSync(fakeDist, { recursive: true, force: true });
  });

  it('prints the AWS line first and finds the outputs from the stack when there is no outputs file (outputs --json)', async () => {
    const result = await bellflower(['outputs', '--json', ...paths()], env);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ BellflowerStepFunctionArn: stateMachineArn, BellflowerS3BucketName: 'bellflower-integration-devl-us-east-1' });
    const stderr = lines(result.stderr).filter((line) => !line.startsWith('note: Node.js'));
    expect(stderr[0]).toBe(`AWS account 123456789012 (arn:aws:sts::123456789012:user/moto), region us-east-1 (AWS_REGION), endpoint ${moto.endpoint} (AWS_ENDPOINT_URL)`);
    expect(stderr[1]).toMatch(/outputs\/devl\.json: written from stack bellflower-root-stack-devl$/);
    // The SDK's 8-line notice never appears; at most our one line does.
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(lines(result.stderr).filter((line) => line.startsWith('note: Node.js')).length).toBeLessThanOrEqual(1);
    expect(JSON.parse(readFileSync(outputsFile(), 'utf8'))).toEqual(JSON.parse(result.stdout));
  });

  it('shows the Node.js support line once per machine and Node.js version, not before every command', async () => {
    const home = mkdtempSync(join(work, 'home-'));
    const first = await bellflower(['outputs', ...paths()], { ...env, HOME: home });
    const second = await bellflower(['outputs', ...paths()], { ...env, HOME: home });

    expect([first.code, second.code]).toEqual([0, 0]);
    const notes = (result: Result) => lines(result.stderr).filter((line) => line.startsWith('note: Node.js'));
    const needsNotice = Number(process.versions.node.split('.')[0]) < 22;
    expect(notes(first)).toEqual(needsNotice ? [expect.stringMatching(/^note: Node\.js 20\.\d+\.\d+: .*upgrade Node\.js \(shown once\)$/)] : []);
    expect(notes(second)).toEqual([]);
  });

  it('replaces a stale outputs file with the stack\'s outputs and starts that state machine (start-execution --json)', async () => {
    writeFileSync(outputsFile(), JSON.stringify({ BellflowerStepFunctionArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:gone', BellflowerS3BucketName: 'gone' }));

    const result = await bellflower(['start-execution', '--wait', '0', '--json', ...paths()], env);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).executionArn).toMatch(/^arn:aws:states:us-east-1:123456789012:execution:bellflower-state-machine-devl-us-east-1:/);
    expect(result.stderr).toMatch(/outputs\/devl\.json: was stale, updated from stack bellflower-root-stack-devl/);
    expect(JSON.parse(readFileSync(outputsFile(), 'utf8')).BellflowerStepFunctionArn).toBe(stateMachineArn);
  });

  it('uses a state machine ARN given on the command line as it is', async () => {
    const result = await bellflower(['start-execution', '--state-machine-arn', otherStateMachineArn, '--wait', '0', '--json', ...paths()], env);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).executionArn).toMatch(/:execution:given-on-the-command-line:/);
  });

  it('takes the region of the profile from ~/.aws/config when nothing else names one', async () => {
    writeFileSync(join(work, 'aws-config'), '[profile ops]\nregion = eu-west-2\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    const { AWS_REGION: _region, AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, ...noRegion } = env;

    const result = await bellflower(['outputs', '--profile', 'ops', ...paths()], noRegion);

    expect(lines(result.stderr).find((line) => line.startsWith('AWS account'))).toMatch(/, region eu-west-2 \(profile "ops" in ~\/\.aws\/config\), /);
    // moto keeps stacks per region: there is none in eu-west-2.
    expect(result.code).toBe(1);
    expect(lines(result.stderr).at(-1)).toMatch(/^outputs: stack bellflower-root-stack-devl does not exist in eu-west-2; .*devl\.json is stale \(an earlier deploy's\): deploy first/);
  });

  it('prints the logs of one execution, as JSON lines (logs --execution --json)', async () => {
    const result = await bellflower(['logs', '--since', '1h', '--execution', executionId, '--json', ...paths()], env);

    expect(result.code).toBe(0);
    const events = lines(result.stdout).map((line) => JSON.parse(line) as { source: string; message: string });
    expect(events).toEqual([expect.objectContaining({ source: 'integration', message: expect.stringContaining(executionId) })]);
    expect(result.stderr).toContain('/aws/lambda/bellflower-processing-devl-us-east-1: no such log group yet (nothing logged)');
  });

  it('rejects IAM changes without a terminal to approve them, deleting the change set (deploy, --require-approval broadening)', async () => {
    const result = await bellflower(['deploy', '--no-source-check', '--config-dir', configDir(), '--dist', fakeDist], env);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^  \[\+\] root\/FolderRole AWS::IAM::Role .*<- IAM\/security$/m);
    expect(lines(result.stderr).at(-1)).toMatch(
      /^deploy: bellflower-s3-custom-resource-stack-devl: \d+ IAM\/security change\(s\) \(.*FolderRole.*\) need approval and there is no terminal to ask; .*pass --require-approval never, or deploy from a terminal; change set deleted, nothing changed$/,
    );
    const stacks = await clients.cloudFormation.send(new ListStacksCommand({}));
    expect((stacks.StackSummaries ?? []).filter((stack) => stack.StackName === 'bellflower-s3-custom-resource-stack-devl' && stack.StackStatus !== 'DELETE_COMPLETE')).toEqual([]);
  });

  it('keeps the change sets for review and reports them as JSON (deploy --no-execute --json), then diff --fail sees them', async () => {
    const deployed = await bellflower(['deploy', '--no-execute', '--no-source-check', '--json', '--config-dir', configDir(), '--dist', fakeDist], env);

    expect(deployed.code).toBe(0);
    const report = JSON.parse(deployed.stdout) as { stacks: { stackName: string; action: string; changeSetName: string }[] };
    expect(report).toMatchObject({ account: '123456789012', region: 'us-east-1', environment: 'devl', outputs: {} });
    expect(report.stacks).toEqual([{ stackName: 'bellflower-s3-custom-resource-stack-devl', action: 'change-set-kept', changeSetName: expect.stringMatching(/^bellflower-\d{14}-[a-z0-9]+$/) }]);
    const name = report.stacks[0]!.changeSetName;

    const [shown, none] = await Promise.all([
      bellflower(['diff', '--change-set', name, '--fail', '--json', ...paths()], env),
      bellflower(['diff', '--change-set', 'no-such-change-set', '--fail', ...paths()], env),
    ]);

    expect(shown.code).toBe(1);
    const diff = JSON.parse(shown.stdout) as { hasChanges: boolean; stacks: { stackName: string; status: string; changes: { logicalId: string; security: boolean }[] }[] };
    expect(diff.hasChanges).toBe(true);
    expect(diff.stacks.map((stack) => [stack.stackName, stack.status])).toEqual([
      ['bellflower-s3-custom-resource-stack-devl', 'new'],
      ['bellflower-root-stack-devl', 'no-change-set'],
    ]);
    expect(diff.stacks[0]!.changes).toEqual(expect.arrayContaining([expect.objectContaining({ logicalId: 'FolderRole', security: true })]));
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('Stack bellflower-root-stack-devl: no change set no-such-change-set (nothing to execute)');
  });

  it('fails deploy --change-set naming a change set neither stack has, deploying nothing', async () => {
    const result = await bellflower(['deploy', '--change-set', 'nosuch', '--config-dir', configDir(), '--dist', fakeDist], env);

    expect(result.code).toBe(1);
    expect(lines(result.stderr).at(-1)).toBe(
      'deploy: no change set named nosuch on bellflower-s3-custom-resource-stack-devl or bellflower-root-stack-devl: nothing deployed; list the kept ones with `aws cloudformation list-change-sets --stack-name <stack>`, or keep new ones with `bellflower deploy --env devl --no-execute`',
    );
    expect((await describeStack(clients.cloudFormation, 'bellflower-s3-custom-resource-stack-devl'))?.StackStatus).toBe('REVIEW_IN_PROGRESS');
  });

  it('says on Ctrl-C during deploy which stack is in which state and what to do, exit code 130', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/bellflower.mjs'), 'deploy', '--no-source-check', '--require-approval', 'never', '--config-dir', configDir(), '--dist', fakeDist], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const closed = new Promise<number | null>((resolveClose) => child.on('close', resolveClose));
    child.stderr.on('data', (chunk: Buffer) => {
      const before = stderr;
      stderr += chunk.toString();
      // Plain moto executes a CREATE change set without building the stack (the emulator's patch
      // does): the stack stays in REVIEW_IN_PROGRESS and the deploy waits there, to be interrupted.
      if (!before.includes('preflight ok') && stderr.includes('preflight ok')) setTimeout(() => child.kill('SIGINT'), 3000);
    });

    expect(await closed).toBe(130);
    const report = stderr.slice(stderr.indexOf('\ninterrupted:\n'));
    expect(lines(report)).toEqual([
      'interrupted:',
      expect.stringMatching(
        /^  bellflower-s3-custom-resource-stack-devl: REVIEW_IN_PROGRESS \(change set bellflower-\d{14}-[a-z0-9]+ executing\): CloudFormation goes on without this command; follow it with `aws cloudformation describe-stack-events --stack-name bellflower-s3-custom-resource-stack-devl`$/,
      ),
      '  bellflower-root-stack-devl: not started; nothing changed',
    ]);
  });

  it('removes the outputs file when it destroys the stacks, and the manifest when it deletes the artifacts (destroy --yes --delete-artifacts)', async () => {
    expect(existsSync(outputsFile())).toBe(true);
    const manifests = join(distDir(), 'manifests');
    mkdirSync(manifests, { recursive: true });
    for (const env of ['devl', 'prod']) copyFileSync(join(fakeDist, 'manifests', 'devl.json'), join(manifests, `${env}.json`));

    const result = await bellflower(['destroy', '--yes', '--delete-artifacts', ...paths()], env);

    expect(result.code).toBe(0);
    expect(existsSync(outputsFile())).toBe(false);
    expect(readdirSync(manifests)).toEqual(['prod.json']);
    expect(result.stderr).toMatch(/manifests\/devl\.json: removed \(the artifacts it names are deleted\)/);
    expect(result.stdout).toMatch(/^deleted stacks: bellflower-root-stack-devl(, bellflower-s3-custom-resource-stack-devl)?\n$/);
  });
});
