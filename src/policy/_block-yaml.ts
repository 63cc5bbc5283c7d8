/*
 * A fast reader for the block-style YAML that manifest generators write (cdk8s, Helm,
 * kustomize, kubectl): block mappings and sequences, single-line plain and quoted scalars,
 * literal block scalars, empty flow collections and comments. For such a document it returns
 * exactly what the `yaml` package's `toJS()` returns (plain scalars are resolved by that
 * package's own YAML 1.1 schema), several times faster; everything else it declines, and the
 * caller reads the document with the `yaml` package: anchors, aliases, tags, merge keys,
 * directives, flow collections with content, multi-line plain or quoted scalars, folded or
 * indented block scalars, tabs, carriage returns inside lines, control characters, duplicate
 * or non-string keys, anything it cannot place. Declining is always safe; a wrong value
 * never is, so a test compares the two readers on generated and mutated documents.
 *
 * No recursion: nesting is an explicit stack, declined beyond `maxDepth`.
 */
import { Document, isScalar, ScalarTag } from 'yaml';

/** What {@link readBlockYaml} returns for a document it leaves to the `yaml` package. */
export const DECLINED: unique symbol = Symbol('declined');

/** The YAML 1.1 scalar tags that resolve plain scalars, in the order the `yaml` package tries them. */
const PLAIN_TAGS: readonly ScalarTag[] = new Document(null, { version: '1.1', merge: true }).schema.tags
  .filter((t): t is ScalarTag => t.default === true && 'test' in t && t.test instanceof RegExp);
const RESOLVE_OPTIONS = { intAsBigInt: false };

/**
 * Characters the reader never handles: tabs (indentation rules), carriage returns (only as
 * part of CRLF, which the caller normalises), C0/C1 controls and DEL, the byte-order mark,
 * and NEL, LS and PS, which YAML 1.1 counts as line breaks and the `yaml` package does not.
 */
