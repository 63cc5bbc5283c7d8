import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { buildEnvironment } from '../../src/environment/build';
import { evaluatePolicy } from '../../src/policy';
import { runCheck } from '../../src/policy/cli';
import { loadAllStackSpecs } from '../../src/environment/stack-files';
import { compliantTemplate, podObject } from '../support/policy-fixtures';
import { params } from '../support/cases';

/*
 * `ftekit-check` on random damage to real manifests (the dev stack's synth output plus one
 * privileged pod): it never crashes, always answers with exit 0, 1 or 2 and valid --json, and
 * never passes (exit 0) a text that the yaml package, read as a whole, does not read cleanly
 * or in which it finds the privileged pod.
 */

const ROOT = path.resolve(__dirname, '../..');

/** The dev stack's objects and a privileged pod in its namespace. */
function manifests(): unknown[] {
  const spec = loadAllStackSpecs(path.join(ROOT, 'stacks')).find((s) => s.name === 'dev')!;
  const charts = buildEnvironment(Testing.app(), spec);
  const objects = [...Testing.synth(charts.cluster), ...Testing.synth(charts.ftes)];
  const template = compliantTemplate();
  template.spec.containers[0].securityContext.privileged = true;
  const pod = podObject('Deployment', template, 'privileged');
  pod.metadata.namespace = spec.namespace;
  return [...objects, pod];
}

const OBJECTS = manifests();
/** The same objects as cdk8s writes them, and as kubectl does (sequences at their key's column). */
const TEXTS = [
  OBJECTS.map((o) => stringify(o, { lineWidth: 0, version: '1.1' })).join('---\n'),
  OBJECTS.map((o) => stringify(o, { indentSeq: false, version: '1.1' })).join('---\n'),
];
/** Without the privileged pod: damage may then pass, and a pass must be right. */
const CLEAN = OBJECTS.slice(0, -1).map((o) => stringify(o, { lineWidth: 0, version: '1.1' })).join('---\n');

const SNIPPETS = [
  ' ', '  ', '\n', '- ', ': ', '#', ' # x', '"', '\'', '|', '>', '[', ']', '{', '}', ',', '&a ', '*a', '&a', '<<: *a\n', '!!omap ', '!x ',
  '---\n', '...\n', '%YAML 1.1\n', '\t', '\r\n', '\u2028', '\u0000', '\\', 'privileged: false\n', 'privileged: true\n', 'yes', '~', '0x1',
];
/** Damage (mostly makes YAML invalid), and edits that keep it valid but change how it is written. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...SNIPPETS) }),
  fc.record({ kind: fc.constant('line' as const), at: fc.nat(), op: fc.constantFrom('duplicate', 'indent', 'dedent', 'delete', 'swap') }),
  fc.record({ kind: fc.constant('rewrite' as const), at: fc.nat(), op: fc.constantFrom('comment line', 'blank line', 'trailing comment', 'quote value', 'flow value', 'crlf') }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, m: Mutation): string {
  const at = m.at % (text.length + 1);
  if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + m.length);
  if (m.kind === 'insert') return text.slice(0, at) + m.text + text.slice(at);
  const lines = text.split('\n');
  const i = m.at % lines.length;
  if (m.kind === 'rewrite') {
    const plainValue = /^(\s*(?:- )?[\w./-]+: )([^"'#\s&*!|>[{].*)$/.exec(lines[i]);
    if (m.op === 'comment line') lines.splice(i, 0, `${/^\s*/.exec(lines[i])![0]}# a comment`);
    else if (m.op === 'blank line') lines.splice(i, 0, '');
    else if (m.op === 'trailing comment' && plainValue) lines[i] += ' # note';
    else if (m.op === 'quote value' && plainValue) lines[i] = plainValue[1] + JSON.stringify(plainValue[2]);
    else if (m.op === 'flow value' && plainValue) lines[i] = `${plainValue[1]}[${plainValue[2]}]`;
    else if (m.op === 'crlf') return lines.join('\r\n');
    return lines.join('\n');
  }
  if (m.op === 'duplicate') lines.splice(i, 0, lines[i]);
  else if (m.op === 'indent') lines[i] = `  ${lines[i]}`;
  else if (m.op === 'dedent') lines[i] = lines[i].replace(/^ {1,2}/, '');
  else if (m.op === 'delete') lines.splice(i, 1);
  else [lines[i], lines[(i + 1) % lines.length]] = [lines[(i + 1) % lines.length], lines[i]];
  return lines.join('\n');
}

