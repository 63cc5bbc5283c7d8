/*
 * Reading plain objects: the type guards and text helpers every check uses, where kinds keep
 * their pod template, and the rule for objects the gate cannot read.
 */
import { defineRule } from './_rule';

export const OBJECT_MALFORMED = defineRule('object-malformed',
  'Every manifest is a mapping with apiVersion, kind and metadata.name (or generateName), and every pod template has a pod spec with at least one well-formed container, so the other rules can judge it.',
  'Fix the manifest structure; an object the gate cannot read is never let through.', false);

export type Rec = Record<string, unknown>;

export function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function rec(v: unknown): Rec {
  return isRec(v) ? v : {};
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** `undefined` and `false` are the only safe values of a boolean "danger" field. */
export function setTrue(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false;
}

export function q(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    // Too deep or circular for JSON (only possible from code, not from a file ftekit-check
    // accepted); String() of such a value could overflow the stack too.
    return Array.isArray(v) ? '[...]' : typeof v === 'object' && v !== null ? '{...}' : String(v);
  }
}

/** Groups whose kinds are agent-sandbox objects: every pod in them is an agent pod. */
export const AGENT_SANDBOX_GROUPS = new Set(['agents.x-k8s.io', 'extensions.agents.x-k8s.io']);

/** Where known kinds keep their pod template, by `group/Kind` (core group is ''). */
export const TEMPLATE_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['/Pod', []],
  ['/ReplicationController', ['spec', 'template']],
  ['apps/Deployment', ['spec', 'template']],
  ['apps/StatefulSet', ['spec', 'template']],
  ['apps/DaemonSet', ['spec', 'template']],
  ['apps/ReplicaSet', ['spec', 'template']],
  ['batch/Job', ['spec', 'template']],
  ['batch/CronJob', ['spec', 'jobTemplate', 'spec', 'template']],
  ['agents.x-k8s.io/Sandbox', ['spec', 'podTemplate']],
  ['extensions.agents.x-k8s.io/SandboxTemplate', ['spec', 'podTemplate']],
]);

/** Where other kinds (Argo Rollouts, operators...) are looked at for a pod template. */
export const HEURISTIC_TEMPLATE_PATHS: readonly (readonly string[])[] = [
  [],
  ['template'],
  ['spec', 'template'],
  ['spec', 'jobTemplate', 'spec', 'template'],
  ['spec', 'podTemplate'],
];

export function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

export function groupOf(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function getPath(obj: Rec, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isRec(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** A pod's string labels. */
export function stringLabels(v: unknown): Map<string, string> {
  const m = new Map<string, string>();
  if (isRec(v)) for (const [k, val] of Object.entries(v)) if (typeof val === 'string') m.set(k, val);
  return m;
}

/**
 * Appends `doc` to `out`, unwrapping arrays and `kind: *List` objects (v1 List, PodList, ...)
 * the way kubectl applies their items.
 */
export function flattenLists(doc: unknown, out: unknown[]): void {
  // An explicit stack, not recursion: nesting depth is up to the input.
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const d = stack.pop();
    const items = Array.isArray(d) ? d : listItems(d);
    if (items === undefined) {
      out.push(d);
      continue;
    }
    // Reversed, so items come out in order; a hole of a sparse array is an undefined object
    // (reported), not skipped.
    for (let j = items.length - 1; j >= 0; j--) stack.push(items[j]);
  }
}

/** The items of a `kind: *List` object, or undefined for anything else. */
export function listItems(doc: unknown): unknown[] | undefined {
  const o = doc as { kind?: unknown; items?: unknown } | null;
  return isRec(o) && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items) ? o.items : undefined;
}

