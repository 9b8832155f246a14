/**
 * `npm run local`: the whole workflow on this machine, no AWS account, no Docker. Synthesizes the
 * definition and builds the handler bundles into `dist/`, then runs one execution through the local
 * engine (scripts/lib/local/engine.ts) and prints its timeline.
 *
 *   npm run local                                  answered with success.json after a short delay
 *   npm run local -- --answer failure              answered with failure.json
 *   npm run local -- --manual                      waits; prints the command that answers
 *   npm run local -- --fail-processing             three attempts, then the failure notification
 *   npm run local -- --timeout 3                   nobody answers; the wait times out after 3 s
 *   npm run local -- --delay-scale 0 --json        no artificial delays, machine-readable report
 *   npm run local -- --endpoint http://127.0.0.1:5000   use moto/LocalStack S3 instead of the embedded server
 */
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { messageOf, numberArgument, parseCommand, parseJsonFlag, run } from './lib/command';
import { checkExecutionInput } from './lib/local/limits';
import { buildLocalArtifacts, loadLocalDefinition } from './lib/local/artifacts';
import { loadWorkflowBundles, PROJECT_ROOT } from './lib/local/bundles';
import { startLocalEngine, ORIGINAL_DELAYS, type AnswerMode, type ExecutionReport, type LocalEngine } from './lib/local/engine';
import { LOCAL_CREDENTIALS } from './lib/local/s3-backend';
import { redact, seconds, timelinePrinter } from './lib/local/timeline';

interface LocalOptions {
  readonly input: string;
  readonly inputFile?: string;
  readonly dist: string;
  readonly answer: 'success' | 'failure';
  readonly manual?: boolean;
  readonly failProcessing?: boolean;
  readonly timeout?: number;
  readonly delayScale: number;
  readonly endpoint?: string;
  readonly region: string;
  readonly logLevel: string;
  readonly build: boolean;
  readonly json?: boolean;
}

const program = new Command('local')
  .description('Run the Bellflower workflow locally: state machine, real handler bundles, S3, callback')
  .option('--input <json>', 'execution input (a JSON object); "-" reads it from standard input', '{}')
  .option('--input-file <path>', 'read the execution input (a JSON object) from a file')
  .option('--dist <dir>', 'folder of the synthesized definition and the handler zips', join(PROJECT_ROOT, 'dist'))
  .addOption(new Option('--answer <kind>', 'how the business application answers').choices(['success', 'failure']).default('success'))
  .option('--manual', 'do not answer automatically: wait and print the command that answers')
  .option('--fail-processing', 'make the processing Lambda fail (input simulateFailure: true)')
  .option('--timeout <seconds>', 'timeout of "Wait For Response"; nobody answers unless --answer is given', numberArgument('--timeout', { min: 0.001, unit: 'seconds' }))
  .option('--delay-scale <factor>', 'factor applied to the original delays (5 s processing, 5 s/10 s retries, 2 s answer)', numberArgument('--delay-scale'), 1)
  .option('--endpoint <url>', 'S3 endpoint to use instead of the embedded server (moto, LocalStack)')
  .option('--region <region>', 'region of the local ARNs and of the S3 endpoint', 'us-east-1')
  .option('--log-level <level>', 'POWERTOOLS_LOG_LEVEL of the handlers', 'WARN')
  .option('--no-build', 'use dist/ as it is instead of synthesizing and building first')
  .option('--json', 'print one JSON report instead of the timeline')
  .action((options: LocalOptions) => run('local', () => runLocal(options)));

/** Final statuses the chosen mode expects (the exit code says whether one happened). */
function expectedStatuses(options: LocalOptions, answer: AnswerMode): readonly string[] {
  // A manual answer may be a success or a failure; an aborted or timed-out run is neither.
  if (options.manual) return ['SUCCEEDED', 'FAILED'];
  return [options.failProcessing || answer !== 'success' ? 'FAILED' : 'SUCCEEDED'];
}

