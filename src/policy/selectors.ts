/*
 * Kubernetes label selectors as plain data, for matching policies to pods. Malformed
 * selectors select nothing (the API server would reject them), so they never make a pod
 * look covered.
 */
import { detach } from './_detach';

/** Labels of a pod (values as strings). */
export type Labels = ReadonlyMap<string, string>;

interface Requirement {
  readonly key: string;
  readonly op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

/** A parsed selector: `matchLabels` plus `matchExpressions`, or one that matches nothing. */
export interface CompiledSelector {
  /** Matches every pod (empty selector). */
  readonly all: boolean;
  /** Matches no pod (malformed). */
  readonly none: boolean;
  /** matchLabels pairs. */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  /** matchExpressions. */
  readonly requirements: readonly Requirement[];
}

const NONE: CompiledSelector = { all: false, none: true, labels: [], requirements: [] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Compiles a LabelSelector. `keyPrefixes` are stripped from keys (Cilium writes
 * `k8s:app` or `any:app`); keys with another `source:` prefix never match.
 */
export function compileSelector(selector: unknown, keyPrefixes: readonly string[] = []): CompiledSelector {
  if (!isRecord(selector)) return NONE;
  const normalise = (key: string): string | undefined => {
    for (const p of keyPrefixes) if (key.startsWith(p)) return key.slice(p.length);
    // Kubernetes label keys have no ':'; in Cilium selectors one means another label source.
    if (keyPrefixes.length && key.includes(':')) return undefined;
    return key;
  };
  const labels: Array<[string, string]> = [];
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isRecord(matchLabels)) return NONE;
    for (const [k, v] of Object.entries(matchLabels)) {
      const key = normalise(k);
      if (key === undefined || typeof v !== 'string') return NONE;
      labels.push([detach(key), detach(v)]);
    }
  }
  const requirements: Requirement[] = [];
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return NONE;
    for (const e of matchExpressions) {
      if (!isRecord(e) || typeof e.key !== 'string') return NONE;
      const key = normalise(e.key);
      const op = e.operator;
      if (key === undefined || (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist')) return NONE;
      const values = e.values ?? [];
      if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) return NONE;
      if ((op === 'In' || op === 'NotIn') && values.length === 0) return NONE;
      requirements.push({ key: detach(key), op, values: (values as string[]).map(detach) });
    }
  }
  return { all: labels.length === 0 && requirements.length === 0, none: false, labels, requirements };
}

/** Whether `selector` selects a pod with `labels`. */
export function selects(selector: CompiledSelector, labels: Labels): boolean {
  if (selector.none) return false;
  if (selector.all) return true;
  for (const [k, v] of selector.labels) if (labels.get(k) !== v) return false;
  for (const r of selector.requirements) {
    const has = labels.has(r.key);
    const value = labels.get(r.key);
    switch (r.op) {
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      case 'In': if (!has || !r.values.includes(value as string)) return false; break;
      case 'NotIn': if (has && r.values.includes(value as string)) return false; break;
    }
  }
  return true;
}

/**
 * Selectors indexed so that finding the ones that select a pod does not scan them all:
 * each selector with matchLabels is filed under its first pair, and only the selectors
 * filed under one of the pod's own pairs (plus those without matchLabels) are tried.
 */
export class SelectorIndex<T> {
  private readonly byPair = new Map<string, Array<{ selector: CompiledSelector; value: T }>>();
  private readonly unindexed: Array<{ selector: CompiledSelector; value: T }> = [];

  /** Adds a selector with its payload. */
  public add(selector: CompiledSelector, value: T): void {
    if (selector.none) return;
    if (selector.labels.length === 0) {
      this.unindexed.push({ selector, value });
      return;
    }
    const [k, v] = selector.labels[0];
    const key = `${k}\u0000${v}`;
    const list = this.byPair.get(key);
    if (list) list.push({ selector, value }); else this.byPair.set(key, [{ selector, value }]);
  }

  /** Calls `visit` with every payload whose selector selects `labels`. */
  public forEachMatch(labels: Labels, visit: (value: T) => void): void {
    for (const e of this.unindexed) if (selects(e.selector, labels)) visit(e.value);
    for (const [k, v] of labels) {
      const list = this.byPair.get(`${k}\u0000${v}`);
      if (!list) continue;
      for (const e of list) if (selects(e.selector, labels)) visit(e.value);
    }
  }
}
