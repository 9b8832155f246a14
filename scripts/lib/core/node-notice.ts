/**
 * The AWS SDK prints an 8-line notice about Node.js 20 on the first client it creates, which can
 * land between a question and its answer. The program switches it off before any command runs
 * ({@link silenceSdkNodeWarning}; the SDK reads the variable when a client is created) and a
 * command that talks to AWS prints one line of its own ({@link nodeSupportNotice}), once per
 * machine and Node.js version ({@link nodeSupportNoticeOnce}), not before every command. No SDK import:
 * the program loads this at start-up.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The variable the SDK reads. */
export const SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

let disabledByUser: boolean | undefined;

/**
 * Remembers whether the user switched the SDK's notice off themselves (then no notice at all is
 * printed), then switches it off. Called once by the program before a command runs.
 */
export function silenceSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  disabledByUser ??= env[SDK_NODE_WARNING_SWITCH] === 'true';
  env[SDK_NODE_WARNING_SWITCH] = 'true';
}

/** One line instead of the SDK's notice on Node.js before 22; none on 22+ or when the user switched the notice off. */
export function nodeSupportNotice(version: string = process.version, userDisabled: boolean = disabledByUser ?? false): string | undefined {
  const major = Number(/^v?(\d+)/.exec(version)?.[1]);
  if (userDisabled || !(major < 22)) return undefined;
  return `note: Node.js ${version.replace(/^v/, '')}: AWS SDK releases from January 2027 need Node.js 22 or later; upgrade Node.js`;
}

/**
 * Where the notice shown last is remembered: `$XDG_CACHE_HOME/bellflower/node-notice`, else
 * `~/.cache/bellflower/node-notice`; undefined without a home folder.
 */
export function noticeStampFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cache = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return cache ? join(cache, 'bellflower', 'node-notice') : undefined;
}

/**
 * {@link nodeSupportNotice} the first time a command meets this Node.js version on this machine;
 * undefined afterwards (the line it printed is remembered in {@link noticeStampFile}). Shown every
 * time when the file cannot be written.
 */
export function nodeSupportNoticeOnce(env: NodeJS.ProcessEnv = process.env, notice: string | undefined = nodeSupportNotice()): string | undefined {
  const file = noticeStampFile(env);
  if (notice === undefined || file === undefined) return notice;
  try {
    if (readFileSync(file, 'utf8') === notice) return undefined;
  } catch {
    // not shown yet
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, notice);
  } catch {
    // Not remembered: shown again next time.
  }
  return `${notice} (shown once)`;
}
