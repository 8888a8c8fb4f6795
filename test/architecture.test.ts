/**
 * The layering of the codebase (issue 12), read from the source itself.
 *
 * Every `.ts` file under the seven source folders is scanned for its relative
 * import and export specifiers (static, type-only, re-exports, side-effect
 * and dynamic `import()`), each specifier is resolved to the file it names,
 * and the resulting file graph is checked against the tables below. Every
 * check collects all offenders before it asserts, so one run shows them all.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// ─── The architecture ────────────────────────────────────────────────────────

/** The top-level source folders, bottom to top. */
const LAYERS = ['scenarios', 'engine', 'interop', 'sim', 'report', 'bench', 'cli'] as const;
type Layer = (typeof LAYERS)[number];

/** The folders each folder may import from, besides itself. Every arrow points down LAYERS. */
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  scenarios: [], // scenario types, validation, generators
  engine: ['scenarios'], // the signal engine runs without the simulator
  interop: ['scenarios', 'engine'], // foreign formats in, checked by engine/network
  sim: ['scenarios', 'engine'], // the microsimulation drives the engine
  report: ['scenarios', 'engine'], // reads the engine's event log, not sim/
  bench: ['scenarios', 'engine', 'interop', 'sim', 'report'], // everything but cli/
  cli: ['scenarios', 'engine', 'interop', 'sim', 'report', 'bench'], // everything
};

/**
 * The sub-folders of engine/, bottom to top: a file in engine/X may import
 * engine/Y only when Y is X or below it. Files directly in engine/ may import
 * any sub-folder.
 */
const ENGINE_LAYERS = ['network', 'signals', 'detectors', 'optimizer', 'controllers', 'preemption', 'cabinet', 'distributed', 'server'] as const;

/** No source file in these folders may be longer than MAX_LINES lines. */
const LINE_LIMITED: readonly Layer[] = ['engine', 'sim', 'scenarios', 'interop', 'cli'];
const MAX_LINES = 500;

// ─── Reading the source ──────────────────────────────────────────────────────

const ROOT = resolve(import.meta.dirname, '..');
const SKIP_DIRS = new Set(['node_modules', 'dist']);

type Token = { kind: 'id' | 'str' | 'num' | 'punct'; value: string };

/** Keywords after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/**
 * A small TypeScript lexer, just good enough to find specifiers: it skips
 * comments, keeps string literals whole (so an import written inside a string
 * is no import), skips the text of template literals (but lexes their `${}`
 * expressions) and tells regular-expression literals from divisions by the
 * token before them.
 */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const braces: ('block' | 'template')[] = [];
  const n = src.length;
  let i = 0;

  const isIdStart = (c: string) => /[A-Za-z_$\u0080-\uffff]/.test(c);
  const isIdPart = (c: string) => /[\w$\u0080-\uffff]/.test(c);

  /** Skips template text from i (just after a backtick or a closing `}`); returns after the closing backtick or `${`. */
  const templateText = (): void => {
    while (i < n) {
      const c = src[i]!;
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        out.push({ kind: 'str', value: '`template`' });
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        braces.push('template');
        out.push({ kind: 'punct', value: '${' });
        return;
      } else i++;
    }
  };

  const regexAllowed = (): boolean => {
    const prev = out[out.length - 1];
    if (!prev) return true;
    if (prev.kind === 'punct') return !(prev.value === ')' || prev.value === ']' || prev.value === '}');
    if (prev.kind === 'id') return REGEX_AFTER.has(prev.value);
    return false;
  };

  while (i < n) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < n && src[j] !== c && src[j] !== '\n') {
        if (src[j] === '\\') {
          value += src[j + 1] ?? '';
          j += 2;
        } else value += src[j++];
      }
      out.push({ kind: 'str', value });
      i = j + 1;
    } else if (c === '`') {
      i++;
      templateText();
    } else if (c === '{') {
      braces.push('block');
      out.push({ kind: 'punct', value: c });
      i++;
    } else if (c === '}') {
      i++;
      if (braces.pop() === 'template') templateText();
      else out.push({ kind: 'punct', value: c });
    } else if (c === '/' && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n') {
        const d = src[j]!;
        if (d === '\\') j++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        j++;
      }
      j++;
      while (j < n && isIdPart(src[j]!)) j++;
      out.push({ kind: 'str', value: '/regex/' });
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(src[j]!)) j++;
      out.push({ kind: 'num', value: src.slice(i, j) });
      i = j;
    } else if (isIdStart(c)) {
      let j = i + 1;
      while (j < n && isIdPart(src[j]!)) j++;
      out.push({ kind: 'id', value: src.slice(i, j) });
      i = j;
    } else {
      out.push({ kind: 'punct', value: c });
      i++;
    }
  }
  return out;
}

/**
 * Every module specifier in a source text, in order: `import … from 'x'`,
 * `import type … from 'x'`, `export … from 'x'`, `export * from 'x'`,
 * `import 'x'` and `import('x')` (also as a type, `typeof import('x')`).
 */
