import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors/app-error.js';
import type { ContentCheck } from '../../shared/safety/content-check.js';
import {
  BLOCKED_WORDS_FILE,
  createWordListContentCheck,
  loadWordListContentCheck,
  normaliseForMatching,
} from '../../shared/safety/word-list-content-check.js';

const check: ContentCheck = loadWordListContentCheck(path.resolve('prompt'));
const scratch = mkdtempSync(path.join(tmpdir(), 'word-list-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function verdictOf(content: string, list: ContentCheck = check) {
  return list.check({ openid: 'o-test', scene: 2, content });
}

describe('word list content check', () => {
  it('is named for logs and loads the shipped list', () => {
    expect(check.name).toBe('wordlist');
  });

  it.each([
    ['我这有货，出售冰毒，量大从优', 20006],
    ['长期出售枪支，需要的私聊', 20006],
    ['招嫖信息，价格美丽', 20002],
    ['收购银行卡，一张三百', 20008],
    ['you nigger', 20003],
  ])('blocks a clear hit as risky: %s', async (content, label) => {
    await expect(verdictOf(content)).resolves.toEqual({ verdict: 'risky', label });
  });

  it.each([
    ['出 售 毒 品'],
    ['出售·毒·品'],
    ['出售\u200b毒品'],
    ['出售　毒品'],
    ['ＮＩＧＧＥＲ'],
    ['n i g g e r'],
    ['N.i.g.g.e.r!'],
    ['出售Ｋ粉'],
  ])('sees through spacing, punctuation, full-width and case: %s', async (content) => {
    await expect(verdictOf(content)).resolves.toMatchObject({ verdict: 'risky' });
  });

  it.each([
    ['我恨他'],
    ['他妈的好累，今天加班到半夜'],
    ['我真的好想死，撑不下去了'],
    ['我哥哥吸毒，全家都很痛苦'],
    ['我老公嫖娼被抓了，我该怎么办'],
    ['昨天看了一部枪战片，很刺激'],
    ['他骂我是傻逼，我气哭了'],
    ['I was sniggering at the back of the class'],
    ['毒品害人，我绝不碰'],
    ['我想杀了他，太气人了'],
  ])('does not block ordinary sad, angry or confiding talk: %s', async (content) => {
    await expect(verdictOf(content)).resolves.toEqual({ verdict: 'pass' });
  });

  it('puts soliciting words in the review tier, and a risky word wins over a review word', async () => {
    await expect(verdictOf('有没有人约炮')).resolves.toEqual({ verdict: 'review', label: 20002 });
    await expect(verdictOf('约炮，另外出售枪支')).resolves.toEqual({ verdict: 'risky', label: 20006 });
  });

  it('normalises full-width forms, case and separators', () => {
    expect(normaliseForMatching('ＡＢＣ　ｄ，毒 品！')).toEqual({
      joined: 'abcd毒品',
      spaced: 'abc d 毒品 ',
    });
  });

  it('normalises the words of the list too', async () => {
    const list = createWordListContentCheck({
      version: 1,
      groups: [{ verdict: 'risky', label: 21000, words: ['Ｆｏｏ Bar', '坏 词'] }],
    });
    await expect(verdictOf('foobar', list)).resolves.toMatchObject({ verdict: 'risky' });
    await expect(verdictOf('这是坏词', list)).resolves.toMatchObject({ verdict: 'risky' });
    await expect(verdictOf('foobarbaz', list)).resolves.toEqual({ verdict: 'pass' });
  });

  it('names a missing or malformed list as a configuration error', () => {
    expect(() => loadWordListContentCheck(path.join(scratch, 'missing'))).toThrow(AppError);
    writeFileSync(path.join(scratch, BLOCKED_WORDS_FILE), JSON.stringify({ version: 1, groups: [{}] }));
    try {
      loadWordListContentCheck(scratch);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('CONFIG_INVALID');
      expect((error as AppError).message).toContain(BLOCKED_WORDS_FILE);
    }
  });
});
