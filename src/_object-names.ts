import { IConstruct } from 'constructs';
import { constructError } from './errors';
import { isAttached } from './_rollout';
import { namespaceOf } from './_workload';

/** Owners of object names, per construct tree: `<namespace>/<kind>/<name>` -> construct. */
const ownersByRoot = new WeakMap<IConstruct, Map<string, IConstruct>>();

/**
 * Claims the name of an object `scope` emits (or, for `kind`s that are not object kinds
 * such as `Dapr app id`, a value that must be unique in the namespace). Two ftekit
 * constructs that would emit two objects of one kind with one name in one namespace are
 * refused here, naming the field the name came from: Kubernetes would keep only the last
 * one applied. Constructs removed from the tree give their names up.
 */
export function claimName(scope: IConstruct, errorKind: string, field: string, kind: string, name: string): void {
  const problem = nameClash(scope, kind, name);
  if (problem !== undefined) throw constructError(scope, errorKind, field, problem);
}

/** {@link claimName} as a check: the problem when `name` is taken, else claims it. */
export function nameClash(scope: IConstruct, kind: string, name: string): string | undefined {
  const root = scope.node.root;
  const owners = ownersByRoot.get(root) ?? new Map<string, IConstruct>();
  ownersByRoot.set(root, owners);
  const namespace = namespaceOf(scope) ?? '';
  const key = `${namespace}/${kind}/${name}`;
  const owner = owners.get(key);
  if (owner !== undefined && isAttached(owner)) {
    return `${JSON.stringify(name)} is already the name of a ${kind} in namespace ${JSON.stringify(namespace)} (from '${owner.node.path}'); expected a unique name`;
  }
  owners.set(key, scope);
  return undefined;
}
