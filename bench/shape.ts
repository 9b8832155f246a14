/**
 * `npm run bench:shape`: the shape of the code, the figures of issue 18. Lines of code (non-blank,
 * every line counted as `wc -l` does) of the program and of the tests, files, the largest
 * functions and files, and the import graph's upward imports and circles (the same graph and
 * layers as test/architecture.test.ts). `--json` for one document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { circles, functionLengths, importGraph, isProductionFile, ROOT } from '../test/support/import-graph';

/** Source files git tracks (TypeScript, JavaScript modules and Python), data and snapshots aside. */
function sourceFiles(): string[] {
  return execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => /\.(ts|mts|mjs|py)$/.test(file) && !file.endsWith('.d.ts') && !file.endsWith('.d.mts'));
}

const lineCount = (file: string): number => readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1;

/** The figures. */
export function shape(): Record<string, unknown> {
  const files = sourceFiles();
  const isTest = (file: string): boolean => !isProductionFile(file) || file.includes('/test/');
  const program = files.filter((file) => !isTest(file));
  const tests = files.filter(isTest);
  const sum = (list: readonly string[]): number => list.reduce((total, file) => total + lineCount(file), 0);
  const largestFiles = program.map((file) => ({ file, lines: lineCount(file) })).sort((a, b) => b.lines - a.lines).slice(0, 5);
  const functions = program
    .filter((file) => /\.(ts|mjs)$/.test(file))
    .flatMap((file) => functionLengths(join(ROOT, file)).map((fn) => ({ function: `${file}: ${fn.name}`, lines: fn.lines })))
    .sort((a, b) => b.lines - a.lines);
  const graph = importGraph().filter((node) => isProductionFile(node.file));
  return {
    programLines: sum(program),
    programFiles: program.length,
    testLines: sum(tests),
    testFiles: tests.length,
    largestFiles,
    largestFunctions: functions.slice(0, 5),
    functionsOver120Lines: functions.filter((fn) => fn.lines > 120).length,
    filesOver400Lines: program.filter((file) => lineCount(file) > 400),
    imports: graph.reduce((total, node) => total + node.imports.length, 0),
    circles: circles(graph).map((circle) => circle.join(' -> ')),
  };
}

if (process.argv[1]?.endsWith('shape.ts')) {
  const figures = shape();
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures, null, 2));
  else for (const [key, value] of Object.entries(figures)) console.log(`${key}: ${typeof value === 'object' ? JSON.stringify(value, null, 1).replace(/\s*\n\s*/g, ' ') : value}`);
}
