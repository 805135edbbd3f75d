import { createHash } from 'node:crypto';
import type { Delivery } from '../../../../electron/main/cache/outbox';

/** The review certificate id a test item's marker maps to (a UUID, as arx.record_review takes). */
export function reviewIdOf(marker: string): string {
  const h = createHash('sha256').update(`test-review:${marker}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A test outbox kind: a "review" delivered as the console delivers one, through arx.record_review
 * (as an isso whose EDIPI is `signerEdipi`): a review certificate row whose envelope carries the
 * item's marker (counted by the tests) and its one com.arx.review.signed event; an optional
 * pg_sleep inside the transaction widens the window in which a crash lands mid-delivery.
 */
export function testReviewDelivery(tenantId: string, signerEdipi: string, sleepSeconds = 0): Delivery {
  return (payload) => {
    const p = payload as { reviewId: string; reject?: boolean };
    const reviewId = reviewIdOf(p.reviewId);
    const toSeq = p.reject ? -1 : 0;
    return {
      tenantId,
      events: [
        {
          type: 'com.arx.review.signed',
          subject: reviewId,
          data: { reviewId, fromSeq: 0, toSeq, signer: signerEdipi, verdict: 'intact' },
        },
      ],
      writeWithEvents: async (client, rows) => {
        if (sleepSeconds > 0) await client.query('SELECT pg_sleep($1)', [sleepSeconds]);
        await client.query('SELECT arx.record_review($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)', [
          tenantId,
          reviewId,
          0,
          toSeq,
          { marker: p.reviewId },
          ...rows,
        ]);
      },
    };
  };
}
