/*
 * A small Kubernetes REST client for the live-cluster tests: discovery, server-side apply
 * (with the API server's warnings), get/list/delete, create and SubjectAccessReview. It
 * speaks to the API server directly so that every response header (warnings above all)
 * reaches the tests unfiltered.
 */
import * as fs from 'fs';
import * as https from 'https';
import { parse, parseAllDocuments } from 'yaml';

/** The metadata every object has. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    uid?: string;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
    deletionTimestamp?: string;
    managedFields?: { manager: string; operation: string; time?: string; fieldsV1?: unknown }[];
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

/** A response: HTTP status, parsed body and the `Warning` headers' texts. */
export interface KubeResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly warnings: string[];
}

/** A request the API server refused. */
export class KubeApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

/** Splits `Warning: 299 - "text", 299 - "text2"` headers into their texts. */
export function parseWarnings(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const out: string[] = [];
  for (const h of Array.isArray(header) ? header : [header]) {
    const re = /\d{3} \S+ "((?:[^"\\]|\\.)*)"/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(h)) !== null) out.push(m[1].replace(/\\(.)/g, '$1'));
  }
  return out;
}

/** Client for one API server, authenticated with a client certificate. */
export class KubeClient {
  /** Reads server, CA and client certificate from a kubeconfig with embedded data. */
  public static fromKubeconfig(file: string): KubeClient {
    const cfg = parse(fs.readFileSync(file, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
    };
    const b = (s: string): Buffer => Buffer.from(s, 'base64');
    return new KubeClient(cfg.clusters[0].cluster.server, {
      ca: b(cfg.clusters[0].cluster['certificate-authority-data']),
      cert: b(cfg.users[0].user['client-certificate-data']),
      key: b(cfg.users[0].user['client-key-data']),
    });
  }

  private readonly agent: https.Agent;
  private readonly resources = new Map<string, ResourceInfo>();

  private constructor(
    public readonly server: string,
    tls: { ca: Buffer; cert: Buffer; key: Buffer },
  ) {
    this.agent = new https.Agent({ ...tls, keepAlive: true, maxSockets: 32 });
  }

  /** Closes idle connections (call at the end, or jest waits for them). */
  public close(): void {
    this.agent.destroy();
  }

  /** One HTTP request; never throws for HTTP errors. */
  public raw<T = unknown>(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse<T>> {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(urlPath, this.server),
        {
          method,
          agent: this.agent,
          headers: { accept: 'application/json', ...(data !== undefined ? { 'content-type': contentType, 'content-length': Buffer.byteLength(data) } : {}) },
          timeout: 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // plain-text bodies (/readyz) stay strings
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, warnings: parseWarnings(res.headers.warning) });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  private async request<T>(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<KubeResponse<T>> {
    const res = await this.raw<T>(method, urlPath, body, contentType);
    if (res.status >= 400) {
      const s = res.body as { reason?: string; message?: string } | undefined;
      throw new KubeApiError(res.status, s?.reason ?? '', `${method} ${urlPath}: ${res.status} ${s?.message ?? JSON.stringify(res.body)}`);
    }
    return res;
  }

  private static groupPath(apiVersion: string): string {
    return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  }

  /** Plural and scope of a kind, from discovery (cached; refreshed on a miss, e.g. after a CRD install). */
  public async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const key = `${apiVersion}/${kind}`;
    let info = this.resources.get(key);
    if (info) return info;
    const res = await this.raw<{ resources: { name: string; kind: string; namespaced: boolean }[] }>('GET', KubeClient.groupPath(apiVersion));
    if (res.status === 200) {
      for (const r of res.body.resources) {
        if (!r.name.includes('/')) this.resources.set(`${apiVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
      }
    }
    info = this.resources.get(key);
    if (!info) throw new KubeApiError(404, 'NotFound', `the server does not serve ${kind} in ${apiVersion}`);
    return info;
  }

  /** The URL path of an object (or of its collection when `name` is undefined). */
  public async path(apiVersion: string, kind: string, name?: string, namespace?: string): Promise<string> {
    const r = await this.resource(apiVersion, kind);
    const ns = r.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
    return `${KubeClient.groupPath(apiVersion)}${ns}/${r.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /**
   * Server-side apply, as `kubectl apply --server-side --field-manager=<manager>` does
   * (strict field validation: unknown or duplicate fields are refused).
   */
  public async applyWithWarnings(obj: object, fieldManager = 'ftekit', force = true): Promise<KubeResponse<KubeObject>> {
    const o = obj as KubeObject;
    const p = await this.path(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace);
    return this.request<KubeObject>('PATCH', `${p}?fieldManager=${encodeURIComponent(fieldManager)}&fieldValidation=Strict${force ? '&force=true' : ''}`, obj, 'application/apply-patch+yaml');
  }

  /** Server-side apply; returns the object the server stored. */
  public async apply(obj: object, fieldManager = 'ftekit'): Promise<KubeObject> {
    return (await this.applyWithWarnings(obj, fieldManager)).body;
  }

  /** Applies every object of a YAML file, in order. */
  public async applyYamlFile(file: string, fieldManager = 'ftekit'): Promise<KubeObject[]> {
    const out: KubeObject[] = [];
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const o = doc.toJS() as KubeObject | null;
      if (o && o.kind) out.push(await this.apply(o, fieldManager));
    }
    return out;
  }

  /** POST of a new object; returns the server's answer without throwing. */
  public async create(obj: object, dryRun = false): Promise<KubeResponse<KubeObject & { message?: string; reason?: string }>> {
    const o = obj as KubeObject;
    const p = await this.path(o.apiVersion, o.kind, undefined, o.metadata.namespace);
    return this.raw('POST', `${p}?fieldValidation=Strict${dryRun ? '&dryRun=All' : ''}`, obj);
  }

  /** The object, or undefined when it does not exist. */
  public async get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const res = await this.raw<KubeObject>('GET', await this.path(apiVersion, kind, name, namespace));
    if (res.status === 404) return undefined;
    if (res.status >= 400) throw new KubeApiError(res.status, '', `GET ${kind} ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Objects of a kind (in a namespace, or all namespaces / cluster scope when `namespace` is undefined). */
  public async list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<KubeObject[]> {
    const r = await this.resource(apiVersion, kind);
    const ns = r.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const res = await this.request<{ items: KubeObject[] }>('GET', `${KubeClient.groupPath(apiVersion)}${ns}/${r.plural}${q}`);
    return res.body.items.map((i) => ({ ...i, apiVersion, kind }));
  }

  /** Deletes an object (foreground: dependents first); absent objects are fine. */
  public async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    const res = await this.raw('DELETE', await this.path(apiVersion, kind, name, namespace), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
    if (res.status >= 400 && res.status !== 404) throw new KubeApiError(res.status, '', `DELETE ${kind} ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Merge-patches an object. */
  public async mergePatch(apiVersion: string, kind: string, name: string, namespace: string | undefined, patch: object): Promise<KubeObject> {
    return (await this.request<KubeObject>('PATCH', await this.path(apiVersion, kind, name, namespace), patch, 'application/merge-patch+json')).body;
  }

  /** Whether `user` (e.g. `system:serviceaccount:ns:name`) may do `verb` on a resource, per SubjectAccessReview. */
  public async can(user: string, attrs: { verb: string; group?: string; resource: string; subresource?: string; namespace?: string; name?: string }, groups: string[] = []): Promise<boolean> {
    const res = await this.request<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, groups, resourceAttributes: { group: '', ...attrs } },
    });
    return res.body.status.allowed === true;
  }

  /** Waits until every CRD is Established (and forgets cached discovery). */
  public async waitForCrdsEstablished(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const crds = await this.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
      const pending = crds.filter((c) => !(c.status?.conditions as { type: string; status: string }[] | undefined)?.some((x) => x.type === 'Established' && x.status === 'True'));
      if (pending.length === 0) break;
      if (Date.now() > deadline) throw new Error(`CRDs not Established within ${timeoutMs / 1000} s: ${pending.map((c) => c.metadata.name).join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    this.resources.clear();
  }
}

/** Polls `check` until it returns a value other than undefined, or fails with `what` and the last state. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, describe?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
