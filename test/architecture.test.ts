/**
 * The shape of the code (docs/architecture.md): imports run downward only, through these layers,
 * and no module imports itself back through others. The graph is TypeScript's own resolution of
 * every static import, re-export, `import()` and `import('…')` type (test/support/import-graph.ts).
 */
import { describe, expect, it } from 'vitest';
import { circles, importGraph, isProductionFile, type ModuleNode } from './support/import-graph';

/**
 * The layers, top to bottom; a module may import its own layer and those below it. Within the
 * capabilities and the base, the order of the folders is a layer order too.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['bin/'],
  ['scripts/program.ts'],
  // the commands (scripts/<command>.ts) and their plumbing (scripts/cli/)
  ['scripts/cli/', 'scripts/'],
  // the capabilities, each over those after it
  ['scripts/lib/emulator/'],
  ['scripts/lib/load/'],
  ['scripts/lib/workflow/'],
  ['scripts/lib/local/'],
  ['scripts/lib/deployment/'],
  ['scripts/lib/build/'],
  ['scripts/lib/core/'],
  // what is deployed: the templates over the state machine over the handlers
  ['templates/'],
  ['asl/'],
  ['handlers/'],
  // the one Lambda runtime (emulator/lambda-runtime.mjs), shared by the local run and the emulator
  ['emulator/'],
  // the generated bundle and package.json, read by the program
  ['dist/', 'package.json'],
];

/** The layer of a file: its index in {@link LAYERS} (the most specific prefix wins). */
function layerOf(file: string): number {
  let best = { index: -1, length: -1 };
  LAYERS.forEach((prefixes, index) => {
    for (const prefix of prefixes) {
      if ((file === prefix || file.startsWith(prefix)) && prefix.length > best.length) best = { index, length: prefix.length };
    }
  });
  if (best.index < 0) throw new Error(`${file} is in no layer of test/architecture.test.ts: add its folder to LAYERS`);
  return best.index;
}

const graph: readonly ModuleNode[] = importGraph();
const production = graph.filter((node) => isProductionFile(node.file));

describe('the import graph', () => {
  it('sees the whole program (the binary, every command, capability, template and handler)', () => {
    const files = production.map((node) => node.file);
    expect(files).toEqual(expect.arrayContaining(['bin/bellflower.mjs', 'scripts/program.ts', 'scripts/deploy.ts', 'scripts/lib/core/errors.ts', 'templates/root-stack.ts', 'handlers/integration/index.ts']));
    // The program reaches each command through a dynamic import: those count.
    const program = production.find((node) => node.file === 'scripts/program.ts');
    expect(program?.imports.filter((entry) => entry.dynamic).map((entry) => entry.file)).toEqual(expect.arrayContaining(['scripts/deploy.ts', 'scripts/local.ts']));
  });

  it('runs downward only: no module imports a layer above its own', () => {
    const upward = production.flatMap((node) =>
      node.imports.filter((entry) => layerOf(entry.file) < layerOf(node.file)).map((entry) => `${node.file} -> ${entry.file}`),
    );
    expect(upward).toEqual([]);
  });

  it('starts the program without zod or the AWS SDK: its static imports reach neither the configuration nor the clients', () => {
    const edges = new Map(production.map((node) => [node.file, node.imports.filter((entry) => !entry.dynamic).map((entry) => entry.file)]));
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const next of edges.get(file) ?? []) visit(next);
    };
    visit('scripts/program.ts');
    expect(reached.size).toBeGreaterThan(3);
    // What `bellflower --help` must not load: config.ts imports zod (about 750 KB bundled), aws.ts the SDK.
    expect([...reached].filter((file) => ['scripts/lib/core/config.ts', 'scripts/lib/core/aws.ts'].includes(file))).toEqual([]);
  });

  it('has no circle', () => {
    expect(circles(production).map((circle) => circle.join(' -> '))).toEqual([]);
  });

  it('keeps tests, test helpers and benchmarks out of the program', () => {
    const intoTests = production.flatMap((node) =>
      node.imports.filter((entry) => !isProductionFile(entry.file)).map((entry) => `${node.file} -> ${entry.file}`),
    );
    expect(intoTests).toEqual([]);
  });

  it('fails on an upward import and on a circle (the checks themselves)', () => {
    const made: ModuleNode[] = [
      { file: 'scripts/lib/core/a.ts', imports: [{ file: 'scripts/lib/deployment/b.ts', dynamic: true }] },
      { file: 'scripts/lib/deployment/b.ts', imports: [{ file: 'scripts/lib/core/a.ts', dynamic: false }] },
    ];
    expect(layerOf('scripts/lib/core/a.ts')).toBeGreaterThan(layerOf('scripts/lib/deployment/b.ts'));
    expect(circles(made)).toEqual([['scripts/lib/core/a.ts', 'scripts/lib/deployment/b.ts', 'scripts/lib/core/a.ts']]);
  });
});
