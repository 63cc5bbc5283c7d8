import { isDeepStrictEqual } from 'util';
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { parseAllDocuments, Scalar, stringify, ToStringOptions } from 'yaml';
import { DECLINED, readBlockYaml } from '../../src/policy/_block-yaml';
import { buildEnvironment } from '../../src/environment/build';
import { loadAllStackSpecs } from '../../src/environment/stack-files';
import { params } from '../support/cases';

/*
 * The fast block-YAML reader against the `yaml` package, which is the reference: on every
 * document the fast reader accepts, both must give the same value (deep, strict: types,
 * -0, Dates), and the package must find no error. Documents are generated values written
 * in many styles, then also mutated character by character.
 */

const YAML_OPTIONS = { version: '1.1', merge: true } as const;

/** The `yaml` package's reading of one document, or undefined when it reports an error. */
function reference(text: string): { value: unknown } | undefined {
  const docs = parseAllDocuments(text, YAML_OPTIONS);
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > 1 || list.some((d) => d.errors.length > 0)) return undefined;
  try {
    return { value: list.length === 0 ? null : list[0].toJS() };
  } catch {
    return undefined;
  }
}

/** Documents the fast reader accepted (so that a comparison is known not to be vacuous). */
let accepted = 0;

/** Fails when the fast reader accepts `text` and reads it differently from the reference. */
function agrees(text: string): boolean {
  const fast = readBlockYaml(text, 256);
  if (fast === DECLINED) return true;
  accepted++;
  const ref = reference(text);
  if (ref === undefined) throw new Error(`the fast reader accepted a document the yaml package rejects:\n${text}\n--- fast: ${JSON.stringify(fast)}`);
  if (!isDeepStrictEqual(fast, ref.value)) throw new Error(`the readers differ on:\n${text}\n--- fast: ${JSON.stringify(fast)}\n--- yaml: ${JSON.stringify(ref.value)}`);
  return true;
}

/** Strings that mean something else to YAML 1.1, or need quoting, or hit the reader's edge cases. */
const TRICKY = [
  'e1', 'E5', 'yes', 'No', 'on', 'OFF', 'y', 'n', '~', 'null', 'Null', 'true', 'False', '0', '-0', '00', '0777', '0o17', '0x1F', '0b101', '1_000', '1e3', '-1.5', '.5', '1.', '+.inf',
  '.NaN', '12:30', '190:20:30.15', '2024-01-01', '2001-12-14t21:59:43.10-05:00', '99999999999999999999', '<<', '- a', '-a', '? x', ':x', 'a: b', 'a:b', 'a #b', 'a#b', '#c',
  ' lead', 'trail ', '', 'two\nlines', 'two\nlines\n', 'blank\n\nline\n', '  indented\nblock', 'end\n\n', 'x\r\ny', 'tab\there', 'é', '😀', '"', '\'', '\\', '|', '>', '*a', '&a', '!t',
  '%x', '@x', '`x', '{}', '[]', '[a]', '{a: 1}', 'a, b', '---', '...', '--- x', 'ghcr.io/acme/agent:1.2.3', 'http://x:80/p', 'RuntimeDefault', '100m', '512Mi', '1Gi', '65532',
  'nullnull', 'Falsey', 'TRUE!!', 'yesterday', 'offset', 'Online', 'e123456', 'E-12345', 'e+1234567', 'eleven', 'Nonexistent',
  '0xFF', '0XFF', '1_0x', '2024-01-01T10:00:00Z', '2024-01-01t10:00:00z', '1E3', '1e3x', '10Y', '0b11', '0o7', '3.5s', '1.5e+3',
];
const KEYS = ['apiVersion', 'kind', 'name', 'a', 'a b', 'a:b', 'key#1', 'app.kubernetes.io/name', '-x', 'on', 'y', '8080', '<<', '__proto__', '', '"q"', 'it\'s', '~', 'null', 'true'];

