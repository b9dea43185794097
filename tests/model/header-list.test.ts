import { describe, expect, it } from 'vitest';
import { FormData } from '../../shared/model/fetch-globals.js';
import { HeaderList } from '../../shared/model/header-list.js';

/** The platform's Headers is the reference: a HeaderList must answer as it does for what the SDK does. */
function both(init?: ConstructorParameters<typeof HeaderList>[0]) {
  return [new HeaderList(init), new Headers(init as ConstructorParameters<typeof Headers>[0])] as const;
}

describe('HeaderList', () => {
  it('reads names without case, joins repeated values and trims them, as Headers', () => {
    for (const headers of both({ 'Content-Type': ' application/json\t', 'X-Stainless-Retry-Count': '0' })) {
      headers.append('accept', 'application/json');
      headers.append('ACCEPT', 'text/event-stream');
      headers.set('x-stainless-retry-count', '1');
      headers.delete('X-Missing');
      expect(headers.get('content-type')).toBe('application/json');
      expect(headers.get('Accept')).toBe('application/json, text/event-stream');
      expect(headers.get('X-STAINLESS-RETRY-COUNT')).toBe('1');
      expect(headers.get('x-missing')).toBeNull();
      expect([headers.has('CONTENT-TYPE'), headers.has('authorization')]).toEqual([true, false]);
    }
  });

  it('iterates in name order, as Headers, by entries, keys, values, forEach and spread', () => {
    const [ours, platform] = both([
      ['X-B', '2'],
      ['a', '1'],
      ['x-a', '3'],
    ]);
    expect([...ours]).toEqual([...platform]);
    expect([...ours.entries()]).toEqual([...platform.entries()]);
    expect([...ours.keys()]).toEqual([...platform.keys()]);
    expect([...ours.values()]).toEqual([...platform.values()]);
    const seen: string[] = [];
    ours.forEach((value, name) => {
      seen.push(`${name}=${value}`);
    });
    expect(seen).toEqual(['a=1', 'x-a=3', 'x-b=2']);
  });

  it('takes another header list, the platform Headers and a record with repeated values', () => {
    const source = new HeaderList({ authorization: 'Bearer k' });
    expect(new HeaderList(source).get('authorization')).toBe('Bearer k');
    expect(new HeaderList(new Headers({ Accept: 'x' })).get('accept')).toBe('x');
    expect(new HeaderList({ 'set-thing': ['a', 'b'], skipped: undefined }).get('set-thing')).toBe('a, b');
    expect([...new HeaderList(null)]).toEqual([]);
  });
});

describe('instanceof HeaderList, as the SDK asks it of its Headers', () => {
  it('holds for a list from another copy of the class and for the platform Headers, not for the rest', () => {
    const fromOtherCopy = { [Symbol.for('zhiji.header-list')]: true };
    expect(fromOtherCopy instanceof HeaderList).toBe(true);
    expect(new Headers() instanceof HeaderList).toBe(true);
    for (const other of [null, undefined, {}, new Map(), 'content-type', [['a', 'b']]]) {
      expect(other instanceof HeaderList).toBe(false);
    }
  });
});

describe('the FormData the SDK sees', () => {
  it('is never what a JSON body is, and cannot be built', () => {
    const body: unknown = '{"model":"m"}';
    expect(body instanceof FormData).toBe(false);
    expect(() => new FormData()).toThrow(/file uploads/);
  });
});
