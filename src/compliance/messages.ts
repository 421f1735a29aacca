import type { ClauseStatus, ResponsibleParty } from './clauses.js';
import type { Finding } from './internal/checks/evidence.js';

/** The language of a report. Japanese is the default: the readers are a city's auditors. */
export type ReportLang = 'ja' | 'en';

/** How a clause stands under the policy in force. */
export type Verdict = 'met' | 'met_with_operation' | 'weakened' | 'not_configured' | 'outside_software';

export const verdicts: readonly Verdict[] = ['met', 'met_with_operation', 'weakened', 'not_configured', 'outside_software'];

/** Where NIST SP 800-63B and a clause disagree. */
export type NistConflict = 'nist_composition' | 'nist_periodic_change';

export const verdictLabel: Readonly<Record<ReportLang, Readonly<Record<Verdict, string>>>> = {
  ja: {
    met: '充足',
    met_with_operation: '充足（運用が必要）',
    weakened: '弱化',
    not_configured: '未設定',
    outside_software: 'ソフトウェア対象外',
  },
  en: {
    met: 'met',
    met_with_operation: 'met with operation',
    weakened: 'weakened',
    not_configured: 'not configured',
    outside_software: 'outside software',
  },
};

export const statusLabel: Readonly<Record<ReportLang, Readonly<Record<ClauseStatus, string>>>> = {
  ja: { enforce: '強制', support: '支援', out: '対象外' },
  en: { enforce: 'enforce', support: 'support', out: 'out' },
};

const responsible: Readonly<Record<ReportLang, Readonly<Record<ResponsibleParty, string>>>> = {
  ja: {
    provider_governance: 'サービス提供者の組織・規程・体制で対応する（ソフトウェアの設定では満たせない）。',
    provider_operations: 'サービス提供者の基盤運用（パッチ、ウイルス対策、バックアップ、仮想マシン）で対応する。',
    contract: '契約・約款・告知で対応する。',
    terminal: '端末を管理する者（市の専用端末、保守事業者の端末）が端末側で対応する。',
    physical: '施設・媒体・機器の物理的管理で対応する。',
    network: '回線・ネットワーク機器の設計と運用で対応する。',
  },
  en: {
    provider_governance: "The provider's organisation, rules and staff answer for it; no software setting can.",
    provider_operations: "The provider's platform operations (patches, antivirus, backups, VMs) answer for it.",
    contract: 'The contract, terms of use and notices answer for it.',
    terminal: "Whoever manages the terminals (the city's dedicated PCs, the vendor's PCs) answers for it on the terminal.",
    physical: 'Physical management of facilities, media and equipment answers for it.',
    network: 'The design and operation of lines and network equipment answer for it.',
  },
};

export function responsibleText(party: ResponsibleParty, lang: ReportLang): string {
  return responsible[lang][party];
}

const str = (v: string | number | undefined) => String(v ?? '');