const UNSUPPORTED_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
/** An empty flow collection, optionally followed by a comment. */
const EMPTY_FLOW = /^(\{ *\}|\[ *\])( +#.*)? *$/;
/** A plain decimal integer that is a safe JavaScript number. */
const DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;
/**
 * After a leading digit, the schema's patterns allow only the letters of hexadecimals (a-f,
 * x), exponents (e) and timestamps (t, T, Z); any other letter (`100m`, `512Mi`) makes a string.
 */
const NOT_A_NUMBER_LETTER = /[g-su-wyzG-SU-Y]/;

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;

/**
 * First characters a plain scalar may start with and still match one of the schema's
 * patterns: `~`, `y`/`n`/`t`/`f`/`o` (yes, no, true, false, on, off, null), digits, signs,
 * dots, and `e` (the package's float pattern takes `e5` for a number). Any other first
 * character makes a string without trying the patterns.
 */
const MAYBE_NOT_STRING = new Uint8Array(128);
for (const ch of '0123456789+-.~yYnNtTfFoOeE') MAYBE_NOT_STRING[ch.charCodeAt(0)] = 1;

/**
 * Characters that cannot start a plain scalar or key in block context (YAML's indicators);
 * `-`, `?` and `:` only when a space or the line end follows.
 */
const INDICATOR = new Uint8Array(128);
for (const ch of ',[]{}#&*!|>\'"%@`') INDICATOR[ch.charCodeAt(0)] = 1;

interface Frame {
  /** A block mapping (else a block sequence). */
  readonly map: boolean;
  /** Column of its keys or dashes. */
  readonly indent: number;
  readonly value: Record<string, unknown> | unknown[];
  /** The key or index whose value may be a block starting on a following line. */
  pending?: string | number;
}

/** A value read from a line, and where reading continues. */
interface Read {
  readonly value: unknown;
  /** Offset just after the value (on the same line), or the start of the next unread line for a block scalar. */
  readonly next: number;
  readonly blockScalar: boolean;
}

/**
 * Reads one YAML document (`---` marker line optional) if it is in the supported subset.
 *
 * @returns the document's value (`null` for an empty document), or {@link DECLINED}.
 */
export function readBlockYaml(text: string, maxDepth: number): unknown {
  if (UNSUPPORTED_CHARS.test(text)) return DECLINED;
  return new BlockReader(text, maxDepth).read();
}

class BlockReader {
  private readonly stack: Frame[] = [];
  /** Cached positions of the next `:` and `#` at or after the last search (searches only move forward). */
  private nextColon = -1;
  private nextHash = -1;

  public constructor(private readonly text: string, private readonly maxDepth: number) {}

  public read(): unknown {
    const { text, stack } = this;
    const length = text.length;
    let start = 0;
    if (text.startsWith('---')) {
      const end = lineEnd(text, 0);
      if (!onlyComment(text, 3, end)) return DECLINED;
      start = end + 1;
    }
    let root: unknown = null;
    while (start < length) {
      const end = lineEnd(text, start);
      let p = start;
      while (text.charCodeAt(p) === SPACE) p++;
      if (p === end || text.charCodeAt(p) === HASH) {
        start = end + 1;
        continue;
      }
      const indent = p - start;
      const seqItem = isSeqItem(text, p, end);
      if (indent === 0 && (text.startsWith('---', p) || text.startsWith('...', p)) && (p + 3 === end || text.charCodeAt(p + 3) === SPACE)) return DECLINED;

      if (stack.length === 0) {
        root = seqItem ? [] : {};
        stack.push({ map: !seqItem, indent, value: root as Frame['value'] });
      }
      let top = stack[stack.length - 1];
      if (top.pending !== undefined) {
        if (indent > top.indent && !seqItem) {
          const key = this.key(p, end);
          if (key === DECLINED) return DECLINED;
          if (key === null) {
            // The pending key's (or item's) value is a scalar on a line of its own.
            const read = this.value(top, p, end);
            if (read === DECLINED || (!read.blockScalar && !onlyComment(text, read.next, end))) return DECLINED;
            (top.value as Record<string | number, unknown>)[top.pending] = read.value;
            top.pending = undefined;
            start = read.blockScalar ? read.next : end + 1;
            continue;
          }
        }
        if (indent > top.indent || (top.map && indent === top.indent && seqItem)) {
          // The pending key's (or item's) value is the block that starts here.
          if (stack.length >= this.maxDepth) return DECLINED;
          const child: Frame['value'] = seqItem ? [] : {};
          (top.value as Record<string | number, unknown>)[top.pending] = child;
          top.pending = undefined;
          top = { map: !seqItem, indent, value: child };
          stack.push(top);
        } else {
          top.pending = undefined;
        }
      }
      // Close the blocks this line is outside of; a sequence at its parent key's column ends
      // at the next line that is not an item.
      while (top.indent > indent || (!top.map && top.indent === indent && !seqItem)) {
        stack.pop();
        if (stack.length === 0) return DECLINED;
        top = stack[stack.length - 1];
      }
      if (top.indent !== indent || top.map === seqItem) return DECLINED;
      const next = top.map ? this.mapEntry(top, p, end) : this.seqItem(top, start, p, end);
      if (next < 0) return DECLINED;
      start = next;
    }
    return root;
  }

  /** `key: value` in a block mapping. Returns where reading continues, or -1 to decline. */
  private mapEntry(frame: Frame, p: number, end: number): number {
    const key = this.key(p, end);
    if (key === null || key === DECLINED) return -1;
    return this.entryValue(frame, key[0], key[1], end);
  }

  /** `- value` or `- key: value` in a block sequence. Returns where reading continues, or -1. */
  private seqItem(frame: Frame, lineStart: number, p: number, end: number): number {
    const { text } = this;
    const items = frame.value as unknown[];
    let v = p + 1;
    while (text.charCodeAt(v) === SPACE) v++;
    if (v < end && text.charCodeAt(v) === DASH && isSeqItem(text, v, end)) return -1;
    const key = v < end && text.charCodeAt(v) !== HASH ? this.key(v, end) : null;
    if (key === DECLINED) return -1;
    if (key === null) return this.entryValue(frame, items.length, p + 1, end);
    // A compact mapping: its further keys line up with this one.
    if (this.stack.length >= this.maxDepth) return -1;
    const map: Record<string, unknown> = {};
    items.push(map);
    const child: Frame = { map: true, indent: v - lineStart, value: map };
    this.stack.push(child);
    return this.entryValue(child, key[0], key[1], end);
  }

  /** Reads the value after `key:` or `-` (from `from`) into `frame.value[slot]`. */
  private entryValue(frame: Frame, slot: string | number, from: number, end: number): number {
    const { text } = this;
    let v = from;
    while (text.charCodeAt(v) === SPACE) v++;
    const container = frame.value as Record<string | number, unknown>;
    if (frame.map && (slot === '__proto__' || Object.prototype.hasOwnProperty.call(container, slot))) return -1;
    if (v === end || (text.charCodeAt(v) === HASH && v > from)) {
      // Nothing on this line: null, unless a block follows on the next lines.
      container[slot] = null;
      frame.pending = slot;
      return end + 1;
    }
    if (v === from && v < end) return -1;
    const read = this.value(frame, v, end);
    if (read === DECLINED) return -1;
    container[slot] = read.value;
    if (read.blockScalar) return read.next;
    return onlyComment(text, read.next, end) ? end + 1 : -1;
  }

  /** A scalar or empty flow collection starting at `v`. */
  private value(frame: Frame, v: number, end: number): Read | typeof DECLINED {
    const { text } = this;
    const c = text.charCodeAt(v);
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      const q = quoted(text, v, end);
      return q === DECLINED ? DECLINED : { value: q[0], next: q[1], blockScalar: false };
    }
    if (c === 124 /* | */) return this.literal(frame, v, end);
    if (c === 123 /* { */ || c === 91 /* [ */) {
      return EMPTY_FLOW.test(text.slice(v, end)) ? { value: c === 123 ? {} : [], next: end, blockScalar: false } : DECLINED;
    }
    if (c < 128 && INDICATOR[c]) return DECLINED;
    if ((c === DASH || c === 63 /* ? */ || c === COLON) && (v + 1 === end || text.charCodeAt(v + 1) === SPACE)) return DECLINED;
    // A plain scalar: up to a comment, without trailing spaces, and not itself `key: value`.
    let e = this.commentStart(v, end);
    while (e > v && text.charCodeAt(e - 1) === SPACE) e--;
    if (this.separator(v, e) >= 0) return DECLINED;
    const value = plainScalar(text.slice(v, e));
    return value === DECLINED ? DECLINED : { value, next: end, blockScalar: false };
  }

  /**
   * A literal block scalar (`|` or `|-`) whose header starts at `v`: its lines are those
   * indented more than the enclosing block, up to the first line that is not.
   */
  private literal(frame: Frame, v: number, end: number): Read | typeof DECLINED {
    const { text } = this;
    let h = v + 1;
    const strip = text.charCodeAt(h) === DASH;
    if (strip) h++;
    if (h < end && text.charCodeAt(h) !== SPACE) return DECLINED;
    if (!onlyComment(text, h, end)) return DECLINED;
    const lines: string[] = [];
    let blanks = 0;
    let contentIndent = -1;
    let s = end + 1;
    while (s < text.length) {
      const e = lineEnd(text, s);
      let i = s;
      while (text.charCodeAt(i) === SPACE) i++;
      const indent = i - s;
      if (i === e) {
        // Leading blank lines and blank lines with extra spaces have subtler rules.
        if (contentIndent < 0 || indent > contentIndent) return DECLINED;
        blanks++;
        s = e + 1;
        continue;
      }
      if (contentIndent < 0) {
        if (indent <= frame.indent) break;
        contentIndent = indent;
      } else if (indent < contentIndent) {
        break;
      }
      for (; blanks > 0; blanks--) lines.push('');
      lines.push(text.slice(s + contentIndent, e));
      s = e + 1;
    }
    const body = lines.join('\n');
    return { value: strip || lines.length === 0 ? body : `${body}\n`, next: Math.min(s, text.length), blockScalar: true };
  }

  /**
   * The mapping key at `p` and the offset after its colon; null when the line has no key
   * there (a scalar item); DECLINED for keys the reader leaves to the `yaml` package.
   */
  private key(p: number, end: number): [string, number] | null | typeof DECLINED {
    const { text } = this;
    const c = text.charCodeAt(p);
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      const q = quoted(text, p, end);
      if (q === DECLINED) return DECLINED;
      let s = q[1];
      while (text.charCodeAt(s) === SPACE) s++;
      return text.charCodeAt(s) === COLON && (s + 1 === end || text.charCodeAt(s + 1) === SPACE) ? [q[0], s + 1] : null;
    }
    if ((c < 128 && INDICATOR[c]) || ((c === DASH || c === 63 || c === COLON) && (p + 1 === end || text.charCodeAt(p + 1) === SPACE))) return null;
    const comment = this.commentStart(p, end);
    const colon = this.separator(p, comment);
    if (colon < 0) return null;
    let k = colon;
    while (k > p && text.charCodeAt(k - 1) === SPACE) k--;
    const key = plainScalar(text.slice(p, k));
    // Keys that YAML 1.1 reads as booleans, numbers or null (`on`, `8080`), and merge keys.
    if (typeof key !== 'string' || key === '<<') return DECLINED;
    return [key, colon + 1];
  }

  /** The first `:` in [from, to) followed by a space or the line end, or -1. */
  private separator(from: number, to: number): number {
    const { text } = this;
    let c = from;
    for (;;) {
      if (this.nextColon < c) {
        this.nextColon = text.indexOf(':', c);
        if (this.nextColon < 0) this.nextColon = text.length;
      }
      c = this.nextColon;
      if (c >= to) return -1;
      const after = text.charCodeAt(c + 1);
      if (after === SPACE || after === 10 || c + 1 === text.length) return c;
      c++;
    }
  }

  /** Where a comment (`#` after a space) starts in [from, end), or `end`. */
  private commentStart(from: number, end: number): number {
    const { text } = this;
    let c = from;
    for (;;) {
      if (this.nextHash < c) {
        this.nextHash = text.indexOf('#', c);
        if (this.nextHash < 0) this.nextHash = text.length;
      }
      c = this.nextHash;
      if (c >= end) return end;
      if (c > from && text.charCodeAt(c - 1) === SPACE) return c;
      c++;
    }
  }
}

