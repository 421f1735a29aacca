import type { MessageLang } from '../messages/catalog.js';

/** How a view is worded and its times written. */
export interface AdminViewOptions {
  /** The language of every label. */
  readonly lang: MessageLang;
  /** The zone times are written in. @default 'Asia/Tokyo' */
  readonly timeZone?: string | undefined;
}

/** A column of a table: `key` names the row field it shows. */
export interface AdminViewColumn {
  readonly key: string;
  readonly label: string;
}

/** A time as data (epoch ms) and as text (`2026/11/24 10:00:00`, in the view's zone). */
export interface AdminViewTime {
  readonly at: number;
  readonly text: string;
}

/** What an administrator can do on a row or a page; the application maps `kind` to its own route or form. */
export interface AdminViewAction {
  readonly kind: 'unlock' | 'reset_password' | 'reset_mfa' | 'disable_dormant';
  readonly label: string;
  /** The account it acts on; `null` for a page-wide action. */
  readonly accountId: string | null;
}

/** An account's state: `alert` marks the ones an administrator should look at. */
export interface AdminViewStatus {
  readonly code: 'active' | 'locked' | 'disabled';
  readonly label: string;
  readonly alert: boolean;
}

/** A notice after an administrative call: `tone` says how to show it; `reauth` asks the application to step up first. */
export interface AdminViewNotice {
  readonly tone: 'success' | 'error' | 'reauth';
  readonly code: string;
  readonly message: string;
}
