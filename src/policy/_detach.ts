/**
 * A copy of `s` that shares no memory with the text it was cut from.
 *
 * V8 represents a substring (what a YAML or JSON parser returns for a label, a name or a
 * namespace) as a slice that keeps the whole source string alive. The policy gate keeps a
 * few strings of every object (names, labels, selectors) until the end of a run, so without
 * this copy a streamed multi-document file would stay in memory chunk by chunk. Concatenating
 * forces a fresh flat string; slicing it again drops the extra character.
 */
export function detach(s: string): string {
  return s.length === 0 ? '' : (` ${s}`).slice(1);
}

/**
 * Strings the evaluator keeps until the end of a run, copied out of the parsed input
 * ({@link detach}) and shared: kinds, API versions, namespaces and label values repeat across
 * thousands of objects.
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  public get(s: string): string {
    let kept = this.strings.get(s);
    if (kept === undefined) {
      kept = detach(s);
      this.strings.set(kept, kept);
    }
    return kept;
  }
}
