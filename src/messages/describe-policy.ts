import type { PasswordPolicy } from '../password/check-password.js';
import { KanmonError } from '../errors.js';
import { type MessageLang, type PasswordRule, type PasswordRuleId, interpolate } from './catalog.js';
import { catalogOf } from './format-issue.js';

/**
 * Your own texts for some rules: a template naming the rule's parameters in
 * braces, a function of the rule, or `null` to leave the rule out.
 */
export type PolicyRuleOverrides = {
  readonly [Id in PasswordRuleId]?: string | null | ((rule: Extract<PasswordRule, { id: Id }>) => string | null);
};

/**
 * The password rules of a policy, as data, in the order a sign-up form lists
 * them. Rules that are switched off are absent.
 *
 * @example
 * ```ts
 * import { passwordRules } from 'kanmon';
 * for (const rule of passwordRules(policy)) {
 *   if (rule.id === 'length') console.log(`${rule.minimum}–${rule.maximum} characters`);
 * }
 * ```
 */
export function passwordRules(policy: PasswordPolicy): PasswordRule[] {
  const p = (policy as Partial<PasswordPolicy> | null | undefined)?.password;
  if (typeof p !== 'object' || p === null) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'describePolicy: `policy` must be a policy built by definePolicy()');
  }
  const rules: PasswordRule[] = [{ id: 'length', minimum: p.minLength, maximum: p.maxLength }];
  if (p.requiredClasses.length > 0) {
    const order = ['upper', 'lower', 'digit', 'symbol'] as const;
    rules.push({ id: 'required_classes', classes: order.filter((c) => p.requiredClasses.includes(c)) });
  }
  if (p.minClasses > p.requiredClasses.length) rules.push({ id: 'min_classes', minimum: p.minClasses });
  if (p.requiredClasses.includes('symbol') || p.minClasses > 0) rules.push({ id: 'symbols' });
  if (!p.allowNonAscii) rules.push({ id: 'ascii_only', fullWidthFolded: p.normalization === 'NFKC' });
  if (p.rejectContext) rules.push({ id: 'context' });
  if (p.rejectCommon) rules.push({ id: 'common' });
  if (p.maxRepeat > 0) rules.push({ id: 'repeat', maximum: p.maxRepeat });
  if (p.sequenceLength > 0) rules.push({ id: 'sequence', length: p.sequenceLength });
  if (p.rejectDates) rules.push({ id: 'date' });
  if (p.breached.offline || p.breached.online.enabled) rules.push({ id: 'breached' });
  if (p.history > 0) rules.push({ id: 'history', count: p.history });
  if (p.maxAgeDays !== null) rules.push({ id: 'max_age', days: p.maxAgeDays });
  if (p.minAgeDays > 0) rules.push({ id: 'min_age', days: p.minAgeDays });
  return rules;
}

/**
 * The human-readable rule list a sign-up or change-password form shows, one
 * sentence per rule, in Japanese or English.
 *
 * @example
 * ```ts
 * import { definePolicy, describePolicy } from 'kanmon';
 * describePolicy(definePolicy('funabashi'), 'ja');
 * // ['10文字以上で入力してください（最大128文字）',
 * //  '英大文字・英小文字・数字・記号をそれぞれ1文字以上含めてください', …]
 * ```
 */
export function describePolicy(policy: PasswordPolicy, lang: MessageLang, overrides?: PolicyRuleOverrides): string[] {
  const catalog = catalogOf(lang);
  const lines: string[] = [];
  for (const rule of passwordRules(policy)) {
    const override = overrides?.[rule.id] as string | null | ((rule: PasswordRule) => string | null) | undefined;
    const text =
      override === undefined
        ? catalog.rule(rule)
        : typeof override === 'function'
          ? override(rule)
          : override === null
            ? null
            : interpolate(override, rule);
    if (text !== null) lines.push(text);
  }
  return lines;
}
