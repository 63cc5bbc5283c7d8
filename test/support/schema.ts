/**
 * Strict schema validation of synthesised Kubernetes objects, for tests.
 *
 * Data is read at run time from the sibling `../shared` folder (never copied into this repo):
 * - `schemas/k8s-v1.30/_definitions.json`: the Kubernetes 1.30 OpenAPI v2 definitions
 *   (ftekit's floor since its ValidatingAdmissionPolicies, admissionregistration.k8s.io/v1);
 * - `crds/**\/*.yaml`: CustomResourceDefinitions of the operators ftekit targets.
 *
 * Neither source is strict (no `additionalProperties: false`), so a typo in a field name would
 * pass plain validation and then be silently dropped by the API server. The schemas are
 * therefore closed here (see {@link strictify}): an unknown field is an error.
 *
 * Known limitations, i.e. what the API server checks that this does not:
 * - `x-kubernetes-validations` (CEL rules) are ignored: there is no CEL evaluator here.
 * - `x-kubernetes-list-type: map|set` uniqueness and `x-kubernetes-unions` are not enforced.
 * - Built-in kinds are checked only against their OpenAPI schema: the API server's
 *   hand-written validation (name syntax, label values, port ranges, immutable fields,
 *   cluster-scoped kinds carrying a namespace...) is not reproduced.
 * - Formats the API server does not know (e.g. `idn-hostname` in the Cilium CRDs) are
 *   accepted as any string, as the API server does.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

/** One problem found in one object. */
export interface SchemaIssue {
  /** The object, as `<apiVersion> <kind> <namespace>/<name>` (no namespace part when unset). */
  readonly object: string;
  /** JSON pointer into the object (`''` is the object itself). */
  readonly path: string;
  /** What is wrong, naming the value received where useful. */
  readonly message: string;
}

/** Path of the Kubernetes definitions, relative to the shared folder. */
const DEFINITIONS_FILE = path.join('schemas', 'k8s-v1.30', '_definitions.json');
/** Folder of the CRD YAML files, relative to the shared folder. */
const CRDS_DIR = 'crds';
/** `$id` under which the (strict) Kubernetes definitions are registered with Ajv. */
const K8S_ID = 'k8s';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const OBJECT_META_REF = `${K8S_ID}#/definitions/${OBJECT_META}`;
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

type Schema = { [keyword: string]: unknown };

/** A kind we have a schema for: a built-in definition or one served CRD version. */
type KindSchema =
  | { readonly source: 'k8s'; readonly definition: string }
  | { readonly source: 'crd'; readonly schema: Schema; readonly file: string };

/**
 * Returns the shared data folder when it holds the Kubernetes definitions, else `undefined`.
 *
 * `FTEKIT_SHARED_DIR` overrides the default, which is `../shared` next to the repo root.
 */
export function sharedDir(): string | undefined {
  const dir = candidateSharedDir();
  return fs.existsSync(path.join(dir, DEFINITIONS_FILE)) ? dir : undefined;
}

function candidateSharedDir(): string {
  const fromEnv = process.env.FTEKIT_SHARED_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.resolve(__dirname, '../../../shared');
}

/**
 * Validates Kubernetes objects (as synthesised, i.e. plain JSON) against the Kubernetes 1.30
 * definitions and the CRDs in the shared folder, rejecting unknown fields.
 *
 * Build it once ({@link ManifestSchemaValidator.fromSharedDir}, or use
 * {@link expectSchemaValid} which shares one instance); each kind's validator is compiled on
 * first use and cached.
 */
export class ManifestSchemaValidator {
  /**
   * Loads the definitions and CRDs from `dir`.
   *
   * @param dir the shared folder; defaults to {@link sharedDir}.
   * @throws Error when the folder, the definitions file or the CRD folder is missing, or when
   *   two sources define the same apiVersion and kind.
   */
  public static fromSharedDir(dir?: string): ManifestSchemaValidator {
    const root = dir ?? sharedDir();
    if (root === undefined) {
      throw new Error(
        `schema data not found: expected ${path.join(candidateSharedDir(), DEFINITIONS_FILE)} ` +
          '(check out ../shared next to the repo, or set FTEKIT_SHARED_DIR)',
      );
    }
    const definitionsFile = path.join(root, DEFINITIONS_FILE);
    const crdsDir = path.join(root, CRDS_DIR);
    for (const required of [definitionsFile, crdsDir]) {
      if (!fs.existsSync(required)) throw new Error(`schema data not found: ${required} is missing`);
    }
    return new ManifestSchemaValidator(definitionsFile, crdsDir);
  }

