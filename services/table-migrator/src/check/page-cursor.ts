import { compareInt64, type StagedRow } from '../copy/staged-row.js';

/** A stream of pages read row by row: only reaching a page's end waits. */
export class Cursor {
  private readonly pages: AsyncIterator<readonly StagedRow[]>;
  private page: readonly StagedRow[] = [];
  private at = 0;

  constructor(pages: AsyncIterable<readonly StagedRow[]>) {
    this.pages = pages[Symbol.asyncIterator]();
  }

  /** The row at the head, when its page is read; undefined otherwise (see `head`). */
  get current(): StagedRow | undefined {
    return this.page[this.at];
  }

  /** The row at the head, reading pages until there is one; undefined at the end. */
  async head(): Promise<StagedRow | undefined> {
    while (this.at >= this.page.length) {
      const next = await this.pages.next();
      if (next.done === true) return undefined;
      [this.page, this.at] = [next.value, 0];
    }
    return this.page[this.at];
  }

  advance(): void {
    this.at++;
  }

  /** The rows at the head of token `token`, taken. */
  async takeToken(token: Buffer): Promise<StagedRow[]> {
    const rows: StagedRow[] = [];
    for (let row = this.current ?? (await this.head()); row?.token.equals(token) === true; row = this.current ?? (await this.head())) {
      rows.push(row);
      this.advance();
    }
    return rows;
  }
}

/**
 * Two token-ordered streams of a range's rows, walked side by side: each token's rows from
 * each side (none, from a side that lacks it), token by token. Only a page's end waits.
 */
export async function* tokenGroups(a: AsyncIterable<readonly StagedRow[]>, b: AsyncIterable<readonly StagedRow[]>): AsyncGenerator<[StagedRow[], StagedRow[]]> {
  const [left, right] = [new Cursor(a), new Cursor(b)];
  for (;;) {
    const x = left.current ?? (await left.head());
    const y = right.current ?? (await right.head());
    if (x === undefined && y === undefined) return;
    const token = x === undefined ? y!.token : y === undefined ? x.token : compareInt64(x.token, y.token) <= 0 ? x.token : y.token;
    yield [await left.takeToken(token), await right.takeToken(token)];
  }
}
