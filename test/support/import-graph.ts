/**
 * The project's import graph, resolved by the TypeScript compiler itself (`ts.resolveModuleName`
 * with the project's tsconfig, so a path means what tsc and esbuild make of it), with static
 * imports, re-exports and dynamic `import()`s alike. Used by the architecture test (layers and
 * circles) and by `npm run bench` (the shape figures).
 *
 * Why not dependency-cruiser: TypeScript is already here, its resolution is the one the
 * type-check uses, and the same AST walk measures function lengths; a second resolver with its
 * own configuration would be one more thing to keep in step with tsconfig.json.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The project root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One project file and what it imports of the project. */
export interface ModuleNode {
  /** Path relative to the project root, with `/`. */
  readonly file: string;
  /** Project files it imports (relative paths), with whether the import is dynamic. */
  readonly imports: readonly { readonly file: string; readonly dynamic: boolean }[];
}

/** A source file of the program (not a test, not a declaration, not generated). */
export function isProductionFile(file: string): boolean {
  return !/\.test\.ts$/.test(file) && !file.endsWith('.d.ts') && !file.startsWith('test/') && !file.startsWith('bench/') && file !== 'vitest.config.ts';
}

function loadConfig(): ts.ParsedCommandLine {
  const configPath = join(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
}

/** Every module specifier in a file: imports, re-exports and `import()` with a literal. */
function specifiers(source: ts.SourceFile): { text: string; dynamic: boolean }[] {
  const found: { text: string; dynamic: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ text: node.moduleSpecifier.text, dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.push({ text: argument.text, dynamic: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ text: node.argument.literal.text, dynamic: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The import graph of every TypeScript file tsconfig.json includes (plus `bin/`'s `.mjs`). */
export function importGraph(): ModuleNode[] {
  const parsed = loadConfig();
  const host = ts.createCompilerHost(parsed.options);
  const files = [...parsed.fileNames, ...ts.sys.readDirectory(join(ROOT, 'bin'), ['.mjs'])];
  const nodes: ModuleNode[] = [];
  for (const path of files) {
    const file = relative(ROOT, path).split('\\').join('/');
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    const imports: { file: string; dynamic: boolean }[] = [];
    for (const { text, dynamic } of specifiers(source)) {
      if (!text.startsWith('.')) continue;
      const resolved = ts.resolveModuleName(text, path, parsed.options, host).resolvedModule?.resolvedFileName;
      // A path tsc cannot resolve (a `.mjs` bundle under dist/) is named as written.
      const target = resolved ?? join(dirname(path), text);
      // A plain module's declarations (`x.d.mts` beside `x.mjs`) stand for the module.
      const targetFile = relative(ROOT, target).split('\\').join('/').replace(/\.d\.mts$/, '.mjs');
      if (targetFile.startsWith('node_modules/') || targetFile.startsWith('..')) continue;
      imports.push({ file: targetFile, dynamic });
    }
    nodes.push({ file, imports });
  }
  return nodes.sort((a, b) => a.file.localeCompare(b.file));
}

/** The circles of a graph (each as the files in order, the first repeated at the end). */
export function circles(nodes: readonly ModuleNode[]): string[][] {
  const edges = new Map(nodes.map((node) => [node.file, node.imports.map((entry) => entry.file)]));
  const found: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') {
        const circle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...circle.slice(0, -1)].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          found.push(circle);
        }
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of edges.keys()) if (!state.has(file)) visit(file);
  return found;
}

/** A function-like node's name for the figures (`name`, `Class.method`, or `<arrow>@line`). */
function functionName(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return `<anonymous>@${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
}

/** Every function of a file with its length in lines. */
export function functionLengths(path: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: functionName(node, source), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