  private readonly ajv: Ajv;
  private readonly kinds = new Map<string, KindSchema>();
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(definitionsFile: string, crdsDir: string) {
    const formats = new Set<string>();
    const parsed = JSON.parse(fs.readFileSync(definitionsFile, 'utf8')) as { definitions?: Schema };
    if (!isObject(parsed.definitions)) throw new Error(`${definitionsFile}: no "definitions" object`);
    const definitions = parsed.definitions;
    // strictify builds a new tree, so the parsed source stays as it was read.
    const strictDefinitions = mapValues(definitions, (d) => strictify(d, { crd: false, formats }, false));
    checkQuantitySyntax(strictDefinitions);
    for (const [name, def] of Object.entries(definitions)) {
      for (const gvk of gvksOf(def)) {
        this.register(apiVersionOf(gvk.group, gvk.version), gvk.kind, { source: 'k8s', definition: name }, definitionsFile);
      }
    }
    for (const file of yamlFiles(crdsDir)) this.loadCrds(file, formats);

    this.ajv = new Ajv({ strict: false, allErrors: true, verbose: true, code: { regExp: goRegExp } });
    addFormats(this.ajv);
    registerKubernetesFormats(this.ajv, formats);
    // Added once as a whole; each kind is then compiled lazily as a $ref into it.
    this.ajv.addSchema({ $id: K8S_ID, definitions: strictDefinitions });
  }

  /** True when there is a schema for `apiVersion` + `kind` (built-in or CRD). */
  public knows(apiVersion: string, kind: string): boolean {
    return this.kinds.has(kindKey(apiVersion, kind));
  }

