/**
 * Stored password values that are no hash kanmon reads: SSO-only accounts,
 * passwords never set, locked-out markers and foreign schemes common in
 * imported data. A login against any of them must answer like an unknown user.
 */
export const UNUSABLE_HASHES: readonly (readonly [name: string, stored: unknown])[] = [
  ['!', '!'],
  ['empty', ''],
  ['*', '*'],
  ['!!', '!!'],
  ['null', null],
  ['undefined', undefined],
  ['a $6$ sha512-crypt import', '$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21'],
  ['"SSO"', 'SSO'],
  ['plain text', 'SSO-ONLY'],
];