const scalar = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.integer({ min: -100000, max: 100000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
);
const { value: yamlValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie('value'), { maxKeys: 4 })),
}));
/** A document the way manifests are: a mapping (or a list of them) at the top. */
const documentValue = fc.oneof(fc.dictionary(fc.constantFrom(...KEYS), yamlValue, { minKeys: 1, maxKeys: 6 }), fc.array(fc.dictionary(fc.constantFrom(...KEYS), yamlValue, { maxKeys: 3 }), { minLength: 1, maxLength: 3 }));

const styles: fc.Arbitrary<ToStringOptions> = fc.record({
  indent: fc.constantFrom(2, 4),
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 20, 80),
  minContentWidth: fc.constantFrom(0, 20),
  defaultStringType: fc.constantFrom(Scalar.PLAIN, Scalar.QUOTE_DOUBLE, Scalar.QUOTE_SINGLE, Scalar.BLOCK_LITERAL, Scalar.BLOCK_FOLDED),
  defaultKeyType: fc.constantFrom(null, Scalar.PLAIN, Scalar.QUOTE_DOUBLE),
  collectionStyle: fc.constantFrom('any', 'block', 'block', 'flow'),
  flowCollectionPadding: fc.boolean(),
  singleQuote: fc.constantFrom(null, true, false),
}, { requiredKeys: [] });

const yamlText = fc.tuple(documentValue, styles, fc.boolean()).map(([v, opts, marker]) => `${marker ? '---\n' : ''}${stringify(v, { ...opts, version: '1.1' })}`);
/** The styles generators use (cdk8s: sequences indented, no line folding; kubectl: sequences at their key's column). */
const generatorStyles: fc.Arbitrary<ToStringOptions> = fc.record({
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 80),
  defaultStringType: fc.constantFrom(Scalar.PLAIN, Scalar.PLAIN, Scalar.QUOTE_DOUBLE),
  collectionStyle: fc.constant('block' as const),
});
/** Values shaped like manifests: sequences hold scalars or mappings, not sequences; strings are one-liners. */
const { map: manifestMap } = fc.letrec<{ map: Record<string, unknown>; value: unknown }>((tie) => ({
  map: fc.dictionary(fc.constantFrom(...KEYS.filter((k) => k !== '__proto__' && k !== '<<')), tie('value'), { minKeys: 1, maxKeys: 4 }),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar.filter((v) => typeof v !== 'string' || !/[\n\t]/.test(v)), fc.array(fc.oneof(scalar, tie('map')), { maxLength: 3 }), tie('map')),
}));
const generatorText = fc.tuple(manifestMap, generatorStyles).map(([v, opts]) => stringify(v, { ...opts, version: '1.1' }));

/** Character-level damage: delete, insert a YAML-significant snippet, duplicate or re-indent a line. */
const SNIPPETS = [' ', '  ', '\n', '- ', ': ', ':', '#', ' #', '"', '\'', '|', '|-', '>', '[', ']', '{', '}', ',', '&a ', '*a', '!x ', '---\n', '...\n', '%', '<<: ', '\t', '\u2028', '\\', '\\x41', 'yes', '0'];
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...SNIPPETS) }),
  fc.record({ kind: fc.constant('line' as const), at: fc.nat(), op: fc.constantFrom('duplicate', 'indent', 'dedent', 'delete') }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % text.length;
  if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + m.length);
  if (m.kind === 'insert') return text.slice(0, at) + m.text + text.slice(at);
  const lines = text.split('\n');
  const i = m.at % lines.length;
  if (m.op === 'duplicate') lines.splice(i, 0, lines[i]);
  else if (m.op === 'indent') lines[i] = `  ${lines[i]}`;
  else if (m.op === 'dedent') lines[i] = lines[i].replace(/^ {1,2}/, '');
  else lines.splice(i, 1);
  return lines.join('\n');
}

