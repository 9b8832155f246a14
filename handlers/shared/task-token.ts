/**
 * Task tokens in logs and on screens: whoever holds a full token can finish the task, so only a
 * short prefix is ever shown (handlers' logs, the local run's timeline and callback endpoint).
 */

/** The loggable form of a task token: its first 8 characters. */
export function redactToken(token: string): string {
  return `${token.slice(0, 8)}...`;
}