/** What is wrong and how to fix it, in one sentence. */
export function findingText(f: Finding, lang: ReportLang): string {
  const p = f.params;
  const ja = lang === 'ja';
  switch (f.code) {
    case 'below_minimum':
      return ja
        ? `${str(p.path)} が ${str(p.value)} です。${str(p.min)} 以上にしてください。`
        : `${str(p.path)} is ${str(p.value)}; set it to at least ${str(p.min)}.`;
    case 'above_maximum':
      return ja
        ? `${str(p.path)} が ${str(p.value)} です。${str(p.max)} 以下にしてください。`
        : `${str(p.path)} is ${str(p.value)}; set it to at most ${str(p.max)}.`;
    case 'classes_missing':
      return ja
        ? `必須の文字種が足りません（${str(p.missing)}）。password.requiredClasses に加えてください。`
        : `Required character classes are missing (${str(p.missing)}); add them to password.requiredClasses.`;
    case 'composition_missing':
      return ja
        ? `文字種の規則が ${str(p.actual)} 種類です。${str(p.min)} 種類以上を password.requiredClasses または password.minClasses で求めてください。`
        : `The character-class rule covers ${str(p.actual)} classes; require at least ${str(p.min)} with password.requiredClasses or password.minClasses.`;
    case 'control_off':
      return ja ? `${str(p.path)} が無効です。有効にしてください。` : `${str(p.path)} is off; switch it on.`;
    case 'must_be_off':
      return ja ? `${str(p.path)} が有効です。この条項の下では無効にしてください。` : `${str(p.path)} is on; this clause needs it off.`;
    case 'expiry_off':
      return ja
        ? 'パスワードの有効期限がありません（password.maxAgeDays が null）。日数を設定してください。'
        : 'Passwords never expire (password.maxAgeDays is null); set a number of days.';
    case 'issued_never_expires':
      return ja
        ? '発行したパスワード（初期パスワード、管理者によるリセット）に有効期限がありません（password.issuedValidityHours が null）。時間数を設定してください。'
        : 'Issued passwords (first passwords, administrator resets) never expire (password.issuedValidityHours is null); set a number of hours.';
    case 'open_to_any':
      return ja
        ? "access.defaultRule.allow が 'any' です。許可された端末だけを接続させるため 'allow_listed_terminals' にしてください。"
        : "access.defaultRule.allow is 'any'; set 'allow_listed_terminals' so only permitted terminals connect.";
    case 'trusts_any_proxy':
      return ja
        ? `access.trustedProxies が ${str(p.family)} アドレス空間の ${str(p.share)} を信頼しています。どのクライアントもヘッダ（X-Forwarded-For / Forwarded、X-Forwarded-Proto、転送されたクライアント証明書）で自分のアドレス、TLS の有無、証明書を偽れるため、IP 制限・内部ネットワーク判定・TLS 必須・証明書による端末認証が働きません。実際のプロキシのアドレスだけを列挙してください。`
        : `access.trustedProxies trusts ${str(p.share)} of the ${str(p.family)} address space, so any client can set its own address, TLS status and forwarded client certificate with a header (X-Forwarded-For / Forwarded, X-Forwarded-Proto, the certificate header), and IP restrictions, the internal-network test, required TLS and certificate checks stop holding; list only the real proxies.`;
    case 'zones_differ':
      return ja
        ? `タイムゾーンが二つあります（${str(p.a)} と ${str(p.b)}）。access.businessHours.timeZone を timeZone に揃えてください。`
        : `Two time zones are in use (${str(p.a)} and ${str(p.b)}); make access.businessHours.timeZone equal timeZone.`;
    case 'list_empty':
      return ja
        ? `${str(p.path)} が空です。市の内部ネットワーク（LGWAN 側）の CIDR を列挙してください。`
        : `${str(p.path)} is empty; list the CIDRs of the city's internal networks (LGWAN side).`;
    case 'no_terminal_restriction':
      return ja
        ? '接続端末の制限がありません。access.ipAllowList に許可端末のアドレスを列挙するか、クライアント証明書（access.requireClientCert と access.clientCert）または登録端末（access.requireRegisteredDevice）を設定してください。'
        : 'No terminal restriction is configured: list permitted addresses in access.ipAllowList, or set client certificates (access.requireClientCert with access.clientCert) or registered devices (access.requireRegisteredDevice).';
    case 'client_cert_unlisted':
      return ja
        ? 'クライアント証明書を必須にしていますが、許可する証明書（access.clientCert の fingerprintsSha256 / subjects / issuers）が空です。'
        : 'Client certificates are required but none is allow-listed (access.clientCert fingerprintsSha256 / subjects / issuers are empty).';
    case 'no_device_stage':
      return ja
        ? '端末 ID の段階がありません。access.requireRegisteredDevice（またはクライアント証明書）を有効にし、端末を登録してください。'
        : 'There is no device stage; switch on access.requireRegisteredDevice (or client certificates) and register the terminals.';
    case 'aaguid_unattested':
      return ja
        ? "パスキーの AAGUID 許可リスト（webauthn.allowedAaguids）はありますが、webauthn.attestation が 'none' のため AAGUID は認証器の自己申告です。端末の特定には webauthn.attestation を 'direct' にしてください。"
        : "A passkey AAGUID allow-list (webauthn.allowedAaguids) is set, but with webauthn.attestation 'none' the AAGUID is the authenticator's own claim; set webauthn.attestation to 'direct' to bind passkeys to the issued models.";
    case 'aaguid_unanchored':
      return ja
        ? "パスキーの AAGUID 許可リストと webauthn.attestation 'direct' で端末の型番を限定していますが、webauthn.attestationRoots（メーカーのルート証明書）が空のため、構成証明の証明書チェーンはどのルートにもたどられません。用意した証明書で許可された型番を名乗れるため、端末の特定としては弱い段階です。配布した認証器のメーカーのルート証明書を webauthn.attestationRoots に設定するか、access.requireRegisteredDevice（またはクライアント証明書）と併用してください。"
        : "A passkey AAGUID allow-list with webauthn.attestation 'direct' limits the authenticator models, but webauthn.attestationRoots (the makers' root certificates) is empty, so the attestation's certificate chain leads to no root: a certificate made for the purpose can name an allowed model, so it is a weak device stage. Set webauthn.attestationRoots to the root certificates of the makers of the keys the city issued, or combine it with access.requireRegisteredDevice (or client certificates).";
    case 'crypto_profile_standard':
      return ja
        ? "cryptoProfile が 'standard' です（パスワードハッシュは Argon2id で、電子政府推奨暗号リスト外）。市が保存データにもリスト掲載の方式を求める場合は 'cryptrec'（PBKDF2-HMAC-SHA-256/512）を選んでください。"
        : "cryptoProfile is 'standard' (passwords hashed with Argon2id, which is not on the CRYPTREC list); choose 'cryptrec' (PBKDF2-HMAC-SHA-256/512) if the city wants listed primitives for stored data too.";
    case 'algorithm_not_listed':
      return ja
        ? `${str(p.path)} の ${str(p.value)} は電子政府推奨暗号リストにない方式です。ES256、PS256 または HS256 を使ってください。`
        : `${str(p.path)} ${str(p.value)} is not built from the CRYPTREC list; use ES256, PS256 or HS256.`;
    case 'no_privileged_roles':
      return ja
        ? '特権ロールがありません（mfa.privilegedRoles が空）。管理者ロールの名前を列挙してください。'
        : 'No privileged role is named (mfa.privilegedRoles is empty); list the administrator roles.';
    case 'hours_off':
      return ja
        ? '業務時間が設定されていません（access.businessHours が null）。業務時間外の利用を検知するため設定してください。'
        : 'No business hours are set (access.businessHours is null); set them so use outside hours is detected.';
    case 'fail_open':
      return ja
        ? "lockout.onStoreError が 'fail_open' です。ストア障害の間ロックが働かなくなるため 'fail_closed' にしてください。"
        : "lockout.onStoreError is 'fail_open', so the lock silently stops while the store is down; set 'fail_closed'.";
    case 'covers_everything':
      return ja
        ? `${str(p.path)} が ${str(p.family)} アドレス空間の ${str(p.share)} を含みます。誰もが一覧に入るため、この制限は何も制限しません（ブロックの和で判定します。0.0.0.0/1 と 128.0.0.0/1 の組も全体です）。対象のネットワークだけを列挙してください。`
        : `${str(p.path)} holds ${str(p.share)} of the ${str(p.family)} address space, so everyone is on it and it restricts nothing (the union of the blocks counts: 0.0.0.0/1 plus 128.0.0.0/1 is everything too); list only the networks meant.`;
    case 'terminals_unused':
      return ja
        ? "端末の設定（access.ipAllowList / requireClientCert / requireRegisteredDevice）がありますが、'allow_listed_terminals' の規則が一つもないため何も制限していません。access.defaultRule または該当する routes を { allow: 'allow_listed_terminals' } にしてください。"
        : "Terminal settings (access.ipAllowList / requireClientCert / requireRegisteredDevice) are set, but no rule is 'allow_listed_terminals', so they restrict nothing; set access.defaultRule or the routes concerned to { allow: 'allow_listed_terminals' }.";
    case 'route_open_to_any':
      return ja
        ? `access.routes.${str(p.route)} が 'any' で、どの端末からも接続できます。許可された端末だけを接続させるため 'allow_listed_terminals'（または 'internal_only'）にしてください。`
        : `access.routes.${str(p.route)} is 'any', open to every terminal; set 'allow_listed_terminals' (or 'internal_only') so only permitted terminals connect.`;
    case 'hash_not_recommended':
      return ja
        ? `${str(p.path)} が ${str(p.value)}（HMAC-SHA-1）です。SHA-1 は電子政府推奨暗号リストになく、互換性維持のための運用監視暗号リストに置かれています。認証アプリが対応していれば SHA256 にしてください。SHA-1 のまま使う場合は、例外として市の承認を得て記録してください（docs/cryptrec.md）。`
        : `${str(p.path)} is ${str(p.value)} (HMAC-SHA-1). SHA-1 is not on the CRYPTREC e-Government Recommended Ciphers List; it sits on the monitored list, kept only for compatibility. Set SHA256 if your authenticator apps support it; if you keep SHA-1, record it as an exception approved by the city (docs/cryptrec.md).`;
    case 'foreign_hashes_remain':
      return ja
        ? `${str(p.count)} 件のアカウントが、移行元システムのハッシュ（うち弱いもの ${str(p.weak)} 件）のままです。各利用者の次回ログインで kanmon の推奨アルゴリズムに置き換わります。ログインしない利用者にはパスワードの再設定を求めてください（docs/migration.md）。`
        : `${str(p.count)} account(s) are still on the previous system's hash (${str(p.weak)} of them weak). Each is replaced by kanmon's recommended algorithm at the user's next login; have users who do not log in reset their password (docs/migration.md).`;
    case 'hours_never_close':
      return ja
        ? `業務時間外が通常の週に ${str(p.minutes)} 分しかありません（休日・閉庁日を除く）。ほぼすべての利用が業務時間内になり、業務時間外の利用を検知できません。実際の業務時間を設定してください（週 ${str(p.min)} 時間以上の時間外が必要）。`
        : `An ordinary week has only ${str(p.minutes)} minutes outside business hours (holidays and closed days aside), so nearly every use counts as within hours and out-of-hours use goes unseen; set the real hours (at least ${str(p.min)} hours a week outside them).`;
    case 'roles_name_nobody':
      return ja
        ? `mfa.privilegedRoles（${str(p.roles)}）のどれも空白だけか前後に空白があり、ロール名は完全一致で比較されるため誰にも当たりません。管理者ロールの名前をそのまま列挙してください。`
        : `Every name in mfa.privilegedRoles (${str(p.roles)}) is blank or padded with spaces; roles compare exactly, so none matches anyone. List the administrator role names as they are.`;
    case 'dormancy_off':
      return ja
        ? `${str(p.path)} が null（休眠の基準なし）です。使われていないアカウントを棚卸しで見つけて無効にできるよう、日数（例: 90）を設定してください。`
        : `${str(p.path)} is null (no dormancy rule); set a number of days (e.g. 90) so the inventory finds unused accounts and disableDormantAccounts disables them.`;
    case 'rule_off':
      return ja
        ? `${str(p.path)} が 0（規則なし）です。推測されやすい文字列を拒否するため 1〜${str(p.max)} にしてください。`
        : `${str(p.path)} is 0 (no rule); set 1–${str(p.max)} so easily guessed strings are refused.`;
    case 'filter_off':
      return ja
        ? '漏えいパスワードのオフラインフィルタが無効です。`kanmon breached build` でフィルタを作り、password.breached.offline を true にしてください。'
        : 'The offline breached-password filter is off; build one with `kanmon breached build` and set password.breached.offline to true.';
  }
}

