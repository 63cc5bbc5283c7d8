/*
 * Reads manifest files for `ftekit-check`, one YAML document at a time, so that memory stays
 * bounded by the largest document and not by the file: a file is read in chunks and cut into
 * documents at `---` lines, as Kubernetes' own YAML reader (k8s.io/apimachinery
 * util/yaml.YAMLReader) does; each document is read, its objects are handed on and then
 * released. A JSON file is one document.
 *
 * Most documents are read by the fast block-YAML reader (_block-yaml.ts); the rest by the
 * `yaml` package, guarded here against what it does not guard against itself: recursion that
 * a deeply nested file can overflow, alias expansion (bombs), aliases to missing or enclosing
 * anchors, and costs quadratic in the number of keys or aliases of a document.
 *
 * Every problem is a ManifestInputError naming the file, document and line.
 */
import * as fs from 'fs';
import { StringDecoder } from 'string_decoder';
import { Alias, Composer, CST, Document, isAlias, isMap, isScalar, isSeq, Node, Parser, YAMLMap, YAMLSeq } from 'yaml';
import { DECLINED, readBlockYaml } from './_block-yaml';
import { flattenLists } from './_objects';
import { ManifestInputError, ManifestPosition } from './manifest-input-error';

/**
 * Deepest nesting of mappings and sequences accepted in a document. Kubernetes objects stay
 * far below it (the agent-sandbox Sandbox CRD, whose schema holds a whole pod template, nests 31 levels); deeper input is
 * refused before any recursive code sees it (the `yaml` package composes recursively and
 * overflows Node's default stack at about 800 levels).
 */
export const MAX_NESTING_DEPTH = 256;

/**
 * How much YAML aliases may add to a document, measured as its JSON size. Legitimate reuse
 * (120 containers sharing one `&sc` security context) adds kilobytes; the API server accepts
 * no request over 3 MiB, so a document whose aliases add 16 MiB could never be applied and is
 * refused as an alias bomb.
 */
export const MAX_ALIAS_EXPANSION_BYTES = 16 * 2 ** 20;

const CHUNK_BYTES = 4 * 2 ** 20;

/** Receives each object read, with where its document starts. */
export type ObjectSink = (object: unknown, position: ManifestPosition) => void;

/**
 * Reads every object of a manifest file (`*.json` as JSON, anything else as multi-document
 * YAML), unwrapping arrays and `kind: *List`, and hands each to `onObject` in file order.
 * Empty documents and files have no objects.
 *
 * @param chunkBytes how much is read at a time (tests make it small to cross chunk edges).
 * @throws ManifestInputError at the first document that cannot be read.
 */
export function readManifestFile(file: string, onObject: ObjectSink, chunkBytes = CHUNK_BYTES): void {
  if (/\.json$/i.test(file)) readJsonFile(file, onObject);
  else new YamlFileReader(file, onObject, chunkBytes).read();
}

function cannotRead(file: string, e: unknown): ManifestInputError {
  return new ManifestInputError(file, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
}

function nestedTooDeeply(file: string, position: ManifestPosition): ManifestInputError {
  return new ManifestInputError(file, `nested more than ${MAX_NESTING_DEPTH} levels deep; Kubernetes objects are far shallower`, position);
}

/** 1-based line of `offset` in `text`, counting from `firstLine`. */
function lineAt(text: string, offset: number, firstLine: number): number {
  return new LineCounter(text, firstLine).lineAt(offset);
}

/** Lines of offsets asked for in ascending order, counted once (a piece may hold many documents). */
class LineCounter {
  private offset = 0;
  private line: number;

  public constructor(private readonly text: string, private readonly firstLine: number) {
    this.line = firstLine;
  }

  public lineAt(offset: number): number {
    if (offset < this.offset) {
      this.offset = 0;
      this.line = this.firstLine;
    }
    for (let i = this.text.indexOf('\n', this.offset); i >= 0 && i < offset; i = this.text.indexOf('\n', i + 1)) this.line++;
    this.offset = offset;
    return this.line;
  }
}

function emit(value: unknown, position: ManifestPosition, onObject: ObjectSink): void {
  if (value === null || value === undefined) return;
  const objects: unknown[] = [];
  flattenLists(value, objects);
  for (const o of objects) onObject(o, position);
}

function readJsonFile(file: string, onObject: ObjectSink): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw cannotRead(file, e);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const at = /at position (\d+)/.exec((e as Error).message);
    const message = (e as Error).message.replace(/ in JSON at position \d+.*$/, '');
    throw new ManifestInputError(file, `cannot be parsed as JSON: ${message}`, at ? { line: lineAt(text, Number(at[1]), 1) } : {});
  }
  if (deeperThan(value, MAX_NESTING_DEPTH)) throw nestedTooDeeply(file, { line: jsonLineAtDepth(text, MAX_NESTING_DEPTH + 1) });
  emit(value, {}, onObject);
}

