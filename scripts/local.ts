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
 *   npm run local -- --input-file order.json        the input from a file (`--input -`: from stdin)
 *   npm run local -- --report run.html              also draw the run as one offline HTML page
 *
 * Ctrl-C stops the run: the execution is aborted, every server closed, one line says so, exit 130.
 */
import { Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { numberArgument, type BellflowerCommand } from './cli/command';
import { buildLocalArtifacts, loadLocalDefinition } from './lib/local/artifacts';
import { loadWorkflowBundles } from './lib/local/bundles';
import { PROJECT_ROOT } from './lib/core/paths';
import { startLocalEngine, ORIGINAL_DELAYS, type AnswerMode, type ExecutionReport, type LocalEngine } from './lib/local/engine';
import { judge } from './lib/local/expectation';
import { readExecutionInput } from './lib/local/input';
import { buildReportPage } from './lib/local/report';
import { LOCAL_CREDENTIALS } from './lib/local/s3-backend';
import { divertStdout } from './lib/local/stdout';
import { redact, seconds, timelinePrinter } from './lib/local/timeline';

interface LocalOptions {
  readonly input?: string;
  readonly inputFile?: string;
  readonly answer: 'success' | 'failure';
  readonly manual?: boolean;
  readonly failProcessing?: boolean;
  readonly timeout?: number;
  readonly delayScale: number;
  readonly endpoint?: string;
  readonly region: string;
  readonly logLevel: string;
  readonly build: boolean;
  readonly dist: string;
  readonly json?: boolean;
  readonly report?: string;
}

/** `bellflower local`. */
export const command: BellflowerCommand<LocalOptions> = {
  name: 'local',
  options: (command) =>
    command
    .description('Run the Bellflower workflow locally: state machine, real handler bundles, S3, callback')
    .option('--input <json>', 'execution input: a JSON object, or - to read it from standard input (default {})')
    .addOption(new Option('--input-file <path>', 'read the execution input (a JSON object) from a file').conflicts('input'))
    .addOption(new Option('--answer <kind>', 'how the business application answers').choices(['success', 'failure']).default('success'))
    .option('--manual', 'do not answer automatically: wait and print the command that answers')
    .option('--fail-processing', 'make the processing Lambda fail (input simulateFailure: true)')
    .option('--timeout <seconds>', 'timeout of "Wait For Response"; nobody answers unless --answer is given', numberArgument('--timeout', { min: 0.001, unit: 'seconds' }))
    .option('--delay-scale <factor>', 'factor applied to the original delays (5 s processing, 5 s/10 s retries, 2 s answer)', numberArgument('--delay-scale'), 1)
    .option('--endpoint <url>', 'S3 endpoint to use instead of the embedded server (moto, LocalStack)')
    .option('--region <region>', 'region of the local ARNs and of the S3 endpoint', 'us-east-1')
    .option('--log-level <level>', 'POWERTOOLS_LOG_LEVEL of the handlers', 'WARN')
    .option('--no-build', 'use the dist folder as it is instead of synthesizing and building first')
    .addOption(new Option('--dist <dir>', 'folder of the synthesized definition and the handler bundles').default(join(PROJECT_ROOT, 'dist'), 'the project\'s dist/'))
    .option('--json', 'print one JSON report on stdout (everything else goes to stderr)')
    .option('--report <file>', 'write the run as one self-contained HTML page (graph, path, timeline)'),
  run: ({ flags, parsed }) => runLocal(flags, parsed.getOptionValueSource('answer') === 'cli'),
};

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

/**
 * Ctrl-C during a run: the first one stops the engine (which aborts the execution and closes every
 * server once), and the run ends with one line and exit code 130; a second one leaves at once.
 * Before the engine runs (building, reading the input) nothing needs stopping: it ends at once.
 * A repeat within a second is the same Ctrl-C: a terminal signals the whole process group, and
 * tsx relays the signal to its child as well.
 */
class Interruption {
  at?: number;
  #stop?: () => Promise<void>;
  readonly #onSignal = (): void => {
    if (this.at !== undefined) {
      if (Date.now() - this.at > 1000) process.exit(130);
      return;
    }
    this.at = Date.now();
    if (this.#stop) {
      void this.#stop();
      return;
    }
    process.stderr.write(`${this.line()}\n`);
    process.exit(130);
  };
  constructor(readonly startedAt: number) {
    process.on('SIGINT', this.#onSignal);
  }
  /** The one line an interrupted run ends with. */
  line(): string {
    return `interrupted by the user after ${((Date.now() - this.startedAt) / 1000).toFixed(1)} s; nothing left running`;
  }
  /** What to stop when interrupted (at once if already interrupted). */
  stops(stop: () => Promise<void>): void {
    this.#stop = stop;
    if (this.at !== undefined) void stop();
  }
  dispose(): void {
    process.off('SIGINT', this.#onSignal);
  }
}

async function runLocal(options: LocalOptions, answerGiven: boolean): Promise<void> {
  const interruption = new Interruption(Date.now());
  const stdout = options.json ? divertStdout() : undefined;
  try {
    const report = await runOnce(options, answerGiven, interruption, (text) => (stdout ? stdout.write(text) : process.stdout.write(text)));
    if (interruption.at !== undefined || !report) {
      process.stderr.write(`${interruption.line()}\n`);
      process.exitCode = 130;
    }
  } finally {
    stdout?.restore();
    interruption.dispose();
  }
}

/** One run; undefined when interrupted before the execution started. */
async function runOnce(
  options: LocalOptions,
  answerGiven: boolean,
  interruption: Interruption,
  writeStdout: (text: string) => void,
): Promise<ExecutionReport | undefined> {
  let input = await readExecutionInput(options);
  if (options.failProcessing) input = { ...input, simulateFailure: true };
  const answer: AnswerMode = options.manual || (options.timeout !== undefined && !answerGiven) ? 'none' : options.answer;
  const say = (line: string): void => {
    if (!options.json) console.log(line);
  };
  const print = timelinePrinter(say);

  if (options.build) {
    say(`synthesizing the definition and building the handler bundles into ${options.dist} ...`);
    await buildLocalArtifacts(options.dist);
  }
  if (interruption.at !== undefined) return undefined;
  const definition = await loadLocalDefinition({ distDir: options.dist });
  const engine = await startLocalEngine({
    definition,
    loadHandlers: () => loadWorkflowBundles(options.dist),
    endpoint: options.endpoint,
    region: options.region,
    delayScale: options.delayScale,
    callbackTimeoutSeconds: options.timeout,
    logLevel: options.logLevel,
    // Once interrupted, the one closing line replaces the rest of the timeline.
    onEntry: (entry) => {
      if (interruption.at === undefined) print(entry);
    },
  });
  interruption.stops(() => engine.stop());
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
      void running.outboundReady.then((id) => {
        if (interruption.at === undefined) (options.json ? console.error : console.log)(manualInstructions(engine, id));
      });
    }
    report = await running.done;
  } finally {
    await engine.stop();
  }
  if (interruption.at !== undefined) return report;
  if (options.report) {
    await writeFile(options.report, buildReportPage({ definition, entries: report.timeline, title: `local run ${report.name}` }));
    say(`report: ${options.report} (open it in a browser)`);
  }
  const verdict = judge({ manual: options.manual, failProcessing: options.failProcessing, answer }, report);
  if (options.json) {
    writeStdout(`${JSON.stringify(redact({ ...report, expected: verdict.expected, unattributed: engine.unattributed }), null, 2)}\n`);
  } else {
    say(`execution id ${report.executionId ?? '(none)'}: ${report.status}${verdict.met ? ' (as expected for this mode)' : ` (expected ${verdict.expected})`}`);
  }
  if (!verdict.met) process.exitCode = 1;
  return report;
}