function importSpecifiers(src: string): string[] {
  const t = tokenize(src);
  const specs: string[] = [];
  for (let k = 0; k < t.length; k++) {
    const tok = t[k]!;
    if (tok.kind !== 'id' || t[k - 1]?.value === '.') continue;
    const next = t[k + 1];
    if (tok.value === 'from' && next?.kind === 'str') specs.push(next.value);
    else if (tok.value === 'import' && next?.kind === 'str') specs.push(next.value);
    else if (tok.value === 'import' && next?.value === '(' && t[k + 2]?.kind === 'str') specs.push(t[k + 2]!.value);
  }
  return specs;
}

const posix = (p: string) => p.split(sep).join('/');
const isFile = (abs: string) => existsSync(abs) && statSync(abs).isFile();

/**
 * The repository-relative file a relative specifier in `fromFile` names:
 * `./x.js` is `x.ts`, a directory is its `index.ts`, anything else (`.json`)
 * is the literal file. Undefined when nothing is there.
 */
function resolveSpecifier(fromFile: string, spec: string): string | undefined {
  const abs = resolve(ROOT, dirname(fromFile), spec);
  const candidates: string[] = [];
  if (/\.[cm]?js$/.test(abs)) candidates.push(abs.replace(/\.([cm]?)js$/, '.$1ts'));
  candidates.push(abs, `${abs}.ts`, join(abs, 'index.ts'));
  const hit = candidates.find(isFile);
  return hit === undefined ? undefined : posix(relative(ROOT, hit));
}

function sourceFiles(folder: string): string[] {
  const abs = join(ROOT, folder);
  if (!existsSync(abs)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    const rel = `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) found.push(...sourceFiles(rel));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(rel);
  }
  return found;
}

interface Graph {
  files: string[];
  /** file → the files it imports, sorted. */
  edges: Map<string, string[]>;
  unresolved: string[];
}

let cached: Graph | undefined;
function graph(): Graph {
  if (cached) return cached;
  const files = LAYERS.flatMap((l) => sourceFiles(l)).sort();
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const targets = new Set<string>();
    for (const spec of importSpecifiers(readFileSync(join(ROOT, file), 'utf8'))) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
      const target = resolveSpecifier(file, spec);
      if (target === undefined) unresolved.push(`${file}: '${spec}'`);
      else targets.add(target);
    }
    edges.set(file, [...targets].sort());
  }
  return (cached = { files, edges, unresolved });
}

function arrows(): [from: string, to: string][] {
  return [...graph().edges].flatMap(([from, tos]) => tos.map((to): [string, string] => [from, to]));
}

const topFolder = (file: string) => file.split('/')[0]!;

// ─── Cycles ──────────────────────────────────────────────────────────────────

/** Strongly connected components (Tarjan) of the graph with more than one file, or a file importing itself. */
function cyclicComponents(edges: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];

  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (edges.get(v) ?? []).includes(v)) components.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The shortest cycle through `start` inside `comp`, as a closed path. */
function shortestCycle(edges: Map<string, string[]>, comp: Set<string>, start: string): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const u = queue[q]!;
    for (const w of edges.get(u) ?? []) {
      if (!comp.has(w)) continue;
      if (w === start) {
        const path = [u];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return [...path, start];
      }
      if (!parent.has(w)) {
        parent.set(w, u);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Cycles that together pass through every file of every cyclic component, each as `a.ts → b.ts → a.ts`. */
function importCycles(edges: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  for (const comp of cyclicComponents(edges)) {
    const members = new Set(comp);
    const covered = new Set<string>();
    for (const start of comp) {
      if (covered.has(start)) continue;
      const cycle = shortestCycle(edges, members, start);
      for (const f of cycle) covered.add(f);
      cycles.push(cycle.join(' → '));
    }
  }
  return cycles;
}

// ─── The tests ───────────────────────────────────────────────────────────────

describe('import parser', () => {
  it('finds static, type-only, re-export, side-effect and dynamic specifiers, multi-line lists included', () => {
    const src = [
      `import {`,
      `  a,`,
      `  b,`,
      `} from './x.js';`,
      `import type { T } from "../types.js";`,
      `import def, * as ns from './ns.js';`,
      `export * from './all.js';`,
      `export * as geometry from './geometry.js';`,
      `export type * from './model.js';`,
      `export { c, type D } from './c.js';`,
      `import './side-effect.js';`,
      `import schema from './schema.json' with { type: 'json' };`,
      `import { readFileSync } from 'node:fs';`,
      `const lazy = await import('./lazy.js');`,
      `type W = typeof import('./worker.js');`,
      `export const e = 1;`,
    ].join('\n');
    expect(importSpecifiers(src)).toEqual([
      './x.js',
      '../types.js',
      './ns.js',
      './all.js',
      './geometry.js',
      './model.js',
      './c.js',
      './side-effect.js',
      './schema.json',
      'node:fs',
      './lazy.js',
      './worker.js',
    ]);
  });

  it('ignores specifiers in comments, strings, template text and regular expressions', () => {
    const src = [
      `// import { gone } from './line-comment.js';`,
      `/* export * from './block-comment.js'; */`,
      `/** {@link import('./jsdoc.js').Thing} */`,
      `const s = "import './in-a-string.js'";`,
      'const t = `no route from ${"./a"} to \'./template.js\'`;',
      `const re = /from '.\\/regex.js'/g;`,
      `const half = total / 2; import { real } from './real.js';`,
      `obj.import('./method.js');`,
      'const u = `${await import(\'./in-template-expr.js\')}`;',
    ].join('\n');
    expect(importSpecifiers(src)).toEqual(['./real.js', './in-template-expr.js']);
  });

  it('resolves ./x.js to x.ts, a directory to its index.ts and .json to the file itself', () => {
    expect(resolveSpecifier('engine/controllers/index.ts', '../network/compile.js')).toBe('engine/network/compile.ts');
    expect(resolveSpecifier('cli/main.ts', '../engine/network')).toBe('engine/network/index.ts');
    expect(resolveSpecifier('scenarios/validate.ts', './scenario.schema.json')).toBe('scenarios/scenario.schema.json');
    expect(resolveSpecifier('cli/main.ts', './no-such-file.js')).toBeUndefined();
  });

  it('prints each cycle as a closed path, covering every file of a strongly connected component', () => {
    const edges = new Map<string, string[]>([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['b.ts']],
      ['e.ts', ['e.ts']],
      ['f.ts', ['a.ts']],
    ]);
    expect(importCycles(edges)).toEqual(['a.ts → b.ts → c.ts → a.ts', 'd.ts → b.ts → d.ts', 'e.ts → e.ts']);
  });
});

