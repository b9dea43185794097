/**
 * screenCrisisRisk on messages written for these tests (not taken from the labelled set): the levels
 * the lead asked for, the hard negatives, whose risk a message is, and the rule for earlier turns.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCrisisAssets } from '../../shared/safety/load-crisis-assets.js';
import { type CrisisScreen, screenCrisisRisk } from '../../shared/safety/screen-crisis-risk.js';

const { rules } = loadCrisisAssets(fileURLToPath(new URL('../../prompt', import.meta.url)));

/** The rules layer alone: the classifier's part is tested in crisis-classifier.test.ts. */
function screen(message: string, recentUserMessages: readonly string[] = []): CrisisScreen {
  return screenCrisisRisk({ message, recentUserMessages }, { rules, classifier: null });
}

describe('screenCrisisRisk: the message alone', () => {
  it.each([
    ['我想自杀', 'suicide_intent'],
    ['我已经买好了安眠药', 'suicide_plan'],
    ['遗书我已经写好了，放在桌上', 'suicide_plan'],
    ['今晚就从楼上跳下去', 'suicide_plan'],
    ['我在割腕', 'self_harm'],
    ['我決定結束自己的生命', 'suicide_intent'],
  ])('rates explicit intent, plan or means as high: %s', (message, category) => {
    expect(screen(message)).toEqual({ level: 'high', categories: [category] });
  });

  it.each([
    ['NUL between the characters', '我\0想\0自\0杀'],
    ['DEL and SOH between the characters', '我\u007f想\u0001自\u007f杀'],
    ['a space inside the word', '我想自 杀'],
    ['emoji between the characters', '我😀想😀自😀杀'],
    ['NUL through a plan with means', [...'我已经买好安眠药了，今晚就吃'].join('\0')],
  ])('reads through padding the way the plain words read: %s', (_how, message) => {
    expect(screen(message).level).toBe('high');
  });

  it.each(['药都吃完了，明天去医院再开点', '安眠药吃完了，要再去开'])(
    'does not take running out of medicine for an overdose: %s',
    (message) => {
      expect(screen(message).level).toBe('none');
    },
  );

  it.each(['我把药都吃了', '上吊会不会很疼'])(
    'still rates swallowing it all, or asking how a method feels, as high: %s',
    (message) => {
      expect(screen(message).level).toBe('high');
    },
  );

  it.each(['不想活了', '活着没意思', '想永远睡下去，别再醒来', '真想结束这一切', '没有我大家会过得更好'])(
    'rates passive ideation and hopelessness as medium: %s',
    (message) => {
      expect(screen(message)).toEqual({ level: 'medium', categories: ['passive_ideation'] });
    },
  );

  it.each([
    ['最近又开始自残了', 'self_harm'],
    ['以前想过自杀，现在好多了', 'past_ideation'],
    ['我老公一喝酒就打我', 'harm_from_others'],
    ['真想杀了我那个上司', 'harm_to_others'],
  ])('rates self-harm, past ideation and harm to or from others as medium: %s', (message, category) => {
    expect(screen(message)).toEqual({ level: 'medium', categories: [category] });
  });

  it.each([
    '我不会自杀的',
    '我从没想过自杀',
    '放心，我不会做傻事',
    '我不想跳楼',
    '我不会割腕的',
    '我没有想死，就是心里堵',
    '累死了',
    '笑死我了',
    '热死了',
    '饿死了',
    '想死你了',
    '今天被老板气死了',
    '失恋了好难过',
    '考试没考好',
    '给爸妈写了一封感谢信',
    '我朋友明天要去跳伞',
  ])('does not flag negations, hyperbole or ordinary sadness: %s', (message) => {
    expect(screen(message)).toEqual({ level: 'none', categories: [] });
  });

  it.each([
    '活够了，不想再折腾了',
    '对我来说死才是唯一的解脱',
    '早点解脱吧，真的',
    '我这样的人不配活在世上',
    '真的熬不动了',
  ])('rates indirect and online ways of saying it as medium: %s', (message) => {
    expect(screen(message)).toEqual({ level: 'medium', categories: ['passive_ideation'] });
  });

  it('flags comments that ask to join someone who died, as medium, about the speaker', () => {
    expect(screen('带我走吧，这里太冷了')).toEqual({ level: 'medium', categories: ['passive_ideation'] });
    expect(screen('等着我，我很快就去陪你')).toEqual({
      level: 'medium',
      categories: ['passive_ideation'],
    });
  });

  it.each([
    ['木炭我已经买了', 'suicide_plan'],
    ['上吊疼不疼', 'suicide_plan'],
  ])('rates means and method questions as high: %s', (message, category) => {
    expect(screen(message)).toEqual({ level: 'high', categories: [category] });
  });

  it.each([
    '烤肉用的木炭买好了',
    '周末我想去找你玩',
    '排了一上午队，什么时候才能轮到我们',
    '下辈子还想做你的女儿',
    '期末终于考完了，感觉解脱了',
  ])('does not flag the near misses of the newer rules: %s', (message) => {
    expect(screen(message)).toEqual({ level: 'none', categories: [] });
  });

  it('keeps a denial that is followed by a struggle', () => {
    expect(screen('我不想伤害自己，但是控制不住').level).toBe('medium');
    expect(screen('我不想跳楼，但是控制不住').level).toBe('high');
  });

  it('rates a friend or relative at risk as a medium third-party concern, never high', () => {
    expect(screen('我朋友说他想自杀')).toEqual({ level: 'medium', categories: ['third_party'] });
    expect(screen('我妈说她已经写好遗书了')).toEqual({ level: 'medium', categories: ['third_party'] });
  });

  it('keeps the speaker\u2019s own risk when a third party is also mentioned', () => {
    expect(screen('我朋友说她不想活了，其实我也想自杀')).toEqual({
      level: 'high',
      categories: ['suicide_intent', 'third_party'],
    });
  });

  it('does not flag news, fiction or song titles about someone else', () => {
    expect(screen('看到新闻说一个明星跳楼了，好难过').level).toBe('none');
    expect(screen('小说里的主角最后自杀了')).toEqual({ level: 'none', categories: [] });
    expect(screen('循环了一天《死了都要爱》').level).toBe('none');
  });

  it('flags news when the speaker relates it to themself', () => {
    expect(screen('看到那个新闻，我也想跟她一样跳下去').level).toBe('high');
  });

  it('returns only a level and category codes, never the message text', () => {
    const result = screen('我已经买好了安眠药，今晚就吃');
    expect(Object.keys(result).sort()).toEqual(['categories', 'level']);
    for (const category of result.categories) expect(category).toMatch(/^[a-z_]+$/);
  });
});

