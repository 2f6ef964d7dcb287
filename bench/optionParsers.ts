import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../shared/duration';

/** Commander parsers the bench commands share: each refuses a bad value naming its option. */

/** A whole number of at least `min`. */
export const wholeNumber =
  (name: string, min = 0) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(min === 0 ? `${name} must be a whole number` : `${name} must be a whole number of at least ${min}`);
    return n;
  };

/** A number above 0 (a rate). */
export const positiveNumber =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be above 0`);
    return n;
  };

/** A duration such as 30s, 2m or 1h, kept as written. */
export const durationText =
  (name: string) =>
  (value: string): string => {
    if (parseDuration(value) === undefined) throw new InvalidArgumentError(`${name} must be a duration such as 30s, 2m or 1h`);
    return value;
  };
