/**
 * Inputs for `npm run bench -- --check`: large multi-document YAML files made of real ftekit
 * output. The 1,000-FTE environment of the synth benchmark (5,515 objects, 5.7 MiB) is
 * written once per namespace (`bench-ftes-0`, `bench-ftes-1`, ...) until the file reaches
 * the size asked for, so the namespace rules index grows with the file as in a real
 * repository. Every object passes the policy gate.
 */
import * as fs from 'fs';
import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { resolveCharts } from '../src/app/synth';
import { BENCH_NAMESPACE, buildBenchEnvironment } from './generate';

/** What was written. */
export interface CheckInput {
  readonly file: string;
  readonly bytes: number;
  readonly objects: number;
  /** YAML documents (one per object). */
  readonly documents: number;
  /** Namespaces, one copy of the environment each. */
  readonly copies: number;
}

/** The environment's cluster-scoped and namespaced objects as YAML documents (as synth writes them). */
export function environmentDocuments(ftes = 1000): { cluster: string[]; namespaced: string[] } {
  const app = new App({ outdir: '/nonexistent-not-written' });
  const env = buildBenchEnvironment(app, ftes);
  const text = (objects: unknown[]): string[] => objects.map((o) => stringify(o, { lineWidth: 0, version: '1.1' }));
  const byChart = new Map(resolveCharts(app).map((m, i) => [app.charts[i], m.objects]));
  return { cluster: text(byChart.get(env.cluster) ?? []), namespaced: text(byChart.get(env.ftes) ?? []) };
}

/**
 * Writes at least `megabytes` MB (10^6 bytes) of manifests to `file`: the RuntimeClass once,
 * then per copy its Namespace and every namespaced object, renamed into that namespace.
 */
export function writeCheckInput(file: string, megabytes: number, docs = environmentDocuments()): CheckInput {
  const target = megabytes * 1e6;
  const runtimeClasses = docs.cluster.filter((d) => /^kind: RuntimeClass$/m.test(d));
  const namespace = docs.cluster.filter((d) => /^kind: Namespace$/m.test(d));
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let documents = 0;
  let copies = 0;
  const write = (parts: string[]): void => {
    for (const part of parts) {
      const text = documents === 0 ? part : `---\n${part}`;
      fs.writeSync(fd, text);
      bytes += Buffer.byteLength(text);
      documents++;
    }
  };
  try {
    write(runtimeClasses);
    while (bytes < target) {
      const rename = (d: string): string => d.split(BENCH_NAMESPACE).join(`${BENCH_NAMESPACE}-${copies}`);
      write(namespace.map(rename));
      write(docs.namespaced.map(rename));
      copies++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, bytes, objects: documents, documents, copies };
}
