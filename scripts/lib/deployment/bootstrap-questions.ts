/**
 * What bootstrap cannot infer (region, profile, e-mail, the business application's principal): each
 * a flag, a default from the configuration, and, with `--guided` on a terminal, a question
 * (@inquirer/prompts). Without a terminal, or with `--yes`, nothing is asked: flags and defaults
 * decide, and missing required values fail as one error naming their flags.
 */
import { confirm, input } from '@inquirer/prompts';
import { BUSINESS_APPLICATION_PRINCIPAL, ConfigError, configFileSchema, EXAMPLE_EMAIL, exampleFields, type BellflowerConfig } from '../core/config';

/** The answers bootstrap works with. */
export interface BootstrapAnswers {
  readonly region: string;
  /** Absent: the default credential chain (`AWS_PROFILE`, environment, ...). */
  readonly profile?: string;
  readonly email: string;
  /** Absent: none yet (the business application gets no access). */
  readonly businessApplicationPrincipal?: string;
}

/** The answer flags of `npm run bootstrap`. */
export interface AnswerFlags {
  readonly region?: string;
  readonly profile?: string;
  readonly email?: string;
  readonly businessApplicationPrincipal?: string;
}

/** The prompt functions used (injected by tests); the subset of @inquirer/prompts bootstrap needs. */
export interface Prompts {
  input(config: { message: string; default?: string; validate?: (value: string) => boolean | string }): Promise<string>;
  confirm(config: { message: string; default?: boolean }): Promise<boolean>;
}

/** The terminal prompts of @inquirer/prompts (on stdin/stdout). */
export const terminalPrompts: Prompts = { input, confirm };

interface Question {
  readonly field: keyof BootstrapAnswers;
  readonly flag: string;
  readonly message: string;
  readonly required: boolean;
  /** Error text for a bad value, or undefined when it is valid. */
  readonly check: (value: string) => string | undefined;
}

const schemaCheck =
  (field: 'region' | 'subscriptionEmail', what: string) =>
  (value: string): string | undefined =>
    configFileSchema.shape[field].safeParse(value).success ? undefined : `"${value}" is not ${what}`;

/** The questions, in the order asked. */
export const QUESTIONS: readonly Question[] = [
  { field: 'region', flag: '--region', message: 'AWS region', required: true, check: schemaCheck('region', 'an AWS region such as eu-west-1') },
  {
    field: 'profile',
    flag: '--profile',
    message: 'AWS profile (empty: the default credential chain)',
    required: false,
    check: (value) => (/^[\w+=,.@-]+$/.test(value) ? undefined : `"${value}" is not a profile name`),
  },
  {
    field: 'email',
    flag: '--email',
    message: 'E-mail address that receives the results and alarms',
    required: true,
    check: (value) =>
      schemaCheck('subscriptionEmail', 'an e-mail address')(value) ??
      (EXAMPLE_EMAIL.test(value) ? `"${value}" is an example address, which deploy refuses` : undefined),
  },
  {
    field: 'businessApplicationPrincipal',
    flag: '--business-application-principal',
    message: "Business application's AWS account id or IAM role ARN (empty: none yet)",
    required: false,
    check: (value) => (BUSINESS_APPLICATION_PRINCIPAL.test(value) ? undefined : `"${value}" is not a 12-digit account id or an IAM role, user or root ARN`),
  },
];

/** The defaults a configuration gives (an example e-mail address is no default). */
export function defaultAnswers(config: BellflowerConfig): Partial<BootstrapAnswers> {
  return {
    region: config.region,
    ...(config.profile !== undefined ? { profile: config.profile } : {}),
    ...(exampleFields(config).includes('subscriptionEmail') ? {} : { email: config.subscriptionEmail }),
    ...(config.businessApplicationPrincipal !== undefined ? { businessApplicationPrincipal: config.businessApplicationPrincipal } : {}),
  };
}

/** Input of {@link resolveAnswers}. */
export interface ResolveOptions {
  readonly flags: AnswerFlags;
  readonly defaults: Partial<BootstrapAnswers>;
  /** Ask the questions whose flag is not given. */
  readonly interactive: boolean;
  /** @default {@link terminalPrompts} */
  readonly prompts?: Prompts;
}

/**
 * Flags first, then (interactive) an answer to a question whose default is the configuration's, or
 * the default. Throws one {@link ConfigError} for bad flags or missing required values, naming each flag.
 */
export async function resolveAnswers(options: ResolveOptions): Promise<BootstrapAnswers> {
  const prompts = options.prompts ?? terminalPrompts;
  const answers: Partial<Record<keyof BootstrapAnswers, string>> = {};
  const problems: string[] = [];
  for (const question of QUESTIONS) {
    const flagged = options.flags[question.field];
    const fallback = options.defaults[question.field];
    let value: string | undefined;
    if (flagged !== undefined) {
      const problem = question.check(flagged);
      if (problem) problems.push(`${question.flag} ${problem}`);
      value = flagged;
    } else if (options.interactive) {
      const answer = await prompts.input({
        message: question.message,
        ...(fallback !== undefined ? { default: fallback } : {}),
        validate: (text) => (text.trim() === '' ? (question.required ? 'required' : true) : (question.check(text.trim()) ?? true)),
      });
      value = answer.trim() || undefined;
    } else {
      value = fallback;
    }
    if (value === undefined && question.required) problems.push(`no ${question.message.toLowerCase()}: pass ${question.flag} <value>`);
    if (value !== undefined) answers[question.field] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return answers as BootstrapAnswers;
}

/** True when bootstrap may ask: `--guided`, no `--yes`, and a terminal on stdin and stdout. */
export function isInteractive(flags: { readonly guided?: boolean; readonly yes?: boolean }, streams = { stdin: process.stdin, stdout: process.stdout }): boolean {
  return Boolean(flags.guided && !flags.yes && streams.stdin.isTTY && streams.stdout.isTTY);
}
