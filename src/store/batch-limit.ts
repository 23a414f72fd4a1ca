/**
 * Refuses a `scanRecords` batch size that is not a positive integer: with none, a walk
 * would never end.
 *
 * @example checkBatchLimit(500);
 */
export function checkBatchLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`scanRecords needs a positive whole number of records, not ${limit}`);
  }
}
