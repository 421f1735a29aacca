/**
 * RM-18, SEC-34, FNB-4.3: the deletion certificate's printable Japanese page
 * renders in Chromium (text read back from the rendered page, a screenshot and
 * a PDF under test-output/screenshots/), and the page escapes what it shows.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDeletionCertificate } from '../../src/tenant/certificate.js';
import { renderDeletionCertificateHtml } from '../../src/tenant/render-certificate.js';
import { requireService } from '../support/services.js';

const executablePath = requireService('chromium');
const shots = join(process.cwd(), 'test-output', 'screenshots');
const operator = generateKeyPairSync('ed25519');

const certificate = signDeletionCertificate(
  {
    id: '5b0c6f0e-1111-4c1e-9f00-000000000001',
    tenant: 'funabashi-city',
    actor: '運用担当 鈴木',
    purgedAt: '2026-03-31T15:30:00.000+09:00',
    counts: { storeKeys: 1234, accounts: 56, keysDestroyed: 1 },
    keysDestroyed: ['funabashi-2024'],
    auditHead: { stream: 'ops', seq: 812, mac: 'q3Jv0m1n2b3v4c5x6z7l8k9j0h1g2f3d4s5a6p7o8i9' },
    notes: ['<script>alert(1)</script>'],
  },
  { kid: 'operator-2026', privateKey: operator.privateKey },
);

describe('RM-18, SEC-34: the deletion certificate page', () => {
  it('escapes every value it shows (no markup from the certificate reaches the page)', () => {
    const html = renderDeletionCertificateHtml(certificate);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('<html lang="ja">');
    expect(renderDeletionCertificateHtml(certificate, { lang: 'en' })).toContain('Certificate of data deletion');
  });
});

describe.skipIf(!executablePath)('RM-18, SEC-34, FNB-4.3: the deletion certificate renders in Chromium, in Japanese', { timeout: 60_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: executablePath!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the title, tenant, JST time, actor, counts, destroyed keys and audit head; screenshot and PDF saved', async () => {
    const page = await browser.newPage({ locale: 'ja-JP' });
    await page.setContent(renderDeletionCertificateHtml(certificate));
    await expect(page.locator('h1').innerText()).resolves.toBe('データ削除証明書');
    const text = await page.locator('body').innerText();
    for (const expected of ['funabashi-city', '2026-03-31T15:30:00.000+09:00', '運用担当 鈴木', '1,234件', '56件', 'funabashi-2024', 'ops #812', '実施日時（日本時間）', '<script>alert(1)</script>']) {
      expect(text).toContain(expected);
    }
    // the Japanese glyphs are laid out (not tofu boxes of zero width): the title is wider than its Latin-only fallback would be
    const width = Number(await page.evaluate<number>("(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('h1')); return r.getBoundingClientRect().width; })()"));
    expect(width).toBeGreaterThan(100);
    await page.screenshot({ path: join(shots, 'deletion-certificate-ja.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });
});
