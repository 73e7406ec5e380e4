/** A transmission's files as an attempt is about to write them, against its earlier attempts'. */
export interface AttemptFiles {
  /**
   * Files an earlier attempt wrote or may have written that this one does not (its data changed:
   * fewer parts, or a name no longer the same): left at the recipient, they would mix with
   * this attempt's set. In the order recorded.
   */
  readonly stale: readonly string[];
  /** This attempt's names not recorded yet: to record if it fails (none: nothing to write). */
  readonly unrecorded: readonly string[];
}

/**
 * Compares the names an attempt is about to write (`current`) with those its transmission's
 * earlier failed attempts wrote or may have written (`recorded`, from its row). Names are deterministic per
 * transmission and part, so a retry of the same parts overwrites its files and finds nothing
 * stale and nothing to record.
 */
export function compareAttemptFiles(
  recorded: readonly string[],
  current: readonly string[],
): AttemptFiles {
  // A first attempt, the common case: nothing earlier, nothing more to build.
  if (recorded.length === 0) return { stale: [], unrecorded: current };
  const earlier = new Set(recorded);
  const now = new Set(current);
  return {
    stale: [...earlier].filter((name) => !now.has(name)),
    unrecorded: [...now].filter((name) => !earlier.has(name)),
  };
}
