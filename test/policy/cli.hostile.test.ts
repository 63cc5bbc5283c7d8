import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { compliantTemplate, defaultDeny, NS, podObject, templateOf } from '../support/policy-fixtures';

/*
 * `ftekit-check` on hostile or merely unusual input, generated here (no large files are
 * committed): every input problem is exit 2 with one line naming the file, document and
 * line, and `--json` stays valid JSON listing it; legitimate input that looks hostile is read.
 * Timeouts only guard against hangs (a quadratic cost would run for minutes); throughput is
 * measured by `npm run bench -- --check`, not here.
 */

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'lib/policy/cli.js');

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('lib/policy/cli.js is missing: run `npm run build` (npm test does) before this test');
});

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function check(args: string[], nodeOptions: string[] = []): Run {
  const r = spawnSync(process.execPath, [...nodeOptions, CLI, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 2 ** 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-hostile-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

const yamlDocs = (...objs: unknown[]): string => objs.map((o) => stringify(o)).join('---\n');

/** A compliant Deployment in YAML flow style, for hand-written documents. */
function deployment(name: string, containers: string): string {
  return [
    'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: ${name}, namespace: ${NS}}`, 'spec:', '  template:',
    `    metadata: {labels: {app: ${name}}}`, '    spec:', '      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}', '      containers:', containers,
  ].join('\n');
}

function containers(n: number, securityContext: string): string {
  return Array.from({ length: n }, (_, i) => [
    `        - name: c${i}`, '          image: ghcr.io/acme/app:1.0.0',
    '          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 10m, memory: 16Mi}}',
    `          securityContext: ${i === 0 ? `&sc ${securityContext}` : '*sc'}`,
  ].join('\n')).join('\n');
}

/** Each level is nine aliases of the one before: 9^levels strings from a few hundred bytes. */
function billionLaughs(levels: number): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: lol}', 'data:', '  l0: &l0 "lol"'];
  for (let i = 1; i <= levels; i++) lines.push(`  l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

interface HostileCase {
  readonly name: string;
  readonly files: () => Record<string, string | Buffer>;
  /** The one stderr line, after `ftekit-check: <dir>/<file>: `. */
  readonly message: RegExp;
  readonly file: string;
  readonly document?: number;
  readonly line?: number;
}

/** The line of the `---` that starts the second document, after a default-deny policy. */
const SECOND = yamlDocs(defaultDeny()).split('\n').length;

const privilegedPod = JSON.stringify(podObject('Pod', (() => {
  const t = compliantTemplate();
  t.spec.containers[0].securityContext.privileged = true;
  return t;
})()));

const HOSTILE: HostileCase[] = [
  {
    name: 'a YAML alias bomb (billion laughs)',
    files: () => ({ 'bomb.yaml': `${yamlDocs(defaultDeny())}---\n${billionLaughs(10)}` }),
    file: 'bomb.yaml', document: 2, line: SECOND,
    message: /^YAML aliases expand this document from \d+ bytes of text to about \d+(\.\d)? GiB as JSON: refused as an alias bomb \(aliases may add at most 16 MiB; the API server takes 3 MiB per request\)$/,
  },
  {
    name: 'an alias to an anchor that is not defined',
    files: () => ({ 'undefined-alias.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: *nothing\n' }),
    file: 'undefined-alias.yaml', document: 1, line: 4,
    message: /^alias \*nothing refers to no anchor before it$/,
  },
  {
    name: 'an alias inside the node it refers to',
    files: () => ({ 'cycle.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: x\n  labels: *m\n' }),
    file: 'cycle.yaml', document: 1, line: 5,
    message: /^alias \*m is inside the node it refers to, so it never ends$/,
  },
  {
    name: 'aliases nesting deeper than the limit',
    files: () => ({ 'alias-depth.yaml': `a0: &a0 [x]\n${Array.from({ length: 300 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}]`).join('\n')}\n` }),
    file: 'alias-depth.yaml', document: 1, line: 257,
    message: /^nested more than 256 levels deep through aliases; Kubernetes objects are far shallower$/,
  },
  {
    name: 'a JSON pod wrapped in 10,000 arrays',
    files: () => ({ 'arrays.json': `${'['.repeat(10_000)}${privilegedPod}${']'.repeat(10_000)}` }),
    file: 'arrays.json', line: 1,
    message: /^nested more than 256 levels deep; Kubernetes objects are far shallower$/,
  },
  {
    name: 'a JSON pod wrapped in 10,000 Lists, one per line',
    files: () => ({ 'lists.json': `${'{"apiVersion": "v1", "kind": "List", "items": [\n'.repeat(10_000)}${privilegedPod}${']}'.repeat(10_000)}` }),
    file: 'lists.json', line: 129,
    message: /^nested more than 256 levels deep; Kubernetes objects are far shallower$/,
  },
  {
    name: 'YAML flow collections nested 5,000 deep',
    files: () => ({ 'flow.yaml': `${yamlDocs(defaultDeny())}---\nkind: ConfigMap\ndata: ${'['.repeat(5000)}${']'.repeat(5000)}\n` }),
    file: 'flow.yaml', document: 2, line: SECOND + 2,
    message: /^nested more than 256 levels deep; Kubernetes objects are far shallower$/,
  },
  {
    name: 'YAML block mappings nested 1,000 deep (read by the yaml package: a tab elsewhere)',
    files: () => ({ 'block.yaml': `x:\t1\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n` }),
    file: 'block.yaml', document: 1, line: 258,
    message: /^nested more than 256 levels deep; Kubernetes objects are far shallower$/,
  },
  {
    name: 'duplicate keys',
    files: () => ({ 'dupe.yaml': `${yamlDocs(defaultDeny())}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nkind: Secret\n` }),
    file: 'dupe.yaml', document: 2, line: SECOND + 4,
    message: /^cannot be parsed as YAML: Map keys must be unique$/,
  },
  {
    name: 'a tagged set where a mapping belongs',
    files: () => ({ 'omap.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: !!omap\n  - containers: []\n' }),
    file: 'omap.yaml', document: 1, line: 5,
    message: /^tag tag:yaml\.org,2002:omap is not supported: Kubernetes objects are made of plain mappings, sequences and scalars$/,
  },
  {
    name: 'a mapping used as a key',
    files: () => ({ 'complex-key.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  ? {a: 1}\n  : x\n' }),
    file: 'complex-key.yaml', document: 1, line: 5,
    message: /^a mapping key is itself a mapping or sequence; Kubernetes objects have scalar keys$/,
  },
  {
    name: 'JSON that is not JSON',
    files: () => ({ 'bad.json': '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  oops\n}\n' }),
    file: 'bad.json', line: 4,
    message: /^cannot be parsed as JSON: Expected double-quoted property name$/,
  },
];

