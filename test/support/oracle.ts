/**
 * The output oracle of the property-based suites: what every synthesised manifest set must
 * satisfy, and what every rejection must look like.
 *
 * {@link expectValidManifests} runs the strict schema validator, then the checks the
 * Kubernetes API server does by hand and the schemas cannot express (object names, label
 * syntax, port ranges, requests <= limits, unique mount paths, unique object names), and
 * refuses `undefined`, `null`, `NaN` and infinities anywhere in the output. The rules are
 * written here from the Kubernetes validation rules, not taken from `src/`, so that a bug in
 * ftekit's own checks cannot hide itself.
 */
import { FteValidationError } from '../../src/errors';
import { evaluatePolicy, formatPolicyReport, PolicyOptions } from '../../src/policy';
import { expectSchemaValid } from './schema';

/** Rules about a namespace as a whole: only meaningful when the input is a whole namespace. */
const NAMESPACE_RULES = new Set(['namespace-default-deny', 'namespace-dns-egress']);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** Kinds whose names are DNS labels rather than subdomains. */
const LABEL_NAMED_KINDS = new Set(['Namespace']);
/** Kinds whose names are RFC 1035 labels (must start with a letter). */
const DNS_1035_NAMED_KINDS = new Set(['Service']);

function isDnsSubdomain(v: string): boolean {
  return v.length > 0 && v.length <= 253 && v.split('.').every((l) => DNS_LABEL.test(l));
}

function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}

function isLabelValue(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 63 && (v === '' || QUALIFIED_NAME.test(v));
}

/** IANA service name, as Kubernetes requires of port names. */
function isPortName(v: string): boolean {
  return v.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v) && /[a-z]/.test(v) && !v.includes('--');
}

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const FACTORS: Record<string, number> = {
  '': 1, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};

/** Value of a Kubernetes quantity (`500m` -> 0.5, `1Gi` -> 1073741824), or NaN when malformed. */
export function quantityValue(q: unknown): number {
  const s = typeof q === 'number' ? String(q) : q;
  if (typeof s !== 'string') return NaN;
  const m = QUANTITY.exec(s);
  return m ? Number(m[1]) * FACTORS[m[2] ?? ''] : NaN;
}

function objectLabel(o: any): string {
  return `${o?.kind ?? '?'} ${o?.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o?.metadata?.name ?? '?'}`;
}

/** Problems with values that must never appear in a manifest. */
function valueProblems(value: unknown, path: string, out: string[]): void {
  if (value === undefined) out.push(`${path} is undefined`);
  else if (value === null) out.push(`${path} is null`);
  else if (typeof value === 'number' && !Number.isFinite(value)) out.push(`${path} is ${value}`);
  else if (typeof value === 'string' && /\bundefined\b|\bNaN\b|\[object Object\]|\bInfinity\b/.test(value)) out.push(`${path} is the string ${JSON.stringify(value)}`);
  else if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') out.push(`${path} is a ${typeof value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => valueProblems(v, `${path}[${i}]`, out));
  else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as object)) valueProblems(v, `${path}.${k}`, out);
  }
}

function checkLabelMap(map: unknown, path: string, out: string[], keyPrefix?: string): void {
  if (map === undefined) return;
  if (typeof map !== 'object' || map === null) {
    out.push(`${path} is not a map`);
    return;
  }
  for (const [k, v] of Object.entries(map)) {
    const key = keyPrefix && k.startsWith(keyPrefix) ? k.slice(keyPrefix.length) : k;
    if (!isQualifiedName(key)) out.push(`${path} key ${JSON.stringify(k)} is not a valid label key`);
    if (!isLabelValue(v)) out.push(`${path}[${JSON.stringify(k)}] value ${JSON.stringify(v)} is not a valid label value`);
  }
}

/** Walks every nested object, calling `visit(node, path)`. */
function walk(node: unknown, path: string, visit: (node: Record<string, unknown>, path: string) => void): void {
  if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}[${i}]`, visit));
  else if (typeof node === 'object' && node !== null) {
    visit(node as Record<string, unknown>, path);
    for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`, visit);
  }
}

