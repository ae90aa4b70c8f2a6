import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import { chromiumAvailable, launchChromium } from '../../harness/chromium';
import { clientToken } from '../../tools/tokens';

const screenshotDir = process.env.FIELDLINE_SCREENSHOTS;

describe.skipIf(!chromiumAvailable)('the rooms page in Chromium', () => {
  let stack: LocalCloud;
  let browser: Browser;
  const eventually = { timeout: 30_000 };

  beforeAll(async () => {
    stack = await startLocalCloud({
      log: () => undefined,
      dashboard: { build: true, stage: 'test' },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A page with its own session, signed in as a local user through `login_hint`. */
  const signedIn = async (user: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await page.goto(`${stack.endpoints.dashboardUrl}rooms.html?login_hint=${user}`);
    await expect.poll(() => page.locator('#user').textContent(), eventually).not.toBe('');
    await expect
      .poll(() => page.locator('#connection').getAttribute('data-state'), eventually)
      .toBe('live');
    return page;
  };
  const queue = (page: Page) =>
    page
      .locator('#queue li')
      .evaluateAll((items) =>
        items.map(
          (li) =>
            `${li.querySelector('.title')?.textContent}:${li.querySelector('.score')?.textContent}`,
        ),
      );
  const online = (page: Page) =>
    page
      .locator('#people li')
      .evaluateAll((items) =>
        items.map((li) => `${li.textContent}:${li.getAttribute('data-online')}`).sort(),
      );

  it('two people build one queue together and see each other come and go', async () => {
    const alice = await signedIn('alice');
    const bob = await signedIn('bob');
    await alice.fill('#create-room input[name=name]', 'Friday mix');
    await alice.click('#create-room button');
    await expect
      .poll(() => alice.locator('#room-invite').textContent(), eventually)
      .toMatch(/^[A-Z2-9]{8}$/);
    const invite = (await alice.locator('#room-invite').textContent()) as string;
    await bob.fill('#join-room input[name=inviteCode]', invite.toLowerCase());
    await bob.click('#join-room button');
    await expect.poll(() => bob.locator('#room-name').textContent(), eventually).toBe('Friday mix');

    await alice.fill('#add-item input[name=title]', 'Blue Monday');
    await alice.fill('#add-item input[name=artist]', 'New Order');
    await alice.fill('#add-item input[name=duration]', '7:29');
    await alice.click('#add-item button');
    await bob.fill('#add-item input[name=title]', 'Teardrop');
    await bob.fill('#add-item input[name=artist]', 'Massive Attack');
    await bob.fill('#add-item input[name=duration]', '5:30');
    await bob.click('#add-item button');
    await expect.poll(() => queue(alice), eventually).toEqual(['Blue Monday:0', 'Teardrop:0']);
    // Bob's vote moves his track up on Alice's page.
    await bob.click('#queue li:has-text("Teardrop") button[title="Vote up"]');
    await expect.poll(() => queue(alice), eventually).toEqual(['Teardrop:1', 'Blue Monday:0']);
    await expect
      .poll(
        () =>
          bob
            .locator('#queue li:has-text("Teardrop") button[title="Vote up"]')
            .getAttribute('aria-pressed'),
        eventually,
      )
      .toBe('true');
    // Only the owner may start a track; Bob has no Play button, Alice does.
    expect(await bob.locator('#queue button[title="Play"]').count()).toBe(0);
    await alice.click('#queue li:has-text("Teardrop") button[title="Play"]');
    await expect
      .poll(() => bob.locator('#now-playing').textContent(), eventually)
      .toContain('Teardrop');
    await expect
      .poll(() => online(alice), eventually)
      .toEqual(['alice@fieldline.local (owner):true', 'bob@fieldline.local:true']);
    // The catalog: suggestions as Alice types, a full-syntax search with a range, and Add.
    const manager = await clientToken(stack.endpoints.identity, 'Catalog.Manage');
    const tracks = {
      cat1: {
        title: 'Midnight City',
        artist: 'M83',
        year: 2011,
        durationSeconds: 243,
        genres: ['synthpop'],
      },
      cat2: {
        title: 'Angel',
        artist: 'Massive Attack',
        year: 1998,
        durationSeconds: 379,
        genres: ['trip hop'],
      },
    };
    for (const [id, track] of Object.entries(tracks))
      await fetch(`${stack.endpoints.apiBaseUrl}/catalog/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${manager}`, 'content-type': 'application/json' },
        body: JSON.stringify(track),
      });
    await alice.fill('#track-search input[name=q]', 'midn');
    await expect
      .poll(() => alice.locator('#track-results li').allTextContents(), eventually)
      .toEqual(['Midnight City — M83 · 4:03Add']);
    await alice.click('#track-results button');
    await expect.poll(() => queue(bob), eventually).toContain('Midnight City:0');
    await alice.selectOption('#track-search select[name=syntax]', 'full');
    await alice.fill(
      '#track-search input[name=q]',
      'artist:"massive attack" AND year:[1990 TO 2000]',
    );
    await alice.click('#track-search button[type=submit]');
    await expect
      .poll(() => alice.locator('#track-results li').allTextContents(), eventually)
      .toEqual(['Angel — Massive Attack · 6:19Add']);
    await alice.click('#track-results button');
    await expect.poll(() => queue(bob), eventually).toContain('Angel:0');
    if (screenshotDir) await alice.screenshot({ path: path.join(screenshotDir, 'rooms.png') });

    // Closing Bob's page ends his only connection: Alice sees him go offline.
    await bob.close();
    await expect
      .poll(() => online(alice), eventually)
      .toEqual(['alice@fieldline.local (owner):true', 'bob@fieldline.local:false']);
    await alice.close();
  });
});
