/**
 * Entry point of `pulumi up` (Pulumi.yaml `main: lib/app/deploy/`): deploys the current
 * stack's environment and exports its outputs.
 */
import { deployStack } from '../../pulumi/program';

const outputs = deployStack();

/** The FTE namespace. */
export const namespace = outputs.namespace;
/** Headless Service names of the FTE sandboxes. */
export const sandboxServiceNames = outputs.sandboxServiceNames;
/** Warm pool names. */
export const poolNames = outputs.poolNames;
/** Claims, as `<pool>/<claim>`. */
export const claimNames = outputs.claimNames;
/** Dapr worker Deployments. */
export const daprWorkerNames = outputs.daprWorkerNames;
