/**
 * Test support: a real Powertools Logger that records the log items it would print, so that tests
 * assert on the structured lines (keys appended with `appendKeys` included).
 */
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';

/** One recorded log line: its attributes (level, message, appended keys, extra attributes). */
export type LogLine = Record<string, unknown> & { readonly level: string; readonly message: string };

/** A Logger whose output goes to {@link RecordingLogger.lines} instead of stdout. */
export class RecordingLogger extends Logger {
  readonly lines: LogLine[] = [];

  constructor() {
    super({ serviceName: 'test', logLevel: 'DEBUG' });
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    this.lines.push(JSON.parse(JSON.stringify(log.getAttributes())) as LogLine);
  }

  /** Every line, serialised: for "never logged" assertions. */
  text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }

  /** Lines of a level (`ERROR`, `WARN`, `INFO`). */
  at(level: string): LogLine[] {
    return this.lines.filter((line) => line.level === level);
  }
}
