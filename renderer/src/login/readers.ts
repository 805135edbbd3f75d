import { useCallback, useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx } from '../app/arx-client';
import { toLoadable, type Loadable } from '../app/use-arx-result';

export type Readers = ResponseOf<'card.readers'>;
export type Reader = Readers['readers'][number];

/** Readers are polled while the login screen is shown, so inserting a card needs no click. */
const READER_POLL_MS = 3000;

/** A PIN as the cards here accept it. */
export const PIN_PATTERN = /^[0-9A-Za-z]{4,16}$/;

export function useReaders(): [Loadable<Readers>, () => void] {
  const [readers, setReaders] = useState<Loadable<Readers>>({ state: 'loading' });
  const refresh = useCallback(() => {
    void callArx((arx) => arx.card.readers({})).then((r) => setReaders(toLoadable(r)));
  }, []);
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, READER_POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  return [readers, refresh];
}

/** The readers with a card in them. */
export function cardReaders(readers: Readers): Reader[] {
  return readers.readers.filter((r) => r.tokenPresent);
}

/** The reader the user chose (while it still holds a card), else the first one with a card. */
export function cardSlot(readers: Readers, chosen: string | null): Reader | null {
  const present = cardReaders(readers);
  return present.find((r) => r.slot === chosen) ?? present[0] ?? null;
}

export const readerName = (r: Reader) =>
  `${r.tokenLabel ?? 'unlabelled card'}${r.serial ? ` (serial ${r.serial})` : ''} in ${r.description}`;
