import { describe, expect, it } from 'vitest';
import { namesSelfHarmMethod } from '../../shared/context/self-harm-methods.js';

describe('what a summary or a memory item may never remember', () => {
  it.each([
    '她提到过用刀片割手腕，割了好几道',
    '每次难受就用烟头烫自己的胳膊',
    '想吃100片布洛芬',
    '准备了安眠药',
    '说想去跳楼',
  ])('refuses a means or a method: %s', (text) => {
    expect(namesSelfHarmMethod(text)).toBe(true);
  });

  it.each([
    '他说自己有过自伤的念头，现在好多了，约定难受时打热线',
    '她最近工作压力很大，有过轻生的念头，聊天让她感觉好一些',
    '她养了一只叫豆豆的猫，散步对她有帮助',
  ])('keeps what the next turns need to know: %s', (text) => {
    expect(namesSelfHarmMethod(text)).toBe(false);
  });
});