/** The action of a row whose clause is met and needs nothing more. */
export function nothingToDo(lang: ReportLang): string {
  return lang === 'ja' ? '対応不要（現在の設定を維持）。' : 'Nothing to do; keep the setting.';
}

export function nistText(conflict: NistConflict, lang: ReportLang): string {
  switch (conflict) {
    case 'nist_composition':
      return lang === 'ja'
        ? 'NIST SP 800-63B §3.1.1.2 は文字種の組合せ規則を課してはならない（SHALL NOT）としますが、この条項は求めています。kanmon のプリセットは条項に従います（docs/nist-conflicts.md）。'
        : 'NIST SP 800-63B §3.1.1.2 says verifiers SHALL NOT impose composition rules; this clause requires them. kanmon presets follow the clause (docs/nist-conflicts.md).';
    case 'nist_periodic_change':
      return lang === 'ja'
        ? 'NIST SP 800-63B §3.1.1.2 は定期的なパスワード変更を求めてはならない（SHALL NOT）としますが、この条項は求めています。kanmon のプリセットは条項に従い、履歴と最短期間で形だけの変更を防ぎます（docs/nist-conflicts.md）。'
        : 'NIST SP 800-63B §3.1.1.2 says verifiers SHALL NOT require periodic change; this clause requires it. kanmon presets follow the clause and use history and a minimum age so a change is a real change (docs/nist-conflicts.md).';
  }
}

