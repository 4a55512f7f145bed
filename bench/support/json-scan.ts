/**
 * An incremental reader of a V8 heap snapshot's top-level JSON object, fed text a chunk at a
 * time: at 10,000 services the file is larger than one JS string can hold, so it is never
 * whole in memory. The "nodes" array comes out number by number, the "strings" array string
 * by string (only those the sink asks for are unescaped and kept), the "snapshot" header is
 * parsed whole (it is small), and every other value is skipped.
 */

export interface ScanSink {
  header(snapshot: unknown): void;
  int(value: number): void;
  wantString(index: number): boolean;
  string(index: number, text: string): void;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** One JSON string's body (after its opening quote), possibly across chunks. */
class StringReader {
  done = false;
  private parts: string[] | null = null;
  /** -1: plain text; 0: after a backslash; 1–4: inside \uXXXX. */
  private escape = -1;
  private hex = '';

  /** `keep` false skips the body without building it. */
  start(keep: boolean): void {
    this.parts = keep ? [] : null;
    this.escape = -1;
    this.done = false;
  }

  /** Returns the index after what it consumed: past the closing quote, or the chunk's end. */
  read(s: string, i: number): number {
    let at = i;
    while (at < s.length && !this.done)
      at = this.escape < 0 ? this.readPlain(s, at) : this.readEscape(s, at);
    return at;
  }

  text(): string {
    return this.parts?.join('') ?? '';
  }

  private readPlain(s: string, i: number): number {
    let j = i;
    for (let c = s.charCodeAt(j); j < s.length; c = s.charCodeAt(++j))
      if (c === QUOTE || c === BACKSLASH) break;
    if (j > i) this.parts?.push(s.slice(i, j));
    if (j === s.length) return j;
    if (s.charCodeAt(j) === QUOTE) this.done = true;
    else this.escape = 0;
    return j + 1;
  }

  private readEscape(s: string, i: number): number {
    const c = s.charAt(i);
    if (this.escape === 0 && c === 'u') {
      this.escape = 1;
      this.hex = '';
    } else if (this.escape === 0) {
      const unescaped = ESCAPES[c];
      if (unescaped === undefined) throw new Error(`heap snapshot: bad string escape \\${c}`);
      this.parts?.push(unescaped);
      this.escape = -1;
    } else {
      this.hex += c;
      if (this.hex.length < 4) return i + 1;
      // A surrogate pair comes as two escapes; their halves join back in text().
      this.parts?.push(String.fromCharCode(parseInt(this.hex, 16)));
      this.escape = -1;
    }
    return i + 1;
  }
}

/** Where a skipped (or captured) object or array ends, strings and nesting considered. */
class RawValue {
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** Whether the value ends with this character. */
  take(c: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === BACKSLASH) this.escaped = true;
      else if (c === QUOTE) this.inString = false;
      return false;
    }
    if (c === QUOTE) this.inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) return --this.depth === 0;
    return false;
  }
}

type Mode =
  | 'start'
  | 'key'
  | 'keyString'
  | 'colon'
  | 'value'
  | 'raw'
  | 'ints'
  | 'strings'
  | 'stringItem'
  | 'end';

/** The order V8 writes them in, which lets the sink know what it needs before the strings. */
const ORDERED = ['snapshot', 'nodes', 'strings'];

export class SnapshotScanner {
  private mode: Mode = 'start';
  private key = '';
  private readonly seen = new Set<string>();
  private readonly reader = new StringReader();
  private raw = new RawValue();
  private captured: string[] | null = null;
  private number = 0;
  private digits = false;
  private stringIndex = 0;
  private keepString = false;
  private readonly handlers: Record<Mode, (s: string, i: number) => number> = {
    start: (s, i) => this.expect(s, i, OPEN_BRACE, 'key'),
    key: (s, i) => this.readKey(s, i),
    keyString: (s, i) => this.readKeyString(s, i),
    colon: (s, i) => this.expect(s, i, COLON, 'value'),
    value: (s, i) => this.startValue(s, i),
    raw: (s, i) => this.readRaw(s, i),
    ints: (s, i) => this.readInts(s, i),
    strings: (s, i) => this.readStrings(s, i),
    stringItem: (s, i) => this.readStringItem(s, i),
    end: (s, i) => this.expect(s, i, -1, 'end'),
  };

  private readonly sink: ScanSink;

