/**
 * `bellflower <command> [options]` (`npx bellflower`, or `bin/bellflower.mjs`): every command as a
 * subcommand, `--help`, `--version`; exit codes 0 ok, 1 failure, 2 usage error, 130 interrupted.
 * See scripts/lib/cli/program.ts.
 */
import { main } from './lib/cli/program';

await main(process.argv.slice(2));
