import { expect, it } from 'vitest';
import type { DeliveryStore } from '../../../src/store/store.js';

/** What every DeliveryStore keeps: a recipient's newest tries first, bounded, apart from others', gone after the retention. */
export function deliveryContract(store: () => Promise<DeliveryStore>): void {
  it('deliveries: newest first, the newest N kept, each recipient its own, gone after the retention', async () => {
    const s = await store();
    for (let i = 1; i <= 5; i++) await s.recordDelivery('seller:a', `{"n":${i}}`, 3, 300);
    await s.recordDelivery('buyer:b', '{"n":"b"}', 3, 300);
    expect(await s.deliveries('seller:a', 10)).toEqual(['{"n":5}', '{"n":4}', '{"n":3}']);
    expect(await s.deliveries('seller:a', 2)).toEqual(['{"n":5}', '{"n":4}']);
    expect(await s.deliveries('buyer:b', 10)).toEqual(['{"n":"b"}']);
    expect(await s.deliveries('seller:nobody', 10)).toEqual([]);
    await new Promise((r) => setTimeout(r, 450));
    expect(await s.deliveries('seller:a', 10)).toEqual([]);
  });
}