/** Hand-written API-server validation, per object. */
function apiServerProblems(o: any, out: string[]): void {
  const name = o?.metadata?.name;
  if (typeof name === 'string') {
    if (LABEL_NAMED_KINDS.has(o.kind) ? !(name.length <= 63 && DNS_LABEL.test(name))
      : DNS_1035_NAMED_KINDS.has(o.kind) ? !(name.length <= 63 && DNS_1035_LABEL.test(name))
        : !isDnsSubdomain(name)) {
      out.push(`metadata.name ${JSON.stringify(name)} is not a valid ${o.kind} name`);
    }
  }
  const ns = o?.metadata?.namespace;
  if (ns !== undefined && !(typeof ns === 'string' && ns.length <= 63 && DNS_LABEL.test(ns))) out.push(`metadata.namespace ${JSON.stringify(ns)} is invalid`);
  checkLabelMap(o?.metadata?.labels, 'metadata.labels', out);
  for (const key of Object.keys(o?.metadata?.annotations ?? {})) {
    if (!isQualifiedName(key)) out.push(`metadata.annotations key ${JSON.stringify(key)} is not a valid annotation key`);
  }
  // Cilium selectors carry a source prefix (`k8s:`) in front of the Kubernetes label key.
  const selectorPrefix = o?.kind === 'CiliumNetworkPolicy' ? 'k8s:' : undefined;
  walk(o, '', (node, path) => {
    if ('matchLabels' in node) checkLabelMap(node.matchLabels, `${path}.matchLabels`, out, selectorPrefix);
    if ('nodeSelector' in node && o?.kind !== 'RuntimeClass') checkLabelMap(node.nodeSelector, `${path}.nodeSelector`, out);
    if ('labels' in node && path !== '.metadata') checkLabelMap(node.labels, `${path}.labels`, out);
    for (const key of ['containerPort', 'port', 'targetPort'] as const) {
      const v = node[key];
      const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      if (typeof n === 'number' && !(Number.isInteger(n) && n >= 1 && n <= 65535)) out.push(`${path}.${key} ${JSON.stringify(v)} is not a port`);
    }
    if (Array.isArray(node.containers)) containerProblems(node.containers as any[], `${path}.containers`, out);
    if (Array.isArray(node.tolerations)) {
      (node.tolerations as any[]).forEach((t, i) => {
        if (t.key !== undefined && !isQualifiedName(t.key)) out.push(`${path}.tolerations[${i}].key ${JSON.stringify(t.key)} is not a label key`);
        if (t.effect !== undefined && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) out.push(`${path}.tolerations[${i}].effect ${JSON.stringify(t.effect)} is invalid`);
        if (t.value !== undefined && !isLabelValue(t.value)) out.push(`${path}.tolerations[${i}].value ${JSON.stringify(t.value)} is invalid`);
      });
    }
  });
  if (o?.kind === 'RuntimeClass') {
    if (!(typeof o.handler === 'string' && o.handler.length <= 63 && DNS_LABEL.test(o.handler))) out.push(`handler ${JSON.stringify(o.handler)} is not a DNS label`);
    checkLabelMap(o.scheduling?.nodeSelector, 'scheduling.nodeSelector', out);
    for (const [k, v] of Object.entries(o.overhead?.podFixed ?? {})) {
      if (!(quantityValue(v) > 0)) out.push(`overhead.podFixed.${k} ${JSON.stringify(v)} is not a positive quantity`);
    }
  }
  if (o?.kind === 'LimitRange') {
    for (const [i, l] of (o.spec?.limits ?? []).entries()) {
      for (const r of Object.keys(l.default ?? {})) {
        if (l.defaultRequest?.[r] !== undefined && quantityValue(l.defaultRequest[r]) > quantityValue(l.default[r])) out.push(`spec.limits[${i}].defaultRequest.${r} exceeds default`);
        if (l.max?.[r] !== undefined && quantityValue(l.default[r]) > quantityValue(l.max[r])) out.push(`spec.limits[${i}].default.${r} exceeds max`);
      }
    }
  }
  if (o?.kind === 'ResourceQuota') {
    for (const [k, v] of Object.entries(o.spec?.hard ?? {})) {
      if (!(quantityValue(v) >= 0)) out.push(`spec.hard.${k} ${JSON.stringify(v)} is not a non-negative quantity`);
    }
  }
}