describe('ftekit-check on hostile input', () => {
  test.each(HOSTILE.map((c) => [c.name, c] as const))('%s: exit 2, one line naming file, document and line; --json lists it', (_name, c) => {
    const dir = tmp(c.files());
    const file = path.join(dir, c.file);
    const where = [c.document !== undefined ? `document ${c.document}` : undefined, c.line !== undefined ? `line ${c.line}` : undefined].filter(Boolean).join(', ');
    const prefix = `ftekit-check: ${file}: ${where}${where ? ': ' : ''}`;
    const r = check([dir]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0].startsWith(prefix) ? lines[0].slice(prefix.length) : lines[0]).toMatch(c.message);
    const json = check(['--json', dir]);
    expect(json.status).toBe(2);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ ok: false, findings: [], excepted: [] });
    expect(out.inputErrors).toEqual([{ file, ...(c.document !== undefined ? { document: c.document } : {}), ...(c.line !== undefined ? { line: c.line } : {}), message: lines[0].slice('ftekit-check: '.length) }]);
  });

  test('binary garbage is an input error (or, as YAML, possibly a malformed object), never a crash', () => {
    for (let seed = 1; seed <= 2; seed++) {
      const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 * seed + 13) % 256));
      for (const name of ['garbage.yaml', 'garbage.json', 'printable.yaml']) {
        const r = check(['--json', tmp({ [name]: name === 'printable.yaml' ? Buffer.from(bytes.map((b) => 32 + (b % 95))) : bytes })]);
        expect([seed, name, name === 'garbage.json' ? r.status === 2 : r.status === 1 || r.status === 2]).toEqual([seed, name, true]);
        expect(() => JSON.parse(r.stdout)).not.toThrow();
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    }
  });

  test('every bad file is listed, the good ones are not, and no report is printed', () => {
    const dir = tmp({ 'a-good.yaml': yamlDocs(defaultDeny()), 'b-bad.yaml': 'kind: [\n', 'c-bomb.yaml': billionLaughs(12), 'd-good.json': JSON.stringify(podObject('Pod')) });
    const r = check([dir]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean).map((l) => path.basename(l.split(':')[1]))).toEqual(['b-bad.yaml', 'c-bomb.yaml']);
  });
});

describe('ftekit-check on large or alias-heavy input that is legitimate', () => {
  test('a Deployment whose 120 containers share one &sc security context is read, and its verdict follows the anchor', () => {
    const good = deployment('big', containers(120, '{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}'));
    const r = check([tmp({ 'big.yaml': `${yamlDocs(defaultDeny())}---\n${good}\n` })]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('PASSED: 0 errors, 0 warnings, 0 excepted findings in 2 objects');
    const bad = deployment('big', containers(120, '{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, privileged: true}'));
    const json = JSON.parse(check(['--json', tmp({ 'big.yaml': `${yamlDocs(defaultDeny())}---\n${bad}\n` })]).stdout);
    expect(json.findings.map((f: any) => f.ruleId)).toEqual(Array(120).fill('pss-privileged'));
  });

  test('100,000 aliases in one document and 100,000 keys in one mapping are read in linear time', () => {
    const aliases = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: many, namespace: ${NS}}\nbinaryData: {}\ndata:\n  seed: &v "x"\n${Array.from({ length: 100_000 }, (_, i) => `  k${i}: *v`).join('\n')}\n`;
    const keys = `apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: wide, namespace: ${NS}}\nother: *m\ndata:\n${Array.from({ length: 100_000 }, (_, i) => `  k${i}: v`).join('\n')}\n`;
    const r = check([tmp({ 'aliases.yaml': aliases, 'keys.yaml': keys })]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('in 2 objects');
  });

  test('a multi-document file is streamed: 20 MB of manifests are checked within a 96 MiB heap (reading it whole took over 256 MiB for 30 MB)', () => {
    const docs: string[] = [];
    let size = 0;
    for (let i = 0; size < 20e6; i++) {
      const ns = `team-${Math.floor(i / 100)}`;
      const d = podObject('Deployment', compliantTemplate(), `agent-${i}`);
      d.metadata.namespace = ns;
      templateOf(d).metadata.labels.app = `agent-${i}`;
      const text = yamlDocs(...(i % 100 === 0 ? [defaultDeny(ns)] : []), d);
      docs.push(text);
      size += text.length;
    }
    const dir = tmp({ 'big.yaml': docs.join('---\n') });
    const r = check(['--json', dir], ['--max-old-space-size=96']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).objectCount).toBe(docs.length + Math.ceil(docs.length / 100));
  });
});
