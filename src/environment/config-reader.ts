import { describeValue, FteValidationError, ValidationProblem } from '../errors';
import { Problem } from '../_validate';

/** Where a value is declared: the file and the field path in it. */
export interface SpecLocation {
  /** The stack file, as errors name it (e.g. `stacks/Pulumi.prod.yaml`). */
  readonly file: string;
  /** Field path, e.g. `ftekit:environment.ftes[2]`. */
  readonly path: string;
}

/** The problems of one file, shared by every reader of it. */
interface ProblemSink {
  readonly problems: ValidationProblem[];
  faults: number;
}

/** Thrown by {@link ConfigReader.fail} after recording its problem: abandons the value being read. */
class ShapeFault {}

/**
 * Reads untyped config (parsed YAML) field by field, keeping the path of every value, so
 * that an error reads `stacks/Pulumi.prod.yaml: ftekit:environment.ftes[2].egress[0]: ...`.
 *
 * Problems are collected, not thrown: {@link fail} records one and abandons the value being
 * read up to the nearest {@link guard}, so that reading goes on with the next field or entry
 * and every problem of a file is reported in one run ({@link problems}).
 */
export class ConfigReader {
  public constructor(
    /** The parsed value at this path. */
    public readonly value: unknown,
    /** Path of the value, e.g. `ftekit:environment.ftes[2]`. */
    public readonly path: string,
    /** The file the value came from. */
    public readonly file: string,
    /** Where the problems of this value and its children go (shared by the whole file). */
    private readonly sink: ProblemSink = { problems: [], faults: 0 },
  ) {}

  /** Every problem recorded so far, in this reader's file. */
  public get problems(): readonly ValidationProblem[] {
    return [...this.sink.problems];
  }

  /**
   * How many recorded problems made a value unreadable ({@link fail}). The others (unknown
   * fields, {@link check}s between readable values) leave an entry usable, so that the rules
   * of its construct are still checked in the same run.
   */
  public get faults(): number {
    return this.sink.faults;
  }

  /**
   * Reads with `step`, returning undefined when a problem abandoned it (the problem is
   * recorded); other errors pass through.
   */
  public guard<T>(step: (r: this) => T): T | undefined {
    try {
      return step(this);
    } catch (e) {
      if (e instanceof ShapeFault) return undefined;
      throw e;
    }
  }

  /**
   * Makes a value with `factory` (e.g. `Probe.httpGet(...)`); a validation error it throws is
   * recorded at this value's path, its problems' messages unchanged, and abandons the value.
   */
  public make<T>(factory: () => T): T {
    try {
      return factory();
    } catch (e) {
      if (!(e instanceof FteValidationError)) throw e;
      for (const problem of e.problems) this.record(problem.message);
      throw new ShapeFault();
    }
  }

  /** Throws one error listing every recorded problem, if any. */
  public throwIfAny(): void {
    if (this.sink.problems.length) throw new FteValidationError(this.sink.problems);
  }

  private record(problem: string, fault = true): void {
    this.sink.problems.push({ where: this.file, field: this.path, value: this.value, message: problem });
    if (fault) this.sink.faults++;
  }

  /** The file and path of this value. */
  public get at(): SpecLocation {
    return { file: this.file, path: this.path };
  }

  /** A reader of `value` at another `path` of the same file, sharing its problems. */
  public elsewhere(value: unknown, path: string): ConfigReader {
    return new ConfigReader(value, path, this.file, this.sink);
  }

  /** `file: path`, how errors name this value. */
  public get location(): string {
    return `${this.file}: ${this.path}`;
  }

  /** Records a problem with this value and abandons reading it (see {@link guard}). */
  public fail(problem: string): never {
    this.record(problem);
    throw new ShapeFault();
  }

  /** Abandons reading this value, whose problems are already recorded (see {@link guard}). */
  public abandon(): never {
    throw new ShapeFault();
  }

  /** Records the problem a check reports, if any, and goes on. */
  public check(problem: Problem): void {
    if (problem !== undefined) this.record(problem, false);
  }

  /** This value as an object; unknown keys are an error (they are usually typos). */
  public object(allowed: readonly string[]): this {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      this.fail(`${describeValue(this.value)} is not a mapping; expected keys ${allowed.join(', ')}`);
    }
    // Every unknown field is reported; the known ones are still read.
    for (const key of Object.keys(this.value as object)) {
      if (!allowed.includes(key)) this.field(key).record(`unknown field ${JSON.stringify(key)}; expected one of ${allowed.join(', ')}`, false);
    }
    return this;
  }

  /** The child `key` (value undefined when absent). */
  public field(key: string): ConfigReader {
    const v = (this.value as Record<string, unknown> | undefined)?.[key];
    return new ConfigReader(v, `${this.path}.${key}`, this.file, this.sink);
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

  /** A required whole number (its range is the construct's to judge). */
  public wholeNumber(): number {
    if (typeof this.value !== 'number' || !Number.isInteger(this.value)) this.fail(`${describeValue(this.value)} is not a whole number`);
    return this.value;
  }

  /** An optional whole number. */
  public optionalWholeNumber(): number | undefined {
    return this.absent ? undefined : this.wholeNumber();
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
    return items.map((v, i) => new ConfigReader(v, `${this.path}[${i}]`, this.file, this.sink));
  }

  /** A mapping of string to string (empty when absent). */
  public stringMap(): Record<string, string> {
    if (this.absent) return {};
    this.object(Object.keys(this.value as object));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.value as object)) {
      if (typeof v !== 'string') this.field(k).record(`${describeValue(v)} is not a string (quote numbers and booleans)`);
      else out[k] = v;
    }
    return out;
  }
}