  /** Validates one object; returns `[]` when it is valid. */
  public validate(obj: any): SchemaIssue[] {
    if (!isObject(obj)) return [{ object: '<not an object>', path: '', message: `manifest must be an object, got ${show(obj)}` }];
    const object = objectLabel(obj);
    const issues: SchemaIssue[] = [];
    const add = (p: string, message: string): void => {
      issues.push({ object, path: p, message });
    };

    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== 'string' || apiVersion === '') add('/apiVersion', `apiVersion is required, got ${show(apiVersion)}`);
    if (typeof kind !== 'string' || kind === '') add('/kind', `kind is required, got ${show(kind)}`);
    // The schemas leave metadata.name optional (it may be generated server-side), but a
    // synthesised manifest must name every object.
    if (!isObject(obj.metadata)) add('/metadata', `metadata is required, got ${show(obj.metadata)}`);
    else if (typeof obj.metadata.name !== 'string' || obj.metadata.name === '') {
      add('/metadata/name', `metadata.name is required, got ${show(obj.metadata.name)}`);
    }
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || issues.some((i) => i.path !== '/metadata/name')) {
      return issues;
    }

    const validateFn = this.validatorFor(apiVersion, kind);
    if (validateFn === undefined) {
      add('', `no schema for ${apiVersion} ${kind}`);
      return issues;
    }
    if (!validateFn(obj)) {
      for (const { path: p, message } of toIssues(validateFn.errors ?? [])) add(p, message);
    }
    return dedupe(issues);
  }

  /** Validates every object; returns all issues, in order. */
  public validateAll(objs: any[]): SchemaIssue[] {
    return objs.flatMap((o) => this.validate(o));
  }

  private validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = kindKey(apiVersion, kind);
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const entry = this.kinds.get(key);
    if (entry === undefined) return undefined;
    const fn =
      entry.source === 'k8s'
        ? this.ajv.compile({ $ref: `${K8S_ID}#/definitions/${entry.definition}` })
        : this.ajv.compile(entry.schema);
    this.compiled.set(key, fn);
    return fn;
  }

  private loadCrds(file: string, formats: Set<string>): void {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: invalid YAML: ${doc.errors[0].message}`);
      // Non-CRD YAML (e.g. Dapr component metadata) is skipped, not an error.
      const crd: unknown = doc.toJS();
      if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec)) continue;
      const { group, names, versions } = crd.spec;
      if (typeof group !== 'string' || !isObject(names) || typeof names.kind !== 'string' || !Array.isArray(versions)) {
        throw new Error(`${file}: CustomResourceDefinition without spec.group, spec.names.kind or spec.versions`);
      }
      for (const version of versions) {
        // A version that is not served cannot be applied, so it has no schema here.
        if (!isObject(version) || version.served === false || typeof version.name !== 'string') continue;
        const raw = isObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
        if (!isObject(raw)) throw new Error(`${file}: ${names.kind} ${version.name} has no schema.openAPIV3Schema`);
        const apiVersion = apiVersionOf(group, version.name);
        const schema = crdObjectSchema(strictify(raw, { crd: true, formats }, false) as Schema, apiVersion, names.kind);
        this.register(apiVersion, names.kind, { source: 'crd', schema, file }, file);
      }
    }
  }

  private register(apiVersion: string, kind: string, entry: KindSchema, from: string): void {
    const key = kindKey(apiVersion, kind);
    const existing = this.kinds.get(key);
    if (existing !== undefined) {
      const other = existing.source === 'crd' ? existing.file : 'the Kubernetes definitions';
      throw new Error(`${from}: ${apiVersion} ${kind} is already defined by ${other}`);
    }
    this.kinds.set(key, entry);
  }
}

let sharedValidator: ManifestSchemaValidator | undefined;

/** The validator over {@link sharedDir}, built on first use (building takes about a second). */
function getSharedValidator(): ManifestSchemaValidator {
  sharedValidator ??= ManifestSchemaValidator.fromSharedDir();
  return sharedValidator;
}

let warnedMissing = false;

/**
 * `describe` for suites that need the shared schema data.
 *
 * When `../shared` is missing the suite is skipped with a warning (once per test file) so the
 * repo can be tested on its own; on CI (`CI=true`) a missing folder is an error instead, so the
 * checks cannot silently disappear.
 *
 * @param fn receives a getter for the shared validator (built on first call).
 */
export function describeWithShared(name: string, fn: (v: () => ManifestSchemaValidator) => void): void {
  if (sharedDir() !== undefined) {
    describe(name, () => fn(getSharedValidator));
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error(
      `../shared is required in CI: ${path.join(candidateSharedDir(), DEFINITIONS_FILE)} not found (set FTEKIT_SHARED_DIR)`,
    );
  }
  if (!warnedMissing) {
    warnedMissing = true;
    console.warn('../shared not found: schema tests skipped (set FTEKIT_SHARED_DIR)');
  }
  describe.skip(name, () =>
    fn(() => {
      throw new Error('../shared not found');
    }),
  );
}

/**
 * Fails (throws) unless every object is schema-valid; the error lists each issue as
 * `<object> <path>: <message>`. Uses one shared, lazily built validator.
 *
 * Throws as well when `../shared` is missing, so call it from a {@link describeWithShared}
 * suite where the repo must also be testable without the shared data.
 */
export function expectSchemaValid(objs: any[]): void {
  const issues = getSharedValidator().validateAll(objs);
  if (issues.length === 0) return;
  const lines = issues.map((i) => `  - ${i.object} ${i.path === '' ? '(object)' : i.path}: ${i.message}`);
  throw new Error(`${issues.length} schema issue(s) in ${objs.length} object(s):\n${lines.join('\n')}`);
}

// ---------------------------------------------------------------------------------------------
// Making schemas strict

interface StrictifyOptions {
  /** Apply the CRD (structural schema) rules: x-kubernetes-* markers, close bare objects. */
  readonly crd: boolean;
  /** Collects every format name used, so each can be registered with Ajv. */
  readonly formats: Set<string>;
}

/**
 * Returns a copy of `node` in which unknown fields are rejected: every object schema that
 * declares `properties` (and, for CRDs, every `type: object` node) gets
 * `additionalProperties: false` unless it already says what extra keys may hold.
 *
 * Nodes left open:
 * - `x-kubernetes-preserve-unknown-fields: true` (CRDs): the API server keeps unknown fields
 *   there. Declared children are still closed, as the API server prunes them.
 * - Branches of allOf/anyOf/oneOf/not: in the data these only add constraints on fields the
 *   enclosing node declares (Cilium: `oneOf: [{properties: {cidr: {}}, required: [cidr]}, ...]`);
 *   closing a branch would reject the node's other fields. A property named only in a branch is
 *   added to the enclosing node's properties, so closing that node cannot reject it either.
 * - Nodes with `$ref` (their properties live in the target) and `type: object` built-in
 *   definitions without properties (RawExtension, FieldsV1...), which are free-form.
 *
 * `{type: object}` without properties in a CRD is closed: the API server prunes everything
 * under it (e.g. the `metadata` of embedded templates), so a field set there would be lost.
 */
function strictify(node: unknown, options: StrictifyOptions, inBranch: boolean): unknown {
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [keyword, value] of Object.entries(node)) {
    switch (keyword) {
      case 'properties':
      case 'patternProperties':
      case 'definitions':
        out[keyword] = isObject(value) ? mapValues(value, (v) => strictify(v, options, inBranch)) : value;
        break;
      case 'items':
        out[keyword] = Array.isArray(value) ? value.map((v) => strictify(v, options, inBranch)) : strictify(value, options, inBranch);
        break;
      case 'additionalProperties':
        out[keyword] = strictify(value, options, inBranch);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[keyword] = Array.isArray(value) ? value.map((v) => strictify(v, options, true)) : value;
        break;
      case 'not':
        out[keyword] = strictify(value, options, true);
        break;
      default:
        // Data-valued keywords (enum, default, x-kubernetes-*...) are shared, never mutated.
        out[keyword] = value;
    }
  }
  if (typeof out.format === 'string') options.formats.add(out.format);
  if (options.crd) applyCrdMarkers(out);
  if (out.nullable === true) allowNull(out);

  const preserveUnknown = options.crd && out['x-kubernetes-preserve-unknown-fields'] === true;
  const open = inBranch || preserveUnknown || '$ref' in out || 'additionalProperties' in out || 'patternProperties' in out;
  const objectShaped = isObject(out.properties) || (options.crd && out.type === 'object');
  if (!open && objectShaped) {
    const branchProps = branchPropertyNames(out);
    if (branchProps !== undefined) {
      const props: Schema = { ...(isObject(out.properties) ? out.properties : {}) };
      for (const name of branchProps) if (!(name in props)) props[name] = {};
      if (isObject(out.properties) || branchProps.size > 0) out.properties = props;
      out.additionalProperties = false;
    }
  }
  return out;
}

/** Turns the CRD-only markers into plain JSON Schema, in place. */
function applyCrdMarkers(node: Schema): void {
  // Normally spelled out as anyOf [integer, string] by the generators; add it where not.
  if (node['x-kubernetes-int-or-string'] === true && !('anyOf' in node) && !('oneOf' in node)) {
    delete node.type;
    node.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  // An embedded object (e.g. a RawExtension-like template) implicitly has apiVersion, kind
  // and metadata, and the API server requires apiVersion and kind there.
  if (node['x-kubernetes-embedded-resource'] === true) {
    node.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: OBJECT_META_REF },
      ...(isObject(node.properties) ? node.properties : {}),
    };
    node.required = union(node.required, ['apiVersion', 'kind']);
  }
}

/**
 * OpenAPI `nullable: true`, in place. Done here rather than by Ajv, which only supports it
 * next to `type` and would still reject null through `enum`.
 */
function allowNull(node: Schema): void {
  delete node.nullable;
  if (typeof node.type === 'string') node.type = [node.type, 'null'];
  else if (Array.isArray(node.type) && !node.type.includes('null')) node.type = [...node.type, 'null'];
  if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = node[keyword];
    if (Array.isArray(branches)) node[keyword] = [...branches, { type: 'null' }];
  }
}

/**
 * Property names declared inside the node's allOf/anyOf/oneOf branches (at any depth of
 * nesting of those keywords), or `undefined` when a branch uses `$ref`, whose properties
 * cannot be listed here: the node is then left open rather than wrongly closed.
 */
function branchPropertyNames(node: Schema): Set<string> | undefined {
  const names = new Set<string>();
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const branches = node[keyword];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      if (!isObject(branch)) continue;
      if ('$ref' in branch) return undefined;
      if (isObject(branch.properties)) for (const name of Object.keys(branch.properties)) names.add(name);
      const nested = branchPropertyNames(branch);
      if (nested === undefined) return undefined;
      for (const name of nested) names.add(name);
    }
  }
  return names;
}

/**
 * The schema of a custom object: the CRD's (strict) schema with apiVersion and kind pinned and
 * metadata checked as a strict ObjectMeta; CRDs declare it as a bare `{type: object}`.
 */
function crdObjectSchema(schema: Schema, apiVersion: string, kind: string): Schema {
  return {
    ...schema,
    properties: {
      ...(isObject(schema.properties) ? schema.properties : {}),
      apiVersion: { type: 'string', const: apiVersion },
      kind: { type: 'string', const: kind },
      metadata: { $ref: OBJECT_META_REF },
    },
    required: union(schema.required, ['apiVersion', 'kind', 'metadata']),
  };
}

/** resource.Quantity syntax, as the CRD generators spell it out for Quantity fields. */
const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/**
 * The built-in Quantity definition accepts any string, but the API server rejects what it
 * cannot parse ("500 m", "1GB"), so the string branch gets the Quantity syntax, in place.
 */
function checkQuantitySyntax(definitions: Schema): void {
  const quantity = definitions[QUANTITY];
  if (!isObject(quantity) || !Array.isArray(quantity.oneOf)) return;
  quantity.oneOf = quantity.oneOf.map((b: unknown) =>
    isObject(b) && b.type === 'string' ? { ...b, pattern: QUANTITY_PATTERN } : b,
  );
}

// ---------------------------------------------------------------------------------------------
// Formats

/** Go `time.ParseDuration` syntax, e.g. `1h30m`, `250ms`, `0`. */
const GO_DURATION = /^[-+]?(0|(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;

/**
 * Registers the formats Kubernetes uses that ajv-formats lacks or defines differently; any
 * other unknown format found in the data is accepted as is, as the API server ignores formats
 * it does not know. ajv-formats already checks int32 (range), int64, float, double, byte
 * (base64) and date-time (RFC 3339, with time zone).
 */
function registerKubernetesFormats(ajv: Ajv, used: Set<string>): void {
  // ajv-formats' duration is ISO 8601 (P1D); Kubernetes means a Go duration (30s).
  ajv.addFormat('duration', GO_DURATION);
  ajv.addFormat('cidr', { type: 'string', validate: isCidr });
  ajv.addFormat('mac', /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/);
  for (const format of used) {
    if (ajv.formats[format] === undefined) ajv.addFormat(format, true);
  }
}

function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const version = net.isIP(value.slice(0, slash));
  const prefix = value.slice(slash + 1);
  if (version === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

// ---------------------------------------------------------------------------------------------
// Patterns

/** POSIX classes Go accepts inside brackets, as JS class contents. */
const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  xdigit: '0-9a-fA-F',
  word: '\\w',
  space: '\\t\\n\\v\\f\\r ',
};

/**
 * Ajv regexp engine for CRD patterns, which are Go RE2 syntax (the API server evaluates them
 * with Go). Read as JS some fail to compile (`\PC`, `(?i)` in the Cilium and Prometheus CRDs)
 * and some would silently mean something else (`\PC*` without the `u` flag is the literal
 * `PC*`), so they are translated:
 * - `\pL` / `\PL` (one-letter Unicode class) to `\p{L}` / `\P{L}`;
 * - leading inline flags `(?i)`, `(?s)`, `(?m)` (possibly after `^`) to RegExp flags;
 * - `(?P<name>` to `(?<name>`, `\A` / `\z` to `^` / `$`, `[[:alpha:]]`-style classes;
 * - escaped punctuation (`\-`, `\:`, legal in Go) to `\xHH`, legal in JS `u` mode.
 * Anything else Go-specific makes `new RegExp` throw, so it surfaces at compile time.
 */
const goRegExp = Object.assign(
  (pattern: string, u: string) => {
    const { source, flags } = translateGoPattern(pattern);
    return new RegExp(source, flags + u);
  },
  { code: 'goRegExp' },
);

function translateGoPattern(pattern: string): { source: string; flags: string } {
  let rest = pattern;
  let prefix = '';
  let flags = '';
  const inline = /^(\^?)\(\?([ims]+)\)/.exec(rest);
  if (inline) {
    prefix = inline[1];
    flags = [...new Set(inline[2])].join('');
    rest = rest.slice(inline[0].length);
  }
  let out = prefix;
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '\\') {
      const next = rest[i + 1] ?? '';
      if ((next === 'p' || next === 'P') && /^[A-Za-z]$/.test(rest[i + 2] ?? '')) {
        out += `\\${next}{${rest[i + 2]}}`;
        i += 2;
      } else if (next === 'A' || next === 'z') {
        out += next === 'A' ? '^' : '$';
        i += 1;
      } else if (/^[!-/:-@[-`{-~]$/.test(next)) {
        out += `\\x${next.charCodeAt(0).toString(16).padStart(2, '0')}`;
        i += 1;
      } else {
        out += c + next;
        i += 1;
      }
    } else if (inClass && rest.startsWith('[:', i)) {
      const end = rest.indexOf(':]', i + 2);
      const name = end < 0 ? undefined : rest.slice(i + 2, end);
      const expansion = name === undefined ? undefined : POSIX_CLASSES[name];
      if (expansion === undefined) throw new Error(`unsupported Go regexp class in ${JSON.stringify(pattern)}`);
      out += expansion;
      i = end + 1;
    } else if (!inClass && rest.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else {
      if (c === '[' && !inClass) {
        inClass = true;
        // A leading ']' (or '^]') is a literal in Go; JS needs it escaped.
        const negated = rest[i + 1] === '^';
        out += negated ? '[^' : '[';
        i += negated ? 1 : 0;
        if (rest[i + 1] === ']') {
          out += '\\]';
          i += 1;
        }
        continue;
      }
      if (c === ']' && inClass) inClass = false;
      out += c;
    }
  }
  return { source: out, flags };
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Turns Ajv errors into issues: one per problem, with readable messages. */
function toIssues(errors: ErrorObject[]): Array<{ path: string; message: string }> {
  // anyOf/oneOf report every failed branch too; those are summarised by the anyOf/oneOf error.
  const composites = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const isBranchError = (e: ErrorObject): boolean =>
    composites.some(
      (c) => c !== e && e.instancePath.startsWith(c.instancePath) && e.schemaPath.startsWith(`${c.schemaPath}/`),
    );
  return errors.filter((e) => !isBranchError(e)).map(toIssue);
}

function toIssue(e: ErrorObject): { path: string; message: string } {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return { path: `${e.instancePath}/${escapePointer(field)}`, message: `unknown field "${field}"` };
    }
    case 'required': {
      const field = String(params.missingProperty);
      return { path: `${e.instancePath}/${escapePointer(field)}`, message: `missing required field "${field}"` };
    }
    case 'enum':
      return { path: e.instancePath, message: `must be one of ${show(params.allowedValues)}, got ${show(e.data)}` };
    case 'const':
      return { path: e.instancePath, message: `must be ${show(params.allowedValue)}, got ${show(e.data)}` };
    case 'anyOf':
    case 'oneOf':
      return { path: e.instancePath, message: compositeMessage(e) };
    case 'type':
    case 'format':
    case 'pattern':
    case 'minimum':
    case 'maximum':
    case 'minLength':
    case 'maxLength':
      return { path: e.instancePath, message: `${e.message ?? e.keyword}, got ${show(e.data)}` };
    default:
      return { path: e.instancePath, message: e.message ?? e.keyword };
  }
}

