import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { buildEnvironment } from '../../src/environment/build';
import { FteValidationError } from '../../src/errors';
import { loadStackSpec, specFromStackConfig, stackNames } from '../../src/environment/stack-files';
import { expectValidManifests } from '../support/oracle';
import { describeWithShared } from '../support/schema';
import { badDestination, badDnsLabel } from '../support/arbitraries';
import { expectDeterministic, params } from '../support/cases';

const STACKS = path.resolve(__dirname, '../../stacks');
const ENVS = stackNames(STACKS);
const KEY = 'ftekit:environment';

function stackConfig(env: string): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(STACKS, `Pulumi.${env}.yaml`), 'utf8')).config;
}

type Path = ReadonlyArray<string | number>;

/** Every path in a parsed YAML tree (objects and lists included), below `prefix`. */
function pathsOf(node: unknown, prefix: Path = []): Path[] {
  const here: Path[] = prefix.length ? [prefix] : [];
  if (Array.isArray(node)) return [...here, ...node.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (typeof node === 'object' && node !== null) return [...here, ...Object.entries(node).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  return here;
}

/** The config path as the spec parser writes it: `ftekit:environment.ftes[0].egress[1]`. */
function dotted(p: Path): string {
  return p.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : `${acc}.${seg}`), KEY);
}

/** A copy of `root` with the value at `p` replaced (`undefined`: removed). */
function setAt(root: unknown, p: Path, value: unknown): unknown {
  const copy = structuredClone(root) as any;
  let node = copy;
  for (const seg of p.slice(0, -1)) node = node[seg] ??= {};
  const last = p[p.length - 1];
  if (value === undefined && Array.isArray(node)) node.splice(last as number, 1);
  else if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Junk of every type, for any field. */
const junk = fc.oneof(
  fc.constantFrom<unknown>(-1, 0, 1.5, 70000, 2 ** 53, true, 'Bad Value!', '', ' ', '日本', 'x'.repeat(300), [], {}, [1, 2], { unknown: 1 }, 'latest', '1.5m', '-1Gi', '0', '*', '*.com:443'),
  badDnsLabel,
  badDestination,
  fc.integer(),
  fc.string({ maxLength: 12 }),
);

/** Small, plausible edits of a scalar (what a typo or a bad value in review looks like). */
function perturb(value: unknown): fc.Arbitrary<unknown> {
  if (typeof value === 'number') return fc.constantFrom(value + 1, value - 1, value * 1000, -value, value + 0.5, String(value));
  if (typeof value === 'string') {
    return fc.constantFrom(value.toUpperCase(), `${value}-`, `${value}.`, value.slice(1), `${value}${value}`, value.replace(/\d/g, '9'), `${value}:`, `${value}x`, `ü${value}`, value.replace(/i$/, ''), `0${value}`);
  }
  if (typeof value === 'boolean') return fc.constantFrom(!value, String(value));
  return fc.constant(value);
}

interface Mutation { readonly env: string; readonly path: Path; readonly op: 'remove' | 'replace' | 'perturb' | 'add-unknown'; readonly value?: unknown }

const mutation: fc.Arbitrary<Mutation> = fc.constantFrom(...ENVS).chain((env) => {
  const spec = stackConfig(env)[KEY];
  const paths = pathsOf(spec);
  const objectPaths = paths.filter((p) => { const v = getAt(spec, p); return typeof v === 'object' && v !== null && !Array.isArray(v); });
  return fc.oneof(
    { arbitrary: fc.constantFrom(...paths).map((p): Mutation => ({ env, path: p, op: 'remove' })), weight: 2 },
    { arbitrary: fc.tuple(fc.constantFrom(...paths), junk).map(([p, value]): Mutation => ({ env, path: p, op: 'replace', value })), weight: 3 },
    { arbitrary: fc.constantFrom(...paths.filter((p) => typeof getAt(spec, p) !== 'object')).chain((p) => perturb(getAt(spec, p)).map((value): Mutation => ({ env, path: p, op: 'perturb', value }))), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom(...objectPaths), fc.constantFrom('replica', 'imagePullPolicy', 'Name', 'egres', 'privileged')).map(([p, k]): Mutation => ({ env, path: [...p, k], op: 'add-unknown', value: 1 })), weight: 1 },
  );
});

function getAt(root: unknown, p: Path): unknown {
  return p.reduce<any>((node, seg) => node?.[seg], root);
}

function mutated(m: Mutation): Record<string, unknown> {
  const config = stackConfig(m.env);
  return { ...config, [KEY]: setAt(config[KEY], m.path, m.op === 'remove' ? undefined : m.value) };
}

