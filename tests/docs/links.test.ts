/**
 * The README and docs/ point into each other and into the tree; when a page or a heading moves, a link
 * silently goes nowhere. Every relative link must name a file that exists, and every `#anchor` a heading
 * of the page it names, with GitHub's heading ids.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const pages = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks and inline code spans, where a `[x](y)` is not a link. */
function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/(`+)[^`\n]*?\1/g, '');
}

/**
 * GitHub's id for a heading (as github-slugger makes it): the rendered text in lower case, every
 * character that is not a letter, a digit, a mark, `-`, `_` or a space dropped (CJK characters are letters
 * and stay), each space a `-`; a repeated id gets `-1`, `-2`… in order.
 */
function headingSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\- _]/gu, '').replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of withoutFences.matchAll(/^#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/gm)) {
    const slug = headingSlug(match[1] ?? '');
    let unique = slug;
    for (let count = 1; anchors.has(unique); count += 1) unique = `${slug}-${count}`;
    anchors.add(unique);
  }
  for (const match of withoutFences.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] ?? '');
  return anchors;
}

/** Inline links and images `[text](target "title")`, and reference definitions `[label]: target`. */
function linkTargets(markdown: string): string[] {
  const prose = proseOf(markdown);
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (match) => match[1] ?? '',
  );
  const references = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map(
    (match) => match[1] ?? '',
  );
  return [...inline, ...references];
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOfFile(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (anchors === undefined) {
    anchors = anchorsOf(readFileSync(file, 'utf8'));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Why `target`, written in `page`, goes nowhere; undefined when it resolves (or is not relative). */
function brokenBecause(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return undefined;
  const hashAt = target.indexOf('#');
  const filePart = decodeURIComponent(hashAt === -1 ? target : target.slice(0, hashAt));
  const anchor = hashAt === -1 ? undefined : decodeURIComponent(target.slice(hashAt + 1));
  const file = filePart === '' ? page : path.normalize(path.join(path.dirname(page), filePart));
  if (!existsSync(file)) return `${file} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!file.endsWith('.md')) return `#${anchor} points into ${file}, which has no headings`;
  return anchorsOfFile(file).has(anchor) ? undefined : `${file} has no heading #${anchor}`;
}

describe('heading ids', () => {
  it('follow GitHub: lower case, punctuation dropped, spaces to hyphens, CJK kept, repeats numbered', () => {
    expect(headingSlug('The chat turn: a pipeline of steps over one turn context')).toBe(
      'the-chat-turn-a-pipeline-of-steps-over-one-turn-context',
    );
    expect(headingSlug('Message fields (`shared/storage/session-document.ts`)')).toBe(
      'message-fields-sharedstoragesession-documentts',
    );
    expect(headingSlug('The database: `npm run setup:cloudbase`')).toBe(
      'the-database-npm-run-setupcloudbase',
    );
    expect(headingSlug('Privacy (PIPL)')).toBe('privacy-pipl');
    expect(headingSlug('AI-content labelling')).toBe('ai-content-labelling');
    expect(headingSlug('隐私：导出与删除')).toBe('隐私导出与删除');
    expect(headingSlug('See [the API](api.md) first')).toBe('see-the-api-first');
    expect([...anchorsOf('# Figures\n## Figures\n```\n# not a heading\n```\n### Figures')]).toEqual([
      'figures',
      'figures-1',
      'figures-2',
    ]);
  });
});

describe('links in the README and docs/', () => {
  it('finds links, ignoring those inside code', () => {
    expect(linkTargets('[a](x.md) `[b](y.md)` ![c](img.png "t")\n```\n[d](z.md)\n```\n[e]: ref.md')).toEqual([
      'x.md',
      'img.png',
      'ref.md',
    ]);
  });

  it('tells a broken link from a good one', () => {
    expect(brokenBecause('docs/api.md', 'architecture.md#the-steps')).toBeUndefined();
    expect(brokenBecause('docs/api.md', 'no-such-page.md')).toBe('docs/no-such-page.md does not exist');
    expect(brokenBecause('docs/api.md', '#no-such-heading')).toBe(
      'docs/api.md has no heading #no-such-heading',
    );
    expect(brokenBecause('README.md', 'https://example.com/x.md')).toBeUndefined();
  });

  it.each(pages)('%s: every relative link resolves to a file, and every anchor to a heading', (page) => {
    const broken = linkTargets(readFileSync(page, 'utf8')).flatMap((target) => {
      const reason = brokenBecause(page, target);
      return reason === undefined ? [] : [`${target}: ${reason}`];
    });
    expect(broken).toEqual([]);
  });
});