function lineEnd(text: string, from: number): number {
  const e = text.indexOf('\n', from);
  return e < 0 ? text.length : e;
}

/** Whether [from, end) is empty, spaces, or spaces then a comment. */
function onlyComment(text: string, from: number, end: number): boolean {
  let i = from;
  while (i < end && text.charCodeAt(i) === SPACE) i++;
  return i === end || (i > from && text.charCodeAt(i) === HASH);
}

function isSeqItem(text: string, p: number, end: number): boolean {
  return text.charCodeAt(p) === DASH && (p + 1 === end || text.charCodeAt(p + 1) === SPACE);
}

/** A quoted scalar on one line starting at `p`: its value and the offset after the closing quote. */
function quoted(text: string, p: number, end: number): [string, number] | typeof DECLINED {
  const single = text.charCodeAt(p) === SINGLE_QUOTE;
  let i = p + 1;
  for (;;) {
    const j = text.indexOf(single ? '\'' : '"', i);
    if (j < 0 || j >= end) return DECLINED;
    if (single) {
      if (text.charCodeAt(j + 1) === SINGLE_QUOTE) {
        i = j + 2;
        continue;
      }
    } else {
      let k = j - 1;
      while (text.charCodeAt(k) === 92 /* \ */) k--;
      if ((j - 1 - k) % 2 === 1) {
        i = j + 1;
        continue;
      }
    }
    const raw = text.slice(p + 1, j);
    if (single) return [raw.includes('\'\'') ? raw.replace(/''/g, '\'') : raw, j + 1];
    if (!raw.includes('\\')) return [raw, j + 1];
    // Escapes that mean the same in JSON and YAML; YAML-only ones (\x, \e, \N...) are declined.
    if (/\\[^"\\/bfnrtu]/.test(raw)) return DECLINED;
    try {
      return [JSON.parse(`"${raw}"`) as string, j + 1];
    } catch {
      return DECLINED;
    }
  }
}

/** A plain scalar's value as the `yaml` package's YAML 1.1 schema resolves it. */
function plainScalar(s: string): unknown {
  const c = s.charCodeAt(0);
  if (!(c < 128 && MAYBE_NOT_STRING[c])) return s;
  if (DECIMAL.test(s)) return Number(s);
  if (c >= 48 && c <= 57 && NOT_A_NUMBER_LETTER.test(s)) return s;
  // After a leading letter only null and the booleans (5 letters at most) or an exponent
  // (`e5`) can match.
  if (s.length > 5 && c > 57 && c !== 101 /* e */ && c !== 69 /* E */) return s;
  if (s === 'true') return true;
  if (s === 'false') return false;
  for (const tag of PLAIN_TAGS) {
    if (!(tag.test as RegExp).test(s)) continue;
    let failed = false;
    const value = tag.resolve(s, () => { failed = true; }, RESOLVE_OPTIONS);
    if (failed) return DECLINED;
    return isScalar(value) ? value.value : value;
  }
  return s;
}
