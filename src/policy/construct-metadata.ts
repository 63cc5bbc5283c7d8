import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { isClusterScoped } from '../_l1';
import { policyResourceKey } from './report';

/** File name `cdk8s synth` reads construct metadata from, in the output directory. */
export const CONSTRUCT_METADATA_FILE = 'construct-metadata.json';

/**
 * Entry of the metadata written by {@link writePolicyConstructMetadata} that tells the
 * policy plugin which file to remove once it has read it, so `dist/` holds manifests only.
 */
export const CONSTRUCT_METADATA_MARKER = 'ftekit.dev/construct-metadata-file';

/**
 * Writes `<outdir>/construct-metadata.json` for the `cdk8s synth` validation report, keyed
 * by `<Kind> <namespace>/<name>` ({@link policyResourceKey}) rather than by name alone (which
 * cdk8s uses, and which collides when a Sandbox, its Service and its ServiceAccount share a
 * name). One file for several apps; the first object with a key wins. Keys are sorted, so
 * the file is byte-identical on every run.
 */
export function writePolicyConstructMetadata(apps: readonly App[], outdir: string): string {
  const resources = new Map<string, string>();
  for (const app of apps) {
    for (const chart of app.charts) {
      for (const c of chart.node.findAll()) {
        if (!(c instanceof ApiObject)) continue;
        // A cluster-scoped kind drops the chart's namespace from its output, so the key does too.
        const namespace = isClusterScoped(c) ? undefined : c.metadata.namespace;
        const key = policyResourceKey({ kind: c.kind, namespace, name: c.name });
        if (!resources.has(key)) resources.set(key, c.node.path);
      }
    }
  }
  const file = path.resolve(outdir, CONSTRUCT_METADATA_FILE);
  const sorted: Record<string, { path: string }> = {};
  for (const key of [...resources.keys()].sort()) sorted[key] = { path: resources.get(key) as string };
  sorted[CONSTRUCT_METADATA_MARKER] = { path: file };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ version: '1.0.0', resources: sorted }, null, 2)}\n`);
  return file;
}

/** Construct paths by resource name, as cdk8s-cli hands them to a validation plugin. */
export type ConstructMetadata = { readonly [key: string]: { readonly path: string } };

/**
 * Removes the construct metadata a validation report was built from, so the output
 * directory holds manifests only: the file {@link writePolicyConstructMetadata} wrote (named
 * by its marker entry), or else the `construct-metadata.json` a plain cdk8s App writes under
 * `cdk8s synth` with validations, found in the manifests' common folder or a parent of it
 * up to `stopAt`, and removed only when its entries are exactly `metadata` (a file of
 * anyone else's stays).
 */
export function removeConstructMetadata(metadata: ConstructMetadata, manifests: readonly string[], stopAt: string = process.cwd()): void {
  const marked = metadata[CONSTRUCT_METADATA_MARKER]?.path;
  if (marked !== undefined) {
    if (path.basename(marked) === CONSTRUCT_METADATA_FILE) fs.rmSync(marked, { force: true });
    return;
  }
  if (Object.keys(metadata).length === 0 || manifests.length === 0) return;
  const expected = JSON.stringify(Object.entries(metadata).map(([key, m]) => [key, m.path]));
  const root = path.resolve(stopAt);
  for (let dir = commonFolder(manifests.map((m) => path.resolve(m))); ; dir = path.dirname(dir)) {
    const file = path.join(dir, CONSTRUCT_METADATA_FILE);
    if (recordedEntries(file) === expected) {
      fs.rmSync(file, { force: true });
      return;
    }
    if (dir === root || !dir.startsWith(root + path.sep)) return;
  }
}

function commonFolder(files: readonly string[]): string {
  let dir = path.dirname(files[0]);
  while (!files.every((f) => f.startsWith(dir + path.sep))) dir = path.dirname(dir);
  return dir;
}

/** The entries of a construct metadata file as cdk8s-cli reads them, or undefined. */
function recordedEntries(file: string): string | undefined {
  try {
    const resources = (JSON.parse(fs.readFileSync(file, 'utf8')) as { resources?: Record<string, { path?: unknown }> }).resources ?? {};
    return JSON.stringify(Object.entries(resources).map(([key, m]) => [key, m.path]));
  } catch {
    return undefined;
  }
}
