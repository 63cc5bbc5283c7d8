import { FteValidationError } from '../errors';

/** Where in a file an input error is: both parts are 1-based and absent when unknown. */
export interface ManifestPosition {
  /** The YAML document (1 for the first; JSON files have none). */
  readonly document?: number;
  /** The line. */
  readonly line?: number;
}

/**
 * Input that `ftekit-check` cannot read as Kubernetes manifests: a file that cannot be read,
 * a document that is not valid YAML or JSON, one nested too deeply or expanding through YAML
 * aliases far beyond any object the API server accepts, or no objects at all. The message is
 * one line naming the file, then the document and line where known:
 *
 * ```
 * dist/ftes.k8s.yaml: document 3, line 41: cannot be parsed as YAML: Map keys must be unique
 * ```
 */
export class ManifestInputError extends FteValidationError {
  /**
   * A problem of the whole input rather than of one file: `<problem> in <paths>[; <note>]`,
   * e.g. `no Kubernetes objects in dist/prod/`.
   */
  public static ofInput(paths: readonly string[], problem: string, note?: string): ManifestInputError {
    const error = new ManifestInputError(paths.join(', '), problem);
    error.message = `${problem} in ${paths.join(', ')}${note ? `; ${note}` : ''}`;
    return error;
  }

  /** The file (or the paths given, for problems with no single file). */
  public readonly file: string;
  /** The YAML document, 1-based, when known. */
  public readonly document?: number;
  /** The line, 1-based, when known. */
  public readonly line?: number;
  /** What is wrong, without the location. */
  public readonly problem: string;

  /**
   * @param file the file the problem is in
   * @param problem what is wrong, e.g. `cannot be parsed as YAML: Map keys must be unique`
   * @param position the document and line, where known
   */
  public constructor(file: string, problem: string, position: ManifestPosition = {}) {
    const where = [
      position.document !== undefined ? `document ${position.document}` : undefined,
      position.line !== undefined ? `line ${position.line}` : undefined,
    ].filter((s) => s !== undefined).join(', ');
    super(where ? `${file}: ${where}` : file, problem);
    this.name = 'ManifestInputError';
    this.file = file;
    if (position.document !== undefined) this.document = position.document;
    if (position.line !== undefined) this.line = position.line;
    this.problem = problem;
  }
}
