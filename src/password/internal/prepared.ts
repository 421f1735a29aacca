import type { Policy } from '../../policy/define-policy.js';

/** The `password` section of a validated policy. */
export type PasswordSettings = Policy['password'];

/** What every rule reads: the password once normalised, and its lower-cased form. */
export interface PreparedPassword {
  /** The password after the policy's Unicode normalisation. */
  readonly normalized: string;
  /** `normalized.toLowerCase()`, for the case-insensitive rules. */
  readonly lower: string;
  /** Code points in `normalized`. */
  readonly length: number;
}
