import { describe, expect, it } from 'vitest';
import { MAX_DEVICE_LABEL, UNKNOWN_DEVICE, deviceLabel } from '../../src/session/device-label.js';

// Real User-Agent strings as the browsers send them (2024–2025 releases).
const cases: readonly (readonly [string, string])[] = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on Windows'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51', 'Edge on Windows'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox on Windows'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15', 'Safari on macOS'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on macOS'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox on macOS'],
  ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on Linux'],
  ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox on Linux'],
  ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on ChromeOS'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1', 'Chrome on iOS'],
  ['Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'Safari on iPadOS'],
  ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36', 'Chrome on Android'],
  ['Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0', 'Firefox on Android'],
  ['Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36', 'Samsung Internet on Android'],
  ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.62', 'Edge on Android'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0', 'Opera on Windows'],
];

describe('deviceLabel: "Chrome on Windows"-style labels from a User-Agent, by hand', () => {
  for (const [ua, label] of cases) {
    it(`${label}`, () => {
      expect(deviceLabel(ua)).toBe(label);
    });
  }

  it('unknown, empty or non-string input gives the neutral label; a bare system or browser is named alone', () => {
    expect(deviceLabel('curl/8.5.0')).toBe(UNKNOWN_DEVICE);
    expect(deviceLabel('')).toBe(UNKNOWN_DEVICE);
    expect(deviceLabel(undefined)).toBe(UNKNOWN_DEVICE);
    expect(deviceLabel(42)).toBe(UNKNOWN_DEVICE);
    expect(deviceLabel('SomeApp/1.0 (Windows NT 10.0)')).toBe('Windows');
    // a WebKit UA without Version/ is not Safari (an in-app browser on macOS)
    expect(deviceLabel('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)')).toBe('macOS');
  });

  it('hostile input: a 100 KB User-Agent is read only up to 512 characters, in well under a millisecond per call, and never throws', () => {
    const filler = 'Mozilla/5.0 ('.repeat(8000) + 'Windows NT 10.0) Chrome/1.0';
    expect(filler.length).toBeGreaterThan(100_000);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) deviceLabel(filler);
    const perCall = (performance.now() - started) / 1000;
    expect(perCall).toBeLessThan(1);
    // the tokens past 512 characters are not read
    expect(deviceLabel(filler)).toBe(UNKNOWN_DEVICE);
    expect(deviceLabel('\u0000'.repeat(100_000))).toBe(UNKNOWN_DEVICE);
    expect(deviceLabel('é'.repeat(100_000) + ' Windows')).toBe(UNKNOWN_DEVICE);
    for (const [ua] of cases) expect(deviceLabel(ua).length).toBeLessThanOrEqual(MAX_DEVICE_LABEL);
  });
});
