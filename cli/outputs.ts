/**
 * Where a command writes its files (`--out DIR`, `import -o FILE`), checked
 * before any work is done: a bad place is bad usage (exit 2, one line),
 * never a raw system error after a long run. Folders are made one level at
 * a time (Node's recursive mkdir can spin for ever under /proc).
 */
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './args.js';

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Makes the folder `dir` for `--out` (and any folders above it that are missing); a UsageError naming the flag, the path and why where it cannot. */
export function prepareOutDir(command: string, flag: string, dir: string): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let p = target;
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      if (code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR') throw new UsageError(command, `${flag} ${dir}: cannot use "${p}" (${code(e)})`);
      const up = dirname(p);
      if (up === p) throw new UsageError(command, `${flag} ${dir}: no such place`);
      missing.push(p);
      p = up;
      continue;
    }
    if (!st.isDirectory()) throw new UsageError(command, `${flag} ${dir}: "${p}" is ${p === target ? 'a file, not a folder' : 'not a folder'}`);
    break;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      throw new UsageError(command, `${flag} ${dir}: cannot make the folder "${m}" (${code(e)})`);
    }
  }
}

/** Refuses an output file that is one of the command's own inputs (it would be overwritten), or a folder. */
export function checkOutFile(command: string, flag: string, file: string, inputs: readonly string[]): void {
  const real = (f: string): string => {
    try {
      return realpathSync(f);
    } catch {
      return resolve(f);
    }
  };
  const out = real(file);
  for (const i of inputs) if (real(i) === out) throw new UsageError(command, `${flag} ${file}: is one of the input files; choose another name`);
  let folder = false;
  try {
    folder = statSync(out).isDirectory();
  } catch {
    // not there yet: it will be written
  }
  if (folder) throw new UsageError(command, `${flag} ${file}: is a folder, not a file`);
}
