import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { isClusterScoped } from '../_l1';
import { policyResourceKey } from './engine';

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
