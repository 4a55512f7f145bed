/**
 * A reader for nats-server's configuration format (nats-server conf/lex.go): maps of
 * `key = value`, `key: value` or `key value`, nested `{}` maps and `[]` arrays, quoted or bare
 * strings, `$VARIABLE` references, `#` and `//` comments, `;` or `,` or a newline between
 * entries. It yields every key with a scalar value and its place; that is all the rules need.
 */

export interface ConfPair {
  key: string;
  value: string;
  /** True when the value is a `$VARIABLE` reference (resolved by nats-server from env or config). */
  variable: boolean;
  line: number;
  column: number;
}

type Context = 'map' | 'array';

class Cursor {
  index = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  get char(): string {
    return this.text[this.index] ?? '';
  }
  get done(): boolean {
    return this.index >= this.text.length;
  }
  place(): { line: number; column: number } {
    const before = this.text.slice(0, this.index);
    return { line: before.split('\n').length, column: this.index - before.lastIndexOf('\n') };
  }
  /** Skips blanks, newlines, separators and comments. */
  skip(separators: string): void {
    for (;;) {
      if (this.text.startsWith('//', this.index) || this.char === '#') this.toEndOfLine();
      else if (this.char !== '' && (/\s/.test(this.char) || separators.includes(this.char)))
        this.index++;
      else return;
    }
  }
  toEndOfLine(): void {
    while (!this.done && this.char !== '\n') this.index++;
  }
  /** A run of characters up to (not including) any of `stops` or a comment. */
  until(stops: RegExp): string {
    const start = this.index;
    while (!this.done && !stops.test(this.char) && !this.text.startsWith('//', this.index))
      this.index++;
    return this.text.slice(start, this.index);
  }
  quoted(): string {
    const quote = this.char;
    this.index++;
    let out = '';
    while (!this.done && this.char !== quote) {
      if (this.char === '\\' && quote === '"') this.index++;
      out += this.char;
      this.index++;
    }
    this.index++;
    return out;
  }
}

const KEY_END = /[\s=:{}[\],;#]/;
const VALUE_END = /[\n,;}\]#]/;

function readScalar(cursor: Cursor): { value: string; quoted: boolean } {
  if (cursor.char === '"' || cursor.char === "'") return { value: cursor.quoted(), quoted: true };
  return { value: cursor.until(VALUE_END).trim(), quoted: false };
}

/** After a key: a nested map or array is entered, a scalar becomes a pair. */
function readValue(cursor: Cursor, key: string, stack: Context[], out: ConfPair[]): void {
  cursor.skip('=:');
  if (cursor.char === '{' || cursor.char === '[') {
    stack.push(cursor.char === '{' ? 'map' : 'array');
    cursor.index++;
    return;
  }
  const place = cursor.place();
  const { value, quoted } = readScalar(cursor);
  out.push({ key, value, variable: !quoted && value.startsWith('$'), ...place });
}

function step(cursor: Cursor, stack: Context[], out: ConfPair[]): void {
  const char = cursor.char;
  if (char === '}' || char === ']') {
    stack.pop();
    cursor.index++;
  } else if (char === '{' || char === '[') {
    stack.push(char === '{' ? 'map' : 'array');
    cursor.index++;
  } else if (stack.at(-1) === 'array') {
    readScalar(cursor);
  } else {
    const key = char === '"' || char === "'" ? cursor.quoted() : cursor.until(KEY_END);
    if (key === '') cursor.index++;
    else readValue(cursor, key, stack, out);
  }
}

export function confPairs(text: string): ConfPair[] {
  const cursor = new Cursor(text);
  const stack: Context[] = ['map'];
  const out: ConfPair[] = [];
  for (cursor.skip(',;'); !cursor.done; cursor.skip(',;')) step(cursor, stack, out);
  return out;
}