/** Names the alternatives of a failed anyOf/oneOf: types (`must be string or integer`) or required fields. */
function compositeMessage(e: ErrorObject): string {
  const branches = Array.isArray(e.schema) ? e.schema.filter(isObject) : [];
  const got = show(e.data);
  if (branches.length > 0 && branches.every((b) => typeof b.type === 'string' && !('required' in b))) {
    const types = branches.map((b) => (typeof b.pattern === 'string' ? `${b.type} matching ${b.pattern}` : String(b.type)));
    return `must be ${types.join(' or ')}, got ${got}`;
  }
  const alternatives = branches.map((b, i) => (Array.isArray(b.required) ? `{${b.required.join(', ')}}` : `#${i}`));
  if (e.keyword === 'anyOf') return `must set at least one of ${alternatives.join(' | ')}`;
  const passing = (e.params as { passingSchemas?: unknown }).passingSchemas;
  const matched = Array.isArray(passing) ? `, matched ${passing.map((i) => alternatives[Number(i)]).join(' and ')}` : '';
  return `must set exactly one of ${alternatives.join(' | ')}${matched}`;
}

function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapValues(obj: Record<string, unknown>, fn: (v: unknown) => unknown): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(obj)) out[k] = fn(v);
  return out;
}

function union(existing: unknown, extra: string[]): string[] {
  const base = Array.isArray(existing) ? existing.filter((x): x is string => typeof x === 'string') : [];
  return [...base, ...extra.filter((x) => !base.includes(x))];
}

function gvksOf(def: unknown): Array<{ group: string; version: string; kind: string }> {
  const list = isObject(def) ? def['x-kubernetes-group-version-kind'] : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (g): g is { group: string; version: string; kind: string } =>
      isObject(g) && typeof g.group === 'string' && typeof g.version === 'string' && typeof g.kind === 'string',
  );
}

/** Core group `""` is spelled `v1`; others `group/version`. */
function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}

function objectLabel(obj: Record<string, any>): string {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' && meta.name !== '' ? meta.name : '<unnamed>';
  const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? `${meta.namespace}/` : '';
  return `${String(obj.apiVersion ?? '<no apiVersion>')} ${String(obj.kind ?? '<no kind>')} ${ns}${name}`;
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A value for a message: JSON, cut short. */
function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(e.name) ? [full] : [];
    });
}