/** The execution input: from --input-file, stdin (--input -) or --input; it must be a JSON object. */
async function executionInput(options: LocalOptions): Promise<Record<string, unknown>> {
  const [flag, text] =
    options.inputFile !== undefined
      ? ['--input-file', await readFile(options.inputFile, 'utf8').catch((error: unknown) => {
          throw new Error(`--input-file ${options.inputFile} cannot be read: ${messageOf(error)}`);
        })]
      : options.input === '-'
        ? ['--input -', await readStdin()]
        : ['--input', options.input];
  return checkExecutionInput(flag, parseJsonFlag(flag, text));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function manualInstructions(engine: LocalEngine, id: string): string {
  const key = `s3://${engine.bucket}/inbound/${id}`;
  const env = `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`;
  const cli = `--endpoint-url ${engine.s3Endpoint} --region ${engine.region}`;
  return [
    `waiting for the business application's answer for ${id}; in another terminal run one of:`,
    `  npm run respond -- ${id} --endpoint ${engine.s3Endpoint} --bucket ${engine.bucket}`,
    `  npm run respond -- ${id} --failure "reason" --endpoint ${engine.s3Endpoint} --bucket ${engine.bucket}`,
    `  echo '{}' > success.json && ${env} aws s3 cp success.json ${key}/success.json ${cli}`,
    `  echo '{"error":"Rejected","cause":"reason"}' > failure.json && ${env} aws s3 cp failure.json ${key}/failure.json ${cli}`,
    '(Ctrl-C stops the run)',
  ].join('\n');
}

async function runLocal(options: LocalOptions): Promise<void> {
  let input = await executionInput(options);
  if (options.failProcessing) input = { ...input, simulateFailure: true };
  // With --json, standard output carries the one JSON report only: everything else (the handlers'
  // log lines included) goes to standard error.
  const writeReport = process.stdout.write.bind(process.stdout);
  if (options.json) process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  const answerGiven = program.getOptionValueSource('answer') === 'cli';
  const answer: AnswerMode = options.manual || (options.timeout !== undefined && !answerGiven) ? 'none' : options.answer;
  const say = (line: string): void => {
    if (!options.json) console.log(line);
  };

  const distDir = options.dist;
  if (options.build) {
    say('synthesizing the definition and building the handler bundles into dist/ ...');
    await buildLocalArtifacts(distDir);
  }
  const definition = await loadLocalDefinition({ distDir });
  const engine = await startLocalEngine({
    definition,
    loadHandlers: () => loadWorkflowBundles(distDir),
    endpoint: options.endpoint,
    region: options.region,
    delayScale: options.delayScale,
    callbackTimeoutSeconds: options.timeout,
    logLevel: options.logLevel,
    onEntry: timelinePrinter(say),
  });
  // Stopped exactly once, by Ctrl-C or at the end, whichever comes first.
  let stopping: Promise<void> | undefined;
  const stopEngine = () => (stopping ??= engine.stop());
  const startedAt = Date.now();
  const stop = (): void => {
    void stopEngine().then(() => {
      process.stderr.write(`interrupted by the user after ${seconds(Date.now() - startedAt)}; nothing left running\n`);
      process.exit(130);
    });
  };
  process.once('SIGINT', stop);
  let report: ExecutionReport;
  try {
    say(`S3: ${engine.s3Endpoint} bucket ${engine.bucket}; Step Functions callbacks: ${engine.sfnEndpoint}`);
    say(
      `processing ${seconds(ORIGINAL_DELAYS.processingMs * options.delayScale)}, answer: ${
        options.manual ? 'manual' : answer === 'none' ? 'none' : `${answer} after ${seconds(ORIGINAL_DELAYS.answerMs * options.delayScale)}`
      }${options.timeout !== undefined ? `, callback timeout ${options.timeout} s` : ''}`,
    );
    const running = engine.start({ input, answer });
    if (options.manual) {
      void running.outboundReady.then((id) => (options.json ? console.error : console.log)(manualInstructions(engine, id)));
    }
    report = await running.done;
  } finally {
    process.off('SIGINT', stop);
    await stopEngine();
  }
  const expected = expectedStatuses(options, answer);
  const asExpected = expected.includes(report.status);
  if (options.json) {
    writeReport(`${JSON.stringify(redact({ ...report, unattributed: engine.unattributed }), null, 2)}\n`);
  } else {
    say(`execution id ${report.executionId ?? '(none)'}: ${report.status}${asExpected ? ' (as expected for this mode)' : ` (expected ${expected.join(' or ')})`}`);
  }
  if (!asExpected) process.exitCode = 1;
}

await parseCommand(program);