describe('fast block-YAML reader', () => {
  test('reads what the yaml package reads, on generated values in every writing style', () => {
    fc.assert(fc.property(yamlText, agrees), params(1500));
  });

  test('reads most documents in the styles generators write, as the yaml package reads them', () => {
    accepted = 0;
    const p = params(1500);
    fc.assert(fc.property(generatorText, agrees), p);
    expect(accepted).toBeGreaterThan((p.numRuns as number) / 2);
  });

  test('reads what the yaml package reads, or declines, after random damage', () => {
    fc.assert(fc.property(yamlText, fc.array(mutation, { minLength: 1, maxLength: 4 }), (text, ms) => agrees(ms.reduce(mutate, text))), params(3000));
  });

  test('reads all of ftekit\'s own synth output without declining', () => {
    for (const spec of loadAllStackSpecs(`${__dirname}/../../stacks`)) {
      const charts = buildEnvironment(Testing.app(), spec);
      for (const obj of [...Testing.synth(charts.cluster), ...Testing.synth(charts.ftes)]) {
        const text = stringify(obj, { lineWidth: 0, version: '1.1' });
        const fast = readBlockYaml(text, 256);
        expect([obj.kind, obj.metadata.name, fast === DECLINED]).toEqual([obj.kind, obj.metadata.name, false]);
        expect(agrees(text)).toBe(true);
      }
    }
  });

  test('resolves every short plain scalar as the yaml package does (all 1-2 character ASCII, 3 characters over number-like ones)', () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
    const numberish = [...'0179aefbxXoOtTZzmMiG.+-_:~ '];
    const scalars = [
      ...printable,
      ...printable.flatMap((a) => printable.map((b) => a + b)),
      ...numberish.flatMap((a) => numberish.flatMap((b) => numberish.map((c) => a + b + c))),
    ];
    for (const s of scalars) agrees(`k: ${s}\n`);
  });

  test('examples: block scalars, compact mappings, sequences at their key\'s column, comments, YAML 1.1 scalars', () => {
    const cases: Array<[string, unknown]> = [
      ['a: |\n  x\n   y\n\n  z\nb: |-\n  last\n', { a: 'x\n y\n\nz\n', b: 'last' }],
      ['- a: 1\n  b: [ ]\n-   c: {}\n    d:\n      - e\n', [{ a: 1, b: [] }, { c: {}, d: ['e'] }]],
      ['k:\n- 1\n- two\nl: 3 # comment\n# full line\n', { k: [1, 'two'], l: 3 }],
      ['on_: yes\nport: 0777\nt: 2001-12-14\nq: "a \\"b\\" \\u00e9"\ns: \'it\'\'s\'\n', { on_: true, port: 511, t: new Date('2001-12-14T00:00:00Z'), q: 'a "b" é', s: 'it\'s' }],
      ['---\na:\nb: ~\n', { a: null, b: null }],
      ['# only a comment\n', null],
      ['a:\n  []\nb:\n  "x" # c\nc:\n  |\n  text\nd:\n-\n  plain\n', { a: [], b: 'x', c: 'text\n', d: ['plain'] }],
    ];
    for (const [text, value] of cases) {
      expect(readBlockYaml(text, 256)).toEqual(value);
      expect(agrees(text)).toBe(true);
    }
    for (const declined of ['a: &x 1\nb: *x\n', 'a: !!str 1\n', '<<: {a: 1}\n', 'a: [1]\n', 'a: >\n  folded\n', 'a: b\n  continued\n', 'a: 1\na: 2\n', 'on: 1\n', 'a:\tb\n', '%YAML 1.1\n---\na: 1\n', 'a: 1\n...\n', 'a: "x\n  y"\n']) {
      expect([declined, readBlockYaml(declined, 256)]).toEqual([declined, DECLINED]);
    }
    expect(readBlockYaml('a:\n  b:\n    c: 1\n', 2)).toBe(DECLINED);
  });
});