  constructor(sink: ScanSink) {
    this.sink = sink;
  }

  feed(s: string): void {
    for (let i = 0; i < s.length;) i = this.handlers[this.mode](s, i);
  }

  end(): void {
    if (this.mode !== 'end') throw new Error(`heap snapshot: the file ends inside ${this.where()}`);
    for (const key of ORDERED)
      if (!this.seen.has(key)) throw new Error(`heap snapshot: no "${key}" in the file`);
  }

  private where(): string {
    return this.key ? `"${this.key}"` : 'its first object';
  }

  /** Whitespace, then `want` (-1: nothing but whitespace may follow). */
  private expect(s: string, i: number, want: number, next: Mode): number {
    const c = s.charCodeAt(i);
    if (isSpace(c)) return i + 1;
    if (c !== want)
      throw new Error(
        `heap snapshot: unexpected ${JSON.stringify(s.charAt(i))} in ${this.where()}`,
      );
    this.mode = next;
    return i + 1;
  }

  private readKey(s: string, i: number): number {
    const c = s.charCodeAt(i);
    if (c === CLOSE_BRACE) this.mode = 'end';
    else if (c === QUOTE) {
      this.reader.start(true);
      this.mode = 'keyString';
    } else if (!isSpace(c) && c !== COMMA) return this.expect(s, i, QUOTE, 'keyString');
    return i + 1;
  }

  private readKeyString(s: string, i: number): number {
    const next = this.reader.read(s, i);
    if (!this.reader.done) return next;
    this.key = this.reader.text();
    const missing = ORDERED.slice(0, ORDERED.indexOf(this.key)).find((k) => !this.seen.has(k));
    if (missing) throw new Error(`heap snapshot: "${this.key}" comes before "${missing}"`);
    this.seen.add(this.key);
    this.mode = 'colon';
    return next;
  }

  private startValue(s: string, i: number): number {
    const c = s.charCodeAt(i);
    if (isSpace(c)) return i + 1;
    const isArray = c === OPEN_BRACKET;
    if (this.key === 'nodes' && isArray) this.mode = 'ints';
    else if (this.key === 'strings' && isArray) this.mode = 'strings';
    else if (c === OPEN_BRACE || isArray) {
      this.raw = new RawValue();
      this.captured = this.key === 'snapshot' ? [] : null;
      this.mode = 'raw';
      return i;
    } else throw new Error(`heap snapshot: "${this.key}" is not an object or an array`);
    return i + 1;
  }

  private readRaw(s: string, i: number): number {
    let j = i;
    let ended = false;
    while (j < s.length && !ended) ended = this.raw.take(s.charCodeAt(j++));
    this.captured?.push(s.slice(i, j));
    if (!ended) return j;
    if (this.captured) this.sink.header(JSON.parse(this.captured.join('')));
    this.captured = null;
    this.mode = 'key';
    return j;
  }

  private readInts(s: string, i: number): number {
    for (let j = i; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c >= ZERO && c <= NINE) {
        this.number = this.number * 10 + (c - ZERO);
        this.digits = true;
        continue;
      }
      this.endNumber();
      if (c === CLOSE_BRACKET) {
        this.mode = 'key';
        return j + 1;
      }
      if (c !== COMMA && !isSpace(c))
        throw new Error(`heap snapshot: unexpected ${JSON.stringify(s.charAt(j))} in "nodes"`);
    }
    return s.length;
  }

  private endNumber(): void {
    if (!this.digits) return;
    this.sink.int(this.number);
    this.number = 0;
    this.digits = false;
  }

  private readStrings(s: string, i: number): number {
    const c = s.charCodeAt(i);
    if (c === CLOSE_BRACKET) this.mode = 'key';
    else if (c === QUOTE) {
      this.keepString = this.sink.wantString(this.stringIndex);
      this.reader.start(this.keepString);
      this.mode = 'stringItem';
    } else if (c !== COMMA && !isSpace(c))
      throw new Error(`heap snapshot: unexpected ${JSON.stringify(s.charAt(i))} in "strings"`);
    return i + 1;
  }

  private readStringItem(s: string, i: number): number {
    const next = this.reader.read(s, i);
    if (!this.reader.done) return next;
    if (this.keepString) this.sink.string(this.stringIndex, this.reader.text());
    this.stringIndex++;
    this.mode = 'strings';
    return next;
  }
}
