/**
 * The playground in a real browser: headless Chromium (Debian's package) against `npm start` with the
 * offline demo and the local adapter. A person types, sees the reply grow word by word, the monster's
 * face change, the care card with the hotlines for a crisis message, the AI label on every reply; after a
 * reload the history comes back with each reply's face; sessions are listed, opened and deleted.
 * Without chromium the test is skipped with a message, except under CI=true, where it must run.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, chromiumPresent, launchChromium } from '../support/chromium.js';
import { type LocalServerProcess, startLocalServer } from '../support/local-server-process.js';

const inCi = process.env.CI === 'true';
const runHere = chromiumPresent() || inCi;
if (!runHere) {
  console.warn(
    `playground browser test skipped: no chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

export const SCREENSHOT_PATH = path.join(tmpdir(), 'zhiji-playground.png');

/** Sends a message and returns every length the newest reply's text had while it was written. */
async function sendAndWatch(page: Page, text: string): Promise<number[]> {
  const repliesBefore = await page.locator('.reply').count();
  // In the page (a string: the tests compile without the DOM's types).
  await page.evaluate(`{
    const lengths = (window.replyLengths = []);
    new MutationObserver(() => {
      const newest = [...document.querySelectorAll('#messages .reply .text')].at(-1);
      if (newest !== undefined) lengths.push(newest.textContent.length);
    }).observe(document.querySelector('#messages'), { subtree: true, childList: true, characterData: true });
  }`);
  await page.fill('#message', text);
  await page.press('#message', 'Enter');
  await page.locator('.reply').nth(repliesBefore).and(page.locator(':not(.writing)')).waitFor();
  return (await page.evaluate('window.replyLengths')) as number[];
}

async function faces(page: Page): Promise<(string | null)[]> {
  const images = await page.locator('.reply .face').all();
  return Promise.all(images.map((image) => image.getAttribute('data-emotion')));
}

const stored = async (page: Page, key: string) =>
  (await page.evaluate(`localStorage.getItem('${key}')`)) as string;

describe.runIf(runHere)('the playground in headless Chromium', () => {
  let server: LocalServerProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    server = await startLocalServer();
    browser = await launchChromium({ width: 420, height: 820 });
    page = await browser.context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('streams a reply, changes the face, shows the care card, and replays it all after a reload', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${server.baseUrl}/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await expect(page.locator('#monster').getAttribute('data-emotion')).resolves.toBe('neutral');

    // Distress: the words arrive in many steps, the caring face comes with them.
    const lengths = await sendAndWatch(page, '你好，我今天感觉不太好');
    const steps = [...new Set(lengths.filter((length) => length > 0))];
    expect(steps.length, `lengths seen: ${lengths.join(',')}`).toBeGreaterThan(5);
    expect(steps).toEqual([...steps].sort((first, second) => first - second));
    await expect(page.locator('#monster').getAttribute('data-emotion')).resolves.toBe('caring');
    await expect(page.locator('#monster-face').getAttribute('src')).resolves.toBe(
      '/sprites/monster_caring.svg',
    );
    const firstReply = page.locator('.reply').first();
    await expect(firstReply.locator('.text').textContent()).resolves.toContain('离线演示');
    expect(await firstReply.locator('.ai-label').isVisible()).toBe(true);

    // Good news: joy, another face.
    await sendAndWatch(page, '我升职了！');
    await expect(page.locator('#monster').getAttribute('data-emotion')).resolves.toBe('happy');

    // A crisis: the fixed reply and the care card with the hotlines, a tap away.
    await sendAndWatch(page, '我想自杀');
    const card = page.locator('.care-card');
    await card.waitFor();
    await expect(card.locator('a[href="tel:12356"]').count()).resolves.toBe(1);
    await expect(card.textContent()).resolves.toContain('全国心理援助热线');
    await page.screenshot({ path: SCREENSHOT_PATH });

    expect(await faces(page)).toEqual(['caring', 'happy', 'caring']);
    await expect(page.locator('.reply .ai-label:visible').count()).resolves.toBe(3);

    // Reload: the same session comes back from the history, each reply with its own face.
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor();
    await expect(page.locator('.message.user .text').allTextContents()).resolves.toEqual([
      '你好，我今天感觉不太好',
      '我升职了！',
      '我想自杀',
    ]);
    expect(await faces(page)).toEqual(['caring', 'happy', 'caring']);
    await expect(page.locator('.reply .ai-label:visible').count()).resolves.toBe(3);
    await expect(page.locator('#monster').getAttribute('data-emotion')).resolves.toBe('caring');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('lists the sessions, opens one and deletes another', async () => {
    const firstSession = await stored(page, 'zhiji.playground.session_id');
    await page.click('#new-session');
    await expect(page.locator('.reply').count()).resolves.toBe(0);
    await sendAndWatch(page, '你好');
    await expect(page.locator('#monster').getAttribute('data-emotion')).resolves.toBe('neutral');
    const secondSession = await stored(page, 'zhiji.playground.session_id');

    await page.click('#sessions-button');
    const sessions = page.locator('#session-list .session');
    await expect.poll(() => sessions.count()).toBe(2);
    await page.locator(`.session[data-session-id="${firstSession}"] .open`).click();
    await expect.poll(() => page.locator('.reply').count()).toBe(3);
    expect(await faces(page)).toEqual(['caring', 'happy', 'caring']);

    await page.click('#sessions-button');
    await page.locator(`.session[data-session-id="${secondSession}"] .delete`).click();
    await expect.poll(() => sessions.count()).toBe(1);
    const left = await fetch(
      `${server.baseUrl}/api/chat/history?action=sessions&user_id=${await stored(page, 'zhiji.playground.user_id')}`,
    ).then((response) => response.json() as Promise<{ sessions: { session_id: string }[] }>);
    expect(left.sessions.map((session) => session.session_id)).toEqual([firstSession]);
  }, 60_000);

  it('shows the default face for a label it does not know, or a sprite it does not have', async () => {
    const fresh = await browser.context.newPage();
    // The label file as an operator might change it: `happy` gone, `caring` drawn by a missing sprite.
    await fresh.route('**/api/chat/history?*action=labels*', async (route) => {
      const labels = await (await route.fetch()).json();
      labels.labels = labels.labels
        .filter((entry: { label: string }) => entry.label !== 'happy')
        .map((entry: { label: string; sprite: string }) =>
          entry.label === 'caring' ? { ...entry, sprite: 'monster_not_drawn_yet' } : entry,
        );
      await route.fulfill({ json: labels });
    });
    await fresh.goto(`${server.baseUrl}/`);
    await fresh.locator('body[data-ready="true"]').waitFor();
    await fresh.click('#new-session');
    await sendAndWatch(fresh, '我升职了！');
    await expect(fresh.locator('#monster-face').getAttribute('src')).resolves.toBe(
      '/sprites/monster_neutral.svg',
    );
    await sendAndWatch(fresh, '你好，我今天感觉不太好');
    const face = fresh.locator('.reply .face').last();
    await expect.poll(() => face.getAttribute('src')).toBe('/sprites/monster_neutral.svg');
    await expect
      .poll(() => face.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth > 0))
      .toBe(true);
    await fresh.close();
  }, 60_000);
});

if (!runHere) {
  describe('the playground in headless Chromium', () => {
    it.skip(`needs chromium at ${CHROMIUM_PATH} (apt-get install chromium); CI=true makes it required`, () => {});
  });
}
