import type { Delivery } from '../../../../electron/main/cache/outbox';

/**
 * A test outbox kind: a "review" whose delivery is one com.arx.review.signed audit event (its
 * reviewId is the item's marker, counted by the tests) and an optional pg_sleep inside the
 * transaction to widen the window in which a crash lands mid-delivery.
 */
export function testReviewDelivery(tenantId: string, sleepSeconds = 0): Delivery {
  return (payload) => {
    const p = payload as { reviewId: string; reject?: boolean };
    return {
      tenantId,
      events: [
        {
          type: 'com.arx.review.signed',
          subject: p.reviewId,
          data: {
            reviewId: p.reviewId,
            fromSeq: 0,
            toSeq: p.reject ? -1 : 0,
            signer: 'test-signer',
            verdict: 'intact',
          },
        },
      ],
      ...(sleepSeconds > 0
        ? { write: async (client) => void (await client.query('SELECT pg_sleep($1)', [sleepSeconds])) }
        : {}),
    };
  };
}