describe('screenCrisisRisk: earlier user messages of the session', () => {
  it('lifts an ambiguous follow-up to medium after a risky message, not to high', () => {
    expect(screen('我准备好了', ['我买了很多安眠药'])).toEqual({ level: 'medium', categories: ['context'] });
    expect(screen('我准备好了')).toEqual({ level: 'none', categories: [] });
  });

  it('lifts a risky follow-up to high after a high-risk message', () => {
    expect(screen('活着好累', ['我已经买好了安眠药'])).toEqual({
      level: 'high',
      categories: ['context', 'passive_ideation'],
    });
    expect(screen('活着好累', ['活着没意思']).level).toBe('medium');
  });

  it('does not flag a harmless message without a cue, however risky the earlier ones', () => {
    expect(screen('今天吃了火锅', ['我想自杀', '我已经买好了安眠药'])).toEqual({
      level: 'none',
      categories: [],
    });
  });

  it('looks back only a few messages, and not at other people\u2019s risk', () => {
    expect(screen('我准备好了', ['我买了很多安眠药', '嗯', '好的', '今天下雨'])).toEqual({
      level: 'none',
      categories: [],
    });
    expect(screen('晚安', ['我朋友说他想自杀']).level).toBe('none');
  });
});

/**
 * The measured figures (about 0.25 ms for 2000 characters on a quiet machine) are in
 * docs/safety.md. CI shares its machine, so these bounds are loose: they catch a pattern edit
 * that makes screening an order of magnitude slower (runaway backtracking), not a few per cent.
 */
describe('screenCrisisRisk: speed', () => {
  function bestMillisecondsPerScreen(message: string): number {
    for (let run = 0; run < 20; run += 1) screen(message);
    // The best of several batches: other processes on the machine only ever make a batch slower.
    const batchMeans = Array.from({ length: 5 }, () => {
      const started = performance.now();
      for (let run = 0; run < 20; run += 1) screen(message);
      return (performance.now() - started) / 20;
    });
    return Math.min(...batchMeans);
  }

  it('screens an ordinary 2000-character message in about a millisecond at most', () => {
    const message = '今天上班又被领导说了，同事也不理我，回家路上还下雨，好累啊我想早点睡，'
      .repeat(60)
      .slice(0, 2000);
    expect(bestMillisecondsPerScreen(message)).toBeLessThan(3);
  });

  it.each(['想死', '想', '不会', '我朋友', '《', '被'])(
    'stays fast on 2000 characters of %s repeated',
    (unit) => {
      expect(bestMillisecondsPerScreen(unit.repeat(2000).slice(0, 2000))).toBeLessThan(15);
    },
  );
});