function synthEnv(env: string, config: Record<string, unknown>, file: string): any[] {
  const spec = specFromStackConfig(env, config, file);
  const app = new App({ outdir: '/nonexistent-not-written' });
  const charts = buildEnvironment(app, spec);
  return [...charts.cluster.toJson(), ...charts.ftes.toJson()];
}

/**
 * Either the spec is refused with an error located in the stack file (never by a construct
 * later on, whose message could not say which line of which file to fix), or every object
 * the environment synthesises is valid.
 */
function checkMutation(m: Mutation): void {
  const file = `stacks/Pulumi.${m.env}.yaml`;
  let objs: any[] | undefined;
  try {
    objs = synthEnv(m.env, mutated(m), file);
  } catch (e) {
    if (!(e instanceof FteValidationError)) throw new Error(`${dotted(m.path)} (${m.op} ${JSON.stringify(m.value)}): expected an FteValidationError, got ${(e as Error).stack}`);
    if (!e.problems.every((q) => q.where === file && q.field.startsWith(KEY))) {
      throw new Error(`${dotted(m.path)} (${m.op} ${JSON.stringify(m.value)}): the error does not name the file and field path:\n  ${e.message}`);
    }
    // The reported path is the mutated field, one of its parents, or (for cross-field
    // conflicts) a sibling in the same list entry or the environment root.
    return;
  }
  expectValidManifests(objs, { wholeNamespace: true });
}

