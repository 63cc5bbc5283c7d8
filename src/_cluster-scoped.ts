import { ApiObject, ApiObjectProps } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * An ApiObject for a cluster-scoped kind (RuntimeClass, Namespace, ClusterRole...).
 *
 * cdk8s stamps a chart's namespace on every object in it, cluster-scoped or not
 * (cdk8s-team/cdk8s-core#731); strict tools and the API server's own
 * validation treat `metadata.namespace` on these kinds as an error, so it is removed here,
 * after any user JSON patches.
 */
export class ClusterScoped extends ApiObject {
  public constructor(scope: Construct, id: string, props: ApiObjectProps) {
    super(scope, id, props);
  }

  public override toJson(): any {
    const json = super.toJson();
    if (json.metadata) delete json.metadata.namespace;
    return json;
  }
}
