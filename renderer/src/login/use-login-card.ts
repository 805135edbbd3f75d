import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx, type ArxError } from '../app/arx-client';
import type { Loadable } from '../app/use-arx-result';
import { cardReaders, cardSlot, type Readers } from './readers';

type Certificate = ResponseOf<'card.certificates'>[number];

/**
 * The card the operator logs in with: the chosen reader (or the only one with a card), and the
 * card's login certificates with the one picked. Both are kept with the card they belong to, so
 * that another card never inherits them; certificates are read again when the card changes.
 */
export function useLoginCard(readers: Loadable<Readers>, onError: (e: ArxError) => void) {
  const [certs, setCerts] = useState<{ card: string; list: Certificate[] } | null>(null);
  const [picked, setPicked] = useState<{ card: string; id: string } | null>(null);
  const [chosenSlot, setChosenSlot] = useState<string | null>(null);
  const ready = readers.state === 'ok' && readers.value.module === 'ready' ? readers.value : null;
  const withCard = ready ? cardReaders(ready) : [];
  const reader = ready ? cardSlot(ready, chosenSlot) : null;
  const slot = reader?.slot ?? null;

  const cardKey = reader ? `${reader.slot}/${reader.serial ?? ''}` : null;
  const certificates = certs && certs.card === cardKey ? certs.list : [];
  const certificateId = picked && picked.card === cardKey ? picked.id : null;
  const setCertificateId = (id: string | null) => setPicked(id && cardKey ? { card: cardKey, id } : null);
  useEffect(() => {
    if (!slot || !cardKey) return;
    let live = true;
    void callArx((arx) => arx.card.certificates({ slot })).then((r) => {
      if (!live) return;
      if (r.ok) setCerts({ card: cardKey, list: r.value.filter((c) => c.usableForLogin) });
      else onError(r.error);
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cardKey]);

  return { withCard, reader, slot, chosenSlot, setChosenSlot, certificates, certificateId, setCertificateId };
}
