/**
 * Words that name a means or a method of self-harm. A summary or a memory item is kept for months and
 * sent back in every later prompt, so one that names a method is never stored, whatever the crisis
 * screen's category for it: the screen decides who needs care, this decides what may be remembered.
 */
const METHOD_WORDS = new RegExp(
  [
    '安眠药|安定|助眠药|农药|百草枯|敌敌畏|老鼠药|鼠药|布洛芬|对乙酰氨基酚|扑热息痛|\\d+\\s*(?:片|粒)',
    '刀片|割腕|割手|割了|划伤|划了|烟头|烫自己|烫伤自己',
    '绳子|上吊|烧炭|跳楼|跳河|跳江|跳海|跳桥|跳轨|跳崖|卧轨|煤气',
  ].join('|'),
  'u',
);

export function namesSelfHarmMethod(text: string): boolean {
  return METHOD_WORDS.test(text);
}
