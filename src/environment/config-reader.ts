import { describeValue, FteValidationError } from '../errors';
import { Problem } from '../_validate';

/**
 * Reads untyped config (parsed YAML) field by field, keeping the path of every value, so
 * that an error reads `stacks/Pulumi.prod.yaml: ftekit:environment.ftes[2].egress[0]: ...`.
 */
export class ConfigReader {
  public constructor(
    /** The parsed value at this path. */
    public readonly value: unknown,
    /** Path of the value, e.g. `ftekit:environment.ftes[2]`. */
    public readonly path: string,
    /** The file the value came from. */
    public readonly file: string,
  ) {}

  /** `file: path`, how errors name this value. */
  public get location(): string {
    return `${this.file}: ${this.path}`;
  }

  /** Throws a validation error about this value. */
  public fail(problem: string): never {
    throw new FteValidationError(this.location, problem);
  }

  /** Throws when the check reports a problem. */
  public check(problem: Problem): void {
    if (problem !== undefined) this.fail(problem);
  }

  /** This value as an object; unknown keys are an error (they are usually typos). */
  public object(allowed: readonly string[]): this {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      this.fail(`${describeValue(this.value)} is not a mapping; expected keys ${allowed.join(', ')}`);
    }
    for (const key of Object.keys(this.value as object)) {
      if (!allowed.includes(key)) this.fail(`unknown field ${JSON.stringify(key)}; expected one of ${allowed.join(', ')}`);
    }
    return this;
  }

  /** The child `key` (value undefined when absent). */
  public field(key: string): ConfigReader {
    const v = (this.value as Record<string, unknown> | undefined)?.[key];
    return new ConfigReader(v, `${this.path}.${key}`, this.file);
  }

  /** True when the value is absent. */
  public get absent(): boolean {
    return this.value === undefined || this.value === null;
  }

  /** A required string. */
  public string(): string {
    if (typeof this.value !== 'string' || this.value.length === 0) this.fail(`${describeValue(this.value)} is not a non-empty string`);
    return this.value;
  }

  /** An optional string. */
  public optionalString(): string | undefined {
    return this.absent ? undefined : this.string();
  }

  /** A required whole number in range. */
  public integer(min: number, max: number): number {
    if (typeof this.value !== 'number' || !Number.isInteger(this.value) || this.value < min || this.value > max) {
      this.fail(`${describeValue(this.value)} is not a whole number in range ${min}-${max}`);
    }
    return this.value;
  }

  /** An optional whole number in range. */
  public optionalInteger(min: number, max: number): number | undefined {
    return this.absent ? undefined : this.integer(min, max);
  }

  /** An optional boolean. */
  public optionalBoolean(): boolean | undefined {
    if (this.absent) return undefined;
    if (typeof this.value !== 'boolean') this.fail(`${describeValue(this.value)} is not true or false`);
    return this.value;
  }

  /** One of the given strings. */
  public oneOf<T extends string>(choices: readonly T[]): T {
    if (typeof this.value !== 'string' || !choices.includes(this.value as T)) this.fail(`${describeValue(this.value)} is not one of ${choices.join(', ')}`);
    return this.value as T;
  }

  /** A list (empty when absent), each item as a reader. */
  public list(options: { readonly required?: boolean } = {}): ConfigReader[] {
    if (this.absent) {
      if (options.required) this.fail('is missing; expected a non-empty list');
      return [];
    }
    if (!Array.isArray(this.value)) this.fail(`${describeValue(this.value)} is not a list`);
    const items = this.value as unknown[];
    if (options.required && items.length === 0) this.fail('is empty; expected at least one entry');
    return items.map((v, i) => new ConfigReader(v, `${this.path}[${i}]`, this.file));
  }

  /** A mapping of string to string (empty when absent). */
  public stringMap(): Record<string, string> {
    if (this.absent) return {};
    this.object(Object.keys(this.value as object));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.value as object)) {
      if (typeof v !== 'string') this.field(k).fail(`${describeValue(v)} is not a string (quote numbers and booleans)`);
      out[k] = v;
    }
    return out;
  }
}