/** Whether arrays and objects in `value` nest more than `limit` levels (iteratively). */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/** The line where JSON `text` first opens its `depth`-th nested bracket. */
function jsonLineAtDepth(text: string, depth: number): number {
  let level = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++level >= depth) return lineAt(text, i, 1);
    } else if (c === 93 || c === 125) {
      level--;
    }
  }
  return 1;
}

/** A multi-document YAML file, read in chunks and cut into documents at `---` lines. */
class YamlFileReader {
  /** Documents read so far (the next one is `document + 1`). */
  private document = 0;

  public constructor(private readonly file: string, private readonly onObject: ObjectSink, private readonly chunkBytes: number) {}

  public read(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (e) {
      throw cannotRead(this.file, e);
    }
    try {
      this.readChunks(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private readChunks(fd: number): void {
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.allocUnsafe(this.chunkBytes);
    // Each chunk of text ends at a line end (the bytes after the chunk's last newline wait
    // for the next read), so a `---` line never straddles two chunks. A document inside one
    // chunk is a slice of it; `carry` holds the start of a document that began in an earlier
    // chunk, joined only when the document ends.
    let carry = '';
    let line = 1;
    let first = true;
    let atLineStart = true;
    let kept = 0;
    for (let eof = false; !eof;) {
      let n: number;
      try {
        n = fs.readSync(fd, buffer, kept, this.chunkBytes - kept, null);
      } catch (e) {
        throw cannotRead(this.file, e);
      }
      eof = n === 0;
      const filled = kept + n;
      const lastNewline = eof ? filled - 1 : buffer.lastIndexOf(10, filled - 1);
      // A line longer than the buffer is decoded in parts (the decoder keeps split characters).
      const end = lastNewline >= 0 ? lastNewline + 1 : filled;
      let text = decoder.write(buffer.subarray(0, end)) + (eof ? decoder.end() : '');
      buffer.copy(buffer, 0, end, filled);
      kept = filled - end;
      if (first && line === 1 && carry === '' && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      let docStart = 0;
      for (let m = nextDocumentStart(text, 0, atLineStart); m >= 0; m = nextDocumentStart(text, m + 1, true)) {
        const doc = carry + text.slice(docStart, m);
        // Comments and directives before a `---` belong to the document it starts.
        if ((first && onlyPrelude(doc)) || endsWithDirective(doc)) continue;
        if (doc.length > 0) {
          this.readDocument(doc, line);
          line += countLines(doc);
        }
        carry = '';
        docStart = m;
        first = false;
      }
      carry += text.slice(docStart);
      atLineStart = text.length === 0 ? atLineStart : text.charCodeAt(text.length - 1) === 10;
    }
    if (carry.length > 0) this.readDocument(carry, line);
  }

  /** Reads one document's text (several, when it holds `...` end markers) starting on `line`. */
  private readDocument(raw: string, line: number): void {
    let value = readBlockYaml(raw, MAX_NESTING_DEPTH);
    // CRLF files read as LF files: same lines, same values.
    if (value === DECLINED && raw.includes('\r')) value = readBlockYaml(raw.replace(/\r\n/g, '\n'), MAX_NESTING_DEPTH);
    if (value !== DECLINED) {
      this.document++;
      emit(value, { document: this.document, line }, this.onObject);
      return;
    }
    this.readWithYamlPackage(raw, line);
  }

  private readWithYamlPackage(text: string, firstLine: number): void {
    const { file } = this;
    // uniqueKeys: false because the package checks duplicate keys in time quadratic in the
    // keys of a mapping; inspect() checks them in linear time.
    const composer = new Composer({ version: '1.1', merge: true, uniqueKeys: false });
    const tokens = new Parser().parse(text);
    // Documents are numbered across the file; the composer hands each on when the next starts.
    const before = this.document;
    let started = 0;
    const aliased = new Set<number>();
    const lines = new LineCounter(text, firstLine);
    const handle = (doc: Document.Parsed): void => {
      this.document++;
      const position = (offset: number): ManifestPosition => ({ document: this.document, line: lines.lineAt(offset) });
      const error = doc.errors[0];
      if (error) throw new ManifestInputError(file, `cannot be parsed as YAML: ${error.message.split('\n')[0]}`, position(error.pos[0]));
      const { size } = inspect(doc, (problem, node) => new ManifestInputError(file, problem, position(node?.range?.[0] ?? doc.range[0])));
      if (aliased.has(this.document) && size > text.length + MAX_ALIAS_EXPANSION_BYTES) {
        throw new ManifestInputError(file, `YAML aliases expand this document from ${bytes(text.length)} of text to about ${bytes(size)} as JSON: refused as an alias bomb (aliases may add at most ${bytes(MAX_ALIAS_EXPANSION_BYTES)}; the API server takes 3 MiB per request)`, position(doc.range[0]));
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: -1 });
      } catch (e) {
        throw new ManifestInputError(file, `cannot be read as YAML: ${(e as Error).message}`, position(doc.range[0]));
      }
      emit(value, position(doc.range[0]), this.onObject);
    };
    for (const token of tokens) {
      if (token.type === 'document') {
        // Measured before the package composes it: composing recurses once per level.
        const number = before + ++started;
        const shape = cstShape(token);
        if (shape.depth > MAX_NESTING_DEPTH) throw nestedTooDeeply(file, { document: number, line: new LineCounter(text, firstLine).lineAt(shape.deepest) });
        if (shape.aliases) aliased.add(number);
      }
      for (const doc of composer.next(token)) handle(doc);
    }
    for (const doc of composer.end()) handle(doc);
    const stray = composer.streamInfo().errors[0];
    if (stray) throw new ManifestInputError(file, `cannot be parsed as YAML: ${stray.message.split('\n')[0]}`, { document: this.document + 1, line: new LineCounter(text, firstLine).lineAt(stray.pos[0]) });
  }
}

/** `512 bytes`, `3.5 KiB`, `16 MiB`, `2.1 TiB`. */
function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 || v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/**
 * Where the next document starts in `text`, at or after `from`: the offset of a line that
 * begins with `---` and then a space or the line end; -1 when there is none. `text` ends at a
 * line end (or the end of input); `atLineStart` says whether it also starts at one.
 */
function nextDocumentStart(text: string, from: number, atLineStart: boolean): number {
  if (from === 0 && atLineStart && isMarker(text, 0)) return 0;
  for (let k = text.indexOf('\n---', from === 0 ? 0 : from - 1); k >= 0; k = text.indexOf('\n---', k + 1)) {
    if (isMarker(text, k + 1)) return k + 1;
  }
  return -1;
}

function isMarker(text: string, at: number): boolean {
  if (!text.startsWith('---', at)) return false;
  const c = text.charCodeAt(at + 3);
  return at + 3 === text.length || c === 32 || c === 9 || c === 10 || c === 13;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Whether `text` holds only blank lines, comments and directives (what may precede a first `---`). */
function onlyPrelude(text: string): boolean {
  return /^(?:[ \t]*(?:#[^\n]*)?\n|%[^\n]*\n)*[ \t]*(?:#[^\n]*)?$/.test(text);
}

/** Whether the last line of `text` with content is a directive (`%YAML 1.1`): the `---` after it ends the directives. */
function endsWithDirective(text: string): boolean {
  for (let end = text.endsWith('\n') ? text.length - 1 : text.length; end >= 0;) {
    const start = end === 0 ? 0 : text.lastIndexOf('\n', end - 1) + 1;
    const content = text.slice(start, end).trim();
    if (content !== '' && !content.startsWith('#')) return text.charCodeAt(start) === 37; /* % */
    if (start === 0) return false;
    end = start - 1;
  }
  return false;
}

/**
 * How deep the collections of a parsed (not yet composed) document nest, where the deepest
 * starts, and whether it has aliases. Iterative, so any depth is safe to measure.
 */
function cstShape(doc: CST.Document): { depth: number; deepest: number; aliases: boolean } {
  let depth = 0;
  let deepest = doc.offset;
  let aliases = false;
  const stack: Array<[CST.Token, number]> = doc.value ? [[doc.value, 0]] : [];
  while (stack.length > 0) {
    const [token, level] = stack.pop() as [CST.Token, number];
    if (token.type === 'alias') aliases = true;
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (level + 1 > depth) {
      depth = level + 1;
      deepest = token.offset;
      if (depth > MAX_NESTING_DEPTH) break;
    }
    for (const item of token.items) {
      if ('key' in item && item.key) stack.push([item.key, level + 1]);
      if (item.value) stack.push([item.value, level + 1]);
    }
  }
  return { depth, deepest, aliases };
}

/** Size (as JSON, roughly) and depth of a node with its aliases expanded. */
interface Expanded {
  readonly size: number;
  readonly depth: number;
}

interface Frame {
  readonly node: YAMLMap | YAMLSeq;
  /** Keys and values of a mapping in turn, or the items of a sequence. */
  readonly children: ReadonlyArray<unknown>;
  next: number;
  size: number;
  depth: number;
  /** Scalar key values seen, for a mapping. */
  readonly keys?: Set<unknown>;
}

/**
 * One iterative pass over a composed document: refuses duplicate keys, collection keys,
 * tagged collections that are not plain mappings or sequences (!!set, !!omap, !!pairs),
 * aliases to missing or enclosing anchors, and expansion deeper than the nesting limit;
 * returns the document's expanded size and depth. Each alias is also bound to its anchor
 * here (see below).
 */
function inspect(doc: Document.Parsed, fail: (problem: string, node?: Node) => ManifestInputError): Expanded {
  const anchors = new Map<string, Node>();
  const open = new Set<Node>();
  const expanded = new Map<Node, Expanded>();
  const stack: Frame[] = [];
  let result: Expanded = { size: 4, depth: 0 };

  const finish = (node: Node, value: Expanded): Expanded | undefined => {
    if (value.depth > MAX_NESTING_DEPTH) throw fail(`nested more than ${MAX_NESTING_DEPTH} levels deep through aliases; Kubernetes objects are far shallower`, node);
    if (node.anchor) {
      open.delete(node);
      expanded.set(node, value);
    }
    return value;
  };
  /** A leaf's expansion, or undefined after pushing a frame for a collection. */
  const enter = (node: unknown): Expanded | undefined => {
    if (node === null || node === undefined) return { size: 4, depth: 0 };
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) throw fail(`alias *${node.source} refers to no anchor before it`, node);
      if (open.has(target)) throw fail(`alias *${node.source} is inside the node it refers to, so it never ends`, node);
      // The package finds an alias's anchor by scanning every anchor and alias before it, for
      // each alias: quadratic. The anchor is known here, so the alias answers at once.
      node.resolve = (): ReturnType<Alias['resolve']> => target as ReturnType<Alias['resolve']>;
      return expanded.get(target);
    }
    const n = node as Node;
    if (n.anchor) {
      anchors.set(n.anchor, n);
      open.add(n);
    }
    if (isScalar(n)) return finish(n, { size: scalarSize(n.value), depth: 0 });
    if (!((isMap(n) && Object.getPrototypeOf(n) === YAMLMap.prototype) || (isSeq(n) && Object.getPrototypeOf(n) === YAMLSeq.prototype))) {
      throw fail(`tag ${(n as { tag?: string }).tag ?? '(unknown)'} is not supported: Kubernetes objects are made of plain mappings, sequences and scalars`, n);
    }
    const children = isMap(n) ? n.items.flatMap((p) => [p.key, p.value]) : n.items;
    stack.push({ node: n, children, next: 0, size: 2, depth: 0, ...(isMap(n) ? { keys: new Set<unknown>() } : {}) });
    return undefined;
  };

  const root = enter(doc.contents);
  if (root) result = root;
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.next < f.children.length) {
      const isKey = f.keys !== undefined && f.next % 2 === 0;
      const child = f.children[f.next++];
      if (isKey && (isMap(child) || isSeq(child))) throw fail('a mapping key is itself a mapping or sequence; Kubernetes objects have scalar keys', child as Node);
      if (isKey && isScalar(child)) {
        if (f.keys?.has(child.value)) throw fail('cannot be parsed as YAML: Map keys must be unique', child);
        f.keys?.add(child.value);
      }
      const value = enter(child);
      if (value) {
        f.size += value.size + 1;
        f.depth = Math.max(f.depth, value.depth);
      }
      continue;
    }
    stack.pop();
    const value = finish(f.node, { size: f.size, depth: f.depth + 1 }) as Expanded;
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.size += value.size + 1;
      parent.depth = Math.max(parent.depth, value.depth);
    } else {
      result = value;
    }
  }
  return result;
}

function scalarSize(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (value === null || value === undefined) return 4;
  return String(value).length;
}
