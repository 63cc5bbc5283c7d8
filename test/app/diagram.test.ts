import * as fs from 'fs';
import * as path from 'path';
import { flowDiagramDot } from '../../src/app/diagram';
import { environmentFlows, flowKey } from '../../src/environment/flows';
import { loadStackSpec } from '../../src/environment/stack-files';

const STACKS = path.resolve(__dirname, '../../stacks');

/** `from -> to port/protocol` for every port on every edge of the DOT source. */
function dotEdges(dot: string): string[] {
  return [...dot.matchAll(/^ {2}"([^"]+)" -> "([^"]+)" \[label="([^"]+)"/gm)]
    .flatMap(([, from, to, ports]) => ports.split(', ').map((p) => `${from} -> ${to} ${p.replace(/^any\//, '*/')}`))
    .sort();
}

describe.each(['dev', 'staging', 'prod'])('diagram of %s', (env) => {
  const spec = loadStackSpec(STACKS, env);
  const dot = flowDiagramDot(spec);

  test('its edges are exactly the flows the connectivity test proves', () => {
    expect(dotEdges(dot)).toEqual(environmentFlows(spec).map(flowKey).sort());
  });

  test('docs/diagrams/<env>.dot is up to date (run npm run diagram after changing a stack)', () => {
    expect(fs.readFileSync(path.resolve(__dirname, `../../docs/diagrams/${env}.dot`), 'utf8')).toBe(dot);
  });

  test('every ftekit workload and peer is drawn', () => {
    for (const name of [...spec.ftes, ...spec.pools, ...spec.daprWorkers, ...spec.peers].map((e) => e.props.name)) {
      expect(dot).toContain(`"${spec.namespace}/${name}" [label=`);
    }
  });
});
