import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PHASE_NAMES } from '../../src/model/phases.js';

/** Debian's chromium; Playwright's own browser download cannot be used here. */
export const CHROMIUM = '/usr/bin/chromium';

/** The reason browser tests skip, or false when chromium is there. */
export const noChromium: string | false = existsSync(CHROMIUM) ? false : `chromium is not installed (${CHROMIUM}; Debian package chromium)`;

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface OpenedReport {
  page: Page;
  /** Every request the page made other than the report file itself. */
  requests: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  close(): Promise<void>;
}

/** Opens a report file in a fresh chromium profile, recording requests and console errors. */
export async function openReport(file: string, o: { colorScheme?: 'light' | 'dark'; javaScript?: boolean } = {}): Promise<OpenedReport> {
  const profile = mkdtempSync(join(tmpdir(), 'connscope-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1200, height: 900 },
    colorScheme: o.colorScheme ?? 'light',
    javaScriptEnabled: o.javaScript ?? true,
    timeout: 30_000,
  });
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  return {
    page,
    requests,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface BarSegment {
  phase: string;
  ms: number;
  x: number;
  width: number;
}

/** The segments of one request's bar in the lanes, in DOM order, read from the SVG. */
export async function barSegments(page: Page, selector: string): Promise<{ unitsPerMs: number; segments: BarSegment[] }> {
  return page.locator(selector).first().evaluate((g) => {
    const svg = g.closest('svg')!;
    return {
      unitsPerMs: Number(svg.getAttribute('data-units-per-ms')),
      segments: [...g.querySelectorAll('rect[data-phase]')].map((r) => ({
        phase: r.getAttribute('data-phase')!,
        ms: Number(r.getAttribute('data-ms')),
        x: Number(r.getAttribute('x')),
        width: Number(r.getAttribute('width')),
      })),
    };
  });
}

/**
 * A bar is drawn as its phases say: one segment per present phase, in the model's phase order,
 * each starting where the previous ends, each as wide as its milliseconds on the chart's scale.
 * `expected` holds the phases from the JSON (null = absent), compared within its rounding.
 */
export function assertBarMatchesPhases(bar: { unitsPerMs: number; segments: BarSegment[] }, expected: Record<string, number | null | undefined>, tolMs = 0.0006): void {
  const present = PHASE_NAMES.filter((n) => expected[n] !== null && expected[n] !== undefined);
  assert.deepEqual(bar.segments.map((s) => s.phase), present, 'segments in phase order, one per present phase');
  assert.ok(bar.unitsPerMs > 0, 'the chart says its scale');
  bar.segments.forEach((s, i) => {
    assert.ok(Math.abs(s.ms - expected[s.phase]!) <= tolMs, `${s.phase}: bar ${s.ms} ms vs JSON ${expected[s.phase]} ms`);
    // coordinates are written with three decimals
    assert.ok(Math.abs(s.width - s.ms * bar.unitsPerMs) <= 0.002, `${s.phase}: width ${s.width} for ${s.ms} ms at ${bar.unitsPerMs}/ms`);
    if (i > 0) {
      const prev = bar.segments[i - 1]!;
      assert.ok(Math.abs(s.x - (prev.x + prev.width)) <= 0.003, `${s.phase} starts where ${prev.phase} ends (${s.x} vs ${prev.x + prev.width})`);
    }
  });
}
