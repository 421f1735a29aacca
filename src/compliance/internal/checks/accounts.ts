import { type Check, item, unset, weak } from './evidence.js';

/**
 * Account checks: accounts are kept current (SEC-12 アカウントの発行や削除等のメンテナンス, IPC-3 ログインできる
 * 職員を管理, RM-27 権限の割当一覧 … 必要最小限): a dormancy rule flags (and `disableDormantAccounts`
 * disables) accounts nobody uses. Without one the clause is never met.
 */

/** kanmon's reading of "kept current": an account unused for more than a year is no longer maintained. */
const MAX_DORMANT_DAYS = 365;

export const dormancy: Check = (s) => {
  const days = s.accounts.dormantDays;
  const finding =
    days === null ? unset('dormancy_off', { path: 'accounts.dormantDays' }) : days > MAX_DORMANT_DAYS ? weak('above_maximum', { path: 'accounts.dormantDays', value: days, max: MAX_DORMANT_DAYS }) : undefined;
  return [item('accounts.dormantDays', days, `1..${MAX_DORMANT_DAYS}`, finding)];
};