/** The clauses NIST SP 800-63B disagrees with, and on what. */
export const nistConflicts: Readonly<Record<string, readonly NistConflict[]>> = {
  'EXT-5': ['nist_composition'],
  'RM-19': ['nist_composition', 'nist_periodic_change'],
  'RM-22': ['nist_periodic_change'],
  'RM-36': ['nist_composition', 'nist_periodic_change'],
  'SEC-23': ['nist_composition'],
  'FNB-3.1.3': ['nist_composition'],
};

/** SEC-6: settings that differ from the preset the policy was built from. */
export function presetDiffText(count: number, preset: string, lang: ReportLang): string {
  if (count === 0) {
    return lang === 'ja'
      ? `設定はプリセット ${preset} のとおりです。設定変更時は CI で \`kanmon compliance\` を実行してください（弱化があれば終了コード 1）。`
      : `The settings are those of preset ${preset}. Run \`kanmon compliance\` in CI on every change (exit code 1 on weakening).`;
  }
  return lang === 'ja'
    ? `プリセット ${preset} と異なる設定が ${count} 件あります（根拠欄）。関係する条項の行で弱化の有無を確認し、CI で \`kanmon compliance\` を実行してください。`
    : `${count} setting(s) differ from preset ${preset} (see evidence); check the rows they touch for weakening, and run \`kanmon compliance\` in CI.`;
}

export function noPresetText(lang: ReportLang): string {
  return lang === 'ja'
    ? 'プリセットを使わずに組み立てたポリシーです。definePolicy で検証済みですが、比較対象のプリセットがありません。'
    : 'The policy was built without a preset: it is validated by definePolicy, but there is no preset to compare with.';
}
