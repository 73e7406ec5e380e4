/**
 * The most problems one document is checked for. A body under 1 MiB made of empty items
 * (`"flights":[{},{},…]`) breaks five rules every three bytes: 1.5 million problems, twelve
 * seconds of the event loop to find and word them, and an answer of a hundred megabytes.
 * Past this many, validation stops and the answer says so; no sender needs more to start
 * fixing a document.
 */
export const MAX_PROBLEMS = 1000;

/** Thrown through class-validator (which catches nothing) to stop a validation. */
class ProblemBudgetSpent extends Error {}

/** What the validation running now may still find; `undefined` outside one. */
let remaining: number | undefined;

/**
 * Counts problems found by the validation running now. Past the budget, it stops that
 * validation (see `withinProblemBudget`). Validations are synchronous: one runs at a time.
 */
export function spendProblems(count: number): void {
  if (remaining === undefined || count === 0) return;
  remaining -= count;
  if (remaining < 0) throw new ProblemBudgetSpent();
}

/** Runs a synchronous validation under the budget: its result, or `undefined` if it ran out. */
export function withinProblemBudget<T>(validation: () => T): T | undefined {
  remaining = MAX_PROBLEMS;
  try {
    return validation();
  } catch (error) {
    if (error instanceof ProblemBudgetSpent) return undefined;
    throw error;
  } finally {
    remaining = undefined;
  }
}