describe('architecture', () => {
  it('finds the source files and their imports', () => {
    const { files } = graph();
    for (const layer of LAYERS) expect(files.some((f) => topFolder(f) === layer), `${layer}/ has .ts files`).toBe(true);
    expect(arrows().length).toBeGreaterThan(files.length);
  });

  it('every relative import resolves to a file', () => {
    expect(graph().unresolved).toEqual([]);
  });

  it('the allowed-folder table only points down the layer order', () => {
    const upward = LAYERS.flatMap((l) => MAY_IMPORT[l].filter((m) => LAYERS.indexOf(m) >= LAYERS.indexOf(l)).map((m) => `${l} → ${m}`));
    expect(upward).toEqual([]);
  });

  it('no import cycles anywhere', () => {
    expect(importCycles(graph().edges)).toEqual([]);
  });

  const folderList = (fs: readonly string[]) => {
    const names = fs.map((f) => `${f}/`);
    return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join('');
  };

  for (const layer of LAYERS) {
    const forbidden = LAYERS.filter((l) => l !== layer && !MAY_IMPORT[layer].includes(l));
    const name =
      forbidden.length > 0
        ? `${layer}/ imports nothing from ${folderList(forbidden)}`
        : `${layer}/ may import from every other source folder`;
    it(name, () => {
      const bad = arrows()
        .filter(([from, to]) => topFolder(from) === layer && (forbidden as string[]).includes(topFolder(to)))
        .map(([from, to]) => `${from} → ${to}`);
      expect(bad).toEqual([]);
    });
  }

  it('no source file imports anything outside the seven source folders', () => {
    const bad = arrows()
      .filter(([, to]) => !(LAYERS as readonly string[]).includes(topFolder(to)))
      .map(([from, to]) => `${from} → ${to}`);
    expect(bad).toEqual([]);
  });

  it(`inside engine/ every arrow points down ${ENGINE_LAYERS.join(' → ')}`, () => {
    const sub = (file: string): string | undefined => (file.split('/').length > 2 ? file.split('/')[1] : undefined);
    const rank = (s: string) => (ENGINE_LAYERS as readonly string[]).indexOf(s);
    const bad: string[] = [];
    for (const [from, to] of arrows()) {
      if (topFolder(from) !== 'engine' || topFolder(to) !== 'engine') continue;
      const a = sub(from);
      const b = sub(to);
      if (a === undefined) continue; // engine/*.ts may import any sub-folder
      if (rank(a) < 0) bad.push(`${from} → ${to} (engine/${a} is not in the sub-layer order)`);
      else if (b === undefined) bad.push(`${from} → ${to}`); // a sub-folder importing engine/'s own top-level files
      else if (rank(b) < 0) bad.push(`${from} → ${to} (engine/${b} is not in the sub-layer order)`);
      else if (rank(b) > rank(a)) bad.push(`${from} → ${to}`);
    }
    expect(bad).toEqual([]);
  });

  it(`no source file over ${MAX_LINES} lines`, () => {
    const bad = graph()
      .files.filter((f) => LINE_LIMITED.includes(topFolder(f) as Layer))
      .map((f) => {
        const text = readFileSync(join(ROOT, f), 'utf8');
        return { f, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) };
      })
      .filter((x) => x.lines > MAX_LINES)
      .sort((x, y) => y.lines - x.lines || x.f.localeCompare(y.f))
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(bad).toEqual([]);
  });
});
