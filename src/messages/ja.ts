import type { CharacterClass } from '../policy/schema.js';
import type { ContextSource, PasswordIssue, SequenceKind } from '../password/issues.js';
import { type MessageCatalog, type PasswordRule, SYMBOLS, sequenceExamples, unreachable } from './catalog.js';

const classLabel: Record<CharacterClass, string> = {
  upper: '英大文字',
  lower: '英小文字',
  digit: '数字',
  symbol: '記号',
};

const classExample: Record<CharacterClass, string> = {
  upper: '英大文字（A〜Z）',
  lower: '英小文字（a〜z）',
  digit: '数字（0〜9）',
  symbol: '記号（!、#、% など）',
};

const contextLabel: Record<ContextSource, string> = {
  username: 'ユーザーID',
  email: 'メールアドレス',
  word: 'サービス名や地名など推測されやすい語句',
};

const sequenceLabel: Record<SequenceKind, string> = {
  alphabet: '「abcd」のようなアルファベット順の並び',
  digits: '「1234」のような連続した数字',
  keyboard: '「qwer」のようなキーボード上で隣り合うキーの並び',
};

/** 日本語のメッセージ。利用者に向けた、画面にそのまま出せる文です。 */
export const ja: MessageCatalog = {
  issue(issue: PasswordIssue): string {
    switch (issue.code) {
      case 'invalid_type':
        return 'パスワードを入力してください。';
      case 'too_long':
        return `パスワードは${issue.maximum}文字以内で入力してください。`;
      case 'too_short':
        return `パスワードは${issue.minimum}文字以上で入力してください（現在${issue.actual}文字）。`;
      case 'control_character':
        return 'パスワードに改行やタブなどの制御文字は使えません。';
      case 'invalid_unicode':
        return 'パスワードに使えない文字が含まれています。もう一度入力してください。';
      case 'unassigned_code_point':
        return 'パスワードに、まだ文字として定められていない符号（未割り当ての文字）が含まれています。別の文字を使ってください。';
      case 'non_ascii':
        return 'パスワードに使えるのは半角の英数字と記号だけです（漢字・ひらがな・カタカナなどは使えません）。';
      case 'missing_class':
        return `${classExample[issue.characterClass]}を1文字以上含めてください。`;
      case 'too_few_classes':
        return `英大文字・英小文字・数字・記号のうち${issue.minimum}種類以上を組み合わせてください（現在${issue.actual}種類）。`;
      case 'contains_context':
        return issue.reversed
          ? `${contextLabel[issue.source]}を逆から並べた文字列をパスワードに含めないでください。`
          : `パスワードに${contextLabel[issue.source]}を含めないでください。`;
      case 'common':
        return 'よく使われるパスワードに似ているため使えません。推測されにくいものにしてください。';
      case 'repeated':
        return `同じ文字を${issue.maximum + 1}文字以上続けないでください。`;
      case 'sequence':
        return `${sequenceLabel[issue.kind]}を${issue.maximum + 1}文字以上続けないでください。`;
      case 'repetitive_or_sequential':
        return '「111111」「1234abcd」「abcabc」のような、同じ文字や並びの繰り返し・連続だけでできたパスワードは使えません。';
      case 'date':
        return '生年月日などの日付が大部分を占めるパスワードは使えません。';
      case 'breached':
        return 'このパスワードは過去に流出したことが確認されているため使えません。別のパスワードにしてください。';
      case 'breached_unavailable':
        return '流出パスワードの照合ができなかったため、パスワードを受け付けられませんでした。しばらくしてからもう一度お試しください。';
      default:
        return unreachable(issue, 'password issue');
    }
  },

  rule(rule: PasswordRule): string {
    switch (rule.id) {
      case 'length':
        return `${rule.minimum}文字以上で入力してください（最大${rule.maximum}文字）`;
      case 'required_classes':
        return rule.classes.length === 1
          ? `${classLabel[rule.classes[0] as CharacterClass]}を1文字以上含めてください`
          : `${rule.classes.map((c) => classLabel[c]).join('・')}をそれぞれ1文字以上含めてください`;
      case 'min_classes':
        return `英大文字・英小文字・数字・記号のうち${rule.minimum}種類以上を組み合わせてください`;
      case 'symbols':
        return `記号として使えるのは ${SYMBOLS} と半角スペースです`;
      case 'ascii_only':
        return rule.fullWidthFolded
          ? '使える文字は半角の英数字と記号です（全角で入力した英数字・記号は半角として扱います）'
          : '使える文字は半角の英数字と記号です';
      case 'context':
        return 'ユーザーID、メールアドレス、サービス名などを含めないでください（逆から並べたものも使えません）';
      case 'common':
        return '「password」「qwerty123」のようなよく使われるパスワードや、それに似たもの（「P@ssw0rd」など）は使えません';
      case 'repeat':
        return `同じ文字を${rule.maximum + 1}文字以上続けないでください（例: ${'a'.repeat(Math.min(rule.maximum + 1, 10))}）`;
      case 'sequence': {
        const examples = sequenceExamples(rule.length);
        return examples.length > 0
          ? `${examples.map((e) => `「${e}」`).join('')}のような${rule.length}文字以上の連続した並びを含めないでください`
          : `連続した文字の並びを${rule.length}文字以上含めないでください`;
      }
      case 'date':
        return '生年月日などの日付を主にしたパスワードは使えません';
      case 'breached':
        return '過去に流出が確認されているパスワードは使えません';
      case 'history':
        return `直近${rule.count}回に使ったパスワードは使えません`;
      case 'max_age':
        return `パスワードは${rule.days}日ごとに変更してください`;
      case 'min_age':
        return `パスワードを変更してから${rule.days}日間は、再度変更できません`;
      default:
        return unreachable(rule, 'password rule');
    }
  },
};
