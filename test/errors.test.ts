import { Testing } from 'cdk8s';
import { FteValidationError, ProblemCollector } from '../src/errors';

describe('FteValidationError', () => {
  test('one line per problem: where, field, what is wrong; location is the first', () => {
    const error = new FteValidationError([
      { where: 'stacks/Pulumi.prod.yaml', field: 'ftekit:environment.ftes[0].image', value: 'x:latest', message: 'image "x:latest" uses the mutable tag "latest"; expected a version tag' },
      { where: "FteSandbox at 'ftes/agent'", field: 'egress[0]', message: '"kafka" has no port; expected "<service>:<port>"' },
    ]);
    expect(error.message).toBe([
      'stacks/Pulumi.prod.yaml: ftekit:environment.ftes[0].image: image "x:latest" uses the mutable tag "latest"; expected a version tag',
      'FteSandbox at \'ftes/agent\': egress[0]: "kafka" has no port; expected "<service>:<port>"',
    ].join('\n'));
    expect(error.location).toBe('stacks/Pulumi.prod.yaml: ftekit:environment.ftes[0].image');
    expect(error.problems[0].value).toBe('x:latest');
  });

  test('a single problem keeps the location: message form', () => {
    const error = new FteValidationError('Port.tcp', 'port 0 is out of range; expected an integer 1-65535');
    expect(error.message).toBe('Port.tcp: port 0 is out of range; expected an integer 1-65535');
    expect(error.problems).toEqual([{ where: 'Port.tcp', field: '', message: 'port 0 is out of range; expected an integer 1-65535' }]);
  });
});

describe('ProblemCollector', () => {
  test('throws when anything was recorded, once, listing every problem with the construct path', () => {
    const scope = Testing.chart();
    const problems = ProblemCollector.forConstruct(scope, 'Thing');
    expect(problems.add('a', undefined)).toBe(true);
    expect(problems.add('b', 'is bad; expected good', 'bad')).toBe(false);
    problems.attempt(() => {
      throw new FteValidationError('Child', 'is broken; expected whole');
    });
    expect(() => problems.attempt(() => {
      throw new Error('not a validation error');
    })).toThrow('not a validation error');
    expect(() => problems.throwIfAny()).toThrow(new RegExp(`^Thing at '${scope.node.path}': b: is bad; expected good\nChild: is broken; expected whole$`));
    expect(problems.problems[0]).toMatchObject({ field: 'b', value: 'bad', constructPath: scope.node.path });
  });
});
