import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { ResourceRequirements } from '../../src';

/** Small, valid resources for tests. */
export const RESOURCES: ResourceRequirements = {
  cpu: { request: Cpu.millis(250), limit: Cpu.units(1) },
  memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
};

/** A pinned image. */
export const IMAGE = 'ghcr.io/acme/agent:1.2.3';
