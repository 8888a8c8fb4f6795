/**
 * Bad input: a user-facing error that names the file, the JSON path and the
 * reason. The CLI prints `message` alone (no stack) and exits with code 2.
 */
export class InputError extends Error {
  readonly file: string;
  readonly path: string;
  readonly reason: string;

  constructor(file: string, path: string, reason: string) {
    super(oneLine(path ? `${file}: ${path}: ${reason}` : `${file}: ${reason}`));
    this.name = 'InputError';
    this.file = file;
    this.path = path;
    this.reason = reason;
  }
}

/** `roads[12].lanes` style path from an array of keys. */
export function jsonPath(parts: ReadonlyArray<string | number>): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/**
 * The text with control characters (newlines, tabs, …) written as JSON escapes
 * (`\n`), so that a message quoting user data, such as an id with a newline in
 * it, stays one line.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