describeWithShared('property: environment spec from stack files', () => {
  test('every mutation of a real stack is refused with the file and field path, or synthesises valid manifests', () => {
    fc.assert(fc.property(mutation, checkMutation), params(500));
  });

  test('values known to be bad are refused, naming the file and the exact field', () => {
    const knownBad = fc.constantFrom(...ENVS).chain((env) => fc.oneof(
      fc.tuple(fc.constant(['namespace']), badDnsLabel),
      fc.tuple(fc.constant(['ftes', 0, 'name']), badDnsLabel),
      fc.tuple(fc.constant(['ftes', 0, 'image']), fc.constantFrom('ghcr.io/acme/x', 'ghcr.io/acme/x:latest', 'X:1')),
      fc.tuple(fc.constant(['ftes', 0, 'resources', 'cpu', 'request']), fc.constantFrom('1.5m', 'abc', -1, '0.0001', '')),
      fc.tuple(fc.constant(['ftes', 0, 'resources', 'memory', 'limit']), fc.constantFrom('1.5Ki', '12 Mi', 'lots', 0)),
      fc.tuple(fc.constant(['ftes', 0, 'egress', 0]), badDestination),
      fc.tuple(fc.constant(['pools', 0, 'replicas']), fc.constantFrom(-1, 1.5, 10001, '3')),
      fc.tuple(fc.constant(['pools', 0, 'claims', 0]), badDnsLabel),
      fc.tuple(fc.constant(['pools', 0, 'demand', 'claimsPerMinute']), fc.constantFrom(0, -1, 'lots', 1e9)),
      fc.tuple(fc.constant(['pools', 0, 'demand', 'coldStartSeconds']), fc.constantFrom(0, 3601, '15s')),
      fc.tuple(fc.constant(['pools', 0, 'autoscaling', 'prometheusAddress']), fc.constantFrom('prometheus:9090', 'ftp://prom', 9090)),
      fc.tuple(fc.constant(['pools', 0, 'autoscaling', 'minReplicas']), fc.constantFrom(-1, 0.5, 10001)),
      fc.tuple(fc.constant(['pools', 0, 'ports', 0, 'port']), fc.constantFrom(0, 70000, -1, 1.5, '8080')),
      fc.tuple(fc.constant(['pools', 0, 'ports', 0, 'name']), fc.constantFrom('8080', 'HTTP', 'a--b', 'a-very-long-port-name')),
      fc.tuple(fc.constant(['pools', 0, 'workspace', 'size']), fc.constantFrom('512Ki', '0', '1.5Ki', 'big')),
      fc.tuple(fc.constant(['ftes', 0, 'readiness', 'path']), fc.constantFrom('healthz', '')),
      fc.tuple(fc.constant(['runtime']), fc.constantFrom('runc', 'GVISOR', '')),
      fc.tuple(fc.constant(['egressEnforcement']), fc.constantFrom('calico', 'Cilium')),
    ).map(([p, value]) => ({ env, path: p as Path, value })));
    fc.assert(fc.property(knownBad, ({ env, path: p, value }) => {
      const file = `stacks/Pulumi.${env}.yaml`;
      const config = stackConfig(env);
      if (getAt(config[KEY], p) === undefined) return;
      let error: unknown;
      try {
        synthEnv(env, { ...config, [KEY]: setAt(config[KEY], p, value) }, file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FteValidationError);
      // One of the problems (a value can break rules elsewhere too, e.g. a readiness probe on
      // a port no longer declared) is at the field itself, or its parent naming the field.
      const message = (error as Error).message;
      const last = [...p].reverse().find((seg) => typeof seg === 'string') as string;
      const located = message.split('\n').some((line) => line.startsWith(`${file}: ${dotted(p)}`)
        || p.some((_, i) => i > 0 && line.startsWith(`${file}: ${dotted(p.slice(0, i))}`) && line.includes(last)));
      if (!located) throw new Error(`the error for ${dotted(p)} = ${JSON.stringify(value)} does not locate it:\n  ${message}`);
    }), params(300));
  });

  test('conflicting or construct-level mistakes are refused by the constructs, naming the file and field', () => {
    const edits: Array<{ readonly at: Path; readonly value: unknown }> = [
      { at: ['pools', 0, 'workspace', 'storageClass'], value: 'standard-rwo' },
      { at: ['ftes', 0, 'secretMounts'], value: [{ secret: 'creds', path: '/tmp' }] },
      { at: ['ftes', 0, 'secretMounts'], value: [{ secret: 'creds', path: '/etc/a' }, { secret: 'other', path: '/etc/a' }] },
      { at: ['ftes', 0, 'secretMounts'], value: [{ secret: 'creds', path: 'relative' }] },
      { at: ['ftes', 0, 'secretMounts'], value: [{ secret: 'creds', path: '/workspace' }] },
      { at: ['ftes', 0, 'ports'], value: [{ name: 'http', port: 8000 }, { name: 'http', port: 8001 }] },
      { at: ['ftes', 0, 'ports'], value: [{ name: 'http', port: 8000 }, { name: 'web', port: 8000 }] },
      { at: ['ftes', 0, 'secretEnv', 'BAD NAME'], value: { secret: 'creds', key: 'k' } },
      { at: ['ftes', 0, 'env', 'GITHUB_TOKEN'], value: 'ghp_literal' },
      { at: ['quotaHeadroom'], value: Number.NaN },
      { at: ['quotaHeadroom'], value: 0.5 },
      { at: ['ftes', 0, 'shutdownPolicy'], value: 'Delete' },
      { at: ['ftes', 0, 'shutdownTime'], value: '2026-02-30T00:00:00Z' },
      { at: ['pools', 0, 'autoscaling'], value: { prometheusAddress: 'prometheus' } },
      { at: ['pools', 0, 'demand'], value: { claimsPerMinute: 10, peakClaimsPerMinute: 5, coldStartSeconds: 10 } },
    ];
    fc.assert(fc.property(fc.constantFrom(...ENVS), fc.constantFrom(...edits), (env, { at, value }) => {
      const file = `stacks/Pulumi.${env}.yaml`;
      const config = stackConfig(env);
      let error: unknown;
      try {
        synthEnv(env, { ...config, [KEY]: setAt(config[KEY], at, value) }, file);
      } catch (e) {
        error = e;
      }
      if (!(error instanceof FteValidationError)) throw new Error(`${dotted(at)} = ${JSON.stringify(value)} was ${error === undefined ? 'accepted' : `refused with ${(error as Error).stack}`}`);
      if (!error.problems.some((q) => `${q.where}: ${q.field}`.startsWith(`${file}: ${dotted(at.slice(0, 2))}`))) throw new Error(`the error for ${dotted(at)} = ${JSON.stringify(value)} does not name the file and field:\n  ${error.message}`);
    }), params(80));
  });

  test('loadStackSpec names the file for YAML it cannot read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-props-'));
    try {
      fc.assert(fc.property(fc.constantFrom('config: [unclosed', 'config:\n  - a\n b: c', '', 'plain text', 'config: 3', '{'), (text) => {
        fs.writeFileSync(path.join(dir, 'Pulumi.x.yaml'), text);
        expect(() => loadStackSpec(dir, 'x')).toThrow(FteValidationError);
        expect(() => loadStackSpec(dir, 'x')).toThrow(/^stacks\/Pulumi\.x\.yaml: /);
      }), params(20));
      fs.writeFileSync(path.join(dir, 'Pulumi.x.yaml'), stringify({ config: stackConfig(ENVS[0]) }));
      expect(loadStackSpec(dir, 'x').namespace).toBeDefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('synthesising a stack twice gives byte-identical YAML', () => {
    fc.assert(fc.property(fc.constantFrom(...ENVS), (env) => {
      expectDeterministic((app) => buildEnvironment(app, specFromStackConfig(env, stackConfig(env), `stacks/Pulumi.${env}.yaml`)));
    }), params(10));
  });
});
