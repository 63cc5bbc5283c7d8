import { Chart, Testing } from 'cdk8s';

/** Builds a chart in namespace `ns` (null: no namespace) with `build`, then returns the synthesised objects. */
export function synth(build: (chart: Chart) => void, ns: string | null = 'agents'): any[] {
  const app = Testing.app();
  const chart = new Chart(app, 'test', ns === null ? {} : { namespace: ns });
  build(chart);
  return Testing.synth(chart);
}

/** A fresh chart for error tests. */
export function chart(ns: string | null = 'agents'): Chart {
  return new Chart(Testing.app(), 'test', ns === null ? {} : { namespace: ns });
}

/** Objects of `kind`, optionally with `name`. */
export function ofKind(objs: any[], kind: string, name?: string): any[] {
  return objs.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
}

/** The single object of `kind` (and `name`); fails the test if there is not exactly one. */
export function one(objs: any[], kind: string, name?: string): any {
  const found = ofKind(objs, kind, name);
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}: ${objs.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  }
  return found[0];
}

/** The pod spec inside any workload object. */
export function podSpecOf(obj: any): any {
  if (obj.kind === 'Sandbox' || obj.kind === 'SandboxTemplate') return obj.spec.podTemplate.spec;
  if (obj.kind === 'Pod') return obj.spec;
  if (obj.kind === 'CronJob') return obj.spec.jobTemplate.spec.template.spec;
  return obj.spec.template.spec;
}
