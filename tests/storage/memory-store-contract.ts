import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MEMORY_MAX_ITEMS,
  type MemoryItem,
  memoryDocumentSchema,
} from '../../shared/memory/memory-document.js';
import type { MemoryStore } from '../../shared/memory/memory-store.js';
import { expectAppError, invalidIds, minute } from './session-store-contract.js';

/**
 * The behaviour every MemoryStore adapter must share (知己档案, docs/memory.md), run once per adapter:
 * the setting, the user's own items, the model's proposals (merged, capped, never over the user's
 * items) and isolation between users.
 */
export interface MemoryStoreHarness {
  store: MemoryStore;
  /** Every memory document as the backend holds it, bypassing the adapter's read path. */
  storedDocuments(): Promise<unknown[]>;
  cleanup(): Promise<void>;
}

const alice = 'alice';
const bob = 'bob';

function never(): never {
  throw new Error('the document was read');
}

function texts(items: readonly MemoryItem[]): string[] {
  return items.map((item) => item.text);
}

export function testMemoryStore(name: string, setup: () => Promise<MemoryStoreHarness>): void {
  describe(`${name} memory store contract`, () => {
    let harness: MemoryStoreHarness;
    let store: MemoryStore;

    beforeEach(async () => {
      harness = await setup();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('is off and empty for a user who never turned it on, and stores nothing by reading', async () => {
      expect(await store.read(alice)).toEqual({ enabled: false, items: [] });
      expect(await harness.storedDocuments()).toEqual([]);
    });

    it('collects nothing while off: proposals are dropped and no document is written', async () => {
      const outcome = await store.applyProposals(alice, ['叫她小林', '养了一只猫'], 's1', minute(1));
      expect(outcome).toEqual({ added: 0, merged: 0, dropped: 2 });
      expect(await store.read(alice)).toEqual({ enabled: false, items: [] });
      expect(await harness.storedDocuments()).toEqual([]);
    });

    it('turns on and off; off keeps the items until they are deleted', async () => {
      expect(await store.setEnabled(alice, true, minute(1))).toBe(true);
      await store.addItem(alice, '喜欢被叫小林', minute(2));
      await store.applyProposals(alice, ['养了一只叫豆豆的猫'], 's1', minute(3));
      expect(await store.setEnabled(alice, false, minute(4))).toBe(false);
      const off = await store.read(alice);
      expect(off.enabled).toBe(false);
      expect(texts(off.items)).toEqual(['喜欢被叫小林', '养了一只叫豆豆的猫']);
      // Off, the model's proposals are not collected, but the user's own item may still be written.
      await store.applyProposals(alice, ['最近在准备考研'], 's1', minute(5));
      expect(texts((await store.read(alice)).items)).toHaveLength(2);
    });

    it("stores the user's items with their fields, oldest first, and the document in its schema", async () => {
      const first = await store.addItem(alice, '只想被倾听，不要建议', minute(1));
      const second = await store.addItem(alice, '妈妈住院了', minute(2));
      expect(first).toMatchObject({
        text: '只想被倾听，不要建议',
        source: 'user',
        created_at: minute(1),
        updated_at: minute(1),
      });
      expect(first.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(first.session_id).toBeUndefined();
      expect((await store.read(alice)).items).toEqual([first, second]);
      const [stored] = await harness.storedDocuments();
      expect(memoryDocumentSchema.parse(stored)).toMatchObject({ user_id: alice, enabled: false });
    });

    it('edits an item: the text and source become the user’s, and the session is dropped', async () => {
      await store.setEnabled(alice, true, minute(1));
      await store.applyProposals(alice, ['在找新工作'], 's1', minute(2));
      const [proposed] = (await store.read(alice)).items;
      expect(proposed).toMatchObject({ source: 'model', session_id: 's1' });
      const edited = await store.updateItem(alice, proposed?.id ?? '', '找到新工作了', minute(3));
      expect(edited).toEqual({
        id: proposed?.id,
        text: '找到新工作了',
        source: 'user',
        created_at: minute(2),
        updated_at: minute(3),
      });
      expect((await store.read(alice)).items).toEqual([edited]);
      await expectAppError(
        store.updateItem(alice, 'mem_missing', '别的', minute(4)),
        'MEMORY_ITEM_NOT_FOUND',
      );
    });

    it('deletes one item, then clears the rest; the setting stays', async () => {
      await store.setEnabled(alice, true, minute(1));
      const kept = await store.addItem(alice, '一', minute(2));
      const gone = await store.addItem(alice, '二', minute(3));
      expect(await store.deleteItem(alice, gone.id, minute(4))).toBe(true);
      expect(await store.deleteItem(alice, gone.id, minute(5))).toBe(false);
      expect((await store.read(alice)).items).toEqual([kept]);
      await store.addItem(alice, '三', minute(6));
      expect(await store.clearItems(alice, minute(7))).toBe(2);
      expect(await store.clearItems(alice, minute(8))).toBe(0);
      expect(await store.read(alice)).toEqual({ enabled: true, items: [] });
    });

    it('does not learn again what the user deleted, and keeps only hashes of it', async () => {
      await store.setEnabled(alice, true, minute(1));
      await store.applyProposals(alice, ['有一只叫豆豆的猫', '在准备考研'], 's1', minute(2));
      const [cat] = (await store.read(alice)).items;
      await store.deleteItem(alice, cat?.id ?? '', minute(3));
      // The same words, however spelt, from a call that started after the delete: dropped.
      const again = await store.applyProposals(
        alice,
        ['有一只叫 豆豆 的猫！'],
        's1',
        minute(5),
        undefined,
        minute(4),
      );
      expect(again).toEqual({ added: 0, merged: 0, dropped: 1 });
      await store.clearItems(alice, minute(6));
      const cleared = await store.applyProposals(
        alice,
        ['在准备考研', '周末爬山'],
        's1',
        minute(8),
        undefined,
        minute(7),
      );
      expect(cleared).toEqual({ added: 1, merged: 0, dropped: 1 });
      expect(texts((await store.read(alice)).items)).toEqual(['周末爬山']);
      const stored = JSON.stringify(await harness.storedDocuments());
      expect(stored).not.toContain('豆豆');
      expect(stored).not.toContain('考研');
      // The user may still write it themselves.
      await store.addItem(alice, '有一只叫豆豆的猫', minute(9));
      expect(texts((await store.read(alice)).items)).toEqual(['周末爬山', '有一只叫豆豆的猫']);
      // delete_all takes the hashes too.
      await store.deleteMemory(alice);
      expect(await harness.storedDocuments()).toEqual([]);
    });

    it('drops the proposals of a call that started before the last delete, clear or off', async () => {
      await store.setEnabled(alice, true, minute(1));
      await store.addItem(alice, '一', minute(2));
      await store.clearItems(alice, minute(4));
      const late = await store.applyProposals(alice, ['养了一只猫'], 's1', minute(5), undefined, minute(3));
      expect(late).toEqual({ added: 0, merged: 0, dropped: 1 });
      await store.setEnabled(alice, false, minute(6));
      await store.setEnabled(alice, true, minute(8));
      const beforeOff = await store.applyProposals(
        alice,
        ['养了一只猫'],
        's1',
        minute(9),
        undefined,
        minute(5),
      );
      expect(beforeOff.dropped).toBe(1);
      const after = await store.applyProposals(alice, ['养了一只猫'], 's1', minute(9), undefined, minute(7));
      expect(after.added).toBe(1);
    });

    it('never writes over a document deleted and created again since it was read', async () => {
      await store.setEnabled(alice, true, minute(1));
      await store.addItem(alice, '旧的秘密', minute(2));
      const read = await store.readDocument(alice);
      // delete_all, then the memory on again with one item within the same minute: the same revision
      // number and the same created_at as the one read; only the document's generation tells them apart.
      await store.deleteMemory(alice);
      await store.setEnabled(alice, true, minute(1));
      await store.addItem(alice, '新的一条', minute(2));
      expect((await store.readDocument(alice))?.created_at).toBe(read?.created_at);
      expect((await store.readDocument(alice))?.revision).toBe(read?.revision);
      await store.applyProposals(alice, ['在准备考研'], 's1', minute(5), read);
      expect(texts((await store.read(alice)).items)).toEqual(['新的一条', '在准备考研']);
    });

    it('takes back the proposals of a turn that could not be stored, and only those', async () => {
      await store.setEnabled(alice, true, minute(1));
      await store.applyProposals(alice, ['养了一只猫'], 's0', minute(2));
      const before = await store.readDocument(alice);
      await store.applyProposals(alice, ['养了一只猫，叫豆豆', '在准备考研'], 's1', minute(3), before);
      await store.applyProposals(alice, ['周末爬山'], 's1', minute(4));
      expect(await store.undoProposals(alice, 's1', minute(3), before ?? never())).toBe(2);
      const items = (await store.read(alice)).items;
      expect(texts(items)).toEqual(['养了一只猫', '周末爬山']);
      expect(items[0]?.session_id).toBe('s0');
    });

    it('merges duplicate proposals and never changes what the user wrote or edited', async () => {
      await store.setEnabled(alice, true, minute(1));
      const own = await store.addItem(alice, '不喜欢被说教', minute(2));
      const outcome = await store.applyProposals(
        alice,
        ['不喜欢被说教！', '养了一只猫', '养了 一只猫。', '不喜欢被说教，希望被倾听'],
        's1',
        minute(3),
      );
      expect(outcome).toEqual({ added: 1, merged: 3, dropped: 0 });
      const items = (await store.read(alice)).items;
      expect(items[0]).toEqual(own);
      expect(texts(items)).toEqual(['不喜欢被说教', '养了一只猫']);
      // A later, fuller proposal of a model item takes its place, with the new session.
      await store.applyProposals(alice, ['养了一只猫，叫豆豆'], 's2', minute(4));
      const [, cat] = (await store.read(alice)).items;
      expect(cat).toMatchObject({ text: '养了一只猫，叫豆豆', source: 'model', session_id: 's2' });
      expect(cat?.created_at).toBe(minute(3));
      // An item the user edited is the user's: proposals no longer change it.
      await store.updateItem(alice, cat?.id ?? '', '养了一只猫', minute(5));
      await store.applyProposals(alice, ['养了一只猫，叫豆豆，三岁了'], 's3', minute(6));
      expect(texts((await store.read(alice)).items)).toEqual(['不喜欢被说教', '养了一只猫']);
    });

    it('keeps one item when the user adds what is there, and adopts a model item as the user’s', async () => {
      await store.setEnabled(alice, true, minute(1));
      await store.applyProposals(alice, ['周末会去爬山'], 's1', minute(2));
      const adopted = await store.addItem(alice, '周末会去爬山。', minute(3));
      expect(adopted).toMatchObject({ text: '周末会去爬山。', source: 'user' });
      expect((await store.read(alice)).items).toEqual([adopted]);
      expect(await store.addItem(alice, '周末会去爬山。', minute(4))).toEqual(adopted);
      // Containment does not merge what the user types: these say different things.
      await store.addItem(alice, '去爬山', minute(5));
      expect((await store.read(alice)).items).toHaveLength(2);
    });

    it(`holds at most ${MEMORY_MAX_ITEMS} items: the user gets MEMORY_FULL, proposals are dropped`, async () => {
      await store.setEnabled(alice, true, minute(1));
      for (let index = 0; index < MEMORY_MAX_ITEMS - 2; index += 1) {
        await store.addItem(alice, `第 ${index} 件事`, minute(2));
      }
      const outcome = await store.applyProposals(alice, ['甲事', '乙事', '丙事', '丁事'], 's1', minute(3));
      expect(outcome).toEqual({ added: 2, merged: 0, dropped: 2 });
      expect((await store.read(alice)).items).toHaveLength(MEMORY_MAX_ITEMS);
      await expectAppError(store.addItem(alice, '再一件', minute(4)), 'MEMORY_FULL');
      // A duplicate is not an addition: it still merges when the memory is full.
      expect((await store.applyProposals(alice, ['甲事'], 's1', minute(5))).merged).toBe(1);
      expect((await store.read(alice)).items).toHaveLength(MEMORY_MAX_ITEMS);
    });

    it('drops proposals that cannot be items: empty, invisible, too long, not text', async () => {
      await store.setEnabled(alice, true, minute(1));
      const proposals = ['', '  \u200b ', '长'.repeat(101), 42 as unknown as string, '  一个  好的\n条目 '];
      const outcome = await store.applyProposals(alice, proposals, undefined, minute(2));
      expect(outcome).toEqual({ added: 1, merged: 0, dropped: 4 });
      const items = (await store.read(alice)).items;
      expect(texts(items)).toEqual(['一个 好的 条目']);
      expect(items[0]?.session_id).toBeUndefined();
    });

    it('loses no change when writers race', async () => {
      await store.setEnabled(alice, true, minute(1));
      await Promise.all([
        store.addItem(alice, '一号', minute(2)),
        store.addItem(alice, '二号', minute(2)),
        store.applyProposals(alice, ['三号事情'], 's1', minute(2)),
        store.addItem(alice, '四号', minute(2)),
      ]);
      expect(texts((await store.read(alice)).items).sort()).toEqual(
        ['一号', '三号事情', '二号', '四号'].sort(),
      );
    });

    it("keeps users apart: nothing one does reads or changes another's memory", async () => {
      await store.setEnabled(alice, true, minute(1));
      const secret = await store.addItem(alice, '小林的秘密', minute(2));
      expect(await store.read(bob)).toEqual({ enabled: false, items: [] });
      await expectAppError(store.updateItem(bob, secret.id, '改掉', minute(3)), 'MEMORY_ITEM_NOT_FOUND');
      expect(await store.deleteItem(bob, secret.id, minute(3))).toBe(false);
      expect(await store.clearItems(bob, minute(3))).toBe(0);
      expect(await store.deleteMemory(bob)).toBe(false);
      expect(await store.read(alice)).toEqual({ enabled: true, items: [secret] });
    });

    it('deletes the whole memory, setting included', async () => {
      await store.setEnabled(alice, true, minute(1));
      await store.addItem(alice, '一', minute(2));
      await store.setEnabled(bob, true, minute(2));
      expect(await store.deleteMemory(alice)).toBe(true);
      expect(await store.deleteMemory(alice)).toBe(false);
      expect(await store.read(alice)).toEqual({ enabled: false, items: [] });
      expect(await store.read(bob)).toMatchObject({ enabled: true });
      expect(await harness.storedDocuments()).toHaveLength(1);
    });

    it('lists the owners of memories last changed before a cutoff, in id pages, and deletes only those still old', async () => {
      for (const [userId, at] of [
        ['carol', 1],
        [alice, 2],
        ['dave', 3],
        [bob, 9],
      ] as const) {
        await store.setEnabled(userId, true, minute(at));
      }
      expect(await store.listOwnersUpdatedBefore(minute(5), { limit: 10 })).toEqual([alice, 'carol', 'dave']);
      // The boundary is exclusive, as the session sweep's: a memory changed at the cutoff stays.
      expect(await store.listOwnersUpdatedBefore(minute(9), { limit: 10 })).toEqual([alice, 'carol', 'dave']);
      expect(await store.listOwnersUpdatedBefore(minute(5), { limit: 2 })).toEqual([alice, 'carol']);
      expect(await store.listOwnersUpdatedBefore(minute(5), { limit: 2, afterUserId: 'carol' })).toEqual([
        'dave',
      ]);
      // Changed after it was listed: the conditional delete spares it; an unconditional one does not.
      await store.addItem('carol', '新的一件事', minute(6));
      expect(await store.deleteMemory('carol', { updatedBefore: minute(5) })).toBe(false);
      expect(await store.deleteMemory(alice, { updatedBefore: minute(5) })).toBe(true);
      expect(await store.deleteMemory(alice, { updatedBefore: minute(5) })).toBe(false);
      expect(await store.listOwnersUpdatedBefore(minute(5), { limit: 10 })).toEqual(['dave']);
      expect(await store.read('carol')).toMatchObject({ enabled: true, items: [{ text: '新的一件事' }] });
      await expect(store.listOwnersUpdatedBefore('2026-03-01', { limit: 10 })).rejects.toThrow(TypeError);
      await expect(store.deleteMemory(bob, { updatedBefore: 'yesterday' })).rejects.toThrow(TypeError);
      expect(await harness.storedDocuments()).toHaveLength(3);
    });

    it('refuses ids that are not ids before touching storage', async () => {
      for (const invalidId of invalidIds) {
        await expectAppError(store.read(invalidId), 'INVALID_ID');
        await expectAppError(store.setEnabled(invalidId, true, minute(1)), 'INVALID_ID');
        await expectAppError(store.deleteMemory(invalidId), 'INVALID_ID');
      }
      expect(await harness.storedDocuments()).toEqual([]);
    });
  });
}
