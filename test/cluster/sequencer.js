/*
 * Runs the live-cluster suites in a fixed order (the unit suites keep jest's own order):
 * stacks.test.ts first, on a control plane no other suite has touched, then the rest by
 * name, pulumi.test.ts last. Several suites create and delete the same cluster-scoped
 * objects (the stacks' ValidatingAdmissionPolicies); the API server's type-checking
 * controller backs off on a policy name that was deleted and recreated many times.
 */
const Sequencer = require('@jest/test-sequencer').default;

const rank = (p) => (/test\/cluster\/stacks\.test\.ts$/.test(p) ? 0 : /test\/cluster\/pulumi\.test\.ts$/.test(p) ? 2 : 1);

class ClusterFirstSequencer extends Sequencer {
  sort(tests) {
    const cluster = tests.filter((t) => t.path.includes('/test/cluster/'));
    if (cluster.length === 0) return super.sort(tests);
    const rest = super.sort(tests.filter((t) => !t.path.includes('/test/cluster/')));
    return [...rest, ...cluster.sort((a, b) => rank(a.path) - rank(b.path) || (a.path < b.path ? -1 : 1))];
  }
}

module.exports = ClusterFirstSequencer;
