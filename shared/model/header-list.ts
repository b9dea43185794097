/**
 * The part of the Fetch `Headers` that the openai SDK and node-http-fetch.ts use. The SDK's vendor file is
 * built with this in place of the platform's `Headers` (shared/model/fetch-globals.ts), whose first use
 * loads all of Node's undici: about 17 ms of a cold start (docs/architecture.md#cold-start). As in
 * `Headers`: names are case-insensitive, a repeated name's values join with ", ", values lose their
 * surrounding whitespace, and iteration goes in name order.
 */
export type HeaderInit =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Marks a HeaderList from any copy of this module: the SDK's vendor file has one, the function another. */
const HEADER_LIST = Symbol.for('zhiji.header-list');

export class HeaderList {
  readonly #values = new Map<string, string>();
  readonly [HEADER_LIST] = true;

  /**
   * So the SDK's `instanceof Headers` (its own copy of this class) holds for the function's lists too, and
   * for the platform's `Headers` (known by its tag, without loading undici), which it then iterates.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (HEADER_LIST in value || Object.prototype.toString.call(value) === '[object Headers]')
    );
  }

  constructor(init?: HeaderInit | null) {
    if (init === undefined || init === null) return;
    if (Symbol.iterator in init) {
      for (const [name, value] of init as Iterable<readonly [string, string]>) this.append(name, value);
      return;
    }
    for (const [name, value] of Object.entries(init)) {
      for (const one of typeof value === 'string' ? [value] : (value ?? [])) this.append(name, one);
    }
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const existing = this.#values.get(key);
    const trimmed = trimHttpWhitespace(String(value));
    this.#values.set(key, existing === undefined ? trimmed : `${existing}, ${trimmed}`);
  }

  set(name: string, value: string): void {
    this.#values.set(name.toLowerCase(), trimHttpWhitespace(String(value)));
  }

  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }

  delete(name: string): void {
    this.#values.delete(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string, list: HeaderList) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  *entries(): IterableIterator<[string, string]> {
    yield* [...this.#values].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

function trimHttpWhitespace(value: string): string {
  return value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
}
