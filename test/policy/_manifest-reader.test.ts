import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { readManifestFile } from '../../src/policy/_manifest-reader';
import { ManifestInputError } from '../../src/policy';
import { defaultDeny, podObject } from '../support/policy-fixtures';

/*
 * The streaming reader: however the file is cut into chunks, the same objects come out with
 * the same document numbers and lines, the same as the yaml package reads the whole text.
 */

function write(name: string, content: string | Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-reader-')), name);
  fs.writeFileSync(file, content);
  return file;
}

function read(file: string, chunkBytes?: number): Array<[unknown, number | undefined, number | undefined]> {
  const out: Array<[unknown, number | undefined, number | undefined]> = [];
  readManifestFile(file, (o, at) => out.push([o, at.document, at.line]), chunkBytes);
  return out;
}

const docs = [defaultDeny(), podObject('Deployment'), podObject('Pod', undefined, 'p')];
const TEXTS: Record<string, string> = {
  'plain': docs.map((d) => stringify(d)).join('---\n'),
  'leading marker, comments and a prelude': `# a repository\n\n---\n${docs.map((d) => stringify(d)).join('--- # next\n')}---\n`,
  'CRLF': docs.map((d) => stringify(d)).join('---\n').replace(/\n/g, '\r\n'),
  'BOM, directives and end markers': `\ufeff%YAML 1.1\n---\n${stringify(docs[0])}...\n---\n${stringify(docs[1])}...\n%YAML 1.1\n---\n${stringify(docs[2])}`,
  'a long line and multi-byte characters': `${stringify({ ...docs[0], metadata: { ...docs[0].metadata, annotations: { note: `é😀${'x'.repeat(5000)}€`.repeat(3) } } })}---\n${stringify(docs[1])}`,
  'anchors (read by the yaml package)': `a: &x {k: v}\nb: *x\n---\n${stringify(docs[1])}---\nkind: List\napiVersion: v1\nitems:\n- &p ${JSON.stringify(docs[2])}\n- *p\n`,
  'empty documents': `---\n---\n${stringify(docs[0])}---\n# nothing\n---\n${stringify(docs[1])}---\n`,
};

describe('readManifestFile', () => {
  test.each(Object.entries(TEXTS))('%s: the same objects, documents and lines for every chunk size, as the yaml package reads them', (_name, text) => {
    const file = write('m.yaml', text);
    const whole = read(file);
    // What the yaml package makes of the whole text (empty documents have no objects).
    const reference = parseAllDocuments(text.replace(/^\ufeff/, ''), { version: '1.1', merge: true }) as any[];
    const objects = reference.flatMap((d) => {
      const v = d.toJS();
      return v === null ? [] : v.kind === 'List' ? v.items : [v];
    });
    expect(whole.map(([o]) => o)).toEqual(objects);
    for (const chunkBytes of [1, 2, 3, 4, 5, 7, 16, 64, 333, 4096]) expect([chunkBytes, read(file, chunkBytes)]).toEqual([chunkBytes, whole]);
  });

  test('documents and lines are those of the file', () => {
    const file = write('m.yaml', TEXTS['leading marker, comments and a prelude']);
    const lines = TEXTS['leading marker, comments and a prelude'].split('\n');
    const positions = read(file).map(([, d, l]) => [d, l, lines[(l as number) - 1]]);
    expect(positions).toEqual([[1, 3, '---'], [2, positions[1][1], '--- # next'], [3, positions[2][1], '--- # next']]);
    expect(read(write('e.yaml', TEXTS['empty documents'])).map(([, d]) => d)).toEqual([2, 4]);
  });

  test('an error is located the same for every chunk size', () => {
    const text = `${stringify(docs[0])}---\n${stringify(docs[1])}---\nkind: Pod\nkind: Pod\n`;
    const file = write('bad.yaml', text);
    for (const chunkBytes of [undefined, 1, 5, 64]) {
      let error: unknown;
      try {
        read(file, chunkBytes);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ManifestInputError);
      expect([chunkBytes, (error as Error).message]).toEqual([chunkBytes, `${file}: document 3, line ${text.split('\n').length - 1}: cannot be parsed as YAML: Map keys must be unique`]);
    }
  });
});
