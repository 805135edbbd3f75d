import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx, type ArxError } from '../app/arx-client';

export type ReviewPage = ResponseOf<'admin.accessReviewPage'>;
export type ReviewEntry = ReviewPage['entries'][number];
export const PAGE_SIZE = 100;

export interface ReviewQuery {
  text: string;
  problemsOnly: boolean;
  expiringOnly: boolean;
  page: number;
}

/**
 * One page of the access review, read from main as the query changes (the text after a pause in
 * typing) and again whenever `round` changes. The last page read stays shown while the next is read.
 */
export function useReviewPage(round: string | number, onPage?: (p: ReviewPage) => void) {
  const [query, setQuery] = useState<ReviewQuery>({ text: '', problemsOnly: false, expiringOnly: false, page: 1 });
  const [text, setText] = useState('');
  const [page, setPage] = useState<{ value: ReviewPage; of: ReviewQuery } | null>(null);
  const [error, setError] = useState<ArxError | null>(null);
  const asked = JSON.stringify([query, round]);
  const [answered, setAnswered] = useState<string | null>(null);

  useEffect(() => {
    if (text === query.text) return;
    const t = setTimeout(() => setQuery((q) => ({ ...q, text, page: 1 })), 250);
    return () => clearTimeout(t);
  }, [text, query.text]);

  useEffect(() => {
    let live = true;
    void callArx((arx) => arx.admin.accessReviewPage({ ...query, pageSize: PAGE_SIZE })).then((r) => {
      if (!live) return;
      setAnswered(JSON.stringify([query, round]));
      if (r.ok) {
        setPage({ value: r.value, of: query });
        onPage?.(r.value);
        setError(null);
      } else setError(r.error);
    });
    return () => {
      live = false;
    };
    // onPage is a listener: a new one (an inline arrow each render) is no reason to read again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query, round]);

  return {
    query,
    text,
    setText,
    setProblemsOnly: (problemsOnly: boolean) => setQuery((q) => ({ ...q, problemsOnly, page: 1 })),
    setExpiringOnly: (expiringOnly: boolean) => setQuery((q) => ({ ...q, expiringOnly, page: 1 })),
    goTo: (n: number) => setQuery((q) => ({ ...q, page: n })),
    page: page?.value ?? null,
    /** Whether the page shown was read with a filter (the query may have changed since). */
    filtered: !!page && (page.of.text !== '' || page.of.problemsOnly || page.of.expiringOnly),
    error,
    reading: answered !== asked,
  };
}
