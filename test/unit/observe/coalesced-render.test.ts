import { describe, expect, it } from 'vitest';
import { CoalescedRender } from '../../../src/observe/coalesced-render.js';

describe('CoalescedRender', () => {
  it('shares a render in flight, reuses a result younger than 4x its cost, renders again after', async () => {
    let now = 0;
    let renders = 0;
    let finish!: (v: string) => void;
    const r = new CoalescedRender(
      () => {
        renders++;
        return new Promise<string>((resolve) => (finish = resolve));
      },
      4,
      () => now,
    );
    const a = r.get();
    const b = r.get();
    now = 100; // the render took 100 ms
    finish('first');
    expect(await Promise.all([a, b])).toEqual(['first', 'first']);
    expect(renders).toBe(1);
    now = 450; // 350 ms old < 4 x 100 ms: reused
    expect(await r.get()).toBe('first');
    expect(renders).toBe(1);
    now = 501; // 401 ms old: rendered again
    const c = r.get();
    finish('second');
    expect(await c).toBe('second');
    expect(renders).toBe(2);
  });

  it('a failed render is not kept: the next request renders again', async () => {
    let renders = 0;
    const r = new CoalescedRender(async () => {
      renders++;
      if (renders === 1) throw new Error('boom');
      return 'ok';
    });
    await expect(r.get()).rejects.toThrow('boom');
    expect(await r.get()).toBe('ok');
  });
});