const damaged = fc.tuple(fc.constantFrom(...TEXTS, CLEAN), fc.array(mutation, { minLength: 1, maxLength: 5 })).map(([text, ms]) => ms.reduce(mutate, text));

/** What the yaml package makes of the whole text: its objects, or undefined when it reports any error. */
function reference(text: string): unknown[] | undefined {
  try {
    const docs = parseAllDocuments(text, { version: '1.1', merge: true });
    if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return undefined;
    return docs.map((d) => d.toJS({ maxAliasCount: 1000 })).filter((v) => v !== null && v !== undefined);
  } catch {
    return undefined;
  }
}

function runInProcess(args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = runCheck(args, (s) => { stdout += s; }, (s) => { stderr += s; });
  return { status, stdout, stderr };
}

const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-check-property-'));
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

describe('ftekit-check on damaged real manifests', () => {
  test('the undamaged manifests fail on the privileged pod only, and pass without it', () => {
    for (const text of TEXTS) {
      const file = path.join(DIR, 'clean.yaml');
      fs.writeFileSync(file, text);
      const r = JSON.parse(runInProcess(['--json', file]).stdout);
      expect(r.findings.map((f: any) => [f.ruleId, f.object.name])).toEqual([['pss-privileged', 'privileged']]);
    }
    fs.writeFileSync(path.join(DIR, 'clean.yaml'), CLEAN);
    expect(runInProcess([path.join(DIR, 'clean.yaml')]).status).toBe(0);
  });

  test('never crashes, always exit 0, 1 or 2 with valid --json, and never passes what the yaml package finds privileged or cannot read', () => {
    fc.assert(fc.property(damaged, (text) => {
      const file = path.join(DIR, 'damaged.yaml');
      fs.writeFileSync(file, text);
      const plain = runInProcess([file]);
      const json = runInProcess(['--json', file]);
      expect([0, 1, 2]).toContain(plain.status);
      expect(json.status).toBe(plain.status);
      expect(plain.stderr).not.toMatch(STACK_TRACE);
      const out = JSON.parse(json.stdout);
      expect(out.ok).toBe(plain.status === 0);
      expect(out.inputErrors.length > 0).toBe(plain.status === 2);
      if (plain.status === 2) expect(plain.stderr).toMatch(/^(ftekit-check: .+\n)+$/);
      if (plain.status === 0) {
        const objects = reference(text);
        if (objects === undefined) throw new Error(`exit 0 on a text the yaml package cannot read:\n${text}`);
        const report = evaluatePolicy(objects);
        if (report.errors.some((f) => f.ruleId === 'pss-privileged')) throw new Error(`exit 0 on a privileged pod:\n${text}`);
      }
    }), params(150));
  });

  test('the compiled CLI, as a process, behaves the same: exit 0, 1 or 2 and no stack trace', () => {
    const cli = path.join(ROOT, 'lib/policy/cli.js');
    if (!fs.existsSync(cli)) throw new Error('lib/policy/cli.js is missing: run `npm run build` (npm test does) before this test');
    fc.assert(fc.property(damaged, (text) => {
      const file = path.join(DIR, 'spawned.yaml');
      fs.writeFileSync(file, text);
      const r = spawnSync(process.execPath, [cli, file], { encoding: 'utf8', timeout: 60_000 });
      expect([0, 1, 2]).toContain(r.status);
      expect(r.stderr).not.toMatch(STACK_TRACE);
      expect(r.status).toBe(runInProcess([file]).status);
    }), params(10));
  });
});