function containerProblems(containers: any[], path: string, out: string[]): void {
  containers.forEach((c, i) => {
    const where = `${path}[${i}]`;
    const mountPaths = (c.volumeMounts ?? []).map((m: any) => m.mountPath);
    const dupMount = mountPaths.find((p: string, j: number) => mountPaths.indexOf(p) !== j);
    if (dupMount !== undefined) out.push(`${where}.volumeMounts mountPath ${JSON.stringify(dupMount)} is used twice`);
    for (const [j, p] of (c.ports ?? []).entries()) {
      if (p.name !== undefined && !isPortName(p.name)) out.push(`${where}.ports[${j}].name ${JSON.stringify(p.name)} is not an IANA service name`);
    }
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of Object.keys({ ...req, ...lim })) {
      const q = req[r] ?? lim[r];
      if (!(quantityValue(q) > 0)) out.push(`${where}.resources ${r} ${JSON.stringify(q)} is not a positive quantity`);
      if (r === 'cpu' && !Number.isInteger(Math.round(quantityValue(q) * 1e6) / 1e3)) out.push(`${where}.resources cpu ${JSON.stringify(q)} is finer than 1m`);
      if (r !== 'cpu' && !Number.isInteger(quantityValue(q))) out.push(`${where}.resources ${r} ${JSON.stringify(q)} is not a whole number of bytes`);
      if (req[r] !== undefined && lim[r] !== undefined && quantityValue(req[r]) > quantityValue(lim[r])) out.push(`${where}.resources ${r} request ${req[r]} exceeds limit ${lim[r]}`);
    }
    const names = (c.env ?? []).map((e: any) => e.name);
    const dupEnv = names.find((n: string, j: number) => names.indexOf(n) !== j);
    if (dupEnv !== undefined) out.push(`${where}.env ${dupEnv} is set twice`);
  });
}

/**
 * Fails unless `objs` is a set of manifests Kubernetes would accept as they are: schema-valid
 * (strict), no undefined/null/NaN/Infinity, API-server rules, unique kind/namespace/name.
 */
export function expectValidManifests(objs: any[], options: { readonly wholeNamespace?: boolean; readonly policy?: PolicyOptions } = {}): void {
  if (!Array.isArray(objs) || objs.length === 0) throw new Error('no manifests were synthesised');
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const o of objs) {
    const own: string[] = [];
    valueProblems(o, '', own);
    apiServerProblems(o, own);
    const key = `${o?.kind}/${o?.metadata?.namespace ?? ''}/${o?.metadata?.name}`;
    if (seen.has(key)) own.push('another object has the same kind, namespace and name');
    seen.add(key);
    problems.push(...own.map((p) => `${objectLabel(o)}: ${p}`));
  }
  if (problems.length) throw new Error(`${problems.length} problem(s) in the synthesised manifests:\n  - ${problems.join('\n  - ')}`);
  expectSchemaValid(objs);
  // The policy gate: every rule, except the namespace-wide ones when the input is a single
  // construct rather than a whole namespace (the environment properties check those too).
  const report = evaluatePolicy(objs, options.policy);
  const errors = report.errors.filter((f) => options.wholeNamespace || !NAMESPACE_RULES.has(f.ruleId));
  if (errors.length) throw new Error(`policy errors in the synthesised manifests:\n${formatPolicyReport({ ...report, errors, findings: errors, ok: false })}`);
}

/**
 * Fails unless `error` is ftekit's validation error and its message mentions at least one of
 * the accepted tokens of at least one expected problem (a prop name, field path or factory).
 */
export function expectValidationError(error: unknown, expected: ReadonlyArray<readonly string[]>): void {
  if (!(error instanceof FteValidationError)) {
    const e = error as Error;
    throw new Error(`expected an FteValidationError, got ${e?.name ?? typeof error}: ${e?.message ?? String(error)}\n${e?.stack ?? ''}`);
  }
  const named = expected.some((tokens) => tokens.some((t) => error.message.includes(t)));
  if (!named) {
    throw new Error(`the error does not name the bad field; expected one of ${JSON.stringify(expected)} in:\n  ${error.message}`);
  }
}

/** The FteValidationError `step` throws; fails the test when it throws nothing or something else. */
export function errorOf(step: () => unknown): FteValidationError {
  try {
    step();
  } catch (e) {
    if (e instanceof FteValidationError) return e;
    throw e;
  }
  throw new Error('expected an FteValidationError');
}

/**
 * Runs `step`, which must throw one FteValidationError listing exactly the `expected`
 * problems (`[field, start of the message]`, in order), all at `where`, one line each.
 */
export function expectProblems(step: () => unknown, where: string, expected: ReadonlyArray<readonly [string, string]>): FteValidationError {
  let error: unknown;
  try {
    step();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FteValidationError);
  const e = error as FteValidationError;
  expect(e.problems.map((p) => [p.where, p.field])).toEqual(expected.map(([field]) => [where, field]));
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(e.message.split('\n')).toEqual(expected.map(([field, message]) => expect.stringMatching(new RegExp(`^${escape(`${where}: ${field}: ${message}`)}`))));
  return e;
}
