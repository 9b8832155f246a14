/**
 * The AWS SDK prints an 8-line notice about Node.js 20 on the first client it creates, which can
 * land between a question and its answer. The program switches it off before any command runs
 * ({@link silenceSdkNodeWarning}; the SDK reads the variable when a client is created) and a
 * command that talks to AWS prints one line of its own ({@link nodeSupportNotice}). No SDK import:
 * the program loads this at start-up.
 */

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
